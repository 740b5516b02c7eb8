"""Data protection (fleming.gdpr) on the demo data, on SQLite and PostgreSQL: subject access
exports, anonymisation (every KPI the same before and after), retention, and who may use them.

Withdrawing a sharing consent removes the person from the partners' views at once: that is
``tests/integration/test_partners.py::test_a_withdrawn_consent_removes_the_person_at_once``;
here anonymisation (which ends every consent) is shown to do the same.
"""

from __future__ import annotations

import io
import json
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy import select

from fleming import gdpr, kpi, partners
from fleming.auth import actor_from_user
from fleming.db import unit_of_work
from fleming.devtools import demo
from fleming.errors import Conflict, NotFound, PermissionDenied, ValidationError
from fleming.kpi import KpiFilters
from fleming.models import (
    AuditEntry,
    Base,
    Consent,
    ConsentPurpose,
    Internship,
    Person,
    PersonStatus,
    Role,
    ShortlistEntry,
    User,
)
from fleming.personal_data import KEPT, PERSONAL
from fleming.schemas import validate_all
from tests.actors import actor_of

TODAY = date(2026, 11, 28)
SCALE = 0.1  # 200 people, three years of the centre
DEMO_USERNAME = {Role(role): username for username, role in demo.DEMO_ACCOUNTS.items()}


@pytest.fixture
def demo_engine(engine):
    demo.generate(engine, scale=SCALE, today=TODAY)
    return engine


@pytest.fixture
def coordinator(demo_engine):
    return actor_of(demo_engine, "coordinatore")


def _ended(engine) -> list[Person]:
    with unit_of_work(engine) as s:
        rows = s.scalars(
            select(Person).where(Person.status.in_(gdpr.ENDED)).order_by(Person.id)
        ).all()
        s.expunge_all()
        return list(rows)


def _anonymise(engine, actor, person_id: int) -> str:
    with unit_of_work(engine) as s:
        version = s.get(Person, person_id).version
        return gdpr.anonymise(
            session=s, actor=actor, person_id=person_id, version=version, today=TODAY
        )


# --------------------------------------------------------------------------- KPIs unchanged
PERIODS = (
    KpiFilters(date(2023, 11, 1), TODAY),
    KpiFilters.year(2025),
    KpiFilters.quarter(2026, 2),
)


def _every_kpi(engine, actor) -> dict[tuple[str, int, str], pd.DataFrame]:
    names = [*kpi.KPIS, "competence_gap", "workshop_suggestion", "fairness"]
    out = {}
    with unit_of_work(engine) as s:
        options = kpi.filter_options(session=s, actor=actor)
        narrowed = [
            KpiFilters(PERIODS[0].start, TODAY, partner_org_id=options.partners[0].value),
            KpiFilters(PERIODS[0].start, TODAY, tutor_id=options.tutors[0].value),
        ]
        for i, filters in enumerate((*PERIODS, *narrowed)):
            for name in names:
                for lang in ("it", "en"):
                    frame = kpi.compute(name, session=s, actor=actor, filters=filters, lang=lang)
                    out[(name, i, lang)] = frame.reset_index(drop=True)
    return out


def _various_ended_people(engine) -> list[int]:
    """Ended cases of every kind: hired after an internship, closed, referred by a partner
    with a sharing consent, on shortlists; a dozen in all."""
    with unit_of_work(engine) as s:
        ended = select(Person.id).where(Person.status.in_(gdpr.ENDED))
        hired = s.scalars(
            ended.where(Person.status == PersonStatus.HIRED).order_by(Person.id).limit(3)
        ).all()
        interns = s.scalars(
            ended.where(Person.id.in_(select(Internship.person_id))).order_by(Person.id.desc())
        ).all()[:3]
        referred = s.scalars(
            ended.where(
                Person.id.in_(
                    select(Consent.person_id).where(
                        Consent.purpose == ConsentPurpose.PARTNER_SHARING
                    )
                )
            ).order_by(Person.id)
        ).all()[:3]
        shortlisted = s.scalars(
            ended.where(Person.id.in_(select(ShortlistEntry.person_id))).order_by(Person.id)
        ).all()[:3]
        closed = s.scalars(
            ended.where(Person.status == PersonStatus.CLOSED).order_by(Person.id).limit(3)
        ).all()
    chosen = list(dict.fromkeys([*hired, *interns, *referred, *shortlisted, *closed]))
    assert len(chosen) >= 8
    return chosen


