"""The catalogue: both languages for every key, every key used exists, every enum labelled."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest

from fleming import models
from fleming.i18n import LANGUAGES, catalogue, enum_label, fmt_date, fmt_number, translate

ROOT = Path(__file__).resolve().parents[2]
KEY_CALL = re.compile(r"""\bt\(\s*["']([a-z][a-z0-9_]*(?:\.[A-Za-z0-9_]+)+)["']""")


def test_every_key_has_both_languages_and_no_empty_text():
    missing = [
        (key, lang)
        for key, entry in catalogue().items()
        for lang in LANGUAGES
        if not str(entry.get(lang, "")).strip()
    ]
    assert missing == []


def test_placeholders_match_between_languages():
    field = re.compile(r"\{(\w+)\}")
    diff = [
        key
        for key, entry in catalogue().items()
        if set(field.findall(entry["it"])) != set(field.findall(entry["en"]))
    ]
    assert diff == []


def _keys_used_in_code() -> set[str]:
    used: set[str] = set()
    for folder in ("app_pages", "fleming", "app.py"):
        path = ROOT / folder
        files = [path] if path.is_file() else path.rglob("*.py")
        for f in files:
            used.update(KEY_CALL.findall(f.read_text(encoding="utf-8")))
    return used


def test_every_literal_key_used_in_code_is_in_the_catalogue():
    used = _keys_used_in_code()
    assert used, "the scan found no t('…') calls: the pattern is broken"
    assert sorted(used - catalogue().keys()) == []


def test_error_messages_raised_by_services_are_in_the_catalogue():
    raised = set()
    pattern = re.compile(
        r"""(?:ValidationError\(\s*["'][\w.]+["']\s*,|Conflict\()\s*["']([a-z_]+\.[\w.]+)["']"""
    )
    for f in (ROOT / "fleming").rglob("*.py"):
        raised.update(pattern.findall(f.read_text(encoding="utf-8")))
    assert raised, "the scan found no raised messages: the pattern is broken"
    assert sorted(raised - catalogue().keys()) == []


ENUMS = [
    obj
    for obj in vars(models).values()
    if isinstance(obj, type) and issubclass(obj, StrEnum) and obj is not StrEnum
]


@pytest.mark.parametrize("enum_cls", ENUMS, ids=lambda e: e.__name__)
def test_every_enum_member_has_a_label(enum_cls):
    for member in enum_cls:
        for lang in LANGUAGES:
            assert enum_label(member, lang) != f"enum.{enum_cls.__name__}.{member.value}"


def test_unknown_key_is_shown_as_itself_and_params_fill_placeholders():
    assert translate("no.such.key", "it") == "no.such.key"
    assert "Anna" in translate("home.title", "it", name="Anna")
    assert translate("login.submit", "en") == "Sign in"
    assert translate("login.submit", "it") == "Accedi"


def test_italian_formats():
    from datetime import date

    assert fmt_date(date(2026, 3, 5), "it") == "5 mar 2026"
    assert fmt_number(12345.5, "it", 1) == "12.345,5"
    assert fmt_number(12345.5, "en", 1) == "12,345.5"
