"""Internships on SQLite and PostgreSQL: every start rule, the months in between, the outcome,
and what follows by itself (the person's status, the path activity, the vacancy, the figures)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fleming import internships as svc
from fleming import overview
from fleming.db import unit_of_work
from fleming.errors import Conflict, NotFound, PermissionDenied, ValidationError, ValidationErrors
from fleming.internships import CheckInput, HireInput, ListFilters, ListView, OutcomeInput
from fleming.models import (
    ActivityKind,
    ActivityStatus,
    AuditEntry,
    ContractType,
    FragilityMarker,
    Internship,
    InternshipAttendance,
    InternshipCheck,
    InternshipOutcome,
    InternshipStatus,
    LegalStatus,
    PathActivity,
    Person,
    PersonStatus,
    ServicePact,
    ShortlistStage,
    Vacancy,
    VacancyKind,
    VacancyStatus,
)
from fleming.rules import may_work_from
from tests.integration.internship_data import (
    TODAY,
    World,
    add_company,
    add_entry,
    add_person,
    add_vacancy,
    make_world,
    set_setting,
    terms,
)


@pytest.fixture
def world(engine) -> World:
    with unit_of_work(engine) as session:
        return make_world(session)


def start(engine, world: World, today: date = TODAY, **overrides) -> int:
    with unit_of_work(engine) as session:
        return svc.start(
            session=session, actor=world.coordinator, data=terms(world, **overrides), today=today
        )


def refused(engine, world: World, **overrides) -> dict[str, str]:
    """Start with these terms, expect a refusal: ``{field: message key}``; nothing saved."""
    with pytest.raises(ValidationErrors) as caught:
        start(engine, world, **overrides)
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Internship)) == 0, "nothing saved"
    return by_field(caught.value)


def by_field(exc: ValidationErrors) -> dict[str, str]:
    found = {e.field: e.message for e in exc.errors}
    assert len(found) == len(exc.errors), f"several errors on one field: {exc.errors}"
    return found


def person_status(engine, person_id: int) -> PersonStatus:
    with unit_of_work(engine) as session:
        return session.get(Person, person_id).status


def detail(engine, world: World, internship_id: int, today: date = TODAY):
    with unit_of_work(engine) as session:
        return svc.get(session=session, actor=world.coordinator, id=internship_id, today=today)


def close(engine, world: World, internship_id: int, today: date = TODAY, **values):
    version = detail(engine, world, internship_id, today).version
    with unit_of_work(engine) as session:
        svc.close(
            session=session,
            actor=world.coordinator,
            id=internship_id,
            data=OutcomeInput(version=version, **values),
            today=today,
        )


# =========================================================================== start
def test_start_from_a_selected_entry_keeps_the_link_and_moves_person_path_and_vacancy(
    engine, world
):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "anna")
        entry_id = add_entry(session, world.vacancy_id, pid)
    iid = start(engine, world, shortlist_entry_id=entry_id, company_id=None)
    with unit_of_work(engine) as session:
        i = session.get(Internship, iid)
        assert (i.person_id, i.company_id) == (pid, world.company_id)
        assert (i.vacancy_id, i.shortlist_entry_id) == (world.vacancy_id, entry_id)
        assert i.status is InternshipStatus.ACTIVE and i.outcome is None
        assert i.monthly_allowance == Decimal("500.00")
        assert session.get(Person, pid).status is PersonStatus.INTERNSHIP
        activity = session.scalar(select(PathActivity).where(PathActivity.internship_id == iid))
        assert activity.kind is ActivityKind.INTERNSHIP
        assert activity.status is ActivityStatus.IN_PROGRESS
        assert activity.started_on == TODAY and activity.due_date == i.planned_end_date
        # its one position is covered: the vacancy is filled
        assert session.get(Vacancy, world.vacancy_id).status is VacancyStatus.FILLED
        audited = {
            (a.entity, a.action)
            for a in session.scalars(select(AuditEntry).where(AuditEntry.person_id == pid))
        }
        assert {("internship", "create"), ("path_activity", "create"), ("person", "update")} <= (
            audited
        )
        assert session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "vacancy", AuditEntry.entity_id == str(world.vacancy_id))
        )


def test_a_planned_internship_activity_of_the_pact_is_reused(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "bruno")
        pact_id = session.scalar(select(ServicePact.id).where(ServicePact.person_id == pid))
        planned = PathActivity(
            person_id=pid,
            pact_id=pact_id,
            kind=ActivityKind.INTERNSHIP,
            description="Tirocinio in cucina",
            status=ActivityStatus.PLANNED,
            hours_done=0,
        )
        session.add(planned)
        session.flush()
        planned_id = planned.id
    iid = start(engine, world, person_id=pid)
    with unit_of_work(engine) as session:
        activities = session.scalars(
            select(PathActivity).where(PathActivity.person_id == pid)
        ).all()
        assert [a.id for a in activities] == [planned_id]
        assert activities[0].internship_id == iid
        assert activities[0].status is ActivityStatus.IN_PROGRESS
        assert activities[0].description == "Tirocinio in cucina"


def test_a_future_start_plans_the_activity_and_the_first_month_moves_it(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "carla")
    later = TODAY + timedelta(days=20)
    iid = start(
        engine, world, person_id=pid, start_date=later, planned_end_date=later + timedelta(days=90)
    )
    with unit_of_work(engine) as session:
        activity = session.scalar(select(PathActivity).where(PathActivity.internship_id == iid))
        assert activity.status is ActivityStatus.PLANNED
    with unit_of_work(engine) as session:
        version = session.get(Internship, iid).version
        svc.record_attendance(
            session=session,
            actor=world.coordinator,
            id=iid,
            version=version,
            percents={later.replace(day=1): 90},
            today=later + timedelta(days=12),
        )
    with unit_of_work(engine) as session:
        activity = session.scalar(select(PathActivity).where(PathActivity.internship_id == iid))
        assert activity.status is ActivityStatus.IN_PROGRESS
        assert activity.started_on == later


# =========================================================================== duration
def test_duration_at_most_six_months(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "dario")
    # 01/06 + 6 months ends on 30/11; one day more is refused
    assert refused(engine, world, person_id=pid, planned_end_date=date(2026, 12, 1)) == {
        "planned_end_date": "internships.error.too_long"
    }
    assert start(engine, world, person_id=pid, planned_end_date=date(2026, 11, 30))


def test_duration_at_least_two_months_unless_disadvantaged(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "elena")
        refugee = add_person(session, world, "farid", legal=LegalStatus.INTERNATIONAL_PROTECTION)
        disabled = add_person(session, world, "gino", fragilities=(FragilityMarker.DISABILITY,))
        over45 = add_person(session, world, "ida", fragilities=(FragilityMarker.OVER_45,))
    short = date(2026, 7, 30)  # 01/06 + 2 months ends on 31/07
    assert refused(engine, world, person_id=pid, planned_end_date=short) == {
        "planned_end_date": "internships.error.too_short"
    }
    assert refused(engine, world, person_id=over45, planned_end_date=short) == {
        "planned_end_date": "internships.error.too_short"
    }
    assert start(engine, world, person_id=pid, planned_end_date=date(2026, 7, 31))
    assert start(engine, world, person_id=refugee, planned_end_date=TODAY + timedelta(days=20))
    assert start(
        engine, world, person_id=disabled, company_id=world.small_id, planned_end_date=short
    )


def test_end_must_come_after_start(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "lia")
    assert refused(engine, world, person_id=pid, planned_end_date=TODAY) == {
        "planned_end_date": "internships.error.end_not_after"
    }


def test_regional_maximum_for_disadvantaged_people_can_be_enabled(engine, world):
    with unit_of_work(engine) as session:
        plain = add_person(session, world, "luca")
        refugee = add_person(session, world, "omar", legal=LegalStatus.SPECIAL_PROTECTION)
        disabled = add_person(session, world, "pia", fragilities=(FragilityMarker.DISABILITY,))
    year = date(2027, 5, 31)
    assert refused(engine, world, person_id=refugee, planned_end_date=year) == {
        "planned_end_date": "internships.error.too_long"
    }
    with unit_of_work(engine) as session:
        set_setting(session, "internship.extended_max_for_disadvantaged", True)
    assert refused(engine, world, person_id=plain, planned_end_date=year) == {
        "planned_end_date": "internships.error.too_long"
    }
    assert refused(engine, world, person_id=refugee, planned_end_date=date(2027, 6, 1)) == {
        "planned_end_date": "internships.error.too_long"
    }
    assert start(engine, world, person_id=refugee, planned_end_date=year)
    assert start(
        engine,
        world,
        person_id=disabled,
        company_id=add_company_now(engine, "Grande spa", 100),
        planned_end_date=date(2028, 5, 31),
    )


def add_company_now(engine, name: str, employees: int, **kw) -> int:
    with unit_of_work(engine) as session:
        return add_company(session, name, employees, **kw)


# =========================================================================== allowance
@pytest.mark.parametrize(
    ("hours", "meal", "amount", "error"),
    [
        (30, False, 500, None),
        (30, False, 499.99, "internships.error.allowance.standard"),
        (30, True, 400, None),
        (30, True, 399, "internships.error.allowance.meal_vouchers"),
        (20, False, 350, None),
        (20, False, 349, "internships.error.allowance.part_time"),
        (21, False, 350, "internships.error.allowance.standard"),
        (20, True, 350, None),
    ],
)
def test_minimum_allowance(engine, world, hours, meal, amount, error):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "rosa")
    values = dict(person_id=pid, weekly_hours=hours, meal_vouchers=meal, monthly_allowance=amount)
    if error is None:
        assert start(engine, world, **values)
    else:
        assert refused(engine, world, **values) == {"monthly_allowance": error}


def test_allowance_figures_are_settings(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "sara")
        set_setting(session, "internship.min_monthly_allowance", 600)
    assert refused(engine, world, person_id=pid, monthly_allowance=550) == {
        "monthly_allowance": "internships.error.allowance.standard"
    }
    assert start(engine, world, person_id=pid, monthly_allowance=600)


# =========================================================================== convention
def test_the_company_needs_a_convention_when_the_internship_starts(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "tina")
    assert refused(engine, world, person_id=pid, company_id=world.no_convention_id) == {
        "company_id": "internships.error.no_convention"
    }


def test_the_convention_must_cover_the_whole_period_renewals_count(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "ugo")
    expiring = add_company_now(
        engine, "Scade presto", 10, conventions=((date(2024, 1, 1), TODAY + timedelta(days=30)),)
    )
    assert refused(engine, world, person_id=pid, company_id=expiring) == {
        "company_id": "internships.error.convention_ends"
    }
    renewed = add_company_now(
        engine,
        "Rinnovata",
        10,
        conventions=(
            (date(2024, 1, 1), TODAY + timedelta(days=30)),
            (TODAY + timedelta(days=31), TODAY + timedelta(days=1000)),
        ),
    )
    assert start(engine, world, person_id=pid, company_id=renewed)


def test_convention_at_start_only_when_the_setting_says_so(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "vera")
        set_setting(session, "internship.convention_whole_period", False)
    expiring = add_company_now(
        engine, "Scade presto", 10, conventions=((date(2024, 1, 1), TODAY + timedelta(days=30)),)
    )
    assert start(engine, world, person_id=pid, company_id=expiring)


# =========================================================================== quota
def test_host_quota_by_size_counts_concurrent_internships(engine, world):
    with unit_of_work(engine) as session:
        first = add_person(session, world, "walter")
        second = add_person(session, world, "zoe")
        third = add_person(session, world, "yuri")
    # the small company (3 employees) may host one intern at a time
    start(engine, world, person_id=first, company_id=world.small_id)
    errors = refused_after(engine, world, person_id=second, company_id=world.small_id)
    assert errors == {("company_id", "internships.error.quota")}
    # once the first internship is over, the next one can start there
    after = TODAY + timedelta(days=92)
    assert start(
        engine,
        world,
        person_id=second,
        company_id=world.small_id,
        start_date=after,
        planned_end_date=after + timedelta(days=91),
    )
    # the main company (8 employees) hosts two at a time
    start(engine, world, person_id=third, company_id=world.company_id)


def refused_after(engine, world, **overrides) -> dict[str, str]:
    """Like ``refused`` when other internships exist already."""
    with unit_of_work(engine) as session:
        before = session.scalar(select(func.count()).select_from(Internship))
    with pytest.raises(ValidationErrors) as caught:
        start(engine, world, **overrides)
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Internship)) == before
    return {(e.field, e.message) for e in caught.value.errors}


def test_quota_ignores_interrupted_days_after_the_interruption(engine, world):
    with unit_of_work(engine) as session:
        first = add_person(session, world, "alba")
        second = add_person(session, world, "bea")
    iid = start(
        engine,
        world,
        person_id=first,
        company_id=world.small_id,
        start_date=TODAY - timedelta(days=20),
        planned_end_date=TODAY + timedelta(days=80),
    )
    close(
        engine,
        world,
        iid,
        outcome=InternshipOutcome.INTERRUPTED,
        end_date=TODAY - timedelta(days=1),
        reason="Trasferimento in altra città",
    )
    assert start(engine, world, person_id=second, company_id=world.small_id)


# =========================================================================== the person
def test_a_person_already_in_an_internship_is_refused(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "ciro")
    start(engine, world, person_id=pid)
    assert refused_after(engine, world, person_id=pid, company_id=world.small_id) == {
        ("person_id", "internships.error.already_active")
    }


def test_asylum_seekers_wait_sixty_days_from_their_application(engine, world):
    applied = TODAY - timedelta(days=40)
    with unit_of_work(engine) as session:
        pid = add_person(
            session, world, "amadou", legal=LegalStatus.ASYLUM_SEEKER, asylum_date=applied
        )
    first_day = may_work_from(applied)
    assert first_day == TODAY + timedelta(days=20)
    assert refused(engine, world, person_id=pid) == {"start_date": "internships.error.asylum_wait"}
    assert start(
        engine,
        world,
        person_id=pid,
        start_date=first_day,
        planned_end_date=first_day + timedelta(days=90),
    )


def test_no_pact_closed_case_and_old_start_are_refused(engine, world):
    with unit_of_work(engine) as session:
        no_pact = add_person(session, world, "dora", pact=False)
        closed = add_person(session, world, "ezio", status=PersonStatus.CLOSED)
        late_pact = add_person(session, world, "fede", pact_signed=TODAY - timedelta(days=5))
        fine = add_person(session, world, "gea")
    assert refused(engine, world, person_id=no_pact) == {"person_id": "internships.error.no_pact"}
    assert refused(engine, world, person_id=closed) == {
        "person_id": "internships.error.person_closed"
    }
    assert refused(
        engine,
        world,
        person_id=late_pact,
        start_date=TODAY - timedelta(days=10),
        planned_end_date=TODAY + timedelta(days=80),
    ) == {"start_date": "internships.error.before_pact"}
    assert refused(
        engine,
        world,
        person_id=fine,
        start_date=TODAY - timedelta(days=31),
        planned_end_date=TODAY + timedelta(days=80),
    ) == {"start_date": "internships.error.start_too_old"}


def test_every_breach_is_reported_at_once(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "ugo")
    errors = refused(
        engine,
        world,
        person_id=pid,
        company_id=world.no_convention_id,
        planned_end_date=date(2027, 1, 15),
        monthly_allowance=300,
        company_tutor_name="  ",
        centre_tutor_id=None,
        funding_stream=None,
    )
    assert errors == {
        "company_id": "internships.error.no_convention",
        "planned_end_date": "internships.error.too_long",
        "monthly_allowance": "internships.error.allowance.standard",
        "company_tutor_name": "error.required",
        "centre_tutor_id": "error.required",
        "funding_stream": "error.required",
    }


def test_person_and_company_are_required_for_a_direct_start(engine, world):
    assert refused(engine, world, person_id=None, company_id=None) == {
        "person_id": "error.required",
        "company_id": "error.required",
    }


def test_centre_tutor_must_be_active_staff(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "nina")
    assert refused(engine, world, person_id=pid, centre_tutor_id=999_999) == {
        "centre_tutor_id": "internships.error.centre_tutor"
    }


# =========================================================================== shortlist entry
def test_entry_rules(engine, world):
    with unit_of_work(engine) as session:
        proposed = add_entry(
            session, world.vacancy_id, add_person(session, world, "pino"), ShortlistStage.PROPOSED
        )
        hire_vacancy = add_vacancy(session, world, world.company_id, kind=VacancyKind.DIRECT_HIRE)
        direct = add_entry(session, hire_vacancy, add_person(session, world, "quinto"))
        closed_vacancy = add_vacancy(session, world, world.company_id, status=VacancyStatus.CLOSED)
        closed = add_entry(session, closed_vacancy, add_person(session, world, "rino"))
    assert refused(engine, world, shortlist_entry_id=proposed) == {
        "shortlist_entry_id": "internships.error.entry_not_selected"
    }
    assert refused(engine, world, shortlist_entry_id=direct) == {
        "shortlist_entry_id": "internships.error.vacancy_direct_hire"
    }
    assert refused(engine, world, shortlist_entry_id=closed) == {
        "shortlist_entry_id": "internships.error.vacancy_closed"
    }
    with pytest.raises(NotFound):
        start(engine, world, shortlist_entry_id=999_999)


def test_an_entry_starts_one_internship_and_a_full_vacancy_no_more(engine, world):
    with unit_of_work(engine) as session:
        first = add_entry(session, world.vacancy_id, add_person(session, world, "sole"))
        second = add_entry(session, world.vacancy_id, add_person(session, world, "tea"))
    start(engine, world, shortlist_entry_id=first)
    assert refused_after(engine, world, shortlist_entry_id=first) == {
        ("shortlist_entry_id", "internships.error.entry_used"),
        ("shortlist_entry_id", "internships.error.vacancy_full"),
        ("person_id", "internships.error.already_active"),
    }
    assert refused_after(engine, world, shortlist_entry_id=second) == {
        ("shortlist_entry_id", "internships.error.vacancy_full")
    }


def test_vacancy_with_two_positions_is_filled_by_the_second_internship(engine, world):
    with unit_of_work(engine) as session:
        vid = add_vacancy(session, world, world.company_id, positions=2)
        first = add_entry(session, vid, add_person(session, world, "ada"))
        second = add_entry(session, vid, add_person(session, world, "eva"))
    start(engine, world, shortlist_entry_id=first)
    with unit_of_work(engine) as session:
        assert session.get(Vacancy, vid).status is VacancyStatus.SHORTLISTING
    start(engine, world, shortlist_entry_id=second)
    with unit_of_work(engine) as session:
        assert session.get(Vacancy, vid).status is VacancyStatus.FILLED


def test_selectable_entries_are_selected_ones_without_internship(engine, world):
    with unit_of_work(engine) as session:
        vid = add_vacancy(session, world, world.company_id, positions=3)
        chosen = add_entry(session, vid, add_person(session, world, "ada"))
        used = add_entry(session, vid, add_person(session, world, "eva"))
        add_entry(session, vid, add_person(session, world, "ivo"), ShortlistStage.INTERVIEW)
    start(engine, world, shortlist_entry_id=used)
    with unit_of_work(engine) as session:
        options = svc.selectable_entries(session=session, actor=world.coordinator)
    assert [o.entry_id for o in options] == [chosen]
    assert options[0].company_id == world.company_id and options[0].vacancy_id == vid


# =========================================================================== attendance
def test_monthly_attendance_and_the_full_allowance_threshold(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "mara")
    begin = TODAY - timedelta(days=25)  # 07/05
    iid = start(
        engine, world, person_id=pid, start_date=begin, planned_end_date=begin + timedelta(days=90)
    )
    d = detail(engine, world, iid)
    assert [m.month for m in d.attendance] == [date(2026, 5, 1), date(2026, 6, 1)]
    assert all(m.percent is None for m in d.attendance)
    with unit_of_work(engine) as session:
        changed = svc.record_attendance(
            session=session,
            actor=world.tutor,  # the person's own tutor
            id=iid,
            version=d.version,
            percents={date(2026, 5, 1): 79, date(2026, 6, 1): 80},
            today=TODAY,
        )
    assert changed == 2
    d2 = detail(engine, world, iid)
    assert [(m.percent, m.full_allowance) for m in d2.attendance] == [(79, False), (80, True)]
    assert d2.full_allowance_months == 1 and d2.version == d.version + 1
    # a stale grid is refused; a month outside the internship or a bad figure too
    with pytest.raises(Conflict), unit_of_work(engine) as session:
        svc.record_attendance(
            session=session,
            actor=world.coordinator,
            id=iid,
            version=d.version,
            percents={date(2026, 5, 1): 90},
            today=TODAY,
        )
    with pytest.raises(ValidationErrors) as caught, unit_of_work(engine) as session:
        svc.record_attendance(
            session=session,
            actor=world.coordinator,
            id=iid,
            version=d2.version,
            percents={date(2026, 7, 1): 90, date(2026, 4, 1): 50, date(2026, 5, 1): 101},
            today=TODAY,
        )
    assert sorted((e.field, e.message) for e in caught.value.errors) == [
        ("attendance.2026-04-01", "internships.error.month_outside"),
        ("attendance.2026-05-01", "validators.number.range"),
        ("attendance.2026-07-01", "internships.error.month_outside"),
    ]
    # clearing a month deletes it
    with unit_of_work(engine) as session:
        svc.record_attendance(
            session=session,
            actor=world.coordinator,
            id=iid,
            version=d2.version,
            percents={date(2026, 5, 1): None, date(2026, 6, 1): 80},
            today=TODAY,
        )
    with unit_of_work(engine) as session:
        rows = session.scalars(select(InternshipAttendance.month)).all()
        assert rows == [date(2026, 6, 1)]
        assert (
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.entity == "internship_attendance")
            )
            == 2
        )


def test_only_the_tutor_who_follows_the_person_or_a_coordinator_records(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "nico")
    iid = start(engine, world, person_id=pid)
    d = detail(engine, world, iid)
    with pytest.raises(PermissionDenied), unit_of_work(engine) as session:
        svc.record_attendance(
            session=session,
            actor=world.other_tutor,
            id=iid,
            version=d.version,
            percents={date(2026, 6, 1): 90},
            today=TODAY,
        )
    with pytest.raises(PermissionDenied), unit_of_work(engine) as session:
        svc.add_check(
            session=session,
            actor=world.other_tutor,
            id=iid,
            data=CheckInput(version=d.version, checked_on=TODAY, rating=4),
            today=TODAY,
        )
    with unit_of_work(engine) as session:
        denied = session.scalars(
            select(AuditEntry.entity_id).where(AuditEntry.action == "denied")
        ).all()
    assert denied == ["internships.follow.not_own_person"] * 2
    # made the internship's centre tutor, the other tutor may record
    with unit_of_work(engine) as session:
        svc.update(
            session=session,
            actor=world.coordinator,
            id=iid,
            data=svc.UpdateInput(
                version=d.version,
                **{
                    k: getattr(d, k)
                    for k in (
                        "start_date",
                        "planned_end_date",
                        "weekly_hours",
                        "monthly_allowance",
                        "meal_vouchers",
                        "company_tutor_name",
                        "funding_stream",
                    )
                },
                centre_tutor_id=world.other_tutor.id,
            ),
            today=TODAY,
        )
    with unit_of_work(engine) as session:
        svc.record_attendance(
            session=session,
            actor=world.other_tutor,
            id=iid,
            version=d.version + 1,
            percents={date(2026, 6, 1): 90},
            today=TODAY,
        )


# =========================================================================== mid-term check
def test_mid_term_check(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "olga")
    begin = TODAY - timedelta(days=28)
    iid = start(
        engine, world, person_id=pid, start_date=begin, planned_end_date=begin + timedelta(days=60)
    )
    d = detail(engine, world, iid)
    assert d.midterm_on == begin + timedelta(days=30)
    with pytest.raises(ValidationErrors) as caught, unit_of_work(engine) as session:
        svc.add_check(
            session=session,
            actor=world.tutor,
            id=iid,
            data=CheckInput(version=d.version, checked_on=begin - timedelta(days=1), rating=6),
            today=TODAY,
        )
    assert {(e.field, e.message) for e in caught.value.errors} == {
        ("checked_on", "internships.error.check_outside"),
        ("rating", "validators.number.range"),
    }
    with unit_of_work(engine) as session:
        svc.add_check(
            session=session,
            actor=world.tutor,
            id=iid,
            data=CheckInput(version=d.version, checked_on=TODAY, rating=4, notes="Puntuale"),
            today=TODAY,
        )
    d2 = detail(engine, world, iid)
    assert [(c.checked_on, c.rating, c.notes, c.recorded_by) for c in d2.checks] == [
        (TODAY, 4, "Puntuale", "Tutor Uno")
    ]
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(InternshipCheck)) == 1


# =========================================================================== outcome
def test_closing_as_a_hire_moves_person_path_and_home_figures(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "piero")
        entry = add_entry(session, world.vacancy_id, pid)
    with unit_of_work(engine) as session:
        before = overview.centre(session=session, actor=world.coordinator, today=TODAY)
    iid = start(engine, world, shortlist_entry_id=entry)
    with unit_of_work(engine) as session:
        during = overview.centre(session=session, actor=world.coordinator, today=TODAY)
    assert during.internships_started == before.internships_started + 1
    assert during.people_in_internship == before.people_in_internship + 1
    close(
        engine,
        world,
        iid,
        outcome=InternshipOutcome.HIRED,
        end_date=TODAY,
        contract_type=ContractType.FIXED_TERM,
        contract_months=12,
        part_time_percent=75,
        hire_date=TODAY + timedelta(days=1),
    )
    with unit_of_work(engine) as session:
        i = session.get(Internship, iid)
        assert (i.status, i.outcome, i.actual_end_date) == (
            InternshipStatus.COMPLETED,
            InternshipOutcome.HIRED,
            TODAY,
        )
        assert (i.contract_type, i.contract_months, i.part_time_percent) == (
            ContractType.FIXED_TERM,
            12,
            75,
        )
        assert session.get(Person, pid).status is PersonStatus.HIRED
        activity = session.scalar(select(PathActivity).where(PathActivity.internship_id == iid))
        assert (activity.status, activity.completed_on) == (ActivityStatus.DONE, TODAY)
        # a hire keeps the vacancy filled
        assert session.get(Vacancy, world.vacancy_id).status is VacancyStatus.FILLED
        after = overview.centre(session=session, actor=world.coordinator, today=TODAY)
    assert after.internships_ended == before.internships_ended + 1
    assert after.hires == before.hires + 1
    assert after.people_in_internship == before.people_in_internship
    # no second outcome
    with pytest.raises(ValidationError) as caught:
        close(engine, world, iid, outcome=InternshipOutcome.NOT_HIRED, end_date=TODAY, reason="x")
    assert caught.value.message == "internships.error.already_closed"


def test_hire_contract_rules(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "rita")
    iid = start(engine, world, person_id=pid)
    cases = [
        (dict(contract_type=None, hire_date=TODAY), {"contract_type": "error.required"}),
        (
            dict(contract_type=ContractType.FIXED_TERM, hire_date=TODAY),
            {"contract_months": "internships.error.months_required"},
        ),
        (
            dict(contract_type=ContractType.PERMANENT, contract_months=12, hire_date=TODAY),
            {"contract_months": "internships.error.months_permanent"},
        ),
        (
            dict(contract_type=ContractType.PERMANENT, part_time_percent=0, hire_date=TODAY),
            {"part_time_percent": "validators.number.range"},
        ),
        (
            dict(contract_type=ContractType.PERMANENT, hire_date=TODAY - timedelta(days=1)),
            {"hire_date": "internships.error.hire_before_end"},
        ),
        (
            dict(contract_type=ContractType.PERMANENT, hire_date=date(2026, 12, 2)),
            {"hire_date": "internships.error.hire_too_late"},
        ),
        (dict(contract_type=ContractType.APPRENTICESHIP), {"hire_date": "error.required"}),
    ]
    for values, expected in cases:
        with pytest.raises(ValidationErrors) as caught:
            close(engine, world, iid, outcome=InternshipOutcome.HIRED, end_date=TODAY, **values)
        assert by_field(caught.value) == expected, values
    with unit_of_work(engine) as session:
        assert session.get(Internship, iid).status is InternshipStatus.ACTIVE
    close(
        engine,
        world,
        iid,
        outcome=InternshipOutcome.HIRED,
        end_date=TODAY,
        contract_type=ContractType.PERMANENT,
        part_time_percent=100,
        hire_date=date(2026, 12, 1),
    )
    with unit_of_work(engine) as session:
        i = session.get(Internship, iid)
        assert (i.contract_months, i.part_time_percent) == (None, None)  # full time


def test_not_hired_needs_the_planned_end_and_a_reason(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "sandro")
    begin = TODAY - timedelta(days=30)
    end = begin + timedelta(days=61)
    iid = start(engine, world, person_id=pid, start_date=begin, planned_end_date=end)
    with pytest.raises(ValidationErrors) as caught:
        close(engine, world, iid, outcome=InternshipOutcome.NOT_HIRED, end_date=TODAY)
    assert by_field(caught.value) == {
        "end_date": "internships.error.not_hired_early",
        "reason": "error.required",
    }
    later = end + timedelta(days=3)
    with pytest.raises(ValidationErrors) as caught:
        close(engine, world, iid, later, outcome=InternshipOutcome.NOT_HIRED, end_date=later)
    assert by_field(caught.value) == {
        "end_date": "internships.error.end_after_planned",
        "reason": "error.required",
    }
    close(
        engine,
        world,
        iid,
        later,
        outcome=InternshipOutcome.NOT_HIRED,
        end_date=end,
        reason="Nessuna posizione aperta",
    )
    assert person_status(engine, pid) is PersonStatus.ACTIVE
    with unit_of_work(engine) as session:
        activity = session.scalar(select(PathActivity).where(PathActivity.internship_id == iid))
        assert activity.status is ActivityStatus.DONE


def test_end_date_cannot_be_in_the_future_or_before_the_start(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "tullio")
    iid = start(engine, world, person_id=pid)
    for end, key in (
        (TODAY + timedelta(days=1), "validators.date.future"),
        (TODAY - timedelta(days=1), "internships.error.end_before_start"),
    ):
        with pytest.raises(ValidationErrors) as caught:
            close(
                engine, world, iid, outcome=InternshipOutcome.INTERRUPTED, end_date=end, reason="x"
            )
        assert by_field(caught.value) == {"end_date": key}


def test_interruption_drops_the_activity_and_reopens_the_vacancy(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "ugo")
        entry = add_entry(session, world.vacancy_id, pid)
    begin = TODAY - timedelta(days=20)
    iid = start(
        engine,
        world,
        shortlist_entry_id=entry,
        start_date=begin,
        planned_end_date=begin + timedelta(days=90),
    )
    with unit_of_work(engine) as session:
        assert session.get(Vacancy, world.vacancy_id).status is VacancyStatus.FILLED
    with pytest.raises(ValidationErrors) as caught:
        close(engine, world, iid, outcome=InternshipOutcome.INTERRUPTED, end_date=TODAY)
    assert by_field(caught.value) == {"reason": "error.required"}
    close(
        engine,
        world,
        iid,
        outcome=InternshipOutcome.INTERRUPTED,
        end_date=TODAY,
        reason="Problemi di salute",
    )
    with unit_of_work(engine) as session:
        i = session.get(Internship, iid)
        assert (i.status, i.outcome, i.outcome_reason) == (
            InternshipStatus.INTERRUPTED,
            InternshipOutcome.INTERRUPTED,
            "Problemi di salute",
        )
        activity = session.scalar(select(PathActivity).where(PathActivity.internship_id == iid))
        assert activity.status is ActivityStatus.DROPPED
        assert session.get(Person, pid).status is PersonStatus.ACTIVE
        # the position is uncovered again: back to the shortlist
        assert session.get(Vacancy, world.vacancy_id).status is VacancyStatus.SHORTLISTING


def test_interruption_leaves_a_vacancy_filled_when_the_convention_has_lapsed(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "vito")
        cid = add_company(
            session, "Scade", 10, conventions=((date(2024, 1, 1), TODAY + timedelta(days=100)),)
        )
        vid = add_vacancy(session, world, cid)
        entry = add_entry(session, vid, pid)
    iid = start(engine, world, shortlist_entry_id=entry, company_id=None)
    close(
        engine,
        world,
        iid,
        TODAY + timedelta(days=101),
        outcome=InternshipOutcome.INTERRUPTED,
        end_date=TODAY + timedelta(days=30),
        reason="Rinuncia",
    )
    with unit_of_work(engine) as session:
        assert session.get(Vacancy, vid).status is VacancyStatus.FILLED


def test_follow_up_hire_within_six_months_of_the_end(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "zeno")
    begin = TODAY - timedelta(days=30)
    end = begin + timedelta(days=61)
    iid = start(engine, world, person_id=pid, start_date=begin, planned_end_date=end)
    close(engine, world, iid, end, outcome=InternshipOutcome.NOT_HIRED, end_date=end, reason="No")
    d = detail(engine, world, iid, end)
    assert d.may_record_followup_hire and d.followup_until == date(2027, 1, 2)
    late = HireInput(
        version=d.version,
        contract_type=ContractType.APPRENTICESHIP,
        contract_months=36,
        hire_date=date(2027, 1, 3),
    )
    with pytest.raises(ValidationErrors) as caught, unit_of_work(engine) as session:
        svc.record_followup_hire(
            session=session, actor=world.coordinator, id=iid, data=late, today=date(2027, 2, 1)
        )
    assert by_field(caught.value) == {"hire_date": "internships.error.hire_too_late"}
    with unit_of_work(engine) as session:
        svc.record_followup_hire(
            session=session,
            actor=world.coordinator,
            id=iid,
            data=replace(late, hire_date=date(2026, 10, 1)),
            today=date(2026, 10, 1),
        )
    with unit_of_work(engine) as session:
        i = session.get(Internship, iid)
        assert (i.outcome, i.contract_type, i.hire_date, i.outcome_reason) == (
            InternshipOutcome.HIRED,
            ContractType.APPRENTICESHIP,
            date(2026, 10, 1),
            None,
        )
        assert session.get(Person, pid).status is PersonStatus.HIRED
        # the figures count the hire in the year the internship ended
        figures = overview.centre(
            session=session, actor=world.coordinator, today=date(2026, 12, 31)
        )
        assert figures.hires == 1
    with pytest.raises(ValidationError) as caught, unit_of_work(engine) as session:
        svc.record_followup_hire(
            session=session,
            actor=world.coordinator,
            id=iid,
            data=replace(late, version=i.version, hire_date=date(2026, 10, 2)),
            today=date(2026, 10, 2),
        )
    assert caught.value.message == "internships.error.followup_not_allowed"


# =========================================================================== edit, conflicts
def test_extension_follows_the_same_rules_and_the_version(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "aldo")
    iid = start(engine, world, person_id=pid, company_id=world.small_id)
    d = detail(engine, world, iid)
    base = dict(
        start_date=d.start_date,
        weekly_hours=d.weekly_hours,
        monthly_allowance=d.monthly_allowance,
        meal_vouchers=d.meal_vouchers,
        company_tutor_name=d.company_tutor_name,
        centre_tutor_id=d.centre_tutor_id,
        funding_stream=d.funding_stream,
    )
    with pytest.raises(ValidationErrors) as caught, unit_of_work(engine) as session:
        svc.update(
            session=session,
            actor=world.coordinator,
            id=iid,
            data=svc.UpdateInput(version=d.version, planned_end_date=date(2026, 12, 1), **base),
            today=TODAY,
        )
    assert by_field(caught.value) == {"planned_end_date": "internships.error.too_long"}
    # the internship does not count against its own company's quota of one
    with unit_of_work(engine) as session:
        svc.update(
            session=session,
            actor=world.coordinator,
            id=iid,
            data=svc.UpdateInput(version=d.version, planned_end_date=date(2026, 11, 30), **base),
            today=TODAY,
        )
    with unit_of_work(engine) as session:
        assert session.get(Internship, iid).planned_end_date == date(2026, 11, 30)
        activity = session.scalar(select(PathActivity).where(PathActivity.internship_id == iid))
        assert activity.due_date == date(2026, 11, 30)
    with pytest.raises(Conflict), unit_of_work(engine) as session:
        svc.update(
            session=session,
            actor=world.coordinator,
            id=iid,
            data=svc.UpdateInput(version=d.version, planned_end_date=date(2026, 10, 30), **base),
            today=TODAY,
        )
    with pytest.raises(Conflict), unit_of_work(engine) as session:
        svc.close(
            session=session,
            actor=world.coordinator,
            id=iid,
            data=OutcomeInput(
                version=d.version,
                outcome=InternshipOutcome.INTERRUPTED,
                end_date=TODAY,
                reason="x",
            ),
            today=TODAY,
        )


def test_two_users_closing_from_the_same_page_the_second_gets_a_conflict(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "bice")
    iid = start(engine, world, person_id=pid)
    version = detail(engine, world, iid).version
    data = OutcomeInput(
        version=version, outcome=InternshipOutcome.INTERRUPTED, end_date=TODAY, reason="Rinuncia"
    )
    with unit_of_work(engine) as one:
        svc.close(session=one, actor=world.coordinator, id=iid, data=data, today=TODAY)
    with pytest.raises(Conflict), unit_of_work(engine) as two:
        svc.close(session=two, actor=world.coordinator, id=iid, data=data, today=TODAY)


def test_concurrent_writes_on_the_same_loaded_row_conflict(engine, world):
    """The ORM's version column catches a write that raced past the explicit comparison."""
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "carlo")
    iid = start(engine, world, person_id=pid)
    version = detail(engine, world, iid).version
    with pytest.raises(Conflict), unit_of_work(engine) as slow:
        internship = slow.get(Internship, iid)  # loaded at `version`
        assert internship.version == version
        with unit_of_work(engine) as fast:
            svc.record_attendance(
                session=fast,
                actor=world.coordinator,
                id=iid,
                version=version,
                percents={date(2026, 6, 1): 100},
                today=TODAY,
            )
        internship.company_tutor_name = "Altro tutor"