def test_every_kpi_is_the_same_before_and_after_anonymising_several_people(
    demo_engine, coordinator
):
    before = _every_kpi(demo_engine, coordinator)
    assert any(len(f) for f in before.values())
    chosen = _various_ended_people(demo_engine)
    for person_id in chosen:
        assert _anonymise(demo_engine, coordinator, person_id) == gdpr.pseudonym(person_id)
    after = _every_kpi(demo_engine, coordinator)
    assert before.keys() == after.keys()
    for key, frame in before.items():
        pd.testing.assert_frame_equal(frame, after[key], obj=str(key))
    with unit_of_work(demo_engine) as s:
        assert s.scalar(
            select(sa.func.count()).select_from(Person).where(Person.anonymised_at.is_not(None))
        ) == len(chosen)
    # the anonymised rows are valid rows (python -m fleming check)
    found = validate_all(demo_engine)
    assert {name: [v.describe() for v in vs] for name, vs in found.items() if vs} == {}


# --------------------------------------------------------------------------- anonymisation
def _linked_rows(conn, table: sa.Table, person_id: int) -> list[dict]:
    """The rows of ``table`` about the person (directly, or through an entry or internship)."""
    if table.name == "people":
        where = table.c.id == person_id
    elif "person_id" in table.c:
        where = table.c.person_id == person_id
    elif "entry_id" in table.c:
        entries = Base.metadata.tables["shortlist_entries"]
        where = table.c.entry_id.in_(select(entries.c.id).where(entries.c.person_id == person_id))
    else:
        internships = Base.metadata.tables["internships"]
        where = table.c.internship_id.in_(
            select(internships.c.id).where(internships.c.person_id == person_id)
        )
    order = list(table.primary_key.columns)
    return [dict(r._mapping) for r in conn.execute(select(table).where(where).order_by(*order))]


def _file(engine, person_id: int) -> dict[str, list[dict]]:
    tables = sorted(set(PERSONAL) | set(KEPT))
    with engine.connect() as conn:
        return {t: _linked_rows(conn, Base.metadata.tables[t], person_id) for t in tables}


def _richest_ended_case(engine) -> int:
    """The ended case with the most free text about the person (notes, motivations...)."""
    best, most = None, -1
    for person in _ended(engine):
        rows = _file(engine, person.id)
        filled = sum(
            1
            for table, columns in PERSONAL.items()
            for row in rows[table]
            for c in columns
            if row[c] is not None
        )
        if filled > most:
            best, most = person.id, filled
    return best


def test_anonymisation_replaces_every_personal_column_and_keeps_every_other(
    demo_engine, coordinator
):
    pid = _richest_ended_case(demo_engine)
    before = _file(demo_engine, pid)
    original = before["people"][0]
    _anonymise(demo_engine, coordinator, pid)
    after = _file(demo_engine, pid)

    person = after["people"][0]
    assert person["first_name"] == f"ANON-{pid:06d}"
    assert person["last_name"] == ""
    assert person["tax_code"] == gdpr.pseudonymous_tax_code(pid) and len(person["tax_code"]) == 16
    assert person["birth_date"] == gdpr.quarter_start(original["birth_date"])
    assert person["birth_date"].month in (1, 4, 7, 10) and person["birth_date"].day == 1
    assert person["anonymised_at"] is not None
    for column in ("birth_place", "phone", "email", "address", "municipality_code"):
        assert person[column] is None, column
    assert person["health_notes"] is None and person["notes"] is None

    for table, rows in before.items():
        assert len(after[table]) == len(rows), table  # nothing deleted: the figures stay
        for old, new in zip(rows, after[table], strict=True):
            for column in KEPT.get(table, ()):
                if column in {"updated_at", "anonymised_at"}:
                    continue
                if table == "consents" and column == "withdrawn_on":
                    continue  # ended on the day: see below
                assert new[column] == old[column], (table, column)
            if table == "people":
                continue
            for column in PERSONAL.get(table, ()):
                # free text removed; a text the database requires stays as a dash
                assert new[column] in (None, gdpr.CLEARED_TEXT), (table, column, new[column])
                if new[column] == gdpr.CLEARED_TEXT:
                    assert old[column] is not None, (table, column)
    assert all(c["withdrawn_on"] is not None for c in after["consents"])
    # the texts that were there are gone from every table of the database
    secrets = [original["tax_code"], original["email"], original["phone"], original["address"]]
    secrets = [s for s in secrets if s]
    with demo_engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            dump = repr(conn.execute(select(table)).all())
            for secret in secrets:
                assert secret not in dump, (table.name, secret)


