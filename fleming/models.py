"""SQLAlchemy 2.x typed models: the single source of truth for Fleming's tables.

Every rule that SQL can state is a constraint here (NOT NULL, CHECK, UNIQUE, FK); services add the
rules SQL cannot state. Editable records carry ``version`` (optimistic locking: a stale save raises
``Conflict`` instead of overwriting).
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Versioned:
    """Optimistic locking: every UPDATE checks and bumps ``version``."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]  # mixin


# --------------------------------------------------------------------------- enumerations
class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    TUTOR = "tutor"
    PARTNER = "partner"


STAFF_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.TUTOR})


class Sex(enum.StrEnum):
    F = "F"
    M = "M"


class CefrLevel(enum.StrEnum):
    PRE_A1 = "PRE_A1"
    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"

    @property
    def rank(self) -> int:
        return list(CefrLevel).index(self)


class EducationLevel(enum.StrEnum):
    NONE = "none"
    PRIMARY = "primary"
    LOWER_SECONDARY = "lower_secondary"
    VOCATIONAL = "vocational"
    UPPER_SECONDARY = "upper_secondary"
    TERTIARY = "tertiary"


class LegalStatus(enum.StrEnum):
    ITALIAN = "italian"
    EU_CITIZEN = "eu_citizen"
    ASYLUM_SEEKER = "asylum_seeker"
    INTERNATIONAL_PROTECTION = "international_protection"
    SPECIAL_PROTECTION = "special_protection"
    OTHER_PERMIT = "other_permit"


class FragilityMarker(enum.StrEnum):
    SINGLE_PARENT = "single_parent"
    OVER_45 = "over_45"
    LONG_TERM_UNEMPLOYED = "long_term_unemployed"
    LOW_EMPLOYABILITY = "low_employability"
    DISABILITY = "disability"
    OTHER = "other"


class ReferralSource(enum.StrEnum):
    PUBLIC_SERVICE = "public_service"
    PARTNER = "partner"
    SELF = "self"


class FundingStream(enum.StrEnum):
    MUNICIPAL = "municipal"
    GARANZIA_GIOVANI = "garanzia_giovani"
    DUL = "dul"
    GOL = "gol"


class PersonStatus(enum.StrEnum):
    INTAKE = "intake"
    ACTIVE = "active"
    INTERNSHIP = "internship"
    HIRED = "hired"
    CLOSED = "closed"

    # Groups of statuses (not members), set below the class: every rule reads them from here.
    OPEN_CASE: ClassVar[tuple[PersonStatus, ...]]  # on the centre's caseload
    AVAILABLE: ClassVar[tuple[PersonStatus, ...]]  # open and free to take a job now
    ENDED: ClassVar[tuple[PersonStatus, ...]]  # the case is over (hired or closed)


PersonStatus.OPEN_CASE = (PersonStatus.INTAKE, PersonStatus.ACTIVE, PersonStatus.INTERNSHIP)
PersonStatus.AVAILABLE = (PersonStatus.INTAKE, PersonStatus.ACTIVE)
PersonStatus.ENDED = (PersonStatus.HIRED, PersonStatus.CLOSED)


class ConsentPurpose(enum.StrEnum):
    DATA_PROCESSING = "data_processing"
    PARTNER_SHARING = "partner_sharing"


class ActivityKind(enum.StrEnum):
    SKILLS_ASSESSMENT = "skills_assessment"
    ITALIAN_COURSE = "italian_course"
    WORKSHOP = "workshop"
    ORIENTATION_CV = "orientation_cv"
    INTERNSHIP = "internship"
    EXTERNAL_TRAINING = "external_training"


class ActivityStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class EnrolmentStatus(enum.StrEnum):
    ENROLLED = "enrolled"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class CompetenceArea(enum.StrEnum):
    TECHNICAL = "technical"
    TRANSVERSAL = "transversal"
    LANGUAGE = "language"
    DIGITAL = "digital"


class RatingSource(enum.StrEnum):
    ENTRY = "entry"
    WORKSHOP_END = "workshop_end"
    INTERNSHIP_EVAL = "internship_eval"
    EXIT = "exit"


class CompanyStatus(enum.StrEnum):
    PROSPECT = "prospect"
    CONTACTED = "contacted"
    ACTIVE = "active"
    DORMANT = "dormant"


