"""Every form validator against 1,000 generated inputs each: hostile text (formulas, huge fields,
broken encodings, control characters), wrong types, odd dates. Each input gives either a clean
value or a ``ValidationError`` naming one of the form's fields with a message the catalogue has
in both languages (its placeholders all filled) — never another exception.

Not repeated here: the tax code, phone and VAT parsers (``test_validators.py``), which already
take 1,000 inputs each. The validators that read reference data or the database (intake,
vacancy, workshop edition, internship terms) run against an in-memory SQLite database with the
reference data, read-only.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from fleming import auth, companies, competences, internships, people, vacancies, workshops
from fleming.errors import ValidationError, ValidationErrors
from fleming.models import (
    CefrLevel,
    CompanyStatus,
    EducationLevel,
    FragilityMarker,
    FundingStream,
    LegalStatus,
    ReferralSource,
    Sex,
    VacancyKind,
)
from fleming.validators import (
    LINE_BREAKS,
    date_in_records,
    end_not_before_start,
    int_in_range,
    normalise_ateco,
    normalise_email,
    normalise_municipality,
    normalise_website,
    not_in_future,
    optional_text,
    person_name,
    required_text,
)
from tests.unit.hostile import (
    THOROUGH,
    any_value,
    clear,
    clear_all,
    dates,
    fields_of,
    hostile_text,
    memory_database,
    one_clean_line,
    optional,
    plausible_dates,
)

TODAY = date(2026, 6, 1)


# --------------------------------------------------------------------------- plain validators
@THOROUGH
@given(hostile_text())
def test_email(text):
    try:
        value = normalise_email(text)
    except ValidationError as err:
        clear(err, {"email"})
    else:
        assert value is None or ("@" in value and value == value.strip() and len(value) <= 320)


@THOROUGH
@given(
    st.one_of(
        hostile_text(),
        st.from_regex(
            r"(https?://)?[a-z0-9-]{1,12}(\.[a-z]{2,4}){1,2}(/[a-z?=&]{0,10})?", fullmatch=True
        ),
    )
)
def test_website(text):
    try:
        value = normalise_website(text)
    except ValidationError as err:
        clear(err, {"website"})
    else:
        if value is not None:
            assert value.startswith(("http://", "https://")) and len(value) <= 300
            assert not any(c.isspace() for c in value)
            assert normalise_website(value) == value  # normalising again changes nothing


@THOROUGH
@given(st.one_of(hostile_text(), st.from_regex(r"[0-9]{2}(\.[0-9]{1,2}){0,2}", fullmatch=True)))
def test_ateco(text):
    try:
        value = normalise_ateco(text)
    except ValidationError as err:
        clear(err, {"ateco_code"})
    else:
        assert re.fullmatch(r"[0-9]{2}(\.[0-9]{1,2}){0,2}", value)


def _comuni_names() -> list[str]:
    from fleming.reference import comuni

    return [c.name for c in comuni()[::97]] + [c.istat_code for c in comuni()[::131]]


@THOROUGH
@given(
    st.one_of(
        hostile_text(),
        st.sampled_from(_comuni_names()),
        st.from_regex(r"[0-9]{1,7}", fullmatch=True),
    )
)
def test_municipality(text):
    from fleming.reference import comune_by_code

    try:
        value = normalise_municipality(text)
    except ValidationError as err:
        clear(err, {"municipality_code"})
    else:
        assert value is None or comune_by_code(value) is not None


@THOROUGH
@given(any_value, st.integers(-1000, 1000), st.integers(0, 100_000))
def test_int_in_range(value, low, width):
    high = low + width
    try:
        number = int_in_range(value, "hours", low, high)
    except ValidationError as err:
        clear(err, {"hours"})
    else:
        assert isinstance(number, int) and low <= number <= high


TEXT_MESSAGES = (
    "error.required",
    "validators.text.too_long",
    "validators.text.newline",
    "validators.text.invisible",
)


@THOROUGH
@given(optional(hostile_text(300)), st.integers(1, 400))
def test_required_and_optional_text(text, limit):
    """One line: NFC, no control/invisible character, no line break. Several lines: the same,
    except that a line break (stored as ``\\n``) and a tab are text."""
    for fn in (required_text, optional_text):
        for multiline in (False, True):
            try:
                value = fn(text, "notes", limit, multiline=multiline)
            except ValidationError as err:
                clear(err, {"notes"})
                assert err.message in TEXT_MESSAGES
                if err.message == "validators.text.newline":
                    assert not multiline and any(c in LINE_BREAKS for c in text)
            else:
                if fn is required_text:
                    assert value
                if value is None:
                    continue
                assert 0 < len(value) <= limit
                if multiline:
                    one_clean_line(value.replace("\n", " ").replace("\t", " ").strip())
                else:
                    one_clean_line(value)


@THOROUGH
@given(optional(hostile_text()))
def test_person_name(text):
    try:
        value = person_name(text, "first_name")
    except ValidationError as err:
        clear(err, {"first_name"})
        assert err.message in (*TEXT_MESSAGES, "validators.text.no_letters")
    else:
        one_clean_line(value)
        assert any(c.isalpha() for c in value) and len(value) <= 100


@THOROUGH
@given(optional(dates), dates, dates, optional(dates))
def test_dates_in_the_centre_records(value, earliest, today, born):
    try:
        out = date_in_records(value, "consent_given_on", earliest=earliest, today=today, born=born)
    except ValidationError as err:
        clear(err, {"consent_given_on"})
        assert value > today or value < earliest or (born is not None and value < born)
    else:
        assert out == value
        if value is not None:
            assert earliest <= value <= today and (born is None or born <= value)


@THOROUGH
@given(optional(dates), optional(dates), dates)
def test_dates_in_order_and_not_in_the_future(start, end, today):
    try:
        assert not_in_future(start, "start_date", today) == start
    except ValidationError as err:
        clear(err, {"start_date"})
        assert start > today
    try:
        end_not_before_start(start, end, "end_date")
    except ValidationError as err:
        clear(err, {"end_date"})
        assert end < start


@THOROUGH
@given(hostile_text(), hostile_text(80))
def test_account_username_and_password(username, password):
    try:
        name = auth.validate_username(username)
    except ValidationError as err:
        clear(err, {"username"})
    else:
        assert name == name.strip().lower() and name
    try:
        assert auth.validate_password(password) == password
    except ValidationError as err:
        clear(err, {"password"})


@THOROUGH
@given(
    optional(
        st.one_of(
            hostile_text(),
            st.from_regex(r"https?://data\.europa\.eu/esco/skill/[0-9a-f-]{36}", fullmatch=True),
        )
    )
)
def test_esco_skill_uri(text):
    try:
        value = competences.normalise_esco_uri(text)
    except ValidationError as err:
        clear(err, {"esco_uri"})
    else:
        assert value is None or competences.ESCO_SKILL_URI.match(value)


@THOROUGH
@given(any_value)
def test_workshop_hours(value):
    try:
        hours = workshops._hours(value, "session_hours")
    except ValidationError as err:
        clear(err, {"session_hours"})
    else:
        assert hours.is_finite() and hours == hours.quantize(Decimal("0.1"))


@THOROUGH
@given(any_value)
def test_internship_allowance(value):
    try:
        amount = internships._allowance(value)
    except ValidationError as err:
        clear(err, {"monthly_allowance"})
    else:
        assert Decimal(0) <= amount <= internships.MAX_ALLOWANCE


# --------------------------------------------------------------------------- company form
company_inputs = st.builds(
    companies.CompanyInput,
    name=optional(hostile_text()),
    vat_number=optional(
        st.one_of(hostile_text(), st.sampled_from(["00743110157", "IT 00743110157"]))
    ),
    ateco_code=optional(st.one_of(hostile_text(), st.sampled_from(["56.10", "43.21"]))),
    employees=st.one_of(st.none(), hostile_text(), st.integers(-5, 10**7)),
    address=optional(hostile_text()),
    municipality_code=optional(st.one_of(hostile_text(), st.sampled_from(["015146", "Milano"]))),
    website=optional(hostile_text()),
    status=st.one_of(st.sampled_from(list(CompanyStatus)), hostile_text()),
    notes=optional(hostile_text(300)),
)


@THOROUGH
@given(company_inputs)
def test_company_form(data):
    try:
        values = companies.clean_company(data)
    except ValidationErrors as exc:
        clear_all(exc, fields_of(companies.CompanyInput))
    else:
        assert len(values["name"]) <= 200 and values["employees"] >= 0


contact_inputs = st.builds(
    companies.ContactInput,
    name=optional(hostile_text()),
    role=optional(hostile_text()),
    phone=optional(st.one_of(hostile_text(), st.sampled_from(["02 1234 5678", "+39 333 1234567"]))),
    email=optional(st.one_of(hostile_text(), st.emails())),
)


@THOROUGH
@given(contact_inputs)
def test_company_contact_form(data):
    try:
        values = companies.clean_contact(data)
    except ValidationErrors as exc:
        clear_all(exc, fields_of(companies.ContactInput))
    else:
        assert values["phone"] or values["email"]


# --------------------------------------------------------------------------- forms reading the db
@pytest.fixture(scope="module")
def db():
    """An in-memory database with the reference data (trades, settings, competences)."""
    engine = memory_database()
    yield engine
    engine.dispose()


def _tax_codes() -> st.SearchStrategy[str]:
    from tests.integration.people_helpers import code_for

    return st.builds(
        code_for,
        last=st.sampled_from(["Rossi", "Diallo", "Ng"]),
        first=st.sampled_from(["Maria", "Amadou", "Li"]),
        birth=st.dates(min_value=date(1940, 1, 1), max_value=date(2010, 1, 1)),
        sex=st.sampled_from(["M", "F"]),
        belfiore=st.sampled_from(["F205", "Z330", "Z210"]),
    )


person_inputs = st.builds(
    people.PersonInput,
    first_name=hostile_text(),
    last_name=hostile_text(),
    tax_code=st.one_of(hostile_text(), _tax_codes()),
    birth_date=optional(plausible_dates),
    sex=optional(st.sampled_from(list(Sex))),
    birth_comune_code=optional(st.one_of(hostile_text(8), st.sampled_from(["015146", "058091"]))),
    country_of_birth=optional(st.one_of(hostile_text(4), st.sampled_from(["IT", "MA", "SN"]))),
    citizenship=optional(st.one_of(hostile_text(4), st.sampled_from(["IT", "MA", "FR"]))),
    phone=optional(hostile_text()),
    email=optional(hostile_text()),
    municipality_code=optional(st.one_of(hostile_text(8), st.sampled_from(["015146"]))),
    address=optional(hostile_text(300)),
    italian_level=optional(st.sampled_from(list(CefrLevel))),
    education_level=optional(st.sampled_from(list(EducationLevel))),
    legal_status=optional(st.sampled_from(list(LegalStatus))),
    asylum_application_date=optional(plausible_dates),
    fragilities=st.lists(st.sampled_from(list(FragilityMarker)), max_size=4).map(tuple),
    referral_source=optional(st.sampled_from(list(ReferralSource))),
    referral_partner_id=optional(st.integers(-3, 10**6)),
    funding_stream=optional(st.sampled_from(list(FundingStream))),
    did_date=optional(plausible_dates),
    intake_date=optional(plausible_dates),
    tutor_id=optional(st.integers(-3, 10**6)),
    health_notes=optional(hostile_text(300)),
    notes=optional(hostile_text(300)),
)
PERSON_FIELDS = fields_of(people.PersonInput) | {"birth_place"}  # the comune or place of birth


@THOROUGH
@given(data=person_inputs)
def test_intake_form(db, data):
    with Session(db) as session:
        try:
            checked = people.validate_person(session=session, data=data, today=TODAY)
        except ValidationErrors as exc:
            clear_all(exc, PERSON_FIELDS)
        else:
            v = checked.values
            assert v["first_name"] and len(v["first_name"]) <= 100
            for name in ("first_name", "last_name", "address"):
                if v[name] is not None:
                    one_clean_line(v[name])
            assert people.EARLIEST_INTAKE_DEFAULT <= v["intake_date"] <= TODAY
            assert people.age_on(v["birth_date"], v["intake_date"]) <= people.CONFIRMABLE_AGE
        session.rollback()


@THOROUGH
@given(
    data=person_inputs,
    given_on=optional(plausible_dates),
    confirmed=st.sets(
        st.sampled_from([people.CONFIRM_AGE, people.CONFIRM_NAMES, people.CONFIRM_DIFFERENT_PERSON])
    ),
)
def test_intake_with_confirmations_and_consent_date(db, data, given_on, confirmed):
    """A warning passes only once confirmed; the consent date is in the centre's records."""
    consents = people.ConsentInput(data_processing=True, given_on=given_on)
    with Session(db) as session:
        try:
            checked = people.validate_person(
                session=session, data=data, today=TODAY, confirmed=confirmed
            )
        except ValidationErrors as exc:
            clear_all(exc, PERSON_FIELDS)
            for err in exc.errors:
                assert getattr(err, "confirm", None) not in confirmed
        else:
            age = people.age_on(checked.values["birth_date"], checked.values["intake_date"])
            assert age <= people.CONFIRMABLE_AGE or people.CONFIRM_AGE in confirmed
            born = checked.values["birth_date"]
            errors = people._validate_consents(
                session, consents, checked.values["intake_date"], TODAY, born
            )
            for err in errors:
                clear(err, {"consent_given_on", "consent_partners"})
            if not errors and given_on is not None:
                assert max(born, people.EARLIEST_INTAKE_DEFAULT) <= given_on <= TODAY
        session.rollback()


