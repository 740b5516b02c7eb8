"""Per-session glue: the engine, the language and the logged-in actor."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from fleming import db
from fleming.actor import Actor
from fleming.i18n import DEFAULT_LANGUAGE, LANGUAGES, enum_label, translate

LANG_KEY = "lang"
ACTOR_KEY = "fleming_actor"


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return db.get_engine(url)


def engine() -> Engine:
    from fleming import config

    return _engine(config.database_url())


def lang() -> str:
    value = st.session_state.get(LANG_KEY, DEFAULT_LANGUAGE)
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **params: object) -> str:
    """Translate ``key`` into the session's language."""
    return translate(key, lang(), **params)


def label(value) -> str:
    """The translated label of an enum member."""
    return enum_label(value, lang())


def current_actor() -> Actor | None:
    actor = st.session_state.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else None


def language_switch() -> None:
    """The sidebar language switch (Italiano / English)."""
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = DEFAULT_LANGUAGE
    st.sidebar.radio(
        "Lingua / Language",
        options=list(LANGUAGES),
        format_func=lambda code: {"it": "Italiano", "en": "English"}[code],
        key=LANG_KEY,
        horizontal=True,
    )
