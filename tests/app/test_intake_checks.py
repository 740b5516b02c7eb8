"""The intake form's warnings: shown next to the names or the birth date, with a box
to confirm them; ticked, the same form saves. Errors of text and dates sit on their field."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from fleming.db import get_engine, unit_of_work
from fleming.devtools.demo import tax_code
from fleming.models import Person
from tests.app.people_fixtures import count, errors
from tests.app.test_intake import CODE, K, fill

SUBMIT = {"it": "Registra la persona", "en": "Register the person"}
TEXTS = {
    "it": {
        "last_name": "Il cognome non corrisponde alle lettere del codice fiscale",
        "names_box": "Ho controllato: i nomi sono giusti",
        "namesake": "È già registrata una persona con lo stesso nome e la stessa data di nascita",
        "namesake_box": "È un'altra persona: registrala",
        "age": "Alla data di accoglienza la persona avrebbe",
        "age_box": "Data di nascita controllata",
        "invisible": "Il testo contiene caratteri di controllo o invisibili",
        "before_records": "La data è precedente all'inizio dei registri del centro",
    },
    "en": {
        "last_name": "The last name does not match the tax code's letters",
        "names_box": "I checked: the names are right",
        "namesake": "A person with the same name and date of birth is already registered",
        "namesake_box": "A different person: register",
        "age": "On the intake date the person would be",
        "age_box": "Date of birth checked",
        "invisible": "The text contains control or invisible characters",
        "before_records": "The date is before the centre's records start",
    },
}


@pytest.fixture(autouse=True)
def language_outside_the_run(request, monkeypatch):
    """AppTest formats a picker's value outside the script run, where the session's language
    reads as the default: the English tests answer English there too."""
    if request.node.callspec.params.get("lang") == "en":
        from fleming.ui import context, people_widgets

        monkeypatch.setattr(context, "lang", lambda: "en")
        monkeypatch.setattr(people_widgets, "lang", lambda: "en")


def submit(at, lang):
    next(b for b in at.button if b.label == SUBMIT[lang]).click()
    return at.run()


def warnings(at) -> list[str]:
    return [w.value for w in at.warning]


def box(at, label):
    return next(c for c in at.checkbox if c.label.startswith(label))


@pytest.mark.parametrize("lang", ["it", "en"])
def test_names_unlike_the_code_are_a_warning_confirmed_with_a_box(open_page, own_demo, lang):
    at = submit(fill(open_page("intake.py", lang=lang), last_name="Bianchi"), lang)
    assert not at.exception, at.exception
    shown = warnings(at)
    assert any(w.startswith(TEXTS[lang]["last_name"]) and "(ZNR)" in w for w in shown), shown
    assert count(own_demo, Person, Person.tax_code == CODE) == 0
    box(at, TEXTS[lang]["names_box"]).check()
    at = submit(at, lang)
    assert not at.exception, at.exception
    assert count(own_demo, Person, Person.tax_code == CODE) == 1
    assert at.title[0].value == "Ottavia Bianchi"  # the new person's page


@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_namesake_born_the_same_day_links_to_them_and_asks_to_confirm(open_page, own_demo, lang):
    at = submit(fill(open_page("intake.py", lang=lang)), lang)  # Ottavia Zanardelli
    assert count(own_demo, Person, Person.tax_code == CODE) == 1
    other = tax_code("Zanardelli", "Ottavia", date(1988, 4, 12), "F", "F704")  # born in Monza
    at = open_page("intake.py", lang=lang)
    at = submit(fill(at, first_name="ottavia", last_name="ZANARDELLI", tax_code=other), lang)
    assert any(w.startswith(TEXTS[lang]["namesake"]) for w in warnings(at)), warnings(at)
    assert any("Ottavia Zanardelli" in link.label for link in at.get("page_link"))
    assert count(own_demo, Person, Person.tax_code == other) == 0
    box(at, TEXTS[lang]["namesake_box"]).check()
    at = submit(at, lang)
    assert not at.exception, at.exception
    assert count(own_demo, Person, Person.tax_code == other) == 1


@pytest.mark.parametrize("lang", ["it", "en"])
def test_an_age_over_100_asks_to_confirm_the_birth_date(open_page, own_demo, lang):
    old = tax_code("Zanardelli", "Ottavia", date(1920, 4, 12), "F", "F205")
    at = open_page("intake.py", lang=lang)
    at = submit(fill(at, tax_code=old, birth_date=date(1920, 4, 12)), lang)
    assert any(w.startswith(TEXTS[lang]["age"]) for w in warnings(at)), warnings(at)
    box(at, TEXTS[lang]["age_box"]).check()
    at = submit(at, lang)
    assert not at.exception, at.exception
    with unit_of_work(get_engine(own_demo)) as session:
        born = session.scalar(select(Person.birth_date).where(Person.tax_code == old))
    assert born == date(1920, 4, 12)


@pytest.mark.parametrize("lang", ["it", "en"])
def test_invisible_characters_and_an_old_intake_date_are_errors_on_their_fields(
    open_page, own_demo, lang
):
    at = open_page("intake.py", lang=lang)
    at = submit(fill(at, first_name="Otta\u200bvia", intake_date=date(2000, 1, 1)), lang)
    shown = errors(at)
    assert any(e.startswith(TEXTS[lang]["invisible"]) for e in shown), shown
    assert any(e.startswith(TEXTS[lang]["before_records"]) for e in shown), shown
    assert count(own_demo, Person, Person.tax_code == CODE) == 0
    assert at.text_input(key=K + "first_name").value == "Otta\u200bvia"  # kept to be fixed