# =========================================================================== permissions
def test_tutors_cannot_start_or_close(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "dino")
    with pytest.raises(PermissionDenied), unit_of_work(engine) as session:
        svc.start(session=session, actor=world.tutor, data=terms(world, person_id=pid), today=TODAY)
    iid = start(engine, world, person_id=pid)
    with pytest.raises(PermissionDenied), unit_of_work(engine) as session:
        svc.close(
            session=session,
            actor=world.tutor,
            id=iid,
            data=OutcomeInput(version=1, outcome=InternshipOutcome.INTERRUPTED),
            today=TODAY,
        )


# =========================================================================== lists
def test_lists_by_view_company_tutor_and_name(engine, world):
    with unit_of_work(engine) as session:
        names = ["ada", "bea", "cia", "dea"]
        ids = {n: add_person(session, world, n) for n in names}
        other = add_company(session, "Seconda", 40)
    # ada: ends in 10 days; bea: ended 5 days ago without outcome; cia: completed; dea: long one
    a = start(
        engine,
        world,
        TODAY - timedelta(days=30),
        person_id=ids["ada"],
        start_date=TODAY - timedelta(days=50),
        planned_end_date=TODAY + timedelta(days=10),
    )
    with unit_of_work(engine) as session:
        svc.start(
            session=session,
            actor=world.coordinator,
            data=terms(
                world,
                person_id=ids["bea"],
                start_date=TODAY - timedelta(days=70),
                planned_end_date=TODAY - timedelta(days=5),
            ),
            today=TODAY - timedelta(days=60),
        )
    c = start(engine, world, person_id=ids["cia"], company_id=other)
    close(
        engine,
        world,
        c,
        outcome=InternshipOutcome.INTERRUPTED,
        end_date=TODAY,
        reason="Rinuncia",
    )
    d = start(
        engine,
        world,
        person_id=ids["dea"],
        company_id=other,
        centre_tutor_id=world.other_tutor.id,
    )

    def listed(**kw) -> list[str]:
        with unit_of_work(engine) as session:
            page = svc.list_(
                session=session, actor=world.tutor, filters=ListFilters(**kw), today=TODAY
            )
        return [r.person_name.split()[0] for r in page.rows]

    assert listed(view=ListView.ACTIVE) == ["Bea", "Ada", "Dea"]  # by planned end
    assert listed(view=ListView.ENDING_SOON) == ["Ada"]
    assert listed(view=ListView.MISSING_OUTCOME) == ["Bea"]
    assert listed(view=ListView.ENDED) == ["Cia"]
    assert listed(view=ListView.ALL, company_id=other) == ["Dea", "Cia"]  # latest start first
    assert listed(view=ListView.ACTIVE, tutor_id=world.other_tutor.id) == ["Dea"]
    assert listed(view=ListView.ALL, text="ADA prova") == ["Ada"]
    assert listed(view=ListView.ALL, text="second") == ["Dea", "Cia"]
    assert listed(view=ListView.ALL, text="100%") == []
    with unit_of_work(engine) as session:
        n = svc.counts(session=session, actor=world.coordinator, today=TODAY)
        mine = svc.counts(
            session=session, actor=world.coordinator, tutor_id=world.other_tutor.id, today=TODAY
        )
        companies = svc.by_company(session=session, actor=world.coordinator, today=TODAY)
        tutors = svc.by_tutor(session=session, actor=world.coordinator, today=TODAY)
        paged = svc.list_(
            session=session,
            actor=world.coordinator,
            filters=ListFilters(view=ListView.ALL),
            page=2,
            page_size=3,
            today=TODAY,
        )
    assert (n.active, n.ending_soon, n.missing_outcome) == (3, 1, 1)
    assert (mine.active, mine.ending_soon, mine.missing_outcome) == (1, 0, 0)
    assert [(g.name, g.active, g.ending_soon, g.missing_outcome, g.quota) for g in companies] == [
        ("Trattoria Prova", 2, 1, 1, 2),
        ("Seconda", 1, 0, 0, 4),
    ]
    assert [(g.name, g.active) for g in tutors] == [("Tutor Uno", 2), ("Tutor Due", 1)]
    assert (paged.total, paged.pages, paged.page, len(paged.rows)) == (4, 2, 2, 1)
    assert a and d


