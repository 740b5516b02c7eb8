"""Tutoring: meetings with notes and next steps, and a tutor's caseload.

The caseload puts first the people who need attention: overdue activities, then those not seen
for more than ``tutoring.not_seen_days`` days (a setting, default 30), longest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from fleming import audit, settings, validators
from fleming.actor import Actor
from fleming.errors import NotFound, ValidationError, ValidationErrors
from fleming.models import (
    ActivityStatus,
    MeetingKind,
    PathActivity,
    Person,
    PersonStatus,
    ServicePact,
    TutoringMeeting,
    User,
)
from fleming.permissions import authorize, require_own_caseload

NOT_SEEN_DAYS_KEY = "tutoring.not_seen_days"
NOT_SEEN_DAYS_DEFAULT = 30


@dataclass(frozen=True)
class MeetingInput:
    met_on: date | None = None
    kind: MeetingKind | None = None
    notes: str | None = None
    next_step: str | None = None


@dataclass(frozen=True)
class MeetingView:
    id: int
    met_on: date
    kind: MeetingKind
    tutor_name: str
    notes: str | None
    next_step: str | None


@dataclass(frozen=True)
class CaseloadRow:
    person_id: int
    first_name: str
    last_name: str
    status: PersonStatus
    last_meeting: date | None
    days_since: int | None  # since the last meeting (None: never met)
    overdue_activities: int
    next_due: date | None  # the nearest deadline of an open activity
    meeting_every_days: int | None  # from the pact
    not_seen: bool

    @property
    def needs_attention(self) -> bool:
        return self.not_seen or self.overdue_activities > 0

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name}"


@dataclass(frozen=True)
class CaseloadView:
    tutor_id: int
    rows: tuple[CaseloadRow, ...]
    not_seen_days: int

    @property
    def not_seen(self) -> int:
        return sum(r.not_seen for r in self.rows)

    @property
    def with_overdue(self) -> int:
        return sum(r.overdue_activities > 0 for r in self.rows)


def not_seen_days(*, session: Session) -> int:
    """The setting ``tutoring.not_seen_days`` (default 30)."""
    return settings.integer(session, NOT_SEEN_DAYS_KEY, NOT_SEEN_DAYS_DEFAULT, lo=1, hi=365)


def add_meeting(
    *,
    session: Session,
    actor: Actor,
    person_id: int,
    data: MeetingInput,
    today: date | None = None,
) -> int:
    """Record a meeting (held by the actor) with its notes and next step."""
    authorize(session=session, actor=actor, operation="tutoring.meetings")
    today = today or date.today()
    person = session.get(Person, person_id)
    if person is None or person.anonymised_at is not None:
        raise NotFound("person")
    errors: list[ValidationError] = []
    met_on = data.met_on or today
    if met_on > today:
        errors.append(ValidationError("met_on", "validators.date.future"))
    elif met_on < person.intake_date:
        errors.append(ValidationError("met_on", "tutoring.error.before_intake"))
    if data.kind is None:
        errors.append(ValidationError("kind", "error.required"))
    notes = next_step = None
    try:
        notes = validators.optional_text(data.notes, "notes", 5000, multiline=True)
    except ValidationError as exc:
        errors.append(exc)
    try:
        next_step = validators.optional_text(data.next_step, "next_step", 300)
    except ValidationError as exc:
        errors.append(exc)
    if not errors and notes is None and next_step is None:
        errors.append(ValidationError("notes", "tutoring.error.empty"))
    if errors:
        raise ValidationErrors(errors)
    meeting = TutoringMeeting(
        person_id=person_id,
        tutor_id=actor.id,
        met_on=met_on,
        kind=data.kind,
        notes=notes,
        next_step=next_step,
    )
    session.add(meeting)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="tutoring_meeting",
        entity_id=meeting.id,
        person_id=person_id,
        changes={"met_on": met_on.isoformat(), "kind": data.kind.value},  # notes stay out
    )
    return meeting.id


def meetings(*, session: Session, actor: Actor, person_id: int) -> tuple[MeetingView, ...]:
    """The person's meetings, the latest first."""
    authorize(session=session, actor=actor, operation="tutoring.meetings")
    rows = session.execute(
        select(TutoringMeeting, User.full_name)
        .join(User, User.id == TutoringMeeting.tutor_id)
        .where(TutoringMeeting.person_id == person_id)
        .order_by(TutoringMeeting.met_on.desc(), TutoringMeeting.id.desc())
    ).all()
    return tuple(
        MeetingView(
            id=m.id,
            met_on=m.met_on,
            kind=m.kind,
            tutor_name=name,
            notes=m.notes,
            next_step=m.next_step,
        )
        for m, name in rows
    )


