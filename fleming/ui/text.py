"""User text shown inside widgets that render Markdown.

``st.title``, ``st.subheader``, ``st.markdown``, ``st.caption``, ``st.success``/``st.info``/…,
``st.toast``, and the labels of buttons, expanders and page links all read their text as Markdown:
a name like ``**Anna**`` would come out bold, ``[x](javascript:…)`` as a link, ``:red[x]`` in
colour and ``# x`` as a heading. HTML is never allowed (no ``unsafe_allow_html`` anywhere), so
``<script>`` is shown, not run; ``plain`` makes the rest inert too, so the screen shows exactly
what was typed. Tables (``st.dataframe``) and widget options show text as text and need nothing.

Only what Markdown (CommonMark, GitHub's extensions, Streamlit's ``:icon:``/``:color[]``/``$``)
could read is escaped, so ordinary names stay as they are in the page source ("S.r.l.",
"Anna-Maria", "Caffè (Milano)"): inline characters anywhere, block markers at a line start.
``tests/e2e/test_user_text.py`` renders hostile strings in a real browser and compares.
"""

from __future__ import annotations

import re

_INLINE = frozenset("\\`*_[]<>~$:|&")  # emphasis, code, links, HTML, strike, math, icons, tables
_ORDERED = re.compile(r"^([0-9]+)([.)])")  # "1." or "1)" starts an ordered list
_PICTURE = re.compile(r"\\:(?=material(?:/|\\_)|streamlit\\:)")


def _line(line: str) -> str:
    line = line.lstrip()  # an indented line could start a code block
    out = "".join("\\" + c if c in _INLINE else c for c in line)
    # Streamlit swaps ":material/x:" and ":streamlit:" for pictures in the text after parsing,
    # escapes or not: an invisible word joiner after the colon keeps them words.
    out = _PICTURE.sub("\\:\u2060", out)
    ordered = _ORDERED.match(out)
    if ordered:
        return ordered.group(1) + "\\" + out[len(ordered.group(1)) :]
    if out[:1] in ("#", "+", "-", "="):  # heading, list item, setext underline or rule
        return "\\" + out
    return out


def plain(text: object) -> str:
    """User text made inert for Markdown: shown exactly as written, line breaks kept."""
    return "  \n".join(_line(line) for line in str(text or "").splitlines())
