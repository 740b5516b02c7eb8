"""A small demo database (``fleming.devtools.demo`` at scale 0.02) with a few records of known shape
on top, built through the services as the demo coordinator: the world the permission matrix and the
field-visibility tests call every service on.

Ottavia (the demo tutor's, referred by the demo partner's organisation, consenting to share with
it, not on any list), Bice (selected on the vacancy, enrolled in a running workshop), Ines (in an
active internship followed by the demo tutor), Clara (closed case); a company with conventions,
a contact and a course; an open vacancy published to partners whose shortlist is shared with the
demo partner; a future and a running workshop edition; a competence of the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from fleming import (
    auth,
    companies,
    competences,
    internships,
    matching,
    paths,
    people,
    shortlists,
    vacancies,
    workshops,
)
from fleming.actor import Actor
from fleming.db import get_engine, unit_of_work
from fleming.devtools import demo
from fleming.kpi import KpiFilters
from fleming.models import (
    CefrLevel,
    CompetenceArea,
    Consent,
    ConsentPurpose,
    ConventionKind,
    FundingStream,
    Person,
    ReferralSource,
    Role,
    ServicePact,
    ShortlistEntry,
    ShortlistStage,
    Trade,
    User,
    VacancyKind,
    WorkshopEdition,
    WorkshopEnrolment,
    WorkshopSession,
)
from tests.integration.company_helpers import company_input
from tests.integration.people_helpers import code_for, intake

TODAY = date.today()
SCALE = 0.02  # 40 people, a dozen companies and internships: every table has rows


# --------------------------------------------------------------------------- the demo world
@dataclass(frozen=True)
class Ctx:
    """Demo accounts and the records the calls work on (ids and versions as committed)."""

    actors: dict[Role, Actor]
    org_id: int  # the demo partner's organisation
    tutor_user_id: int  # an account to unlock / deactivate / reset
    person_id: int  # the demo tutor's person, referred by the partner, consenting, unlisted
    person_version: int
    person_input: people.PersonInput
    closed_id: int  # a closed case (for anonymisation)
    closed_version: int
    pact_id: int
    pact_version: int
    consent_id: int
    company_id: int
    company_input: companies.CompanyInput
    contact_id: int
    convention_id: int
    course_id: int
    vacancy_id: int  # open, published to partners, no requirements; the partner's list shared
    vacancy_version: int
    vacancy_input: vacancies.VacancyInput
    entry_id: int  # a selected entry of another person on the vacancy
    entry_version: int
    entry_person_id: int
    share_id: int
    internship_id: int  # active, followed by the demo tutor
    internship_person_id: int
    internship_version: int
    internship_update: internships.UpdateInput
    edition_id: int  # future edition the person is not enrolled in
    edition_version: int
    edition_input: workshops.EditionInput
    attendance_edition_id: int
    attendance_cell: tuple[int, int]  # (enrolment id, past session id)
    enrolment_id: int
    enrolment_version: int
    workshop_session_id: int
    competence_id: int
    competence_version: int
    trade_id: int
    weights_version: int | None
    kpi_filters: KpiFilters


def _new_person(session, coord, tutor, org, n: int) -> int:
    first, last = [
        ("Ottavia", "Permessi"),
        ("Bice", "Selezionata"),
        ("Ines", "Tirocinante"),
        ("Clara", "Chiusa"),
    ][n]
    birth = date(1988, 3, 3 + n)
    data = intake(
        first_name=first,
        last_name=last,
        tax_code=code_for(last, first, birth, "F", "F205"),
        phone="333 765 4321",
        email=None,
        address="Via Padova 12",
        referral_source=ReferralSource.PARTNER,
        referral_partner_id=org,
        did_date=TODAY - timedelta(days=60),
        intake_date=TODAY - timedelta(days=50),
        tutor_id=tutor.id,
    )
    consents = people.ConsentInput(
        data_processing=True, given_on=TODAY - timedelta(days=50), sharing_partner_ids=(org,)
    )
    pid = people.create(session=session, actor=coord, data=data, consents=consents, today=TODAY)
    paths.open_pact(
        session=session,
        actor=coord,
        person_id=pid,
        data=paths.PactInput(signed_on=TODAY - timedelta(days=40), tutor_id=tutor.id),
        today=TODAY,
    )
    return pid


def build_context(engine) -> Ctx:
    demo.generate(engine, scale=SCALE, today=TODAY, reset=True)
    with unit_of_work(engine) as s:
        actors = {
            Role(role): auth.get_actor(session=s, username=username)
            for username, role in demo.DEMO_ACCOUNTS.items()
        }
        coord, tutor, partner = (actors[r] for r in (Role.COORDINATOR, Role.TUTOR, Role.PARTNER))
        org = partner.partner_org_id
        tutor_user = s.scalar(
            select(User.id).where(User.role == Role.TUTOR, User.id != tutor.id).limit(1)
        )
        trade = s.scalar(select(Trade.id).where(Trade.code == "catering"))

        pid = _new_person(s, coord, tutor, org, 0)
        selected = _new_person(s, coord, tutor, org, 1)
        closed = _new_person(s, coord, tutor, org, 3)
        paths.close_case(
            session=s,
            actor=coord,
            person_id=closed,
            version=s.get(Person, closed).version,
            reason="Trasferita in un'altra città",
            today=TODAY,
        )

        cid = companies.create(
            session=s, actor=coord, data=company_input(name="Permessi S.r.l."), today=TODAY
        )
        convention = companies.add_convention(
            session=s,
            actor=coord,
            company_id=cid,
            data=companies.ConventionInput(
                ConventionKind.INTERNSHIPS, TODAY - timedelta(days=30), TODAY + timedelta(days=700)
            ),
            today=TODAY,
        ).id
        contact = companies.add_contact(
            session=s,
            actor=coord,
            company_id=cid,
            data=companies.ContactInput(name="Gino Permessi", phone="02 1234567"),
        )
        companies.add_convention(
            session=s,
            actor=coord,
            company_id=cid,
            data=companies.ConventionInput(
                ConventionKind.COMMISSIONED_TRAINING,
                TODAY - timedelta(days=30),
                TODAY + timedelta(days=700),
            ),
            today=TODAY,
        )
        course = companies.add_course(
            session=s,
            actor=coord,
            company_id=cid,
            data=companies.CourseInput(
                "Sicurezza", trade, 8, TODAY - timedelta(days=20), TODAY - timedelta(days=19)
            ),
        )
        vid = vacancies.create(
            session=s,
            actor=coord,
            data=vacancies.VacancyInput(
                company_id=cid,
                title="Aiuto cuoco permessi",
                trade_id=trade,
                kind=VacancyKind.INTERNSHIP,
                min_italian_level=CefrLevel.A1,
                positions=3,
                municipality_code="015146",
                published_to_partners=True,
            ),
            today=TODAY,
        )
        entry = shortlists.add(
            session=s, actor=coord, vacancy_id=vid, person_id=selected, today=TODAY
        )
        for stage in (ShortlistStage.CONTACTED, ShortlistStage.INTERVIEW, ShortlistStage.SELECTED):
            shortlists.move(
                session=s,
                actor=coord,
                entry_id=entry,
                to_stage=stage,
                version=s.get(ShortlistEntry, entry).version,
            )
        share = shortlists.share(
            session=s, actor=coord, vacancy_id=vid, partner_org_id=org, today=TODAY
        )
        consent = s.scalar(
            select(Consent.id).where(
                Consent.person_id == pid,
                Consent.purpose == ConsentPurpose.PARTNER_SHARING,
            )
        )
        intern_person = _new_person(s, coord, tutor, org, 2)
        internship = internships.start(
            session=s,
            actor=coord,
            data=internships.StartInput(
                person_id=intern_person,
                company_id=cid,
                start_date=TODAY - timedelta(days=20),
                planned_end_date=TODAY + timedelta(days=100),
                weekly_hours=30,
                monthly_allowance=Decimal("500"),
                company_tutor_name="Gino Permessi",
                centre_tutor_id=tutor.id,
                funding_stream=FundingStream.MUNICIPAL,
            ),
            today=TODAY,
        )
        edition = workshops.create_edition(
            session=s,
            actor=coord,
            data=workshops.EditionInput(
                trade_id=trade,
                title="Cucina permessi",
                hours=100,
                start_date=TODAY + timedelta(days=30),
                end_date=TODAY + timedelta(days=120),
                trainer_name="Chef Permessi",
                italian_teacher_name="Prof Permessi",
                capacity=12,
                weekdays=(0, 2),
                session_hours=Decimal(4),
            ),
        )
        running = workshops.create_edition(
            session=s,
            actor=coord,
            data=workshops.EditionInput(
                trade_id=trade,
                title="Cucina in corso",
                hours=100,
                start_date=TODAY - timedelta(days=14),
                end_date=TODAY + timedelta(days=60),
                trainer_name="Chef Permessi",
                italian_teacher_name="Prof Permessi",
                capacity=12,
                weekdays=(0, 1, 2, 3, 4),
                session_hours=Decimal(2),
            ),
        )
        enrolment = workshops.enrol(
            session=s,
            actor=coord,
            edition_id=running,
            person_id=selected,
            on=TODAY - timedelta(days=14),
            today=TODAY,
        )
        past_session = s.scalar(
            select(WorkshopSession.id)
            .where(WorkshopSession.edition_id == running, WorkshopSession.session_date < TODAY)
            .order_by(WorkshopSession.session_date)
            .limit(1)
        )
        att_edition = running
        competence = competences.add_competence(
            session=s,
            actor=coord,
            data=competences.NewCompetence(
                "Impiattare permessi", "Plating permissions", CompetenceArea.TECHNICAL, trade
            ),
        )

    with unit_of_work(engine) as s:
        person = people.get(session=s, actor=coord, person_id=pid, today=TODAY)
        company = companies.get(session=s, actor=coord, id=cid, today=TODAY)
        vacancy = vacancies.get(session=s, actor=coord, id=vid, today=TODAY)
        intern = internships.get(session=s, actor=coord, id=internship, today=TODAY)
        pact = s.scalar(select(ServicePact).where(ServicePact.person_id == pid))
        ed = s.get(WorkshopEdition, edition)
        weights = matching.get_weights(session=s, actor=coord)
        return Ctx(
            actors=actors,
            org_id=org,
            tutor_user_id=tutor_user,
            person_id=pid,
            person_version=person.version,
            person_input=person.to_input(),
            closed_id=closed,
            closed_version=s.get(Person, closed).version,
            pact_id=pact.id,
            pact_version=pact.version,
            consent_id=consent,
            company_id=cid,
            company_input=company.as_input(),
            contact_id=contact,
            convention_id=convention,
            course_id=course,
            vacancy_id=vid,
            vacancy_version=vacancy.version,
            vacancy_input=vacancy.as_input(),
            entry_id=entry,
            entry_version=s.get(ShortlistEntry, entry).version,
            entry_person_id=selected,
            share_id=share,
            internship_id=internship,
            internship_person_id=intern_person,
            internship_version=intern.version,
            internship_update=internships.UpdateInput(
                version=intern.version,
                start_date=intern.start_date,
                planned_end_date=intern.planned_end_date,
                weekly_hours=intern.weekly_hours,
                monthly_allowance=Decimal(intern.monthly_allowance),
                meal_vouchers=intern.meal_vouchers,
                company_tutor_name="Tutor aziendale nuovo",
                centre_tutor_id=intern.centre_tutor_id,
                funding_stream=intern.funding_stream,
            ),
            edition_id=edition,
            edition_version=ed.version,
            edition_input=workshops.EditionInput(
                trade_id=ed.trade_id,
                title=ed.title + " bis",
                hours=ed.hours,
                start_date=ed.start_date,
                end_date=ed.end_date,
                trainer_name=ed.trainer_name,
                italian_teacher_name=ed.italian_teacher_name,
                capacity=ed.capacity,
            ),
            attendance_edition_id=att_edition,
            attendance_cell=(enrolment, past_session),
            enrolment_id=enrolment,
            enrolment_version=s.get(WorkshopEnrolment, enrolment).version,
            workshop_session_id=s.scalar(
                select(WorkshopSession.id).where(WorkshopSession.edition_id == edition).limit(1)
            ),
            competence_id=competence,
            competence_version=competences.get_competence(
                session=s, actor=coord, competence_id=competence
            ).version,
            trade_id=trade,
            weights_version=weights.version,
            kpi_filters=KpiFilters(TODAY - timedelta(days=3 * 365), TODAY),
        )


# --------------------------------------------------------------------------- cached per database
_WORLDS: dict[tuple[str, str], Ctx] = {}


def world_for(url: str, prepare=None, key: str = "plain") -> tuple[object, Ctx]:
    """The demo world on ``url``, built once (again if another test module's clean-up, or a
    test that changed it, left it different). ``prepare(engine, ctx)`` runs after a build; each
    ``key`` is a world of its own (the database holds one at a time)."""
    engine = get_engine(url)
    ctx = _WORLDS.get((url, key))
    if ctx is None or not _intact(engine, ctx):
        ctx = build_context(engine)
        if prepare is not None:
            prepare(engine, ctx)
            ctx = replace(ctx, person_version=_version(engine, ctx.person_id))
        _WORLDS[(url, key)] = ctx
    return engine, ctx


def _intact(engine, ctx: Ctx) -> bool:
    with unit_of_work(engine) as s:
        person = s.get(Person, ctx.person_id)
        return person is not None and person.version == ctx.person_version


def _version(engine, person_id: int) -> int:
    with unit_of_work(engine) as s:
        return s.get(Person, person_id).version
