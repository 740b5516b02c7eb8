"""The real login form for each demo role, wrong passwords, the lock, and the guard."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from tests.app.helpers import submit_login

ROLES_HOME = {
    "admin": "Account",
    "coordinatore": "Il centro nel",
    "tutor": "I miei utenti",
    "partner": "Soleterre",
}


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [h.value for h in at.subheader]
    parts += [t.value for t in at.title] + [e.value for e in at.error] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


def test_login_page_shows_the_form_and_the_demo_accounts(app):
    at = app().run()
    assert not at.exception
    assert [w.label for w in at.text_input] == ["Nome utente", "Password"]
    banner = "\n".join(i.value for i in at.info)
    for username in ROLES_HOME:
        assert f"`{username}`" in banner
    assert not at.metric  # nothing of the centre before login


@pytest.mark.parametrize("username", list(ROLES_HOME))
def test_each_demo_role_logs_in_with_the_real_form_and_sees_its_home(app, username):
    at = submit_login(app().run(), username, "demo")
    assert not at.exception
    assert at.session_state["authentication_status"] is True
    assert ROLES_HOME[username] in _texts(at)
    assert not [w for w in at.text_input if w.label == "Password"]


def test_wrong_password_is_refused_with_a_message(app):
    at = submit_login(app().run(), "tutor", "sbagliata")
    assert "Nome utente o password non corretti." in [e.value for e in at.error]
    assert at.session_state["authentication_status"] is not True
    assert not at.metric


@pytest.fixture
def unlock_afterwards(demo_url):
    yield
    from fleming.db import get_engine
    from fleming.models import User

    with get_engine(demo_url).begin() as conn:
        conn.execute(update(User).values(failed_attempts=0, locked_until=None))


def test_five_failures_lock_the_account_even_in_a_new_browser(app, unlock_afterwards):
    at = app().run()
    for _ in range(5):
        at = submit_login(at, "coordinatore", "sbagliata")
    assert any("bloccato" in e.value for e in at.error)
    # A new browser session, now with the right password: still locked.
    fresh = submit_login(app().run(), "coordinatore", "demo")
    assert fresh.session_state["authentication_status"] is not True
    assert any("bloccato" in e.value for e in fresh.error)
    assert not fresh.metric


def test_english_switch_translates_the_login(app):
    at = app().run()
    at.sidebar.radio[0].set_value("en").run()
    assert [w.label for w in at.text_input] == ["Username", "Password"]
