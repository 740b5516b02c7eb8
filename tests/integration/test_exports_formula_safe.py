"""Every CSV and Excel file the app hands out is safe to open: user text that a spreadsheet would
run as a formula (``=cmd|' /C calc'!A0``, ``@SUM(…)``, ``+…``) comes out with a leading
apostrophe in a CSV, and in Excel as a text cell shown as typed, never a formula. One test per
download path: the company register and the people register (CSV and Excel), the audit log, a
person's competence progress, the KPI chart data and the KPI workbook."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from fleming import audit, audit_log, companies, competences, kpi, kpi_report
from fleming.actor import Actor
from fleming.competences import NewCompetence, RatingEntry
from fleming.db import unit_of_work
from fleming.exports import to_csv_bytes, to_excel_bytes
from fleming.kpi import KpiFilters
from fleming.models import CompetenceArea, InternshipOutcome, RatingSource, Role
from fleming.ui.charts import csv_bytes as kpi_csv_bytes
from tests.integration.company_helpers import company_input
from tests.integration.competence_helpers import person, staff
from tests.integration.kpi_data import COORDINATOR, World

FORMULA = "=cmd|' /C calc'!A0"
AT_FORMULA = "@SUM(A1:A9)"
ADMIN = Actor(id=0, username="capo", full_name="Capo", role=Role.ADMIN)


def _csv_cells(data: bytes, separator: str = ";") -> list[str]:
    text = data.decode("utf-8-sig")
    return [c for row in csv.reader(io.StringIO(text), delimiter=separator) for c in row]


def _no_formula_cell(cells: list[str], *texts: str) -> None:
    """Each text is there, but only behind an apostrophe; no cell starts a formula."""
    for text in texts:
        assert "'" + text in cells, text
        assert text not in cells, text
    assert not [c for c in cells if c[:1] in ("=", "@")]


def _excel_values(data: bytes) -> list[tuple[str, object, str]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [
        (sheet.title, cell.value, cell.data_type)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def test_company_register_csv_and_excel(engine):
    with unit_of_work(engine) as s:
        companies.create(session=s, actor=COORDINATOR, data=company_input(name=FORMULA))
        companies.create(
            session=s, actor=COORDINATOR, data=company_input(name="Bar", address=AT_FORMULA)
        )
    with unit_of_work(engine) as s:
        frame = companies.export_frame(session=s, actor=COORDINATOR)
    _no_formula_cell(_csv_cells(to_csv_bytes(frame)), FORMULA, AT_FORMULA)
    cells = _excel_values(to_excel_bytes(frame, "Aziende"))
    assert ("Aziende", FORMULA, "s") in cells  # as typed, in a text cell
    assert all(kind != "f" for _, _, kind in cells)


def test_audit_log_export(engine):
    with unit_of_work(engine) as s:
        audit.record(
            session=s,
            actor=None,
            action="denied",
            entity="operation",
            entity_id=FORMULA[:40],
            changes={"file": FORMULA},
        )
    with unit_of_work(engine) as s:
        frame = audit_log.export_entries(session=s, actor=ADMIN, filters=audit_log.AuditFilters())
    cells = _csv_cells(to_csv_bytes(frame))
    _no_formula_cell(cells, FORMULA[:40])
    assert any(FORMULA in c for c in cells)  # inside the changes, which start with "{"


def test_competence_progress_csv(engine):
    with unit_of_work(engine) as s:
        coordinator = staff(s, Role.COORDINATOR)
        pid = person(s)
        cid = competences.add_competence(
            session=s,
            actor=coordinator,
            data=NewCompetence(
                label_it=FORMULA, label_en=AT_FORMULA, area=CompetenceArea.TRANSVERSAL
            ),
        )
        competences.save_ratings(
            session=s,
            actor=coordinator,
            person_id=pid,
            entries=[RatingEntry(pid, cid, 2)],
            rated_on=date(2025, 3, 1),
            source=RatingSource.ENTRY,
        )
    with unit_of_work(engine) as s:
        it = competences.progress_csv(session=s, actor=coordinator, person_id=pid, lang="it")
        en = competences.progress_csv(session=s, actor=coordinator, person_id=pid, lang="en")
    _no_formula_cell(_csv_cells(it, ","), FORMULA)
    _no_formula_cell(_csv_cells(en, ","), AT_FORMULA)


@pytest.fixture
def kpi_world(engine):
    with unit_of_work(engine) as s:
        w = World(s)
        tutor = w.user(name="+39 tutor=1")  # text, not a number: neutralised too
        company = w.company(name=FORMULA)
        p = w.person(tutor=tutor)
        w.internship(
            p,
            company,
            start=date(2025, 1, 10),
            end=date(2025, 3, 20),
            outcome=InternshipOutcome.HIRED,
            tutor=tutor,
        )
    return engine


def test_kpi_chart_data_csv(kpi_world):
    filters = KpiFilters.quarter(2025, 1)
    with unit_of_work(kpi_world) as s:
        frame = kpi.hires_by_company(session=s, actor=COORDINATOR, filters=filters)
    assert FORMULA in set(frame.astype(str).stack())  # the name is in the data...
    for lang, sep in (("it", ";"), ("en", ",")):
        _no_formula_cell(_csv_cells(kpi_csv_bytes(frame, lang), sep), FORMULA)  # ...but inert


def test_kpi_workbook(kpi_world):
    with unit_of_work(kpi_world) as s:
        data = kpi_report.workbook(
            session=s, actor=COORDINATOR, filters=KpiFilters.quarter(2025, 1), lang="it"
        )
    cells = _excel_values(data)
    assert any(value == FORMULA and kind == "s" for _, value, kind in cells)
    assert all(kind != "f" for _, _, kind in cells), [c for c in cells if c[2] == "f"]


def test_numbers_and_phone_numbers_are_left_alone():
    frame = pd.DataFrame({"n": [-5, 3], "tel": ["+39 333 1234567", "-2"], "t": ["-x", "+y"]})
    cells = _csv_cells(to_csv_bytes(frame))
    assert cells == ["n", "tel", "t", "-5", "+39 333 1234567", "'-x", "3", "-2", "'+y"]


def test_people_register_csv_and_excel_audited_per_person(engine):
    """The register's "Esporta": formula-safe, one audit row for the export and one per person."""
    from sqlalchemy import select

    from fleming import people
    from fleming.models import AuditEntry
    from tests.integration.people_helpers import take_in, world

    with unit_of_work(engine) as s:
        w = world(s)
        ids = [take_in(s, w.tutor, n) for n in range(3)]
    with unit_of_work(engine) as s:
        rows = people.export_register(
            session=s, actor=w.tutor, filters=people.RegisterFilter(mine=True)
        )
    assert sorted(r.id for r in rows) == sorted(ids)
    with unit_of_work(engine) as s:
        exports = s.execute(
            select(AuditEntry.entity, AuditEntry.person_id, AuditEntry.changes).where(
                AuditEntry.action == "export"
            )
        ).all()
    assert ("person_register", None, {"rows": 3, "mine": True}) in exports
    assert sorted(p for e, p, _ in exports if e == "person") == sorted(ids)
    frame = pd.DataFrame({"Nome": [FORMULA, *(r.full_name for r in rows)]})
    _no_formula_cell(_csv_cells(to_csv_bytes(frame)), FORMULA)
    cells = _excel_values(to_excel_bytes(frame, "Persone"))
    assert ("Persone", FORMULA, "s") in cells and all(kind != "f" for _, _, kind in cells)
