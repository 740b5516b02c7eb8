"""The one list of a person's personal data (fleming.personal_data): every text or date column of
every table about a person is either personal (anonymisation removes it, the audit log never
holds it) or kept for a stated reason, so a new column cannot slip past the decision."""

from __future__ import annotations

import sqlalchemy as sa

from fleming import gdpr
from fleming.models import Base
from fleming.personal_data import KEPT, PERSONAL

TEXT_OR_DATE = (sa.String, sa.Text, sa.Date, sa.DateTime)


def _about_a_person() -> set[str]:
    """Tables that reference ``people``, and the tables that reference those (the person's
    shortlist entries, internships, enrolments...)."""
    tables = {"people"}
    while True:
        more = {
            t.name
            for t in Base.metadata.sorted_tables
            if any(fk.column.table.name in tables for fk in t.foreign_keys)
        } - tables
        if not more:
            return tables
        tables |= more


def _decided(table: sa.Table) -> list[str]:
    return [
        c.name
        for c in table.columns
        if isinstance(c.type, TEXT_OR_DATE)
        and c.name not in PERSONAL.get(table.name, ())
        and c.name not in KEPT.get(table.name, ())
    ]


def test_every_text_and_date_column_about_a_person_is_personal_or_kept():
    about = _about_a_person()
    assert {"people", "consents", "internships", "internship_checks"} <= about
    undecided = {
        name: cols for name in sorted(about) if (cols := _decided(Base.metadata.tables[name]))
    }
    assert undecided == {}


def test_a_column_is_never_both_personal_and_kept_and_every_listed_column_exists():
    for table, columns in PERSONAL.items():
        assert not columns & KEPT.get(table, frozenset()), table
    for listing in (PERSONAL, KEPT):
        for table, columns in listing.items():
            assert columns <= set(Base.metadata.tables[table].columns.keys()), table


def test_the_pdf_labels_every_section_and_column_in_both_languages():
    from fleming.i18n import LANGUAGES, catalogue

    keys = {"gdpr.section.person", *(label for _, label in gdpr.PERSON_FIELDS)}
    for section, columns in gdpr.SECTIONS:
        keys.add(f"gdpr.section.{section}")
        keys.update(f"gdpr.col.{c}" for c in columns)
    missing = [
        (k, lang) for k in sorted(keys) for lang in LANGUAGES if lang not in catalogue().get(k, {})
    ]
    assert missing == []
