"""Ranking people for a vacancy and vacancies for a person, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from fleming import matching
from fleming.actor import Actor
from fleming.db import unit_of_work
from fleming.devtools import demo, matching_reference
from fleming.errors import Conflict, PermissionDenied, ValidationErrors
from fleming.matching import MatchWeights, Reason
from fleming.models import (
    AuditEntry,
    CefrLevel,
    Competence,
    Internship,
    InternshipOutcome,
    InternshipStatus,
    LegalStatus,
    Person,
    PersonStatus,
    Role,
    ServicePact,
    Vacancy,
    VacancyCompetence,
    VacancyKind,
    VacancyStatus,
    utcnow,
)
from fleming.reference import MILANO_ISTAT_CODE
from tests.integration.matching_data import (
    BERGAMO,
    PESCHIERA,
    TODAY,
    add_person,
    complete_workshop,
    make_world,
    rate,
    start_internship,
)

DAY = timedelta(days=1)


@pytest.fixture
def world(engine):
    """The vacancy asks: c0 essential at 2, c1 desirable at 1, c2 essential at 1 (weights 2, 1, 2).

    Its comune is Milano, its minimum Italian A2, its trade catering.
    """
    with unit_of_work(engine) as s:
        w = make_world(s)
        c0, c1, c2 = w.comps
        best = add_person(s, w, "best", italian=CefrLevel.B1)
        rate(s, best, c0, 1, TODAY - 90 * DAY)
        rate(s, best, c0, 3, TODAY - 10 * DAY)  # the latest counts
        rate(s, best, c1, 1, TODAY - 10 * DAY)
        rate(s, best, c2, 2, TODAY - 10 * DAY)
        complete_workshop(s, w, best)
        partial = add_person(s, w, "partial", municipality=PESCHIERA, intake=TODAY - 400 * DAY)
        rate(s, partial, c0, 2, TODAY - 5 * DAY)
        rate(s, partial, c0, 1, TODAY - 5 * DAY)  # same day: the higher id counts
        rate(s, partial, c2, 1, TODAY - 5 * DAY)
        add_person(s, w, "nobody", municipality=BERGAMO, intake=TODAY - 30 * DAY)
        add_person(
            s,
            w,
            "asylum_ok",
            legal=LegalStatus.ASYLUM_SEEKER,
            asylum_date=TODAY - 60 * DAY,  # may work from today
        )
        # excluded, each for one reason
        add_person(s, w, "hired", status=PersonStatus.HIRED)
        add_person(s, w, "closed", status=PersonStatus.CLOSED)
        add_person(s, w, "nodid", did=False, status=PersonStatus.INTAKE)
        add_person(s, w, "nopact", pact=False, status=PersonStatus.INTAKE)
        add_person(
            s,
            w,
            "asylum_wait",
            legal=LegalStatus.ASYLUM_SEEKER,
            asylum_date=TODAY - 59 * DAY,
        )
        start_internship(s, w, add_person(s, w, "intern"))
        add_person(s, w, "lowita", italian=CefrLevel.A1)
        gone = add_person(s, w, "anonymised")
        s.get(Person, gone).anonymised_at = utcnow()
        return w


def _rank(engine, w, **kw):
    with unit_of_work(engine) as s:
        return matching.rank_people(
            session=s, actor=w.coordinator, vacancy_id=w.vacancy_id, today=TODAY, **kw
        )


def test_ranking_with_hand_computed_scores(engine, world):
    ranking = _rank(engine, world)
    names = {v: k for k, v in world.people.items()}
    eligible = ranking.eligible
    assert [names[p] for p in eligible["person_id"]] == ["best", "partial", "asylum_ok", "nobody"]
    assert eligible["rank"].tolist() == [1, 2, 3, 4]
    scores = dict(zip(eligible["person_id"].map(names), eligible["score"], strict=True))
    # best: all met → 70; workshop 10; B1 one above A2 → 5; Milano → 10; 100 days waiting
    assert scores["best"] == pytest.approx(95 + 0.05 * 100 / 730)
    # partial: (2·0.5 + 1·0 + 2·1) / 5 → 42; Peschiera (metro) 5; c0 below → × 0.5
    assert scores["partial"] == pytest.approx(47 * 0.5 + 0.05 * 400 / 730)
    # asylum_ok: no ratings → 0; Milano 10; both essentials missing → × 0.25
    assert scores["asylum_ok"] == pytest.approx(2.5 + 0.05 * 100 / 730)
    # nobody: nothing, outside the metropolitan area
    assert scores["nobody"] == pytest.approx(0.05 * 30 / 730)
    assert "anonymised" not in {names.get(p) for p in ranking.frame["person_id"]}


def test_each_excluded_person_has_their_reason(engine, world):
    ranking = _rank(engine, world)
    names = {v: k for k, v in world.people.items()}
    reasons = {
        names[int(row["person_id"])]: {r.value for r in matching.reasons_of(row)}
        for _, row in ranking.excluded.iterrows()
    }
    assert reasons == {
        "hired": {"hired"},
        "closed": {"closed"},
        "nodid": {"no_did"},
        "nopact": {"no_pact"},
        "asylum_wait": {"asylum_wait"},
        "intern": {"in_internship"},
        "lowita": {"italian_below"},
    }
    assert ranking.excluded["rank"].isna().all()


def test_explanation_lists_matched_missing_with_gaps_and_every_term(engine, world):
    ranking = _rank(engine, world)
    e = ranking.explain(world.people["partial"])
    c0, c1, c2 = world.comps
    assert [c.requirement.competence_id for c in e.matched] == [c2]
    missing = {c.requirement.competence_id: (c.level, c.gap) for c in e.missing}
    assert missing == {c0: (1, 1), c1: (None, 1)}  # c1 never rated
    assert [m.requirement.essential for m in e.missing] == [True, False]  # essential first
    terms = {t.name: t for t in e.terms}
    assert list(terms) == list(matching.TERMS)
    assert terms["competences"].points == pytest.approx(42)
    assert terms["essential_penalty"].points == pytest.approx(-23.5)
    assert terms["essential_penalty"].params["count"] == 1
    assert terms["distance"].params == {"class": "metro", "comune": "Peschiera Borromeo"}
    assert terms["waiting"].params["days"] == 400
    assert sum(t.points for t in e.terms) == pytest.approx(e.score)


def test_exclude_policy_moves_people_missing_an_essential_out(engine, world):
    ranking = _rank(engine, world, weights=MatchWeights(essential_policy="exclude"))
    names = {v: k for k, v in world.people.items()}
    assert [names[p] for p in ranking.eligible["person_id"]] == ["best"]
    partial = ranking.frame[ranking.frame["person_id"] == world.people["partial"]].iloc[0]
    assert matching.reasons_of(partial) == (Reason.ESSENTIAL_MISSING,)


def test_retired_required_competence_still_counts_and_is_flagged(engine, world):
    before = _rank(engine, world)
    with unit_of_work(engine) as s:
        s.get(Competence, world.comps[2]).retired_at = utcnow()
    after = _rank(engine, world)
    assert after.frame["score"].tolist() == before.frame["score"].tolist()
    flagged = [r.retired for r in after.vacancy.requirements]
    assert flagged.count(True) == 1
    e = after.explain(world.people["best"])
    assert any(c.requirement.retired for c in e.matched)


@pytest.mark.parametrize("policy", ["penalise", "exclude"])
def test_the_loop_reference_agrees_with_the_vectorised_ranking(engine, world, policy):
    weights = MatchWeights(essential_policy=policy)
    ranking = _rank(engine, world, weights=weights)
    with unit_of_work(engine) as s:
        ref = matching_reference.rank_loop_reference(
            session=s, vacancy_id=world.vacancy_id, weights=weights, today=TODAY
        )
    merged = ranking.frame.merge(ref, on="person_id", suffixes=("", "_ref"))
    assert len(merged) == len(ref) == len(ranking.frame)
    assert (merged["score"] - merged["score_ref"]).abs().max() < 1e-9
    assert (merged["excluded"] == merged["excluded_ref"]).all()
    vector_reasons = [
        tuple(sorted(r.value for r in matching.reasons_of(row))) for _, row in merged.iterrows()
    ]
    assert vector_reasons == merged["reasons"].tolist()


def test_the_loop_reference_agrees_on_the_demo_data(engine):
    demo.generate(engine, scale=0.05, reset=True, today=TODAY)
    actor = Actor(id=1, username="c", full_name="C", role=Role.COORDINATOR)
    with unit_of_work(engine) as s:
        vacancy_ids = list(s.scalars(select(Vacancy.id).order_by(Vacancy.id).limit(4)))
        for vid in vacancy_ids:
            ranking = matching.rank_people(session=s, actor=actor, vacancy_id=vid, today=TODAY)
            ref = matching_reference.rank_loop_reference(session=s, vacancy_id=vid, today=TODAY)
            merged = ranking.frame.merge(ref, on="person_id", suffixes=("", "_ref"))
            assert len(merged) == len(ref) > 0
            assert (merged["score"] - merged["score_ref"]).abs().max() < 1e-9
            assert (merged["excluded"] == merged["excluded_ref"]).all()


def test_vacancies_for_a_person_ranked_with_what_they_lack(engine, world):
    with unit_of_work(engine) as s:
        c0, c1, c2 = world.comps
        other = Vacancy(
            company_id=world.company_id,
            title="Lavapiatti",
            trade_id=world.trade_id,
            kind=VacancyKind.INTERNSHIP,
            municipality_code=MILANO_ISTAT_CODE,
            min_italian_level=CefrLevel.A1,
            created_on=TODAY,
            status=VacancyStatus.SHORTLISTING,
        )
        other.requirements = [VacancyCompetence(competence_id=c2, min_level=1, essential=True)]
        fluent = Vacancy(
            company_id=world.company_id,
            title="Receptionist",
            kind=VacancyKind.DIRECT_HIRE,
            municipality_code=BERGAMO,
            min_italian_level=CefrLevel.C1,
            created_on=TODAY,
            status=VacancyStatus.OPEN,
        )
        closed = Vacancy(
            company_id=world.company_id,
            title="Chiuso",
            kind=VacancyKind.INTERNSHIP,
            min_italian_level=CefrLevel.A1,
            created_on=TODAY,
            status=VacancyStatus.CLOSED,
            closed_reason="Annullato",
        )
        s.add_all([other, fluent, closed])
        s.flush()
        result = matching.vacancies_for_person(
            session=s, actor=world.tutor, person_id=world.people["partial"], today=TODAY
        )
    assert result.blocked == ()
    assert [m.title for m in result.matches] == ["Lavapiatti", "Aiuto cuoco", "Receptionist"]
    lava, cook, reception = result.matches
    # Lavapiatti: c2 at 1 met → 70; A2 one above A1 → 5; Peschiera → metro 5
    assert lava.score == pytest.approx(80 + 0.05 * 400 / 730)
    assert lava.missing == ()
    assert cook.score == pytest.approx(47 * 0.5 + 0.05 * 400 / 730)
    assert {(c.requirement.competence_id, c.gap) for c in cook.missing} == {(c0, 1), (c1, 1)}
    # Receptionist needs C1: excluded for this vacancy only, listed last with the reason
    assert reception.excluded and reception.reasons == (Reason.ITALIAN_BELOW,)
    # what to work on: the essential c0 first
    assert [f.requirement.competence_id for f in result.focus] == [c0, c1]
    assert result.focus[0].essential_in == 1


def test_vacancies_for_a_blocked_person_say_why_and_when(engine, world):
    with unit_of_work(engine) as s:
        result = matching.vacancies_for_person(
            session=s, actor=world.coordinator, person_id=world.people["asylum_wait"], today=TODAY
        )
    assert result.blocked == (Reason.ASYLUM_WAIT,)
    assert result.may_work_from == TODAY + DAY
    assert len(result.matches) == 1  # still shown: the tutor plans the path towards it


def test_partners_cannot_rank_and_the_attempt_is_audited(engine, world):
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        matching.rank_people(session=s, actor=world.partner_users[0], vacancy_id=world.vacancy_id)
    with unit_of_work(engine) as s:
        denied = s.scalars(select(AuditEntry).where(AuditEntry.action == "denied")).all()
    assert [d.entity_id for d in denied] == ["matching.rank"]


def test_weights_are_stored_versioned_and_audited(engine, world):
    with unit_of_work(engine) as s:
        view = matching.get_weights(session=s, actor=world.coordinator)
        assert (view.stored, view.version, view.weights) == (False, None, MatchWeights())
        matching.update_weights(
            session=s,
            actor=world.coordinator,
            data=MatchWeights(workshop_bonus=5),
            version=None,
        )
    with unit_of_work(engine) as s:
        view = matching.get_weights(session=s, actor=world.tutor)
        assert view.weights.workshop_bonus == 5 and view.stored
        matching.update_weights(
            session=s,
            actor=world.coordinator,
            data=MatchWeights(workshop_bonus=8),
            version=view.version,
        )
    # someone saving with the version they loaded before that change loses
    with pytest.raises(Conflict), unit_of_work(engine) as s:
        matching.update_weights(
            session=s, actor=world.coordinator, data=MatchWeights(), version=view.version
        )
    with pytest.raises(ValidationErrors), unit_of_work(engine) as s:
        matching.update_weights(
            session=s,
            actor=world.coordinator,
            data=MatchWeights(competence_points=95),
            version=view.version + 1,
        )
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        matching.update_weights(
            session=s, actor=world.tutor, data=MatchWeights(), version=view.version + 1
        )
    ranking = _rank(engine, world)
    assert ranking.weights.workshop_bonus == 8
    best = ranking.explain(world.people["best"])
    assert {t.name: t.points for t in best.terms}["workshop"] == 8
    with unit_of_work(engine) as s:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.entity == "setting").order_by(AuditEntry.id)
        ).all()
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[1].changes == {"workshop_bonus": {"from": 5.0, "to": 8.0}}


def test_exporting_a_ranking_is_audited(engine, world):
    with unit_of_work(engine) as s:
        matching.record_export(session=s, actor=world.tutor, vacancy_id=world.vacancy_id, rows=12)
    with unit_of_work(engine) as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert (row.entity, row.entity_id, row.changes) == (
        "ranking",
        str(world.vacancy_id),
        {"rows": 12},
    )


def test_vacancy_choices_filter_in_sql(engine, world):
    with unit_of_work(engine) as s:
        open_ = matching.vacancy_choices(
            session=s, actor=world.tutor, statuses=list(VacancyStatus.RECRUITING)
        )
        none = matching.vacancy_choices(
            session=s, actor=world.tutor, statuses=[VacancyStatus.FILLED]
        )
        options = matching.vacancy_filter_options(session=s, actor=world.tutor)
    assert open_["id"].tolist() == [world.vacancy_id]
    assert open_["requirements"].tolist() == [3]
    assert none.empty
    assert [name for _, name in options.companies] == ["Trattoria Prova"]


def test_ranking_csv_lists_everyone_with_terms_and_reasons(engine, world):
    from fleming.i18n import translate
    from fleming.ui.match_view import ranking_csv

    with unit_of_work(engine) as s:  # a name a spreadsheet would run as a formula
        s.get(Person, world.people["hired"]).first_name = "=HYPERLINK(1)"
    ranking = _rank(engine, world)
    labels = {
        "rank": "Posizione",
        "person_id": "N. persona",
        "person": "Persona",
        "score": "Punteggio",
        "competences": "Requisiti",
        "reasons": "Motivi",
        "terms": {n: translate(f"matching.term.{n}") for n in matching.TERMS},
        "reason": {r: translate(f"matching.reason.{r.value}") for r in Reason},
    }
    text = ranking_csv(ranking.frame, labels).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].split(";")[:5] == [
        "Posizione",
        "N. persona",
        "Persona",
        "Punteggio",
        "Competenze",
    ]
    assert len(lines) == 1 + len(ranking.frame)
    assert lines[1].startswith(f"1;{world.people['best']};Best ")
    hired = next(line for line in lines if f";{world.people['hired']};" in line)
    assert hired.endswith(";già assunta") and "'=HYPERLINK(1)" in hired


# --------------------------------------------------------------------------- the data snapshot
def _by_name(ranking, w) -> dict[str, tuple[frozenset[str], float]]:
    """Each person of the world: (their exclusion reasons, their score)."""
    names = {v: k for k, v in w.people.items()}
    return {
        names[int(row["person_id"])]: (
            frozenset(r.value for r in matching.reasons_of(row)),
            float(row["score"]),
        )
        for _, row in ranking.frame.iterrows()
    }


def _write_rating(s, w):
    rate(s, w.people["nobody"], w.comps[0], 3, TODAY)


def _write_person_orm(s, w):
    s.get(Person, w.people["lowita"]).italian_level = CefrLevel.B2


def _write_person_core(s, w):  # a Core UPDATE: no version bump, only updated_at moves
    s.execute(
        update(Person).where(Person.id == w.people["hired"]).values(status=PersonStatus.ACTIVE)
    )


def _write_pact_added(s, w):
    s.add(ServicePact(person_id=w.people["nopact"], signed_on=TODAY, tutor_id=w.tutor.id))


def _write_pact_deleted(s, w):
    s.execute(delete(ServicePact).where(ServicePact.person_id == w.people["best"]))


def _write_internship_ended(s, w):
    internship = s.scalars(
        select(Internship).where(Internship.person_id == w.people["intern"])
    ).one()
    internship.status = InternshipStatus.COMPLETED
    internship.outcome = InternshipOutcome.NOT_HIRED
    internship.actual_end_date = TODAY


def _write_workshop_completed(s, w):
    complete_workshop(s, w, w.people["partial"])


def _write_person_deleted(s, w):
    s.execute(delete(Person).where(Person.id == w.people["nobody"]))


@pytest.mark.parametrize(
    ("write", "who", "before", "after"),
    [
        (_write_rating, "nobody", None, None),  # a new rating: the score changes
        (_write_person_orm, "lowita", {"italian_below"}, set()),
        (_write_person_core, "hired", {"hired"}, set()),
        (_write_pact_added, "nopact", {"no_pact"}, set()),
        (_write_pact_deleted, "best", set(), {"no_pact"}),
        (_write_internship_ended, "intern", {"in_internship"}, set()),
        (_write_workshop_completed, "partial", None, None),  # the workshop bonus
        (_write_person_deleted, "nobody", set(), "gone"),
    ],
    ids=lambda v: v.__name__.removeprefix("_write_") if callable(v) else None,
)
def test_a_write_the_ranking_reads_is_seen_by_the_next_ranking(
    engine, world, write, who, before, after
):
    """The ranking of everyone reuses a snapshot of the data while ``data_version`` is
    unchanged: every kind of write it depends on must make the next ranking read afresh."""
    first = _by_name(_rank(engine, world), world)
    with unit_of_work(engine) as s:
        version = matching.data_version(s)
        write(s, world)
        s.flush()
        assert matching.data_version(s) != version
    second = _by_name(_rank(engine, world), world)
    if before is None:
        assert second[who][1] > first[who][1]
        return
    assert first[who][0] == before
    if after == "gone":
        assert who not in second
    else:
        assert second[who][0] == after


def test_the_snapshot_is_reused_while_nothing_is_written(engine, world):
    _rank(engine, world)
    with unit_of_work(engine) as s:
        assert matching._snapshot(s) is matching._snapshot(s)
        first = matching._snapshot(s)
        rate(s, world.people["nobody"], world.comps[0], 3, TODAY)
        assert matching._snapshot(s) is not first
