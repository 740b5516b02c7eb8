"""The centre's settings (table ``settings``: targets, thresholds, rule figures as JSON), read
one way. Each reader names its default: a setting never stored, or stored with a value of the
wrong type or out of range, gives the default, so a bad row never stops a page. Reading needs no
permission (no personal data); the services that change a setting authorize and audit it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleming.models import Setting


def row(session: Session, key: str) -> Setting | None:
    """The stored row (for a change, which needs its version), or None."""
    return session.get(Setting, key)


def value(session: Session, key: str, default: Any = None) -> Any:
    """The stored value as it is, or ``default``."""
    stored = session.scalar(select(Setting.value).where(Setting.key == key))
    return default if stored is None else stored


def with_prefix(session: Session, prefix: str) -> dict[str, Any]:
    """Every stored setting whose key starts with ``prefix``, by key."""
    rows = session.execute(
        select(Setting.key, Setting.value).where(Setting.key.startswith(prefix, autoescape=True))
    ).all()
    return {key: stored for key, stored in rows}


def integer(
    session: Session, key: str, default: int, *, lo: int | None = None, hi: int | None = None
) -> int:
    """A whole number within ``lo``..``hi`` (inclusive), else ``default``."""
    stored = value(session, key)
    if isinstance(stored, bool):
        return default
    try:
        number = int(stored)
    except (TypeError, ValueError):
        return default
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        return default
    return number


def iso_date(session: Session, key: str, default: date) -> date:
    """A date stored as ``YYYY-MM-DD``, else ``default``."""
    stored = value(session, key)
    try:
        return date.fromisoformat(str(stored)) if stored else default
    except ValueError:
        return default
