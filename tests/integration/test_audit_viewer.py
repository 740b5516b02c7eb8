"""The audit viewer: filters in SQL, paging, admin only, the export is itself audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fleming import audit_log
from fleming.actor import Actor
from fleming.db import unit_of_work
from fleming.errors import PermissionDenied
from fleming.models import AuditEntry, Role, utcnow

ADMIN = Actor(id=0, username="capo", full_name="Capo", role=Role.ADMIN)
TUTOR = Actor(id=0, username="tutor.x", full_name="T", role=Role.TUTOR)


@pytest.fixture
def log(engine):
    now = utcnow()
    rows = [
        AuditEntry(at=now - timedelta(days=d), actor_username=u, action=a, entity=e, person_id=p)
        for d, u, a, e, p in [
            (0, "anna", "create", "person", 7),
            (1, "anna", "update", "person", 7),
            (2, "bruno", "create", "company", None),
            (40, "anna", "view", "person", 8),
        ]
    ]
    with unit_of_work(engine) as s:
        s.add_all(rows)
    return engine


def test_filters_combine_and_page(log):
    with unit_of_work(log) as s:
        frame, total = audit_log.list_entries(
            session=s, actor=ADMIN, filters=audit_log.AuditFilters(username="anna"), limit=1
        )
        assert total == 3
        assert list(frame["action"]) == ["create"]  # newest first
        frame, total = audit_log.list_entries(
            session=s,
            actor=ADMIN,
            filters=audit_log.AuditFilters(person_id=7, since=date.today() - timedelta(days=30)),
        )
        assert total == 2
        assert set(frame["action"]) == {"create", "update"}
        _, total = audit_log.list_entries(
            session=s,
            actor=ADMIN,
            filters=audit_log.AuditFilters(entity="company", action="create"),
        )
        assert total == 1


def test_only_admins_read_the_log(log):
    with pytest.raises(PermissionDenied), unit_of_work(log) as s:
        audit_log.list_entries(session=s, actor=TUTOR, filters=audit_log.AuditFilters())


def test_export_is_audited(log):
    with unit_of_work(log) as s:
        frame = audit_log.export_entries(
            session=s, actor=ADMIN, filters=audit_log.AuditFilters(username="anna")
        )
    assert len(frame) == 3
    with unit_of_work(log) as s:
        _, total = audit_log.list_entries(
            session=s, actor=ADMIN, filters=audit_log.AuditFilters(action="export")
        )
    assert total == 1
