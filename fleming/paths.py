"""The individual path: the *patto di servizio*, its activities, and the person's status.

The status is never typed by hand: ``recompute_status`` derives it from the path (no pact →
intake; a pact → active; an active internship → internship; an internship ending in a hire, or a
direct hire → hired). Closing a case is the one manual step, and it is an action with a reason
(``close_case``), undone by ``reopen_case``.

Activities move planned → in progress → done, or to dropped from either; done and dropped are
final. Workshops and internships move their own activity (see ``fleming.workshops``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleming import audit, validators
from fleming.actor import Actor
from fleming.errors import Conflict, NotFound, ValidationError, ValidationErrors
from fleming.models import (
    ActivityKind,
    ActivityStatus,
    Company,
    Competence,
    CompetenceRating,
    EnrolmentStatus,
    Internship,
    InternshipOutcome,
    InternshipStatus,
    MeetingKind,
    PathActivity,
    Person,
    PersonStatus,
    RatingSource,
    Role,
    ServicePact,
    ShortlistEntry,
    ShortlistStage,
    TutoringMeeting,
    User,
    Vacancy,
    VacancyKind,
    WorkshopEdition,
    WorkshopEnrolment,
    utcnow,
)
from fleming.permissions import authorize

TRANSITIONS: dict[ActivityStatus, frozenset[ActivityStatus]] = {
    ActivityStatus.PLANNED: frozenset({ActivityStatus.IN_PROGRESS, ActivityStatus.DROPPED}),
    ActivityStatus.IN_PROGRESS: frozenset({ActivityStatus.DONE, ActivityStatus.DROPPED}),
    ActivityStatus.DONE: frozenset(),
    ActivityStatus.DROPPED: frozenset(),
}
OPEN_ACTIVITY = (ActivityStatus.PLANNED, ActivityStatus.IN_PROGRESS)
MAX_ACTIVITY_HOURS = 2000
DEFAULT_MEETING_EVERY_DAYS = 30


# --------------------------------------------------------------------------- values
@dataclass(frozen=True)
class ActivityInput:
    kind: ActivityKind | None = None
    description: str | None = None
    due_date: date | None = None
    planned_hours: int | None = None


@dataclass(frozen=True)
class PactInput:
    signed_on: date | None = None
    tutor_id: int | None = None
    meeting_every_days: int = DEFAULT_MEETING_EVERY_DAYS
    notes: str | None = None
    activities: tuple[ActivityInput, ...] = ()


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()
"""For ``ActivityUpdate``: leave this field as it is."""


@dataclass(frozen=True)
class ActivityUpdate:
    """A change to one activity; ``version`` is the one the user loaded.

    Fields left at ``KEEP`` (or ``None`` for status, day and hours done) keep their value;
    ``None`` in description, deadline or planned hours empties them.
    """

    version: int
    status: ActivityStatus | None = None
    on: date | None = None  # the day the new status began (default today)
    hours_done: int | None = None
    description: str | None = KEEP
    due_date: date | None = KEEP
    planned_hours: int | None = KEEP


@dataclass(frozen=True)
class ActivityView:
    id: int
    version: int
    kind: ActivityKind
    description: str | None
    due_date: date | None
    planned_hours: int | None
    hours_done: int
    status: ActivityStatus
    started_on: date | None
    completed_on: date | None
    workshop_edition_id: int | None
    internship_id: int | None
    overdue: bool

    @property
    def next_statuses(self) -> tuple[ActivityStatus, ...]:
        return tuple(s for s in ActivityStatus if s in TRANSITIONS[self.status])


@dataclass(frozen=True)
class PactView:
    id: int
    version: int
    person_id: int
    signed_on: date
    tutor_id: int
    tutor_name: str
    meeting_every_days: int
    notes: str | None
    activities: tuple[ActivityView, ...]


@dataclass(frozen=True)
class TimelineEvent:
    """One dated step of the path; pages translate ``kind`` and format the rest."""

    on: date
    kind: str  # intake, did, pact, activity, meeting, workshop, internship, rating
    title: str  # data text (a description, a company, an edition), not a translation key
    detail: str | None = None
    status: object = None  # an enum member, labelled by the page
    subkind: object = None  # ActivityKind, MeetingKind, RatingSource, …


@dataclass(frozen=True)
class InternshipRow:
    id: int
    company: str
    start_date: date
    planned_end_date: date
    actual_end_date: date | None
    status: InternshipStatus
    outcome: InternshipOutcome | None
    weekly_hours: int


@dataclass(frozen=True)
class RatingRow:
    rated_on: date
    competence_code: str
    label_it: str
    label_en: str
    level: int
    source: RatingSource


# --------------------------------------------------------------------------- status
def derive_status(
    *,
    current: PersonStatus,
    has_pact: bool,
    active_internship: bool,
    hired: bool,
) -> PersonStatus:
    """The status the path implies. A closed case stays closed until it is reopened."""
    if current is PersonStatus.CLOSED:
        return PersonStatus.CLOSED
    if active_internship:
        return PersonStatus.INTERNSHIP
    if hired:
        return PersonStatus.HIRED
    if has_pact:
        return PersonStatus.ACTIVE
    return PersonStatus.INTAKE


def recompute_status(
    session: Session, person_id: int, *, actor: Actor | None = None
) -> PersonStatus:
    """Set the person's status from their path and return it; audit the change if any.

    Call it after any change to the pact, internships or hires of ``person_id``. It does not
    check permissions: the calling service already has.
    """
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("person")
    session.flush()
    has_pact = bool(
        session.scalar(
            select(func.count()).select_from(ServicePact).where(ServicePact.person_id == person_id)
        )
    )
    active_internship = bool(
        session.scalar(
            select(func.count())
            .select_from(Internship)
            .where(Internship.person_id == person_id, Internship.status == InternshipStatus.ACTIVE)
        )
    )
    hired = bool(
        session.scalar(
            select(func.count())
            .select_from(Internship)
            .where(Internship.person_id == person_id, Internship.outcome == InternshipOutcome.HIRED)
        )
    ) or bool(
        session.scalar(
            select(func.count())
            .select_from(ShortlistEntry)
            .join(Vacancy, Vacancy.id == ShortlistEntry.vacancy_id)
            .where(
                ShortlistEntry.person_id == person_id,
                ShortlistEntry.stage == ShortlistStage.SELECTED,
                Vacancy.kind == VacancyKind.DIRECT_HIRE,
            )
        )
    )
    status = derive_status(
        current=person.status,
        has_pact=has_pact,
        active_internship=active_internship,
        hired=hired,
    )
    if status is not person.status:
        old = person.status
        person.status = status
        person.updated_at = utcnow()
        audit.record(
            session=session,
            actor=actor,
            action="update",
            entity="person",
            entity_id=person.id,
            person_id=person.id,
            changes={"status": {"from": old.value, "to": status.value}},
        )
        session.flush()
    return status


def close_case(
    *,
    session: Session,
    actor: Actor,
    person_id: int,
    version: int,
    reason: str,
    today: date | None = None,
) -> None:
    """Close the case with a reason: open activities are dropped, open enrolments withdrawn.

    Refused while an internship is running (end it first).
    """
    authorize(session=session, actor=actor, operation="people.close")
    today = today or date.today()
    person = _person(session, person_id)
    if person.version != version:
        raise Conflict("stale")
    text = validators.required_text(reason, "closing_reason", 200)
    if person.status is PersonStatus.CLOSED:
        raise ValidationError("closing_reason", "paths.error.already_closed")
    if session.scalar(
        select(func.count())
        .select_from(Internship)
        .where(Internship.person_id == person_id, Internship.status == InternshipStatus.ACTIVE)
    ):
        raise ValidationError("closing_reason", "paths.error.close_active_internship")
    for activity in session.scalars(
        select(PathActivity).where(
            PathActivity.person_id == person_id, PathActivity.status.in_(OPEN_ACTIVITY)
        )
    ):
        activity.status = ActivityStatus.DROPPED
        _audit_activity(session, actor, activity)
    for enrolment in session.scalars(
        select(WorkshopEnrolment).where(
            WorkshopEnrolment.person_id == person_id,
            WorkshopEnrolment.status == EnrolmentStatus.ENROLLED,
        )
    ):
        enrolment.status = EnrolmentStatus.WITHDRAWN
        audit.record(
            session=session,
            actor=actor,
            action="update",
            entity="workshop_enrolment",
            entity_id=enrolment.id,
            person_id=person_id,
            changes=audit.changed_fields(enrolment),
        )
    person.status = PersonStatus.CLOSED
    person.closing_reason = text
    person.updated_at = utcnow()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="person",
        entity_id=person.id,
        person_id=person.id,
        changes={**audit.changed_fields(person), "closed_on": today.isoformat()},
    )


def reopen_case(*, session: Session, actor: Actor, person_id: int, version: int) -> PersonStatus:
    """Reopen a closed case; the status follows from the path again."""
    authorize(session=session, actor=actor, operation="people.close")
    person = _person(session, person_id)
    if person.version != version:
        raise Conflict("stale")
    if person.status is not PersonStatus.CLOSED:
        raise ValidationError("closing_reason", "paths.error.not_closed")
    person.status = PersonStatus.INTAKE  # provisional: recomputed just below
    person.closing_reason = None
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="person",
        entity_id=person.id,
        person_id=person.id,
        changes={"status": {"from": "closed", "to": "reopened"}},
    )
    return recompute_status(session, person_id, actor=actor)


# --------------------------------------------------------------------------- pact
def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.anonymised_at is not None:
        raise NotFound("person")
    return person


def _pact_of(session: Session, person_id: int) -> ServicePact | None:
    return session.scalar(select(ServicePact).where(ServicePact.person_id == person_id))


def _check_activity(
    data: ActivityInput, field: str, signed_on: date | None, errors: list[ValidationError]
) -> dict:
    values: dict = {}
    if data.kind is None:
        errors.append(ValidationError(f"{field}.kind", "error.required"))
    values["kind"] = data.kind
    try:
        values["description"] = validators.optional_text(
            data.description, f"{field}.description", 300
        )
    except ValidationError as exc:
        errors.append(exc)
    if data.due_date is not None and signed_on is not None and data.due_date < signed_on:
        errors.append(ValidationError(f"{field}.due_date", "paths.error.due_before_pact"))
    values["due_date"] = data.due_date
    if data.planned_hours is not None:
        try:
            values["planned_hours"] = validators.int_in_range(
                data.planned_hours, f"{field}.planned_hours", 0, MAX_ACTIVITY_HOURS
            )
        except ValidationError as exc:
            errors.append(exc)
    else:
        values["planned_hours"] = None
    return values


def open_pact(
    *,
    session: Session,
    actor: Actor,
    person_id: int,
    data: PactInput,
    today: date | None = None,
) -> int:
    """Sign the *patto di servizio* with its planned activities. Needs a DID; one per person."""
    authorize(session=session, actor=actor, operation="paths.pact")
    today = today or date.today()
    person = _person(session, person_id)
    errors: list[ValidationError] = []
    if person.status is PersonStatus.CLOSED:
        raise ValidationError("signed_on", "paths.error.closed")
    if _pact_of(session, person_id) is not None:
        raise ValidationError("signed_on", "paths.error.pact_exists")
    if person.did_date is None:
        errors.append(ValidationError("signed_on", "paths.error.no_did"))
    signed = data.signed_on or today
    if signed > today:
        errors.append(ValidationError("signed_on", "validators.date.future"))
    elif person.did_date is not None and signed < person.did_date:
        errors.append(ValidationError("signed_on", "paths.error.pact_before_did"))
    tutor_id = data.tutor_id or person.tutor_id or (actor.id if actor.role is Role.TUTOR else None)
    if tutor_id is None:
        errors.append(ValidationError("tutor_id", "error.required"))
    elif not _is_staff_user(session, tutor_id):
        errors.append(ValidationError("tutor_id", "people.error.unknown_tutor"))
    try:
        every = validators.int_in_range(data.meeting_every_days, "meeting_every_days", 1, 365)
    except ValidationError as exc:
        errors.append(exc)
        every = DEFAULT_MEETING_EVERY_DAYS
    try:
        notes = validators.optional_text(data.notes, "notes", 2000, multiline=True)
    except ValidationError as exc:
        errors.append(exc)
        notes = None
    activities = [
        _check_activity(a, f"activities.{i}", signed, errors)
        for i, a in enumerate(data.activities)
        if a != ActivityInput()
    ]
    if errors:
        raise ValidationErrors(errors)
    pact = ServicePact(
        person_id=person_id,
        signed_on=signed,
        tutor_id=tutor_id,
        meeting_every_days=every,
        notes=notes,
    )
    session.add(pact)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="service_pact",
        entity_id=pact.id,
        person_id=person_id,
        changes=audit.snapshot(pact),
    )
    for values in activities:
        new_activity(session=session, actor=actor, person_id=person_id, pact_id=pact.id, **values)
    if person.tutor_id != tutor_id:
        person.tutor_id = tutor_id
        person.updated_at = utcnow()
        audit.record(
            session=session,
            actor=actor,
            action="update",
            entity="person",
            entity_id=person.id,
            person_id=person.id,
            changes=audit.changed_fields(person),
        )
    recompute_status(session, person_id, actor=actor)
    return pact.id


def _is_staff_user(session: Session, user_id: int) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.id == user_id, User.active, User.role.in_([Role.TUTOR, Role.COORDINATOR]))
        )
    )


def update_pact(
    *,
    session: Session,
    actor: Actor,
    pact_id: int,
    version: int,
    tutor_id: int,
    meeting_every_days: int,
    notes: str | None,
) -> None:
    """Change the pact's tutor (the person's tutor follows), meeting frequency or notes."""
    authorize(session=session, actor=actor, operation="paths.pact")
    pact = session.get(ServicePact, pact_id)
    if pact is None:
        raise NotFound("service_pact")
    if pact.version != version:
        raise Conflict("stale")
    errors: list[ValidationError] = []
    if not _is_staff_user(session, tutor_id):
        errors.append(ValidationError("tutor_id", "people.error.unknown_tutor"))
    try:
        every = validators.int_in_range(meeting_every_days, "meeting_every_days", 1, 365)
    except ValidationError as exc:
        errors.append(exc)
        every = pact.meeting_every_days
    try:
        text = validators.optional_text(notes, "notes", 2000, multiline=True)
    except ValidationError as exc:
        errors.append(exc)
        text = pact.notes
    if errors:
        raise ValidationErrors(errors)
    pact.tutor_id, pact.meeting_every_days, pact.notes = tutor_id, every, text
    changes = audit.changed_fields(pact)
    if not changes:
        return
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="service_pact",
        entity_id=pact.id,
        person_id=pact.person_id,
        changes=changes,
    )
    person = _person(session, pact.person_id)
    if person.tutor_id != tutor_id:
        person.tutor_id = tutor_id
        person.updated_at = utcnow()
        audit.record(
            session=session,
            actor=actor,
            action="update",
            entity="person",
            entity_id=person.id,
            person_id=person.id,
            changes=audit.changed_fields(person),
        )


def get_pact(*, session: Session, actor: Actor, person_id: int, today: date | None = None):
    """The person's pact with its activities (planned ones by deadline), or None."""
    authorize(session=session, actor=actor, operation="paths.view")
    _person(session, person_id)
    pact = _pact_of(session, person_id)
    if pact is None:
        return None
    tutor = session.get(User, pact.tutor_id)
    return PactView(
        id=pact.id,
        version=pact.version,
        person_id=person_id,
        signed_on=pact.signed_on,
        tutor_id=pact.tutor_id,
        tutor_name=tutor.full_name if tutor else "",
        meeting_every_days=pact.meeting_every_days,
        notes=pact.notes,
        activities=activities(session=session, actor=actor, person_id=person_id, today=today),
    )


