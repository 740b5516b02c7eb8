"""Companies: the employer network the centre scouts, signs conventions with and places people in.

A company moves along its relationship with the centre — prospect → contacted → active partner →
dormant (and back to contacted or active when the relationship picks up again). Logging a contact
with a prospect (or a dormant company) makes it *contacted*; recording a convention that is valid
today makes it an *active partner*. Both changes are audited like any other.

Two functions here are the single home of rules other features reuse:

- ``intern_quota(employees, rule)`` — how many interns a company may host at the same time;
- ``has_valid_convention(session=, company_id=, kind=, on_date=)`` — whether a *convenzione* of that
  kind covers a day.

Reading of the host quota (Lombardy, DGR X/7763 of 17/01/2018, taking over the national guidelines
of 25/05/2017): up to 5 employees one intern, 6 to 20 employees two, above 20 at most 10% of the
employees *rounded up* ("con arrotondamento all'unità superiore"): 21 employees → 3, 30 → 3,
31 → 4. Regional figures change, so they are a setting (``internship.host_quota``) with these
defaults; ``quota_rule(session=)`` reads it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fleming import audit, settings
from fleming.actor import Actor
from fleming.errors import Conflict, NotFound, ValidationError, ValidationErrors
from fleming.i18n import enum_label, translate
from fleming.models import (
    Company,
    CompanyContact,
    CompanyStatus,
    Convention,
    ConventionKind,
    Internship,
    InternshipOutcome,
    InternshipStatus,
    Person,
    ScoutingEntry,
    Trade,
    TrainingCourse,
    User,
    Vacancy,
    VacancyKind,
    VacancyStatus,
)
from fleming.permissions import authorize
from fleming.reference import ateco_division, comune_by_code
from fleming.validators import (
    end_not_before_start,
    int_in_range,
    normalise_ateco,
    normalise_email,
    normalise_municipality,
    normalise_phone,
    normalise_vat_number,
    normalise_website,
    not_in_future,
    optional_text,
    required_text,
)

MAX_EMPLOYEES = 1_000_000

# The ways the centre reaches a company (the centre's own words, stored as they are).
SCOUTING_CHANNELS: tuple[str, ...] = ("telefono", "e-mail", "visita", "evento", "altro")

# Where a company may go from each status (staying put is always allowed).
STATUS_TRANSITIONS: dict[CompanyStatus, frozenset[CompanyStatus]] = {
    CompanyStatus.PROSPECT: frozenset({CompanyStatus.CONTACTED, CompanyStatus.ACTIVE}),
    CompanyStatus.CONTACTED: frozenset({CompanyStatus.ACTIVE, CompanyStatus.DORMANT}),
    CompanyStatus.ACTIVE: frozenset({CompanyStatus.DORMANT}),
    CompanyStatus.DORMANT: frozenset({CompanyStatus.CONTACTED, CompanyStatus.ACTIVE}),
}


def next_statuses(current: CompanyStatus) -> list[CompanyStatus]:
    """The statuses a company in ``current`` may be given, ``current`` first, in lifecycle order."""
    allowed = STATUS_TRANSITIONS[current]
    return [current] + [s for s in CompanyStatus if s in allowed]


# --------------------------------------------------------------------------- host quota
@dataclass(frozen=True)
class QuotaRule:
    """How many interns a company may host at the same time, by number of employees."""

    micro_max: int = 5  # up to this many employees ...
    micro_quota: int = 1  # ... this many interns
    small_max: int = 20  # up to this many employees ...
    small_quota: int = 2  # ... this many interns
    percent_above: int = 10  # above small_max: this share of the employees, rounded up


DEFAULT_QUOTA_RULE = QuotaRule()
QUOTA_SETTING = "internship.host_quota"


def intern_quota(employees: int, rule: QuotaRule = DEFAULT_QUOTA_RULE) -> int:
    """The most interns a company with ``employees`` employees may host at the same time.

    1 with 0–5 employees, 2 with 6–20, above 20 ten per cent rounded up (never fewer than the
    6–20 band). See the module docstring for the reading of the regional rule.
    """
    if employees < 0:
        raise ValueError("employees must not be negative")
    if employees <= rule.micro_max:
        return rule.micro_quota
    if employees <= rule.small_max:
        return rule.small_quota
    share = -(-employees * rule.percent_above // 100)  # ceiling, in integers
    return max(rule.small_quota, share)


def quota_rule(*, session: Session) -> QuotaRule:
    """The host quota rule: the ``internship.host_quota`` setting over the regional defaults."""
    value = settings.value(session, QUOTA_SETTING)
    if not isinstance(value, dict):
        return DEFAULT_QUOTA_RULE
    known = {f.name for f in fields(QuotaRule)}
    overrides = {k: int(v) for k, v in value.items() if k in known and isinstance(v, int | float)}
    return QuotaRule(**{**DEFAULT_QUOTA_RULE.__dict__, **overrides})


# --------------------------------------------------------------------------- conventions
def valid_convention_until(
    *,
    session: Session,
    company_id: int,
    kind: ConventionKind = ConventionKind.INTERNSHIPS,
    on_date: date | None = None,
) -> date | None:
    """The expiry date of the convention of ``kind`` that covers ``on_date`` (the latest one if
    several overlap), or None. A convention covers the days from its signature to its expiry date,
    both included."""
    day = on_date or date.today()
    return session.scalar(
        select(func.max(Convention.expires_on)).where(
            Convention.company_id == company_id,
            Convention.kind == kind,
            Convention.signed_on <= day,
            Convention.expires_on >= day,
        )
    )


def has_valid_convention(
    *,
    session: Session,
    company_id: int,
    kind: ConventionKind = ConventionKind.INTERNSHIPS,
    on_date: date | None = None,
) -> bool:
    """Whether a convention of ``kind`` between the company and the municipality covers ``on_date``
    (default: today). For services that have already checked the actor's permissions."""
    return (
        valid_convention_until(session=session, company_id=company_id, kind=kind, on_date=on_date)
        is not None
    )


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class CompanyInput:
    """What the company form (or an import row) gives; values are checked by the service."""

    name: str | None
    vat_number: str | None
    ateco_code: str | None
    employees: int | str | None
    address: str | None = None
    municipality_code: str | None = None
    website: str | None = None
    status: CompanyStatus | str = CompanyStatus.PROSPECT
    notes: str | None = None
    version: int | None = None  # the version the user loaded (updates only)


