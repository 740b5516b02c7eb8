"""``fleming.db.write_generation``: what the pages' cached reads are keyed by (fleming.ui.cache).

It must grow with every committed change, so a cached read never outlives a write, and must not
grow for reads, rolled-back changes or audit rows (audited reads write those on every view).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from fleming import audit, people
from fleming.db import unit_of_work, write_generation
from fleming.models import Person, Setting
from tests.integration.people_helpers import take_in, world


@pytest.fixture
def actors(engine):
    with unit_of_work(engine) as session:
        return world(session)


def test_a_committed_change_raises_the_generation(engine, actors):
    before = write_generation()
    with unit_of_work(engine) as session:
        take_in(session, actors.tutor)
    assert write_generation() > before


def test_reading_does_not_change_it(engine, actors):
    with unit_of_work(engine) as session:
        take_in(session, actors.tutor)
    before = write_generation()
    with unit_of_work(engine) as session:
        session.scalar(select(func.count()).select_from(Person))
        people.list_(session=session, actor=actors.coordinator)
    assert write_generation() == before


def test_a_rolled_back_change_does_not_change_it(engine):
    before = write_generation()
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        session.add(Setting(key="test.rolled_back", value=1))
        session.flush()  # the INSERT reaches the database, then the transaction is undone
        raise RuntimeError
    assert write_generation() == before


def test_a_core_statement_counts_too(engine):
    with unit_of_work(engine) as session:
        session.add(Setting(key="test.core", value=1))
    before = write_generation()
    with engine.begin() as conn:
        conn.execute(text("UPDATE settings SET value = '2' WHERE key = 'test.core'"))
    assert write_generation() > before


def test_audit_rows_alone_do_not_count(engine, actors):
    before = write_generation()
    with unit_of_work(engine) as session:
        audit.record(
            session=session, actor=actors.partner, action="view", entity="shortlist", entity_id=1
        )
    assert write_generation() == before
    with unit_of_work(engine) as session:
        take_in(session, actors.tutor)  # a change and its audit row: counts
    assert write_generation() > before
