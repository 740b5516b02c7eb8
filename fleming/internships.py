"""Internships (*tirocini extracurricolari*): start one, follow it month by month, close it.

An internship starts from a shortlist entry in stage *selected* (the link to the entry and its
vacancy is kept) or directly, for a person and a host company. While it runs the centre records
the monthly attendance and a mid-term check with the company; it ends with an outcome — hired
(contract type, months, part-time share, start date), not hired (reason) or interrupted (reason).
A person not hired at the end may still be hired by the company within a few months: that hire is
recorded later as a follow-up, turning "not hired" into "hired".

The rules (Lombardy, DGR X/7763 of 17/01/2018, and the centre's own choices) are figures in table
``settings`` with the defaults of ``InternshipRules``; ``rules(session=)`` reads them. A breach of
any rule is a ``ValidationError`` on the form field it concerns; all breaches of one form are
raised together (``ValidationErrors``) and nothing is saved.

- Duration: at most ``max_months`` (6, the centre's rule). The regional maxima for disadvantaged
  people (12 months; 24 with a disability) apply only when ``extended_max_for_disadvantaged`` is
  switched on. At least ``min_months`` (2), except for disadvantaged people (no minimum). Months
  are calendar months: an internship from 15 March lasts two months when it ends on 14 May.
- *Disadvantaged* (for the duration rules): asylum seekers and holders of international or special
  protection (the regional rule names them), and people with a disability; both lists are
  settings (``disadvantaged_legal_statuses``, ``disadvantaged_fragilities``). Being over 45, a
  single parent or long-term unemployed is a fragility the centre serves, not a regional
  disadvantage for internships.
- Allowance: at least €500 a month; €400 with meal vouchers (or canteen); €350 when the internship
  is at most 4 hours a day, read as at most 20 hours a week (5 days). The lowest minimum that
  applies wins. The company pays it in full from 80% monthly attendance (``full_allowance``).
- Convention: the company needs an internship *convenzione* valid for the **whole** planned
  period (a renewal signed in time counts: the conventions are chained), not only on the first
  day — an internship must not be left without a convention half-way. The setting
  ``convention_whole_period`` = false relaxes this to the start day. The rule itself lives in
  ``fleming.companies.valid_convention_until``.
- Host quota: at no day of the planned period may the company host more interns than
  ``fleming.companies.intern_quota`` allows for its size (internships of every status count for the
  days they ran or are planned to run).
- The person: not closed, with a signed *patto di servizio* (the internship becomes one of its
  activities), not already in an internship, and — for an asylum seeker — not before the day they
  may work (``fleming.rules.may_work_from``: 60 days after the application).
- Start day: at most ``max_backdate_days`` (30) in the past, so late paperwork can be caught up but
  history is not rewritten.

What follows by itself:

- the person's status (``fleming.paths.recompute_status``): in internship while one is active,
  hired after an internship that ends in a hire;
- the person's path: the internship is a pact activity (kind internship, linked by
  ``internship_id``) — in progress from the start day, done at the end, dropped when interrupted;
- the vacancy: it becomes *filled* once its positions are all covered by internships started from
  its shortlist (active or completed ones; an interrupted one does not cover a position). When an
  interruption uncovers a position of a vacancy these internships had filled, the vacancy goes
  back to *shortlisting* — if the company's convention is still valid today (a vacancy for an
  internship is only open under a valid convention); otherwise it stays filled.

Who may do what (``fleming.permissions``): coordinators start, edit and close internships (they
hold the relationship with the company and the vacancy, and an outcome moves the vacancy and the
figures); tutors and coordinators read all internships; the monthly attendance and the mid-term
check are recorded by a coordinator or by the tutor who follows the person (the internship's
centre tutor or the person's own tutor) — the one who hears from the intern and the company.

Every change is audited; updates take the ``version`` the user loaded (a stale one raises
``Conflict``). Saving attendance or a check bumps the internship's version too, so two people
editing the same internship's grid cannot overwrite each other.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session, aliased

from fleming import audit, settings, validators
from fleming.actor import Actor
from fleming.companies import has_valid_convention, intern_quota, quota_rule, valid_convention_until
from fleming.errors import Conflict, NotFound, ValidationError, ValidationErrors
from fleming.models import (
    ActivityKind,
    ActivityStatus,
    Company,
    ContractType,
    Convention,
    ConventionKind,
    FragilityMarker,
    FundingStream,
    Internship,
    InternshipAttendance,
    InternshipCheck,
    InternshipOutcome,
    InternshipStatus,
    LegalStatus,
    PathActivity,
    Person,
    PersonFragility,
    PersonStatus,
    Role,
    ServicePact,
    ShortlistEntry,
    ShortlistStage,
    User,
    Vacancy,
    VacancyKind,
    VacancyStatus,
)
from fleming.paths import OPEN_ACTIVITY, new_activity, recompute_status
from fleming.permissions import authorize, deny, may_follow
from fleming.rules import may_work_from

SETTING_PREFIX = "internship."
MAX_WEEKLY_HOURS = 40
MAX_ALLOWANCE = Decimal(5000)
MAX_CONTRACT_MONTHS = 60
MAX_REASON = 300
MAX_NOTES = 2000
COVERING = (InternshipStatus.ACTIVE, InternshipStatus.COMPLETED)
"""Internships that cover one of their vacancy's positions (an interrupted one does not)."""


# --------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class InternshipRules:
    """The internship figures; each field is the setting ``internship.<field name>``."""

    max_months: int = 6
    min_months: int = 2
    extended_max_for_disadvantaged: bool = False
    max_months_disadvantaged: int = 12
    max_months_disability: int = 24
    min_monthly_allowance: Decimal = Decimal(500)
    min_monthly_allowance_meal_vouchers: Decimal = Decimal(400)
    min_monthly_allowance_part_time: Decimal = Decimal(350)
    part_time_max_weekly_hours: int = 20
    full_allowance_min_attendance_percent: int = 80
    convention_whole_period: bool = True
    followup_hire_months: int = 6
    max_backdate_days: int = 30
    ending_soon_days: int = 30
    disadvantaged_legal_statuses: tuple[LegalStatus, ...] = (
        LegalStatus.ASYLUM_SEEKER,
        LegalStatus.INTERNATIONAL_PROTECTION,
        LegalStatus.SPECIAL_PROTECTION,
    )
    disadvantaged_fragilities: tuple[FragilityMarker, ...] = (FragilityMarker.DISABILITY,)


DEFAULT_RULES = InternshipRules()
_ENUM_LISTS: dict[str, type[enum.StrEnum]] = {
    "disadvantaged_legal_statuses": LegalStatus,
    "disadvantaged_fragilities": FragilityMarker,
}


def _parse_setting(name: str, default: Any, value: Any) -> Any:
    """The stored ``value`` as the type of ``default``, or None when it does not fit."""
    if isinstance(default, bool):
        return value if isinstance(value, bool) else None
    if isinstance(value, bool):
        return None
    if isinstance(default, int):
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return int(value) if value >= 0 else None
        return None
    if isinstance(default, Decimal):
        if isinstance(value, int | float | str):
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                return None
            return number if number.is_finite() and number >= 0 else None
        return None
    if isinstance(default, tuple) and isinstance(value, list | tuple):
        cls = _ENUM_LISTS[name]
        try:
            return tuple(cls(v) for v in value)
        except ValueError:
            return None
    return None


def rules(*, session: Session) -> InternshipRules:
    """The internship rules: the ``internship.*`` settings over the defaults.

    A stored value of the wrong type is ignored (the default applies). Rule figures are not
    personal data, so reading them needs no permission.
    """
    stored = settings.with_prefix(session, SETTING_PREFIX)
    values: dict[str, Any] = {}
    for f in fields(InternshipRules):
        key = SETTING_PREFIX + f.name
        if key in stored:
            parsed = _parse_setting(f.name, getattr(DEFAULT_RULES, f.name), stored[key])
            if parsed is not None:
                values[f.name] = parsed
    return replace(DEFAULT_RULES, **values)


