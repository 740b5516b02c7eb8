"""The demo data: complete, deterministic, and true to the figures of the source document."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

import phonenumbers
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.it import codicefiscale

from fleming import partners
from fleming.actor import Actor
from fleming.auth import check_password
from fleming.devtools import demo
from fleming.errors import Conflict
from fleming.models import (
    Base,
    Company,
    Competence,
    CompetenceRating,
    Consent,
    Internship,
    PartnerOrganisation,
    Person,
    PersonFragility,
    ServicePact,
    ShortlistEntry,
    ShortlistShare,
    Trade,
    User,
    VacancyCompetence,
)

TODAY = date(2026, 11, 28)


def _table_hash(engine, model) -> str:
    """A digest of every column of every row, in primary-key order."""
    table = model.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
    return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }


def _years(engine) -> list[int]:
    """Internships started in each of the last three 12-month windows (most recent first)."""
    with Session(engine) as s:
        starts = s.scalars(select(Internship.start_date)).all()
    return [
        sum(
            1
            for d in starts
            if TODAY - timedelta(days=365 * (k + 1)) <= d < TODAY - timedelta(days=365 * k)
        )
        for k in range(3)
    ]


def test_small_demo_is_complete_and_deterministic(engine):
    steps: list[tuple[float, str]] = []
    summary = demo.generate(
        engine, scale=0.2, today=TODAY, progress=lambda f, label: steps.append((f, label))
    )
    assert demo.has_demo_data(engine)

    # the summary tells the truth, and every table the app uses got rows
    counts = _counts(engine)
    for table, inserted in summary.counts.items():
        assert inserted > 0, table
        assert counts[table] >= inserted, table
    assert counts["people"] == 400
    empty = {t for t, n in counts.items() if n == 0}
    assert empty == set(), empty

    # progress goes forward and ends at 1
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(steps) >= 5

    with Session(engine) as s:
        # reference data loaded with the demo
        assert s.scalar(select(func.count()).select_from(Trade)) == 5
        assert s.scalar(select(func.count()).select_from(Competence)) >= 60
        # internship rules
        for i in s.scalars(select(Internship)):
            assert i.planned_end_date <= demo.add_months(i.start_date, 6)
            assert i.monthly_allowance >= Decimal(400)
            assert i.meal_vouchers or i.monthly_allowance >= Decimal(500)
            assert (i.status == "active") == (i.outcome is None)
            if i.status == "active":
                assert i.start_date <= TODAY < i.planned_end_date + timedelta(days=1)
        codes = s.scalars(select(Person.tax_code)).all()
        assert all(codicefiscale.is_valid(c) for c in codes)
        # ids were assigned by the generator: the sequences must have moved on (PostgreSQL)
        org = PartnerOrganisation(name="Nuova associazione", active=True)
        s.add(org)
        s.flush()
        assert org.id > 3
        s.rollback()

    # a second run refuses to overwrite; with reset it gives exactly the same data
    people_hash = _table_hash(engine, Person)
    internships_hash = _table_hash(engine, Internship)
    with pytest.raises(Conflict):
        demo.generate(engine, scale=0.2, today=TODAY)
    again = demo.generate(engine, scale=0.2, today=TODAY, reset=True)
    assert again.counts == summary.counts
    assert _table_hash(engine, Person) == people_hash
    assert _table_hash(engine, Internship) == internships_hash
    # another seed gives other people
    demo.generate(engine, scale=0.2, today=TODAY, reset=True, seed=7)
    assert _table_hash(engine, Person) != people_hash


def test_has_demo_data_is_false_on_an_empty_database(engine):
    assert demo.has_demo_data(engine) is False


@pytest.fixture(scope="module")
def scale_one(tmp_path_factory):
    """One demo database at scale 1 on SQLite, shared by the checks below."""
    from fleming.db import make_engine, migrate

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    demo.generate(engine, scale=1, today=TODAY)
    yield engine
    engine.dispose()


def test_scale_one_matches_the_document(scale_one):
    engine = scale_one
    # ~300 internships a year
    assert all(250 <= n <= 350 for n in _years(engine)), _years(engine)
    with Session(engine) as s:
        internships = s.execute(select(Internship, Person).join(Person)).all()
        ended = [i for i, _ in internships if i.outcome is not None]
        hired = [i for i in ended if i.outcome == "hired"]
        assert 0.50 <= len(hired) / len(ended) <= 0.60
        contracts = Counter(i.contract_type for i in hired)
        assert contracts["fixed_term"] > contracts["apprenticeship"] > contracts["permanent"]
        assert all(3 <= i.contract_months <= 12 for i in hired if i.contract_type == "fixed_term")
        # ~40% of interns are foreign citizens, mostly men
        interns = {p.id: p for _, p in internships}
        foreign = [p for p in interns.values() if p.citizenship != "IT"]
        assert 0.30 <= len(foreign) / len(interns) <= 0.50
        assert sum(p.sex == "M" for p in foreign) / len(foreign) > 0.6
        # the last ~6 months of internships are still running
        active = [i for i, _ in internships if i.status == "active"]
        assert active and all(i.start_date > TODAY - timedelta(days=190) for i in active)
        # 400+ active partner companies
        active_companies = s.scalar(
            select(func.count()).select_from(Company).where(Company.status == "active")
        )
        assert active_companies >= 400


def test_scale_one_internship_rules(scale_one):
    with Session(scale_one) as s:
        internships = s.scalars(select(Internship)).all()
        employees = dict(s.execute(select(Company.id, Company.employees)).all())
    for i in internships:
        assert i.planned_end_date <= demo.add_months(i.start_date, 6)
        assert i.monthly_allowance >= 400
        assert i.meal_vouchers or i.monthly_allowance >= 500
    # host quota: concurrent internships per company
    by_company = defaultdict(list)
    for i in internships:
        by_company[i.company_id].append((i.start_date, i.actual_end_date or i.planned_end_date))
    for company_id, spans in by_company.items():
        quota = demo._quota(employees[company_id])
        for start, _ in spans:
            running = sum(1 for a, b in spans if a <= start <= b)
            assert running <= quota, (company_id, start, running, quota)


def test_scale_one_people(scale_one):
    with Session(scale_one) as s:
        people = s.scalars(select(Person)).all()
        markers = defaultdict(set)
        for pf in s.scalars(select(PersonFragility)):
            markers[pf.person_id].add(pf.marker)
        pacts = {p.person_id: p.signed_on for p in s.scalars(select(ServicePact))}
        consents = s.scalars(select(Consent)).all()
        statuses = {
            pid: status
            for pid, status in s.execute(select(Internship.person_id, Internship.status)).all()
        }
    assert 1800 <= len(people) <= 2200
    codes = [p.tax_code for p in people]
    assert len(set(codes)) == len(codes)
    for p in people:
        assert codicefiscale.is_valid(p.tax_code), p.tax_code
        if len(p.tax_code) == 16:
            # the code encodes the birth date and sex
            assert codicefiscale.get_birth_date(p.tax_code) == p.birth_date
            assert codicefiscale.get_gender(p.tax_code) == p.sex
        if p.legal_status == "asylum_seeker":
            assert len(p.tax_code) == 11 and p.asylum_application_date < p.intake_date
        age = (p.intake_date - p.birth_date).days // 365.25
        assert ("over_45" in markers[p.id]) == (age >= 45), (p.id, age)
        if p.funding_stream == "garanzia_giovani":
            assert age <= 29
        if "single_parent" in markers[p.id]:
            assert p.sex == "F"
        if p.id in pacts:
            assert p.did_date is not None
            assert 0 <= (pacts[p.id] - p.did_date).days <= 30
        else:
            assert p.status in ("intake", "closed")
        if p.status == "internship":
            assert statuses.get(p.id) == "active"
        if p.phone:
            assert phonenumbers.is_valid_number(phonenumbers.parse(p.phone, "IT")), p.phone
    # a realistic mix
    legal = Counter(p.legal_status for p in people)
    assert legal["asylum_seeker"] > 20 and legal["international_protection"] > 20
    assert sum(1 for m in markers.values() if "single_parent" in m) > 50
    assert sum(1 for p in people if p.referral_source == "partner") > 100
    # everyone consented to data processing; partner referrals mostly to sharing
    processing = {c.person_id for c in consents if c.purpose == "data_processing"}
    assert processing == {p.id for p in people}
    sharing = {(c.person_id, c.partner_org_id) for c in consents if c.purpose == "partner_sharing"}
    referred = [p for p in people if p.referral_partner_id]
    share = sum((p.id, p.referral_partner_id) in sharing for p in referred) / len(referred)
    assert share > 0.7


def test_scale_one_accounts_and_partners(scale_one):
    with Session(scale_one) as s:
        users = {u.username: u for u in s.scalars(select(User))}
        orgs = {o.id: o.name for o in s.scalars(select(PartnerOrganisation))}
        tutor = users["tutor"]
        caseload = s.scalar(
            select(func.count())
            .select_from(Person)
            .where(Person.tutor_id == tutor.id, Person.status.in_(["active", "internship"]))
        )
        tutors = s.scalar(select(func.count(func.distinct(Person.tutor_id))))
        shares = s.scalars(select(ShortlistShare)).all()
        soleterre = next(k for k, v in orgs.items() if v == "Soleterre")
        consenting = {
            c.person_id
            for c in s.scalars(
                select(Consent).where(
                    Consent.partner_org_id == soleterre, Consent.withdrawn_on.is_(None)
                )
            )
        }
        shared_people = {
            e.person_id
            for e in s.scalars(
                select(ShortlistEntry).where(
                    ShortlistEntry.vacancy_id.in_(
                        [x.vacancy_id for x in shares if x.partner_org_id == soleterre]
                    )
                )
            )
        }
        nominations = s.scalars(
            select(ShortlistEntry).where(ShortlistEntry.origin == "partner")
        ).all()
    assert set(orgs.values()) == {"Soleterre", "Terre des Hommes", "Croce Rossa Italiana"}
    for username, role in demo.DEMO_ACCOUNTS.items():
        assert users[username].role == role
        assert check_password(demo.DEMO_PASSWORD, users[username].password_hash)
    assert users["admin"].full_name == "Amministratore Demo"
    assert orgs[users["partner"].partner_org_id] == "Soleterre"
    assert 40 <= caseload <= 60
    assert 6 <= tutors <= 8
    # shortlists shared with Soleterre also hold people who did not consent to it (the
    # coordinator sees them blocked); the demo partner sees only those who consented
    assert shared_people - consenting and shared_people & consenting
    assert nominations and all(n.nominated_by_partner_id and n.motivation for n in nominations)
    partner = Actor(
        id=users["partner"].id,
        username="partner",
        full_name=users["partner"].full_name,
        role=users["partner"].role,
        partner_org_id=soleterre,
    )
    with Session(scale_one) as s:
        lists = partners.shared_shortlists(session=s, actor=partner, today=TODAY)
        seen = [
            partners.shortlist(session=s, actor=partner, vacancy_id=x.vacancy.id, today=TODAY)
            for x in lists
        ]
        referred = partners.referred(session=s, actor=partner, today=TODAY)
        published = partners.open_vacancies(session=s, actor=partner)
        s.rollback()  # the view audit rows are not kept: other checks count rows
    assert len(lists) >= 3 and all(x.people for x in seen)
    assert referred.without_consent and sum(p.nominable for p in referred.people) >= 3
    assert len(published) >= 5 and any(v.company is None for v in published)


def test_exact_volumes_are_hit_and_scores_use_the_apps_scale(engine):
    """A preset names exact volumes (S10 does so at decade scale); shortlist scores are 0-100
    scores of the ranking, and vacancies ask for competences people are rated on."""
    volumes = demo.Volumes(
        factor=0.2,
        people=450,
        companies=97,
        vacancies=110,
        internships=150,
        ratings=5_000,
        audit=2_000,
        exact=True,
    )
    demo.generate(engine, scale=volumes, today=TODAY)
    counts = _counts(engine)
    assert counts["people"] == 450
    assert counts["companies"] == 97
    assert counts["vacancies"] == 110
    assert counts["internships"] == 150
    assert counts["competence_ratings"] == 5_000
    assert counts["audit_log"] == 2_000
    with Session(engine) as s:
        scores = s.scalars(
            select(ShortlistEntry.score).where(ShortlistEntry.origin == "centre")
        ).all()
        rated = set(s.scalars(select(CompetenceRating.competence_id).distinct()))
        required = set(s.scalars(select(VacancyCompetence.competence_id).distinct()))
    assert scores and all(s is not None and 0 <= s <= 100 for s in scores)
    assert max(scores) > 50  # the app's 0-100 scale, not a 0-1 fraction
    assert required <= rated


def test_presets_and_scales():
    s10 = demo.volumes_for("s10")
    assert (s10.people, s10.companies, s10.vacancies, s10.internships) == (
        20_000,
        2_000,
        5_000,
        6_000,
    )
    assert (s10.ratings, s10.audit) == (200_000, 100_000)
    one = demo.volumes_for(1)
    assert (one.people, one.companies, one.vacancies, one.internships) == (2000, 450, 500, 900)
    assert demo.volumes_for("2").people == 4000
    with pytest.raises(ValueError):
        demo.volumes_for("S99")
    with pytest.raises(ValueError):
        demo.volumes_for(0)
    assert demo.apportion(2000, [120, 35, 25]) == [1333, 389, 278]
    assert sum(demo.apportion(6000, [1.05, 1.0, 0.95])) == 6000
