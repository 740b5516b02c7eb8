"""A tiny hand-made world for the KPI tests: each helper adds one row with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleming.actor import Actor
from fleming.models import (
    CefrLevel,
    Company,
    CompanyStatus,
    Competence,
    CompetenceRating,
    ContractType,
    Convention,
    ConventionKind,
    EducationLevel,
    EnrolmentStatus,
    FragilityMarker,
    FundingStream,
    Internship,
    InternshipOutcome,
    InternshipStatus,
    LegalStatus,
    PartnerOrganisation,
    Person,
    PersonFragility,
    PersonStatus,
    RatingSource,
    ReferralSource,
    Role,
    ScoutingEntry,
    ServicePact,
    Setting,
    Sex,
    ShortlistEntry,
    Trade,
    TutoringMeeting,
    User,
    Vacancy,
    VacancyCompetence,
    VacancyKind,
    VacancyStatus,
    WorkshopAttendance,
    WorkshopEdition,
    WorkshopEnrolment,
    WorkshopSession,
)

COORDINATOR = Actor(id=0, username="coord", full_name="Coord", role=Role.COORDINATOR)


class World:
    """Adds rows through one session; ids are flushed at once so tests can link rows."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self._n = itertools.count(1)

    def _add(self, obj):
        self.s.add(obj)
        self.s.flush()
        return obj

    def trade(self, code: str) -> Trade:
        return self.s.scalars(select(Trade).where(Trade.code == code)).one()

    def competences(self, trade_code: str) -> list[Competence]:
        trade = self.trade(trade_code)
        return list(
            self.s.scalars(
                select(Competence).where(Competence.trade_id == trade.id).order_by(Competence.id)
            )
        )

    def setting(self, key: str, value) -> None:
        self._add(Setting(key=key, value=value))

    def user(self, role: Role = Role.TUTOR, name: str | None = None, org=None) -> User:
        n = next(self._n)
        return self._add(
            User(
                username=f"user{n}",
                full_name=name or f"Tutor {n}",
                password_hash="x",
                role=role,
                partner_org_id=org.id if org else None,
            )
        )

    def partner(self, name: str = "Ente") -> PartnerOrganisation:
        return self._add(PartnerOrganisation(name=f"{name} {next(self._n)}"))

    def person(
        self,
        *,
        intake: date = date(2025, 1, 10),
        sex: Sex = Sex.F,
        citizenship: str = "IT",
        legal: LegalStatus = LegalStatus.ITALIAN,
        status: PersonStatus = PersonStatus.ACTIVE,
        tutor: User | None = None,
        funding: FundingStream = FundingStream.MUNICIPAL,
        partner: PartnerOrganisation | None = None,
        fragilities: tuple[FragilityMarker, ...] = (),
    ) -> Person:
        n = next(self._n)
        person = self._add(
            Person(
                first_name="Nome",
                last_name=f"Cognome{n}",
                tax_code=f"{n:011d}",
                birth_date=date(1990, 1, 1),
                sex=sex,
                citizenship=citizenship,
                country_of_birth=citizenship,
                italian_level=CefrLevel.B1,
                education_level=EducationLevel.UPPER_SECONDARY,
                legal_status=legal,
                asylum_application_date=date(2024, 6, 1)
                if legal is LegalStatus.ASYLUM_SEEKER
                else None,
                referral_source=ReferralSource.PARTNER if partner else ReferralSource.SELF,
                referral_partner_id=partner.id if partner else None,
                funding_stream=funding,
                intake_date=intake,
                tutor_id=tutor.id if tutor else None,
                status=status,
                closing_reason="fine" if status is PersonStatus.CLOSED else None,
            )
        )
        for marker in fragilities:
            self._add(PersonFragility(person_id=person.id, marker=marker))
        return person

    def company(self, ateco: str = "56.10", name: str | None = None, **kw) -> Company:
        n = next(self._n)
        return self._add(
            Company(
                name=name or f"Azienda {n}",
                vat_number=f"{n:011d}",
                ateco_code=ateco,
                employees=10,
                status=kw.pop("status", CompanyStatus.ACTIVE),
                **kw,
            )
        )

    def internship(
        self,
        person: Person,
        company: Company | None = None,
        *,
        start: date,
        end: date | None = None,
        outcome: InternshipOutcome | None = None,
        contract: ContractType | None = None,
        hire_date: date | None = None,
        funding: FundingStream = FundingStream.MUNICIPAL,
        tutor: User | None = None,
        vacancy: Vacancy | None = None,
    ) -> Internship:
        company = company or self.company()
        if outcome is None:
            status = InternshipStatus.ACTIVE
        elif outcome is InternshipOutcome.INTERRUPTED:
            status = InternshipStatus.INTERRUPTED
        else:
            status = InternshipStatus.COMPLETED
        if outcome is InternshipOutcome.HIRED:
            contract = contract or ContractType.FIXED_TERM
            hire_date = hire_date or end
        return self._add(
            Internship(
                person_id=person.id,
                company_id=company.id,
                vacancy_id=vacancy.id if vacancy else None,
                start_date=start,
                planned_end_date=start + timedelta(days=120),
                actual_end_date=end,
                weekly_hours=30,
                monthly_allowance=Decimal("500"),
                company_tutor_name="Referente",
                centre_tutor_id=tutor.id if tutor else None,
                funding_stream=funding,
                status=status,
                outcome=outcome,
                contract_type=contract,
                hire_date=hire_date,
            )
        )

    def pact(self, person: Person, signed: date, tutor: User) -> ServicePact:
        return self._add(ServicePact(person_id=person.id, signed_on=signed, tutor_id=tutor.id))

    def edition(
        self, trade_code: str = "catering", *, start: date, end: date, hours: int = 120
    ) -> WorkshopEdition:
        return self._add(
            WorkshopEdition(
                trade_id=self.trade(trade_code).id,
                title="Laboratorio",
                hours=hours,
                start_date=start,
                end_date=end,
                trainer_name="Formatore",
                italian_teacher_name="Docente",
                capacity=12,
            )
        )

    def enrol(
        self,
        person: Person,
        edition: WorkshopEdition,
        on: date,
        status: EnrolmentStatus = EnrolmentStatus.ENROLLED,
    ) -> WorkshopEnrolment:
        return self._add(
            WorkshopEnrolment(
                edition_id=edition.id,
                person_id=person.id,
                enrolled_on=on,
                status=status,
                completed_on=edition.end_date if status is EnrolmentStatus.COMPLETED else None,
            )
        )

    def session(self, edition: WorkshopEdition, on: date, hours: float = 4) -> WorkshopSession:
        return self._add(
            WorkshopSession(edition_id=edition.id, session_date=on, hours=Decimal(str(hours)))
        )

    def attend(self, session: WorkshopSession, enrolment: WorkshopEnrolment, hours: float) -> None:
        self._add(
            WorkshopAttendance(
                session_id=session.id, enrolment_id=enrolment.id, hours=Decimal(str(hours))
            )
        )

    def meeting(self, person: Person, tutor: User, on: date) -> None:
        self._add(TutoringMeeting(person_id=person.id, tutor_id=tutor.id, met_on=on, kind="phone"))

    def convention(self, company: Company, signed: date, expires: date) -> None:
        self._add(
            Convention(
                company_id=company.id,
                kind=ConventionKind.INTERNSHIPS,
                signed_on=signed,
                expires_on=expires,
            )
        )

    def scouting(self, company: Company, on: date) -> None:
        self._add(
            ScoutingEntry(company_id=company.id, contacted_on=on, channel="phone", outcome="ok")
        )

    def vacancy(
        self,
        company: Company,
        *,
        trade_code: str | None = "catering",
        created: date,
        positions: int = 1,
        status: VacancyStatus = VacancyStatus.OPEN,
        requires: tuple[tuple[Competence, int], ...] = (),
    ) -> Vacancy:
        vacancy = self._add(
            Vacancy(
                company_id=company.id,
                title="Aiuto cuoco",
                trade_id=self.trade(trade_code).id if trade_code else None,
                positions=positions,
                kind=VacancyKind.INTERNSHIP,
                min_italian_level=CefrLevel.A2,
                status=status,
                closed_reason="chiusa" if status is VacancyStatus.CLOSED else None,
                created_on=created,
            )
        )
        for competence, level in requires:
            self._add(
                VacancyCompetence(
                    vacancy_id=vacancy.id, competence_id=competence.id, min_level=level
                )
            )
        return vacancy

    def rating(self, person: Person, competence: Competence, level: int, on: date) -> None:
        self._add(
            CompetenceRating(
                person_id=person.id,
                competence_id=competence.id,
                level=level,
                rated_on=on,
                source=RatingSource.ENTRY,
            )
        )

    def shortlist(self, vacancy: Vacancy, person: Person) -> None:
        self._add(ShortlistEntry(vacancy_id=vacancy.id, person_id=person.id))
