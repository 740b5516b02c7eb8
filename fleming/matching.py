"""Matching: an explainable ranking of people for a vacancy, and of open vacancies for a person.

How a person is ranked for a vacancy
------------------------------------
1. **Hard filters** remove a person from the ranking; each is a named reason (`Reason`) shown on
   the page: already in an internship, hired, path closed, no DID, no *patto*, asylum seeker who
   may not work yet (``fleming.rules.may_work_from``), Italian level below the vacancy's minimum,
   and — when ``MatchWeights.essential_policy`` is ``"exclude"`` — an essential competence missing
   or below its minimum.
2. **Score** (0–100), the sum of separately shown terms:

   - *competences*: ``competence_points × Σ wᵢ·min(levelᵢ / requiredᵢ, 1) / Σ wᵢ`` over the
     vacancy's requirements, ``wᵢ`` = ``essential_weight`` or ``desirable_weight``. The level is
     the person's **latest** rating of that competence (latest ``rated_on``, then highest id); a
     competence never rated counts as level 0 and is shown as "not rated". A vacancy without
     requirements gives every person the full competence part (nothing is missing).
   - *essential penalty* (policy ``"penalise"``): each essential requirement missing or below
     its minimum multiplies the score so far by ``essential_penalty_factor`` (0.5: one missing
     halves it, two quarter it); the term shows the points this takes off. Multiplying rather
     than subtracting keeps the order among penalised people and the score within 0–100.
   - *workshop*: ``workshop_bonus`` if the person completed a *laboratorio* in the vacancy's trade.
   - *Italian*: ``italian_bonus_per_level`` per CEFR level above the minimum, at most
     ``italian_bonus_max``.
   - *distance*: ``distance_same_municipality`` when the person lives in the vacancy's comune,
     ``distance_metro`` when both are in the Città metropolitana di Milano, 0 outside or when
     either comune is not recorded.
   - *waiting*: up to ``waiting_max`` (0.05) growing with the days since intake — a tie-break
     only: it is far below the smallest difference the other terms make with the default weights
     (``MatchWeights.validate`` keeps it under 0.5), and the order also falls back on it
     explicitly (score, then days waiting, then person id).

   The total is clipped to 0–100 (with valid weights it never leaves that range but for the
   waiting term of a perfect candidate).

Retired competences: a requirement whose competence has been retired from the catalogue **still
counts**. The company asked for it when the vacancy was written, and the people's ratings in it
remain evidence; dropping it silently would inflate every score and hide a requirement. The
explanation flags it as retired so the coordinator can update the vacancy.

Implementation: the scores are computed by ``score_arrays`` with numpy over a person ×
competence matrix, built from one SQL query (latest rating per pair through a window function,
which both SQLite and PostgreSQL run) plus one query for the people's attributes; there is no
Python loop per person. ``rank_loop_reference`` computes the same scores the slow, obvious way
(one person at a time over ORM objects); a test proves both agree, and ``bench_rank`` times the
vectorised scoring step on a synthetic matrix.
"""

from __future__ import annotations

import enum
import functools
import itertools
import threading
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import String, and_, exists, func, literal, select, true, type_coerce
from sqlalchemy.orm import Session

from fleming import audit, reference, settings
from fleming.actor import Actor
from fleming.errors import Conflict, NotFound, ValidationError, ValidationErrors
from fleming.models import (
    CefrLevel,
    Company,
    Competence,
    CompetenceRating,
    EnrolmentStatus,
    Internship,
    InternshipStatus,
    LegalStatus,
    Person,
    PersonStatus,
    ServicePact,
    Setting,
    Trade,
    Vacancy,
    VacancyCompetence,
    VacancyStatus,
    WorkshopEdition,
    WorkshopEnrolment,
)
from fleming.permissions import authorize
from fleming.rules import ASYLUM_WORK_WAIT, may_work_from

SETTINGS_KEY = "matching.weights"
ESSENTIAL_POLICIES = ("penalise", "exclude")
CEFR_RANK = {level.value: level.rank for level in CefrLevel}