@dataclass(frozen=True)
class ContactInput:
    name: str | None
    role: str | None = None
    phone: str | None = None
    email: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class ScoutingInput:
    contacted_on: date | None
    channel: str | None
    outcome: str | None
    next_step: str | None = None
    next_step_on: date | None = None


@dataclass(frozen=True)
class ConventionInput:
    kind: ConventionKind | str | None
    signed_on: date | None
    expires_on: date | None


@dataclass(frozen=True)
class CourseInput:
    title: str | None
    trade_id: int | None
    hours: int | str | None
    start_date: date | None
    end_date: date | None
    participants: int | str | None = 0


def _collect(errors: list[ValidationError], fn, *args, **kwargs) -> Any:
    """Run one validator; on failure remember the error and return None."""
    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        errors.append(exc)
        return None


def _enum(value: Any, cls: type[enum.StrEnum], field_name: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        raise ValidationError(field_name, "error.required") from None


def _employees(value: int | str | None) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError("employees", "error.required")
    return int_in_range(value, "employees", 0, MAX_EMPLOYEES)


def clean_company(data: CompanyInput) -> dict[str, Any]:
    """The company's values, normalised; every field error at once (``ValidationErrors``).

    Uniqueness of the VAT number is checked against the database by ``create``/``update``.
    """
    errors: list[ValidationError] = []
    values = {
        "name": _collect(errors, required_text, data.name, "name", 200),
        "vat_number": _collect(errors, normalise_vat_number, data.vat_number, "vat_number"),
        "ateco_code": _collect(errors, normalise_ateco, data.ateco_code, "ateco_code"),
        "employees": _collect(errors, _employees, data.employees),
        "address": _collect(errors, optional_text, data.address, "address", 200),
        "municipality_code": _collect(
            errors, normalise_municipality, data.municipality_code, "municipality_code"
        ),
        "website": _collect(errors, normalise_website, data.website, "website"),
        "status": _collect(errors, _enum, data.status, CompanyStatus, "status"),
        "notes": _collect(errors, optional_text, data.notes, "notes", 4000, multiline=True),
    }
    if errors:
        raise ValidationErrors(errors)
    return values


def clean_contact(data: ContactInput) -> dict[str, Any]:
    errors: list[ValidationError] = []
    values = {
        "name": _collect(errors, required_text, data.name, "name", 200),
        "role": _collect(errors, optional_text, data.role, "role", 100),
        "phone": _collect(errors, normalise_phone, data.phone, "phone"),
        "email": _collect(errors, normalise_email, data.email, "email"),
    }
    if not any(e.field in ("phone", "email") for e in errors) and not (
        values["phone"] or values["email"]
    ):
        errors.append(ValidationError("phone", "companies.error.contact_unreachable"))
    if errors:
        raise ValidationErrors(errors)
    return values


# --------------------------------------------------------------------------- outputs
@dataclass(frozen=True)
class CompanyRow:
    """One line of the company list."""

    id: int
    name: str
    vat_number: str
    ateco_code: str
    employees: int
    municipality_code: str | None
    status: CompanyStatus
    convention_until: date | None  # valid internship convention, latest expiry
    last_contact: date | None
    next_step_on: date | None
    open_vacancies: int


@dataclass(frozen=True)
class CompanyPage:
    rows: tuple[CompanyRow, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class ContactRow:
    id: int
    name: str
    role: str | None
    phone: str | None
    email: str | None
    version: int


@dataclass(frozen=True)
class ScoutingRow:
    id: int
    contacted_on: date
    staff_name: str | None
    channel: str
    outcome: str
    next_step: str | None
    next_step_on: date | None


@dataclass(frozen=True)
class ConventionRow:
    id: int
    kind: ConventionKind
    signed_on: date
    expires_on: date
    valid_today: bool


@dataclass(frozen=True)
class CourseRow:
    id: int
    title: str
    trade_id: int | None
    trade_label_it: str | None
    trade_label_en: str | None
    hours: int
    start_date: date
    end_date: date
    participants: int


@dataclass(frozen=True)
class VacancySummary:
    id: int
    title: str
    kind: VacancyKind
    positions: int
    status: VacancyStatus
    created_on: date
    start_date: date | None


@dataclass(frozen=True)
class HostedInternship:
    id: int
    person_id: int
    person_name: str
    start_date: date
    planned_end_date: date
    actual_end_date: date | None
    status: InternshipStatus
    outcome: InternshipOutcome | None
    contract_type: str | None


@dataclass(frozen=True)
class CompanyDetail:
    id: int
    name: str
    vat_number: str
    ateco_code: str
    employees: int
    address: str | None
    municipality_code: str | None
    website: str | None
    status: CompanyStatus
    notes: str | None
    became_active_on: date | None
    version: int
    quota: int
    active_interns: int
    internship_convention_until: date | None
    training_convention_until: date | None
    contacts: tuple[ContactRow, ...] = ()
    scouting: tuple[ScoutingRow, ...] = ()
    conventions: tuple[ConventionRow, ...] = ()
    courses: tuple[CourseRow, ...] = ()
    vacancies: tuple[VacancySummary, ...] = ()
    internships: tuple[HostedInternship, ...] = ()

    @property
    def internships_ended(self) -> int:
        return sum(1 for i in self.internships if i.status is not InternshipStatus.ACTIVE)

    @property
    def hires(self) -> int:
        return sum(1 for i in self.internships if i.outcome is InternshipOutcome.HIRED)

    @property
    def hire_rate(self) -> float | None:
        """Hires over ended internships (None when none has ended yet)."""
        ended = self.internships_ended
        return self.hires / ended if ended else None

    def as_input(self) -> CompanyInput:
        """The loaded values, ready to be edited and sent back to ``update``."""
        return CompanyInput(
            name=self.name,
            vat_number=self.vat_number,
            ateco_code=self.ateco_code,
            employees=self.employees,
            address=self.address,
            municipality_code=self.municipality_code,
            website=self.website,
            status=self.status,
            notes=self.notes,
            version=self.version,
        )


@dataclass(frozen=True)
class Saved:
    """The outcome of a save: the record's id and, when it changed by itself, the new status."""

    id: int
    status_changed_to: CompanyStatus | None = None


# --------------------------------------------------------------------------- helpers
def _company(session: Session, company_id: int) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound("company")
    return company


def _check_version(obj: Any, version: int | None) -> None:
    if version is None or obj.version != version:
        raise Conflict("stale")


def _vat_owner(session: Session, vat_number: str, exclude_id: int | None = None) -> str | None:
    query = select(Company.name).where(Company.vat_number == vat_number)
    if exclude_id is not None:
        query = query.where(Company.id != exclude_id)
    return session.scalar(query.limit(1))


def _flush_unique(session: Session) -> None:
    """Flush; a VAT number taken meanwhile by someone else becomes the field error."""
    try:
        session.flush()
    except IntegrityError as exc:
        if "vat_number" in str(exc.orig):
            raise ValidationErrors(
                [ValidationError("vat_number", "companies.error.vat_taken_meanwhile")]
            ) from exc
        raise


def _staff_id(session: Session, actor: Actor) -> int | None:
    if not actor.id:
        return None
    return actor.id if session.get(User, actor.id) is not None else None


def _become(
    session: Session, actor: Actor, company: Company, status: CompanyStatus, today: date
) -> CompanyStatus | None:
    """Move the company to ``status`` (audited) and return it, or None if nothing changed."""
    if company.status == status:
        return None
    company.status = status
    if status is CompanyStatus.ACTIVE and company.became_active_on is None:
        company.became_active_on = today
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="company",
        entity_id=company.id,
        changes=audit.changed_fields(company),
    )
    return status


# --------------------------------------------------------------------------- companies
def create(*, session: Session, actor: Actor, data: CompanyInput, today: date | None = None) -> int:
    """Register a company; returns its id. The VAT number must be new."""
    authorize(session=session, actor=actor, operation="companies.create")
    values = clean_company(data)
    owner = _vat_owner(session, values["vat_number"])
    if owner is not None:
        raise ValidationErrors(
            [ValidationError("vat_number", "companies.error.vat_taken", name=owner)]
        )
    if values["status"] is CompanyStatus.ACTIVE:
        values["became_active_on"] = today or date.today()
    company = Company(**values)
    session.add(company)
    _flush_unique(session)
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="company",
        entity_id=company.id,
        changes=audit.snapshot(company),
    )
    return company.id


