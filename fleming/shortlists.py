"""Shortlists: the people put forward for a vacancy, their stages, and sharing with partners.

Stages run proposed → contacted → interview → selected, and an entry can end as rejected or
withdrawn (both need a reason) from any open stage; ``TRANSITIONS`` is the one place that says
which moves are allowed. Every move is kept in ``shortlist_stage_changes`` (who, when, from, to,
why) and audited.

Sharing: a vacancy's shortlist can be shared with a partner organisation; the partner sees only
the people with a current ``partner_sharing`` consent for *that* organisation (given, not
withdrawn), checked every time the partner looks (``fleming.partners.shortlist``) — a consent
withdrawn after sharing hides the person at once. The others are listed to the coordinator as
blocked, with the reason. Sharing, un-sharing and each partner view are audited.

Who may do what (``fleming.permissions``): coordinators do everything; tutors see the shortlists
and may propose **their own** people (they know them best, and a proposal is only the first
stage), while moving stages and sharing stay with the coordinator, who speaks with the company
and the partners.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from fleming import audit, matching
from fleming.actor import Actor
from fleming.errors import Conflict, NotFound, ValidationError
from fleming.models import (
    Consent,
    ConsentPurpose,
    PartnerOrganisation,
    Person,
    ShortlistEntry,
    ShortlistOrigin,
    ShortlistShare,
    ShortlistStage,
    ShortlistStageChange,
    User,
    Vacancy,
    VacancyStatus,
    utcnow,
)
from fleming.permissions import authorize, require_own_person
from fleming.validators import optional_text

S = ShortlistStage
TRANSITIONS: dict[ShortlistStage, frozenset[ShortlistStage]] = {
    S.PROPOSED: frozenset({S.CONTACTED, S.REJECTED, S.WITHDRAWN}),
    S.CONTACTED: frozenset({S.INTERVIEW, S.REJECTED, S.WITHDRAWN}),
    S.INTERVIEW: frozenset({S.SELECTED, S.REJECTED, S.WITHDRAWN}),
    S.SELECTED: frozenset({S.WITHDRAWN}),  # e.g. the person took another job before starting
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
"""The allowed stage moves: the only place that says so."""

REASON_REQUIRED = frozenset({S.REJECTED, S.WITHDRAWN})
FINAL_STAGES = frozenset(s for s, moves in TRANSITIONS.items() if not moves)
STAGE_ORDER = (S.PROPOSED, S.CONTACTED, S.INTERVIEW, S.SELECTED, S.REJECTED, S.WITHDRAWN)
REASON_MAX = 300


def allowed_moves(stage: ShortlistStage) -> tuple[ShortlistStage, ...]:
    """The stages an entry in ``stage`` may move to, in display order."""
    return tuple(s for s in STAGE_ORDER if s in TRANSITIONS[stage])


# --------------------------------------------------------------------------- consent rule
def sharing_consent_current(person_id_col, partner_org_id: int, today: date):
    """SQL condition: the person has a current partner-sharing consent for this organisation.

    Current = given on or before ``today`` and not withdrawn (a withdrawal dated today or
    earlier ends it).
    """
    return (
        select(Consent.id)
        .where(
            Consent.person_id == person_id_col,
            Consent.purpose == ConsentPurpose.PARTNER_SHARING,
            Consent.partner_org_id == partner_org_id,
            Consent.given_on <= today,
            or_(Consent.withdrawn_on.is_(None), Consent.withdrawn_on > today),
        )
        .exists()
    )


# --------------------------------------------------------------------------- views
@dataclass(frozen=True)
class EntryView:
    id: int
    version: int
    vacancy_id: int
    person_id: int
    name: str
    tutor_id: int | None
    stage: ShortlistStage
    reason: str | None
    origin: ShortlistOrigin
    partner: str | None  # the nominating organisation (origin partner)
    motivation: str | None
    score: float | None  # at the time of adding, 0–100
    added_by: str | None
    added_at: datetime
    last_change_at: datetime | None

    @property
    def moves(self) -> tuple[ShortlistStage, ...]:
        return allowed_moves(self.stage)


@dataclass(frozen=True)
class StageChangeView:
    entry_id: int
    person_id: int
    name: str
    from_stage: ShortlistStage | None
    to_stage: ShortlistStage
    reason: str | None
    changed_by: str | None
    changed_at: datetime


@dataclass(frozen=True)
class ShareCandidate:
    entry_id: int
    person_id: int
    name: str
    stage: ShortlistStage
    shareable: bool
    blocked_reason: str | None  # "no_consent" | "consent_withdrawn" | "consent_not_yet"
    consent_given_on: date | None
    consent_withdrawn_on: date | None


@dataclass(frozen=True)
class ShareView:
    id: int
    partner_org_id: int
    partner: str
    shared_by: str | None
    shared_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


# --------------------------------------------------------------------------- helpers
def _vacancy(session: Session, vacancy_id: int) -> Vacancy:
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None:
        raise NotFound(vacancy_id)
    return vacancy


def _entry(session: Session, entry_id: int) -> ShortlistEntry:
    entry = session.get(ShortlistEntry, entry_id)
    if entry is None:
        raise NotFound(entry_id)
    return entry


# --------------------------------------------------------------------------- services
def add(
    *,
    session: Session,
    actor: Actor,
    vacancy_id: int,
    person_id: int,
    today: date | None = None,
) -> int:
    """Put a person from the ranking on the vacancy's shortlist (stage proposed); the entry id.

    The score is computed here, from the same ranking code, and kept as it was when added.
    Refused when the vacancy is not open, the person is already listed, or a hard filter
    excludes them. A tutor may add only people they tutor. The first entry moves an open
    vacancy to "shortlisting".
    """
    authorize(session=session, actor=actor, operation="shortlists.add")
    vacancy = _vacancy(session, vacancy_id)
    person = session.get(Person, person_id)
    if person is None or person.anonymised_at is not None:
        raise NotFound(person_id)
    require_own_person(
        session=session,
        actor=actor,
        person_tutor_id=person.tutor_id,
        operation="shortlists.add.not_own_person",
    )
    if vacancy.status not in VacancyStatus.RECRUITING:
        raise ValidationError("vacancy_id", "shortlists.error.vacancy_not_open")
    return put_forward(
        session=session,
        actor=actor,
        vacancy=vacancy,
        person_id=person_id,
        today=today,
        origin=ShortlistOrigin.CENTRE,
        already_listed="shortlists.error.already_listed",
    )


def put_forward(
    *,
    session: Session,
    actor: Actor,
    vacancy: Vacancy,
    person_id: int,
    today: date | None,
    origin: ShortlistOrigin,
    already_listed: str,
    nominated_by_partner_id: int | None = None,
    motivation: str | None = None,
) -> int:
    """Put a person on a vacancy's shortlist, whoever proposes them (the centre's ``add``, a
    partner's nomination): the entry at "proposed" with its first stage change and audit row, and
    the first entry moves an open vacancy to "shortlisting". The callers check who may.

    The score is the ranking's, kept as it was when added. The centre cannot list a person the
    hard filters exclude; a partner's nomination is listed without a score.
    """
    listed = session.scalar(
        select(ShortlistEntry.id).where(
            ShortlistEntry.vacancy_id == vacancy.id, ShortlistEntry.person_id == person_id
        )
    )
    if listed is not None:
        raise Conflict(already_listed)
    match = matching.score_person(session, vacancy.id, person_id, today)
    if match.excluded and origin is ShortlistOrigin.CENTRE:
        raise ValidationError("person_id", "shortlists.error.not_eligible")
    entry = ShortlistEntry(
        vacancy_id=vacancy.id,
        person_id=person_id,
        stage=S.PROPOSED,
        origin=origin,
        nominated_by_partner_id=nominated_by_partner_id,
        motivation=motivation,
        score=None if match.excluded else round(match.score, 2),
        added_by_id=actor.id or None,
    )
    session.add(entry)
    session.flush()
    session.add(
        ShortlistStageChange(
            entry_id=entry.id, from_stage=None, to_stage=S.PROPOSED, changed_by_id=actor.id or None
        )
    )
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="shortlist_entry",
        entity_id=entry.id,
        person_id=person_id,
        changes=audit.snapshot(entry),
    )
    if vacancy.status is VacancyStatus.OPEN:
        vacancy.status = VacancyStatus.SHORTLISTING
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
    return entry.id


def move(
    *,
    session: Session,
    actor: Actor,
    entry_id: int,
    to_stage: ShortlistStage,
    version: int,
    reason: str | None = None,
) -> None:
    """Move an entry to another stage (an allowed one; rejected/withdrawn need a reason)."""
    authorize(session=session, actor=actor, operation="shortlists.move")
    entry = _entry(session, entry_id)
    if entry.version != version:
        raise Conflict("stale")
    to_stage = ShortlistStage(to_stage)
    if to_stage not in TRANSITIONS[entry.stage]:
        raise ValidationError("to_stage", "shortlists.error.transition")
    reason = optional_text(reason, "reason", REASON_MAX)
    if to_stage in REASON_REQUIRED and reason is None:
        raise ValidationError("reason", "shortlists.error.reason_required")
    from_stage = entry.stage
    entry.stage = to_stage
    entry.reason = reason if to_stage in REASON_REQUIRED else entry.reason
    changes = audit.changed_fields(entry)
    session.add(
        ShortlistStageChange(
            entry_id=entry.id,
            from_stage=from_stage,
            to_stage=to_stage,
            reason=reason,
            changed_by_id=actor.id or None,
        )
    )
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="shortlist_entry",
        entity_id=entry.id,
        person_id=entry.person_id,
        changes=changes,
    )


def entries(*, session: Session, actor: Actor, vacancy_id: int) -> tuple[EntryView, ...]:
    """The vacancy's shortlist: stage order, then best score, then the order they were added."""
    authorize(session=session, actor=actor, operation="shortlists.view")
    adder = aliased(User)
    last_change = (
        select(ShortlistStageChange.changed_at)
        .where(ShortlistStageChange.entry_id == ShortlistEntry.id)
        .order_by(ShortlistStageChange.changed_at.desc(), ShortlistStageChange.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            ShortlistEntry,
            Person.first_name,
            Person.last_name,
            Person.tutor_id,
            PartnerOrganisation.name,
            adder.full_name,
            last_change,
        )
        .join(Person, Person.id == ShortlistEntry.person_id)
        .outerjoin(
            PartnerOrganisation, PartnerOrganisation.id == ShortlistEntry.nominated_by_partner_id
        )
        .outerjoin(adder, adder.id == ShortlistEntry.added_by_id)
        .where(ShortlistEntry.vacancy_id == vacancy_id)
    ).all()
    views = [
        EntryView(
            id=e.id,
            version=e.version,
            vacancy_id=e.vacancy_id,
            person_id=e.person_id,
            name=f"{first} {last}",
            tutor_id=tutor_id,
            stage=e.stage,
            reason=e.reason,
            origin=e.origin,
            partner=partner,
            motivation=e.motivation,
            score=e.score,
            added_by=added_by,
            added_at=e.added_at,
            last_change_at=changed,
        )
        for e, first, last, tutor_id, partner, added_by, changed in rows
    ]
    return tuple(
        sorted(
            views,
            key=lambda v: (
                STAGE_ORDER.index(v.stage),
                -(v.score if v.score is not None else -1),
                v.added_at,
                v.id,
            ),
        )
    )


