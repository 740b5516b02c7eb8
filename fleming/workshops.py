"""Workshops (*laboratori*): editions, enrolment, sessions and attendance in hours.

An edition runs 100–200 hours in one trade, co-led by a trade trainer and an Italian teacher,
for at most ``capacity`` people. Only people with a *patto di servizio* may enrol; enrolling puts
the workshop in their path (the pact's workshop activity, created if missing), recording
attendance moves that activity along with the hours attended, and completing the workshop marks
it done.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pandas as pd
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from fleming import audit, validators
from fleming.actor import Actor
from fleming.errors import Conflict, NotFound, ValidationError, ValidationErrors
from fleming.models import (
    ActivityKind,
    ActivityStatus,
    EnrolmentStatus,
    PathActivity,
    Person,
    PersonStatus,
    ServicePact,
    Trade,
    WorkshopAttendance,
    WorkshopEdition,
    WorkshopEnrolment,
    WorkshopSession,
)
from fleming.paths import OPEN_ACTIVITY, new_activity
from fleming.permissions import authorize

MIN_HOURS, MAX_HOURS = 100, 200
MAX_CAPACITY = 40
MAX_SESSION_HOURS = Decimal(12)
HOURS_STEP = Decimal("0.1")
SEATED = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)  # statuses that take a seat


# --------------------------------------------------------------------------- values
@dataclass(frozen=True)
class TradeOption:
    id: int
    code: str
    label_it: str
    label_en: str

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_it


@dataclass(frozen=True)
class EditionInput:
    trade_id: int | None = None
    title: str = ""
    hours: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    trainer_name: str = ""
    italian_teacher_name: str = ""
    capacity: int | None = None
    # optional timetable: sessions on these weekdays (0 = Monday) of ``session_hours`` each
    weekdays: tuple[int, ...] = ()
    session_hours: Decimal | float | None = None


@dataclass(frozen=True)
class EditionRow:
    id: int
    version: int
    trade_id: int
    trade_it: str
    trade_en: str
    title: str
    hours: int
    start_date: date
    end_date: date
    trainer_name: str
    italian_teacher_name: str
    capacity: int
    enrolled: int  # still attending
    completed: int
    withdrawn: int
    sessions: int
    scheduled_hours: Decimal
    delivered_hours: Decimal  # of sessions up to today

    @property
    def seated(self) -> int:
        return self.enrolled + self.completed

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seated)

    @property
    def completion_rate(self) -> float | None:
        """Completed enrolments over all enrolments (withdrawn included)."""
        total = self.enrolled + self.completed + self.withdrawn
        return self.completed / total if total else None

    def trade(self, lang: str) -> str:
        return self.trade_en if lang == "en" else self.trade_it


@dataclass(frozen=True)
class SessionRow:
    id: int
    session_date: date
    hours: Decimal
    recorded: int  # attendance rows recorded for this session


@dataclass(frozen=True)
class EnrolmentRow:
    id: int
    version: int
    edition_id: int
    person_id: int
    first_name: str
    last_name: str
    status: EnrolmentStatus
    enrolled_on: date
    completed_on: date | None
    attended_hours: Decimal
    edition_hours: int
    delivered_hours: Decimal

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name}"

    @property
    def attendance_rate(self) -> float | None:
        """Hours attended over the hours of the sessions held so far."""
        return float(self.attended_hours / self.delivered_hours) if self.delivered_hours else None

    @property
    def progress(self) -> float:
        """Hours attended over the edition's hours."""
        return float(self.attended_hours) / self.edition_hours if self.edition_hours else 0.0


@dataclass(frozen=True)
class PersonEnrolment:
    id: int
    version: int
    edition_id: int
    title: str
    start_date: date
    end_date: date
    status: EnrolmentStatus
    attended_hours: Decimal
    edition_hours: int


@dataclass(frozen=True)
class AttendanceGrid:
    edition_id: int
    sessions: tuple[SessionRow, ...]
    people: tuple[EnrolmentRow, ...]
    hours: Mapping[tuple[int, int], Decimal]  # (enrolment id, session id) → hours


# --------------------------------------------------------------------------- trades
def trades(*, session: Session, actor: Actor) -> tuple[TradeOption, ...]:
    authorize(session=session, actor=actor, operation="workshops.view")
    return tuple(
        TradeOption(t.id, t.code, t.label_it, t.label_en)
        for t in session.scalars(select(Trade).where(Trade.active).order_by(Trade.label_it))
    )


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:36] or "trade"


