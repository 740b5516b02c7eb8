"""Pure rules of the people screens: tax-code birth dates, ages, statuses, timetables, hours."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fleming import paths, people, validators, workshops
from fleming.actor import Actor
from fleming.devtools.demo import tax_code
from fleming.errors import ValidationError
from fleming.models import (
    CefrLevel,
    EducationLevel,
    FragilityMarker,
    FundingStream,
    LegalStatus,
    Person,
    PersonFragility,
    PersonStatus,
    ReferralSource,
    Role,
    Sex,
)

TODAY = date(2026, 11, 28)


# --------------------------------------------------------------------------- tax code dates
@given(st.dates(min_value=date(1927, 1, 1), max_value=TODAY), st.sampled_from(["M", "F"]))
def test_the_code_gives_back_the_birth_date_in_the_past(birth, sex):
    info = validators.parse_tax_code(tax_code("Rossi", "Anna", birth, sex, "F205"))
    assert people.code_birth_date(info, TODAY) == birth
    assert info.sex is Sex(sex)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(1926, 12, 31)))
def test_a_very_old_birth_is_read_in_the_right_century_modulo_100(birth):
    info = validators.parse_tax_code(tax_code("Rossi", "Anna", birth, "M", "F205"))
    got = people.code_birth_date(info, TODAY)
    assert got <= TODAY
    assert (got.year % 100, got.month, got.day) == (birth.year % 100, birth.month, birth.day)


def test_a_provisional_code_gives_no_birth_date():
    info = validators.parse_tax_code("12345670157")
    assert people.code_birth_date(info, TODAY) is None


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY), st.dates(max_value=date(2100, 1, 1)))
def test_age_counts_completed_years(birth, day):
    assume(day >= birth)
    age = people.age_on(birth, day)
    assert age >= 0
    anniversary = people._minus_years(day, age)
    assert anniversary >= birth or (birth.month, birth.day) == (2, 29)


def test_may_work_sixty_days_after_the_application():
    applied = date(2026, 1, 10)
    assert people.may_work_from(LegalStatus.ASYLUM_SEEKER, applied) == date(2026, 3, 11)
    assert people.may_work_from(LegalStatus.INTERNATIONAL_PROTECTION, applied) is None
    assert people.may_work_from(LegalStatus.ASYLUM_SEEKER, None) is None


def test_labels_of_comuni_and_countries():
    assert people.comune_label("015146") == "Milano (MI)"
    assert people.comune_label("999999") == "999999"
    assert people.comune_label(None) == ""
    assert people.country_label("MA", "it") == "Marocco"
    assert people.country_label("MA", "en") == "Morocco"


def test_birth_comune_comes_from_the_code_or_a_unique_name():
    code = tax_code("Rossi", "Anna", date(1980, 1, 1), "F", "F205")
    assert people.birth_comune_code("Milano", code) == "015146"
    assert people.birth_comune_code("Milano", "12345670157") == "015146"
    assert people.birth_comune_code(None, "12345670157") is None


# --------------------------------------------------------------------------- view model
def _person(**overrides) -> Person:
    values = {
        "id": 1,
        "version": 3,
        "first_name": "Amina",
        "last_name": "Diallo",
        "tax_code": "12345670157",
        "birth_date": date(1998, 5, 5),
        "sex": Sex.F,
        "birth_place": "Guinea",
        "citizenship": "GN",
        "country_of_birth": "GN",
        "italian_level": CefrLevel.A2,
        "education_level": EducationLevel.PRIMARY,
        "legal_status": LegalStatus.ASYLUM_SEEKER,
        "asylum_application_date": date(2026, 10, 1),
        "referral_source": ReferralSource.SELF,
        "funding_stream": FundingStream.MUNICIPAL,
        "intake_date": date(2026, 10, 20),
        "status": PersonStatus.INTAKE,
        "health_notes": "Gravidanza",
    }
    values.update(overrides)
    person = Person(**values)
    person.fragilities = [
        PersonFragility(marker=FragilityMarker.DISABILITY),
        PersonFragility(marker=FragilityMarker.SINGLE_PARENT),
    ]
    return person


@pytest.mark.parametrize("role", list(Role))
def test_sensitive_fields_only_for_staff(role):
    actor = Actor(id=1, username="x", full_name="X", role=role, partner_org_id=1)
    view = people.build_view(_person(), actor, today=TODAY)
    staff = role is not Role.PARTNER
    assert (view.legal_status is not None) is staff
    assert (view.health_notes is not None) is staff
    assert (view.may_work_from is not None) is staff
    assert (FragilityMarker.DISABILITY in view.fragilities) is staff
    assert FragilityMarker.SINGLE_PARENT in view.fragilities
    assert view.sensitive_hidden is not staff
    assert view.provisional_tax_code and view.age == 28


# --------------------------------------------------------------------------- status
@given(st.sampled_from(list(PersonStatus)), st.booleans(), st.booleans(), st.booleans())
def test_the_status_is_a_function_of_the_path(current, has_pact, active, hired):
    got = paths.derive_status(
        current=current, has_pact=has_pact, active_internship=active, hired=hired
    )
    if current is PersonStatus.CLOSED:
        assert got is PersonStatus.CLOSED
    elif active:
        assert got is PersonStatus.INTERNSHIP
    elif hired:
        assert got is PersonStatus.HIRED
    else:
        assert got is (PersonStatus.ACTIVE if has_pact else PersonStatus.INTAKE)


def test_activity_transitions_only_move_forward():
    t = paths.TRANSITIONS
    assert t[paths.ActivityStatus.PLANNED] == {
        paths.ActivityStatus.IN_PROGRESS,
        paths.ActivityStatus.DROPPED,
    }
    assert t[paths.ActivityStatus.IN_PROGRESS] == {
        paths.ActivityStatus.DONE,
        paths.ActivityStatus.DROPPED,
    }
    assert not t[paths.ActivityStatus.DONE] and not t[paths.ActivityStatus.DROPPED]


# --------------------------------------------------------------------------- workshops
@settings(max_examples=200)
@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 1, 1)),
    days=st.integers(min_value=0, max_value=400),
    weekdays=st.sets(st.integers(min_value=0, max_value=6), min_size=1),
    session_hours=st.sampled_from([Decimal("2"), Decimal("3.5"), Decimal("4"), Decimal("8")]),
    total=st.integers(min_value=workshops.MIN_HOURS, max_value=workshops.MAX_HOURS),
)
def test_planned_sessions_fit_the_days_and_never_exceed_the_hours(
    start, days, weekdays, session_hours, total
):
    end = start + timedelta(days=days)
    plan = workshops.plan_sessions(start, end, tuple(weekdays), session_hours, total)
    hours = sum((h for _, h in plan), Decimal(0))
    assert hours <= total
    assert all(start <= d <= end and d.weekday() in weekdays for d, _ in plan)
    assert all(Decimal(0) < h <= session_hours for _, h in plan)
    assert len({d for d, _ in plan}) == len(plan)
    available = sum(1 for n in range(days + 1) if (start + timedelta(days=n)).weekday() in weekdays)
    if available * session_hours >= total:
        assert hours == total


@given(st.one_of(st.text(max_size=12), st.floats(allow_nan=True), st.integers(), st.none()))
def test_hours_parser_never_crashes(raw):
    try:
        value = workshops._hours(raw, "attendance")
    except ValidationError as exc:
        assert exc.message == "workshops.error.hours_invalid"
    else:
        assert value.is_finite()
        assert value == value.quantize(Decimal("0.1"))


@pytest.mark.parametrize("raw", [None, "", "  ", float("nan")])
def test_blank_cells(raw):
    assert workshops._blank(raw)


@pytest.mark.parametrize("raw", [0, 0.0, "0", 4, Decimal("3.5")])
def test_filled_cells(raw):
    assert not workshops._blank(raw)