def history(*, session: Session, actor: Actor, vacancy_id: int) -> tuple[StageChangeView, ...]:
    """Every stage change of the vacancy's shortlist, newest first."""
    authorize(session=session, actor=actor, operation="shortlists.view")
    rows = session.execute(
        select(
            ShortlistStageChange,
            ShortlistEntry.person_id,
            Person.first_name,
            Person.last_name,
            User.full_name,
        )
        .join(ShortlistEntry, ShortlistEntry.id == ShortlistStageChange.entry_id)
        .join(Person, Person.id == ShortlistEntry.person_id)
        .outerjoin(User, User.id == ShortlistStageChange.changed_by_id)
        .where(ShortlistEntry.vacancy_id == vacancy_id)
        .order_by(ShortlistStageChange.changed_at.desc(), ShortlistStageChange.id.desc())
    ).all()
    return tuple(
        StageChangeView(
            entry_id=c.entry_id,
            person_id=person_id,
            name=f"{first} {last}",
            from_stage=c.from_stage,
            to_stage=c.to_stage,
            reason=c.reason,
            changed_by=by,
            changed_at=c.changed_at,
        )
        for c, person_id, first, last, by in rows
    )


# --------------------------------------------------------------------------- sharing
def _partner(session: Session, partner_org_id: int) -> PartnerOrganisation:
    org = session.get(PartnerOrganisation, partner_org_id)
    if org is None:
        raise NotFound(partner_org_id)
    return org


