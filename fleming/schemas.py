"""pandera schemas for every table: the rules a frame read from (or written to) the database obeys.

One ``DataFrameModel`` per table in ``fleming.models``, registered in ``TABLE_SCHEMAS`` under the
table name. Every schema is ``strict`` (no column more or less than the model: a test keeps them
equal) and ``coerce`` (whatever the driver returns — SQLite's text dates, PostgreSQL's
``datetime.date`` — becomes the same pandas dtype):

==================  ================  ===================================================
model type          pandas dtype      note
==================  ================  ===================================================
Integer             ``Int64``         nullable, so a NULL is reported, not cast away
String, Text, Enum  ``str``           pandas 3's string dtype (NaN for NULL)
Boolean             ``boolean``       nullable
Date, DateTime      ``datetime64``    microseconds; dates are midnight timestamps
Numeric, Float      ``float64``
JSON                ``object``
==================  ================  ===================================================

The checks repeat the database's CHECK constraints (a CSV import or a frame built in pandas has
no database to stop it) and add the rules SQL does not state: e-mail and code formats, lengths
that SQLite does not enforce, birth dates not in the future. Rules across several columns of a
row are ``row_rule`` checks; they name the columns involved.

``validate_table`` and ``validate_all`` read the tables in chunks and return the violations as
``Violation`` values (``python -m fleming check`` prints them).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pandera.pandas as pa
import sqlalchemy as sa
from pandera import dtypes
from pandera.engines import pandas_engine
from pandera.typing import Series

from fleming.auth import USERNAME_RE
from fleming.models import (
    ActivityKind,
    ActivityStatus,
    Base,
    CefrLevel,
    CompanyStatus,
    CompetenceArea,
    ConsentPurpose,
    ContractType,
    ConventionKind,
    EducationLevel,
    EnrolmentStatus,
    FragilityMarker,
    FundingStream,
    InternshipOutcome,
    InternshipStatus,
    LegalStatus,
    MeetingKind,
    PersonStatus,
    RatingSource,
    ReferralSource,
    Role,
    Sex,
    ShortlistOrigin,
    ShortlistStage,
    VacancyKind,
    VacancyStatus,
)


@pandas_engine.Engine.register_dtype
@dtypes.immutable(init=True)
class WideDateTime(pandas_engine.DateTime):
    """``datetime64[us]``: pandera's ``DateTime`` is nanoseconds, which stop in 2262.

    A mistyped year (2999) or a sentinel date (9999-12-31) would make the whole column fail to
    convert, hiding which row is wrong; microseconds reach far enough to report the value.
    """

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", np.dtype("datetime64[us]"))

    def check(self, pandera_dtype: Any, data_container: Any = None) -> bool:
        # The engine maps every datetime64 unit to nanoseconds: look at the data itself.
        if data_container is not None:
            return data_container.dtype == self.type
        return getattr(pandera_dtype, "type", None) == self.type

    def __str__(self) -> str:
        return "datetime64[us]"


# Types of the columns (pandas dtypes, see the table in the module docstring).
Int: TypeAlias = pd.Int64Dtype
Bool: TypeAlias = pd.BooleanDtype
Text = str
Timestamp = WideDateTime
Float = float
Json = object

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"
TAX_CODE_PATTERN = r"^(?:[0-9]{11}|[0-9A-Z]{16})$"  # codice fiscale, or the 11-digit provisional
VAT_NUMBER_PATTERN = r"^[0-9]{11}$"  # partita IVA
COUNTRY_PATTERN = r"^[A-Z]{2}$"  # ISO 3166-1 alpha-2
MUNICIPALITY_PATTERN = r"^[0-9]{6}$"  # ISTAT municipality code
EARLIEST_BIRTH_DATE = pd.Timestamp("1900-01-01")


# --------------------------------------------------------------------------- field helpers
def key(*, nullable: bool = False) -> Any:
    """A primary or foreign key: a positive integer."""
    return pa.Field(ge=1, nullable=nullable)


def text(max_length: int | None = None, *, nullable: bool = False, **checks: Any) -> Any:
    """A string up to ``max_length`` characters; a required string may not be empty."""
    length: dict[str, int] = {} if nullable else {"min_value": 1}
    if max_length is not None:
        length["max_value"] = max_length
    return pa.Field(nullable=nullable, str_length=length or None, **checks)


def email(*, nullable: bool = True) -> Any:
    return text(254, nullable=nullable, str_matches=EMAIL_PATTERN)


def municipality(*, nullable: bool = True) -> Any:
    return text(6, nullable=nullable, str_matches=MUNICIPALITY_PATTERN)


def enum_values(enum_cls: type[enum.Enum]) -> list[str]:
    return [member.value for member in enum_cls]


def choice(enum_cls: type[enum.Enum], *, nullable: bool = False) -> Any:
    """A column that holds one of the values of a model enum."""
    return pa.Field(isin=enum_values(enum_cls), nullable=nullable)


def number(
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    nullable: bool = False,
) -> Any:
    bounds = {k: v for k, v in {"ge": ge, "gt": gt, "le": le}.items() if v is not None}
    return pa.Field(nullable=nullable, **bounds)


def when(*, nullable: bool = False) -> Any:
    """A date or a timestamp."""
    return pa.Field(nullable=nullable)


def flag() -> Any:
    return pa.Field(nullable=False)


def row_rule(*columns: str) -> Callable[[Callable[[pd.DataFrame], pd.Series]], Any]:
    """A rule across ``columns`` of one row; the decorated function returns True on *bad* rows.

    Like a SQL CHECK, a comparison with a missing value is not a violation (the column's own
    ``nullable`` says whether the value may be missing). The failure names the columns involved.
    """

    def decorate(fn: Callable[[pd.DataFrame], pd.Series]) -> Any:
        def check(cls: Any, df: pd.DataFrame) -> pd.DataFrame:
            bad = fn(df).fillna(False).astype(bool)
            result = pd.DataFrame(True, index=df.index, columns=df.columns)
            for column in columns:
                result[column] = ~bad
            return result

        check.__name__ = fn.__name__
        check.__doc__ = fn.__doc__
        return pa.dataframe_check(check, name=fn.__name__, ignore_na=False)

    return decorate


# --------------------------------------------------------------------------- registry
TABLE_SCHEMAS: dict[str, type[pa.DataFrameModel]] = {}
"""Table name → the schema of its rows; one entry per table of ``fleming.models``."""


def table(name: str) -> Callable[[type[pa.DataFrameModel]], type[pa.DataFrameModel]]:
    def register(schema: type[pa.DataFrameModel]) -> type[pa.DataFrameModel]:
        if name in TABLE_SCHEMAS:
            raise ValueError(f"Two schemas for table {name!r}")
        TABLE_SCHEMAS[name] = schema
        return schema

    return register


class TableSchema(pa.DataFrameModel):
    class Config:
        strict = True
        coerce = True


class VersionedSchema(TableSchema):
    """A table whose model is ``Versioned`` (optimistic locking)."""

    version: Series[Int] = number(ge=1)


# --------------------------------------------------------------------------- accounts
@table("partner_organisations")
class PartnerOrganisationSchema(VersionedSchema):
    id: Series[Int] = key()
    name: Series[Text] = text(200)
    description: Series[Text] = text(nullable=True)
    email: Series[Text] = email()
    active: Series[Bool] = flag()
    created_at: Series[Timestamp] = when()


@table("users")
class UserSchema(VersionedSchema):
    id: Series[Int] = key()
    username: Series[Text] = text(64, str_matches=USERNAME_RE.pattern)
    full_name: Series[Text] = text(200)
    email: Series[Text] = email()
    password_hash: Series[Text] = text(100, str_startswith="$2")  # bcrypt
    role: Series[Text] = choice(Role)
    partner_org_id: Series[Int] = key(nullable=True)
    active: Series[Bool] = flag()
    failed_attempts: Series[Int] = number(ge=0)
    locked_until: Series[Timestamp] = when(nullable=True)
    failed_at: Series[Timestamp] = when(nullable=True)
    last_login_at: Series[Timestamp] = when(nullable=True)
    created_at: Series[Timestamp] = when()

    @row_rule("role", "partner_org_id")
    def partner_has_org(df: pd.DataFrame) -> pd.Series:
        """A partner account belongs to an organisation; a staff account does not."""
        return (df["role"] == Role.PARTNER.value) != df["partner_org_id"].notna()


@table("settings")
class SettingSchema(VersionedSchema):
    key: Series[Text] = text(100)
    value: Series[Json] = pa.Field(nullable=False)
    updated_at: Series[Timestamp] = when()


# --------------------------------------------------------------------------- reference data
@table("trades")
class TradeSchema(VersionedSchema):
    id: Series[Int] = key()
    code: Series[Text] = text(40)
    label_it: Series[Text] = text(200)
    label_en: Series[Text] = text(200)
    active: Series[Bool] = flag()


# --------------------------------------------------------------------------- people
@table("people")
class PersonSchema(VersionedSchema):
    id: Series[Int] = key()
    first_name: Series[Text] = text(100)
    last_name: Series[Text] = pa.Field(str_length={"max_value": 100})  # "" once anonymised
    tax_code: Series[Text] = text(16, str_matches=TAX_CODE_PATTERN)
    birth_date: Series[Timestamp] = pa.Field(ge=EARLIEST_BIRTH_DATE)
    sex: Series[Text] = choice(Sex)
    birth_place: Series[Text] = text(100, nullable=True)
    citizenship: Series[Text] = text(2, str_matches=COUNTRY_PATTERN)
    country_of_birth: Series[Text] = text(2, str_matches=COUNTRY_PATTERN)
    phone: Series[Text] = text(20, nullable=True)
    email: Series[Text] = email()
    municipality_code: Series[Text] = municipality()
    address: Series[Text] = text(200, nullable=True)
    italian_level: Series[Text] = choice(CefrLevel)
    education_level: Series[Text] = choice(EducationLevel)
    legal_status: Series[Text] = choice(LegalStatus)
    asylum_application_date: Series[Timestamp] = when(nullable=True)
    referral_source: Series[Text] = choice(ReferralSource)
    referral_partner_id: Series[Int] = key(nullable=True)
    funding_stream: Series[Text] = choice(FundingStream)
    did_date: Series[Timestamp] = when(nullable=True)
    intake_date: Series[Timestamp] = when()
    tutor_id: Series[Int] = key(nullable=True)
    status: Series[Text] = choice(PersonStatus)
    closing_reason: Series[Text] = text(200, nullable=True)
    health_notes: Series[Text] = text(nullable=True)
    notes: Series[Text] = text(nullable=True)
    anonymised_at: Series[Timestamp] = when(nullable=True)
    created_at: Series[Timestamp] = when()
    updated_at: Series[Timestamp] = when()

    @pa.check("birth_date", name="not_in_future")
    def birth_date_not_in_future(cls, birth_date: Series[Timestamp]) -> Series[bool]:
        return birth_date <= pd.Timestamp.today().normalize()

    @row_rule("legal_status", "asylum_application_date")
    def asylum_seeker_has_application_date(df: pd.DataFrame) -> pd.Series:
        return (df["legal_status"] == LegalStatus.ASYLUM_SEEKER.value) & df[
            "asylum_application_date"
        ].isna()

    @row_rule("referral_source", "referral_partner_id")
    def partner_referral_names_partner(df: pd.DataFrame) -> pd.Series:
        partner = df["referral_source"] == ReferralSource.PARTNER.value
        return partner != df["referral_partner_id"].notna()

    @row_rule("status", "closing_reason")
    def closed_has_reason(df: pd.DataFrame) -> pd.Series:
        return (df["status"] == PersonStatus.CLOSED.value) & df["closing_reason"].isna()

    @row_rule("last_name", "anonymised_at")
    def last_name_unless_anonymised(df: pd.DataFrame) -> pd.Series:
        return (df["last_name"] == "") & df["anonymised_at"].isna()


@table("person_fragilities")
class PersonFragilitySchema(TableSchema):
    person_id: Series[Int] = key()
    marker: Series[Text] = choice(FragilityMarker)
    detail: Series[Text] = text(200, nullable=True)


@table("consents")
class ConsentSchema(TableSchema):
    id: Series[Int] = key()
    person_id: Series[Int] = key()
    purpose: Series[Text] = choice(ConsentPurpose)
    partner_org_id: Series[Int] = key(nullable=True)
    given_on: Series[Timestamp] = when()
    text_version: Series[Text] = text(40)
    withdrawn_on: Series[Timestamp] = when(nullable=True)
    recorded_by_id: Series[Int] = key(nullable=True)
    created_at: Series[Timestamp] = when()

    @row_rule("purpose", "partner_org_id")
    def sharing_names_partner(df: pd.DataFrame) -> pd.Series:
        sharing = df["purpose"] == ConsentPurpose.PARTNER_SHARING.value
        return sharing != df["partner_org_id"].notna()

    @row_rule("given_on", "withdrawn_on")
    def withdrawn_after_given(df: pd.DataFrame) -> pd.Series:
        return df["withdrawn_on"] < df["given_on"]


@table("service_pacts")
class ServicePactSchema(VersionedSchema):
    id: Series[Int] = key()
    person_id: Series[Int] = key()
    signed_on: Series[Timestamp] = when()
    tutor_id: Series[Int] = key()
    meeting_every_days: Series[Int] = number(ge=1, le=365)
    notes: Series[Text] = text(nullable=True)
    created_at: Series[Timestamp] = when()


@table("path_activities")
class PathActivitySchema(VersionedSchema):
    id: Series[Int] = key()
    person_id: Series[Int] = key()
    pact_id: Series[Int] = key()
    kind: Series[Text] = choice(ActivityKind)
    description: Series[Text] = text(300, nullable=True)
    due_date: Series[Timestamp] = when(nullable=True)
    planned_hours: Series[Int] = number(ge=0, nullable=True)
    hours_done: Series[Int] = number(ge=0)
    status: Series[Text] = choice(ActivityStatus)
    started_on: Series[Timestamp] = when(nullable=True)
    completed_on: Series[Timestamp] = when(nullable=True)
    workshop_edition_id: Series[Int] = key(nullable=True)
    internship_id: Series[Int] = key(nullable=True)

    @row_rule("started_on", "completed_on")
    def completed_after_started(df: pd.DataFrame) -> pd.Series:
        return df["completed_on"] < df["started_on"]


@table("tutoring_meetings")
class TutoringMeetingSchema(TableSchema):
    id: Series[Int] = key()
    person_id: Series[Int] = key()
    tutor_id: Series[Int] = key()
    met_on: Series[Timestamp] = when()
    kind: Series[Text] = choice(MeetingKind)
    notes: Series[Text] = text(nullable=True)
    next_step: Series[Text] = text(300, nullable=True)
    created_at: Series[Timestamp] = when()


# --------------------------------------------------------------------------- workshops
@table("workshop_editions")
class WorkshopEditionSchema(VersionedSchema):
    id: Series[Int] = key()
    trade_id: Series[Int] = key()
    title: Series[Text] = text(200)
    hours: Series[Int] = number(ge=100, le=200)
    start_date: Series[Timestamp] = when()
    end_date: Series[Timestamp] = when()
    trainer_name: Series[Text] = text(200)
    italian_teacher_name: Series[Text] = text(200)
    capacity: Series[Int] = number(gt=0)
    created_at: Series[Timestamp] = when()

    @row_rule("start_date", "end_date")
    def end_after_start(df: pd.DataFrame) -> pd.Series:
        return df["end_date"] < df["start_date"]


@table("workshop_enrolments")
class WorkshopEnrolmentSchema(VersionedSchema):
    id: Series[Int] = key()
    edition_id: Series[Int] = key()
    person_id: Series[Int] = key()
    enrolled_on: Series[Timestamp] = when()
    status: Series[Text] = choice(EnrolmentStatus)
    completed_on: Series[Timestamp] = when(nullable=True)


@table("workshop_sessions")
class WorkshopSessionSchema(TableSchema):
    id: Series[Int] = key()
    edition_id: Series[Int] = key()
    session_date: Series[Timestamp] = when()
    hours: Series[Float] = number(gt=0, le=12)


@table("workshop_attendance")
class WorkshopAttendanceSchema(TableSchema):
    session_id: Series[Int] = key()
    enrolment_id: Series[Int] = key()
    hours: Series[Float] = number(ge=0, le=12)  # at most the session's hours


# --------------------------------------------------------------------------- competences
@table("competences")
class CompetenceSchema(VersionedSchema):
    id: Series[Int] = key()
    code: Series[Text] = text(60)
    label_it: Series[Text] = text(300)
    label_en: Series[Text] = text(300)
    area: Series[Text] = choice(CompetenceArea)
    trade_id: Series[Int] = key(nullable=True)
    esco_uri: Series[Text] = text(300, nullable=True)
    retired_at: Series[Timestamp] = when(nullable=True)
    created_at: Series[Timestamp] = when()

    @row_rule("area", "trade_id")
    def technical_has_trade(df: pd.DataFrame) -> pd.Series:
        return (df["area"] == CompetenceArea.TECHNICAL.value) & df["trade_id"].isna()


@table("competence_ratings")
class CompetenceRatingSchema(TableSchema):
    id: Series[Int] = key()
    person_id: Series[Int] = key()
    competence_id: Series[Int] = key()
    level: Series[Int] = number(ge=0, le=3)
    rated_on: Series[Timestamp] = when()
    source: Series[Text] = choice(RatingSource)
    assessor_id: Series[Int] = key(nullable=True)
    workshop_edition_id: Series[Int] = key(nullable=True)
    note: Series[Text] = text(500, nullable=True)
    created_at: Series[Timestamp] = when()


# --------------------------------------------------------------------------- companies
@table("companies")
class CompanySchema(VersionedSchema):
    id: Series[Int] = key()
    name: Series[Text] = text(200)
    vat_number: Series[Text] = text(11, str_matches=VAT_NUMBER_PATTERN)
    ateco_code: Series[Text] = text(8)
    employees: Series[Int] = number(ge=0)
    address: Series[Text] = text(200, nullable=True)
    municipality_code: Series[Text] = municipality()
    website: Series[Text] = text(300, nullable=True)
    status: Series[Text] = choice(CompanyStatus)
    notes: Series[Text] = text(nullable=True)
    created_at: Series[Timestamp] = when()
    became_active_on: Series[Timestamp] = when(nullable=True)


@table("company_contacts")
class CompanyContactSchema(VersionedSchema):
    id: Series[Int] = key()
    company_id: Series[Int] = key()
    name: Series[Text] = text(200)
    role: Series[Text] = text(100, nullable=True)
    phone: Series[Text] = text(20, nullable=True)
    email: Series[Text] = email()


@table("scouting_log")
class ScoutingEntrySchema(TableSchema):
    id: Series[Int] = key()
    company_id: Series[Int] = key()
    contacted_on: Series[Timestamp] = when()
    staff_id: Series[Int] = key(nullable=True)
    channel: Series[Text] = text(40)
    outcome: Series[Text] = text(300)
    next_step: Series[Text] = text(300, nullable=True)
    next_step_on: Series[Timestamp] = when(nullable=True)


@table("conventions")
class ConventionSchema(VersionedSchema):
    id: Series[Int] = key()
    company_id: Series[Int] = key()
    kind: Series[Text] = choice(ConventionKind)
    signed_on: Series[Timestamp] = when()
    expires_on: Series[Timestamp] = when()

    @row_rule("signed_on", "expires_on")
    def expires_after_signed(df: pd.DataFrame) -> pd.Series:
        return df["expires_on"] <= df["signed_on"]


@table("training_courses")
class TrainingCourseSchema(VersionedSchema):
    id: Series[Int] = key()
    company_id: Series[Int] = key()
    title: Series[Text] = text(200)
    trade_id: Series[Int] = key(nullable=True)
    hours: Series[Int] = number(gt=0)
    start_date: Series[Timestamp] = when()
    end_date: Series[Timestamp] = when()
    participants: Series[Int] = number(ge=0)

    @row_rule("start_date", "end_date")
    def end_after_start(df: pd.DataFrame) -> pd.Series:
        return df["end_date"] < df["start_date"]


# --------------------------------------------------------------------------- vacancies
@table("vacancies")
class VacancySchema(VersionedSchema):
    id: Series[Int] = key()
    company_id: Series[Int] = key()
    title: Series[Text] = text(200)
    trade_id: Series[Int] = key(nullable=True)
    esco_occupation_uri: Series[Text] = text(300, nullable=True)
    isco_code: Series[Text] = text(8, nullable=True)
    positions: Series[Int] = number(ge=1)
    kind: Series[Text] = choice(VacancyKind)
    contract_offered: Series[Text] = text(100, nullable=True)
    hours_percent: Series[Int] = number(ge=1, le=100)
    municipality_code: Series[Text] = municipality()
    min_italian_level: Series[Text] = choice(CefrLevel)
    start_date: Series[Timestamp] = when(nullable=True)
    deadline: Series[Timestamp] = when(nullable=True)
    status: Series[Text] = choice(VacancyStatus)
    closed_reason: Series[Text] = text(200, nullable=True)
    published_to_partners: Series[Bool] = flag()
    hide_company_name: Series[Bool] = flag()
    created_on: Series[Timestamp] = when()
    created_at: Series[Timestamp] = when()

    @row_rule("status", "closed_reason")
    def closed_has_reason(df: pd.DataFrame) -> pd.Series:
        return (df["status"] == VacancyStatus.CLOSED.value) & df["closed_reason"].isna()

    @row_rule("deadline", "start_date")
    def deadline_before_start(df: pd.DataFrame) -> pd.Series:
        return df["deadline"] > df["start_date"]


@table("vacancy_competences")
class VacancyCompetenceSchema(TableSchema):
    vacancy_id: Series[Int] = key()
    competence_id: Series[Int] = key()
    min_level: Series[Int] = number(ge=1, le=3)
    essential: Series[Bool] = flag()


# --------------------------------------------------------------------------- shortlists
@table("shortlist_entries")
class ShortlistEntrySchema(VersionedSchema):
    id: Series[Int] = key()
    vacancy_id: Series[Int] = key()
    person_id: Series[Int] = key()
    stage: Series[Text] = choice(ShortlistStage)
    reason: Series[Text] = text(300, nullable=True)
    origin: Series[Text] = choice(ShortlistOrigin)
    nominated_by_partner_id: Series[Int] = key(nullable=True)
    motivation: Series[Text] = text(nullable=True)
    score: Series[Float] = number(nullable=True)
    added_by_id: Series[Int] = key(nullable=True)
    added_at: Series[Timestamp] = when()

    @row_rule("origin", "nominated_by_partner_id")
    def partner_origin_names_partner(df: pd.DataFrame) -> pd.Series:
        partner = df["origin"] == ShortlistOrigin.PARTNER.value
        return partner != df["nominated_by_partner_id"].notna()

    @row_rule("stage", "reason")
    def closing_stage_has_reason(df: pd.DataFrame) -> pd.Series:
        closing = df["stage"].isin([ShortlistStage.REJECTED.value, ShortlistStage.WITHDRAWN.value])
        return closing & df["reason"].isna()


@table("shortlist_stage_changes")
class ShortlistStageChangeSchema(TableSchema):
    id: Series[Int] = key()
    entry_id: Series[Int] = key()
    from_stage: Series[Text] = choice(ShortlistStage, nullable=True)
    to_stage: Series[Text] = choice(ShortlistStage)
    reason: Series[Text] = text(300, nullable=True)
    changed_by_id: Series[Int] = key(nullable=True)
    changed_at: Series[Timestamp] = when()


@table("shortlist_shares")
class ShortlistShareSchema(TableSchema):
    id: Series[Int] = key()
    vacancy_id: Series[Int] = key()
    partner_org_id: Series[Int] = key()
    shared_by_id: Series[Int] = key(nullable=True)
    shared_at: Series[Timestamp] = when()
    revoked_at: Series[Timestamp] = when(nullable=True)

    @row_rule("shared_at", "revoked_at")
    def revoked_after_shared(df: pd.DataFrame) -> pd.Series:
        return df["revoked_at"] < df["shared_at"]


# --------------------------------------------------------------------------- internships
@table("internships")
class InternshipSchema(VersionedSchema):
    id: Series[Int] = key()
    person_id: Series[Int] = key()
    company_id: Series[Int] = key()
    vacancy_id: Series[Int] = key(nullable=True)
    shortlist_entry_id: Series[Int] = key(nullable=True)
    start_date: Series[Timestamp] = when()
    planned_end_date: Series[Timestamp] = when()
    actual_end_date: Series[Timestamp] = when(nullable=True)
    weekly_hours: Series[Int] = number(gt=0, le=40)
    monthly_allowance: Series[Float] = number(ge=0)
    meal_vouchers: Series[Bool] = flag()
    company_tutor_name: Series[Text] = text(200)
    centre_tutor_id: Series[Int] = key(nullable=True)
    funding_stream: Series[Text] = choice(FundingStream)
    status: Series[Text] = choice(InternshipStatus)
    outcome: Series[Text] = choice(InternshipOutcome, nullable=True)
    outcome_reason: Series[Text] = text(300, nullable=True)
    contract_type: Series[Text] = choice(ContractType, nullable=True)
    contract_months: Series[Int] = number(ge=1, nullable=True)
    part_time_percent: Series[Int] = number(ge=1, le=100, nullable=True)
    hire_date: Series[Timestamp] = when(nullable=True)
    created_at: Series[Timestamp] = when()

    @row_rule("start_date", "planned_end_date")
    def planned_end_after_start(df: pd.DataFrame) -> pd.Series:
        return df["planned_end_date"] <= df["start_date"]

    @row_rule("start_date", "actual_end_date")
    def end_after_start(df: pd.DataFrame) -> pd.Series:
        return df["actual_end_date"] < df["start_date"]

    @row_rule("outcome", "contract_type")
    def hire_has_contract(df: pd.DataFrame) -> pd.Series:
        return (df["outcome"] == InternshipOutcome.HIRED.value) & df["contract_type"].isna()

    @row_rule("status", "outcome")
    def outcome_iff_ended(df: pd.DataFrame) -> pd.Series:
        return (df["status"] == InternshipStatus.ACTIVE.value) == df["outcome"].notna()


@table("internship_attendance")
class InternshipAttendanceSchema(TableSchema):
    internship_id: Series[Int] = key()
    month: Series[Timestamp] = when()
    attendance_percent: Series[Int] = number(ge=0, le=100)

    @pa.check("month", name="first_of_month")
    def month_is_first_day(cls, month: Series[Timestamp]) -> Series[bool]:
        return month.dt.day == 1


@table("internship_checks")
class InternshipCheckSchema(TableSchema):
    id: Series[Int] = key()
    internship_id: Series[Int] = key()
    checked_on: Series[Timestamp] = when()
    rating: Series[Int] = number(ge=1, le=5)
    notes: Series[Text] = text(nullable=True)
    recorded_by_id: Series[Int] = key(nullable=True)


# --------------------------------------------------------------------------- audit
@table("audit_log")
class AuditEntrySchema(TableSchema):
    id: Series[Int] = key()
    at: Series[Timestamp] = when()
    actor_id: Series[Int] = key(nullable=True)
    actor_username: Series[Text] = text(64, nullable=True)
    action: Series[Text] = text(30)
    entity: Series[Text] = text(60)
    entity_id: Series[Text] = text(40, nullable=True)
    person_id: Series[Int] = key(nullable=True)
    changes: Series[Json] = pa.Field(nullable=True)


# --------------------------------------------------------------------------- validation
@dataclass(frozen=True)
class Violation:
    """One failed check: which table, column and rule, on which row, with which value.

    ``row`` is the position of the row in primary-key order and ``row_id`` its primary key
    (``"id=42"``, ``"internship_id=3, month=2025-01-01"``); both are None when the failure is
    about the table as a whole (a missing or extra column). A rule over several columns names
    them all in ``column`` and gives their values as ``failure_case``, a tuple of (column, value)
    pairs (a missing value is left out). ``format_value`` turns a failure case into text.
    """

    table: str
    column: str | None
    check: str
    row: int | None
    row_id: str | None
    failure_case: object

    @property
    def where(self) -> str:
        """The row as people read it: its primary key, else its position, else ``-``."""
        return self.row_id or (f"row {self.row}" if self.row is not None else "-")

    def describe(self) -> str:
        return (
            f"{self.table}: {self.column or '-'} {self.check} at {self.where}: "
            f"{format_value(self.failure_case)}"
        )


_TABLE_SHAPE_CHECKS = {
    "column_in_schema": "unexpected_column",  # pandera: "column not in schema"
    "column_in_dataframe": "missing_column",  # pandera: "column not in dataframe"
}


def _scalar(value: object) -> object:
    """A plain Python value: numpy scalars unwrapped, timestamps as dates or datetimes."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() else value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (ValueError, TypeError):
            return value
    return value


