"""Workshops: editions and timetables, enrolment with capacity, attendance, completion."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fleming import paths, workshops
from fleming.db import unit_of_work
from fleming.errors import Conflict, PermissionDenied, ValidationError, ValidationErrors
from fleming.models import (
    ActivityKind,
    ActivityStatus,
    EnrolmentStatus,
    PathActivity,
    Person,
    PersonStatus,
    Trade,
    WorkshopAttendance,
    WorkshopEdition,
    WorkshopEnrolment,
    WorkshopSession,
)
from tests.integration.people_helpers import TODAY, audit_count, take_in, world

MONDAY = TODAY - timedelta(days=TODAY.weekday())


@pytest.fixture
def w(engine):
    with unit_of_work(engine) as session:
        return world(session)


def edition_input(session, **overrides) -> workshops.EditionInput:
    trade = session.scalars(select(Trade).where(Trade.code == "catering")).one()
    values = {
        "trade_id": trade.id,
        "title": "Laboratorio di cucina",
        "hours": 120,
        "start_date": MONDAY - timedelta(days=14),
        "end_date": MONDAY + timedelta(days=90),
        "trainer_name": "Chef Rossi",
        "italian_teacher_name": "Prof.ssa Bruni",
        "capacity": 2,
    }
    values.update(overrides)
    return workshops.EditionInput(**values)


def new_edition(engine, w, **overrides) -> int:
    with unit_of_work(engine) as session:
        return workshops.create_edition(
            session=session, actor=w.coordinator, data=edition_input(session, **overrides)
        )


def on_path(engine, w, n=0, **pact) -> int:
    """A person with a pact (status active)."""
    with unit_of_work(engine) as session:
        pid = take_in(
            session,
            w.tutor,
            n,
            intake_date=TODAY - timedelta(days=40),
            did_date=TODAY - timedelta(days=35),
        )
        paths.open_pact(
            session=session,
            actor=w.tutor,
            person_id=pid,
            data=paths.PactInput(signed_on=TODAY - timedelta(days=30), **pact),
        )
    return pid


def enrol(engine, actor, edition_id, pid) -> int:
    with unit_of_work(engine) as session:
        return workshops.enrol(session=session, actor=actor, edition_id=edition_id, person_id=pid)


def workshop_activities(engine, pid) -> list[PathActivity]:
    with unit_of_work(engine) as session:
        return list(
            session.scalars(
                select(PathActivity)
                .where(PathActivity.person_id == pid, PathActivity.kind == ActivityKind.WORKSHOP)
                .order_by(PathActivity.id)
            )
        )


# --------------------------------------------------------------------------- editions
def test_an_edition_with_a_timetable_gets_its_sessions(engine, w):
    eid = new_edition(engine, w, hours=100, weekdays=(0, 2), session_hours=Decimal(6))
    with unit_of_work(engine) as session:
        rows = workshops.sessions(session=session, actor=w.tutor, edition_id=eid)
        edition = workshops.get_edition(session=session, actor=w.tutor, edition_id=eid)
        assert audit_count(session, "workshop_edition", "create") == 1
    assert sum(s.hours for s in rows) == 100
    assert [s.hours for s in rows][-1] == Decimal(4)  # 16 × 6 h + 4 h
    assert {s.session_date.weekday() for s in rows} == {0, 2}
    assert rows[0].session_date == MONDAY - timedelta(days=14)
    assert (edition.sessions, edition.scheduled_hours, edition.seats_left) == (17, 100, 2)


@pytest.mark.parametrize(
    ("overrides", "field", "key"),
    [
        ({"hours": 99}, "hours", "validators.number.range"),
        ({"hours": 201}, "hours", "validators.number.range"),
        ({"end_date": MONDAY - timedelta(days=30)}, "end_date", "validators.date.end_before_start"),
        ({"capacity": 0}, "capacity", "validators.number.range"),
        ({"trainer_name": ""}, "trainer_name", "error.required"),
        ({"trade_id": 999_999}, "trade_id", "workshops.error.unknown_trade"),
        (
            {"end_date": MONDAY + timedelta(days=7), "weekdays": (0,), "session_hours": 4},
            "end_date",
            "workshops.error.schedule_short",
        ),
        (
            {"weekdays": (0,), "session_hours": 20},
            "session_hours",
            "workshops.error.session_hours_range",
        ),
        ({"session_hours": 4}, "weekdays", "workshops.error.weekdays_required"),
    ],
)
def test_a_bad_edition_is_refused(engine, w, overrides, field, key):
    with pytest.raises(ValidationErrors) as excinfo:
        new_edition(engine, w, **overrides)
    assert {e.field: e.message for e in excinfo.value.errors}.get(field) == key
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(WorkshopEdition)) == 0
        assert session.scalar(select(func.count()).select_from(WorkshopSession)) == 0


def test_only_coordinators_create_editions_and_trades(engine, w):
    with pytest.raises(PermissionDenied), unit_of_work(engine) as session:
        workshops.create_edition(session=session, actor=w.tutor, data=edition_input(session))
    with pytest.raises(PermissionDenied), unit_of_work(engine) as session:
        workshops.add_trade(
            session=session, actor=w.tutor, label_it="Panetteria", label_en="Bakery"
        )


def test_a_coordinator_adds_a_trade_once(engine, w):
    with unit_of_work(engine) as session:
        tid = workshops.add_trade(
            session=session, actor=w.coordinator, label_it="Panetteria", label_en="Bakery"
        )
        assert session.get(Trade, tid).code == "bakery"
    with unit_of_work(engine) as session, pytest.raises(ValidationErrors) as excinfo:
        workshops.add_trade(
            session=session, actor=w.coordinator, label_it="panetteria", label_en="Bread"
        )
    assert [e.field for e in excinfo.value.errors] == ["label_it"]
    with unit_of_work(engine) as session:
        assert "Panetteria" in [
            t.label_it for t in workshops.trades(session=session, actor=w.tutor)
        ]


def test_sessions_are_added_within_the_dates_and_hours(engine, w):
    eid = new_edition(engine, w, hours=100, weekdays=(0, 1, 2, 3), session_hours=4)
    with unit_of_work(engine) as session, pytest.raises(ValidationErrors) as excinfo:
        workshops.add_session(
            session=session,
            actor=w.coordinator,
            edition_id=eid,
            on=MONDAY + timedelta(days=200),
            hours=2,
        )
    assert {e.message for e in excinfo.value.errors} == {
        "workshops.error.session_outside",
        "workshops.error.over_edition_hours",
    }


def test_capacity_cannot_drop_below_the_people_seated(engine, w):
    eid = new_edition(engine, w)
    enrol(engine, w.tutor, eid, on_path(engine, w, 0))
    enrol(engine, w.tutor, eid, on_path(engine, w, 1))
    with unit_of_work(engine) as session:
        edition = workshops.get_edition(session=session, actor=w.coordinator, edition_id=eid)
        with pytest.raises(ValidationErrors) as excinfo:
            workshops.update_edition(
                session=session,
                actor=w.coordinator,
                edition_id=eid,
                version=edition.version,
                data=edition_input(session, capacity=1),
            )
    assert [e.message for e in excinfo.value.errors] == ["workshops.error.capacity_below"]


# --------------------------------------------------------------------------- enrolment
def test_enrolling_puts_the_workshop_in_the_pact(engine, w):
    eid = new_edition(engine, w)
    pid = on_path(engine, w)
    enrol(engine, w.tutor, eid, pid)
    (activity,) = workshop_activities(engine, pid)
    assert (activity.workshop_edition_id, activity.planned_hours, activity.status) == (
        eid,
        120,
        ActivityStatus.PLANNED,
    )
    assert activity.description == "Laboratorio di cucina"


def test_enrolling_links_a_workshop_activity_already_planned(engine, w):
    eid = new_edition(engine, w)
    pid = on_path(
        engine,
        w,
        activities=(paths.ActivityInput(ActivityKind.WORKSHOP, "Un laboratorio di mestiere"),),
    )
    enrol(engine, w.tutor, eid, pid)
    (activity,) = workshop_activities(engine, pid)
    assert activity.workshop_edition_id == eid
    assert activity.description == "Un laboratorio di mestiere"
    assert activity.planned_hours == 120


def test_capacity_is_enforced(engine, w):
    eid = new_edition(engine, w, capacity=1)
    enrol(engine, w.tutor, eid, on_path(engine, w, 0))
    second = on_path(engine, w, 1)
    with pytest.raises(ValidationError, match="full"):
        enrol(engine, w.tutor, eid, second)
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(WorkshopEnrolment)) == 1
    assert workshop_activities(engine, second) == []


def test_two_enrolments_racing_for_the_last_seat_do_not_both_win(engine, w):
    eid = new_edition(engine, w, capacity=1)
    first, second = on_path(engine, w, 0), on_path(engine, w, 1)
    with pytest.raises(Conflict), unit_of_work(engine) as slow:
        opened = slow.get(WorkshopEdition, eid)  # this enrolment read the edition first…
        enrol(engine, w.tutor2, eid, first)  # …a colleague's enrolment committed meanwhile
        workshops.enrol(session=slow, actor=w.tutor, edition_id=opened.id, person_id=second)
    with unit_of_work(engine) as session:
        assert session.scalars(select(WorkshopEnrolment.person_id)).all() == [first]


@pytest.mark.parametrize("case", ["no_pact", "closed", "over", "twice"])
def test_enrolment_rules(engine, w, case):
    eid = new_edition(engine, w)
    if case == "no_pact":
        with unit_of_work(engine) as session:
            pid = take_in(session, w.tutor)
        key = "workshops.error.no_pact"
    else:
        pid = on_path(engine, w)
        key = {
            "closed": "workshops.error.not_on_path",
            "over": "workshops.error.edition_over",
            "twice": "workshops.error.already_enrolled",
        }[case]
    with unit_of_work(engine) as session:
        if case == "closed":
            person = session.get(Person, pid)
            person.status, person.closing_reason = PersonStatus.CLOSED, "Trasferita"
        if case == "over":
            edition = session.get(WorkshopEdition, eid)
            edition.end_date = TODAY - timedelta(days=1)
    if case == "twice":
        enrol(engine, w.tutor, eid, pid)
    with pytest.raises(ValidationErrors) as excinfo:
        enrol(engine, w.tutor, eid, pid)
    assert key in {e.message for e in excinfo.value.errors}


def test_withdrawing_frees_the_seat_and_drops_the_activity(engine, w):
    eid = new_edition(engine, w, capacity=1)
    first = on_path(engine, w, 0)
    enrolment_id = enrol(engine, w.tutor, eid, first)
    with unit_of_work(engine) as session:
        workshops.withdraw(session=session, actor=w.tutor, enrolment_id=enrolment_id, version=1)
    assert workshop_activities(engine, first)[0].status is ActivityStatus.DROPPED
    enrol(engine, w.tutor, eid, on_path(engine, w, 1))  # the seat is free again


def test_someone_who_withdrew_may_come_back(engine, w):
    eid = new_edition(engine, w)
    pid = on_path(engine, w)
    enrolment_id = enrol(engine, w.tutor, eid, pid)
    with unit_of_work(engine) as session:
        workshops.withdraw(session=session, actor=w.tutor, enrolment_id=enrolment_id, version=1)
    assert enrol(engine, w.tutor, eid, pid) == enrolment_id
    statuses = [a.status for a in workshop_activities(engine, pid)]
    assert statuses == [ActivityStatus.DROPPED, ActivityStatus.PLANNED]


# --------------------------------------------------------------------------- attendance
@pytest.fixture
def running(engine, w):
    """An edition started two weeks ago (Mon–Thu, 4 h) with two people enrolled."""
    eid = new_edition(engine, w, weekdays=(0, 1, 2, 3), session_hours=4)
    a, b = on_path(engine, w, 0), on_path(engine, w, 1)
    ea, eb = enrol(engine, w.tutor, eid, a), enrol(engine, w.tutor, eid, b)
    with unit_of_work(engine) as session:
        rows = workshops.sessions(session=session, actor=w.tutor, edition_id=eid)
    past = [s for s in rows if s.session_date <= TODAY]
    future = [s for s in rows if s.session_date > TODAY]
    return eid, (a, ea), (b, eb), past, future


def save(engine, actor, eid, entries):
    with unit_of_work(engine) as session:
        return workshops.save_attendance(
            session=session, actor=actor, edition_id=eid, entries=entries
        )


def test_attendance_is_saved_and_moves_the_activity(engine, w, running):
    eid, (a, ea), (b, eb), past, future = running
    n = save(
        engine, w.tutor, eid, {(ea, past[0].id): 4, (ea, past[1].id): "3.5", (eb, past[0].id): 0}
    )
    assert n == 3
    with unit_of_work(engine) as session:
        grid = workshops.attendance(session=session, actor=w.tutor, edition_id=eid)
        people = {
            r.id: r for r in workshops.enrolments(session=session, actor=w.tutor, edition_id=eid)
        }
        assert audit_count(session, "workshop_attendance", "update") == 1
        recorded = {
            r.id: r.recorded
            for r in workshops.sessions(session=session, actor=w.tutor, edition_id=eid)
        }
    # the sessions table shows how many entries each session has (only empty ones may go)
    assert recorded == {s.id: {past[0].id: 2, past[1].id: 1}.get(s.id, 0) for s in past + future}
    assert grid.hours[(ea, past[1].id)] == Decimal("3.5")
    assert people[ea].attended_hours == Decimal("7.5")
    (activity,) = workshop_activities(engine, a)
    assert (activity.status, activity.hours_done, activity.started_on) == (
        ActivityStatus.IN_PROGRESS,
        8,
        past[0].session_date,
    )
    assert workshop_activities(engine, b)[0].status is ActivityStatus.PLANNED  # 0 h: not started
    # clearing a cell removes the row; saving the same value again changes nothing
    assert save(engine, w.tutor, eid, {(ea, past[1].id): None, (ea, past[0].id): 4}) == 1
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(WorkshopAttendance)) == 2


def test_bad_attendance_writes_nothing(engine, w, running):
    eid, (_, ea), (_, eb), past, future = running
    with pytest.raises(ValidationErrors) as excinfo:
        save(
            engine,
            w.tutor,
            eid,
            {
                (ea, past[0].id): 4,
                (eb, past[0].id): 5,  # more than the session
                (ea, future[0].id): 4,  # not held yet
                (eb, past[1].id): "tanto",
            },
        )
    assert [e.message for e in excinfo.value.errors] == [
        "workshops.error.hours_over_session",
        "workshops.error.future_session",
        "workshops.error.cell_invalid",
    ]
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(WorkshopAttendance)) == 0


def test_completing_marks_the_workshop_done_in_the_path(engine, w, running):
    eid, (a, ea), _, past, _ = running
    save(engine, w.tutor, eid, {(ea, s.id): 4 for s in past})
    with unit_of_work(engine) as session:
        workshops.complete(session=session, actor=w.tutor, enrolment_id=ea, version=1, on=TODAY)
    (activity,) = workshop_activities(engine, a)
    assert (activity.status, activity.completed_on, activity.hours_done) == (
        ActivityStatus.DONE,
        TODAY,
        4 * len(past),
    )
    with unit_of_work(engine) as session:
        edition = workshops.get_edition(session=session, actor=w.tutor, edition_id=eid)
        assert session.get(WorkshopEnrolment, ea).status is EnrolmentStatus.COMPLETED
    assert (edition.completed, edition.enrolled, edition.completion_rate) == (1, 1, 0.5)


def test_completing_creates_the_activity_if_the_pact_lacks_it(engine, w, running):
    eid, (a, ea), _, _, _ = running
    with unit_of_work(engine) as session:
        for activity in session.scalars(select(PathActivity).where(PathActivity.person_id == a)):
            session.delete(activity)
    with unit_of_work(engine) as session:
        workshops.complete(session=session, actor=w.tutor, enrolment_id=ea, version=1)
    (activity,) = workshop_activities(engine, a)
    assert (activity.status, activity.workshop_edition_id) == (ActivityStatus.DONE, eid)


def test_completion_is_checked(engine, w, running):
    _, (_, ea), _, _, _ = running
    with unit_of_work(engine) as session:
        with pytest.raises(ValidationError, match="completed_before_start"):
            workshops.complete(
                session=session,
                actor=w.tutor,
                enrolment_id=ea,
                version=1,
                on=MONDAY - timedelta(days=30),
            )
        with pytest.raises(Conflict):
            workshops.complete(session=session, actor=w.tutor, enrolment_id=ea, version=7)


@pytest.mark.parametrize("who", ["partner", "admin"])
def test_others_cannot_use_workshops(engine, w, running, who):
    actor = getattr(w, who)
    eid, (a, ea), _, past, _ = running
    with unit_of_work(engine) as session:
        for call in (
            lambda: workshops.editions(session=session, actor=actor),
            lambda: workshops.enrol(session=session, actor=actor, edition_id=eid, person_id=a),
            lambda: workshops.save_attendance(
                session=session, actor=actor, edition_id=eid, entries={(ea, past[0].id): 4}
            ),
            lambda: workshops.complete(session=session, actor=actor, enrolment_id=ea, version=1),
        ):
            with pytest.raises(PermissionDenied):
                call()
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(WorkshopAttendance)) == 0
