"""The very first start on an empty default database creates the demo data; others stay empty."""

from __future__ import annotations

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from fleming import config
from fleming.db import get_engine
from fleming.models import Person, User
from tests.app.conftest import APP


def _count(url: str, model) -> int:
    with get_engine(url).connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_empty_default_database_gets_demo_data_and_banner(tmp_path, monkeypatch):
    monkeypatch.delenv("FLEMING_DATABASE_URL", raising=False)
    monkeypatch.setattr(config, "DEFAULT_SQLITE_PATH", tmp_path / "fleming.sqlite")
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception
    url = config.database_url()
    assert _count(url, Person) > 1000
    assert "`coordinatore`" in "\n".join(i.value for i in at.info)


def test_other_database_is_migrated_but_not_filled(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'production.sqlite'}"
    monkeypatch.setenv("FLEMING_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert _count(url, User) == 0
    assert _count(url, Person) == 0
    assert not at.info  # no demo banner
    assert "python -m fleming init" in at.warning[0].value
    assert [w.label for w in at.text_input] == ["Nome utente", "Password"]
