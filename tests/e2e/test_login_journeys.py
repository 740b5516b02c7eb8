"""Journeys 1 and 5 in a real browser: login failures and the lock after five; a direct URL to
every page without login shows only the login. (Each demo role logging in, every page of the
role and logging out: tests/e2e/test_accessibility.py, which walks them all.)"""

from __future__ import annotations

import time

from playwright.sync_api import expect

from fleming.ui.nav import PAGES
from tests.e2e.a11y import accessibility_problems
from tests.e2e.conftest import LOCK_PASSWORD, LOCK_USER, goto, report, shot, visit, wait_idle

WRONG = "Nome utente o password non corretti."
LOCKED = "l'account è bloccato per 15 minuti"


def _submit(page, username: str, password: str) -> None:
    page.get_by_label("Nome utente").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Accedi").click()
    wait_idle(page)


def test_wrong_password_then_lock_after_five(page, new_page, server):
    goto(page, server["base"])
    for attempt in range(1, 6):
        _submit(page, LOCK_USER, f"sbagliata-{attempt}")
        if attempt < 5:
            # An error is text in an alert, not a colour: a screen reader announces it.
            expect(page.get_by_role("alert").filter(has_text=WRONG)).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text=LOCKED)).to_be_visible()
    expect(page.get_by_label("Nome utente")).to_be_visible()
    shot(page, "login_locked")
    assert accessibility_problems(page) == []

    # The right password does not get in while the lock lasts, from a new browser either.
    other = new_page()
    goto(other, server["base"])
    _submit(other, LOCK_USER, LOCK_PASSWORD)
    expect(other.get_by_role("alert").filter(has_text=LOCKED)).to_be_visible()
    expect(other.get_by_role("button", name="Esci")).to_have_count(0)
    expect(other.get_by_label("Nome utente")).to_be_visible()


def test_direct_url_to_every_page_without_login_shows_only_the_login(page, server):
    goto(page, server["base"])
    expect(page.get_by_role("heading", name="Accesso a Fleming")).to_be_visible()
    shot(page, "login")
    assert accessibility_problems(page) == []
    leaked = {}
    started = time.monotonic()
    for spec in PAGES:
        visit(page, f"{server['base']}/{spec.url_path}")
        expect(page.get_by_label("Nome utente")).to_be_visible()
        expect(page.get_by_role("textbox", name="Password")).to_be_visible()
        wait_idle(page)
        shown = page.locator('[data-testid="stMain"]').inner_text()
        nav = page.locator('[data-testid="stSidebarNav"]').count()
        logout = page.get_by_role("button", name="Esci").count()
        headings = page.get_by_role("heading").all_inner_texts()
        if nav or logout or any(h.strip() != "Accesso a Fleming" for h in headings):
            leaked[spec.url_path] = (nav, logout, headings, shown[:200])
    report(f"{len(PAGES)} direct URLs without login checked in {time.monotonic() - started:.1f} s")
    assert leaked == {}
