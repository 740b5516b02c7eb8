"""The append-only audit log: services record who did what to which record, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

import pandas as pd
from sqlalchemy import func, insert, inspect, select
from sqlalchemy.orm import Session

from fleming.actor import Actor
from fleming.models import AuditEntry, Base, utcnow
from fleming.personal_data import REDACTED, personal_columns


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _actor_id(actor: Actor | None) -> int | None:
    return actor.id if actor is not None and actor.id else None


def record(
    *,
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: object = None,
    person_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    """Add one audit row to the current transaction."""
    session.add(
        AuditEntry(
            actor_id=_actor_id(actor),
            actor_username=actor.username if actor else None,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            person_id=person_id,
            changes={k: _jsonable(v) for k, v in (changes or {}).items()} or None,
        )
    )


def record_many(
    *,
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    rows: list[tuple[object, int | None, dict[str, Any] | None]],
) -> None:
    """Add one audit row per ``(entity_id, person_id, changes)`` to the current transaction.

    The same rows as ``record`` called once for each, sent as one INSERT statement with a
    parameter set per row (the driver's executemany) instead of one ORM object and one flush
    each: for the audited views that show many people at once (a partner's list of the people
    it referred). The statement is compiled once and cached, where a literal multi-row
    ``values()`` would be compiled again on every call (slower than the rows it saves).
    """
    if not rows:
        return
    at = utcnow()
    values = [
        {
            "at": at,
            "actor_id": _actor_id(actor),
            "actor_username": actor.username if actor else None,
            "action": action,
            "entity": entity,
            "entity_id": None if entity_id is None else str(entity_id),
            "person_id": person_id,
            "changes": {k: _jsonable(v) for k, v in (changes or {}).items()} or None,
        }
        for entity_id, person_id, changes in rows
    ]
    session.connection().execute(insert(AuditEntry.__table__), values)


def changed_fields(obj: Base) -> dict[str, Any]:
    """``{field: {"from": old, "to": new}}`` for the pending changes of a loaded ORM object.

    A person's personal data (``fleming.personal_data``) are recorded as ``"changed"``, never
    by value: the log is append-only, and what it holds could not be erased later.
    """
    state = inspect(obj)
    personal = personal_columns(state.mapper.local_table.name)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if hist.has_changes() and attr.key in personal:
            out[attr.key] = REDACTED
        elif hist.has_changes() and attr.key != "version":
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            out[attr.key] = {"from": _jsonable(old), "to": _jsonable(new)}
    return out


def snapshot(obj: Base, *, exclude: frozenset[str] = frozenset({"password_hash"})) -> dict:
    """The column values of a new record, for a ``create`` audit row (without the person's
    personal data, see ``changed_fields``)."""
    state = inspect(obj)
    left_out = exclude | personal_columns(state.mapper.local_table.name)
    return {
        a.key: _jsonable(getattr(obj, a.key))
        for a in state.mapper.column_attrs
        if a.key not in left_out and a.key != "version"
    }


def record_out_of_band(*, session: Session, **kwargs: Any) -> None:
    """Record in a transaction of its own, so the row survives the caller's rollback.

    Used for refused attempts (``PermissionDenied``) and failed logins: the action fails, the
    trace of the attempt must stay.
    """
    from fleming.db import unit_of_work

    with unit_of_work(session.get_bind()) as own:
        record(session=own, **kwargs)


# --------------------------------------------------------------------------- the viewer
@dataclass(frozen=True)
class AuditFilters:
    username: str | None = None
    person_id: int | None = None
    entity: str | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None  # inclusive


AUDIT_COLUMNS = [
    "id",
    "at",
    "actor_username",
    "action",
    "entity",
    "entity_id",
    "person_id",
    "changes",
]


def _where(filters: AuditFilters) -> list:
    conds = []
    if filters.username:
        conds.append(AuditEntry.actor_username == filters.username.strip().lower())
    if filters.person_id is not None:
        conds.append(AuditEntry.person_id == filters.person_id)
    if filters.entity:
        conds.append(AuditEntry.entity == filters.entity)
    if filters.action:
        conds.append(AuditEntry.action == filters.action)
    if filters.since:
        conds.append(AuditEntry.at >= datetime.combine(filters.since, datetime.min.time()))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), datetime.min.time())
        conds.append(AuditEntry.at < end)
    return conds


def list_entries(
    *,
    session: Session,
    actor: Actor,
    filters: AuditFilters,
    limit: int = 50,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One page of the audit log (newest first) and the total matching, filtered in SQL."""
    from fleming.permissions import authorize

    authorize(session=session, actor=actor, operation="audit.list")
    conds = _where(filters)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conds)) or 0
    rows = session.execute(
        select(*(getattr(AuditEntry, c) for c in AUDIT_COLUMNS))
        .where(*conds)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS), total


def export_entries(
    *, session: Session, actor: Actor, filters: AuditFilters, max_rows: int = 100_000
) -> pd.DataFrame:
    """All matching rows (up to ``max_rows``) for a CSV export; the export itself is audited."""
    from fleming.permissions import authorize

    authorize(session=session, actor=actor, operation="audit.export")
    rows = session.execute(
        select(*(getattr(AuditEntry, c) for c in AUDIT_COLUMNS))
        .where(*_where(filters))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(max_rows)
    ).all()
    record(
        session=session,
        actor=actor,
        action="export",
        entity="audit_log",
        changes={"rows": len(rows), **{k: v for k, v in vars(filters).items() if v is not None}},
    )
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def filter_choices(*, session: Session, actor: Actor) -> tuple[list[str], list[str], list[str]]:
    """The usernames, entities and actions present in the log, for the viewer's selectors."""
    from fleming.permissions import authorize

    authorize(session=session, actor=actor, operation="audit.list")
    users = session.scalars(
        select(AuditEntry.actor_username).where(AuditEntry.actor_username.is_not(None)).distinct()
    ).all()
    entities = session.scalars(select(AuditEntry.entity).distinct()).all()
    actions = session.scalars(select(AuditEntry.action).distinct()).all()
    return sorted(users), sorted(entities), sorted(actions)
