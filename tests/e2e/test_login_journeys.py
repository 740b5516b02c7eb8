"""Journeys 1 and 5 in a real browser: login failures, the lock, every role, logout; direct URLs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fleming.ui.nav import PAGES
from tests.e2e.conftest import login, shot, wait_idle

HOME_HEADING = {
    "admin": "Account",
    "coordinatore": "Il centro nel",
    "tutor": "I miei utenti",
    "partner": "Soleterre: le persone che avete inviato",
}


def test_wrong_password_then_lock_after_five(page, server):
    for attempt in range(5):
        login(page, server["base"], "tutor", "sbagliata")
        if attempt < 4:
            expect(page.get_by_text("Nome utente o password non corretti.")).to_be_visible()
    expect(page.get_by_text("l'account è bloccato per 15 minuti", exact=False)).to_be_visible()
    shot(page, "login_locked")
    # The right password does not get in while the lock lasts, from a fresh page either.
    login(page, server["base"], "tutor", "demo")
    expect(page.get_by_text("bloccato", exact=False)).to_be_visible()
    expect(page.get_by_text("I miei utenti")).to_have_count(0)
    _unlock(server["db"])


def _unlock(url: str) -> None:
    from sqlalchemy import update

    from fleming.db import get_engine
    from fleming.models import User

    with get_engine(url).begin() as conn:
        conn.execute(update(User).values(failed_attempts=0, locked_until=None))


@pytest.mark.parametrize("username", list(HOME_HEADING))
def test_each_role_logs_in_sees_its_home_and_logs_out(page, server, username):
    login(page, server["base"], username)
    heading = page.get_by_role("heading", name=HOME_HEADING[username])
    expect(heading.first).to_be_visible()
    expect(page.get_by_label("Nome utente")).to_have_count(0)
    shot(page, f"home_{username}")
    page.get_by_role("button", name="Esci").click()
    wait_idle(page)
    expect(page.get_by_label("Nome utente")).to_be_visible()
    expect(heading).to_have_count(0)


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_direct_url_without_login_shows_only_the_login(page, server, spec):
    page.goto(f"{server['base']}/{spec.url_path}")
    expect(page.get_by_label("Nome utente")).to_be_visible()
    wait_idle(page)
    body = page.inner_text("body")
    for leak in ("Il centro nel", "I miei utenti", "Account degli operatori", "Esci"):
        assert leak not in body
