"""The partner portal: what a third-sector organisation sees, and what the centre shares with it.

A partner user (``Role.PARTNER``) works for one organisation (``Actor.partner_org_id``); every
service here reads that organisation from the actor, never from an argument, so a page cannot ask
for another organisation's data. What a partner sees:

- **shared shortlists** (``shared_shortlists``, ``shortlist``): the vacancies whose shortlist a
  coordinator shared with the organisation (``ShortlistShare``, not revoked), and on each only the
  people with a *current* ``partner_sharing`` consent for **this** organisation — checked at every
  look, so a withdrawn consent hides the person at once. Each person is minimised to
  ``SharedPerson``: first name, initial of the last name, age band, Italian level, the workshops
  completed, the vacancy's competences met and missing, and the stage. The view models are frozen
  dataclasses that simply do not have the other fields (tax code, contacts, birth date,
  citizenship, protection status, fragility markers, health, notes, the tutor);
- **the people the organisation referred** (``referred``), with consent, and the stage of each
  one's path (``PersonStatus``) and of the organisation's own nominations — no details;
- **open vacancies published to partners** (``open_vacancies``): title, trade, place, contract,
  Italian level and competences; the company name is left out when the coordinator hid it;
- **nominations** (``nominate``): a referred, consenting person on an open path can be put
  forward for a published open vacancy with a short motivation; the entry joins the vacancy's
  shortlist with origin "partner" and shows on the coordinator's matching page.

Every time a partner is shown a person, an audit row names the partner user, the person and the
vacancy (``action="view"``). Asking for a list not shared with the organisation, a person it did
not refer or who did not consent, or a vacancy not published raises ``PermissionDenied`` and the
attempt is audited (``action="denied"``) in a transaction of its own.

Coordinators see, on the *Condivisioni* page, what is shared with whom (``share_overview``), the
vacancies published to partners (``published_vacancies``, ``unpublish``) and the nominations
received (``nominations``); a share is revoked with ``fleming.shortlists.unshare``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import NoReturn

from sqlalchemy import and_, func, literal, not_, select
from sqlalchemy.orm import Session, aliased

from fleming import audit, matching, memo, reference
from fleming.actor import Actor
from fleming.errors import Conflict, NotFound, ValidationError
from fleming.models import (
    CefrLevel,
    Company,
    Competence,
    EnrolmentStatus,
    PartnerOrganisation,
    Person,
    PersonStatus,
    ShortlistEntry,
    ShortlistOrigin,
    ShortlistShare,
    ShortlistStage,
    Trade,
    User,
    Vacancy,
    VacancyCompetence,
    VacancyKind,
    VacancyStatus,
    WorkshopEdition,
    WorkshopEnrolment,
)
from fleming.permissions import authorize, deny, referred_by
from fleming.shortlists import STAGE_ORDER, put_forward, sharing_consent_current
from fleming.validators import required_text

NOMINABLE = PersonStatus.AVAILABLE  # a partner nominates people free to take a job
"""The path stages from which a partner may put a person forward (not in an internship, hired
or closed)."""
MOTIVATION_MIN = 15
MOTIVATION_MAX = 500
AGE_BANDS = ((25, "18–24"), (35, "25–34"), (45, "35–44"), (55, "45–54"), (65, "55–64"))


def age_band(birth_date: date, today: date) -> str:
    """A ten-year band (``"35–44"``), never the age or the birth date."""
    age = (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )
    if age < 18:
        return "<18"
    for upper, band in AGE_BANDS:
        if age < upper:
            return band
    return "65+"


# --------------------------------------------------------------------------- view models
@dataclass(frozen=True)
class Label:
    """A name in both languages (trades, competences)."""

    it: str
    en: str

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.it


@dataclass(frozen=True)
class CompetenceNeed:
    """One competence a vacancy asks for."""

    label: Label
    min_level: int
    essential: bool


@dataclass(frozen=True)
class PartnerVacancy:
    """A vacancy as partners see it; ``company`` is None when the coordinator hid the name."""

    id: int
    title: str
    company: str | None
    trade: Label | None
    municipality: str | None
    kind: VacancyKind
    contract_offered: str | None
    hours_percent: int
    positions: int
    min_italian_level: CefrLevel
    start_date: date | None
    deadline: date | None
    status: VacancyStatus
    requirements: tuple[CompetenceNeed, ...]


@dataclass(frozen=True)
class VacancyPage:
    """One page of the open vacancies published to partners."""

    vacancies: tuple[PartnerVacancy, ...]
    total: int  # on every page
    offset: int  # of ``vacancies[0]`` among the ``total``


@dataclass(frozen=True)
class SharedShortlistSummary:
    vacancy: PartnerVacancy
    shared_at: datetime
    people: int  # visible to the organisation today


@dataclass(frozen=True)
class SharedPerson:
    """A person on a shared shortlist, minimised: these fields and nothing else."""

    entry_id: int
    first_name: str
    last_initial: str
    age_band: str
    italian_level: CefrLevel
    workshops: tuple[Label, ...]  # trades of the workshops completed
    matched: tuple[CompetenceNeed, ...]
    missing: tuple[CompetenceNeed, ...]
    stage: ShortlistStage
    nominated_by_you: bool


@dataclass(frozen=True)
class SharedShortlist:
    vacancy: PartnerVacancy
    shared_at: datetime
    people: tuple[SharedPerson, ...]


@dataclass(frozen=True)
class OwnNomination:
    """One of the organisation's nominations, as it stands."""

    vacancy_id: int
    vacancy_title: str
    stage: ShortlistStage
    nominated_on: date


