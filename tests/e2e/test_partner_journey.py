"""The partner portal in a real browser: the demo partner sees only Soleterre's shared shortlists
with minimised data, nominates a referred person, and the coordinator finds the nomination on the
Condivisioni page and on the matching page."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from fleming.models import Role
from fleming.ui.nav import PAGES, pages_for
from tests.e2e.conftest import go, login, shot, visit, wait_idle, wait_rendered

MOTIVATION = "Ha fatto la stagione in cucina l'anno scorso ed è puntuale e motivata."


def _secrets_of_shared_lists(url: str) -> list[str]:
    """Tax codes, phones, e-mails and last names of everyone on a list shared with Soleterre."""
    from fleming.db import get_engine, unit_of_work
    from fleming.models import PartnerOrganisation, Person, ShortlistEntry, ShortlistShare

    with unit_of_work(get_engine(url)) as s:
        org = s.scalar(
            select(PartnerOrganisation.id).where(PartnerOrganisation.name == "Soleterre")
        )
        people = s.scalars(
            select(Person)
            .join(ShortlistEntry, ShortlistEntry.person_id == Person.id)
            .join(ShortlistShare, ShortlistShare.vacancy_id == ShortlistEntry.vacancy_id)
            .where(ShortlistShare.partner_org_id == org, ShortlistShare.revoked_at.is_(None))
        ).all()
        return [
            value
            for p in people
            for value in (p.tax_code, p.phone, p.email, p.last_name)
            if value and len(value) > 3
        ]


def _pick_first_person(page) -> None:
    """Choose the first person offered (nobody is preselected). The box sits below the fold of
    the just-opened nomination: it is scrolled into view and the page left to finish its run
    before the list is opened, so no redraw closes the list under the click."""
    box = page.get_by_role("combobox", name="Persona", exact=True)
    listbox = page.get_by_role("listbox")
    expect(box).to_have_value("")
    box.scroll_into_view_if_needed()
    wait_idle(page)
    box.click()
    if not listbox.count():
        page.keyboard.press("ArrowDown")  # a click does not always open a box scrolled into view
    listbox.get_by_role("option").first.click()
    expect(listbox).to_have_count(0)
    expect(box).not_to_have_value("")
    wait_idle(page)


def test_partner_sees_minimised_lists_nominates_and_the_coordinator_sees_it(new_page, server):
    page = new_page()
    login(page, server["base"], "partner")
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav.get_by_text("Rose condivise")).to_be_visible()
    assert not nav.locator("a").filter(has_text="Abbinamento").count()

    go(page, "Rose condivise")
    expect(page.get_by_role("heading", name="Rose condivise con il vostro ente")).to_be_visible()
    expect(page.get_by_text("Persone in rosa visibili al vostro ente").first).to_be_visible()
    wait_rendered(page)
    shot(page, "partner_shortlists")
    text = page.locator("section.main, [data-testid='stMain']").first.inner_text()
    leaked = [v for v in _secrets_of_shared_lists(server["db"]) if v in text]
    assert leaked == []

    go(page, "Persone segnalate")
    expect(page.get_by_text("Persone mostrate:")).to_be_visible()
    wait_rendered(page)
    shot(page, "partner_people")

    go(page, "Fabbisogni aperti")
    page.get_by_text("Proponi una persona", exact=True).click()  # opens the nomination
    wait_idle(page)
    _pick_first_person(page)
    page.get_by_role("textbox", name="Motivazione").fill(MOTIVATION)
    page.get_by_role("button", name="Invia la candidatura").click()
    wait_idle(page)
    done = page.get_by_text(re.compile(r"Candidatura di .* inviata al Centro"))
    expect(done).to_be_visible()
    done.scroll_into_view_if_needed()
    wait_rendered(page)
    shot(page, "partner_vacancies_nominated")

    # Staff pages typed by hand: our own refusal, nothing of the staff page.
    mine = {spec.url_path for spec in pages_for(Role.PARTNER)}
    for spec in PAGES:
        if spec.url_path in mine:
            continue
        visit(page, f"{server['base']}/{spec.url_path}")
        refusal = page.get_by_role(
            "heading", name="Questa pagina non è disponibile per il tuo ruolo"
        )
        expect(refusal).to_be_visible()
        main = page.locator('[data-testid="stMain"]').inner_text()
        assert "Il centro nel" not in main and "I miei utenti" not in main, spec.url_path

    from fleming.db import get_engine, unit_of_work
    from fleming.models import ShortlistEntry

    with unit_of_work(get_engine(server["db"])) as s:
        entry = s.scalars(
            select(ShortlistEntry).where(ShortlistEntry.motivation == MOTIVATION)
        ).one()
        assert entry.origin.value == "partner"

    page = new_page()
    login(page, server["base"], "coordinatore")
    go(page, "Condivisioni")
    expect(page.get_by_role("heading", name="Condivisioni con i partner")).to_be_visible()
    expect(page.get_by_role("combobox", name="Ente partner")).to_have_value("Tutti gli enti")
    wait_rendered(page)
    shot(page, "coordinator_shares")
    page.get_by_role("tab", name="Candidature dei partner").click()
    wait_idle(page)
    wait_rendered(page)
    shot(page, "coordinator_shares_nominations")
    page.get_by_role("button", name="Apri nell'abbinamento").filter(visible=True).click()
    wait_idle(page)
    note = page.get_by_text(re.compile(r"candidature segnalate da un partner"))
    expect(note).to_be_visible()
    note.scroll_into_view_if_needed()
    wait_rendered(page)
    shot(page, "coordinator_matching_nomination")
