"""Builders for the people / paths / tutoring / workshops tests: staff, valid intakes, companies."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum import luhn

from fleming import people
from fleming.actor import Actor
from fleming.devtools.demo import tax_code
from fleming.models import (
    AuditEntry,
    CefrLevel,
    Company,
    EducationLevel,
    FundingStream,
    LegalStatus,
    PartnerOrganisation,
    ReferralSource,
    Role,
)
from tests.actors import new_actor

_seq = itertools.count(1)
TODAY = date.today()


@dataclass(frozen=True)
class World:
    tutor: Actor
    tutor2: Actor
    coordinator: Actor
    admin: Actor
    partner: Actor
    partner_org: int
    other_org: int


def world(session: Session) -> World:
    orgs = [PartnerOrganisation(name=f"Associazione {next(_seq)}") for _ in range(2)]
    session.add_all(orgs)
    session.flush()
    return World(
        tutor=new_actor(session, Role.TUTOR, "Giulia Tutor"),
        tutor2=new_actor(session, Role.TUTOR, "Marco Secondo"),
        coordinator=new_actor(session, Role.COORDINATOR, "Anna Coordina"),
        admin=new_actor(session, Role.ADMIN, "Ada Admin"),
        partner=new_actor(session, Role.PARTNER, "Piero Partner", orgs[0].id),
        partner_org=orgs[0].id,
        other_org=orgs[1].id,
    )


def code_for(
    last: str = "Rossi",
    first: str = "Maria",
    birth: date = date(1990, 1, 1),
    sex: str = "F",
    belfiore: str = "F205",
) -> str:
    return tax_code(last, first, birth, sex, belfiore)


def provisional_code(n: int = 1234567) -> str:
    body = f"{n:07d}015"
    return body + luhn.calc_check_digit(body)


def intake(**overrides) -> people.PersonInput:
    """A valid intake of an Italian woman born in Milano on 1 January 1990 (from her code)."""
    base = people.PersonInput(
        first_name="Maria",
        last_name="Rossi",
        tax_code=code_for(),
        citizenship="IT",
        phone="333 123 4567",
        email="maria.rossi@example.org",
        municipality_code="015146",
        address="Via Padova 10",
        italian_level=CefrLevel.C2,
        education_level=EducationLevel.UPPER_SECONDARY,
        legal_status=LegalStatus.ITALIAN,
        referral_source=ReferralSource.SELF,
        funding_stream=FundingStream.MUNICIPAL,
        did_date=TODAY - timedelta(days=10),
        intake_date=TODAY,
    )
    return replace(base, **overrides)


CONSENT = people.ConsentInput(data_processing=True)


def take_in(session: Session, actor: Actor, n: int = 0, **overrides) -> int:
    """Register one valid person (``n`` varies the name and code)."""
    first = ["Maria", "Paola", "Giulia", "Sara", "Anna", "Elena", "Laura", "Chiara"][n % 8]
    last = ["Rossi", "Bianchi", "Verdi", "Neri", "Galli", "Conti", "Costa", "Fontana"][n // 8 % 8]
    birth = date(1990, 1, 1) + timedelta(days=n)
    data = intake(
        first_name=first, last_name=last, tax_code=code_for(last, first, birth), **overrides
    )
    return people.create(session=session, actor=actor, data=data, consents=CONSENT)


def company(session: Session, name: str = "Trattoria Da Gino") -> int:
    n = next(_seq)
    row = Company(
        name=name,
        vat_number=f"{n:011d}",
        ateco_code="56.10",
        employees=12,
    )
    session.add(row)
    session.flush()
    return row.id


def audit_count(session: Session, entity: str, action: str | None = None) -> int:
    query = select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == entity)
    if action:
        query = query.where(AuditEntry.action == action)
    return session.scalar(query) or 0