# --------------------------------------------------------------------------- activities
def _activity_view(a: PathActivity, today: date) -> ActivityView:
    return ActivityView(
        id=a.id,
        version=a.version,
        kind=a.kind,
        description=a.description,
        due_date=a.due_date,
        planned_hours=a.planned_hours,
        hours_done=a.hours_done,
        status=a.status,
        started_on=a.started_on,
        completed_on=a.completed_on,
        workshop_edition_id=a.workshop_edition_id,
        internship_id=a.internship_id,
        overdue=a.status in OPEN_ACTIVITY and a.due_date is not None and a.due_date < today,
    )


def activities(
    *, session: Session, actor: Actor, person_id: int, today: date | None = None
) -> tuple[ActivityView, ...]:
    """The person's activities: open ones first (by deadline), then the finished ones."""
    authorize(session=session, actor=actor, operation="paths.view")
    today = today or date.today()
    rows = session.scalars(
        select(PathActivity)
        .where(PathActivity.person_id == person_id)
        .order_by(PathActivity.due_date.is_(None), PathActivity.due_date, PathActivity.id)
    ).all()
    views = [_activity_view(a, today) for a in rows]
    return tuple(
        sorted(views, key=lambda v: v.status not in OPEN_ACTIVITY)  # stable: keeps deadlines
    )


