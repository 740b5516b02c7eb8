"""Journey 3 in a real browser, first half: a coordinator registers a new company and its
internship convention, opens a vacancy for it, reads the ranking, puts two people on the shortlist
and shares it with Soleterre; the partner then sees the list. The second half (an internship
started and closed as a hire, the home figures moving) is tests/e2e/test_internship_journey.py.
The last test here opens the KPI page with its charts painted and prints login → charts time."""

from __future__ import annotations

import re
import time
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.a11y import accessibility_problems
from tests.e2e.conftest import go, login, pick, report, shot, wait_idle, wait_rendered

COMPANY = "Trattoria Prova Navigli S.r.l."
VAT = "01793520154"
TITLE = "Aiuto cuoco di prova"


def _two_to_shortlist(url: str) -> list[tuple[int, str]]:
    """Rank and name of the first eligible person, and of the first who consented to sharing with
    Soleterre (if that is not the first), as the ranking on the page shows them."""
    from fleming import matching
    from fleming.actor import Actor
    from fleming.db import get_engine, unit_of_work
    from fleming.models import PartnerOrganisation, User, Vacancy
    from fleming.shortlists import sharing_consent_current

    with unit_of_work(get_engine(url)) as s:
        u = s.scalars(select(User).where(User.username == "coordinatore")).one()
        actor = Actor(id=u.id, username=u.username, full_name=u.full_name, role=u.role)
        vacancy_id = s.scalars(select(Vacancy.id).where(Vacancy.title == TITLE)).one()
        org = s.scalars(
            select(PartnerOrganisation.id).where(PartnerOrganisation.name == "Soleterre")
        ).one()
        frame = matching.rank_people(session=s, actor=actor, vacancy_id=vacancy_id).frame
        top = frame[frame["rank"].notna()].head(100)
        ids = [int(i) for i in top["person_id"]]
        from fleming.models import Person

        consenting = set(
            s.scalars(
                select(Person.id).where(
                    Person.id.in_(ids), sharing_consent_current(Person.id, org, date.today())
                )
            )
        )
    rows = list(top.itertuples())
    first = rows[0]
    chosen = [(int(first.rank), f"{first.first_name} {first.last_name}")]
    sharer = next(r for r in rows if int(r.person_id) in consenting)
    if sharer.person_id != first.person_id:
        chosen.append((int(sharer.rank), f"{sharer.first_name} {sharer.last_name}"))
    return chosen


