"""The intake form: a valid intake, each invalid field with its message, a duplicate tax code."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from fleming.db import get_engine, unit_of_work
from fleming.devtools.demo import tax_code
from fleming.models import (
    CefrLevel,
    Consent,
    EducationLevel,
    FundingStream,
    LegalStatus,
    Person,
    PersonStatus,
    ReferralSource,
    Sex,
)
from tests.app.people_fixtures import button, count, errors

TODAY = date.today()
CODE = tax_code("Zanardelli", "Ottavia", date(1988, 4, 12), "F", "F205")
K = "intake_0_"


def fill(at, **override):
    """A complete, valid intake; ``override`` changes single widgets (key suffix → value)."""
    values = {
        "first_name": "Ottavia",
        "last_name": "Zanardelli",
        "tax_code": CODE,
        "phone": "347 123 4567",
        "email": "ottavia.z@example.org",
        "municipality": "015146",
        "citizenship": "IT",
        "italian_level": CefrLevel.C2,
        "education": EducationLevel.TERTIARY,
        "legal_status": LegalStatus.ITALIAN,
        "referral": ReferralSource.SELF,
        "funding": FundingStream.MUNICIPAL,
        "did_date": TODAY - timedelta(days=5),
        "consent_processing": True,
    }
    values.update(override)
    for name, value in values.items():
        key = K + name
        if name in ("first_name", "last_name", "tax_code", "phone", "email", "address"):
            at.text_input(key=key).input(value)
        elif name in ("did_date", "birth_date", "asylum_date", "intake_date"):
            at.date_input(key=key).set_value(value)
        elif name == "consent_processing":
            at.checkbox(key=key).check() if value else at.checkbox(key=key).uncheck()
        else:
            at.selectbox(key=key).set_value(value)
    return at


def submit(at):
    button(at, "Registra la persona").click()
    return at.run()


def test_a_valid_intake_opens_the_new_persons_page(open_page, own_demo):
    at = open_page("intake.py")
    assert at.title[0].value == "Accoglienza di una persona"
    submit(fill(at))
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert at.title[0].value == "Ottavia Zanardelli"
    assert any("Scheda di Ottavia Zanardelli registrata" in s.value for s in at.success)
    with unit_of_work(get_engine(own_demo)) as session:
        person = session.scalars(select(Person).where(Person.tax_code == CODE)).one()
        assert (person.birth_date, person.sex, person.birth_place) == (
            date(1988, 4, 12),
            Sex.F,
            "Milano",
        )
        assert person.status is PersonStatus.INTAKE
        assert person.phone == "+393471234567"
    assert count(own_demo, Consent, Consent.person_id == person.id) == 1


INVALID = [
    ({"tax_code": CODE[:-1] + "X"}, "Codice fiscale non valido"),
    ({"tax_code": "ZNRTTV88"}, "Il codice fiscale ha 16 caratteri"),
    ({"first_name": ""}, "Campo obbligatorio."),
    (
        {"birth_date": date(1988, 4, 13)},
        "La data non corrisponde al codice fiscale, che indica il 12 apr 1988.",
    ),
    ({"sex": Sex.M}, "Il sesso non corrisponde al codice fiscale"),
    ({"country_of_birth": "MA"}, "Lo Stato di nascita non corrisponde al codice fiscale"),
    (
        {"birth_place": "001272"},
        "Il comune non corrisponde al codice fiscale, che indica Milano (MI).",
    ),
    ({"phone": "12"}, "Numero di telefono non valido"),
    ({"email": "ottavia@"}, "Indirizzo e-mail non valido"),
    ({"did_date": TODAY + timedelta(days=2)}, "La DID non può essere nel futuro"),
    ({"intake_date": TODAY + timedelta(days=2)}, "La data non può essere nel futuro."),
    ({"citizenship": None}, "Campo obbligatorio."),
    ({"legal_status": LegalStatus.ASYLUM_SEEKER}, "Chi ha cittadinanza italiana"),
    (
        {"citizenship": "AF", "legal_status": LegalStatus.ASYLUM_SEEKER},
        "Campo obbligatorio.",  # the application date
    ),
    ({"referral": ReferralSource.PARTNER}, "Scegli l'ente partner."),
    ({"funding": FundingStream.GARANZIA_GIOVANI}, "Garanzia Giovani è per chi ha da 15 a 29 anni"),
    ({"consent_processing": False}, "Senza il consenso al trattamento dei dati"),
]


@pytest.mark.parametrize(("override", "message"), INVALID, ids=[next(iter(o)) for o, _ in INVALID])
def test_each_invalid_field_shows_its_message_and_saves_nothing(
    open_page, own_demo, override, message
):
    before = count(own_demo, Person)
    at = submit(fill(open_page("intake.py"), **override))
    assert not at.exception, at.exception
    shown = errors(at)
    assert any(e.startswith(message) for e in shown), shown
    assert "Alcuni campi vanno corretti" in shown[-1]
    assert at.title[0].value == "Accoglienza di una persona"  # still on the form
    assert count(own_demo, Person) == before
    assert count(own_demo, Person, Person.tax_code == CODE) == 0


def test_errors_sit_next_to_their_fields_and_all_show_at_once(open_page, own_demo):
    at = submit(
        fill(open_page("intake.py"), phone="12", email="x@", did_date=TODAY + timedelta(days=3))
    )
    shown = errors(at)
    assert sum("Numero di telefono" in e for e in shown) == 1
    assert sum("e-mail non valido" in e for e in shown) == 1
    assert sum("La DID" in e for e in shown) == 1
    # the form keeps what was typed
    assert at.text_input(key=K + "first_name").value == "Ottavia"


def test_a_duplicate_tax_code_links_to_the_existing_person(open_page, own_demo):
    with unit_of_work(get_engine(own_demo)) as session:
        existing = session.scalars(
            select(Person).where(Person.country_of_birth == "IT").order_by(Person.id)
        ).first()
        code, name, pid = (
            existing.tax_code,
            f"{existing.first_name} {existing.last_name}",
            existing.id,
        )
    before = count(own_demo, Person)
    at = submit(fill(open_page("intake.py"), tax_code=code))
    shown = errors(at)
    assert any(e.startswith("Questo codice fiscale è già registrato") for e in shown), shown
    links = [p for p in at.get("page_link") if p.proto.label == f"Apri la scheda di {name}"]
    assert links, "a link to the existing person"
    assert f"id={pid}" in links[0].proto.query_string
    assert count(own_demo, Person) == before


def test_the_form_speaks_english_too(open_page):
    at = open_page("intake.py", lang="en")
    assert at.title[0].value == "Take a person in"
    submit_en = next(b for b in at.button if b.label == "Register the person")
    assert submit_en