def format_value(value: object) -> str:
    """A failure value for a message: dates in ISO form, text quoted, row-rule values as is."""
    if isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        return ", ".join(f"{name}={format_value(v)}" for name, v in value)
    value = _scalar(value)
    if isinstance(value, date | datetime):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return repr(value)


def _format_key(keys: pd.DataFrame | None, row: object) -> str | None:
    if keys is None or row is None or row not in keys.index:
        return None
    values = keys.loc[row]
    return ", ".join(f"{name}={_scalar(values[name])}" for name in keys.columns)


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def validate_frame(
    table_name: str, frame: pd.DataFrame, *, keys: pd.DataFrame | None = None
) -> list[Violation]:
    """Validate ``frame`` against the schema of ``table_name`` and list every violation.

    ``keys`` (the primary-key columns, same index as ``frame``) turns row positions into ids;
    by default they are taken from ``frame`` when its primary-key columns are there.
    """
    schema = TABLE_SCHEMAS[table_name]
    if keys is None:
        pk = [c.name for c in Base.metadata.tables[table_name].primary_key.columns]
        if all(name in frame.columns for name in pk):
            keys = frame[pk]
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _violations(table_name, errors.failure_cases, keys)
    return []


def _violations(
    table_name: str, failures: pd.DataFrame, keys: pd.DataFrame | None
) -> list[Violation]:
    out: list[Violation] = []
    coerce_failed: set[tuple[object, object]] = set()
    schema_columns = set(TABLE_SCHEMAS[table_name].to_schema().columns)
    for failure in failures.to_dict("records"):
        check = str(failure["check"])
        column = failure["column"]
        case = failure["failure_case"]
        row = None if _is_missing(failure["index"]) else _scalar(failure["index"])
        if check in _TABLE_SHAPE_CHECKS:
            # a column too many or missing: the failure case is the column's name
            column, case, check = str(case), None, _TABLE_SHAPE_CHECKS[check]
        elif isinstance(case, dict):
            # a row rule: the values of the columns involved
            column = ", ".join(case)
            case = tuple((name, _scalar(v)) for name, v in case.items())
        elif column not in schema_columns:
            column = None  # a check on the whole frame
        if check.startswith("coerce_dtype("):
            coerce_failed.add((column, row))
        elif check.startswith("dtype(") and (column, row) in coerce_failed:
            continue  # the same bad value again, reported by the failed conversion
        if isinstance(case, BaseException):
            case = f"{type(case).__name__}: {case}"
        out.append(
            Violation(
                table=table_name,
                column=None if column is None else str(column),
                check=check,
                row=row,
                row_id=_format_key(keys, row),
                failure_case=_scalar(case),
            )
        )
    out.sort(key=lambda v: (v.row is not None, v.row if v.row is not None else -1, v.column or ""))
    return out


