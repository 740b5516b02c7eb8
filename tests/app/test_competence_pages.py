"""AppTest of the competence pages: a tutor rates a person, a trainer rates a class, the
catalogue is kept and fed from an ESCO file. They run on a demo database of their own, because
they write to it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from fleming.db import get_engine, unit_of_work
from fleming.models import Competence, CompetenceRating, Person, WorkshopEnrolment
from tests.app.conftest import APP, TIMEOUT
from tests.app.helpers import login_as

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "esco"


@pytest.fixture(scope="module")
def grid_db(tmp_path_factory) -> str:
    from fleming.db import migrate
    from fleming.devtools import demo

    url = f"sqlite:///{tmp_path_factory.mktemp('competence_pages') / 'demo.sqlite'}"
    migrate(url)
    demo.generate(get_engine(url), scale=0.1)
    return url


@pytest.fixture
def open_page(grid_db, monkeypatch) -> Callable[..., AppTest]:
    monkeypatch.setenv("FLEMING_DATABASE_URL", grid_db)

    def make(page: str, username: str, **state) -> AppTest:
        at = login_as(AppTest.from_file(APP, default_timeout=TIMEOUT), username).run()
        for key, value in state.items():
            at.session_state[key] = value
        return at.switch_page(f"app_pages/{page}").run()

    return make


def _count(url: str, *where) -> int:
    with unit_of_work(get_engine(url)) as s:
        return s.scalar(select(func.count()).select_from(CompetenceRating).where(*where))


def _person_in_a_workshop(url: str) -> int:
    with unit_of_work(get_engine(url)) as s:
        return s.scalar(
            select(Person.id)
            .join(WorkshopEnrolment, WorkshopEnrolment.person_id == Person.id)
            .order_by(Person.id)
            .limit(1)
        )


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label.startswith(label))


def _edit(at: AppTest, key_start: str, rows: dict[int, dict]) -> None:
    key = next(e.key for e in at.data_editor if e.key and e.key.startswith(key_start))
    at.session_state[key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}


# ---------------------------------------------------------------- person grid
def test_tutor_rates_the_person_opened_on_the_person_page(open_page, grid_db):
    pid = _person_in_a_workshop(grid_db)
    at = open_page("competence_grid.py", "tutor", person_id=pid)
    assert not at.exception, at.exception
    sections = [e.value for e in at.data_editor]
    assert len(sections) == 4  # the workshop's trade, transversal, Italian for work, digital
    shown = pd.concat(sections)
    assert list(shown.columns) == ["group", "competence", "last", "level", "note"]
    assert shown["level"].isna().all()
    assert sections[0]["group"].iloc[0].startswith("Tecnico-professionale — ")
    assert "Italiano per il lavoro - parlato: chiede, spiega e riferisce" in set(
        shown["competence"]
    )
    before = _count(grid_db, CompetenceRating.person_id == pid)

    _edit(at, "competence_grid_editor_", {0: {"level": 2}, 1: {"level": 0, "note": "da rivedere"}})
    _button(at, "Salva la valutazione").click()
    at.run()

    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Valutazione salvata (livelli registrati: 2)."]
    assert _count(grid_db, CompetenceRating.person_id == pid) == before + 2
    with unit_of_work(get_engine(grid_db)) as s:
        newest = s.scalars(
            select(CompetenceRating)
            .where(CompetenceRating.person_id == pid)
            .order_by(CompetenceRating.id.desc())
            .limit(2)
        ).all()
        assert sorted((r.level, r.note) for r in newest) == [(0, "da rivedere"), (2, None)]
    # the grid starts empty again, with the level just saved as the latest one
    assert at.data_editor[0].value["level"].isna().all()
    assert at.data_editor[0].value["last"].iloc[0].startswith("2 · In autonomia")


def test_an_invalid_row_is_named_and_nothing_is_saved(open_page, grid_db):
    pid = _person_in_a_workshop(grid_db)
    at = open_page("competence_grid.py", "tutor", person_id=pid)
    before = _count(grid_db, CompetenceRating.person_id == pid)

    _edit(
        at,
        "competence_grid_editor_",
        {0: {"level": 3}, 1: {"level": 7}, 2: {"note": "nota senza livello"}},
    )
    _button(at, "Salva la valutazione").click()
    at.run()

    assert not at.exception, at.exception
    second, third = at.data_editor[0].value["competence"].iloc[1:3]
    errors = [e.value for e in at.error]
    assert errors[-1] == "Nulla è stato salvato. Righe da correggere: 2."
    assert errors[0].startswith(f"{second}: Livello «7» non valido")
    assert (
        errors[1]
        == f"{third}: C'è una nota ma nessun livello: scegli il livello o cancella la nota."
    )
    assert not at.success
    assert _count(grid_db, CompetenceRating.person_id == pid) == before


def test_the_page_finds_a_person_by_name_without_the_person_page(open_page, grid_db):
    with unit_of_work(get_engine(grid_db)) as s:
        person = s.scalars(select(Person).order_by(Person.id).limit(1)).one()
        last, pid = person.last_name, person.id
    at = open_page("competence_grid.py", "coordinatore")
    assert next(i.value for i in at.info).startswith("Cerca e scegli la persona")
    at.text_input(key="competence_grid_search").input(last).run()
    at.selectbox(key="competence_grid_pick").select(pid).run()
    assert not at.exception, at.exception
    assert at.session_state["person_id"] == pid  # the current person, for the other pages too
    assert sum(e.value["competence"].size for e in at.data_editor) > 10
    assert [t.label for t in at.tabs] == ["Valuta", "Progressi e scheda"]


def test_the_progress_tab_shows_the_comparison(open_page, grid_db):
    with unit_of_work(get_engine(grid_db)) as s:
        pid = s.scalar(
            select(CompetenceRating.person_id)
            .group_by(CompetenceRating.person_id)
            .having(func.count(func.distinct(CompetenceRating.rated_on)) > 1)
            .limit(1)
        )
    at = open_page("competence_grid.py", "tutor", person_id=pid)
    assert not at.exception
    subheaders = [h.value for h in at.subheader]
    assert "Competenze: ingresso e livello attuale" in subheaders
    assert any(m.value.startswith("##### Competenze migliorate: ") for m in at.markdown)
    assert "**Tecnico-professionale**" in [m.value for m in at.markdown]  # a chart per area
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Scarica i dati (CSV)", "Scarica la scheda di trasparenza (PDF)"]


# ---------------------------------------------------------------- class grid
def test_trainer_rates_a_whole_class(open_page, grid_db):
    at = open_page("workshop_grid.py", "tutor")
    assert not at.exception, at.exception
    edition_id = at.selectbox(key="workshop_grid_edition").value
    frame = at.data_editor[0].value
    codes = [c for c in frame.columns if c not in ("person_id", "name", "note")]
    assert codes and all(c.split(".")[0] == codes[0].split(".")[0] for c in codes)
    people = len(frame)
    before = _count(grid_db, CompetenceRating.workshop_edition_id == edition_id)

    edits = {i: {codes[0]: 2, codes[1]: 1} for i in range(people)}
    edits[0]["note"] = "ottimo lavoro di squadra"
    _edit(at, "workshop_grid_editor_", edits)
    _button(at, "Salva la valutazione della classe").click()
    at.run()

    assert not at.exception, at.exception
    assert at.success and at.success[0].value.endswith(f"(livelli registrati: {2 * people}).")
    assert _count(grid_db, CompetenceRating.workshop_edition_id == edition_id) == before + 2 * (
        people
    )


def test_a_bad_cell_in_the_class_grid_saves_nothing(open_page, grid_db):
    at = open_page("workshop_grid.py", "coordinatore")
    edition_id = at.selectbox(key="workshop_grid_edition").value
    frame = at.data_editor[0].value
    codes = [c for c in frame.columns if c not in ("person_id", "name", "note")]
    before = _count(grid_db, CompetenceRating.workshop_edition_id == edition_id)
    _edit(at, "workshop_grid_editor_", {0: {codes[0]: 2}, 1: {codes[0]: 5}})
    _button(at, "Salva la valutazione della classe").click()
    at.run()
    assert [e.value for e in at.error] == ["Nulla è stato salvato. Righe da correggere: 1."]
    assert any("**Riga 2** · " in m.value for m in at.markdown)
    assert _count(grid_db, CompetenceRating.workshop_edition_id == edition_id) == before


# ---------------------------------------------------------------- catalogue
def test_coordinator_adds_a_competence_and_imports_from_esco(open_page, grid_db):
    at = open_page("competences.py", "coordinatore")
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs] == ["Aggiungi", "Rinomina o ritira", "Importa da ESCO"]

    at.text_input(key="competences_add_it").input("Usa la cassa e batte lo scontrino")
    at.text_input(key="competences_add_en").input("Uses the till and prints the receipt")
    at.selectbox(key="competences_add_area").select_index(1)  # transversal
    _button(at, "Aggiungi al catalogo").click()
    at.run()
    assert not at.exception, at.exception
    with unit_of_work(get_engine(grid_db)) as s:
        added = s.scalar(
            select(Competence).where(Competence.label_it == "Usa la cassa e batte lo scontrino")
        )
        assert (
            added is not None and added.code == "transversal.uses_the_till_and_prints_the_receipt"
        )

    # an error stays next to its field, nothing is added
    at.text_input(key="competences_add_it").input("Rifinisce i bordi")
    at.text_input(key="competences_add_en").input("Trims edges")
    at.selectbox(key="competences_add_area").select_index(0)  # technical
    _button(at, "Aggiungi al catalogo").click()
    at.run()
    assert "Una competenza tecnica appartiene a un mestiere: scegline uno." in [
        e.value for e in at.error
    ]

    at.file_uploader(key="competences_import_file").set_value(
        ("skills_en.csv", (FIXTURES / "skills_en.csv").read_bytes(), "text/csv")
    ).run()
    assert not at.exception, at.exception
    assert at.radio(key="competences_import_lang").value == "en"
    at.selectbox(key="competences_import_area").select_index(3)  # digital
    at.checkbox(key="competences_import_all").check().run()
    _button(at, "Importa le selezionate (8)").click()
    at.run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Aggiunte": "2", "Completate (lingua mancante)": "0", "Saltate": "6"}
    with unit_of_work(get_engine(grid_db)) as s:
        imported = s.scalars(select(Competence).where(Competence.code.like("esco.%"))).all()
        assert {c.label_en for c in imported} == {
            "sew curtains",
            "operate garment manufacturing machines",
        }


def test_tutors_see_the_catalogue_read_only(open_page):
    at = open_page("competences.py", "tutor")
    assert not at.exception
    assert not at.tabs
    assert "Il catalogo è gestito da coordinatori e amministratori." in [
        c.value for c in at.caption
    ]
    assert len(at.dataframe[0].value) == 50  # the first page of the catalogue


def test_catalogue_retire_and_reinstate(open_page, grid_db):
    at = open_page("competences.py", "admin")
    at.text_input(key="competences_search").input("carta da parati").run()
    _button(at, "Ritira la competenza").click()
    at.run()
    assert not at.exception, at.exception
    with unit_of_work(get_engine(grid_db)) as s:
        paper = s.scalar(
            select(Competence).where(Competence.code == "interior_maintenance.wallpaper")
        )
        assert paper.retired_at is not None
    at.checkbox(key="competences_retired").check().run()
    _button(at, "Rimetti in uso la competenza").click()
    at.run()
    with unit_of_work(get_engine(grid_db)) as s:
        paper = s.scalar(
            select(Competence).where(Competence.code == "interior_maintenance.wallpaper")
        )
        assert paper.retired_at is None