def test_list_shows_last_attendance_and_checks(engine, world):
    with unit_of_work(engine) as session:
        pid = add_person(session, world, "elsa")
    begin = TODAY - timedelta(days=40)
    iid = start(
        engine,
        world,
        TODAY - timedelta(days=20),
        person_id=pid,
        start_date=begin,
        planned_end_date=begin + timedelta(days=90),
    )
    v = detail(engine, world, iid).version
    with unit_of_work(engine) as session:
        svc.record_attendance(
            session=session,
            actor=world.coordinator,
            id=iid,
            version=v,
            percents={date(2026, 4, 1): 100, date(2026, 5, 1): 85},
            today=TODAY,
        )
    with unit_of_work(engine) as session:
        row = svc.list_(session=session, actor=world.tutor, today=TODAY).rows[0]
    assert (row.last_attendance_month, row.last_attendance_percent, row.checks) == (
        date(2026, 5, 1),
        85,
        0,
    )


def test_options_for_the_start_form(engine, world):
    with unit_of_work(engine) as session:
        busy = add_person(session, world, "ivo")
        add_person(session, world, "ivana")
        add_person(session, world, "ivan", pact=False)
        add_person(session, world, "iris", status=PersonStatus.CLOSED)
    start(engine, world, person_id=busy, company_id=world.small_id)
    with unit_of_work(engine) as session:
        people = svc.person_options(session=session, actor=world.coordinator, text="iv")
        companies = svc.company_options(session=session, actor=world.coordinator, today=TODAY)
        tutors = svc.tutor_options(session=session, actor=world.coordinator)
    assert sorted((p.name.split()[0], p.in_internship) for p in people) == [
        ("Ivana", False),
        ("Ivo", True),
    ]
    by_name = {c.name: c for c in companies}
    assert by_name["Bottega Piccola"].hosted_today == 1 and by_name["Bottega Piccola"].quota == 1
    assert by_name["Senza Convenzione srl"].convention_until is None
    assert companies[-1].name == "Senza Convenzione srl"  # without a convention: last
    assert [t.label for t in tutors] == ["Coord", "Tutor Due", "Tutor Uno"]


# =========================================================================== settings
def test_rules_read_the_demo_keys_and_ignore_bad_values(engine, world):
    with unit_of_work(engine) as session:
        set_setting(session, "internship.max_months", 5)
        set_setting(session, "internship.min_monthly_allowance_meal_vouchers", 420)
        set_setting(session, "internship.full_allowance_min_attendance_percent", "ottanta")
        set_setting(session, "internship.disadvantaged_fragilities", ["disability", "over_45"])
        set_setting(session, "internship.host_quota", {"micro_quota": 1})  # companies' key
        rule = svc.rules(session=session)
    assert rule.max_months == 5
    assert rule.min_monthly_allowance_meal_vouchers == Decimal(420)
    assert rule.full_allowance_min_attendance_percent == 80
    assert rule.disadvantaged_fragilities == (FragilityMarker.DISABILITY, FragilityMarker.OVER_45)