# --------------------------------------------------------------------------- pure rules
def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (the month's last day if it is shorter)."""
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_after_months(start: date, months: int) -> date:
    """The last day of an internship of ``months`` months from ``start`` (15/03 + 2 → 14/05)."""
    return add_months(start, months) - timedelta(days=1)


def is_disadvantaged(
    *,
    legal_status: LegalStatus,
    fragilities: frozenset[FragilityMarker] | set[FragilityMarker],
    rules: InternshipRules = DEFAULT_RULES,
) -> bool:
    """Whether the regional rules treat the person as disadvantaged (see the module docstring)."""
    return legal_status in rules.disadvantaged_legal_statuses or bool(
        set(fragilities) & set(rules.disadvantaged_fragilities)
    )


def max_months_for(
    *,
    legal_status: LegalStatus,
    fragilities: frozenset[FragilityMarker] | set[FragilityMarker],
    rules: InternshipRules = DEFAULT_RULES,
) -> int:
    """The longest internship the person may have, in months."""
    if not rules.extended_max_for_disadvantaged:
        return rules.max_months
    if FragilityMarker.DISABILITY in fragilities:
        return max(rules.max_months, rules.max_months_disability)
    if is_disadvantaged(legal_status=legal_status, fragilities=fragilities, rules=rules):
        return max(rules.max_months, rules.max_months_disadvantaged)
    return rules.max_months


def min_months_for(
    *,
    legal_status: LegalStatus,
    fragilities: frozenset[FragilityMarker] | set[FragilityMarker],
    rules: InternshipRules = DEFAULT_RULES,
) -> int:
    """The shortest internship the person may have, in months (none when disadvantaged)."""
    if is_disadvantaged(legal_status=legal_status, fragilities=fragilities, rules=rules):
        return 0
    return rules.min_months


class AllowanceBasis(enum.StrEnum):
    """Which minimum applies to an internship's monthly allowance."""

    STANDARD = "standard"
    MEAL_VOUCHERS = "meal_vouchers"
    PART_TIME = "part_time"


def minimum_allowance(
    *, weekly_hours: int, meal_vouchers: bool, rules: InternshipRules = DEFAULT_RULES
) -> tuple[Decimal, AllowanceBasis]:
    """The lowest monthly allowance allowed, and why (the lowest minimum that applies wins)."""
    options = [(rules.min_monthly_allowance, AllowanceBasis.STANDARD)]
    if meal_vouchers:
        options.append((rules.min_monthly_allowance_meal_vouchers, AllowanceBasis.MEAL_VOUCHERS))
    if weekly_hours <= rules.part_time_max_weekly_hours:
        options.append((rules.min_monthly_allowance_part_time, AllowanceBasis.PART_TIME))
    return min(options, key=lambda o: o[0])


def full_allowance(percent: int | None, rules: InternshipRules = DEFAULT_RULES) -> bool | None:
    """Whether a month's attendance earns the full allowance (None: not recorded)."""
    if percent is None:
        return None
    return percent >= rules.full_allowance_min_attendance_percent


def peak_overlap(intervals: list[tuple[date, date]], start: date, end: date) -> int:
    """The most ``intervals`` (days both included) running together on a day of [start, end]."""
    inside = [(max(s, start), min(e, end)) for s, e in intervals if s <= end and e >= start]
    return max(
        (sum(1 for s, e in inside if s <= day <= e) for day, _ in inside),
        default=0,
    )


def money(value: Decimal) -> str:
    """An amount for a message: ``500`` or ``450.50``."""
    return f"{value:.0f}" if value == value.to_integral_value() else f"{value:.2f}"


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s month to ``last``'s month, both included."""
    out: list[date] = []
    month = first.replace(day=1)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class StartInput:
    """A new internship: from a selected shortlist entry, or for a person and a company."""

    shortlist_entry_id: int | None = None
    person_id: int | None = None
    company_id: int | None = None
    start_date: date | None = None
    planned_end_date: date | None = None
    weekly_hours: int | None = None
    monthly_allowance: Decimal | float | int | str | None = None
    meal_vouchers: bool = False
    company_tutor_name: str | None = None
    centre_tutor_id: int | None = None
    funding_stream: FundingStream | str | None = None


@dataclass(frozen=True)
class UpdateInput:
    """A change to a running internship's terms (e.g. an extension); ``version`` as loaded."""

    version: int
    start_date: date | None = None
    planned_end_date: date | None = None
    weekly_hours: int | None = None
    monthly_allowance: Decimal | float | int | str | None = None
    meal_vouchers: bool = False
    company_tutor_name: str | None = None
    centre_tutor_id: int | None = None
    funding_stream: FundingStream | str | None = None


@dataclass(frozen=True)
class CheckInput:
    """The mid-term check with the company."""

    version: int
    checked_on: date | None = None
    rating: int | None = None
    notes: str | None = None


@dataclass(frozen=True)
class OutcomeInput:
    """How the internship ended. Contract fields matter only for a hire."""

    version: int
    outcome: InternshipOutcome | str | None = None
    end_date: date | None = None
    reason: str | None = None
    contract_type: ContractType | str | None = None
    contract_months: int | None = None
    part_time_percent: int | None = None  # None or 100: full time
    hire_date: date | None = None


@dataclass(frozen=True)
class HireInput:
    """A hire after an internship that ended without one (the follow-up)."""

    version: int
    contract_type: ContractType | str | None = None
    contract_months: int | None = None
    part_time_percent: int | None = None
    hire_date: date | None = None


# --------------------------------------------------------------------------- views
@dataclass(frozen=True)
class AttendanceMonth:
    month: date  # first day of the month
    percent: int | None
    full_allowance: bool | None


@dataclass(frozen=True)
class CheckView:
    id: int
    checked_on: date
    rating: int
    notes: str | None
    recorded_by: str | None


@dataclass(frozen=True)
class InternshipDetail:
    id: int
    version: int
    person_id: int
    person_name: str
    person_tutor_id: int | None
    company_id: int
    company_name: str
    vacancy_id: int | None
    vacancy_title: str | None
    shortlist_entry_id: int | None
    start_date: date
    planned_end_date: date
    actual_end_date: date | None
    weekly_hours: int
    monthly_allowance: Decimal
    meal_vouchers: bool
    company_tutor_name: str
    centre_tutor_id: int | None
    centre_tutor_name: str | None
    funding_stream: FundingStream
    status: InternshipStatus
    outcome: InternshipOutcome | None
    outcome_reason: str | None
    contract_type: ContractType | None
    contract_months: int | None
    part_time_percent: int | None
    hire_date: date | None
    disadvantaged: bool
    minimum_allowance: Decimal
    allowance_basis: AllowanceBasis
    full_allowance_percent: int
    attendance: tuple[AttendanceMonth, ...]
    checks: tuple[CheckView, ...]
    today: date
    followup_until: date | None  # last day a follow-up hire may start (not hired only)

    @property
    def active(self) -> bool:
        return self.status is InternshipStatus.ACTIVE

    @property
    def started(self) -> bool:
        return self.start_date <= self.today

    @property
    def midterm_on(self) -> date:
        """The middle of the planned period: when the mid-term check falls due."""
        return self.start_date + (self.planned_end_date - self.start_date) / 2

    @property
    def missing_outcome(self) -> bool:
        return self.active and self.planned_end_date < self.today

    @property
    def days_left(self) -> int | None:
        return (self.planned_end_date - self.today).days if self.active else None

    @property
    def full_allowance_months(self) -> int:
        return sum(1 for m in self.attendance if m.full_allowance)

    @property
    def recorded_months(self) -> int:
        return sum(1 for m in self.attendance if m.percent is not None)

    @property
    def may_record_followup_hire(self) -> bool:
        return self.outcome is InternshipOutcome.NOT_HIRED


class ListView(enum.StrEnum):
    ACTIVE = "active"
    ENDING_SOON = "ending_soon"
    MISSING_OUTCOME = "missing_outcome"
    ENDED = "ended"
    ALL = "all"


@dataclass(frozen=True)
class ListFilters:
    view: ListView = ListView.ACTIVE
    company_id: int | None = None
    tutor_id: int | None = None
    text: str = ""


@dataclass(frozen=True)
class ListRow:
    id: int
    person_id: int
    person_name: str
    company_id: int
    company_name: str
    vacancy_title: str | None
    centre_tutor_id: int | None
    centre_tutor_name: str | None
    start_date: date
    planned_end_date: date
    actual_end_date: date | None
    status: InternshipStatus
    outcome: InternshipOutcome | None
    last_attendance_month: date | None
    last_attendance_percent: int | None
    checks: int


@dataclass(frozen=True)
class ListPage:
    rows: tuple[ListRow, ...]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class Counts:
    active: int
    ending_soon: int
    missing_outcome: int
    ending_soon_days: int


@dataclass(frozen=True)
class GroupRow:
    id: int | None
    name: str
    active: int
    ending_soon: int
    missing_outcome: int
    quota: int | None = None  # for a company: how many interns it may host at once


@dataclass(frozen=True)
class Option:
    id: int
    label: str


@dataclass(frozen=True)
class EntryOption:
    """A shortlist entry in stage selected, on an internship vacancy, with no internship yet."""

    entry_id: int
    person_id: int
    person_name: str
    vacancy_id: int
    vacancy_title: str
    company_id: int
    company_name: str
    person_tutor_id: int | None
    funding_stream: FundingStream


@dataclass(frozen=True)
class PersonOption:
    id: int
    name: str
    tax_code: str
    tutor_id: int | None
    funding_stream: FundingStream
    in_internship: bool


@dataclass(frozen=True)
class CompanyOption:
    id: int
    name: str
    employees: int
    convention_until: date | None  # of the internship convention valid today
    quota: int
    hosted_today: int


@dataclass(frozen=True)
class FilterOptions:
    companies: tuple[Option, ...]
    tutors: tuple[Option, ...]


# --------------------------------------------------------------------------- helpers
def _collect(errors: list[ValidationError], fn, *args, **kwargs) -> Any:
    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        errors.append(exc)
    except ValidationErrors as exc:
        errors.extend(exc.errors)
    return None


def _enum(value: Any, cls: type[enum.StrEnum], field: str) -> Any:
    if value is None or value == "":
        raise ValidationError(field, "error.required")
    try:
        return cls(value)
    except ValueError:
        raise ValidationError(field, "internships.error.choice") from None


def _required_date(value: date | None, field: str) -> date:
    if value is None:
        raise ValidationError(field, "error.required")
    return value


def _allowance(value: Any, field: str = "monthly_allowance") -> Decimal:
    return validators.euro_amount(value, field, Decimal(0), MAX_ALLOWANCE)


def _internship(session: Session, internship_id: int) -> Internship:
    internship = session.get(Internship, internship_id)
    if internship is None:
        raise NotFound("internship")
    return internship


def _check_version(internship: Internship, version: int | None) -> None:
    if version is None or internship.version != version:
        raise Conflict("stale")


def _bump_version(session: Session, internship: Internship) -> None:
    """Bump the internship's version without changing a column (attendance, checks): a second
    user saving on the same loaded version then gets ``Conflict``."""
    result = session.execute(
        sql_update(Internship)
        .where(Internship.id == internship.id, Internship.version == internship.version)
        .values(version=internship.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("stale")
    session.expire(internship, ["version"])


def _require_follower(session: Session, actor: Actor, internship: Internship) -> None:
    person_tutor = session.scalar(select(Person.tutor_id).where(Person.id == internship.person_id))
    if not may_follow(
        actor, centre_tutor_id=internship.centre_tutor_id, person_tutor_id=person_tutor
    ):
        deny(session=session, actor=actor, operation="internships.follow.not_own_person")


def _fragilities(session: Session, person_id: int) -> frozenset[FragilityMarker]:
    return frozenset(
        FragilityMarker(m)
        for m in session.scalars(
            select(PersonFragility.marker).where(PersonFragility.person_id == person_id)
        )
    )


def _active_staff(session: Session, user_id: int) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.id == user_id, User.active, User.role.in_([Role.TUTOR, Role.COORDINATOR]))
        )
    )


