"""AppTest journeys: register a company (valid, bad P.IVA, duplicate), open a vacancy with
required competences (and the convention rule), import the fixture CSV with its bad rows."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from fleming import companies
from fleming.actor import SYSTEM
from fleming.companies import CompanyInput, ConventionInput
from fleming.db import get_engine, unit_of_work
from fleming.models import Company, CompanyContact, ConventionKind, Trade, Vacancy, VacancyKind
from fleming.vacancies import competence_options
from tests.app.helpers import login_as
from tests.fixtures import make_companies_import as fixture
from tests.integration.company_helpers import vat

TODAY = date.today()


@pytest.fixture
def private_db(app, demo_url, tmp_path, monkeypatch):
    """A copy of the demo database for this test: what it saves does not reach other tests."""
    target = tmp_path / "private.sqlite"
    source = sqlite3.connect(demo_url.removeprefix("sqlite:///"))
    copy = sqlite3.connect(target)
    source.backup(copy)
    source.close()
    copy.close()
    url = f"sqlite:///{target}"
    monkeypatch.setenv("FLEMING_DATABASE_URL", url)
    return url


def engine(url: str):
    return get_engine(url)


def open_page(app, script: str, user: str = "coordinatore"):
    at = login_as(app(), user).run()
    at.switch_page(f"app_pages/{script}").run()
    assert not at.exception, at.exception
    return at


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def companies_count(url: str) -> int:
    with unit_of_work(engine(url)) as s:
        return s.scalar(select(func.count()).select_from(Company))


def add_company(url: str, name: str, *, with_convention: bool) -> int:
    with unit_of_work(engine(url)) as s:
        cid = companies.create(
            session=s,
            actor=SYSTEM,
            data=CompanyInput(name, vat(), "56", 8, municipality_code="015146"),
        )
        if with_convention:
            companies.add_convention(
                session=s,
                actor=SYSTEM,
                company_id=cid,
                data=ConventionInput(
                    ConventionKind.INTERNSHIPS, TODAY, TODAY + timedelta(days=3 * 365)
                ),
            )
    return cid


# --------------------------------------------------------------------------- company form
def fill_company(at, *, name: str, vat_number: str) -> None:
    at.text_input(key="companies_new_name").input(name)
    at.text_input(key="companies_new_vat").input(vat_number)
    at.selectbox(key="companies_new_ateco").set_value("56")
    at.number_input(key="companies_new_employees").set_value(12)
    at.selectbox(key="companies_new_municipality").set_value("015146")
    at.text_input(key="companies_new_website").input("www.dagino.example.it")


def test_a_valid_company_is_registered_and_its_page_opens(app, private_db):
    before = companies_count(private_db)
    at = open_page(app, "companies.py")
    fill_company(at, name="Trattoria da Gino S.r.l.", vat_number="IT 01234560157")
    button(at, "Registra l'azienda").click().run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Trattoria da Gino S.r.l."]
    assert "Azienda «Trattoria da Gino S.r.l.» registrata." in [s.value for s in at.success]
    assert companies_count(private_db) == before + 1
    with unit_of_work(engine(private_db)) as s:
        saved = s.scalar(select(Company).where(Company.vat_number == "01234560157"))
        assert (saved.name, saved.ateco_code, saved.employees) == (
            "Trattoria da Gino S.r.l.",
            "56",
            12,
        )
        assert saved.website == "https://www.dagino.example.it"


def test_a_bad_vat_number_is_shown_under_its_field_and_nothing_is_saved(app, private_db):
    before = companies_count(private_db)
    at = open_page(app, "companies.py")
    fill_company(at, name="Trattoria da Gino S.r.l.", vat_number="12345678901")
    button(at, "Registra l'azienda").click().run()
    assert [e.value for e in at.error] == [
        "Partita IVA non valida: 11 cifre con la cifra di controllo corretta."
    ]
    assert at.title[0].value == "Aziende"  # still on the form, values kept
    assert at.text_input(key="companies_new_name").value == "Trattoria da Gino S.r.l."
    assert companies_count(private_db) == before


def test_a_duplicate_vat_number_names_the_company_that_has_it(app, private_db):
    with unit_of_work(engine(private_db)) as s:
        existing = s.execute(select(Company.name, Company.vat_number).limit(1)).one()
    before = companies_count(private_db)
    at = open_page(app, "companies.py")
    fill_company(at, name="Doppione S.r.l.", vat_number=existing.vat_number)
    button(at, "Registra l'azienda").click().run()
    assert [e.value for e in at.error] == [
        f"Questa partita IVA è già registrata (azienda «{existing.name}»)."
    ]
    assert companies_count(private_db) == before


# --------------------------------------------------------------------------- vacancy form
def requirement_rows(url: str, n: int = 2, *, repeat: bool = False) -> tuple[list[dict], list[int]]:
    with unit_of_work(engine(url)) as s:
        options = competence_options(session=s, actor=SYSTEM)[:n]
    if repeat:
        options = [options[0], options[0]]
    rows = [
        {"competence": o.label_it, "min_level": level, "essential": level == 2}
        for o, level in zip(options, (2, 1), strict=False)
    ]
    return rows, [o.id for o in options]


def fill_vacancy(
    at,
    url: str,
    *,
    company_id: int,
    title: str,
    rows: list[dict],
    kind: VacancyKind = VacancyKind.INTERNSHIP,
):
    at.text_input(key="vacancies_new_company_search").input("Senza Convenzione").run()
    at.selectbox(key="vacancies_new_company_choice").set_value(company_id).run()
    with unit_of_work(engine(url)) as s:
        catering = s.scalar(select(Trade.id).where(Trade.code == "catering"))
    at.text_input(key="vacancies_new_0_title").input(title)
    at.selectbox(key="vacancies_new_0_trade").set_value(catering)
    at.radio(key="vacancies_new_0_kind").set_value(kind)
    at.selectbox(key="vacancies_new_0_municipality").set_value("015146")
    at.session_state["vacancies_new_0_requirements"] = {
        "edited_rows": {},
        "added_rows": rows,
        "deleted_rows": [],
    }


def test_an_internship_needs_a_convention_and_a_direct_hire_opens_with_its_competences(
    app, private_db
):
    cid = add_company(private_db, "Bar Senza Convenzione", with_convention=False)
    rows, competence_ids = requirement_rows(private_db)
    at = open_page(app, "vacancies.py")
    fill_vacancy(at, private_db, company_id=cid, title="Barista", rows=rows)
    assert [w.value for w in at.warning][-1].startswith("Questa azienda non ha una convenzione")
    button(at, "Apri il fabbisogno").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "«Bar Senza Convenzione» non ha una convenzione per tirocini valida oggi: non si può "
        "aprire un fabbisogno di tirocinio. Registra la convenzione nella scheda dell'azienda, "
        "oppure scegli «Assunzione diretta»."
    ]
    with unit_of_work(engine(private_db)) as s:
        assert s.scalar(select(Vacancy).where(Vacancy.company_id == cid)) is None

    at.radio(key="vacancies_new_0_kind").set_value(VacancyKind.DIRECT_HIRE)
    at.session_state["vacancies_new_0_requirements"] = {
        "edited_rows": {},
        "added_rows": rows,
        "deleted_rows": [],
    }
    button(at, "Apri il fabbisogno").click().run()
    assert not at.exception, at.exception
    assert "Fabbisogno «Barista» aperto." in [s.value for s in at.success]
    with unit_of_work(engine(private_db)) as s:
        vacancy = s.scalar(select(Vacancy).where(Vacancy.company_id == cid))
        stored = sorted((r.competence_id, r.min_level, r.essential) for r in vacancy.requirements)
    assert vacancy.kind.value == "direct_hire" and vacancy.title == "Barista"
    assert stored == sorted([(competence_ids[0], 2, True), (competence_ids[1], 1, False)])
    assert at.text_input(key="vacancies_new_1_title").value == ""  # an empty form for the next


def test_an_internship_opens_for_a_company_with_a_convention(app, private_db):
    cid = add_company(private_db, "Osteria Senza Convenzione Scaduta", with_convention=True)
    rows, competence_ids = requirement_rows(private_db, 1)
    at = open_page(app, "vacancies.py")
    fill_vacancy(at, private_db, company_id=cid, title="Aiuto cuoco/a", rows=rows)
    assert at.caption and any("Convenzione tirocini valida fino al" in c.value for c in at.caption)
    button(at, "Apri il fabbisogno").click().run()
    assert not at.error, [e.value for e in at.error]
    with unit_of_work(engine(private_db)) as s:
        vacancy = s.scalar(select(Vacancy).where(Vacancy.company_id == cid))
        assert vacancy.kind.value == "internship"
        assert [(r.competence_id, r.min_level) for r in vacancy.requirements] == [
            (competence_ids[0], 2)
        ]


def test_the_same_competence_twice_is_refused_next_to_the_grid(app, private_db):
    cid = add_company(private_db, "Pizzeria Senza Convenzione", with_convention=False)
    rows, _ = requirement_rows(private_db, repeat=True)
    at = open_page(app, "vacancies.py")
    fill_vacancy(
        at, private_db, company_id=cid, title="Pizzaiolo", rows=rows, kind=VacancyKind.DIRECT_HIRE
    )
    button(at, "Apri il fabbisogno").click().run()
    assert [e.value for e in at.error] == [
        "La stessa competenza compare due volte: tienine una riga sola."
    ]


# --------------------------------------------------------------------------- import
def upload(at):
    at.file_uploader(key="company_import_file_0").set_value(
        ("companies_import.csv", fixture.PATH.read_bytes(), "text/csv")
    )
    return at.run()


def test_import_reports_the_bad_rows_and_imports_the_valid_ones(app, private_db):
    with unit_of_work(engine(private_db)) as s:  # one company of the file is already here
        companies.create(
            session=s,
            actor=SYSTEM,
            data=CompanyInput("Già Nostra S.r.l.", fixture.DB_DUPLICATE_VAT, "56", 3),
        )
        contacts_before = s.scalar(select(func.count()).select_from(CompanyContact))
    before = companies_count(private_db)
    at = open_page(app, "company_import.py")
    upload(at)
    assert not at.exception, at.exception
    assert [m.value for m in at.metric] == ["408", "400", "8"]
    report = at.dataframe[-1].value
    assert sorted(report["Riga"]) == sorted(
        [
            *fixture.BAD_ROWS,
            next(r for r, x in enumerate(fixture.ROWS, 2) if x[1] == fixture.DB_DUPLICATE_VAT),
        ]
    )
    assert "Azienda già registrata in Fleming: «Già Nostra S.r.l.»." in set(report["Problema"])
    assert companies_count(private_db) == before  # nothing written by the preview

    button(at, "Importa le 400 righe valide").click().run()
    assert not at.exception, at.exception
    (message,) = [s.value for s in at.success]
    assert message.startswith("Importate 400 aziende e ")
    assert message.endswith("; 8 righe con errori scartate.")
    assert companies_count(private_db) == before + 400
    with unit_of_work(engine(private_db)) as s:
        contacts_after = s.scalar(select(func.count()).select_from(CompanyContact))
    assert contacts_after > contacts_before
    assert not at.file_uploader(key="company_import_file_1").value  # ready for the next file


def test_import_nothing_leaves_the_database_as_it_was(app, private_db):
    before = companies_count(private_db)
    at = open_page(app, "company_import.py")
    upload(at)
    button(at, "Non importare nulla").click().run()
    assert [s.value for s in at.success] == ["Nessuna azienda importata."]
    assert companies_count(private_db) == before


def test_tutors_see_companies_without_the_forms(app, private_db):
    at = open_page(app, "companies.py", user="tutor")
    assert at.dataframe  # the list
    assert not [b for b in at.button if b.label == "Registra l'azienda"]
    at.switch_page("app_pages/vacancies.py").run()
    assert not [b for b in at.button if b.label == "Apri il fabbisogno"]