def share_preview(
    *,
    session: Session,
    actor: Actor,
    vacancy_id: int,
    partner_org_id: int,
    today: date | None = None,
) -> tuple[ShareCandidate, ...]:
    """Each shortlisted person: visible to this partner, or blocked and why."""
    authorize(session=session, actor=actor, operation="shortlists.share")
    _vacancy(session, vacancy_id)
    _partner(session, partner_org_id)
    return _candidates(session, vacancy_id, partner_org_id, today or date.today())


def _candidates(
    session: Session, vacancy_id: int, partner_org_id: int, today: date
) -> tuple[ShareCandidate, ...]:
    rows = session.execute(
        select(
            ShortlistEntry,
            Person.first_name,
            Person.last_name,
            sharing_consent_current(ShortlistEntry.person_id, partner_org_id, today).label("ok"),
        )
        .join(Person, Person.id == ShortlistEntry.person_id)
        .where(ShortlistEntry.vacancy_id == vacancy_id)
        .order_by(Person.last_name, Person.first_name, ShortlistEntry.id)
    ).all()
    person_ids = [e.person_id for e, *_ in rows]
    consents: dict[int, list[Consent]] = {}
    for c in session.scalars(
        select(Consent)
        .where(
            Consent.person_id.in_(person_ids),
            Consent.purpose == ConsentPurpose.PARTNER_SHARING,
            Consent.partner_org_id == partner_org_id,
        )
        .order_by(Consent.given_on, Consent.id)
    ):
        consents.setdefault(c.person_id, []).append(c)
    out = []
    for e, first, last, ok in rows:
        mine = consents.get(e.person_id, [])
        latest = mine[-1] if mine else None
        if ok:
            reason = None
        elif not mine:
            reason = "no_consent"
        elif all(c.given_on > today for c in mine):
            reason = "consent_not_yet"
        else:
            reason = "consent_withdrawn"
        out.append(
            ShareCandidate(
                entry_id=e.id,
                person_id=e.person_id,
                name=f"{first} {last}",
                stage=e.stage,
                shareable=bool(ok),
                blocked_reason=reason,
                consent_given_on=latest.given_on if latest else None,
                consent_withdrawn_on=latest.withdrawn_on if latest else None,
            )
        )
    return tuple(out)