def _covered(session: Session, vacancy_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Internship)
            .where(Internship.vacancy_id == vacancy_id, Internship.status.in_(COVERING))
        )
        or 0
    )


# --------------------------------------------------------------------------- the rules, applied
@dataclass
class _Terms:
    start_date: date | None
    planned_end_date: date | None
    weekly_hours: int | None
    monthly_allowance: Decimal | None
    meal_vouchers: bool
    company_tutor_name: str | None
    centre_tutor_id: int | None
    funding_stream: FundingStream | None


def _clean_terms(
    session: Session, data: StartInput | UpdateInput, errors: list[ValidationError]
) -> _Terms:
    """The field-level checks: required values, ranges, lengths, a known centre tutor."""
    hours = None
    if data.weekly_hours is None or data.weekly_hours == "":
        errors.append(ValidationError("weekly_hours", "error.required"))
    else:
        hours = _collect(
            errors, validators.int_in_range, data.weekly_hours, "weekly_hours", 1, MAX_WEEKLY_HOURS
        )
    tutor_id = data.centre_tutor_id
    if tutor_id is None:
        errors.append(ValidationError("centre_tutor_id", "error.required"))
    elif not _active_staff(session, tutor_id):
        errors.append(ValidationError("centre_tutor_id", "internships.error.centre_tutor"))
        tutor_id = None
    return _Terms(
        start_date=_collect(errors, _required_date, data.start_date, "start_date"),
        planned_end_date=_collect(
            errors, _required_date, data.planned_end_date, "planned_end_date"
        ),
        weekly_hours=hours,
        monthly_allowance=_collect(errors, _allowance, data.monthly_allowance),
        meal_vouchers=bool(data.meal_vouchers),
        company_tutor_name=_collect(
            errors, validators.required_text, data.company_tutor_name, "company_tutor_name", 200
        ),
        centre_tutor_id=tutor_id,
        funding_stream=_collect(
            errors, _enum, data.funding_stream, FundingStream, "funding_stream"
        ),
    )


def _check_person(
    session: Session,
    person: Person,
    start: date | None,
    *,
    exclude_id: int | None,
    errors: list[ValidationError],
) -> None:
    """The person may start an internship (on ``start``)."""
    if person.status is PersonStatus.CLOSED:
        errors.append(ValidationError("person_id", "internships.error.person_closed"))
        return
    pact_signed = session.scalar(
        select(ServicePact.signed_on).where(ServicePact.person_id == person.id)
    )
    if pact_signed is None:
        errors.append(ValidationError("person_id", "internships.error.no_pact"))
    elif start is not None and start < pact_signed:
        errors.append(
            ValidationError("start_date", "internships.error.before_pact", date=_day(pact_signed))
        )
    running = select(Company.name).join(Internship, Internship.company_id == Company.id)
    running = running.where(
        Internship.person_id == person.id, Internship.status == InternshipStatus.ACTIVE
    )
    if exclude_id is not None:
        running = running.where(Internship.id != exclude_id)
    elsewhere = session.scalar(running.limit(1))
    if elsewhere is not None:
        errors.append(
            ValidationError("person_id", "internships.error.already_active", company=elsewhere)
        )
    if (
        start is not None
        and person.legal_status is LegalStatus.ASYLUM_SEEKER
        and person.asylum_application_date is not None
        and start < may_work_from(person.asylum_application_date)
    ):
        errors.append(
            ValidationError(
                "start_date",
                "internships.error.asylum_wait",
                date=_day(may_work_from(person.asylum_application_date)),
            )
        )