def add_trade(*, session: Session, actor: Actor, label_it: str, label_en: str) -> int:
    """A new workshop trade (coordinators), e.g. *panificazione* / bakery."""
    authorize(session=session, actor=actor, operation="workshops.trades")
    errors: list[ValidationError] = []
    labels: dict[str, str] = {}
    for name, value in (("label_it", label_it), ("label_en", label_en)):
        try:
            labels[name] = validators.required_text(value, name, 200)
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationErrors(errors)
    for name in ("label_it", "label_en"):
        column = getattr(Trade, name)
        if session.scalar(
            select(func.count())
            .select_from(Trade)
            .where(func.lower(column) == labels[name].lower())
        ):
            errors.append(ValidationError(name, "workshops.error.trade_exists"))
    if errors:
        raise ValidationErrors(errors)
    base = _slug(labels["label_en"])
    codes = set(session.scalars(select(Trade.code).where(Trade.code.like(f"{base}%"))))
    code, n = base, 1
    while code in codes:
        n += 1
        code = f"{base}_{n}"
    trade = Trade(code=code, label_it=labels["label_it"], label_en=labels["label_en"], active=True)
    session.add(trade)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="trade",
        entity_id=trade.id,
        changes=audit.snapshot(trade),
    )
    return trade.id


# --------------------------------------------------------------------------- editions
def _edition_query(today: date):
    enrol = (
        select(
            WorkshopEnrolment.edition_id,
            func.count().filter(WorkshopEnrolment.status == EnrolmentStatus.ENROLLED).label("e"),
            func.count().filter(WorkshopEnrolment.status == EnrolmentStatus.COMPLETED).label("c"),
            func.count().filter(WorkshopEnrolment.status == EnrolmentStatus.WITHDRAWN).label("w"),
        )
        .group_by(WorkshopEnrolment.edition_id)
        .subquery()
    )
    sessions = (
        select(
            WorkshopSession.edition_id,
            func.count().label("n"),
            func.sum(WorkshopSession.hours).label("h"),
            func.sum(
                case((WorkshopSession.session_date <= today, WorkshopSession.hours), else_=0)
            ).label("d"),
        )
        .group_by(WorkshopSession.edition_id)
        .subquery()
    )
    return select(
        WorkshopEdition,
        Trade.label_it,
        Trade.label_en,
        func.coalesce(enrol.c.e, 0),
        func.coalesce(enrol.c.c, 0),
        func.coalesce(enrol.c.w, 0),
        func.coalesce(sessions.c.n, 0),
        func.coalesce(sessions.c.h, 0),
        func.coalesce(sessions.c.d, 0),
    ).select_from(
        WorkshopEdition.__table__.join(Trade.__table__, Trade.id == WorkshopEdition.trade_id)
        .outerjoin(enrol, enrol.c.edition_id == WorkshopEdition.id)
        .outerjoin(sessions, sessions.c.edition_id == WorkshopEdition.id)
    )


def _edition_row(row) -> EditionRow:
    e, trade_it, trade_en, enrolled, completed, withdrawn, n, scheduled, delivered = row
    return EditionRow(
        id=e.id,
        version=e.version,
        trade_id=e.trade_id,
        trade_it=trade_it,
        trade_en=trade_en,
        title=e.title,
        hours=e.hours,
        start_date=e.start_date,
        end_date=e.end_date,
        trainer_name=e.trainer_name,
        italian_teacher_name=e.italian_teacher_name,
        capacity=e.capacity,
        enrolled=int(enrolled),
        completed=int(completed),
        withdrawn=int(withdrawn),
        sessions=int(n),
        scheduled_hours=Decimal(scheduled or 0),
        delivered_hours=Decimal(delivered or 0),
    )


def editions(
    *,
    session: Session,
    actor: Actor,
    include_past: bool = False,
    today: date | None = None,
    limit: int = 200,
) -> tuple[EditionRow, ...]:
    """Editions running or to come (and past ones on request), the soonest first."""
    authorize(session=session, actor=actor, operation="workshops.view")
    today = today or date.today()
    query = _edition_query(today)
    if include_past:
        query = query.order_by(WorkshopEdition.start_date.desc(), WorkshopEdition.id.desc())
    else:
        query = query.where(WorkshopEdition.end_date >= today).order_by(
            WorkshopEdition.start_date, WorkshopEdition.id
        )
    return tuple(_edition_row(r) for r in session.execute(query.limit(limit)))


def get_edition(
    *, session: Session, actor: Actor, edition_id: int, today: date | None = None
) -> EditionRow:
    authorize(session=session, actor=actor, operation="workshops.view")
    query = _edition_query(today or date.today()).where(WorkshopEdition.id == edition_id)
    row = session.execute(query).first()
    if row is None:
        raise NotFound("workshop_edition")
    return _edition_row(row)