@dataclass(frozen=True)
class ReferredPerson:
    """A person the organisation referred (with consent): the stage of the path, no details."""

    person_id: int
    first_name: str
    last_initial: str
    stage: PersonStatus
    nominations: tuple[OwnNomination, ...]

    @property
    def nominable(self) -> bool:
        return self.stage in NOMINABLE


@dataclass(frozen=True)
class ReferredPeople:
    people: tuple[ReferredPerson, ...]  # the page asked for (every one without a limit)
    without_consent: int  # referred, but not shown: no current consent to this organisation
    total: int = 0  # with consent and in the stages asked: on every page
    offset: int = 0  # of ``people[0]`` among the ``total``


# --------------------------------------------------------------------------- coordinator views
@dataclass(frozen=True)
class ShareRow:
    share_id: int
    vacancy_id: int
    vacancy_title: str
    company: str
    vacancy_status: VacancyStatus
    partner_org_id: int
    partner: str
    shared_by: str | None
    shared_at: datetime
    revoked_at: datetime | None
    on_list: int
    visible: int  # with a current consent to this partner today

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class PublishedVacancy:
    vacancy_id: int
    version: int
    title: str
    company: str
    hide_company_name: bool
    status: VacancyStatus
    created_on: date
    nominations: int


@dataclass(frozen=True)
class NominationRow:
    entry_id: int
    vacancy_id: int
    vacancy_title: str
    company: str
    person_id: int
    person: str
    partner: str
    motivation: str | None
    stage: ShortlistStage
    added_at: datetime
    added_by: str | None


# --------------------------------------------------------------------------- helpers
def _initial(last_name: str | None) -> str:
    return (last_name.strip()[:1].upper() + ".") if last_name and last_name.strip() else ""


def _refuse(
    session: Session,
    actor: Actor,
    reason: str,
    *,
    entity: str,
    entity_id: object,
    person_id: int | None = None,
) -> NoReturn:
    """A partner's refused request (``permissions.deny``), with the reason and organisation."""
    deny(
        session=session,
        actor=actor,
        operation=f"partners.{reason}",
        entity=entity,
        entity_id=entity_id,
        person_id=person_id,
        changes={"reason": reason, "partner_org_id": actor.partner_org_id},
    )


def _org_id(session: Session, actor: Actor, operation: str) -> int:
    """Authorize ``operation`` and return the actor's (active) organisation."""
    authorize(session=session, actor=actor, operation=operation)
    org = (
        session.get(PartnerOrganisation, actor.partner_org_id)
        if actor.partner_org_id is not None
        else None
    )
    if org is None or not org.active:
        _refuse(session, actor, "no_organisation", entity="operation", entity_id=operation)
    return org.id


def _consent(person_id_col, org_id: int, today: date):
    return sharing_consent_current(person_id_col, org_id, today)