def _check_rules(
    session: Session,
    *,
    person: Person | None,
    company: Company | None,
    terms: _Terms,
    rules: InternshipRules,
    exclude_id: int | None,
    errors: list[ValidationError],
) -> None:
    """Duration, allowance, convention and host quota."""
    start, end = terms.start_date, terms.planned_end_date
    if start is not None and end is not None:
        if end <= start:
            errors.append(ValidationError("planned_end_date", "internships.error.end_not_after"))
            end = None
        elif person is not None:
            fragilities = _fragilities(session, person.id)
            longest = max_months_for(
                legal_status=person.legal_status, fragilities=fragilities, rules=rules
            )
            shortest = min_months_for(
                legal_status=person.legal_status, fragilities=fragilities, rules=rules
            )
            latest = end_after_months(start, longest)
            if end > latest:
                errors.append(
                    ValidationError(
                        "planned_end_date",
                        "internships.error.too_long",
                        months=longest,
                        date=_day(latest),
                    )
                )
            if shortest and end < end_after_months(start, shortest):
                errors.append(
                    ValidationError(
                        "planned_end_date",
                        "internships.error.too_short",
                        months=shortest,
                        date=_day(end_after_months(start, shortest)),
                    )
                )
    if terms.weekly_hours is not None and terms.monthly_allowance is not None:
        lowest, basis = minimum_allowance(
            weekly_hours=terms.weekly_hours, meal_vouchers=terms.meal_vouchers, rules=rules
        )
        if terms.monthly_allowance < lowest:
            errors.append(
                ValidationError(
                    "monthly_allowance",
                    f"internships.error.allowance.{basis.value}",
                    min=money(lowest),
                    hours=rules.part_time_max_weekly_hours,
                )
            )
    if company is None or start is None or end is None:
        return
    until = valid_convention_until(session=session, company_id=company.id, on_date=start)
    if until is None:
        errors.append(
            ValidationError("company_id", "internships.error.no_convention", date=_day(start))
        )
    elif rules.convention_whole_period:
        while until < end:
            renewal = valid_convention_until(
                session=session, company_id=company.id, on_date=until + timedelta(days=1)
            )
            if renewal is None:
                errors.append(
                    ValidationError(
                        "company_id",
                        "internships.error.convention_ends",
                        date=_day(until),
                        end=_day(end),
                    )
                )
                break
            until = renewal
    quota = intern_quota(company.employees, quota_rule(session=session))
    others = select(
        Internship.start_date,
        func.coalesce(Internship.actual_end_date, Internship.planned_end_date),
    ).where(
        Internship.company_id == company.id,
        Internship.start_date <= end,
        func.coalesce(Internship.actual_end_date, Internship.planned_end_date) >= start,
    )
    if exclude_id is not None:
        others = others.where(Internship.id != exclude_id)
    hosted = peak_overlap([(s, e) for s, e in session.execute(others)], start, end)
    if hosted + 1 > quota:
        errors.append(
            ValidationError(
                "company_id",
                "internships.error.quota",
                quota=quota,
                employees=company.employees,
                hosted=hosted,
            )
        )


def _check_entry(
    session: Session, entry: ShortlistEntry, vacancy: Vacancy, errors: list[ValidationError]
) -> None:
    field = "shortlist_entry_id"
    if entry.stage is not ShortlistStage.SELECTED:
        errors.append(ValidationError(field, "internships.error.entry_not_selected"))
    if session.scalar(
        select(func.count())
        .select_from(Internship)
        .where(Internship.shortlist_entry_id == entry.id)
    ):
        errors.append(ValidationError(field, "internships.error.entry_used"))
    if vacancy.kind is VacancyKind.DIRECT_HIRE:
        errors.append(ValidationError(field, "internships.error.vacancy_direct_hire"))
    elif vacancy.status is VacancyStatus.CLOSED:
        errors.append(ValidationError(field, "internships.error.vacancy_closed"))
    elif vacancy.status is VacancyStatus.FILLED or _covered(session, vacancy.id) >= (
        vacancy.positions
    ):
        errors.append(
            ValidationError(field, "internships.error.vacancy_full", positions=vacancy.positions)
        )


def _locked(session: Session, model: type, row_id: int):
    """Load a row for update (PostgreSQL locks it until the transaction ends; SQLite writes
    one transaction at a time anyway): two coordinators starting internships for the same person
    or at the same company are served one after the other, so the quota and "already in an
    internship" checks see each other's work."""
    return session.scalar(select(model).where(model.id == row_id).with_for_update())


# --------------------------------------------------------------------------- path activity
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


def _activity(session: Session, actor: Actor, internship: Internship) -> PathActivity | None:
    """The pact activity of this internship: the one linked to it, else an open internship
    activity not linked yet (now linked), else a new one. None without a pact."""
    linked = session.scalar(
        select(PathActivity)
        .where(PathActivity.internship_id == internship.id)
        .order_by(PathActivity.id.desc())
    )
    if linked is not None:
        return linked
    pact = session.scalar(select(ServicePact).where(ServicePact.person_id == internship.person_id))
    if pact is None:
        return None
    company = session.get(Company, internship.company_id)
    free = session.scalar(
        select(PathActivity)
        .where(
            PathActivity.person_id == internship.person_id,
            PathActivity.kind == ActivityKind.INTERNSHIP,
            PathActivity.internship_id.is_(None),
            PathActivity.status.in_(OPEN_ACTIVITY),
        )
        .order_by(PathActivity.id)
    )
    if free is not None:
        free.internship_id = internship.id
        free.description = free.description or company.name[:300]
        return free
    return new_activity(
        session=session,
        actor=actor,
        person_id=internship.person_id,
        pact_id=pact.id,
        kind=ActivityKind.INTERNSHIP,
        description=company.name[:300],
        due_date=internship.planned_end_date,
        internship_id=internship.id,
    )


def _sync_activity(session: Session, actor: Actor, internship: Internship, today: date) -> None:
    """Bring the internship's pact activity in line: in progress from the start day, done at the
    end, dropped when interrupted. An activity already done or dropped by hand stays so."""
    activity = _activity(session, actor, internship)
    if activity is None or activity.status not in OPEN_ACTIVITY:
        return
    pact_signed = session.scalar(
        select(ServicePact.signed_on).where(ServicePact.id == activity.pact_id)
    )
    started = max(internship.start_date, pact_signed) if pact_signed else internship.start_date
    activity.due_date = internship.actual_end_date or internship.planned_end_date
    if internship.status is InternshipStatus.ACTIVE:
        if activity.status is ActivityStatus.PLANNED and internship.start_date <= today:
            activity.status = ActivityStatus.IN_PROGRESS
            activity.started_on = started
    elif internship.status is InternshipStatus.COMPLETED:
        activity.started_on = activity.started_on or started
        activity.completed_on = max(internship.actual_end_date, activity.started_on)
        activity.status = ActivityStatus.DONE
    else:
        if internship.start_date <= (internship.actual_end_date or today):
            activity.started_on = activity.started_on or started
        activity.status = ActivityStatus.DROPPED
    _audit_activity(session, actor, activity)


# --------------------------------------------------------------------------- vacancy
def _set_vacancy_status(
    session: Session, actor: Actor, vacancy: Vacancy, status: VacancyStatus, why: str
) -> None:
    vacancy.status = status
    changes = audit.changed_fields(vacancy)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="vacancy",
        entity_id=vacancy.id,
        changes={**changes, "because": why},
    )


def _vacancy_after_start(session: Session, actor: Actor, vacancy: Vacancy) -> None:
    session.flush()
    if (
        vacancy.status in VacancyStatus.RECRUITING
        and _covered(session, vacancy.id) >= vacancy.positions
    ):
        _set_vacancy_status(session, actor, vacancy, VacancyStatus.FILLED, "positions_covered")


def _vacancy_after_interruption(
    session: Session, actor: Actor, vacancy: Vacancy, covered_before: int, today: date
) -> None:
    session.flush()
    if (
        vacancy.status is VacancyStatus.FILLED
        and covered_before >= vacancy.positions
        and _covered(session, vacancy.id) < vacancy.positions
        and has_valid_convention(session=session, company_id=vacancy.company_id, on_date=today)
    ):
        _set_vacancy_status(
            session, actor, vacancy, VacancyStatus.SHORTLISTING, "internship_interrupted"
        )


