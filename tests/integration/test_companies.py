"""Companies on SQLite and PostgreSQL: registration, edits, lifecycle, scouting, conventions,
courses, contacts, the filtered list, the company page figures and the export."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fleming import companies
from fleming.companies import (
    CompanyFilters,
    ContactInput,
    ConventionFilter,
    ConventionInput,
    CourseInput,
    ScoutingInput,
)
from fleming.db import unit_of_work
from fleming.errors import Conflict, PermissionDenied, ValidationErrors
from fleming.models import (
    AuditEntry,
    Company,
    CompanyStatus,
    ConventionKind,
    InternshipOutcome,
    Setting,
)
from tests.integration.company_helpers import (
    TODAY,
    company_input,
    convention,
    internship,
    new_company,
    person,
    staff,
    trade_id,
    vat,
)


@pytest.fixture
def people(engine):
    with unit_of_work(engine) as s:
        return staff(s)


def fields_of(exc: ValidationErrors) -> dict[str, str]:
    return {e.field: e.message for e in exc.errors}


# --------------------------------------------------------------------------- register and edit
def test_registered_company_is_normalised_audited_and_readable(engine, people):
    with unit_of_work(engine) as s:
        cid = new_company(
            s, people.coordinator, vat_number="IT 01234560157", website="www.Gino.example.it"
        )
    with unit_of_work(engine) as s:
        c = companies.get(session=s, actor=people.tutor, id=cid)
        audit_rows = s.scalars(select(AuditEntry).where(AuditEntry.entity == "company")).all()
    assert c.vat_number == "01234560157"
    assert c.website == "https://www.gino.example.it"
    assert c.status is CompanyStatus.PROSPECT
    assert c.quota == 2  # 12 employees
    assert [(a.action, a.entity_id) for a in audit_rows] == [("create", str(cid))]
    assert audit_rows[0].changes["vat_number"] == "01234560157"


def test_every_bad_field_is_reported_at_once_and_nothing_is_saved(engine, people):
    bad = company_input(
        name=" ",
        vat_number="12345678901",
        ateco_code="57",
        employees="dodici",
        municipality_code="Atlantide",
        website="not a site",
    )
    with pytest.raises(ValidationErrors) as info, unit_of_work(engine) as s:
        companies.create(session=s, actor=people.coordinator, data=bad)
    assert fields_of(info.value) == {
        "name": "error.required",
        "vat_number": "validators.vat.invalid",
        "ateco_code": "validators.ateco.unknown",
        "employees": "validators.number.invalid",
        "municipality_code": "validators.municipality.unknown",
        "website": "validators.website.invalid",
    }
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(Company)) == 0


def test_vat_number_is_unique_and_the_error_names_the_owner(engine, people):
    number = vat()
    with unit_of_work(engine) as s:
        new_company(s, people.coordinator, name="Prima S.r.l.", vat_number=number)
    with pytest.raises(ValidationErrors) as info, unit_of_work(engine) as s:
        new_company(s, people.coordinator, name="Seconda S.r.l.", vat_number="IT" + number)
    (error,) = info.value.errors
    assert (error.field, error.message, error.params) == (
        "vat_number",
        "companies.error.vat_taken",
        {"name": "Prima S.r.l."},
    )


def test_update_checks_version_vat_and_status_lifecycle(engine, people):
    with unit_of_work(engine) as s:
        first = new_company(s, people.coordinator, name="Prima")
        other_vat = vat()
        new_company(s, people.coordinator, name="Altra", vat_number=other_vat)
        loaded = companies.get(session=s, actor=people.coordinator, id=first).as_input()

    with unit_of_work(engine) as s:
        companies.update(
            session=s,
            actor=people.coordinator,
            id=first,
            data=replace(loaded, employees=45, status=CompanyStatus.ACTIVE),
        )
    with unit_of_work(engine) as s:
        c = companies.get(session=s, actor=people.coordinator, id=first)
    assert (c.employees, c.quota, c.status, c.became_active_on) == (
        45,
        5,
        CompanyStatus.ACTIVE,
        TODAY,
    )
    assert c.version == loaded.version + 1

    with pytest.raises(Conflict), unit_of_work(engine) as s:  # someone saved meanwhile
        companies.update(session=s, actor=people.coordinator, id=first, data=loaded)

    fresh = c.as_input()
    with pytest.raises(ValidationErrors) as info, unit_of_work(engine) as s:
        companies.update(
            session=s,
            actor=people.coordinator,
            id=first,
            data=replace(fresh, vat_number=other_vat, status=CompanyStatus.PROSPECT),
        )
    assert fields_of(info.value) == {
        "vat_number": "companies.error.vat_taken",
        "status": "companies.error.status_transition",
    }


def test_roles(engine, people):
    with unit_of_work(engine) as s:
        cid = new_company(s, people.admin)
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        new_company(s, people.tutor)
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        companies.list_(session=s, actor=people.partner)
    with unit_of_work(engine) as s:  # tutors read and log their scouting calls
        assert companies.list_(session=s, actor=people.tutor).total == 1
        companies.log_scouting(
            session=s,
            actor=people.tutor,
            company_id=cid,
            data=ScoutingInput(TODAY, "telefono", "Interessati"),
        )
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        companies.add_convention(
            session=s,
            actor=people.tutor,
            company_id=cid,
            data=ConventionInput(ConventionKind.INTERNSHIPS, TODAY, TODAY + timedelta(days=9)),
        )
    with unit_of_work(engine) as s:
        denied = s.scalars(select(AuditEntry).where(AuditEntry.action == "denied")).all()
    assert {d.entity_id for d in denied} == {
        "companies.create",
        "companies.list",
        "companies.conventions",
    }


# --------------------------------------------------------------------------- scouting, conventions
def test_scouting_makes_a_prospect_contacted_and_a_convention_makes_it_active(engine, people):
    with unit_of_work(engine) as s:
        cid = new_company(s, people.coordinator)
    with unit_of_work(engine) as s:
        saved = companies.log_scouting(
            session=s,
            actor=people.coordinator,
            company_id=cid,
            data=ScoutingInput(
                TODAY,
                "visita",
                "Interesse per due tirocini",
                "Firmare la convenzione",
                TODAY + timedelta(days=14),
            ),
        )
    assert saved.status_changed_to is CompanyStatus.CONTACTED
    with unit_of_work(engine) as s:
        result = companies.add_convention(
            session=s,
            actor=people.coordinator,
            company_id=cid,
            data=ConventionInput(
                ConventionKind.INTERNSHIPS, TODAY, TODAY + timedelta(days=3 * 365)
            ),
        )
    assert result.status_changed_to is CompanyStatus.ACTIVE
    with unit_of_work(engine) as s:
        c = companies.get(session=s, actor=people.coordinator, id=cid)
        row = companies.list_(session=s, actor=people.coordinator).rows[0]
    assert c.status is CompanyStatus.ACTIVE and c.became_active_on == TODAY
    assert c.scouting[0].staff_name == "Carla Coordinatrice"
    assert c.internship_convention_until == TODAY + timedelta(days=3 * 365)
    assert (row.last_contact, row.next_step_on) == (TODAY, TODAY + timedelta(days=14))


def test_scouting_entry_rules(engine, people):
    with unit_of_work(engine) as s:
        cid = new_company(s, people.coordinator)
    with pytest.raises(ValidationErrors) as info, unit_of_work(engine) as s:
        companies.log_scouting(
            session=s,
            actor=people.coordinator,
            company_id=cid,
            data=ScoutingInput(TODAY + timedelta(days=1), "piccione", "", None, TODAY),
        )
    assert fields_of(info.value) == {
        "contacted_on": "validators.date.future",
        "channel": "error.required",
        "outcome": "error.required",
        "next_step_on": "validators.date.end_before_start",
    }


def test_has_valid_convention_covers_signature_to_expiry_day_for_its_kind(engine, people):
    signed, expires = TODAY - timedelta(days=100), TODAY + timedelta(days=10)
    with unit_of_work(engine) as s:
        cid = new_company(s, people.coordinator)
        convention(s, people.coordinator, cid, signed=signed, expires=expires)

    def valid(day, kind=ConventionKind.INTERNSHIPS):
        with unit_of_work(engine) as s:
            return companies.has_valid_convention(session=s, company_id=cid, kind=kind, on_date=day)

    assert valid(signed) and valid(expires) and valid(TODAY)
    assert not valid(signed - timedelta(days=1))
    assert not valid(expires + timedelta(days=1))
    assert not valid(TODAY, ConventionKind.COMMISSIONED_TRAINING)


def test_convention_must_expire_after_signing_and_may_be_removed(engine, people):
    with unit_of_work(engine) as s:
        cid = new_company(s, people.coordinator)
    with pytest.raises(ValidationErrors) as info, unit_of_work(engine) as s:
        companies.add_convention(
            session=s,
            actor=people.coordinator,
            company_id=cid,
            data=ConventionInput(ConventionKind.INTERNSHIPS, TODAY, TODAY),
        )
    assert fields_of(info.value) == {"expires_on": "companies.error.expiry_not_after_signing"}
    with unit_of_work(engine) as s:
        conv = convention(s, people.coordinator, cid)
        companies.delete_convention(session=s, actor=people.coordinator, id=conv)
    with unit_of_work(engine) as s:
        assert not companies.has_valid_convention(session=s, company_id=cid)
        assert s.scalar(
            select(AuditEntry.action).where(
                AuditEntry.entity == "convention", AuditEntry.action == "delete"
            )
        )


def test_commissioned_course_needs_a_training_convention_on_its_first_day(engine, people):
    start = TODAY + timedelta(days=20)
    course = CourseInput("Aiuto cucina", None, 80, start, start + timedelta(days=30), 12)
    with unit_of_work(engine) as s:
        cid = new_company(s, people.coordinator)
        convention(s, people.coordinator, cid)  # internships only
    with pytest.raises(ValidationErrors) as info, unit_of_work(engine) as s:
        companies.add_course(session=s, actor=people.coordinator, company_id=cid, data=course)
    assert fields_of(info.value) == {"start_date": "companies.error.course_needs_convention"}
    with unit_of_work(engine) as s:
        convention(s, people.coordinator, cid, kind=ConventionKind.COMMISSIONED_TRAINING)
        companies.add_course(
            session=s,
            actor=people.coordinator,
            company_id=cid,
            data=replace(course, trade_id=trade_id(s)),
        )
    with unit_of_work(engine) as s:
        (row,) = companies.get(session=s, actor=people.coordinator, id=cid).courses
    assert (row.title, row.hours, row.participants, row.trade_label_it) == (
        "Aiuto cucina",
        80,
        12,
        "Ristorazione",
    )


# --------------------------------------------------------------------------- contacts
def test_contacts_need_a_way_to_reach_them_and_keep_their_version(engine, people):
    with unit_of_work(engine) as s:
        cid = new_company(s, people.coordinator)
    with pytest.raises(ValidationErrors) as info, unit_of_work(engine) as s:
        companies.add_contact(
            session=s, actor=people.coordinator, company_id=cid, data=ContactInput("Gino Rossi")
        )
    assert fields_of(info.value) == {"phone": "companies.error.contact_unreachable"}
    with pytest.raises(ValidationErrors) as info, unit_of_work(engine) as s:
        companies.add_contact(
            session=s,
            actor=people.coordinator,
            company_id=cid,
            data=ContactInput("Gino", phone="123", email="gino@"),
        )
    assert fields_of(info.value) == {
        "phone": "validators.phone.invalid",
        "email": "validators.email.invalid",
    }
    with unit_of_work(engine) as s:
        contact_id = companies.add_contact(
            session=s,
            actor=people.coordinator,
            company_id=cid,
            data=ContactInput("Gino Rossi", "Titolare", "333 123 4567", "gino@example.it"),
        )
    with unit_of_work(engine) as s:
        (contact,) = companies.get(session=s, actor=people.coordinator, id=cid).contacts
    assert (contact.phone, contact.email) == ("+393331234567", "gino@example.it")
    with unit_of_work(engine) as s:
        companies.update_contact(
            session=s,
            actor=people.coordinator,
            id=contact_id,
            data=ContactInput("Gino Rossi", "Chef", None, "gino@example.it", contact.version),
        )
    with pytest.raises(Conflict), unit_of_work(engine) as s:
        companies.update_contact(
            session=s,
            actor=people.coordinator,
            id=contact_id,
            data=ContactInput("Gino", None, None, "g@example.it", contact.version),
        )
    with unit_of_work(engine) as s:
        companies.delete_contact(session=s, actor=people.coordinator, id=contact_id)
        assert companies.get(session=s, actor=people.coordinator, id=cid).contacts == ()


# --------------------------------------------------------------------------- list
@pytest.fixture
def network(engine, people):
    """Six companies with different sectors, places, statuses and conventions."""
    c = people.coordinator
    with unit_of_work(engine) as s:
        ids = {
            "gino": new_company(s, c, name="Trattoria da Gino", ateco_code="56.10"),
            "bar": new_company(s, c, name="Bar Sport", ateco_code="56", municipality_code="015209"),
            "pulizie": new_company(s, c, name="Pulizie Brera", ateco_code="81.21", employees=80),
            "sartoria": new_company(s, c, name="Sartoria 100%_Milano", ateco_code="14"),
            "hotel": new_company(s, c, name="Hotel Navigli", ateco_code="55"),
            "verde": new_company(s, c, name="Verde Gorla", ateco_code="81.30", status="contacted"),
        }
        convention(s, c, ids["gino"])
        convention(s, c, ids["bar"], expires=TODAY + timedelta(days=30))  # expiring
        convention(
            s,
            c,
            ids["pulizie"],
            signed=TODAY - timedelta(days=4 * 365),
            expires=TODAY - timedelta(days=365),
        )  # expired
        convention(s, c, ids["hotel"], kind=ConventionKind.COMMISSIONED_TRAINING)
    return ids


def _names(engine, actor, **filters) -> list[str]:
    with unit_of_work(engine) as s:
        page = companies.list_(session=s, actor=actor, filters=CompanyFilters(**filters))
    return [r.name for r in page.rows]


def test_list_filters_in_sql(engine, people, network):
    c = people.coordinator
    assert _names(engine, c, search="gino") == ["Trattoria da Gino"]
    assert _names(engine, c, search="100%_") == ["Sartoria 100%_Milano"]  # LIKE escaped
    assert _names(engine, c, search="100%x") == []
    assert _names(engine, c, divisions=("56",)) == ["Bar Sport", "Trattoria da Gino"]
    assert _names(engine, c, divisions=("81",)) == ["Pulizie Brera", "Verde Gorla"]
    assert _names(engine, c, municipality_code="015209") == ["Bar Sport"]
    assert _names(engine, c, statuses=(CompanyStatus.CONTACTED,)) == ["Verde Gorla"]
    assert _names(engine, c, statuses=(CompanyStatus.ACTIVE,)) == [
        "Bar Sport",
        "Hotel Navigli",
        "Trattoria da Gino",
    ]
    assert _names(engine, c, convention=ConventionFilter.INTERNSHIPS) == [
        "Bar Sport",
        "Trattoria da Gino",
    ]
    assert _names(engine, c, convention=ConventionFilter.TRAINING) == ["Hotel Navigli"]
    assert _names(engine, c, convention=ConventionFilter.NONE) == [
        "Pulizie Brera",
        "Sartoria 100%_Milano",
        "Verde Gorla",
    ]
    assert _names(engine, c, convention=ConventionFilter.EXPIRING) == ["Bar Sport"]
    with unit_of_work(engine) as s:
        vat_of_gino = companies.get(session=s, actor=c, id=network["gino"]).vat_number
    assert _names(engine, c, search=vat_of_gino[2:9]) == ["Trattoria da Gino"]


def test_list_pages_in_sql_and_clamps_the_page(engine, people, network):
    with unit_of_work(engine) as s:
        first = companies.list_(session=s, actor=people.coordinator, page=1, page_size=4)
        second = companies.list_(session=s, actor=people.coordinator, page=2, page_size=4)
        beyond = companies.list_(session=s, actor=people.coordinator, page=9, page_size=4)
        options = companies.filter_options(session=s, actor=people.coordinator)
    assert (first.total, first.pages, len(first.rows), len(second.rows)) == (6, 2, 4, 2)
    assert beyond.page == 2 and beyond.rows == second.rows
    assert {r.name for r in first.rows} | {r.name for r in second.rows} == {
        "Trattoria da Gino",
        "Bar Sport",
        "Pulizie Brera",
        "Sartoria 100%_Milano",
        "Hotel Navigli",
        "Verde Gorla",
    }
    assert options.divisions == ("14", "55", "56", "81")
    assert options.municipality_codes == ("015146", "015209")


# --------------------------------------------------------------------------- page figures
def test_company_page_counts_interns_against_the_quota_and_the_hire_rate(engine, people):
    with unit_of_work(engine) as s:
        cid = new_company(s, people.coordinator, employees=4)
        year_ago = TODAY - timedelta(days=365)
        for outcome in (InternshipOutcome.HIRED, InternshipOutcome.NOT_HIRED):
            internship(s, cid, person(s), start=year_ago, outcome=outcome)
        internship(s, cid, person(s), start=year_ago, outcome=InternshipOutcome.HIRED)
        internship(s, cid, person(s, "Marco", "Bianchi"), start=TODAY - timedelta(days=10))
    with unit_of_work(engine) as s:
        c = companies.get(session=s, actor=people.tutor, id=cid)
    assert (c.quota, c.active_interns) == (1, 1)
    assert (c.internships_ended, c.hires) == (3, 2)
    assert c.hire_rate == pytest.approx(2 / 3)
    assert c.internships[0].person_name == "Marco Bianchi"


def test_quota_rule_comes_from_the_setting_when_present(engine, people):
    with unit_of_work(engine) as s:
        cid = new_company(s, people.coordinator, employees=30)
        assert companies.get(session=s, actor=people.coordinator, id=cid).quota == 3
        s.add(Setting(key=companies.QUOTA_SETTING, value={"percent_above": 20}))
    with unit_of_work(engine) as s:
        assert companies.get(session=s, actor=people.coordinator, id=cid).quota == 6


# --------------------------------------------------------------------------- export
def test_export_has_every_matching_company_with_contacts_and_is_audited(engine, people, network):
    with unit_of_work(engine) as s:
        companies.add_contact(
            session=s,
            actor=people.coordinator,
            company_id=network["gino"],
            data=ContactInput("Gino Rossi", "Titolare", "02 1234 5678", None),
        )
        frame = companies.export_frame(
            session=s,
            actor=people.coordinator,
            filters=CompanyFilters(divisions=("56",)),
            lang="it",
        )
    assert list(frame["Ragione sociale"]) == ["Bar Sport", "Trattoria da Gino"]
    assert not [c for c in frame.columns if c.startswith("companies.")]
    assert frame.loc[1, "Referenti"] == "Gino Rossi (Titolare) +390212345678"
    assert frame.loc[1, "Stato"] == "Partner attivo"
    with unit_of_work(engine) as s:
        exported = s.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert exported.changes["rows"] == 2 and exported.changes["filters"]["divisions"] == ["56"]
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        companies.export_frame(session=s, actor=people.tutor)