class ConventionKind(enum.StrEnum):
    INTERNSHIPS = "internships"
    COMMISSIONED_TRAINING = "commissioned_training"


class VacancyKind(enum.StrEnum):
    INTERNSHIP = "internship"
    DIRECT_HIRE = "direct_hire"


class VacancyStatus(enum.StrEnum):
    OPEN = "open"
    SHORTLISTING = "shortlisting"
    FILLED = "filled"
    CLOSED = "closed"

    # Not a member, set below the class: the vacancy still takes candidates.
    RECRUITING: ClassVar[tuple[VacancyStatus, ...]]


VacancyStatus.RECRUITING = (VacancyStatus.OPEN, VacancyStatus.SHORTLISTING)


class ShortlistStage(enum.StrEnum):
    PROPOSED = "proposed"
    CONTACTED = "contacted"
    INTERVIEW = "interview"
    SELECTED = "selected"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ShortlistOrigin(enum.StrEnum):
    CENTRE = "centre"
    PARTNER = "partner"


class InternshipStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"


class InternshipOutcome(enum.StrEnum):
    HIRED = "hired"
    NOT_HIRED = "not_hired"
    INTERRUPTED = "interrupted"


class ContractType(enum.StrEnum):
    APPRENTICESHIP = "apprenticeship"
    FIXED_TERM = "fixed_term"
    PERMANENT = "permanent"
    AGENCY = "agency"


class MeetingKind(enum.StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"
    GROUP = "group"


def enum_type(cls: type[enum.StrEnum], name: str) -> SAEnum:
    """A portable enum: VARCHAR plus a named CHECK constraint on both SQLite and PostgreSQL."""
    return SAEnum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in cls) + 8,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


# --------------------------------------------------------------------------- accounts
class PartnerOrganisation(Versioned, Base):
    __tablename__ = "partner_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class User(Versioned, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("username = lower(username)", name="username_lowercase"),
        CheckConstraint(
            "(role = 'partner') = (partner_org_id IS NOT NULL)", name="partner_has_org"
        ),
        CheckConstraint("failed_attempts >= 0", name="failed_attempts_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    partner_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_organisations.id", ondelete="RESTRICT"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)  # the last failed login
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    partner_org: Mapped[PartnerOrganisation | None] = relationship()


