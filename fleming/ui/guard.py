"""The one-line guard every page script starts with."""

from __future__ import annotations

import streamlit as st

from fleming.actor import Actor
from fleming.models import Role
from fleming.ui.context import current_actor, t


def require_role(*roles: Role) -> Actor:
    """Return the logged-in actor if their role is one of ``roles``; otherwise stop the page.

    Whatever route reached the script (navigation, a typed URL, a test), nothing below the guard
    renders for someone not allowed. Services check permissions again on every call.
    """
    actor = current_actor()
    if actor is None:
        st.warning(t("guard.login_required"))
        st.stop()
    if actor.role not in roles:
        st.error(t("guard.not_allowed"))
        st.stop()
    return actor
