"""The workshops page: the attendance grid, enrolment, completion, and a coordinator's edition."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from fleming import auth, workshops
from fleming.db import get_engine, unit_of_work
from fleming.models import (
    ActivityStatus,
    EnrolmentStatus,
    PathActivity,
    Person,
    PersonStatus,
    WorkshopAttendance,
    WorkshopEdition,
    WorkshopEnrolment,
    WorkshopSession,
)
from tests.app.people_fixtures import button, count, errors

TODAY = date.today()
MONDAY = TODAY - timedelta(days=TODAY.weekday())


@pytest.fixture
def edition(own_demo):
    """A running edition (started two weeks ago, Mon–Thu 4 h) with two people enrolled."""
    with unit_of_work(get_engine(own_demo)) as session:
        coordinator = auth.get_actor(session=session, username="coordinatore")
        trade = workshops.trades(session=session, actor=coordinator)[0]
        eid = workshops.create_edition(
            session=session,
            actor=coordinator,
            data=workshops.EditionInput(
                trade_id=trade.id,
                title="Laboratorio AppTest",
                hours=120,
                start_date=MONDAY - timedelta(days=14),
                end_date=MONDAY + timedelta(days=120),
                trainer_name="Chef Rossi",
                italian_teacher_name="Prof.ssa Bruni",
                capacity=3,
                weekdays=(0, 1, 2, 3),
                session_hours=Decimal(4),
            ),
        )
        eligible = workshops.eligible_people(session=session, actor=coordinator, edition_id=eid)
        enrolled = [
            workshops.enrol(session=session, actor=coordinator, edition_id=eid, person_id=pid)
            for pid, _ in eligible[:2]
        ]
    return eid, enrolled


def open_workshops(own_demo, eid: int, username: str = "tutor"):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP, TIMEOUT
    from tests.app.helpers import login_as

    at = login_as(AppTest.from_file(APP, default_timeout=TIMEOUT), username).run()
    at.session_state["workshops_edition"] = eid
    return at.switch_page("app_pages/workshops.py").run()


def grid_key(at, eid: int) -> str:
    return next(
        e.key for e in at.data_editor if e.key and e.key.startswith(f"workshops_grid_{eid}_")
    )


def past_session_columns(at, url: str, eid: int) -> list[tuple[str, int]]:
    """(column, session id) of the grid's sessions already held, from the database."""
    frame = next(e for e in at.data_editor if e.key == grid_key(at, eid)).value
    columns = [c for c in frame.columns if c.startswith("s")]
    with unit_of_work(get_engine(url)) as session:
        held = {
            s.id
            for s in session.scalars(
                select(WorkshopSession).where(
                    WorkshopSession.edition_id == eid, WorkshopSession.session_date <= TODAY
                )
            )
        }
    return [(c, int(c[1:])) for c in columns if int(c[1:]) in held]


def edit_grid(at, eid: int, rows: dict[int, dict]) -> None:
    at.session_state[grid_key(at, eid)] = {
        "edited_rows": rows,
        "added_rows": [],
        "deleted_rows": [],
    }


def test_the_attendance_grid_saves_hours_and_moves_the_activity(own_demo, edition):
    eid, (first, second) = edition
    at = open_workshops(own_demo, eid)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert at.subheader[0].value == "Laboratorio AppTest"
    (col_a, _), (col_b, _) = past_session_columns(at, own_demo, eid)[:2]
    edit_grid(at, eid, {0: {col_a: 4.0, col_b: 3.5}, 1: {col_a: 0.0}})
    button(at, "Salva le presenze").click()
    at.run()
    assert not errors(at), errors(at)
    assert any("Presenze salvate (3 celle)." in s.value for s in at.success)
    with unit_of_work(get_engine(own_demo)) as session:
        rows = {
            (a.enrolment_id, a.session_id): a.hours
            for a in session.scalars(select(WorkshopAttendance))
            if a.enrolment_id in (first, second)
        }
        enrolled_first = session.scalars(
            select(WorkshopEnrolment.id)
            .join(Person, Person.id == WorkshopEnrolment.person_id)
            .where(WorkshopEnrolment.edition_id == eid)
            .order_by(Person.last_name, Person.first_name)
        ).first()
        person = session.get(WorkshopEnrolment, enrolled_first).person_id
        activity = session.scalars(
            select(PathActivity).where(
                PathActivity.person_id == person, PathActivity.workshop_edition_id == eid
            )
        ).one()
    assert sorted(rows.values()) == [Decimal("0.0"), Decimal("3.5"), Decimal("4.0")]
    assert (activity.status, activity.hours_done) == (ActivityStatus.IN_PROGRESS, 8)
    # the grid shows the totals after the save
    frame = next(e for e in at.data_editor if e.key == grid_key(at, eid)).value
    assert list(frame["Totale ore"]) == [7.5, 0.0]


def test_more_hours_than_the_session_are_refused_and_nothing_is_saved(own_demo, edition):
    eid, _ = edition
    at = open_workshops(own_demo, eid)
    (col_a, _), (col_b, _) = past_session_columns(at, own_demo, eid)[:2]
    edit_grid(at, eid, {0: {col_a: 4.0, col_b: 9.0}})
    button(at, "Salva le presenze").click()
    at.run()
    assert any("al massimo 4 ore" in e for e in errors(at)), errors(at)
    assert count(own_demo, WorkshopAttendance, WorkshopAttendance.enrolment_id.in_(edition[1])) == 0


