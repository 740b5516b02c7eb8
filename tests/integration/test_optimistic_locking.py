"""Optimistic locking, on SQLite and PostgreSQL: two people edit the same person, company or
internship through the services' own ``update``; the second save gets ``Conflict`` and the first
one's values stay — nothing is overwritten, and the refused save leaves no audit row behind.

Two ways the second save can be late:

* *stale page*: both loaded version v, the first saved; the second sends v back;
* *interleaved transactions*: the second transaction had already read the row when the first
  one committed, so the service's own version comparison passes; the ``UPDATE ... WHERE
  version = v`` then matches nothing and the unit of work turns that into ``Conflict``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest
from sqlalchemy import select

from fleming import companies, people
from fleming import internships as internships_svc
from fleming.actor import Actor
from fleming.db import unit_of_work
from fleming.errors import Conflict
from fleming.internships import UpdateInput
from fleming.models import AuditEntry, Company, Internship, Person, Role, User
from tests.integration.company_helpers import company_input
from tests.integration.internship_data import TODAY, add_person, make_world, terms
from tests.integration.people_helpers import take_in


@dataclass(frozen=True)
class Editable:
    """How to load, edit and read back one kind of record through its service."""

    entity: str  # the audit entity name
    model: type
    id: int
    load: Callable  # (session, actor) -> loaded view with .version
    save: Callable  # (session, actor, view, value) -> None: the edit, sent with view's version
    read: Callable  # (session) -> the edited value as stored


def _second_user(engine) -> Actor:
    with unit_of_work(engine) as s:
        user = User(
            username="coord.due", full_name="Coord Due", password_hash="x", role=Role.COORDINATOR
        )
        s.add(user)
        s.flush()
        return Actor(id=user.id, username=user.username, full_name=user.full_name, role=user.role)


def _person(engine, actor: Actor) -> Editable:
    with unit_of_work(engine) as s:
        pid = take_in(s, actor)
    return Editable(
        entity="person",
        model=Person,
        id=pid,
        load=lambda s, a: people.get(session=s, actor=a, person_id=pid),
        save=lambda s, a, view, value: people.update(
            session=s,
            actor=a,
            person_id=pid,
            version=view.version,
            data=replace(view.to_input(), address=value),
        ),
        read=lambda s: s.get(Person, pid).address,
    )


def _company(engine, actor: Actor) -> Editable:
    with unit_of_work(engine) as s:
        cid = companies.create(session=s, actor=actor, data=company_input())
    return Editable(
        entity="company",
        model=Company,
        id=cid,
        load=lambda s, a: companies.get(session=s, actor=a, id=cid),
        save=lambda s, a, view, value: companies.update(
            session=s, actor=a, id=cid, data=replace(view.as_input(), address=value)
        ),
        read=lambda s: s.get(Company, cid).address,
    )


def _internship(engine, world) -> Editable:
    with unit_of_work(engine) as s:
        pid = add_person(s, world, "ines")
        iid = internships_svc.start(
            session=s, actor=world.coordinator, data=terms(world, person_id=pid), today=TODAY
        )

    def save(s, a, view, value):
        internships_svc.update(
            session=s,
            actor=a,
            id=iid,
            data=UpdateInput(
                version=view.version,
                start_date=view.start_date,
                planned_end_date=view.planned_end_date,
                weekly_hours=view.weekly_hours,
                monthly_allowance=Decimal(view.monthly_allowance),
                meal_vouchers=view.meal_vouchers,
                company_tutor_name=value,
                centre_tutor_id=view.centre_tutor_id,
                funding_stream=view.funding_stream,
            ),
            today=TODAY,
        )

    return Editable(
        entity="internship",
        model=Internship,
        id=iid,
        load=lambda s, a: internships_svc.get(session=s, actor=a, id=iid, today=TODAY),
        save=save,
        read=lambda s: s.get(Internship, iid).company_tutor_name,
    )


@pytest.fixture(params=["person", "company", "internship"])
def case(request, engine):
    with unit_of_work(engine) as s:
        world = make_world(s)
    first = world.coordinator
    second = _second_user(engine)
    build = {
        "person": lambda: _person(engine, first),
        "company": lambda: _company(engine, first),
        "internship": lambda: _internship(engine, world),
    }[request.param]
    return engine, build(), first, second


def _updates(session, record: Editable) -> list[str]:
    """Who saved the record: the usernames of its ``update`` audit rows, oldest first."""
    return list(
        session.scalars(
            select(AuditEntry.actor_username)
            .where(
                AuditEntry.entity == record.entity,
                AuditEntry.entity_id == str(record.id),
                AuditEntry.action == "update",
            )
            .order_by(AuditEntry.id)
        )
    )


def _version(session, record: Editable) -> int:
    return session.scalar(select(record.model.version).where(record.model.id == record.id))


def test_a_save_from_a_stale_page_is_a_conflict_and_keeps_the_first_save(case):
    engine, record, first, second = case
    with unit_of_work(engine) as s:
        page_one = record.load(s, first)
    with unit_of_work(engine) as s:
        page_two = record.load(s, second)
    assert page_one.version == page_two.version

    with unit_of_work(engine) as s:
        record.save(s, first, page_one, "Via del Primo 1")
    with pytest.raises(Conflict), unit_of_work(engine) as s:
        record.save(s, second, page_two, "Via del Secondo 2")

    with unit_of_work(engine) as s:
        assert record.read(s) == "Via del Primo 1"
        assert _version(s, record) == page_one.version + 1
        assert _updates(s, record) == [first.username]

    # reloaded, the second user's edit goes through and bumps the version again
    with unit_of_work(engine) as s:
        fresh = record.load(s, second)
    with unit_of_work(engine) as s:
        record.save(s, second, fresh, "Via del Secondo 2")
    with unit_of_work(engine) as s:
        assert record.read(s) == "Via del Secondo 2"
        assert _updates(s, record) == [first.username, second.username]


def test_interleaved_transactions_cannot_both_save(case):
    engine, record, first, second = case
    with unit_of_work(engine) as s:
        view = record.load(s, second)
    with pytest.raises(Conflict), unit_of_work(engine) as late:
        loaded = late.get(record.model, record.id)  # the late transaction has read the row
        assert loaded.version == view.version
        with unit_of_work(engine) as early:  # meanwhile someone else saves and commits
            record.save(early, first, record.load(early, first), "Via del Primo 1")
        record.save(late, second, view, "Via del Secondo 2")  # its own check sees version v

    with unit_of_work(engine) as s:
        assert record.read(s) == "Via del Primo 1"
        assert _version(s, record) == view.version + 1
        assert _updates(s, record) == [first.username]
