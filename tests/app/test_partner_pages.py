"""The partner portal logged in as the demo partner (Soleterre), and the coordinators'
Condivisioni page: minimised lists, referred people, a nomination reaching the matching page,
revoking a share."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from fleming import partners
from fleming.actor import Actor
from fleming.db import get_engine, unit_of_work
from fleming.errors import PermissionDenied
from fleming.models import (
    AuditEntry,
    Consent,
    ConsentPurpose,
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
    User,
)
from fleming.shortlists import sharing_consent_current
from tests.app.conftest import APP, TIMEOUT
from tests.app.helpers import login_as, submit_login

CURRENT_VACANCY = "current_vacancy_id"


@pytest.fixture
def referred(own_demo) -> list[int]:
    """Three people on an open path made Soleterre referrals with a sharing consent (the small
    AppTest demo may have none; the full demo has many)."""
    org = _soleterre(own_demo)
    with unit_of_work(get_engine(own_demo)) as s:
        people = s.scalars(
            select(Person)
            .where(
                Person.status == PersonStatus.ACTIVE,
                Person.anonymised_at.is_(None),
                Person.referral_partner_id.is_(None),
            )
            .order_by(Person.id)
            .limit(3)
        ).all()
        for p in people:
            p.referral_source = ReferralSource.PARTNER
            p.referral_partner_id = org
            s.add(
                Consent(
                    person_id=p.id,
                    purpose=ConsentPurpose.PARTNER_SHARING,
                    partner_org_id=org,
                    given_on=p.intake_date,
                    text_version="test",
                )
            )
        return [p.id for p in people]


def _open(page: str, username: str, **state) -> AppTest:
    at = login_as(AppTest.from_file(APP, default_timeout=TIMEOUT), username)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(f"app_pages/{page}").run()
    assert not at.exception, at.exception
    return at


def _soleterre(url: str) -> int:
    with unit_of_work(get_engine(url)) as s:
        return s.scalar(
            select(PartnerOrganisation.id).where(PartnerOrganisation.name == "Soleterre")
        )


def _listed(url: str, vacancy_id: int, org: int) -> tuple[set[str], list[Person]]:
    """The names the partner may see on a list (consent today), and everyone on it."""
    with unit_of_work(get_engine(url)) as s:
        rows = s.execute(
            select(Person, sharing_consent_current(Person.id, org, date.today()))
            .join(ShortlistEntry, ShortlistEntry.person_id == Person.id)
            .where(ShortlistEntry.vacancy_id == vacancy_id)
        ).all()
        s.expunge_all()
    visible = {f"{p.first_name} {p.last_name[0]}." for p, ok in rows if ok}
    return visible, [p for p, _ in rows]


def _views(url: str, username: str) -> int:
    with unit_of_work(get_engine(url)) as s:
        return s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "view", AuditEntry.actor_username == username)
        )


def _table(at: AppTest, column: str):
    return next((d.value for d in at.dataframe if column in d.value.columns), None)


def _button(at: AppTest, prefix: str):
    return next(b for b in at.button if b.label.startswith(prefix))


def test_the_demo_partner_sees_only_soleterres_lists_minimised(own_demo):
    at = submit_login(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "partner", "demo")
    assert not at.exception
    at.switch_page("app_pages/partner_shortlists.py").run()
    assert at.title[0].value == "Rose condivise con il vostro ente"
    org = _soleterre(own_demo)
    with unit_of_work(get_engine(own_demo)) as s:
        shared = set(
            s.scalars(
                select(ShortlistShare.vacancy_id).where(
                    ShortlistShare.partner_org_id == org, ShortlistShare.revoked_at.is_(None)
                )
            )
        )
        others = set(
            s.scalars(select(ShortlistShare.vacancy_id).where(ShortlistShare.partner_org_id != org))
        )
    picker = at.selectbox(key="partner_shortlists_vacancy")
    assert set(picker.options) and len(picker.options) == len(shared)
    hidden_somewhere = False
    for vacancy_id in sorted(shared):
        before = _views(own_demo, "partner")
        picker.set_value(vacancy_id)
        at.run()
        assert not at.exception and not at.error
        visible, everyone = _listed(own_demo, vacancy_id, org)
        cards = [
            m.value
            for m in at.markdown
            if re.match(r"\*\*[^*]+\*\*( ★)? · fase:", m.value)  # the head line of a card
        ]
        shown = {re.match(r"\*\*([^*]+)\*\*", c).group(1) for c in cards}
        assert shown == visible
        page_text = " ".join(m.value for m in at.markdown)
        for person in everyone:
            assert person.tax_code not in page_text and person.last_name not in page_text
            if person.phone:
                assert person.phone not in page_text
        hidden_somewhere |= len(everyone) > len(visible)
        assert _views(own_demo, "partner") - before == len(visible)  # one row per person shown
    assert hidden_somewhere, "the demo puts people without consent on Soleterre's lists"
    assert not set(picker.options) & (others - shared)


def test_the_referred_people_page_shows_stages_not_details(own_demo, referred):
    at = _open("partner_people.py", "partner")
    org = _soleterre(own_demo)
    today = date.today()
    with unit_of_work(get_engine(own_demo)) as s:
        mine = (Person.referral_partner_id == org) & Person.anonymised_at.is_(None)
        consent = sharing_consent_current(Person.id, org, today)
        open_path = Person.status.in_([PersonStatus.INTAKE, PersonStatus.ACTIVE])
        expected = s.scalar(select(func.count()).where(mine, consent, open_path))
        every = s.scalar(select(func.count()).where(mine, consent))
        without = s.scalar(select(func.count()).where(mine, ~consent))
    table = _table(at, "Fase del percorso")
    assert len(table) == expected and expected > 0
    assert set(table["Fase del percorso"]) <= {"Accoglienza", "In percorso"}
    assert all(re.fullmatch(r".+ [A-ZÀ-Ý]\.", name) for name in table["Persona"])
    assert f"non mostrate: {without}." in " ".join(c.value for c in at.caption)
    at.multiselect(key="partner_people_stages_it").set_value([]).run()  # every stage
    assert len(_table(at, "Fase del percorso")) == every


def test_the_vacancies_read_nobody_until_the_partner_opens_the_nomination(own_demo, referred):
    before = _views(own_demo, "partner")
    at = _open("partner_vacancies.py", "partner")
    vacancy_id = at.selectbox(key="partner_vacancies_pick").value
    assert f"partner_nominate_person_{vacancy_id}" not in [b.key for b in at.selectbox]
    assert _views(own_demo, "partner") == before  # nobody read, nobody audited
    at.session_state["partner_nominate_open"] = True
    at.run()
    assert at.selectbox(key=f"partner_nominate_person_{vacancy_id}").options
    assert _views(own_demo, "partner") > before


def test_the_nomination_picker_searches_by_first_name_and_audits_whom_it_offers(own_demo, referred):
    at = _open("partner_vacancies.py", "partner", partner_nominate_open=True)
    vacancy_id = at.selectbox(key="partner_vacancies_pick").value
    offered = at.selectbox(key=f"partner_nominate_person_{vacancy_id}").options
    assert offered
    with unit_of_work(get_engine(own_demo)) as s:
        person = s.get(Person, referred[0])
        first_name, prefix = person.first_name, person.first_name[:3].lower()
        before = s.scalar(select(func.max(AuditEntry.id)))
    at.text_input(key="partner_nominate_search").input(prefix).run()
    narrowed = at.selectbox(key=f"partner_nominate_person_{vacancy_id}").options
    assert narrowed and all(o.lower().startswith(prefix) for o in narrowed)
    assert any(o.startswith(first_name + " ") for o in narrowed)
    with unit_of_work(get_engine(own_demo)) as s:  # this run's view rows: the people offered
        viewed = s.scalars(
            select(AuditEntry.person_id).where(
                AuditEntry.id > before,
                AuditEntry.action == "view",
                AuditEntry.entity == "referred_person",
            )
        ).all()
    assert len(viewed) == len(narrowed) and referred[0] in viewed
    at.text_input(key="partner_nominate_search").input("zzzq").run()
    assert "Nessuna persona proponibile con un nome che inizia così." in [i.value for i in at.info]


def test_a_nomination_reaches_the_coordinators_matching_page(own_demo, referred):
    at = _open("partner_vacancies.py", "partner", partner_nominate_open=True)
    assert at.title[0].value == "Fabbisogni aperti"
    vacancy_id = at.selectbox(key="partner_vacancies_pick").value
    person_box = at.selectbox(key=f"partner_nominate_person_{vacancy_id}")
    assert person_box.value is None  # nobody chosen for the user
    _button(at, "Invia la candidatura").click().run()
    assert [e.value for e in at.error] == [
        "Scegliete una persona dall'elenco (chi non è più candidabile non compare)."
    ]
    with unit_of_work(get_engine(own_demo)) as s:
        listed = set(
            s.scalars(
                select(ShortlistEntry.person_id).where(ShortlistEntry.vacancy_id == vacancy_id)
            )
        )
    person_id = next(p for p in referred if p not in listed)
    at.selectbox(key=f"partner_nominate_person_{vacancy_id}").set_value(person_id)
    at.text_area(key=f"partner_nominate_motivation_{vacancy_id}").input("Brava")
    _button(at, "Invia la candidatura").click().run()
    assert "Scrivete una motivazione di almeno 15 caratteri." in [e.value for e in at.error]
    motivation = "Ha lavorato due stagioni come aiuto cuoca, è puntuale e parla bene italiano."
    at.text_area(key=f"partner_nominate_motivation_{vacancy_id}").input(motivation)
    _button(at, "Invia la candidatura").click().run()
    assert not at.exception
    assert any("inviata al Centro" in s.value for s in at.success)
    with unit_of_work(get_engine(own_demo)) as s:
        entry = s.scalars(
            select(ShortlistEntry).where(
                ShortlistEntry.vacancy_id == vacancy_id, ShortlistEntry.person_id == person_id
            )
        ).one()
        assert entry.origin is ShortlistOrigin.PARTNER and entry.motivation == motivation
        person = s.get(Person, person_id)
        name = f"{person.first_name} {person.last_name}"
    # the nominated person is no longer offered for this vacancy
    assert person_id not in at.selectbox(key=f"partner_nominate_person_{vacancy_id}").options

    coordinator = _open("matching.py", "coordinatore", **{CURRENT_VACANCY: vacancy_id})
    assert coordinator.selectbox(key="matching_vacancy_it").value == vacancy_id
    coordinator.session_state["matching_tab"] = "Rosa dei candidati"
    table = _table(coordinator.run(), "Motivazione del partner")
    row = table[table["Persona"] == name].iloc[0]
    assert row["Origine"] == "Partner: Soleterre"
    assert row["Motivazione del partner"] == motivation
    assert row["Fase"] == "Proposto"

    shares = _open("shares.py", "coordinatore", shares_tab="Candidature dei partner")
    nominations = _table(shares, "Motivazione")
    assert nominations.iloc[0]["Persona"] == name
    assert nominations.iloc[0]["Ente"] == "Soleterre"


def test_a_consent_withdrawn_while_the_form_is_open_nominates_nobody(own_demo, referred):
    at = _open("partner_vacancies.py", "partner", partner_nominate_open=True)
    vacancy_id = at.selectbox(key="partner_vacancies_pick").value
    person_id = referred[0]
    at.selectbox(key=f"partner_nominate_person_{vacancy_id}").set_value(person_id)
    with unit_of_work(get_engine(own_demo)) as s:  # meanwhile, at the centre
        for c in s.scalars(
            select(Consent).where(
                Consent.person_id == person_id,
                Consent.purpose == ConsentPurpose.PARTNER_SHARING,
                Consent.withdrawn_on.is_(None),
            )
        ):
            c.withdrawn_on = date.today()
    at.text_area(key=f"partner_nominate_motivation_{vacancy_id}").input(
        "Molto motivata, esperienza in cucina."
    )
    _button(at, "Invia la candidatura").click().run()
    # the person left the list on this very run: the choice empties, nobody else is nominated
    assert [e.value for e in at.error] == [
        "Scegliete una persona dall'elenco (chi non è più candidabile non compare)."
    ]
    box = at.selectbox(key=f"partner_nominate_person_{vacancy_id}")
    assert box.value is None
    with unit_of_work(get_engine(own_demo)) as s:
        assert not s.scalar(
            select(ShortlistEntry.id).where(
                ShortlistEntry.origin == ShortlistOrigin.PARTNER,
                ShortlistEntry.motivation.like("Molto motivata, esperienza%"),
            )
        )
    # and the service refuses the person whatever the page does (audited)
    with pytest.raises(PermissionDenied), unit_of_work(get_engine(own_demo)) as s:
        partner = s.scalars(select(User).where(User.username == "partner")).one()
        partners.nominate(
            session=s,
            actor=Actor(
                id=partner.id,
                username=partner.username,
                full_name=partner.full_name,
                role=partner.role,
                partner_org_id=partner.partner_org_id,
            ),
            vacancy_id=vacancy_id,
            person_id=person_id,
            motivation="Molto motivata, esperienza in cucina.",
        )
    with unit_of_work(get_engine(own_demo)) as s:
        denied = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "denied", AuditEntry.person_id == person_id
            )
        ).all()
    assert [d.changes["reason"] for d in denied] == ["no_consent"]


def test_the_coordinator_sees_what_is_shared_with_whom_and_revokes(own_demo):
    at = _open("shares.py", "coordinatore")
    assert at.title[0].value == "Condivisioni con i partner"
    table = _table(at, "Visibili / in rosa")
    with unit_of_work(get_engine(own_demo)) as s:
        active = s.scalar(
            select(func.count())
            .select_from(ShortlistShare)
            .where(ShortlistShare.revoked_at.is_(None))
        )
    assert len(table) == active > 0
    assert set(table["Stato"]) == {"attiva"}
    share_id = at.selectbox(key="shares_detail_pick").value
    with unit_of_work(get_engine(own_demo)) as s:
        partner = s.get(PartnerOrganisation, s.get(ShortlistShare, share_id).partner_org_id).name
    assert any(m.value.startswith("**Visibili all'ente oggi (") for m in at.markdown)
    _button(at, f"Revoca la condivisione con {partner}").click().run()
    assert not at.exception
    assert any(s.value.startswith(f"Condivisione con {partner} revocata") for s in at.success)
    assert len(_table(at, "Visibili / in rosa")) == active - 1
    with unit_of_work(get_engine(own_demo)) as s:
        assert s.get(ShortlistShare, share_id).revoked_at is not None
        unshare = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "unshare").order_by(AuditEntry.id.desc())
        ).first()
        assert unshare.changes["share_id"] == share_id
        coordinator = s.scalars(select(User).where(User.username == "coordinatore")).one()
        assert unshare.actor_id == coordinator.id
    at.toggle(key="shares_with_revoked").set_value(True).run()
    revoked = _table(at, "Visibili / in rosa")
    assert revoked["Stato"].str.startswith("revocata").sum() >= 1


# --------------------------------------------------------------------------- sensitive fields
def _page_text(at: AppTest) -> str:
    """Everything a page shows: texts, alerts, tables in full, widget labels and options."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "code"):
        parts += [str(e.value) for e in getattr(at, kind)]
    for kind in ("info", "warning", "success", "error", "toast", "metric"):
        parts += [f"{getattr(e, 'label', '')} {e.value}" for e in getattr(at, kind)]
    parts += [d.value.to_csv() for d in [*at.dataframe, *at.table]]
    for kind in ("selectbox", "multiselect", "radio"):
        for w in getattr(at, kind):
            parts += [str(w.label), *map(str, w.options)]
    parts += [str(e.label) for e in at.expander]
    return "\n".join(parts)


