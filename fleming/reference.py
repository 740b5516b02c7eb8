"""Reference data: comuni, countries, ATECO sectors, trades and the default competence catalogue.

The CSV files live in ``db/reference/`` (UTF-8, with a header); ``db/reference/build_reference.py``
regenerates ``comuni.csv`` and ``countries.csv`` from their public sources. Loaders are cached and
return frozen dataclasses, so callers may keep and share them freely.

``seed_reference_data`` copies the trades and the default competences into the database; it is
idempotent and cheap when the rows are already there.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleming.config import REFERENCE_DIR
from fleming.models import Competence, CompetenceArea, Trade

MILANO_ISTAT_CODE = "015146"


@dataclass(frozen=True)
class Comune:
    istat_code: str
    name: str
    province: str
    region: str
    belfiore: str
    metro: bool  # in the Città metropolitana di Milano


@dataclass(frozen=True)
class Country:
    iso2: str
    name_it: str
    name_en: str
    belfiore: str  # "Z###" code for the codice fiscale; empty when not known for sure
    eu: bool


@dataclass(frozen=True)
class AtecoEntry:
    code: str  # a section letter (A–U) or a two-digit division
    label_it: str
    label_en: str
    section: str

    @property
    def is_section(self) -> bool:
        return self.code.isalpha()


@dataclass(frozen=True)
class TradeRow:
    code: str
    label_it: str
    label_en: str


@dataclass(frozen=True)
class CompetenceRow:
    code: str
    label_it: str
    label_en: str
    area: CompetenceArea
    trade_code: str | None
    esco_uri: str | None


def _read(name: str, directory: Path | None = None) -> list[dict[str, str]]:
    path = (directory or REFERENCE_DIR) / name
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def fold(text: str) -> str:
    """Lower case without accents, for accent-insensitive search ("forli" finds "Forlì")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


# --------------------------------------------------------------------------- comuni
@cache
def comuni() -> tuple[Comune, ...]:
    """All Italian comuni (ISTAT), sorted by ISTAT code."""
    return tuple(
        Comune(
            istat_code=r["istat_code"],
            name=r["name"],
            province=r["province"],
            region=r["region"],
            belfiore=r["belfiore"],
            metro=r["metro"] == "1",
        )
        for r in _read("comuni.csv")
    )


@cache
def _comuni_by_code() -> Mapping[str, Comune]:
    return MappingProxyType({c.istat_code: c for c in comuni()})


@cache
def _comuni_by_belfiore() -> Mapping[str, Comune]:
    return MappingProxyType({c.belfiore: c for c in comuni()})


def comune_by_code(code: str | None) -> Comune | None:
    """The comune with this ISTAT code, or None."""
    return _comuni_by_code().get((code or "").strip())


def comune_by_belfiore(code: str | None) -> Comune | None:
    """The comune with this cadastral (Belfiore) code, e.g. F205 for Milano, or None."""
    return _comuni_by_belfiore().get((code or "").strip().upper())


def metro_comuni() -> tuple[Comune, ...]:
    """The comuni of the Città metropolitana di Milano."""
    return tuple(c for c in comuni() if c.metro)


@cache
def _folded_names() -> tuple[tuple[str, Comune], ...]:
    return tuple((fold(c.name), c) for c in comuni())


def search_comuni(text: str, limit: int = 20) -> list[Comune]:
    """Comuni whose name matches ``text`` (accent- and case-insensitive).

    Names starting with the text come first, then names containing it; within each group the
    comuni of the Città metropolitana di Milano come first, then alphabetical order.
    An ISTAT code or a Belfiore code finds its comune directly.
    """
    needle = fold(text)
    if not needle:
        return []
    exact = comune_by_code(needle) or comune_by_belfiore(needle)
    if exact is not None:
        return [exact]
    starts: list[Comune] = []
    contains: list[Comune] = []
    for name, comune in _folded_names():
        if name.startswith(needle):
            starts.append(comune)
        elif needle in name:
            contains.append(comune)

    def order(c: Comune) -> tuple[bool, str]:
        return (not c.metro, fold(c.name))

    return (sorted(starts, key=order) + sorted(contains, key=order))[: max(limit, 0)]


