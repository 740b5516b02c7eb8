"""Time every page of the app, per role, with ``streamlit.testing.v1.AppTest``.

Used by ``python -m fleming bench`` (``fleming.devtools.bench``). It is tooling, not the app: it
drives the pages through ``streamlit.testing`` as the tests do, so it may import Streamlit and
``fleming.ui`` (the page registry); nothing in the app imports it. Each page is opened as a
logged-in user would open it from the navigation (``app.py`` runs first: login, navigation, then
the page), once to warm up, then re-run ``repeat`` times on the same session; a run's time is
the whole script run as AppTest reports it (``app.py`` and the page, with the element tree it
sends). The warm-up run's time is kept too
(``first_ms``: the page opened from another one, as a user first waits for it; ``st.cache_data``
is emptied before each page on each database, so it is the page's cold run). Each page is timed
on the empty database and then on the data, back to back (``time_page_pairs``).
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fleming.models import Role
from fleming.ui.nav import PAGES, PAGES_DIR, PageSpec

APP = str(PAGES_DIR.parent / "app.py")
TIMEOUT = 120


@dataclass(frozen=True)
class PageTiming:
    script: str
    role: str
    median_ms: float  # the re-runs after the first
    runs: int
    first_ms: float  # the first run of the page in the session (the warm-up)
    error: str | None = None  # an exception or st.error shown by the page


@contextmanager
def _app_environment(url: str) -> Iterator[None]:
    """The app pointed at ``url``, without a browser (no cookie to read), caches empty."""
    import streamlit as st
    from streamlit_authenticator.models.cookie_model import CookieModel

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):  # bare-mode warnings, one per cached call
            logging.getLogger(name).setLevel(logging.ERROR)
    previous = os.environ.get("FLEMING_DATABASE_URL")
    get_cookie = CookieModel.get_cookie
    os.environ["FLEMING_DATABASE_URL"] = url
    CookieModel.get_cookie = lambda self: None  # AppTest has no browser: no re-login cookie
    st.cache_data.clear()
    try:
        yield
    finally:
        CookieModel.get_cookie = get_cookie
        if previous is None:
            os.environ.pop("FLEMING_DATABASE_URL", None)
        else:
            os.environ["FLEMING_DATABASE_URL"] = previous
        st.cache_data.clear()


def _logged_in(username: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.session_state["logout"] = False
    return at


def _problem(at) -> str | None:
    if at.exception:
        return str(at.exception[0].message)[:200]
    errors = [e.value for e in at.error]
    return str(errors[0])[:200] if errors else None


def time_page(page: PageSpec, username: str, role: Role, repeat: int) -> PageTiming:
    """Open ``page`` as ``username`` (the first run, timed) and time ``repeat`` further script
    runs (median)."""
    at = _logged_in(username).run()
    at.switch_page(f"app_pages/{page.script}")
    start = time.perf_counter()
    at.run()  # warm-up: first run of the page
    first_ms = (time.perf_counter() - start) * 1000
    problem = _problem(at)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1000)
        problem = problem or _problem(at)
    return PageTiming(
        script=page.script,
        role=role.value,
        median_ms=statistics.median(times),
        runs=repeat,
        first_ms=first_ms,
        error=problem,
    )


def time_page_pairs(
    url: str,
    empty_url: str,
    users: dict[Role, str],
    *,
    repeat: int,
    progress: Callable[[str], None] | None = None,
    scripts: tuple[str, ...] | None = None,
) -> list[tuple[PageTiming, PageTiming]]:
    """Each page of each role timed on ``empty_url`` and then on ``url``, back to back: both
    figures of a page's ratio come from the same minute, so a burst of load on a shared machine
    moves both instead of one (timing every page on one database, then every page on the other,
    put the two halves of a ratio minutes apart)."""
    out = []
    for role, username in users.items():
        for page in PAGES:
            if role not in page.roles or (scripts and page.script not in scripts):
                continue
            if progress is not None:
                progress(f"{page.url_path} ({role.value})")
            with _app_environment(empty_url):
                floor = time_page(page, username, role, repeat)
            with _app_environment(url):
                full = time_page(page, username, role, repeat)
            out.append((floor, full))
    return out