def test_the_anonymised_person_leaves_search_exports_and_partner_views(demo_engine, coordinator):
    with unit_of_work(demo_engine) as s:
        person = s.scalars(
            select(Person)
            .join(Consent, Consent.person_id == Person.id)
            .where(
                Person.status.in_(gdpr.ENDED),
                Person.referral_partner_id.is_not(None),
                Consent.purpose == ConsentPurpose.PARTNER_SHARING,
                Consent.partner_org_id == Person.referral_partner_id,
                Consent.withdrawn_on.is_(None),
            )
            .order_by(Person.id)
        ).first()
        assert person is not None, "the demo has ended referrals with a sharing consent"
        pid, org, tax_code = person.id, person.referral_partner_id, person.tax_code
        partner_user = s.scalars(
            select(User).where(User.partner_org_id == org, User.role == Role.PARTNER)
        ).first()
        partner = actor_from_user(partner_user) if partner_user else None

    def referred_ids() -> set[int]:
        with unit_of_work(demo_engine) as s:
            view = partners.referred(session=s, actor=partner, today=TODAY)
            return {p.person_id for p in view.people}

    if partner is not None:
        assert pid in referred_ids()
    with unit_of_work(demo_engine) as s:
        assert [x.id for x in gdpr.find_people(session=s, actor=coordinator, text=tax_code)] == [
            pid
        ]
    _anonymise(demo_engine, coordinator, pid)
    if partner is not None:
        assert pid not in referred_ids()
    with unit_of_work(demo_engine) as s:
        assert gdpr.find_people(session=s, actor=coordinator, text=tax_code) == []
        assert gdpr.find_people(session=s, actor=coordinator, text=gdpr.pseudonym(pid)) == []
        with pytest.raises(NotFound):
            gdpr.export_json(session=s, actor=coordinator, person_id=pid)
        with pytest.raises(NotFound):
            gdpr.anonymise(session=s, actor=coordinator, person_id=pid, version=99)
    with unit_of_work(demo_engine) as s:
        [row] = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "anonymise", AuditEntry.person_id == pid)
        ).all()
        assert row.actor_username == coordinator.username
        assert row.changes == {"pseudonym": gdpr.pseudonym(pid), "reason": "request"}


def test_an_open_case_a_running_internship_and_a_stale_confirmation_are_refused(
    demo_engine, coordinator
):
    with unit_of_work(demo_engine) as s:
        open_case = s.scalars(
            select(Person).where(Person.status == PersonStatus.ACTIVE).order_by(Person.id)
        ).first()
        ended = s.scalars(
            select(Person).where(Person.status == PersonStatus.CLOSED).order_by(Person.id)
        ).first()
        open_id, open_version = open_case.id, open_case.version
        ended_id, ended_version = ended.id, ended.version
    with unit_of_work(demo_engine) as s, pytest.raises(ValidationError) as refused:
        gdpr.anonymise(session=s, actor=coordinator, person_id=open_id, version=open_version)
    assert refused.value.message == "gdpr.error.case_open"
    with unit_of_work(demo_engine) as s, pytest.raises(Conflict):
        gdpr.anonymise(session=s, actor=coordinator, person_id=ended_id, version=ended_version + 1)
    with unit_of_work(demo_engine) as s:
        still = s.get(Person, ended_id)
        assert still.anonymised_at is None and still.version == ended_version