# --------------------------------------------------------------------------- start and edit
def start(*, session: Session, actor: Actor, data: StartInput, today: date | None = None) -> int:
    """Start an internship; its id. Every rule of the module docstring is checked first and all
    breaches are raised together; nothing is saved when one fails."""
    authorize(session=session, actor=actor, operation="internships.start")
    today = today or date.today()
    rule = rules(session=session)
    errors: list[ValidationError] = []
    entry = vacancy = None
    person_id, company_id = data.person_id, data.company_id
    if data.shortlist_entry_id is not None:
        entry = session.get(ShortlistEntry, data.shortlist_entry_id)
        if entry is None:
            raise NotFound("shortlist_entry")
        vacancy = session.get(Vacancy, entry.vacancy_id)
        person_id, company_id = entry.person_id, vacancy.company_id
        _check_entry(session, entry, vacancy, errors)
    if person_id is None:
        errors.append(ValidationError("person_id", "error.required"))
    if company_id is None:
        errors.append(ValidationError("company_id", "error.required"))
    person = _locked(session, Person, person_id) if person_id is not None else None
    if person_id is not None and (person is None or person.anonymised_at is not None):
        raise NotFound("person")
    company = _locked(session, Company, company_id) if company_id is not None else None
    if company_id is not None and company is None:
        raise NotFound("company")
    terms = _clean_terms(session, data, errors)
    if terms.start_date is not None and terms.start_date < today - timedelta(
        days=rule.max_backdate_days
    ):
        errors.append(
            ValidationError(
                "start_date", "internships.error.start_too_old", days=rule.max_backdate_days
            )
        )
    if person is not None:
        _check_person(session, person, terms.start_date, exclude_id=None, errors=errors)
    _check_rules(
        session,
        person=person,
        company=company,
        terms=terms,
        rules=rule,
        exclude_id=None,
        errors=errors,
    )
    if errors:
        raise ValidationErrors(errors)

    internship = Internship(
        person_id=person.id,
        company_id=company.id,
        vacancy_id=vacancy.id if vacancy is not None else None,
        shortlist_entry_id=entry.id if entry is not None else None,
        start_date=terms.start_date,
        planned_end_date=terms.planned_end_date,
        weekly_hours=terms.weekly_hours,
        monthly_allowance=terms.monthly_allowance,
        meal_vouchers=terms.meal_vouchers,
        company_tutor_name=terms.company_tutor_name,
        centre_tutor_id=terms.centre_tutor_id,
        funding_stream=terms.funding_stream,
        status=InternshipStatus.ACTIVE,
    )
    session.add(internship)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="internship",
        entity_id=internship.id,
        person_id=person.id,
        changes=audit.snapshot(internship),
    )
    _sync_activity(session, actor, internship, today)
    if vacancy is not None:
        _vacancy_after_start(session, actor, vacancy)
    recompute_status(session, person.id, actor=actor)
    return internship.id


def update(
    *,
    session: Session,
    actor: Actor,
    id: int,
    data: UpdateInput,
    today: date | None = None,
) -> None:
    """Change a running internship's terms (an extension, new hours, another tutor): the same
    rules as at the start, the internship itself left out of the counts."""
    authorize(session=session, actor=actor, operation="internships.update")
    today = today or date.today()
    rule = rules(session=session)
    internship = _internship(session, id)
    _check_version(internship, data.version)
    if internship.status is not InternshipStatus.ACTIVE:
        raise ValidationError("planned_end_date", "internships.error.not_active")
    person = _locked(session, Person, internship.person_id)
    company = _locked(session, Company, internship.company_id)
    errors: list[ValidationError] = []
    terms = _clean_terms(session, data, errors)
    if (
        terms.start_date is not None
        and terms.start_date != internship.start_date
        and terms.start_date < today - timedelta(days=rule.max_backdate_days)
    ):
        errors.append(
            ValidationError(
                "start_date", "internships.error.start_too_old", days=rule.max_backdate_days
            )
        )
    if terms.start_date is not None and terms.start_date != internship.start_date:
        first_month = min(
            (
                m
                for m in session.scalars(
                    select(InternshipAttendance.month).where(
                        InternshipAttendance.internship_id == internship.id
                    )
                )
            ),
            default=None,
        )
        if first_month is not None and terms.start_date > _last_day_of_month(first_month):
            errors.append(ValidationError("start_date", "internships.error.start_after_attendance"))
    _check_person(session, person, terms.start_date, exclude_id=internship.id, errors=errors)
    _check_rules(
        session,
        person=person,
        company=company,
        terms=terms,
        rules=rule,
        exclude_id=internship.id,
        errors=errors,
    )
    if errors:
        raise ValidationErrors(errors)
    internship.start_date = terms.start_date
    internship.planned_end_date = terms.planned_end_date
    internship.weekly_hours = terms.weekly_hours
    internship.monthly_allowance = terms.monthly_allowance
    internship.meal_vouchers = terms.meal_vouchers
    internship.company_tutor_name = terms.company_tutor_name
    internship.centre_tutor_id = terms.centre_tutor_id
    internship.funding_stream = terms.funding_stream
    changes = audit.changed_fields(internship)
    if not changes:
        return
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="internship",
        entity_id=internship.id,
        person_id=internship.person_id,
        changes=changes,
    )
    _sync_activity(session, actor, internship, today)


def _last_day_of_month(month: date) -> date:
    return add_months(month.replace(day=1), 1) - timedelta(days=1)


# --------------------------------------------------------------------------- during
def attendance_months(internship: Internship | InternshipDetail, today: date) -> list[date]:
    """The months whose attendance can be recorded: from the start to the end (or today)."""
    last = min(internship.actual_end_date or internship.planned_end_date, today)
    if last < internship.start_date:
        return []
    return months_between(internship.start_date, last)


def record_attendance(
    *,
    session: Session,
    actor: Actor,
    id: int,
    version: int,
    percents: Mapping[date, int | None],
    today: date | None = None,
) -> int:
    """Record the monthly attendance (%, 0–100; None clears a month); the months changed."""
    authorize(session=session, actor=actor, operation="internships.attendance")
    today = today or date.today()
    internship = _internship(session, id)
    _require_follower(session, actor, internship)
    _check_version(internship, version)
    allowed_months = set(attendance_months(internship, today))
    errors: list[ValidationError] = []
    cleaned: dict[date, int | None] = {}
    for month, value in percents.items():
        first = month.replace(day=1)
        field = f"attendance.{first.isoformat()}"
        if first not in allowed_months:
            errors.append(
                ValidationError(
                    field, "internships.error.month_outside", month=first.strftime("%m/%Y")
                )
            )
        elif value is None or value == "":
            cleaned[first] = None
        else:
            pct = _collect(errors, validators.int_in_range, value, field, 0, 100)
            if pct is not None:
                cleaned[first] = pct
    if errors:
        raise ValidationErrors(errors)
    existing = {
        row.month: row
        for row in session.scalars(
            select(InternshipAttendance).where(InternshipAttendance.internship_id == internship.id)
        )
    }
    changes: dict[str, dict[str, int | None]] = {}
    for month, pct in sorted(cleaned.items()):
        row = existing.get(month)
        old = row.attendance_percent if row is not None else None
        if pct == old:
            continue
        if pct is None:
            session.delete(row)
        elif row is None:
            session.add(
                InternshipAttendance(
                    internship_id=internship.id, month=month, attendance_percent=pct
                )
            )
        else:
            row.attendance_percent = pct
        changes[month.isoformat()] = {"from": old, "to": pct}
    if not changes:
        return 0
    _bump_version(session, internship)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="internship_attendance",
        entity_id=internship.id,
        person_id=internship.person_id,
        changes=changes,
    )
    _sync_activity(session, actor, internship, today)
    return len(changes)


