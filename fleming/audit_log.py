"""The audit log viewer: filter, page and export the log (the writer is ``fleming.audit``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleming.actor import Actor
from fleming.audit import record
from fleming.models import AuditEntry
from fleming.permissions import authorize


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
    authorize(session=session, actor=actor, operation="audit.list")
    users = [
        u
        for u in session.scalars(select(AuditEntry.actor_username).distinct()).all()
        if u is not None
    ]
    entities = session.scalars(select(AuditEntry.entity).distinct()).all()
    actions = session.scalars(select(AuditEntry.action).distinct()).all()
    return sorted(users), sorted(entities), sorted(actions)