# --------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class MatchWeights:
    """The figures of the score, one settings object (table ``settings``, key ``matching.weights``).

    Defaults: a person meeting every requirement, who completed a workshop in the trade, speaks
    Italian two levels above the minimum and lives in the vacancy's comune scores 100.
    """

    competence_points: float = 70.0
    """Points of the competence part when every requirement is met."""
    essential_weight: float = 2.0
    """Weight of an essential requirement in the competence part."""
    desirable_weight: float = 1.0
    """Weight of a desirable requirement in the competence part."""
    essential_policy: str = "penalise"
    """An essential requirement missing or below its minimum: "penalise" or "exclude"."""
    essential_penalty_factor: float = 0.5
    """Policy "penalise": the score is multiplied by this for each essential requirement not met."""
    workshop_bonus: float = 10.0
    """Completed a workshop (*laboratorio*) in the vacancy's trade."""
    italian_bonus_per_level: float = 5.0
    """Per CEFR level of Italian above the vacancy's minimum..."""
    italian_bonus_max: float = 10.0
    """...up to this many points."""
    distance_same_municipality: float = 10.0
    """Lives in the comune of the vacancy."""
    distance_metro: float = 5.0
    """Lives in the Città metropolitana di Milano, as is the vacancy's comune."""
    waiting_max: float = 0.05
    """Tie-break: points for the longest wait since intake (people waiting longer first)."""
    waiting_full_days: int = 730
    """Days since intake at which the waiting term reaches ``waiting_max``."""

    POINT_FIELDS = (
        "competence_points",
        "workshop_bonus",
        "italian_bonus_per_level",
        "italian_bonus_max",
        "distance_same_municipality",
        "distance_metro",
        "waiting_max",
    )

    def max_points(self) -> float:
        """The score of a person who gets every bonus (before clipping to 100)."""
        return (
            self.competence_points
            + self.workshop_bonus
            + self.italian_bonus_max
            + max(self.distance_same_municipality, self.distance_metro)
        )

    def validate(self) -> MatchWeights:
        errors: list[ValidationError] = []
        for name in (*self.POINT_FIELDS, "essential_weight", "desirable_weight"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not np.isfinite(value) or value < 0:
                errors.append(ValidationError(name, "matching.error.weight_negative"))
        for name in ("essential_weight", "desirable_weight"):
            if not errors and getattr(self, name) <= 0:
                errors.append(ValidationError(name, "matching.error.weight_zero"))
        if not (
            isinstance(self.essential_penalty_factor, int | float)
            and 0 <= self.essential_penalty_factor <= 1
        ):
            errors.append(ValidationError("essential_penalty_factor", "matching.error.factor"))
        if self.essential_policy not in ESSENTIAL_POLICIES:
            errors.append(ValidationError("essential_policy", "matching.error.policy"))
        if not isinstance(self.waiting_full_days, int) or not 1 <= self.waiting_full_days <= 3650:
            errors.append(
                ValidationError("waiting_full_days", "validators.number.range", low=1, high=3650)
            )
        if errors:
            raise ValidationErrors(errors)
        if self.waiting_max > 0.5:
            errors.append(ValidationError("waiting_max", "matching.error.waiting_too_big"))
        if self.distance_metro > self.distance_same_municipality:
            errors.append(ValidationError("distance_metro", "matching.error.metro_above_same"))
        if self.max_points() > 100:
            errors.append(
                ValidationError(
                    "competence_points", "matching.error.over_100", total=self.max_points()
                )
            )
        if errors:
            raise ValidationErrors(errors)
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> MatchWeights:
        """Defaults overridden by the known keys of ``data`` (unknown keys are ignored)."""
        names = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in (data or {}).items():
            if key not in names:
                continue
            if key == "essential_policy":
                values[key] = str(value)
            elif key == "waiting_full_days":
                values[key] = int(value) if isinstance(value, int | float) else value
            else:
                values[key] = float(value) if isinstance(value, int | float) else value
        return cls(**values)


WEIGHT_FIELDS = tuple(f.name for f in fields(MatchWeights))
"""The settings' names in display order (labels: ``matching.weights.<name>``)."""


@dataclass(frozen=True)
class WeightsView:
    weights: MatchWeights
    version: int | None  # None: the defaults, never saved
    stored: bool


def load_weights(session: Session) -> MatchWeights:
    """The stored weights (defaults where the setting is absent or unreadable)."""
    stored = settings.value(session, SETTINGS_KEY)
    if not isinstance(stored, dict):
        return MatchWeights()
    try:
        return MatchWeights.from_dict(stored).validate()
    except (ValidationErrors, TypeError):
        return MatchWeights()


def get_weights(*, session: Session, actor: Actor) -> WeightsView:
    authorize(session=session, actor=actor, operation="matching.rank")
    setting = settings.row(session, SETTINGS_KEY)
    return WeightsView(
        weights=load_weights(session),
        version=setting.version if setting is not None else None,
        stored=setting is not None,
    )


def update_weights(
    *, session: Session, actor: Actor, data: MatchWeights, version: int | None
) -> None:
    """Store new weights; ``version`` is the one loaded (None when the defaults were shown)."""
    authorize(session=session, actor=actor, operation="matching.settings.update")
    data = MatchWeights.from_dict(data.to_dict()).validate()
    setting = settings.row(session, SETTINGS_KEY)
    if setting is None:
        if version is not None:
            raise Conflict("stale")
        setting = Setting(key=SETTINGS_KEY, value=data.to_dict())
        session.add(setting)
        session.flush()
        audit.record(
            session=session,
            actor=actor,
            action="create",
            entity="setting",
            entity_id=SETTINGS_KEY,
            changes=data.to_dict(),
        )
        return
    if setting.version != version:
        raise Conflict("stale")
    before = MatchWeights.from_dict(setting.value if isinstance(setting.value, dict) else {})
    setting.value = data.to_dict()
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="setting",
        entity_id=SETTINGS_KEY,
        changes={
            k: {"from": v, "to": getattr(data, k)}
            for k, v in before.to_dict().items()
            if getattr(data, k) != v
        },
    )


# --------------------------------------------------------------------------- reasons and terms
class Reason(enum.StrEnum):
    """Why a person is left out of a ranking (a hard filter).

    Labels: ``matching.reason.<value>``.
    """

    IN_INTERNSHIP = "in_internship"
    HIRED = "hired"
    CLOSED = "closed"
    NO_DID = "no_did"
    NO_PACT = "no_pact"
    ASYLUM_WAIT = "asylum_wait"
    ITALIAN_BELOW = "italian_below"
    ESSENTIAL_MISSING = "essential_missing"


PERSON_REASONS = (
    Reason.IN_INTERNSHIP,
    Reason.HIRED,
    Reason.CLOSED,
    Reason.NO_DID,
    Reason.NO_PACT,
    Reason.ASYLUM_WAIT,
)
"""The filters that depend on the person only (the same for every vacancy)."""

TERMS = ("competences", "essential_penalty", "workshop", "italian", "distance", "waiting")
"""The score's terms, in display order. Labels: ``matching.term.<name>``."""


class Distance(enum.IntEnum):
    UNKNOWN = 0
    OUTSIDE = 1
    METRO = 2
    SAME = 3


@functools.cache
def _metro_codes() -> frozenset[str]:
    return frozenset(c.istat_code for c in reference.metro_comuni())


def distance_class(person_code: str | None, vacancy_code: str | None) -> Distance:
    """Same comune / both in the metropolitan area / outside / unknown (one pair)."""
    if not person_code or not vacancy_code:
        return Distance.UNKNOWN
    if person_code == vacancy_code:
        return Distance.SAME
    metro = _metro_codes()
    if person_code in metro and vacancy_code in metro:
        return Distance.METRO
    return Distance.OUTSIDE


def _distance_classes(person_codes: pd.Series, vacancy_codes: pd.Series | str | None) -> np.ndarray:
    """``distance_class`` over aligned series (vectorised)."""
    metro = _metro_codes()
    person = person_codes.fillna("").astype(str)
    if isinstance(vacancy_codes, pd.Series):
        vacancy = vacancy_codes.fillna("").astype(str).to_numpy()
        vacancy_metro = vacancy_codes.isin(metro).to_numpy()
    else:
        vacancy = np.full(len(person), vacancy_codes or "", dtype=object)
        vacancy_metro = np.full(len(person), (vacancy_codes or "") in metro)
    p = person.to_numpy(dtype=object)
    known = (p != "") & (vacancy != "")
    out = np.where(known, Distance.OUTSIDE, Distance.UNKNOWN)
    out = np.where(known & person.isin(metro).to_numpy() & vacancy_metro, Distance.METRO, out)
    out = np.where(known & (p == vacancy), Distance.SAME, out)
    return out.astype(np.int8)


