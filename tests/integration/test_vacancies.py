"""Vacancies on SQLite and PostgreSQL: the convention rule, requirements, occupation, status,
edits with optimistic locking, the list and the export."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from fleming import esco, vacancies
from fleming.db import unit_of_work
from fleming.errors import Conflict, PermissionDenied, ValidationErrors
from fleming.models import (
    AuditEntry,
    ConventionKind,
    Vacancy,
    VacancyCompetence,
    VacancyKind,
    VacancyStatus,
)
from fleming.vacancies import RequirementInput, VacancyFilters, VacancyInput
from tests.integration.company_helpers import (
    TODAY,
    competence_ids,
    convention,
    new_company,
    staff,
    trade_id,
)
from tests.unit.test_company_rules import ESCO_SAMPLE

COOK = "http://data.europa.eu/esco/occupation/90f75f67-495d-49fa-ab57-2f320e251d7e"


@pytest.fixture
def world(engine, tmp_path, monkeypatch):
    (tmp_path / "occupations_en.csv").write_text(ESCO_SAMPLE, encoding="utf-8")
    monkeypatch.setenv(esco.ENV_VAR, str(tmp_path))
    with unit_of_work(engine) as s:
        people = staff(s)
        with_convention = new_company(s, people.coordinator, name="Trattoria da Gino")
        convention(s, people.coordinator, with_convention)
        without = new_company(s, people.coordinator, name="Bar Sport")
        expired = new_company(s, people.coordinator, name="Hotel Navigli")
        convention(
            s,
            people.coordinator,
            expired,
            signed=TODAY - timedelta(days=800),
            expires=TODAY - timedelta(days=5),
        )
        training_only = new_company(s, people.coordinator, name="Pulizie Brera")
        convention(s, people.coordinator, training_only, kind=ConventionKind.COMMISSIONED_TRAINING)
        return {
            "people": people,
            "gino": with_convention,
            "bar": without,
            "hotel": expired,
            "pulizie": training_only,
            "catering": trade_id(s),
            "competences": competence_ids(s, 4),
        }


def vacancy_input(world, company: str = "gino", **changes) -> VacancyInput:
    c1, c2, *_ = world["competences"]
    base = VacancyInput(
        company_id=world[company],
        title="Aiuto cuoco/a",
        kind=VacancyKind.INTERNSHIP,
        min_italian_level="A2",
        trade_id=world["catering"],
        positions=2,
        hours_percent=80,
        municipality_code="Milano",
        start_date=TODAY + timedelta(days=30),
        deadline=TODAY + timedelta(days=20),
        requirements=(RequirementInput(c1, 2, True), RequirementInput(c2, 1, False)),
    )
    return replace(base, **changes)


def create(engine, world, **kwargs) -> int:
    with unit_of_work(engine) as s:
        return vacancies.create(
            session=s, actor=world["people"].coordinator, data=vacancy_input(world, **kwargs)
        )


def errors_of(info) -> dict[str, str]:
    return {e.field: e.message for e in info.value.errors}


# --------------------------------------------------------------------------- the convention rule
@pytest.mark.parametrize("company", ["bar", "hotel", "pulizie"])
def test_an_internship_cannot_open_without_a_valid_internship_convention(engine, world, company):
    with pytest.raises(ValidationErrors) as info:
        create(engine, world, company=company)
    (error,) = info.value.errors
    assert (error.field, error.message) == ("kind", "vacancies.error.no_convention")
    assert error.params["company"] in {"Bar Sport", "Hotel Navigli", "Pulizie Brera"}
    with unit_of_work(engine) as s:
        assert s.scalars(select(Vacancy)).all() == []


def test_a_direct_hire_needs_no_convention(engine, world):
    vid = create(engine, world, company="bar", kind=VacancyKind.DIRECT_HIRE)
    with unit_of_work(engine) as s:
        v = vacancies.get(session=s, actor=world["people"].tutor, id=vid)
    assert (v.kind, v.status, v.convention_valid) == (
        VacancyKind.DIRECT_HIRE,
        VacancyStatus.OPEN,
        False,
    )


# --------------------------------------------------------------------------- requirements
def test_requirements_are_stored_with_level_and_essential_flag(engine, world):
    vid = create(engine, world, esco_uri=COOK)
    c1, c2, *_ = world["competences"]
    with unit_of_work(engine) as s:
        v = vacancies.get(session=s, actor=world["people"].coordinator, id=vid)
        audit_row = s.scalars(select(AuditEntry).where(AuditEntry.entity == "vacancy")).one()
    assert [(r.competence_id, r.min_level, r.essential) for r in v.requirements] == [
        (c1, 2, True),
        (c2, 1, False),
    ]
    assert (v.esco_uri, v.isco_code, v.esco_label) == (COOK, "5120", "cook")
    assert (v.municipality_code, v.positions, v.hours_percent) == ("015146", 2, 80)
    assert len(audit_row.changes["requirements"]) == 2


def test_requirement_and_field_errors_come_together(engine, world):
    c1, c2, *_ = world["competences"]
    bad = vacancy_input(
        world,
        title="",
        trade_id=None,
        esco_uri=None,
        positions=0,
        hours_percent=120,
        deadline=TODAY + timedelta(days=40),
        requirements=(
            RequirementInput(c1, 2, True),
            RequirementInput(c1, 3, False),
            RequirementInput(c2, 4, True),
            RequirementInput(999_999, 1, True),
            RequirementInput(None, None, True),  # an empty grid row is ignored
        ),
    )
    with pytest.raises(ValidationErrors) as info, unit_of_work(engine) as s:
        vacancies.create(session=s, actor=world["people"].coordinator, data=bad)
    messages = [(e.field, e.message) for e in info.value.errors]
    assert set(messages) == {
        ("title", "error.required"),
        ("trade_id", "vacancies.error.occupation_required"),
        ("positions", "validators.number.range"),
        ("hours_percent", "validators.number.range"),
        ("deadline", "vacancies.error.deadline_after_start"),
        ("requirements", "vacancies.error.competence_twice"),
        ("requirements", "vacancies.error.level_range"),
        ("requirements", "vacancies.error.competence_unknown"),
    }


def test_esco_occupation_must_exist_and_isco_comes_from_the_file(engine, world):
    unknown = "http://data.europa.eu/esco/occupation/00000000-0000-0000-0000-000000000000"
    with pytest.raises(ValidationErrors) as info:
        create(engine, world, esco_uri=unknown)
    assert errors_of(info) == {"esco_uri": "vacancies.error.esco_unknown"}
    vid = create(engine, world, trade_id=None, esco_uri=COOK)  # ESCO alone is enough
    with unit_of_work(engine) as s:
        assert s.get(Vacancy, vid).isco_code == "5120"


# --------------------------------------------------------------------------- status and edits
def test_status_moves_along_and_closing_needs_a_reason(engine, world):
    vid = create(engine, world)
    coordinator = world["people"].coordinator

    def move(status, reason=None):
        with unit_of_work(engine) as s:
            version = s.get(Vacancy, vid).version
            vacancies.set_status(
                session=s, actor=coordinator, id=vid, status=status, reason=reason, version=version
            )

    move(VacancyStatus.SHORTLISTING)
    with pytest.raises(ValidationErrors) as info:
        move(VacancyStatus.CLOSED)
    assert errors_of(info) == {"closed_reason": "vacancies.error.reason_required"}
    move(VacancyStatus.CLOSED, "L'azienda ha assunto da sola")
    with unit_of_work(engine) as s:
        assert s.get(Vacancy, vid).closed_reason == "L'azienda ha assunto da sola"
    move(VacancyStatus.OPEN)  # re-opened: the convention is still valid
    with unit_of_work(engine) as s:
        assert s.get(Vacancy, vid).closed_reason is None
    move(VacancyStatus.FILLED)
    with pytest.raises(ValidationErrors) as info:
        move(VacancyStatus.OPEN)
    assert errors_of(info) == {"status": "vacancies.error.status_transition"}


def test_reopening_an_internship_after_the_convention_expired_is_refused(engine, world):
    coordinator = world["people"].coordinator
    with unit_of_work(engine) as s:  # a vacancy opened while the hotel's convention was valid
        vid = vacancies.create(
            session=s,
            actor=coordinator,
            data=vacancy_input(world, company="hotel"),
            today=TODAY - timedelta(days=30),
        )
    with unit_of_work(engine) as s:
        vacancies.set_status(
            session=s, actor=coordinator, id=vid, status="closed", reason="Sospeso", version=1
        )
    with pytest.raises(ValidationErrors) as info, unit_of_work(engine) as s:
        vacancies.set_status(session=s, actor=coordinator, id=vid, status="open", version=2)
    assert errors_of(info) == {"kind": "vacancies.error.no_convention"}


def test_edit_replaces_requirements_bumps_version_and_refuses_stale_saves(engine, world):
    vid = create(engine, world)
    coordinator = world["people"].coordinator
    _, c2, c3, _ = world["competences"]
    with unit_of_work(engine) as s:
        loaded = vacancies.get(session=s, actor=coordinator, id=vid).as_input()
    edited = replace(
        loaded, requirements=(RequirementInput(c2, 3, True), RequirementInput(c3, 1, True))
    )
    with unit_of_work(engine) as s:
        vacancies.update(session=s, actor=coordinator, id=vid, data=edited)
    with unit_of_work(engine) as s:
        v = vacancies.get(session=s, actor=coordinator, id=vid)
        rows = s.scalars(select(VacancyCompetence).where(VacancyCompetence.vacancy_id == vid))
        stored = sorted((r.competence_id, r.min_level, r.essential) for r in rows)
    assert stored == sorted([(c2, 3, True), (c3, 1, True)])
    assert v.version == loaded.version + 1  # requirements alone changed
    with pytest.raises(Conflict), unit_of_work(engine) as s:
        vacancies.update(session=s, actor=coordinator, id=vid, data=edited)
    with pytest.raises(ValidationErrors) as info, unit_of_work(engine) as s:  # moved to a
        vacancies.update(  # company without convention while open
            session=s,
            actor=coordinator,
            id=vid,
            data=replace(v.as_input(), company_id=world["bar"]),
        )
    assert errors_of(info) == {"kind": "vacancies.error.no_convention"}


def test_tutors_read_but_do_not_write(engine, world):
    vid = create(engine, world)
    tutor = world["people"].tutor
    with unit_of_work(engine) as s:
        assert vacancies.list_(session=s, actor=tutor).total == 1
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        vacancies.create(session=s, actor=tutor, data=vacancy_input(world))
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        vacancies.set_status(session=s, actor=tutor, id=vid, status="filled", version=1)
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        vacancies.list_(session=s, actor=world["people"].partner)


# --------------------------------------------------------------------------- list and export
def test_list_filters_and_pages_in_sql_and_export(engine, world):
    create(engine, world, title="Cameriere/a")
    create(engine, world, title="Lavapiatti", kind=VacancyKind.DIRECT_HIRE, company="bar")
    create(engine, world, title="Sarta", trade_id=None, esco_uri=COOK)
    coordinator = world["people"].coordinator

    def titles(**filters):
        with unit_of_work(engine) as s:
            page = vacancies.list_(session=s, actor=coordinator, filters=VacancyFilters(**filters))
        return sorted(r.title for r in page.rows)

    assert titles() == ["Cameriere/a", "Lavapiatti", "Sarta"]
    assert titles(search="bar sport") == ["Lavapiatti"]  # by company name
    assert titles(kinds=(VacancyKind.DIRECT_HIRE,)) == ["Lavapiatti"]
    assert titles(trade_ids=(world["catering"],)) == ["Cameriere/a", "Lavapiatti"]
    assert titles(company_id=world["bar"]) == ["Lavapiatti"]
    assert titles(statuses=(VacancyStatus.FILLED,)) == []
    with unit_of_work(engine) as s:
        page = vacancies.list_(session=s, actor=coordinator, page=2, page_size=2)
        frame = vacancies.export_frame(session=s, actor=coordinator, lang="en")
    assert (page.total, page.pages, len(page.rows)) == (3, 2, 1)
    assert page.rows[0].requirements == 2
    assert len(frame) == 3
    assert not [c for c in frame.columns if c.startswith("vacancies.")]
    assert set(frame["Kind"]) == {"Internship", "Direct hire"}
    assert frame["Required competences"].str.count("≥").tolist() == [2, 2, 2]