def new_activity(
    *, session: Session, actor: Actor, person_id: int, pact_id: int, **values: Any
) -> PathActivity:
    """A planned activity in a person's pact, audited: the one way an activity is created (by
    the path's own forms, a workshop enrolment or an internship start)."""
    activity = PathActivity(
        person_id=person_id,
        pact_id=pact_id,
        status=ActivityStatus.PLANNED,
        hours_done=0,
        **values,
    )
    session.add(activity)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="path_activity",
        entity_id=activity.id,
        person_id=person_id,
        changes=audit.snapshot(activity),
    )
    return activity


def add_activity(
    *,
    session: Session,
    actor: Actor,
    person_id: int,
    data: ActivityInput,
) -> int:
    """Plan one more activity in the person's pact."""
    authorize(session=session, actor=actor, operation="paths.activities")
    person = _person(session, person_id)
    if person.status is PersonStatus.CLOSED:
        raise ValidationError("kind", "paths.error.closed")
    pact = _pact_of(session, person_id)
    if pact is None:
        raise ValidationError("kind", "paths.error.no_pact")
    errors: list[ValidationError] = []
    values = _check_activity(data, "activity", pact.signed_on, errors)
    if errors:
        raise ValidationErrors(
            [
                ValidationError(e.field.removeprefix("activity."), e.message, **e.params)
                for e in errors
            ]
        )
    return new_activity(
        session=session, actor=actor, person_id=person_id, pact_id=pact.id, **values
    ).id


