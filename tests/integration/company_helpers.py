"""Builders for the companies, vacancies and import tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum import luhn

from fleming import companies
from fleming.actor import Actor
from fleming.companies import CompanyInput, ConventionInput
from fleming.models import (
    CefrLevel,
    Competence,
    ContractType,
    ConventionKind,
    EducationLevel,
    FundingStream,
    Internship,
    InternshipOutcome,
    InternshipStatus,
    LegalStatus,
    PartnerOrganisation,
    Person,
    ReferralSource,
    Role,
    Sex,
    Trade,
)
from tests.actors import new_actor

TODAY = date.today()
_seq = itertools.count(1)


def vat(n: int | None = None, office: str = "099") -> str:
    body = f"{n if n is not None else next(_seq) + 1_000_000:07d}{office}"
    return body + luhn.calc_check_digit(body)


@dataclass(frozen=True)
class Staff:
    admin: Actor
    coordinator: Actor
    tutor: Actor
    partner: Actor


def staff(session: Session) -> Staff:
    org = PartnerOrganisation(name=f"Associazione {next(_seq)}")
    session.add(org)
    session.flush()
    return Staff(
        admin=new_actor(session, Role.ADMIN, "Alba Admin"),
        coordinator=new_actor(session, Role.COORDINATOR, "Carla Coordinatrice"),
        tutor=new_actor(session, Role.TUTOR, "Tino Tutor"),
        partner=new_actor(session, Role.PARTNER, "Paola Partner", org.id),
    )


def company_input(**changes: object) -> CompanyInput:
    base = CompanyInput(
        name="Trattoria da Gino S.r.l.",
        vat_number=vat(),
        ateco_code="56.10",
        employees=12,
        address="Via Padova 100",
        municipality_code="015146",
        website="www.dagino.example.it",
    )
    return replace(base, **changes)


def new_company(session: Session, actor: Actor, **changes: object) -> int:
    return companies.create(session=session, actor=actor, data=company_input(**changes))


def convention(
    session: Session,
    actor: Actor,
    company_id: int,
    *,
    kind: ConventionKind = ConventionKind.INTERNSHIPS,
    signed: date | None = None,
    expires: date | None = None,
) -> int:
    signed = signed or TODAY - timedelta(days=30)
    expires = expires or signed + timedelta(days=3 * 365)
    return companies.add_convention(
        session=session,
        actor=actor,
        company_id=company_id,
        data=ConventionInput(kind, signed, expires),
        today=TODAY,
    ).id


def person(session: Session, first: str = "Amina", last: str = "Diallo") -> int:
    n = next(_seq)
    p = Person(
        first_name=first,
        last_name=last,
        tax_code=f"{n:011d}",
        birth_date=date(1990, 1, 1),
        sex=Sex.F,
        citizenship="SN",
        country_of_birth="SN",
        italian_level=CefrLevel.A2,
        education_level=EducationLevel.PRIMARY,
        legal_status=LegalStatus.INTERNATIONAL_PROTECTION,
        referral_source=ReferralSource.SELF,
        funding_stream=FundingStream.MUNICIPAL,
        intake_date=TODAY - timedelta(days=400),
    )
    session.add(p)
    session.flush()
    return p.id


def internship(
    session: Session,
    company_id: int,
    person_id: int,
    *,
    start: date,
    outcome: InternshipOutcome | None = None,
) -> int:
    ended = outcome is not None
    i = Internship(
        person_id=person_id,
        company_id=company_id,
        start_date=start,
        planned_end_date=start + timedelta(days=180),
        actual_end_date=start + timedelta(days=170) if ended else None,
        weekly_hours=30,
        monthly_allowance=Decimal("500.00"),
        company_tutor_name="Gino Rossi",
        funding_stream=FundingStream.MUNICIPAL,
        status=(
            InternshipStatus.ACTIVE
            if not ended
            else InternshipStatus.INTERRUPTED
            if outcome is InternshipOutcome.INTERRUPTED
            else InternshipStatus.COMPLETED
        ),
        outcome=outcome,
        contract_type=ContractType.APPRENTICESHIP if outcome is InternshipOutcome.HIRED else None,
    )
    session.add(i)
    session.flush()
    return i.id


def competence_ids(session: Session, n: int = 3) -> list[int]:
    return list(session.scalars(select(Competence.id).order_by(Competence.code).limit(n)))


def trade_id(session: Session, code: str = "catering") -> int:
    return session.scalar(select(Trade.id).where(Trade.code == code))
