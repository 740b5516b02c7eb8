"""A small hand-made world for the internship tests: host companies, a vacancy, people, staff."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleming.actor import Actor
from fleming.internships import StartInput
from fleming.models import (
    CefrLevel,
    Company,
    Convention,
    ConventionKind,
    EducationLevel,
    FragilityMarker,
    FundingStream,
    LegalStatus,
    Person,
    PersonFragility,
    PersonStatus,
    ReferralSource,
    Role,
    ServicePact,
    Setting,
    Sex,
    ShortlistEntry,
    ShortlistStage,
    Trade,
    User,
    Vacancy,
    VacancyKind,
    VacancyStatus,
)

TODAY = date(2026, 6, 1)
_codes = itertools.count(1)
_vats = itertools.count(1)


def vat_number(n: int) -> str:
    """A valid 11-digit partita IVA (Luhn-style check digit) from a serial number."""
    body = f"{n:010d}"
    total = 0
    for i, ch in enumerate(body):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


@dataclass
class World:
    coordinator: Actor
    tutor: Actor
    other_tutor: Actor
    company_id: int  # 8 employees: quota 2; convention valid for years
    small_id: int  # 3 employees: quota 1; convention valid for years
    no_convention_id: int
    vacancy_id: int  # internship vacancy at company, one position
    trade_id: int
    people: dict[str, int] = field(default_factory=dict)


def _user(session: Session, username: str, role: Role) -> Actor:
    user = User(
        username=username,
        full_name=username.replace(".", " ").title(),
        password_hash="x",
        role=role,
    )
    session.add(user)
    session.flush()
    return Actor(id=user.id, username=user.username, full_name=user.full_name, role=role)


def add_company(
    session: Session,
    name: str,
    employees: int,
    *,
    conventions: tuple[tuple[date, date], ...] = (
        (TODAY - timedelta(days=365), TODAY + timedelta(days=730)),
    ),
) -> int:
    company = Company(
        name=name, vat_number=vat_number(next(_vats)), ateco_code="56", employees=employees
    )
    session.add(company)
    session.flush()
    for signed, expires in conventions:
        session.add(
            Convention(
                company_id=company.id,
                kind=ConventionKind.INTERNSHIPS,
                signed_on=signed,
                expires_on=expires,
            )
        )
    session.flush()
    return company.id


def add_person(
    session: Session,
    world: World,
    key: str,
    *,
    pact: bool = True,
    status: PersonStatus = PersonStatus.ACTIVE,
    legal: LegalStatus = LegalStatus.ITALIAN,
    asylum_date: date | None = None,
    fragilities: tuple[FragilityMarker, ...] = (),
    tutor: Actor | None = None,
    pact_signed: date = TODAY - timedelta(days=120),
) -> int:
    n = next(_codes)
    tutor = tutor or world.tutor
    person = Person(
        first_name=key.title(),
        last_name=f"Prova{n}",
        tax_code=f"INT{n:013d}",
        birth_date=date(1985, 5, 5),
        sex=Sex.M,
        citizenship="IT",
        country_of_birth="IT",
        italian_level=CefrLevel.B1,
        education_level=EducationLevel.LOWER_SECONDARY,
        legal_status=legal,
        asylum_application_date=asylum_date,
        referral_source=ReferralSource.SELF,
        funding_stream=FundingStream.MUNICIPAL,
        did_date=pact_signed - timedelta(days=10),
        intake_date=pact_signed - timedelta(days=20),
        tutor_id=tutor.id,
        status=status,
        closing_reason="Trasferimento" if status is PersonStatus.CLOSED else None,
    )
    session.add(person)
    session.flush()
    for marker in fragilities:
        session.add(PersonFragility(person_id=person.id, marker=marker))
    if pact:
        session.add(ServicePact(person_id=person.id, signed_on=pact_signed, tutor_id=tutor.id))
    session.flush()
    world.people[key] = person.id
    return person.id


def add_entry(
    session: Session,
    vacancy_id: int,
    person_id: int,
    stage: ShortlistStage = ShortlistStage.SELECTED,
) -> int:
    entry = ShortlistEntry(vacancy_id=vacancy_id, person_id=person_id, stage=stage)
    session.add(entry)
    session.flush()
    return entry.id


def add_vacancy(
    session: Session,
    world: World,
    company_id: int,
    *,
    positions: int = 1,
    kind: VacancyKind = VacancyKind.INTERNSHIP,
    status: VacancyStatus = VacancyStatus.SHORTLISTING,
) -> int:
    vacancy = Vacancy(
        company_id=company_id,
        title="Aiuto cuoco",
        trade_id=world.trade_id if world else None,
        kind=kind,
        positions=positions,
        min_italian_level=CefrLevel.A2,
        created_on=TODAY - timedelta(days=30),
        status=status,
        closed_reason="Annullato" if status is VacancyStatus.CLOSED else None,
    )
    session.add(vacancy)
    session.flush()
    return vacancy.id


def set_setting(session: Session, key: str, value: object) -> None:
    existing = session.get(Setting, key)
    if existing is None:
        session.add(Setting(key=key, value=value))
    else:
        existing.value = value
    session.flush()


def make_world(session: Session) -> World:
    trade_id = session.scalar(select(Trade.id).where(Trade.code == "catering"))
    world = World(
        coordinator=_user(session, "coord", Role.COORDINATOR),
        tutor=_user(session, "tutor.uno", Role.TUTOR),
        other_tutor=_user(session, "tutor.due", Role.TUTOR),
        company_id=0,
        small_id=0,
        no_convention_id=0,
        vacancy_id=0,
        trade_id=trade_id,
    )
    world.company_id = add_company(session, "Trattoria Prova", 8)
    world.small_id = add_company(session, "Bottega Piccola", 3)
    world.no_convention_id = add_company(session, "Senza Convenzione srl", 50, conventions=())
    world.vacancy_id = add_vacancy(session, world, world.company_id)
    return world


def terms(world: World, **overrides) -> StartInput:
    """A valid direct start at the main company: 3 months, 30 h, €500, from TODAY."""
    values = dict(
        person_id=None,
        company_id=world.company_id,
        start_date=TODAY,
        planned_end_date=TODAY + timedelta(days=91),
        weekly_hours=30,
        monthly_allowance=500,
        meal_vouchers=False,
        company_tutor_name="Mario Rossi",
        centre_tutor_id=world.tutor.id,
        funding_stream=FundingStream.MUNICIPAL,
    )
    values.update(overrides)
    return StartInput(**values)