def _audit_activity(session: Session, actor: Actor | None, activity: PathActivity) -> None:
    changes = audit.changed_fields(activity)
    if changes:
        audit.record(
            session=session,
            actor=actor,
            action="update",
            entity="path_activity",
            entity_id=activity.id,
            person_id=activity.person_id,
            changes=changes,
        )


def update_activity(
    *,
    session: Session,
    actor: Actor,
    activity_id: int,
    data: ActivityUpdate,
    today: date | None = None,
) -> None:
    """Move an activity along (planned → in progress → done / dropped) and record hours done."""
    authorize(session=session, actor=actor, operation="paths.activities")
    today = today or date.today()
    activity = session.get(PathActivity, activity_id)
    if activity is None:
        raise NotFound("path_activity")
    if activity.version != data.version:
        raise Conflict("stale")
    pact = session.get(ServicePact, activity.pact_id)
    errors: list[ValidationError] = []
    status = data.status or activity.status
    day = data.on or today
    if status is not activity.status:
        if status not in TRANSITIONS[activity.status]:
            errors.append(
                ValidationError(
                    "status",
                    "paths.error.transition",
                    current=activity.status.value,
                    target=status.value,
                )
            )
        elif day > today:
            errors.append(ValidationError("on", "validators.date.future"))
        elif pact is not None and day < pact.signed_on:
            errors.append(ValidationError("on", "paths.error.before_pact"))
        elif (
            status is ActivityStatus.DONE
            and activity.started_on is not None
            and day < activity.started_on
        ):
            errors.append(ValidationError("on", "paths.error.done_before_start"))
    planned = activity.planned_hours if data.planned_hours is KEEP else data.planned_hours
    if planned is not None and planned != activity.planned_hours:
        try:
            planned = validators.int_in_range(planned, "planned_hours", 0, MAX_ACTIVITY_HOURS)
        except ValidationError as exc:
            errors.append(exc)
            planned = activity.planned_hours
    hours = activity.hours_done if data.hours_done is None else data.hours_done
    try:
        hours = validators.int_in_range(hours, "hours_done", 0, MAX_ACTIVITY_HOURS)
    except ValidationError as exc:
        errors.append(exc)
        hours = activity.hours_done
    if planned is not None and hours > planned:
        errors.append(ValidationError("hours_done", "paths.error.hours_over_planned", n=planned))
    if status is ActivityStatus.PLANNED and hours > 0:
        errors.append(ValidationError("hours_done", "paths.error.hours_before_start"))
    description = activity.description
    if data.description is not KEEP:
        try:
            description = validators.optional_text(data.description, "description", 300)
        except ValidationError as exc:
            errors.append(exc)
    due = activity.due_date if data.due_date is KEEP else data.due_date
    if due != activity.due_date and due is not None and pact is not None and due < pact.signed_on:
        errors.append(ValidationError("due_date", "paths.error.due_before_pact"))
    if errors:
        raise ValidationErrors(errors)

    if status is not activity.status:
        if status is ActivityStatus.IN_PROGRESS:
            activity.started_on = day
        elif status is ActivityStatus.DONE:
            activity.completed_on = day
            activity.started_on = activity.started_on or day
        activity.status = status
    activity.hours_done = hours
    activity.planned_hours = planned
    activity.description = description
    activity.due_date = due
    _audit_activity(session, actor, activity)
    session.flush()


