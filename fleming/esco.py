"""ESCO occupations (European Commission), read at run time from the shared reference folder.

The official ``occupations_en.csv`` (ESCO v1.2, English labels) lives outside the repository, in
``../shared/reference/esco`` relative to the repository root; ``FLEMING_ESCO_DIR`` points elsewhere.
Nothing is copied into the repository. When the file is absent or unreadable, ``available()`` is
False and the search returns nothing: vacancies then take an occupation from the centre's trades
only, and the page says so.

Only four columns are used: ``conceptUri`` (stored on the vacancy), ``preferredLabel`` and
``altLabels`` (searched), ``iscoGroup`` (the four-digit ISCO-08 unit group, stored as the vacancy's
ISCO code).
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fleming.config import ROOT
from fleming.reference import fold

ENV_VAR = "FLEMING_ESCO_DIR"
FILE_NAME = "occupations_en.csv"
URI_PREFIX = "http://data.europa.eu/esco/occupation/"
URI_PATTERN = re.compile(r"^http://data\.europa\.eu/esco/occupation/[0-9a-f-]{36}$")
ISCO_PATTERN = re.compile(r"^[0-9]{4}$")

# ISCO-08 unit groups of the centre's workshop trades (from the reference README).
TRADE_ISCO: dict[str, tuple[str, ...]] = {
    "catering": ("5120", "9412", "5131", "5132", "9411", "5246"),
    "electrical": ("7411", "7413", "7412"),
    "interior_maintenance": ("5153", "9112", "7131", "7132"),
    "gardening": ("6113", "9214"),
    "tailoring": ("7531", "8153", "7533"),
}


@dataclass(frozen=True)
class Occupation:
    uri: str
    label: str
    isco_code: str
    alt_labels: tuple[str, ...] = ()


def esco_dir() -> Path:
    """The folder holding the ESCO CSV files."""
    override = os.environ.get(ENV_VAR, "").strip()
    return Path(override) if override else ROOT.parent / "shared" / "reference" / "esco"


@cache
def _load(
    path: str,
) -> tuple[tuple[Occupation, ...], tuple[tuple[str, frozenset, frozenset], ...]] | None:
    """The occupations of ``path`` and their folded search texts, or None when unreadable."""
    file = Path(path)
    try:
        with file.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            occupations = []
            for row in reader:
                uri = (row.get("conceptUri") or "").strip()
                label = (row.get("preferredLabel") or "").strip()
                isco = (row.get("iscoGroup") or "").strip()
                if not URI_PATTERN.match(uri) or not label:
                    continue
                alts = tuple(a.strip() for a in (row.get("altLabels") or "").splitlines() if a)
                occupations.append(Occupation(uri, label, isco, alts))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    if not occupations:
        return None
    occupations.sort(key=lambda o: fold(o.label))
    texts = tuple(
        (fold(o.label), _words(o.label), _words(" ".join(o.alt_labels))) for o in occupations
    )
    return tuple(occupations), texts


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", fold(text)))


def _prefixes(words: list[str], tokens: frozenset[str]) -> bool:
    """Each of ``words`` starts some token ("elec inst" matches "electrical installer")."""
    return all(any(t.startswith(w) for t in tokens) for w in words)


def _data() -> tuple[tuple[Occupation, ...], tuple[tuple[str, frozenset, frozenset], ...]] | None:
    return _load(str(esco_dir() / FILE_NAME))


def available() -> bool:
    """Whether the ESCO occupations could be read."""
    return _data() is not None


def count() -> int:
    data = _data()
    return len(data[0]) if data else 0


def search(text: str, *, limit: int = 25, isco_codes: tuple[str, ...] = ()) -> list[Occupation]:
    """Occupations matching ``text`` (English, case- and accent-insensitive).

    Preferred labels starting with the text come first, then labels containing it, then
    occupations matched only through an alternative label. ``isco_codes`` narrows the search to
    those ISCO unit groups; with no text it lists them.
    """
    data = _data()
    if data is None:
        return []
    occupations, texts = data
    needle = " ".join(fold(text).split())
    words = re.findall(r"[a-z0-9]+", needle)
    if not words and not isco_codes:
        return []
    ranked: list[tuple[int, int]] = []
    for index, (occupation, (label, label_words, alt_words)) in enumerate(
        zip(occupations, texts, strict=True)
    ):
        if isco_codes and occupation.isco_code not in isco_codes:
            continue
        if not words or label.startswith(needle):
            ranked.append((0, index))
        elif _prefixes(words, label_words):
            ranked.append((1, index))
        elif _prefixes(words, label_words | alt_words):
            ranked.append((2, index))
    ranked.sort()
    return [occupations[i] for _, i in ranked[: max(limit, 0)]]


def for_trade(trade_code: str | None, *, limit: int = 25) -> list[Occupation]:
    """The occupations in the ISCO groups of a workshop trade."""
    codes = TRADE_ISCO.get(trade_code or "", ())
    return search("", isco_codes=codes, limit=limit) if codes else []


def by_uri(uri: str | None) -> Occupation | None:
    data = _data()
    if data is None or not uri:
        return None
    return _by_uri(data[0]).get(uri)


@cache
def _by_uri(occupations: tuple[Occupation, ...]) -> dict[str, Occupation]:
    return {o.uri: o for o in occupations}
