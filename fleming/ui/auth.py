"""The login: streamlit-authenticator's form, accounts from the database, our persistent lock.

The library draws the form, checks the bcrypt hash and keeps the re-login cookie. It does no
access control and no lasting lockout; we wrap its login call so that a locked username is
refused before its password is even checked, and every attempt is counted in the database.
"""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from fleming import auth, config
from fleming.actor import Actor
from fleming.db import unit_of_work
from fleming.errors import AccountLocked, NotFound
from fleming.i18n import fmt_date
from fleming.ui.authenticator import defer_cookie, wrap_login
from fleming.ui.context import ACTOR_KEY, engine, lang, t

COOKIE_NAME = "fleming_auth"
COOKIE_DAYS = 0.5  # a working day; a shared office PC should not stay logged in for weeks
NOTICE_KEY = "fleming_login_notice"


def _authenticator() -> stauth.Authenticate:
    with unit_of_work(engine()) as session:
        credentials = auth.credentials(session=session)
    if not credentials["usernames"]:
        st.warning(t("login.no_accounts"), icon=":material/person_add:")
    authenticator = stauth.Authenticate(
        credentials,
        cookie_name=COOKIE_NAME,
        cookie_key=config.cookie_key(),
        cookie_expiry_days=COOKIE_DAYS,
        auto_hash=False,
        login_sleep_time=0,
    )
    known = frozenset(credentials["usernames"])

    def guard(original):
        def guarded_login(username=None, password=None, *args, **kwargs):
            if not username:  # re-login from the cookie: no password to count
                return original(username, password, *args, **kwargs)
            name = auth.normalise_username(username)
            with unit_of_work(engine()) as session:
                auth.ensure_not_locked(session=session, username=name)
            if name not in known:  # the library answers at once: take a password check's time
                auth.dummy_password_check(password)
            ok = original(username, password, *args, **kwargs)
            with unit_of_work(engine()) as session:
                state = auth.record_login(session=session, username=name, success=bool(ok))
            if state.locked:
                raise AccountLocked(name, state.until)
            return ok

        return guarded_login

    wrap_login(authenticator, guard)
    return authenticator


def _locked_message(exc: AccountLocked) -> str:
    until = exc.until
    return t(
        "login.locked",
        minutes=auth.LOCK_MINUTES,
        until=fmt_date(until, lang()) if until else "",
    )


def login() -> tuple[Actor | None, stauth.Authenticate]:
    """Render the login form until someone logs in; return the actor once they have."""
    authenticator = _authenticator()
    # The library leaves its form on screen in the run that logs the user in. Draw it in a box we
    # can clear, and set the re-login cookie after clearing it, outside the box, so the cookie
    # component still reaches the browser.
    set_cookie, cookie_due = defer_cookie(authenticator)
    box = st.empty()
    try:
        with box.container():
            authenticator.login(
                location="main",
                fields={
                    "Form name": t("login.title"),
                    "Username": t("login.username"),
                    "Password": t("login.password"),
                    "Login": t("login.submit"),
                },
                key="fleming_login",
            )
    except AccountLocked as exc:
        st.session_state["authentication_status"] = None
        st.error(_locked_message(exc), icon=":material/lock:")
        return None, authenticator
    except LoginError:
        st.session_state["authentication_status"] = None
        st.error(t("login.failed"), icon=":material/error:")
        return None, authenticator

    status = st.session_state.get("authentication_status")
    if status is True and cookie_due:
        box.empty()
        set_cookie()
    if status is False:
        st.error(t("login.failed"), icon=":material/error:")
        return None, authenticator
    if not status:
        st.session_state.pop(ACTOR_KEY, None)
        return None, authenticator

    # Logged in: load the actor from the database on every run, so a deactivated account or a
    # changed role takes effect at once.
    try:
        with unit_of_work(engine()) as session:
            actor = auth.get_actor(session=session, username=st.session_state["username"])
    except NotFound:
        authenticator.logout(location="unrendered")
        st.session_state.pop(ACTOR_KEY, None)
        st.error(t("login.account_disabled"))
        return None, authenticator
    st.session_state[ACTOR_KEY] = actor
    return actor, authenticator


def logout_button(authenticator: stauth.Authenticate) -> None:
    def _clear(_info=None) -> None:
        st.session_state.pop(ACTOR_KEY, None)

    authenticator.logout(
        button_name=t("logout"),
        location="sidebar",
        key="fleming_logout_button",
        callback=_clear,
    )