# --------------------------------------------------------------------------- read-only lists
def internships(*, session: Session, actor: Actor, person_id: int) -> tuple[InternshipRow, ...]:
    """The person's internships, latest first (edited in the internships screens)."""
    authorize(session=session, actor=actor, operation="paths.view")
    rows = session.execute(
        select(Internship, Company.name)
        .join(Company, Company.id == Internship.company_id)
        .where(Internship.person_id == person_id)
        .order_by(Internship.start_date.desc())
    ).all()
    return tuple(
        InternshipRow(
            id=i.id,
            company=name,
            start_date=i.start_date,
            planned_end_date=i.planned_end_date,
            actual_end_date=i.actual_end_date,
            status=i.status,
            outcome=i.outcome,
            weekly_hours=i.weekly_hours,
        )
        for i, name in rows
    )


def ratings(*, session: Session, actor: Actor, person_id: int) -> tuple[RatingRow, ...]:
    """The person's competence ratings, latest first (recorded in the competences screens)."""
    authorize(session=session, actor=actor, operation="paths.view")
    rows = session.execute(
        select(CompetenceRating, Competence)
        .join(Competence, Competence.id == CompetenceRating.competence_id)
        .where(CompetenceRating.person_id == person_id)
        .order_by(CompetenceRating.rated_on.desc(), Competence.code)
    ).all()
    return tuple(
        RatingRow(
            rated_on=r.rated_on,
            competence_code=c.code,
            label_it=c.label_it,
            label_en=c.label_en,
            level=r.level,
            source=r.source,
        )
        for r, c in rows
    )


