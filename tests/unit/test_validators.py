"""Validators; hypothesis for the free-text parsers: no crash, a clear field error or a value."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.it import codicefiscale, iva

from fleming.errors import ValidationError
from fleming.models import Sex
from fleming.validators import (
    int_in_range,
    normalise_email,
    normalise_phone,
    normalise_vat_number,
    not_in_future,
    parse_tax_code,
)


def test_sixteen_char_code_gives_birth_date_sex_and_place():
    info = parse_tax_code(" rccmnl83s18d969h ")
    assert info.code == "RCCMNL83S18D969H"
    assert (info.birth_date, info.sex, info.belfiore) == (date(1983, 11, 18), Sex.M, "D969")
    assert not info.provisional


def test_woman_day_plus_forty():
    # Maria Rossi, born 1 January 1990 in Milano (F205): day 01 + 40 = 41.
    code = "RSSMRA90A41F205"
    code += codicefiscale.calc_check_digit(code)
    info = parse_tax_code(code)
    assert (info.birth_date, info.sex, info.belfiore) == (date(1990, 1, 1), Sex.F, "F205")


def test_omocodia_is_accepted_and_decoded():
    # Digits replaced from the right by LMNPQRSTUV (V stands for 9): D999 written D9VV.
    omocode = "RCCMNL83S18D9VV"
    omocode += codicefiscale.calc_check_digit(omocode)
    info = parse_tax_code(omocode)
    assert info.belfiore == "D999"
    assert info.birth_date == date(1983, 11, 18)


def test_provisional_eleven_digit_code():
    code = "1234567015"  # digits 8-10: the issuing office (015 = Milano)
    code += luhn.calc_check_digit(code)
    info = parse_tax_code(code)
    assert info.provisional
    assert info.birth_date is None


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("", "error.required"),
        ("RCCMNL83S18D969", "validators.tax_code.length"),
        ("RCCMNL83S18D969A", "validators.tax_code.invalid"),
        ("12345678901", "validators.tax_code.provisional_invalid"),
        ("1234567890A", "validators.tax_code.provisional_invalid"),
    ],
)
def test_bad_tax_codes_name_the_reason(raw, key):
    with pytest.raises(ValidationError) as err:
        parse_tax_code(raw)
    assert (err.value.field, err.value.message) == ("tax_code", key)


@given(st.text(max_size=40))
def test_tax_code_parser_never_crashes(text):
    try:
        info = parse_tax_code(text)
    except ValidationError as err:
        assert err.field == "tax_code"
    else:
        assert len(info.code) in (11, 16)
        assert codicefiscale.is_valid(info.code) or iva.is_valid(info.code)


@given(st.text(max_size=40))
def test_phone_parser_never_crashes(text):
    try:
        value = normalise_phone(text)
    except ValidationError as err:
        assert err.field == "phone"
    else:
        assert value is None or value.startswith("+")


@given(st.from_regex(r"3[0-9]{9}", fullmatch=True))
def test_italian_mobiles_become_e164(number):
    try:
        value = normalise_phone(number)
    except ValidationError:
        return  # some 3xx prefixes are not assigned
    assert value == "+39" + number


def test_phone_examples():
    assert normalise_phone("02 1234 5678") == "+390212345678"
    assert normalise_phone("+33 1 23 45 67 89") == "+33123456789"
    assert normalise_phone("  ") is None
    with pytest.raises(ValidationError):
        normalise_phone("12")


def test_email():
    assert normalise_email(" Anna.B@Example.IT ") == "Anna.B@example.it"
    assert normalise_email("") is None
    for bad in ("anna", "anna@", "@x.it", "a b@x.it"):
        with pytest.raises(ValidationError):
            normalise_email(bad)


@given(st.text(max_size=30))
def test_vat_parser_never_crashes(text):
    try:
        value = normalise_vat_number(text)
    except ValidationError as err:
        assert err.field == "vat_number"
    else:
        assert iva.is_valid(value)


def test_vat_examples():
    assert normalise_vat_number("IT 00743110157") == "00743110157"
    with pytest.raises(ValidationError):
        normalise_vat_number("00743110158")


def test_future_dates_and_ranges():
    assert not_in_future(date(2020, 1, 1), "d", today=date(2026, 1, 1)) == date(2020, 1, 1)
    with pytest.raises(ValidationError):
        not_in_future(date(2027, 1, 1), "d", today=date(2026, 1, 1))
    assert int_in_range("150", "hours", 100, 200) == 150
    for bad in ("99", "201", "x", 150.5, None):
        with pytest.raises(ValidationError):
            int_in_range(bad, "hours", 100, 200)
