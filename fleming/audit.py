"""The append-only audit log: services record who did what to which record, and when."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert, inspect
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
