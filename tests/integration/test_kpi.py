"""Each KPI on a hand-made data set with known answers, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from fleming import kpi
from fleming.actor import Actor
from fleming.db import unit_of_work
from fleming.errors import PermissionDenied
from fleming.kpi import KpiFilters
from fleming.models import (
    ContractType,
    EnrolmentStatus,
    FragilityMarker,
    FundingStream,
    InternshipOutcome,
    LegalStatus,
    PersonStatus,
    Role,
    Sex,
    VacancyStatus,
)
from tests.integration.kpi_data import COORDINATOR, World

Y2025 = KpiFilters.year(2025)
HIRED, NOT_HIRED, INTERRUPTED = (
    InternshipOutcome.HIRED,
    InternshipOutcome.NOT_HIRED,
    InternshipOutcome.INTERRUPTED,
)


def run(engine, name: str, filters: KpiFilters = Y2025, actor: Actor = COORDINATOR, **kw):
    with unit_of_work(engine) as session:
        if kw:
            return getattr(kpi, name)(session=session, actor=actor, filters=filters, **kw)
        return kpi.compute(name, session=session, actor=actor, filters=filters)


def build(engine, fn):
    with unit_of_work(engine) as session:
        return fn(World(session))


def nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


# --------------------------------------------------------------------------- internships
def _starts(w: World) -> None:
    w.setting("kpi.internships_target_per_year", 12)
    p = w.person()
    w.internship(p, start=date(2024, 12, 31))  # before the period
    w.internship(p, start=date(2025, 1, 1))
    w.internship(p, start=date(2025, 1, 31))
    w.internship(p, start=date(2025, 3, 15))
    w.internship(p, start=date(2026, 1, 1))  # after


def test_internships_per_month_with_running_total_and_target(engine):
    build(engine, _starts)
    frame = run(engine, "internships_by_month")
    assert list(frame["month"].dt.month) == list(range(1, 13))
    assert list(frame["started"]) == [2, 0, 1] + [0] * 9
    assert list(frame["cumulative"]) == [2, 2, 3] + [3] * 9
    assert frame["target"].tolist() == [1.0] * 12  # 12 a year
    assert frame["cumulative_target"].tolist() == [float(m) for m in range(1, 13)]


def test_internships_per_year_against_the_target_prorated_to_the_period(engine):
    build(engine, _starts)
    year = run(engine, "internships_by_year")
    assert year.to_dict("records") == [
        {"year": 2025, "started": 3, "target": 12.0, "share_of_target": 0.25}
    ]
    q1 = run(engine, "internships_by_year", KpiFilters.quarter(2025, 1))
    assert q1["started"].tolist() == [3]
    assert q1["target"].iloc[0] == pytest.approx(12 * 90 / 365)
    # a period across two years gets one row per year
    both = run(engine, "internships_by_year", KpiFilters(date(2024, 12, 1), date(2026, 1, 31)))
    assert both["year"].tolist() == [2024, 2025, 2026]
    assert both["started"].tolist() == [1, 3, 1]


def test_target_default_when_the_setting_is_missing(engine):
    frame = run(engine, "internships_by_year")
    assert frame["target"].tolist() == [300.0]
    assert frame["started"].tolist() == [0]
    assert frame["share_of_target"].tolist() == [0.0]


# --------------------------------------------------------------------------- outcomes
def _outcomes(w: World) -> None:
    p = w.person()
    w.internship(
        p,
        start=date(2024, 10, 1),
        end=date(2025, 1, 20),
        outcome=HIRED,
        contract=ContractType.PERMANENT,
    )
    w.internship(p, start=date(2024, 11, 1), end=date(2025, 2, 28), outcome=NOT_HIRED)
    w.internship(
        p,
        start=date(2025, 3, 1),
        end=date(2025, 5, 10),
        outcome=HIRED,
        contract=ContractType.APPRENTICESHIP,
    )
    w.internship(p, start=date(2025, 3, 1), end=date(2025, 4, 1), outcome=INTERRUPTED)
    w.internship(p, start=date(2025, 9, 1))  # still running: not ended
    w.internship(p, start=date(2024, 1, 1), end=date(2024, 5, 1), outcome=HIRED)  # 2024


def test_hire_rate_per_quarter_counts_internships_ended_in_the_period(engine):
    build(engine, _outcomes)
    frame = run(engine, "hire_outcomes")
    assert frame.to_dict("records") == [
        {
            "quarter": "2025-Q1",
            "ended": 2,
            "hired": 1,
            "not_hired": 1,
            "interrupted": 0,
            "hire_rate": 0.5,
        },
        {
            "quarter": "2025-Q2",
            "ended": 2,
            "hired": 1,
            "not_hired": 0,
            "interrupted": 1,
            "hire_rate": 0.5,
        },
    ]


def test_contract_mix_of_the_hires(engine):
    build(engine, _outcomes)
    mix = run(engine, "contract_mix").set_index("contract_type")
    assert mix.loc["permanent", "hires"] == 1
    assert mix.loc["apprenticeship", "hires"] == 1
    assert mix.loc["fixed_term", "hires"] == 0
    assert mix["share"].tolist() == [0.5, 0.0, 0.5, 0.0]  # enum order
    assert mix.loc["permanent", "label"] == "Tempo indeterminato"


def test_a_period_with_endings_but_no_hire_has_a_rate_of_zero(engine):
    def data(w):
        p = w.person()
        w.internship(p, start=date(2025, 1, 1), end=date(2025, 3, 1), outcome=NOT_HIRED)
        w.internship(p, start=date(2025, 1, 1), end=date(2025, 2, 1), outcome=INTERRUPTED)

    build(engine, data)
    frame = run(engine, "hire_outcomes")
    assert frame["hire_rate"].tolist() == [0.0]
    mix = run(engine, "contract_mix")
    assert mix["hires"].sum() == 0
    assert all(nan(v) for v in mix["share"])  # no hire: the mix is not measurable


def test_no_internships_at_all(engine):
    for name in ("hire_outcomes", "hires_by_company", "hires_by_sector"):
        assert run(engine, name).empty, name
    monthly = run(engine, "internships_by_month")
    assert monthly["started"].sum() == 0 and len(monthly) == 12
    foreign = run(engine, "foreign_interns")
    assert foreign["interns"].tolist() == [0, 0]
    assert all(nan(v) for v in foreign["foreign_share"])
    funnel = run(engine, "funnel")
    assert funnel["people"].tolist() == [0] * 5


# --------------------------------------------------------------------------- foreign interns
def test_foreign_share_by_sex_counts_each_intern_once(engine):
    def data(w):
        it_f = w.person(sex=Sex.F)
        ma_f = w.person(sex=Sex.F, citizenship="MA", legal=LegalStatus.OTHER_PERMIT)
        ma_m = w.person(sex=Sex.M, citizenship="MA", legal=LegalStatus.ASYLUM_SEEKER)
        ro_m = w.person(sex=Sex.M, citizenship="RO", legal=LegalStatus.EU_CITIZEN)
        it_m = w.person(sex=Sex.M)
        for p in (it_f, ma_f, ma_m, ro_m, it_m):
            w.internship(p, start=date(2025, 4, 1))
        w.internship(it_m, start=date(2025, 9, 1))  # a second internship: still one person
        w.internship(w.person(sex=Sex.F, citizenship="MA"), start=date(2024, 4, 1))  # outside

    build(engine, data)
    frame = run(engine, "foreign_interns").set_index("sex")
    assert frame.loc["F", ["interns", "foreign"]].tolist() == [2, 1]
    assert frame.loc["M", ["interns", "foreign"]].tolist() == [3, 2]
    assert frame.loc["M", "foreign_share"] == pytest.approx(2 / 3)


# --------------------------------------------------------------------------- funnel
def test_funnel_counts_conversions_and_median_days(engine):
    def data(w):
        t = w.user()
        catering = w.edition(start=date(2025, 2, 10), end=date(2025, 4, 1))
        jan1 = date(2025, 1, 1)
        a = w.person(intake=jan1)
        w.pact(a, jan1 + timedelta(days=10), t)
        w.enrol(a, catering, jan1 + timedelta(days=40))  # 30 days after the pact
        start = jan1 + timedelta(days=100)  # 60 days after the workshop
        w.internship(
            a,
            start=start,
            end=start + timedelta(days=120),
            outcome=HIRED,
            hire_date=start + timedelta(days=120),
        )
        b = w.person(intake=jan1)
        w.pact(b, jan1 + timedelta(days=20), t)
        w.internship(b, start=jan1 + timedelta(days=60))  # no workshop: not a conversion
        c = w.person(intake=date(2025, 2, 1))
        w.pact(c, date(2025, 2, 4), t)
        w.enrol(c, catering, date(2025, 2, 14))  # 10 days after the pact
        w.person(intake=date(2025, 3, 1))  # no pact yet
        w.person(intake=date(2024, 12, 31))  # outside the cohort

    build(engine, data)
    frame = run(engine, "funnel").set_index("step")
    assert frame["people"].tolist() == [4, 3, 2, 2, 1]
    assert nan(frame.loc["intake", "conversion"])
    assert frame.loc["pact", "conversion"] == pytest.approx(3 / 4)
    assert frame.loc["workshop", "conversion"] == pytest.approx(2 / 3)
    assert frame.loc["internship", "conversion"] == pytest.approx(1 / 2)
    assert frame.loc["hire", "conversion"] == pytest.approx(1 / 2)
    # medians: [10, 20, 3] -> 10; [30, 10] -> 20 (even count: mean of the two); [60]; [120]
    assert frame["median_days"].tolist()[1:] == [10.0, 20.0, 60.0, 120.0]


@pytest.mark.parametrize(
    ("values", "expected"),
    [([7], 7.0), ([1, 2, 10, 40], 6.0), ([5, 1, 3], 3.0), ([4, 4, 9, 1, 100, 2], 4.0)],
)
def test_median_in_sql_matches_the_textbook_median(engine, values, expected):
    rows = sa.union_all(
        *[sa.select(sa.literal("g").label("k"), sa.literal(v).label("v")) for v in values]
    ).subquery()
    with unit_of_work(engine) as session:
        d = kpi.dialect(session)
        got = session.execute(kpi.median_by(rows, "k", "v", d)).all()
    assert [(k, float(m)) for k, m in got] == [("g", expected)]


# --------------------------------------------------------------------------- caseload
def test_caseload_and_people_not_seen_recently(engine):
    ref = date(2025, 6, 30)

    def data(w):
        w.setting("tutoring.not_seen_days", 30)
        anna = w.user(name="Anna Tutor")
        bruno = w.user(name="Bruno Tutor")
        recent = w.person(tutor=anna)
        w.meeting(recent, anna, ref - timedelta(days=5))
        old = w.person(tutor=anna, status=PersonStatus.INTERNSHIP)
        w.meeting(old, anna, ref - timedelta(days=40))
        never = w.person(tutor=anna, status=PersonStatus.INTAKE)
        w.meeting(never, anna, ref + timedelta(days=3))  # after the reference day
        w.person(tutor=anna, status=PersonStatus.CLOSED)  # not an open path
        w.person(tutor=anna, intake=ref + timedelta(days=1))  # not yet taken in
        b1 = w.person(tutor=bruno)
        w.meeting(b1, bruno, ref - timedelta(days=29))

    build(engine, data)
    frame = run(engine, "caseload", KpiFilters(date(2025, 1, 1), ref))
    assert frame[["tutor", "people", "not_seen"]].values.tolist() == [
        ["Anna Tutor", 3, 2],
        ["Bruno Tutor", 1, 0],
    ]
    assert frame["not_seen_share"].tolist() == [pytest.approx(2 / 3), 0.0]
    assert set(frame["not_seen_days"]) == {30}


# --------------------------------------------------------------------------- companies
def test_partners_over_time_scouting_and_new_partners(engine):
    def data(w):
        a = w.company()
        w.convention(a, date(2024, 6, 1), date(2025, 2, 15))
        b = w.company(became_active_on=date(2025, 2, 10))
        w.convention(b, date(2025, 2, 10), date(2026, 2, 9))
        c = w.company(became_active_on=date(2025, 3, 5))
        w.convention(c, date(2025, 3, 5), date(2025, 12, 31))
        w.scouting(c, date(2025, 1, 20))
        w.scouting(c, date(2025, 3, 1))
        d = w.company(status="prospect")
        w.scouting(d, date(2024, 12, 1))
        w.scouting(d, date(2025, 2, 1))  # contacted before: not new

    build(engine, data)
    frame = run(engine, "partners_over_time", KpiFilters.quarter(2025, 1))
    assert frame[["active_partners", "new_scouted", "new_partners"]].values.tolist() == [
        [1, 1, 0],
        [1, 0, 1],
        [2, 0, 1],
    ]


def test_hire_rate_per_company_and_per_ateco_section(engine):
    def data(w):
        x = w.company("56.10", name="Trattoria X")  # I: accommodation and food
        y = w.company("43.21", name="Impianti Y")  # F: construction
        p = w.person()
        for outcome in (HIRED, HIRED, NOT_HIRED):
            w.internship(p, x, start=date(2025, 1, 1), end=date(2025, 4, 1), outcome=outcome)
        w.internship(p, y, start=date(2025, 1, 1), end=date(2025, 4, 1), outcome=INTERRUPTED)
        w.internship(p, y, start=date(2025, 5, 1))  # running

    build(engine, data)
    companies = run(engine, "hires_by_company")
    assert companies[["company", "ended", "hired"]].values.tolist() == [
        ["Trattoria X", 3, 2],
        ["Impianti Y", 1, 0],
    ]
    sectors = run(engine, "hires_by_sector").set_index("section")
    assert sectors.loc["I", "hire_rate"] == pytest.approx(2 / 3)
    assert sectors.loc["F", "hire_rate"] == 0.0
    assert sectors.loc["F", "label"] == "Costruzioni"


# --------------------------------------------------------------------------- workshops
def test_workshop_completion_and_hours_per_trade(engine):
    def data(w):
        ed = w.edition("catering", start=date(2025, 3, 1), end=date(2025, 5, 30))
        e1 = w.enrol(w.person(), ed, date(2025, 2, 20), EnrolmentStatus.COMPLETED)
        e2 = w.enrol(w.person(), ed, date(2025, 2, 20), EnrolmentStatus.COMPLETED)
        e3 = w.enrol(w.person(), ed, date(2025, 2, 20), EnrolmentStatus.WITHDRAWN)
        s1, s2 = w.session(ed, date(2025, 3, 2)), w.session(ed, date(2025, 3, 9))
        for session, enrolment, hours in (
            (s1, e1, 4),
            (s2, e1, 4),
            (s1, e2, 4),
            (s2, e2, 3),
            (s1, e3, 2),
        ):
            w.attend(session, enrolment, hours)
        old = w.edition("tailoring", start=date(2024, 1, 1), end=date(2024, 4, 1))
        w.enrol(w.person(), old, date(2023, 12, 20), EnrolmentStatus.COMPLETED)

    build(engine, data)
    frame = run(engine, "workshops_by_trade")
    assert frame["trade"].tolist() == ["catering"]
    row = frame.iloc[0]
    assert (row["enrolments"], row["completed"], row["withdrawn"]) == (3, 2, 1)
    assert row["completion_rate"] == pytest.approx(2 / 3)
    assert row["hours_attended"] == 17.0
    assert row["participants"] == 3
    assert row["hours_per_participant"] == pytest.approx(17 / 3)


# --------------------------------------------------------------------------- competence gap
def _gap_world(w: World) -> None:
    ref = date(2025, 6, 30)
    c1, c2 = w.competences("catering")[:2]
    company = w.company()
    w.vacancy(company, created=ref - timedelta(days=30), positions=2, requires=((c1, 2),))
    w.vacancy(
        company,
        created=ref - timedelta(days=60),
        requires=((c1, 2), (c2, 1)),
        status=VacancyStatus.SHORTLISTING,
    )
    w.vacancy(
        company,
        created=ref - timedelta(days=10),
        positions=5,
        requires=((c1, 3),),
        status=VacancyStatus.CLOSED,
    )  # closed: not a need
    w.vacancy(company, created=ref - timedelta(days=250), positions=5, requires=((c2, 3),))
    p1 = w.person()
    w.rating(p1, c1, 0, date(2025, 1, 1))
    w.rating(p1, c1, 2, date(2025, 4, 1))  # latest: holds c1 at 2
    p2 = w.person()
    w.rating(p2, c1, 3, date(2025, 1, 1))
    w.rating(p2, c1, 1, date(2025, 5, 1))  # latest is 1: does not hold it
    hired = w.person(status=PersonStatus.HIRED)
    w.rating(hired, c1, 3, date(2025, 1, 1))  # not available for a job
    p4 = w.person(status=PersonStatus.INTAKE)
    w.rating(p4, c2, 1, date(2025, 2, 1))
    w.rating(p4, c1, 3, ref + timedelta(days=1))  # after the reference day


def test_competence_gap_compares_open_positions_with_latest_ratings(engine):
    build(engine, _gap_world)
    filters = KpiFilters(date(2025, 1, 1), date(2025, 6, 30))
    gap = run(engine, "competence_gap", filters, months=6)
    rows = gap[["trade", "level", "vacancies", "positions", "holders", "gap", "rank"]]
    assert rows.values.tolist() == [
        ["catering", 2, 2, 3, 1, 2, 1],
        ["catering", 1, 1, 1, 1, 0, 2],
    ]
    assert gap["all_gap"].tolist() == [2, 0]
    suggestion = run(engine, "workshop_suggestion", filters, months=6)
    assert suggestion[["trade", "vacancies", "positions", "open_vacancies"]].values.tolist() == [
        ["catering", 2, 3, 2]
    ]
    assert suggestion["share_of_open"].tolist() == [1.0]
    # with a 12-month window the old vacancy counts too, and nobody holds c2 at level 3
    wider = run(engine, "competence_gap", filters, months=12)
    assert wider[["level", "positions", "holders", "gap", "rank"]].values.tolist()[0] == [
        3,
        5,
        0,
        5,
        1,
    ]


def test_no_open_vacancies_no_gap(engine):
    gap = run(engine, "competence_gap", Y2025, months=6)
    assert gap.empty
    assert run(engine, "workshop_suggestion", Y2025, months=6).empty


# --------------------------------------------------------------------------- fairness
def _fairness_world(w: World) -> None:
    company = w.company()
    vacancy = w.vacancy(company, created=date(2025, 1, 1))
    f_it = w.person(sex=Sex.F, fragilities=(FragilityMarker.SINGLE_PARENT,))
    f_it2 = w.person(sex=Sex.F)
    m_ma = w.person(
        sex=Sex.M,
        citizenship="MA",
        legal=LegalStatus.ASYLUM_SEEKER,
        fragilities=(FragilityMarker.SINGLE_PARENT, FragilityMarker.OVER_45),
    )
    m_ro = w.person(sex=Sex.M, citizenship="RO", legal=LegalStatus.EU_CITIZEN)
    w.person(sex=Sex.M, citizenship="NG", legal=LegalStatus.INTERNATIONAL_PROTECTION)
    for p, outcome in ((f_it, HIRED), (f_it2, NOT_HIRED), (m_ma, HIRED), (m_ro, NOT_HIRED)):
        w.internship(p, company, start=date(2025, 1, 10), end=date(2025, 5, 10), outcome=outcome)
    w.shortlist(vacancy, f_it)
    w.shortlist(vacancy, m_ma)


def test_fairness_rates_by_group_with_counts_and_small_flags(engine):
    build(engine, _fairness_world)
    frame = run(engine, "fairness").set_index(["dimension", "group"])

    def row(dim, group):
        r = frame.loc[(dim, group)]
        return [r["interns_ended"], r["hired"], r["intake"], r["shortlisted"]]

    assert row("sex", "F") == [2, 1, 2, 1]
    assert row("sex", "M") == [2, 1, 3, 1]
    assert row("citizenship", "italian") == [2, 1, 2, 1]
    assert row("citizenship", "eu") == [1, 0, 1, 0]
    assert row("citizenship", "non_eu") == [1, 1, 2, 1]
    assert row("protection", "none") == [3, 1, 3, 1]
    assert row("protection", "asylum_seeker") == [1, 1, 1, 1]
    assert row("protection", "protection") == [0, 0, 1, 0]
    assert row("fragility", "single_parent") == [2, 2, 2, 2]  # one person in two groups
    assert row("fragility", "over_45") == [1, 1, 1, 1]
    assert row("fragility", "none") == [2, 0, 3, 0]
    assert frame.loc[("sex", "F"), "hire_rate"] == 0.5
    assert frame.loc[("citizenship", "eu"), "shortlisting_rate"] == 0.0
    assert nan(frame.loc[("protection", "protection"), "hire_rate"])  # no internship: no rate
    assert frame["small_interns"].all() and frame["small_intake"].all()
    assert frame.loc[("citizenship", "non_eu"), "label"] == "Extra UE"


def test_fairness_is_for_coordinators_only(engine):
    admin = Actor(id=0, username="a", full_name="A", role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        run(engine, "fairness", actor=admin)


@pytest.mark.parametrize("role", [Role.TUTOR, Role.PARTNER])
def test_dashboard_refused_to_tutors_and_partners(engine, role):
    actor = Actor(id=0, username="x", full_name="X", role=role, partner_org_id=1)
    for name in ("internships_by_month", "caseload", "competence_gap"):
        with pytest.raises(PermissionDenied):
            run(engine, name, actor=actor)


# --------------------------------------------------------------------------- filters
def test_filters_narrow_internships_by_funding_tutor_partner_and_trade(engine):
    ids = {}

    def data(w):
        anna = w.user(name="Anna")
        org = w.partner()
        company = w.company()
        tailoring = w.vacancy(
            company, trade_code="tailoring", created=date(2025, 1, 1), status=VacancyStatus.FILLED
        )
        ed = w.edition("catering", start=date(2024, 9, 1), end=date(2024, 12, 1))
        p_gol = w.person(funding=FundingStream.GOL, partner=org)
        w.internship(
            p_gol,
            company,
            start=date(2025, 2, 1),
            funding=FundingStream.GOL,
            tutor=anna,
            vacancy=tailoring,
        )
        p_cat = w.person()
        w.enrol(p_cat, ed, date(2024, 8, 20))
        w.internship(p_cat, company, start=date(2025, 3, 1))  # trade from the workshop
        w.internship(w.person(), company, start=date(2025, 4, 1))  # no trade at all
        ids.update(
            anna=anna.id,
            org=org.id,
            tailoring=w.trade("tailoring").id,
            catering=w.trade("catering").id,
        )

    build(engine, data)

    def started(**narrow) -> int:
        return int(
            run(engine, "internships_by_year", KpiFilters.year(2025, **narrow))["started"].sum()
        )

    assert started() == 3
    assert started(funding_stream=FundingStream.GOL) == 1
    assert started(tutor_id=ids["anna"]) == 1
    assert started(partner_org_id=ids["org"]) == 1
    assert started(trade_id=ids["tailoring"]) == 1
    assert started(trade_id=ids["catering"]) == 1
    assert started(trade_id=ids["catering"], funding_stream=FundingStream.GOL) == 0
    # people-side KPIs use the person's own stream and trade
    funnel = run(
        engine, "funnel", KpiFilters(date(2024, 1, 1), date(2025, 12, 31), trade_id=ids["catering"])
    )
    assert funnel["people"].iloc[0] == 1


def test_the_same_figures_on_the_demo_data_as_the_document(engine):
    """On the demo data: about 300 internships a year, about 55% hired, about 40% foreign."""
    from fleming.devtools import demo

    demo.generate(engine, scale=1, today=date(2026, 11, 28), reset=True)
    filters = KpiFilters(date(2025, 1, 1), date(2025, 12, 31))
    year = run(engine, "internships_by_year", filters)
    assert 270 <= year["started"].iloc[0] <= 330
    outcomes = run(engine, "hire_outcomes", filters)
    assert 0.5 <= outcomes["hired"].sum() / outcomes["ended"].sum() <= 0.6
    foreign = run(engine, "foreign_interns", filters)
    assert 0.35 <= foreign["foreign"].sum() / foreign["interns"].sum() <= 0.45
    partners = run(engine, "partners_over_time", filters)
    assert partners["active_partners"].iloc[-1] >= 300
    for name in kpi.KPIS:
        assert isinstance(run(engine, name, filters), pd.DataFrame)
