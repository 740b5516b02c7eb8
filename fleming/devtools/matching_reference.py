"""The matching's yardsticks, kept out of the runtime: the per-person loop that computes the same
scores the slow, obvious way (a test proves both agree), synthetic inputs, and the timing of the
vectorised scoring step. Used by the bench (``fleming.devtools.bench``) and the tests."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleming.competences import MAX_LEVEL, MIN_REQUIRED_LEVEL
from fleming.errors import NotFound
from fleming.matching import (
    PERSON_REASONS,
    MatchWeights,
    Reason,
    _metro_codes,
    load_weights,
    order,
    score_arrays,
)
from fleming.models import (
    CompetenceRating,
    EnrolmentStatus,
    Internship,
    InternshipStatus,
    LegalStatus,
    Person,
    PersonStatus,
    ServicePact,
    Vacancy,
    WorkshopEdition,
    WorkshopEnrolment,
)
from fleming.rules import may_work_from


def rank_loop_reference(
    *,
    session: Session,
    vacancy_id: int,
    weights: MatchWeights | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """The same scores computed the obvious way: one person at a time, over ORM objects.

    Deliberately naive (a query per person); it exists to prove ``rank_people`` right and to
    measure what vectorising buys. Columns: person_id, score, excluded, reasons (tuple of codes).
    """
    weights = weights or load_weights(session)
    today = today or date.today()
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None:
        raise NotFound(vacancy_id)
    reqs = list(vacancy.requirements)
    metro = _metro_codes()
    out = []
    people = session.scalars(
        select(Person).where(Person.anonymised_at.is_(None)).order_by(Person.id)
    )
    for person in people:
        ratings = session.scalars(
            select(CompetenceRating).where(CompetenceRating.person_id == person.id)
        ).all()
        latest: dict[int, CompetenceRating] = {}
        for r in ratings:
            seen = latest.get(r.competence_id)
            if seen is None or (r.rated_on, r.id) > (seen.rated_on, seen.id):
                latest[r.competence_id] = r
        reasons = []
        active_internship = session.scalar(
            select(Internship.id).where(
                Internship.person_id == person.id, Internship.status == InternshipStatus.ACTIVE
            )
        )
        if active_internship is not None or person.status == PersonStatus.INTERNSHIP:
            reasons.append(Reason.IN_INTERNSHIP)
        if person.status == PersonStatus.HIRED:
            reasons.append(Reason.HIRED)
        if person.status == PersonStatus.CLOSED:
            reasons.append(Reason.CLOSED)
        if person.did_date is None:
            reasons.append(Reason.NO_DID)
        pact = session.scalar(select(ServicePact.id).where(ServicePact.person_id == person.id))
        if pact is None:
            reasons.append(Reason.NO_PACT)
        if (
            person.legal_status == LegalStatus.ASYLUM_SEEKER
            and person.asylum_application_date
            and may_work_from(person.asylum_application_date) > today
        ):
            reasons.append(Reason.ASYLUM_WAIT)
        gap = person.italian_level.rank - vacancy.min_italian_level.rank
        if gap < 0:
            reasons.append(Reason.ITALIAN_BELOW)

        weighted = total_weight = 0.0
        unmet_essential = 0
        for req in reqs:
            level = latest[req.competence_id].level if req.competence_id in latest else 0
            w = weights.essential_weight if req.essential else weights.desirable_weight
            weighted += w * min(level / req.min_level, 1.0)
            total_weight += w
            if req.essential and level < req.min_level:
                unmet_essential += 1
        fraction = weighted / total_weight if total_weight else 1.0
        score = weights.competence_points * fraction
        if weights.essential_policy == "exclude" and unmet_essential:
            reasons.append(Reason.ESSENTIAL_MISSING)
        if vacancy.trade_id is not None:
            done = session.scalar(
                select(WorkshopEnrolment.id)
                .join(WorkshopEdition, WorkshopEdition.id == WorkshopEnrolment.edition_id)
                .where(
                    WorkshopEnrolment.person_id == person.id,
                    WorkshopEnrolment.status == EnrolmentStatus.COMPLETED,
                    WorkshopEdition.trade_id == vacancy.trade_id,
                )
                .limit(1)
            )
            if done is not None:
                score += weights.workshop_bonus
        if gap > 0:
            score += min(gap * weights.italian_bonus_per_level, weights.italian_bonus_max)
        p_code, v_code = person.municipality_code, vacancy.municipality_code
        if p_code and v_code:
            if p_code == v_code:
                score += weights.distance_same_municipality
            elif p_code in metro and v_code in metro:
                score += weights.distance_metro
        if weights.essential_policy == "penalise":
            score *= weights.essential_penalty_factor**unmet_essential
        days = max((today - person.intake_date).days, 0)
        score += weights.waiting_max * min(days / weights.waiting_full_days, 1.0)
        out.append(
            {
                "person_id": person.id,
                "score": min(max(score, 0.0), 100.0),
                "excluded": bool(reasons),
                "reasons": tuple(sorted(r.value for r in reasons)),
            }
        )
    return pd.DataFrame(out, columns=["person_id", "score", "excluded", "reasons"])


@dataclass(frozen=True)
class BenchResult:
    n_people: int
    n_competences: int
    n_required: int
    repeats: int
    best_ms: float
    median_ms: float


def synthetic_inputs(
    n_people: int, n_competences: int = 70, n_required: int = 6, seed: int = 0
) -> dict[str, Any]:
    """Random but plausible inputs of ``score_arrays``: a person × competence level matrix
    (about a third of the pairs never rated) and one vacancy's requirements."""
    rng = np.random.default_rng(seed)
    levels = rng.integers(0, MAX_LEVEL + 1, size=(n_people, n_competences)).astype(float)
    levels[rng.random((n_people, n_competences)) < 0.35] = np.nan
    min_level = np.zeros(n_competences)
    required = rng.choice(n_competences, size=min(n_required, n_competences), replace=False)
    min_level[required] = rng.integers(MIN_REQUIRED_LEVEL, MAX_LEVEL + 1, size=len(required))
    essential = np.zeros(n_competences, dtype=bool)
    essential[required[: max(1, len(required) // 2)]] = True
    return {
        "levels": levels,
        "min_level": min_level,
        "essential": essential,
        "italian_gap": rng.integers(-2, 4, size=n_people),
        "workshop": rng.random(n_people) < 0.2,
        "distance": rng.integers(0, 4, size=n_people).astype(np.int8),
        "waiting_days": rng.integers(0, 1100, size=n_people),
        "blocked": {r: rng.random(n_people) < 0.05 for r in PERSON_REASONS},
        "person_id": np.arange(1, n_people + 1),
    }


def rank_arrays(inputs: dict[str, Any], weights: MatchWeights) -> pd.DataFrame:
    """The scoring step of a ranking: ``score_arrays`` over the full matrix, then the order."""
    levels = inputs["levels"]
    min_level = np.asarray(inputs["min_level"])
    essential = np.asarray(inputs["essential"])
    if min_level.ndim == 1:  # only the required columns take part in the score
        cols = np.flatnonzero(min_level > 0)
        levels, min_level, essential = levels[:, cols], min_level[cols], essential[cols]
    scored = score_arrays(
        levels,
        min_level,
        essential,
        italian_gap=inputs["italian_gap"],
        workshop=inputs["workshop"],
        distance=inputs["distance"],
        waiting_days=inputs["waiting_days"],
        blocked=inputs["blocked"],
        weights=weights,
    )
    scored["person_id"] = inputs["person_id"]
    scored["waiting_days"] = inputs["waiting_days"]
    return scored.iloc[order(scored)].reset_index(drop=True)


def bench_rank(
    n_people: int = 20_000,
    *,
    n_competences: int = 70,
    n_required: int = 6,
    repeats: int = 20,
    weights: MatchWeights | None = None,
) -> BenchResult:
    """Time the vectorised scoring step (score + order) on a synthetic n_people × 70 matrix."""
    inputs = synthetic_inputs(n_people, n_competences, n_required)
    weights = weights or MatchWeights()
    rank_arrays(inputs, weights)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        rank_arrays(inputs, weights)
        times.append((time.perf_counter() - start) * 1000)
    return BenchResult(
        n_people=n_people,
        n_competences=n_competences,
        n_required=n_required,
        repeats=repeats,
        best_ms=min(times),
        median_ms=float(np.median(times)),
    )
