"""The internship rules as pure functions: months, duration bounds, allowance minimum, overlap."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fleming.internships import (
    DEFAULT_RULES,
    AllowanceBasis,
    add_months,
    end_after_months,
    full_allowance,
    is_disadvantaged,
    max_months_for,
    min_months_for,
    minimum_allowance,
    money,
    months_between,
    peak_overlap,
)
from fleming.models import FragilityMarker, LegalStatus

R = DEFAULT_RULES


def test_months_are_calendar_months():
    assert end_after_months(date(2026, 3, 15), 2) == date(2026, 5, 14)
    assert end_after_months(date(2026, 1, 1), 6) == date(2026, 6, 30)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert months_between(date(2026, 11, 20), date(2027, 1, 5)) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(1, 24))
def test_an_internship_of_n_months_is_longer_than_n_minus_one(start, months):
    end = end_after_months(start, months)
    assert end > start
    if months > 1:
        assert end > end_after_months(start, months - 1)
    assert (end - start).days < 31 * months


def test_who_is_disadvantaged():
    none: set[FragilityMarker] = set()
    for status in (
        LegalStatus.ASYLUM_SEEKER,
        LegalStatus.INTERNATIONAL_PROTECTION,
        LegalStatus.SPECIAL_PROTECTION,
    ):
        assert is_disadvantaged(legal_status=status, fragilities=none)
    for status in (LegalStatus.ITALIAN, LegalStatus.EU_CITIZEN, LegalStatus.OTHER_PERMIT):
        assert not is_disadvantaged(legal_status=status, fragilities=none)
    assert is_disadvantaged(
        legal_status=LegalStatus.ITALIAN, fragilities={FragilityMarker.DISABILITY}
    )
    assert not is_disadvantaged(
        legal_status=LegalStatus.ITALIAN,
        fragilities={FragilityMarker.OVER_45, FragilityMarker.SINGLE_PARENT},
    )


def test_duration_bounds():
    italian, refugee = LegalStatus.ITALIAN, LegalStatus.INTERNATIONAL_PROTECTION
    disabled = {FragilityMarker.DISABILITY}
    assert max_months_for(legal_status=refugee, fragilities=set()) == 6
    assert min_months_for(legal_status=italian, fragilities=set()) == 2
    assert min_months_for(legal_status=refugee, fragilities=set()) == 0
    extended = replace(R, extended_max_for_disadvantaged=True)
    assert max_months_for(legal_status=italian, fragilities=set(), rules=extended) == 6
    assert max_months_for(legal_status=refugee, fragilities=set(), rules=extended) == 12
    assert max_months_for(legal_status=italian, fragilities=disabled, rules=extended) == 24


def test_allowance_minimum_and_why():
    assert minimum_allowance(weekly_hours=40, meal_vouchers=False) == (
        Decimal(500),
        AllowanceBasis.STANDARD,
    )
    assert minimum_allowance(weekly_hours=40, meal_vouchers=True) == (
        Decimal(400),
        AllowanceBasis.MEAL_VOUCHERS,
    )
    assert minimum_allowance(weekly_hours=20, meal_vouchers=False) == (
        Decimal(350),
        AllowanceBasis.PART_TIME,
    )
    assert minimum_allowance(weekly_hours=20, meal_vouchers=True)[0] == Decimal(350)
    assert minimum_allowance(weekly_hours=21, meal_vouchers=False)[0] == Decimal(500)
    assert money(Decimal("500.00")) == "500" and money(Decimal("450.5")) == "450.50"


def test_full_allowance_from_eighty_percent():
    assert full_allowance(80) is True
    assert full_allowance(79) is False
    assert full_allowance(None) is None


def test_peak_overlap_counts_interns_on_the_same_day():
    d = date(2026, 1, 1)
    days = lambda a, b: (d + timedelta(days=a), d + timedelta(days=b))  # noqa: E731
    window = days(10, 40)
    # two internships one after the other never overlap: one intern at a time
    assert peak_overlap([days(0, 20), days(21, 50)], *window) == 1
    assert peak_overlap([days(0, 20), days(20, 50)], *window) == 2  # both on day 20
    assert peak_overlap([days(0, 5), days(45, 60)], *window) == 0
    assert peak_overlap([days(0, 15), days(12, 18), days(30, 35)], *window) == 2