def _requirements(session: Session, vacancy_ids: list[int]) -> dict[int, list[CompetenceNeed]]:
    out: dict[int, list[CompetenceNeed]] = {}
    if not vacancy_ids:
        return out
    rows = session.execute(
        select(
            VacancyCompetence.vacancy_id,
            VacancyCompetence.min_level,
            VacancyCompetence.essential,
            Competence.label_it,
            Competence.label_en,
        )
        .join(Competence, Competence.id == VacancyCompetence.competence_id)
        .where(VacancyCompetence.vacancy_id.in_(vacancy_ids))
        .order_by(
            VacancyCompetence.vacancy_id,
            VacancyCompetence.essential.desc(),
            Competence.label_it,
        )
    ).all()
    for vid, level, essential, it, en in rows:
        out.setdefault(vid, []).append(CompetenceNeed(Label(it, en), level, essential))
    return out


def _vacancies(
    session: Session, *where, limit: int | None = None, offset: int = 0
) -> list[PartnerVacancy]:
    stmt = (
        select(Vacancy, Company.name, Trade.label_it, Trade.label_en)
        .join(Company, Company.id == Vacancy.company_id)
        .outerjoin(Trade, Trade.id == Vacancy.trade_id)
        .where(*where)
        .order_by(Vacancy.created_on.desc(), Vacancy.id.desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    rows = session.execute(stmt).all()
    reqs = _requirements(session, [v.id for v, *_ in rows])
    out = []
    for v, company, trade_it, trade_en in rows:
        comune = reference.comune_by_code(v.municipality_code)
        out.append(
            PartnerVacancy(
                id=v.id,
                title=v.title,
                company=None if v.hide_company_name else company,
                trade=Label(trade_it, trade_en) if trade_it else None,
                municipality=comune.name if comune else None,
                kind=v.kind,
                contract_offered=v.contract_offered,
                hours_percent=v.hours_percent,
                positions=v.positions,
                min_italian_level=v.min_italian_level,
                start_date=v.start_date,
                deadline=v.deadline,
                status=v.status,
                requirements=tuple(reqs.get(v.id, ())),
            )
        )
    return out


def _workshops(session: Session, person_ids: list[int]) -> dict[int, tuple[Label, ...]]:
    if not person_ids:
        return {}
    rows = session.execute(
        select(WorkshopEnrolment.person_id, Trade.label_it, Trade.label_en)
        .join(WorkshopEdition, WorkshopEdition.id == WorkshopEnrolment.edition_id)
        .join(Trade, Trade.id == WorkshopEdition.trade_id)
        .where(
            WorkshopEnrolment.person_id.in_(person_ids),
            WorkshopEnrolment.status == EnrolmentStatus.COMPLETED,
        )
        .distinct()
        .order_by(WorkshopEnrolment.person_id, Trade.label_it)
    ).all()
    out: dict[int, list[Label]] = {}
    for pid, it, en in rows:
        out.setdefault(pid, []).append(Label(it, en))
    return {pid: tuple(labels) for pid, labels in out.items()}


def _need(check: matching.CompetenceCheck) -> CompetenceNeed:
    r = check.requirement
    return CompetenceNeed(Label(r.label_it, r.label_en), r.min_level, r.essential)


def _visible_count(share_partner_col, today: date):
    """Correlated count: people on the share's list with a current consent to its partner."""
    return (
        select(func.count())
        .select_from(ShortlistEntry)
        .join(Person, Person.id == ShortlistEntry.person_id)
        .where(
            ShortlistEntry.vacancy_id == ShortlistShare.vacancy_id,
            Person.anonymised_at.is_(None),
            _consent(ShortlistEntry.person_id, share_partner_col, today),
        )
        .correlate(ShortlistShare)
        .scalar_subquery()
    )


# --------------------------------------------------------------------------- partner services
def shared_shortlists(
    *, session: Session, actor: Actor, today: date | None = None
) -> tuple[SharedShortlistSummary, ...]:
    """The shortlists shared with the actor's organisation (active shares), newest first.

    Counts only, no person: not a view of anyone's data.
    """
    org = _org_id(session, actor, "partners.shortlists")
    today = today or date.today()
    rows = session.execute(
        select(ShortlistShare.vacancy_id, ShortlistShare.shared_at, _visible_count(org, today))
        .where(ShortlistShare.partner_org_id == org, ShortlistShare.revoked_at.is_(None))
        .order_by(ShortlistShare.shared_at.desc(), ShortlistShare.id.desc())
    ).all()
    by_id = {v.id: v for v in _vacancies(session, Vacancy.id.in_([r[0] for r in rows]))}
    return tuple(
        SharedShortlistSummary(vacancy=by_id[vid], shared_at=at, people=n)
        for vid, at, n in rows
        if vid in by_id
    )


_Detail = tuple[tuple[Label, ...], tuple[CompetenceNeed, ...], tuple[CompetenceNeed, ...]]


def _shortlist_details(
    session: Session, vacancy_id: int, person_ids: tuple[int, ...], today: date
) -> tuple[PartnerVacancy, MappingProxyType[int, _Detail]]:
    """The costly part of a shared shortlist, kept by ``memo`` (it shows nobody by itself): the
    vacancy, and for each person the workshops completed and the competences met and missing
    (one ranking pass over these people only)."""
    vacancy = _vacancies(session, Vacancy.id == vacancy_id)[0]
    explained = matching.explain_people(session, vacancy_id, list(person_ids), today)
    workshops = _workshops(session, list(person_ids))
    details: dict[int, _Detail] = {}
    for pid in person_ids:
        e = explained.get(pid)
        details[pid] = (
            workshops.get(pid, ()),
            tuple(_need(c) for c in e.matched) if e else (),
            tuple(_need(c) for c in e.missing) if e else (),
        )
    return vacancy, MappingProxyType(details)


def shortlist(
    *, session: Session, actor: Actor, vacancy_id: int, today: date | None = None
) -> SharedShortlist:
    """One shortlist shared with the actor's organisation, minimised; each person shown audited.

    Refused (``PermissionDenied``, audited) unless the list is shared with this organisation now.
    Who is shown (the share, each person's consent) is read and audited on every call; only the
    vacancy and the people's workshops and competences are kept in memory (``fleming.memo``)
    until the next write.
    """
    org = _org_id(session, actor, "partners.shortlists")
    today = today or date.today()
    shared_at = session.scalar(
        select(ShortlistShare.shared_at).where(
            ShortlistShare.vacancy_id == vacancy_id,
            ShortlistShare.partner_org_id == org,
            ShortlistShare.revoked_at.is_(None),
        )
    )
    if shared_at is None:
        _refuse(session, actor, "not_shared", entity="shortlist", entity_id=vacancy_id)
    rows = session.execute(
        select(
            ShortlistEntry.id,
            ShortlistEntry.person_id,
            ShortlistEntry.stage,
            ShortlistEntry.nominated_by_partner_id,
            Person.first_name,
            Person.last_name,
            Person.birth_date,
            Person.italian_level,
        )
        .join(Person, Person.id == ShortlistEntry.person_id)
        .where(
            ShortlistEntry.vacancy_id == vacancy_id,
            Person.anonymised_at.is_(None),
            _consent(ShortlistEntry.person_id, org, today),
        )
    ).all()
    pids = tuple(sorted(r.person_id for r in rows))
    vacancy, details = memo.remember(
        session,
        ("partners.shortlist", vacancy_id, pids, today),
        lambda: _shortlist_details(session, vacancy_id, pids, today),
    )
    people = []
    for r in rows:
        workshops, matched, missing = details.get(r.person_id, ((), (), ()))
        people.append(
            SharedPerson(
                entry_id=r.id,
                first_name=r.first_name,
                last_initial=_initial(r.last_name),
                age_band=age_band(r.birth_date, today),
                italian_level=r.italian_level,
                workshops=workshops,
                matched=matched,
                missing=missing,
                stage=r.stage,
                nominated_by_you=r.nominated_by_partner_id == org,
            )
        )
    audit.record_many(
        session=session,
        actor=actor,
        action="view",
        entity="shortlist",
        rows=[
            (vacancy_id, r.person_id, {"vacancy_id": vacancy_id, "partner_org_id": org})
            for r in rows
        ],
    )
    people.sort(key=lambda p: (STAGE_ORDER.index(p.stage), p.first_name, p.entry_id))
    return SharedShortlist(vacancy=vacancy, shared_at=shared_at, people=tuple(people))


def referred(
    *,
    session: Session,
    actor: Actor,
    stages: list[PersonStatus] | tuple[PersonStatus, ...] | None = None,
    today: date | None = None,
    limit: int | None = None,
    offset: int = 0,
    count_without_consent: bool = True,
    first_name: str | None = None,
) -> ReferredPeople:
    """The people the actor's organisation referred who consent to sharing with it (audited).

    Each with the stage of their path and the organisation's own nominations, optionally only
    those in ``stages``, by first and last name; the people without a current consent are only
    counted. With ``limit``, one page of them from ``offset`` (paged in SQL: only the people on
    the page are read and audited) and in ``total`` how many there are on every page.
    ``count_without_consent=False`` leaves ``without_consent`` at 0 (a picker that does not
    show it spares the count). ``first_name``: only those whose first name begins so (any
    case); never the last name, which a partner is not shown.
    """
    org = _org_id(session, actor, "partners.referred")
    today = today or date.today()
    offset = max(offset, 0)
    consent = _consent(Person.id, org, today)
    mine = and_(Person.referral_partner_id == org, Person.anonymised_at.is_(None))
    shown = and_(mine, consent, Person.status.in_(list(stages)) if stages else True)
    if first_name and first_name.strip():
        prefix = first_name.strip().lower()
        shown = and_(shown, func.lower(Person.first_name).startswith(prefix, autoescape=True))
    stmt = select(
        Person.id, Person.first_name, Person.last_name, Person.status, func.count().over()
    ).where(shown)
    stmt = stmt.order_by(Person.first_name, Person.last_name, Person.id)
    if limit is not None:
        stmt = stmt.limit(max(limit, 0)).offset(offset)
    rows = session.execute(stmt).all()
    if rows:
        total = rows[0][4]
    elif limit is None or offset == 0:
        total = 0
    else:  # a page past the end: the window saw no row to count
        total = session.scalar(select(func.count()).select_from(Person).where(shown)) or 0
    without = (
        session.scalar(select(func.count()).select_from(Person).where(mine, not_(consent)))
        if count_without_consent
        else 0
    )
    pids = [r.id for r in rows]
    noms: dict[int, list[OwnNomination]] = {}
    if pids:
        for pid, vid, title, stage, added in session.execute(
            select(
                ShortlistEntry.person_id,
                Vacancy.id,
                Vacancy.title,
                ShortlistEntry.stage,
                ShortlistEntry.added_at,
            )
            .join(Vacancy, Vacancy.id == ShortlistEntry.vacancy_id)
            .where(
                ShortlistEntry.person_id.in_(pids),
                ShortlistEntry.nominated_by_partner_id == org,
            )
            .order_by(ShortlistEntry.added_at.desc(), ShortlistEntry.id.desc())
        ):
            noms.setdefault(pid, []).append(OwnNomination(vid, title, stage, added.date()))
    people = tuple(
        ReferredPerson(
            person_id=r.id,
            first_name=r.first_name,
            last_initial=_initial(r.last_name),
            stage=r.status,
            nominations=tuple(noms.get(r.id, ())),
        )
        for r in rows
    )
    audit.record_many(
        session=session,
        actor=actor,
        action="view",
        entity="referred_person",
        rows=[(pid, pid, {"partner_org_id": org}) for pid in pids],
    )
    return ReferredPeople(people=people, without_consent=without or 0, total=total, offset=offset)


def _published_open():
    return (Vacancy.published_to_partners, Vacancy.status.in_(VacancyStatus.RECRUITING))


def referred_without_consent(*, session: Session, actor: Actor, today: date | None = None) -> int:
    """How many people the actor's organisation referred have no current consent to sharing
    with it (counted, never shown; the same number as ``referred(...).without_consent``)."""
    org = _org_id(session, actor, "partners.referred")
    today = today or date.today()
    return (
        session.scalar(
            select(func.count())
            .select_from(Person)
            .where(
                Person.referral_partner_id == org,
                Person.anonymised_at.is_(None),
                not_(_consent(Person.id, org, today)),
            )
        )
        or 0
    )


def open_vacancies(*, session: Session, actor: Actor) -> tuple[PartnerVacancy, ...]:
    """Open vacancies the centre published to partners, newest first (no personal data)."""
    _org_id(session, actor, "partners.vacancies")
    return tuple(_vacancies(session, *_published_open()))


def open_vacancy_page(
    *, session: Session, actor: Actor, limit: int, offset: int = 0
) -> VacancyPage:
    """One page of ``open_vacancies`` (paged in SQL), with how many there are in all."""
    _org_id(session, actor, "partners.vacancies")
    offset = max(offset, 0)
    total = (
        session.scalar(
            select(func.count())
            .select_from(Vacancy)
            .join(Company, Company.id == Vacancy.company_id)
            .where(*_published_open())
        )
        or 0
    )
    vacancies = _vacancies(session, *_published_open(), limit=max(limit, 0), offset=offset)
    return VacancyPage(vacancies=tuple(vacancies), total=total, offset=offset)


def nominate(
    *,
    session: Session,
    actor: Actor,
    vacancy_id: int,
    person_id: int,
    motivation: str,
    today: date | None = None,
) -> int:
    """Put a referred person forward for a published open vacancy; the shortlist entry id.

    The person must have been referred by the actor's organisation and consent to sharing with
    it (otherwise ``PermissionDenied``, audited), be on an open path (intake or active) and not
    be on the list yet; the vacancy must be published to partners (``PermissionDenied``) and
    open. The entry starts at "proposed" with origin "partner", the organisation and the
    motivation; the score is the ranking's when the person passes its filters. The first entry
    moves an open vacancy to "shortlisting", as a coordinator's first proposal does.
    """
    org = _org_id(session, actor, "partners.nominate")
    today = today or date.today()
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None or not vacancy.published_to_partners:
        _refuse(session, actor, "not_published", entity="vacancy", entity_id=vacancy_id)
    person = session.get(Person, person_id)
    if (
        person is None
        or person.anonymised_at is not None
        or not referred_by(person.referral_partner_id, org_id=org)
    ):
        _refuse(
            session,
            actor,
            "not_referred",
            entity="person",
            entity_id=person_id,
            person_id=person_id if person is not None else None,
        )
    consented = session.scalar(select(_consent(literal(person_id), org, today)))
    if not consented:
        _refuse(
            session, actor, "no_consent", entity="person", entity_id=person_id, person_id=person_id
        )
    if vacancy.status not in VacancyStatus.RECRUITING:
        raise ValidationError("vacancy_id", "partners.error.vacancy_not_open")
    if person.status not in NOMINABLE:
        raise ValidationError("person_id", "partners.error.not_nominable")
    text = required_text(motivation, "motivation", MOTIVATION_MAX, multiline=True)
    if len(text) < MOTIVATION_MIN:
        raise ValidationError("motivation", "partners.error.motivation_short", n=MOTIVATION_MIN)
    return put_forward(
        session=session,
        actor=actor,
        vacancy=vacancy,
        person_id=person_id,
        today=today,
        origin=ShortlistOrigin.PARTNER,
        already_listed="partners.error.already_listed",
        nominated_by_partner_id=org,
        motivation=text,
    )


# --------------------------------------------------------------------------- coordinator services
def share_overview(
    *,
    session: Session,
    actor: Actor,
    partner_org_id: int | None = None,
    include_revoked: bool = False,
    today: date | None = None,
) -> tuple[ShareRow, ...]:
    """What is shared with whom: each shortlist share, with how many people the partner sees now.

    Active shares first, newest first; revoked ones only when asked.
    """
    authorize(session=session, actor=actor, operation="partners.shares")
    today = today or date.today()
    on_list = (
        select(func.count())
        .select_from(ShortlistEntry)
        .where(ShortlistEntry.vacancy_id == ShortlistShare.vacancy_id)
        .correlate(ShortlistShare)
        .scalar_subquery()
    )
    sharer = aliased(User)
    stmt = (
        select(
            ShortlistShare,
            Vacancy.title,
            Vacancy.status,
            Company.name,
            PartnerOrganisation.name,
            sharer.full_name,
            on_list,
            _visible_count(ShortlistShare.partner_org_id, today),
        )
        .join(Vacancy, Vacancy.id == ShortlistShare.vacancy_id)
        .join(Company, Company.id == Vacancy.company_id)
        .join(PartnerOrganisation, PartnerOrganisation.id == ShortlistShare.partner_org_id)
        .outerjoin(sharer, sharer.id == ShortlistShare.shared_by_id)
    )
    if partner_org_id is not None:
        stmt = stmt.where(ShortlistShare.partner_org_id == partner_org_id)
    if not include_revoked:
        stmt = stmt.where(ShortlistShare.revoked_at.is_(None))
    rows = session.execute(
        stmt.order_by(
            ShortlistShare.revoked_at.is_not(None),
            ShortlistShare.shared_at.desc(),
            ShortlistShare.id.desc(),
        )
    ).all()
    return tuple(
        ShareRow(
            share_id=s.id,
            vacancy_id=s.vacancy_id,
            vacancy_title=title,
            company=company,
            vacancy_status=status,
            partner_org_id=s.partner_org_id,
            partner=partner,
            shared_by=by,
            shared_at=s.shared_at,
            revoked_at=s.revoked_at,
            on_list=n_list or 0,
            visible=n_visible or 0,
        )
        for s, title, status, company, partner, by, n_list, n_visible in rows
    )


def published_vacancies(*, session: Session, actor: Actor) -> tuple[PublishedVacancy, ...]:
    """The open vacancies every active partner sees, with the nominations each received."""
    authorize(session=session, actor=actor, operation="partners.shares")
    noms = (
        select(func.count())
        .select_from(ShortlistEntry)
        .where(
            ShortlistEntry.vacancy_id == Vacancy.id,
            ShortlistEntry.origin == ShortlistOrigin.PARTNER,
        )
        .correlate(Vacancy)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Vacancy, Company.name, noms)
        .join(Company, Company.id == Vacancy.company_id)
        .where(Vacancy.published_to_partners, Vacancy.status.in_(VacancyStatus.RECRUITING))
        .order_by(Vacancy.created_on.desc(), Vacancy.id.desc())
    ).all()
    return tuple(
        PublishedVacancy(
            vacancy_id=v.id,
            version=v.version,
            title=v.title,
            company=company,
            hide_company_name=v.hide_company_name,
            status=v.status,
            created_on=v.created_on,
            nominations=n or 0,
        )
        for v, company, n in rows
    )


def unpublish(*, session: Session, actor: Actor, vacancy_id: int, version: int) -> None:
    """Stop showing a vacancy to partners (their nominations already made stay on the list)."""
    authorize(session=session, actor=actor, operation="partners.unpublish")
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None:
        raise NotFound(vacancy_id)
    if vacancy.version != version:
        raise Conflict("stale")
    if not vacancy.published_to_partners:
        raise Conflict("partners.error.already_unpublished")
    vacancy.published_to_partners = False
    changes = audit.changed_fields(vacancy)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="vacancy",
        entity_id=vacancy.id,
        changes=changes,
    )


