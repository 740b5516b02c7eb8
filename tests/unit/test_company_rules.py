"""Companies' pure rules: host quota, VAT/website/ATECO/municipality validators, export safety,
the CSV reader, the ESCO search and the catalogue keys built at run time."""

from __future__ import annotations

import csv
import io
import math
import zipfile

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn

from fleming import company_import, esco, exports
from fleming.companies import (
    SCOUTING_CHANNELS,
    STATUS_TRANSITIONS,
    ConventionFilter,
    QuotaRule,
    intern_quota,
    next_statuses,
)
from fleming.errors import ValidationError
from fleming.i18n import LANGUAGES, catalogue, translate
from fleming.models import CompanyStatus
from fleming.validators import (
    normalise_ateco,
    normalise_municipality,
    normalise_vat_number,
    normalise_website,
)


# --------------------------------------------------------------------------- host quota
@pytest.mark.parametrize(
    ("employees", "quota"),
    [(0, 1), (5, 1), (6, 2), (20, 2), (21, 3), (29, 3), (30, 3), (31, 4), (100, 10), (101, 11)],
)
def test_intern_quota_follows_the_lombardy_bands(employees, quota):
    assert intern_quota(employees) == quota


@settings(deadline=None)  # no timing asserts: CI machines are shared
@given(st.integers(min_value=0, max_value=100_000))
def test_intern_quota_grows_with_size_and_is_ten_percent_rounded_up_above_twenty(n):
    quota = intern_quota(n)
    assert quota >= 1
    assert intern_quota(n + 1) >= quota
    if n > 20:
        assert quota == math.ceil(n / 10)


def test_intern_quota_takes_the_rule_from_a_setting_value():
    strict = QuotaRule(micro_max=3, micro_quota=1, small_max=15, small_quota=2, percent_above=5)
    assert intern_quota(4, strict) == 2
    assert intern_quota(40, strict) == 2  # 5% of 40 is 2
    assert intern_quota(41, strict) == 3
    with pytest.raises(ValueError):
        intern_quota(-1)


def test_status_lifecycle_never_goes_back_to_prospect():
    assert all(CompanyStatus.PROSPECT not in allowed for allowed in STATUS_TRANSITIONS.values())
    assert next_statuses(CompanyStatus.PROSPECT)[0] is CompanyStatus.PROSPECT
    assert CompanyStatus.DORMANT in next_statuses(CompanyStatus.ACTIVE)


# --------------------------------------------------------------------------- validators
def _vat(body: str) -> str:
    return body + luhn.calc_check_digit(body)


vat_numbers = st.builds(
    lambda n, office: _vat(f"{n:07d}{office:03d}"),
    st.integers(min_value=1, max_value=9_999_999),
    st.integers(min_value=1, max_value=100),
)


@settings(deadline=None)  # no timing asserts: CI machines are shared
@given(vat_numbers, st.sampled_from(["", "IT", "it ", "IT-"]), st.sampled_from(["", " ", "."]))
def test_any_valid_vat_number_is_accepted_however_it_is_written(vat, prefix, sep):
    written = prefix + sep.join([vat[:3], vat[3:7], vat[7:]])
    assert normalise_vat_number(written) == vat


@settings(deadline=None)  # no timing asserts: CI machines are shared
@given(vat_numbers, st.integers(min_value=0, max_value=10), st.integers(min_value=1, max_value=9))
def test_a_vat_number_with_one_wrong_digit_is_refused(vat, position, shift):
    wrong = vat[:position] + str((int(vat[position]) + shift) % 10) + vat[position + 1 :]
    with pytest.raises(ValidationError) as info:
        normalise_vat_number(wrong)
    assert info.value.message == "validators.vat.invalid"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_free_text_validators_never_crash(text):
    for fn in (normalise_vat_number, normalise_website, normalise_ateco, normalise_municipality):
        try:
            fn(text)
        except ValidationError as exc:
            assert exc.message in catalogue() or exc.message == "error.required"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("www.Trattoria.it", "https://www.trattoria.it"),
        ("http://bar.example.it/menu?x=1", "http://bar.example.it/menu?x=1"),
        ("", None),
    ],
)
def test_website_is_normalised(raw, expected):
    assert normalise_website(raw) == expected


@pytest.mark.parametrize(
    "raw", ["ftp://x.it", "trattoria", "http://a..it", "javascript:alert(1)", "www.x.it/a b"]
)
def test_website_refused(raw):
    with pytest.raises(ValidationError):
        normalise_website(raw)


def test_ateco_codes_must_name_an_existing_division():
    assert normalise_ateco(" 56.10 ") == "56.10"
    assert normalise_ateco("88") == "88"
    for bad in ("57", "57.10", "A", "5610", "56.100"):
        with pytest.raises(ValidationError) as info:
            normalise_ateco(bad)
        assert info.value.message == "validators.ateco.unknown"


def test_municipality_by_code_or_unambiguous_name():
    assert normalise_municipality("Milano") == "015146"
    assert normalise_municipality("15146") == "015146"
    assert normalise_municipality("forli") == normalise_municipality("Forlì")
    with pytest.raises(ValidationError) as info:
        normalise_municipality("Samone")  # one in Piemonte, one in Trentino
    assert info.value.message == "validators.municipality.ambiguous"
    with pytest.raises(ValidationError):
        normalise_municipality("Atlantide")


