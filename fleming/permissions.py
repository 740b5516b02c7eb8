"""Who may do what: one table of service operation → roles, checked by every service.

Pages are built from the same table (navigation), but hiding a page is never the protection: each
service calls ``authorize`` with the logged-in actor before it reads or writes anything.
"""

from __future__ import annotations

from typing import Any, NoReturn

from sqlalchemy.orm import Session

from fleming import audit
from fleming.actor import Actor
from fleming.errors import PermissionDenied
from fleming.models import Role

A, C, T, P = Role.ADMIN, Role.COORDINATOR, Role.TUTOR, Role.PARTNER
STAFF = frozenset({A, C, T})

PERMISSIONS: dict[str, frozenset[Role]] = {
    # accounts
    "users.list": frozenset({A}),
    "users.create": frozenset({A}),
    "users.update": frozenset({A}),
    "users.unlock": frozenset({A}),
    "partners.list": frozenset({A, C, T}),
    # home overviews
    "overview.centre": frozenset({A, C}),
    "overview.caseload": frozenset({T, C}),
    "overview.partner": frozenset({P}),
    "overview.accounts": frozenset({A}),
    # audit log viewer
    "audit.list": frozenset({A}),
    "audit.export": frozenset({A}),
    # data protection (fleming.gdpr): subject access exports, anonymisation and retention, for
    # the administrator and coordinators (the centre's DPO works with them)
    "gdpr.search": frozenset({A, C}),
    "gdpr.export": frozenset({A, C}),
    "gdpr.anonymise": frozenset({A, C}),
    "gdpr.retention": frozenset({A, C}),
    # people and their paths: the tutors' daily work, with coordinators; the account
    # administrator does not read people's files (data minimisation), partners never do
    "people.list": frozenset({C, T}),
    "people.view": frozenset({C, T}),
    "people.create": frozenset({C, T}),
    "people.update": frozenset({C, T}),
    "people.close": frozenset({C, T}),
    "people.consents": frozenset({C, T}),
    "paths.view": frozenset({C, T}),
    "paths.pact": frozenset({C, T}),
    "paths.activities": frozenset({C, T}),
    "tutoring.meetings": frozenset({C, T}),
    "tutoring.caseload": frozenset({C, T}),
    "workshops.view": frozenset({C, T}),
    "workshops.editions": frozenset({C}),
    "workshops.trades": frozenset({C}),
    "workshops.enrol": frozenset({C, T}),
    "workshops.attendance": frozenset({C, T}),
    # competence grid: coordinators and admins keep the catalogue; tutors and coordinators
    # (trainers use a tutor account) rate people and classes; staff read progress and export it
    "competences.list": frozenset({A, C, T}),
    "competences.manage": frozenset({A, C}),
    "competences.view": frozenset({A, C, T}),
    "competences.rate": frozenset({C, T}),
    "competences.export": frozenset({A, C, T}),
    # companies and vacancies: coordinators run the employer network; tutors read it (they look
    # for host companies and follow their people's internships) and log their own scouting calls
    "companies.list": frozenset({A, C, T}),
    "companies.view": frozenset({A, C, T}),
    "companies.create": frozenset({A, C}),
    "companies.update": frozenset({A, C}),
    "companies.contacts": frozenset({A, C}),
    "companies.scouting": frozenset({A, C, T}),
    "companies.conventions": frozenset({A, C}),
    "companies.courses": frozenset({A, C}),
    "companies.import": frozenset({A, C}),
    "companies.export": frozenset({A, C}),
    "vacancies.list": frozenset({A, C, T}),
    "vacancies.view": frozenset({A, C, T}),
    "vacancies.create": frozenset({A, C}),
    "vacancies.update": frozenset({A, C}),
    "vacancies.export": frozenset({A, C}),
    # matching and shortlists (tutors read, and propose their own people)
    "matching.rank": frozenset({C, T}),
    "matching.export": frozenset({C, T}),
    "matching.settings.update": frozenset({C}),
    "matching.vacancies_for_person": frozenset({A, C, T}),
    "shortlists.view": frozenset({C, T}),
    "shortlists.add": frozenset({C, T}),
    "shortlists.move": frozenset({C}),
    "shortlists.share": frozenset({C}),
    # the partner portal: a partner user reads what is shared with their own organisation and
    # nominates the people it referred (fleming.partners checks the organisation on every call);
    # coordinators see what is shared with whom, withdraw publications and read nominations
    "partners.shortlists": frozenset({P}),
    "partners.referred": frozenset({P}),
    "partners.vacancies": frozenset({P}),
    "partners.nominate": frozenset({P}),
    "partners.shares": frozenset({C}),
    "partners.unpublish": frozenset({C}),
    "partners.nominations": frozenset({C}),
    # coordinators' dashboard: aggregated figures only; the fairness view (outcomes by sex,
    # citizenship, protection status, fragility) is for coordinators alone
    "kpi.view": frozenset({A, C}),
    "kpi.gap": frozenset({A, C}),
    "kpi.export": frozenset({A, C}),
    "kpi.fairness": frozenset({C}),
    # internships: coordinators start, edit and close them (they deal with the company, and an
    # outcome moves the vacancy and the figures); tutors and coordinators read them all; the
    # monthly attendance and the mid-term check are recorded by a coordinator or by the tutor
    # who follows the person (checked by may_follow below)
    "internships.list": frozenset({C, T}),
    "internships.view": frozenset({C, T}),
    "internships.start": frozenset({C}),
    "internships.update": frozenset({C}),
    "internships.close": frozenset({C}),
    "internships.attendance": frozenset({C, T}),
    "internships.check": frozenset({C, T}),
}