def shares(*, session: Session, actor: Actor, vacancy_id: int) -> tuple[ShareView, ...]:
    """Who the vacancy's shortlist is (or was) shared with, active first, newest first."""
    authorize(session=session, actor=actor, operation="shortlists.view")
    rows = session.execute(
        select(ShortlistShare, PartnerOrganisation.name, User.full_name)
        .join(PartnerOrganisation, PartnerOrganisation.id == ShortlistShare.partner_org_id)
        .outerjoin(User, User.id == ShortlistShare.shared_by_id)
        .where(ShortlistShare.vacancy_id == vacancy_id)
        .order_by(ShortlistShare.shared_at.desc(), ShortlistShare.id.desc())
    ).all()
    views = [
        ShareView(
            id=s.id,
            partner_org_id=s.partner_org_id,
            partner=name,
            shared_by=by,
            shared_at=s.shared_at,
            revoked_at=s.revoked_at,
        )
        for s, name, by in rows
    ]
    return tuple(sorted(views, key=lambda v: not v.active))


def share(
    *,
    session: Session,
    actor: Actor,
    vacancy_id: int,
    partner_org_id: int,
    today: date | None = None,
) -> int:
    """Share the vacancy's shortlist with a partner organisation; the share id.

    Refused when the organisation is inactive, the list is already shared with it, or nobody
    on the list consented to sharing with it. The audit row names the people visible now.
    """
    authorize(session=session, actor=actor, operation="shortlists.share")
    _vacancy(session, vacancy_id)
    org = _partner(session, partner_org_id)
    if not org.active:
        raise ValidationError("partner_org_id", "shortlists.error.partner_inactive")
    active = session.scalar(
        select(ShortlistShare.id).where(
            ShortlistShare.vacancy_id == vacancy_id,
            ShortlistShare.partner_org_id == partner_org_id,
            ShortlistShare.revoked_at.is_(None),
        )
    )
    if active is not None:
        raise Conflict("shortlists.error.already_shared")
    visible = [
        c.person_id
        for c in _candidates(session, vacancy_id, partner_org_id, today or date.today())
        if c.shareable
    ]
    if not visible:
        raise ValidationError("partner_org_id", "shortlists.error.nobody_shareable")
    row = ShortlistShare(
        vacancy_id=vacancy_id, partner_org_id=partner_org_id, shared_by_id=actor.id or None
    )
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="share",
        entity="vacancy",
        entity_id=vacancy_id,
        changes={"partner_org_id": partner_org_id, "share_id": row.id, "people": visible},
    )
    return row.id


def unshare(*, session: Session, actor: Actor, share_id: int) -> None:
    """Stop sharing: the partner no longer sees the shortlist (the share row stays, revoked)."""
    authorize(session=session, actor=actor, operation="shortlists.share")
    row = session.get(ShortlistShare, share_id)
    if row is None:
        raise NotFound(share_id)
    if row.revoked_at is not None:
        raise Conflict("shortlists.error.already_revoked")
    row.revoked_at = max(utcnow(), row.shared_at)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="unshare",
        entity="vacancy",
        entity_id=row.vacancy_id,
        changes={"partner_org_id": row.partner_org_id, "share_id": row.id},
    )
