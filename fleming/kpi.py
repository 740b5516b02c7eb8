"""The coordinators' figures: every KPI aggregated in SQL, returned as a validated DataFrame.

Every KPI is a function ``kpi(*, session, actor, filters, lang="it")`` that checks the actor's
permission, runs one or a few aggregate queries (GROUP BY, ``COUNT(*) FILTER``, window functions)
and returns a small frame validated by its pandera schema in ``fleming.kpi_schemas``. No KPI loads a
table into pandas: pandas only renames columns, turns month keys into dates and joins two
already-aggregated frames.

The same SQLAlchemy Core expressions run on SQLite and PostgreSQL. Where the dialects differ a small
helper picks the spelling:

* ``month_key`` / ``quarter_key`` — ``strftime`` on SQLite, ``to_char`` on PostgreSQL;
* ``days_between`` — ``julianday(a) - julianday(b)`` on SQLite, ``a - b`` (an integer) on
  PostgreSQL;
* ``median_by`` — PostgreSQL's ``percentile_cont(0.5) WITHIN GROUP (ORDER BY x)``; SQLite has no
  median aggregate, so there the values of each group are numbered with ``row_number()`` and
  counted with ``count(*) OVER``, and the median is the average of the row(s) numbered
  ``(n + 1) / 2`` and ``(n + 2) / 2`` (integer division: one middle row for odd ``n``, the two
  middle rows for even ``n``) — the same value ``percentile_cont(0.5)`` gives.

How the filters apply (``KpiFilters``):

* the period selects each KPI's own event date — internships by start date, outcomes by end date,
  the funnel and the fairness cohorts by intake date, workshops by the edition's end date (hours
  by session date), companies by month; caseload and competence gap are snapshots at the end of
  the period (or today, whichever comes first);
* trade: a person is in a trade when they enrolled in a workshop of that trade or had an
  internship on a vacancy of that trade; an internship's trade is its vacancy's, or else the trade
  of the intern's latest workshop; a company is in a trade when it posted a vacancy of that trade;
* funding stream: the internship's own stream for internship KPIs, otherwise the person's;
* tutor: the internship's centre tutor for internship KPIs, otherwise the person's tutor;
* partner organisation: the organisation that referred the person.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Date, Integer, String, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from fleming import kpi_schemas as ks
from fleming import reference, settings
from fleming.actor import Actor
from fleming.i18n import enum_label
from fleming.models import (
    Company,
    Competence,
    CompetenceRating,
    ContractType,
    Convention,
    EnrolmentStatus,
    FragilityMarker,
    FundingStream,
    Internship,
    InternshipOutcome,
    InternshipStatus,
    LegalStatus,
    PartnerOrganisation,
    Person,
    PersonFragility,
    PersonStatus,
    Role,
    ScoutingEntry,
    ServicePact,
    Sex,
    ShortlistEntry,
    Trade,
    TutoringMeeting,
    User,
    Vacancy,
    VacancyCompetence,
    VacancyStatus,
    WorkshopAttendance,
    WorkshopEdition,
    WorkshopEnrolment,
    WorkshopSession,
)
from fleming.permissions import authorize

# Settings (table ``settings``) and their defaults.
TARGET_PER_YEAR_KEY = "kpi.internships_target_per_year"
HIRE_RATE_TARGET_KEY = "kpi.hire_rate_target"
NOT_SEEN_DAYS_KEY = "tutoring.not_seen_days"
DEFAULTS: dict[str, Any] = {
    TARGET_PER_YEAR_KEY: 300,
    HIRE_RATE_TARGET_KEY: 0.55,
    NOT_SEEN_DAYS_KEY: 30,
}
SMALL_GROUP = 10  # below this many people a group's rate is too noisy to read
ENDED = (InternshipStatus.COMPLETED, InternshipStatus.INTERRUPTED)
FUNNEL_STEPS = ("intake", "pact", "workshop", "internship", "hire")
TOP_COMPANIES = 15


# =========================================================================== filters
@dataclass(frozen=True)
class KpiFilters:
    """What the dashboard looks at: a period (both ends included) and optional narrowing."""

    start: date
    end: date
    trade_id: int | None = None
    funding_stream: FundingStream | None = None
    tutor_id: int | None = None
    partner_org_id: int | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")

    @classmethod
    def year(cls, year: int, **narrow: Any) -> KpiFilters:
        return cls(date(year, 1, 1), date(year, 12, 31), **narrow)

    @classmethod
    def quarter(cls, year: int, quarter: int, **narrow: Any) -> KpiFilters:
        if quarter not in (1, 2, 3, 4):
            raise ValueError("quarter must be 1-4")
        first = 3 * quarter - 2
        last = first + 2
        return cls(
            date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1]), **narrow
        )

    def with_period(self, start: date, end: date) -> KpiFilters:
        return replace(self, start=start, end=end)

    @property
    def quarter_of(self) -> tuple[int, int] | None:
        """``(year, quarter)`` when the period is exactly one calendar quarter."""
        q = (self.start.month + 2) // 3
        whole = KpiFilters.quarter(self.start.year, q)
        return (self.start.year, q) if (whole.start, whole.end) == (self.start, self.end) else None

    @property
    def is_year(self) -> bool:
        return self.start == date(self.start.year, 1, 1) and self.end == date(
            self.start.year, 12, 31
        )

    @property
    def narrowed(self) -> bool:
        return any(
            v is not None
            for v in (self.trade_id, self.funding_stream, self.tutor_id, self.partner_org_id)
        )

    def reference_day(self, today: date | None = None) -> date:
        """The day snapshots look at: the end of the period, or today if that comes first."""
        return min(self.end, today or date.today())


# =========================================================================== settings
def setting(session: Session, key: str) -> Any:
    """A centre-wide setting from table ``settings``, or its default."""
    return settings.value(session, key, DEFAULTS.get(key))


@dataclass(frozen=True)
class Targets:
    internships_per_year: int
    hire_rate: float
    not_seen_days: int


def targets(*, session: Session, actor: Actor) -> Targets:
    authorize(session=session, actor=actor, operation="kpi.view")
    return Targets(
        internships_per_year=int(setting(session, TARGET_PER_YEAR_KEY)),
        hire_rate=float(setting(session, HIRE_RATE_TARGET_KEY)),
        not_seen_days=int(setting(session, NOT_SEEN_DAYS_KEY)),
    )


@dataclass(frozen=True)
class Option:
    value: Any
    label: str


@dataclass(frozen=True)
class FilterOptions:
    trades: tuple[Option, ...]
    tutors: tuple[Option, ...]
    partners: tuple[Option, ...]
    funding_streams: tuple[Option, ...]
    first_year: int
    last_year: int


def filter_options(*, session: Session, actor: Actor, lang: str = "it") -> FilterOptions:
    """The choices of the dashboard's filters (trades, tutors, partners, years with data)."""
    authorize(session=session, actor=actor, operation="kpi.view")
    label_col = Trade.label_en if lang == "en" else Trade.label_it
    trades = session.execute(select(Trade.id, label_col).order_by(label_col)).all()
    tutors = session.execute(
        select(User.id, User.full_name).where(User.role == Role.TUTOR).order_by(User.full_name)
    ).all()
    partners = session.execute(
        select(PartnerOrganisation.id, PartnerOrganisation.name).order_by(PartnerOrganisation.name)
    ).all()
    first, last = session.execute(
        select(func.min(Person.intake_date), func.max(Internship.start_date))
        .select_from(Person)
        .outerjoin(Internship, Internship.person_id == Person.id)
    ).one()
    this_year = date.today().year
    first_year = _as_date(first).year if first else this_year
    last_year = max(_as_date(last).year if last else this_year, this_year)
    return FilterOptions(
        trades=tuple(Option(i, str(n)) for i, n in trades),
        tutors=tuple(Option(i, str(n)) for i, n in tutors),
        partners=tuple(Option(i, str(n)) for i, n in partners),
        funding_streams=tuple(Option(f, enum_label(f, lang)) for f in FundingStream),
        first_year=min(first_year, this_year),
        last_year=last_year,
    )


