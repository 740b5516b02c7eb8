"""User text in Markdown widgets, rendered by a real Streamlit in Chromium: what the browser shows
is exactly what was typed — no bold, links, headings, lists, code, icons, colours, maths or HTML
elements come out of ``<script>``, ``**x**``, ``# x``, ``:red[x]``, ``$x$`` and their kind.

A tiny script renders ``fleming.ui.text.plain`` of each test string in ``st.markdown`` (and the
hand-written ones in a title, caption, alert, expander label and button label too); the test reads
the page back. The strings are a hand-written list of attacks plus 300 random mixes of Markdown
characters, letters and line breaks (a fixed seed: the same strings on every run).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
HANDWRITTEN = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "**grassetto** e _corsivo_ e ~~barrato~~",
    "[clicca](javascript:alert(1)) ![img](http://x/y.png)",
    "# Titolo\n## Sotto",
    "- uno\n+ due\n* tre\n1. quattro\n2) cinque",
    "> citazione\n---\n===",
    "Testo\n===",
    "```\ncodice\n```",
    "    rientrato di quattro spazi",
    "`codice` e \\`non codice\\`",
    ":red[rosso] :material/home: :material_home: :streamlit: :smile: $x^2$ $$y$$",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "&lt;b&gt; &amp; &#60;",
    "[^1] nota\n\n[^1]: testo",
    "Trattoria da Gino S.r.l.",
    "Anna-Maria O'Neill (Milano) #1 - 100% 3+4=7!",
    "Caffè «Bellavista» — 24/7",
    "riga uno\nriga due\n\nparagrafo",
    "\\ barra \\\\ doppia \\*",
]
ALPHABET = "abcdefgh ABC 0123 éàù \n\n  " + "\\`*_{}[]()#+-.!|<>~$:&=^\"'/%@"


def _random_strings(n: int) -> list[str]:
    rng = random.Random(20261128)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40))) for _ in range(n)]


CASES = HANDWRITTEN + _random_strings(300)

SCRIPT = """
import json, os
import streamlit as st
from fleming.ui.text import plain

cases = json.loads(open(os.environ["FLEMING_TEXT_CASES"], encoding="utf-8").read())
handwritten = int(os.environ["FLEMING_TEXT_HANDWRITTEN"])
for i, text in enumerate(cases):
    with st.container(key=f"md_{i}"):
        st.markdown(plain(text))
for i, text in enumerate(cases[:handwritten]):
    with st.container(key=f"widgets_{i}"):
        st.subheader(plain(text))
        st.caption(plain(text))
        st.success(plain(text))
        with st.expander(plain(text)):
            st.write("")
        st.button(plain(text), key=f"button_{i}")
with st.container(key="done"):
    st.text("done")
"""

# Elements Markdown would have produced from user text; none may appear.
FORMATTING = (
    "strong, em, del, s, code, pre, h1, h2, h3, h4, h5, h6, ul, ol, li, blockquote, hr, img, "
    "table, script, iframe, input, sup, .katex, [data-testid='stIconMaterial'], "
    "span[style*='color']"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _visible(text: str) -> str:
    """The text as a reader sees it: runs of white space are one space, and the invisible word
    joiner ``plain`` puts into ``:material/…:`` is nothing."""
    return " ".join(text.replace("\u2060", "").split())


@pytest.fixture(scope="module")
def text_page(browser, tmp_path_factory):
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("no Chromium found")
    folder = tmp_path_factory.mktemp("user_text")
    (folder / "cases.json").write_text(json.dumps(CASES), encoding="utf-8")
    (folder / "show.py").write_text(SCRIPT, encoding="utf-8")
    port = _free_port()
    env = dict(
        os.environ,
        FLEMING_TEXT_CASES=str(folder / "cases.json"),
        FLEMING_TEXT_HANDWRITTEN=str(len(HANDWRITTEN)),
        PYTHONPATH=str(ROOT),
    )
    log = open(folder / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(folder / "show.py"),
            "--server.port", str(port), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the Streamlit server did not start")
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.goto(base)
        page.locator(".st-key-done").wait_for(timeout=120_000)
        yield page
        context.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _read(page, selector: str, formatting: str = FORMATTING) -> list[dict]:
    return page.evaluate(
        """([selector, formatting]) => Array.from(document.querySelectorAll(selector)).map(el => ({
            key: Array.from(el.classList).find(c => c.startsWith('st-key-')),
            text: el.innerText,
            formatted: Array.from(el.querySelectorAll('[data-testid="stMarkdownContainer"]'))
                .flatMap(md => Array.from(md.querySelectorAll(formatting)))
                .map(x => x.outerHTML.slice(0, 80)),
        }))""",
        [selector, formatting],
    )


def test_markdown_shows_user_text_exactly_as_typed(text_page):
    found = {r["key"]: r for r in _read(text_page, "[class*='st-key-md_']")}
    assert len(found) == len(CASES)
    wrong = []
    for i, text in enumerate(CASES):
        shown = found[f"st-key-md_{i}"]
        if shown["formatted"] or _visible(shown["text"]) != _visible(text):
            wrong.append((text, shown["text"], shown["formatted"]))
    assert wrong == []
    # no script or image element came from the cases (Streamlit's own scripts say nothing of it)
    assert "alert(1)" not in text_page.evaluate(
        "Array.from(document.scripts).map(s => s.textContent + s.src).join(' ')"
    )
    assert text_page.evaluate("document.querySelectorAll('img[onerror]').length") == 0


def test_titles_captions_alerts_and_labels_show_it_too(text_page):
    # the subheader is an h3 of its own: one, and no other formatting
    selector = "[class*='st-key-widgets_']"
    found = {r["key"]: r for r in _read(text_page, selector, FORMATTING.replace(" h3,", ""))}
    headings = {r["key"]: r for r in _read(text_page, selector, "h1, h2, h3, h4, h5, h6")}
    for i, text in enumerate(HANDWRITTEN):
        shown = found[f"st-key-widgets_{i}"]
        assert shown["formatted"] == [], (text, shown["formatted"])
        assert [h[:3] for h in headings[f"st-key-widgets_{i}"]["formatted"]] == ["<h3"], text
        # subheader, caption, alert, expander label and button: five times the same text
        assert _visible(shown["text"]).count(_visible(text)) == 5, (text, shown["text"])
