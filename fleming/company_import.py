"""CSV import of companies and their main contact: read, preview with a per-row report, import.

Two steps, so the coordinator sees what will happen before anything is written:

1. ``preview(session=, actor=, data=, file_name=)`` reads the file whatever its origin — UTF-8 (with
   or without BOM), UTF-16 or Windows-1252 (what Excel saves in Italy), ``;``, ``,`` or tab as the
   separator — checks the columns against ``CompanyImportSchema`` (pandera), then every row with
   the same rules as the company form, and looks for duplicate VAT numbers in the file and in the
   database. Nothing is written.
2. ``run(session=, actor=, preview=)`` imports the valid rows through ``companies.create`` and
   ``companies.add_contact`` (the rules live there once), in the caller's transaction: if anything
   fails, nothing is imported.

One row is one company; its main contact goes in the ``referente_*`` columns (more contacts are
added on the company page). Row numbers are those a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pandera.pandas as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleming import audit, companies
from fleming.actor import Actor
from fleming.errors import Conflict, ValidationErrors
from fleming.i18n import LANGUAGES, translate
from fleming.import_schemas import (
    COMPANY_IMPORT_COLUMNS,
    COMPANY_IMPORT_LENGTHS,
    COMPANY_IMPORT_REQUIRED,
    CompanyImportSchema,
)
from fleming.models import Company, CompanyStatus
from fleming.permissions import authorize
from fleming.reference import fold

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 10_000
SHOWN_VALUE = 80  # characters of a cell shown in the report
csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTES))

# Header names accepted for each column (compared after folding accents, case and punctuation).
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("ragione_sociale", "nome", "azienda", "denominazione", "name", "company"),
    "vat_number": ("partita_iva", "p_iva", "piva", "iva", "vat", "vat_number"),
    "ateco_code": ("ateco", "codice_ateco", "ateco_code", "sector"),
    "employees": ("dipendenti", "n_dipendenti", "numero_dipendenti", "employees"),
    "address": ("indirizzo", "address"),
    "municipality": ("comune", "codice_istat", "municipality"),
    "website": ("sito", "sito_web", "website"),
    "status": ("stato", "status"),
    "notes": ("note", "notes"),
    "contact_name": ("referente", "referente_nome", "contatto", "contact_name"),
    "contact_role": ("referente_ruolo", "ruolo", "contact_role"),
    "contact_phone": ("referente_telefono", "telefono", "contact_phone", "phone"),
    "contact_email": ("referente_email", "email", "e_mail", "contact_email"),
}
TEMPLATE_HEADER = (
    "ragione_sociale",
    "partita_iva",
    "ateco",
    "dipendenti",
    "indirizzo",
    "comune",
    "sito_web",
    "stato",
    "note",
    "referente_nome",
    "referente_ruolo",
    "referente_telefono",
    "referente_email",
)
_COMPANY_FIELD_COLUMN = {"municipality_code": "municipality"}
_CONTACT_FIELD_COLUMN = {
    "name": "contact_name",
    "role": "contact_role",
    "phone": "contact_phone",
    "email": "contact_email",
}
_CONTACT_COLUMNS = ("contact_name", "contact_role", "contact_phone", "contact_email")
# The message for a cell whose characters do not fit its column (pandera ``str_matches``).
_PATTERN_MESSAGES = {
    "vat_number": "validators.vat.invalid",
    "employees": "validators.number.invalid",
}


def header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(text)).strip("_")


_BY_HEADER = {alias: column for column, names in ALIASES.items() for alias in names}


@dataclass(frozen=True)
class RowError:
    """One problem: ``row`` 0 is the file itself; ``message`` is a catalogue key."""

    row: int
    column: str | None  # canonical column, or None for the whole row / file
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    value: str | None = None

    def text(self, lang: str) -> str:
        return translate(self.message, lang, **self.params)


@dataclass(frozen=True)
class ImportRow:
    row: int
    company: companies.CompanyInput
    contact: companies.ContactInput | None


@dataclass(frozen=True)
class ImportPreview:
    file_name: str
    encoding: str
    separator: str
    headers: dict[str, str]  # canonical column → the header the file used
    ignored_headers: tuple[str, ...]
    total_rows: int
    valid: tuple[ImportRow, ...]
    errors: tuple[RowError, ...]  # row errors, by row
    file_errors: tuple[RowError, ...]  # nothing can be imported while there are any
    sample: tuple[dict[str, str], ...]  # the first rows as read (cells shortened)

    @property
    def rows_with_errors(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def can_import(self) -> bool:
        return not self.file_errors and bool(self.valid)

    def column_label(self, column: str | None) -> str:
        if column is None:
            return ""
        return self.headers.get(column) or column

    def report(self, lang: str) -> pd.DataFrame:
        """The errors as a table for the screen and for download, in ``lang``."""

        def h(key: str) -> str:
            return translate(f"company_import.report.{key}", lang)

        errors = [*self.file_errors, *self.errors]
        return pd.DataFrame(
            {
                h("row"): pd.array([e.row or None for e in errors], dtype="Int64"),
                h("column"): [self.column_label(e.column) for e in errors],
                h("value"): [e.value or "" for e in errors],
                h("problem"): [e.text(lang) for e in errors],
            }
        )


@dataclass(frozen=True)
class ImportResult:
    companies: int
    contacts: int
    skipped_rows: int


# --------------------------------------------------------------------------- reading
def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding that read it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    for encoding, name in (("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            return data.decode(encoding), name
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "ISO-8859-1"  # never fails: every byte is a character


def sniff_separator(text: str) -> str:
    """``;``, ``,`` or tab: the one that splits the header line into the most fields."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: len(next(csv.reader([first], delimiter=sep), [])) for sep in (";", ",", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ";"))


