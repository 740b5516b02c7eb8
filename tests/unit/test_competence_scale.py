"""The level scale is one definition that fits the database; the entry-vs-latest maths."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from fleming import competences as comp
from fleming.competence_schemas import LEVEL_RANGE
from fleming.i18n import LANGUAGES, catalogue
from fleming.models import CompetenceRating, RatingSource, VacancyCompetence

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "esco"


def _between(model, name: str) -> tuple[int, int]:
    for constraint in model.__table__.constraints:
        if constraint.name and constraint.name.endswith(name):
            low, high = re.search(r"BETWEEN (\d+) AND (\d+)", str(constraint.sqltext)).groups()
            return int(low), int(high)
    raise AssertionError(f"no constraint {name}")


def test_the_scale_is_the_range_the_database_accepts():
    assert comp.LEVEL_VALUES == (0, 1, 2, 3)
    assert _between(CompetenceRating, "level_range") == (comp.MIN_LEVEL, comp.MAX_LEVEL)
    low, high = _between(VacancyCompetence, "min_level_range")
    assert (low, high) == (comp.MIN_REQUIRED_LEVEL, comp.MAX_LEVEL)
    assert LEVEL_RANGE == {"ge": comp.MIN_LEVEL, "le": comp.MAX_LEVEL}


def test_every_level_has_a_short_label_and_a_descriptor_in_both_languages():
    for lang in LANGUAGES:
        labels = [lv.label(lang) for lv in comp.LEVELS]
        descriptors = [lv.descriptor(lang) for lv in comp.LEVELS]
        assert len(set(labels)) == len(labels) == 4
        assert len(set(descriptors)) == 4
        assert all(0 < len(x) <= 20 for x in labels)
        assert all(20 < len(x) <= 100 for x in descriptors)
    assert comp.level(2).choice("it") == "2 · In autonomia"
    assert comp.level(0).choice("en") == "0 · Not observed"


def test_is_level_accepts_only_whole_numbers_on_the_scale():
    assert all(comp.is_level(v) for v in (0, 1, 2, 3, 2.0))
    assert not any(comp.is_level(v) for v in (-1, 4, 1.5, "2", True, None, "alto"))


def test_every_skip_reason_and_error_has_a_text():
    source = Path(comp.__file__).read_text(encoding="utf-8")
    keys = set(re.findall(r'"(competences\.(?:import\.skip|error)\.[a-z_]+)"', source))
    assert len(keys) >= 20
    missing = [k for k in keys if k not in catalogue()]
    assert missing == []


# ---------------------------------------------------------------- comparison maths
def test_entry_is_the_first_rating_and_latest_the_most_recent():
    d = date(2025, 1, 1)
    points = [
        comp.RatingPoint(7, 2, d + timedelta(days=60), RatingSource.EXIT, id=5),
        comp.RatingPoint(7, 0, d, RatingSource.ENTRY, id=9),
        comp.RatingPoint(7, 1, d + timedelta(days=30), RatingSource.WORKSHOP_END, id=2),
        comp.RatingPoint(8, 1, d, RatingSource.ENTRY, id=3),
        # same day: the later-inserted one wins
        comp.RatingPoint(9, 3, d, RatingSource.ENTRY, id=11),
        comp.RatingPoint(9, 1, d, RatingSource.ENTRY, id=10),
    ]
    changes = {c.competence_id: c for c in comp.compare(points)}
    assert (changes[7].entry_level, changes[7].latest_level, changes[7].gain) == (0, 2, 2)
    assert changes[7].entry_source is RatingSource.ENTRY
    assert changes[7].latest_source is RatingSource.EXIT
    assert changes[7].ratings == 3
    assert (changes[8].entry_level, changes[8].latest_level, changes[8].gain) == (1, 1, 0)
    assert (changes[9].entry_level, changes[9].latest_level, changes[9].gain) == (1, 3, 2)
    assert [c.competence_id for c in comp.gained(changes.values())] == [7, 9]
    assert comp.compare([]) == []


points_strategy = st.lists(
    st.builds(
        comp.RatingPoint,
        competence_id=st.integers(1, 4),
        level=st.integers(0, 3),
        rated_on=st.dates(date(2024, 1, 1), date(2026, 1, 1)),
        source=st.sampled_from(list(RatingSource)),
        id=st.integers(1, 10_000),
    ),
    max_size=30,
    unique_by=lambda p: p.id,
)


@given(points_strategy)
def test_comparison_properties(points):
    changes = comp.compare(points)
    assert {c.competence_id for c in changes} == {p.competence_id for p in points}
    for change in changes:
        mine = sorted(
            (p for p in points if p.competence_id == change.competence_id),
            key=lambda p: (p.rated_on, p.id),
        )
        assert (change.entry_level, change.entry_on) == (mine[0].level, mine[0].rated_on)
        assert (change.latest_level, change.latest_on) == (mine[-1].level, mine[-1].rated_on)
        assert change.gain == mine[-1].level - mine[0].level
        assert -3 <= change.gain <= 3
        assert change.ratings == len(mine)
    up = comp.gained(changes)
    assert all(c.gain > 0 for c in up)
    assert [c.gain for c in up] == sorted((c.gain for c in up), reverse=True)
    assert len(up) == sum(c.gain > 0 for c in changes)


# ---------------------------------------------------------------- ESCO file
def test_the_esco_fixture_reads_in_the_official_layout():
    frame = comp.read_esco_skills((FIXTURES / "skills_en.csv").read_bytes())
    assert tuple(frame.columns) == comp.ESCO_COLUMNS
    assert len(frame) == 9
    curtains = frame[frame["preferredLabel"] == "sew curtains"].iloc[0]
    assert curtains["altLabels"].split("\n") == ["sew drapery", "stitch curtains"]
    assert '"made-up"' in frame.iloc[2]["description"]  # quotes and commas survive


def test_filter_searches_labels_and_synonyms_without_accents():
    en = comp.read_esco_skills((FIXTURES / "skills_en.csv").read_bytes())
    assert list(comp.filter_esco_skills(en, text="DRAPERY")["preferredLabel"]) == [
        "sew curtains",
        "sew curtains",
    ]
    assert "buttonholing" not in set(comp.filter_esco_skills(en)["preferredLabel"])
    assert "buttonholing" in set(comp.filter_esco_skills(en, skills_only=False)["preferredLabel"])
    it = comp.read_esco_skills((FIXTURES / "skills_it.csv").read_text(encoding="utf-8"))
    assert len(comp.filter_esco_skills(it, text="capi d'abbigliamento")) == 1
    assert list(comp.filter_esco_skills(it, text="GIA TAGLIATE")["preferredLabel"]) == [
        "cucire tende"
    ]
    assert len(comp.filter_esco_skills(it, text="TENDAGGI")) == 1
    assert len(comp.filter_esco_skills(en, text="", limit=3)) == 3
