"""``python -m fleming bench``: how Fleming performs at decade scale, as ratios measured in one run.

Every figure is a median over ``repeat`` runs and stands next to its floor, measured in the same
process on the same database, so the ratio holds whatever the machine's load:

1. **matching** — rank all people for 20 vacancies with the vectorised ranking
   (``matching.rank_people``: its SQL and the scoring) against
   ``matching_reference.rank_loop_reference``, the straightforward per-person loop over ORM
   objects; both must give the same scores. Also the scoring step alone (``score_arrays`` +
   order on the matrices read from the database).
2. **pages** — every page of the app for every role, run with ``streamlit.testing.v1.AppTest``:
   the median script run on the data against the same page on an empty database (accounts and
   reference data only), the re-runs of a session after its first run; the first run (cold:
   empty caches, first queries) is reported beside them.
3. **KPIs** — every KPI query (``fleming.kpi``) against the same aggregate written as one raw
   SQL statement, run on the same connection; the two must give the same numbers. The KPI's
   queries are the statements one call of the KPI function sends, replayed as they were sent
   (the target's ratio); the whole function (permission check, frame, validation) is timed too.
4. **people register** — search and pagination (``people.list_``) at scale, against the empty
   database.
5. all of it on PostgreSQL when ``--database-url`` points to one.

The peak memory (RSS) of the process is reported too. The targets (issue "Performance at decade
scale") are printed next to the figures; they are goals, not asserts: ``docs/performance.md``
keeps the latest table and explains any target not met.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from fleming import kpi, matching, people, reference
from fleming.actor import Actor
from fleming.devtools import demo, matching_reference
from fleming.models import Person, Role, User, Vacancy, VacancyStatus

# targets of the issue
RANK_MS = 50.0
RANK_SPEEDUP = 20.0
PAGE_MS = 300.0
PAGE_RATIO = 2.0
KPI_RATIO = 2.0
RSS_MB = 1024.0

DEMO_USERS = {
    Role.ADMIN: "admin",
    Role.COORDINATOR: "coordinatore",
    Role.TUTOR: "tutor",
    Role.PARTNER: "partner",
}
EMPTY_SCHEMA = "fleming_bench_empty"  # PostgreSQL: the empty database is a schema beside it

Say = Callable[[str], None]


# =========================================================================== timing
def median_ms(fn: Callable[[], Any], repeat: int, *, warm: bool = True) -> float:
    """The median wall time of ``fn()`` over ``repeat`` runs (after one warm-up run)."""
    if warm:
        fn()
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def peak_rss_mb() -> float:
    """The peak resident set size of this process so far (MiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


def _ratio(value: float, floor: float) -> float:
    return value / floor if floor > 0 else float("inf")


# =========================================================================== databases
def _counts(engine: Engine) -> dict[str, int]:
    from fleming.models import Base

    with engine.connect() as conn:
        return {
            t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


def prepare(url: str, scale: float | str, *, say: Say) -> tuple[Engine, bool]:
    """The demo data at ``scale`` in ``url``: reused when already there, else generated (a
    database holding anything but demo data is refused). Returns the engine and whether the
    data were generated now."""
    from fleming.db import get_engine, migrate

    volumes = demo.volumes_for(scale)
    migrate(url)
    engine = get_engine(url)
    with engine.connect() as conn:
        persons = conn.scalar(select(func.count()).select_from(Person)) or 0
        users = conn.scalar(select(func.count()).select_from(User)) or 0
    if demo.has_demo_data(engine) and persons == volumes.people:
        say(f"reusing the demo data in {_safe(url)} ({persons:,} people)")
        return engine, False
    if (persons or users) and not demo.has_demo_data(engine):
        raise ValueError(
            f"{_safe(url)} holds data that is not demo data: give the bench its own database"
        )
    say(f"generating the demo data at scale {scale} in {_safe(url)} ...")
    start = time.perf_counter()
    demo.generate(engine, scale=scale, reset=bool(persons or users), progress=_progress(say))
    say(f"generated in {time.perf_counter() - start:.0f} s")
    return engine, True


def _progress(say: Say) -> Callable[[float, str], None]:
    def report(fraction: float, label: str) -> None:
        say(f"  {fraction:4.0%} {label}")

    return report


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def empty_database(url: str) -> Iterator[str]:
    """A database like ``url``'s (same dialect) with the schema, the reference data and the demo
    accounts only: the floor of the page timings. SQLite: a temporary file; PostgreSQL: the
    schema ``fleming_bench_empty`` of the same database (dropped afterwards)."""
    from sqlalchemy.engine import make_url

    from fleming.db import get_engine, migrate

    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        admin = get_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {EMPTY_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {EMPTY_SCHEMA}"))
        query = dict(parsed.query)
        query["options"] = f"-csearch_path={EMPTY_SCHEMA}"
        empty_url = parsed.set(query=query).render_as_string(hide_password=False)
        try:
            migrate(empty_url)
            demo.accounts_only(get_engine(empty_url))
            yield empty_url
        finally:
            get_engine(empty_url).dispose()
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {EMPTY_SCHEMA} CASCADE"))
        return
    with tempfile.TemporaryDirectory(prefix="fleming-bench-") as folder:
        empty_url = f"sqlite:///{folder}/empty.sqlite"
        migrate(empty_url)
        demo.accounts_only(get_engine(empty_url))
        try:
            yield empty_url
        finally:
            get_engine(empty_url).dispose()


def _actor(session: Session, username: str) -> Actor:
    from fleming.auth import get_actor

    return get_actor(session=session, username=username)


# =========================================================================== 1. matching
@dataclass
class MatchingResult:
    vacancies: int
    people: int
    rank_ms: float  # median per vacancy: rank_people, SQL included
    rank_cold_ms: float  # the first ranking of the run
    scoring_ms: float  # median per vacancy: score_arrays + order on the loaded matrices
    loop_vacancies: int
    loop_ms: float  # median per vacancy: rank_loop_reference
    speedup: float
    agree: bool
    max_score_diff: float
    per_vacancy_ms: list[float] = field(default_factory=list)


def bench_matching(
    engine: Engine, *, repeat: int, n_vacancies: int = 20, loop_vacancies: int | None, say: Say
) -> MatchingResult:
    from fleming.db import unit_of_work

    today = date.today()
    with unit_of_work(engine) as session:
        actor = _actor(session, DEMO_USERS[Role.COORDINATOR])
        ids = list(
            session.scalars(
                select(Vacancy.id)
                .order_by(Vacancy.status.in_(VacancyStatus.RECRUITING).desc())
                .order_by(Vacancy.created_on.desc(), Vacancy.id.desc())
                .limit(n_vacancies)
            )
        )
        weights = matching.load_weights(session)
        n_people = session.scalar(
            select(func.count()).select_from(Person).where(Person.anonymised_at.is_(None))
        )
    if loop_vacancies is None:
        loop_vacancies = len(ids) if (n_people or 0) <= 5_000 else 3
    per_vacancy, scoring, rankings = [], [], {}
    cold = None
    for i, vid in enumerate(ids):
        with unit_of_work(engine) as session:

            def rank(session=session, vid=vid):
                return matching.rank_people(
                    session=session, actor=actor, vacancy_id=vid, today=today, weights=weights
                )

            if cold is None:
                start = time.perf_counter()
                rank()
                cold = (time.perf_counter() - start) * 1000
            per_vacancy.append(median_ms(rank, repeat))
            rankings[vid] = rank()
            scoring.append(_scoring_ms(session, vid, weights, today, repeat))
        say(f"  vacancy {i + 1}/{len(ids)}: {per_vacancy[-1]:.0f} ms")
    loops, diffs, agree = [], [], True
    for i, vid in enumerate(ids[:loop_vacancies]):
        with unit_of_work(engine) as session:
            start = time.perf_counter()
            ref = matching_reference.rank_loop_reference(
                session=session, vacancy_id=vid, weights=weights, today=today
            )
            loops.append((time.perf_counter() - start) * 1000)
        ok, diff = _same_scores(rankings[vid].frame, ref)
        agree &= ok
        diffs.append(diff)
        say(f"  loop {i + 1}/{loop_vacancies}: {loops[-1]:.0f} ms, agree: {ok}")
    rank_ms = statistics.median(per_vacancy) if per_vacancy else float("nan")
    loop_ms = statistics.median(loops) if loops else float("nan")
    return MatchingResult(
        vacancies=len(ids),
        people=int(n_people or 0),
        rank_ms=rank_ms,
        rank_cold_ms=cold or float("nan"),
        scoring_ms=statistics.median(scoring) if scoring else float("nan"),
        loop_vacancies=len(loops),
        loop_ms=loop_ms,
        speedup=_ratio(loop_ms, rank_ms),
        agree=agree and bool(loops),
        max_score_diff=max(diffs) if diffs else float("nan"),
        per_vacancy_ms=per_vacancy,
    )


def _scoring_ms(session: Session, vid: int, weights, today: date, repeat: int) -> float:
    """The vectorised step alone: score and order the people already read from the database."""
    vacancy = matching.vacancy_summary(session, vid)
    frame = matching._people_frame(session, trade_id=vacancy.trade_id)
    comp_ids = [r.competence_id for r in vacancy.requirements]
    levels = matching.level_matrix(session, frame["person_id"].to_numpy(), comp_ids)
    inputs = {
        "levels": levels,
        "min_level": np.array([r.min_level for r in vacancy.requirements], dtype=float),
        "essential": np.array([r.essential for r in vacancy.requirements], dtype=bool),
        "italian_gap": frame["italian_level"].map(matching.CEFR_RANK).to_numpy(dtype=np.int64)
        - matching.CEFR_RANK[vacancy.min_italian_level],
        "workshop": frame["workshop"].to_numpy(dtype=bool),
        "distance": matching._distance_classes(
            frame["municipality_code"], vacancy.municipality_code
        ),
        "waiting_days": matching._waiting_days(frame["intake_date"], today),
        "blocked": matching._person_blocks(frame, today),
        "person_id": frame["person_id"].to_numpy(),
    }
    return median_ms(lambda: matching_reference.rank_arrays(inputs, weights), repeat)


def _same_scores(vectorised, loop) -> tuple[bool, float]:
    """Same people, same exclusions, scores within 1e-9."""
    a = vectorised.set_index("person_id").sort_index()
    b = loop.set_index("person_id").sort_index()
    if not a.index.equals(b.index):
        return False, float("inf")
    diff = float(np.max(np.abs(a["score"].to_numpy() - b["score"].to_numpy()), initial=0.0))
    same_excluded = bool((a["excluded"].to_numpy() == b["excluded"].to_numpy()).all())
    return same_excluded and diff < 1e-9, diff


# =========================================================================== 2. pages
@dataclass
class PageResult:
    script: str
    role: str
    median_ms: float  # re-runs of the session after its first run
    empty_ms: float
    ratio: float
    first_ms: float  # the session's first run of the page (warm-up, cold caches)
    empty_first_ms: float
    error: str | None


def bench_pages(
    url: str,
    empty_url: str,
    *,
    repeat: int,
    say: Say,
    scripts: tuple[str, ...] | None = None,
) -> list[PageResult]:
    from fleming.devtools.page_bench import time_page_pairs

    say("pages, each on the empty database and then on the data ...")
    pairs = time_page_pairs(
        url,
        empty_url,
        DEMO_USERS,
        repeat=repeat,
        progress=lambda s: say(f"  {s}"),
        scripts=scripts,
    )
    out = []
    for floor, p in pairs:
        out.append(
            PageResult(
                script=p.script,
                role=p.role,
                median_ms=p.median_ms,
                empty_ms=floor.median_ms,
                ratio=_ratio(p.median_ms, floor.median_ms),
                first_ms=p.first_ms,
                empty_first_ms=floor.first_ms,
                error=p.error,
            )
        )
    return out


# =========================================================================== 3. KPIs
@dataclass
class KpiResult:
    kpi: str
    period: str
    function_ms: float  # median of the whole kpi.compute call (permission, SQL, frame, validation)
    queries_ms: float  # median of replaying the statements that one call sent, rows fetched
    statements: int  # how many statements one call sends
    raw_ms: float  # median of the same aggregate as one raw SQL statement, rows fetched
    queries_ratio: float  # queries_ms / raw_ms: the target's ratio
    function_ratio: float  # function_ms / raw_ms: informative (fixed Python cost included)
    agree: bool


Captured = list[tuple[str, Any]]


def captured_statements(engine: Engine, call: Callable[[], Any]) -> Captured:
    """The statements ``call()`` sends to ``engine``'s cursors, with their parameters as the
    DBAPI received them (its own parameter style), in order."""
    from sqlalchemy import event

    sent: Captured = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if executemany:
            raise ValueError(f"a KPI sent an executemany: {statement[:80]}")
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return sent


def replay(conn, statements: Captured) -> int:
    """Run ``statements`` as they were sent (driver SQL, driver parameters) on ``conn`` and fetch
    every row; the number of rows fetched."""
    rows = 0
    for statement, parameters in statements:
        result = conn.exec_driver_sql(statement, parameters)
        if result.returns_rows:
            rows += len(result.fetchall())
    return rows


def bench_kpis(engine: Engine, *, repeat: int, say: Say) -> list[KpiResult]:
    """Each KPI three ways on one connection: the whole function, the statements it sends
    (captured during one call, then replayed as driver SQL: what the KPI asks of the database)
    and the same aggregate as one raw SQL statement. The target compares the last two; the
    function's time is kept next to them, its surplus being the fixed Python cost of the
    permission check, the frame and its validation."""
    from fleming.db import unit_of_work

    today = date.today()
    with unit_of_work(engine) as session:
        first = session.scalar(select(func.min(Person.intake_date))) or today
    periods = {
        "year": kpi.KpiFilters.year(today.year),  # what the dashboard opens on
        "all": kpi.KpiFilters(kpi._as_date(first), today),  # the whole history
    }
    out = []
    for period, filters in periods.items():
        for name in KPI_RAW:
            with unit_of_work(engine) as session:
                actor = _actor(session, DEMO_USERS[Role.COORDINATOR])

                def call(actor=actor, session=session, name=name, filters=filters):
                    return kpi.compute(name, session=session, actor=actor, filters=filters)

                frame = call()
                sql, params = raw_kpi_sql(name, session.get_bind().dialect.name, filters)
                conn = session.connection()
                rows = conn.execute(text(sql), params).all()
                agree = KPI_RAW[name](frame, rows)
                sent = captured_statements(session.get_bind(), call)  # a warm call's statements
                ms = median_ms(call, repeat)
                queries = median_ms(lambda conn=conn, sent=sent: replay(conn, sent), repeat)
                raw = median_ms(
                    lambda conn=conn, sql=sql, params=params: conn.execute(text(sql), params).all(),
                    repeat,
                )
            out.append(
                KpiResult(
                    kpi=name,
                    period=period,
                    function_ms=ms,
                    queries_ms=queries,
                    statements=len(sent),
                    raw_ms=raw,
                    queries_ratio=_ratio(queries, raw),
                    function_ratio=_ratio(ms, raw),
                    agree=agree,
                )
            )
            say(
                f"  {name} ({period}): function {ms:.1f} ms, its {len(sent)} queries "
                f"{queries:.1f} ms, raw {raw:.1f} ms, agree: {agree}"
            )
    return out


def _d(dialect: str) -> dict[str, Callable[..., str]]:
    """The few spellings that differ between SQLite and PostgreSQL."""
    if dialect == "postgresql":
        return {
            "month": lambda c: f"to_char({c}, 'YYYY-MM')",
            "year": lambda c: f"to_char({c}, 'YYYY')",
            "quarter": lambda c: f"to_char({c}, 'YYYY-\"Q\"Q')",
            "days": lambda a, b: f"(CAST({a} AS date) - CAST({b} AS date))",
        }
    return {
        "month": lambda c: f"strftime('%Y-%m', {c})",
        "year": lambda c: f"strftime('%Y', {c})",
        "quarter": lambda c: (
            f"strftime('%Y', {c}) || '-Q' || ((CAST(strftime('%m', {c}) AS INTEGER) + 2) / 3)"
        ),
        "days": lambda a, b: f"CAST(julianday({a}) - julianday({b}) AS INTEGER)",
    }


ENDED_SQL = "i.status IN ('completed', 'interrupted') AND i.actual_end_date BETWEEN :start AND :end"
HIRED = "CASE WHEN i.outcome = 'hired' THEN 1 ELSE 0 END"


def _gap_ctes(dialect: str) -> str:
    return """
requirements AS (
  SELECT v.id AS vacancy_id, v.trade_id, v.positions, vc.competence_id, vc.min_level AS level
  FROM vacancies v JOIN vacancy_competences vc ON vc.vacancy_id = v.id
  WHERE v.status IN ('open', 'shortlisting') AND v.created_on BETWEEN :since AND :ref),
latest AS (
  SELECT r.person_id, r.competence_id, r.level,
         row_number() OVER (PARTITION BY r.person_id, r.competence_id
                            ORDER BY r.rated_on DESC, r.id DESC) AS rn
  FROM competence_ratings r JOIN people p ON p.id = r.person_id
  WHERE r.rated_on <= :ref AND p.status IN ('intake', 'active')),
demand AS (
  SELECT competence_id, level, count(DISTINCT vacancy_id) AS vacancies,
         sum(positions) AS positions
  FROM requirements GROUP BY competence_id, level),
supply AS (
  SELECT d.competence_id, d.level, count(l.person_id) AS holders
  FROM demand d LEFT JOIN latest l
    ON l.rn = 1 AND l.competence_id = d.competence_id AND l.level >= d.level
  GROUP BY d.competence_id, d.level)"""


def raw_kpi_sql(name: str, dialect: str, filters: kpi.KpiFilters) -> tuple[str, dict]:
    """The aggregate behind KPI ``name`` as one hand-written SQL statement, and its parameters."""
    d = _d(dialect)
    ref = filters.reference_day()
    params: dict[str, Any] = {
        "start": filters.start,
        "end": filters.end,
        "ref": ref,
        "since": kpi._months_back(ref, 6),
        "last": max(filters.start, ref),
        "cutoff": ref - timedelta(days=int(kpi.DEFAULTS[kpi.NOT_SEEN_DAYS_KEY])),
    }
    if dialect == "sqlite":  # dates are stored as ISO text
        params = {k: v.isoformat() for k, v in params.items()}
    internships = "FROM internships i JOIN people p ON p.id = i.person_id"
    if name == "internships_by_month":
        sql = f"""SELECT {d["month"]("i.start_date")} AS month, count(*) {internships}
            WHERE i.start_date BETWEEN :start AND :end GROUP BY 1 ORDER BY 1"""
    elif name == "internships_by_year":
        sql = f"""SELECT {d["year"]("i.start_date")}, count(*) {internships}
            WHERE i.start_date BETWEEN :start AND :end GROUP BY 1 ORDER BY 1"""
    elif name == "hire_outcomes":
        sql = f"""SELECT {d["quarter"]("i.actual_end_date")}, count(*), sum({HIRED}),
              sum(CASE WHEN i.outcome = 'not_hired' THEN 1 ELSE 0 END),
              sum(CASE WHEN i.outcome = 'interrupted' THEN 1 ELSE 0 END)
            {internships} WHERE {ENDED_SQL} GROUP BY 1 ORDER BY 1"""
    elif name == "contract_mix":
        sql = f"""SELECT i.contract_type, count(*) {internships}
            WHERE {ENDED_SQL} AND i.outcome = 'hired' GROUP BY i.contract_type"""
    elif name == "foreign_interns":
        sql = """SELECT p.sex, count(*), sum(CASE WHEN p.citizenship <> 'IT' THEN 1 ELSE 0 END)
            FROM people p WHERE p.id IN (SELECT person_id FROM internships
                                         WHERE start_date BETWEEN :start AND :end)
            GROUP BY p.sex"""
    elif name == "funnel":
        sql = _funnel_sql(dialect, d)
    elif name == "caseload":
        sql = """SELECT u.id, count(*),
              sum(CASE WHEN lm.d IS NULL OR lm.d < :cutoff THEN 1 ELSE 0 END)
            FROM people p JOIN users u ON u.id = p.tutor_id
            LEFT JOIN (SELECT person_id, max(met_on) AS d FROM tutoring_meetings
                       WHERE met_on <= :ref GROUP BY person_id) lm ON lm.person_id = p.id
            WHERE p.status IN ('intake', 'active', 'internship') AND p.intake_date <= :ref
            GROUP BY u.id"""
    elif name == "partners_over_time":
        sql = _partners_sql(dialect, d)
    elif name == "hires_by_company":
        sql = f"""SELECT c.id, count(*) AS ended, sum({HIRED}) AS hired {internships}
            JOIN companies c ON c.id = i.company_id WHERE {ENDED_SQL}
            GROUP BY c.id, c.name ORDER BY ended DESC, hired DESC, c.name
            LIMIT {kpi.TOP_COMPANIES}"""
    elif name == "hires_by_sector":
        divisions = {a.code: a.section for a in reference.ateco() if not a.is_section}
        whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in divisions.items())
        sql = f"""SELECT CASE substr(c.ateco_code, 1, 2) {whens} ELSE '?' END AS section,
              count(*), sum({HIRED}) {internships} JOIN companies c ON c.id = i.company_id
            WHERE {ENDED_SQL} GROUP BY 1"""
    elif name == "workshops_by_trade":
        sql = """SELECT t.code, e.n, e.completed, e.withdrawn, h.hours, h.participants
            FROM trades t
            LEFT JOIN (SELECT ed.trade_id, count(*) AS n,
                         sum(CASE WHEN we.status = 'completed' THEN 1 ELSE 0 END) AS completed,
                         sum(CASE WHEN we.status = 'withdrawn' THEN 1 ELSE 0 END) AS withdrawn
                       FROM workshop_enrolments we
                       JOIN workshop_editions ed ON ed.id = we.edition_id
                       JOIN people p ON p.id = we.person_id
                       WHERE ed.end_date BETWEEN :start AND :end GROUP BY ed.trade_id) e
              ON e.trade_id = t.id
            LEFT JOIN (SELECT ed.trade_id, sum(wa.hours) AS hours,
                         count(DISTINCT wa.enrolment_id) AS participants
                       FROM workshop_attendance wa
                       JOIN workshop_sessions ws ON ws.id = wa.session_id
                       JOIN workshop_enrolments we ON we.id = wa.enrolment_id
                       JOIN workshop_editions ed ON ed.id = ws.edition_id
                       JOIN people p ON p.id = we.person_id
                       WHERE ws.session_date BETWEEN :start AND :end GROUP BY ed.trade_id) h
              ON h.trade_id = t.id
            WHERE e.n IS NOT NULL OR h.hours IS NOT NULL"""
    elif name == "competence_gap":
        sql = f"""WITH {_gap_ctes(dialect)},
            per_trade AS (
              SELECT trade_id, competence_id, level, count(DISTINCT vacancy_id) AS vacancies,
                     sum(positions) AS positions
              FROM requirements GROUP BY trade_id, competence_id, level)
            SELECT c.code, pt.level, pt.vacancies, pt.positions, s.holders,
                   pt.positions - s.holders AS gap,
                   sum(pt.positions) OVER (PARTITION BY pt.competence_id, pt.level),
                   row_number() OVER (PARTITION BY pt.trade_id
                     ORDER BY pt.positions - s.holders DESC, pt.vacancies DESC, c.code)
            FROM per_trade pt
            JOIN supply s ON s.competence_id = pt.competence_id AND s.level = pt.level
            JOIN competences c ON c.id = pt.competence_id"""
    elif name == "workshop_suggestion":
        sql = f"""WITH {_gap_ctes(dialect)},
            short AS (
              SELECT s.competence_id, s.level FROM supply s
              JOIN demand d ON d.competence_id = s.competence_id AND d.level = s.level
              WHERE s.holders < d.positions),
            helped AS (
              SELECT DISTINCT c.trade_id, r.vacancy_id, r.positions FROM requirements r
              JOIN short s ON s.competence_id = r.competence_id AND s.level = r.level
              JOIN competences c ON c.id = r.competence_id WHERE c.trade_id IS NOT NULL)
            SELECT t.code, count(h.vacancy_id), coalesce(sum(h.positions), 0),
                   (SELECT count(DISTINCT vacancy_id) FROM requirements)
            FROM helped h JOIN trades t ON t.id = h.trade_id GROUP BY t.code"""
    elif name == "fairness":
        sql = _fairness_sql()
    else:
        raise KeyError(name)
    return sql, params


def _funnel_sql(dialect: str, d) -> str:
    steps = ("intake", "pact", "workshop", "internship", "hire")
    gaps = " UNION ALL ".join(
        f"SELECT '{cur}' AS step, {d['days'](cur, prev)} AS days FROM cohort "
        f"WHERE {prev} IS NOT NULL AND {cur} IS NOT NULL AND {cur} >= {prev}"
        for prev, cur in itertools.pairwise(steps)
    )
    if dialect == "postgresql":
        median = (
            "SELECT step, count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY days) "
            "FROM gaps GROUP BY step"
        )
    else:
        median = """SELECT step, max(n), avg(days) FROM (
              SELECT step, days, row_number() OVER (PARTITION BY step ORDER BY days) AS rn,
                     count(*) OVER (PARTITION BY step) AS n FROM gaps) ranked
            WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY step"""
    return f"""WITH
        pact AS (SELECT person_id AS pid, min(signed_on) AS d FROM service_pacts
                 GROUP BY person_id),
        workshop AS (SELECT person_id AS pid, min(enrolled_on) AS d FROM workshop_enrolments
                     GROUP BY person_id),
        internship AS (SELECT person_id AS pid, min(start_date) AS d FROM internships
                       GROUP BY person_id),
        hire AS (SELECT person_id AS pid, min(hire_date) AS d FROM internships
                 WHERE outcome = 'hired' AND hire_date IS NOT NULL GROUP BY person_id),
        cohort AS (
          SELECT p.id, p.intake_date AS intake, pact.d AS pact, workshop.d AS workshop,
                 internship.d AS internship, hire.d AS hire
          FROM people p
          LEFT JOIN pact ON pact.pid = p.id LEFT JOIN workshop ON workshop.pid = p.id
          LEFT JOIN internship ON internship.pid = p.id LEFT JOIN hire ON hire.pid = p.id
          WHERE p.intake_date BETWEEN :start AND :end),
        gaps AS ({gaps})
        {median}"""


def _partners_sql(dialect: str, d) -> str:
    if dialect == "postgresql":
        months = """months AS (
          SELECT to_char(m, 'YYYY-MM') AS month,
                 CAST(m + interval '1 month' - interval '1 day' AS date) AS last_day
          FROM generate_series(date_trunc('month', CAST(:start AS date)),
                               CAST(:last AS date), interval '1 month') AS m)"""
    else:
        months = """m(first_day) AS (
          SELECT date(:start, 'start of month') UNION ALL
          SELECT date(first_day, '+1 month') FROM m WHERE date(first_day, '+1 month') <= :last),
        months AS (SELECT strftime('%Y-%m', first_day) AS month,
                          date(first_day, '+1 month', '-1 day') AS last_day FROM m)"""
    return f"""WITH RECURSIVE {months},
        active AS (
          SELECT months.month, count(DISTINCT cv.company_id) AS n FROM months
          JOIN conventions cv ON cv.signed_on <= months.last_day
                             AND cv.expires_on >= months.last_day
          GROUP BY months.month),
        first_contact AS (SELECT company_id, min(contacted_on) AS d FROM scouting_log
                          GROUP BY company_id),
        scouted AS (SELECT {d["month"]("d")} AS month, count(*) AS n FROM first_contact
                    WHERE d BETWEEN :start AND :end GROUP BY 1),
        joined AS (SELECT {d["month"]("became_active_on")} AS month, count(*) AS n
                   FROM companies WHERE became_active_on BETWEEN :start AND :end GROUP BY 1)
        SELECT months.month, coalesce(active.n, 0), coalesce(scouted.n, 0),
               coalesce(joined.n, 0)
        FROM months LEFT JOIN active ON active.month = months.month
        LEFT JOIN scouted ON scouted.month = months.month
        LEFT JOIN joined ON joined.month = months.month ORDER BY months.month"""


def _fairness_sql() -> str:
    eu = ", ".join(
        f"'{c.iso2}'"
        for c in sorted(reference.countries(), key=lambda c: c.iso2)
        if c.eu and c.iso2 != "IT"
    )
    return f"""WITH
        ended AS (SELECT i.person_id AS pid, {HIRED} AS v
                  FROM internships i JOIN people p ON p.id = i.person_id WHERE {ENDED_SQL}),
        cohort AS (SELECT p.id AS pid,
                     CASE WHEN EXISTS (SELECT 1 FROM shortlist_entries se
                                       WHERE se.person_id = p.id) THEN 1 ELSE 0 END AS v
                   FROM people p WHERE p.intake_date BETWEEN :start AND :end),
        src AS (SELECT 'hire' AS src, pid, v FROM ended
                UNION ALL SELECT 'list' AS src, pid, v FROM cohort),
        grouped AS (
          SELECT src.src, 'sex' AS dim, p.sex AS grp, src.v FROM src JOIN people p ON p.id = src.pid
          UNION ALL
          SELECT src.src, 'citizenship',
                 CASE WHEN p.citizenship = 'IT' THEN 'italian'
                      WHEN p.citizenship IN ({eu}) THEN 'eu' ELSE 'non_eu' END, src.v
          FROM src JOIN people p ON p.id = src.pid
          UNION ALL
          SELECT src.src, 'protection',
                 CASE WHEN p.legal_status IN ('italian', 'eu_citizen') THEN 'none'
                      WHEN p.legal_status = 'asylum_seeker' THEN 'asylum_seeker'
                      WHEN p.legal_status IN ('international_protection', 'special_protection')
                        THEN 'protection'
                      ELSE 'other_permit' END, src.v
          FROM src JOIN people p ON p.id = src.pid
          UNION ALL
          SELECT src.src, 'fragility', f.marker, src.v
          FROM src JOIN person_fragilities f ON f.person_id = src.pid
          UNION ALL
          SELECT src.src, 'fragility', 'none', src.v FROM src
          WHERE NOT EXISTS (SELECT 1 FROM person_fragilities f WHERE f.person_id = src.pid))
        SELECT src, dim, grp, count(*), sum(v) FROM grouped GROUP BY src, dim, grp"""


# ---- how each KPI frame and its raw rows are compared (the same numbers, not the same shape)
def _pairs(rows, key=0, values=(1,)) -> dict:
    return {str(r[key]): tuple(_num(r[v]) for v in values) for r in rows}


def _num(value) -> float:
    return round(float(value or 0), 6)


def _by(frame, key: str, cols: list[str], skip_zero: bool = True) -> dict:
    out = {}
    for row in frame.itertuples(index=False):
        values = tuple(_num(getattr(row, c)) for c in cols)
        if skip_zero and not any(values):
            continue
        out[str(getattr(row, key))] = values
    return out


def _month_key(value) -> str:
    return f"{value:%Y-%m}"


def _agree_by_month(frame, rows) -> bool:
    got = {_month_key(r.month): (_num(r.started),) for r in frame.itertuples() if r.started}
    return got == _pairs(rows)


def _agree_funnel(frame, rows) -> bool:
    medians = {str(r[0]): _num(r[2]) for r in rows}
    for r in frame.itertuples():
        if r.step == "intake":
            continue
        expected = medians.get(r.step)
        if expected is None:
            if not np.isnan(r.median_days):
                return False
        elif _num(r.median_days) != expected:
            return False
    return True


def _agree_partners(frame, rows) -> bool:
    got = [
        (_month_key(r.month), _num(r.active_partners), _num(r.new_scouted), _num(r.new_partners))
        for r in frame.itertuples()
    ]
    return got == [(str(r[0]), _num(r[1]), _num(r[2]), _num(r[3])) for r in rows]


def _agree_workshops(frame, rows) -> bool:
    cols = ["enrolments", "completed", "withdrawn", "hours_attended", "participants"]
    return _by(frame, "trade", cols, skip_zero=False) == _pairs(rows, 0, (1, 2, 3, 4, 5))


def _agree_gap(frame, rows) -> bool:
    got = sorted(
        (r.competence, int(r.level), int(r.vacancies), int(r.positions), int(r.holders), int(r.gap))
        for r in frame.itertuples()
    )
    return got == sorted(
        (str(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows
    )


def _agree_suggestion(frame, rows) -> bool:
    got = _by(frame, "trade", ["vacancies", "positions", "open_vacancies"], skip_zero=False)
    return got == _pairs(rows, 0, (1, 2, 3))


def _agree_fairness(frame, rows) -> bool:
    raw = {(str(r[0]), str(r[1]), str(r[2])): (_num(r[3]), _num(r[4])) for r in rows}
    for r in frame.itertuples():
        hire = (_num(r.interns_ended), _num(r.hired))
        listed = (_num(r.intake), _num(r.shortlisted))
        if hire != raw.get(("hire", r.dimension, r.group), (0.0, 0.0)):
            return False
        if listed != raw.get(("list", r.dimension, r.group), (0.0, 0.0)):
            return False
    return True


KPI_RAW: dict[str, Callable[[Any, list], bool]] = {
    "internships_by_month": _agree_by_month,
    "internships_by_year": lambda f, rows: (
        _by(f, "year", ["started"]) == {str(int(k)): v for k, v in _pairs(rows).items()}
    ),
    "hire_outcomes": lambda f, rows: (
        _by(f, "quarter", ["ended", "hired", "not_hired", "interrupted"])
        == _pairs(rows, 0, (1, 2, 3, 4))
    ),
    "contract_mix": lambda f, rows: _by(f, "contract_type", ["hires"]) == _pairs(rows),
    "foreign_interns": lambda f, rows: (
        _by(f, "sex", ["interns", "foreign"]) == _pairs(rows, 0, (1, 2))
    ),
    "funnel": _agree_funnel,
    "caseload": lambda f, rows: (
        _by(f, "tutor_id", ["people", "not_seen"]) == _pairs(rows, 0, (1, 2))
    ),
    "partners_over_time": _agree_partners,
    "hires_by_company": lambda f, rows: (
        _by(f, "company_id", ["ended", "hired"]) == _pairs(rows, 0, (1, 2))
    ),
    "hires_by_sector": lambda f, rows: (
        _by(f, "section", ["ended", "hired"]) == _pairs(rows, 0, (1, 2))
    ),
    "workshops_by_trade": _agree_workshops,
    "competence_gap": _agree_gap,
    "workshop_suggestion": _agree_suggestion,
    "fairness": _agree_fairness,
}


# =========================================================================== 4. register
@dataclass
class RegisterResult:
    case: str
    median_ms: float
    empty_ms: float
    total: int


def _register_cases(engine: Engine) -> dict[str, dict]:
    from fleming.db import unit_of_work

    with unit_of_work(engine) as session:
        surname = session.scalar(
            select(Person.last_name).group_by(Person.last_name).order_by(func.count().desc())
        )
        code = session.scalar(select(Person.tax_code).order_by(Person.id.desc()).limit(1))
        total = session.scalar(select(func.count()).select_from(Person)) or 0
    last_page = max(1, -(-total // 25))
    return {
        "first page": {},
        "page 40": {"page": 40},
        "last page": {"page": last_page},
        "surname": {"filters": people.RegisterFilter(text=(surname or "rossi")[:5])},
        "tax code": {"filters": people.RegisterFilter(text=(code or "RSS")[:6])},
        "two words": {"filters": people.RegisterFilter(text="ma an")},
        "status + citizenship": {
            "filters": people.RegisterFilter(
                statuses=(people.PersonStatus.ACTIVE,), citizenship="EG"
            )
        },
        "fragility, page 3": {
            "filters": people.RegisterFilter(fragility=people.FragilityMarker.SINGLE_PARENT),
            "page": 3,
        },
    }


def bench_register(engine: Engine, empty: Engine | None, *, repeat: int, say: Say):
    from fleming.db import unit_of_work

    cases = _register_cases(engine)

    def time_case(eng: Engine, kwargs: dict) -> tuple[float, int]:
        with unit_of_work(eng) as session:
            actor = _actor(session, DEMO_USERS[Role.COORDINATOR])
            result = people.list_(session=session, actor=actor, **kwargs)
            ms = median_ms(lambda: people.list_(session=session, actor=actor, **kwargs), repeat)
        return ms, result.total

    out = []
    for name, kwargs in cases.items():
        ms, total = time_case(engine, kwargs)
        floor = time_case(empty, kwargs)[0] if empty is not None else float("nan")
        out.append(RegisterResult(name, ms, floor, total))
        say(f"  register {name}: {ms:.1f} ms ({total:,} people)")
    return out


# =========================================================================== the run
def machine() -> dict[str, Any]:
    import sqlite3

    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if "model name" in line), "")
        info["cpu"] = model
        with open("/proc/meminfo", encoding="utf-8") as fh:
            info["memory_gb"] = round(int(fh.readline().split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return info


def run(
    url: str,
    *,
    scale: float | str = "S10",
    repeat: int = 5,
    loop_vacancies: int | None = None,
    with_pages: bool = True,
    page_scripts: tuple[str, ...] | None = None,
    say: Say = print,
) -> dict[str, Any]:
    """Build (or reuse) the data, measure everything, return the report (see ``format_table``)."""
    started = time.perf_counter()
    engine, generated = prepare(url, scale, say=say)
    report: dict[str, Any] = {
        "scale": str(scale),
        "database": _safe(url),
        "dialect": engine.dialect.name,
        "date": date.today().isoformat(),
        "repeat": repeat,
        "machine": machine(),
        "generated_now": generated,
        "rows": _counts(engine),
    }
    say("matching ...")
    report["matching"] = asdict(
        bench_matching(engine, repeat=repeat, loop_vacancies=loop_vacancies, say=say)
    )
    say("KPIs ...")
    report["kpis"] = [asdict(k) for k in bench_kpis(engine, repeat=repeat, say=say)]
    from fleming.db import get_engine

    with empty_database(url) as empty_url:
        say("people register ...")
        report["register"] = [
            asdict(r) for r in bench_register(engine, get_engine(empty_url), repeat=repeat, say=say)
        ]
        if with_pages:
            report["pages"] = [
                asdict(p)
                for p in bench_pages(url, empty_url, repeat=repeat, say=say, scripts=page_scripts)
            ]
    report["peak_rss_mb"] = round(peak_rss_mb(), 1)
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["targets"] = targets(report)
    return report


def targets(report: dict[str, Any]) -> dict[str, bool]:
    """Each target of the issue: met or not, in this run."""
    m = report["matching"]
    out = {
        "ranking ≤ 50 ms per vacancy": m["rank_ms"] <= RANK_MS,
        "ranking ≥ 20× the per-person loop": m["speedup"] >= RANK_SPEEDUP,
        "ranking agrees with the loop": bool(m["agree"]),
        "KPI queries ≤ 2× their raw SQL": all(
            k["queries_ratio"] <= KPI_RATIO for k in report["kpis"]
        ),
        "KPIs agree with their raw SQL": all(k["agree"] for k in report["kpis"]),
        "peak memory ≤ 1 GB": report["peak_rss_mb"] <= RSS_MB,
    }
    if report.get("pages"):
        pages = report["pages"]
        out["pages ≤ 300 ms"] = all(p["median_ms"] <= PAGE_MS for p in pages)
        out["pages ≤ 2× empty database"] = all(p["ratio"] <= PAGE_RATIO for p in pages)
        out["pages without errors"] = not any(p["error"] for p in pages)
    return out


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def format_table(report: dict[str, Any]) -> str:
    """The report as Markdown tables (what ``docs/performance.md`` shows)."""
    lines = []
    mach = report["machine"]
    lines.append(
        f"Scale {report['scale']} on {report['dialect']} ({report['database']}), "
        f"{report['date']}, medians of {report['repeat']} runs; "
        f"{mach.get('cpus')} CPUs {mach.get('cpu', '')}, load average "
        f"{mach['load_average'][0]} before, {mach.get('load_average_after', ['?'])[0]} after; "
        f"peak RSS {report['peak_rss_mb']:.0f} MB; {report['seconds']:.0f} s."
    )
    rows = report["rows"]
    lines.append("")
    lines.append(
        "Rows: "
        + ", ".join(
            f"{rows.get(t, 0):,} {t}"
            for t in (
                "people",
                "companies",
                "vacancies",
                "internships",
                "competence_ratings",
                "audit_log",
            )
        )
        + "."
    )
    m = report["matching"]
    lines += [
        "",
        "**Matching** (per vacancy, all people)",
        "",
        "| measure | median ms | floor ms | ratio | target |",
        "|---|---:|---:|---:|---|",
        f"| rank_people (SQL + scoring), {m['vacancies']} vacancies, {m['people']:,} people "
        f"| {m['rank_ms']:.1f} | loop {m['loop_ms']:.0f} | {m['speedup']:.0f}× faster "
        f"| ≤ 50 ms: {_mark(m['rank_ms'] <= RANK_MS)}; "
        f"≥ 20×: {_mark(m['speedup'] >= RANK_SPEEDUP)} |",
        f"| scoring step only (score_arrays + order) | {m['scoring_ms']:.1f} | | | "
        f"≤ 50 ms: {_mark(m['scoring_ms'] <= RANK_MS)} |",
        f"| first ranking of the run (cold) | {m['rank_cold_ms']:.1f} | | | |",
        "",
        f"Per-person loop timed on {m['loop_vacancies']} of the {m['vacancies']} vacancies; "
        f"scores agree: {'yes' if m['agree'] else 'NO'} (largest difference "
        f"{m['max_score_diff']:.1e}).",
    ]
    lines += [
        "",
        "**KPIs** (each KPI's queries — the statements one call of its function sends, "
        "replayed — against the same aggregate as one raw SQL statement; the whole function, "
        "with its permission check, frame and validation, beside them)",
        "",
        "| KPI | period | function ms | queries ms (statements) | raw SQL ms "
        "| function / raw | queries / raw | same numbers | queries ≤ 2× |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for k in report["kpis"]:
        lines.append(
            f"| {k['kpi']} | {k['period']} | {k['function_ms']:.1f} "
            f"| {k['queries_ms']:.1f} ({k['statements']}) | {k['raw_ms']:.1f} "
            f"| {k['function_ratio']:.2f} | {k['queries_ratio']:.2f} "
            f"| {'yes' if k['agree'] else 'NO'} | {_mark(k['queries_ratio'] <= KPI_RATIO)} |"
        )
    lines += [
        "",
        "**People register** (`people.list_`, 25 a page)",
        "",
        "| case | median ms | empty db ms | people found |",
        "|---|---:|---:|---:|",
    ]
    for r in report["register"]:
        lines.append(
            f"| {r['case']} | {r['median_ms']:.1f} | {r['empty_ms']:.1f} | {r['total']:,} |"
        )
    if report.get("pages"):
        lines += [
            "",
            "**Pages** (AppTest script run: app.py + the page; median of the re-runs after "
            "the session's first run, the first run beside it)",
            "",
            "| page | role | median ms | empty db ms | ratio | first run ms "
            "| empty db first run ms | ≤ 300 ms | ≤ 2× |",
            "|---|---|---:|---:|---:|---:|---:|---|---|",
        ]
        for p in report["pages"]:
            note = f" (error: {p['error']})" if p["error"] else ""
            lines.append(
                f"| {p['script']}{note} | {p['role']} | {p['median_ms']:.0f} | {p['empty_ms']:.0f} "
                f"| {p['ratio']:.2f} | {p['first_ms']:.0f} | {p['empty_first_ms']:.0f} "
                f"| {_mark(p['median_ms'] <= PAGE_MS)} | {_mark(p['ratio'] <= PAGE_RATIO)} |"
            )
    lines += ["", "**Targets**", ""]
    lines += [f"- {name}: {_mark(ok)}" for name, ok in report["targets"].items()]
    return "\n".join(lines)


def write_json(report: dict[str, Any], path: str) -> None:
    def default(value):
        if isinstance(value, float | np.floating):
            return None if np.isnan(value) or np.isinf(value) else float(value)
        if isinstance(value, np.integer):
            return int(value)
        return str(value)

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, float) and (np.isnan(value) or np.isinf(value)):
            return None
        return value

    with open(path, "w", encoding="utf-8") as fh:
        json.dump(clean(report), fh, indent=2, ensure_ascii=False, default=default)
        fh.write("\n")
