"""Real-browser fixtures: one Streamlit server for the whole e2e session, on a free port of
127.0.0.1 with a fresh demo database, driven by Debian's Chromium through Playwright. Skipped, with
the reason, when Chromium is absent.

Robustness on a loaded machine: every expect and every action waits up to ``TIMEOUT_MS`` (set once
here), and tests wait on the app's real state — Streamlit's script-run state, headings, texts,
painted charts — never on fixed sleeps.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 90_000  # generous: a rerun can take seconds on a shared 2-core CI machine
RUN_START_MS = 4_000  # how long an action may take to start a script run, if it starts one
QUIET_MS = 600  # after a page load or a login: no more cookie values or runs for this long
expect.set_options(timeout=TIMEOUT_MS)

# Lock-test account: the login journey locks it, so no other test depends on it.
LOCK_USER, LOCK_PASSWORD = "e2e.blocco", "password-e2e-blocco"

# Follows Streamlit's script runs from the messages the server sends the page (protobuf
# ForwardMsg over the websocket): ``new_session`` (field 4) opens a run, ``script_finished``
# (field 6) ends it, unless its status is FINISHED_EARLY_FOR_RERUN (2) and another run follows.
# The DOM's ``data-test-script-state`` is not enough: React can render a short run's start and end
# in one frame, so no change shows. It also counts the values the login's cookie component (an
# iframe) reports: each makes the server start one more run a moment later (see ``settle``).
_RUN_TRACKER = """
(() => {
  const s = window.__fleming = {
    busy: false, done: 0, seen: 0, values: 0, valuePending: false, last: performance.now(),
  };
  const varint = (b, i) => {
    let v = 0, k = 0, x;
    do { x = b[i++]; v += (x & 0x7f) * 2 ** k; k += 7; } while (x & 0x80);
    return [v, i];
  };
  const inspect = (data) => {
    s.last = performance.now();
    if (!(data instanceof ArrayBuffer)) return;
    const b = new Uint8Array(data);
    let i = 0;
    while (i < b.length) {
      let key, v;
      [key, i] = varint(b, i);
      const field = Math.floor(key / 8), wire = key % 8;
      if (wire === 0) {
        [v, i] = varint(b, i);
        if (field === 6 && v !== 2) { s.busy = false; s.done++; }
      } else if (wire === 2) {
        [v, i] = varint(b, i);
        i += v;
        if (field === 4) { s.busy = true; s.valuePending = false; }
      } else if (wire === 1) { i += 8; } else if (wire === 5) { i += 4; } else { return; }
    }
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => inspect(event.data));
    }
  };
  window.addEventListener('message', (event) => {
    if (event.data && event.data.type === 'streamlit:setComponentValue') {
      s.values++;
      s.valuePending = true;
      s.last = performance.now();
    }
  });
})();
"""

_shots_dir: Path | None = None


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    skip = pytest.mark.skip(reason="no Chromium found (apt-get install chromium): e2e skipped")
    for item in items:
        if "e2e" in item.keywords or "/e2e/" in str(item.path):
            item.add_marker(skip)


_reports: list[str] = []
REPORT = "e2e_report"


def report(line: str) -> None:
    """A measured figure to print at the end of the run, whatever the verbosity."""
    _reports.append(line)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """The figures travel with the test's report (under pytest-xdist they are measured in a
    worker and printed by the controller)."""
    rep = yield
    while _reports:
        rep.user_properties.append((REPORT, _reports.pop(0)))
    return rep


def pytest_terminal_summary(terminalreporter):
    for reports in terminalreporter.stats.values():
        for rep in reports:
            for name, line in getattr(rep, "user_properties", ()):
                if name == REPORT:
                    terminalreporter.write_line(line)
    if _shots_dir is not None and any(_shots_dir.glob("*.png")):
        terminalreporter.write_line(f"e2e screenshots: {_shots_dir}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session", autouse=True)
def screenshots_dir(tmp_path_factory) -> Path:
    """Where ``shot`` saves: ``FLEMING_E2E_SCREENSHOTS`` if set, else the session's tmp dir."""
    global _shots_dir
    wanted = os.environ.get("FLEMING_E2E_SCREENSHOTS")
    _shots_dir = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    _shots_dir.mkdir(parents=True, exist_ok=True)
    return _shots_dir


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """``streamlit run app.py`` on a fresh temporary database with demo data; yields its URL."""
    if not CHROMIUM:
        pytest.skip("no Chromium found")
    from fleming import auth
    from fleming.db import get_engine, migrate, unit_of_work
    from fleming.devtools import demo
    from fleming.models import Role

    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.sqlite'}"
    migrate(url)
    demo.generate(get_engine(url), scale=0.3)
    with unit_of_work(get_engine(url)) as session:
        auth.insert_user(
            session=session,
            username=LOCK_USER,
            full_name="Tutor di prova del blocco",
            password_hash=auth.hash_password(LOCK_PASSWORD),
            role=Role.TUTOR,
        )
    port = _free_port()
    env = dict(os.environ, FLEMING_DATABASE_URL=url, FLEMING_COOKIE_KEY="e2e-" + "k" * 40)
    log_path = tmp_path_factory.mktemp("e2e-log") / "server.log"
    log = open(log_path, "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
            "--server.port", str(port), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            # no "File change / Rerun" banner when a file changes during the run
            "--server.fileWatcherType", "none",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.terminate()
        pytest.fail(f"the Streamlit server did not start; see {log_path}")
    yield {"base": base, "db": url, "log": log_path}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser, server):
    """Factory of pages, each in a fresh browser context (no cookies: a new browser)."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1400, "height": 950}, locale="it-IT")
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.add_init_script(_RUN_TRACKER)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh browser context (no cookies)."""
    return new_page()