class Setting(Versioned, Base):
    """A centre-wide setting (targets, thresholds, rule figures) stored as JSON."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


# --------------------------------------------------------------------------- reference data
class Trade(Versioned, Base):
    """A workshop trade (catering, electrical installation, ...); new ones can be added."""

    __tablename__ = "trades"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_it: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# --------------------------------------------------------------------------- people
class Person(Versioned, Base):
    """A person (*utente*) walked along an individual path by the centre."""

    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint(
            "legal_status <> 'asylum_seeker' OR asylum_application_date IS NOT NULL",
            name="asylum_seeker_has_application_date",
        ),
        CheckConstraint(
            "(referral_source = 'partner') = (referral_partner_id IS NOT NULL)",
            name="partner_referral_names_partner",
        ),
        CheckConstraint(
            "status <> 'closed' OR closing_reason IS NOT NULL", name="closed_has_reason"
        ),
        CheckConstraint("length(tax_code) IN (11, 16)", name="tax_code_length"),
        Index("ix_people_last_first", "last_name", "first_name"),
        Index("ix_people_tutor_status", "tutor_id", "status"),
        # the register's order (surname, name, case-insensitive): pages walk this index
        Index("ix_people_sort_name", text("lower(last_name)"), text("lower(first_name)"), "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    tax_code: Mapped[str] = mapped_column(String(16), unique=True)
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[Sex] = mapped_column(enum_type(Sex, "sex"))
    birth_place: Mapped[str | None] = mapped_column(String(100))
    citizenship: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    country_of_birth: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    municipality_code: Mapped[str | None] = mapped_column(String(6), index=True)  # ISTAT
    address: Mapped[str | None] = mapped_column(String(200))
    italian_level: Mapped[CefrLevel] = mapped_column(enum_type(CefrLevel, "italian_level"))
    education_level: Mapped[EducationLevel] = mapped_column(
        enum_type(EducationLevel, "education_level")
    )
    legal_status: Mapped[LegalStatus] = mapped_column(enum_type(LegalStatus, "legal_status"))
    asylum_application_date: Mapped[date | None] = mapped_column(Date)
    referral_source: Mapped[ReferralSource] = mapped_column(
        enum_type(ReferralSource, "referral_source")
    )
    referral_partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_organisations.id", ondelete="RESTRICT"), index=True
    )
    funding_stream: Mapped[FundingStream] = mapped_column(
        enum_type(FundingStream, "funding_stream")
    )
    did_date: Mapped[date | None] = mapped_column(Date)
    intake_date: Mapped[date] = mapped_column(Date, index=True)
    tutor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[PersonStatus] = mapped_column(
        enum_type(PersonStatus, "status"), default=PersonStatus.INTAKE, index=True
    )
    closing_reason: Mapped[str | None] = mapped_column(String(200))
    health_notes: Mapped[str | None] = mapped_column(Text)  # special category (GDPR art. 9)
    notes: Mapped[str | None] = mapped_column(Text)
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    tutor: Mapped[User | None] = relationship(foreign_keys=[tutor_id])
    referral_partner: Mapped[PartnerOrganisation | None] = relationship()
    fragilities: Mapped[list[PersonFragility]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )


class PersonFragility(Base):
    __tablename__ = "person_fragilities"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    marker: Mapped[FragilityMarker] = mapped_column(
        enum_type(FragilityMarker, "marker"), primary_key=True
    )
    detail: Mapped[str | None] = mapped_column(String(200))

    person: Mapped[Person] = relationship(back_populates="fragilities")


class Consent(Base):
    """Consent per purpose (and per partner for sharing), with the information text version."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint(
            "(purpose = 'partner_sharing') = (partner_org_id IS NOT NULL)",
            name="sharing_names_partner",
        ),
        CheckConstraint(
            "withdrawn_on IS NULL OR withdrawn_on >= given_on", name="withdrawn_after_given"
        ),
        Index("ix_consents_person_purpose", "person_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    purpose: Mapped[ConsentPurpose] = mapped_column(enum_type(ConsentPurpose, "purpose"))
    partner_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_organisations.id", ondelete="RESTRICT"), index=True
    )
    given_on: Mapped[date] = mapped_column(Date)
    text_version: Mapped[str] = mapped_column(String(40))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ServicePact(Versioned, Base):
    """The *patto di servizio*: tutor, planned activities, meeting frequency."""

    __tablename__ = "service_pacts"
    __table_args__ = (
        CheckConstraint("meeting_every_days BETWEEN 1 AND 365", name="meeting_frequency_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    signed_on: Mapped[date] = mapped_column(Date)
    tutor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    meeting_every_days: Mapped[int] = mapped_column(Integer, default=30)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PathActivity(Versioned, Base):
    __tablename__ = "path_activities"
    __table_args__ = (
        CheckConstraint("planned_hours IS NULL OR planned_hours >= 0", name="planned_hours_pos"),
        CheckConstraint("hours_done >= 0", name="hours_done_non_negative"),
        CheckConstraint(
            "completed_on IS NULL OR started_on IS NULL OR completed_on >= started_on",
            name="completed_after_started",
        ),
        Index("ix_path_activities_person_status", "person_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    pact_id: Mapped[int] = mapped_column(ForeignKey("service_pacts.id", ondelete="CASCADE"))
    kind: Mapped[ActivityKind] = mapped_column(enum_type(ActivityKind, "kind"))
    description: Mapped[str | None] = mapped_column(String(300))
    due_date: Mapped[date | None] = mapped_column(Date)
    planned_hours: Mapped[int | None] = mapped_column(Integer)
    hours_done: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[ActivityStatus] = mapped_column(
        enum_type(ActivityStatus, "status"), default=ActivityStatus.PLANNED
    )
    started_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    workshop_edition_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_editions.id", ondelete="SET NULL"), index=True
    )
    internship_id: Mapped[int | None] = mapped_column(
        ForeignKey("internships.id", ondelete="SET NULL"), index=True
    )


class TutoringMeeting(Base):
    __tablename__ = "tutoring_meetings"
    __table_args__ = (Index("ix_tutoring_meetings_person_date", "person_id", "met_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    tutor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    met_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[MeetingKind] = mapped_column(enum_type(MeetingKind, "kind"))
    notes: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --------------------------------------------------------------------------- workshops
class WorkshopEdition(Versioned, Base):
    """One edition of a *laboratorio* (100–200 hours, trade trainer + Italian teacher)."""

    __tablename__ = "workshop_editions"
    __table_args__ = (
        CheckConstraint("hours BETWEEN 100 AND 200", name="hours_range"),
        CheckConstraint("end_date >= start_date", name="end_after_start"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trade_id: Mapped[int] = mapped_column(ForeignKey("trades.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    hours: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    trainer_name: Mapped[str] = mapped_column(String(200))
    italian_teacher_name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    trade: Mapped[Trade] = relationship()


class WorkshopEnrolment(Versioned, Base):
    __tablename__ = "workshop_enrolments"
    __table_args__ = (UniqueConstraint("edition_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_editions.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    enrolled_on: Mapped[date] = mapped_column(Date)
    status: Mapped[EnrolmentStatus] = mapped_column(
        enum_type(EnrolmentStatus, "status"), default=EnrolmentStatus.ENROLLED
    )
    completed_on: Mapped[date | None] = mapped_column(Date)


class WorkshopSession(Base):
    __tablename__ = "workshop_sessions"
    __table_args__ = (
        UniqueConstraint("edition_id", "session_date"),
        CheckConstraint("hours > 0 AND hours <= 12", name="hours_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("workshop_editions.id", ondelete="CASCADE"))
    session_date: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(4, 1))


class WorkshopAttendance(Base):
    __tablename__ = "workshop_attendance"
    __table_args__ = (CheckConstraint("hours >= 0", name="hours_non_negative"),)

    session_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_enrolments.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    hours: Mapped[Decimal] = mapped_column(Numeric(4, 1))


# --------------------------------------------------------------------------- competences
class Competence(Versioned, Base):
    __tablename__ = "competences"
    __table_args__ = (
        CheckConstraint("area <> 'technical' OR trade_id IS NOT NULL", name="technical_has_trade"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    label_it: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300))
    area: Mapped[CompetenceArea] = mapped_column(enum_type(CompetenceArea, "area"))
    trade_id: Mapped[int | None] = mapped_column(
        ForeignKey("trades.id", ondelete="RESTRICT"), index=True
    )
    esco_uri: Mapped[str | None] = mapped_column(String(300))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CompetenceRating(Base):
    """One observation of a person's level in a competence (append-only history)."""

    __tablename__ = "competence_ratings"
    __table_args__ = (
        CheckConstraint("level BETWEEN 0 AND 3", name="level_range"),
        Index("ix_competence_ratings_person_comp_date", "person_id", "competence_id", "rated_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    competence_id: Mapped[int] = mapped_column(
        ForeignKey("competences.id", ondelete="RESTRICT"), index=True
    )
    level: Mapped[int] = mapped_column(Integer)
    rated_on: Mapped[date] = mapped_column(Date)
    source: Mapped[RatingSource] = mapped_column(enum_type(RatingSource, "source"))
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    workshop_edition_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_editions.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --------------------------------------------------------------------------- companies
class Company(Versioned, Base):
    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint("employees >= 0", name="employees_non_negative"),
        CheckConstraint("length(vat_number) = 11", name="vat_number_length"),
        Index("ix_companies_status_name", "status", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    vat_number: Mapped[str] = mapped_column(String(11), unique=True)  # partita IVA
    ateco_code: Mapped[str] = mapped_column(String(8), index=True)
    employees: Mapped[int] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(200))
    municipality_code: Mapped[str | None] = mapped_column(String(6), index=True)
    website: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[CompanyStatus] = mapped_column(
        enum_type(CompanyStatus, "status"), default=CompanyStatus.PROSPECT
    )
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    became_active_on: Mapped[date | None] = mapped_column(Date)


class CompanyContact(Versioned, Base):
    __tablename__ = "company_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))


class ScoutingEntry(Base):
    """One step of the relationship with a company (call, visit, e-mail) and what comes next."""

    __tablename__ = "scouting_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    contacted_on: Mapped[date] = mapped_column(Date)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(300))
    next_step: Mapped[str | None] = mapped_column(String(300))
    next_step_on: Mapped[date | None] = mapped_column(Date)


class Convention(Versioned, Base):
    """The *convenzione* between a company and the municipality."""

    __tablename__ = "conventions"
    __table_args__ = (
        CheckConstraint("expires_on > signed_on", name="expires_after_signed"),
        Index("ix_conventions_company_expiry", "company_id", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    kind: Mapped[ConventionKind] = mapped_column(enum_type(ConventionKind, "kind"))
    signed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)


class TrainingCourse(Versioned, Base):
    """A training course commissioned by a company."""

    __tablename__ = "training_courses"
    __table_args__ = (
        CheckConstraint("hours > 0", name="hours_positive"),
        CheckConstraint("end_date >= start_date", name="end_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    trade_id: Mapped[int | None] = mapped_column(ForeignKey("trades.id", ondelete="RESTRICT"))
    hours: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    participants: Mapped[int] = mapped_column(Integer, default=0)


# --------------------------------------------------------------------------- vacancies
class Vacancy(Versioned, Base):
    """A company's job need (*fabbisogno*)."""

    __tablename__ = "vacancies"
    __table_args__ = (
        CheckConstraint("positions >= 1", name="positions_positive"),
        CheckConstraint("hours_percent BETWEEN 1 AND 100", name="hours_percent_range"),
        CheckConstraint(
            "status <> 'closed' OR closed_reason IS NOT NULL", name="closed_has_reason"
        ),
        CheckConstraint(
            "deadline IS NULL OR start_date IS NULL OR deadline <= start_date",
            name="deadline_before_start",
        ),
        Index("ix_vacancies_status_created", "status", "created_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    trade_id: Mapped[int | None] = mapped_column(
        ForeignKey("trades.id", ondelete="RESTRICT"), index=True
    )
    esco_occupation_uri: Mapped[str | None] = mapped_column(String(300))
    isco_code: Mapped[str | None] = mapped_column(String(8))
    positions: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[VacancyKind] = mapped_column(enum_type(VacancyKind, "kind"))
    contract_offered: Mapped[str | None] = mapped_column(String(100))
    hours_percent: Mapped[int] = mapped_column(Integer, default=100)
    municipality_code: Mapped[str | None] = mapped_column(String(6))
    min_italian_level: Mapped[CefrLevel] = mapped_column(enum_type(CefrLevel, "min_italian_level"))
    start_date: Mapped[date | None] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[VacancyStatus] = mapped_column(
        enum_type(VacancyStatus, "status"), default=VacancyStatus.OPEN
    )
    closed_reason: Mapped[str | None] = mapped_column(String(200))
    published_to_partners: Mapped[bool] = mapped_column(Boolean, default=False)
    hide_company_name: Mapped[bool] = mapped_column(Boolean, default=False)
    created_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    company: Mapped[Company] = relationship()
    requirements: Mapped[list[VacancyCompetence]] = relationship(
        cascade="all, delete-orphan", back_populates="vacancy"
    )


class VacancyCompetence(Base):
    __tablename__ = "vacancy_competences"
    __table_args__ = (CheckConstraint("min_level BETWEEN 1 AND 3", name="min_level_range"),)

    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancies.id", ondelete="CASCADE"), primary_key=True
    )
    competence_id: Mapped[int] = mapped_column(
        ForeignKey("competences.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    min_level: Mapped[int] = mapped_column(Integer)
    essential: Mapped[bool] = mapped_column(Boolean, default=True)

    vacancy: Mapped[Vacancy] = relationship(back_populates="requirements")


# --------------------------------------------------------------------------- shortlists
class ShortlistEntry(Versioned, Base):
    """A person on a vacancy's shortlist (from the ranking, or nominated by a partner)."""

    __tablename__ = "shortlist_entries"
    __table_args__ = (
        UniqueConstraint("vacancy_id", "person_id"),
        CheckConstraint(
            "(origin = 'partner') = (nominated_by_partner_id IS NOT NULL)",
            name="partner_origin_names_partner",
        ),
        CheckConstraint(
            "stage NOT IN ('rejected', 'withdrawn') OR reason IS NOT NULL",
            name="closing_stage_has_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    stage: Mapped[ShortlistStage] = mapped_column(
        enum_type(ShortlistStage, "stage"), default=ShortlistStage.PROPOSED
    )
    reason: Mapped[str | None] = mapped_column(String(300))
    origin: Mapped[ShortlistOrigin] = mapped_column(
        enum_type(ShortlistOrigin, "origin"), default=ShortlistOrigin.CENTRE
    )
    nominated_by_partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_organisations.id", ondelete="RESTRICT")
    )
    motivation: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column()
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ShortlistStageChange(Base):
    __tablename__ = "shortlist_stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("shortlist_entries.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[ShortlistStage | None] = mapped_column(
        enum_type(ShortlistStage, "from_stage")
    )
    to_stage: Mapped[ShortlistStage] = mapped_column(enum_type(ShortlistStage, "to_stage"))
    reason: Mapped[str | None] = mapped_column(String(300))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ShortlistShare(Base):
    """A vacancy's shortlist shared with a partner organisation (revocable)."""

    __tablename__ = "shortlist_shares"
    __table_args__ = (
        Index("ix_shortlist_shares_partner_vacancy", "partner_org_id", "vacancy_id"),
        CheckConstraint(
            "revoked_at IS NULL OR revoked_at >= shared_at", name="revoked_after_shared"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"))
    partner_org_id: Mapped[int] = mapped_column(
        ForeignKey("partner_organisations.id", ondelete="RESTRICT")
    )
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    shared_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


# --------------------------------------------------------------------------- internships
class Internship(Versioned, Base):
    """A company internship (*tirocinio extracurricolare*) and its outcome."""

    __tablename__ = "internships"
    __table_args__ = (
        CheckConstraint("planned_end_date > start_date", name="planned_end_after_start"),
        CheckConstraint(
            "actual_end_date IS NULL OR actual_end_date >= start_date", name="end_after_start"
        ),
        CheckConstraint("weekly_hours > 0 AND weekly_hours <= 40", name="weekly_hours_range"),
        CheckConstraint("monthly_allowance >= 0", name="allowance_non_negative"),
        CheckConstraint(
            "outcome <> 'hired' OR contract_type IS NOT NULL", name="hire_has_contract"
        ),
        CheckConstraint(
            "part_time_percent IS NULL OR part_time_percent BETWEEN 1 AND 100",
            name="part_time_range",
        ),
        CheckConstraint("(status = 'active') = (outcome IS NULL)", name="outcome_iff_ended"),
        Index("ix_internships_start", "start_date"),
        Index("ix_internships_status_end", "status", "planned_end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    vacancy_id: Mapped[int | None] = mapped_column(
        ForeignKey("vacancies.id", ondelete="SET NULL"), index=True
    )
    shortlist_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("shortlist_entries.id", ondelete="SET NULL")
    )
    start_date: Mapped[date] = mapped_column(Date)
    planned_end_date: Mapped[date] = mapped_column(Date)
    actual_end_date: Mapped[date | None] = mapped_column(Date)
    weekly_hours: Mapped[int] = mapped_column(Integer)
    monthly_allowance: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    meal_vouchers: Mapped[bool] = mapped_column(Boolean, default=False)
    company_tutor_name: Mapped[str] = mapped_column(String(200))
    centre_tutor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    funding_stream: Mapped[FundingStream] = mapped_column(
        enum_type(FundingStream, "funding_stream")
    )
    status: Mapped[InternshipStatus] = mapped_column(
        enum_type(InternshipStatus, "status"), default=InternshipStatus.ACTIVE
    )
    outcome: Mapped[InternshipOutcome | None] = mapped_column(
        enum_type(InternshipOutcome, "outcome")
    )
    outcome_reason: Mapped[str | None] = mapped_column(String(300))
    contract_type: Mapped[ContractType | None] = mapped_column(
        enum_type(ContractType, "contract_type")
    )
    contract_months: Mapped[int | None] = mapped_column(Integer)
    part_time_percent: Mapped[int | None] = mapped_column(Integer)
    hire_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class InternshipAttendance(Base):
    __tablename__ = "internship_attendance"
    __table_args__ = (
        CheckConstraint("attendance_percent BETWEEN 0 AND 100", name="percent_range"),
    )

    internship_id: Mapped[int] = mapped_column(
        ForeignKey("internships.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # first day of the month
    attendance_percent: Mapped[int] = mapped_column(Integer)


class InternshipCheck(Base):
    """The mid-term check with the company."""

    __tablename__ = "internship_checks"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    internship_id: Mapped[int] = mapped_column(
        ForeignKey("internships.id", ondelete="CASCADE"), index=True
    )
    checked_on: Mapped[date] = mapped_column(Date)
    rating: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


# --------------------------------------------------------------------------- audit
class AuditEntry(Base):
    """Append-only: the application inserts rows and never updates or deletes them."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity", "entity", "entity_id"),
        Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_username: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(30))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    person_id: Mapped[int | None] = mapped_column(Integer, index=True)
    changes: Mapped[dict | None] = mapped_column(JSON)