vacancy_inputs = st.builds(
    vacancies.VacancyInput,
    company_id=optional(st.integers(-3, 10**6)),
    title=optional(hostile_text()),
    kind=st.one_of(st.none(), st.sampled_from(list(VacancyKind)), hostile_text()),
    min_italian_level=st.one_of(st.none(), st.sampled_from(list(CefrLevel)), hostile_text()),
    trade_id=optional(st.integers(-3, 10)),
    esco_uri=optional(hostile_text()),
    positions=st.one_of(st.none(), hostile_text(), st.integers(-5, 10**6)),
    contract_offered=optional(hostile_text()),
    hours_percent=st.one_of(st.none(), hostile_text(), st.integers(-5, 500)),
    municipality_code=optional(hostile_text()),
    start_date=optional(plausible_dates),
    deadline=optional(plausible_dates),
    requirements=st.lists(
        st.builds(
            vacancies.RequirementInput,
            competence_id=st.one_of(st.none(), st.integers(-3, 300)),
            min_level=any_value,
            essential=st.one_of(st.booleans(), st.none()),
        ),
        max_size=4,
    ).map(tuple),
)
VACANCY_FIELDS = fields_of(vacancies.VacancyInput)


@THOROUGH
@given(data=vacancy_inputs)
def test_vacancy_form(db, data):
    with Session(db) as session:
        try:
            values = vacancies._clean(session, data)
        except ValidationErrors as exc:
            clear_all(exc, VACANCY_FIELDS)
        else:
            assert values["title"] and values["positions"] >= 1
        session.rollback()