def shot(page, name: str) -> Path:
    """Save a full-page screenshot of the current screen (see ``screenshots_dir``)."""
    assert _shots_dir is not None
    path = _shots_dir / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _idle(page) -> None:
    """No run under way, and the page shows it (the last messages rendered)."""
    page.wait_for_function("() => !window.__fleming.busy")
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.evaluate("() => { window.__fleming.seen = window.__fleming.done; }")


def wait_idle(page) -> None:
    """Wait until the script run started by the last action (if it started one) has finished."""
    with contextlib.suppress(PlaywrightTimeout):  # the action started no run: nothing to wait
        page.wait_for_function(
            "() => window.__fleming.done > window.__fleming.seen || window.__fleming.busy",
            timeout=RUN_START_MS,
        )
    _idle(page)


def settle(page, values_before: int) -> None:
    """Wait until the cookie component has reported and the runs that starts are over.

    A page load (the component reads the cookie) and a successful login (it writes the cookie)
    end with one or two such values, each starting one more run; a click made before that run
    would be lost in it. So: wait for a new value and its run, then for the page to be quiet: no
    run under way, no value waiting for its run, and no message from the server or the component
    for ``QUIET_MS`` (a condition on the page's own state, checked in the page; not a sleep).
    """
    page.wait_for_function(
        "(n) => window.__fleming.values > n && !window.__fleming.valuePending", arg=values_before
    )
    page.wait_for_function(
        """(quiet) => { const s = window.__fleming;
             return !s.busy && !s.valuePending && performance.now() - s.last > quiet; }""",
        arg=QUIET_MS,
    )
    _idle(page)


def goto(page, url: str) -> None:
    """Open ``url`` as a typed address: a new page load (a new Streamlit session)."""
    page.goto(url)
    settle(page, 0)


def visit(page, url: str) -> None:
    """Open ``url`` as a typed address, to look only: no wait for the cookie component to settle
    (callers wait for what they expect to see), so many addresses are checked quickly."""
    page.goto(url)


def login(page, base: str, username: str, password: str = "demo") -> None:
    """Sign in through the login form of a fresh page load."""
    goto(page, base)
    page.get_by_label("Nome utente").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    values = page.evaluate("() => window.__fleming.values")
    page.get_by_role("button", name="Accedi").click()
    settle(page, values)
    expect(page.get_by_role("button", name="Esci")).to_be_visible()


def logout(page) -> None:
    page.get_by_role("button", name="Esci").click()
    wait_idle(page)
    expect(page.get_by_label("Nome utente")).to_be_visible()


def go(page, title: str) -> None:
    """Open a page from the sidebar navigation, by its title as the user reads it."""
    nav = page.locator('[data-testid="stSidebarNav"]')
    link = nav.get_by_role("link", name=title, exact=True)
    if not link.count():
        nav.get_by_role("button", name=re.compile(r"View \d+ more")).click()
    link.click()
    wait_idle(page)


