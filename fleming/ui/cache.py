"""Cached reads for the pages: a service's answer kept until the next write.

Streamlit re-runs a page's whole script on every click, so a page reads the same lists again and
again while nothing changed. ``read(service, actor, **kwargs)`` runs
``service(session=..., actor=actor, **kwargs)`` in its own transaction and keeps the answer in
``st.cache_data``, keyed by the database, the user (id, role, organisation), the service, its
arguments and ``fleming.db.write_generation()``: any write committed in this process (a save on
any page, by any user) changes the generation, so the next read asks the database again. Writes
made by another process (the command line, a second server) are seen within ``TTL`` seconds.

The service still checks the permission on every miss, and a hit can only be served to the
same user with the same arguments as the call that filled it. Only plain reads go through here:
a read that writes (an audited view) must run every time, and is not cached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from fleming import config, db
from fleming.actor import Actor
from fleming.db import unit_of_work
from fleming.ui.context import engine, lang

T = TypeVar("T")
TTL = 60  # seconds: the longest a write by another process can go unseen
ENTRIES = 512  # answers kept per process (a page of the register is a few kB)
LARGE_ENTRIES = 24  # rankings: ~5 MB each at 20,000 people


def actor_key(actor: Actor) -> tuple:
    return (actor.id, actor.role.value, actor.partner_org_id)


def read(
    service: Callable[..., Any],
    actor: Actor,
    /,
    *,
    large: bool = False,
    shape: Callable[[Any, str], T] | None = None,
    **kwargs: Any,
) -> Any:
    """``service(session=..., actor=actor, **kwargs)``, answered from the cache when nothing
    was written since the same call (see the module's docstring). ``large``: an answer of
    megabytes (a whole ranking), kept in a smaller cache so memory stays bounded. ``shape``:
    ``shape(answer, language)`` is kept instead of the answer (a long table already formatted
    for the screen), keyed by the session's language too."""
    name = f"{service.__module__}.{service.__qualname__}"
    language = None
    if shape is not None:
        name += f" > {shape.__module__}.{shape.__qualname__}"
        language = lang()
    return (_read_large if large else _read)(
        config.database_url(),
        db.write_generation(),
        actor_key(actor),
        name,
        kwargs,
        language,
        _service=service,
        _actor=actor,
        _shape=shape,
    )


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def _read(
    url: str,
    generation: int,
    actor: tuple,
    name: str,
    kwargs: dict[str, Any],
    language: str | None,
    *,
    _service: Callable[..., Any],
    _actor: Actor,
    _shape: Callable[[Any, str], Any] | None,
) -> Any:
    return _call(_service, _actor, kwargs, _shape, language)


@st.cache_data(ttl=TTL, max_entries=LARGE_ENTRIES, show_spinner=False)
def _read_large(
    url: str,
    generation: int,
    actor: tuple,
    name: str,
    kwargs: dict[str, Any],
    language: str | None,
    *,
    _service: Callable[..., Any],
    _actor: Actor,
    _shape: Callable[[Any, str], Any] | None,
) -> Any:
    return _call(_service, _actor, kwargs, _shape, language)


def _call(service, actor: Actor, kwargs: dict[str, Any], shape, language: str | None) -> Any:
    with unit_of_work(engine()) as session:
        answer = service(session=session, actor=actor, **kwargs)
    return answer if shape is None else shape(answer, language)