@pytest.mark.parametrize("role", [Role.TUTOR, Role.PARTNER])
def test_tutors_and_partners_are_refused_every_service_and_the_attempt_is_audited(
    demo_engine, role
):
    actor = actor_of(demo_engine, DEMO_USERNAME[role])
    pid = _ended(demo_engine)[0].id
    calls = {
        "gdpr.search": lambda s: gdpr.find_people(session=s, actor=actor, text="a"),
        "gdpr.export": lambda s: gdpr.export_json(session=s, actor=actor, person_id=pid),
        "gdpr.export ": lambda s: gdpr.export_pdf(session=s, actor=actor, person_id=pid),
        "gdpr.anonymise": lambda s: gdpr.anonymise(
            session=s, actor=actor, person_id=pid, version=1
        ),
        "gdpr.retention": lambda s: gdpr.retention_due(session=s, actor=actor),
        "gdpr.retention ": lambda s: gdpr.apply_retention(session=s, actor=actor, years=1),
        "gdpr.retention  ": lambda s: gdpr.set_retention_years(session=s, actor=actor, years=1),
    }
    for operation, call in calls.items():
        with unit_of_work(demo_engine) as s, pytest.raises(PermissionDenied):
            call(s)
        with unit_of_work(demo_engine) as s:
            last = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
            assert (last.action, last.entity_id) == ("denied", operation.strip())
    with unit_of_work(demo_engine) as s:
        assert s.get(Person, pid).anonymised_at is None


# --------------------------------------------------------------------------- subject access
def test_the_json_export_holds_the_whole_file_and_is_audited(demo_engine, coordinator):
    pid = _richest_ended_case(demo_engine)
    with unit_of_work(demo_engine) as s:
        person = s.get(Person, pid)
        name, tax_code = (person.first_name, person.last_name), person.tax_code
        payload = gdpr.export_json(session=s, actor=coordinator, person_id=pid)
    document = json.loads(payload.decode("utf-8"))
    assert document["format"] == gdpr.EXPORT_FORMAT and document["person_id"] == pid
    assert (document["person"]["first_name"], document["person"]["last_name"]) == name
    assert document["person"]["tax_code"] == tax_code
    # every row of the person's file is in the export
    file = _file(demo_engine, pid)
    for table, key in {
        "consents": "consents",
        "person_fragilities": "fragilities",
        "path_activities": "path_activities",
        "tutoring_meetings": "tutoring_meetings",
        "workshop_enrolments": "workshop_enrolments",
        "competence_ratings": "competence_ratings",
        "shortlist_entries": "shortlist_entries",
        "shortlist_stage_changes": "shortlist_stage_changes",
        "internships": "internships",
        "internship_attendance": "internship_attendance",
        "internship_checks": "internship_checks",
        "service_pacts": "service_pact",
    }.items():
        assert len(document[key]) == len(file[table]), table
    assert sum(len(file[t]) for t in file if t != "people") > 10
    notes = [m["notes"] for m in file["tutoring_meetings"] if m["notes"]]
    assert [m["notes"] for m in document["tutoring_meetings"] if m["notes"]] == notes
    with unit_of_work(demo_engine) as s:
        [row] = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.person_id == pid)
        ).all()
        assert (row.entity, row.actor_username) == ("subject_access", coordinator.username)
        assert row.changes["format"] == "json"
    # the export's own audit row is in the next export's trail
    with unit_of_work(demo_engine) as s:
        again = json.loads(gdpr.export_json(session=s, actor=coordinator, person_id=pid))
    assert again["audit_trail"][-1]["action"] == "export"


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_pdf_export_is_readable_in_both_languages_and_audited(demo_engine, coordinator, lang):
    pid = _richest_ended_case(demo_engine)
    with unit_of_work(demo_engine) as s:
        person = s.get(Person, pid)
        name, tax_code = f"{person.first_name} {person.last_name}", person.tax_code
        pdf = gdpr.export_pdf(session=s, actor=coordinator, person_id=pid, lang=lang)
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert name in text and tax_code in text
    title = "Access to personal data" if lang == "en" else "Accesso ai dati personali"
    assert title in text
    assert "gdpr." not in text  # every label found in the catalogue
    with unit_of_work(demo_engine) as s:
        [row] = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.person_id == pid)
        ).all()
        assert row.changes["format"] == "pdf" and row.changes["lang"] == lang