# --------------------------------------------------------------------------- the scoring core
def score_arrays(
    levels: np.ndarray,
    min_level: np.ndarray,
    essential: np.ndarray,
    *,
    italian_gap: np.ndarray,
    workshop: np.ndarray,
    distance: np.ndarray,
    waiting_days: np.ndarray,
    blocked: dict[Reason, np.ndarray] | None = None,
    weights: MatchWeights,
) -> pd.DataFrame:
    """Score ``n`` person–vacancy pairs at once; one row per pair, no Python loop per row.

    ``levels`` (n × k): latest competence levels, NaN where never rated. ``min_level`` and
    ``essential`` (k,) or (n × k): the requirements, ``min_level`` 0 where a competence is not
    required. ``italian_gap`` (n,): the person's CEFR rank minus the vacancy's minimum;
    ``workshop`` (n,): completed a workshop in the vacancy's trade; ``distance`` (n,): `Distance`
    codes; ``waiting_days`` (n,): days since intake; ``blocked``: the person-level hard filters,
    each a boolean (n,) array.

    Returns columns ``term_<name>`` for each of ``TERMS``, ``score``, ``competence_fraction``,
    ``n_required``, ``n_met``, ``n_essential_unmet``, ``x_<reason>`` for each `Reason` and
    ``excluded``.
    """
    lv = np.nan_to_num(np.asarray(levels, dtype=float), nan=0.0)
    n = lv.shape[0]
    req = np.broadcast_to(np.asarray(min_level, dtype=float), lv.shape)
    ess = np.broadcast_to(np.asarray(essential, dtype=bool), lv.shape)
    is_req = req > 0
    w = np.where(is_req, np.where(ess, weights.essential_weight, weights.desirable_weight), 0.0)
    ratio = np.minimum(lv / np.where(is_req, req, 1.0), 1.0)
    met = is_req & (lv >= req)
    w_sum = w.sum(axis=1)
    has_req = w_sum > 0
    fraction = np.where(has_req, (w * ratio).sum(axis=1) / np.where(has_req, w_sum, 1.0), 1.0)
    unmet_essential = (is_req & ess & ~met).sum(axis=1)

    italian_gap = np.asarray(italian_gap, dtype=float)
    penalise = weights.essential_policy == "penalise"
    terms = {
        "competences": weights.competence_points * fraction,
        "essential_penalty": np.zeros(n),
        "workshop": np.where(np.asarray(workshop, dtype=bool), weights.workshop_bonus, 0.0),
        "italian": np.minimum(
            np.maximum(italian_gap, 0.0) * weights.italian_bonus_per_level,
            weights.italian_bonus_max,
        ),
        "distance": np.select(
            [np.asarray(distance) == Distance.SAME, np.asarray(distance) == Distance.METRO],
            [weights.distance_same_municipality, weights.distance_metro],
            0.0,
        ),
        "waiting": weights.waiting_max
        * np.clip(np.asarray(waiting_days, dtype=float) / weights.waiting_full_days, 0.0, 1.0),
    }
    base = terms["competences"] + terms["workshop"] + terms["italian"] + terms["distance"]
    if penalise:
        terms["essential_penalty"] = base * (weights.essential_penalty_factor**unmet_essential - 1)
    total = base + terms["essential_penalty"] + terms["waiting"]

    out = {f"term_{name}": terms[name] for name in TERMS}
    out["score"] = np.clip(total, 0.0, 100.0)
    out["competence_fraction"] = fraction
    out["n_required"] = is_req.sum(axis=1)
    out["n_met"] = met.sum(axis=1)
    out["n_essential_unmet"] = unmet_essential
    excluded = np.zeros(n, dtype=bool)
    for reason in Reason:
        if reason is Reason.ITALIAN_BELOW:
            mask = italian_gap < 0
        elif reason is Reason.ESSENTIAL_MISSING:
            mask = (unmet_essential > 0) if not penalise else np.zeros(n, dtype=bool)
        else:
            given = (blocked or {}).get(reason)
            mask = np.zeros(n, dtype=bool) if given is None else np.asarray(given, dtype=bool)
        out[f"x_{reason.value}"] = mask
        excluded |= mask
    out["excluded"] = excluded
    return pd.DataFrame(out)


def order(frame: pd.DataFrame, key: str = "person_id") -> np.ndarray:
    """Positions sorted: eligible first, by score (desc), days waiting (desc), then ``key``."""
    return np.lexsort(
        (
            frame[key].to_numpy(),
            -frame["waiting_days"].to_numpy(),
            -frame["score"].to_numpy(),
            frame["excluded"].to_numpy(),
        )
    )


# --------------------------------------------------------------------------- loading
def latest_levels_query(
    competence_ids: list[int] | None = None, person_ids: list[int] | None = None
):
    """The latest level per person × competence: the newest ``rated_on``, then the highest id.

    One query, a window function (SQLite ≥ 3.25 and PostgreSQL).
    """
    rn = (
        func.row_number()
        .over(
            partition_by=(CompetenceRating.person_id, CompetenceRating.competence_id),
            order_by=(CompetenceRating.rated_on.desc(), CompetenceRating.id.desc()),
        )
        .label("rn")
    )
    inner = select(
        CompetenceRating.person_id, CompetenceRating.competence_id, CompetenceRating.level, rn
    )
    if competence_ids is not None:
        inner = inner.where(CompetenceRating.competence_id.in_(competence_ids))
    if person_ids is not None:
        inner = inner.where(CompetenceRating.person_id.in_(person_ids))
    sub = inner.subquery()
    return select(sub.c.person_id, sub.c.competence_id, sub.c.level).where(sub.c.rn == 1)


def level_matrix(
    session: Session,
    person_ids: np.ndarray,
    competence_ids: list[int],
    *,
    only_people: list[int] | None = None,
) -> np.ndarray:
    """People × competences latest levels (NaN = never rated), from one SQL query."""
    matrix = np.full((len(person_ids), len(competence_ids)), np.nan)
    if not competence_ids or not len(person_ids):
        return matrix
    rows = session.connection().execute(latest_levels_query(competence_ids, only_people)).fetchall()
    if not rows:
        return matrix
    # flattened first: numpy probing each Row for an array interface costs seconds at 100k rows
    long = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64).reshape(-1, 3)
    r = pd.Index(person_ids).get_indexer(long[:, 0])
    c = pd.Index(competence_ids).get_indexer(long[:, 1])
    keep = (r >= 0) & (c >= 0)
    matrix[r[keep], c[keep]] = long[keep, 2]
    return matrix


