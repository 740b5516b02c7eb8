"""The parts of the screen around every page: identity in the sidebar, the demo banner."""

from __future__ import annotations

import streamlit as st

from fleming.actor import Actor
from fleming.ui.context import label, t
from fleming.ui.text import plain


def sidebar_identity(actor: Actor, is_demo: bool) -> None:
    with st.sidebar:
        st.markdown(f"**{plain(actor.full_name)}**")
        role = label(actor.role)
        st.caption(f"{role} · {plain(actor.partner_org_name)}" if actor.partner_org_name else role)
        if is_demo:
            st.caption(":material/science: " + t("demo.sidebar"))


def demo_banner() -> None:
    """On the login screen of a demo database: the demo accounts, so anyone can try each role."""
    from fleming.devtools.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    rows = "\n".join(
        f"| `{username}` | {t('enum.Role.' + role)} | `{DEMO_PASSWORD}` |"
        for username, role in DEMO_ACCOUNTS.items()
    )
    st.info(
        t("demo.banner")
        + "\n\n"
        + f"| {t('login.username')} | {t('demo.role')} | {t('login.password')} |\n|---|---|---|\n"
        + rows,
        icon=":material/science:",
    )