# --------------------------------------------------------------------------- retention
def test_retention_lists_ended_cases_past_the_period_and_anonymises_them(demo_engine, coordinator):
    with unit_of_work(demo_engine) as s:
        assert gdpr.retention_years(s) == gdpr.DEFAULT_RETENTION_YEARS
        # ten years: nothing in three years of data
        assert gdpr.retention_due(session=s, actor=coordinator, today=TODAY) == []
        gdpr.set_retention_years(session=s, actor=coordinator, years=2)
    cutoff = gdpr.retention_cutoff(2, TODAY)
    expected = [
        p.id
        for p in sorted(_ended(demo_engine), key=lambda p: (p.updated_at, p.id))
        if p.updated_at.date() < cutoff
    ]
    with unit_of_work(demo_engine) as s:
        assert gdpr.retention_years(s) == 2
        due = gdpr.retention_due(session=s, actor=coordinator, today=TODAY)
    assert [c.id for c in due] == expected and expected
    assert all(c.status in gdpr.ENDED and c.last_change < cutoff for c in due)
    with unit_of_work(demo_engine) as s:
        done = gdpr.apply_retention(session=s, actor=coordinator, today=TODAY)
    assert done == expected
    with unit_of_work(demo_engine) as s:
        assert gdpr.retention_due(session=s, actor=coordinator, today=TODAY) == []
        anonymised = s.scalars(
            select(Person.id).where(Person.anonymised_at.is_not(None)).order_by(Person.id)
        ).all()
        assert anonymised == sorted(expected)
        reasons = s.scalars(
            select(AuditEntry.changes).where(AuditEntry.action == "anonymise")
        ).all()
        assert {r["reason"] for r in reasons} == {"retention"} and len(reasons) == len(expected)
        # open cases are never due, however old
        assert (
            s.scalar(
                select(sa.func.count())
                .select_from(Person)
                .where(Person.status.not_in(gdpr.ENDED), Person.anonymised_at.is_not(None))
            )
            == 0
        )


@pytest.mark.parametrize("years", [0, -1, 101])
def test_the_retention_period_is_one_to_a_hundred_years(demo_engine, coordinator, years):
    with unit_of_work(demo_engine) as s, pytest.raises(ValidationError) as refused:
        gdpr.set_retention_years(session=s, actor=coordinator, years=years)
    assert refused.value.field == "years"
    with unit_of_work(demo_engine) as s:
        assert gdpr.retention_years(s) == gdpr.DEFAULT_RETENTION_YEARS


def test_the_retention_setting_change_is_audited(demo_engine, coordinator):
    with unit_of_work(demo_engine) as s:
        gdpr.set_retention_years(session=s, actor=coordinator, years=7)
    with unit_of_work(demo_engine) as s:
        gdpr.set_retention_years(session=s, actor=coordinator, years=5)
    with unit_of_work(demo_engine) as s:
        rows = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "setting", AuditEntry.entity_id == gdpr.RETENTION_SETTING)
            .order_by(AuditEntry.id)
        ).all()
        assert [r.changes["value"] for r in rows] == [
            {"from": gdpr.DEFAULT_RETENTION_YEARS, "to": 7},
            {"from": 7, "to": 5},
        ]
        assert gdpr.retention_years(s) == 5


# --------------------------------------------------------------------------- unit
@pytest.mark.parametrize(
    ("day", "start"),
    [
        (date(1980, 1, 1), date(1980, 1, 1)),
        (date(1980, 3, 31), date(1980, 1, 1)),
        (date(1980, 5, 20), date(1980, 4, 1)),
        (date(1980, 9, 30), date(1980, 7, 1)),
        (date(1980, 12, 31), date(1980, 10, 1)),
    ],
)
def test_quarter_start(day, start):
    assert gdpr.quarter_start(day) == start


def test_the_pseudonym_and_its_tax_code_are_unique_and_never_a_real_codice_fiscale():
    from stdnum.it import codicefiscale

    assert gdpr.pseudonym(123) == "ANON-000123"
    code = gdpr.pseudonymous_tax_code(123)
    assert len(code) == 16 and not codicefiscale.is_valid(code)
    assert gdpr.pseudonymous_tax_code(1) != gdpr.pseudonymous_tax_code(10)