def nominations(*, session: Session, actor: Actor, limit: int = 200) -> tuple[NominationRow, ...]:
    """The nominations received from partners, newest first."""
    authorize(session=session, actor=actor, operation="partners.nominations")
    adder = aliased(User)
    rows = session.execute(
        select(
            ShortlistEntry,
            Vacancy.title,
            Company.name,
            Person.first_name,
            Person.last_name,
            PartnerOrganisation.name,
            adder.full_name,
        )
        .join(Vacancy, Vacancy.id == ShortlistEntry.vacancy_id)
        .join(Company, Company.id == Vacancy.company_id)
        .join(Person, Person.id == ShortlistEntry.person_id)
        .join(PartnerOrganisation, PartnerOrganisation.id == ShortlistEntry.nominated_by_partner_id)
        .outerjoin(adder, adder.id == ShortlistEntry.added_by_id)
        .where(ShortlistEntry.origin == ShortlistOrigin.PARTNER)
        .order_by(ShortlistEntry.added_at.desc(), ShortlistEntry.id.desc())
        .limit(limit)
    ).all()
    return tuple(
        NominationRow(
            entry_id=e.id,
            vacancy_id=e.vacancy_id,
            vacancy_title=title,
            company=company,
            person_id=e.person_id,
            person=f"{first} {last}",
            partner=partner,
            motivation=e.motivation,
            stage=e.stage,
            added_at=e.added_at,
            added_by=by,
        )
        for e, title, company, first, last, partner, by in rows
    )