# --------------------------------------------------------------------------- exports
@settings(deadline=None)  # no timing asserts: CI machines are shared
@given(st.text(max_size=40))
def test_neutralised_text_cannot_start_a_formula(text):
    out = exports.neutralise(text)
    assert out in (text, "'" + text)
    if out.startswith(exports.FORMULA_START):
        assert out[0] in "+-" and exports._NUMBER_LIKE.match(out)


def test_csv_and_excel_exports_neutralise_formulas_but_keep_phone_numbers():
    frame = pd.DataFrame(
        {
            "Nome": ["=cmd|' /C calc'!A0", "@SUM(A1)", "Trattoria", "-2+3"],
            "Telefono": ["+393331234567", "-5", None, "+cmd"],
        }
    )
    text = exports.to_csv_bytes(frame).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[1] == ["'=cmd|' /C calc'!A0", "+393331234567"]
    assert rows[2] == ["'@SUM(A1)", "-5"]
    assert rows[4] == ["'-2+3", "'+cmd"]

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(exports.to_excel_bytes(frame, "Aziende")))
    sheet = book["Aziende"]
    values = [sheet.cell(row=r, column=1).value for r in range(2, 6)]
    # as typed, no apostrophe: text cells (type string, quote prefix), never a formula
    assert values == ["=cmd|' /C calc'!A0", "@SUM(A1)", "Trattoria", "-2+3"]
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(2, 6))
    assert [sheet.cell(row=r, column=1).quotePrefix for r in range(2, 6)] == [
        True,
        True,
        False,
        True,
    ]
    xml = zipfile.ZipFile(io.BytesIO(exports.to_excel_bytes(frame, "Aziende"))).read(
        "xl/worksheets/sheet1.xml"
    )
    assert b"<f>" not in xml and b"<f " not in xml  # no formula element anywhere


# --------------------------------------------------------------------------- CSV reading
@settings(deadline=None)  # no timing asserts: CI machines are shared
@given(st.binary(max_size=300))
def test_any_bytes_decode_to_some_text(data):
    text, encoding = company_import.decode(data)
    assert isinstance(text, str) and encoding


def test_decode_prefers_utf8_then_excel_encoding():
    assert company_import.decode("Caffè".encode()) == ("Caffè", "UTF-8")
    assert company_import.decode("\ufeffCaffè".encode()) == ("Caffè", "UTF-8")
    assert company_import.decode("Caffè".encode("cp1252")) == ("Caffè", "Windows-1252")
    assert company_import.decode("Caffè".encode("utf-16")) == ("Caffè", "UTF-16")


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_separator_is_the_one_that_splits_the_header(sep):
    header = sep.join(["Ragione sociale", "Partita IVA", '"Via Roma, 1"'])
    assert company_import.sniff_separator(header + "\n") == sep


def test_headers_are_recognised_in_either_language_and_any_case():
    assert company_import._BY_HEADER[company_import.header_key(" Partita IVA ")] == "vat_number"
    assert company_import._BY_HEADER[company_import.header_key("E-mail")] == "contact_email"
    assert company_import.header_key("Référent nome") == "referent_nome"


# --------------------------------------------------------------------------- ESCO
ESCO_SAMPLE = (
    "conceptType,conceptUri,iscoGroup,preferredLabel,altLabels,code\n"
    "Occupation,http://data.europa.eu/esco/occupation/90f75f67-495d-49fa-ab57-2f320e251d7e,"
    '5120,cook,"fry cook\nkitchen chef",5120.1\n'
    "Occupation,http://data.europa.eu/esco/occupation/d5db9d5c-2ebf-4a54-a79a-1b7e7ff70471,"
    "5131,waiter/waitress,server,5131.1\n"
)


def test_esco_search_reads_the_folder_named_by_the_environment(tmp_path, monkeypatch):
    (tmp_path / "occupations_en.csv").write_text(ESCO_SAMPLE, encoding="utf-8")
    monkeypatch.setenv(esco.ENV_VAR, str(tmp_path))
    assert esco.available() and esco.count() == 2
    assert [o.label for o in esco.search("cook")] == ["cook"]
    assert [o.label for o in esco.search("chef")] == ["cook"]  # through an alternative label
    assert [o.isco_code for o in esco.search("wait")] == ["5131"]
    assert [o.label for o in esco.for_trade("catering")] == ["cook", "waiter/waitress"]
    assert esco.by_uri(esco.search("cook")[0].uri).isco_code == "5120"


def test_esco_absent_degrades_to_no_results(tmp_path, monkeypatch):
    monkeypatch.setenv(esco.ENV_VAR, str(tmp_path / "nowhere"))
    assert not esco.available()
    assert esco.search("cook") == []
    assert esco.by_uri("http://data.europa.eu/esco/occupation/x") is None


# --------------------------------------------------------------------------- catalogue
def test_keys_built_at_run_time_exist_in_both_languages():
    keys = [f"companies.convention_filter.{f.value}" for f in ConventionFilter]
    keys += [f"company.channel.{c}" for c in SCOUTING_CHANNELS]
    keys += [f"company_import.format.{c}" for c in company_import.ALIASES]
    keys += [f"company_import.report.{k}" for k in ("row", "column", "value", "problem")]
    for key in keys:
        for lang in LANGUAGES:
            assert translate(key, lang) != key, (key, lang)