def update(
    *,
    session: Session,
    actor: Actor,
    id: int,
    data: CompanyInput,
    today: date | None = None,
) -> None:
    """Save the edited company; ``data.version`` is the version the user loaded."""
    authorize(session=session, actor=actor, operation="companies.update")
    company = _company(session, id)
    _check_version(company, data.version)
    values = clean_company(data)
    errors: list[ValidationError] = []
    owner = _vat_owner(session, values["vat_number"], exclude_id=company.id)
    if owner is not None:
        errors.append(ValidationError("vat_number", "companies.error.vat_taken", name=owner))
    new_status = values["status"]
    if new_status != company.status and new_status not in STATUS_TRANSITIONS[company.status]:
        errors.append(ValidationError("status", "companies.error.status_transition"))
    if errors:
        raise ValidationErrors(errors)
    for key, value in values.items():
        setattr(company, key, value)
    if new_status is CompanyStatus.ACTIVE and company.became_active_on is None:
        company.became_active_on = today or date.today()
    changes = audit.changed_fields(company)
    if not changes:
        return
    _flush_unique(session)
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="company",
        entity_id=company.id,
        changes=changes,
    )


def get(
    *,
    session: Session,
    actor: Actor,
    id: int,
    today: date | None = None,
) -> CompanyDetail:
    """A company with its contacts, scouting log, conventions, courses, vacancies, internships."""
    authorize(session=session, actor=actor, operation="companies.view")
    today = today or date.today()
    c = _company(session, id)
    contacts = tuple(
        ContactRow(x.id, x.name, x.role, x.phone, x.email, x.version)
        for x in session.scalars(
            select(CompanyContact)
            .where(CompanyContact.company_id == id)
            .order_by(CompanyContact.name, CompanyContact.id)
        )
    )
    scouting = tuple(
        ScoutingRow(s.id, s.contacted_on, name, s.channel, s.outcome, s.next_step, s.next_step_on)
        for s, name in session.execute(
            select(ScoutingEntry, User.full_name)
            .outerjoin(User, User.id == ScoutingEntry.staff_id)
            .where(ScoutingEntry.company_id == id)
            .order_by(ScoutingEntry.contacted_on.desc(), ScoutingEntry.id.desc())
        )
    )
    conventions = tuple(
        ConventionRow(v.id, v.kind, v.signed_on, v.expires_on, v.signed_on <= today <= v.expires_on)
        for v in session.scalars(
            select(Convention)
            .where(Convention.company_id == id)
            .order_by(Convention.expires_on.desc(), Convention.id.desc())
        )
    )
    courses = tuple(
        CourseRow(
            k.id,
            k.title,
            k.trade_id,
            lab_it,
            lab_en,
            k.hours,
            k.start_date,
            k.end_date,
            k.participants,
        )
        for k, lab_it, lab_en in session.execute(
            select(TrainingCourse, Trade.label_it, Trade.label_en)
            .outerjoin(Trade, Trade.id == TrainingCourse.trade_id)
            .where(TrainingCourse.company_id == id)
            .order_by(TrainingCourse.start_date.desc())
        )
    )
    vacancies = tuple(
        VacancySummary(*row)
        for row in session.execute(
            select(
                Vacancy.id,
                Vacancy.title,
                Vacancy.kind,
                Vacancy.positions,
                Vacancy.status,
                Vacancy.created_on,
                Vacancy.start_date,
            )
            .where(Vacancy.company_id == id)
            .order_by(Vacancy.created_on.desc(), Vacancy.id.desc())
        )
    )
    internships = tuple(
        HostedInternship(
            i.id,
            i.person_id,
            f"{first} {last}",
            i.start_date,
            i.planned_end_date,
            i.actual_end_date,
            i.status,
            i.outcome,
            i.contract_type.value if i.contract_type else None,
        )
        for i, first, last in session.execute(
            select(Internship, Person.first_name, Person.last_name)
            .join(Person, Person.id == Internship.person_id)
            .where(Internship.company_id == id)
            .order_by(Internship.start_date.desc(), Internship.id.desc())
        )
    )
    active_interns = sum(
        1 for i in internships if i.status is InternshipStatus.ACTIVE and i.start_date <= today
    )
    return CompanyDetail(
        id=c.id,
        name=c.name,
        vat_number=c.vat_number,
        ateco_code=c.ateco_code,
        employees=c.employees,
        address=c.address,
        municipality_code=c.municipality_code,
        website=c.website,
        status=c.status,
        notes=c.notes,
        became_active_on=c.became_active_on,
        version=c.version,
        quota=intern_quota(c.employees, quota_rule(session=session)),
        active_interns=active_interns,
        internship_convention_until=valid_convention_until(
            session=session, company_id=id, kind=ConventionKind.INTERNSHIPS, on_date=today
        ),
        training_convention_until=valid_convention_until(
            session=session,
            company_id=id,
            kind=ConventionKind.COMMISSIONED_TRAINING,
            on_date=today,
        ),
        contacts=contacts,
        scouting=scouting,
        conventions=conventions,
        courses=courses,
        vacancies=vacancies,
        internships=internships,
    )


