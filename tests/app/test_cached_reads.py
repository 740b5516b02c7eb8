"""``fleming.ui.cache.read``: a page's repeated read answered from the cache until a write.

The answer must be the service's own (permission included), shared only by the same user with
the same arguments, and never older than the last write committed in this process.
"""

from __future__ import annotations

import pytest

from fleming import people
from fleming.db import unit_of_work
from fleming.errors import PermissionDenied
from fleming.ui import cache
from tests.integration.people_helpers import take_in, world

calls: list[str] = []


def register(*, session, actor, **kwargs):
    """people.list_, counting the calls that reach the database."""
    calls.append(actor.username)
    return people.list_(session=session, actor=actor, **kwargs)


@pytest.fixture
def actors(engine, monkeypatch):
    monkeypatch.setenv("FLEMING_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    calls.clear()
    with unit_of_work(engine) as session:
        w = world(session)
        take_in(session, w.tutor, 0, tutor_id=w.tutor.id)
    return w


def names(page) -> list[str]:
    return [r.full_name for r in page.rows]


def test_a_repeated_read_is_served_from_the_cache(actors):
    first = cache.read(register, actors.coordinator, page=1)
    again = cache.read(register, actors.coordinator, page=1)
    assert names(again) == names(first) == ["Rossi Maria"]
    assert calls == [actors.coordinator.username]
    cache.read(register, actors.coordinator, page=2)  # other arguments: another read
    assert len(calls) == 2


def test_the_next_read_after_a_write_sees_it(engine, actors):
    assert names(cache.read(register, actors.coordinator)) == ["Rossi Maria"]
    with unit_of_work(engine) as session:
        take_in(session, actors.tutor, 1)  # Paola Rossi, by another user of the app
    assert names(cache.read(register, actors.coordinator)) == ["Rossi Maria", "Rossi Paola"]


def test_users_do_not_share_answers(actors):
    cache.read(register, actors.coordinator)
    cache.read(register, actors.tutor)
    assert calls == [actors.coordinator.username, actors.tutor.username]


def test_a_refused_user_is_refused_even_when_another_users_answer_is_cached(actors):
    cache.read(register, actors.coordinator)
    with pytest.raises(PermissionDenied):
        cache.read(register, actors.partner)


def shaped(page, language: str) -> tuple[str, ...]:
    """A register page as a screen would show it: the names, with a word in the language."""
    calls.append(f"shape {language}")
    return tuple(f"{'persona' if language == 'it' else 'person'}: {n}" for n in names(page))


def test_a_shaped_answer_is_kept_per_language_and_refreshed_by_a_write(engine, actors):
    import streamlit as st

    st.session_state["lang"] = "en"  # bare mode: the session state of this thread
    try:
        assert cache.read(register, actors.coordinator, shape=shaped) == ("person: Rossi Maria",)
        assert cache.read(register, actors.coordinator, shape=shaped) == ("person: Rossi Maria",)
        st.session_state["lang"] = "it"
        assert cache.read(register, actors.coordinator, shape=shaped) == ("persona: Rossi Maria",)
        assert calls.count("shape en") == 1 and calls.count("shape it") == 1
        with unit_of_work(engine) as session:
            take_in(session, actors.tutor, 1)
        assert cache.read(register, actors.coordinator, shape=shaped) == (
            "persona: Rossi Maria",
            "persona: Rossi Paola",
        )
    finally:
        st.session_state.pop("lang", None)