def _people_frame(
    session: Session, *, trade_id: int | None, person_ids: list[int] | None = None
) -> pd.DataFrame:
    """One row per (not anonymised) person with what the filters and bonuses need; one query."""
    has_pact = exists().where(ServicePact.person_id == Person.id)
    in_internship = exists().where(
        and_(Internship.person_id == Person.id, Internship.status == InternshipStatus.ACTIVE)
    )
    workshop = (
        exists()
        .where(
            and_(
                WorkshopEnrolment.person_id == Person.id,
                WorkshopEnrolment.status == EnrolmentStatus.COMPLETED,
                WorkshopEnrolment.edition_id == WorkshopEdition.id,
                WorkshopEdition.trade_id == trade_id,
            )
        )
        .correlate(Person)
    )

    def raw(column, name: str):
        # read enums and dates as the stored text: no Python conversion per row (the frame is
        # converted column-wise below); on PostgreSQL dates arrive as dates, which is fine too
        return type_coerce(column, String).label(name)

    stmt = select(
        Person.id.label("person_id"),
        Person.first_name,
        Person.last_name,
        raw(Person.status, "status"),
        Person.tutor_id,
        raw(Person.did_date, "did_date"),
        raw(Person.legal_status, "legal_status"),
        raw(Person.asylum_application_date, "asylum_application_date"),
        raw(Person.italian_level, "italian_level"),
        Person.municipality_code,
        raw(Person.intake_date, "intake_date"),
        has_pact.label("has_pact"),
        in_internship.label("in_internship"),
        (workshop if trade_id is not None else literal(False)).label("workshop"),
    ).where(Person.anonymised_at.is_(None))
    if person_ids is not None:
        stmt = stmt.where(Person.id.in_(person_ids))
    # Core execution (not the ORM's): plain tuples, no per-row ORM processing
    result = session.connection().execute(stmt.order_by(Person.id))
    keys = list(result.keys())
    columns = list(zip(*result.fetchall(), strict=True)) or [()] * len(keys)
    frame = pd.DataFrame(dict(zip(keys, columns, strict=True)))
    for col in ("status", "legal_status", "italian_level"):
        frame[col] = frame[col].astype("string")
    for col in ("did_date", "asylum_application_date", "intake_date"):
        frame[col] = pd.to_datetime(frame[col])
    for col in ("has_pact", "in_internship", "workshop"):
        frame[col] = frame[col].fillna(False).astype(bool)
    frame["tutor_id"] = frame["tutor_id"].astype("Int64")
    return frame


def _person_blocks(people: pd.DataFrame, today: date) -> dict[Reason, np.ndarray]:
    """The person-level hard filters, vectorised."""
    status = people["status"].to_numpy(dtype=object)
    applied = pd.to_datetime(people["asylum_application_date"])
    asylum = (people["legal_status"] == LegalStatus.ASYLUM_SEEKER.value).to_numpy(
        dtype=bool, na_value=False
    )
    waiting = (applied + ASYLUM_WORK_WAIT > pd.Timestamp(today)).to_numpy(
        dtype=bool, na_value=False
    )
    return {
        Reason.IN_INTERNSHIP: people["in_internship"].to_numpy(dtype=bool)
        | (status == PersonStatus.INTERNSHIP.value),
        Reason.HIRED: status == PersonStatus.HIRED.value,
        Reason.CLOSED: status == PersonStatus.CLOSED.value,
        Reason.NO_DID: people["did_date"].isna().to_numpy(),
        Reason.NO_PACT: ~people["has_pact"].to_numpy(dtype=bool),
        Reason.ASYLUM_WAIT: asylum & waiting,
    }


def _waiting_days(intake: pd.Series, today: date) -> np.ndarray:
    days = (pd.Timestamp(today) - pd.to_datetime(intake)).dt.days
    return days.fillna(0).clip(lower=0).to_numpy(dtype=np.int64)


# --------------------------------------------------------------------------- value objects
@dataclass(frozen=True)
class Requirement:
    competence_id: int
    code: str
    label_it: str
    label_en: str
    min_level: int
    essential: bool
    retired: bool

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_it


@dataclass(frozen=True)
class VacancySummary:
    id: int
    title: str
    company_id: int
    company: str
    trade_id: int | None
    trade_it: str | None
    trade_en: str | None
    kind: str
    status: str
    positions: int
    municipality_code: str | None
    min_italian_level: str
    start_date: date | None
    deadline: date | None
    created_on: date
    requirements: tuple[Requirement, ...]

    @property
    def municipality(self) -> str | None:
        comune = reference.comune_by_code(self.municipality_code)
        return comune.name if comune else None

    def trade(self, lang: str) -> str | None:
        return self.trade_en if lang == "en" else self.trade_it


@dataclass(frozen=True)
class CompetenceCheck:
    """One requirement seen from one person: met, below the level (with the gap) or missing."""

    requirement: Requirement
    level: int | None  # None: never rated

    @property
    def met(self) -> bool:
        return (self.level or 0) >= self.requirement.min_level

    @property
    def gap(self) -> int:
        return max(self.requirement.min_level - (self.level or 0), 0)


@dataclass(frozen=True)
class Term:
    name: str  # one of TERMS
    points: float
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Explanation:
    """Why a person has their score (or why they are excluded): never a bare number."""

    person_id: int
    name: str
    rank: int | None
    score: float
    excluded: bool
    reasons: tuple[Reason, ...]
    matched: tuple[CompetenceCheck, ...]
    missing: tuple[CompetenceCheck, ...]
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Ranking:
    """Every (not anonymised) person for one vacancy: eligible ones ranked, then the excluded.

    ``frame`` columns: person_id, first_name, last_name, tutor_id, status, italian_level,
    municipality_code, waiting_days, workshop, distance, italian_gap, the ``score_arrays``
    columns, ``level_<competence_id>`` for each requirement, ``rank`` (1… for the eligible,
    <NA> for the excluded). Sorted by ``order``.
    """

    vacancy: VacancySummary
    weights: MatchWeights
    today: date
    frame: pd.DataFrame

    @property
    def eligible(self) -> pd.DataFrame:
        return self.frame[~self.frame["excluded"]]

    @property
    def excluded(self) -> pd.DataFrame:
        return self.frame[self.frame["excluded"]]

    def explain(self, person_id: int) -> Explanation:
        at = np.flatnonzero(self.frame["person_id"].to_numpy() == person_id)
        if not len(at):
            raise NotFound(person_id)
        return _explain_row(self.frame.iloc[at[0]], self.vacancy, self.weights)


def reasons_of(row: pd.Series) -> tuple[Reason, ...]:
    return tuple(r for r in Reason if bool(row[f"x_{r.value}"]))


