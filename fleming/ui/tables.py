"""Small helpers for tables: dates that may be missing."""

from __future__ import annotations

from datetime import date


def date_text(value: date | None) -> str:
    """``05/03/2026``, or a dash when there is no date (a DateColumn would print "None")."""
    return value.strftime("%d/%m/%Y") if value else "—"


def date_texts(values: list[date | None]) -> list[str]:
    return [date_text(v) for v in values]
