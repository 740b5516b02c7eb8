"""Shared AppTest helpers for the people screens: a private demo copy, opening pages, widgets."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from fleming.db import get_engine, unit_of_work
from tests.app.conftest import APP, TIMEOUT
from tests.app.helpers import login_as


@pytest.fixture
def own_demo(demo_url, tmp_path, monkeypatch) -> str:
    """A private copy of the demo database: these journeys write to it."""
    target = tmp_path / "people.sqlite"
    with (
        sqlite3.connect(demo_url.removeprefix("sqlite:///")) as src,
        sqlite3.connect(target) as dst,
    ):
        src.backup(dst)  # the backup API, not a file copy: the demo database is in WAL mode
    url = f"sqlite:///{target}"
    monkeypatch.setenv("FLEMING_DATABASE_URL", url)
    return url


@pytest.fixture
def open_page(own_demo) -> Callable[..., AppTest]:
    def make(page: str, username: str = "tutor", query: dict | None = None, lang: str = "it"):
        at = login_as(AppTest.from_file(APP, default_timeout=TIMEOUT), username)
        at.session_state["lang"] = lang
        at.run()
        if query:
            at.query_params.update({k: str(v) for k, v in query.items()})
        return at.switch_page(f"app_pages/{page}").run()

    return make


def count(url: str, model, *where) -> int:
    with unit_of_work(get_engine(url)) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]