def _shorten(value: str | None, limit: int = SHOWN_VALUE) -> str | None:
    if value is None:
        return None
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _cell(value: str) -> str | None:
    text = value.replace("\x00", "").strip()
    return text or None


def _parse(
    text: str, separator: str
) -> tuple[list[str], list[tuple[int, list[str]]], list[RowError]]:
    """The header and the non-blank records with their spreadsheet row numbers."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    problems: list[RowError] = []
    records: list[tuple[int, list[str]]] = []
    header: list[str] = []
    try:
        for index, record in enumerate(reader, start=1):
            if not header:
                if any(c.strip() for c in record):
                    header = record
                continue
            if not any(c.strip() for c in record):
                continue
            records.append((index, record))
            if len(records) > MAX_ROWS:
                break
    except csv.Error as exc:
        problems.append(
            RowError(reader.line_num, None, "company_import.error.unreadable", {"detail": str(exc)})
        )
    return header, records, problems


# --------------------------------------------------------------------------- preview
def _status(value: str | None) -> CompanyStatus | str:
    """A status given as its code or its label in either language; unknown text is kept."""
    if value is None:
        return CompanyStatus.PROSPECT
    wanted = fold(value)
    for status in CompanyStatus:
        names = {status.value} | {
            fold(translate(f"enum.CompanyStatus.{status.value}", lang)) for lang in LANGUAGES
        }
        if wanted in names:
            return status
    return value


def preview(*, session: Session, actor: Actor, data: bytes, file_name: str = "") -> ImportPreview:
    """Read and check the file; report every problem; write nothing."""
    authorize(session=session, actor=actor, operation="companies.import")

    def failed(error: RowError, encoding: str = "", separator: str = "") -> ImportPreview:
        return ImportPreview(file_name, encoding, separator, {}, (), 0, (), (), (error,), ())

    if len(data) > MAX_BYTES:
        return failed(RowError(0, None, "company_import.error.too_big", {"mb": MAX_BYTES // 2**20}))
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return failed(RowError(0, None, "company_import.error.not_text"))
    text, encoding = decode(data)
    separator = sniff_separator(text)
    header, records, problems = _parse(text, separator)
    if problems:
        return failed(problems[0], encoding, separator)
    if not header:
        return failed(RowError(0, None, "company_import.error.empty"), encoding, separator)

    # columns
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    file_errors: list[RowError] = []
    for position, raw in enumerate(header):
        column = _BY_HEADER.get(header_key(raw))
        if column is None:
            if raw.strip():
                ignored.append(_shorten(raw.strip(), 40) or "")
        elif column in positions:
            file_errors.append(
                RowError(0, column, "company_import.error.column_twice", {"name": raw.strip()})
            )
        else:
            positions[column] = position
            headers[column] = raw.strip()
    missing = [c for c in COMPANY_IMPORT_REQUIRED if c not in positions]
    if missing:
        file_errors.append(
            RowError(
                0,
                None,
                "company_import.error.missing_columns",
                {
                    "columns": ", ".join(
                        TEMPLATE_HEADER[COMPANY_IMPORT_COLUMNS.index(c)] for c in missing
                    )
                },
            )
        )
    if len(records) > MAX_ROWS:
        file_errors.append(RowError(0, None, "company_import.error.too_many", {"n": MAX_ROWS}))
    if not records and not file_errors:
        file_errors.append(RowError(0, None, "company_import.error.no_rows"))
    sample = tuple(
        {header[i].strip() or f"#{i + 1}": _shorten(v.strip(), 40) or "" for i, v in enumerate(rec)}
        for _, rec in records[:10]
        if len(rec) <= len(header)
    )
    if file_errors:
        return ImportPreview(
            file_name,
            encoding,
            separator,
            headers,
            tuple(ignored),
            len(records),
            (),
            (),
            tuple(file_errors),
            sample,
        )

    # the frame, one text column per known field
    errors: dict[tuple[int, str | None], RowError] = {}
    frame_rows: dict[int, dict[str, str | None]] = {}
    for row_number, record in records:
        if len(record) > len(header):
            errors[(row_number, None)] = RowError(
                row_number,
                None,
                "company_import.error.field_count",
                {"found": len(record), "expected": len(header)},
            )
            continue
        record = record + [""] * (len(header) - len(record))
        frame_rows[row_number] = {
            column: _cell(record[positions[column]]) if column in positions else None
            for column in COMPANY_IMPORT_COLUMNS
        }
    frame = pd.DataFrame.from_dict(
        frame_rows, orient="index", columns=list(COMPANY_IMPORT_COLUMNS), dtype="str"
    )

    # 1. the shape of the cells (pandera)
    if len(frame):
        try:
            CompanyImportSchema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            for case in exc.failure_cases.itertuples():
                row_number, column = int(case.index), str(case.column)
                if (row_number, column) in errors:
                    continue
                value = frame_rows[row_number].get(column)
                check = str(case.check)
                if check == "not_nullable":
                    message, params = "company_import.error.required", {}
                elif check.startswith("str_length"):
                    message = "validators.text.too_long"
                    params = {"n": COMPANY_IMPORT_LENGTHS[column]}
                else:
                    message, params = (
                        _PATTERN_MESSAGES.get(column, "company_import.error.format"),
                        {},
                    )
                errors[(row_number, column)] = RowError(
                    row_number, column, message, params, _shorten(value)
                )

    # 2. the meaning of each row (the company form's rules)
    valid: dict[int, ImportRow] = {}
    for row_number, cells in frame_rows.items():
        row_errors = {col for (r, col) in errors if r == row_number}
        company_input = companies.CompanyInput(
            name=cells["name"],
            vat_number=cells["vat_number"],
            ateco_code=cells["ateco_code"],
            employees=cells["employees"],
            address=cells["address"],
            municipality_code=cells["municipality"],
            website=cells["website"],
            status=_status(cells["status"]),
            notes=cells["notes"],
        )
        found: list[RowError] = []
        clean: dict[str, Any] = {}
        try:
            clean = companies.clean_company(company_input)
        except ValidationErrors as exc:
            for err in exc.errors:
                column = _COMPANY_FIELD_COLUMN.get(err.field, err.field)
                message = "company_import.error.status" if column == "status" else err.message
                found.append(
                    RowError(row_number, column, message, err.params, _shorten(cells.get(column)))
                )
        contact_input = None
        if any(cells[c] for c in _CONTACT_COLUMNS):
            contact_input = companies.ContactInput(
                name=cells["contact_name"],
                role=cells["contact_role"],
                phone=cells["contact_phone"],
                email=cells["contact_email"],
            )
            try:
                companies.clean_contact(contact_input)
            except ValidationErrors as exc:
                for err in exc.errors:
                    column = _CONTACT_FIELD_COLUMN[err.field]
                    found.append(
                        RowError(
                            row_number, column, err.message, err.params, _shorten(cells.get(column))
                        )
                    )
        for err in found:
            if err.column not in row_errors:
                errors[(row_number, err.column)] = err
                row_errors.add(err.column)
        if not row_errors:
            normalised = companies.CompanyInput(**{**company_input.__dict__, **_as_input(clean)})
            valid[row_number] = ImportRow(row_number, normalised, contact_input)

    # 3. duplicates: in the file (the first row wins), then in the database
    first_row: dict[str, int] = {}
    for row_number, item in sorted(valid.items()):
        vat = str(item.company.vat_number)
        if vat in first_row:
            errors[(row_number, "vat_number")] = RowError(
                row_number,
                "vat_number",
                "company_import.error.duplicate_in_file",
                {"row": first_row[vat]},
                vat,
            )
            del valid[row_number]
        else:
            first_row[vat] = row_number
    registered = _registered(session, list(first_row))
    for vat, row_number in first_row.items():
        if vat in registered:
            errors[(row_number, "vat_number")] = RowError(
                row_number,
                "vat_number",
                "company_import.error.duplicate_in_db",
                {"name": registered[vat]},
                vat,
            )
            valid.pop(row_number, None)

    ordered = sorted(
        errors.values(),
        key=lambda e: (
            e.row,
            COMPANY_IMPORT_COLUMNS.index(e.column) if e.column in COMPANY_IMPORT_COLUMNS else -1,
        ),
    )
    return ImportPreview(
        file_name=file_name,
        encoding=encoding,
        separator=separator,
        headers=headers,
        ignored_headers=tuple(ignored),
        total_rows=len(records),
        valid=tuple(valid[r] for r in sorted(valid)),
        errors=tuple(ordered),
        file_errors=(),
        sample=sample,
    )


def _as_input(clean: dict[str, Any]) -> dict[str, Any]:
    """The cleaned company values as ``CompanyInput`` fields."""
    return {
        "name": clean["name"],
        "vat_number": clean["vat_number"],
        "ateco_code": clean["ateco_code"],
        "employees": clean["employees"],
        "address": clean["address"],
        "municipality_code": clean["municipality_code"],
        "website": clean["website"],
        "status": clean["status"],
        "notes": clean["notes"],
    }


def _registered(session: Session, vat_numbers: list[str]) -> dict[str, str]:
    """``{vat_number: company name}`` of those already in the database."""
    found: dict[str, str] = {}
    for start in range(0, len(vat_numbers), 500):
        chunk = vat_numbers[start : start + 500]
        for vat_number, name in session.execute(
            select(Company.vat_number, Company.name).where(Company.vat_number.in_(chunk))
        ):
            found[vat_number] = name
    return found


# --------------------------------------------------------------------------- import
def run(
    *,
    session: Session,
    actor: Actor,
    preview: ImportPreview,
    progress: Callable[[float], None] | None = None,
) -> ImportResult:
    """Import the valid rows of ``preview`` in the caller's transaction.

    If any company can no longer be created (say, someone registered the same VAT number since the
    preview), the whole import stops and the caller's transaction rolls back: nothing is imported.
    """
    authorize(session=session, actor=actor, operation="companies.import")
    if not preview.can_import:
        raise Conflict("company_import.error.nothing_to_import")
    taken = _registered(session, [str(r.company.vat_number) for r in preview.valid])
    if taken:
        raise Conflict("company_import.error.changed_meanwhile")
    total = len(preview.valid)
    contacts = 0
    for done, item in enumerate(preview.valid, start=1):
        try:
            company_id = companies.create(session=session, actor=actor, data=item.company)
            if item.contact is not None:
                companies.add_contact(
                    session=session, actor=actor, company_id=company_id, data=item.contact
                )
                contacts += 1
        except ValidationErrors as exc:
            raise Conflict("company_import.error.changed_meanwhile") from exc
        if progress is not None and (done % 10 == 0 or done == total):
            progress(done / total)
    audit.record(
        session=session,
        actor=actor,
        action="import",
        entity="company",
        changes={
            "file": preview.file_name[:200],
            "companies": total,
            "contacts": contacts,
            "skipped_rows": preview.rows_with_errors,
        },
    )
    return ImportResult(companies=total, contacts=contacts, skipped_rows=preview.rows_with_errors)


def template_csv() -> bytes:
    """An empty file with the expected header, and one example row, for the coordinators."""
    example = (
        "Trattoria Esempio S.r.l.",
        "01234560157",
        "56.10",
        "8",
        "Via Padova 12",
        "Milano",
        "www.trattoriaesempio.it",
        "Da contattare",
        "",
        "Maria Rossi",
        "Titolare",
        "02 1234 5678",
        "maria.rossi@esempio.it",
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADER)
    writer.writerow(example)
    return buffer.getvalue().encode("utf-8-sig")