def _hours(value: object, field: str) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(HOURS_STEP, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(field, "workshops.error.hours_invalid") from None
    if not number.is_finite():
        raise ValidationError(field, "workshops.error.hours_invalid")
    return number


def _check_edition(session: Session, data: EditionInput) -> tuple[dict, list[ValidationError]]:
    errors: list[ValidationError] = []
    v: dict = {}
    if data.trade_id is None:
        errors.append(ValidationError("trade_id", "error.required"))
    elif session.get(Trade, data.trade_id) is None:
        errors.append(ValidationError("trade_id", "workshops.error.unknown_trade"))
    v["trade_id"] = data.trade_id
    for name, limit in (("title", 200), ("trainer_name", 200), ("italian_teacher_name", 200)):
        try:
            v[name] = validators.required_text(getattr(data, name), name, limit)
        except ValidationError as exc:
            errors.append(exc)
    if data.hours is None:
        errors.append(ValidationError("hours", "error.required"))
    else:
        try:
            v["hours"] = validators.int_in_range(data.hours, "hours", MIN_HOURS, MAX_HOURS)
        except ValidationError as exc:
            errors.append(exc)
    if data.capacity is None:
        errors.append(ValidationError("capacity", "error.required"))
    else:
        try:
            v["capacity"] = validators.int_in_range(data.capacity, "capacity", 1, MAX_CAPACITY)
        except ValidationError as exc:
            errors.append(exc)
    if data.start_date is None:
        errors.append(ValidationError("start_date", "error.required"))
    if data.end_date is None:
        errors.append(ValidationError("end_date", "error.required"))
    try:
        validators.end_not_before_start(data.start_date, data.end_date, "end_date")
    except ValidationError as exc:
        errors.append(exc)
    v["start_date"], v["end_date"] = data.start_date, data.end_date
    return v, errors


def plan_sessions(
    start: date, end: date, weekdays: tuple[int, ...], session_hours: Decimal, total: int
) -> list[tuple[date, Decimal]]:
    """Sessions on ``weekdays`` from ``start`` until ``total`` hours are planned (the last one
    may be shorter). Stops at ``end``: the caller checks that every hour found a day."""
    plan: list[tuple[date, Decimal]] = []
    left = Decimal(total)
    day = start
    while day <= end and left > 0:
        if day.weekday() in weekdays:
            hours = min(session_hours, left)
            plan.append((day, hours))
            left -= hours
        day += timedelta(days=1)
    return plan


def create_edition(*, session: Session, actor: Actor, data: EditionInput) -> int:
    """A new edition; with ``weekdays`` and ``session_hours`` its sessions are planned too."""
    authorize(session=session, actor=actor, operation="workshops.editions")
    v, errors = _check_edition(session, data)
    plan: list[tuple[date, Decimal]] = []
    if data.weekdays or data.session_hours:
        if not data.weekdays:
            errors.append(ValidationError("weekdays", "workshops.error.weekdays_required"))
        hours = None
        try:
            hours = _hours(data.session_hours, "session_hours")
            if not Decimal("0.5") <= hours <= MAX_SESSION_HOURS:
                errors.append(
                    ValidationError("session_hours", "workshops.error.session_hours_range")
                )
        except ValidationError as exc:
            errors.append(exc)
        if not errors and hours is not None:
            plan = plan_sessions(
                v["start_date"], v["end_date"], tuple(data.weekdays), hours, v["hours"]
            )
            fit = sum((h for _, h in plan), Decimal(0))
            if fit < v["hours"]:
                errors.append(
                    ValidationError(
                        "end_date",
                        "workshops.error.schedule_short",
                        fit=_fmt_hours(fit),
                        hours=v["hours"],
                    )
                )
    if errors:
        raise ValidationErrors(errors)
    edition = WorkshopEdition(**v)
    session.add(edition)
    session.flush()
    for day, hours in plan:
        session.add(WorkshopSession(edition_id=edition.id, session_date=day, hours=hours))
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="workshop_edition",
        entity_id=edition.id,
        changes={**audit.snapshot(edition), "sessions": len(plan)},
    )
    session.flush()
    return edition.id