edition_inputs = st.builds(
    workshops.EditionInput,
    trade_id=optional(st.integers(-3, 10)),
    title=hostile_text(),
    hours=st.one_of(st.none(), st.integers(-5, 10**6)),
    start_date=optional(plausible_dates),
    end_date=optional(plausible_dates),
    trainer_name=hostile_text(),
    italian_teacher_name=hostile_text(),
    capacity=st.one_of(st.none(), st.integers(-5, 10**6)),
)


@THOROUGH
@given(data=edition_inputs)
def test_workshop_edition_form(db, data):
    with Session(db) as session:
        values, errors = workshops._check_edition(session, data)
        for err in errors:
            clear(err, fields_of(workshops.EditionInput))
        if not errors:
            assert workshops.MIN_HOURS <= values["hours"] <= workshops.MAX_HOURS
        session.rollback()


term_inputs = st.builds(
    internships.UpdateInput,
    version=st.just(1),
    start_date=optional(plausible_dates),
    planned_end_date=optional(plausible_dates),
    weekly_hours=st.one_of(st.none(), hostile_text(), st.integers(-5, 10**6)),
    monthly_allowance=any_value,
    meal_vouchers=st.booleans(),
    company_tutor_name=optional(hostile_text()),
    centre_tutor_id=optional(st.integers(-3, 10**6)),
    funding_stream=st.one_of(st.none(), st.sampled_from(list(FundingStream)), hostile_text()),
)


@THOROUGH
@given(data=term_inputs)
def test_internship_terms_form(db, data):
    with Session(db) as session:
        errors: list[ValidationError] = []
        terms = internships._clean_terms(session, data, errors)
        for err in errors:
            clear(err, fields_of(internships.UpdateInput))
        if not errors:
            assert terms.weekly_hours >= 1 and terms.company_tutor_name
        session.rollback()


def test_the_hostile_inputs_reach_the_checks():
    """The strategies above do produce what they promise (a strategy that never makes a huge or
    formula field would make every test above pass for nothing)."""
    seen = {"formula": False, "huge": False, "mojibake": False}

    @settings(max_examples=400, deadline=None, database=None)
    @given(hostile_text())
    def look(text):
        seen["formula"] |= text.startswith(("=", "+", "@"))
        seen["huge"] |= len(text) > 1000
        seen["mojibake"] |= "Ã" in text

    look()
    assert all(seen.values()), seen
    with pytest.raises(ValidationError) as info:
        required_text("x" * 5000, "notes", 200)
    assert info.value.message == "validators.text.too_long"
