"""The scoring core with hand-computed expectations, the weights, and a monotonicity property."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleming.devtools.matching_reference import bench_rank, rank_arrays, synthetic_inputs
from fleming.errors import ValidationErrors
from fleming.matching import (
    PERSON_REASONS,
    TERMS,
    Distance,
    MatchWeights,
    Reason,
    distance_class,
    score_arrays,
)
from fleming.reference import MILANO_ISTAT_CODE

NAN = math.nan
W = MatchWeights()
# two requirements: an essential one at level 2, a desirable one at level 1
MIN = np.array([2, 1])
ESS = np.array([True, False])


def score(levels, *, gap=0, workshop=False, distance=Distance.UNKNOWN, days=0, weights=W, **kw):
    levels = np.atleast_2d(np.asarray(levels, dtype=float))
    n = levels.shape[0]
    frame = score_arrays(
        levels,
        kw.pop("min_level", MIN),
        kw.pop("essential", ESS),
        italian_gap=np.full(n, gap),
        workshop=np.full(n, workshop),
        distance=np.full(n, distance),
        waiting_days=np.full(n, days),
        blocked=kw.pop("blocked", None),
        weights=weights,
    )
    return frame.iloc[0] if n == 1 else frame


def test_partial_competences_with_every_bonus_and_one_essential_missing():
    # essential: 1 of 2 → ratio 0.5, weight 2; desirable: 1 of 1 → 1, weight 1
    # competences = 70 × (2·0.5 + 1·1) / 3 = 46.667
    # bonuses: workshop 10, Italian one level above 5, same comune 10 → base 71.667
    # one essential missing → × 0.5 → penalty −35.833; waiting 365/730 × 0.05 = 0.025
    row = score([1, 1], gap=1, workshop=True, distance=Distance.SAME, days=365)
    assert row["term_competences"] == pytest.approx(70 * 2 / 3)
    assert row["term_workshop"] == 10
    assert row["term_italian"] == 5
    assert row["term_distance"] == 10
    assert row["term_essential_penalty"] == pytest.approx(-71.6667 / 2, abs=1e-3)
    assert row["term_waiting"] == pytest.approx(0.025)
    assert row["score"] == pytest.approx(35.8333 + 0.025, abs=1e-3)
    assert (row["n_required"], row["n_met"], row["n_essential_unmet"]) == (2, 1, 1)
    assert not row["excluded"]


def test_missing_rating_counts_as_zero_and_metro_bonus():
    # essential met at 2 (ratio 1, w 2); desirable never rated (0, w 1) → 70 × 2/3 = 46.667
    row = score([2, NAN], distance=Distance.METRO)
    assert row["term_competences"] == pytest.approx(46.6667, abs=1e-3)
    assert row["term_essential_penalty"] == 0
    assert row["term_distance"] == 5
    assert row["score"] == pytest.approx(51.6667, abs=1e-3)
    assert row["n_met"] == 1


def test_levels_above_the_requirement_do_not_count_more_and_italian_bonus_is_capped():
    # both met (3 ≥ 2, 3 ≥ 1) → 70; Italian 3 levels above → 15, capped at 10; workshop 10
    # waiting beyond 730 days is capped at 0.05
    row = score([3, 3], gap=3, workshop=True, distance=Distance.OUTSIDE, days=2000)
    assert row["term_competences"] == 70
    assert row["term_italian"] == 10
    assert row["term_distance"] == 0
    assert row["score"] == pytest.approx(90.05)


def test_a_perfect_candidate_scores_100():
    row = score([3, 3], gap=2, workshop=True, distance=Distance.SAME, days=2000)
    assert row["score"] == 100  # 100.05 clipped; the order still uses the waiting days


def test_two_essentials_missing_quarter_the_score():
    row = score([0, 1], min_level=[2, 2], essential=[True, True])
    assert row["term_competences"] == pytest.approx(70 * 0.5 / 2)  # (0 + 2·0.5) / 4
    assert row["score"] == pytest.approx(17.5 / 4)
    row = score([1, 1], min_level=[2, 2], essential=[True, True], distance=Distance.SAME)
    # 70 × 0.5 + 10 = 45, × 0.25 → 11.25
    assert row["score"] == pytest.approx(11.25)
    assert row["term_essential_penalty"] == pytest.approx(-33.75)


def test_exclude_policy_removes_instead_of_penalising():
    weights = MatchWeights(essential_policy="exclude")
    row = score([1, 1], weights=weights)
    assert row["excluded"]
    assert row["x_essential_missing"]
    assert row["term_essential_penalty"] == 0
    assert row["score"] == pytest.approx(70 * 2 / 3)  # shown as "score if eligible"
    assert not score([2, 0], weights=weights)["excluded"]  # only essentials exclude


def test_italian_below_the_minimum_excludes():
    row = score([2, 1], gap=-1)
    assert row["excluded"] and row["x_italian_below"]
    assert row["term_italian"] == 0


def test_person_level_filters_pass_through_with_their_names():
    blocked = {r: np.array([r is Reason.NO_PACT]) for r in PERSON_REASONS}
    row = score([2, 1], blocked=blocked)
    assert row["excluded"]
    assert [r.value for r in Reason if row[f"x_{r.value}"]] == ["no_pact"]


def test_a_vacancy_without_requirements_gives_full_competence_points():
    row = score(np.empty((1, 0)), min_level=np.empty(0), essential=np.empty(0, dtype=bool))
    assert row["term_competences"] == 70
    assert row["n_required"] == 0


def test_score_terms_add_up_to_the_score():
    frame = score([[1, 1], [2, NAN], [0, 0], [3, 3]], gap=1, distance=Distance.METRO, days=100)
    total = sum(frame[f"term_{name}"] for name in TERMS)
    assert np.allclose(np.clip(total, 0, 100), frame["score"])


def test_ties_are_broken_by_waiting_then_by_id():
    # same levels and bonuses for four people: waiting decides, then the lower id
    inputs = {
        "levels": np.array([[2.0, 1.0]] * 4),
        "min_level": MIN,
        "essential": ESS,
        "italian_gap": np.zeros(4, dtype=int),
        "workshop": np.zeros(4, dtype=bool),
        "distance": np.zeros(4, dtype=np.int8),
        "waiting_days": np.array([10, 400, 10, 400]),
        "blocked": {},
        "person_id": np.array([4, 3, 2, 1]),
    }
    ranked = rank_arrays(inputs, W)
    assert ranked["person_id"].tolist() == [1, 3, 2, 4]
    # the waiting term is a tie-break: worth less than the smallest real difference
    assert ranked["score"].max() - ranked["score"].min() < 0.05


def test_waiting_never_outweighs_a_one_level_difference():
    # A is one desirable level short but has waited three years; B waited no time at all
    common = {"min_level": [2, 3], "essential": [True, False]}
    waited = score([2, 2], days=3 * 365, **common)
    better = score([2, 3], days=0, **common)
    assert waited["score"] < better["score"]


def test_excluded_people_come_after_the_eligible():
    inputs = synthetic_inputs(200, seed=3)
    ranked = rank_arrays(inputs, W)
    excluded = ranked["excluded"].to_numpy()
    assert not excluded[: (~excluded).sum()].any()
    eligible = ranked[~ranked["excluded"]]
    assert eligible["score"].is_monotonic_decreasing


def test_distance_classes():
    assert distance_class(MILANO_ISTAT_CODE, MILANO_ISTAT_CODE) is Distance.SAME
    assert distance_class("015171", MILANO_ISTAT_CODE) is Distance.METRO  # Peschiera Borromeo
    assert distance_class("016024", MILANO_ISTAT_CODE) is Distance.OUTSIDE  # Bergamo
    assert distance_class(None, MILANO_ISTAT_CODE) is Distance.UNKNOWN


# --------------------------------------------------------------------------- weights
def test_default_weights_are_valid_and_reach_100():
    assert W.validate() is W
    assert W.max_points() == 100


def test_weights_round_trip_and_ignore_unknown_keys():
    data = {**MatchWeights(workshop_bonus=5).to_dict(), "surprise": 1}
    assert MatchWeights.from_dict(data) == MatchWeights(workshop_bonus=5)
    assert MatchWeights.from_dict(None) == MatchWeights()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"workshop_bonus": -1}, "workshop_bonus"),
        ({"competence_points": 80}, "competence_points"),  # 80 + 10 + 10 + 10 > 100
        ({"essential_policy": "ignore"}, "essential_policy"),
        ({"essential_penalty_factor": 1.5}, "essential_penalty_factor"),
        ({"waiting_max": 2}, "waiting_max"),
        ({"distance_metro": 20, "distance_same_municipality": 5}, "distance_metro"),
        ({"desirable_weight": 0}, "desirable_weight"),
        ({"waiting_full_days": 0}, "waiting_full_days"),
    ],
)
def test_invalid_weights_name_the_field(changes, field):
    with pytest.raises(ValidationErrors) as info:
        MatchWeights(**changes).validate()
    assert field in info.value.by_field()


# --------------------------------------------------------------------------- property
levels_st = st.one_of(st.just(NAN), st.integers(0, 3).map(float))


@st.composite
def cases(draw):
    k = draw(st.integers(1, 6))
    n = draw(st.integers(1, 8))
    levels = np.array([[draw(levels_st) for _ in range(k)] for _ in range(n)], dtype=float)
    min_level = np.array([draw(st.integers(1, 3)) for _ in range(k)], dtype=float)
    essential = np.array([draw(st.booleans()) for _ in range(k)])
    policy = draw(st.sampled_from(("penalise", "exclude")))
    factor = draw(st.sampled_from((0.0, 0.25, 0.5, 1.0)))
    ess_w = draw(st.sampled_from((1.0, 2.0, 3.0)))
    extras = {
        "italian_gap": np.array([draw(st.integers(-1, 4)) for _ in range(n)]),
        "workshop": np.array([draw(st.booleans()) for _ in range(n)]),
        "distance": np.array([draw(st.sampled_from(list(Distance))) for _ in range(n)]),
        "waiting_days": np.array([draw(st.integers(0, 3000)) for _ in range(n)]),
    }
    weights = MatchWeights(
        essential_policy=policy, essential_penalty_factor=factor, essential_weight=ess_w
    )
    j = draw(st.integers(0, k - 1))
    return levels, min_level, essential, extras, weights, j


@settings(max_examples=300, deadline=None)
@given(cases())
def test_raising_a_competence_to_the_required_level_never_lowers_a_score(case):
    levels, min_level, essential, extras, weights, j = case
    before = score_arrays(levels, min_level, essential, weights=weights, **extras)
    raised = levels.copy()
    current = np.nan_to_num(raised[:, j], nan=0.0)
    raised[:, j] = np.maximum(current, min_level[j])  # up to the required level, never down
    after = score_arrays(raised, min_level, essential, weights=weights, **extras)
    assert (after["score"].to_numpy() >= before["score"].to_numpy() - 1e-9).all()
    # and it never adds a reason to exclude anyone
    assert not (after["excluded"].to_numpy() & ~before["excluded"].to_numpy()).any()
    assert ((after["score"] >= 0) & (after["score"] <= 100)).all()


def test_bench_rank_runs_and_reports_its_size():
    result = bench_rank(2_000, repeats=2)
    assert (result.n_people, result.n_competences, result.repeats) == (2_000, 70, 2)
    assert 0 < result.best_ms <= result.median_ms
