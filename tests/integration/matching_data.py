"""A small, hand-made world for the matching and shortlist tests: one vacancy, a few people."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleming.actor import Actor
from fleming.models import (
    CefrLevel,
    Company,
    Competence,
    CompetenceRating,
    Consent,
    ConsentPurpose,
    EducationLevel,
    EnrolmentStatus,
    FundingStream,
    Internship,
    LegalStatus,
    PartnerOrganisation,
    Person,
    PersonStatus,
    RatingSource,
    ReferralSource,
    Role,
    ServicePact,
    Sex,
    Trade,
    User,
    Vacancy,
    VacancyCompetence,
    VacancyKind,
    VacancyStatus,
    WorkshopEdition,
    WorkshopEnrolment,
)
from fleming.reference import MILANO_ISTAT_CODE

TODAY = date(2026, 6, 1)
PESCHIERA = "015171"  # Peschiera Borromeo, in the Città metropolitana di Milano
BERGAMO = "016024"  # outside it
_codes = itertools.count(1)


@dataclass
class World:
    trade_id: int
    comps: list[int]  # catering competences: [essential@2, desirable@1, essential@1]
    company_id: int
    vacancy_id: int
    coordinator: Actor
    tutor: Actor
    other_tutor: Actor
    partners: list[int]
    partner_users: list[Actor]
    people: dict[str, int] = field(default_factory=dict)


def _user(session: Session, username: str, role: Role, partner_org_id=None) -> Actor:
    user = User(
        username=username,
        full_name=username.replace(".", " ").title(),
        password_hash="x",
        role=role,
        partner_org_id=partner_org_id,
    )
    session.add(user)
    session.flush()
    return Actor(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=role,
        partner_org_id=partner_org_id,
    )


def make_world(session: Session) -> World:
    trade_id = session.scalar(select(Trade.id).where(Trade.code == "catering"))
    comps = list(
        session.scalars(
            select(Competence.id)
            .where(Competence.trade_id == trade_id)
            .order_by(Competence.id)
            .limit(3)
        )
    )
    company = Company(
        name="Trattoria Prova", vat_number="12345678903", ateco_code="56", employees=8
    )
    session.add(company)
    orgs = [PartnerOrganisation(name="Soleterre"), PartnerOrganisation(name="Croce Rossa")]
    session.add_all(orgs)
    session.flush()
    vacancy = Vacancy(
        company_id=company.id,
        title="Aiuto cuoco",
        trade_id=trade_id,
        kind=VacancyKind.INTERNSHIP,
        municipality_code=MILANO_ISTAT_CODE,
        min_italian_level=CefrLevel.A2,
        created_on=TODAY - timedelta(days=10),
        status=VacancyStatus.OPEN,
    )
    vacancy.requirements = [
        VacancyCompetence(competence_id=comps[0], min_level=2, essential=True),
        VacancyCompetence(competence_id=comps[1], min_level=1, essential=False),
        VacancyCompetence(competence_id=comps[2], min_level=1, essential=True),
    ]
    session.add(vacancy)
    session.flush()
    return World(
        trade_id=trade_id,
        comps=comps,
        company_id=company.id,
        vacancy_id=vacancy.id,
        coordinator=_user(session, "coord", Role.COORDINATOR),
        tutor=_user(session, "tutor.uno", Role.TUTOR),
        other_tutor=_user(session, "tutor.due", Role.TUTOR),
        partners=[o.id for o in orgs],
        partner_users=[
            _user(session, f"partner{i}", Role.PARTNER, o.id) for i, o in enumerate(orgs)
        ],
    )


def add_person(
    session: Session,
    world: World,
    key: str,
    *,
    status: PersonStatus = PersonStatus.ACTIVE,
    did: bool = True,
    pact: bool = True,
    italian: CefrLevel = CefrLevel.A2,
    municipality: str | None = MILANO_ISTAT_CODE,
    intake: date = TODAY - timedelta(days=100),
    legal: LegalStatus = LegalStatus.ITALIAN,
    asylum_date: date | None = None,
    tutor: Actor | None = None,
) -> int:
    n = next(_codes)
    person = Person(
        first_name=key.title(),
        last_name=f"Test{n}",
        tax_code=f"TST{n:013d}",
        birth_date=date(1990, 1, 1),
        sex=Sex.F,
        citizenship="IT",
        country_of_birth="IT",
        municipality_code=municipality,
        italian_level=italian,
        education_level=EducationLevel.LOWER_SECONDARY,
        legal_status=legal,
        asylum_application_date=asylum_date,
        referral_source=ReferralSource.SELF,
        funding_stream=FundingStream.MUNICIPAL,
        did_date=intake if did else None,
        intake_date=intake,
        tutor_id=(tutor or world.tutor).id,
        status=status,
        closing_reason="Trasferimento" if status is PersonStatus.CLOSED else None,
    )
    session.add(person)
    session.flush()
    if pact:
        session.add(
            ServicePact(person_id=person.id, signed_on=intake, tutor_id=(tutor or world.tutor).id)
        )
    world.people[key] = person.id
    session.flush()
    return person.id


def rate(session: Session, person_id: int, competence_id: int, level: int, on: date) -> int:
    r = CompetenceRating(
        person_id=person_id,
        competence_id=competence_id,
        level=level,
        rated_on=on,
        source=RatingSource.ENTRY,
    )
    session.add(r)
    session.flush()
    return r.id


def complete_workshop(session: Session, world: World, person_id: int, trade_id=None) -> None:
    edition = WorkshopEdition(
        trade_id=trade_id or world.trade_id,
        title="Laboratorio di cucina",
        hours=120,
        start_date=TODAY - timedelta(days=90),
        end_date=TODAY - timedelta(days=30),
        trainer_name="Chef",
        italian_teacher_name="Maestra",
        capacity=12,
    )
    session.add(edition)
    session.flush()
    session.add(
        WorkshopEnrolment(
            edition_id=edition.id,
            person_id=person_id,
            enrolled_on=edition.start_date,
            status=EnrolmentStatus.COMPLETED,
            completed_on=edition.end_date,
        )
    )
    session.flush()


def start_internship(session: Session, world: World, person_id: int) -> None:
    session.add(
        Internship(
            person_id=person_id,
            company_id=world.company_id,
            start_date=TODAY - timedelta(days=20),
            planned_end_date=TODAY + timedelta(days=150),
            weekly_hours=30,
            monthly_allowance=Decimal("500.00"),
            company_tutor_name="Sig. Bianchi",
            funding_stream=FundingStream.MUNICIPAL,
        )
    )
    session.flush()


def consent(
    session: Session,
    person_id: int,
    partner_org_id: int,
    *,
    given: date = TODAY - timedelta(days=50),
    withdrawn: date | None = None,
) -> None:
    session.add(
        Consent(
            person_id=person_id,
            purpose=ConsentPurpose.PARTNER_SHARING,
            partner_org_id=partner_org_id,
            given_on=given,
            text_version="2026-01",
            withdrawn_on=withdrawn,
            created_at=datetime(2026, 1, 1),
        )
    )
    session.flush()
