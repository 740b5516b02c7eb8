"""pandera schemas of files the centre imports (the table schemas are in ``fleming.schemas``).

An import frame holds the cells of a CSV file as text, one column per known field (canonical
English names, whatever header the file used). The schema checks the *shape* of each cell — present
when required, not absurdly long, made of the right characters — before the field validators of
``fleming.validators`` check its meaning (check digits, known codes). A cell that fails here is
reported once, with the schema's message, and is not validated again.
"""

from __future__ import annotations

from typing import Any

import pandera.pandas as pa
from pandera.typing import Series

# Longest accepted cell per column (the model's column length; notes are free text).
COMPANY_IMPORT_LENGTHS: dict[str, int] = {
    "name": 200,
    "vat_number": 20,
    "ateco_code": 10,
    "employees": 9,
    "address": 200,
    "municipality": 100,
    "website": 300,
    "status": 40,
    "notes": 4000,
    "contact_name": 200,
    "contact_role": 100,
    "contact_phone": 30,
    "contact_email": 254,
}
COMPANY_IMPORT_REQUIRED = ("name", "vat_number", "ateco_code", "employees")
VAT_CHARACTERS = r"^\s*(?:[Ii][Tt])?[0-9 .\-]+\s*$"
EMPLOYEES_PATTERN = r"^\s*[0-9]+\s*$"


def _text(column: str, **checks: Any) -> Any:
    required = column in COMPANY_IMPORT_REQUIRED
    return pa.Field(
        nullable=not required,
        str_length={"min_value": 1, "max_value": COMPANY_IMPORT_LENGTHS[column]},
        **checks,
    )


class CompanyImportSchema(pa.DataFrameModel):
    """One row per company of an import file, with its main contact (optional)."""

    name: Series[str] = _text("name")
    vat_number: Series[str] = _text("vat_number", str_matches=VAT_CHARACTERS)
    ateco_code: Series[str] = _text("ateco_code")
    employees: Series[str] = _text("employees", str_matches=EMPLOYEES_PATTERN)
    address: Series[str] = _text("address")
    municipality: Series[str] = _text("municipality")
    website: Series[str] = _text("website")
    status: Series[str] = _text("status")
    notes: Series[str] = _text("notes")
    contact_name: Series[str] = _text("contact_name")
    contact_role: Series[str] = _text("contact_role")
    contact_phone: Series[str] = _text("contact_phone")
    contact_email: Series[str] = _text("contact_email")

    class Config:
        strict = True
        coerce = True


COMPANY_IMPORT_COLUMNS: tuple[str, ...] = tuple(CompanyImportSchema.to_schema().columns)
