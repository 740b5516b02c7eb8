"""The figures on each role's home page, aggregated in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from fleming.actor import Actor
from fleming.models import (
    ActivityStatus,
    Company,
    CompanyStatus,
    Internship,
    InternshipOutcome,
    InternshipStatus,
    PathActivity,
    Person,
    PersonStatus,
    Role,
    ShortlistShare,
    TutoringMeeting,
    User,
    Vacancy,
    VacancyStatus,
)
from fleming.permissions import authorize

NOT_SEEN_DAYS = 30


@dataclass(frozen=True)
class CentreOverview:
    year: int
    people_in_path: int
    people_in_internship: int
    internships_started: int
    internships_ended: int
    hires: int
    active_companies: int
    open_vacancies: int

    @property
    def hire_rate(self) -> float | None:
        return self.hires / self.internships_ended if self.internships_ended else None


def centre(*, session: Session, actor: Actor, today: date | None = None) -> CentreOverview:
    """This calendar year at the centre: people, internships, hires, companies, vacancies."""
    authorize(session=session, actor=actor, operation="overview.centre")
    today = today or date.today()
    start = date(today.year, 1, 1)
    people = session.execute(
        select(
            func.count().filter(Person.status.in_([PersonStatus.ACTIVE, PersonStatus.INTERNSHIP])),
            func.count().filter(Person.status == PersonStatus.INTERNSHIP),
        )
    ).one()
    ended = Internship.actual_end_date.between(start, today)
    interns = session.execute(
        select(
            func.count().filter(Internship.start_date.between(start, today)),
            func.count().filter(and_(ended, Internship.status != InternshipStatus.ACTIVE)),
            func.count().filter(and_(ended, Internship.outcome == InternshipOutcome.HIRED)),
        )
    ).one()
    companies = session.scalar(
        select(func.count()).select_from(Company).where(Company.status == CompanyStatus.ACTIVE)
    )
    vacancies = session.scalar(
        select(func.count())
        .select_from(Vacancy)
        .where(Vacancy.status.in_(VacancyStatus.RECRUITING))
    )
    return CentreOverview(
        year=today.year,
        people_in_path=people[0],
        people_in_internship=people[1],
        internships_started=interns[0],
        internships_ended=interns[1],
        hires=interns[2],
        active_companies=companies or 0,
        open_vacancies=vacancies or 0,
    )


@dataclass(frozen=True)
class CaseloadRow:
    person_id: int
    name: str
    status: PersonStatus
    last_meeting: date | None
    overdue_activities: int


@dataclass(frozen=True)
class Caseload:
    by_status: dict[PersonStatus, int]
    attention: list[CaseloadRow]  # not seen for NOT_SEEN_DAYS or with overdue activities
    not_seen_days: int


def caseload(
    *, session: Session, actor: Actor, today: date | None = None, limit: int = 15
) -> Caseload:
    """The actor's own people (a tutor's caseload): counts by status and who needs attention."""
    authorize(session=session, actor=actor, operation="overview.caseload")
    today = today or date.today()
    counts = dict(
        session.execute(
            select(Person.status, func.count())
            .where(Person.tutor_id == actor.id)
            .group_by(Person.status)
        ).all()
    )
    last_meeting = (
        select(TutoringMeeting.person_id, func.max(TutoringMeeting.met_on).label("last"))
        .group_by(TutoringMeeting.person_id)
        .subquery()
    )
    overdue = (
        select(PathActivity.person_id, func.count().label("n"))
        .where(
            PathActivity.due_date < today,
            PathActivity.status.in_([ActivityStatus.PLANNED, ActivityStatus.IN_PROGRESS]),
        )
        .group_by(PathActivity.person_id)
        .subquery()
    )
    cutoff = today - timedelta(days=NOT_SEEN_DAYS)
    overdue_n = func.coalesce(overdue.c.n, 0)
    rows = session.execute(
        select(
            Person.id,
            Person.first_name,
            Person.last_name,
            Person.status,
            last_meeting.c.last,
            overdue_n,
        )
        .outerjoin(last_meeting, last_meeting.c.person_id == Person.id)
        .outerjoin(overdue, overdue.c.person_id == Person.id)
        .where(
            Person.tutor_id == actor.id,
            Person.status.in_(PersonStatus.OPEN_CASE),
            or_(last_meeting.c.last.is_(None), last_meeting.c.last < cutoff, overdue_n > 0),
        )
        .order_by(
            overdue_n.desc(),
            case((last_meeting.c.last.is_(None), 0), else_=1),
            last_meeting.c.last,
        )
        .limit(limit)
    ).all()
    return Caseload(
        by_status={s: counts.get(s, 0) for s in PersonStatus},
        attention=[
            CaseloadRow(pid, f"{first} {last}", PersonStatus(status), seen, n)
            for pid, first, last, status, seen, n in rows
        ],
        not_seen_days=NOT_SEEN_DAYS,
    )


@dataclass(frozen=True)
class PartnerOverview:
    organisation: str
    referred_by_status: dict[PersonStatus, int]
    shared_shortlists: int


def partner(*, session: Session, actor: Actor) -> PartnerOverview:
    """For a partner user: only their own organisation's figures, never anyone's details."""
    authorize(session=session, actor=actor, operation="overview.partner")
    org = actor.partner_org_id
    counts = dict(
        session.execute(
            select(Person.status, func.count())
            .where(Person.referral_partner_id == org)
            .group_by(Person.status)
        ).all()
    )
    shares = session.scalar(
        select(func.count(func.distinct(ShortlistShare.vacancy_id))).where(
            ShortlistShare.partner_org_id == org, ShortlistShare.revoked_at.is_(None)
        )
    )
    return PartnerOverview(
        organisation=actor.partner_org_name or "",
        referred_by_status={s: counts.get(s, 0) for s in PersonStatus},
        shared_shortlists=shares or 0,
    )


@dataclass(frozen=True)
class AccountsOverview:
    by_role: dict[Role, int]
    locked: int
    inactive: int


def accounts(*, session: Session, actor: Actor) -> AccountsOverview:
    authorize(session=session, actor=actor, operation="overview.accounts")
    from fleming.models import utcnow

    by_role = dict(
        session.execute(
            select(User.role, func.count()).where(User.active).group_by(User.role)
        ).all()
    )
    locked = session.scalar(
        select(func.count()).select_from(User).where(User.locked_until > utcnow())
    )
    inactive = session.scalar(select(func.count()).select_from(User).where(~User.active))
    return AccountsOverview(
        by_role={r: by_role.get(r, 0) for r in Role}, locked=locked or 0, inactive=inactive or 0
    )
