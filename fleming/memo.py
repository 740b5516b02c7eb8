"""Derived answers a service keeps in memory until the next write (no Streamlit here).

``fleming.ui.cache`` keeps a page's whole read; an audited read (a partner shown people) cannot
be kept whole, because the service must check the permission, find who may be seen now and
write the audit rows on every call. What such a service may keep is a costly part that shows
nobody by itself and depends only on its key: ``remember(session, key, compute)`` runs
``compute()`` once and answers the same ``key`` from memory while no write was committed in this
process (``fleming.db.write_generation``) and for at most ``TTL`` seconds (writes by another
process). The database the session is bound to is part of the key. A session with writes of its
own not yet committed computes afresh and keeps nothing (it could see data nobody else sees).

Values must be immutable (frozen dataclasses, tuples): every caller gets the same object.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from fleming import db

T = TypeVar("T")
TTL = 60.0  # seconds: as fleming.ui.cache
ENTRIES = 256

_entries: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
_lock = threading.Lock()


def remember(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its answer for the same ``key`` on the same database since the last
    write (see the module's docstring)."""
    if db.uncommitted_writes(session):
        return compute()
    full = (session.get_bind().engine.url.render_as_string(), db.write_generation(), key)
    now = time.monotonic()
    with _lock:
        hit = _entries.get(full)
        if hit is not None and now - hit[0] < TTL:
            _entries.move_to_end(full)
            return hit[1]
    value = compute()
    with _lock:
        _entries[full] = (now, value)
        _entries.move_to_end(full)
        while len(_entries) > ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