def add_check(
    *,
    session: Session,
    actor: Actor,
    id: int,
    data: CheckInput,
    today: date | None = None,
) -> int:
    """Record the mid-term check with the company (date, rating 1–5, notes); its id."""
    authorize(session=session, actor=actor, operation="internships.check")
    today = today or date.today()
    internship = _internship(session, id)
    _require_follower(session, actor, internship)
    _check_version(internship, data.version)
    errors: list[ValidationError] = []
    day = _collect(errors, _required_date, data.checked_on, "checked_on")
    if day is not None:
        last = internship.actual_end_date or internship.planned_end_date
        if day > today:
            errors.append(ValidationError("checked_on", "validators.date.future"))
        elif not internship.start_date <= day <= last:
            errors.append(
                ValidationError(
                    "checked_on",
                    "internships.error.check_outside",
                    start=_day(internship.start_date),
                    end=_day(last),
                )
            )
    rating = None
    if data.rating is None:
        errors.append(ValidationError("rating", "error.required"))
    else:
        rating = _collect(errors, validators.int_in_range, data.rating, "rating", 1, 5)
    notes = _collect(
        errors, validators.optional_text, data.notes, "notes", MAX_NOTES, multiline=True
    )
    if errors:
        raise ValidationErrors(errors)
    check = InternshipCheck(
        internship_id=internship.id,
        checked_on=day,
        rating=rating,
        notes=notes,
        recorded_by_id=actor.id or None,
    )
    session.add(check)
    _bump_version(session, internship)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="internship_check",
        entity_id=check.id,
        person_id=internship.person_id,
        changes=audit.snapshot(check),
    )
    _sync_activity(session, actor, internship, today)
    return check.id


# --------------------------------------------------------------------------- the end
def _clean_hire(
    *,
    contract_type: Any,
    contract_months: Any,
    part_time_percent: Any,
    hire_date: date | None,
    ended_on: date | None,
    rules: InternshipRules,
    errors: list[ValidationError],
) -> dict[str, Any]:
    kind = _collect(errors, _enum, contract_type, ContractType, "contract_type")
    months = None
    if contract_months is not None and contract_months != "":
        months = _collect(
            errors,
            validators.int_in_range,
            contract_months,
            "contract_months",
            1,
            MAX_CONTRACT_MONTHS,
        )
        if kind is ContractType.PERMANENT:
            errors.append(ValidationError("contract_months", "internships.error.months_permanent"))
    elif kind is ContractType.FIXED_TERM:
        errors.append(ValidationError("contract_months", "internships.error.months_required"))
    part_time = None
    if part_time_percent is not None and part_time_percent != "":
        part_time = _collect(
            errors, validators.int_in_range, part_time_percent, "part_time_percent", 1, 100
        )
    day = _collect(errors, _required_date, hire_date, "hire_date")
    if day is not None and ended_on is not None:
        latest = add_months(ended_on, rules.followup_hire_months)
        if day < ended_on:
            errors.append(
                ValidationError(
                    "hire_date", "internships.error.hire_before_end", date=_day(ended_on)
                )
            )
        elif day > latest:
            errors.append(
                ValidationError(
                    "hire_date",
                    "internships.error.hire_too_late",
                    months=rules.followup_hire_months,
                    date=_day(latest),
                )
            )
    return {
        "contract_type": kind,
        "contract_months": months if kind is not ContractType.PERMANENT else None,
        "part_time_percent": None if part_time in (None, 100) else part_time,
        "hire_date": day,
    }


def close(
    *,
    session: Session,
    actor: Actor,
    id: int,
    data: OutcomeInput,
    today: date | None = None,
) -> None:
    """End a running internship with its outcome: hired (contract), not hired (reason) or
    interrupted (reason). The person's status, path and the vacancy follow."""
    authorize(session=session, actor=actor, operation="internships.close")
    today = today or date.today()
    rule = rules(session=session)
    internship = _internship(session, id)
    _check_version(internship, data.version)
    if internship.status is not InternshipStatus.ACTIVE:
        raise ValidationError("outcome", "internships.error.already_closed")
    errors: list[ValidationError] = []
    outcome = _collect(errors, _enum, data.outcome, InternshipOutcome, "outcome")
    end = _collect(errors, _required_date, data.end_date, "end_date")
    if end is not None:
        if end < internship.start_date:
            errors.append(
                ValidationError(
                    "end_date",
                    "internships.error.end_before_start",
                    date=_day(internship.start_date),
                )
            )
        elif end > today:
            errors.append(ValidationError("end_date", "validators.date.future"))
        elif end > internship.planned_end_date:
            errors.append(
                ValidationError(
                    "end_date",
                    "internships.error.end_after_planned",
                    date=_day(internship.planned_end_date),
                )
            )
        elif outcome is InternshipOutcome.NOT_HIRED and end < internship.planned_end_date:
            errors.append(
                ValidationError(
                    "end_date",
                    "internships.error.not_hired_early",
                    date=_day(internship.planned_end_date),
                )
            )
    reason = None
    hire: dict[str, Any] = {}
    if outcome in (InternshipOutcome.NOT_HIRED, InternshipOutcome.INTERRUPTED):
        reason = _collect(
            errors, validators.required_text, data.reason, "reason", MAX_REASON, multiline=True
        )
    elif outcome is InternshipOutcome.HIRED:
        reason = _collect(
            errors, validators.optional_text, data.reason, "reason", MAX_REASON, multiline=True
        )
        hire = _clean_hire(
            contract_type=data.contract_type,
            contract_months=data.contract_months,
            part_time_percent=data.part_time_percent,
            hire_date=data.hire_date,
            ended_on=end,
            rules=rule,
            errors=errors,
        )
    if errors:
        raise ValidationErrors(errors)
    covered_before = _covered(session, internship.vacancy_id) if internship.vacancy_id else 0
    internship.status = (
        InternshipStatus.INTERRUPTED
        if outcome is InternshipOutcome.INTERRUPTED
        else InternshipStatus.COMPLETED
    )
    internship.outcome = outcome
    internship.actual_end_date = end
    internship.outcome_reason = reason
    for name, value in hire.items():
        setattr(internship, name, value)
    changes = audit.changed_fields(internship)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="internship",
        entity_id=internship.id,
        person_id=internship.person_id,
        changes=changes,
    )
    _sync_activity(session, actor, internship, today)
    if internship.vacancy_id is not None and outcome is InternshipOutcome.INTERRUPTED:
        vacancy = session.get(Vacancy, internship.vacancy_id)
        _vacancy_after_interruption(session, actor, vacancy, covered_before, today)
    recompute_status(session, internship.person_id, actor=actor)


def record_followup_hire(
    *,
    session: Session,
    actor: Actor,
    id: int,
    data: HireInput,
    today: date | None = None,
) -> None:
    """The company hired the person after an internship that ended without a hire: the outcome
    becomes "hired" — when the hire starts within ``followup_hire_months`` of the end."""
    authorize(session=session, actor=actor, operation="internships.close")
    today = today or date.today()
    rule = rules(session=session)
    internship = _internship(session, id)
    _check_version(internship, data.version)
    if internship.outcome is not InternshipOutcome.NOT_HIRED:
        raise ValidationError("hire_date", "internships.error.followup_not_allowed")
    errors: list[ValidationError] = []
    hire = _clean_hire(
        contract_type=data.contract_type,
        contract_months=data.contract_months,
        part_time_percent=data.part_time_percent,
        hire_date=data.hire_date,
        ended_on=internship.actual_end_date,
        rules=rule,
        errors=errors,
    )
    if errors:
        raise ValidationErrors(errors)
    internship.outcome = InternshipOutcome.HIRED
    internship.outcome_reason = None  # the reason it was not hired; kept in the audit log
    for name, value in hire.items():
        setattr(internship, name, value)
    changes = audit.changed_fields(internship)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="internship",
        entity_id=internship.id,
        person_id=internship.person_id,
        changes={**changes, "followup_hire": True},
    )
    recompute_status(session, internship.person_id, actor=actor)


