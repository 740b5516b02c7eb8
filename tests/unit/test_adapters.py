"""Fleming reaches inside Streamlit and streamlit-authenticator in two places, each behind one
adapter module. These tests fail loudly when an upgrade moves what the adapters rely on."""

from __future__ import annotations

import inspect

import altair as alt
import pandas as pd
import streamlit_authenticator as stauth
from streamlit_authenticator.models.cookie_model import CookieModel

from fleming.ui import authenticator as adapter
from fleming.ui.vega import altair_spec


def test_the_private_altair_conversion_still_gives_a_vega_lite_spec():
    chart = alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_bar().encode(x="x", y="y")
    spec = altair_spec(chart)
    assert isinstance(spec, dict)
    assert spec["mark"] in ("bar", {"type": "bar"})
    assert spec["encoding"]["x"]["field"] == "x"
    assert "datasets" in spec or "data" in spec


def _authenticator() -> stauth.Authenticate:
    credentials = {"usernames": {"anna": {"name": "Anna", "password": "$2b$12$" + "x" * 53}}}
    return stauth.Authenticate(
        credentials, cookie_name="t", cookie_key="k" * 32, auto_hash=False, login_sleep_time=0
    )


def test_the_authenticator_methods_we_wrap_are_still_there():
    auth = _authenticator()
    login = auth.authentication_controller.login
    assert list(inspect.signature(login).parameters)[:2] == ["username", "password"]
    assert callable(auth.cookie_controller.set_cookie)
    assert not inspect.signature(auth.cookie_controller.set_cookie).parameters
    assert callable(CookieModel.get_cookie)  # the tests and the page bench stub it


def test_the_adapters_route_login_and_hold_back_the_cookie():
    auth = _authenticator()
    calls = []

    def wrapper(original):
        def login(username=None, password=None, *args, **kwargs):
            calls.append(username)
            return False

        return login

    adapter.wrap_login(auth, wrapper)
    assert auth.authentication_controller.login("anna", "secret") is False
    assert calls == ["anna"]
    set_cookie, due = adapter.defer_cookie(auth)
    auth.cookie_controller.set_cookie()
    assert due == [True] and callable(set_cookie)
