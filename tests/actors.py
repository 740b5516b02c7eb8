"""The one way tests get an ``Actor``: a new staff account made for the test, or an existing
account (the demo's ``tutor``, ``coordinatore``...) read by username."""

from __future__ import annotations

import itertools

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from fleming import auth
from fleming.actor import Actor
from fleming.db import get_engine, unit_of_work
from fleming.models import Role, User

_seq = itertools.count(1)


def new_actor(session: Session, role: Role, name: str, org: int | None = None) -> Actor:
    """A new active account with this role (and partner organisation), flushed."""
    user = User(
        username=f"{role.value}{next(_seq)}",
        full_name=name,
        password_hash="$2b$12$" + "x" * 53,
        role=role,
        partner_org_id=org,
    )
    session.add(user)
    session.flush()
    return Actor(id=user.id, username=user.username, full_name=name, role=role, partner_org_id=org)


def actor_of(db: str | Engine, username: str) -> Actor:
    """The existing account ``username`` of the database at ``db`` (a URL or an engine)."""
    engine = get_engine(db) if isinstance(db, str) else db
    with unit_of_work(engine) as session:
        return auth.get_actor(session=session, username=username)