def _fmt_hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def update_edition(
    *, session: Session, actor: Actor, edition_id: int, version: int, data: EditionInput
) -> None:
    """Change an edition; capacity cannot drop below the people seated, nor hours below those
    scheduled, and every session stays within the dates."""
    authorize(session=session, actor=actor, operation="workshops.editions")
    edition = _edition(session, edition_id)
    if edition.version != version:
        raise Conflict("stale")
    v, errors = _check_edition(session, data)
    if not errors:
        seated = _seated(session, edition_id)
        if v["capacity"] < seated:
            errors.append(ValidationError("capacity", "workshops.error.capacity_below", n=seated))
        scheduled, first, last = session.execute(
            select(
                func.coalesce(func.sum(WorkshopSession.hours), 0),
                func.min(WorkshopSession.session_date),
                func.max(WorkshopSession.session_date),
            ).where(WorkshopSession.edition_id == edition_id)
        ).one()
        if Decimal(scheduled) > v["hours"]:
            errors.append(
                ValidationError(
                    "hours", "workshops.error.hours_below_scheduled", n=_fmt_hours(scheduled)
                )
            )
        if first is not None and (first < v["start_date"] or last > v["end_date"]):
            errors.append(ValidationError("start_date", "workshops.error.sessions_outside"))
    if errors:
        raise ValidationErrors(errors)
    for key, value in v.items():
        setattr(edition, key, value)
    changes = audit.changed_fields(edition)
    if changes:
        audit.record(
            session=session,
            actor=actor,
            action="update",
            entity="workshop_edition",
            entity_id=edition.id,
            changes=changes,
        )
    session.flush()


def _edition(session: Session, edition_id: int) -> WorkshopEdition:
    edition = session.get(WorkshopEdition, edition_id)
    if edition is None:
        raise NotFound("workshop_edition")
    return edition


def _seated(session: Session, edition_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(WorkshopEnrolment)
            .where(
                WorkshopEnrolment.edition_id == edition_id,
                WorkshopEnrolment.status.in_(SEATED),
            )
        )
        or 0
    )


# --------------------------------------------------------------------------- sessions
def sessions(*, session: Session, actor: Actor, edition_id: int) -> tuple[SessionRow, ...]:
    authorize(session=session, actor=actor, operation="workshops.view")
    # counted per session through the attendance primary key (session_id, enrolment_id), not by
    # grouping the whole attendance table first (~55 ms at decade scale on PostgreSQL)
    recorded = (
        select(func.count())
        .where(WorkshopAttendance.session_id == WorkshopSession.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(WorkshopSession, recorded)
        .where(WorkshopSession.edition_id == edition_id)
        .order_by(WorkshopSession.session_date)
    ).all()
    return tuple(SessionRow(s.id, s.session_date, Decimal(s.hours), int(n)) for s, n in rows)


def add_session(
    *, session: Session, actor: Actor, edition_id: int, on: date | None, hours: object
) -> int:
    """One more session within the edition's dates, without exceeding its hours."""
    authorize(session=session, actor=actor, operation="workshops.editions")
    edition = _edition(session, edition_id)
    errors: list[ValidationError] = []
    if on is None:
        errors.append(ValidationError("session_date", "error.required"))
    elif not edition.start_date <= on <= edition.end_date:
        errors.append(ValidationError("session_date", "workshops.error.session_outside"))
    elif session.scalar(
        select(func.count())
        .select_from(WorkshopSession)
        .where(WorkshopSession.edition_id == edition_id, WorkshopSession.session_date == on)
    ):
        errors.append(ValidationError("session_date", "workshops.error.session_exists"))
    value = None
    try:
        value = _hours(hours, "session_hours")
        if not Decimal("0.5") <= value <= MAX_SESSION_HOURS:
            errors.append(ValidationError("session_hours", "workshops.error.session_hours_range"))
            value = None
    except ValidationError as exc:
        errors.append(exc)
    if value is not None:
        scheduled = Decimal(
            session.scalar(
                select(func.coalesce(func.sum(WorkshopSession.hours), 0)).where(
                    WorkshopSession.edition_id == edition_id
                )
            )
        )
        if scheduled + value > edition.hours:
            errors.append(
                ValidationError(
                    "session_hours",
                    "workshops.error.over_edition_hours",
                    left=_fmt_hours(Decimal(edition.hours) - scheduled),
                )
            )
    if errors:
        raise ValidationErrors(errors)
    row = WorkshopSession(edition_id=edition_id, session_date=on, hours=value)
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="workshop_session",
        entity_id=row.id,
        changes={"edition_id": edition_id, "session_date": on, "hours": value},
    )
    return row.id


def remove_session(*, session: Session, actor: Actor, session_id: int) -> None:
    """Remove a session nobody's attendance was recorded for."""
    authorize(session=session, actor=actor, operation="workshops.editions")
    row = session.get(WorkshopSession, session_id)
    if row is None:
        raise NotFound("workshop_session")
    if session.scalar(
        select(func.count())
        .select_from(WorkshopAttendance)
        .where(WorkshopAttendance.session_id == session_id)
    ):
        raise ValidationError("session_date", "workshops.error.session_has_attendance")
    audit.record(
        session=session,
        actor=actor,
        action="delete",
        entity="workshop_session",
        entity_id=row.id,
        changes={"edition_id": row.edition_id, "session_date": row.session_date},
    )
    session.delete(row)
    session.flush()


