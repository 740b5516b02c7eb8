"""Through the real login form: a username with no account gets the same
messages as a real one, in the same order, including the lock at the 5th failure, in Italian
and in English."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from fleming import auth
from tests.app.helpers import submit_login


@pytest.fixture
def unlock_afterwards(demo_url):
    """No failed attempt before or after: the demo database is shared by the worker's tests,
    and an earlier test's wrong password would make the real account lock sooner."""
    from fleming.db import get_engine
    from fleming.models import User

    def unlock() -> None:
        with get_engine(demo_url).begin() as conn:
            conn.execute(update(User).values(failed_attempts=0, locked_until=None, failed_at=None))
        auth.UNKNOWN_NAMES.clear()

    unlock()
    yield
    unlock()


def _six_failures(app, username: str, lang: str) -> list[list[str]]:
    at = app().run()
    if lang == "en":
        at.sidebar.radio[0].set_value("en").run()
    shown = []
    for _ in range(6):
        at = submit_login(at, username, "sbagliata-123")
        assert not at.exception
        assert at.session_state["authentication_status"] is not True
        shown.append([re.sub(r"\d", "#", e.value) for e in at.error])  # the time of the lock
    return shown


@pytest.mark.parametrize(
    ("lang", "wrong", "locked"),
    [
        ("it", "Nome utente o password non corretti.", "bloccato"),
        ("en", "Wrong username or password.", "locked"),
    ],
)
def test_an_unknown_username_reads_and_locks_like_a_real_one(
    app, unlock_afterwards, lang, wrong, locked
):
    real = _six_failures(app, "tutor", lang)
    unknown = _six_failures(app, "nessuno.qui", lang)
    assert unknown == real, (real, unknown)
    assert all(any(wrong in e for e in errors) for errors in real[:4])
    assert all(any(locked in e for e in errors) for errors in real[4:])  # the 5th locks