def test_the_partner_pages_show_no_protection_health_notes_or_tax_code(own_demo, referred):
    """Everyone the partner could be shown (referred by Soleterre, or on a list shared with it)
    gets a distinctive health note, note, international protection with an asylum date and the
    disability marker; no partner page shows any of them, nor their tax code."""
    org = _soleterre(own_demo)
    with unit_of_work(get_engine(own_demo)) as s:
        on_lists = select(ShortlistEntry.person_id).join(
            ShortlistShare, ShortlistShare.vacancy_id == ShortlistEntry.vacancy_id
        )
        planted = s.scalars(
            select(Person).where(
                (Person.referral_partner_id == org)
                | Person.id.in_(on_lists.where(ShortlistShare.partner_org_id == org))
            )
        ).all()
        for p in planted:
            p.health_notes = f"Diabete ZQXHEALTH{p.id}"
            p.notes = f"Comunità protetta ZQXNOTE{p.id}"
            p.legal_status = LegalStatus.INTERNATIONAL_PROTECTION
            p.asylum_application_date = date(2019, 2, 3)
            if FragilityMarker.DISABILITY not in {f.marker for f in p.fragilities}:
                s.add(PersonFragility(person_id=p.id, marker=FragilityMarker.DISABILITY))
        tax_codes = {p.tax_code for p in planted}
        first_names = {p.first_name for p in planted}
    assert len(planted) > 3

    texts = []
    at = _open("partner_shortlists.py", "partner")
    assert at.selectbox(key="partner_shortlists_vacancy").options
    for vacancy_id in at.selectbox(key="partner_shortlists_vacancy").options:
        at.selectbox(key="partner_shortlists_vacancy").set_value(vacancy_id).run()
        texts.append(_page_text(at))
    at = _open("partner_people.py", "partner")
    at.multiselect(key="partner_people_stages_it").set_value([]).run()  # every stage
    texts.append(_page_text(at))
    at = _open("partner_vacancies.py", "partner", partner_nominate_open=True)
    assert at.selectbox(key="partner_vacancies_pick").options
    for vacancy_id in at.selectbox(key="partner_vacancies_pick").options:
        at.selectbox(key="partner_vacancies_pick").set_value(vacancy_id).run()
        texts.append(_page_text(at))
    texts.append(_page_text(_open("home.py", "partner")))
    shown = "\n".join(texts)

    assert any(name in shown for name in first_names)  # the planted people are on the pages
    for hidden in (
        "ZQXHEALTH",
        "ZQXNOTE",
        "Protezione internazionale",
        "Disabilità",
        "03/02/2019",
        "2019-02-03",
        *tax_codes,
    ):
        assert hidden not in shown, hidden