# --------------------------------------------------------------------------- enrolment
def _attended(session: Session, enrolment_ids: list[int]) -> dict[int, Decimal]:
    if not enrolment_ids:
        return {}
    return {
        eid: Decimal(h)
        for eid, h in session.execute(
            select(WorkshopAttendance.enrolment_id, func.sum(WorkshopAttendance.hours))
            .where(WorkshopAttendance.enrolment_id.in_(enrolment_ids))
            .group_by(WorkshopAttendance.enrolment_id)
        )
    }


def enrolments(
    *, session: Session, actor: Actor, edition_id: int, today: date | None = None
) -> tuple[EnrolmentRow, ...]:
    """Who is enrolled in the edition: attending first, then completed, then withdrawn."""
    authorize(session=session, actor=actor, operation="workshops.view")
    today = today or date.today()
    edition = _edition(session, edition_id)
    delivered = Decimal(
        session.scalar(
            select(func.coalesce(func.sum(WorkshopSession.hours), 0)).where(
                WorkshopSession.edition_id == edition_id, WorkshopSession.session_date <= today
            )
        )
    )
    order = case(
        (WorkshopEnrolment.status == EnrolmentStatus.ENROLLED, 0),
        (WorkshopEnrolment.status == EnrolmentStatus.COMPLETED, 1),
        else_=2,
    )
    rows = session.execute(
        select(WorkshopEnrolment, Person.first_name, Person.last_name)
        .join(Person, Person.id == WorkshopEnrolment.person_id)
        .where(WorkshopEnrolment.edition_id == edition_id)
        .order_by(order, func.lower(Person.last_name), func.lower(Person.first_name))
    ).all()
    attended = _attended(session, [e.id for e, _, _ in rows])
    return tuple(
        EnrolmentRow(
            id=e.id,
            version=e.version,
            edition_id=edition_id,
            person_id=e.person_id,
            first_name=first,
            last_name=last,
            status=e.status,
            enrolled_on=e.enrolled_on,
            completed_on=e.completed_on,
            attended_hours=attended.get(e.id, Decimal(0)),
            edition_hours=edition.hours,
            delivered_hours=delivered,
        )
        for e, first, last in rows
    )


def person_enrolments(
    *, session: Session, actor: Actor, person_id: int
) -> tuple[PersonEnrolment, ...]:
    """A person's workshops, the latest first."""
    authorize(session=session, actor=actor, operation="workshops.view")
    rows = session.execute(
        select(WorkshopEnrolment, WorkshopEdition)
        .join(WorkshopEdition, WorkshopEdition.id == WorkshopEnrolment.edition_id)
        .where(WorkshopEnrolment.person_id == person_id)
        .order_by(WorkshopEdition.start_date.desc())
    ).all()
    attended = _attended(session, [e.id for e, _ in rows])
    return tuple(
        PersonEnrolment(
            id=e.id,
            version=e.version,
            edition_id=ed.id,
            title=ed.title,
            start_date=ed.start_date,
            end_date=ed.end_date,
            status=e.status,
            attended_hours=attended.get(e.id, Decimal(0)),
            edition_hours=ed.hours,
        )
        for e, ed in rows
    )


def eligible_people(
    *, session: Session, actor: Actor, edition_id: int, limit: int = 500
) -> list[tuple[int, str]]:
    """People who may enrol in the edition: on a path (a pact, not closed or hired) and not
    already seated in it. The actor's own people first."""
    authorize(session=session, actor=actor, operation="workshops.enrol")
    seated = select(WorkshopEnrolment.person_id).where(
        WorkshopEnrolment.edition_id == edition_id, WorkshopEnrolment.status.in_(SEATED)
    )
    rows = session.execute(
        select(Person.id, Person.last_name, Person.first_name, Person.tax_code)
        .join(ServicePact, ServicePact.person_id == Person.id)
        .where(
            Person.status.in_([PersonStatus.ACTIVE, PersonStatus.INTERNSHIP]),
            Person.anonymised_at.is_(None),
            Person.id.not_in(seated),
        )
        .order_by(
            case((Person.tutor_id == actor.id, 0), else_=1),
            func.lower(Person.last_name),
            func.lower(Person.first_name),
        )
        .limit(limit)
    ).all()
    return [(pid, f"{last} {first} · {code}") for pid, last, first, code in rows]


