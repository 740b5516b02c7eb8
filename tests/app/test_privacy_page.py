"""The privacy page (admin, coordinators): find a person, download their data (JSON and PDF, what
the button hands over is checked), anonymise an ended case after a confirmation, change the
retention period and anonymise the cases past it. Tutors and partners get neither the page nor
the services."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from fleming import auth, gdpr
from fleming.db import get_engine, unit_of_work
from fleming.errors import PermissionDenied
from fleming.models import AuditEntry, Person, PersonStatus, Role
from fleming.ui.context import ACTOR_KEY
from tests.app.conftest import ROOT, TIMEOUT
from tests.app.people_fixtures import button, errors

PAGE = "privacy.py"


@pytest.fixture
def downloads(monkeypatch) -> dict[str, object]:
    """File name → the callable a download button would run when clicked (AppTest cannot
    click a download): the test runs it as the browser's request would."""
    made: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def capture(self, data, mimetype, coordinates, file_name=None, **kw):
        made[file_name] = data
        return original(self, data, mimetype, coordinates, file_name=file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    return made


def _person(url: str, *statuses: PersonStatus) -> Person:
    with unit_of_work(get_engine(url)) as session:
        person = session.scalars(
            select(Person)
            .where(Person.status.in_(statuses), Person.anonymised_at.is_(None))
            .order_by(Person.id)
        ).first()
        session.expunge(person)
        return person


def _search(at: AppTest, text: str) -> AppTest:
    at.text_input(key="privacy_search").input(text)
    return at.run()


def _audit(url: str, action: str, person_id: int) -> list[AuditEntry]:
    with unit_of_work(get_engine(url)) as session:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.person_id == person_id)
            .order_by(AuditEntry.id)
        ).all()
        session.expunge_all()
        return list(rows)


def test_a_coordinator_downloads_a_persons_data_as_json_and_pdf(open_page, own_demo, downloads):
    person = _person(own_demo, PersonStatus.CLOSED)
    at = open_page(PAGE, username="coordinatore")
    assert not at.exception and not errors(at)
    assert at.title[0].value == "Protezione dei dati personali"
    assert [tab.label for tab in at.tabs] == ["Richiesta di una persona", "Conservazione"]
    at = _search(at, person.tax_code)
    assert not at.exception and not errors(at)
    [table] = [d.value for d in at.dataframe if "Codice fiscale" in d.value.columns]
    assert table["Codice fiscale"].tolist() == [person.tax_code]
    assert at.subheader[0].value == f"{person.first_name} {person.last_name}"
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Scarica i dati (PDF)", "Scarica i dati (JSON)"]
    assert _audit(own_demo, "export", person.id) == []  # nothing made until clicked

    stem = f"dati_{person.id}_{date.today().isoformat()}"
    document = json.loads(downloads[f"{stem}.json"]())
    assert document["person"]["tax_code"] == person.tax_code
    assert document["person"]["last_name"] == person.last_name
    assert document["consents"]  # every person consented to the processing at intake
    pdf = downloads[f"{stem}.pdf"]()
    assert pdf.startswith(b"%PDF")
    exports = _audit(own_demo, "export", person.id)
    assert [(e.actor_username, e.changes["format"]) for e in exports] == [
        ("coordinatore", "json"),
        ("coordinatore", "pdf"),
    ]


def test_a_coordinator_anonymises_an_ended_case_after_confirming(open_page, own_demo):
    person = _person(own_demo, PersonStatus.CLOSED, PersonStatus.HIRED)
    at = _search(open_page(PAGE, username="coordinatore"), person.tax_code)
    pseudonym = gdpr.pseudonym(person.id)
    assert any(pseudonym in c.value for c in at.caption)
    # the first click only asks
    button(at, "Anonimizza…").click()
    at.run()
    assert not at.exception and not errors(at)
    assert any(pseudonym in w.value and "Confermi" in w.value for w in at.warning)
    with unit_of_work(get_engine(own_demo)) as session:
        assert session.get(Person, person.id).anonymised_at is None
    # cancel, then ask again and confirm
    button(at, "Annulla").click()
    at.run()
    assert not at.warning
    button(at, "Anonimizza…").click()
    at.run()
    button(at, "Sì, anonimizza").click()
    at.run()
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == [f"Fatto: la persona ora è {pseudonym}."]
    with unit_of_work(get_engine(own_demo)) as session:
        stored = session.get(Person, person.id)
        assert stored.anonymised_at is not None
        assert (stored.first_name, stored.last_name) == (pseudonym, "")
    [row] = _audit(own_demo, "anonymise", person.id)
    assert row.actor_username == "coordinatore"
    # the person is no longer found
    at = _search(at, person.tax_code)
    assert any("Nessuna persona trovata" in i.value for i in at.info)