def test_everyone_present_at_a_session(own_demo, edition):
    eid, enrolled = edition
    at = open_workshops(own_demo, eid)
    button(at, "Segna presenti").click()
    at.run()
    assert not errors(at), errors(at)
    assert count(own_demo, WorkshopAttendance, WorkshopAttendance.enrolment_id.in_(enrolled)) == 2


def test_enrol_then_complete_from_the_page(own_demo, edition):
    eid, _ = edition
    at = open_workshops(own_demo, eid)
    picker = next(s for s in at.selectbox if s.label == "Persona" and s.options)
    with unit_of_work(get_engine(own_demo)) as session:
        tutor = auth.get_actor(session=session, username="tutor")
        (pid, _) = workshops.eligible_people(session=session, actor=tutor, edition_id=eid)[0]
    picker.set_value(pid)
    next(b for b in at.button if b.proto.form_id == f"workshops_enrol_{eid}").click()
    at.run()
    assert not errors(at), errors(at)
    assert count(own_demo, WorkshopEnrolment, WorkshopEnrolment.edition_id == eid) == 3
    # the edition is now full: the enrol form says so
    assert any("Tutti i 3 posti sono occupati." in c.value for c in at.caption)
    # complete the first attending person
    next(b for b in at.button if b.proto.form_id == f"workshops_outcome_{eid}").click()
    at.run()
    assert not errors(at), errors(at)
    with unit_of_work(get_engine(own_demo)) as session:
        completed = session.scalars(
            select(WorkshopEnrolment).where(
                WorkshopEnrolment.edition_id == eid,
                WorkshopEnrolment.status == EnrolmentStatus.COMPLETED,
            )
        ).one()
        activity = session.scalars(
            select(PathActivity).where(
                PathActivity.person_id == completed.person_id,
                PathActivity.workshop_edition_id == eid,
            )
        ).one()
        assert session.get(Person, completed.person_id).status is not PersonStatus.CLOSED
    assert activity.status is ActivityStatus.DONE


def test_a_coordinator_creates_an_edition_with_its_calendar(own_demo):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP, TIMEOUT
    from tests.app.helpers import login_as

    at = login_as(AppTest.from_file(APP, default_timeout=TIMEOUT), "coordinatore").run()
    at.switch_page("app_pages/workshops.py").run()
    assert {"Edizioni", "Nuova edizione", "Mestieri"} <= {t.label for t in at.tabs}
    form = [w for w in at.text_input if w.form_id == "workshops_new"]
    next(w for w in form if w.label == "Titolo").input("Laboratorio di panetteria")
    next(w for w in form if w.label == "Formatore del mestiere").input("Mastro Fornaio")
    next(w for w in form if w.label == "Docente di italiano").input("Prof. Verdi")
    next(s for s in at.selectbox if s.form_id == "workshops_new").select_index(0)
    dates = [d for d in at.date_input if d.form_id == "workshops_new"]
    dates[0].set_value(MONDAY + timedelta(days=7))
    dates[1].set_value(MONDAY + timedelta(days=7 + 70))
    next(n for n in at.number_input if n.form_id == "workshops_new" and n.label == "Ore").set_value(
        100
    )
    next(b for b in at.button if b.proto.form_id == "workshops_new").click()
    at.run()
    assert not errors(at), errors(at)
    with unit_of_work(get_engine(own_demo)) as session:
        edition = session.scalars(
            select(WorkshopEdition).where(WorkshopEdition.title == "Laboratorio di panetteria")
        ).one()
        hours = sum(
            s.hours
            for s in session.scalars(
                select(WorkshopSession).where(WorkshopSession.edition_id == edition.id)
            )
        )
    assert hours == 100


def test_bad_edition_dates_are_refused(own_demo):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP, TIMEOUT
    from tests.app.helpers import login_as

    at = login_as(AppTest.from_file(APP, default_timeout=TIMEOUT), "coordinatore").run()
    at.switch_page("app_pages/workshops.py").run()
    before = count(own_demo, WorkshopEdition)
    dates = [d for d in at.date_input if d.form_id == "workshops_new"]
    dates[0].set_value(MONDAY + timedelta(days=30))
    dates[1].set_value(MONDAY + timedelta(days=10))
    next(n for n in at.number_input if n.form_id == "workshops_new" and n.label == "Ore").set_value(
        250
    )
    next(b for b in at.button if b.proto.form_id == "workshops_new").click()
    at.run()
    shown = errors(at)
    assert "La data di fine è precedente a quella di inizio." in shown
    assert "Il valore deve essere tra 100 e 200." in shown
    assert count(own_demo, WorkshopEdition) == before


def test_tutors_do_not_see_the_coordinators_tabs(own_demo, edition):
    at = open_workshops(own_demo, edition[0])
    assert not any(t.label == "Nuova edizione" for t in at.tabs)
    assert not [b for b in at.button if b.proto.form_id.startswith("workshops_session_add")]
