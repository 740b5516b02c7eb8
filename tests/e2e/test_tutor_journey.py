"""Journey 2 in a real browser: a tutor takes a new person in (one invalid field, corrected), signs
the service pact, enrols the person in a workshop and rates the first competences."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import func, select

from fleming.devtools.demo import tax_code
from tests.e2e.a11y import accessibility_problems
from tests.e2e.conftest import edit_grid, go, login, pick, set_date, shot, tick, wait_idle

FIRST, LAST = "Ottavina", "Zanaboni"
NAME = f"{FIRST} {LAST}"


def test_tutor_intake_pact_workshop_and_competences(page, server):
    login(page, server["base"], "tutor")

    # Intake, with a phone number that is not one.
    go(page, "Nuova accoglienza")
    expect(page.get_by_role("heading", name="Accoglienza di una persona")).to_be_visible()
    page.get_by_label("Nome", exact=True).fill(FIRST)
    page.get_by_label("Cognome", exact=True).fill(LAST)
    code = tax_code(LAST, FIRST, date(1979, 3, 8), "F", "F205")
    page.get_by_label("Codice fiscale", exact=True).fill(code)
    page.get_by_label("Telefono", exact=True).fill("12")
    page.get_by_label("E-mail", exact=True).fill("ottavina.z@example.org")
    pick(page, "Comune di residenza", "Milano (MI)", search="Milano")
    pick(page, "Cittadinanza", "Italia", search="Italia")
    pick(page, "Livello di italiano (QCER)", "B1")
    pick(page, "Titolo di studio", "Diploma")
    pick(page, "Condizione giuridica", "Cittadinanza italiana")
    pick(page, "Inviato da", "Accesso spontaneo")
    pick(page, "Finanziamento del percorso", "Fondi comunali")
    set_date(page, "Data della DID", date.today() - timedelta(days=3))
    tick(page, re.compile("Ha firmato l'informativa"))
    page.get_by_role("button", name="Registra la persona").click()
    wait_idle(page)
    # The error is text next to the field, announced as an alert; nothing is saved.
    alerts = page.get_by_role("alert")
    expect(alerts.filter(has_text="Numero di telefono non valido")).to_be_visible()
    expect(alerts.filter(has_text="Non è stato salvato nulla")).to_be_visible()
    page.get_by_label("Telefono", exact=True).scroll_into_view_if_needed()
    shot(page, "tutor_intake_error")
    assert accessibility_problems(page) == []

    page.get_by_label("Telefono", exact=True).fill("347 765 4321")
    page.get_by_role("button", name="Registra la persona").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=NAME, level=1)).to_be_visible()
    expect(page.get_by_text(f"Scheda di {NAME} registrata")).to_be_visible()

    # The service pact, with the activities the page proposes.
    page.get_by_role("tab", name="Patto e attività").click()
    page.get_by_role("button", name="Firma il patto").click()
    wait_idle(page)
    signed = page.get_by_text("Patto di servizio aperto: la persona è ora in percorso.")
    expect(signed).to_be_visible()
    shot(page, "tutor_pact_signed")

    # A workshop: the edition on show, while it has seats.
    go(page, "Laboratori")
    expect(page.get_by_role("heading", name="Laboratori", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile(r"Posti liberi: [1-9]"))).to_be_visible()
    enrol = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Iscrivi", exact=True)
    )
    pick(page, "Persona", re.compile(f"^{LAST} {FIRST} · "), search=LAST, within=enrol)
    enrol.get_by_role("button", name="Iscrivi", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text(f"Iscrizione registrata: {LAST} {FIRST}")).to_be_visible()
    shot(page, "tutor_workshop_enrolled")

    # Competences: the person just taken in is the one on the grid.
    go(page, "Valutazione persona")
    expect(page.get_by_role("heading", name=NAME)).to_be_visible()
    grid = page.get_by_test_id("stDataFrame").first
    edit_grid(page, grid, 0, 2, "2 · In autonomia", choose=True)
    edit_grid(page, grid, 1, 2, "1 · Con guida", choose=True)
    page.get_by_role("button", name="Salva la valutazione").click()
    wait_idle(page)
    saved = page.get_by_test_id("stAlertContentSuccess")
    expect(saved.get_by_text("Valutazione salvata (livelli registrati: 2).")).to_be_visible()
    shot(page, "tutor_competences_rated")

    from fleming.db import get_engine, unit_of_work
    from fleming.models import CompetenceRating, Person, ServicePact, WorkshopEnrolment

    with unit_of_work(get_engine(server["db"])) as s:
        person = s.scalars(select(Person).where(Person.tax_code == code)).one()
        assert person.phone == "+393477654321"
        assert s.scalar(select(func.count()).where(ServicePact.person_id == person.id)) == 1
        assert s.scalar(select(func.count()).where(WorkshopEnrolment.person_id == person.id)) == 1
        assert s.scalar(select(func.count()).where(CompetenceRating.person_id == person.id)) == 2