def _term_params(row: pd.Series, vacancy: VacancySummary, weights: MatchWeights) -> dict:
    comune = reference.comune_by_code(row["municipality_code"])
    return {
        "competences": {
            "met": int(row["n_met"]),
            "required": int(row["n_required"]),
            "percent": float(row["competence_fraction"]),
        },
        "essential_penalty": {
            "count": int(row["n_essential_unmet"]),
            "policy": weights.essential_policy,
            "factor": weights.essential_penalty_factor ** int(row["n_essential_unmet"]),
        },
        "workshop": {"done": bool(row["workshop"])},
        "italian": {
            "level": row["italian_level"],
            "minimum": vacancy.min_italian_level,
            "gap": int(row["italian_gap"]),
        },
        "distance": {
            "class": Distance(int(row["distance"])).name.lower(),
            "comune": comune.name if comune else None,
        },
        "waiting": {"days": int(row["waiting_days"])},
    }


def _explain_row(row: pd.Series, vacancy: VacancySummary, weights: MatchWeights) -> Explanation:
    checks = []
    for req in vacancy.requirements:
        value = row[f"level_{req.competence_id}"]
        checks.append(CompetenceCheck(req, None if pd.isna(value) else int(value)))
    params = _term_params(row, vacancy, weights)
    terms = tuple(Term(name, float(row[f"term_{name}"]), params[name]) for name in TERMS)
    rank = row["rank"]
    return Explanation(
        person_id=int(row["person_id"]),
        name=f"{row['first_name']} {row['last_name']}",
        rank=None if pd.isna(rank) else int(rank),
        score=float(row["score"]),
        excluded=bool(row["excluded"]),
        reasons=reasons_of(row),
        matched=tuple(c for c in checks if c.met),
        missing=tuple(
            sorted(
                (c for c in checks if not c.met),
                key=lambda c: (not c.requirement.essential, -c.gap),
            )
        ),
        terms=terms,
    )


# --------------------------------------------------------------------------- vacancies
def _requirements(session: Session, vacancy_ids: list[int]) -> pd.DataFrame:
    rows = session.execute(
        select(
            VacancyCompetence.vacancy_id,
            VacancyCompetence.competence_id,
            VacancyCompetence.min_level,
            VacancyCompetence.essential,
            Competence.code,
            Competence.label_it,
            Competence.label_en,
            Competence.retired_at.is_not(None).label("retired"),
        )
        .join(Competence, Competence.id == VacancyCompetence.competence_id)
        .where(VacancyCompetence.vacancy_id.in_(vacancy_ids))
        .order_by(
            VacancyCompetence.vacancy_id,
            VacancyCompetence.essential.desc(),
            VacancyCompetence.competence_id,
        )
    ).all()
    return pd.DataFrame(
        rows,
        columns=[
            "vacancy_id",
            "competence_id",
            "min_level",
            "essential",
            "code",
            "label_it",
            "label_en",
            "retired",
        ],
    )


def _vacancy_summaries(session: Session, where) -> list[VacancySummary]:
    rows = session.execute(
        select(Vacancy, Company.name, Trade.label_it, Trade.label_en)
        .join(Company, Company.id == Vacancy.company_id)
        .outerjoin(Trade, Trade.id == Vacancy.trade_id)
        .where(where)
        .order_by(Vacancy.created_on.desc(), Vacancy.id.desc())
    ).all()
    reqs = _requirements(session, [v.id for v, *_ in rows])
    by_vacancy: dict[int, list[Requirement]] = {}
    for r in reqs.itertuples(index=False):
        by_vacancy.setdefault(int(r.vacancy_id), []).append(
            Requirement(
                competence_id=int(r.competence_id),
                code=r.code,
                label_it=r.label_it,
                label_en=r.label_en,
                min_level=int(r.min_level),
                essential=bool(r.essential),
                retired=bool(r.retired),
            )
        )
    return [
        VacancySummary(
            id=v.id,
            title=v.title,
            company_id=v.company_id,
            company=company,
            trade_id=v.trade_id,
            trade_it=trade_it,
            trade_en=trade_en,
            kind=v.kind.value,
            status=v.status.value,
            positions=v.positions,
            municipality_code=v.municipality_code,
            min_italian_level=v.min_italian_level.value,
            start_date=v.start_date,
            deadline=v.deadline,
            created_on=v.created_on,
            requirements=tuple(by_vacancy.get(v.id, ())),
        )
        for v, company, trade_it, trade_en in rows
    ]


def vacancy_summary(session: Session, vacancy_id: int) -> VacancySummary:
    found = _vacancy_summaries(session, Vacancy.id == vacancy_id)
    if not found:
        raise NotFound(vacancy_id)
    return found[0]


def get_vacancy(*, session: Session, actor: Actor, vacancy_id: int) -> VacancySummary:
    authorize(session=session, actor=actor, operation="matching.rank")
    return vacancy_summary(session, vacancy_id)


def vacancy_choices(
    *,
    session: Session,
    actor: Actor,
    statuses: list[VacancyStatus] | None = None,
    company_id: int | None = None,
    trade_id: int | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """Vacancies to pick from (newest first), filtered in SQL.

    Columns: id, title, company, company_id, trade_id, status, created_on, requirements (count).
    """
    authorize(session=session, actor=actor, operation="matching.rank")
    n_req = (
        select(func.count())
        .select_from(VacancyCompetence)
        .where(VacancyCompetence.vacancy_id == Vacancy.id)
        .scalar_subquery()
    )
    stmt = select(
        Vacancy.id,
        Vacancy.title,
        Company.name,
        Vacancy.company_id,
        Vacancy.trade_id,
        Vacancy.status,
        Vacancy.created_on,
        n_req,
    ).join(Company, Company.id == Vacancy.company_id)
    if statuses:
        stmt = stmt.where(Vacancy.status.in_(statuses))
    if company_id is not None:
        stmt = stmt.where(Vacancy.company_id == company_id)
    if trade_id is not None:
        stmt = stmt.where(Vacancy.trade_id == trade_id)
    rows = session.execute(
        stmt.order_by(Vacancy.created_on.desc(), Vacancy.id.desc()).limit(limit)
    ).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "id",
            "title",
            "company",
            "company_id",
            "trade_id",
            "status",
            "created_on",
            "requirements",
        ],
    )
    frame["status"] = frame["status"].map(lambda v: getattr(v, "value", v))
    return frame


@dataclass(frozen=True)
class FilterOptions:
    companies: tuple[tuple[int, str], ...]
    trades: tuple[tuple[int, str, str], ...]  # id, label_it, label_en


