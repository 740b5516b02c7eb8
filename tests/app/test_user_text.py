"""User text is never rendered as HTML or Markdown: a person whose names and notes hold a
``<script>`` and ``**bold**``, and a company named the same way, are saved through the services;
the register, the person page and the company page then show that text as typed — in tables as
plain cells, in titles, captions and text as escaped Markdown (``\\<script\\>``, ``\\*\\*``), and
nowhere with HTML allowed. (What the browser makes of the escaped text is checked in
``tests/e2e/test_user_text.py``.)"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from fleming import companies, people
from fleming.auth import actor_from_user
from fleming.db import get_engine, unit_of_work
from fleming.models import Company, Person, PersonStatus, User
from fleming.ui.text import plain
from tests.app.people_fixtures import errors

SCRIPT = "<script>alert(1)</script>"
BOLD = "**Grassetto**"
NOTES = "<script>alert(2)</script> una **nota** e [un link](javascript:alert(3))\n# non un titolo"
COMPANY = "<script>alert(4)</script> **Trattoria** S.r.l."
RAW = ("<script>", "</script>", "**Grassetto**", "**nota**", "**Trattoria**", "](javascript:")


@pytest.fixture
def stored(own_demo):
    """The hostile person and company, saved by a coordinator through the services."""
    engine = get_engine(own_demo)
    with unit_of_work(engine) as s:
        coordinator = actor_from_user(
            s.scalars(select(User).where(User.username == "coordinatore")).one()
        )
        pid = s.scalars(
            select(Person.id).where(Person.status == PersonStatus.ACTIVE).order_by(Person.id)
        ).first()
        cid = s.scalars(select(Company.id).order_by(Company.id)).first()
    with unit_of_work(engine) as s:
        view = people.get(session=s, actor=coordinator, person_id=pid)
        people.update(
            session=s,
            actor=coordinator,
            person_id=pid,
            version=view.version,
            data=replace(view.to_input(), first_name=SCRIPT, last_name=BOLD, notes=NOTES),
        )
        company = companies.get(session=s, actor=coordinator, id=cid)
        companies.update(
            session=s, actor=coordinator, id=cid, data=replace(company.as_input(), name=COMPANY)
        )
    with unit_of_work(engine) as s:
        assert (s.get(Person, pid).first_name, s.get(Person, pid).notes) == (SCRIPT, NOTES)
        assert s.get(Company, cid).name == COMPANY
        tax_code = s.get(Person, pid).tax_code
    return {"person": pid, "company": cid, "tax_code": tax_code}


def _texts(at) -> list[str]:
    """Every string the page hands to Streamlit's Markdown renderer."""
    found = [e.value for kind in ("title", "header", "subheader", "markdown", "caption")
             for e in getattr(at, kind)]  # fmt: skip
    found += [
        e.value for kind in ("success", "info", "warning", "error") for e in getattr(at, kind)
    ]
    found += [e.value for e in at.toast]
    found += (
        [e.label for e in at.expander] + [e.label for e in at.tabs] + [b.label for b in at.button]
    )
    return found


def _check(at) -> list[str]:
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    texts = _texts(at)
    assert not [t for t in texts if any(raw in t for raw in RAW)], "user markup reached Markdown"
    assert not [m for m in at.markdown if m.proto.allow_html], "HTML allowed in a Markdown element"
    return texts


def test_the_register_shows_the_names_as_plain_cells(open_page, stored):
    at = open_page("people.py", username="coordinatore")
    at.toggle(key="people_mine").set_value(False).run()
    at.text_input(key="people_search").input(stored["tax_code"]).run()
    _check(at)
    table = at.dataframe[0].value
    assert len(table) == 1
    assert SCRIPT in " ".join(str(v) for v in table.iloc[0])  # as typed, in a table cell
    assert BOLD in " ".join(str(v) for v in table.iloc[0])


def test_the_person_page_shows_names_and_notes_as_typed(open_page, stored):
    at = open_page("person.py", username="coordinatore", query={"id": stored["person"]})
    texts = _check(at)
    assert at.title[0].value == plain(f"{SCRIPT} {BOLD}")
    assert at.title[0].value == "\\<script\\>alert(1)\\</script\\> \\*\\*Grassetto\\*\\*"
    assert plain(NOTES) in texts  # the profile tab's notes, escaped line by line


def test_the_company_page_shows_the_name_as_typed(open_page, stored):
    at = open_page("companies.py", username="coordinatore")
    at.session_state["fleming_company_id"] = stored["company"]
    at.switch_page("app_pages/company.py").run()
    _check(at)
    assert at.title[0].value == plain(COMPANY)
    assert "\\<script\\>alert(4)\\</script\\>" in at.title[0].value


def test_the_company_list_shows_the_name_as_a_plain_cell(open_page, stored):
    at = open_page("companies.py", username="coordinatore")
    _check(at)
    names = [str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel()]
    assert COMPANY in names
