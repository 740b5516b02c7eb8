"""Frames to files: CSV (Italian Excel flavour) and Excel workbooks, safe against formula injection.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return may be run as a
formula by a spreadsheet (``=cmd|' /C calc'!A0``, ``=HYPERLINK(…)``). In a CSV every such text is
written with a leading apostrophe, which spreadsheets show as text. In an Excel workbook it is a
text cell (type string, "quote prefix" style): the sheet shows the value as typed, and no
formula runs, not even when the cell is edited. Plain numbers and phone numbers
(``+39 333 1234567``, ``-5``) are left alone: they contain nothing a spreadsheet could run.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER_LIKE = re.compile(r"^[+-]?[0-9][0-9 .,/()]*$")
CSV_SEPARATOR = ";"  # what Excel expects in an Italian locale


def formula_like(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet could run as a formula."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return False
    return not (value[0] in "+-" and _NUMBER_LIKE.match(value))


def neutralise(value: object) -> object:
    """The value, with a leading apostrophe if it is text a spreadsheet could run as a formula."""
    return "'" + value if formula_like(value) else value  # type: ignore[operator]


def text_cells(sheet) -> None:
    """Every formula-like text of an openpyxl worksheet made a text cell: stored as a string
    (openpyxl took it for a formula) with Excel's "quote prefix", shown as typed, never run."""
    for row in sheet.iter_rows():
        for cell in row:
            if formula_like(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and header) passed through ``neutralise``."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(neutralise, na_action="ignore")
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """``;``-separated UTF-8 with a byte-order mark (Excel then reads accents correctly)."""
    safe = neutralise_frame(frame)
    for column in safe.columns:
        if safe[column].dtype == object:
            safe[column] = safe[column].map(_plain, na_action="ignore")
    return safe.to_csv(index=False, sep=CSV_SEPARATOR, lineterminator="\r\n").encode("utf-8-sig")


def to_excel_bytes(frame: pd.DataFrame, sheet_name: str = "Fleming") -> bytes:
    """One worksheet with a bold, frozen header row and columns sized to their content."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    safe = frame  # formula-like text becomes text cells below (text_cells), no apostrophe
    buffer = io.BytesIO()
    sheet_name = re.sub(r"[\[\]:*?/\\]", " ", sheet_name)[:31] or "Fleming"
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name=sheet_name)
        sheet = writer.sheets[sheet_name]
        text_cells(sheet)
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index, column in enumerate(safe.columns, start=1):
            values = [str(column), *(str(v) for v in safe[column].head(200) if v is not None)]
            width = min(60, max(10, *(len(v) for v in values)) + 2)
            sheet.column_dimensions[get_column_letter(index)].width = width
            if pd.api.types.is_object_dtype(safe[column].dtype):
                for row in range(2, len(safe) + 2):
                    cell = sheet.cell(row=row, column=index)
                    if isinstance(cell.value, date):
                        cell.number_format = "DD/MM/YYYY"
    return buffer.getvalue()
