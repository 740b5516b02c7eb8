"""The person page: the path from intake to workshop, meetings, edits and conflicts, languages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import select

from fleming import auth, people, workshops
from fleming.db import get_engine, unit_of_work
from fleming.devtools.demo import tax_code
from fleming.models import (
    ActivityKind,
    ActivityStatus,
    CefrLevel,
    EducationLevel,
    FundingStream,
    LegalStatus,
    PathActivity,
    Person,
    PersonStatus,
    ReferralSource,
    TutoringMeeting,
    WorkshopEnrolment,
)
from tests.app.people_fixtures import button, count, errors

TODAY = date.today()


def newcomer(url: str, *, did: bool = True) -> int:
    """Someone the demo tutor has just taken in (with a DID unless told otherwise)."""
    with unit_of_work(get_engine(url)) as session:
        tutor = auth.get_actor(session=session, username="tutor")
        return people.create(
            session=session,
            actor=tutor,
            data=people.PersonInput(
                first_name="Ines",
                last_name="Quaranta",
                tax_code=tax_code("Quaranta", "Ines", date(1991, 7, 7), "F", "F205"),
                citizenship="IT",
                italian_level=CefrLevel.A2,
                education_level=EducationLevel.LOWER_SECONDARY,
                legal_status=LegalStatus.ITALIAN,
                referral_source=ReferralSource.PUBLIC_SERVICE,
                funding_stream=FundingStream.MUNICIPAL,
                did_date=TODAY - timedelta(days=3) if did else None,
                intake_date=TODAY - timedelta(days=2),
            ),
            consents=people.ConsentInput(data_processing=True),
        )


def status(url: str, pid: int) -> PersonStatus:
    with unit_of_work(get_engine(url)) as session:
        return session.get(Person, pid).status


def labelled(elements, text: str):
    return next(e for e in elements if e.label == text)


def form_button(at, form_prefix: str):
    return next(b for b in at.button if b.proto.form_id.startswith(form_prefix))


def test_the_page_shows_a_demo_persons_file(open_page, own_demo):
    with unit_of_work(get_engine(own_demo)) as session:
        person = session.scalars(
            select(Person).where(Person.status == PersonStatus.INTERNSHIP).order_by(Person.id)
        ).first()
        name, pid = f"{person.first_name} {person.last_name}", person.id
    at = open_page("person.py", query={"id": pid})
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert at.title[0].value == name
    assert [t.label for t in at.tabs][:8] == [
        "Percorso",
        "Patto e attività",
        "Colloqui",
        "Laboratori",
        "Competenze",
        "Offerte adatte",
        "Anagrafica",
        "Consensi",
    ]
    timeline = at.dataframe[0].value
    assert {"Tirocinio", "Patto", "Accoglienza"} <= set(timeline["Tipo"])
    assert "Competenze: ingresso e livello attuale" in [s.value for s in at.subheader]
    assert at.session_state["person_id"] == pid  # the current person, for the other screens


def test_a_tutor_takes_the_path_from_pact_to_workshop(open_page, own_demo):
    pid = newcomer(own_demo)
    at = open_page("person.py", query={"id": pid})
    assert status(own_demo, pid) is PersonStatus.INTAKE
    assert any("badge[" in m.value and "Accoglienza" in m.value for m in at.markdown)
    # 1. open the pact with the suggested activities (A2: the Italian course is suggested)
    form_button(at, f"person_pact_open_{pid}").click()
    at.run()
    assert not errors(at), errors(at)
    assert status(own_demo, pid) is PersonStatus.ACTIVE
    assert any("Patto di servizio aperto" in s.value for s in at.success)
    with unit_of_work(get_engine(own_demo)) as session:
        kinds = session.scalars(
            select(PathActivity.kind).where(PathActivity.person_id == pid).order_by(PathActivity.id)
        ).all()
    assert kinds == [
        ActivityKind.SKILLS_ASSESSMENT,
        ActivityKind.ITALIAN_COURSE,
        ActivityKind.ORIENTATION_CV,
    ]
    # 2. start the skills assessment, then complete it with its hours
    with unit_of_work(get_engine(own_demo)) as session:
        first = session.scalars(
            select(PathActivity).where(PathActivity.person_id == pid).order_by(PathActivity.id)
        ).first()
        first_id = first.id
    at.selectbox(key=f"person_activity_choice_{pid}").set_value(first_id).run()
    labelled(at.selectbox, "Stato").set_value(ActivityStatus.IN_PROGRESS)
    form_button(at, f"person_activity_{first_id}_").click()
    at.run()
    assert not errors(at), errors(at)
    labelled(at.selectbox, "Stato").set_value(ActivityStatus.DONE)
    labelled(at.number_input, "Ore svolte").set_value(8)
    form_button(at, f"person_activity_{first_id}_").click()
    at.run()
    assert not errors(at), errors(at)
    with unit_of_work(get_engine(own_demo)) as session:
        done = session.get(PathActivity, first_id)
        assert (done.status, done.hours_done, done.completed_on) == (
            ActivityStatus.DONE,
            8,
            TODAY,
        )
    # 3. a meeting
    labelled(at.text_area, "Note del colloquio").input("Primo colloquio: motivata, cerca cucina.")
    labelled(at.text_input, "Prossimo passo").input("Iscrizione al laboratorio di cucina")
    form_button(at, f"person_meeting_{pid}").click()
    at.run()
    assert not errors(at), errors(at)
    assert count(own_demo, TutoringMeeting, TutoringMeeting.person_id == pid) == 1
    # 4. a workshop
    form_button(at, f"person_enrol_{pid}").click()
    at.run()
    assert not errors(at), errors(at)
    assert count(own_demo, WorkshopEnrolment, WorkshopEnrolment.person_id == pid) == 1
    # 5. all of it on the timeline
    kinds = set(at.dataframe[0].value["Tipo"])
    assert {"Accoglienza", "DID", "Patto", "Attività", "Colloquio", "Laboratorio"} <= kinds


def test_no_pact_without_a_did_says_what_to_do(open_page, own_demo):
    pid = newcomer(own_demo, did=False)
    at = open_page("person.py", query={"id": pid})
    assert any("Per aprire il patto serve la DID" in w.value for w in at.warning)
    assert not [b for b in at.button if b.proto.form_id.startswith(f"person_pact_open_{pid}")]


def test_an_invalid_meeting_shows_its_message(open_page, own_demo):
    pid = newcomer(own_demo)
    at = open_page("person.py", query={"id": pid})
    labelled(at.date_input, "Data").set_value(TODAY + timedelta(days=1))
    labelled(at.text_area, "Note del colloquio").input("Note")
    form_button(at, f"person_meeting_{pid}").click()
    at.run()
    assert "La data non può essere nel futuro." in errors(at)
    assert count(own_demo, TutoringMeeting, TutoringMeeting.person_id == pid) == 0


def test_a_concurrent_edit_is_a_conflict_and_loses_nothing(open_page, own_demo):
    pid = newcomer(own_demo)
    at = open_page("person.py", query={"id": pid})
    at.toggle(key=f"person_editing_{pid}").set_value(True).run()
    at.text_input(key=f"person_edit_{pid}_0_phone").input("347 765 4321")
    # meanwhile a colleague saves the same file
    with unit_of_work(get_engine(own_demo)) as session:
        colleague = auth.get_actor(session=session, username="coordinatore")
        view = people.get(session=session, actor=colleague, person_id=pid)
        people.update(
            session=session,
            actor=colleague,
            person_id=pid,
            version=view.version,
            data=replace(view.to_input(), email="ines@example.org"),
        )
    form_button(at, f"person_edit_{pid}_0").click()
    at.run()
    assert any(e.startswith("Un collega ha salvato questa scheda") for e in errors(at)), errors(at)
    assert any("E-mail" in e for e in errors(at))  # what changed meanwhile
    assert at.text_input(key=f"person_edit_{pid}_0_phone").value == "347 765 4321"  # kept
    with unit_of_work(get_engine(own_demo)) as session:
        person = session.get(Person, pid)
        assert (person.email, person.phone) == ("ines@example.org", None)
    # reload the latest data, type the change again, save
    button(at, "Ricarica i dati aggiornati").click()
    at.run()
    at.text_input(key=f"person_edit_{pid}_1_phone").input("347 765 4321")
    form_button(at, f"person_edit_{pid}_1").click()
    at.run()
    assert not errors(at), errors(at)
    with unit_of_work(get_engine(own_demo)) as session:
        person = session.get(Person, pid)
        assert (person.email, person.phone) == ("ines@example.org", "+393477654321")


def test_closing_the_case_needs_a_reason(open_page, own_demo):
    pid = newcomer(own_demo)
    at = open_page("person.py", query={"id": pid})
    form_button(at, f"person_close_{pid}").click()
    at.run()
    assert "Campo obbligatorio." in errors(at)
    labelled(at.text_input, "Motivo della chiusura").input("Trasferita a Torino")
    form_button(at, f"person_close_{pid}").click()
    at.run()
    assert status(own_demo, pid) is PersonStatus.CLOSED
    assert any("Caso chiuso: Trasferita a Torino" in w.value for w in at.warning)


def test_the_page_in_english(open_page, own_demo):
    pid = newcomer(own_demo)
    at = open_page("person.py", query={"id": pid}, lang="en")
    assert not errors(at), errors(at)
    assert [t.label for t in at.tabs][:3] == ["Path", "Pact and activities", "Meetings"]
    assert "Intake" in set(at.dataframe[0].value["Type"])


def test_without_an_id_the_page_offers_a_search(open_page, own_demo):
    at = open_page("person.py")
    assert at.title[0].value == "Scheda persona"
    labelled(at.text_input, "Cerca una persona").input("Quaranta").run()
    assert not [b for b in at.button if "Quaranta" in b.label]  # nobody by that name yet
    pid = newcomer(own_demo)
    labelled(at.text_input, "Cerca una persona").input("quaranta").run()
    button(at, next(b.label for b in at.button if "Quaranta" in b.label)).click()
    at.run()
    assert at.title[0].value == "Ines Quaranta"
    assert at.session_state["person_id"] == pid


def test_an_unknown_id_is_said_plainly(open_page):
    at = open_page("person.py", query={"id": 999_999})
    assert not at.exception
    assert any("Questa persona non è nel registro." in w.value for w in at.warning)


def test_enrolment_and_attendance_show_on_the_person_page(open_page, own_demo):
    pid = newcomer(own_demo)
    with unit_of_work(get_engine(own_demo)) as session:
        coordinator = auth.get_actor(session=session, username="coordinatore")
        from fleming import paths

        paths.open_pact(
            session=session,
            actor=coordinator,
            person_id=pid,
            data=paths.PactInput(signed_on=TODAY - timedelta(days=1)),
        )
        trade = workshops.trades(session=session, actor=coordinator)[0]
        eid = workshops.create_edition(
            session=session,
            actor=coordinator,
            data=workshops.EditionInput(
                trade_id=trade.id,
                title="Laboratorio AppTest",
                hours=100,
                start_date=TODAY,
                end_date=TODAY + timedelta(days=120),
                trainer_name="A",
                italian_teacher_name="B",
                capacity=3,
            ),
        )
        workshops.enrol(session=session, actor=coordinator, edition_id=eid, person_id=pid)
    at = open_page("person.py", query={"id": pid})
    frames = [df.value for df in at.dataframe]
    assert any("Laboratorio AppTest" in list(f.get("Edizione", [])) for f in frames)


def test_the_consents_tab_keeps_the_history_and_a_withdrawal_hides_the_person_from_partners(
    open_page, own_demo
):
    """Given, withdrawn and the information text version, per consent; the partner's view
    (fleming.partners) drops the person at once, as tests/integration/test_partners.py
    checks on the services."""
    from fleming import partners
    from fleming.i18n import fmt_date
    from fleming.models import Consent, ConsentPurpose

    with unit_of_work(get_engine(own_demo)) as session:
        partner = auth.get_actor(session=session, username="partner")
        shown = partners.referred(session=session, actor=partner).people
        pid = next(p.person_id for p in shown)
        consent = session.scalars(
            select(Consent).where(
                Consent.person_id == pid,
                Consent.purpose == ConsentPurpose.PARTNER_SHARING,
                Consent.partner_org_id == partner.partner_org_id,
                Consent.withdrawn_on.is_(None),
            )
        ).one()
        consent_id, version = consent.id, consent.text_version
    at = open_page("person.py", username="coordinatore", query={"id": pid})
    labelled(at.selectbox, "Consenso").set_value(consent_id)
    form_button(at, f"person_consent_withdraw_{pid}").click()
    at.run()
    assert not errors(at), errors(at)
    history = next(d.value for d in at.dataframe if "Versione dell'informativa" in d.value)
    sharing = history[history["Ente partner"] == partner.partner_org_name]
    assert sharing["Stato"].tolist() == [f"Revocato il {fmt_date(TODAY, 'it')}"]
    assert sharing["Versione dell'informativa"].tolist() == [version]
    assert "Attivo" in history["Stato"].tolist()  # the processing consent stays, listed too
    with unit_of_work(get_engine(own_demo)) as session:
        shown = partners.referred(session=session, actor=partner).people
    assert pid not in {p.person_id for p in shown}
