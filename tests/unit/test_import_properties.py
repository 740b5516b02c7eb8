"""The CSV importers against 1,000 generated files each: broken encodings, wrong separators,
broken quoting, huge fields, formulas in cells, missing and repeated columns, binary junk.

Whatever the file, the importer answers with a report (never an exception other than a field
error), every problem it reports has a message in both languages, and what it writes is exactly
what it said it would: every valid row, or — when the file cannot be imported — nothing at all.
Formulas are stored as the text they are (they are neutralised when exported, see
``tests/integration/test_exports_formula_safe.py``). Each example runs in a transaction of an
in-memory SQLite database that is rolled back afterwards.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleming import company_import, competences, esco
from fleming.actor import Actor
from fleming.errors import Conflict, ValidationError, ValidationErrors
from fleming.i18n import LANGUAGES
from fleming.models import Company, CompanyContact, Competence, CompetenceArea, Role
from tests.unit.hostile import (
    FORMULAS,
    THOROUGH,
    clear,
    clear_all,
    hostile_text,
    memory_database,
    message_is_clear,
    one_clean_line,
)

COORDINATOR = Actor(id=0, username="coord", full_name="Coordinatrice", role=Role.COORDINATOR)


@pytest.fixture(scope="module")
def db():
    engine = memory_database()
    yield engine
    engine.dispose()


# --------------------------------------------------------------------------- file builders
def _vat(n: int) -> str:
    from stdnum import luhn

    body = f"{n:07d}015"
    return body + luhn.calc_check_digit(body)


GOOD = {  # a plausible value per template column
    "ragione_sociale": st.sampled_from(["Trattoria da Gino", "Sartoria Bianchi S.r.l.", "Caffè"]),
    "partita_iva": st.integers(1, 60).map(_vat),
    "ateco": st.sampled_from(["56.10", "43.21", "81", "96.01.10"]),
    "dipendenti": st.integers(0, 500).map(str),
    "indirizzo": st.sampled_from(["Via Padova 12", "Viale Monza, 3", ""]),
    "comune": st.sampled_from(["Milano", "015146", "Sesto San Giovanni", ""]),
    "sito_web": st.sampled_from(["www.esempio.it", "https://bar.example.it", ""]),
    "stato": st.sampled_from(["Da contattare", "active", "Attiva", ""]),
    "note": st.sampled_from(["", "Cliente storico"]),
    "referente_nome": st.sampled_from(["Maria Rossi", ""]),
    "referente_ruolo": st.sampled_from(["Titolare", ""]),
    "referente_telefono": st.sampled_from(["02 1234 5678", "+39 333 1234567", ""]),
    "referente_email": st.sampled_from(["maria@esempio.it", ""]),
}


def cell(column: str) -> st.SearchStrategy[str]:
    good = GOOD.get(column, st.just(""))
    bad = st.one_of(
        hostile_text(30),
        st.sampled_from(FORMULAS),
        st.sampled_from(
            ['"', '""', "a;b", "a,b", "a\tb", "riga\nnuova", "\x00", "Ditta\u200b", "Caffe\u0301"]
        ),
    )
    return st.one_of(good, good, good, bad)  # mostly plausible, so that rows do get imported


@st.composite
def company_files(draw) -> bytes:
    columns = list(company_import.TEMPLATE_HEADER)
    header = draw(
        st.one_of(
            st.just(columns),
            st.just(columns),
            st.permutations(columns),
            st.lists(st.sampled_from([*columns, "colonna_ignota", ""]), min_size=1, max_size=15),
        )
    )
    clean_row = st.tuples(*(GOOD.get(c, st.just("")) for c in header)).map(list)
    messy_row = st.tuples(*(cell(c) for c in header)).map(list)
    rows = draw(st.lists(st.one_of(clean_row, messy_row), min_size=1, max_size=5))
    for row in rows:  # short and long rows
        cut = draw(st.sampled_from([None] * 6 + [1, -1]))
        if cut == 1:
            row[:] = row[: max(1, len(row) // 2)]
        elif cut == -1:
            row.append("in più")
    separator = draw(st.sampled_from([";", ";", ",", "\t", "|"]))
    row_separator = draw(st.sampled_from([separator] * 6 + [";", ","]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_MINIMAL, csv.QUOTE_ALL, "none"]))
    out = io.StringIO()
    if quoting == "none":  # broken quoting: cells joined as they are
        out.write(separator.join(header) + "\r\n")
        for row in rows:
            out.write(row_separator.join(row) + "\r\n")
    else:
        csv.writer(out, delimiter=separator, quoting=quoting).writerow(header)
        body = csv.writer(out, delimiter=row_separator, quoting=quoting)
        for row in rows:
            body.writerow(row)
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    damage = draw(st.sampled_from(["none"] * 4 + ["cut", "junk"]))
    if damage == "cut" and data:  # truncated in the middle of a character or a quoted field
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "junk":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=20)) + data[at:]
    return data


# --------------------------------------------------------------------------- company import
@THOROUGH
@given(data=st.one_of(company_files(), company_files(), company_files(), st.binary(max_size=400)))
def test_company_import_reports_every_problem_and_writes_all_valid_rows_or_nothing(db, data):
    with Session(db) as session:
        preview = company_import.preview(
            session=session, actor=COORDINATOR, data=data, file_name="generated.csv"
        )
        for error in (*preview.file_errors, *preview.errors):
            message_is_clear(error.message, error.params)
            assert error.column is None or error.column in company_import.COMPANY_IMPORT_COLUMNS
        for lang in LANGUAGES:
            report = preview.report(lang)
            assert len(report) == len(preview.file_errors) + len(preview.errors)
        vats = [str(r.company.vat_number) for r in preview.valid]
        assert len(set(vats)) == len(vats)
        assert not (preview.file_errors and preview.valid)

        before = session.scalar(select(func.count()).select_from(Company))
        assert before == 0
        event("file refused" if preview.file_errors else f"valid rows: {min(len(vats), 3)}")
        if preview.can_import:
            result = company_import.run(session=session, actor=COORDINATOR, preview=preview)
            session.flush()
            stored = session.execute(select(Company.vat_number, Company.name)).all()
            assert sorted(v for v, _ in stored) == sorted(vats)
            assert {n for _, n in stored} == {r.company.name for r in preview.valid}
            for _, name in stored:  # one line, NFC, no control or invisible character
                one_clean_line(name)
            contacts = session.scalar(select(func.count()).select_from(CompanyContact))
            assert result.companies == len(vats) and result.contacts == contacts
        else:
            with pytest.raises(Conflict):
                company_import.run(session=session, actor=COORDINATOR, preview=preview)
            session.flush()
            assert session.scalar(select(func.count()).select_from(Company)) == 0
        session.rollback()


def test_formulas_are_stored_as_text_and_come_back_neutralised_in_the_export(db):
    """A formula in a cell is a company name like any other; the export makes it inert."""
    from fleming.exports import to_csv_bytes

    name = "=cmd|' /C calc'!A0"
    data = f"ragione_sociale;partita_iva;ateco;dipendenti\r\n{name};{_vat(7)};56.10;3\r\n"
    with Session(db) as session:
        preview = company_import.preview(session=session, actor=COORDINATOR, data=data.encode())
        assert [r.company.name for r in preview.valid] == [name]
        company_import.run(session=session, actor=COORDINATOR, preview=preview)
        session.flush()
        assert session.scalar(select(Company.name)) == name
        session.rollback()
    import pandas as pd

    exported = to_csv_bytes(pd.DataFrame({"Ragione sociale": [name]})).decode("utf-8-sig")
    assert exported.splitlines()[1] == "'" + name


# --------------------------------------------------------------------------- ESCO skills import
SKILL_URI = "http://data.europa.eu/esco/skill/{}"


OCCUPATION_URI = "http://data.europa.eu/esco/occupation/{}"
OCCUPATION_COLUMNS = (
    "conceptType",
    "conceptUri",
    "iscoGroup",
    "preferredLabel",
    "altLabels",
    "code",
)


@st.composite
def esco_files(draw, kind: str = "skills") -> bytes:
    """A ``skills_<lang>.csv`` or an ``occupations_en.csv``, mostly in the official layout."""
    columns = list(competences.ESCO_COLUMNS if kind == "skills" else OCCUPATION_COLUMNS)
    header = draw(
        st.one_of(
            st.just(columns),
            st.just(columns),
            st.permutations(columns),
            st.lists(st.sampled_from([*columns, " conceptUri", "altro", ""]), max_size=16),
        )
    )
    uri = SKILL_URI if kind == "skills" else OCCUPATION_URI
    uuid = st.uuids().map(lambda u: uri.format(u))
    good = {
        "conceptType": st.sampled_from(
            ["KnowledgeSkillCompetence", "KnowledgeSkillCompetence", "Occupation"]
        ),
        "conceptUri": st.one_of(uuid, uuid, uuid, hostile_text(20)),
        "skillType": st.sampled_from(["skill/competence", "skill/competence", "knowledge", ""]),
        "status": st.sampled_from(["released", "released", "", "deprecated"]),
        "preferredLabel": st.one_of(
            st.sampled_from(["usare il forno", "cucire a macchina", "cook"]), hostile_text(30)
        ),
        "iscoGroup": st.one_of(st.sampled_from(["5120", "7531"]), hostile_text(6)),
        "altLabels": st.one_of(st.just("fry cook\nkitchen chef"), hostile_text(30)),
    }
    rows = draw(
        st.lists(
            st.tuples(*(good.get(c, st.one_of(st.just(""), hostile_text(20))) for c in header)).map(
                list
            ),
            min_size=1,
            max_size=6,
        )
    )
    if rows and draw(st.booleans()):
        rows.append(list(rows[0]))  # a repeated row
    out = io.StringIO()
    separator = draw(st.sampled_from([",", ",", ",", ";", "\t"]))
    writer = csv.writer(out, delimiter=separator)
    writer.writerow(header)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    data = out.getvalue().encode(encoding, errors="replace")
    if draw(st.sampled_from([False, False, False, True])) and data:  # junk bytes somewhere
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=10)) + data[at:]
    return data


@THOROUGH
@given(
    data=st.one_of(esco_files(), esco_files(), esco_files(), st.binary(max_size=300)),
    area=st.sampled_from(list(CompetenceArea)),
)
def test_esco_skills_import_reads_or_refuses_and_adds_exactly_what_it_reports(db, data, area):
    try:
        skills = competences.read_esco_skills(data)
    except ValidationError as err:
        clear(err, {"file"})
        event(f"refused: {err.message}")
        return
    assert list(skills.columns) == list(competences.ESCO_COLUMNS)
    with Session(db) as session:
        trade_id = 1 if area is CompetenceArea.TECHNICAL else None
        before = session.scalar(select(func.count()).select_from(Competence))
        try:
            report = competences.import_esco_skills(
                session=session,
                actor=COORDINATOR,
                skills=skills,
                lang="it",
                area=area,
                trade_id=trade_id,
            )
        except ValidationErrors as exc:
            clear_all(exc, {"lang", "area", "trade_id"})
            session.flush()
            assert session.scalar(select(func.count()).select_from(Competence)) == before
        else:
            session.flush()
            event(f"skills added: {min(len(report.added), 3)}")
            assert report.total == len(skills)
            for skipped in report.skipped:
                message_is_clear(skipped.reason, {})
            added = session.scalars(
                select(Competence.esco_uri).where(Competence.code.startswith("esco."))
            ).all()
            assert sorted(added) == sorted(r.uri for r in report.added)
            assert session.scalar(select(func.count()).select_from(Competence)) == before + len(
                report.added
            )
        session.rollback()


# --------------------------------------------------------------------------- ESCO occupations
@THOROUGH
@given(
    data=st.one_of(esco_files("occupations"), esco_files("occupations"), st.binary(max_size=300))
)
def test_the_esco_occupations_file_is_read_or_ignored_never_a_crash(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / esco.FILE_NAME
        path.write_bytes(data)
        loaded = esco._load.__wrapped__(str(path))
    event("read" if loaded is not None else "ignored")
    if loaded is not None:
        occupations, _texts = loaded
        assert occupations and all(esco.URI_PATTERN.match(o.uri) and o.label for o in occupations)