# --------------------------------------------------------------------------- countries
@cache
def countries() -> tuple[Country, ...]:
    """ISO 3166-1 countries with Italian and English names, sorted by ISO code."""
    return tuple(
        Country(
            iso2=r["iso2"],
            name_it=r["name_it"],
            name_en=r["name_en"],
            belfiore=r["belfiore"],
            eu=r["eu"] == "1",
        )
        for r in _read("countries.csv")
    )


@cache
def country_by_iso2() -> Mapping[str, Country]:
    """``{"MA": Country(...), ...}`` (read-only)."""
    return MappingProxyType({c.iso2: c for c in countries()})


def country(iso2: str | None) -> Country | None:
    """The country with this ISO 3166-1 alpha-2 code, or None."""
    return country_by_iso2().get((iso2 or "").strip().upper())


@cache
def belfiore_to_country() -> Mapping[str, Country]:
    """``{"Z330": Country(MA), ...}`` for the countries whose Belfiore code is known."""
    return MappingProxyType({c.belfiore: c for c in countries() if c.belfiore})


# --------------------------------------------------------------------------- ATECO
@cache
def ateco() -> tuple[AtecoEntry, ...]:
    """ATECO 2007 sections (A–U) and divisions (01–99), in the order of the classification."""
    return tuple(
        AtecoEntry(
            code=r["code"], label_it=r["label_it"], label_en=r["label_en"], section=r["section"]
        )
        for r in _read("ateco.csv")
    )


@cache
def ateco_by_code() -> Mapping[str, AtecoEntry]:
    return MappingProxyType({a.code: a for a in ateco()})


def ateco_division(code: str | None) -> AtecoEntry | None:
    """The division of an ATECO code: "56", "56.10" and "56.10.11" all give division 56."""
    digits = (code or "").strip()[:2]
    return ateco_by_code().get(digits) if digits.isdigit() else None


# --------------------------------------------------------------------------- trades, competences
@cache
def trades_csv() -> tuple[TradeRow, ...]:
    """The workshop trades shipped with Fleming (``db/reference/trades.csv``)."""
    return tuple(
        TradeRow(code=r["code"], label_it=r["label_it"], label_en=r["label_en"])
        for r in _read("trades.csv")
    )


@cache
def competences_csv() -> tuple[CompetenceRow, ...]:
    """The default competence catalogue (``db/reference/competences.csv``)."""
    return tuple(
        CompetenceRow(
            code=r["code"],
            label_it=r["label_it"],
            label_en=r["label_en"],
            area=CompetenceArea(r["area"]),
            trade_code=r["trade_code"] or None,
            esco_uri=r["esco_uri"] or None,
        )
        for r in _read("competences.csv")
    )


def seed_reference_data(*, session: Session, overwrite: bool = False) -> dict[str, int]:
    """Insert the trades and default competences that are missing (matched by ``code``).

    Idempotent, and cheap when everything is there (two small SELECTs). Rows that already exist
    are left alone, so labels edited in the application survive a restart; with
    ``overwrite=True`` their labels, area, trade and ESCO URI are reset to the CSV values (and
    their ``version`` bumps). Retired competences stay retired. Never commits.

    Returns the counts ``{"trades": inserted, "competences": inserted, "updated": updated}``.
    """
    counts = {"trades": 0, "competences": 0, "updated": 0}
    trades = {t.code: t for t in session.scalars(select(Trade))}
    for row in trades_csv():
        trade = trades.get(row.code)
        if trade is None:
            trade = Trade(code=row.code, label_it=row.label_it, label_en=row.label_en, active=True)
            session.add(trade)
            trades[row.code] = trade
            counts["trades"] += 1
        elif overwrite and (trade.label_it, trade.label_en) != (row.label_it, row.label_en):
            trade.label_it, trade.label_en = row.label_it, row.label_en
            counts["updated"] += 1
    if counts["trades"]:
        session.flush()

    existing = {c.code: c for c in session.scalars(select(Competence))}
    for row in competences_csv():
        trade_id = trades[row.trade_code].id if row.trade_code else None
        values = {
            "label_it": row.label_it,
            "label_en": row.label_en,
            "area": row.area,
            "trade_id": trade_id,
            "esco_uri": row.esco_uri,
        }
        comp = existing.get(row.code)
        if comp is None:
            session.add(Competence(code=row.code, **values))
            counts["competences"] += 1
        elif overwrite and any(getattr(comp, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(comp, key, value)
            counts["updated"] += 1
    if counts["competences"] or counts["updated"]:
        session.flush()
    return counts
