"""``plain``: user text made inert for Markdown, losing nothing. (The real rendering in a browser
is checked by ``tests/e2e/test_user_text.py``; these are the rules it rests on.)"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleming.ui.text import plain
from tests.unit.hostile import THOROUGH, hostile_text

INLINE = set("\\`*_[]<>~$:|&")
BLOCK_START = re.compile(r"^(?:[#+\-=>]|[0-9]+[.)])")


def _unescape(markdown: str) -> str:
    """What a Markdown renderer makes of backslash escapes and hard line breaks."""
    text = re.sub(r"\\(.)", r"\1", markdown.replace("\\:\u2060", "\\:"))  # joiner: ours
    return text.replace("  \n", "\n")


markdownish = st.text(alphabet=st.sampled_from(list("ab 1.)\n\t") + sorted(INLINE) + list("#+-=")))


@THOROUGH
@given(st.one_of(hostile_text(60), markdownish))
def test_nothing_is_lost_and_nothing_is_markup(text):
    out = plain(text)
    # unescaped, it is the text itself (each line without its leading blanks)
    assert _unescape(out) == "\n".join(line.lstrip() for line in text.splitlines())
    for line in out.split("  \n"):
        assert line == line.lstrip()  # no indented code block
        assert not BLOCK_START.match(line), line  # no heading, list, quote, rule
        i = 0
        while i < len(line):  # every inline Markdown character is escaped
            if line[i] == "\\":
                i += 2
                continue
            assert line[i] not in INLINE, line
            i += 1
    assert "\n" not in out.replace("  \n", "")  # every line break is a hard break in one block


@pytest.mark.parametrize(
    "name",
    ["Trattoria da Gino S.r.l.", "Anna-Maria O'Neill", "Caffè (Milano) 24/7", "Nome #1 - 100%"],
)
def test_ordinary_names_stay_as_they_are(name):
    assert plain(name) == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"),
        ("**grassetto**", "\\*\\*grassetto\\*\\*"),
        ("# titolo", "\\# titolo"),
        ("1. primo\n2) secondo", "1\\. primo  \n2\\) secondo"),
        ("    codice", "codice"),
        (":material/home:", "\\:\u2060material/home\\:"),
        (None, ""),
    ],
)
def test_examples(text, expected):
    assert plain(text) == expected
