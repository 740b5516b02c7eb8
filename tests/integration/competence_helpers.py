"""Small builders for the competence tests: staff, people, workshop editions, enrolments."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleming.actor import Actor
from fleming.models import (
    ActivityKind,
    ActivityStatus,
    CefrLevel,
    Company,
    Competence,
    EducationLevel,
    EnrolmentStatus,
    FundingStream,
    Internship,
    InternshipStatus,
    LegalStatus,
    PartnerOrganisation,
    PathActivity,
    Person,
    ReferralSource,
    Role,
    ServicePact,
    Sex,
    Trade,
    User,
    WorkshopAttendance,
    WorkshopEdition,
    WorkshopEnrolment,
    WorkshopSession,
)

_seq = itertools.count(1)


def staff(session: Session, role: Role, name: str = "") -> Actor:
    n = next(_seq)
    org = None
    if role is Role.PARTNER:
        org = PartnerOrganisation(name=f"Associazione {n}")
        session.add(org)
        session.flush()
    user = User(
        username=f"{role.value}{n}",
        full_name=name or f"{role.value.title()} Numero{n}",
        password_hash="$2b$12$" + "x" * 53,
        role=role,
        partner_org_id=org.id if org else None,
    )
    session.add(user)
    session.flush()
    return Actor(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=role,
        partner_org_id=user.partner_org_id,
        partner_org_name=org.name if org else None,
    )


def person(
    session: Session,
    first: str = "Amina",
    last: str = "Rossi",
    tutor: Actor | None = None,
    intake: date = date(2025, 1, 10),
) -> int:
    n = next(_seq)
    p = Person(
        first_name=first,
        last_name=last,
        tax_code=f"{n:011d}",
        birth_date=date(1990, 5, 1),
        sex=Sex.F,
        citizenship="MA",
        country_of_birth="MA",
        italian_level=CefrLevel.A2,
        education_level=EducationLevel.PRIMARY,
        legal_status=LegalStatus.INTERNATIONAL_PROTECTION,
        referral_source=ReferralSource.SELF,
        funding_stream=FundingStream.MUNICIPAL,
        intake_date=intake,
        tutor_id=tutor.id if tutor else None,
    )
    session.add(p)
    session.flush()
    return p.id


def trade_id(session: Session, code: str) -> int:
    return session.scalar(select(Trade.id).where(Trade.code == code))


def competence_id(session: Session, code: str) -> int:
    return session.scalar(select(Competence.id).where(Competence.code == code))


def edition(
    session: Session,
    trade: str = "catering",
    title: str = "Laboratorio di cucina 1",
    start: date = date(2025, 2, 3),
    hours: int = 120,
) -> int:
    e = WorkshopEdition(
        trade_id=trade_id(session, trade),
        title=title,
        hours=hours,
        start_date=start,
        end_date=start + timedelta(days=60),
        trainer_name="Gloria Formatrice",
        italian_teacher_name="Paolo Docente",
        capacity=12,
    )
    session.add(e)
    session.flush()
    return e.id


def enrol(
    session: Session,
    edition_id: int,
    person_id: int,
    status: EnrolmentStatus = EnrolmentStatus.ENROLLED,
    attended: tuple[float, ...] = (),
) -> int:
    en = WorkshopEnrolment(
        edition_id=edition_id, person_id=person_id, enrolled_on=date(2025, 2, 1), status=status
    )
    session.add(en)
    session.flush()
    ed = session.get(WorkshopEdition, edition_id)
    for i, hours in enumerate(attended):
        day = ed.start_date + timedelta(days=i)
        ws = session.scalar(
            select(WorkshopSession).where(
                WorkshopSession.edition_id == edition_id, WorkshopSession.session_date == day
            )
        )
        if ws is None:
            ws = WorkshopSession(edition_id=edition_id, session_date=day, hours=Decimal("4"))
            session.add(ws)
            session.flush()
        session.add(
            WorkshopAttendance(session_id=ws.id, enrolment_id=en.id, hours=Decimal(str(hours)))
        )
    session.flush()
    return en.id


def pact_with_activity(
    session: Session,
    person_id: int,
    tutor: Actor,
    kind: ActivityKind,
    *,
    description: str | None = None,
    workshop_edition_id: int | None = None,
    status: ActivityStatus = ActivityStatus.DONE,
    hours: int = 0,
) -> int:
    pact = session.scalar(select(ServicePact).where(ServicePact.person_id == person_id))
    if pact is None:
        pact = ServicePact(person_id=person_id, signed_on=date(2025, 1, 15), tutor_id=tutor.id)
        session.add(pact)
        session.flush()
    act = PathActivity(
        person_id=person_id,
        pact_id=pact.id,
        kind=kind,
        description=description,
        status=status,
        hours_done=hours,
        started_on=date(2025, 1, 20),
        completed_on=date(2025, 1, 30) if status is ActivityStatus.DONE else None,
        workshop_edition_id=workshop_edition_id,
    )
    session.add(act)
    session.flush()
    return act.id


def internship(session: Session, person_id: int, company: str = "Trattoria Da Gino Srl") -> int:
    n = next(_seq)
    c = Company(name=company, vat_number=f"{n:011d}", ateco_code="56.10", employees=8)
    session.add(c)
    session.flush()
    i = Internship(
        person_id=person_id,
        company_id=c.id,
        start_date=date(2025, 5, 5),
        planned_end_date=date(2025, 9, 5),
        actual_end_date=date(2025, 9, 5),
        weekly_hours=30,
        monthly_allowance=Decimal("500.00"),
        company_tutor_name="Gino Bianchi",
        funding_stream=FundingStream.MUNICIPAL,
        status=InternshipStatus.COMPLETED,
        outcome="hired",
        contract_type="fixed_term",
    )
    session.add(i)
    session.flush()
    return i.id
