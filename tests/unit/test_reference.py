"""The reference CSVs are well formed and their ESCO links are real."""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from fleming import reference
from fleming.models import CompetenceArea

TRADES = {"catering", "electrical", "interior_maintenance", "gardening", "tailoring"}


def _esco_dir() -> Path:
    env = os.environ.get("FLEMING_ESCO_DIR", "").strip()
    if env:
        return Path(env)
    # the ESCO rows the catalogue links to, kept in the repository (see its README.md)
    return Path(__file__).resolve().parents[1] / "fixtures" / "esco_reference"


@pytest.fixture(scope="module")
def esco_uris() -> set[str]:
    folder = _esco_dir()
    assert (folder / "skills_uri_text_en.csv").is_file(), f"no ESCO skills file in {folder}"
    uris: set[str] = set()
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                for key in ("id", "conceptUri"):
                    if row.get(key):
                        uris.add(row[key].strip())
    return uris


def test_every_esco_uri_exists_in_the_esco_files(esco_uris):
    rows = reference.competences_csv()
    linked = [c for c in rows if c.esco_uri]
    assert linked, "the catalogue should link at least some competences to ESCO"
    missing = [c.code for c in linked if c.esco_uri not in esco_uris]
    assert missing == []
    assert all(c.esco_uri.startswith("http://data.europa.eu/esco/skill/") for c in linked)


def test_competence_catalogue_shape():
    rows = reference.competences_csv()
    codes = [c.code for c in rows]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", c) for c in codes)
    per_trade = Counter(c.trade_code for c in rows if c.area is CompetenceArea.TECHNICAL)
    assert set(per_trade) == TRADES
    assert min(per_trade.values()) >= 8
    # only technical competences belong to a trade
    assert all((c.area is CompetenceArea.TECHNICAL) == (c.trade_code is not None) for c in rows)
    areas = Counter(c.area for c in rows)
    assert areas[CompetenceArea.LANGUAGE] == 4
    assert areas[CompetenceArea.TRANSVERSAL] >= 6
    assert areas[CompetenceArea.DIGITAL] >= 4
    assert all(c.label_it.strip() and c.label_en.strip() for c in rows)


def test_trades():
    assert {t.code for t in reference.trades_csv()} == TRADES
    labels = {t.code: t.label_it for t in reference.trades_csv()}
    assert labels["catering"] == "Ristorazione"
    assert labels["tailoring"] == "Sartoria"


def test_comuni():
    rows = reference.comuni()
    assert 7800 <= len(rows) <= 8100
    codes = [c.istat_code for c in rows]
    assert all(re.fullmatch(r"\d{6}", c) for c in codes)
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[A-Z]\d{3}", c.belfiore) for c in rows)
    assert len({c.belfiore for c in rows}) == len(rows)
    milano = reference.comune_by_code("015146")
    assert milano is not None
    assert (milano.name, milano.belfiore, milano.province, milano.metro) == (
        "Milano",
        "F205",
        "MI",
        True,
    )
    metro = reference.metro_comuni()
    assert 130 <= len(metro) <= 135  # the Città metropolitana di Milano has 133 comuni
    assert {c.province for c in metro} == {"MI"}
    assert reference.comune_by_code("058091").metro is False  # Roma


def test_search_comuni_is_accent_insensitive_and_metro_first():
    assert reference.search_comuni("forli", limit=1)[0].name == "Forlì"
    sesto = reference.search_comuni("sesto")
    assert sesto[0].name == "Sesto San Giovanni"
    assert reference.search_comuni("F205") == [reference.comune_by_code("015146")]
    assert len(reference.search_comuni("san", limit=5)) == 5
    assert reference.search_comuni("") == []


def test_countries():
    rows = reference.countries()
    iso = [c.iso2 for c in rows]
    assert len(iso) == len(set(iso))
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in iso)
    assert not {"EU", "UN", "ZZ", "QO", "001", "150"} & set(iso)
    by_iso = reference.country_by_iso2()
    for code in ("MA", "NG", "UA", "EG", "PE", "RO", "AL", "BD", "SN", "ER", "CN"):
        assert re.fullmatch(r"Z\d{3}", by_iso[code].belfiore), code
    assert by_iso["MA"].belfiore == "Z330"
    assert by_iso["RO"].eu and not by_iso["MA"].eu
    assert sum(c.eu for c in rows) == 27
    assert by_iso["IT"].belfiore == ""
    belfiore = [c.belfiore for c in rows if c.belfiore]
    assert len(belfiore) == len(set(belfiore))
    assert reference.belfiore_to_country()["Z336"].iso2 == "EG"
    assert by_iso["MA"].name_it == "Marocco"


def test_ateco():
    rows = reference.ateco()
    sections = [a for a in rows if a.is_section]
    divisions = [a for a in rows if not a.is_section]
    assert [s.code for s in sections] == list("ABCDEFGHIJKLMNOPQRSTU")
    assert len(divisions) == 88
    assert all(re.fullmatch(r"\d{2}", d.code) for d in divisions)
    by_code = reference.ateco_by_code()
    assert by_code["56"].label_it == "Attività dei servizi di ristorazione"
    assert by_code["56"].section == "I"
    assert by_code["81"].section == "N"
    assert by_code["43"].section == "F"
    assert reference.ateco_division("56.10.11") == by_code["56"]