def validate_table(engine: sa.Engine, table_name: str, chunk_size: int = 50_000) -> list[Violation]:
    """Read ``table_name`` in chunks of ``chunk_size`` rows and validate each chunk.

    The rows are read raw (no SQLAlchemy type conversion), so a value the model could not load
    — an unknown enum value written by hand, a malformed date in SQLite — is reported too.
    """
    model_table = Base.metadata.tables[table_name]
    raw = sa.table(table_name, *(sa.column(c.name) for c in model_table.c))
    pk = [c.name for c in model_table.primary_key.columns]
    query = sa.select(*raw.c).order_by(*(raw.c[name] for name in pk))
    violations: list[Violation] = []
    offset = 0
    with engine.connect() as conn:
        conn = conn.execution_options(stream_results=True)
        for chunk in pd.read_sql(query, conn, chunksize=chunk_size, coerce_float=True):
            chunk.index = pd.RangeIndex(offset, offset + len(chunk))
            offset += len(chunk)
            violations.extend(validate_frame(table_name, chunk, keys=chunk[pk].copy()))
    return violations


def validate_all(
    engine: sa.Engine, tables: Iterable[str] | None = None, chunk_size: int = 50_000
) -> dict[str, list[Violation]]:
    """Violations per table, for every table of the models (or ``tables``), in FK order."""
    names = list(tables) if tables is not None else [t.name for t in Base.metadata.sorted_tables]
    return {name: validate_table(engine, name, chunk_size=chunk_size) for name in names}
