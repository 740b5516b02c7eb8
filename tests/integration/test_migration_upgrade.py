"""Upgrading a populated database from the first revision to head loses nothing.

A second database (a file on SQLite, a schema of its own on PostgreSQL) is migrated to ``0001``
only and filled with the demo data as that revision's tables can hold it: every row of every
table, each with the columns that existed at ``0001``. Then ``alembic upgrade head`` runs on it.
Afterwards every table has the same rows (counts and a checksum over all rows, not just a
sample), the database is at head, and its content passes the schemas ``python -m fleming check``
uses. A later migration that rewrites, drops or cannot fill in existing data fails here.
"""

from __future__ import annotations

import hashlib

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, insert, select, text
from sqlalchemy.engine import make_url

from fleming.db import alembic_config, make_engine
from fleming.devtools import demo
from fleming.models import Base
from fleming.schemas import validate_all

FIRST = "0001"
SCHEMA = "fleming_upgrade_test"


def _head(url: str) -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def _alembic(engine, url: str, target: str) -> None:
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)


@pytest.fixture
def old_database(engine, tmp_path):
    """The URL and engine of an empty second database of the same backend."""
    if engine.dialect.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'at_0001.sqlite'}"
        other = make_engine(url)
        yield url, other
        other.dispose()
        return
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    url = (
        make_url(engine.url)
        .update_query_dict({"options": f"-csearch_path={SCHEMA}"})
        .render_as_string(hide_password=False)
    )
    other = make_engine(url)
    try:
        yield url, other
    finally:
        other.dispose()
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))


def _rows(conn, table, columns: list[str]) -> list[tuple]:
    query = select(*(table.c[c] for c in columns)).order_by(*table.primary_key.columns)
    return [tuple(r) for r in conn.execute(query)]


def _digest(rows: list[tuple]) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_a_database_populated_at_the_first_revision_upgrades_to_head_intact(engine, old_database):
    url, old = old_database
    demo.generate(engine, scale=0.05, reset=True)

    _alembic(old, url, FIRST)
    at_first = MetaData()
    at_first.reflect(bind=old)
    assert "people" in at_first.tables and "alembic_version" in at_first.tables

    expected: dict[str, list[tuple]] = {}
    columns: dict[str, list[str]] = {}
    with engine.connect() as source, old.begin() as target:
        for table in Base.metadata.sorted_tables:
            old_table = at_first.tables.get(table.name)
            if old_table is None:
                continue  # a table born after 0001 has no data to carry over
            columns[table.name] = [c.name for c in table.columns if c.name in old_table.c]
            rows = _rows(source, table, columns[table.name])
            if rows:
                target.execute(
                    insert(old_table),
                    [dict(zip(columns[table.name], r, strict=True)) for r in rows],
                )
            expected[table.name] = rows
    assert len(expected["people"]) > 50 and len(expected["audit_log"]) > 50

    _alembic(old, url, "head")

    with old.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == _head(url)
        for name, rows in expected.items():
            table = Base.metadata.tables[name]
            after = _rows(conn, table, columns[name])
            assert len(after) == len(rows), f"{name}: row count changed"
            assert after[:3] == rows[:3], f"{name}: first rows differ"
            assert _digest(after) == _digest(rows), f"{name}: rows differ"
    found = {name: v for name, v in validate_all(old).items() if v}
    assert found == {}