def vacancy_filter_options(
    *, session: Session, actor: Actor, statuses: list[VacancyStatus] | None = None
) -> FilterOptions:
    """The companies and trades that have vacancies (in ``statuses``), for the filters."""
    authorize(session=session, actor=actor, operation="matching.rank")
    where = Vacancy.status.in_(statuses) if statuses else True
    companies = session.execute(
        select(Company.id, Company.name)
        .where(Company.id.in_(select(Vacancy.company_id).where(where)))
        .order_by(Company.name)
    ).all()
    trades = session.execute(
        select(Trade.id, Trade.label_it, Trade.label_en)
        .where(Trade.id.in_(select(Vacancy.trade_id).where(where)))
        .order_by(Trade.label_it)
    ).all()
    return FilterOptions(
        companies=tuple((i, n) for i, n in companies),
        trades=tuple((i, a, b) for i, a, b in trades),
    )


# --------------------------------------------------------------------------- the snapshot
_INPUT_ONLY = ("did_date", "legal_status", "asylum_application_date", "has_pact", "in_internship")


@dataclass(frozen=True)
class _Snapshot:
    """What ranking everyone reads, whatever the vacancy: the people (``_people_frame`` without
    the trade's workshop, and the columns only the filters read), who completed a workshop of
    each trade, every latest level, and the per-person arrays the scoring needs."""

    people: pd.DataFrame
    workshop: dict[int, np.ndarray]  # trade id -> completed a workshop of it, per person
    competences: pd.Index  # the columns of ``levels``
    levels: np.ndarray  # people x competences, NaN = never rated
    italian_rank: np.ndarray
    codes: np.ndarray  # comune of residence, "" when not recorded
    in_metro: np.ndarray
    by_day: dict = field(default_factory=dict)  # today -> (waiting days, hard filters)
    source: pd.DataFrame | None = None  # the columns the hard filters read

    def for_vacancy(self, trade_id: int | None, comp_ids: list[int]):
        people = self.people.copy()
        done = self.workshop.get(trade_id) if trade_id is not None else None
        people["workshop"] = done if done is not None else np.zeros(len(people), dtype=bool)
        levels = np.full((len(people), len(comp_ids)), np.nan)
        cols = self.competences.get_indexer(comp_ids)
        levels[:, cols >= 0] = self.levels[:, cols[cols >= 0]]
        return people, levels

    def on(self, today: date) -> tuple[np.ndarray, dict]:
        found = self.by_day.get(today)
        if found is None:
            found = (
                _waiting_days(self.people["intake_date"], today),
                _person_blocks(self.source, today),
            )
            self.by_day.clear()
            self.by_day[today] = found
        return found

    def distance(self, vacancy_code: str | None) -> np.ndarray:
        code = vacancy_code or ""
        known = (self.codes != "") & (code != "")
        out = np.where(known, Distance.OUTSIDE, Distance.UNKNOWN)
        out = np.where(known & self.in_metro & (code in _metro_codes()), Distance.METRO, out)
        out = np.where(known & (self.codes == code), Distance.SAME, out)
        return out.astype(np.int8)


_SNAPSHOTS: dict[str, tuple[tuple, _Snapshot]] = {}
_SNAPSHOT_LOCK = threading.Lock()


def data_version(session: Session) -> tuple:
    """A fingerprint of everything the ranking reads, cheap to take (one statement; nothing
    scans the ratings): any insert, update or delete of a person,
    rating, pact, internship or workshop enrolment changes it.

    - people: count, highest id, sum of versions (an ORM update raises it) and the latest
      ``updated_at`` (set on every update, Core statements included);
    - competence ratings: only the highest id, read from the primary key index. Ratings are an
      append-only history (a new observation is a new row; only the free-text note is ever
      cleared), and they are deleted only with their person, which changes the people's count.
      Counting 200,000 ratings was most of the fingerprint's cost at decade scale;
    - pacts (only whether one exists is read): count and highest id;
    - internships and enrolments (their status is read): count and sum of versions.

    Shortlists and vacancies are read afresh each time."""

    def scalar(column, table=None):
        stmt = select(column)
        return (stmt.select_from(table) if table is not None else stmt).scalar_subquery()

    def totals(model):  # one pass over the table for its count and its sum of versions
        return select(func.count().label("n"), func.coalesce(func.sum(model.version), 0))

    # The people's four figures in one pass; the other figures as scalar subqueries, the form
    # in which SQLite answers a count from the smallest index and max(id) from the primary key.
    people = (
        select(
            func.count().label("n"),
            func.max(Person.id).label("max_id"),
            func.coalesce(func.sum(Person.version), 0).label("versions"),
            func.max(Person.updated_at).label("updated"),
        )
        .select_from(Person)
        .subquery()
    )
    internships = totals(Internship).subquery()
    enrolments = totals(WorkshopEnrolment).subquery()
    row = session.execute(
        select(
            *people.c,
            scalar(func.max(CompetenceRating.id)),
            scalar(func.count(), ServicePact),
            scalar(func.max(ServicePact.id)),
            *internships.c,
            *enrolments.c,
        ).select_from(people.join(internships, true()).join(enrolments, true()))  # one row each
    ).one()
    return tuple(str(v) for v in row)


def _snapshot(session: Session) -> _Snapshot:
    """The snapshot of the data as they are now: reused while ``data_version`` is unchanged
    (per database), else read again (three queries)."""
    key = session.get_bind().url.render_as_string(hide_password=True)
    version = data_version(session)
    with _SNAPSHOT_LOCK:
        cached = _SNAPSHOTS.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    people = _people_frame(session, trade_id=None)
    ids = people["person_id"].to_numpy(dtype=np.int64)
    index = pd.Index(ids)
    done = pd.DataFrame(
        session.execute(
            select(WorkshopEdition.trade_id, WorkshopEnrolment.person_id)
            .join(WorkshopEdition, WorkshopEdition.id == WorkshopEnrolment.edition_id)
            .where(WorkshopEnrolment.status == EnrolmentStatus.COMPLETED)
            .distinct()
        ).all(),
        columns=["trade_id", "person_id"],
    )
    workshop: dict[int, np.ndarray] = {}
    for trade_id, group in done.groupby("trade_id"):
        pos = index.get_indexer(group["person_id"].to_numpy())
        flags = np.zeros(len(ids), dtype=bool)
        flags[pos[pos >= 0]] = True
        workshop[int(trade_id)] = flags
    comp_ids = list(session.scalars(select(Competence.id).order_by(Competence.id)))
    codes = people["municipality_code"].fillna("").astype(str).to_numpy(dtype=object)
    snap = _Snapshot(
        people=people.drop(columns=list(_INPUT_ONLY)),
        workshop=workshop,
        competences=pd.Index(comp_ids),
        levels=level_matrix(session, ids, comp_ids),
        italian_rank=people["italian_level"].map(CEFR_RANK).to_numpy(dtype=np.int64),
        codes=codes,
        in_metro=np.isin(codes, list(_metro_codes())),
        source=people[
            [
                "status",
                "in_internship",
                "legal_status",
                "asylum_application_date",
                "did_date",
                "has_pact",
            ]
        ],
    )
    with _SNAPSHOT_LOCK:
        _SNAPSHOTS[key] = (version, snap)
    return snap