def _lock_edition(session: Session, edition: WorkshopEdition) -> None:
    """Bump the edition's version, so two enrolments racing for the last seat cannot both win:
    the second one finds the version changed and fails with Conflict."""
    result = session.execute(
        update(WorkshopEdition)
        .where(WorkshopEdition.id == edition.id, WorkshopEdition.version == edition.version)
        .values(version=edition.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("workshops.error.busy")
    session.expire(edition, ["version"])


def _workshop_activity(
    session: Session, actor: Actor, person_id: int, edition: WorkshopEdition
) -> PathActivity:
    """The pact's activity for this workshop: the one linked to the edition, else an open
    workshop activity not linked yet (now linked), else a new one."""
    pact = session.scalar(select(ServicePact).where(ServicePact.person_id == person_id))
    if pact is None:
        raise ValidationError("person_id", "workshops.error.no_pact")
    linked = session.scalar(
        select(PathActivity)
        .where(
            PathActivity.person_id == person_id,
            PathActivity.workshop_edition_id == edition.id,
            PathActivity.status.in_(OPEN_ACTIVITY),
        )
        .order_by(PathActivity.id.desc())
    )
    if linked is not None:
        return linked
    free = session.scalar(
        select(PathActivity)
        .where(
            PathActivity.person_id == person_id,
            PathActivity.kind == ActivityKind.WORKSHOP,
            PathActivity.workshop_edition_id.is_(None),
            PathActivity.status.in_(OPEN_ACTIVITY),
        )
        .order_by(PathActivity.id)
    )
    if free is not None:
        free.workshop_edition_id = edition.id
        free.description = free.description or edition.title
        free.planned_hours = free.planned_hours or edition.hours
        free.due_date = free.due_date or edition.end_date
        _audit_activity(session, actor, free)
        return free
    return new_activity(
        session=session,
        actor=actor,
        person_id=person_id,
        pact_id=pact.id,
        kind=ActivityKind.WORKSHOP,
        description=edition.title[:300],
        due_date=edition.end_date,
        planned_hours=edition.hours,
        workshop_edition_id=edition.id,
    )


def _audit_activity(session: Session, actor: Actor, activity: PathActivity) -> None:
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


def enrol(
    *,
    session: Session,
    actor: Actor,
    edition_id: int,
    person_id: int,
    on: date | None = None,
    today: date | None = None,
) -> int:
    """Enrol a person with a pact in an edition that has a free seat and has not ended."""
    authorize(session=session, actor=actor, operation="workshops.enrol")
    today = today or date.today()
    edition = _edition(session, edition_id)
    person = session.get(Person, person_id)
    if person is None or person.anonymised_at is not None:
        raise NotFound("person")
    day = on or today
    errors: list[ValidationError] = []
    if day > today:
        errors.append(ValidationError("enrolled_on", "validators.date.future"))
    if edition.end_date < today:
        errors.append(ValidationError("edition_id", "workshops.error.edition_over"))
    if person.status in PersonStatus.ENDED:
        errors.append(ValidationError("person_id", "workshops.error.not_on_path"))
    elif (
        session.scalar(
            select(func.count()).select_from(ServicePact).where(ServicePact.person_id == person_id)
        )
        == 0
    ):
        errors.append(ValidationError("person_id", "workshops.error.no_pact"))
    existing = session.scalar(
        select(WorkshopEnrolment).where(
            WorkshopEnrolment.edition_id == edition_id, WorkshopEnrolment.person_id == person_id
        )
    )
    if existing is not None and existing.status in SEATED:
        errors.append(ValidationError("person_id", "workshops.error.already_enrolled"))
    if errors:
        raise ValidationErrors(errors)
    _lock_edition(session, edition)
    seated = _seated(session, edition_id)
    if seated >= edition.capacity:
        raise ValidationError("edition_id", "workshops.error.full", capacity=edition.capacity)
    if existing is not None:  # came back after withdrawing
        existing.status = EnrolmentStatus.ENROLLED
        existing.enrolled_on = day
        existing.completed_on = None
        enrolment = existing
        action, changes = "update", audit.changed_fields(existing)
    else:
        enrolment = WorkshopEnrolment(
            edition_id=edition_id,
            person_id=person_id,
            enrolled_on=day,
            status=EnrolmentStatus.ENROLLED,
        )
        session.add(enrolment)
        session.flush()
        action, changes = "create", audit.snapshot(enrolment)
    audit.record(
        session=session,
        actor=actor,
        action=action,
        entity="workshop_enrolment",
        entity_id=enrolment.id,
        person_id=person_id,
        changes=changes,
    )
    activity = _workshop_activity(session, actor, person_id, edition)
    _sync_activity(session, actor, enrolment, activity)
    session.flush()
    return enrolment.id


def _enrolment(session: Session, enrolment_id: int, version: int) -> WorkshopEnrolment:
    enrolment = session.get(WorkshopEnrolment, enrolment_id)
    if enrolment is None:
        raise NotFound("workshop_enrolment")
    if enrolment.version != version:
        raise Conflict("stale")
    return enrolment


def _sync_activity(
    session: Session,
    actor: Actor,
    enrolment: WorkshopEnrolment,
    activity: PathActivity | None = None,
) -> None:
    """Bring the person's workshop activity in line with the enrolment and its attendance."""
    edition = session.get(WorkshopEdition, enrolment.edition_id)
    if activity is None:
        activity = session.scalar(
            select(PathActivity)
            .where(
                PathActivity.person_id == enrolment.person_id,
                PathActivity.workshop_edition_id == enrolment.edition_id,
            )
            .order_by(PathActivity.status.in_(OPEN_ACTIVITY).desc(), PathActivity.id.desc())
        )
    if activity is None:
        if enrolment.status is not EnrolmentStatus.COMPLETED:
            return
        activity = _workshop_activity(session, actor, enrolment.person_id, edition)
    session.flush()
    hours = _attended(session, [enrolment.id]).get(enrolment.id, Decimal(0))
    first = session.scalar(
        select(func.min(WorkshopSession.session_date))
        .join(WorkshopAttendance, WorkshopAttendance.session_id == WorkshopSession.id)
        .where(WorkshopAttendance.enrolment_id == enrolment.id, WorkshopAttendance.hours > 0)
    )
    pact = session.get(ServicePact, activity.pact_id)
    whole = int(hours.to_integral_value(rounding=ROUND_HALF_UP))
    if activity.planned_hours is not None:
        whole = min(whole, activity.planned_hours)
    if activity.status in OPEN_ACTIVITY:
        activity.hours_done = whole
        if enrolment.status is EnrolmentStatus.COMPLETED:
            start = activity.started_on or first or edition.start_date
            done_on = enrolment.completed_on or date.today()
            activity.started_on = max(min(start, done_on), pact.signed_on) if pact else start
            activity.completed_on = max(done_on, activity.started_on)
            activity.status = ActivityStatus.DONE
        elif enrolment.status is EnrolmentStatus.WITHDRAWN:
            activity.status = ActivityStatus.DROPPED
        elif first is not None and activity.status is ActivityStatus.PLANNED:
            activity.status = ActivityStatus.IN_PROGRESS
            activity.started_on = max(first, pact.signed_on) if pact else first
    _audit_activity(session, actor, activity)


def complete(
    *,
    session: Session,
    actor: Actor,
    enrolment_id: int,
    version: int,
    on: date | None = None,
    today: date | None = None,
) -> None:
    """The person completed the workshop: their workshop activity becomes done."""
    authorize(session=session, actor=actor, operation="workshops.enrol")
    today = today or date.today()
    enrolment = _enrolment(session, enrolment_id, version)
    edition = _edition(session, enrolment.edition_id)
    day = on or min(today, edition.end_date)
    if enrolment.status is not EnrolmentStatus.ENROLLED:
        raise ValidationError("status", "workshops.error.not_attending")
    if day > today:
        raise ValidationError("completed_on", "validators.date.future")
    if day < edition.start_date:
        raise ValidationError("completed_on", "workshops.error.completed_before_start")
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_on = day
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="workshop_enrolment",
        entity_id=enrolment.id,
        person_id=enrolment.person_id,
        changes=audit.changed_fields(enrolment),
    )
    _sync_activity(session, actor, enrolment)
    session.flush()


def withdraw(*, session: Session, actor: Actor, enrolment_id: int, version: int) -> None:
    """The person leaves the workshop: the seat is free again, their activity is dropped."""
    authorize(session=session, actor=actor, operation="workshops.enrol")
    enrolment = _enrolment(session, enrolment_id, version)
    if enrolment.status is not EnrolmentStatus.ENROLLED:
        raise ValidationError("status", "workshops.error.not_attending")
    enrolment.status = EnrolmentStatus.WITHDRAWN
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="workshop_enrolment",
        entity_id=enrolment.id,
        person_id=enrolment.person_id,
        changes=audit.changed_fields(enrolment),
    )
    _sync_activity(session, actor, enrolment)
    session.flush()