def allowed(actor: Actor, operation: str) -> bool:
    roles = PERMISSIONS.get(operation)
    if roles is None:
        raise KeyError(f"Unknown operation {operation!r}: add it to fleming.permissions")
    return actor.role in roles


def authorize(*, session: Session | None, actor: Actor, operation: str) -> None:
    """Raise ``PermissionDenied`` (and audit the attempt) unless ``actor`` may do ``operation``."""
    if allowed(actor, operation):
        return
    if session is None:
        raise PermissionDenied(operation)
    deny(session=session, actor=actor, operation=operation)


def deny(
    *,
    session: Session,
    actor: Actor,
    operation: str,
    entity: str = "operation",
    entity_id: object = None,
    person_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> NoReturn:
    """Refuse: write the ``denied`` audit row in a transaction of its own (it survives the
    caller's rollback), then raise ``PermissionDenied(operation)``. Every refusal goes here."""
    audit.record_out_of_band(
        session=session,
        actor=actor,
        action="denied",
        entity=entity,
        entity_id=operation if entity_id is None and entity == "operation" else entity_id,
        person_id=person_id,
        changes=changes,
    )
    raise PermissionDenied(operation)


# --------------------------------------------------------------------------- ownership
# Beyond the role table: which records of its kind an actor may touch.


def owns_person(actor: Actor, *, person_tutor_id: int | None) -> bool:
    """A tutor works on the people they tutor; a coordinator on everybody's."""
    if actor.role is Role.COORDINATOR:
        return True
    return actor.role is Role.TUTOR and person_tutor_id == actor.id


def require_own_person(
    *, session: Session, actor: Actor, person_tutor_id: int | None, operation: str
) -> None:
    """``PermissionDenied`` (audited) unless ``owns_person``."""
    if not owns_person(actor, person_tutor_id=person_tutor_id):
        deny(session=session, actor=actor, operation=operation)


def require_own_caseload(*, session: Session, actor: Actor, tutor_id: int) -> None:
    """A tutor reads only their own caseload; a coordinator any tutor's."""
    if actor.role is Role.TUTOR and tutor_id != actor.id:
        deny(
            session=session,
            actor=actor,
            operation="tutoring.caseload.other",
            entity="user",
            entity_id=tutor_id,
        )


def may_follow(actor: Actor, *, centre_tutor_id: int | None, person_tutor_id: int | None) -> bool:
    """Whether ``actor`` may record an internship's attendance and checks: a coordinator, or the
    tutor who follows the person (the internship's centre tutor or the person's own tutor)."""
    if actor.role is Role.COORDINATOR:
        return True
    return actor.role is Role.TUTOR and actor.id in (centre_tutor_id, person_tutor_id)


def referred_by(person_referral_partner_id: int | None, *, org_id: int) -> bool:
    """A partner organisation sees and nominates only the people it referred."""
    return person_referral_partner_id is not None and person_referral_partner_id == org_id


def deny_page(*, session: Session, actor: Actor, page: str) -> None:
    """Audit that ``actor`` opened (typed the address of) a page their role does not have."""
    audit.record(session=session, actor=actor, action="denied", entity="page", entity_id=page[:40])