def name_of(*, session: Session, actor: Actor, id: int) -> str:
    authorize(session=session, actor=actor, operation="companies.view")
    name = session.scalar(select(Company.name).where(Company.id == id))
    if name is None:
        raise NotFound("company")
    return name


def search_names(
    *, session: Session, actor: Actor, text: str = "", limit: int = 50
) -> list[tuple[int, str]]:
    """``(id, name)`` of the companies whose name or VAT number contains ``text``, by name."""
    authorize(session=session, actor=actor, operation="companies.list")
    query = select(Company.id, Company.name).order_by(Company.name, Company.id).limit(limit)
    condition = _search_condition(text)
    if condition is not None:
        query = query.where(condition)
    return [(cid, name) for cid, name in session.execute(query)]


# --------------------------------------------------------------------------- list and filters
class ConventionFilter(enum.StrEnum):
    ANY = "any"
    INTERNSHIPS = "internships"  # a valid internship convention
    TRAINING = "training"  # a valid commissioned-training convention
    NONE = "none"  # no valid convention of any kind
    EXPIRING = "expiring"  # a valid internship convention expiring within EXPIRING_DAYS


EXPIRING_DAYS = 90


@dataclass(frozen=True)
class CompanyFilters:
    search: str = ""
    statuses: tuple[CompanyStatus, ...] = ()
    divisions: tuple[str, ...] = ()  # ATECO divisions ("56", ...)
    municipality_code: str | None = None
    convention: ConventionFilter = ConventionFilter.ANY


