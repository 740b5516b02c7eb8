"""Data-protection tools for coordinators and the administrator: subject access, anonymisation
and retention.

* **Subject access** (GDPR art. 15): ``export_json`` and ``export_pdf`` give everything the centre
  holds about one person — the record, consents, patto, activities, meetings, workshops,
  ratings, shortlists and who they were shared with, internships, and the audit trail of who did
  what with the file (partner views included). Each export is audited.
* **Anonymisation** (art. 17, where the centre must keep the statistics): ``anonymise`` replaces
  the identifying data with a pseudonym (``ANON-000123``), rounds the birth date to the first day
  of its quarter, and removes contacts, the tax code and every free text about the person (the
  columns of ``fleming.personal_data``). Every column the figures are computed from stays, so
  every KPI is the same before and after. Active consents end on that day, so partners stop
  seeing the person. The audit log needs no change: it never held those values.
* **Retention**: ``retention_due`` lists the ended cases (closed, or ended in a hire) whose file
  has not changed for ``N`` years (setting ``privacy.retention_years``, default
  ``DEFAULT_RETENTION_YEARS``); ``apply_retention`` anonymises them
  (``python -m fleming retention``).

Only a case that has ended can be anonymised: an open case is closed first, on the person's
page, so the caseload figures do not count anonymous people as being followed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from fleming import audit
from fleming.actor import Actor
from fleming.errors import Conflict, NotFound, ValidationError
from fleming.i18n import enum_label, fmt_date, fmt_number, translate
from fleming.models import (
    AuditEntry,
    Company,
    Competence,
    CompetenceRating,
    Consent,
    Internship,
    InternshipAttendance,
    InternshipCheck,
    InternshipStatus,
    PartnerOrganisation,
    PathActivity,
    Person,
    PersonFragility,
    PersonStatus,
    ServicePact,
    Setting,
    ShortlistEntry,
    ShortlistShare,
    ShortlistStageChange,
    Trade,
    TutoringMeeting,
    User,
    Vacancy,
    WorkshopAttendance,
    WorkshopEdition,
    WorkshopEnrolment,
    WorkshopSession,
    utcnow,
)
from fleming.permissions import authorize
from fleming.transparency import ACCENT, FONT, HEAD, INK, MUTED, RULE, FlemingPdf

ENDED = (PersonStatus.CLOSED, PersonStatus.HIRED)
"""The statuses of a case that has ended: only these can be anonymised."""

RETENTION_SETTING = "privacy.retention_years"
DEFAULT_RETENTION_YEARS = 10
"""How long an ended case is kept before anonymisation, unless the setting says otherwise."""

CLEARED_TEXT = "—"
"""What stays in a required free-text column (a closed case's reason, a rejected entry's)."""

EXPORT_FORMAT = "fleming.subject_access.v1"
CENTRE = "Centro Fleming — Comune di Milano"


def pseudonym(person_id: int) -> str:
    """``ANON-000123``: the name an anonymised person keeps in the statistics."""
    return f"ANON-{person_id:06d}"


def pseudonymous_tax_code(person_id: int) -> str:
    """``ANON000000000123``: 16 characters, unique, and never a valid codice fiscale (the
    month letter's place holds a digit)."""
    return f"ANON{person_id:012d}"


def quarter_start(day: date) -> date:
    """The first day of ``day``'s quarter (1 January, 1 April, 1 July or 1 October)."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _minus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --------------------------------------------------------------------------- search
@dataclass(frozen=True)
class Subject:
    """A person as the data-protection page lists them."""

    id: int
    first_name: str
    last_name: str
    tax_code: str
    status: PersonStatus
    intake_date: date
    last_change: date
    version: int

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def ended(self) -> bool:
        return self.status in ENDED


def _subject(p: Person) -> Subject:
    return Subject(
        id=p.id,
        first_name=p.first_name,
        last_name=p.last_name,
        tax_code=p.tax_code,
        status=p.status,
        intake_date=p.intake_date,
        last_change=p.updated_at.date(),
        version=p.version,
    )


def find_people(*, session: Session, actor: Actor, text: str, limit: int = 20) -> list[Subject]:
    """People (any status, not anonymised) whose name or tax code contains every word of
    ``text``; nothing for an empty text."""
    authorize(session=session, actor=actor, operation="gdpr.search")
    words = text.split()[:5]
    if not words:
        return []
    query = select(Person).where(Person.anonymised_at.is_(None))
    for word in words:
        pattern = "%" + word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern += "%"
        query = query.where(
            or_(
                func.lower(Person.first_name).like(pattern, escape="\\"),
                func.lower(Person.last_name).like(pattern, escape="\\"),
                func.lower(Person.tax_code).like(pattern, escape="\\"),
            )
        )
    rows = session.scalars(
        query.order_by(
            func.lower(Person.last_name), func.lower(Person.first_name), Person.id
        ).limit(max(1, min(limit, 100)))
    ).all()
    return [_subject(p) for p in rows]


def get_subject(*, session: Session, actor: Actor, person_id: int) -> Subject:
    authorize(session=session, actor=actor, operation="gdpr.search")
    return _subject(_person(session, person_id))


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.anonymised_at is not None:
        raise NotFound("person")
    return person


# --------------------------------------------------------------------------- subject access
def _columns(obj: Any, *skip: str) -> dict[str, Any]:
    table = obj.__table__
    return {
        c.key: getattr(obj, c.key)
        for c in table.columns
        if c.key not in skip and c.key != "version"
    }


def subject_data(session: Session, person: Person) -> dict[str, Any]:
    """Everything held about ``person``: the record and one list of rows per kind of data.

    Values stay Python values (dates, enums, decimals); ``to_json`` and the PDF format them.
    """
    pid = person.id
    tutor = aliased(User)
    data: dict[str, Any] = {}

    record = _columns(person)
    record["referral_partner"] = person.referral_partner.name if person.referral_partner else None
    record["tutor"] = person.tutor.full_name if person.tutor else None
    data["person"] = record
    data["fragilities"] = [
        {"marker": f.marker, "detail": f.detail}
        for f in session.scalars(
            select(PersonFragility).where(PersonFragility.person_id == pid)
        ).all()
    ]
    data["consents"] = [
        {
            **_columns(c, "person_id", "recorded_by_id"),
            "partner": partner,
            "recorded_by": recorder,
        }
        for c, partner, recorder in session.execute(
            select(Consent, PartnerOrganisation.name, tutor.full_name)
            .outerjoin(PartnerOrganisation, PartnerOrganisation.id == Consent.partner_org_id)
            .outerjoin(tutor, tutor.id == Consent.recorded_by_id)
            .where(Consent.person_id == pid)
            .order_by(Consent.given_on, Consent.id)
        ).all()
    ]
    data["service_pact"] = [
        {**_columns(p, "person_id", "tutor_id"), "tutor": name}
        for p, name in session.execute(
            select(ServicePact, tutor.full_name)
            .outerjoin(tutor, tutor.id == ServicePact.tutor_id)
            .where(ServicePact.person_id == pid)
        ).all()
    ]
    data["path_activities"] = [
        _columns(a, "person_id", "pact_id")
        for a in session.scalars(
            select(PathActivity)
            .where(PathActivity.person_id == pid)
            .order_by(PathActivity.due_date, PathActivity.id)
        ).all()
    ]
    data["tutoring_meetings"] = [
        {**_columns(m, "person_id", "tutor_id"), "tutor": name}
        for m, name in session.execute(
            select(TutoringMeeting, tutor.full_name)
            .outerjoin(tutor, tutor.id == TutoringMeeting.tutor_id)
            .where(TutoringMeeting.person_id == pid)
            .order_by(TutoringMeeting.met_on, TutoringMeeting.id)
        ).all()
    ]
    hours = dict(
        session.execute(
            select(WorkshopAttendance.enrolment_id, func.sum(WorkshopAttendance.hours))
            .join(WorkshopEnrolment, WorkshopEnrolment.id == WorkshopAttendance.enrolment_id)
            .where(WorkshopEnrolment.person_id == pid)
            .group_by(WorkshopAttendance.enrolment_id)
        ).all()
    )
    data["workshop_enrolments"] = [
        {
            **_columns(e, "person_id"),
            "edition": title,
            "trade": trade,
            "hours_attended": Decimal(hours.get(e.id) or 0),
        }
        for e, title, trade in session.execute(
            select(WorkshopEnrolment, WorkshopEdition.title, Trade.label_it)
            .join(WorkshopEdition, WorkshopEdition.id == WorkshopEnrolment.edition_id)
            .join(Trade, Trade.id == WorkshopEdition.trade_id)
            .where(WorkshopEnrolment.person_id == pid)
            .order_by(WorkshopEnrolment.enrolled_on, WorkshopEnrolment.id)
        ).all()
    ]
    data["workshop_attendance"] = [
        {"enrolment_id": eid, "session_date": day, "hours": h}
        for eid, day, h in session.execute(
            select(
                WorkshopAttendance.enrolment_id,
                WorkshopSession.session_date,
                WorkshopAttendance.hours,
            )
            .join(WorkshopSession, WorkshopSession.id == WorkshopAttendance.session_id)
            .join(WorkshopEnrolment, WorkshopEnrolment.id == WorkshopAttendance.enrolment_id)
            .where(WorkshopEnrolment.person_id == pid)
            .order_by(WorkshopSession.session_date, WorkshopAttendance.enrolment_id)
        ).all()
    ]
    data["competence_ratings"] = [
        {
            **_columns(r, "person_id", "assessor_id", "competence_id"),
            "competence": f"{label} ({code})",
            "assessor": name,
        }
        for r, code, label, name in session.execute(
            select(CompetenceRating, Competence.code, Competence.label_it, tutor.full_name)
            .join(Competence, Competence.id == CompetenceRating.competence_id)
            .outerjoin(tutor, tutor.id == CompetenceRating.assessor_id)
            .where(CompetenceRating.person_id == pid)
            .order_by(CompetenceRating.rated_on, CompetenceRating.id)
        ).all()
    ]
    nominator = aliased(PartnerOrganisation)
    entries = session.execute(
        select(ShortlistEntry, Vacancy.title, Company.name, nominator.name)
        .join(Vacancy, Vacancy.id == ShortlistEntry.vacancy_id)
        .join(Company, Company.id == Vacancy.company_id)
        .outerjoin(nominator, nominator.id == ShortlistEntry.nominated_by_partner_id)
        .where(ShortlistEntry.person_id == pid)
        .order_by(ShortlistEntry.added_at, ShortlistEntry.id)
    ).all()
    data["shortlist_entries"] = [
        {
            **_columns(e, "person_id", "added_by_id", "nominated_by_partner_id"),
            "vacancy": title,
            "company": company,
            "nominated_by": partner,
        }
        for e, title, company, partner in entries
    ]
    titles = {e.id: title for e, title, _, _ in entries}
    data["shortlist_stage_changes"] = [
        {**_columns(c, "changed_by_id"), "vacancy": titles.get(c.entry_id)}
        for c in session.scalars(
            select(ShortlistStageChange)
            .where(ShortlistStageChange.entry_id.in_(list(titles)))
            .order_by(ShortlistStageChange.changed_at, ShortlistStageChange.id)
        ).all()
    ]
    vacancy_titles = {e.vacancy_id: title for e, title, _, _ in entries}
    data["shared_with_partners"] = [
        {
            "vacancy": vacancy_titles.get(s.vacancy_id),
            "partner": partner,
            "shared_at": s.shared_at,
            "revoked_at": s.revoked_at,
        }
        for s, partner in session.execute(
            select(ShortlistShare, PartnerOrganisation.name)
            .join(PartnerOrganisation, PartnerOrganisation.id == ShortlistShare.partner_org_id)
            .where(ShortlistShare.vacancy_id.in_(list(vacancy_titles)))
            .order_by(ShortlistShare.shared_at, ShortlistShare.id)
        ).all()
    ]
    internships = session.execute(
        select(Internship, Company.name, tutor.full_name)
        .join(Company, Company.id == Internship.company_id)
        .outerjoin(tutor, tutor.id == Internship.centre_tutor_id)
        .where(Internship.person_id == pid)
        .order_by(Internship.start_date, Internship.id)
    ).all()
    data["internships"] = [
        {
            **_columns(i, "person_id", "centre_tutor_id", "shortlist_entry_id"),
            "company": company,
            "centre_tutor": name,
        }
        for i, company, name in internships
    ]
    companies = {i.id: company for i, company, _ in internships}
    data["internship_attendance"] = [
        {**_columns(a), "company": companies.get(a.internship_id)}
        for a in session.scalars(
            select(InternshipAttendance)
            .where(InternshipAttendance.internship_id.in_(list(companies)))
            .order_by(InternshipAttendance.internship_id, InternshipAttendance.month)
        ).all()
    ]
    data["internship_checks"] = [
        {**_columns(c, "recorded_by_id"), "company": companies.get(c.internship_id)}
        for c in session.scalars(
            select(InternshipCheck)
            .where(InternshipCheck.internship_id.in_(list(companies)))
            .order_by(InternshipCheck.checked_on, InternshipCheck.id)
        ).all()
    ]
    data["audit_trail"] = [
        {
            "at": e.at,
            "user": e.actor_username,
            "action": e.action,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "changes": e.changes,
        }
        for e in session.scalars(
            select(AuditEntry)
            .where(AuditEntry.person_id == pid)
            .order_by(AuditEntry.at, AuditEntry.id)
        ).all()
    ]
    return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def to_json(data: dict[str, Any], *, person_id: int, actor: Actor, at: datetime) -> bytes:
    document = {
        "format": EXPORT_FORMAT,
        "centre": CENTRE,
        "person_id": person_id,
        "generated_at": at.isoformat(timespec="seconds"),
        "generated_by": actor.username,
        **{key: _jsonable(value) for key, value in data.items()},
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def _export(session: Session, actor: Actor, person_id: int, fmt: str, lang: str | None) -> dict:
    authorize(session=session, actor=actor, operation="gdpr.export")
    person = _person(session, person_id)
    data = subject_data(session, person)
    changes: dict[str, Any] = {
        "format": fmt,
        "rows": sum(len(v) for v in data.values() if isinstance(v, list)),
    }
    if lang is not None:
        changes["lang"] = lang
    audit.record(
        session=session,
        actor=actor,
        action="export",
        entity="subject_access",
        entity_id=person_id,
        person_id=person_id,
        changes=changes,
    )
    return data


def export_json(*, session: Session, actor: Actor, person_id: int) -> bytes:
    """Everything held about the person, as JSON (UTF-8); the export is audited."""
    data = _export(session, actor, person_id, "json", None)
    return to_json(data, person_id=person_id, actor=actor, at=utcnow())


def export_pdf(*, session: Session, actor: Actor, person_id: int, lang: str = "it") -> bytes:
    """The same as ``export_json``, laid out to be read by the person; audited."""
    lang = "en" if lang == "en" else "it"
    data = _export(session, actor, person_id, "pdf", lang)
    return render_pdf(data, lang=lang, issued_on=date.today())


def file_stem(subject: Subject) -> str:
    return f"dati_{subject.id}_{date.today().isoformat()}"


# --------------------------------------------------------------------------- anonymisation
def anonymise(
    *,
    session: Session,
    actor: Actor,
    person_id: int,
    version: int,
    today: date | None = None,
    reason: str = "request",
) -> str:
    """Replace the person's identifying data with a pseudonym; returns it (``ANON-000123``).

    ``version`` is the record the user confirmed (a stale one is a ``Conflict``). Refused for a
    case that has not ended (``ValidationError``): close it first. ``reason`` is recorded in the
    audit row: ``request`` (the person asked) or ``retention``.
    """
    authorize(session=session, actor=actor, operation="gdpr.anonymise")
    today = today or date.today()
    person = _person(session, person_id)
    if person.version != version:
        raise Conflict("stale")
    if person.status not in ENDED:
        raise ValidationError("person_id", "gdpr.error.case_open")
    running = session.scalar(
        select(func.count())
        .select_from(Internship)
        .where(Internship.person_id == person_id, Internship.status == InternshipStatus.ACTIVE)
    )
    if running:
        raise ValidationError("person_id", "gdpr.error.internship_running")
    _anonymise(session, person, today)
    name = pseudonym(person_id)
    audit.record(
        session=session,
        actor=actor,
        action="anonymise",
        entity="person",
        entity_id=person_id,
        person_id=person_id,
        changes={"pseudonym": name, "reason": reason},
    )
    return name


def _anonymise(session: Session, person: Person, today: date) -> None:
    """Every column of ``fleming.personal_data.PERSONAL`` replaced or removed, the rest kept."""
    pid = person.id
    person.first_name = pseudonym(pid)
    person.last_name = ""
    person.tax_code = pseudonymous_tax_code(pid)
    person.birth_date = quarter_start(person.birth_date)
    if person.asylum_application_date is not None:
        person.asylum_application_date = quarter_start(person.asylum_application_date)
    person.birth_place = None
    person.phone = None
    person.email = None
    person.address = None
    person.municipality_code = None
    person.health_notes = None
    person.notes = None
    if person.closing_reason is not None:
        person.closing_reason = CLEARED_TEXT
    person.anonymised_at = utcnow()
    person.updated_at = utcnow()
    for fragility in person.fragilities:
        fragility.detail = None
    for consent in session.scalars(
        select(Consent).where(Consent.person_id == pid, Consent.withdrawn_on.is_(None))
    ):
        consent.withdrawn_on = max(today, consent.given_on)
    for pact in session.scalars(select(ServicePact).where(ServicePact.person_id == pid)):
        pact.notes = None
    for activity in session.scalars(select(PathActivity).where(PathActivity.person_id == pid)):
        activity.description = None
    for meeting in session.scalars(select(TutoringMeeting).where(TutoringMeeting.person_id == pid)):
        meeting.notes = None
        meeting.next_step = None
    for rating in session.scalars(
        select(CompetenceRating).where(CompetenceRating.person_id == pid)
    ):
        rating.note = None
    entry_ids = []
    for entry in session.scalars(select(ShortlistEntry).where(ShortlistEntry.person_id == pid)):
        entry_ids.append(entry.id)
        entry.motivation = None
        if entry.reason is not None:
            entry.reason = CLEARED_TEXT
    for change in session.scalars(
        select(ShortlistStageChange).where(ShortlistStageChange.entry_id.in_(entry_ids))
    ):
        if change.reason is not None:
            change.reason = CLEARED_TEXT
    internship_ids = []
    for internship in session.scalars(select(Internship).where(Internship.person_id == pid)):
        internship_ids.append(internship.id)
        if internship.outcome_reason is not None:
            internship.outcome_reason = CLEARED_TEXT
    for check in session.scalars(
        select(InternshipCheck).where(InternshipCheck.internship_id.in_(internship_ids))
    ):
        check.notes = None
    session.flush()


# --------------------------------------------------------------------------- retention
@dataclass(frozen=True)
class DueCase:
    """An ended case past the retention period."""

    id: int
    first_name: str
    last_name: str
    status: PersonStatus
    intake_date: date
    last_change: date
    version: int

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def retention_years(session: Session) -> int:
    """The retention period in years (setting ``privacy.retention_years``, else the default)."""
    value = session.scalar(select(Setting.value).where(Setting.key == RETENTION_SETTING))
    try:
        years = int(value)  # type: ignore[call-overload]  # any stored value: a failure is handled
    except (TypeError, ValueError):
        return DEFAULT_RETENTION_YEARS
    return years if years >= 1 else DEFAULT_RETENTION_YEARS


def set_retention_years(*, session: Session, actor: Actor, years: int) -> None:
    """Change the retention period (1 to 100 years); audited."""
    authorize(session=session, actor=actor, operation="gdpr.retention")
    if not isinstance(years, int) or not 1 <= years <= 100:
        raise ValidationError("years", "gdpr.error.years_range")
    setting = session.get(Setting, RETENTION_SETTING)
    old = retention_years(session)
    if setting is None:
        session.add(Setting(key=RETENTION_SETTING, value=years))
    else:
        setting.value = years
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="setting",
        entity_id=RETENTION_SETTING,
        changes={"value": {"from": old, "to": years}},
    )


def retention_cutoff(years: int, today: date) -> date:
    """Files last changed before this day are past the retention period."""
    return _minus_years(today, years)


def retention_due(
    *, session: Session, actor: Actor, years: int | None = None, today: date | None = None
) -> list[DueCase]:
    """The ended cases (closed, or ended in a hire) whose file has not changed for ``years``
    years (default: the setting), oldest first. No active internship among them."""
    authorize(session=session, actor=actor, operation="gdpr.retention")
    today = today or date.today()
    years = retention_years(session) if years is None else years
    if years < 1:
        raise ValidationError("years", "gdpr.error.years_range")
    cutoff = datetime.combine(retention_cutoff(years, today), datetime.min.time())
    running = (
        select(Internship.id)
        .where(Internship.person_id == Person.id, Internship.status == InternshipStatus.ACTIVE)
        .exists()
    )
    rows = session.execute(
        select(
            Person.id,
            Person.first_name,
            Person.last_name,
            Person.status,
            Person.intake_date,
            Person.updated_at,
            Person.version,
        )
        .where(
            Person.anonymised_at.is_(None),
            Person.status.in_(list(ENDED)),
            Person.updated_at < cutoff,
            ~running,
        )
        .order_by(Person.updated_at, Person.id)
    ).all()
    return [
        DueCase(
            id=r.id,
            first_name=r.first_name,
            last_name=r.last_name,
            status=PersonStatus(r.status),
            intake_date=r.intake_date,
            last_change=r.updated_at.date(),
            version=r.version,
        )
        for r in rows
    ]


def apply_retention(
    *, session: Session, actor: Actor, years: int | None = None, today: date | None = None
) -> list[int]:
    """Anonymise every case ``retention_due`` lists; the ids anonymised."""
    due = retention_due(session=session, actor=actor, years=years, today=today)
    for case in due:
        anonymise(
            session=session,
            actor=actor,
            person_id=case.id,
            version=case.version,
            today=today,
            reason="retention",
        )
    return [case.id for case in due]


# --------------------------------------------------------------------------- the PDF

PERSON_FIELDS = (
    ("first_name", "people.field.first_name"),
    ("last_name", "people.field.last_name"),
    ("tax_code", "people.field.tax_code"),
    ("birth_date", "people.field.birth_date"),
    ("sex", "people.field.sex"),
    ("birth_place", "people.field.birth_place"),
    ("country_of_birth", "people.field.country_of_birth"),
    ("citizenship", "people.field.citizenship"),
    ("phone", "people.field.phone"),
    ("email", "people.field.email"),
    ("municipality_code", "people.field.municipality"),
    ("address", "people.field.address"),
    ("italian_level", "people.field.italian_level"),
    ("education_level", "people.field.education_level"),
    ("legal_status", "people.field.legal_status"),
    ("asylum_application_date", "people.field.asylum_application_date"),
    ("referral_source", "people.field.referral_source"),
    ("referral_partner", "people.field.referral_partner"),
    ("funding_stream", "people.field.funding_stream"),
    ("did_date", "people.field.did_date"),
    ("intake_date", "people.field.intake_date"),
    ("tutor", "people.field.tutor"),
    ("status", "gdpr.col.status"),
    ("closing_reason", "gdpr.col.closing_reason"),
    ("health_notes", "people.field.health_notes"),
    ("notes", "people.field.notes"),
    ("created_at", "gdpr.col.created_at"),
    ("updated_at", "gdpr.col.updated_at"),
)

WIDE = frozenset({"notes", "detail", "description", "motivation", "reason", "note", "next_step"})
NAMED = frozenset({"company", "vacancy", "competence", "edition", "partner", "tutor"})

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fragilities", ("marker", "detail")),
    ("consents", ("purpose", "partner", "given_on", "text_version", "withdrawn_on")),
    ("service_pact", ("signed_on", "tutor", "meeting_every_days", "notes")),
    (
        "path_activities",
        ("kind", "description", "status", "due_date", "started_on", "completed_on"),
    ),
    ("tutoring_meetings", ("met_on", "kind", "tutor", "notes", "next_step")),
    (
        "workshop_enrolments",
        ("edition", "trade", "enrolled_on", "status", "completed_on", "hours_attended"),
    ),
    ("competence_ratings", ("rated_on", "competence", "level", "source", "assessor", "note")),
    (
        "shortlist_entries",
        ("vacancy", "company", "stage", "origin", "added_at", "motivation", "reason"),
    ),
    ("shortlist_stage_changes", ("vacancy", "changed_at", "from_stage", "to_stage", "reason")),
    ("shared_with_partners", ("vacancy", "partner", "shared_at", "revoked_at")),
    (
        "internships",
        (
            "company",
            "start_date",
            "planned_end_date",
            "actual_end_date",
            "weekly_hours",
            "monthly_allowance",
            "status",
            "outcome",
            "contract_type",
            "hire_date",
        ),
    ),
    ("internship_attendance", ("company", "month", "attendance_percent")),
    ("internship_checks", ("company", "checked_on", "rating", "notes")),
    ("audit_trail", ("at", "user", "action", "entity", "entity_id")),
)
"""The PDF's tables after the record: data key and the columns shown (the JSON has them all)."""


def _text(value: Any, lang: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Enum):
        return enum_label(value, lang)
    if isinstance(value, (date, datetime)):
        return fmt_date(value, lang)
    if isinstance(value, bool):
        return translate("gdpr.yes" if value else "gdpr.no", lang)
    if isinstance(value, Decimal | float):
        return fmt_number(value, lang, 0 if value == int(value) else 1)
    if isinstance(value, int):
        return fmt_number(value, lang)
    if isinstance(value, dict | list):
        return json.dumps(_jsonable(value), ensure_ascii=False)
    return str(value)


class _Document(FlemingPdf):
    """The export, in the transparency sheet's font and colours."""

    def __init__(self, lang: str) -> None:
        super().__init__(lang, margin=16, bottom=18)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(0, 4, self.t("gdpr.pdf.footer", page=self.page_no(), pages="{nb}"), align="C")

    def heading(self, text: str) -> None:
        if self.will_page_break(20):
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", 12)
        self.set_text_color(*ACCENT)
        self.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.4)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)
        self.set_text_color(*INK)

    def field(self, label: str, value: str) -> None:
        self.set_font(FONT, "", 9)
        self.set_text_color(*MUTED)
        self.cell(52, 5.5, label)
        self.set_font(FONT, "B", 9.5)
        self.set_text_color(*INK)
        self.multi_cell(0, 5.5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")

    def note(self, text: str) -> None:
        self.set_font(FONT, "", 9)
        self.set_text_color(*MUTED)
        self.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.set_text_color(*INK)

    def rows(self, headings: list[str], rows: list[list[str]], weights: list[float]) -> None:
        usable = self.w - self.l_margin - self.r_margin
        self.set_font(FONT, "", 8)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        with self.table(
            col_widths=[usable * w / sum(weights) for w in weights],
            text_align="LEFT",
            line_height=4.2,
            padding=1,
            borders_layout="HORIZONTAL_LINES",
            headings_style=FontFace(
                family=FONT, emphasis="BOLD", color=MUTED, fill_color=HEAD, size_pt=7.5
            ),
            first_row_as_headings=True,
        ) as table:
            table.row(headings)
            for values in rows:
                table.row(values)
        self.ln(1)


def render_pdf(data: dict[str, Any], *, lang: str = "it", issued_on: date) -> bytes:
    """Lay out ``subject_data`` for the person: the record as fields, the rest as tables."""
    from fleming.people import comune_label

    lang = "en" if lang == "en" else "it"
    pdf = _Document(lang)
    record = data["person"]
    name = f"{record['first_name']} {record['last_name']}".strip()
    pdf.set_title(f"{pdf.t('gdpr.pdf.title')} — {name}")
    pdf.set_author(CENTRE)
    pdf.add_page()
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, CENTRE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 17)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 8, pdf.t("gdpr.pdf.title"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*INK)
    pdf.multi_cell(
        0,
        4.8,
        pdf.t("gdpr.pdf.intro", name=name, date=fmt_date(issued_on, lang, "long")),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )

    pdf.heading(pdf.t("gdpr.section.person"))
    for key, label_key in PERSON_FIELDS:
        value = record.get(key)
        if key == "municipality_code" and value:
            value = comune_label(value)
        pdf.field(pdf.t(label_key), _text(value, lang))

    for key, columns in SECTIONS:
        rows = data.get(key) or []
        pdf.heading(pdf.t(f"gdpr.section.{key}"))
        if not rows:
            pdf.note(pdf.t("gdpr.pdf.none"))
            continue
        pdf.rows(
            [pdf.t(f"gdpr.col.{c}") for c in columns],
            [[_text(row.get(c), lang) for c in columns] for row in rows],
            [3 if c in WIDE else 2 if c in NAMED else 1.4 for c in columns],
        )
    return bytes(pdf.output())
