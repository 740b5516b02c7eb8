"""The period report: a PDF with the expected headings and an Excel workbook of the figures."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pypdf
from sqlalchemy import select

from fleming import kpi_report
from fleming.db import unit_of_work
from fleming.kpi import KpiFilters
from fleming.models import AuditEntry, ContractType, InternshipOutcome
from tests.integration.kpi_data import COORDINATOR, World

Q1 = KpiFilters.quarter(2025, 1)


def _data(w: World) -> None:
    w.setting("kpi.internships_target_per_year", 12)
    company = w.company("56.10", name="Trattoria Perché")
    p = w.person()
    w.internship(
        p,
        company,
        start=date(2025, 1, 10),
        end=date(2025, 3, 20),
        outcome=InternshipOutcome.HIRED,
        contract=ContractType.APPRENTICESHIP,
    )
    w.internship(
        p,
        company,
        start=date(2025, 2, 10),
        end=date(2025, 3, 25),
        outcome=InternshipOutcome.NOT_HIRED,
    )


def _make(engine, kind: str, filters: KpiFilters = Q1) -> bytes:
    with unit_of_work(engine) as session:
        _data(World(session))
    with unit_of_work(engine) as session:
        build = kpi_report.pdf if kind == "pdf" else kpi_report.workbook
        return build(session=session, actor=COORDINATOR, filters=filters, lang="it")


def _exports(engine) -> list[str]:
    with unit_of_work(engine) as session:
        return list(
            session.scalars(
                select(AuditEntry.entity_id).where(
                    AuditEntry.action == "export", AuditEntry.entity == "kpi_report"
                )
            )
        )


def test_quarterly_pdf_has_the_headings_readings_and_italian_accents(engine):
    data = _make(engine, "pdf")
    assert data.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for heading in (
        "Rapporto trimestrale, 1º trimestre 2025",
        "Periodo: 1 gen 2025 – 31 mar 2025",
        "Sintesi",
        "Tirocini avviati e obiettivo",
        "Esiti dei tirocini",
        "Chi è in tirocinio e il percorso",
        "Aziende",
        "Laboratori",
    ):
        assert heading in text, heading
    # the reading computed from the data: 2 started against a quarter of 12
    assert "Nel periodo avviati 2 tirocini" in text
    assert "Tirocini conclusi: 2, di cui 1 con un'assunzione: il 50%" in text
    assert "Trattoria Perché" in text  # accents survive (Unicode font)
    assert len(reader.pages) >= 7
    assert _exports(engine) == ["pdf"]


def test_workbook_holds_every_table_with_translated_headers(engine):
    data = _make(engine, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "Leggimi"
    assert "Rapporto trimestrale, 1º trimestre 2025" in book["Leggimi"]["A1"].value
    assert len(book.sheetnames) == 12  # read-me + 11 tables (no gap for a past period)
    months = book["Tirocini avviati per mese"]
    assert [c.value for c in months[1]] == [
        "Mese",
        "Tirocini avviati",
        "Avviati (progressivo)",
        "Obiettivo",
        "Obiettivo progressivo",
    ]
    assert [months.cell(row=r, column=2).value for r in (2, 3, 4)] == [1, 1, 0]
    outcomes = book["Tirocini conclusi con un'assunz"]
    header = [c.value for c in outcomes[1]]
    rate = header.index("Tasso di assunzione") + 1
    assert outcomes.cell(row=2, column=rate).value == 0.5
    assert outcomes.cell(row=2, column=rate).number_format == "0.0%"
    assert _exports(engine) == ["xlsx"]