def caseload(
    *,
    session: Session,
    actor: Actor,
    tutor_id: int | None = None,
    today: date | None = None,
) -> CaseloadView:
    """The open cases of a tutor (the actor, or any tutor for a coordinator), attention first."""
    authorize(session=session, actor=actor, operation="tutoring.caseload")
    today = today or date.today()
    tutor_id = tutor_id or actor.id
    require_own_caseload(session=session, actor=actor, tutor_id=tutor_id)
    days = not_seen_days(session=session)
    cutoff = today - timedelta(days=days)
    # Per-person correlated subqueries over the tutor's own people, each served by an index
    # ((person_id, met_on) and (person_id, status)): grouping the whole meetings and
    # activities tables first made PostgreSQL join every group to every person (0.6-1.4 s at
    # decade scale for a caseload of ~700 when its statistics were stale).
    open_activity = PathActivity.status.in_([ActivityStatus.PLANNED, ActivityStatus.IN_PROGRESS])
    last = (
        select(func.max(TutoringMeeting.met_on))
        .where(TutoringMeeting.person_id == Person.id)
        .scalar_subquery()
    )
    overdue = (
        select(func.count())
        .where(PathActivity.person_id == Person.id, open_activity, PathActivity.due_date < today)
        .scalar_subquery()
    )
    next_due = (
        select(func.min(PathActivity.due_date))
        .where(PathActivity.person_id == Person.id, open_activity, PathActivity.due_date >= today)
        .scalar_subquery()
    )
    mine = (
        select(
            Person.id,
            Person.first_name,
            Person.last_name,
            Person.status,
            last.label("last"),
            overdue.label("overdue"),
            next_due.label("next"),
        )
        .where(
            Person.tutor_id == tutor_id,
            Person.status.in_(PersonStatus.OPEN_CASE),
            Person.anonymised_at.is_(None),
        )
        .subquery()
    )
    not_seen = case((mine.c.last.is_(None), 1), (mine.c.last < cutoff, 1), else_=0)
    rows = session.execute(
        select(
            mine.c.id,
            mine.c.first_name,
            mine.c.last_name,
            mine.c.status,
            mine.c.last,
            mine.c.overdue,
            mine.c.next,
            ServicePact.meeting_every_days,
            not_seen,
        )
        .outerjoin(ServicePact, ServicePact.person_id == mine.c.id)
        .order_by(
            case((mine.c.overdue > 0, 0), else_=1),
            not_seen.desc(),
            mine.c.last.is_not(None),
            mine.c.last,
            mine.c.overdue.desc(),
            func.lower(mine.c.last_name),
            mine.c.id,
        )
        .limit(1000)
    ).all()
    return CaseloadView(
        tutor_id=tutor_id,
        rows=tuple(
            CaseloadRow(
                person_id=r[0],
                first_name=r[1],
                last_name=r[2],
                status=PersonStatus(r[3]),
                last_meeting=r[4],
                days_since=(today - r[4]).days if r[4] else None,
                overdue_activities=int(r[5] or 0),
                next_due=r[6],
                meeting_every_days=r[7],
                not_seen=bool(r[8]),
            )
            for r in rows
        ),
        not_seen_days=days,
    )