# --------------------------------------------------------------------------- ranking
def _rank(
    session: Session,
    vacancy: VacancySummary,
    weights: MatchWeights,
    today: date,
    person_ids: list[int] | None = None,
) -> Ranking:
    comp_ids = [r.competence_id for r in vacancy.requirements]
    minimum = CEFR_RANK[vacancy.min_italian_level]
    if person_ids is None:  # everyone: from the snapshot of this version of the data
        snap = _snapshot(session)
        people, levels = snap.for_vacancy(vacancy.trade_id, comp_ids)
        italian_gap = snap.italian_rank - minimum
        waiting, blocked = snap.on(today)
        distance = snap.distance(vacancy.municipality_code)
    else:
        people = _people_frame(session, trade_id=vacancy.trade_id, person_ids=person_ids)
        ids = people["person_id"].to_numpy(dtype=np.int64)
        levels = level_matrix(session, ids, comp_ids, only_people=person_ids)
        italian_gap = people["italian_level"].map(CEFR_RANK).to_numpy(dtype=np.int64) - minimum
        waiting = _waiting_days(people["intake_date"], today)
        blocked = _person_blocks(people, today)
        distance = _distance_classes(people["municipality_code"], vacancy.municipality_code)
        people = people.drop(columns=list(_INPUT_ONLY))
    people["waiting_days"] = waiting
    people["distance"] = distance
    people["italian_gap"] = italian_gap
    scored = score_arrays(
        levels,
        np.array([r.min_level for r in vacancy.requirements], dtype=float),
        np.array([r.essential for r in vacancy.requirements], dtype=bool),
        italian_gap=italian_gap,
        workshop=people["workshop"].to_numpy(dtype=bool),
        distance=distance,
        waiting_days=waiting,
        blocked=blocked,
        weights=weights,
    )
    level_cols = pd.DataFrame(levels, columns=[f"level_{c}" for c in comp_ids])
    frame = pd.concat([people.drop(columns=["intake_date"]), scored, level_cols], axis=1)
    frame = frame.iloc[order(frame)].reset_index(drop=True)
    eligible = ~frame["excluded"].to_numpy()
    ranks = pd.Series(np.cumsum(eligible), dtype="Int64")
    ranks[~eligible] = pd.NA
    frame["rank"] = ranks
    return Ranking(vacancy=vacancy, weights=weights, today=today, frame=frame)


def rank_people(
    *,
    session: Session,
    actor: Actor,
    vacancy_id: int,
    today: date | None = None,
    weights: MatchWeights | None = None,
) -> Ranking:
    """Every person for this vacancy, eligible ones ranked by score, the excluded with reasons."""
    authorize(session=session, actor=actor, operation="matching.rank")
    vacancy = vacancy_summary(session, vacancy_id)
    return _rank(session, vacancy, weights or load_weights(session), today or date.today())


def score_person(
    session: Session, vacancy_id: int, person_id: int, today: date | None = None
) -> Explanation:
    """One person's score and explanation for one vacancy (the same code path as the ranking).

    No permission check: for services that have checked their own (e.g. shortlists).
    """
    vacancy = vacancy_summary(session, vacancy_id)
    ranking = _rank(
        session, vacancy, load_weights(session), today or date.today(), person_ids=[person_id]
    )
    return ranking.explain(person_id)


def explain_people(
    session: Session, vacancy_id: int, person_ids: list[int], today: date | None = None
) -> dict[int, Explanation]:
    """The explanations of a few people for one vacancy, in one ranking pass over them only.

    No permission check: for services that have checked their own (e.g. the partner portal).
    People not found (anonymised, unknown) are left out.
    """
    if not person_ids:
        return {}
    vacancy = vacancy_summary(session, vacancy_id)
    ranking = _rank(
        session, vacancy, load_weights(session), today or date.today(), person_ids=person_ids
    )
    return {int(pid): ranking.explain(int(pid)) for pid in ranking.frame["person_id"]}


def record_export(*, session: Session, actor: Actor, vacancy_id: int, rows: int) -> None:
    """Audit a download of a ranking (every export of personal data is logged)."""
    authorize(session=session, actor=actor, operation="matching.export")
    audit.record(
        session=session,
        actor=actor,
        action="export",
        entity="ranking",
        entity_id=vacancy_id,
        changes={"rows": rows},
    )


# --------------------------------------------------------------------------- the reverse view
@dataclass(frozen=True)
class VacancyMatch:
    vacancy_id: int
    title: str
    company: str
    trade_it: str | None
    trade_en: str | None
    status: str
    score: float
    excluded: bool
    reasons: tuple[Reason, ...]  # only those of this vacancy (Italian, essential competences)
    matched: tuple[CompetenceCheck, ...]
    missing: tuple[CompetenceCheck, ...]
    terms: tuple[Term, ...]

    def trade(self, lang: str) -> str | None:
        return self.trade_en if lang == "en" else self.trade_it


@dataclass(frozen=True)
class FocusCompetence:
    """A competence to work on: missing or too low in ``vacancies`` open vacancies."""

    requirement: Requirement  # with the highest minimum asked among those vacancies
    level: int | None
    vacancies: int
    essential_in: int


FOCUS_FROM = 5
"""The focus ("work on X") looks at this many of the person's closest open vacancies."""


@dataclass(frozen=True)
class PersonVacancies:
    person_id: int
    name: str
    blocked: tuple[Reason, ...]  # person-level filters: keep them out of every vacancy now
    may_work_from: date | None  # for an asylum seeker still waiting
    matches: tuple[VacancyMatch, ...]  # open vacancies, best first
    focus: tuple[FocusCompetence, ...]  # what to work on for the closest vacancies


