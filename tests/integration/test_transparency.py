"""The transparency sheet PDF: produced, complete, in Italian or English, audited."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from fleming import competences as comp
from fleming import transparency
from fleming.db import unit_of_work
from fleming.errors import NotFound, PermissionDenied
from fleming.models import ActivityKind, ActivityStatus, AuditEntry, RatingSource, Role
from tests.integration import competence_helpers as h

ISSUED = date(2025, 10, 2)


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def path(engine):
    """Amina: a skills assessment, a catering workshop (hours attended), an internship, ratings."""
    with unit_of_work(engine) as s:
        tutor = h.staff(s, Role.TUTOR, "Giulia Tutorà")
        pid = h.person(s, "Amina", "Benali", tutor=tutor)
        eid = h.edition(s, "catering", "Laboratorio di cucina 3", hours=120)
        h.enrol(s, eid, pid, attended=(4, 4, 3.5))
        h.pact_with_activity(
            s, pid, tutor, ActivityKind.SKILLS_ASSESSMENT, description="Bilancio iniziale", hours=6
        )
        h.pact_with_activity(
            s, pid, tutor, ActivityKind.ORIENTATION_CV, status=ActivityStatus.DROPPED
        )
        h.pact_with_activity(s, pid, tutor, ActivityKind.WORKSHOP, workshop_edition_id=eid)
        h.internship(s, pid, "Trattoria Da Gino Srl")
        ids = {
            c: h.competence_id(s, c)
            for c in ("catering.cut_vegetables", "catering.knives", "transversal.teamwork")
        }
    for day, source, levels in (
        (
            date(2025, 2, 3),
            RatingSource.ENTRY,
            {"catering.cut_vegetables": 0, "catering.knives": 1},
        ),
        (date(2025, 4, 3), RatingSource.WORKSHOP_END, {"catering.cut_vegetables": 2}),
        (date(2025, 9, 1), RatingSource.EXIT, {"transversal.teamwork": 0}),
    ):
        with unit_of_work(engine) as s:
            comp.save_ratings(
                session=s,
                actor=tutor,
                person_id=pid,
                entries=[comp.RatingEntry(pid, ids[k], v) for k, v in levels.items()],
                rated_on=day,
                source=source,
                today=ISSUED,
            )
    return {"tutor": tutor, "person": pid}


def test_italian_sheet_holds_the_path_the_competences_and_the_disclaimer(engine, path):
    with unit_of_work(engine) as s:
        pdf = transparency.sheet_pdf(
            session=s, actor=path["tutor"], person_id=path["person"], today=ISSUED
        )
    assert pdf.startswith(b"%PDF-")
    text = _flat(_text(pdf))
    for expected in (
        "Scheda di trasparenza delle competenze",
        "Questo documento non è un certificato ufficiale",
        "non è un ente accreditato per la formazione",
        "Amina Benali",
        "Giulia Tutorà",  # accented letters survive (embedded Unicode font)
        "Bilancio iniziale",
        "Laboratorio di cucina 3 (Ristorazione)",
        "11,5 su 120",  # hours attended of the hours planned
        "Trattoria Da Gino Srl",
        "Prepara le verdure secondo le tecniche di taglio",
        "2 · In autonomia",
        "Svolge il compito da sola, nei tempi e con un risultato corretto.",
        "Usa coltelli e attrezzi da taglio in sicurezza",
        "1 · Con guida",
        "data.europa.eu/esco/skill/73b97efd-49fe-49d7-89dd-444f870cd210",
        "ESCO, Commissione europea",
        "Milano, 2 ottobre 2025",
        "Il tutor: Giulia Tutorà",
    ):
        assert expected in text, expected
    # level 0 is not "reached"; a dropped activity is not part of the path shown
    assert "Lavora in squadra" not in text
    assert "Orientamento" not in text


def test_english_sheet_on_request(engine, path):
    with unit_of_work(engine) as s:
        pdf = transparency.sheet_pdf(
            session=s, actor=path["tutor"], person_id=path["person"], lang="en", today=ISSUED
        )
    text = _flat(_text(pdf))
    for expected in (
        "Competence transparency sheet",
        "This document is not an official certificate",
        "Prepares vegetables using the standard cutting techniques",
        "2 · Autonomous",
        "11.5 of 120",
        "Milan, 2 October 2025",
    ):
        assert expected in text, expected
    assert "Scheda di trasparenza" not in text


def test_the_download_is_audited_and_needs_staff(engine, path):
    with unit_of_work(engine) as s:
        transparency.sheet_pdf(session=s, actor=path["tutor"], person_id=path["person"])
    with unit_of_work(engine) as s:
        row = s.scalar(select(AuditEntry).where(AuditEntry.entity == "transparency_sheet"))
        assert (row.action, row.person_id, row.changes["lang"]) == ("export", path["person"], "it")
        partner = h.staff(s, Role.PARTNER)
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        transparency.sheet_pdf(session=s, actor=partner, person_id=path["person"])
    with pytest.raises(NotFound), unit_of_work(engine) as s:
        transparency.sheet_pdf(session=s, actor=path["tutor"], person_id=999_999)


def test_a_person_without_path_or_ratings_gets_a_plain_sheet(engine):
    with unit_of_work(engine) as s:
        tutor = h.staff(s, Role.TUTOR)
        pid = h.person(s, "Nuovo", "Arrivo")
        pdf = transparency.sheet_pdf(session=s, actor=tutor, person_id=pid, today=ISSUED)
    text = _flat(_text(pdf))
    assert "Nessuna attività registrata." in text
    assert "Nessuna competenza valutata" in text
    assert f"Il tutor: {tutor.full_name}" in text  # no tutor assigned: the one who prints it


def test_a_long_sheet_breaks_pages_and_numbers_them(engine, path):
    with unit_of_work(engine) as s:
        grid = comp.person_grid(session=s, actor=path["tutor"], person_id=path["person"])
        comp.save_ratings(
            session=s,
            actor=path["tutor"],
            person_id=path["person"],
            entries=[
                comp.RatingEntry(path["person"], int(cid), 3) for cid in grid["competence_id"]
            ],
            rated_on=ISSUED,
            source=RatingSource.EXIT,
            today=ISSUED,
        )
    with unit_of_work(engine) as s:
        pdf = transparency.sheet_pdf(
            session=s, actor=path["tutor"], person_id=path["person"], today=ISSUED
        )
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages >= 3
    assert f"pagina {pages} di {pages}" in _flat(reader.pages[-1].extract_text())
    assert _flat(_text(pdf)).count("3 · Sa insegnarla") == len(grid) + 1  # + the scale legend
