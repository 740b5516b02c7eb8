"""The internship journey in a real browser: a coordinator takes a selected demo person into an
internship, records the month's attendance, closes it as a hire; the home figures move."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import go, login, open_cell, shot, wait_idle

FIGURES = ("Tirocini avviati", "Tirocini conclusi", "Assunzioni")
SLOW = 120_000  # ms: a long journey of reruns, on shared CI machines


def _selected_entry(url: str) -> tuple[int, str]:
    """A selected shortlist entry waiting for an internship: the demo's first, or a new one at a
    host company with room and a convention for the coming months."""
    from fleming import internships
    from fleming.actor import Actor
    from fleming.db import get_engine, unit_of_work
    from fleming.models import (
        CefrLevel,
        Internship,
        InternshipStatus,
        LegalStatus,
        Person,
        PersonStatus,
        ServicePact,
        ShortlistEntry,
        ShortlistStage,
        User,
        Vacancy,
        VacancyKind,
        VacancyStatus,
    )

    today = date.today()
    with unit_of_work(get_engine(url)) as s:
        u = s.scalars(select(User).where(User.username == "coordinatore")).one()
        actor = Actor(id=u.id, username=u.username, full_name=u.full_name, role=u.role)
        for e in internships.selectable_entries(session=s, actor=actor):
            person = s.get(Person, e.person_id)
            if person.legal_status is not LegalStatus.ASYLUM_SEEKER and not s.scalar(
                select(Internship.id).where(
                    Internship.person_id == e.person_id,
                    Internship.status == InternshipStatus.ACTIVE,
                )
            ):
                host = internships.company_options(session=s, actor=actor, company_id=e.company_id)
                if (
                    host
                    and host[0].convention_until
                    and host[0].convention_until > today + timedelta(days=200)
                    and host[0].hosted_today < host[0].quota
                ):
                    return e.entry_id, e.person_name
        host = next(
            o
            for o in internships.company_options(session=s, actor=actor, limit=500)
            if o.convention_until
            and o.convention_until > today + timedelta(days=200)
            and o.hosted_today < o.quota
        )
        busy = select(Internship.person_id).where(Internship.status == InternshipStatus.ACTIVE)
        person = s.scalars(
            select(Person)
            .join(ServicePact, ServicePact.person_id == Person.id)
            .where(
                Person.status == PersonStatus.ACTIVE,
                Person.legal_status == LegalStatus.ITALIAN,
                Person.id.not_in(busy),
            )
            .order_by(Person.id)
        ).first()
        vacancy = Vacancy(
            company_id=host.id,
            title="Aiuto cuoco",
            kind=VacancyKind.INTERNSHIP,
            min_italian_level=CefrLevel.A2,
            created_on=today - timedelta(days=20),
            status=VacancyStatus.SHORTLISTING,
        )
        s.add(vacancy)
        s.flush()
        entry = ShortlistEntry(
            vacancy_id=vacancy.id, person_id=person.id, stage=ShortlistStage.SELECTED
        )
        s.add(entry)
        s.flush()
        return entry.id, f"{person.first_name} {person.last_name}"


def _figures(page) -> dict[str, int]:
    out = {}
    for name in FIGURES:
        text = page.locator('[data-testid="stMetric"]').filter(has_text=name).first.inner_text()
        out[name] = int(re.sub(r"\D", "", text.split(name, 1)[1]))
    return out


def test_coordinator_takes_a_selected_person_into_an_internship_and_closes_it_as_a_hire(
    page, server
):
    entry_id, person = _selected_entry(server["db"])
    page.set_default_timeout(SLOW)
    login(page, server["base"], "coordinatore")
    expect(page.get_by_text("Il centro nel").first).to_be_visible(timeout=SLOW)
    before = _figures(page)

    go(page, "Tirocini")
    page.get_by_role("button", name="Nuovo tirocinio").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Nuovo tirocinio")).to_be_visible(timeout=SLOW)
    page.get_by_label("Persona selezionata").click()
    page.get_by_role("option").filter(has_text=person).first.click()
    wait_idle(page)
    page.get_by_label("Tutor aziendale", exact=True).fill("Giulia Neri")
    page.get_by_role("button", name="Avvia il tirocinio").click()
    wait_idle(page)
    expect(page.get_by_text("Tirocinio avviato.")).to_be_visible(timeout=SLOW)
    expect(page.get_by_role("heading", name=re.compile(person))).to_be_visible(timeout=SLOW)
    shot(page, "internship_started")

    page.get_by_role("tab", name="Presenze mensili").click()
    wait_idle(page)
    grid = page.locator('[data-testid="stDataFrame"]').filter(visible=True).first
    expect(grid).to_be_visible(timeout=SLOW)
    overlay = open_cell(page, grid, row=0, column=1)  # the first month's attendance
    cell = overlay.locator("input, textarea").first  # the grid's cell editor
    cell.fill("92")
    cell.press("Enter")
    expect(overlay).to_have_count(0)
    expect(grid.locator('[role="gridcell"]').filter(has_text="92").first).to_be_attached()
    page.get_by_role("button", name="Salva le presenze").click()
    wait_idle(page)
    expect(page.get_by_text("Presenze salvate: mesi modificati 1.")).to_be_visible(timeout=SLOW)
    shot(page, "internship_attendance")

    page.get_by_role("tab", name="Esito").click()
    wait_idle(page)
    page.get_by_label("Contratto", exact=True).click()
    page.get_by_role("option", name="Tempo indeterminato").click()
    page.get_by_role("button", name="Chiudi con assunzione").click()
    wait_idle(page)
    expect(page.get_by_text("Assunzione registrata.")).to_be_visible(timeout=SLOW)
    shot(page, "internship_hired")

    go(page, "Home")
    expect(page.get_by_text("Il centro nel").first).to_be_visible(timeout=SLOW)
    after = _figures(page)
    assert after == {name: before[name] + 1 for name in FIGURES}

    from fleming.db import get_engine, unit_of_work
    from fleming.models import Internship, InternshipAttendance, InternshipOutcome

    with unit_of_work(get_engine(server["db"])) as s:
        i = s.scalars(select(Internship).where(Internship.shortlist_entry_id == entry_id)).one()
        assert i.outcome is InternshipOutcome.HIRED
        assert (
            s.scalar(
                select(InternshipAttendance.attendance_percent).where(
                    InternshipAttendance.internship_id == i.id
                )
            )
            == 92
        )