# --------------------------------------------------------------------------- reading one
def get(*, session: Session, actor: Actor, id: int, today: date | None = None) -> InternshipDetail:
    """One internship with its attendance months, checks and the figures of its rules."""
    authorize(session=session, actor=actor, operation="internships.view")
    today = today or date.today()
    rule = rules(session=session)
    i = _internship(session, id)
    person = session.get(Person, i.person_id)
    company_name = session.scalar(select(Company.name).where(Company.id == i.company_id))
    vacancy_title = (
        session.scalar(select(Vacancy.title).where(Vacancy.id == i.vacancy_id))
        if i.vacancy_id
        else None
    )
    tutor_name = (
        session.scalar(select(User.full_name).where(User.id == i.centre_tutor_id))
        if i.centre_tutor_id
        else None
    )
    recorded = dict(
        session.execute(
            select(InternshipAttendance.month, InternshipAttendance.attendance_percent).where(
                InternshipAttendance.internship_id == i.id
            )
        ).all()
    )
    months = sorted(set(attendance_months(i, today)) | set(recorded))
    recorder = aliased(User)
    checks = tuple(
        CheckView(c.id, c.checked_on, c.rating, c.notes, name)
        for c, name in session.execute(
            select(InternshipCheck, recorder.full_name)
            .outerjoin(recorder, recorder.id == InternshipCheck.recorded_by_id)
            .where(InternshipCheck.internship_id == i.id)
            .order_by(InternshipCheck.checked_on, InternshipCheck.id)
        )
    )
    lowest, basis = minimum_allowance(
        weekly_hours=i.weekly_hours, meal_vouchers=i.meal_vouchers, rules=rule
    )
    return InternshipDetail(
        id=i.id,
        version=i.version,
        person_id=i.person_id,
        person_name=f"{person.first_name} {person.last_name}",
        person_tutor_id=person.tutor_id,
        company_id=i.company_id,
        company_name=company_name or "",
        vacancy_id=i.vacancy_id,
        vacancy_title=vacancy_title,
        shortlist_entry_id=i.shortlist_entry_id,
        start_date=i.start_date,
        planned_end_date=i.planned_end_date,
        actual_end_date=i.actual_end_date,
        weekly_hours=i.weekly_hours,
        monthly_allowance=Decimal(i.monthly_allowance),
        meal_vouchers=i.meal_vouchers,
        company_tutor_name=i.company_tutor_name,
        centre_tutor_id=i.centre_tutor_id,
        centre_tutor_name=tutor_name,
        funding_stream=i.funding_stream,
        status=i.status,
        outcome=i.outcome,
        outcome_reason=i.outcome_reason,
        contract_type=i.contract_type,
        contract_months=i.contract_months,
        part_time_percent=i.part_time_percent,
        hire_date=i.hire_date,
        disadvantaged=is_disadvantaged(
            legal_status=person.legal_status,
            fragilities=_fragilities(session, person.id),
            rules=rule,
        ),
        minimum_allowance=lowest,
        allowance_basis=basis,
        full_allowance_percent=rule.full_allowance_min_attendance_percent,
        attendance=tuple(
            AttendanceMonth(m, recorded.get(m), full_allowance(recorded.get(m), rule))
            for m in months
        ),
        checks=checks,
        today=today,
        followup_until=(
            add_months(i.actual_end_date, rule.followup_hire_months)
            if i.outcome is InternshipOutcome.NOT_HIRED and i.actual_end_date
            else None
        ),
    )


# --------------------------------------------------------------------------- lists
def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _view_condition(view: ListView, today: date, soon_days: int):
    active = Internship.status == InternshipStatus.ACTIVE
    if view is ListView.ACTIVE:
        return active
    if view is ListView.ENDING_SOON:
        return and_(
            active,
            Internship.planned_end_date.between(today, today + timedelta(days=soon_days)),
        )
    if view is ListView.MISSING_OUTCOME:
        return and_(active, Internship.planned_end_date < today)
    if view is ListView.ENDED:
        return Internship.status != InternshipStatus.ACTIVE
    return None


def _conditions(filters: ListFilters, today: date, soon_days: int) -> list:
    conditions = []
    view = _view_condition(ListView(filters.view), today, soon_days)
    if view is not None:
        conditions.append(view)
    if filters.company_id is not None:
        conditions.append(Internship.company_id == filters.company_id)
    if filters.tutor_id is not None:
        conditions.append(Internship.centre_tutor_id == filters.tutor_id)
    text = (filters.text or "").strip().lower()
    if text:
        pattern = f"%{_escape_like(text)}%"
        full_name = func.lower(Person.first_name + " " + Person.last_name)
        conditions.append(
            or_(
                full_name.like(pattern, escape="\\"),
                func.lower(Person.last_name + " " + Person.first_name).like(pattern, escape="\\"),
                func.lower(Company.name).like(pattern, escape="\\"),
            )
        )
    return conditions