def vacancies_for_person(
    *,
    session: Session,
    actor: Actor,
    person_id: int,
    today: date | None = None,
    weights: MatchWeights | None = None,
) -> PersonVacancies:
    """The open vacancies ranked for one person, with what they lack for each (vectorised)."""
    authorize(session=session, actor=actor, operation="matching.vacancies_for_person")
    today = today or date.today()
    weights = weights or load_weights(session)
    people = _people_frame(session, trade_id=None, person_ids=[person_id])
    if people.empty:
        raise NotFound(person_id)
    person = people.iloc[0]
    vacancies = _vacancy_summaries(session, Vacancy.status.in_(VacancyStatus.RECRUITING))
    blocks = _person_blocks(people, today)
    blocked = tuple(r for r in PERSON_REASONS if bool(blocks[r][0]))
    app_date = person["asylum_application_date"]
    waits_until = (
        may_work_from(app_date.date())
        if Reason.ASYLUM_WAIT in blocked and pd.notna(app_date)
        else None
    )
    name = f"{person['first_name']} {person['last_name']}"
    if not vacancies:
        return PersonVacancies(person_id, name, blocked, waits_until, (), ())

    comp_ids = sorted({r.competence_id for v in vacancies for r in v.requirements})
    col = {cid: j for j, cid in enumerate(comp_ids)}
    n_v, n_c = len(vacancies), len(comp_ids)
    min_level = np.zeros((n_v, n_c))
    essential = np.zeros((n_v, n_c), dtype=bool)
    reqs = [(i, col[r.competence_id], r) for i, v in enumerate(vacancies) for r in v.requirements]
    if reqs:
        rows_i = np.array([i for i, _, _ in reqs])
        cols_j = np.array([j for _, j, _ in reqs])
        min_level[rows_i, cols_j] = [r.min_level for *_, r in reqs]
        essential[rows_i, cols_j] = [r.essential for *_, r in reqs]
    person_levels = level_matrix(session, np.array([person_id]), comp_ids, only_people=[person_id])[
        0
    ]
    levels = np.broadcast_to(person_levels, (n_v, n_c))
    done_trades = set(
        session.scalars(
            select(WorkshopEdition.trade_id)
            .join(WorkshopEnrolment, WorkshopEnrolment.edition_id == WorkshopEdition.id)
            .where(
                WorkshopEnrolment.person_id == person_id,
                WorkshopEnrolment.status == EnrolmentStatus.COMPLETED,
            )
        )
    )
    vac = pd.DataFrame(
        {
            "vacancy_id": [v.id for v in vacancies],
            "trade_id": [v.trade_id for v in vacancies],
            "municipality_code": [v.municipality_code for v in vacancies],
            "min_rank": [CEFR_RANK[v.min_italian_level] for v in vacancies],
        }
    )
    italian_gap = CEFR_RANK[person["italian_level"]] - vac["min_rank"].to_numpy()
    waiting = _waiting_days(people["intake_date"], today)[0]
    distance = _distance_classes(
        pd.Series([person["municipality_code"]] * n_v, dtype=object), vac["municipality_code"]
    )
    scored = score_arrays(
        levels,
        min_level,
        essential,
        italian_gap=italian_gap,
        workshop=vac["trade_id"].isin(done_trades).to_numpy(),
        distance=distance,
        waiting_days=np.full(n_v, waiting),
        blocked={r: np.full(n_v, bool(blocks[r][0])) for r in PERSON_REASONS},
        weights=weights,
    )
    scored["vacancy_id"] = vac["vacancy_id"]
    scored["waiting_days"] = waiting
    # vacancy-specific exclusions decide the order; person-level ones apply to all alike
    own = np.zeros(n_v, dtype=bool)
    for reason in (Reason.ITALIAN_BELOW, Reason.ESSENTIAL_MISSING):
        own |= scored[f"x_{reason.value}"].to_numpy()
    ordered = scored.assign(excluded=own)
    positions = order(ordered, key="vacancy_id")

    matches = []
    comune = reference.comune_by_code(person["municipality_code"])
    for i in positions:  # one row per open vacancy: display objects, not scoring
        v = vacancies[i]
        row = scored.iloc[i]
        checks = [
            CompetenceCheck(
                r,
                None
                if np.isnan(person_levels[col[r.competence_id]])
                else int(person_levels[col[r.competence_id]]),
            )
            for r in v.requirements
        ]
        params = {
            "competences": {
                "met": int(row["n_met"]),
                "required": int(row["n_required"]),
                "percent": float(row["competence_fraction"]),
            },
            "essential_penalty": {
                "count": int(row["n_essential_unmet"]),
                "policy": weights.essential_policy,
                "factor": weights.essential_penalty_factor ** int(row["n_essential_unmet"]),
            },
            "workshop": {"done": v.trade_id in done_trades},
            "italian": {
                "level": person["italian_level"],
                "minimum": v.min_italian_level,
                "gap": int(italian_gap[i]),
            },
            "distance": {
                "class": Distance(int(distance[i])).name.lower(),
                "comune": comune.name if comune else None,
            },
            "waiting": {"days": int(waiting)},
        }
        matches.append(
            VacancyMatch(
                vacancy_id=v.id,
                title=v.title,
                company=v.company,
                trade_it=v.trade_it,
                trade_en=v.trade_en,
                status=v.status,
                score=float(row["score"]),
                excluded=bool(own[i]),
                reasons=tuple(
                    r
                    for r in (Reason.ITALIAN_BELOW, Reason.ESSENTIAL_MISSING)
                    if bool(row[f"x_{r.value}"])
                ),
                matched=tuple(c for c in checks if c.met),
                missing=tuple(
                    sorted(
                        (c for c in checks if not c.met),
                        key=lambda c: (not c.requirement.essential, -c.gap),
                    )
                ),
                terms=tuple(Term(n, float(row[f"term_{n}"]), params[n]) for n in TERMS),
            )
        )
    return PersonVacancies(
        person_id=person_id,
        name=name,
        blocked=blocked,
        may_work_from=waits_until,
        matches=tuple(matches),
        focus=_focus([m for m in matches if not m.excluded][:FOCUS_FROM]),
    )


def _focus(matches: list[VacancyMatch]) -> tuple[FocusCompetence, ...]:
    """Competences missing across the open vacancies, the most often needed first."""
    agg: dict[int, dict[str, Any]] = {}
    for m in matches:
        for c in m.missing:
            a = agg.setdefault(
                c.requirement.competence_id,
                {"req": c.requirement, "level": c.level, "n": 0, "essential": 0},
            )
            a["n"] += 1
            a["essential"] += int(c.requirement.essential)
            if c.requirement.min_level > a["req"].min_level:
                a["req"] = c.requirement
    ordered = sorted(agg.values(), key=lambda a: (-a["essential"], -a["n"], a["req"].competence_id))
    return tuple(FocusCompetence(a["req"], a["level"], a["n"], a["essential"]) for a in ordered)