def test_an_open_case_cannot_be_anonymised_from_the_page(open_page, own_demo):
    person = _person(own_demo, PersonStatus.ACTIVE)
    at = _search(open_page(PAGE, username="admin"), person.tax_code)
    assert not at.exception and not errors(at)
    assert any("ancora aperto" in i.value for i in at.info)
    assert not [b for b in at.button if b.label == "Anonimizza…"]
    assert len(at.get("download_button")) == 2  # the data can still be exported


def test_a_confirmation_on_a_record_changed_meanwhile_is_refused(open_page, own_demo):
    person = _person(own_demo, PersonStatus.CLOSED)
    at = _search(open_page(PAGE, username="coordinatore"), person.tax_code)
    button(at, "Anonimizza…").click()
    at.run()
    with unit_of_work(get_engine(own_demo)) as session:  # someone edits the file meanwhile
        session.get(Person, person.id).notes = "Nuova nota"
    button(at, "Sì, anonimizza").click()
    at.run()
    assert not at.exception
    assert errors(at) and not at.success
    with unit_of_work(get_engine(own_demo)) as session:
        assert session.get(Person, person.id).anonymised_at is None


def test_retention_period_due_list_and_anonymisation(open_page, own_demo):
    at = open_page(PAGE, username="coordinatore", lang="en")
    assert not any("retention period" in i.value for i in at.info), "only the open tab runs"
    at.session_state["privacy_tab"] = "Retention"
    at.run()
    assert any("No case past the retention period." in i.value for i in at.info)
    at.number_input[0].set_value(2)
    next(b for b in at.button if b.label == "Save the period").click()
    at.run()
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == ["Retention period saved (years: 2)."]
    with unit_of_work(get_engine(own_demo)) as session:
        actor = auth.get_actor(session=session, username="coordinatore")
        due = gdpr.retention_due(session=session, actor=actor)
    assert due
    [table] = [d.value for d in at.dataframe if "Last change" in d.value.columns]
    assert table["Name"].tolist() == [c.full_name for c in due]
    button(at, f"Anonymise the people listed ({len(due)})…").click()
    at.run()
    button(at, "Yes, anonymise them all").click()
    at.run()
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == [f"People anonymised: {len(due)}."]
    with unit_of_work(get_engine(own_demo)) as session:
        for case in due:
            assert session.get(Person, case.id).anonymised_at is not None
    assert any("No case past the retention period." in i.value for i in at.info)


@pytest.mark.parametrize("role", [Role.TUTOR, Role.PARTNER])
def test_tutors_and_partners_are_refused_by_the_page_and_by_the_services(
    own_demo, monkeypatch, role
):
    username = {Role.TUTOR: "tutor", Role.PARTNER: "partner"}[role]
    with unit_of_work(get_engine(own_demo)) as session:
        actor = auth.get_actor(session=session, username=username)
    # the page script reached directly stops at the guard
    at = AppTest.from_file(str(ROOT / "app_pages" / PAGE), default_timeout=TIMEOUT)
    at.session_state[ACTOR_KEY] = actor
    at.run()
    assert not at.exception
    assert errors(at) == ["Il tuo ruolo non ha accesso a questa pagina."]
    assert not at.title and not at.get("download_button") and not at.text_input
    # and the services refuse whatever calls them
    person = _person(own_demo, PersonStatus.CLOSED)
    with unit_of_work(get_engine(own_demo)) as session:
        for call in (
            lambda: gdpr.find_people(session=session, actor=actor, text=person.tax_code),
            lambda: gdpr.export_json(session=session, actor=actor, person_id=person.id),
            lambda: gdpr.export_pdf(session=session, actor=actor, person_id=person.id),
            lambda: gdpr.anonymise(
                session=session, actor=actor, person_id=person.id, version=person.version
            ),
            lambda: gdpr.retention_due(session=session, actor=actor),
        ):
            with pytest.raises(PermissionDenied):
                call()