def list_(
    *,
    session: Session,
    actor: Actor,
    filters: ListFilters = ListFilters(),
    page: int = 1,
    page_size: int = 25,
    today: date | None = None,
) -> ListPage:
    """Internships by view (active, ending soon, missing an outcome, ended, all), company, centre
    tutor and name; filtered, ordered and paged in SQL."""
    authorize(session=session, actor=actor, operation="internships.list")
    today = today or date.today()
    rule = rules(session=session)
    conditions = _conditions(filters, today, rule.ending_soon_days)
    base = (
        select(Internship.id)
        .join(Person, Person.id == Internship.person_id)
        .join(Company, Company.id == Internship.company_id)
        .where(*conditions)
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    tutor = aliased(User)
    last_month = (
        select(func.max(InternshipAttendance.month))
        .where(InternshipAttendance.internship_id == Internship.id)
        .correlate(Internship)
        .scalar_subquery()
    )
    last_percent = (
        select(InternshipAttendance.attendance_percent)
        .where(
            InternshipAttendance.internship_id == Internship.id,
            InternshipAttendance.month == last_month,
        )
        .correlate(Internship)
        .scalar_subquery()
    )
    checks = (
        select(func.count(InternshipCheck.id))
        .where(InternshipCheck.internship_id == Internship.id)
        .correlate(Internship)
        .scalar_subquery()
    )
    view = ListView(filters.view)
    if view is ListView.ENDED:
        order = (Internship.actual_end_date.desc(), Internship.id.desc())
    elif view is ListView.ALL:
        order = (Internship.start_date.desc(), Internship.id.desc())
    else:
        order = (Internship.planned_end_date, Internship.id)
    rows = session.execute(
        select(
            Internship.id,
            Internship.person_id,
            Person.first_name,
            Person.last_name,
            Internship.company_id,
            Company.name,
            Vacancy.title,
            Internship.centre_tutor_id,
            tutor.full_name,
            Internship.start_date,
            Internship.planned_end_date,
            Internship.actual_end_date,
            Internship.status,
            Internship.outcome,
            last_month,
            last_percent,
            checks,
        )
        .join(Person, Person.id == Internship.person_id)
        .join(Company, Company.id == Internship.company_id)
        .outerjoin(Vacancy, Vacancy.id == Internship.vacancy_id)
        .outerjoin(tutor, tutor.id == Internship.centre_tutor_id)
        .where(*conditions)
        .order_by(*order)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return ListPage(
        rows=tuple(
            ListRow(
                id=r[0],
                person_id=r[1],
                person_name=f"{r[2]} {r[3]}",
                company_id=r[4],
                company_name=r[5],
                vacancy_title=r[6],
                centre_tutor_id=r[7],
                centre_tutor_name=r[8],
                start_date=r[9],
                planned_end_date=r[10],
                actual_end_date=r[11],
                status=InternshipStatus(r[12]),
                outcome=InternshipOutcome(r[13]) if r[13] else None,
                last_attendance_month=r[14],
                last_attendance_percent=r[15],
                checks=r[16] or 0,
            )
            for r in rows
        ),
        total=total,
        page=page,
        pages=pages,
    )


def _open_counts(today: date, soon_days: int) -> tuple:
    active = Internship.status == InternshipStatus.ACTIVE
    return (
        func.count().filter(active),
        func.count().filter(
            and_(
                active,
                Internship.planned_end_date.between(today, today + timedelta(days=soon_days)),
            )
        ),
        func.count().filter(and_(active, Internship.planned_end_date < today)),
    )


def counts(
    *, session: Session, actor: Actor, tutor_id: int | None = None, today: date | None = None
) -> Counts:
    """How many internships are active, end in the next days, miss their outcome."""
    authorize(session=session, actor=actor, operation="internships.list")
    today = today or date.today()
    rule = rules(session=session)
    query = select(*_open_counts(today, rule.ending_soon_days)).select_from(Internship)
    if tutor_id is not None:
        query = query.where(Internship.centre_tutor_id == tutor_id)
    active, soon, missing = session.execute(query).one()
    return Counts(active or 0, soon or 0, missing or 0, rule.ending_soon_days)


def by_company(
    *, session: Session, actor: Actor, today: date | None = None
) -> tuple[GroupRow, ...]:
    """Per host company with an active internship: how many, ending soon, missing an outcome,
    and the company's quota."""
    authorize(session=session, actor=actor, operation="internships.list")
    today = today or date.today()
    rule = rules(session=session)
    quota = quota_rule(session=session)
    rows = session.execute(
        select(
            Company.id, Company.name, Company.employees, *_open_counts(today, rule.ending_soon_days)
        )
        .join(Internship, Internship.company_id == Company.id)
        .where(Internship.status == InternshipStatus.ACTIVE)
        .group_by(Company.id, Company.name, Company.employees)
        .order_by(func.count().desc(), Company.name)
    ).all()
    return tuple(
        GroupRow(cid, name, a, s, m, intern_quota(employees, quota))
        for cid, name, employees, a, s, m in rows
    )


def by_tutor(*, session: Session, actor: Actor, today: date | None = None) -> tuple[GroupRow, ...]:
    """Per centre tutor with an active internship: how many, ending soon, missing an outcome."""
    authorize(session=session, actor=actor, operation="internships.list")
    today = today or date.today()
    rule = rules(session=session)
    rows = session.execute(
        select(User.id, User.full_name, *_open_counts(today, rule.ending_soon_days))
        .select_from(Internship)
        .outerjoin(User, User.id == Internship.centre_tutor_id)
        .where(Internship.status == InternshipStatus.ACTIVE)
        .group_by(User.id, User.full_name)
        .order_by(func.count().desc(), User.full_name)
    ).all()
    return tuple(GroupRow(uid, name or "", a, s, m) for uid, name, a, s, m in rows)


def filter_options(*, session: Session, actor: Actor) -> FilterOptions:
    """The companies that hosted an internship and the centre tutors of one, by name."""
    authorize(session=session, actor=actor, operation="internships.list")
    hosts = session.execute(
        select(Company.id, Company.name)
        .where(select(Internship.id).where(Internship.company_id == Company.id).exists())
        .order_by(Company.name, Company.id)
    ).all()
    tutors = session.execute(
        select(User.id, User.full_name)
        .where(select(Internship.id).where(Internship.centre_tutor_id == User.id).exists())
        .order_by(User.full_name, User.id)
    ).all()
    return FilterOptions(
        companies=tuple(Option(i, n) for i, n in hosts),
        tutors=tuple(Option(i, n) for i, n in tutors),
    )


# --------------------------------------------------------------------------- start options
def selectable_entries(*, session: Session, actor: Actor) -> tuple[EntryOption, ...]:
    """Shortlist entries in stage selected, on internship vacancies, with no internship yet."""
    authorize(session=session, actor=actor, operation="internships.start")
    used = select(Internship.id).where(Internship.shortlist_entry_id == ShortlistEntry.id).exists()
    rows = session.execute(
        select(
            ShortlistEntry.id,
            Person.id,
            Person.first_name,
            Person.last_name,
            Vacancy.id,
            Vacancy.title,
            Company.id,
            Company.name,
            Person.tutor_id,
            Person.funding_stream,
        )
        .join(Person, Person.id == ShortlistEntry.person_id)
        .join(Vacancy, Vacancy.id == ShortlistEntry.vacancy_id)
        .join(Company, Company.id == Vacancy.company_id)
        .where(
            ShortlistEntry.stage == ShortlistStage.SELECTED,
            Vacancy.kind == VacancyKind.INTERNSHIP,
            Vacancy.status.in_(VacancyStatus.RECRUITING),
            Person.anonymised_at.is_(None),
            ~used,
        )
        .order_by(Person.last_name, Person.first_name, ShortlistEntry.id)
    ).all()
    return tuple(
        EntryOption(
            entry_id=r[0],
            person_id=r[1],
            person_name=f"{r[2]} {r[3]}",
            vacancy_id=r[4],
            vacancy_title=r[5],
            company_id=r[6],
            company_name=r[7],
            person_tutor_id=r[8],
            funding_stream=FundingStream(r[9]),
        )
        for r in rows
    )


def person_options(
    *, session: Session, actor: Actor, text: str = "", limit: int = 30
) -> tuple[PersonOption, ...]:
    """People on a path (not closed, with a pact) whose name or tax code contains ``text``;
    those already in an internship are marked (the start refuses them, saying where)."""
    authorize(session=session, actor=actor, operation="internships.start")
    in_internship = (
        select(Internship.id)
        .where(Internship.person_id == Person.id, Internship.status == InternshipStatus.ACTIVE)
        .exists()
    )
    query = (
        select(
            Person.id,
            Person.first_name,
            Person.last_name,
            Person.tax_code,
            Person.tutor_id,
            Person.funding_stream,
            in_internship,
        )
        .where(
            Person.status != PersonStatus.CLOSED,
            Person.anonymised_at.is_(None),
            select(ServicePact.id).where(ServicePact.person_id == Person.id).exists(),
        )
        .order_by(Person.last_name, Person.first_name, Person.id)
        .limit(limit)
    )
    text = (text or "").strip().lower()
    if text:
        pattern = f"%{_escape_like(text)}%"
        query = query.where(
            or_(
                func.lower(Person.first_name + " " + Person.last_name).like(pattern, escape="\\"),
                func.lower(Person.last_name + " " + Person.first_name).like(pattern, escape="\\"),
                func.lower(Person.tax_code).like(pattern, escape="\\"),
            )
        )
    return tuple(
        PersonOption(r[0], f"{r[1]} {r[2]}", r[3], r[4], FundingStream(r[5]), bool(r[6]))
        for r in session.execute(query)
    )


def company_options(
    *,
    session: Session,
    actor: Actor,
    text: str = "",
    limit: int = 30,
    company_id: int | None = None,
    today: date | None = None,
) -> tuple[CompanyOption, ...]:
    """Companies whose name or VAT number contains ``text`` (or the one ``company_id``), with
    their internship convention valid today, their quota and how many interns they host today
    (those with a valid convention first)."""
    authorize(session=session, actor=actor, operation="internships.start")
    today = today or date.today()
    until = (
        select(func.max(Convention.expires_on))
        .where(
            Convention.company_id == Company.id,
            Convention.kind == ConventionKind.INTERNSHIPS,
            Convention.signed_on <= today,
            Convention.expires_on >= today,
        )
        .correlate(Company)
        .scalar_subquery()
    )
    hosted = (
        select(func.count(Internship.id))
        .where(
            Internship.company_id == Company.id,
            Internship.start_date <= today,
            func.coalesce(Internship.actual_end_date, Internship.planned_end_date) >= today,
        )
        .correlate(Company)
        .scalar_subquery()
    )
    query = (
        select(Company.id, Company.name, Company.employees, until, hosted)
        .order_by(until.is_(None), Company.name, Company.id)
        .limit(limit)
    )
    if company_id is not None:
        query = query.where(Company.id == company_id)
    text = (text or "").strip().lower()
    if text:
        pattern = f"%{_escape_like(text)}%"
        query = query.where(
            or_(
                func.lower(Company.name).like(pattern, escape="\\"),
                Company.vat_number.like(pattern, escape="\\"),
            )
        )
    rule = quota_rule(session=session)
    return tuple(
        CompanyOption(cid, name, employees, conv, intern_quota(employees, rule), n or 0)
        for cid, name, employees, conv, n in session.execute(query)
    )


def tutor_options(*, session: Session, actor: Actor) -> tuple[Option, ...]:
    """The active tutors and coordinators (who may be an internship's centre tutor), by name."""
    authorize(session=session, actor=actor, operation="internships.view")
    rows = session.execute(
        select(User.id, User.full_name)
        .where(User.active, User.role.in_([Role.TUTOR, Role.COORDINATOR]))
        .order_by(User.full_name, User.id)
    ).all()
    return tuple(Option(i, n) for i, n in rows)