@dataclass(frozen=True)
class FilterOptions:
    divisions: tuple[str, ...]
    municipality_codes: tuple[str, ...]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_condition(text: str):
    needle = " ".join((text or "").split()).lower()
    if not needle:
        return None
    pattern = f"%{_escape_like(needle)}%"
    digits = needle.removeprefix("it").replace(" ", "")
    conditions = [func.lower(Company.name).like(pattern, escape="\\")]
    if digits.isdigit():
        conditions.append(Company.vat_number.like(f"%{digits}%"))
    return or_(*conditions)


def _convention_exists(kind: ConventionKind, today: date):
    return exists().where(
        Convention.company_id == Company.id,
        Convention.kind == kind,
        Convention.signed_on <= today,
        Convention.expires_on >= today,
    )


def _conditions(filters: CompanyFilters, today: date) -> list:
    conditions = []
    search = _search_condition(filters.search)
    if search is not None:
        conditions.append(search)
    if filters.statuses:
        conditions.append(Company.status.in_(list(filters.statuses)))
    if filters.divisions:
        conditions.append(func.substr(Company.ateco_code, 1, 2).in_(list(filters.divisions)))
    if filters.municipality_code:
        conditions.append(Company.municipality_code == filters.municipality_code)
    if filters.convention is ConventionFilter.INTERNSHIPS:
        conditions.append(_convention_exists(ConventionKind.INTERNSHIPS, today))
    elif filters.convention is ConventionFilter.TRAINING:
        conditions.append(_convention_exists(ConventionKind.COMMISSIONED_TRAINING, today))
    elif filters.convention is ConventionFilter.NONE:
        conditions.append(
            ~exists().where(
                Convention.company_id == Company.id,
                Convention.signed_on <= today,
                Convention.expires_on >= today,
            )
        )
    elif filters.convention is ConventionFilter.EXPIRING:
        # valid today, and no valid internship convention reaches beyond the horizon
        horizon = today + timedelta(days=EXPIRING_DAYS)
        conditions.append(_convention_exists(ConventionKind.INTERNSHIPS, today))
        conditions.append(
            ~exists().where(
                Convention.company_id == Company.id,
                Convention.kind == ConventionKind.INTERNSHIPS,
                Convention.signed_on <= horizon,
                Convention.expires_on > horizon,
            )
        )
    return conditions


