"""The competence services on SQLite and PostgreSQL: catalogue, ratings, grids, comparison,
ESCO import."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from fleming import competences as comp
from fleming.db import unit_of_work
from fleming.errors import Conflict, PermissionDenied, ValidationError, ValidationErrors
from fleming.models import (
    ActivityKind,
    AuditEntry,
    Competence,
    CompetenceArea,
    CompetenceRating,
    EnrolmentStatus,
    RatingSource,
    Role,
)
from tests.integration import competence_helpers as h

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "esco"
TODAY = date(2025, 6, 30)


def _ratings(engine) -> int:
    with unit_of_work(engine) as s:
        return s.scalar(select(func.count()).select_from(CompetenceRating))


@pytest.fixture
def people(engine):
    """A tutor, a coordinator, an admin and a person in a catering workshop."""
    with unit_of_work(engine) as s:
        tutor = h.staff(s, Role.TUTOR, "Luca Tutor")
        coord = h.staff(s, Role.COORDINATOR)
        admin = h.staff(s, Role.ADMIN)
        pid = h.person(s, "Amina", "Rossi", tutor=tutor)
        eid = h.edition(s, "catering")
        h.enrol(s, eid, pid)
        ids = {
            code: h.competence_id(s, code)
            for code in (
                "catering.cut_vegetables",
                "catering.knives",
                "transversal.teamwork",
                "italian.speaking",
                "gardening.hedges",
            )
        }
    return {
        "tutor": tutor,
        "coord": coord,
        "admin": admin,
        "person": pid,
        "edition": eid,
        "ids": ids,
    }


# ---------------------------------------------------------------- catalogue
def test_coordinator_adds_a_technical_competence_with_an_esco_link(engine, people):
    with unit_of_work(engine) as s:
        new_id = comp.add_competence(
            session=s,
            actor=people["coord"],
            data=comp.NewCompetence(
                label_it="Prepara il caffè con la macchina espresso",
                label_en="Makes coffee with the espresso machine",
                area=CompetenceArea.TECHNICAL,
                trade_id=h.trade_id(s, "catering"),
                esco_uri=" https://data.europa.eu/esco/skill/42a6eff0-e9d9-423d-877b-e48fe91ff26f ",
            ),
        )
    with unit_of_work(engine) as s:
        view = comp.get_competence(session=s, actor=people["tutor"], competence_id=new_id)
        assert view.code == "catering.makes_coffee_with_the_espresso_machine"
        assert view.esco_uri.startswith("http://data.europa.eu/esco/skill/42a6eff0")
        assert view.trade_code == "catering"
        logged = s.scalar(
            select(AuditEntry).where(
                AuditEntry.entity == "competence", AuditEntry.entity_id == str(new_id)
            )
        )
        assert logged.action == "create" and logged.actor_id == people["coord"].id
        # the new competence joins the grid of the person in the catering workshop
        relevant = comp.relevant_competences(
            session=s, actor=people["tutor"], person_id=people["person"]
        )
        assert new_id in {c.id for c in relevant}


def test_adding_reports_every_field_error_at_once_and_saves_nothing(engine, people):
    with unit_of_work(engine) as s:
        before = s.scalar(select(func.count()).select_from(Competence))
    with pytest.raises(ValidationErrors) as caught, unit_of_work(engine) as s:
        comp.add_competence(
            session=s,
            actor=people["admin"],
            data=comp.NewCompetence(
                label_it=" ",
                label_en="x" * 301,
                area=CompetenceArea.TECHNICAL,
                trade_id=None,
                esco_uri="http://data.europa.eu/esco/skill/made-up",
            ),
        )
    assert caught.value.by_field().keys() == {"label_it", "label_en", "trade_id", "esco_uri"}
    assert caught.value.by_field()["trade_id"].message == "competences.error.trade_required"
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(Competence)) == before


def test_a_transversal_competence_has_no_trade_and_labels_are_unique(engine, people):
    with pytest.raises(ValidationErrors) as caught, unit_of_work(engine) as s:
        comp.add_competence(
            session=s,
            actor=people["coord"],
            data=comp.NewCompetence(
                label_it="lavora in squadra collaborando con i colleghi",
                label_en="Team work",
                area=CompetenceArea.TRANSVERSAL,
                trade_id=h.trade_id(s, "catering"),
            ),
        )
    assert {e.message for e in caught.value.errors} == {
        "competences.error.trade_only_technical",
        "competences.error.duplicate_label",
    }


def test_tutors_cannot_change_the_catalogue(engine, people):
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        comp.add_competence(
            session=s,
            actor=people["tutor"],
            data=comp.NewCompetence("Etichetta", "Label", CompetenceArea.DIGITAL),
        )
    with unit_of_work(engine) as s:
        denied = s.scalar(select(AuditEntry).where(AuditEntry.action == "denied"))
        assert denied.entity_id == "competences.manage"


def test_rename_checks_the_version_and_is_audited(engine, people):
    cid = people["ids"]["catering.knives"]
    with unit_of_work(engine) as s:
        view = comp.get_competence(session=s, actor=people["coord"], competence_id=cid)
    with unit_of_work(engine) as s:
        comp.rename_competence(
            session=s,
            actor=people["coord"],
            competence_id=cid,
            version=view.version,
            label_it="Usa coltelli professionali in sicurezza",
            label_en="Uses professional knives safely",
        )
    with pytest.raises(Conflict), unit_of_work(engine) as s:  # a second tab, loaded before
        comp.rename_competence(
            session=s,
            actor=people["admin"],
            competence_id=cid,
            version=view.version,
            label_it="Altro",
            label_en="Other",
        )
    with unit_of_work(engine) as s:
        again = comp.get_competence(session=s, actor=people["coord"], competence_id=cid)
        assert again.label_it == "Usa coltelli professionali in sicurezza"
        assert again.version == view.version + 1
        change = s.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "update", AuditEntry.entity_id == str(cid)
            )
        )
        assert change.changes["label_en"]["to"] == "Uses professional knives safely"


def test_retired_competences_leave_the_grid_but_stay_in_history(engine, people):
    cid = people["ids"]["catering.knives"]
    with unit_of_work(engine) as s:
        comp.save_ratings(
            session=s,
            actor=people["tutor"],
            person_id=people["person"],
            entries=[comp.RatingEntry(people["person"], cid, 1)],
            rated_on=TODAY - timedelta(days=30),
            source=RatingSource.ENTRY,
            today=TODAY,
        )
    with unit_of_work(engine) as s:
        version = comp.get_competence(session=s, actor=people["coord"], competence_id=cid).version
        comp.retire_competence(session=s, actor=people["coord"], competence_id=cid, version=version)
    with unit_of_work(engine) as s:
        grid = comp.person_grid(session=s, actor=people["tutor"], person_id=people["person"])
        assert cid not in set(grid["competence_id"])
        listed = comp.list_competences(
            session=s, actor=people["tutor"], search="coltelli", include_retired=True
        )
        assert [c.id for c in listed.rows] == [cid] and listed.rows[0].retired
        hidden = comp.list_competences(
            session=s, actor=people["tutor"], search="coltelli", include_retired=False
        )
        assert hidden.total == 0
        history = comp.progress(session=s, actor=people["tutor"], person_id=people["person"])
        assert bool(history.set_index("competence_id").loc[cid, "retired"]) is True
    with pytest.raises(ValidationErrors) as caught, unit_of_work(engine) as s:
        comp.save_ratings(
            session=s,
            actor=people["tutor"],
            person_id=people["person"],
            entries=[comp.RatingEntry(people["person"], cid, 2, row=4)],
            rated_on=TODAY,
            source=RatingSource.WORKSHOP_END,
            today=TODAY,
        )
    err = caught.value.by_field()["row 4"]
    assert err.message == "competences.error.competence_retired"
    assert err.params["code"] == "catering.knives"
    with unit_of_work(engine) as s:
        version = comp.get_competence(session=s, actor=people["coord"], competence_id=cid).version
        comp.reinstate_competence(
            session=s, actor=people["coord"], competence_id=cid, version=version
        )
        assert cid in {
            c.id
            for c in comp.relevant_competences(
                session=s, actor=people["tutor"], person_id=people["person"]
            )
        }


def test_list_filters_and_pages_in_sql(engine, people):
    with unit_of_work(engine) as s:
        tid = h.trade_id(s, "tailoring")
        tailoring = comp.list_competences(session=s, actor=people["tutor"], trade_id=tid)
        assert tailoring.total == 11
        assert {c.trade_code for c in tailoring.rows} == {"tailoring"}
        language = comp.list_competences(
            session=s, actor=people["tutor"], area=CompetenceArea.LANGUAGE
        )
        assert [c.code for c in language.rows] == [
            "italian.listening",
            "italian.reading",
            "italian.speaking",
            "italian.writing",
        ]
        first = comp.list_competences(session=s, actor=people["tutor"], limit=10)
        second = comp.list_competences(session=s, actor=people["tutor"], limit=10, offset=10)
        assert len(first.rows) == len(second.rows) == 10
        assert not {c.id for c in first.rows} & {c.id for c in second.rows}
        assert first.total == s.scalar(select(func.count()).select_from(Competence))
        assert first.rows[0].area is CompetenceArea.TECHNICAL  # technical first


# ---------------------------------------------------------------- relevance
def test_relevant_competences_follow_the_workshops_of_the_path(engine, people):
    with unit_of_work(engine) as s:
        codes = {
            c.code
            for c in comp.relevant_competences(
                session=s, actor=people["tutor"], person_id=people["person"]
            )
        }
        assert "catering.cut_vegetables" in codes
        assert not any(c.startswith("gardening.") for c in codes)
        assert {"transversal.teamwork", "italian.writing", "digital.web_search"} <= codes
        # a gardening workshop planned in the path adds gardening
        garden = h.edition(s, "gardening", "Laboratorio verde")
        h.pact_with_activity(
            s, people["person"], people["tutor"], ActivityKind.WORKSHOP, workshop_edition_id=garden
        )
        with_path = {
            c.code
            for c in comp.relevant_competences(
                session=s, actor=people["tutor"], person_id=people["person"]
            )
        }
        assert "gardening.hedges" in with_path
        # and a trade can be added on request (entry assessment before any workshop)
        other = h.person(s, "Omar", "Bianchi")
        asked = comp.relevant_competences(
            session=s,
            actor=people["tutor"],
            person_id=other,
            extra_trade_ids=[h.trade_id(s, "tailoring")],
        )
        areas = [c.area for c in asked]
        assert areas == sorted(areas, key=comp.AREA_ORDER.index)
        assert {c.trade_code for c in asked if c.area is CompetenceArea.TECHNICAL} == {"tailoring"}


# ---------------------------------------------------------------- saving ratings
def test_a_valid_batch_is_saved_with_date_assessor_and_source(engine, people):
    ids, pid = people["ids"], people["person"]
    entries = [
        comp.RatingEntry(pid, ids["catering.cut_vegetables"], 1, "taglia lento"),
        comp.RatingEntry(pid, ids["catering.knives"], None),  # not rated this time
        comp.RatingEntry(pid, ids["transversal.teamwork"], 2),
    ]
    with unit_of_work(engine) as s:
        saved = comp.save_ratings(
            session=s,
            actor=people["tutor"],
            person_id=pid,
            entries=entries,
            rated_on=date(2025, 2, 3),
            source="entry",
            today=TODAY,
        )
    assert saved == 2
    with unit_of_work(engine) as s:
        rows = s.scalars(select(CompetenceRating).order_by(CompetenceRating.id)).all()
        assert [(r.competence_id, r.level, r.note) for r in rows] == [
            (ids["catering.cut_vegetables"], 1, "taglia lento"),
            (ids["transversal.teamwork"], 2, None),
        ]
        assert {(r.assessor_id, r.source, r.rated_on) for r in rows} == {
            (people["tutor"].id, RatingSource.ENTRY, date(2025, 2, 3))
        }
        audited = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "competence_rating", AuditEntry.person_id == pid)
        )
        assert audited == 2
        grid = comp.person_grid(session=s, actor=people["tutor"], person_id=pid)
        last = grid.set_index("code")["last_level"]
        assert last["transversal.teamwork"] == 2 and pd.isna(last["catering.knives"])


def test_one_bad_row_refuses_the_whole_batch_and_names_each_row(engine, people):
    ids, pid = people["ids"], people["person"]
    retired = ids["gardening.hedges"]
    with unit_of_work(engine) as s:
        c = s.get(Competence, retired)
        c.retired_at = c.created_at
    entries = [
        comp.RatingEntry(pid, ids["catering.cut_vegetables"], 2, row=1),
        comp.RatingEntry(pid, ids["catering.knives"], 7, row=2),
        comp.RatingEntry(pid, retired, 1, row=3),
        comp.RatingEntry(pid, ids["transversal.teamwork"], None, "bravo", row=4),
        comp.RatingEntry(pid, ids["italian.speaking"], 1, "x" * 501, row=5),
        comp.RatingEntry(pid, ids["italian.speaking"], 2.5, row=6),
        comp.RatingEntry(pid, ids["catering.cut_vegetables"], 1, row=7),
        comp.RatingEntry(pid, 999_999, 1, row=8),
    ]
    with pytest.raises(ValidationErrors) as caught, unit_of_work(engine) as s:
        comp.save_ratings(
            session=s,
            actor=people["tutor"],
            person_id=pid,
            entries=entries,
            rated_on=TODAY,
            source=RatingSource.WORKSHOP_END,
            today=TODAY,
        )
    reasons = {e.field: e.message for e in caught.value.errors}
    assert reasons == {
        "row 2": "competences.error.level_invalid",
        "row 3": "competences.error.competence_retired",
        "row 4": "competences.error.note_without_level",
        "row 5": "competences.error.note_too_long",
        "row 6": "competences.error.level_invalid",
        "row 7": "competences.error.duplicate_row",
        "row 8": "competences.error.competence_unknown",
    }
    assert caught.value.by_field()["row 2"].params["code"] == "catering.knives"
    assert _ratings(engine) == 0  # row 1 was fine, and was not saved either


@pytest.mark.parametrize("bad", [-1, 4, "2", True, "alto", 1.5])
def test_levels_outside_the_scale_are_refused(engine, people, bad):
    pid = people["person"]
    with pytest.raises(ValidationErrors) as caught, unit_of_work(engine) as s:
        comp.save_ratings(
            session=s,
            actor=people["tutor"],
            person_id=pid,
            entries=[comp.RatingEntry(pid, people["ids"]["catering.knives"], bad)],
            rated_on=TODAY,
            source=RatingSource.EXIT,
            today=TODAY,
        )
    assert caught.value.errors[0].message == "competences.error.level_invalid"
    assert _ratings(engine) == 0


def test_date_source_and_empty_batches_are_checked(engine, people):
    pid, cid = people["person"], people["ids"]["catering.knives"]
    with pytest.raises(ValidationErrors) as caught, unit_of_work(engine) as s:
        comp.save_ratings(
            session=s,
            actor=people["tutor"],
            person_id=pid,
            entries=[comp.RatingEntry(pid, cid, 1)],
            rated_on=TODAY + timedelta(days=1),
            source="graduation",
            today=TODAY,
        )
    assert {e.field: e.message for e in caught.value.errors} == {
        "rated_on": "validators.date.future",
        "source": "competences.error.source",
    }
    with pytest.raises(ValidationErrors) as caught, unit_of_work(engine) as s:
        comp.save_ratings(
            session=s,
            actor=people["tutor"],
            person_id=pid,
            entries=[comp.RatingEntry(pid, cid, None)],
            rated_on=TODAY,
            source=RatingSource.EXIT,
            today=TODAY,
        )
    assert caught.value.errors[0].message == "competences.error.nothing_to_save"


def test_admins_read_but_do_not_rate(engine, people):
    pid = people["person"]
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        comp.save_ratings(
            session=s,
            actor=people["admin"],
            person_id=pid,
            entries=[comp.RatingEntry(pid, people["ids"]["catering.knives"], 1)],
            rated_on=TODAY,
            source=RatingSource.ENTRY,
            today=TODAY,
        )
    with unit_of_work(engine) as s:
        assert comp.progress(session=s, actor=people["admin"], person_id=pid).empty


def test_person_grid_frame_from_the_page_round_trips(engine, people):
    pid = people["person"]
    with unit_of_work(engine) as s:
        grid = comp.person_grid(session=s, actor=people["tutor"], person_id=pid)
    edited = grid[["competence_id"]].assign(level=pd.NA, note=None)
    edited.loc[0, "level"] = 2
    edited.loc[1, "level"] = 0
    edited.loc[1, "note"] = "mai visto in cucina"
    with unit_of_work(engine) as s:
        saved = comp.save_ratings(
            session=s,
            actor=people["tutor"],
            person_id=pid,
            entries=comp.person_grid_entries(pid, edited),
            rated_on=TODAY,
            source=RatingSource.ENTRY,
            today=TODAY,
        )
    assert saved == 2
    with unit_of_work(engine) as s:
        after = comp.person_grid(session=s, actor=people["tutor"], person_id=pid)
        assert list(after["last_level"][:2]) == [2, 0]


# ---------------------------------------------------------------- class grid
@pytest.fixture
def klass(engine, people):
    with unit_of_work(engine) as s:
        eid = people["edition"]
        bea = h.person(s, "Bea", "Verdi")
        carlo = h.person(s, "Carlo", "Neri")
        gone = h.person(s, "Dario", "Assenti")
        outsider = h.person(s, "Elsa", "Fuori")
        h.enrol(s, eid, bea)
        h.enrol(s, eid, carlo)
        h.enrol(s, eid, gone, status=EnrolmentStatus.WITHDRAWN)
    return {"bea": bea, "carlo": carlo, "gone": gone, "outsider": outsider, "edition": eid}


def test_class_grid_lists_the_class_and_the_trade(engine, people, klass):
    with unit_of_work(engine) as s:
        grid = comp.class_grid(
            session=s,
            actor=people["tutor"],
            edition_id=klass["edition"],
            areas=[CompetenceArea.TECHNICAL, CompetenceArea.TRANSVERSAL],
        )
    assert list(grid.frame["name"]) == ["Neri Carlo", "Rossi Amina", "Verdi Bea"]
    codes = [c.code for c in grid.competences]
    assert codes[0].startswith("catering.") and "transversal.teamwork" in codes
    assert not any(c.startswith("gardening.") for c in codes)
    assert list(grid.frame.columns) == ["person_id", "name", "note", *codes]
    assert grid.frame[codes].isna().all().all()
    assert grid.edition.people == 3


def test_trainer_rates_the_whole_class_in_one_transaction(engine, people, klass):
    with unit_of_work(engine) as s:
        grid = comp.class_grid(session=s, actor=people["tutor"], edition_id=klass["edition"])
    frame = grid.frame.copy()
    frame["catering.cut_vegetables"] = [2, 3, 1]
    frame["catering.knives"] = [1, pd.NA, 2]
    frame.loc[0, "note"] = "ottimi progressi"
    with unit_of_work(engine) as s:
        saved = comp.save_class_ratings(
            session=s,
            actor=people["tutor"],
            edition_id=klass["edition"],
            frame=frame,
            rated_on=TODAY,
            today=TODAY,
        )
    assert saved == 5
    with unit_of_work(engine) as s:
        rows = s.scalars(select(CompetenceRating)).all()
        assert {r.workshop_edition_id for r in rows} == {klass["edition"]}
        assert {r.source for r in rows} == {RatingSource.WORKSHOP_END}
        carlo = [r for r in rows if r.person_id == frame.loc[0, "person_id"]]
        assert {r.note for r in carlo} == {"ottimi progressi"}
        again = comp.class_grid(
            session=s, actor=people["tutor"], edition_id=klass["edition"], prefill=True
        )
        assert list(again.frame["catering.cut_vegetables"]) == [2, 3, 1]


def test_class_grid_with_one_bad_cell_saves_nothing(engine, people, klass):
    with unit_of_work(engine) as s:
        grid = comp.class_grid(session=s, actor=people["tutor"], edition_id=klass["edition"])
    frame = grid.frame.copy().astype(object)
    frame["catering.cut_vegetables"] = [2, 3, 9]
    outsider_row = frame.iloc[[0]].copy()
    outsider_row["person_id"] = klass["outsider"]
    outsider_row["name"] = "Fuori Elsa"
    frame = pd.concat([frame, outsider_row], ignore_index=True)
    with pytest.raises(ValidationErrors) as caught, unit_of_work(engine) as s:
        comp.save_class_ratings(
            session=s,
            actor=people["tutor"],
            edition_id=klass["edition"],
            frame=frame,
            rated_on=TODAY,
            today=TODAY,
        )
    reasons = {(e.field, e.params.get("code"), e.message) for e in caught.value.errors}
    assert reasons == {
        ("row 3", "catering.cut_vegetables", "competences.error.level_invalid"),
        ("row 4", "catering.cut_vegetables", "competences.error.not_enrolled"),
    }
    assert _ratings(engine) == 0


def test_class_note_without_any_level_is_reported(engine, people, klass):
    with unit_of_work(engine) as s:
        grid = comp.class_grid(session=s, actor=people["tutor"], edition_id=klass["edition"])
    frame = grid.frame.copy()
    frame.loc[0, "catering.knives"] = 2
    frame.loc[1, "note"] = "assente all'ultima lezione"
    with pytest.raises(ValidationErrors) as caught, unit_of_work(engine) as s:
        comp.save_class_ratings(
            session=s,
            actor=people["tutor"],
            edition_id=klass["edition"],
            frame=frame,
            rated_on=TODAY,
            today=TODAY,
        )
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("row 2", "competences.error.note_without_level")
    ]


def test_class_grid_refuses_unknown_columns(engine, people, klass):
    frame = pd.DataFrame(
        {"person_id": [klass["bea"]], "name": ["Verdi Bea"], "note": [None], "made.up": [1]}
    )
    with pytest.raises(ValidationErrors) as caught, unit_of_work(engine) as s:
        comp.save_class_ratings(
            session=s,
            actor=people["tutor"],
            edition_id=klass["edition"],
            frame=frame,
            rated_on=TODAY,
            today=TODAY,
        )
    assert caught.value.errors[0].field == "made.up"


# ---------------------------------------------------------------- comparison
def test_progress_compares_the_first_and_the_latest_rating(engine, people):
    ids, pid, tutor = people["ids"], people["person"], people["tutor"]

    def rate(day: date, source: RatingSource, levels: dict[str, int]) -> None:
        with unit_of_work(engine) as s:
            comp.save_ratings(
                session=s,
                actor=tutor,
                person_id=pid,
                entries=[comp.RatingEntry(pid, ids[k], v) for k, v in levels.items()],
                rated_on=day,
                source=source,
                today=TODAY,
            )

    rate(date(2025, 2, 3), RatingSource.ENTRY, {"catering.knives": 0, "italian.speaking": 1})
    rate(date(2025, 4, 3), RatingSource.WORKSHOP_END, {"catering.knives": 2})
    rate(date(2025, 6, 3), RatingSource.EXIT, {"catering.knives": 3, "italian.speaking": 1})
    rate(date(2025, 6, 3), RatingSource.EXIT, {"transversal.teamwork": 2})
    with unit_of_work(engine) as s:
        frame = comp.progress(session=s, actor=tutor, person_id=pid).set_index("code")
    assert frame.loc["catering.knives", ["entry_level", "latest_level", "gain"]].tolist() == [
        0,
        3,
        3,
    ]
    assert frame.loc["catering.knives", "ratings"] == 3
    assert frame.loc["catering.knives", "latest_source"] == "exit"
    assert frame.loc["italian.speaking", "gain"] == 0
    assert frame.loc["transversal.teamwork", ["entry_level", "latest_level"]].tolist() == [2, 2]
    assert list(frame.index) == ["catering.knives", "transversal.teamwork", "italian.speaking"]
    with unit_of_work(engine) as s:
        data = comp.progress_csv(session=s, actor=tutor, person_id=pid).decode("utf-8-sig")
        assert data.splitlines()[0].startswith("Codice,Competenza,Area,Livello all'ingresso")
        assert "catering.knives,Usa coltelli e attrezzi da taglio in sicurezza,Tecnico" in data
        exported = s.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
        assert exported.entity == "competence_progress" and exported.person_id == pid


# ---------------------------------------------------------------- ESCO import
def _import(engine, actor, name: str, **kwargs):
    skills = comp.read_esco_skills((FIXTURES / name).read_bytes())
    calls: list[tuple[int, int]] = []
    with unit_of_work(engine) as s:
        report = comp.import_esco_skills(
            session=s,
            actor=actor,
            skills=skills,
            progress=lambda done, n: calls.append((done, n)),
            **kwargs,
        )
    return report, calls


def test_esco_import_adds_skills_and_reports_what_it_skipped(engine, people):
    with unit_of_work(engine) as s:
        tailoring = h.trade_id(s, "tailoring")
    report, calls = _import(
        engine,
        people["coord"],
        "skills_en.csv",
        lang="en",
        area=CompetenceArea.TECHNICAL,
        trade_id=tailoring,
    )
    assert [r.label for r in report.added] == [
        "sew curtains",
        "operate garment manufacturing machines",
    ]
    assert {s.line: s.reason.rsplit(".", 1)[1] for s in report.skipped} == {
        2: "exists",  # gardening.lawn already links this ESCO skill
        5: "knowledge",
        6: "bad_uri",
        7: "no_label",
        8: "repeated",
        9: "not_released",
        10: "not_skill",
    }
    assert calls[-1] == (9, 9)
    with unit_of_work(engine) as s:
        curtains = s.scalar(
            select(Competence).where(
                Competence.esco_uri
                == "http://data.europa.eu/esco/skill/80cf93a8-4436-4c89-aa4d-14086536ae81"
            )
        )
        assert curtains.code == "esco.80cf93a8-4436-4c89-aa4d-14086536ae81"
        assert (curtains.label_it, curtains.label_en) == ("sew curtains", "sew curtains")
        assert curtains.trade_id == tailoring

    # the Italian file fills in the Italian labels of the skills imported from the English one
    report_it, _ = _import(
        engine,
        people["admin"],
        "skills_it.csv",
        lang="it",
        area=CompetenceArea.TECHNICAL,
        trade_id=tailoring,
    )
    assert report_it.added == () and len(report_it.updated) == 2
    with unit_of_work(engine) as s:
        curtains = s.get(Competence, curtains.id)
        assert (curtains.label_it, curtains.label_en) == ("cucire tende", "sew curtains")

    again, _ = _import(
        engine,
        people["coord"],
        "skills_en.csv",
        lang="en",
        area=CompetenceArea.TECHNICAL,
        trade_id=tailoring,
    )
    assert again.added == () and again.updated == ()
    assert sum(s.reason.endswith(".exists") for s in again.skipped) == 3


def test_esco_import_needs_a_trade_for_technical_skills_and_a_manager(engine, people):
    with pytest.raises(ValidationErrors) as caught:
        _import(engine, people["coord"], "skills_en.csv", lang="en", area="technical")
    assert caught.value.errors[0].field == "trade_id"
    with pytest.raises(PermissionDenied):
        _import(engine, people["tutor"], "skills_en.csv", lang="en", area="transversal")
    report, _ = _import(engine, people["coord"], "skills_en.csv", lang="en", area="transversal")
    assert len(report.added) == 2
    with unit_of_work(engine) as s:
        added = s.scalars(select(Competence).where(Competence.code.like("esco.%"))).all()
        assert {c.area for c in added} == {CompetenceArea.TRANSVERSAL}
        assert {c.trade_id for c in added} == {None}


def test_esco_reader_refuses_a_file_in_another_layout():
    with pytest.raises(ValidationError) as caught:
        comp.read_esco_skills(b"id,description\nhttp://x,y\n")
    assert caught.value.message == "competences.import.error.columns"
    assert "conceptType" in caught.value.params["missing"]
    with pytest.raises(ValidationError) as caught:
        comp.read_esco_skills(b"\xff\xfe\x00garbage")
    assert caught.value.message == "competences.import.error.unreadable"


def test_esco_reader_refuses_a_column_named_twice():
    # found by the property test: " conceptUri" is "conceptUri" once trimmed
    data = (
        b"conceptType,conceptUri,skillType,preferredLabel,status, conceptUri\r\n"
        b"KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/e3,skill/competence,"
        b"usare il forno,released,\r\n"
    )
    with pytest.raises(ValidationError) as caught:
        comp.read_esco_skills(data)
    assert caught.value.message == "competences.import.error.column_twice"
    assert caught.value.params == {"name": "conceptUri"}