# =========================================================================== dialect helpers
def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _sql_text(value: str):
    """A string constant written into the SQL itself rather than bound: PostgreSQL only matches
    ``GROUP BY to_char(x, 'YYYY-MM')`` with the same expression in the SELECT list when the
    format is the same literal (two bound parameters are two different expressions)."""
    assert "'" not in value
    return sa.literal_column(f"'{value}'", String)


def month_key(col, dialect_name: str):
    """``'YYYY-MM'`` of a date column."""
    if dialect_name == "postgresql":
        return func.to_char(col, _sql_text("YYYY-MM"))
    return func.strftime(_sql_text("%Y-%m"), col)


def year_key(col, dialect_name: str):
    """``'YYYY'`` of a date column."""
    if dialect_name == "postgresql":
        return func.to_char(col, _sql_text("YYYY"))
    return func.strftime(_sql_text("%Y"), col)


def quarter_key(col, dialect_name: str):
    """``'YYYY-Qn'`` of a date column."""
    if dialect_name == "postgresql":
        return func.to_char(col, _sql_text('YYYY-"Q"Q'))
    month = sa.cast(func.strftime(_sql_text("%m"), col), Integer)
    return func.strftime(_sql_text("%Y"), col) + _sql_text("-Q") + sa.cast((month + 2) // 3, String)


def days_between(later, earlier, dialect_name: str):
    """Whole days from ``earlier`` to ``later`` (both dates)."""
    if dialect_name == "postgresql":
        return sa.cast(later, Date) - sa.cast(earlier, Date)
    return sa.cast(func.julianday(later) - func.julianday(earlier), Integer)


def median_by(source: sa.Subquery, key: str, value: str, dialect_name: str) -> sa.Select:
    """``SELECT key, median(value) ... GROUP BY key`` over a subquery; NULL values are ignored.

    PostgreSQL: ``percentile_cont(0.5)``. SQLite: row numbers within each group (see the module
    docstring); both give the average of the two middle values for an even count.
    """
    k, v = source.c[key], source.c[value]
    if dialect_name == "postgresql":
        return (
            select(k.label(key), func.percentile_cont(0.5).within_group(v).label("median"))
            .where(v.is_not(None))
            .group_by(k)
        )
    ranked = (
        select(
            k.label(key),
            v.label("v"),
            func.row_number().over(partition_by=k, order_by=v).label("rn"),
            func.count().over(partition_by=k).label("n"),
        )
        .where(v.is_not(None))
        .subquery("ranked")
    )
    return (
        select(ranked.c[key].label(key), func.avg(ranked.c.v).label("median"))
        .where(ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
        .group_by(ranked.c[key])
    )


def _months(start: date, end: date) -> list[tuple[str, date, date]]:
    """``(key, first day, last day)`` of every calendar month the period touches."""
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        last = calendar.monthrange(y, m)[1]
        out.append((f"{y:04d}-{m:02d}", date(y, m, 1), date(y, m, last)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def months_table(start: date, end: date) -> sa.Subquery:
    """The months of the period as a small derived table (``month``, ``first_day``, ``last_day``),
    written as a ``UNION ALL`` of literal rows so it runs on both dialects."""
    selects = [
        select(
            literal(key, String).label("month"),
            literal(first, Date).label("first_day"),
            literal(last, Date).label("last_day"),
        )
        for key, first, last in _months(start, end)
    ]
    return (sa.union_all(*selects) if len(selects) > 1 else selects[0]).subquery("months")


def _as_date(value) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _month_start(key: str) -> pd.Timestamp:
    return pd.Timestamp(f"{key}-01")


def _rate(num, den) -> float:
    return float(num) / float(den) if den else float("nan")


# =========================================================================== filter predicates
def person_in_trade(person_id, trade_id: int):
    """The person enrolled in a workshop of the trade, or had an internship on its vacancy."""
    workshop = (
        select(WorkshopEnrolment.id)
        .join(WorkshopEdition, WorkshopEdition.id == WorkshopEnrolment.edition_id)
        .where(WorkshopEnrolment.person_id == person_id, WorkshopEdition.trade_id == trade_id)
        .exists()
    )
    internship = (
        select(Internship.id)
        .join(Vacancy, Vacancy.id == Internship.vacancy_id)
        .where(Internship.person_id == person_id, Vacancy.trade_id == trade_id)
        .exists()
    )
    return or_(workshop, internship)


def internship_trade():
    """An internship's trade: its vacancy's, or else the trade of the intern's latest workshop."""
    vacancy_trade = (
        select(Vacancy.trade_id).where(Vacancy.id == Internship.vacancy_id).scalar_subquery()
    )
    workshop_trade = (
        select(WorkshopEdition.trade_id)
        .join(WorkshopEnrolment, WorkshopEnrolment.edition_id == WorkshopEdition.id)
        .where(WorkshopEnrolment.person_id == Internship.person_id)
        .order_by(WorkshopEnrolment.enrolled_on.desc(), WorkshopEnrolment.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(vacancy_trade, workshop_trade)


def person_conditions(filters: KpiFilters) -> list:
    """Narrowing on the person (``Person`` must be in the FROM clause)."""
    conds: list = []
    if filters.funding_stream is not None:
        conds.append(Person.funding_stream == filters.funding_stream)
    if filters.tutor_id is not None:
        conds.append(Person.tutor_id == filters.tutor_id)
    if filters.partner_org_id is not None:
        conds.append(Person.referral_partner_id == filters.partner_org_id)
    if filters.trade_id is not None:
        conds.append(person_in_trade(Person.id, filters.trade_id))
    return conds


def internship_conditions(filters: KpiFilters) -> list:
    """Narrowing on an internship (``Internship`` joined to ``Person`` in the FROM clause)."""
    conds: list = []
    if filters.funding_stream is not None:
        conds.append(Internship.funding_stream == filters.funding_stream)
    if filters.tutor_id is not None:
        conds.append(Internship.centre_tutor_id == filters.tutor_id)
    if filters.partner_org_id is not None:
        conds.append(Person.referral_partner_id == filters.partner_org_id)
    if filters.trade_id is not None:
        conds.append(internship_trade() == filters.trade_id)
    return conds


def _internships(*cols) -> sa.Select:
    return select(*cols).select_from(Internship).join(Person, Person.id == Internship.person_id)


def _ended_in(filters: KpiFilters):
    return and_(
        Internship.status.in_(ENDED),
        Internship.actual_end_date.between(filters.start, filters.end),
    )


def _frame(rows: Sequence, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


# =========================================================================== internships started
def internships_by_month(
    *, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it"
) -> pd.DataFrame:
    """Internships started per month of the period, the running total and the prorated target."""
    authorize(session=session, actor=actor, operation="kpi.view")
    d = dialect(session)
    target = float(setting(session, TARGET_PER_YEAR_KEY))
    # months up to the reference day: a month still to come has nothing to count
    months = months_table(filters.start, max(filters.start, filters.reference_day()))
    started = (
        _internships(month_key(Internship.start_date, d).label("month"), func.count().label("n"))
        .where(Internship.start_date.between(filters.start, filters.end))
        .where(*internship_conditions(filters))
        .group_by(month_key(Internship.start_date, d))
        .subquery("started")
    )
    n = func.coalesce(started.c.n, 0)
    rows = session.execute(
        select(
            months.c.month,
            n,
            func.sum(n).over(order_by=months.c.month),
            func.row_number().over(order_by=months.c.month),
        )
        .select_from(months)
        .outerjoin(started, started.c.month == months.c.month)
        .order_by(months.c.month)
    ).all()
    frame = _frame(rows, ["month", "started", "cumulative", "month_number"])
    frame["month"] = frame["month"].map(_month_start)
    frame["target"] = target / 12
    frame["cumulative_target"] = frame["month_number"] * target / 12
    frame = frame.drop(columns="month_number")
    return ks.InternshipsByMonth.validate(frame)


def internships_by_year(
    *, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it"
) -> pd.DataFrame:
    """Internships started per calendar year of the period, against the yearly target prorated
    to the part of the year the period covers (a quarter's target is a quarter of the year's)."""
    authorize(session=session, actor=actor, operation="kpi.view")
    d = dialect(session)
    target = float(setting(session, TARGET_PER_YEAR_KEY))
    key = year_key(Internship.start_date, d)
    counts = dict(
        session.execute(
            _internships(key, func.count())
            .where(Internship.start_date.between(filters.start, filters.end))
            .where(*internship_conditions(filters))
            .group_by(key)
        ).all()
    )
    rows = []
    for year in range(filters.start.year, filters.end.year + 1):
        first = max(filters.start, date(year, 1, 1))
        last = min(filters.end, date(year, 12, 31))
        covered = ((last - first).days + 1) / (366 if calendar.isleap(year) else 365)
        started = int(counts.get(str(year), 0))
        year_target = target * covered
        rows.append((year, started, year_target, _rate(started, year_target)))
    frame = pd.DataFrame(rows, columns=["year", "started", "target", "share_of_target"])
    return ks.InternshipsByYear.validate(frame)


# =========================================================================== outcomes
def hire_outcomes(
    *, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it"
) -> pd.DataFrame:
    """Internships ended in the period, per quarter of their end: hired, not hired, interrupted
    and the hire rate (hired / ended)."""
    authorize(session=session, actor=actor, operation="kpi.view")
    d = dialect(session)
    key = quarter_key(Internship.actual_end_date, d)
    rows = session.execute(
        _internships(
            key,
            func.count(),
            func.count().filter(Internship.outcome == InternshipOutcome.HIRED),
            func.count().filter(Internship.outcome == InternshipOutcome.NOT_HIRED),
            func.count().filter(Internship.outcome == InternshipOutcome.INTERRUPTED),
        )
        .where(_ended_in(filters), *internship_conditions(filters))
        .group_by(key)
        .order_by(key)
    ).all()
    frame = _frame(rows, ["quarter", "ended", "hired", "not_hired", "interrupted"])
    frame["hire_rate"] = [_rate(h, e) for h, e in zip(frame["hired"], frame["ended"], strict=True)]
    return ks.HireOutcomes.validate(frame)


def contract_mix(
    *, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it"
) -> pd.DataFrame:
    """The contracts of the hires after internships ended in the period, with each one's share."""
    authorize(session=session, actor=actor, operation="kpi.view")
    n = func.count()
    rows = dict(
        session.execute(
            _internships(Internship.contract_type, n)
            .where(
                _ended_in(filters),
                Internship.outcome == InternshipOutcome.HIRED,
                *internship_conditions(filters),
            )
            .group_by(Internship.contract_type)
        ).all()
    )
    total = sum(rows.values())
    frame = pd.DataFrame(
        [
            (c.value, enum_label(c, lang), int(rows.get(c, 0)), _rate(rows.get(c, 0), total))
            for c in ContractType
        ],
        columns=["contract_type", "label", "hires", "share"],
    )
    return ks.ContractMix.validate(frame)


# =========================================================================== foreign interns
def foreign_interns(
    *, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it"
) -> pd.DataFrame:
    """People who started an internship in the period, by sex: how many, how many are foreign
    citizens (citizenship other than IT) and their share."""
    authorize(session=session, actor=actor, operation="kpi.view")
    # the join to the person is needed only by the partner filter
    source = (
        _internships(Internship.person_id)
        if filters.partner_org_id is not None
        else select(Internship.person_id)
    )
    interns = source.where(Internship.start_date.between(filters.start, filters.end)).where(
        *internship_conditions(filters)
    )
    rows = dict(
        (sex, (n, foreign))
        for sex, n, foreign in session.execute(
            select(Person.sex, func.count(), func.count().filter(Person.citizenship != "IT"))
            .where(Person.id.in_(interns))  # a semi-join: each person once, no DISTINCT pass
            .group_by(Person.sex)
        ).all()
    )
    frame = pd.DataFrame(
        [
            (s.value, enum_label(s, lang), int(n), int(f), _rate(f, n))
            for s in Sex
            for n, f in [rows.get(s, (0, 0))]
        ],
        columns=["sex", "label", "interns", "foreign", "foreign_share"],
    )
    return ks.ForeignInterns.validate(frame)


# =========================================================================== funnel
def funnel(
    *, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it"
) -> pd.DataFrame:
    """The path of the people taken in during the period: intake → patto → workshop → internship
    → hire. For each step: how many people reached it, the share of the previous step's people who
    went on to it (on or after the previous step's date) and the median days between the two."""
    authorize(session=session, actor=actor, operation="kpi.view")
    d = dialect(session)
    pact = (
        select(ServicePact.person_id.label("pid"), func.min(ServicePact.signed_on).label("on"))
        .group_by(ServicePact.person_id)
        .subquery("pact")
    )
    workshop = (
        select(
            WorkshopEnrolment.person_id.label("pid"),
            func.min(WorkshopEnrolment.enrolled_on).label("on"),
        )
        .group_by(WorkshopEnrolment.person_id)
        .subquery("workshop")
    )
    internship = (
        select(Internship.person_id.label("pid"), func.min(Internship.start_date).label("on"))
        .group_by(Internship.person_id)
        .subquery("internship")
    )
    hire = (
        select(Internship.person_id.label("pid"), func.min(Internship.hire_date).label("on"))
        .where(Internship.outcome == InternshipOutcome.HIRED, Internship.hire_date.is_not(None))
        .group_by(Internship.person_id)
        .subquery("hire")
    )
    cohort = (
        select(
            Person.id.label("pid"),
            Person.intake_date.label("intake"),
            pact.c.on.label("pact"),
            workshop.c.on.label("workshop"),
            internship.c.on.label("internship"),
            hire.c.on.label("hire"),
        )
        .outerjoin(pact, pact.c.pid == Person.id)
        .outerjoin(workshop, workshop.c.pid == Person.id)
        .outerjoin(internship, internship.c.pid == Person.id)
        .outerjoin(hire, hire.c.pid == Person.id)
        .where(Person.intake_date.between(filters.start, filters.end), *person_conditions(filters))
        .cte("cohort")  # read by the counts and by every step's gaps: computed once
    )
    c = cohort.c
    pairs = list(itertools.pairwise(FUNNEL_STEPS))

    def went_on(prev: str, cur: str):
        return and_(c[prev].is_not(None), c[cur].is_not(None), c[cur] >= c[prev])

    counts = select(
        *[func.count(c[step]).label(f"reached_{step}") for step in FUNNEL_STEPS],
        *[func.count().filter(went_on(prev, cur)).label(f"passed_{cur}") for prev, cur in pairs],
    ).subquery("counts")
    gaps = sa.union_all(
        *[
            select(
                literal(cur, String).label("step"),
                days_between(c[cur], c[prev], d).label("days"),
            )
            .select_from(cohort)
            .where(went_on(prev, cur))
            for prev, cur in pairs
        ]
    ).subquery("gaps")
    medians_q = median_by(gaps, "step", "days", d).subquery("medians")
    # one statement: the counts (one row) beside each step's median (none when nobody went on)
    result = session.execute(
        select(counts, medians_q.c.step, medians_q.c.median).select_from(
            counts.outerjoin(medians_q, sa.true())
        )
    ).all()
    first = result[0]._mapping
    reached = {step: first[f"reached_{step}"] for step in FUNNEL_STEPS}
    passed = {cur: first[f"passed_{cur}"] for _, cur in pairs}
    medians = {r.step: r.median for r in result if r.step is not None}
    rows = []
    previous = None
    for order, step in enumerate(FUNNEL_STEPS, start=1):
        if previous is None:
            conversion, days = float("nan"), float("nan")
        else:
            conversion = _rate(passed[step], reached[previous])
            days = float(medians[step]) if medians.get(step) is not None else float("nan")
        rows.append((order, step, int(reached[step]), conversion, days))
        previous = step
    frame = pd.DataFrame(rows, columns=["order", "step", "people", "conversion", "median_days"])
    return ks.Funnel.validate(frame)


# =========================================================================== caseload
def caseload(
    *, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it"
) -> pd.DataFrame:
    """Per tutor, the people on an open path (intake, active, internship) and how many of them
    had no meeting in the last ``tutoring.not_seen_days`` days before the reference day."""
    authorize(session=session, actor=actor, operation="kpi.view")
    ref = filters.reference_day()
    days = int(setting(session, NOT_SEEN_DAYS_KEY))
    cutoff = ref - timedelta(days=days)
    last = (
        select(TutoringMeeting.person_id.label("pid"), func.max(TutoringMeeting.met_on).label("on"))
        .where(TutoringMeeting.met_on <= ref)
        .group_by(TutoringMeeting.person_id)
        .subquery("last_meeting")
    )
    not_seen = or_(last.c.on.is_(None), last.c.on < cutoff)
    rows = session.execute(
        select(
            User.id,
            User.full_name,
            func.count(),
            func.count().filter(not_seen),
        )
        .select_from(Person)
        .join(User, User.id == Person.tutor_id)
        .outerjoin(last, last.c.pid == Person.id)
        .where(
            Person.status.in_(PersonStatus.OPEN_CASE),
            Person.intake_date <= ref,
            *person_conditions(filters),
        )
        .group_by(User.id, User.full_name)
        .order_by(func.count().desc(), User.full_name)
    ).all()
    frame = _frame(rows, ["tutor_id", "tutor", "people", "not_seen"])
    frame["not_seen_share"] = [
        _rate(n, p) for n, p in zip(frame["not_seen"], frame["people"], strict=True)
    ]
    frame["not_seen_days"] = days
    return ks.Caseload.validate(frame)


# =========================================================================== companies
def _company_conditions(filters: KpiFilters) -> list:
    if filters.trade_id is None:
        return []
    return [
        select(Vacancy.id)
        .where(Vacancy.company_id == Company.id, Vacancy.trade_id == filters.trade_id)
        .exists()
    ]


def partners_over_time(
    *, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it"
) -> pd.DataFrame:
    """Per month: companies with a convention in force at the month's end (the active partners),
    companies first contacted by scouting in the month, and companies that became partners."""
    authorize(session=session, actor=actor, operation="kpi.view")
    d = dialect(session)
    # months up to the reference day: a month still to come has nothing to count
    months = months_table(filters.start, max(filters.start, filters.reference_day()))
    company_conds = _company_conditions(filters)
    active = (
        select(months.c.month, func.count(func.distinct(Convention.company_id)).label("n"))
        .select_from(months)
        .join(
            Convention,
            and_(
                Convention.signed_on <= months.c.last_day,
                Convention.expires_on >= months.c.last_day,
            ),
        )
        .join(Company, Company.id == Convention.company_id)
        .where(*company_conds)
        .group_by(months.c.month)
        .subquery("active")
    )
    first_contact = (
        select(
            ScoutingEntry.company_id.label("cid"),
            func.min(ScoutingEntry.contacted_on).label("on"),
        )
        .group_by(ScoutingEntry.company_id)
        .subquery("first_contact")
    )
    scouted = (
        select(month_key(first_contact.c.on, d).label("month"), func.count().label("n"))
        .select_from(first_contact)
        .join(Company, Company.id == first_contact.c.cid)
        .where(first_contact.c.on.between(filters.start, filters.end), *company_conds)
        .group_by(month_key(first_contact.c.on, d))
        .subquery("scouted")
    )
    joined = (
        select(month_key(Company.became_active_on, d).label("month"), func.count().label("n"))
        .where(Company.became_active_on.between(filters.start, filters.end), *company_conds)
        .group_by(month_key(Company.became_active_on, d))
        .subquery("joined")
    )
    rows = session.execute(
        select(
            months.c.month,
            func.coalesce(active.c.n, 0),
            func.coalesce(scouted.c.n, 0),
            func.coalesce(joined.c.n, 0),
        )
        .select_from(months)
        .outerjoin(active, active.c.month == months.c.month)
        .outerjoin(scouted, scouted.c.month == months.c.month)
        .outerjoin(joined, joined.c.month == months.c.month)
        .order_by(months.c.month)
    ).all()
    frame = _frame(rows, ["month", "active_partners", "new_scouted", "new_partners"])
    frame["month"] = frame["month"].map(_month_start)
    return ks.PartnersOverTime.validate(frame)


def hires_by_company(
    *,
    session: Session,
    actor: Actor,
    filters: KpiFilters,
    lang: str = "it",
    limit: int = TOP_COMPANIES,
) -> pd.DataFrame:
    """The companies that hosted the most internships ended in the period, with their hire rate."""
    authorize(session=session, actor=actor, operation="kpi.view")
    ended = func.count()
    hired = func.count().filter(Internship.outcome == InternshipOutcome.HIRED)
    rows = session.execute(
        _internships(Company.id, Company.name, ended, hired)
        .join(Company, Company.id == Internship.company_id)
        .where(_ended_in(filters), *internship_conditions(filters))
        .group_by(Company.id, Company.name)
        .order_by(ended.desc(), hired.desc(), Company.name)
        .limit(limit)
    ).all()
    frame = _frame(rows, ["company_id", "company", "ended", "hired"])
    frame["hire_rate"] = [_rate(h, e) for h, e in zip(frame["hired"], frame["ended"], strict=True)]
    return ks.HiresByCompany.validate(frame)


def ateco_section_expr(code_col):
    """The ATECO section letter (A–U) of a company's code, mapped in SQL from its division."""
    divisions = {a.code: a.section for a in reference.ateco() if not a.is_section}
    return case(divisions, value=func.substr(code_col, 1, 2), else_=literal("?"))


def hires_by_sector(
    *, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it"
) -> pd.DataFrame:
    """Internships ended in the period and hires, per ATECO section of the host company."""
    authorize(session=session, actor=actor, operation="kpi.view")
    section = ateco_section_expr(Company.ateco_code)
    rows = session.execute(
        _internships(
            section,
            func.count(),
            func.count().filter(Internship.outcome == InternshipOutcome.HIRED),
        )
        .join(Company, Company.id == Internship.company_id)
        .where(_ended_in(filters), *internship_conditions(filters))
        .group_by(section)
        .order_by(func.count().desc(), section)
    ).all()
    labels = {a.code: (a.label_en if lang == "en" else a.label_it) for a in reference.ateco()}
    frame = _frame(rows, ["section", "ended", "hired"])
    frame.insert(1, "label", [labels.get(s, s) for s in frame["section"]])
    frame["hire_rate"] = [_rate(h, e) for h, e in zip(frame["hired"], frame["ended"], strict=True)]
    return ks.HiresBySector.validate(frame)


# =========================================================================== workshops
def workshops_by_trade(
    *, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it"
) -> pd.DataFrame:
    """Per trade: enrolments in editions that ended in the period, completed, withdrawn, the
    completion rate (completed / (completed + withdrawn)), and the hours attended in sessions held
    in the period, per participant."""
    authorize(session=session, actor=actor, operation="kpi.view")
    label_col = Trade.label_en if lang == "en" else Trade.label_it
    conds = person_conditions(replace(filters, trade_id=None))
    # One statement: each measure aggregated per trade id, then joined to the trades.
    trade_ids = [] if filters.trade_id is None else [WorkshopEdition.trade_id == filters.trade_id]
    enrolled = (
        select(
            WorkshopEdition.trade_id.label("trade_id"),
            func.count().label("n"),
            func.count()
            .filter(WorkshopEnrolment.status == EnrolmentStatus.COMPLETED)
            .label("completed"),
            func.count()
            .filter(WorkshopEnrolment.status == EnrolmentStatus.WITHDRAWN)
            .label("withdrawn"),
        )
        .select_from(WorkshopEnrolment)
        .join(WorkshopEdition, WorkshopEdition.id == WorkshopEnrolment.edition_id)
        .join(Person, Person.id == WorkshopEnrolment.person_id)
        .where(WorkshopEdition.end_date.between(filters.start, filters.end), *trade_ids, *conds)
        .group_by(WorkshopEdition.trade_id)
        .subquery("enrolled")
    )
    attended = (
        select(
            WorkshopEdition.trade_id.label("trade_id"),
            func.sum(WorkshopAttendance.hours).label("hours"),
            func.count(func.distinct(WorkshopAttendance.enrolment_id)).label("participants"),
        )
        .select_from(WorkshopAttendance)
        .join(WorkshopSession, WorkshopSession.id == WorkshopAttendance.session_id)
        .join(WorkshopEnrolment, WorkshopEnrolment.id == WorkshopAttendance.enrolment_id)
        .join(WorkshopEdition, WorkshopEdition.id == WorkshopSession.edition_id)
        .join(Person, Person.id == WorkshopEnrolment.person_id)
        .where(WorkshopSession.session_date.between(filters.start, filters.end), *trade_ids, *conds)
        .group_by(WorkshopEdition.trade_id)
        .subquery("attended")
    )
    rows = session.execute(
        select(
            Trade.code,
            label_col,
            func.coalesce(enrolled.c.n, 0),
            func.coalesce(enrolled.c.completed, 0),
            func.coalesce(enrolled.c.withdrawn, 0),
            func.coalesce(attended.c.hours, 0),
            func.coalesce(attended.c.participants, 0),
        )
        .select_from(Trade)
        .outerjoin(enrolled, enrolled.c.trade_id == Trade.id)
        .outerjoin(attended, attended.c.trade_id == Trade.id)
        .where(or_(enrolled.c.n.is_not(None), attended.c.hours.is_not(None)))
        .order_by(label_col, Trade.code)
    ).all()
    frame = _frame(
        rows,
        [
            "trade",
            "label",
            "enrolments",
            "completed",
            "withdrawn",
            "hours_attended",
            "participants",
        ],
    )
    for col in ("enrolments", "completed", "withdrawn", "participants"):
        frame[col] = frame[col].fillna(0).astype(int)
    frame["hours_attended"] = frame["hours_attended"].astype(float).fillna(0.0)
    frame["completion_rate"] = [
        _rate(c, c + w) for c, w in zip(frame["completed"], frame["withdrawn"], strict=True)
    ]
    frame["hours_per_participant"] = [
        _rate(h, p) for h, p in zip(frame["hours_attended"], frame["participants"], strict=True)
    ]
    return ks.WorkshopsByTrade.validate(frame.reset_index(drop=True))


# =========================================================================== competence gap
def _gap_sources(session: Session, filters: KpiFilters, months: int):
    """The open vacancies' requirements of the last ``months`` months and the people able to
    take a job now with their latest level in each competence (subqueries)."""
    ref = filters.reference_day()
    since = _months_back(ref, months)
    vac_conds = [
        Vacancy.status.in_(VacancyStatus.RECRUITING),
        Vacancy.created_on.between(since, ref),
    ]
    if filters.trade_id is not None:
        vac_conds.append(Vacancy.trade_id == filters.trade_id)
    requirements = (
        select(
            Vacancy.id.label("vacancy_id"),
            Vacancy.trade_id.label("trade_id"),
            Vacancy.positions.label("positions"),
            VacancyCompetence.competence_id.label("competence_id"),
            VacancyCompetence.min_level.label("level"),
        )
        .join(VacancyCompetence, VacancyCompetence.vacancy_id == Vacancy.id)
        .where(*vac_conds)
        .subquery("requirements")
    )
    latest = (
        select(
            CompetenceRating.person_id.label("person_id"),
            CompetenceRating.competence_id.label("competence_id"),
            CompetenceRating.level.label("level"),
            func.row_number()
            .over(
                partition_by=(CompetenceRating.person_id, CompetenceRating.competence_id),
                order_by=(CompetenceRating.rated_on.desc(), CompetenceRating.id.desc()),
            )
            .label("rn"),
        )
        .join(Person, Person.id == CompetenceRating.person_id)
        .where(
            CompetenceRating.rated_on <= ref,
            Person.status.in_(PersonStatus.AVAILABLE),
            *person_conditions(replace(filters, trade_id=None)),
        )
        .subquery("latest_all")
    )
    current = (
        select(latest.c.person_id, latest.c.competence_id, latest.c.level)
        .where(latest.c.rn == 1)
        .subquery("latest")
    )
    # demand per (competence, level): the open positions that ask for it
    demand = (
        select(
            requirements.c.competence_id,
            requirements.c.level,
            func.count(func.distinct(requirements.c.vacancy_id)).label("vacancies"),
            func.sum(requirements.c.positions).label("positions"),
        )
        .group_by(requirements.c.competence_id, requirements.c.level)
        .subquery("demand")
    )
    supply = (
        select(
            demand.c.competence_id,
            demand.c.level,
            func.count(current.c.person_id).label("holders"),
        )
        .select_from(demand)
        .outerjoin(
            current,
            and_(
                current.c.competence_id == demand.c.competence_id,
                current.c.level >= demand.c.level,
            ),
        )
        .group_by(demand.c.competence_id, demand.c.level)
        .subquery("supply")
    )
    return requirements, demand, supply


def _months_back(day: date, months: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    return date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def competence_gap(
    *, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it", months: int = 6
) -> pd.DataFrame:
    """What to teach next: for the open vacancies created in the last ``months`` months, each
    competence asked for at a level, the vacancies and positions asking for it, the people able
    to take a job now whose latest rating reaches that level, and the gap (positions - holders),
    ranked within each vacancy trade (window ``row_number``). A competence asked in several
    trades is measured against the same people: ``all_positions`` (window ``SUM`` over the
    trades) and ``all_gap`` give the centre-wide shortage."""
    authorize(session=session, actor=actor, operation="kpi.gap")
    requirements, _demand, supply = _gap_sources(session, filters, months)
    per_trade = (
        select(
            requirements.c.trade_id,
            requirements.c.competence_id,
            requirements.c.level,
            func.count(func.distinct(requirements.c.vacancy_id)).label("vacancies"),
            func.sum(requirements.c.positions).label("positions"),
        )
        .group_by(requirements.c.trade_id, requirements.c.competence_id, requirements.c.level)
        .subquery("per_trade")
    )
    gap = per_trade.c.positions - supply.c.holders
    trade_label = Trade.label_en if lang == "en" else Trade.label_it
    comp_label = Competence.label_en if lang == "en" else Competence.label_it
    ranked = (
        select(
            Trade.code.label("trade"),
            trade_label.label("trade_label"),
            Competence.code.label("competence"),
            comp_label.label("competence_label"),
            Competence.area.label("area"),
            per_trade.c.level,
            per_trade.c.vacancies,
            per_trade.c.positions,
            supply.c.holders,
            gap.label("gap"),
            func.sum(per_trade.c.positions)
            .over(partition_by=(per_trade.c.competence_id, per_trade.c.level))
            .label("all_positions"),
            func.row_number()
            .over(
                partition_by=per_trade.c.trade_id,
                order_by=(gap.desc(), per_trade.c.vacancies.desc(), Competence.code),
            )
            .label("rank"),
        )
        .select_from(per_trade)
        .join(
            supply,
            and_(
                supply.c.competence_id == per_trade.c.competence_id,
                supply.c.level == per_trade.c.level,
            ),
        )
        .join(Competence, Competence.id == per_trade.c.competence_id)
        .outerjoin(Trade, Trade.id == per_trade.c.trade_id)
        .subquery("ranked")
    )
    rows = session.execute(
        select(*ranked.c).order_by(
            ranked.c.trade_label.is_(None), ranked.c.trade_label, ranked.c.rank
        )
    ).all()
    frame = _frame(
        rows,
        [
            "trade",
            "trade_label",
            "competence",
            "competence_label",
            "area",
            "level",
            "vacancies",
            "positions",
            "holders",
            "gap",
            "all_positions",
            "rank",
        ],
    )
    frame["all_gap"] = frame["all_positions"] - frame["holders"]
    frame["area"] = frame["area"].map(lambda a: a.value if hasattr(a, "value") else a)
    return ks.CompetenceGap.validate(frame)


def workshop_suggestion(
    *, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it", months: int = 6
) -> pd.DataFrame:
    """Which workshop would close the most vacancies: per trade, the open vacancies (and their
    positions) that ask for at least one technical competence of that trade in short supply
    (fewer holders at the level asked than positions asking for it)."""
    authorize(session=session, actor=actor, operation="kpi.gap")
    requirements, demand, supply = _gap_sources(session, filters, months)
    short = (
        select(supply.c.competence_id, supply.c.level)
        .join(
            demand,
            and_(
                demand.c.competence_id == supply.c.competence_id,
                demand.c.level == supply.c.level,
            ),
        )
        .where(supply.c.holders < demand.c.positions)
        .subquery("short")
    )
    helped = (
        select(
            Competence.trade_id.label("trade_id"),
            requirements.c.vacancy_id,
            requirements.c.positions,
        )
        .select_from(requirements)
        .join(
            short,
            and_(
                short.c.competence_id == requirements.c.competence_id,
                short.c.level == requirements.c.level,
            ),
        )
        .join(Competence, Competence.id == requirements.c.competence_id)
        .where(Competence.trade_id.is_not(None))
        .distinct()
        .subquery("helped")
    )
    total = (
        session.scalar(
            select(func.count(func.distinct(requirements.c.vacancy_id))).select_from(requirements)
        )
        or 0
    )
    label_col = Trade.label_en if lang == "en" else Trade.label_it
    rows = session.execute(
        select(
            Trade.code,
            label_col,
            func.count(helped.c.vacancy_id),
            func.coalesce(func.sum(helped.c.positions), 0),
        )
        .select_from(helped)
        .join(Trade, Trade.id == helped.c.trade_id)
        .group_by(Trade.code, label_col)
        .order_by(func.count(helped.c.vacancy_id).desc(), label_col)
    ).all()
    frame = _frame(rows, ["trade", "label", "vacancies", "positions"])
    frame["share_of_open"] = [_rate(v, total) for v in frame["vacancies"]]
    frame["open_vacancies"] = int(total)
    return ks.WorkshopSuggestion.validate(frame)


# =========================================================================== fairness
CITIZENSHIP_GROUPS = ("italian", "eu", "non_eu")
PROTECTION_GROUPS = ("none", "asylum_seeker", "protection", "other_permit")


def citizenship_group_expr(col):
    """``'italian'``, ``'eu'`` (another EU country, from ``fleming.reference``) or ``'non_eu'``."""
    eu = sorted(c.iso2 for c in reference.countries() if c.eu and c.iso2 != "IT")
    return case((col == "IT", "italian"), (col.in_(eu), "eu"), else_="non_eu")


def protection_group_expr(col):
    """Protection status group: none (Italian/EU citizens), asylum seeker, protection
    (international or special), other residence permit."""
    return case(
        (col.in_([LegalStatus.ITALIAN, LegalStatus.EU_CITIZEN]), "none"),
        (col == LegalStatus.ASYLUM_SEEKER, "asylum_seeker"),
        (
            col.in_([LegalStatus.INTERNATIONAL_PROTECTION, LegalStatus.SPECIAL_PROTECTION]),
            "protection",
        ),
        else_="other_permit",
    )


def fairness(
    *, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it"
) -> pd.DataFrame:
    """Outcomes by group — sex, citizenship (Italian / EU / non-EU), protection status group and
    fragility marker (a person with two markers counts in both; "none" for no marker):

    * hire rate after internship: internships ended in the period, hired / ended;
    * shortlisting rate: of the people taken in during the period, the share put on at least one
      vacancy shortlist (at any time after intake).

    Each rate comes with its count; ``small_interns`` / ``small_intake`` flag a rate computed on
    fewer than ``SMALL_GROUP`` people (too small to read).
    Coordinators only.
    """
    authorize(session=session, actor=actor, operation="kpi.fairness")
    # One statement: the people of both measures (ended internships: hired 1/0; the intake
    # cohort: shortlisted 1/0) in one source, projected once per dimension, grouped once.
    ended = _internships(
        sa.literal_column("'hire'", String).label("measure"),
        Internship.person_id.label("pid"),
        case((Internship.outcome == InternshipOutcome.HIRED, 1), else_=0).label("v"),
    ).where(_ended_in(filters), *internship_conditions(filters))
    shortlisted = select(ShortlistEntry.id).where(ShortlistEntry.person_id == Person.id).exists()
    cohort = select(
        sa.literal_column("'list'", String).label("measure"),
        Person.id.label("pid"),
        case((shortlisted, 1), else_=0).label("v"),
    ).where(Person.intake_date.between(filters.start, filters.end), *person_conditions(filters))
    src = sa.union_all(ended, cohort).cte("src")

    def by(dimension: str, group, joined=None, *where) -> sa.Select:
        query = select(
            src.c.measure,
            sa.literal_column(f"'{dimension}'", String).label("dim"),
            sa.type_coerce(group, String).label("grp"),
            src.c.v,
        ).select_from(src)
        if joined is not None:
            query = query.join(joined, joined.c.person_id == src.c.pid)
        return query.where(*where)

    people = select(
        Person.id.label("person_id"),
        Person.sex,
        citizenship_group_expr(Person.citizenship).label("citizenship"),
        protection_group_expr(Person.legal_status).label("protection"),
    ).subquery("p")
    no_marker = (
        ~select(PersonFragility.person_id).where(PersonFragility.person_id == src.c.pid).exists()
    )
    grouped = sa.union_all(
        by("sex", people.c.sex, people),
        by("citizenship", people.c.citizenship, people),
        by("protection", people.c.protection, people),
        by("fragility", PersonFragility.marker, PersonFragility.__table__),
        by("fragility", sa.literal_column("'none'", String), None, no_marker),
    ).subquery("grouped")
    hires: dict[tuple[str, str], tuple[int, int]] = {}
    lists: dict[tuple[str, str], tuple[int, int]] = {}
    for measure, dim, group, n, k in session.execute(
        select(
            grouped.c.measure,
            grouped.c.dim,
            grouped.c.grp,
            func.count(),
            func.coalesce(func.sum(grouped.c.v), 0),
        ).group_by(grouped.c.measure, grouped.c.dim, grouped.c.grp)
    ):
        (hires if measure == "hire" else lists)[(dim, str(group))] = (int(n), int(k))
    groups = (
        [("sex", s.value) for s in Sex]
        + [("citizenship", g) for g in CITIZENSHIP_GROUPS]
        + [("protection", g) for g in PROTECTION_GROUPS]
        + [("fragility", m.value) for m in FragilityMarker]
        + [("fragility", "none")]
    )
    rows = []
    for dim, group in groups:
        ended, hired = hires.get((dim, group), (0, 0))
        cohort, listed = lists.get((dim, group), (0, 0))
        rows.append(
            (
                dim,
                group,
                group_label(dim, group, lang),
                ended,
                hired,
                _rate(hired, ended),
                cohort,
                listed,
                _rate(listed, cohort),
                ended < SMALL_GROUP,
                cohort < SMALL_GROUP,
            )
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "dimension",
            "group",
            "label",
            "interns_ended",
            "hired",
            "hire_rate",
            "intake",
            "shortlisted",
            "shortlisting_rate",
            "small_interns",
            "small_intake",
        ],
    )
    return ks.Fairness.validate(frame)


def group_label(dimension: str, group: str, lang: str = "it") -> str:
    from fleming.i18n import translate

    if dimension == "sex":
        return enum_label(Sex(group), lang)
    if dimension == "fragility" and group != "none":
        return enum_label(FragilityMarker(group), lang)
    return translate(f"kpi.group.{dimension}.{group}", lang)


# =========================================================================== the whole set
KPIS = {
    "internships_by_month": internships_by_month,
    "internships_by_year": internships_by_year,
    "hire_outcomes": hire_outcomes,
    "contract_mix": contract_mix,
    "foreign_interns": foreign_interns,
    "funnel": funnel,
    "caseload": caseload,
    "partners_over_time": partners_over_time,
    "hires_by_company": hires_by_company,
    "hires_by_sector": hires_by_sector,
    "workshops_by_trade": workshops_by_trade,
}
"""The dashboard's KPIs (coordinators and admins); the gap and fairness views have their own."""


def compute(
    name: str, *, session: Session, actor: Actor, filters: KpiFilters, lang: str = "it"
) -> pd.DataFrame:
    """One KPI frame by name (``KPIS``, ``competence_gap``, ``workshop_suggestion``,
    ``fairness``)."""
    functions = {
        **KPIS,
        "competence_gap": competence_gap,
        "workshop_suggestion": workshop_suggestion,
        "fairness": fairness,
    }
    return functions[name](session=session, actor=actor, filters=filters, lang=lang)
