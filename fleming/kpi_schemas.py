"""pandera schemas of the KPI frames (``fleming.kpi``): what every chart and export receives.

Each schema is ``strict`` and ``coerce`` like the table schemas in ``fleming.schemas``: counts are
non-negative ``Int64``; rates are floats in [0, 1] or NaN (no denominator: "not measurable", which
is not the same as 0%); months are timestamps of the first day of the month.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from fleming.models import CompetenceArea, ContractType, Sex

Int: TypeAlias = pd.Int64Dtype


def _count(**kw: Any) -> Any:
    return pa.Field(ge=0, **kw)


def _rate(**kw: Any) -> Any:
    return pa.Field(ge=0, le=1, nullable=True, **kw)


class _Frame(pa.DataFrameModel):
    class Config:
        strict = True
        coerce = True


class InternshipsByMonth(_Frame):
    month: Series[pa.DateTime] = pa.Field(unique=True)
    started: Series[Int] = _count()
    cumulative: Series[Int] = _count()
    target: Series[float] = pa.Field(ge=0)
    cumulative_target: Series[float] = pa.Field(ge=0)


class InternshipsByYear(_Frame):
    year: Series[Int] = pa.Field(ge=1900, unique=True)
    started: Series[Int] = _count()
    target: Series[float] = pa.Field(ge=0)
    share_of_target: Series[float] = pa.Field(ge=0, nullable=True)


class HireOutcomes(_Frame):
    quarter: Series[str] = pa.Field(str_matches=r"^\d{4}-Q[1-4]$", unique=True)
    ended: Series[Int] = _count()
    hired: Series[Int] = _count()
    not_hired: Series[Int] = _count()
    interrupted: Series[Int] = _count()
    hire_rate: Series[float] = _rate()

    @pa.dataframe_check
    def outcomes_add_up(cls, df: pd.DataFrame) -> Series[bool]:
        return df["hired"] + df["not_hired"] + df["interrupted"] == df["ended"]


class ContractMix(_Frame):
    contract_type: Series[str] = pa.Field(isin=[c.value for c in ContractType], unique=True)
    label: Series[str]
    hires: Series[Int] = _count()
    share: Series[float] = _rate()


class ForeignInterns(_Frame):
    sex: Series[str] = pa.Field(isin=[s.value for s in Sex], unique=True)
    label: Series[str]
    interns: Series[Int] = _count()
    foreign: Series[Int] = _count()
    foreign_share: Series[float] = _rate()


class Funnel(_Frame):
    order: Series[Int] = pa.Field(ge=1, unique=True)
    step: Series[str] = pa.Field(
        isin=["intake", "pact", "workshop", "internship", "hire"], unique=True
    )
    people: Series[Int] = _count()
    conversion: Series[float] = _rate()
    median_days: Series[float] = pa.Field(ge=0, nullable=True)


class Caseload(_Frame):
    tutor_id: Series[Int] = pa.Field(unique=True)
    tutor: Series[str]
    people: Series[Int] = _count()
    not_seen: Series[Int] = _count()
    not_seen_share: Series[float] = _rate()
    not_seen_days: Series[Int] = pa.Field(ge=1)


class PartnersOverTime(_Frame):
    month: Series[pa.DateTime] = pa.Field(unique=True)
    active_partners: Series[Int] = _count()
    new_scouted: Series[Int] = _count()
    new_partners: Series[Int] = _count()


class HiresByCompany(_Frame):
    company_id: Series[Int] = pa.Field(unique=True)
    company: Series[str]
    ended: Series[Int] = pa.Field(ge=1)
    hired: Series[Int] = _count()
    hire_rate: Series[float] = _rate()


class HiresBySector(_Frame):
    section: Series[str] = pa.Field(str_matches=r"^[A-U?]$", unique=True)
    label: Series[str]
    ended: Series[Int] = pa.Field(ge=1)
    hired: Series[Int] = _count()
    hire_rate: Series[float] = _rate()


class WorkshopsByTrade(_Frame):
    trade: Series[str] = pa.Field(unique=True)
    label: Series[str]
    enrolments: Series[Int] = _count()
    completed: Series[Int] = _count()
    withdrawn: Series[Int] = _count()
    hours_attended: Series[float] = pa.Field(ge=0)
    participants: Series[Int] = _count()
    completion_rate: Series[float] = _rate()
    hours_per_participant: Series[float] = pa.Field(ge=0, nullable=True)


class CompetenceGap(_Frame):
    trade: Series[str] = pa.Field(nullable=True)  # NULL: vacancies without a trade
    trade_label: Series[str] = pa.Field(nullable=True)
    competence: Series[str]
    competence_label: Series[str]
    area: Series[str] = pa.Field(isin=[a.value for a in CompetenceArea])
    level: Series[Int] = pa.Field(ge=1, le=3)
    vacancies: Series[Int] = pa.Field(ge=1)
    positions: Series[Int] = pa.Field(ge=1)
    holders: Series[Int] = _count()
    gap: Series[Int]
    all_positions: Series[Int] = pa.Field(ge=1)
    rank: Series[Int] = pa.Field(ge=1)
    all_gap: Series[Int]


class WorkshopSuggestion(_Frame):
    trade: Series[str] = pa.Field(unique=True)
    label: Series[str]
    vacancies: Series[Int] = pa.Field(ge=1)
    positions: Series[Int] = pa.Field(ge=1)
    share_of_open: Series[float] = _rate()
    open_vacancies: Series[Int] = _count()


class Fairness(_Frame):
    dimension: Series[str] = pa.Field(isin=["sex", "citizenship", "protection", "fragility"])
    group: Series[str]
    label: Series[str]
    interns_ended: Series[Int] = _count()
    hired: Series[Int] = _count()
    hire_rate: Series[float] = _rate()
    intake: Series[Int] = _count()
    shortlisted: Series[Int] = _count()
    shortlisting_rate: Series[float] = _rate()
    small_interns: Series[bool]
    small_intake: Series[bool]

    @pa.dataframe_check
    def one_row_per_group(cls, df: pd.DataFrame) -> bool:
        return not df.duplicated(["dimension", "group"]).any()
