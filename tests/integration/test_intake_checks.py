"""Nobody is taken in twice, and text and dates that are never right.

- A tax code is compared in its base form: an *omocodia* of a registered code is that person.
- Same first name, last name and birth date as someone registered: a warning with that person,
  saved only once "it is a different person" is confirmed.
- A tax code's letters for the names that differ from the typed names: a warning on that name.
- Control, invisible and line-break characters are refused; text is stored NFC-normalised.
- Intake and consent dates lie in the centre's records: not before its first day (a setting,
  2014-01-01 by default), not in the future, a consent not before the birth; an age over 100 at
  intake asks for confirmation. Each message is on the field that is wrong.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from fleming import company_import, people, validators
from fleming.db import unit_of_work
from fleming.errors import ValidationErrors, ValidationWarning
from fleming.models import Company, Person, Setting
from tests.integration.people_helpers import CONSENT, TODAY, code_for, intake, world

BASE = "DLLMMD99A01Z343Z"  # Mamadou Diallo, born 1 January 1999 in Senegal
OMOCODE = "DLLMMD99A01Z34PV"  # the same code with its last two digits as letters


@pytest.fixture
def w(engine):
    with unit_of_work(engine) as session:
        return world(session)


def create(engine, actor, data, consents=CONSENT, confirmed=()) -> int:
    with unit_of_work(engine) as session:
        return people.create(
            session=session, actor=actor, data=data, consents=consents, confirmed=confirmed
        )


def refused(engine, actor, data, consents=CONSENT, confirmed=()) -> dict[str, object]:
    """The errors of a refused intake, by field (each: the error itself)."""
    with pytest.raises(ValidationErrors) as excinfo:
        create(engine, actor, data, consents, confirmed)
    return {e.field: e for e in excinfo.value.errors}


def count(engine) -> int:
    with unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(Person))


def diallo(**overrides) -> people.PersonInput:
    values = {
        "first_name": "Mamadou",
        "last_name": "Diallo",
        "tax_code": BASE,
        "citizenship": "SN",
        "legal_status": people.LegalStatus.OTHER_PERMIT,
    }
    return intake(**{**values, **overrides})


# --------------------------------------------------------------------------- omocodie
def test_the_base_form_of_an_omocode_and_all_its_spellings():
    assert validators.canonical_tax_code(OMOCODE) == BASE
    assert validators.canonical_tax_code(BASE) == BASE
    forms = validators.tax_code_forms(OMOCODE)
    assert len(set(forms)) == 128 and BASE in forms and OMOCODE in forms
    assert all(validators.parse_tax_code(f).code == f for f in forms)  # each a valid code


@pytest.mark.parametrize(("first", "second"), [(BASE, OMOCODE), (OMOCODE, BASE)])
def test_an_omocode_of_a_registered_code_is_refused_like_the_code(engine, w, first, second):
    pid = create(engine, w.tutor, diallo(tax_code=first))
    errors = refused(engine, w.tutor2, diallo(tax_code=second))
    err = errors["tax_code"]
    assert err.message == "people.error.duplicate_tax_code"
    assert err.params == {"person_id": pid, "name": "Mamadou Diallo"}
    assert count(engine) == 1


def test_an_edit_may_not_take_another_persons_omocode(engine, w):
    create(engine, w.tutor, diallo())
    other = create(engine, w.tutor, intake())
    with unit_of_work(engine) as session:
        view = people.get(session=session, actor=w.tutor, person_id=other)
        with pytest.raises(ValidationErrors) as excinfo:
            people.update(
                session=session,
                actor=w.tutor,
                person_id=other,
                version=view.version,
                data=replace(diallo(), tax_code=OMOCODE),
            )
    assert "people.error.duplicate_tax_code" in {e.message for e in excinfo.value.errors}


# --------------------------------------------------------------------------- namesakes
def test_same_names_and_birth_date_is_a_warning_until_confirmed(engine, w):
    pid = create(engine, w.tutor, intake())  # Maria Rossi, born 1 January 1990 in Milano
    twin = intake(
        first_name="  MARÌA ",
        last_name="ros si",
        tax_code=code_for(belfiore="F704"),  # born in Monza: another code, same names and day
    )
    errors = refused(engine, w.tutor, twin)
    warning = errors["last_name"]
    assert isinstance(warning, ValidationWarning)
    assert warning.message == "people.warning.namesake"
    assert warning.confirm == people.CONFIRM_DIFFERENT_PERSON
    assert warning.params == {"person_id": pid, "name": "Maria Rossi", "date": date(1990, 1, 1)}
    assert count(engine) == 1
    create(engine, w.tutor, twin, confirmed={people.CONFIRM_DIFFERENT_PERSON})
    assert count(engine) == 2


def test_another_birth_date_is_no_namesake(engine, w):
    create(engine, w.tutor, intake())
    create(engine, w.tutor, intake(tax_code=code_for(birth=date(1990, 1, 2))))
    assert count(engine) == 2


# --------------------------------------------------------------------------- names and code
@pytest.mark.parametrize(
    ("first", "last", "differs"),
    [
        ("Maria", "Bianchi", {"last_name": "RSS"}),
        ("Marta", "Rossi", {"first_name": "MRA"}),
        ("Paola", "Verdi", {"first_name": "MRA", "last_name": "RSS"}),
    ],
)
def test_names_unlike_the_codes_letters_are_a_warning_on_that_name(engine, w, first, last, differs):
    data = intake(first_name=first, last_name=last)  # the code is Maria Rossi's
    errors = refused(engine, w.tutor, data)
    assert {f: (e.message, e.params["letters"]) for f, e in errors.items()} == {
        f: (f"people.warning.code_{f}", letters) for f, letters in differs.items()
    }
    assert all(e.confirm == people.CONFIRM_NAMES for e in errors.values())
    create(engine, w.tutor, data, confirmed={people.CONFIRM_NAMES})
    assert count(engine) == 1


def test_the_codes_name_letters_follow_the_standard_rule():
    letters = validators.tax_code_name_letters
    assert letters("Rossi", first_name=False) == "RSS"
    assert letters("Fo", first_name=False) == "FOX"
    assert letters("De Rosa", first_name=False) == "DRS"
    assert letters("Gianfranco", first_name=True) == "GFR"  # 1st, 3rd and 4th consonant
    assert letters("Maria", first_name=True) == "MRA"
    assert letters("Nicolò", first_name=True) == "NCL"
    assert validators.tax_code_name_mismatches(BASE, "Mamadou", "Diallo") == {}


def test_an_edit_asks_again_only_when_the_names_change(engine, w):
    pid = create(engine, w.tutor, intake(last_name="Bianchi"), confirmed={people.CONFIRM_NAMES})
    with unit_of_work(engine) as session:
        view = people.get(session=session, actor=w.tutor, person_id=pid)
        people.update(  # the phone changes: the names were confirmed at intake
            session=session,
            actor=w.tutor,
            person_id=pid,
            version=view.version,
            data=replace(view.to_input(), phone="333 765 4321"),
        )
    with unit_of_work(engine) as session:
        view = people.get(session=session, actor=w.tutor, person_id=pid)
        with pytest.raises(ValidationErrors) as excinfo:
            people.update(
                session=session,
                actor=w.tutor,
                person_id=pid,
                version=view.version,
                data=replace(view.to_input(), first_name="Paola"),
            )
    assert {e.field for e in excinfo.value.errors} == {"first_name", "last_name"}


# --------------------------------------------------------------------------- text
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "\u200b", "validators.text.invisible"),
        ("first_name", "Ma\u202eria", "validators.text.invisible"),
        ("last_name", "Ros\x07si", "validators.text.invisible"),
        ("first_name", "...", "validators.text.no_letters"),
        ("last_name", " - ' ", "validators.text.no_letters"),
        ("last_name", "Rossi\nBianchi", "validators.text.newline"),
        ("address", "Via Padova 10\nscala B", "validators.text.newline"),
        ("address", "Via Padova\u2028 10", "validators.text.newline"),
    ],
)
def test_invisible_characters_line_breaks_and_letterless_names_are_refused(
    engine, w, field, value, message
):
    errors = refused(engine, w.tutor, intake(**{field: value}))
    assert errors[field].message == message
    assert count(engine) == 0


def test_text_is_stored_nfc_and_notes_keep_their_lines(engine, w):
    code = code_for("D'Amico", "Nicolò")
    pid = create(
        engine,
        w.tutor,
        intake(
            first_name="Nicolo\u0300",  # o + combining grave accent
            last_name="D'Amico",
            tax_code=code,
            notes="Prima riga\r\nseconda riga",
        ),
    )
    with unit_of_work(engine) as session:
        person = session.get(Person, pid)
        assert person.first_name == "Nicol\u00f2"
        assert person.notes == "Prima riga\nseconda riga"


def test_a_company_name_with_a_line_break_is_a_row_message_of_the_import(engine, w):
    data = (
        "ragione_sociale;partita_iva;ateco;dipendenti\r\n"
        '"Trattoria\nda Gino";00743110157;56.10;3\r\n'
        "Sartoria\u200b Bianchi;01234560157;14.13;2\r\n"
    ).encode()
    with unit_of_work(engine) as session:
        preview = company_import.preview(session=session, actor=w.coordinator, data=data)
        assert [(e.row, e.column, e.message) for e in preview.errors] == [
            (2, "name", "validators.text.newline"),
            (3, "name", "validators.text.invisible"),
        ]
        assert not preview.valid
        assert session.scalar(select(func.count()).select_from(Company)) == 0


# --------------------------------------------------------------------------- dates
def test_an_intake_date_of_1900_is_reported_on_the_intake_date(engine, w):
    errors = refused(engine, w.tutor, intake(intake_date=date(1900, 1, 1)))
    assert set(errors) == {"intake_date"}
    assert errors["intake_date"].message == "validators.date.before_records"
    assert errors["intake_date"].params == {"date": date(2014, 1, 1)}


def test_the_earliest_intake_date_is_a_setting_and_today_the_latest(engine, w):
    first_day = people.EARLIEST_INTAKE_DEFAULT
    errors = refused(engine, w.tutor, intake(intake_date=first_day - timedelta(days=1)))
    assert set(errors) == {"intake_date"}
    errors = refused(engine, w.tutor, intake(intake_date=TODAY + timedelta(days=1)))
    assert errors["intake_date"].message == "validators.date.future"
    create(engine, w.tutor, intake(intake_date=first_day))
    with unit_of_work(engine) as session:
        session.add(Setting(key=people.EARLIEST_INTAKE_KEY, value="2020-01-01"))
    errors = refused(
        engine,
        w.tutor,
        intake(tax_code=code_for(first="Anna"), first_name="Anna", intake_date=date(2019, 12, 31)),
    )
    assert errors["intake_date"].params == {"date": date(2020, 1, 1)}


@pytest.mark.parametrize(
    ("given_on", "message"),
    [
        (date(1989, 12, 31), "validators.date.before_birth"),  # she was born on 1 January 1990
        (TODAY + timedelta(days=1), "validators.date.future"),
    ],
)
def test_a_consent_date_lies_between_birth_and_today(engine, w, given_on, message):
    errors = refused(
        engine, w.tutor, intake(), people.ConsentInput(data_processing=True, given_on=given_on)
    )
    assert set(errors) == {"consent_given_on"}
    assert errors["consent_given_on"].message == message


def test_a_consent_date_is_not_before_the_centres_records(engine, w):
    older = intake(tax_code=code_for(birth=date(1970, 1, 1)))
    consents = people.ConsentInput(data_processing=True, given_on=date(2013, 12, 31))
    errors = refused(engine, w.tutor, older, consents)
    assert errors["consent_given_on"].message == "validators.date.before_records"


def test_an_age_over_100_at_intake_asks_for_confirmation(engine, w):
    old = intake(tax_code=code_for(birth=date(1915, 3, 3)), birth_date=date(1915, 3, 3))
    errors = refused(engine, w.tutor, old)
    assert set(errors) == {"birth_date"}
    assert errors["birth_date"].message == "people.warning.age_over_100"
    assert errors["birth_date"].confirm == people.CONFIRM_AGE
    create(engine, w.tutor, old, confirmed={people.CONFIRM_AGE})
    assert count(engine) == 1


def test_looking_a_code_up_finds_its_holder_in_any_spelling(engine, w):
    pid = create(engine, w.tutor, diallo())
    with unit_of_work(engine) as session:
        for code in (BASE, OMOCODE, OMOCODE.lower()):
            assert people.find_by_tax_code(session=session, actor=w.tutor, tax_code=code) == pid
        assert people.find_by_tax_code(session=session, actor=w.tutor, tax_code="XYZ") is None