# --------------------------------------------------------------------------- attendance
def _blank(raw: object) -> bool:
    """An empty cell: None, "", NaN or pandas' NA."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return True
    try:
        return bool(pd.isna(raw))
    except (TypeError, ValueError):
        return False


def attendance(
    *,
    session: Session,
    actor: Actor,
    edition_id: int,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> AttendanceGrid:
    """Hours attended per person and session, for the sessions between ``start`` and ``end``."""
    authorize(session=session, actor=actor, operation="workshops.view")
    chosen = tuple(
        s
        for s in sessions(session=session, actor=actor, edition_id=edition_id)
        if (start is None or s.session_date >= start) and (end is None or s.session_date <= end)
    )
    people = enrolments(session=session, actor=actor, edition_id=edition_id, today=today)
    ids = [s.id for s in chosen]
    hours = (
        {
            (eid, sid): Decimal(h)
            for sid, eid, h in session.execute(
                select(
                    WorkshopAttendance.session_id,
                    WorkshopAttendance.enrolment_id,
                    WorkshopAttendance.hours,
                ).where(WorkshopAttendance.session_id.in_(ids))
            )
        }
        if ids
        else {}
    )
    return AttendanceGrid(edition_id=edition_id, sessions=chosen, people=people, hours=hours)


def save_attendance(
    *,
    session: Session,
    actor: Actor,
    edition_id: int,
    entries: Mapping[tuple[int, int], object],
    today: date | None = None,
) -> int:
    """Write the hours of ``entries`` ((enrolment id, session id) → hours; None clears a cell).

    Every cell is checked first (no future session, no more hours than the session lasted), and
    nothing is written unless all are valid. Returns the number of cells changed.
    """
    authorize(session=session, actor=actor, operation="workshops.attendance")
    today = today or date.today()
    _edition(session, edition_id)
    session_rows = {
        s.id: s
        for s in session.scalars(
            select(WorkshopSession).where(WorkshopSession.edition_id == edition_id)
        )
    }
    people = {
        e.id: (e, first, last)
        for e, first, last in session.execute(
            select(WorkshopEnrolment, Person.first_name, Person.last_name)
            .join(Person, Person.id == WorkshopEnrolment.person_id)
            .where(WorkshopEnrolment.edition_id == edition_id)
        )
    }
    errors: list[ValidationError] = []
    clean: dict[tuple[int, int], Decimal | None] = {}
    for (enrolment_id, session_id), raw in entries.items():
        srow = session_rows.get(session_id)
        person = people.get(enrolment_id)
        if srow is None or person is None:
            errors.append(ValidationError("attendance", "workshops.error.not_in_edition"))
            continue
        name = f"{person[1]} {person[2]}"
        day = srow.session_date
        if _blank(raw):
            clean[(enrolment_id, session_id)] = None
            continue
        try:
            value = _hours(raw, "attendance")
        except ValidationError:
            errors.append(
                ValidationError("attendance", "workshops.error.cell_invalid", name=name, date=day)
            )
            continue
        if srow.session_date > today:
            errors.append(ValidationError("attendance", "workshops.error.future_session", date=day))
        elif value < 0 or value > Decimal(srow.hours):
            errors.append(
                ValidationError(
                    "attendance",
                    "workshops.error.hours_over_session",
                    name=name,
                    date=day,
                    max=_fmt_hours(Decimal(srow.hours)),
                )
            )
        else:
            clean[(enrolment_id, session_id)] = value
    if errors:
        raise ValidationErrors(errors)
    existing = (
        {
            (a.enrolment_id, a.session_id): a
            for a in session.scalars(
                select(WorkshopAttendance).where(
                    WorkshopAttendance.session_id.in_(list(session_rows)),
                    WorkshopAttendance.enrolment_id.in_(sorted({k[0] for k in clean})),
                )
            )
        }
        if clean
        else {}
    )
    changed: list[dict] = []
    for key, value in clean.items():
        row = existing.get(key)
        old = Decimal(row.hours) if row is not None else None
        if old == value:
            continue
        if value is None:
            session.delete(row)
        elif row is None:
            session.add(WorkshopAttendance(enrolment_id=key[0], session_id=key[1], hours=value))
        else:
            row.hours = value
        changed.append({"enrolment_id": key[0], "session_id": key[1], "from": old, "to": value})
    if not changed:
        return 0
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="workshop_attendance",
        entity_id=edition_id,
        changes={
            "cells": [
                {k: (str(v) if isinstance(v, Decimal) else v) for k, v in c.items()}
                for c in changed[:200]
            ],
            "count": len(changed),
        },
    )
    for enrolment_id in {c["enrolment_id"] for c in changed}:
        _sync_activity(session, actor, people[enrolment_id][0])
    session.flush()
    return len(changed)