def _list_columns(today: date) -> list:
    conv_until = (
        select(func.max(Convention.expires_on))
        .where(
            Convention.company_id == Company.id,
            Convention.kind == ConventionKind.INTERNSHIPS,
            Convention.signed_on <= today,
            Convention.expires_on >= today,
        )
        .scalar_subquery()
    )
    last_contact = (
        select(func.max(ScoutingEntry.contacted_on))
        .where(ScoutingEntry.company_id == Company.id)
        .scalar_subquery()
    )
    next_step = (
        select(func.min(ScoutingEntry.next_step_on))
        .where(ScoutingEntry.company_id == Company.id, ScoutingEntry.next_step_on >= today)
        .scalar_subquery()
    )
    open_vacancies = (
        select(func.count(Vacancy.id))
        .where(Vacancy.company_id == Company.id, Vacancy.status.in_(VacancyStatus.RECRUITING))
        .scalar_subquery()
    )
    return [
        Company.id,
        Company.name,
        Company.vat_number,
        Company.ateco_code,
        Company.employees,
        Company.municipality_code,
        Company.status,
        conv_until,
        last_contact,
        next_step,
        open_vacancies,
    ]


def list_(
    *,
    session: Session,
    actor: Actor,
    filters: CompanyFilters = CompanyFilters(),
    page: int = 1,
    page_size: int = 25,
    today: date | None = None,
) -> CompanyPage:
    """One page of the companies matching ``filters``, by name; filtered and paged in SQL."""
    authorize(session=session, actor=actor, operation="companies.list")
    today = today or date.today()
    page_size = max(1, min(page_size, 500))
    conditions = _conditions(filters, today)
    total = session.scalar(select(func.count()).select_from(Company).where(*conditions)) or 0
    pages = max(1, -(-total // page_size))
    page = max(1, min(page, pages))
    rows = session.execute(
        select(*_list_columns(today))
        .where(*conditions)
        .order_by(func.lower(Company.name), Company.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return CompanyPage(
        rows=tuple(CompanyRow(*row) for row in rows),
        total=total,
        page=page,
        page_size=page_size,
    )


def filter_options(*, session: Session, actor: Actor) -> FilterOptions:
    """The ATECO divisions and municipalities that occur among the companies (for the filters)."""
    authorize(session=session, actor=actor, operation="companies.list")
    division = func.substr(Company.ateco_code, 1, 2)
    divisions = session.scalars(select(division).distinct().order_by(division)).all()
    municipalities = session.scalars(
        select(Company.municipality_code)
        .where(Company.municipality_code.is_not(None))
        .distinct()
        .order_by(Company.municipality_code)
    ).all()
    return FilterOptions(tuple(divisions), tuple(municipalities))


def status_counts(*, session: Session, actor: Actor) -> dict[CompanyStatus, int]:
    authorize(session=session, actor=actor, operation="companies.list")
    counts = dict(
        session.execute(select(Company.status, func.count()).group_by(Company.status)).all()
    )
    return {s: counts.get(s, 0) for s in CompanyStatus}


def sector_label(code: str | None, lang: str) -> str:
    """``56 · Attività dei servizi di ristorazione`` for any code of division 56."""
    entry = ateco_division(code)
    if entry is None:
        return code or ""
    return f"{code} · {entry.label_it if lang == 'it' else entry.label_en}"


def municipality_name(code: str | None) -> str:
    comune = comune_by_code(code)
    return comune.name if comune else (code or "")


def export_frame(
    *,
    session: Session,
    actor: Actor,
    filters: CompanyFilters = CompanyFilters(),
    lang: str = "it",
    today: date | None = None,
) -> pd.DataFrame:
    """Every company matching ``filters`` (no paging) with its contacts, headers translated.

    The export is audited (who, how many rows, which filters): it carries contacts' personal data.
    """
    authorize(session=session, actor=actor, operation="companies.export")
    today = today or date.today()
    conditions = _conditions(filters, today)
    rows = session.execute(
        select(
            *_list_columns(today),
            Company.address,
            Company.website,
            Company.became_active_on,
        )
        .where(*conditions)
        .order_by(func.lower(Company.name), Company.id)
    ).all()
    ids = [r.id for r in rows]
    contacts: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for c in session.scalars(
            select(CompanyContact)
            .where(CompanyContact.company_id.in_(chunk))
            .order_by(CompanyContact.company_id, CompanyContact.name)
        ):
            parts = [c.name, f"({c.role})" if c.role else "", c.phone or "", c.email or ""]
            contacts.setdefault(c.company_id, []).append(" ".join(p for p in parts if p))

    def h(key: str) -> str:
        return translate(f"companies.field.{key}", lang)

    frame = pd.DataFrame(
        {
            h("name"): [r.name for r in rows],
            h("vat_number"): [r.vat_number for r in rows],
            h("ateco_code"): [r.ateco_code for r in rows],
            h("sector"): [sector_label(r.ateco_code, lang) for r in rows],
            h("employees"): pd.array([r.employees for r in rows], dtype="Int64"),
            h("address"): [r.address for r in rows],
            h("municipality"): [municipality_name(r.municipality_code) for r in rows],
            h("website"): [r.website for r in rows],
            h("status"): [enum_label(r.status, lang) for r in rows],
            h("became_active_on"): [r.became_active_on for r in rows],
            h("convention_until"): [r[7] for r in rows],
            h("last_contact"): [r[8] for r in rows],
            h("open_vacancies"): pd.array([r[10] for r in rows], dtype="Int64"),
            h("contacts"): ["; ".join(contacts.get(r.id, [])) for r in rows],
        }
    )
    audit.record(
        session=session,
        actor=actor,
        action="export",
        entity="company",
        changes={"rows": len(frame), "filters": _filters_for_audit(filters)},
    )
    return frame


def _filters_for_audit(filters: CompanyFilters) -> dict[str, Any]:
    return {
        "search": filters.search or None,
        "statuses": [s.value for s in filters.statuses] or None,
        "divisions": list(filters.divisions) or None,
        "municipality_code": filters.municipality_code,
        "convention": filters.convention.value,
    }


# --------------------------------------------------------------------------- contacts
def add_contact(*, session: Session, actor: Actor, company_id: int, data: ContactInput) -> int:
    authorize(session=session, actor=actor, operation="companies.contacts")
    _company(session, company_id)
    contact = CompanyContact(company_id=company_id, **clean_contact(data))
    session.add(contact)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="company_contact",
        entity_id=contact.id,
        changes=audit.snapshot(contact),
    )
    return contact.id


def update_contact(
    *,
    session: Session,
    actor: Actor,
    id: int,
    data: ContactInput,
) -> None:
    authorize(session=session, actor=actor, operation="companies.contacts")
    contact = session.get(CompanyContact, id)
    if contact is None:
        raise NotFound("company_contact")
    _check_version(contact, data.version)
    for key, value in clean_contact(data).items():
        setattr(contact, key, value)
    changes = audit.changed_fields(contact)
    if changes:
        audit.record(
            session=session,
            actor=actor,
            action="update",
            entity="company_contact",
            entity_id=contact.id,
            changes=changes,
        )


def delete_contact(*, session: Session, actor: Actor, id: int) -> None:
    authorize(session=session, actor=actor, operation="companies.contacts")
    contact = session.get(CompanyContact, id)
    if contact is None:
        raise NotFound("company_contact")
    audit.record(
        session=session,
        actor=actor,
        action="delete",
        entity="company_contact",
        entity_id=contact.id,
        changes=audit.snapshot(contact),
    )
    session.delete(contact)


# --------------------------------------------------------------------------- scouting
def log_scouting(
    *,
    session: Session,
    actor: Actor,
    company_id: int,
    data: ScoutingInput,
    today: date | None = None,
) -> Saved:
    """Record one contact with the company; a prospect (or dormant) company becomes contacted."""
    authorize(session=session, actor=actor, operation="companies.scouting")
    today = today or date.today()
    company = _company(session, company_id)
    errors: list[ValidationError] = []
    if data.contacted_on is None:
        errors.append(ValidationError("contacted_on", "error.required"))
    else:
        _collect(errors, not_in_future, data.contacted_on, "contacted_on", today)
    if data.channel not in SCOUTING_CHANNELS:
        errors.append(ValidationError("channel", "error.required"))
    outcome = _collect(errors, required_text, data.outcome, "outcome", 300)
    next_step = _collect(errors, optional_text, data.next_step, "next_step", 300)
    if data.next_step_on is not None and data.contacted_on is not None:
        _collect(errors, end_not_before_start, data.contacted_on, data.next_step_on, "next_step_on")
    if data.next_step_on is not None and not next_step and not errors:
        errors.append(ValidationError("next_step", "companies.error.next_step_missing"))
    if errors:
        raise ValidationErrors(errors)
    entry = ScoutingEntry(
        company_id=company.id,
        contacted_on=data.contacted_on,
        staff_id=_staff_id(session, actor),
        channel=data.channel,
        outcome=outcome,
        next_step=next_step,
        next_step_on=data.next_step_on,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="scouting_entry",
        entity_id=entry.id,
        changes=audit.snapshot(entry),
    )
    changed = None
    if company.status in (CompanyStatus.PROSPECT, CompanyStatus.DORMANT):
        changed = _become(session, actor, company, CompanyStatus.CONTACTED, today)
    return Saved(entry.id, changed)


# --------------------------------------------------------------------------- conventions
def add_convention(
    *,
    session: Session,
    actor: Actor,
    company_id: int,
    data: ConventionInput,
    today: date | None = None,
) -> Saved:
    """Record a convention; one valid today makes the company an active partner."""
    authorize(session=session, actor=actor, operation="companies.conventions")
    today = today or date.today()
    company = _company(session, company_id)
    errors: list[ValidationError] = []
    kind = _collect(errors, _enum, data.kind, ConventionKind, "kind")
    if data.signed_on is None:
        errors.append(ValidationError("signed_on", "error.required"))
    else:
        _collect(errors, not_in_future, data.signed_on, "signed_on", today)
    if data.expires_on is None:
        errors.append(ValidationError("expires_on", "error.required"))
    elif data.signed_on is not None and data.expires_on <= data.signed_on:
        errors.append(ValidationError("expires_on", "companies.error.expiry_not_after_signing"))
    if errors:
        raise ValidationErrors(errors)
    convention = Convention(
        company_id=company.id, kind=kind, signed_on=data.signed_on, expires_on=data.expires_on
    )
    session.add(convention)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="convention",
        entity_id=convention.id,
        changes=audit.snapshot(convention),
    )
    changed = None
    if data.signed_on <= today <= data.expires_on and company.status is not CompanyStatus.ACTIVE:
        changed = _become(session, actor, company, CompanyStatus.ACTIVE, today)
    return Saved(convention.id, changed)


def delete_convention(*, session: Session, actor: Actor, id: int) -> None:
    """Remove a convention recorded by mistake (audited with its values)."""
    authorize(session=session, actor=actor, operation="companies.conventions")
    convention = session.get(Convention, id)
    if convention is None:
        raise NotFound("convention")
    audit.record(
        session=session,
        actor=actor,
        action="delete",
        entity="convention",
        entity_id=convention.id,
        changes=audit.snapshot(convention),
    )
    session.delete(convention)


# --------------------------------------------------------------------------- courses
def add_course(*, session: Session, actor: Actor, company_id: int, data: CourseInput) -> int:
    """Record a training course commissioned by the company; it needs a valid convention for
    commissioned training on its first day."""
    authorize(session=session, actor=actor, operation="companies.courses")
    company = _company(session, company_id)
    errors: list[ValidationError] = []
    title = _collect(errors, required_text, data.title, "title", 200)
    hours = _collect(errors, int_in_range, data.hours, "hours", 1, 2000)
    participants = _collect(
        errors,
        int_in_range,
        data.participants if data.participants != "" else 0,
        "participants",
        0,
        500,
    )
    if data.trade_id is not None and session.get(Trade, data.trade_id) is None:
        errors.append(ValidationError("trade_id", "error.required"))
    if data.start_date is None:
        errors.append(ValidationError("start_date", "error.required"))
    if data.end_date is None:
        errors.append(ValidationError("end_date", "error.required"))
    else:
        _collect(errors, end_not_before_start, data.start_date, data.end_date, "end_date")
    if data.start_date is not None and not has_valid_convention(
        session=session,
        company_id=company.id,
        kind=ConventionKind.COMMISSIONED_TRAINING,
        on_date=data.start_date,
    ):
        errors.append(ValidationError("start_date", "companies.error.course_needs_convention"))
    if errors:
        raise ValidationErrors(errors)
    course = TrainingCourse(
        company_id=company.id,
        title=title,
        trade_id=data.trade_id,
        hours=hours,
        start_date=data.start_date,
        end_date=data.end_date,
        participants=participants,
    )
    session.add(course)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="training_course",
        entity_id=course.id,
        changes=audit.snapshot(course),
    )
    return course.id


def delete_course(*, session: Session, actor: Actor, id: int) -> None:
    authorize(session=session, actor=actor, operation="companies.courses")
    course = session.get(TrainingCourse, id)
    if course is None:
        raise NotFound("training_course")
    audit.record(
        session=session,
        actor=actor,
        action="delete",
        entity="training_course",
        entity_id=course.id,
        changes=audit.snapshot(course),
    )
    session.delete(course)


def trades(*, session: Session, actor: Actor) -> list[tuple[int, str, str, str]]:
    """The active trades as ``(id, code, label_it, label_en)``."""
    authorize(session=session, actor=actor, operation="companies.view")
    return [
        (t.id, t.code, t.label_it, t.label_en)
        for t in session.scalars(select(Trade).where(Trade.active).order_by(Trade.id))
    ]


def convention_status(
    *,
    session: Session,
    actor: Actor,
    id: int,
    kind: ConventionKind = ConventionKind.INTERNSHIPS,
    on_date: date | None = None,
) -> date | None:
    """Until when the company's convention of ``kind`` is valid (None: no valid convention)."""
    authorize(session=session, actor=actor, operation="companies.view")
    _company(session, id)
    return valid_convention_until(session=session, company_id=id, kind=kind, on_date=on_date)
