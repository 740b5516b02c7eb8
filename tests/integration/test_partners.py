"""The partner portal: minimised views, consent at every look, one organisation only, nominations,
and the audit of every view and every refused attempt."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import pytest
from sqlalchemy import select

from fleming import matching, overview, partners, people, shortlists
from fleming.db import unit_of_work
from fleming.errors import Conflict, PermissionDenied, ValidationError
from fleming.models import (
    AuditEntry,
    CefrLevel,
    Consent,
    FragilityMarker,
    LegalStatus,
    PartnerOrganisation,
    Person,
    PersonFragility,
    PersonStatus,
    ReferralSource,
    ShortlistEntry,
    ShortlistOrigin,
    ShortlistShare,
    ShortlistStage,
    ShortlistStageChange,
    Vacancy,
    VacancyStatus,
)
from tests.integration.matching_data import (
    TODAY,
    add_person,
    complete_workshop,
    consent,
    make_world,
    rate,
)

DAY = timedelta(days=1)

# What the centre knows of Anna and a partner must never see: field → the value stored.
SECRETS = {
    "last_name": "Riservatissima",
    "tax_code": "RSRNNA85M41Z330X",
    "birth_date": "1985-08-01",
    "phone": "+393471234567",
    "email": "anna.segreta@example.org",
    "address": "Via dei Segreti 7",
    "municipality_code": "015146",
    "citizenship": None,  # "MA": too short to look for; checked by field name only
    "country_of_birth": None,
    "birth_place": "Casablanca",
    "legal_status": "international_protection",
    "asylum_application_date": "2019-02-03",
    "fragilities": "Cieca da un occhio",
    "health_notes": "Diabete di tipo 1",
    "notes": "Vive in una comunità protetta",
    "tutor_id": None,  # a number: checked by field name only
    "score": None,
}


@pytest.fixture
def world(engine):
    """Anna: referred by partner 0, consents to it, on the vacancy's shortlist, rated, with a
    catering workshop; Bruno: referred by partner 1 only; Carla: referred by partner 0 without
    consent; Dario: referred by partner 0, consents, not listed. The vacancy is published and
    its shortlist shared with partner 0."""
    from datetime import date

    with unit_of_work(engine) as s:
        w = make_world(s)
        anna = add_person(s, w, "anna", italian=CefrLevel.B1)
        person = s.get(Person, anna)
        person.last_name = SECRETS["last_name"]
        person.tax_code = SECRETS["tax_code"]
        person.birth_date = date(1985, 8, 1)
        person.phone = SECRETS["phone"]
        person.email = SECRETS["email"]
        person.address = SECRETS["address"]
        person.municipality_code = SECRETS["municipality_code"]
        person.citizenship = person.country_of_birth = "MA"
        person.birth_place = SECRETS["birth_place"]
        person.legal_status = LegalStatus.INTERNATIONAL_PROTECTION
        person.asylum_application_date = date(2019, 2, 3)
        person.health_notes = SECRETS["health_notes"]
        person.notes = SECRETS["notes"]
        person.fragilities = [
            PersonFragility(marker=FragilityMarker.DISABILITY, detail=SECRETS["fragilities"])
        ]
        rate(s, anna, w.comps[0], 2, TODAY - 5 * DAY)  # essential@2: met
        rate(s, anna, w.comps[1], 0, TODAY - 5 * DAY)  # desirable@1: missing
        complete_workshop(s, w, anna)
        for key, org in (("bruno", 1), ("carla", 0), ("dario", 0)):
            add_person(s, w, key)
            _refer(s, w.people[key], w.partners[org])
        _refer(s, anna, w.partners[0])
        consent(s, anna, w.partners[0])
        consent(s, w.people["bruno"], w.partners[1])
        consent(s, w.people["dario"], w.partners[0])
        s.get(Vacancy, w.vacancy_id).published_to_partners = True
    for key in ("anna", "bruno", "carla"):
        with unit_of_work(engine) as s:
            shortlists.add(
                session=s,
                actor=w.coordinator,
                vacancy_id=w.vacancy_id,
                person_id=w.people[key],
                today=TODAY,
            )
    with unit_of_work(engine) as s:
        w.share_id = shortlists.share(
            session=s,
            actor=w.coordinator,
            vacancy_id=w.vacancy_id,
            partner_org_id=w.partners[0],
            today=TODAY,
        )
    return w


def _refer(s, person_id: int, org_id: int) -> None:
    person = s.get(Person, person_id)
    person.referral_source = ReferralSource.PARTNER
    person.referral_partner_id = org_id
    s.flush()


def _shortlist(engine, w, partner=0, vacancy_id=None):
    with unit_of_work(engine) as s:
        return partners.shortlist(
            session=s,
            actor=w.partner_users[partner],
            vacancy_id=vacancy_id or w.vacancy_id,
            today=TODAY,
        )


def _referred(engine, w, partner=0, **kw):
    with unit_of_work(engine) as s:
        return partners.referred(session=s, actor=w.partner_users[partner], today=TODAY, **kw)


def _nominate(engine, w, key, partner=0, motivation="Puntuale, ha lavorato in una mensa.", **kw):
    with unit_of_work(engine) as s:
        return partners.nominate(
            session=s,
            actor=w.partner_users[partner],
            vacancy_id=kw.pop("vacancy_id", w.vacancy_id),
            person_id=w.people[key],
            motivation=motivation,
            today=TODAY,
        )


def _audit(engine, **where):
    with unit_of_work(engine) as s:
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditEntry, key) == value)
        return s.scalars(stmt).all()


# --------------------------------------------------------------------------- minimisation
def test_the_shared_list_shows_only_the_minimised_fields_of_people_who_consented(engine, world):
    shared = _shortlist(engine, world)
    assert [p.first_name for p in shared.people] == ["Anna"]  # not Bruno, not Carla
    anna = shared.people[0]
    assert (anna.last_initial, anna.age_band, anna.italian_level) == ("R.", "35–44", CefrLevel.B1)
    assert [w.it for w in anna.workshops] == ["Ristorazione"]
    assert len(anna.matched) == 1 and anna.matched[0].essential
    assert len(anna.missing) == 2 and anna.stage is ShortlistStage.PROPOSED
    assert not anna.nominated_by_you
    assert shared.vacancy.company == "Trattoria Prova"


@pytest.mark.parametrize("field", list(SECRETS))
def test_no_partner_view_model_holds_a_hidden_field(engine, world, field):
    """Per hidden field: absent from every partner view model, and its value from every view."""
    for model in (
        partners.SharedPerson,
        partners.SharedShortlist,
        partners.ReferredPerson,
        partners.OwnNomination,
        partners.PartnerVacancy,
    ):
        assert field not in {f.name for f in fields(model)}, model.__name__
    _nominate(engine, world, "dario")
    shown = repr(
        (
            _shortlist(engine, world),
            _referred(engine, world),
            _referred(engine, world, stages=list(PersonStatus)),
        )
    )
    if SECRETS[field] is not None:
        assert SECRETS[field] not in shown


def test_the_company_name_is_left_out_when_the_coordinator_hides_it(engine, world):
    with unit_of_work(engine) as s:
        s.get(Vacancy, world.vacancy_id).hide_company_name = True
    with unit_of_work(engine) as s:
        listed = partners.open_vacancies(session=s, actor=world.partner_users[1])
        summaries = partners.shared_shortlists(session=s, actor=world.partner_users[0], today=TODAY)
    shared = _shortlist(engine, world)
    assert [v.company for v in listed] == [None]
    assert summaries[0].vacancy.company is None and shared.vacancy.company is None
    assert "Trattoria" not in repr((listed, summaries, shared))


def test_open_vacancies_are_only_the_published_open_ones(engine, world):
    with unit_of_work(engine) as s:
        closed = Vacancy(
            company_id=world.company_id,
            title="Cuoco",
            kind=s.get(Vacancy, world.vacancy_id).kind,
            min_italian_level=CefrLevel.A2,
            created_on=TODAY,
            status=VacancyStatus.CLOSED,
            closed_reason="Coperto altrove",
            published_to_partners=True,
        )
        hidden = Vacancy(
            company_id=world.company_id,
            title="Lavapiatti",
            kind=closed.kind,
            min_italian_level=CefrLevel.A1,
            created_on=TODAY,
        )
        s.add_all([closed, hidden])
    with unit_of_work(engine) as s:
        listed = partners.open_vacancies(session=s, actor=world.partner_users[1])
    assert [(v.title, len(v.requirements)) for v in listed] == [("Aiuto cuoco", 3)]
    assert listed[0].municipality == "Milano"


def test_referred_people_with_consent_and_their_path_stage_only(engine, world):
    mine = _referred(engine, world, stages=list(PersonStatus))
    assert [(p.first_name, p.stage) for p in mine.people] == [
        ("Anna", PersonStatus.ACTIVE),
        ("Dario", PersonStatus.ACTIVE),
    ]
    assert mine.without_consent == 1  # Carla: counted, not shown
    theirs = _referred(engine, world, partner=1)
    assert [p.first_name for p in theirs.people] == ["Bruno"]
    with unit_of_work(engine) as s:
        s.get(Person, world.people["dario"]).status = PersonStatus.HIRED
    assert [p.first_name for p in _referred(engine, world, stages=partners.NOMINABLE).people] == [
        "Anna"
    ]


def test_age_bands_never_give_the_age():
    from datetime import date

    day = date(2026, 6, 1)
    assert partners.age_band(date(2008, 6, 2), day) == "<18"
    assert partners.age_band(date(2008, 6, 1), day) == "18–24"
    assert partners.age_band(date(1981, 6, 2), day) == "35–44"
    assert partners.age_band(date(1981, 6, 1), day) == "45–54"
    assert partners.age_band(date(1950, 1, 1), day) == "65+"


# --------------------------------------------------------------------------- one organisation only
def _denied(engine, actor) -> list[AuditEntry]:
    return _audit(engine, action="denied", actor_id=actor.id)


def test_another_organisations_list_is_refused_and_audited(engine, world):
    with pytest.raises(PermissionDenied):
        _shortlist(engine, world, partner=1)
    [row] = _denied(engine, world.partner_users[1])
    assert (row.entity, row.entity_id) == ("shortlist", str(world.vacancy_id))
    assert row.changes == {"reason": "not_shared", "partner_org_id": world.partners[1]}
    with unit_of_work(engine) as s:
        assert partners.shared_shortlists(session=s, actor=world.partner_users[1]) == ()


def test_an_unknown_vacancy_is_refused_like_a_not_shared_one(engine, world):
    with pytest.raises(PermissionDenied):
        _shortlist(engine, world, vacancy_id=world.vacancy_id + 999)
    assert len(_denied(engine, world.partner_users[0])) == 1


def test_a_revoked_share_is_refused_at_once(engine, world):
    with unit_of_work(engine) as s:
        shortlists.unshare(session=s, actor=world.coordinator, share_id=world.share_id)
    with pytest.raises(PermissionDenied):
        _shortlist(engine, world)
    assert _denied(engine, world.partner_users[0])[0].entity == "shortlist"


def test_nominating_another_organisations_person_is_refused_and_audited(engine, world):
    with pytest.raises(PermissionDenied):
        _nominate(engine, world, "bruno")
    [row] = _denied(engine, world.partner_users[0])
    assert (row.entity, row.person_id) == ("person", world.people["bruno"])
    assert row.changes["reason"] == "not_referred"


def test_nominating_an_own_referral_without_consent_is_refused_and_audited(engine, world):
    with pytest.raises(PermissionDenied):
        _nominate(engine, world, "carla")
    [row] = _denied(engine, world.partner_users[0])
    assert (row.person_id, row.changes["reason"]) == (world.people["carla"], "no_consent")
    with unit_of_work(engine) as s:
        assert s.scalar(
            select(ShortlistEntry.id).where(ShortlistEntry.person_id == world.people["carla"])
        )  # Carla is on the list by the centre, but not through the partner


def test_nominating_for_a_vacancy_not_published_is_refused_and_audited(engine, world):
    with unit_of_work(engine) as s:
        s.get(Vacancy, world.vacancy_id).published_to_partners = False
    with pytest.raises(PermissionDenied):
        _nominate(engine, world, "dario")
    [row] = _denied(engine, world.partner_users[0])
    assert (row.entity, row.changes["reason"]) == ("vacancy", "not_published")


STAFF_CALLS = {
    "people.view": lambda s, a, w: people.get(session=s, actor=a, person_id=w.people["anna"]),
    "people.list": lambda s, a, w: people.list_(session=s, actor=a),
    "overview.centre": lambda s, a, w: overview.centre(session=s, actor=a),
    "matching.rank": lambda s, a, w: matching.rank_people(
        session=s, actor=a, vacancy_id=w.vacancy_id
    ),
    "shortlists.view": lambda s, a, w: shortlists.entries(
        session=s, actor=a, vacancy_id=w.vacancy_id
    ),
    "partners.shares": lambda s, a, w: partners.share_overview(session=s, actor=a),
}


@pytest.mark.parametrize("operation", list(STAFF_CALLS))
def test_a_partner_asking_for_a_staff_service_is_refused_and_audited(engine, world, operation):
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        STAFF_CALLS[operation](s, world.partner_users[0], world)
    [row] = _denied(engine, world.partner_users[0])
    assert (row.entity, row.entity_id) == ("operation", operation)


def test_staff_cannot_use_the_partner_services(engine, world):
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        partners.shortlist(session=s, actor=world.coordinator, vacancy_id=world.vacancy_id)
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        partners.referred(session=s, actor=world.tutor)


def test_a_deactivated_organisation_sees_nothing(engine, world):
    with unit_of_work(engine) as s:
        s.get(PartnerOrganisation, world.partners[0]).active = False
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        partners.shared_shortlists(session=s, actor=world.partner_users[0])
    assert _denied(engine, world.partner_users[0])[0].changes["reason"] == "no_organisation"


# --------------------------------------------------------------------------- consent
def test_a_withdrawn_consent_removes_the_person_at_once(engine, world):
    assert [p.first_name for p in _shortlist(engine, world).people] == ["Anna"]
    with unit_of_work(engine) as s:
        consent_id = s.scalar(
            select(Consent.id).where(
                Consent.person_id == world.people["anna"],
                Consent.partner_org_id == world.partners[0],
            )
        )
        people.withdraw_consent(session=s, actor=world.tutor, consent_id=consent_id, today=TODAY)
    assert _shortlist(engine, world).people == ()
    assert [p.first_name for p in _referred(engine, world).people] == ["Dario"]
    assert _referred(engine, world).without_consent == 2
    with unit_of_work(engine) as s:
        [row] = partners.share_overview(session=s, actor=world.coordinator, today=TODAY)
    assert (row.visible, row.on_list) == (0, 3)
    with pytest.raises(PermissionDenied):
        _nominate(engine, world, "anna")


# --------------------------------------------------------------------------- nominations
def test_a_nomination_joins_the_shortlist_with_its_origin(engine, world):
    entry_id = _nominate(engine, world, "dario", motivation="  Ha lavorato due anni in mensa.  ")
    with unit_of_work(engine) as s:
        entry = s.get(ShortlistEntry, entry_id)
        assert entry.origin is ShortlistOrigin.PARTNER
        assert entry.nominated_by_partner_id == world.partners[0]
        assert entry.motivation == "Ha lavorato due anni in mensa."
        assert (
            entry.stage is ShortlistStage.PROPOSED
            and entry.added_by_id == world.partner_users[0].id
        )
        [change] = s.scalars(
            select(ShortlistStageChange).where(ShortlistStageChange.entry_id == entry_id)
        ).all()
        assert change.changed_by_id == world.partner_users[0].id
        seen = shortlists.entries(session=s, actor=world.coordinator, vacancy_id=world.vacancy_id)
        received = partners.nominations(session=s, actor=world.coordinator)
    dario = next(e for e in seen if e.person_id == world.people["dario"])
    assert (dario.origin, dario.partner) == (ShortlistOrigin.PARTNER, "Soleterre")
    assert dario.motivation == "Ha lavorato due anni in mensa."
    assert [(n.person, n.partner) for n in received] == [(dario.name, "Soleterre")]
    created = _audit(engine, action="create", entity="shortlist_entry", person_id=dario.person_id)
    assert created[0].actor_id == world.partner_users[0].id
    # the partner sees its nomination on the referred list, and on the shared list (consent)
    [own] = next(p for p in _referred(engine, world).people if p.first_name == "Dario").nominations
    assert (own.vacancy_title, own.stage) == ("Aiuto cuoco", ShortlistStage.PROPOSED)
    assert [p.nominated_by_you for p in _shortlist(engine, world).people] == [False, True]
    with pytest.raises(Conflict, match="already_listed"):
        _nominate(engine, world, "dario")


def test_a_first_nomination_opens_the_selection(engine, world):
    with unit_of_work(engine) as s:
        vacancy = Vacancy(
            company_id=world.company_id,
            title="Lavapiatti",
            kind=s.get(Vacancy, world.vacancy_id).kind,
            min_italian_level=CefrLevel.A1,
            created_on=TODAY,
            published_to_partners=True,
        )
        s.add(vacancy)
        s.flush()
        vid = vacancy.id
    _nominate(engine, world, "anna", vacancy_id=vid)
    with unit_of_work(engine) as s:
        assert s.get(Vacancy, vid).status is VacancyStatus.SHORTLISTING


def test_a_nomination_needs_an_open_path_an_open_vacancy_and_a_motivation(engine, world):
    with pytest.raises(ValidationError) as short:
        _nominate(engine, world, "dario", motivation="Brava")
    assert (short.value.field, short.value.message) == (
        "motivation",
        "partners.error.motivation_short",
    )
    with pytest.raises(ValidationError, match="too_long"):
        _nominate(engine, world, "dario", motivation="x" * (partners.MOTIVATION_MAX + 1))
    with unit_of_work(engine) as s:
        s.get(Person, world.people["dario"]).status = PersonStatus.HIRED
    with pytest.raises(ValidationError, match="not_nominable"):
        _nominate(engine, world, "dario")
    with unit_of_work(engine) as s:
        s.get(Person, world.people["dario"]).status = PersonStatus.ACTIVE
        vacancy = s.get(Vacancy, world.vacancy_id)
        vacancy.status, vacancy.closed_reason = VacancyStatus.CLOSED, "Coperto"
    with pytest.raises(ValidationError, match="vacancy_not_open"):
        _nominate(engine, world, "dario")
    with unit_of_work(engine) as s:
        assert not s.scalar(
            select(ShortlistEntry.id).where(ShortlistEntry.person_id == world.people["dario"])
        )


# --------------------------------------------------------------------------- audit of views
def test_every_person_shown_to_a_partner_leaves_an_audit_row(engine, world):
    _nominate(engine, world, "dario")
    before = {a.id for a in _audit(engine, action="view")}
    _shortlist(engine, world)
    rows = [a for a in _audit(engine, action="view") if a.id not in before]
    assert sorted((a.entity, a.person_id) for a in rows) == sorted(
        [("shortlist", world.people["anna"]), ("shortlist", world.people["dario"])]
    )
    for a in rows:
        assert a.actor_id == world.partner_users[0].id and a.actor_username == "partner0"
        assert a.entity_id == str(world.vacancy_id) and a.at is not None
        assert a.changes == {"vacancy_id": world.vacancy_id, "partner_org_id": world.partners[0]}
    before |= {a.id for a in rows}
    _referred(engine, world)
    rows = [a for a in _audit(engine, action="view") if a.id not in before]
    assert sorted(a.person_id for a in rows) == sorted(
        [world.people["anna"], world.people["dario"]]
    )
    assert {a.entity for a in rows} == {"referred_person"}


def test_lists_of_vacancies_and_counts_leave_no_view_rows(engine, world):
    with unit_of_work(engine) as s:
        partners.shared_shortlists(session=s, actor=world.partner_users[0], today=TODAY)
        partners.open_vacancies(session=s, actor=world.partner_users[0])
    assert _audit(engine, action="view") == []


def test_a_shortlist_looked_at_twice_is_audited_twice_and_shows_a_new_rating(engine, world):
    """The costly part is kept in memory between looks; who is shown and the audit are not."""
    anna = world.people["anna"]
    first = _shortlist(engine, world)
    assert (len(first.people[0].matched), len(first.people[0].missing)) == (1, 2)
    second = _shortlist(engine, world)
    assert second == first
    views = [a for a in _audit(engine, action="view", entity="shortlist") if a.person_id == anna]
    assert len(views) == 2
    with unit_of_work(engine) as s:  # a new rating: the next look shows it at once
        rate(s, anna, world.comps[1], 2, TODAY - DAY)
    [person] = _shortlist(engine, world).people
    assert (len(person.matched), len(person.missing)) == (2, 1)
    assert [c.essential for c in person.missing] == [True]  # essential@1, not rated


def test_the_referred_people_come_in_pages_and_only_the_page_is_audited(engine, world):
    with unit_of_work(engine) as s:
        for key in ("elena", "fabio", "gina"):
            add_person(s, world, key)
            _refer(s, world.people[key], world.partners[0])
            consent(s, world.people[key], world.partners[0])
    everyone = _referred(engine, world)
    names = [p.first_name for p in everyone.people]
    assert names == sorted(names) and len(names) == everyone.total == 5
    before = {a.id for a in _audit(engine, action="view")}
    pages = [_referred(engine, world, limit=2, offset=offset) for offset in (0, 2, 4, 6)]
    assert [[p.first_name for p in page.people] for page in pages] == [
        names[0:2],
        names[2:4],
        names[4:],
        [],
    ]
    assert [(page.total, page.offset) for page in pages] == [(5, 0), (5, 2), (5, 4), (5, 6)]
    assert all(page.without_consent == 1 for page in pages)  # Carla
    audited = [a.person_id for a in _audit(engine, action="view") if a.id not in before]
    assert sorted(audited) == sorted(p.person_id for p in everyone.people)  # each once


def test_the_referred_people_are_searched_by_first_name_never_by_last_name(engine, world):
    found = _referred(engine, world, first_name=" dA ", limit=10)
    assert [p.first_name for p in found.people] == ["Dario"] and found.total == 1
    assert _referred(engine, world, first_name=SECRETS["last_name"][:5]).people == ()
    assert _referred(engine, world, first_name="%").people == ()  # no wildcard


def test_the_count_without_consent_is_the_one_the_list_gives(engine, world):
    with unit_of_work(engine) as s:
        n = partners.referred_without_consent(session=s, actor=world.partner_users[0], today=TODAY)
    assert n == _referred(engine, world).without_consent == 1
    assert _referred(engine, world, count_without_consent=False).without_consent == 0
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        partners.referred_without_consent(session=s, actor=world.tutor)


def test_open_vacancies_come_in_pages(engine, world):
    with unit_of_work(engine) as s:
        page = partners.open_vacancy_page(session=s, actor=world.partner_users[0], limit=10)
        past = partners.open_vacancy_page(
            session=s, actor=world.partner_users[0], limit=10, offset=10
        )
        everything = partners.open_vacancies(session=s, actor=world.partner_users[0])
    assert page.vacancies == everything and page.total == len(everything) == 1
    assert past.vacancies == () and past.total == 1


# --------------------------------------------------------------------------- coordinators
def test_share_overview_lists_what_is_shared_with_whom(engine, world):
    with unit_of_work(engine) as s:
        rows = partners.share_overview(session=s, actor=world.coordinator, today=TODAY)
        none = partners.share_overview(
            session=s, actor=world.coordinator, partner_org_id=world.partners[1], today=TODAY
        )
        shortlists.unshare(session=s, actor=world.coordinator, share_id=world.share_id)
    assert [(r.partner, r.vacancy_title, r.visible, r.on_list, r.active) for r in rows] == [
        ("Soleterre", "Aiuto cuoco", 1, 3, True)
    ]
    assert none == ()
    with unit_of_work(engine) as s:
        assert partners.share_overview(session=s, actor=world.coordinator) == ()
        [revoked] = partners.share_overview(
            session=s, actor=world.coordinator, include_revoked=True
        )
    assert not revoked.active and revoked.revoked_at is not None


def test_unpublishing_hides_the_vacancy_and_keeps_the_nominations(engine, world):
    _nominate(engine, world, "dario")
    with unit_of_work(engine) as s:
        [row] = partners.published_vacancies(session=s, actor=world.coordinator)
        assert row.nominations == 1
        partners.unpublish(
            session=s, actor=world.coordinator, vacancy_id=row.vacancy_id, version=row.version
        )
    with unit_of_work(engine) as s:
        assert partners.open_vacancies(session=s, actor=world.partner_users[0]) == ()
        assert partners.published_vacancies(session=s, actor=world.coordinator) == ()
        assert s.scalar(select(ShortlistEntry.id).where(ShortlistEntry.origin == "partner"))
    [audited] = [
        a
        for a in _audit(engine, action="update", entity="vacancy")
        if "published_to_partners" in (a.changes or {})
    ]
    assert audited.changes["published_to_partners"] == {"from": True, "to": False}
    with pytest.raises(Conflict), unit_of_work(engine) as s:
        partners.unpublish(
            session=s, actor=world.coordinator, vacancy_id=row.vacancy_id, version=row.version
        )


def test_only_coordinators_see_the_sharing_overview(engine, world):
    for call in (partners.share_overview, partners.published_vacancies, partners.nominations):
        with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
            call(session=s, actor=world.tutor)
    with unit_of_work(engine) as s:
        share = s.get(ShortlistShare, world.share_id)
        assert share.revoked_at is None
