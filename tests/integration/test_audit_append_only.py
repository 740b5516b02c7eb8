"""The audit log is append-only in the database itself (migration 0002), on SQLite and PostgreSQL:
UPDATE and DELETE of audit rows are refused whatever the code path; only the sanctioned
``delete_all_rows`` (demo reset, the tests' clean-up) empties it, and the guard survives that."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from fleming import audit
from fleming.actor import Actor
from fleming.db import delete_all_rows, unit_of_work
from fleming.models import AuditEntry, Role, User

REFUSED = "append-only"


@pytest.fixture
def logged(engine):
    """One user and two audit rows written by the application's own ``audit.record``."""
    with unit_of_work(engine) as s:
        user = User(username="anna", full_name="Anna", password_hash="x", role=Role.ADMIN)
        s.add(user)
        s.flush()
        actor = Actor(id=user.id, username="anna", full_name="Anna", role=Role.ADMIN)
        audit.record(session=s, actor=actor, action="create", entity="person", entity_id=1)
        audit.record(session=s, actor=actor, action="update", entity="person", entity_id=1)
    return engine


def _rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            select(AuditEntry.id, AuditEntry.actor_id, AuditEntry.action).order_by(AuditEntry.id)
        ).all()


def test_sql_update_and_delete_of_audit_rows_are_refused(logged):
    before = _rows(logged)
    assert len(before) == 2
    with pytest.raises(DBAPIError, match=REFUSED), logged.begin() as conn:
        conn.execute(update(AuditEntry).values(action="nothing happened"))
    with pytest.raises(DBAPIError, match=REFUSED), logged.begin() as conn:
        conn.execute(delete(AuditEntry).where(AuditEntry.action == "update"))
    assert _rows(logged) == before


def test_orm_changes_to_a_loaded_audit_row_are_refused(logged):
    with pytest.raises(DBAPIError, match=REFUSED), unit_of_work(logged) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "create")).one()
        entry.entity = "company"
    with pytest.raises(DBAPIError, match=REFUSED), unit_of_work(logged) as s:
        s.delete(s.scalars(select(AuditEntry).limit(1)).one())
    assert [r.action for r in _rows(logged)] == ["create", "update"]


def test_a_user_named_in_the_log_cannot_be_deleted(logged):
    """``actor_id`` is ON DELETE SET NULL: deleting the user would rewrite the audit rows."""
    with pytest.raises(DBAPIError, match=REFUSED), logged.begin() as conn:
        conn.execute(delete(User).where(User.username == "anna"))
    assert all(r.actor_id is not None for r in _rows(logged))


def test_delete_all_rows_empties_the_log_and_keeps_the_guard(logged):
    with logged.begin() as conn:
        delete_all_rows(conn)
    with logged.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AuditEntry)) == 0
        assert conn.scalar(select(func.count()).select_from(User)) == 0
    with unit_of_work(logged) as s:
        audit.record(session=s, actor=None, action="login_failed", entity="user")
    with pytest.raises(DBAPIError, match=REFUSED), logged.begin() as conn:
        conn.execute(delete(AuditEntry))
    assert len(_rows(logged)) == 1


def test_a_failed_delete_all_rows_leaves_the_guard_in_place(logged):
    """The triggers are dropped and re-created in the caller's transaction: a rollback brings
    back the rows and the triggers both."""
    with pytest.raises(RuntimeError), logged.begin() as conn:
        delete_all_rows(conn)
        raise RuntimeError("something after the wipe fails")
    assert len(_rows(logged)) == 2
    with pytest.raises(DBAPIError, match=REFUSED), logged.begin() as conn:
        conn.execute(delete(AuditEntry))
    assert len(_rows(logged)) == 2
