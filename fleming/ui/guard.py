"""The one-line guard every page script starts with."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from fleming import permissions
from fleming.actor import Actor
from fleming.db import unit_of_work
from fleming.models import Role
from fleming.ui.context import current_actor, engine, t


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


def forbidden_page(url_path: str) -> Callable[[], None]:
    """The page drawn at the address of a page the role may not open: says so in the user's
    language, links home, and audits the attempt (nothing of the real page runs)."""

    def page() -> None:
        actor = current_actor()
        audited = st.session_state.setdefault("guard_forbidden_audited", set())
        if actor is not None and url_path not in audited:  # once per attempt, not per rerun
            with unit_of_work(engine()) as session:
                permissions.deny_page(session=session, actor=actor, page=url_path)
            audited.add(url_path)
        st.title(t("guard.forbidden.title"))
        st.error(t("guard.forbidden.text"), icon=":material/block:")
        st.page_link("app_pages/home.py", label=t("guard.forbidden.home"), icon=":material/home:")

    page.__name__ = f"forbidden_{url_path}"
    return page
