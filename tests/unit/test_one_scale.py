"""One competence scale: every text that names the levels says them as ``competences.LEVELS``
does ("1 con guida, 2 in autonomia, 3 sa insegnarla"), never another set of words."""

from __future__ import annotations

import re

from fleming import competences
from fleming.i18n import catalogue

# words of other scales that once sat beside the level numbers
OTHER_SCALES = re.compile(
    r"\b[123] (di )?base\b|\besperto\b|\bintermedio\b|\b[123] autonomo\b|"
    r"\b[123] basic\b|\bexpert\b|\bintermediate\b",
    re.IGNORECASE,
)


def test_the_scale_in_words_comes_from_the_levels():
    assert competences.scale_text("it") == "1 con guida, 2 in autonomia, 3 sa insegnarla"
    assert competences.scale_text("en") == "1 with guidance, 2 autonomous, 3 can teach it"
    assert competences.scale_text("it", start=0).startswith("0 non osservata, 1 con guida")


def test_no_text_names_the_levels_with_other_words():
    offenders = [
        f"{key} [{lang}]: {text}"
        for key, texts in catalogue().items()
        for lang, text in texts.items()
        if OTHER_SCALES.search(text)
    ]
    assert offenders == []