def pick(
    page, label: str, option: str | re.Pattern, *, search: str | None = None, within=None
) -> None:
    """Choose ``option`` in the select box labelled ``label``, as a user does: open the list
    (typing ``search`` to filter it), click the option, see it shown in the box."""
    box = (within or page).get_by_role("combobox", name=label, exact=True)
    listbox = page.get_by_role("listbox")
    expect(listbox).to_have_count(0)  # the previous list has closed
    box.click()
    # While the list is open the rest of the page is hidden from the accessibility tree, so
    # ``box`` (found by role) cannot be found again until it closes: type into the focused input.
    if search:
        page.keyboard.type(search)
    if not listbox.count():
        page.keyboard.press("ArrowDown")  # a click does not always open a box scrolled into view
    expect(listbox).to_be_visible()
    exact = None if isinstance(option, re.Pattern) else True
    listbox.get_by_role("option", name=option, exact=exact).first.click()
    expect(listbox).to_have_count(0)
    expect(box).to_have_value(option)


def pick_many(page, label: str, options: list[str]) -> None:
    """Choose ``options`` in the multi-select labelled ``label``."""
    box = page.get_by_role("combobox", name=label, exact=True)
    for option in options:
        box.click()
        page.get_by_role("listbox").get_by_role("option", name=option, exact=True).click()
        page.keyboard.press("Escape")
        expect(page.get_by_role("listbox")).to_have_count(0)


def set_date(page, label: str, day: date) -> None:
    """Type a date into the date field labelled ``label`` (day, month, year segments)."""
    page.get_by_role("spinbutton", name=f"day, {label}", exact=True).click()
    page.keyboard.type(day.strftime("%d%m%Y"))
    calendar = page.get_by_test_id("stDateInputCalendar")
    if calendar.count():
        page.keyboard.press("Escape")
    expect(calendar).to_have_count(0)
    expect(page.get_by_role("spinbutton", name=f"year, {label}", exact=True)).to_have_text(
        str(day.year)
    )


def tick(page, label: str | re.Pattern) -> None:
    """Tick the checkbox whose label reads ``label``, by clicking its label as a user does."""
    box = page.get_by_role("checkbox", name=label)
    page.get_by_test_id("stCheckbox").filter(has=box).locator("label").first.click()
    expect(box).to_be_checked()


def open_cell(page, grid, row: int, column: int):
    """Open the editor of one cell of an editable table (``st.data_editor``) with the keyboard:
    click the grid's first cell (the only pointer step: the grid is one canvas, and the cells of
    its accessible table do not take the selection when focused or clicked), move with the arrow
    keys, press Enter. Returns the editor overlay."""
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    header = 35  # px: Streamlit's header row
    page.mouse.click(box["x"] + 12, box["y"] + header + 17)
    first = grid.get_by_test_id("glide-cell-0-0")
    expect(first).to_have_attribute("aria-selected", "true")  # the selection starts there
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    for _ in range(row):
        page.keyboard.press("ArrowDown")
    expect(grid.get_by_test_id(f"glide-cell-{column}-{row}")).to_have_attribute(
        "aria-selected", "true"
    )
    page.keyboard.press("Enter")
    overlay = page.locator('[id^="gdg-overlay-"]')
    expect(overlay).to_be_visible()
    return overlay


def edit_grid(page, grid, row: int, column: int, value: str, *, choose: bool = False) -> None:
    """Edit one cell (see ``open_cell``): choose ``value`` in the cell's list (``choose``) or type
    it."""
    overlay = open_cell(page, grid, row, column)
    if choose:
        page.get_by_role("option", name=value, exact=True).click()
    else:
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    expect(overlay).to_have_count(0)
    wait_idle(page)  # an edit reruns the script: the next edit waits for the grid it redraws


def wait_rendered(page) -> None:
    """Wait until the run is over and the screen is painted: no loading skeleton left and every
    chart drawn (a Vega chart has its canvas or SVG)."""
    _idle(page)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stSkeleton"]')
              && [...document.querySelectorAll('.vega-embed')]
                   .every((e) => e.querySelector('canvas, svg'))"""
    )