def test_coordinator_company_vacancy_ranking_shortlist_and_share(new_page, server):
    page = new_page()
    login(page, server["base"], "coordinatore")

    # A new company.
    go(page, "Aziende")
    page.get_by_role("tab", name="Nuova azienda").click()
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Registra l'azienda")
    )
    form.get_by_label("Ragione sociale", exact=True).fill(COMPANY)
    form.get_by_label("Partita IVA", exact=True).fill(VAT)
    pick(
        page,
        "Settore (ATECO)",
        re.compile("servizi di ristorazione"),
        search="ristora",
        within=form,
    )
    form.get_by_label("Dipendenti", exact=True).fill("12")
    form.get_by_label("Indirizzo", exact=True).fill("Alzaia Naviglio Grande 10")
    pick(page, "Comune", "Milano (MI)", search="Milano", within=form)
    form.get_by_role("button", name="Registra l'azienda").click()
    wait_idle(page)
    expect(page.get_by_text(f"Azienda «{COMPANY}» registrata.")).to_be_visible()
    shot(page, "coordinator_company_registered")

    # Its internship convention with the Comune (signed today, three years: the form's defaults).
    page.get_by_role("tab", name="Convenzioni").click()
    wait_idle(page)
    conventions = page.get_by_role("tabpanel", name="Convenzioni")
    expect(conventions.get_by_text("Nessuna convenzione con il Comune registrata.")).to_be_visible()
    conventions.get_by_role("button", name="Registra la convenzione").click()
    wait_idle(page)
    expect(page.get_by_text("Nessuna convenzione con il Comune registrata.")).to_have_count(0)

    # A vacancy for it.
    go(page, "Fabbisogni")
    page.get_by_role("tab", name="Nuovo fabbisogno").click()
    wait_idle(page)
    panel = page.get_by_role("tabpanel", name="Nuovo fabbisogno")
    panel.get_by_label("Cerca l'azienda", exact=True).fill("Trattoria Prova")
    panel.get_by_label("Cerca l'azienda", exact=True).press("Enter")
    wait_idle(page)
    pick(page, "Azienda", re.compile("Trattoria Prova Navigli"), within=panel)
    wait_idle(page)
    panel.get_by_label("Titolo", exact=True).fill(TITLE)
    pick(page, "Mestiere del centro", "Ristorazione", within=panel)
    wait_idle(page)
    pick(page, "Comune del luogo di lavoro", "Milano (MI)", search="Milano", within=panel)
    panel.get_by_role("button", name="Apri il fabbisogno").click()
    wait_idle(page)
    expect(page.get_by_text(f"Fabbisogno «{TITLE}» aperto.")).to_be_visible()
    shot(page, "coordinator_vacancy_opened")

    # The ranking, explained; two people go on the shortlist.
    go(page, "Abbinamento")
    pick(page, "Fabbisogno", re.compile(re.escape(TITLE)), search=TITLE)
    wait_idle(page)
    expect(page.get_by_role("heading", name=f"{TITLE} — {COMPANY}")).to_be_visible()
    expect(page.get_by_text(re.compile(r"\d+ persone idonee"))).to_be_visible()
    chosen = _two_to_shortlist(server["db"])
    if max(rank for rank, _ in chosen) > 10:
        pick(page, "Quante mostrare", "100")
        wait_idle(page)
    for rank, name in chosen:
        head = page.get_by_test_id("stExpander").filter(has_text=f"#{rank} {name} — ")
        head.locator("summary").click()
        wait_idle(page)  # opening runs the page: its button is clicked once that run is over
        head.get_by_role("button", name="Aggiungi alla rosa").click()
        wait_idle(page)
        expect(head.get_by_text("Già in rosa")).to_be_visible()
    page.get_by_text(re.compile(r"\d+ persone idonee")).scroll_into_view_if_needed()
    shot(page, "coordinator_ranking")

    page.get_by_role("tab", name="Rosa dei candidati").click()
    wait_idle(page)
    expect(page.get_by_text(f"In rosa: {len(chosen)}", exact=False)).to_be_visible()

    # Shared with Soleterre: only the person who consented is visible to it.
    page.get_by_role("tab", name="Condivisione con i partner").click()
    wait_idle(page)
    share_panel = page.get_by_role("tabpanel", name="Condivisione con i partner")
    pick(page, "Condividi con", "Soleterre", within=share_panel)
    wait_idle(page)
    share_panel.get_by_role("button", name="Condividi con Soleterre").click()
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"Rosa condivisa con Soleterre: 1 person"))).to_be_visible()
    shot(page, "coordinator_shared")
    assert accessibility_problems(page) == []

    # The partner sees the new list, with the consenting person only.
    partner = new_page()
    login(partner, server["base"], "partner")
    go(partner, "Rose condivise")
    expect(partner.get_by_text(TITLE).first).to_be_visible()


def test_coordinator_reads_the_kpi_page_with_its_charts_painted(new_page, server):
    page = new_page()
    started = time.monotonic()
    login(page, server["base"], "coordinatore")
    logged_in = time.monotonic()
    go(page, "Cruscotto")
    wait_rendered(page)
    charts = page.locator(".vega-embed")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 2
    done = time.monotonic()
    report(
        f"login → KPI charts painted (coordinator, demo data): {done - started:.2f} s "
        f"(login {logged_in - started:.2f} s, KPI page {done - logged_in:.2f} s; target ≤ 2 s)"
    )
    shot(page, "coordinator_kpi")
    assert accessibility_problems(page) == []
