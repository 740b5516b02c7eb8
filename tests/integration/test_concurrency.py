"""Twenty users saving at the same moment on PostgreSQL (the production set-up): intakes,
competence ratings and shortlist stage moves through the real services, each in its own unit of
work and thread. Every write is there afterwards, no transaction or lock is left behind, nothing
deadlocked, and the database's and the schemas' constraints hold.

SQLite serialises writers in one file, so the test is about PostgreSQL only.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from fleming import competences, people, shortlists
from fleming.auth import actor_from_user
from fleming.competences import LEVEL_VALUES, RatingEntry
from fleming.db import unit_of_work
from fleming.devtools import demo
from fleming.errors import Conflict
from fleming.models import (
    AuditEntry,
    Competence,
    CompetenceRating,
    Person,
    RatingSource,
    ShortlistEntry,
    ShortlistStage,
    ShortlistStageChange,
    User,
)
from fleming.schemas import validate_all
from tests.integration.people_helpers import CONSENT, code_for, intake

THREADS = 20
S = ShortlistStage
NEXT = {S.PROPOSED: S.CONTACTED, S.CONTACTED: S.INTERVIEW, S.INTERVIEW: S.SELECTED}
NEXT[S.SELECTED] = S.WITHDRAWN  # needs a reason


@dataclass(frozen=True)
class Job:
    """What one thread saves: a new person, a batch of ratings, two stage moves."""

    n: int
    tax_code: str
    rated_person: int  # shared by several threads: concurrent inserts on the same person
    own_entry: tuple[int, int, ShortlistStage]  # id, version, stage: only this thread moves it
    contested_entry: tuple[int, int, ShortlistStage]  # every thread tries; one may win


def _entries(engine) -> list[tuple[int, int, ShortlistStage]]:
    with engine.connect() as conn:
        return [
            (r.id, r.version, r.stage)
            for r in conn.execute(
                select(ShortlistEntry.id, ShortlistEntry.version, ShortlistEntry.stage)
                .where(ShortlistEntry.stage.in_(list(NEXT)))
                .order_by(ShortlistEntry.id)
            )
        ]


def _count(conn, model) -> int:
    return conn.scalar(select(func.count()).select_from(model))


AUDITED = (("person", "create"), ("competence_rating", "create"), ("shortlist_entry", "update"))


def _audited(conn) -> dict[tuple[str, str], int]:
    return {
        (entity, action): conn.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == entity, AuditEntry.action == action)
        )
        for entity, action in AUDITED
    }


def test_twenty_users_saving_at_once(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter: SQLite serialises them")
    demo.generate(engine, scale=0.05, reset=True)
    today = date.today()
    with unit_of_work(engine) as s:
        actor = actor_from_user(
            s.scalars(select(User).where(User.username == "coordinatore")).one()
        )
        rated = list(
            s.scalars(
                select(Person.id).where(Person.anonymised_at.is_(None)).order_by(Person.id).limit(4)
            )
        )
        comp_ids = list(
            s.scalars(
                select(Competence.id)
                .where(Competence.retired_at.is_(None))
                .order_by(Competence.id)
                .limit(5)
            )
        )
    movable = _entries(engine)
    assert len(movable) > THREADS, "the demo data should hold enough movable shortlist entries"
    contested, own = movable[0], movable[1 : THREADS + 1]
    jobs = [
        Job(
            n=n,
            tax_code=code_for("Concorrente", "Nome", date(1980, 1, 1) + timedelta(days=n)),
            rated_person=rated[n % len(rated)],
            own_entry=own[n],
            contested_entry=contested,
        )
        for n in range(THREADS)
    ]
    with engine.connect() as conn:
        before = {m: _count(conn, m) for m in (Person, CompetenceRating, ShortlistStageChange)}
        before_audit = _audited(conn)

    barrier = threading.Barrier(THREADS, timeout=60)
    outcomes: dict[int, dict[str, object]] = {}

    def move(session, entry: tuple[int, int, ShortlistStage]) -> None:
        entry_id, version, stage = entry
        target = NEXT[stage]
        shortlists.move(
            session=session,
            actor=actor,
            entry_id=entry_id,
            to_stage=target,
            version=version,
            reason="Ha trovato un altro lavoro" if target in shortlists.REASON_REQUIRED else None,
        )

    def work(job: Job) -> None:
        done: dict[str, object] = {}
        outcomes[job.n] = done
        try:
            barrier.wait()
            with unit_of_work(engine) as s:
                done["person"] = people.create(
                    session=s,
                    actor=actor,
                    data=intake(
                        first_name="Nome",
                        last_name=f"Concorrente{job.n}",
                        tax_code=job.tax_code,
                        tutor_id=actor.id,
                    ),
                    consents=CONSENT,
                )
            with unit_of_work(engine) as s:
                done["ratings"] = competences.save_ratings(
                    session=s,
                    actor=actor,
                    person_id=job.rated_person,
                    entries=[
                        RatingEntry(
                            job.rated_person,
                            cid,
                            LEVEL_VALUES[(job.n + i) % len(LEVEL_VALUES)],
                            note=f"concorrenza {job.n}",
                        )
                        for i, cid in enumerate(comp_ids)
                    ],
                    rated_on=today,
                    source=RatingSource.ENTRY,
                )
            with unit_of_work(engine) as s:
                move(s, job.own_entry)
            done["own_move"] = True
            try:
                with unit_of_work(engine) as s:
                    move(s, job.contested_entry)
                done["contested"] = "won"
            except Conflict:
                done["contested"] = "conflict"
        except BaseException as exc:  # reported below, with the thread it happened in
            done["error"] = repr(exc)

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread is still waiting: a lock never freed"
    errors = {n: o["error"] for n, o in outcomes.items() if "error" in o}
    assert errors == {}, errors  # a deadlock would show here as DeadlockDetected

    # Nothing is left holding a lock or a transaction open in this database.
    with engine.connect() as conn:
        others = text(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE a.datname = current_database() AND l.pid <> pg_backend_pid()"
        )
        assert conn.scalar(others) == 0
        open_tx = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
        )
        assert conn.scalar(open_tx) == 0

    # Every write is there.
    with engine.connect() as conn:
        new_people = set(
            conn.scalars(select(Person.tax_code).where(Person.last_name.like("Concorrente%")))
        )
        assert new_people == {job.tax_code for job in jobs}
        assert _count(conn, Person) == before[Person] + THREADS
        assert _count(conn, CompetenceRating) == before[CompetenceRating] + THREADS * len(comp_ids)
        notes = Counter(
            conn.scalars(
                select(CompetenceRating.person_id).where(
                    CompetenceRating.note.like("concorrenza %")
                )
            )
        )
        assert notes == Counter({p: THREADS // len(rated) * len(comp_ids) for p in rated})
        for job in jobs:
            entry_id, version, stage = job.own_entry
            row = conn.execute(
                select(ShortlistEntry.stage, ShortlistEntry.version).where(
                    ShortlistEntry.id == entry_id
                )
            ).one()
            assert (row.stage, row.version) == (NEXT[stage], version + 1)

        # The contested entry moved exactly once; everyone else was told so.
        results = Counter(o["contested"] for o in outcomes.values())
        assert results == Counter({"won": 1, "conflict": THREADS - 1})
        entry_id, version, stage = contested
        row = conn.execute(
            select(ShortlistEntry.stage, ShortlistEntry.version).where(
                ShortlistEntry.id == entry_id
            )
        ).one()
        assert (row.stage, row.version) == (NEXT[stage], version + 1)
        moves = THREADS + 1  # each own entry once, the contested one once
        assert _count(conn, ShortlistStageChange) == before[ShortlistStageChange] + moves
        # every entry's stage is the one its latest stage change names
        latest = conn.execute(
            text(
                "SELECT e.id FROM shortlist_entries e JOIN shortlist_stage_changes c "
                "ON c.entry_id = e.id AND c.id = (SELECT max(id) FROM shortlist_stage_changes "
                "WHERE entry_id = e.id) WHERE c.to_stage <> e.stage"
            )
        ).all()
        assert latest == []
        # the audit trail has every write too: people, ratings, successful moves
        assert _audited(conn) == {
            ("person", "create"): before_audit[("person", "create")] + THREADS,
            ("competence_rating", "create"): before_audit[("competence_rating", "create")]
            + THREADS * len(comp_ids),
            ("shortlist_entry", "update"): before_audit[("shortlist_entry", "update")] + moves,
        }

    # The pandera schemas (what `python -m fleming check` runs) find nothing wrong.
    touched = ["people", "competence_ratings", "shortlist_entries", "shortlist_stage_changes"]
    assert {name: v for name, v in validate_all(engine, touched).items() if v} == {}
