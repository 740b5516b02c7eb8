"""The path: patto di servizio, activities and their transitions, the derived status, closing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from fleming import paths, people
from fleming.db import unit_of_work
from fleming.errors import Conflict, PermissionDenied, ValidationError, ValidationErrors
from fleming.models import (
    ActivityKind,
    ActivityStatus,
    ContractType,
    EnrolmentStatus,
    FundingStream,
    Internship,
    InternshipOutcome,
    InternshipStatus,
    PathActivity,
    Person,
    PersonStatus,
    Trade,
    WorkshopEdition,
    WorkshopEnrolment,
)
from tests.integration.people_helpers import TODAY, audit_count, company, take_in, world

A = paths.ActivityInput


@pytest.fixture
def w(engine):
    with unit_of_work(engine) as session:
        return world(session)


@pytest.fixture
def pid(engine, w):
    with unit_of_work(engine) as session:
        return take_in(session, w.tutor, intake_date=TODAY - timedelta(days=20))


def open_pact(engine, actor, person_id, **kwargs) -> int:
    data = paths.PactInput(
        signed_on=kwargs.pop("signed_on", TODAY - timedelta(days=5)),
        activities=kwargs.pop(
            "activities",
            (
                A(ActivityKind.SKILLS_ASSESSMENT, "Bilancio", TODAY + timedelta(days=20), 8),
                A(ActivityKind.ORIENTATION_CV, None, TODAY + timedelta(days=40), 10),
            ),
        ),
        **kwargs,
    )
    with unit_of_work(engine) as session:
        return paths.open_pact(session=session, actor=actor, person_id=person_id, data=data)


def status(engine, person_id) -> PersonStatus:
    with unit_of_work(engine) as session:
        return session.get(Person, person_id).status


def activities(engine, actor, person_id):
    with unit_of_work(engine) as session:
        return paths.activities(session=session, actor=actor, person_id=person_id)


def update(engine, actor, activity, **changes):
    with unit_of_work(engine) as session:
        paths.update_activity(
            session=session,
            actor=actor,
            activity_id=activity.id,
            data=paths.ActivityUpdate(version=activity.version, **changes),
        )


# --------------------------------------------------------------------------- pact
def test_opening_the_pact_plans_activities_and_makes_the_path_active(engine, w, pid):
    assert status(engine, pid) is PersonStatus.INTAKE
    open_pact(engine, w.tutor, pid, meeting_every_days=21)
    acts = activities(engine, w.tutor, pid)
    with unit_of_work(engine) as session:
        pact = paths.get_pact(session=session, actor=w.tutor, person_id=pid)
        pact_audit = audit_count(session, "service_pact", "create")
        activity_audit = audit_count(session, "path_activity", "create")
    assert status(engine, pid) is PersonStatus.ACTIVE
    assert (pact.meeting_every_days, pact.tutor_id) == (21, w.tutor.id)
    assert [(a.kind, a.planned_hours, a.status) for a in acts] == [
        (ActivityKind.SKILLS_ASSESSMENT, 8, ActivityStatus.PLANNED),
        (ActivityKind.ORIENTATION_CV, 10, ActivityStatus.PLANNED),
    ]
    assert (pact_audit, activity_audit) == (1, 2)


def test_no_pact_without_a_did(engine, w):
    with unit_of_work(engine) as session:
        pid = take_in(session, w.tutor, did_date=None)
    with pytest.raises(ValidationErrors) as excinfo:
        open_pact(engine, w.tutor, pid)
    assert [(e.field, e.message) for e in excinfo.value.errors] == [
        ("signed_on", "paths.error.no_did")
    ]
    assert status(engine, pid) is PersonStatus.INTAKE
    with unit_of_work(engine) as session:
        assert paths.get_pact(session=session, actor=w.tutor, person_id=pid) is None


@pytest.mark.parametrize(
    ("kwargs", "field", "key"),
    [
        ({"signed_on": TODAY + timedelta(days=1)}, "signed_on", "validators.date.future"),
        ({"signed_on": TODAY - timedelta(days=400)}, "signed_on", "paths.error.pact_before_did"),
        ({"meeting_every_days": 0}, "meeting_every_days", "validators.number.range"),
        ({"tutor_id": 999_999}, "tutor_id", "people.error.unknown_tutor"),
        (
            {"activities": (A(None, "x", None, 3),)},
            "activities.0.kind",
            "error.required",
        ),
        (
            {"activities": (A(ActivityKind.WORKSHOP, None, TODAY - timedelta(days=30), 100),)},
            "activities.0.due_date",
            "paths.error.due_before_pact",
        ),
        (
            {"activities": (A(ActivityKind.WORKSHOP, None, None, -1),)},
            "activities.0.planned_hours",
            "validators.number.range",
        ),
    ],
)
def test_a_bad_pact_is_refused_whole(engine, w, pid, kwargs, field, key):
    with pytest.raises(ValidationErrors) as excinfo:
        open_pact(engine, w.tutor, pid, **kwargs)
    assert {e.field: e.message for e in excinfo.value.errors}.get(field) == key
    with unit_of_work(engine) as session:
        assert session.scalars(select(PathActivity)).first() is None
    assert status(engine, pid) is PersonStatus.INTAKE


def test_one_pact_per_person(engine, w, pid):
    open_pact(engine, w.tutor, pid)
    with pytest.raises(ValidationError, match="pact_exists"):
        open_pact(engine, w.tutor, pid)


def test_changing_the_pact_tutor_changes_the_persons_tutor(engine, w, pid):
    open_pact(engine, w.tutor, pid)
    with unit_of_work(engine) as session:
        pact = paths.get_pact(session=session, actor=w.coordinator, person_id=pid)
        paths.update_pact(
            session=session,
            actor=w.coordinator,
            pact_id=pact.id,
            version=pact.version,
            tutor_id=w.tutor2.id,
            meeting_every_days=14,
            notes="Cambio tutor per ferie",
        )
    with unit_of_work(engine) as session:
        assert session.get(Person, pid).tutor_id == w.tutor2.id
        with pytest.raises(Conflict):
            paths.update_pact(
                session=session,
                actor=w.coordinator,
                pact_id=pact.id,
                version=pact.version,
                tutor_id=w.tutor.id,
                meeting_every_days=14,
                notes=None,
            )


# --------------------------------------------------------------------------- activities
def test_activity_moves_planned_in_progress_done(engine, w, pid):
    open_pact(engine, w.tutor, pid)
    first = activities(engine, w.tutor, pid)[0]
    update(engine, w.tutor, first, status=ActivityStatus.IN_PROGRESS, on=TODAY - timedelta(days=2))
    started = activities(engine, w.tutor, pid)[0]
    assert (started.status, started.started_on) == (
        ActivityStatus.IN_PROGRESS,
        TODAY - timedelta(days=2),
    )
    update(engine, w.tutor, started, status=ActivityStatus.DONE, hours_done=8)
    done = next(a for a in activities(engine, w.tutor, pid) if a.id == first.id)
    assert (done.status, done.completed_on, done.hours_done) == (ActivityStatus.DONE, TODAY, 8)
    assert done.next_statuses == ()
    with unit_of_work(engine) as session:
        assert audit_count(session, "path_activity", "update") == 2


@pytest.mark.parametrize(
    ("changes", "field", "key"),
    [
        ({"status": ActivityStatus.DONE}, "status", "paths.error.transition"),
        (
            {"status": ActivityStatus.IN_PROGRESS, "on": TODAY + timedelta(days=1)},
            "on",
            "validators.date.future",
        ),
        (
            {"status": ActivityStatus.IN_PROGRESS, "on": TODAY - timedelta(days=60)},
            "on",
            "paths.error.before_pact",
        ),
        ({"hours_done": 3}, "hours_done", "paths.error.hours_before_start"),
        (
            {"status": ActivityStatus.IN_PROGRESS, "hours_done": 9},
            "hours_done",
            "paths.error.hours_over_planned",
        ),
        ({"planned_hours": 5000}, "planned_hours", "validators.number.range"),
        ({"due_date": TODAY - timedelta(days=90)}, "due_date", "paths.error.due_before_pact"),
    ],
)
def test_bad_activity_changes_are_refused(engine, w, pid, changes, field, key):
    open_pact(engine, w.tutor, pid)
    first = activities(engine, w.tutor, pid)[0]
    with pytest.raises(ValidationErrors) as excinfo:
        update(engine, w.tutor, first, **changes)
    assert {e.field: e.message for e in excinfo.value.errors}.get(field) == key
    assert activities(engine, w.tutor, pid)[0] == first


def test_done_and_dropped_are_final(engine, w, pid):
    open_pact(engine, w.tutor, pid)
    first = activities(engine, w.tutor, pid)[0]
    update(engine, w.tutor, first, status=ActivityStatus.DROPPED)
    dropped = next(a for a in activities(engine, w.tutor, pid) if a.id == first.id)
    with pytest.raises(ValidationErrors):
        update(engine, w.tutor, dropped, status=ActivityStatus.IN_PROGRESS)


def test_a_stale_activity_is_a_conflict(engine, w, pid):
    open_pact(engine, w.tutor, pid)
    first = activities(engine, w.tutor, pid)[0]
    update(engine, w.tutor, first, description="Prima versione")
    with pytest.raises(Conflict):
        update(engine, w.tutor, first, description="Seconda versione")


def test_add_activity_needs_a_pact(engine, w, pid):
    with unit_of_work(engine) as session, pytest.raises(ValidationError, match="no_pact"):
        paths.add_activity(
            session=session, actor=w.tutor, person_id=pid, data=A(ActivityKind.ITALIAN_COURSE)
        )
    open_pact(engine, w.tutor, pid, activities=())
    with unit_of_work(engine) as session:
        paths.add_activity(
            session=session,
            actor=w.tutor,
            person_id=pid,
            data=A(ActivityKind.ITALIAN_COURSE, "A2 serale", TODAY + timedelta(days=90), 80),
        )
    assert [a.kind for a in activities(engine, w.tutor, pid)] == [ActivityKind.ITALIAN_COURSE]


def test_overdue_activities_are_flagged(engine, w, pid):
    open_pact(engine, w.tutor, pid)
    with unit_of_work(engine) as session:
        paths.add_activity(
            session=session,
            actor=w.tutor,
            person_id=pid,
            data=A(ActivityKind.ORIENTATION_CV, None, TODAY - timedelta(days=1), 4),
        )
    assert [a.overdue for a in activities(engine, w.tutor, pid)] == [True, False, False]


# --------------------------------------------------------------------------- status
def internship(session, person_id, **overrides) -> Internship:
    row = Internship(
        person_id=person_id,
        company_id=company(session),
        start_date=TODAY - timedelta(days=10),
        planned_end_date=TODAY + timedelta(days=170),
        weekly_hours=30,
        monthly_allowance=Decimal(500),
        company_tutor_name="Gino",
        funding_stream=FundingStream.MUNICIPAL,
        **overrides,
    )
    session.add(row)
    session.flush()
    return row


def test_status_follows_the_path(engine, w, pid):
    open_pact(engine, w.tutor, pid)
    with unit_of_work(engine) as session:
        row = internship(session, pid)
        assert paths.recompute_status(session, pid) is PersonStatus.INTERNSHIP
    with unit_of_work(engine) as session:
        row = session.get(Internship, row.id)
        row.status, row.outcome = InternshipStatus.COMPLETED, InternshipOutcome.HIRED
        row.contract_type, row.actual_end_date = ContractType.APPRENTICESHIP, TODAY
        assert paths.recompute_status(session, pid, actor=w.tutor) is PersonStatus.HIRED
    assert status(engine, pid) is PersonStatus.HIRED
    with unit_of_work(engine) as session:
        assert audit_count(session, "person", "update") == 3  # active, internship, hired


def test_an_internship_ending_without_a_hire_goes_back_to_the_path(engine, w, pid):
    open_pact(engine, w.tutor, pid)
    with unit_of_work(engine) as session:
        internship(
            session,
            pid,
            status=InternshipStatus.INTERRUPTED,
            outcome=InternshipOutcome.INTERRUPTED,
            actual_end_date=TODAY,
        )
        assert paths.recompute_status(session, pid) is PersonStatus.ACTIVE


def test_derive_status_table():
    derive = paths.derive_status
    assert (
        derive(current=PersonStatus.INTAKE, has_pact=False, active_internship=False, hired=False)
        is PersonStatus.INTAKE
    )
    assert (
        derive(current=PersonStatus.INTAKE, has_pact=True, active_internship=False, hired=False)
        is PersonStatus.ACTIVE
    )
    assert (
        derive(current=PersonStatus.ACTIVE, has_pact=True, active_internship=True, hired=True)
        is PersonStatus.INTERNSHIP
    )
    assert (
        derive(current=PersonStatus.INTERNSHIP, has_pact=True, active_internship=False, hired=True)
        is PersonStatus.HIRED
    )
    assert (
        derive(current=PersonStatus.CLOSED, has_pact=True, active_internship=True, hired=True)
        is PersonStatus.CLOSED
    )


def test_closing_the_case_drops_open_activities_and_withdraws_enrolments(engine, w, pid):
    open_pact(engine, w.tutor, pid)
    with unit_of_work(engine) as session:
        trade = session.scalars(select(Trade)).first()
        edition = WorkshopEdition(
            trade_id=trade.id,
            title="Cucina",
            hours=120,
            start_date=TODAY,
            end_date=TODAY + timedelta(days=60),
            trainer_name="A",
            italian_teacher_name="B",
            capacity=10,
        )
        session.add(edition)
        session.flush()
        session.add(WorkshopEnrolment(edition_id=edition.id, person_id=pid, enrolled_on=TODAY))
        version = session.get(Person, pid).version
    with unit_of_work(engine) as session, pytest.raises(ValidationError, match="required"):
        paths.close_case(session=session, actor=w.tutor, person_id=pid, version=version, reason=" ")
    with unit_of_work(engine) as session:
        paths.close_case(
            session=session,
            actor=w.tutor,
            person_id=pid,
            version=version,
            reason="Trasferimento fuori Milano",
        )
    assert status(engine, pid) is PersonStatus.CLOSED
    assert {a.status for a in activities(engine, w.tutor, pid)} == {ActivityStatus.DROPPED}
    with unit_of_work(engine) as session:
        assert session.scalars(select(WorkshopEnrolment.status)).all() == [
            EnrolmentStatus.WITHDRAWN
        ]
        assert session.get(Person, pid).closing_reason == "Trasferimento fuori Milano"
        # closed stays closed whatever the path says, until reopened
        assert paths.recompute_status(session, pid) is PersonStatus.CLOSED
        with pytest.raises(ValidationError, match="closed"):
            paths.add_activity(
                session=session, actor=w.tutor, person_id=pid, data=A(ActivityKind.WORKSHOP)
            )
    with unit_of_work(engine) as session:
        version = session.get(Person, pid).version
        assert (
            paths.reopen_case(session=session, actor=w.tutor, person_id=pid, version=version)
            is PersonStatus.ACTIVE
        )
    with unit_of_work(engine) as session:
        assert session.get(Person, pid).closing_reason is None


def test_a_case_with_a_running_internship_cannot_be_closed(engine, w, pid):
    open_pact(engine, w.tutor, pid)
    with unit_of_work(engine) as session:
        internship(session, pid)
        paths.recompute_status(session, pid)
        version = session.get(Person, pid).version
    with (
        unit_of_work(engine) as session,
        pytest.raises(ValidationError, match="close_active_internship"),
    ):
        paths.close_case(session=session, actor=w.tutor, person_id=pid, version=version, reason="x")
    assert status(engine, pid) is PersonStatus.INTERNSHIP


# --------------------------------------------------------------------------- timeline
def test_the_timeline_tells_the_whole_path(engine, w, pid):
    from fleming import tutoring, workshops
    from fleming.models import MeetingKind

    open_pact(engine, w.tutor, pid)
    with unit_of_work(engine) as session:
        tutoring.add_meeting(
            session=session,
            actor=w.tutor,
            person_id=pid,
            data=tutoring.MeetingInput(met_on=TODAY, kind=MeetingKind.PHONE, notes="Sentita"),
        )
        trade = workshops.trades(session=session, actor=w.coordinator)[0]
        edition = workshops.create_edition(
            session=session,
            actor=w.coordinator,
            data=workshops.EditionInput(
                trade_id=trade.id,
                title="Sartoria base",
                hours=100,
                start_date=TODAY,
                end_date=TODAY + timedelta(days=90),
                trainer_name="A",
                italian_teacher_name="B",
                capacity=12,
            ),
        )
        workshops.enrol(session=session, actor=w.tutor, edition_id=edition, person_id=pid)
        internship(session, pid)
    with unit_of_work(engine) as session:
        events = paths.timeline(session=session, actor=w.tutor, person_id=pid)
        assert paths.internships(session=session, actor=w.tutor, person_id=pid)[0].company
    kinds = {e.kind for e in events}
    assert kinds == {"intake", "did", "pact", "activity", "meeting", "workshop", "internship"}
    assert [e.on for e in events] == sorted((e.on for e in events), reverse=True)
    assert any(e.kind == "workshop" and e.title == "Sartoria base" for e in events)


@pytest.mark.parametrize("who", ["partner", "admin"])
def test_others_cannot_touch_the_path(engine, w, pid, who):
    actor = getattr(w, who)
    with unit_of_work(engine) as session:
        version = session.get(Person, pid).version
        for call in (
            lambda: paths.open_pact(
                session=session, actor=actor, person_id=pid, data=paths.PactInput()
            ),
            lambda: paths.get_pact(session=session, actor=actor, person_id=pid),
            lambda: paths.timeline(session=session, actor=actor, person_id=pid),
            lambda: paths.add_activity(
                session=session, actor=actor, person_id=pid, data=A(ActivityKind.WORKSHOP)
            ),
            lambda: paths.close_case(
                session=session, actor=actor, person_id=pid, version=version, reason="x"
            ),
        ):
            with pytest.raises(PermissionDenied):
                call()
    assert status(engine, pid) is PersonStatus.INTAKE
    with unit_of_work(engine) as session:
        assert people.get(session=session, actor=w.tutor, person_id=pid).closing_reason is None


def test_the_profile_cannot_pull_the_did_or_the_tutor_from_under_the_pact(engine, w, pid):
    from dataclasses import replace

    open_pact(engine, w.tutor, pid)
    with unit_of_work(engine) as session:
        view = people.get(session=session, actor=w.tutor, person_id=pid)
    for changes, field, key in [
        ({"did_date": None}, "did_date", "people.error.did_needed_by_pact"),
        ({"did_date": TODAY}, "did_date", "people.error.did_after_pact"),
        ({"tutor_id": None}, "tutor_id", "people.error.tutor_needed_by_pact"),
    ]:
        with unit_of_work(engine) as session, pytest.raises(ValidationErrors) as excinfo:
            people.update(
                session=session,
                actor=w.tutor,
                person_id=pid,
                version=view.version,
                data=replace(view.to_input(), **changes),
            )
        assert {e.field: e.message for e in excinfo.value.errors} == {field: key}
    # changing the tutor on the profile changes the pact's tutor too
    with unit_of_work(engine) as session:
        people.update(
            session=session,
            actor=w.coordinator,
            person_id=pid,
            version=view.version,
            data=replace(view.to_input(), tutor_id=w.tutor2.id),
        )
    with unit_of_work(engine) as session:
        assert paths.get_pact(session=session, actor=w.tutor, person_id=pid).tutor_id == w.tutor2.id
