"""People: intake, its validation, duplicates, the register, edits with versions, consents."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from fleming import people
from fleming.db import unit_of_work
from fleming.errors import Conflict, PermissionDenied, ValidationErrors
from fleming.models import (
    AuditEntry,
    Consent,
    ConsentPurpose,
    FragilityMarker,
    FundingStream,
    LegalStatus,
    Person,
    PersonFragility,
    PersonStatus,
    ReferralSource,
    Sex,
    Trade,
    WorkshopEdition,
    WorkshopEnrolment,
)
from tests.integration.people_helpers import (
    CONSENT,
    TODAY,
    audit_count,
    code_for,
    intake,
    provisional_code,
    take_in,
    world,
)


@pytest.fixture
def w(engine):
    with unit_of_work(engine) as session:
        return world(session)


def people_count(engine) -> int:
    with unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(Person))


def create(engine, actor, data, consents=CONSENT) -> int:
    with unit_of_work(engine) as session:
        return people.create(session=session, actor=actor, data=data, consents=consents)


def errors_of(excinfo) -> dict[str, str]:
    return {e.field: e.message for e in excinfo.value.errors}


# --------------------------------------------------------------------------- intake
def test_intake_fills_birth_data_from_the_tax_code_and_records_everything(engine, w):
    data = intake(fragilities=(FragilityMarker.SINGLE_PARENT,))
    pid = create(
        engine,
        w.tutor,
        data,
        people.ConsentInput(data_processing=True, sharing_partner_ids=(w.partner_org,)),
    )
    with unit_of_work(engine) as session:
        view = people.get(session=session, actor=w.tutor, person_id=pid)
        consents = people.consents(session=session, actor=w.tutor, person_id=pid)
        person_audit = audit_count(session, "person", "create")
        consent_audit = audit_count(session, "consent", "create")
    assert (view.birth_date, view.sex) == (date(1990, 1, 1), Sex.F)
    assert (view.birth_place, view.birth_comune_code, view.country_of_birth) == (
        "Milano",
        "015146",
        "IT",
    )
    assert view.status is PersonStatus.INTAKE
    assert view.tutor_id == w.tutor.id  # a tutor taking someone in becomes their tutor
    assert view.phone == "+393331234567"
    assert view.fragilities == (FragilityMarker.SINGLE_PARENT,)
    assert {(c.purpose, c.partner_org_id) for c in consents} == {
        (ConsentPurpose.DATA_PROCESSING, None),
        (ConsentPurpose.PARTNER_SHARING, w.partner_org),
    }
    assert {c.text_version for c in consents} == {people.CONSENT_TEXT_VERSION}
    assert {c.given_on for c in consents} == {TODAY}
    assert (person_audit, consent_audit) == (1, 2)


def test_a_code_of_a_foreign_birthplace_gives_the_country(engine, w):
    code = code_for("Amrani", "Youssef", date(1995, 6, 15), "M", "Z330")  # Marocco
    pid = create(
        engine,
        w.tutor,
        intake(
            first_name="Youssef",
            last_name="Amrani",
            tax_code=code,
            citizenship="MA",
            legal_status=LegalStatus.OTHER_PERMIT,
        ),
    )
    with unit_of_work(engine) as session:
        view = people.get(session=session, actor=w.tutor, person_id=pid)
    assert (view.country_of_birth, view.birth_place, view.sex) == ("MA", "Marocco", Sex.M)
    assert view.birth_date == date(1995, 6, 15)


def test_a_code_matching_what_was_typed_is_accepted(engine, w):
    create(
        engine,
        w.tutor,
        intake(
            birth_date=date(1990, 1, 1),
            sex=Sex.F,
            country_of_birth="IT",
            birth_comune_code="015146",
        ),
    )
    assert people_count(engine) == 1


@pytest.mark.parametrize(
    ("typed", "field", "key"),
    [
        ({"birth_date": date(1990, 1, 2)}, "birth_date", "people.error.code_birth_date"),
        ({"sex": Sex.M}, "sex", "people.error.code_sex"),
        ({"birth_comune_code": "001272"}, "birth_place", "people.error.code_birth_place"),
        ({"country_of_birth": "FR"}, "country_of_birth", "people.error.code_birth_country"),
    ],
)
def test_a_code_contradicting_what_was_typed_is_refused(engine, w, typed, field, key):
    with pytest.raises(ValidationErrors) as excinfo:
        create(engine, w.tutor, intake(**typed))
    assert errors_of(excinfo) == {field: key}
    assert people_count(engine) == 0


def test_a_provisional_code_needs_birth_data_typed(engine, w):
    data = intake(
        tax_code=provisional_code(),
        citizenship="AF",
        legal_status=LegalStatus.ASYLUM_SEEKER,
        asylum_application_date=TODAY - timedelta(days=20),
    )
    with pytest.raises(ValidationErrors) as excinfo:
        create(engine, w.tutor, data)
    assert errors_of(excinfo) == {
        "birth_date": "error.required",
        "sex": "error.required",
        "country_of_birth": "error.required",
    }
    pid = create(
        engine,
        w.tutor,
        replace(data, birth_date=date(2000, 3, 3), sex=Sex.M, country_of_birth="AF"),
    )
    with unit_of_work(engine) as session:
        view = people.get(session=session, actor=w.tutor, person_id=pid)
    assert view.provisional_tax_code
    assert view.may_work_from == TODAY + timedelta(days=40)  # application + 60 days


BAD_INPUT = [
    ({"tax_code": "RSSMRA90A41F205X"}, "tax_code", "validators.tax_code.invalid"),
    ({"tax_code": ""}, "tax_code", "error.required"),
    ({"first_name": "  "}, "first_name", "error.required"),
    (
        {
            "tax_code": provisional_code(),
            "birth_date": TODAY + timedelta(days=3),
            "sex": Sex.F,
            "country_of_birth": "IT",
        },
        "birth_date",
        "validators.date.future",
    ),
    (
        {"tax_code": code_for(birth=TODAY - timedelta(days=365 * 14))},
        "birth_date",
        "people.error.too_young",
    ),
    ({"did_date": TODAY + timedelta(days=1)}, "did_date", "people.error.did_future"),
    ({"intake_date": TODAY + timedelta(days=1)}, "intake_date", "validators.date.future"),
    ({"municipality_code": "999999"}, "municipality_code", "people.error.unknown_municipality"),
    ({"phone": "12"}, "phone", "validators.phone.invalid"),
    ({"email": "maria@"}, "email", "validators.email.invalid"),
    ({"citizenship": "XX"}, "citizenship", "people.error.unknown_country"),
    ({"citizenship": None}, "citizenship", "error.required"),
    ({"italian_level": None}, "italian_level", "error.required"),
    (
        {"legal_status": LegalStatus.ASYLUM_SEEKER},
        "legal_status",
        "people.error.italian_is_italian",
    ),
    (
        {"citizenship": "MA", "legal_status": LegalStatus.ITALIAN},
        "legal_status",
        "people.error.italian_needs_it",
    ),
    (
        {"citizenship": "MA", "legal_status": LegalStatus.EU_CITIZEN},
        "legal_status",
        "people.error.eu_needs_eu",
    ),
    (
        {"citizenship": "FR", "legal_status": LegalStatus.SPECIAL_PROTECTION},
        "legal_status",
        "people.error.permit_not_for_eu",
    ),
    (
        {"citizenship": "MA", "legal_status": LegalStatus.ASYLUM_SEEKER},
        "asylum_application_date",
        "error.required",
    ),
    (
        {
            "citizenship": "MA",
            "legal_status": LegalStatus.ASYLUM_SEEKER,
            "asylum_application_date": TODAY + timedelta(days=1),
        },
        "asylum_application_date",
        "validators.date.future",
    ),
    (
        {"referral_source": ReferralSource.PARTNER},
        "referral_partner_id",
        "people.error.partner_required",
    ),
    (
        {"referral_source": ReferralSource.PARTNER, "referral_partner_id": 999_999},
        "referral_partner_id",
        "people.error.unknown_partner",
    ),
    ({"funding_stream": FundingStream.GARANZIA_GIOVANI}, "funding_stream", "people.error.gg_age"),
    ({"fragilities": (FragilityMarker.OVER_45,)}, "fragilities", "people.error.over_45"),
    ({"tutor_id": 999_999}, "tutor_id", "people.error.unknown_tutor"),
    ({"address": "x" * 201}, "address", "validators.text.too_long"),
]


@pytest.mark.parametrize(
    ("typed", "field", "key"), BAD_INPUT, ids=[b[2] + "-" + b[1] for b in BAD_INPUT]
)
def test_bad_input_gets_a_message_on_its_field_and_writes_nothing(engine, w, typed, field, key):
    with pytest.raises(ValidationErrors) as excinfo:
        create(engine, w.tutor, intake(**typed))
    assert errors_of(excinfo).get(field) == key, errors_of(excinfo)
    assert people_count(engine) == 0
    with unit_of_work(engine) as session:
        assert audit_count(session, "person") == 0
        assert session.scalar(select(func.count()).select_from(Consent)) == 0


def test_every_error_of_the_form_is_reported_at_once(engine, w):
    with pytest.raises(ValidationErrors) as excinfo:
        create(
            engine,
            w.tutor,
            intake(first_name="", phone="abc", email="no", did_date=TODAY + timedelta(days=2)),
            people.ConsentInput(data_processing=False),
        )
    assert set(errors_of(excinfo)) == {
        "first_name",
        "phone",
        "email",
        "did_date",
        "consent_data_processing",
    }


def test_garanzia_giovani_is_for_15_to_29(engine, w):
    young = code_for(birth=TODAY.replace(year=TODAY.year - 25) - timedelta(days=2))
    create(engine, w.tutor, intake(tax_code=young, funding_stream=FundingStream.GARANZIA_GIOVANI))
    assert people_count(engine) == 1


def test_over_45_is_added_from_the_birth_date(engine, w):
    pid = create(engine, w.tutor, intake(tax_code=code_for(birth=date(1960, 5, 5))))
    with unit_of_work(engine) as session:
        view = people.get(session=session, actor=w.tutor, person_id=pid)
    assert FragilityMarker.OVER_45 in view.fragilities


def test_a_duplicate_tax_code_names_the_person_who_holds_it(engine, w):
    first = create(engine, w.tutor, intake())
    with pytest.raises(ValidationErrors) as excinfo:
        create(engine, w.tutor2, intake(first_name="Mariella"))
    (err,) = excinfo.value.errors
    assert (err.field, err.message) == ("tax_code", "people.error.duplicate_tax_code")
    assert err.params["person_id"] == first
    assert err.params["name"] == "Maria Rossi"
    assert people_count(engine) == 1


def test_the_data_processing_consent_is_required(engine, w):
    with pytest.raises(ValidationErrors) as excinfo:
        create(engine, w.tutor, intake(), people.ConsentInput(data_processing=False))
    assert errors_of(excinfo) == {"consent_data_processing": "people.error.consent_required"}
    assert people_count(engine) == 0


@pytest.mark.parametrize("who", ["partner", "admin"])
def test_partners_and_the_account_admin_cannot_reach_people(engine, w, who):
    actor = getattr(w, who)
    with pytest.raises(PermissionDenied):
        create(engine, actor, intake())
    pid = create(engine, w.tutor, intake())
    with unit_of_work(engine) as session:
        for call in (
            lambda: people.get(session=session, actor=actor, person_id=pid),
            lambda: people.list_(session=session, actor=actor),
            lambda: people.consents(session=session, actor=actor, person_id=pid),
            lambda: people.update(
                session=session, actor=actor, person_id=pid, version=1, data=intake()
            ),
            lambda: people.give_consent(
                session=session,
                actor=actor,
                person_id=pid,
                purpose=ConsentPurpose.PARTNER_SHARING,
                partner_org_id=w.partner_org,
            ),
        ):
            with pytest.raises(PermissionDenied):
                call()
    with unit_of_work(engine) as session:
        denied = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "denied", AuditEntry.actor_id == actor.id)
        )
    assert denied == 6  # every refused attempt leaves a trace


# --------------------------------------------------------------------------- update
def test_an_update_saves_audits_and_bumps_the_version(engine, w):
    pid = create(engine, w.tutor, intake())
    with unit_of_work(engine) as session:
        view = people.get(session=session, actor=w.tutor, person_id=pid)
        people.update(
            session=session,
            actor=w.tutor,
            person_id=pid,
            version=view.version,
            data=replace(view.to_input(), phone="02 1234 5678", health_notes="Diabete"),
        )
    with unit_of_work(engine) as session:
        after = people.get(session=session, actor=w.tutor, person_id=pid)
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "person", AuditEntry.action == "update")
        ).one()
    assert after.phone == "+390212345678"
    assert after.version == view.version + 1
    # personal data are named, never copied: the append-only log could not erase them later
    assert entry.changes["phone"] == "changed"
    assert entry.changes["health_notes"] == "changed"
    assert "Diabete" not in str(entry.changes)
    assert "3331234567" not in str(entry.changes) and "0212345678" not in str(entry.changes)


def test_a_stale_version_is_a_conflict_and_keeps_the_other_save(engine, w):
    pid = create(engine, w.tutor, intake())
    with unit_of_work(engine) as session:
        loaded = people.get(session=session, actor=w.tutor, person_id=pid)
    with unit_of_work(engine) as session:  # a colleague saves first
        people.update(
            session=session,
            actor=w.tutor2,
            person_id=pid,
            version=loaded.version,
            data=replace(loaded.to_input(), email="nuova@example.org"),
        )
    with pytest.raises(Conflict), unit_of_work(engine) as session:
        people.update(
            session=session,
            actor=w.tutor,
            person_id=pid,
            version=loaded.version,
            data=replace(loaded.to_input(), phone="02 1234 5678"),
        )
    with unit_of_work(engine) as session:
        now = people.get(session=session, actor=w.tutor, person_id=pid)
    assert now.email == "nuova@example.org"
    assert now.phone == "+393331234567"


def test_concurrent_sessions_cannot_both_save(engine, w):
    """A write that lands between loading and saving is caught by the version column."""
    pid = create(engine, w.tutor, intake())
    with pytest.raises(Conflict), unit_of_work(engine) as mine:
        person = mine.get(Person, pid)
        with unit_of_work(engine) as colleague:
            view = people.get(session=colleague, actor=w.tutor2, person_id=pid)
            people.update(
                session=colleague,
                actor=w.tutor2,
                person_id=pid,
                version=view.version,
                data=replace(view.to_input(), address="Via Tre 3"),
            )
        person.address = "Via Due 2"
        mine.flush()
    with unit_of_work(engine) as session:
        assert people.get(session=session, actor=w.tutor, person_id=pid).address == "Via Tre 3"


def test_update_refuses_a_tax_code_held_by_someone_else(engine, w):
    with unit_of_work(engine) as session:
        first = take_in(session, w.tutor, 0)
        second = take_in(session, w.tutor, 1)
        other_code = session.get(Person, first).tax_code
    with unit_of_work(engine) as session:
        view = people.get(session=session, actor=w.tutor, person_id=second)
        with pytest.raises(ValidationErrors) as excinfo:
            people.update(
                session=session,
                actor=w.tutor,
                person_id=second,
                version=view.version,
                data=replace(view.to_input(), tax_code=other_code, birth_date=None),
            )
    assert "tax_code" in errors_of(excinfo)


# --------------------------------------------------------------------------- view
def test_the_view_hides_protection_status_and_health_from_non_staff(engine, w):
    pid = create(
        engine,
        w.tutor,
        intake(
            tax_code=provisional_code(7654321),
            birth_date=date(1999, 9, 9),
            sex=Sex.M,
            country_of_birth="AF",
            citizenship="AF",
            legal_status=LegalStatus.ASYLUM_SEEKER,
            asylum_application_date=TODAY - timedelta(days=90),
            fragilities=(FragilityMarker.DISABILITY, FragilityMarker.LONG_TERM_UNEMPLOYED),
            health_notes="Invalidità civile",
        ),
    )
    with unit_of_work(engine) as session:
        person = session.get(Person, pid)
        staff = people.build_view(person, w.tutor)
        partner = people.build_view(person, w.partner)
    assert staff.legal_status is LegalStatus.ASYLUM_SEEKER
    assert staff.health_notes == "Invalidità civile"
    assert FragilityMarker.DISABILITY in staff.fragilities
    assert staff.may_work_from == TODAY - timedelta(days=30)
    assert partner.sensitive_hidden
    assert (partner.legal_status, partner.asylum_application_date, partner.may_work_from) == (
        None,
        None,
        None,
    )
    assert partner.health_notes is None
    assert partner.fragilities == (FragilityMarker.LONG_TERM_UNEMPLOYED,)


# --------------------------------------------------------------------------- register
@pytest.fixture
def register(engine, w):
    with unit_of_work(engine) as session:
        ids = [take_in(session, w.tutor if n % 3 else w.tutor2, n) for n in range(30)]
        moroccan, hard_to_place = session.get(Person, ids[4]), session.get(Person, ids[5])
        moroccan.citizenship, moroccan.legal_status = "MA", LegalStatus.OTHER_PERMIT
        hard_to_place.fragilities = [PersonFragility(marker=FragilityMarker.LOW_EMPLOYABILITY)]
        session.get(Person, ids[6]).status = PersonStatus.ACTIVE
        trade = session.scalars(select(Trade)).first()
        edition = WorkshopEdition(
            trade_id=trade.id,
            title="Laboratorio di prova",
            hours=100,
            start_date=TODAY,
            end_date=TODAY + timedelta(days=60),
            trainer_name="A",
            italian_teacher_name="B",
            capacity=10,
        )
        session.add(edition)
        session.flush()
        session.add(WorkshopEnrolment(edition_id=edition.id, person_id=ids[7], enrolled_on=TODAY))
        return ids, edition.id


def page(engine, actor, **kwargs):
    with unit_of_work(engine) as session:
        return people.list_(session=session, actor=actor, **kwargs)


def test_the_register_pages_in_sql_and_counts_everyone(engine, w, register):
    first = page(engine, w.coordinator, page=1, page_size=12)
    last = page(engine, w.coordinator, page=3, page_size=12)
    beyond = page(engine, w.coordinator, page=99, page_size=12)
    assert (first.total, first.pages, len(first.rows), len(last.rows)) == (30, 3, 12, 6)
    assert beyond.page == 3  # a page past the end shows the last one
    names = [
        r.full_name
        for r in first.rows + page(engine, w.coordinator, page=2, page_size=12).rows + last.rows
    ]
    assert names == sorted(names, key=str.lower)


def test_a_tutor_sees_their_own_people_first(engine, w, register):
    rows = page(engine, w.tutor2, page_size=100).rows
    mine = [r.tutor_id == w.tutor2.id for r in rows]
    assert mine == sorted(mine, reverse=True)
    assert page(engine, w.tutor2, filters=people.RegisterFilter(mine=True)).total == 10


@pytest.mark.parametrize("size", [4, 7, 12])
def test_pages_walked_in_index_order_equal_the_sorted_ones(engine, w, register, monkeypatch, size):
    """A large register is read in two index walks (own people, then the others); a small one
    is sorted: page by page, both give the same people in the same order."""

    def pages(actor) -> list[list[int]]:
        first = page(engine, actor, page_size=size)
        return [
            [r.id for r in page(engine, actor, page=n, page_size=size).rows]
            for n in range(1, first.pages + 1)
        ]

    for actor in (w.tutor2, w.coordinator):  # 10 own people among 30; none
        sorted_pages = pages(actor)
        monkeypatch.setattr(people, "SORT_MATCHES", 0)
        walked = pages(actor)
        monkeypatch.setattr(people, "SORT_MATCHES", 2_000)
        assert walked == sorted_pages
        assert sum(len(p) for p in walked) == 30 == len({i for p in walked for i in p})


def test_register_filters(engine, w, register):
    ids, edition_id = register

    def total(**f) -> int:
        return page(engine, w.coordinator, filters=people.RegisterFilter(**f)).total

    assert total(text="verdi") == 8
    assert total(text="verdi giulia") == 1
    with unit_of_work(engine) as session:
        code = session.get(Person, ids[0]).tax_code
    assert total(text=code.lower()) == 1
    assert total(text="%") == 0  # LIKE wildcards are searched literally
    assert total(tutor_id=w.tutor2.id) == 10
    assert total(statuses=(PersonStatus.ACTIVE,)) == 1
    assert total(fragility=FragilityMarker.LOW_EMPLOYABILITY) == 1
    assert total(citizenship="MA") == 1
    assert total(edition_id=edition_id) == 1
    rows = page(engine, w.coordinator, filters=people.RegisterFilter(edition_id=edition_id)).rows
    assert rows[0].workshop == "Laboratorio di prova"


def test_citizenships_are_counted_in_sql(engine, w, register):
    with unit_of_work(engine) as session:
        counts = people.citizenships(session=session, actor=w.tutor)
    assert counts == [("IT", 29), ("MA", 1)]


# --------------------------------------------------------------------------- consents
def test_consents_can_be_given_and_withdrawn(engine, w):
    pid = create(engine, w.tutor, intake(intake_date=TODAY - timedelta(days=30)))
    with unit_of_work(engine) as session:
        cid = people.give_consent(
            session=session,
            actor=w.tutor,
            person_id=pid,
            purpose=ConsentPurpose.PARTNER_SHARING,
            partner_org_id=w.other_org,
        )
    with unit_of_work(engine) as session, pytest.raises(ValidationErrors) as excinfo:
        people.give_consent(
            session=session,
            actor=w.tutor,
            person_id=pid,
            purpose=ConsentPurpose.PARTNER_SHARING,
            partner_org_id=w.other_org,
        )
    assert errors_of(excinfo) == {"purpose": "people.error.consent_exists"}
    with unit_of_work(engine) as session:
        assert people.active_sharing_partners(session=session, actor=w.tutor, person_ids=[pid]) == {
            pid: {w.other_org}
        }
        people.withdraw_consent(session=session, actor=w.tutor, consent_id=cid)
    with unit_of_work(engine) as session:
        assert (
            people.active_sharing_partners(session=session, actor=w.tutor, person_ids=[pid]) == {}
        )
        rows = people.consents(session=session, actor=w.tutor, person_id=pid)
        assert [r.withdrawn_on for r in rows if r.id == cid] == [TODAY]
        assert audit_count(session, "consent", "update") == 1


def test_consent_dates_are_checked(engine, w):
    pid = create(engine, w.tutor, intake(intake_date=TODAY - timedelta(days=5)))
    with unit_of_work(engine) as session, pytest.raises(ValidationErrors) as excinfo:
        people.give_consent(
            session=session,
            actor=w.tutor,
            person_id=pid,
            purpose=ConsentPurpose.PARTNER_SHARING,
            partner_org_id=None,
            given_on=TODAY + timedelta(days=1),
        )
    assert errors_of(excinfo) == {
        "given_on": "validators.date.future",
        "partner_org_id": "people.error.partner_required",
    }