def timeline(*, session: Session, actor: Actor, person_id: int) -> tuple[TimelineEvent, ...]:
    """Every dated step of the person's path, the most recent first."""
    authorize(session=session, actor=actor, operation="paths.view")
    person = _person(session, person_id)
    events: list[TimelineEvent] = [TimelineEvent(person.intake_date, "intake", "")]
    if person.did_date:
        events.append(TimelineEvent(person.did_date, "did", ""))
    pact = _pact_of(session, person_id)
    if pact is not None:
        events.append(
            TimelineEvent(pact.signed_on, "pact", "", detail=str(pact.meeting_every_days))
        )
    for a in session.scalars(select(PathActivity).where(PathActivity.person_id == person_id)):
        on = a.completed_on or a.started_on or a.due_date or (pact.signed_on if pact else None)
        if on is not None:
            events.append(
                TimelineEvent(
                    on,
                    "activity",
                    a.description or "",
                    detail=f"{a.hours_done}/{a.planned_hours}" if a.planned_hours else None,
                    status=a.status,
                    subkind=a.kind,
                )
            )
    for m in session.scalars(select(TutoringMeeting).where(TutoringMeeting.person_id == person_id)):
        events.append(
            TimelineEvent(
                m.met_on,
                "meeting",
                m.notes or "",
                detail=m.next_step,
                subkind=MeetingKind(m.kind),
            )
        )
    for e, title in session.execute(
        select(WorkshopEnrolment, WorkshopEdition.title)
        .join(WorkshopEdition, WorkshopEdition.id == WorkshopEnrolment.edition_id)
        .where(WorkshopEnrolment.person_id == person_id)
    ):
        events.append(
            TimelineEvent(e.completed_on or e.enrolled_on, "workshop", title, status=e.status)
        )
    for i in internships(session=session, actor=actor, person_id=person_id):
        events.append(
            TimelineEvent(
                i.actual_end_date or i.start_date,
                "internship",
                i.company,
                status=i.outcome or i.status,
            )
        )
    for day, source, n in session.execute(
        select(CompetenceRating.rated_on, CompetenceRating.source, func.count())
        .where(CompetenceRating.person_id == person_id)
        .group_by(CompetenceRating.rated_on, CompetenceRating.source)
    ):
        events.append(TimelineEvent(day, "rating", "", detail=str(n), subkind=RatingSource(source)))
    order = {"intake": 0, "did": 1, "pact": 2}
    events.sort(key=lambda e: (e.on, -order.get(e.kind, 9)), reverse=True)
    return tuple(events)
