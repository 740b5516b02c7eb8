"""Helpers for AppTest journeys."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def login_as(at: AppTest, username: str) -> AppTest:
    """Preset a logged-in session, as streamlit-authenticator leaves it after a real login."""
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.session_state["logout"] = False
    return at


def submit_login(at: AppTest, username: str, password: str) -> AppTest:
    """Fill and submit the real login form."""
    user_box = next(w for w in at.text_input if w.label in ("Nome utente", "Username"))
    pass_box = next(w for w in at.text_input if w.label == "Password")
    user_box.input(username)
    pass_box.input(password)
    button = next(b for b in at.button if b.label in ("Accedi", "Sign in"))
    button.click()
    return at.run()
