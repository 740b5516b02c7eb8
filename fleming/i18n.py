"""One translation function and one catalogue, Italian by default, English available.

The catalogue is split by area in ``fleming/locales/*.toml``; each key holds both languages side
by side::

    ["login.title"]
    it = "Accesso"
    en = "Sign in"

Dates and numbers are formatted with Babel in the user's locale (``it_IT`` / ``en_GB``).
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

LANGUAGES = ("it", "en")
DEFAULT_LANGUAGE = "it"
LOCALES = {"it": "it_IT", "en": "en_GB"}
CENTRE_TZ = ZoneInfo("Europe/Rome")  # stored datetimes are naive UTC; shown in Milan time
LOCALES_DIR = Path(__file__).parent / "locales"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """All keys from every ``locales/*.toml`` file; a key defined twice is an error."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALES_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        for key, entry in data.items():
            if key in merged:
                raise ValueError(f"Translation key {key!r} defined twice ({path.name})")
            merged[key] = entry
    return merged


def translate(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The text for ``key`` in ``lang``, with ``{name}`` placeholders filled from ``params``.

    An unknown key returns the key itself, so a missing text is visible (and the catalogue test
    fails on it).
    """
    entry = catalogue().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get(DEFAULT_LANGUAGE) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def enum_label(value: Enum | str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The label of an enum member: key ``enum.<ClassName>.<value>``."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return translate(f"enum.{type(value).__name__}.{value.value}", lang)
    return str(value)


def fmt_date(
    value: date | datetime | None, lang: str = DEFAULT_LANGUAGE, fmt: str = "medium"
) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return format_datetime(aware, format="short", tzinfo=CENTRE_TZ, locale=LOCALES[lang])
    return _fmt_day(value, lang, fmt)


@lru_cache(maxsize=8192)
def _fmt_day(value: date, lang: str, fmt: str) -> str:
    # Babel takes ~25 us a date; a long table repeats the same few hundred days.
    return format_date(value, format=fmt, locale=LOCALES[lang])


def fmt_number(
    value: float | int | Decimal | None, lang: str = DEFAULT_LANGUAGE, digits: int = 0
) -> str:
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def fmt_percent(value: float | None, lang: str = DEFAULT_LANGUAGE, digits: int = 0) -> str:
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=pattern, locale=LOCALES[lang])


def fmt_money(value: float | Decimal | None, lang: str = DEFAULT_LANGUAGE) -> str:
    if value is None:
        return "—"
    return format_currency(value, "EUR", locale=LOCALES[lang])
