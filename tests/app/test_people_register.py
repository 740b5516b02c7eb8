"""The register (filters, search, paging, open a row) and the tutor's caseload page."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from fleming.db import get_engine, unit_of_work
from fleming.models import Person, PersonStatus, User
from tests.app.people_fixtures import button, errors


def shown_total(at) -> int:
    caption = next(c.value for c in at.caption if c.value.startswith("Persone "))
    return int(re.search(r"di ([\d.]+)", caption).group(1).replace(".", ""))


def tutor_people(url: str, *where) -> int:
    with unit_of_work(get_engine(url)) as session:
        tutor = session.scalar(select(User.id).where(User.username == "tutor"))
        return session.scalar(
            select(func.count()).select_from(Person).where(Person.tutor_id == tutor, *where)
        )


def test_a_tutor_sees_their_caseload_and_can_widen_it(open_page, own_demo):
    at = open_page("people.py")
    assert not at.exception, at.exception
    assert not errors(at)
    assert at.toggle(key="people_mine").value is True
    assert shown_total(at) == tutor_people(own_demo)
    at.toggle(key="people_mine").set_value(False).run()
    with unit_of_work(get_engine(own_demo)) as session:
        everyone = session.scalar(select(func.count()).select_from(Person))
    assert shown_total(at) == everyone
    at.multiselect(key="people_statuses").set_value([PersonStatus.CLOSED]).run()
    with unit_of_work(get_engine(own_demo)) as session:
        closed = session.scalar(
            select(func.count()).select_from(Person).where(Person.status == PersonStatus.CLOSED)
        )
    assert shown_total(at) == closed


def test_search_paging_and_opening_a_row(open_page, own_demo):
    at = open_page("people.py")
    at.toggle(key="people_mine").set_value(False).run()
    first_page = at.dataframe[0].value
    assert len(first_page) == 25
    button(at, "Successiva").click()
    at.run()
    assert any(m.value.startswith("Pagina 2 di") for m in at.markdown)
    assert list(at.dataframe[0].value["Nome"]) != list(first_page["Nome"])
    with unit_of_work(get_engine(own_demo)) as session:
        person = session.scalars(select(Person).order_by(Person.id.desc())).first()
        code, name = person.tax_code, f"{person.first_name} {person.last_name}"
    at.text_input(key="people_search").input(code.lower()).run()
    assert shown_total(at) == 1
    table_key = next(e.key for e in at.dataframe if e.key and e.key.startswith("people_table_"))
    at.session_state[table_key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert at.title[0].value == name


def test_the_caseload_lists_open_cases_attention_first(open_page, own_demo):
    at = open_page("caseload.py")
    assert not at.exception, at.exception
    assert at.title[0].value == "I miei utenti"
    frame = at.dataframe[0].value
    open_cases = tutor_people(
        own_demo,
        Person.status.in_([PersonStatus.INTAKE, PersonStatus.ACTIVE, PersonStatus.INTERNSHIP]),
    )
    assert len(frame) == open_cases
    flags = [v != "—" for v in frame["Attenzione"]]
    assert flags == sorted(flags, reverse=True)  # those needing attention come first
    at.toggle(key="caseload_only").set_value(True).run()
    assert len(at.dataframe[0].value) == sum(flags)


def test_a_coordinator_looks_at_any_tutors_caseload(open_page, own_demo):
    at = open_page("caseload.py", username="coordinatore")
    assert at.selectbox(key="caseload_tutor").value is not None
    assert not errors(at)
