"""AppTest fixtures: one small demo database for the whole run, the app pointed at it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import login_as

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
def own_demo(demo_url, tmp_path, monkeypatch) -> str:
    """A private copy of the demo database, the app pointed at it: for tests that write."""
    target = tmp_path / "own_demo.sqlite"
    # the backup API, not a file copy: the demo database is in WAL mode
    with (
        sqlite3.connect(demo_url.removeprefix("sqlite:///")) as src,
        sqlite3.connect(target) as dst,
    ):
        src.backup(dst)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("FLEMING_DATABASE_URL", url)
    return url


@pytest.fixture
def app(demo_url, monkeypatch) -> Callable[[], AppTest]:
    """A factory of fresh AppTests of app.py on the demo database (a fresh browser each)."""
    monkeypatch.setenv("FLEMING_DATABASE_URL", demo_url)

    def make() -> AppTest:
        return AppTest.from_file(APP, default_timeout=TIMEOUT)

    return make


@pytest.fixture
def open_page(own_demo) -> Callable[..., AppTest]:
    """A factory: log in (as a tutor by default) on the private demo copy and open a page."""

    def make(page: str, username: str = "tutor", query: dict | None = None, lang: str = "it"):
        at = login_as(AppTest.from_file(APP, default_timeout=TIMEOUT), username)
        at.session_state["lang"] = lang
        at.run()
        if query:
            at.query_params.update({k: str(v) for k, v in query.items()})
        return at.switch_page(f"app_pages/{page}").run()

    return make
