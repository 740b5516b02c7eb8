"""Tutoring: meetings and the caseload ('not seen for more than N days', overdue first)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fleming import paths, tutoring
from fleming.db import unit_of_work
from fleming.errors import PermissionDenied, ValidationErrors
from fleming.models import (
    ActivityKind,
    AuditEntry,
    MeetingKind,
    PersonStatus,
    Setting,
    TutoringMeeting,
)
from tests.integration.people_helpers import TODAY, take_in, world


@pytest.fixture
def w(engine):
    with unit_of_work(engine) as session:
        return world(session)


def meet(engine, actor, pid, days_ago, **kwargs):
    with unit_of_work(engine) as session:
        return tutoring.add_meeting(
            session=session,
            actor=actor,
            person_id=pid,
            data=tutoring.MeetingInput(
                met_on=TODAY - timedelta(days=days_ago),
                kind=kwargs.pop("kind", MeetingKind.IN_PERSON),
                notes=kwargs.pop("notes", "Colloquio di verifica"),
                **kwargs,
            ),
        )


def test_a_meeting_is_recorded_with_its_next_step_and_audited_without_notes(engine, w):
    with unit_of_work(engine) as session:
        pid = take_in(session, w.tutor, intake_date=TODAY - timedelta(days=60))
    meet(engine, w.tutor, pid, 3, notes="Parla della figlia malata", next_step="Portare il CV")
    with unit_of_work(engine) as session:
        (m,) = tutoring.meetings(session=session, actor=w.tutor, person_id=pid)
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "tutoring_meeting")
        ).one()
    assert (m.met_on, m.kind, m.next_step, m.tutor_name) == (
        TODAY - timedelta(days=3),
        MeetingKind.IN_PERSON,
        "Portare il CV",
        "Giulia Tutor",
    )
    assert "figlia" not in str(entry.changes)


@pytest.mark.parametrize(
    ("days_ago", "kwargs", "field", "key"),
    [
        (-1, {}, "met_on", "validators.date.future"),
        (90, {}, "met_on", "tutoring.error.before_intake"),
        (1, {"kind": None}, "kind", "error.required"),
        (1, {"notes": "  "}, "notes", "tutoring.error.empty"),
        (1, {"next_step": "x" * 301}, "next_step", "validators.text.too_long"),
    ],
)
def test_bad_meetings_are_refused(engine, w, days_ago, kwargs, field, key):
    with unit_of_work(engine) as session:
        pid = take_in(session, w.tutor, intake_date=TODAY - timedelta(days=60))
    with pytest.raises(ValidationErrors) as excinfo:
        meet(engine, w.tutor, pid, days_ago, **kwargs)
    assert {e.field: e.message for e in excinfo.value.errors}.get(field) == key
    with unit_of_work(engine) as session:
        assert session.scalars(select(TutoringMeeting)).first() is None


@pytest.fixture
def caseload_people(engine, w):
    """Five people of the tutor: seen recently, seen long ago, never, overdue, closed."""
    with unit_of_work(engine) as session:
        ids = [
            take_in(session, w.tutor, n, intake_date=TODAY - timedelta(days=200)) for n in range(5)
        ]
        take_in(session, w.tutor2, 9, intake_date=TODAY - timedelta(days=200))
    recent, long_ago, never, overdue, closed = ids
    meet(engine, w.tutor, recent, 5)
    meet(engine, w.tutor, long_ago, 45)
    meet(engine, w.tutor, overdue, 2)
    with unit_of_work(engine) as session:
        paths.open_pact(
            session=session,
            actor=w.tutor,
            person_id=overdue,
            data=paths.PactInput(
                signed_on=TODAY - timedelta(days=8),
                activities=(
                    paths.ActivityInput(
                        ActivityKind.SKILLS_ASSESSMENT, None, TODAY - timedelta(days=1), 8
                    ),
                    paths.ActivityInput(
                        ActivityKind.ORIENTATION_CV, None, TODAY + timedelta(days=9), 8
                    ),
                ),
            ),
        )
    with unit_of_work(engine) as session:
        from fleming.models import Person

        person = session.get(Person, closed)
        person.status, person.closing_reason = PersonStatus.CLOSED, "Trasferita"
    return recent, long_ago, never, overdue, closed


def test_the_caseload_puts_overdue_then_not_seen_first(engine, w, caseload_people):
    recent, long_ago, never, overdue, closed = caseload_people
    assert closed not in {r.person_id for r in view_rows(engine, w)}
    with unit_of_work(engine) as session:
        view = tutoring.caseload(session=session, actor=w.tutor, today=TODAY)
    assert [r.person_id for r in view.rows] == [overdue, never, long_ago, recent]
    by_id = {r.person_id: r for r in view.rows}
    assert by_id[overdue].overdue_activities == 1
    assert by_id[overdue].next_due == TODAY + timedelta(days=9)
    assert by_id[overdue].meeting_every_days == 30
    assert (by_id[never].last_meeting, by_id[never].not_seen) == (None, True)
    assert (by_id[long_ago].days_since, by_id[long_ago].not_seen) == (45, True)
    assert not by_id[recent].needs_attention
    assert (view.not_seen, view.with_overdue, view.not_seen_days) == (2, 1, 30)


def test_the_not_seen_threshold_is_a_setting(engine, w, caseload_people):
    _recent, long_ago, *_ = caseload_people
    with unit_of_work(engine) as session:
        session.add(Setting(key="tutoring.not_seen_days", value=60))
    with unit_of_work(engine) as session:
        view = tutoring.caseload(session=session, actor=w.tutor, today=TODAY)
    by_id = {r.person_id: r for r in view.rows}
    assert view.not_seen_days == 60
    assert not by_id[long_ago].not_seen  # 45 days is fine now


def test_a_tutor_sees_only_their_own_caseload(engine, w, caseload_people):
    with unit_of_work(engine) as session:
        with pytest.raises(PermissionDenied):
            tutoring.caseload(session=session, actor=w.tutor, tutor_id=w.tutor2.id)
        other = tutoring.caseload(session=session, actor=w.coordinator, tutor_id=w.tutor2.id)
    assert len(other.rows) == 1
    with unit_of_work(engine) as s:  # the refusal is in the audit log, like every other one
        denied = s.execute(
            select(AuditEntry.actor_id, AuditEntry.entity, AuditEntry.entity_id).where(
                AuditEntry.action == "denied"
            )
        ).all()
    assert denied == [(w.tutor.id, "user", str(w.tutor2.id))]


@pytest.mark.parametrize("who", ["partner", "admin"])
def test_others_cannot_read_or_write_meetings(engine, w, who):
    actor = getattr(w, who)
    with unit_of_work(engine) as session:
        pid = take_in(session, w.tutor)
    with pytest.raises(PermissionDenied):
        meet(engine, actor, pid, 0)
    with unit_of_work(engine) as session:
        with pytest.raises(PermissionDenied):
            tutoring.meetings(session=session, actor=actor, person_id=pid)
        with pytest.raises(PermissionDenied):
            tutoring.caseload(session=session, actor=actor)
        assert session.scalars(select(TutoringMeeting)).first() is None


def view_rows(engine, w):
    with unit_of_work(engine) as session:
        return tutoring.caseload(session=session, actor=w.tutor, today=TODAY).rows
