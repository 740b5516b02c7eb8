"""CSV import of companies on SQLite and PostgreSQL: the fixture file, encodings, separators,
broken files, the explicit choice, and nothing half-imported."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from fleming import companies, company_import, exports
from fleming.db import unit_of_work
from fleming.errors import Conflict, PermissionDenied
from fleming.models import AuditEntry, Company, CompanyContact, CompanyStatus
from tests.fixtures import make_companies_import as fixture
from tests.integration.company_helpers import new_company, staff, vat

FILE = fixture.PATH.read_bytes()
HEADER = ";".join(fixture.HEADER)


@pytest.fixture
def people(engine):
    with unit_of_work(engine) as s:
        return staff(s)


def preview(engine, actor, data: bytes, name: str = "aziende.csv"):
    with unit_of_work(engine) as s:
        return company_import.preview(session=s, actor=actor, data=data, file_name=name)


def count(engine, model=Company) -> int:
    with unit_of_work(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def csv_bytes(rows: list[list[str]], sep: str = ";", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    writer.writerow(fixture.HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def test_the_fixture_file_is_what_the_generator_writes(tmp_path):
    fixture.write(tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == FILE


def test_preview_of_the_fixture_reports_each_bad_row_and_writes_nothing(engine, people):
    with unit_of_work(engine) as s:  # one company of the file is already registered
        new_company(
            s, people.coordinator, name="Già Nostra S.r.l.", vat_number=fixture.DB_DUPLICATE_VAT
        )
    p = preview(engine, people.coordinator, FILE)
    assert (p.encoding, p.separator, p.total_rows) == ("Windows-1252", ";", 408)
    assert p.file_errors == () and p.ignored_headers == ()
    assert len(p.valid) == 400
    by_row = {e.row: e for e in p.errors}
    duplicate_row = next(
        r for r, item in enumerate(fixture.ROWS, 2) if item[1] == fixture.DB_DUPLICATE_VAT
    )
    assert set(by_row) == set(fixture.BAD_ROWS) | {duplicate_row}
    for row, column in fixture.BAD_ROWS.items():
        assert p.column_label(by_row[row].column) == column
    assert by_row[duplicate_row].message == "company_import.error.duplicate_in_db"
    report = p.report("it")
    problems = dict(zip(report["Riga"], report["Problema"], strict=True))
    assert problems[27].startswith("Partita IVA non valida")
    assert problems[152].startswith("Codice ATECO «57.10» sconosciuto")
    repeated = fixture.ROWS[212 - 2][1]
    first = next(r for r, item in enumerate(fixture.ROWS, 2) if item[1] == repeated)
    assert first < 212
    assert problems[212] == f"Partita IVA ripetuta: è già alla riga {first} del file."
    assert problems[duplicate_row] == "Azienda già registrata in Fleming: «Già Nostra S.r.l.»."
    assert problems[392] == "Testo troppo lungo (massimo 4000 caratteri)."
    assert max(len(v) for v in report["Valore"]) <= company_import.SHOWN_VALUE
    assert count(engine) == 1


def test_import_of_the_valid_rows(engine, people):
    p = preview(engine, people.coordinator, FILE)
    seen: list[float] = []
    with unit_of_work(engine) as s:
        result = company_import.run(
            session=s, actor=people.coordinator, preview=p, progress=seen.append
        )
    assert (result.companies, result.skipped_rows) == (401, 7)
    assert result.contacts == sum(1 for row in fixture.ROWS if row[9]) - sum(
        1 for r in fixture.BAD_ROWS if fixture.ROWS[r - 2][9]
    )
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert count(engine) == 401
    assert count(engine, CompanyContact) == result.contacts
    with unit_of_work(engine) as s:
        formula = s.scalar(select(Company).where(Company.name == fixture.FORMULA_NAME))
        statuses = dict(
            s.execute(select(Company.status, func.count()).group_by(Company.status)).all()
        )
        trace = s.scalars(select(AuditEntry).where(AuditEntry.action == "import")).one()
        exported = companies.export_frame(session=s, actor=people.coordinator)
    assert formula is not None and formula.vat_number.isdigit()
    assert set(statuses) <= {CompanyStatus.PROSPECT, CompanyStatus.CONTACTED, CompanyStatus.ACTIVE}
    assert trace.changes == {
        "file": "aziende.csv",
        "companies": 401,
        "contacts": result.contacts,
        "skipped_rows": 7,
    }
    text = exports.to_csv_bytes(exported).decode("utf-8-sig")
    names = [row[0] for row in csv.reader(io.StringIO(text), delimiter=";")]
    assert "'" + fixture.FORMULA_NAME in names
    assert not [n for n in names if n.startswith(exports.FORMULA_START)]


def test_a_crash_in_the_middle_imports_nothing(engine, people):
    p = preview(engine, people.coordinator, FILE)

    def crash(fraction: float) -> None:
        if fraction > 0.5:
            raise RuntimeError("the server went down")

    with pytest.raises(RuntimeError), unit_of_work(engine) as s:
        company_import.run(session=s, actor=people.coordinator, preview=p, progress=crash)
    assert count(engine) == 0
    assert count(engine, CompanyContact) == 0


def test_a_company_registered_after_the_preview_stops_the_whole_import(engine, people):
    p = preview(engine, people.coordinator, FILE)
    with unit_of_work(engine) as s:
        new_company(s, people.coordinator, vat_number=str(p.valid[200].company.vat_number))
    with pytest.raises(Conflict) as info, unit_of_work(engine) as s:
        company_import.run(session=s, actor=people.coordinator, preview=p)
    assert info.value.args[0] == "company_import.error.changed_meanwhile"
    assert count(engine) == 1


def test_only_coordinators_and_admins_import(engine, people):
    with pytest.raises(PermissionDenied):
        preview(engine, people.tutor, FILE)


# --------------------------------------------------------------------------- robust reading
GOOD = [
    ["Caffè Brera S.r.l.", vat(), "56.30", "4", "", "Milano", "", "", "", "", "", "", ""],
    ["Società Verde", vat(), "81", "30", "", "015146", "", "Partner attivo", "", "", "", "", ""],
]


@pytest.mark.parametrize(
    ("encoding", "sep", "read_as"),
    [
        ("utf-8", ",", "UTF-8"),
        ("utf-8-sig", ";", "UTF-8"),
        ("cp1252", ";", "Windows-1252"),
        ("utf-16", "\t", "UTF-16"),
    ],
)
def test_encodings_and_separators_give_the_same_rows(engine, people, encoding, sep, read_as):
    p = preview(engine, people.coordinator, csv_bytes(GOOD, sep, encoding))
    assert (p.encoding, p.separator) == (read_as, sep)
    assert [r.company.name for r in p.valid] == ["Caffè Brera S.r.l.", "Società Verde"]
    assert p.valid[1].company.status is CompanyStatus.ACTIVE
    assert p.errors == ()


def test_huge_fields_broken_quotes_and_short_rows(engine, people):
    huge = "x" * 300_000
    text = csv_bytes(GOOD).decode()
    text += f'"{huge}";{vat()};56;3;;;;;;;;;\r\n'  # a 300,000-character name
    text += f"Tre campi;{vat()};56\r\n"  # short row: missing cells are empty
    text += f"Troppi;{vat()};56;3;;;;;;;;;;;;extra\r\n"
    text += f'"Virgolette aperte;{vat()};56;3;;;;;;;;;\r\n'  # runs to the end of the file
    p = preview(engine, people.coordinator, text.encode())
    by_row = {(e.row, e.column): e.message for e in p.errors}
    assert by_row[(4, "name")] == "validators.text.too_long"
    assert by_row[(5, "employees")] == "company_import.error.required"
    assert by_row[(6, None)] == "company_import.error.field_count"
    assert [r.row for r in p.valid] == [2, 3]
    assert {e.row for e in p.errors} == {4, 5, 6, 7}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "company_import.error.empty"),
        (HEADER.encode(), "company_import.error.no_rows"),
        (b"PK\x03\x04\x00\x00binary xlsx", "company_import.error.not_text"),
        (b"Nome;Indirizzo\r\nA;B\r\n", "company_import.error.missing_columns"),
        (
            b"Partita IVA;ATECO;Dipendenti;Ragione sociale;P.IVA\r\n1;2;3;4;5\r\n",
            "company_import.error.column_twice",
        ),
    ],
)
def test_files_that_cannot_be_imported_say_why(engine, people, data, message):
    p = preview(engine, people.coordinator, data)
    assert [e.message for e in p.file_errors] == [message]
    assert not p.can_import
    with pytest.raises(Conflict), unit_of_work(engine) as s:
        company_import.run(session=s, actor=people.coordinator, preview=p)


def test_a_file_over_the_size_limit_is_refused_before_reading(engine, people, monkeypatch):
    monkeypatch.setattr(company_import, "MAX_BYTES", 1000)
    p = preview(engine, people.coordinator, FILE)
    assert [e.message for e in p.file_errors] == ["company_import.error.too_big"]


def test_unknown_columns_are_ignored_and_named(engine, people):
    data = (
        "Ragione sociale;Partita IVA;ATECO;Dipendenti;Fatturato\r\n"
        f"Bar Sport;{vat()};56;3;1.000.000\r\n"
    ).encode()
    p = preview(engine, people.coordinator, data)
    assert p.ignored_headers == ("Fatturato",)
    assert len(p.valid) == 1


def test_template_is_a_valid_import_file(engine, people):
    p = preview(engine, people.coordinator, company_import.template_csv())
    assert p.errors == () and len(p.valid) == 1
    assert p.valid[0].contact is not None
