"""The internship pages on a private copy of the demo: the start form (a valid start, and each
breached rule showing its message with nothing saved), the outcome form, the attendance grid,
and who sees which forms."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from streamlit.testing.v1 import AppTest

from fleming import internships, overview
from fleming.db import get_engine, unit_of_work
from fleming.i18n import translate
from fleming.internships import end_after_months
from fleming.models import (
    CefrLevel,
    Company,
    ContractType,
    FragilityMarker,
    Internship,
    InternshipAttendance,
    InternshipOutcome,
    InternshipStatus,
    LegalStatus,
    Person,
    PersonFragility,
    PersonStatus,
    ServicePact,
    ShortlistEntry,
    ShortlistStage,
    User,
    Vacancy,
    VacancyKind,
    VacancyStatus,
)
from tests.actors import actor_of
from tests.app.conftest import APP, TIMEOUT
from tests.app.helpers import login_as

PAGE = "app_pages/internship.py"
LIST_PAGE = "app_pages/internships.py"
CURRENT = "fleming_internship_id"
TODAY = date.today()


def _open(username: str, internship_id: int | None = None) -> AppTest:
    at = login_as(AppTest.from_file(APP, default_timeout=TIMEOUT), username)
    if internship_id is not None:
        at.session_state[CURRENT] = internship_id
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _count(url: str) -> int:
    with unit_of_work(get_engine(url)) as s:
        return s.scalar(select(func.count()).select_from(Internship))


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _it(key: str, **params) -> str:
    return translate(key, "it", **params)


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


# --------------------------------------------------------------------------- picking test data
def _free_person(url: str, *, disadvantaged: bool = False) -> int:
    """A person on a path (pact, not closed, no running internship, no asylum wait)."""
    with unit_of_work(get_engine(url)) as s:
        busy = select(Internship.person_id).where(Internship.status == InternshipStatus.ACTIVE)
        marked = select(PersonFragility.person_id).where(
            PersonFragility.marker == FragilityMarker.DISABILITY
        )
        query = (
            select(Person.id)
            .join(ServicePact, ServicePact.person_id == Person.id)
            .where(
                Person.status.in_([PersonStatus.ACTIVE, PersonStatus.INTAKE]),
                Person.id.not_in(busy),
                Person.legal_status.in_([LegalStatus.ITALIAN, LegalStatus.EU_CITIZEN])
                if not disadvantaged
                else Person.legal_status == LegalStatus.INTERNATIONAL_PROTECTION,
                ServicePact.signed_on <= TODAY - timedelta(days=31),
            )
            .order_by(Person.id)
        )
        if not disadvantaged:
            query = query.where(Person.id.not_in(marked))
        return s.scalars(query).first()


def _host(url: str, *, convention: bool = True, free: bool = True) -> int:
    """A company with a convention for the next 7 months (or none at all), with room (or full)."""
    actor = actor_of(url, "coordinatore")
    with unit_of_work(get_engine(url)) as s:
        options = internships.company_options(session=s, actor=actor, limit=500)
        for o in options:
            if not convention and o.convention_until is None:
                return o.id
            if (
                convention
                and o.convention_until is not None
                and o.convention_until > end_after_months(TODAY, 7)
                and (o.hosted_today < o.quota if free else o.hosted_today in (1, 2))
            ):
                if not free:  # make it full: as few employees as its interns today need
                    s.execute(
                        update(Company)
                        .where(Company.id == o.id)
                        .values(employees=3 if o.hosted_today == 1 else 10)
                    )
                return o.id
    raise AssertionError("no such company in the demo")


def _direct(at: AppTest, url: str, person_id: int, company_id: int) -> AppTest:
    """Switch the start form to a direct start and pick this person and this company."""
    at.radio(key="internship_new_mode").set_value("direct").run()
    with unit_of_work(get_engine(url)) as s:
        tax_code = s.get(Person, person_id).tax_code
        vat = s.get(Company, company_id).vat_number
    at.text_input(key="internship_new_person_search").input(tax_code).run()
    at.text_input(key="internship_new_company_search").input(vat).run()
    at.selectbox(key="internship_new_person").set_value(person_id).run()
    at.selectbox(key="internship_new_company").set_value(company_id).run()
    assert not at.exception, at.exception
    return at


def _fill(at: AppTest, **values) -> AppTest:
    """Fill the start form (defaults: valid terms) and submit it."""
    terms = dict(
        start=TODAY,
        end=end_after_months(TODAY, 4),
        hours=36,
        allowance=600.0,
        company_tutor="Giulia Neri",
    )
    terms.update(values)
    at.date_input(key="internship_new_start_0").set_value(terms["start"])
    at.date_input(key="internship_new_end_0").set_value(terms["end"])
    at.number_input(key="internship_new_hours_0").set_value(terms["hours"])
    at.number_input(key="internship_new_allowance_0").set_value(terms["allowance"])
    at.text_input(key="internship_new_company_tutor_0").input(terms["company_tutor"])
    if "meal" in terms:
        at.checkbox(key="internship_new_meal_0").set_value(terms["meal"])
    at.button(key="internship_new_submit_0").click().run()
    assert not at.exception, at.exception
    return at


# =========================================================================== start form
def _selected_entry(url: str) -> int:
    """A person selected on the shortlist of an internship vacancy at a host with room."""
    person, company = _free_person(url), _host(url)
    with unit_of_work(get_engine(url)) as s:
        vacancy = Vacancy(
            company_id=company,
            title="Aiuto cuoco (prova)",
            kind=VacancyKind.INTERNSHIP,
            positions=1,
            min_italian_level=CefrLevel.A2,
            created_on=TODAY - timedelta(days=20),
            status=VacancyStatus.SHORTLISTING,
        )
        s.add(vacancy)
        s.flush()
        entry = ShortlistEntry(
            vacancy_id=vacancy.id, person_id=person, stage=ShortlistStage.SELECTED
        )
        s.add(entry)
        s.flush()
        return entry.id


def test_start_from_a_selected_entry(own_demo):
    coordinator = actor_of(own_demo, "coordinatore")
    entry_id = _selected_entry(own_demo)
    with unit_of_work(get_engine(own_demo)) as s:
        entries = internships.selectable_entries(session=s, actor=coordinator)
        figures = overview.centre(session=s, actor=coordinator)
    at = _open("coordinatore")
    assert at.title[0].value == _it("internship.new.title")
    [first] = [e for e in entries if e.entry_id == entry_id]
    at.selectbox(key="internship_new_entry").set_value(entry_id).run()
    _fill(at)
    assert _errors(at) == []
    assert at.session_state[CURRENT]
    assert [s.value for s in at.success] == [_it("internship.new.done")]
    assert at.title[0].value == _it(
        "internship.title", person=first.person_name, company=first.company_name
    )
    with unit_of_work(get_engine(own_demo)) as s:
        i = s.get(Internship, at.session_state[CURRENT])
        assert (i.shortlist_entry_id, i.vacancy_id, i.person_id) == (
            first.entry_id,
            first.vacancy_id,
            first.person_id,
        )
        assert i.company_tutor_name == "Giulia Neri" and i.weekly_hours == 36
        assert s.get(Person, first.person_id).status is PersonStatus.INTERNSHIP
        after = overview.centre(session=s, actor=coordinator)
    assert after.internships_started == figures.internships_started + 1


def test_start_direct_for_a_person_and_a_company(own_demo):
    person, company = _free_person(own_demo), _host(own_demo)
    before = _count(own_demo)
    at = _direct(_open("coordinatore"), own_demo, person, company)
    _fill(at)
    assert _errors(at) == []
    assert _count(own_demo) == before + 1
    with unit_of_work(get_engine(own_demo)) as s:
        i = s.get(Internship, at.session_state[CURRENT])
        assert (i.person_id, i.company_id, i.vacancy_id) == (person, company, None)


BREACHES = {
    "allowance": (
        dict(allowance=300.0),
        lambda: _it("internships.error.allowance.standard", min="500"),
    ),
    "allowance_meal_vouchers": (
        dict(allowance=380.0, meal=True),
        lambda: _it("internships.error.allowance.meal_vouchers", min="400"),
    ),
    "allowance_part_time": (
        dict(allowance=340.0, hours=20),
        lambda: _it("internships.error.allowance.part_time", min="350", hours=20),
    ),
    "too_long": (
        dict(end=end_after_months(TODAY, 6) + timedelta(days=1)),
        lambda: _it("internships.error.too_long", months=6, date=_day(end_after_months(TODAY, 6))),
    ),
    "too_short": (
        dict(end=end_after_months(TODAY, 1)),
        lambda: _it("internships.error.too_short", months=2, date=_day(end_after_months(TODAY, 2))),
    ),
    "company_tutor": (dict(company_tutor="   "), lambda: _it("error.required")),
}


@pytest.mark.parametrize("breach", list(BREACHES))
def test_each_breached_term_shows_its_message_and_saves_nothing(own_demo, breach):
    values, message = BREACHES[breach]
    person, company = _free_person(own_demo), _host(own_demo)
    before = _count(own_demo)
    at = _fill(_direct(_open("coordinatore"), own_demo, person, company), **values)
    assert _errors(at) == [message()]
    assert _count(own_demo) == before
    assert CURRENT not in at.session_state or not at.session_state[CURRENT]


def test_company_without_convention(own_demo):
    person, company = _free_person(own_demo), _host(own_demo, convention=False)
    before = _count(own_demo)
    at = _fill(_direct(_open("coordinatore"), own_demo, person, company))
    assert _errors(at) == [_it("internships.error.no_convention", date=_day(TODAY))]
    assert _count(own_demo) == before


def test_company_at_its_quota(own_demo):
    person, company = _free_person(own_demo), _host(own_demo, free=False)
    before = _count(own_demo)
    at = _fill(_direct(_open("coordinatore"), own_demo, person, company))
    [error] = _errors(at)
    assert error.startswith("Con ") and "tirocinanti alla volta" in error
    assert _count(own_demo) == before


def test_person_already_in_an_internship(own_demo):
    with unit_of_work(get_engine(own_demo)) as s:
        running = s.scalars(
            select(Internship).where(Internship.status == InternshipStatus.ACTIVE)
        ).first()
        person, where = running.person_id, s.get(Company, running.company_id).name
    company = _host(own_demo)
    before = _count(own_demo)
    at = _fill(_direct(_open("coordinatore"), own_demo, person, company))
    assert _it("internships.error.already_active", company=where) in _errors(at)
    assert _count(own_demo) == before


def test_asylum_seeker_before_the_sixty_days(own_demo):
    person, company = _free_person(own_demo), _host(own_demo)
    applied = TODAY - timedelta(days=10)
    with unit_of_work(get_engine(own_demo)) as s:
        p = s.get(Person, person)
        p.legal_status = LegalStatus.ASYLUM_SEEKER
        p.asylum_application_date = applied
    before = _count(own_demo)
    at = _fill(_direct(_open("coordinatore"), own_demo, person, company))
    assert _errors(at) == [
        _it("internships.error.asylum_wait", date=_day(applied + timedelta(days=60)))
    ]
    assert _count(own_demo) == before


def test_several_breaches_show_together_each_by_its_field(own_demo):
    person, company = _free_person(own_demo), _host(own_demo, convention=False)
    at = _fill(
        _direct(_open("coordinatore"), own_demo, person, company),
        allowance=100.0,
        end=end_after_months(TODAY, 8),
    )
    assert sorted(_errors(at)) == sorted(
        [
            _it("internships.error.no_convention", date=_day(TODAY)),
            _it("internships.error.too_long", months=6, date=_day(end_after_months(TODAY, 6))),
            _it("internships.error.allowance.standard", min="500"),
        ]
    )


def test_tutors_do_not_get_the_start_form(own_demo):
    at = _open("tutor")
    assert _it("internship.pick_hint") in [i.value for i in at.info]
    assert not [b for b in at.button if b.key and b.key.startswith("internship_new_submit")]


# =========================================================================== one internship
def _running(url: str, *, started_days_ago: int = 40) -> int:
    """A running demo internship that started a while ago (so it has attendance months)."""
    with unit_of_work(get_engine(url)) as s:
        return s.scalars(
            select(Internship.id)
            .where(
                Internship.status == InternshipStatus.ACTIVE,
                Internship.start_date <= TODAY - timedelta(days=started_days_ago),
                Internship.planned_end_date > TODAY,
            )
            .order_by(Internship.id)
        ).first()


def test_outcome_form_hire(own_demo):
    iid = _running(own_demo)
    coordinator = actor_of(own_demo, "coordinatore")
    with unit_of_work(get_engine(own_demo)) as s:
        before = overview.centre(session=s, actor=coordinator)
        person_id = s.get(Internship, iid).person_id
    at = _open("coordinatore", iid)
    assert not _errors(at)
    at.radio(key="internship_outcome_choice").set_value(InternshipOutcome.HIRED).run()
    at.selectbox(key="internship_hire_contract").set_value(ContractType.FIXED_TERM)
    at.button(key="internship_outcome_submit").click().run()
    # fixed-term without its months: refused, nothing saved
    assert _errors(at) == [_it("internships.error.months_required")]
    with unit_of_work(get_engine(own_demo)) as s:
        assert s.get(Internship, iid).status is InternshipStatus.ACTIVE
    at.number_input(key="internship_hire_months").set_value(12)
    at.number_input(key="internship_hire_part_time").set_value(80)
    at.button(key="internship_outcome_submit").click().run()
    assert not at.exception and _errors(at) == []
    assert [s.value for s in at.success] == [_it("internship.outcome.done.hired")]
    with unit_of_work(get_engine(own_demo)) as s:
        i = s.get(Internship, iid)
        assert (i.status, i.outcome, i.contract_type, i.contract_months, i.part_time_percent) == (
            InternshipStatus.COMPLETED,
            InternshipOutcome.HIRED,
            ContractType.FIXED_TERM,
            12,
            80,
        )
        assert i.actual_end_date == TODAY
        assert s.get(Person, person_id).status is PersonStatus.HIRED
        after = overview.centre(session=s, actor=coordinator)
    assert after.hires == before.hires + 1
    assert after.internships_ended == before.internships_ended + 1


def test_outcome_form_not_hired_before_the_planned_end_is_refused(own_demo):
    iid = _running(own_demo)
    with unit_of_work(get_engine(own_demo)) as s:
        planned = s.get(Internship, iid).planned_end_date
    at = _open("coordinatore", iid)
    at.radio(key="internship_outcome_choice").set_value(InternshipOutcome.NOT_HIRED).run()
    at.button(key="internship_outcome_submit").click().run()
    assert sorted(_errors(at)) == sorted(
        [_it("internships.error.not_hired_early", date=_day(planned)), _it("error.required")]
    )
    with unit_of_work(get_engine(own_demo)) as s:
        assert s.get(Internship, iid).status is InternshipStatus.ACTIVE


def test_outcome_form_interruption(own_demo):
    iid = _running(own_demo)
    at = _open("coordinatore", iid)
    at.radio(key="internship_outcome_choice").set_value(InternshipOutcome.INTERRUPTED).run()
    at.text_area(key="internship_outcome_reason").input("Trasferimento in un'altra città")
    at.button(key="internship_outcome_submit").click().run()
    assert _errors(at) == []
    with unit_of_work(get_engine(own_demo)) as s:
        i = s.get(Internship, iid)
        assert (i.status, i.outcome_reason) == (
            InternshipStatus.INTERRUPTED,
            "Trasferimento in un'altra città",
        )


def test_attendance_grid_saves_the_months(own_demo):
    iid = _running(own_demo)
    with unit_of_work(get_engine(own_demo)) as s:
        i = s.get(Internship, iid)
        tutor = s.get(User, s.get(Person, i.person_id).tutor_id).username
        s.execute(
            InternshipAttendance.__table__.delete().where(InternshipAttendance.internship_id == iid)
        )
    at = _open(tutor, iid)  # the person's own tutor
    assert not _errors(at)
    [grid] = [d for d in at.dataframe if d.key and d.key.startswith("internship_attendance_grid")]
    frame = grid.value
    assert frame["percent"].isna().all()
    at.session_state[grid.key] = {
        "edited_rows": {0: {"percent": 85}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button[[b.label for b in at.button].index(_it("internship.attendance.submit"))].click()
    at.run()
    assert _errors(at) == []
    with unit_of_work(get_engine(own_demo)) as s:
        saved = s.scalars(
            select(InternshipAttendance).where(InternshipAttendance.internship_id == iid)
        ).all()
    assert [(a.month, a.attendance_percent) for a in saved] == [(i.start_date.replace(day=1), 85)]


def test_a_tutor_not_following_the_person_reads_only(own_demo):
    iid = _running(own_demo)
    with unit_of_work(get_engine(own_demo)) as s:
        i = s.get(Internship, iid)
        followers = {i.centre_tutor_id, s.get(Person, i.person_id).tutor_id}
        other = s.scalars(
            select(User.username).where(User.role == "tutor", User.id.not_in(followers))
        ).first()
    at = _open(other, iid)
    assert not _errors(at)
    labels = [b.label for b in at.button]
    assert _it("internship.attendance.submit") not in labels
    assert _it("internship.check.submit") not in labels
    assert _it("internship.outcome.coordinator_only") in [i.value for i in at.info]


def test_list_page_shows_the_running_internships(own_demo):
    at = login_as(AppTest.from_file(APP, default_timeout=TIMEOUT), "coordinatore").run()
    at.switch_page(LIST_PAGE).run()
    assert not at.exception and not _errors(at)
    coordinator = actor_of(own_demo, "coordinatore")
    with unit_of_work(get_engine(own_demo)) as s:
        n = internships.counts(session=s, actor=coordinator)
    assert [m.value for m in at.metric][:3] == [
        str(n.active),
        str(n.ending_soon),
        str(n.missing_outcome),
    ]
    assert len(at.dataframe[0].value) == min(n.active, 25)
