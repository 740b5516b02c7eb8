"""The login never tells which usernames exist. A name with no account is
counted and locked like an account (per typed name, in a bounded store whose entries expire),
and failures of both are forgotten the same time after the last one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fleming import auth
from fleming.actor import SYSTEM
from fleming.db import unit_of_work
from fleming.errors import AccountLocked
from fleming.models import Role, utcnow


@pytest.fixture(autouse=True)
def no_unknown_names():
    auth.UNKNOWN_NAMES.clear()
    yield
    auth.UNKNOWN_NAMES.clear()


@pytest.fixture
def real(engine) -> str:
    with unit_of_work(engine) as s:
        auth.create_user(
            session=s,
            actor=SYSTEM,
            username="mario.rossi",
            full_name="Mario Rossi",
            password="una-password-lunga",
            role=Role.TUTOR,
        )
    return "mario.rossi"


def _fail(engine, name, now) -> auth.LockState:
    with unit_of_work(engine) as s:
        return auth.record_login(session=s, username=name, success=False, now=now)


def _states(engine, name, start, steps) -> list[tuple[bool, int]]:
    out = []
    for minutes in steps:
        state = _fail(engine, name, start + timedelta(minutes=minutes))
        out.append((state.locked, state.failed_attempts))
    return out


def test_an_unknown_name_locks_at_the_fifth_failure_like_an_account(engine, real):
    now = utcnow()
    steps = [0, 1, 2, 3, 4]
    assert _states(engine, real, now, steps) == _states(engine, "nessuno.qui", now, steps)
    for name in (real, "nessuno.qui", " Nessuno.Qui "):  # counted per typed name, normalised
        with unit_of_work(engine) as s, pytest.raises(AccountLocked) as excinfo:
            auth.ensure_not_locked(session=s, username=name, now=now + timedelta(minutes=5))
        assert excinfo.value.until == now + timedelta(minutes=4 + auth.LOCK_MINUTES)
    with unit_of_work(engine) as s:  # another unknown name is not locked by this one
        auth.ensure_not_locked(session=s, username="altro.nome", now=now + timedelta(minutes=5))
    later = now + timedelta(minutes=4 + auth.LOCK_MINUTES, seconds=1)
    for name in (real, "nessuno.qui"):  # the lock ends for both at the same time
        with unit_of_work(engine) as s:
            auth.ensure_not_locked(session=s, username=name, now=later)


def test_failures_are_forgotten_after_the_window_for_accounts_and_unknown_names(engine, real):
    now = utcnow()
    window = auth.LOCK_MINUTES
    steps = [0, 1, 2, 3, 4 + window + 1, 4 + window + 2]  # four, a pause, then two more
    expected = [(False, 1), (False, 2), (False, 3), (False, 4), (False, 1), (False, 2)]
    assert _states(engine, real, now, steps) == expected
    assert _states(engine, "nessuno.qui", now, steps) == expected


def test_the_store_of_unknown_names_is_bounded_and_expires():
    store = auth.UnknownNames(max_entries=100)
    now = utcnow()
    for n in range(10_000):  # a script typing names
        store.fail(f"nome{n}", now)
    assert len(store) == 100
    assert store.state("nome9999", now).failed_attempts == 1
    assert store.state("nome0", now).failed_attempts == 0  # dropped, oldest first
    late = now + timedelta(minutes=auth.LOCK_MINUTES, seconds=1)
    assert store.state("nome9999", late).failed_attempts == 0  # expired
    for n in range(9_900, 10_000):
        store.state(f"nome{n}", late)
    assert len(store) == 0  # an expired entry is dropped when it is looked at


def test_a_password_check_is_spent_for_an_unknown_name(monkeypatch):
    import bcrypt

    calls = []
    real_check = bcrypt.checkpw
    monkeypatch.setattr(
        bcrypt, "checkpw", lambda pw, hashed: calls.append(len(hashed)) or real_check(pw, hashed)
    )
    auth.dummy_password_check("qualcosa")
    auth.dummy_password_check(None)
    assert calls == [60, 60]  # a full 12-round bcrypt hash, like an account's
    assert auth._dummy_hash().startswith(b"$2b$12$")
