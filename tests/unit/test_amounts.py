"""An amount that is not a number says what is accepted (decimals are),
instead of "Inserisci un numero intero"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fleming import internships
from fleming.errors import ValidationError
from fleming.i18n import translate


@pytest.mark.parametrize("text", ["abc", "500 euro", "1.000,50", "∞"])
def test_a_non_numeric_amount_says_what_is_accepted(text):
    with pytest.raises(ValidationError) as excinfo:
        internships._allowance(text)
    err = excinfo.value
    assert (err.field, err.message) == ("monthly_allowance", "validators.amount.invalid")
    assert "500,50" in translate(err.message, "it") and "intero" not in translate(err.message)
    assert "500.50" in translate(err.message, "en") and "whole" not in translate(err.message, "en")


@pytest.mark.parametrize(
    ("text", "amount"), [("500", "500.00"), ("500,50", "500.50"), (" 500.5 ", "500.50")]
)
def test_whole_and_decimal_amounts_are_accepted(text, amount):
    assert internships._allowance(text) == Decimal(amount)
