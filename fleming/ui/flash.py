"""A message that survives a page switch: set it before ``st.switch_page``, show it on arrival."""

from __future__ import annotations

import streamlit as st

FLASH_KEY = "fleming_flash"


def flash(message: str) -> None:
    st.session_state[FLASH_KEY] = message


def show_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")
