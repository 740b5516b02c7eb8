"""Previous / next buttons under a paged table; the page number lives in session state."""

from __future__ import annotations

import streamlit as st

from fleming.ui.context import t


def pager(*, key: str, page: int, pages: int, caption: str) -> None:
    """Draw the buttons; a click stores the new page in ``st.session_state[key]`` and reruns."""
    prev_col, next_col, info_col = st.columns([1, 1, 4], vertical_alignment="center")
    if prev_col.button(
        t("paging.previous"),
        disabled=page <= 1,
        icon=":material/chevron_left:",
        key=f"{key}_prev",
        width="stretch",
    ):
        st.session_state[key] = page - 1
        st.rerun()
    if next_col.button(
        t("paging.next"),
        disabled=page >= pages,
        icon=":material/chevron_right:",
        icon_position="right",
        key=f"{key}_next",
        width="stretch",
    ):
        st.session_state[key] = page + 1
        st.rerun()
    info_col.caption(caption)


def page_number(key: str, filters: object) -> int:
    """The page to show: back to 1 whenever the filters change."""
    seen = f"{key}_filters"
    if st.session_state.get(seen) != filters:
        st.session_state[seen] = filters
        st.session_state[key] = 1
    return st.session_state.get(key, 1)
