"""AppTest fixtures: one small demo database for the whole run, the app pointed at it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 60


@pytest.fixture(autouse=True)
def no_browser_cookies(monkeypatch):
    """AppTest has no browser: the authenticator's re-login cookie reads as absent."""
    from streamlit_authenticator.models.cookie_model import CookieModel

    monkeypatch.setattr(CookieModel, "get_cookie", lambda self: None)


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory) -> str:
    from fleming.db import get_engine, migrate
    from fleming.devtools import demo

    url = f"sqlite:///{tmp_path_factory.mktemp('apptest') / 'demo.sqlite'}"
    migrate(url)
    demo.generate(get_engine(url), scale=0.1)
    return url


@pytest.fixture
def app(demo_url, monkeypatch) -> Callable[[], AppTest]:
    """A factory of fresh AppTests of app.py on the demo database (a fresh browser each)."""
    monkeypatch.setenv("FLEMING_DATABASE_URL", demo_url)

    def make() -> AppTest:
        return AppTest.from_file(APP, default_timeout=TIMEOUT)

    return make
