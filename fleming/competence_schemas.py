"""pandera schemas of the competence frames: the grids read and written, the comparison, and the
official ESCO skills CSV imported into the catalogue.

The table schemas (``competences``, ``competence_ratings``) are in ``fleming.schemas``; these are
the shapes the competence screens exchange with the services. Grids coming *back* from a page are
checked for their structure only: a bad level in one cell is reported on its row by the service,
not as a whole-frame failure.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from fleming.models import CompetenceArea, RatingSource

AREAS = [a.value for a in CompetenceArea]
SOURCES = [s.value for s in RatingSource]
LEVEL_RANGE: dict[str, Any] = {
    "ge": 0,
    "le": 3,
}  # fleming.competences.LEVELS (a unit test keeps them equal)


class EscoSkillsSchema(pa.DataFrameModel):
    """The official ESCO v1.2 ``skills_<lang>.csv`` (every column is text)."""

    conceptType: Series[str] = pa.Field(nullable=False)
    conceptUri: Series[str] = pa.Field(nullable=False)
    skillType: Series[str] = pa.Field(nullable=False)
    reuseLevel: Series[str] = pa.Field(nullable=False)
    preferredLabel: Series[str] = pa.Field(nullable=False)
    altLabels: Series[str] = pa.Field(nullable=False)
    hiddenLabels: Series[str] = pa.Field(nullable=False)
    status: Series[str] = pa.Field(nullable=False)
    modifiedDate: Series[str] = pa.Field(nullable=False)
    scopeNote: Series[str] = pa.Field(nullable=False)
    definition: Series[str] = pa.Field(nullable=False)
    inScheme: Series[str] = pa.Field(nullable=False)
    description: Series[str] = pa.Field(nullable=False)

    class Config:
        strict = True
        coerce = True


class PersonGridSchema(pa.DataFrameModel):
    """The grid of one person: a row per relevant competence, ``level``/``note`` to fill."""

    competence_id: Series[pd.Int64Dtype] = pa.Field(ge=1)
    code: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 60})
    area: Series[str] = pa.Field(isin=AREAS)
    trade_code: Series[str] = pa.Field(nullable=True)
    label_it: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 300})
    label_en: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 300})
    esco_uri: Series[str] = pa.Field(nullable=True)
    last_level: Series[pd.Int64Dtype] = pa.Field(nullable=True, **LEVEL_RANGE)
    last_rated_on: Series[pa.DateTime] = pa.Field(nullable=True)
    level: Series[pd.Int64Dtype] = pa.Field(nullable=True, **LEVEL_RANGE)
    note: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True
        coerce = True
        unique = ["competence_id"]


class PersonGridInputSchema(pa.DataFrameModel):
    """A person grid as edited: the competence of each row must be there; cells are free."""

    competence_id: Series[pd.Int64Dtype] = pa.Field(ge=1)
    level: Series[object] = pa.Field(nullable=True)
    note: Series[object] = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = True
        unique = ["competence_id"]


def class_grid_schema(codes: list[str]) -> pa.DataFrameSchema:
    """The class grid of a workshop edition: a row per person, a level column per competence."""
    return pa.DataFrameSchema(
        {
            "person_id": pa.Column(pd.Int64Dtype(), pa.Check.ge(1), unique=True),
            "name": pa.Column(str),
            "note": pa.Column(str, nullable=True),
            **{
                code: pa.Column(
                    pd.Int64Dtype(), pa.Check.in_range(0, 3), nullable=True, required=True
                )
                for code in codes
            },
        },
        strict=True,
        coerce=True,
        ordered=True,
    )


def class_grid_input_schema() -> pa.DataFrameSchema:
    """A class grid as edited: people and note checked, level cells left to the service."""
    return pa.DataFrameSchema(
        {
            "person_id": pa.Column(pd.Int64Dtype(), pa.Check.ge(1), unique=True),
            "note": pa.Column(object, nullable=True),
        },
        strict=False,
        coerce=True,
    )


class ProgressSchema(pa.DataFrameModel):
    """Entry (first rating) vs latest rating per competence of one person."""

    competence_id: Series[pd.Int64Dtype] = pa.Field(ge=1, unique=True)
    code: Series[str]
    area: Series[str] = pa.Field(isin=AREAS)
    trade_code: Series[str] = pa.Field(nullable=True)
    label_it: Series[str]
    label_en: Series[str]
    esco_uri: Series[str] = pa.Field(nullable=True)
    retired: Series[pd.BooleanDtype]
    entry_level: Series[pd.Int64Dtype] = pa.Field(**LEVEL_RANGE)
    entry_on: Series[pa.DateTime]
    entry_source: Series[str] = pa.Field(isin=SOURCES)
    latest_level: Series[pd.Int64Dtype] = pa.Field(**LEVEL_RANGE)
    latest_on: Series[pa.DateTime]
    latest_source: Series[str] = pa.Field(isin=SOURCES)
    ratings: Series[pd.Int64Dtype] = pa.Field(ge=1)
    gain: Series[pd.Int64Dtype] = pa.Field(ge=-3, le=3)

    class Config:
        strict = True
        coerce = True
        ordered = True

    @pa.dataframe_check
    def gain_is_latest_minus_entry(cls, df: pd.DataFrame) -> pd.Series:
        return df["gain"] == df["latest_level"] - df["entry_level"]

    @pa.dataframe_check
    def latest_not_before_entry(cls, df: pd.DataFrame) -> pd.Series:
        return df["latest_on"] >= df["entry_on"]
