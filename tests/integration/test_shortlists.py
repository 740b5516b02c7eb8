"""Shortlists: stages with history, who may do what, and consent-gated sharing with partners."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fleming import matching, partners, shortlists
from fleming.db import unit_of_work
from fleming.errors import Conflict, PermissionDenied, ValidationError
from fleming.models import (
    AuditEntry,
    CefrLevel,
    Consent,
    PersonStatus,
    ShortlistEntry,
    ShortlistOrigin,
    ShortlistShare,
    ShortlistStage,
    ShortlistStageChange,
    Vacancy,
    VacancyStatus,
)
from tests.integration.matching_data import TODAY, add_person, consent, make_world, rate

S = ShortlistStage
DAY = timedelta(days=1)


@pytest.fixture
def world(engine):
    with unit_of_work(engine) as s:
        w = make_world(s)
        anna = add_person(s, w, "anna", italian=CefrLevel.B1)
        for c in w.comps:
            rate(s, anna, c, 2, TODAY - 5 * DAY)
        add_person(s, w, "bruno")
        add_person(s, w, "carla", tutor=w.other_tutor)
        add_person(s, w, "dario")
        add_person(s, w, "hired", status=PersonStatus.HIRED)
        return w


def _add(engine, w, key, actor=None):
    with unit_of_work(engine) as s:
        return shortlists.add(
            session=s,
            actor=actor or w.coordinator,
            vacancy_id=w.vacancy_id,
            person_id=w.people[key],
            today=TODAY,
        )


def _entry(engine, entry_id) -> ShortlistEntry:
    with unit_of_work(engine) as s:
        return s.get(ShortlistEntry, entry_id)


def _move(engine, w, entry_id, stage, reason=None, actor=None, version=None):
    with unit_of_work(engine) as s:
        shortlists.move(
            session=s,
            actor=actor or w.coordinator,
            entry_id=entry_id,
            to_stage=stage,
            reason=reason,
            version=version if version is not None else s.get(ShortlistEntry, entry_id).version,
        )


def _audit(engine, **where):
    with unit_of_work(engine) as s:
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditEntry, key) == value)
        return s.scalars(stmt).all()


def test_adding_keeps_the_ranking_score_and_opens_the_shortlist(engine, world):
    entry_id = _add(engine, world, "anna")
    entry = _entry(engine, entry_id)
    with unit_of_work(engine) as s:
        ranking = matching.rank_people(
            session=s, actor=world.coordinator, vacancy_id=world.vacancy_id, today=TODAY
        )
        vacancy = s.get(Vacancy, world.vacancy_id)
        assert vacancy.status is VacancyStatus.SHORTLISTING
        changes = s.scalars(select(ShortlistStageChange)).all()
    expected = ranking.explain(world.people["anna"]).score
    assert entry.score == pytest.approx(expected, abs=0.01)
    assert (entry.stage, entry.origin, entry.added_by_id) == (
        S.PROPOSED,
        ShortlistOrigin.CENTRE,
        world.coordinator.id,
    )
    assert [(c.from_stage, c.to_stage, c.changed_by_id) for c in changes] == [
        (None, S.PROPOSED, world.coordinator.id)
    ]
    created = _audit(engine, entity="shortlist_entry")
    assert [(a.action, a.person_id) for a in created] == [("create", world.people["anna"])]
    assert _audit(engine, entity="vacancy")[0].changes == {
        "status": {"from": "open", "to": "shortlisting"}
    }


def test_the_same_person_cannot_be_added_twice(engine, world):
    _add(engine, world, "anna")
    with pytest.raises(Conflict, match="already_listed"):
        _add(engine, world, "anna")


def test_an_excluded_person_cannot_be_added(engine, world):
    with pytest.raises(ValidationError) as info:
        _add(engine, world, "hired")
    assert info.value.message == "shortlists.error.not_eligible"
    with unit_of_work(engine) as s:
        assert s.scalars(select(ShortlistEntry)).all() == []


def test_a_closed_vacancy_takes_no_one(engine, world):
    with unit_of_work(engine) as s:
        v = s.get(Vacancy, world.vacancy_id)
        v.status, v.closed_reason = VacancyStatus.CLOSED, "Annullato"
    with pytest.raises(ValidationError, match="vacancy_not_open"):
        _add(engine, world, "anna")


def test_a_tutor_proposes_only_their_own_people(engine, world):
    _add(engine, world, "bruno", actor=world.tutor)
    with pytest.raises(PermissionDenied):
        _add(engine, world, "carla", actor=world.tutor)
    assert [a.entity_id for a in _audit(engine, action="denied")] == [
        "shortlists.add.not_own_person"
    ]
    with pytest.raises(PermissionDenied):
        _add(engine, world, "anna", actor=world.partner_users[0])


def test_stages_move_along_with_history_of_who_and_when(engine, world):
    entry_id = _add(engine, world, "anna")
    for stage in (S.CONTACTED, S.INTERVIEW, S.SELECTED):
        _move(engine, world, entry_id, stage)
    entry = _entry(engine, entry_id)
    assert entry.stage is S.SELECTED
    with unit_of_work(engine) as s:
        history = shortlists.history(session=s, actor=world.tutor, vacancy_id=world.vacancy_id)
        views = shortlists.entries(session=s, actor=world.tutor, vacancy_id=world.vacancy_id)
    assert [(h.from_stage, h.to_stage) for h in reversed(history)] == [
        (None, S.PROPOSED),
        (S.PROPOSED, S.CONTACTED),
        (S.CONTACTED, S.INTERVIEW),
        (S.INTERVIEW, S.SELECTED),
    ]
    assert {h.changed_by for h in history} == {"Coord"}
    assert all(h.changed_at is not None for h in history)
    assert views[0].stage is S.SELECTED and views[0].moves == (S.WITHDRAWN,)
    updates = _audit(engine, entity="shortlist_entry", action="update")
    assert [u.changes["stage"] for u in updates] == [
        {"from": "proposed", "to": "contacted"},
        {"from": "contacted", "to": "interview"},
        {"from": "interview", "to": "selected"},
    ]


def test_a_stage_cannot_be_skipped(engine, world):
    entry_id = _add(engine, world, "anna")
    with pytest.raises(ValidationError) as info:
        _move(engine, world, entry_id, S.SELECTED)
    assert info.value.field == "to_stage"
    assert _entry(engine, entry_id).stage is S.PROPOSED


def test_rejecting_or_withdrawing_needs_a_reason_and_is_final(engine, world):
    anna = _add(engine, world, "anna")
    bruno = _add(engine, world, "bruno")
    with pytest.raises(ValidationError) as info:
        _move(engine, world, anna, S.REJECTED, reason="   ")
    assert (info.value.field, info.value.message) == ("reason", "shortlists.error.reason_required")
    with unit_of_work(engine) as s:  # nothing saved by the refused move
        assert len(s.scalars(select(ShortlistStageChange)).all()) == 2
    _move(engine, world, anna, S.REJECTED, reason="Cerca un turno serale")
    _move(engine, world, bruno, S.WITHDRAWN, reason="Ha trovato lavoro")
    assert _entry(engine, anna).reason == "Cerca un turno serale"
    assert shortlists.allowed_moves(S.REJECTED) == ()
    with pytest.raises(ValidationError):
        _move(engine, world, anna, S.CONTACTED)
    with unit_of_work(engine) as s:
        last = s.scalars(
            select(ShortlistStageChange).order_by(ShortlistStageChange.id.desc())
        ).first()
    assert (last.to_stage, last.reason) == (S.WITHDRAWN, "Ha trovato lavoro")


def test_a_stale_stage_change_loses(engine, world):
    entry_id = _add(engine, world, "anna")
    loaded = _entry(engine, entry_id).version
    _move(engine, world, entry_id, S.CONTACTED, version=loaded)
    with pytest.raises(Conflict):
        _move(engine, world, entry_id, S.WITHDRAWN, reason="x", version=loaded)


def test_only_coordinators_move_stages(engine, world):
    entry_id = _add(engine, world, "bruno", actor=world.tutor)
    with pytest.raises(PermissionDenied):
        _move(engine, world, entry_id, S.CONTACTED, actor=world.tutor)


def test_partner_nominations_show_their_origin_and_motivation(engine, world):
    with unit_of_work(engine) as s:
        s.add(
            ShortlistEntry(
                vacancy_id=world.vacancy_id,
                person_id=world.people["dario"],
                origin=ShortlistOrigin.PARTNER,
                nominated_by_partner_id=world.partners[0],
                motivation="Molto motivato, ha lavorato in cucina nel suo paese.",
            )
        )
    _add(engine, world, "anna")
    with unit_of_work(engine) as s:
        views = shortlists.entries(session=s, actor=world.tutor, vacancy_id=world.vacancy_id)
    by_name = {v.name.split()[0]: v for v in views}
    assert by_name["Dario"].origin is ShortlistOrigin.PARTNER
    assert by_name["Dario"].partner == "Soleterre"
    assert by_name["Dario"].motivation.startswith("Molto motivato")
    assert by_name["Anna"].origin is ShortlistOrigin.CENTRE and by_name["Anna"].partner is None


# --------------------------------------------------------------------------- sharing
@pytest.fixture
def shortlisted(engine, world):
    """Anna consented to partner 0; Bruno only to partner 1; Dario withdrew his consent to 0;
    Carla never consented."""
    for key in ("anna", "bruno", "dario", "carla"):
        _add(engine, world, key)
    with unit_of_work(engine) as s:
        consent(s, world.people["anna"], world.partners[0])
        consent(s, world.people["bruno"], world.partners[1])
        consent(s, world.people["dario"], world.partners[0], withdrawn=TODAY - 3 * DAY)
    return world


def _preview(engine, w, partner):
    with unit_of_work(engine) as s:
        return {
            c.name.split()[0]: c.blocked_reason
            for c in shortlists.share_preview(
                session=s,
                actor=w.coordinator,
                vacancy_id=w.vacancy_id,
                partner_org_id=w.partners[partner],
                today=TODAY,
            )
        }


def test_preview_lists_who_can_be_shared_and_why_not(engine, shortlisted):
    w = shortlisted
    assert _preview(engine, w, 0) == {
        "Anna": None,
        "Bruno": "no_consent",  # consented to the other organisation only
        "Carla": "no_consent",
        "Dario": "consent_withdrawn",
    }
    assert _preview(engine, w, 1) == {
        "Anna": "no_consent",
        "Bruno": None,
        "Carla": "no_consent",
        "Dario": "no_consent",
    }


def _share(engine, w, partner=0):
    with unit_of_work(engine) as s:
        return shortlists.share(
            session=s,
            actor=w.coordinator,
            vacancy_id=w.vacancy_id,
            partner_org_id=w.partners[partner],
            today=TODAY,
        )


def _partner_view(engine, w, partner=0):
    with unit_of_work(engine) as s:
        return partners.shortlist(
            session=s, actor=w.partner_users[partner], vacancy_id=w.vacancy_id, today=TODAY
        ).people


def test_a_partner_sees_only_people_who_consented_to_that_partner(engine, shortlisted):
    w = shortlisted
    share_id = _share(engine, w, 0)
    seen = _partner_view(engine, w, 0)
    assert [(v.first_name, v.last_initial) for v in seen] == [("Anna", "T.")]
    with pytest.raises(PermissionDenied):  # not shared with the other organisation
        _partner_view(engine, w, 1)
    audit = _audit(engine, action="share")
    assert audit[0].changes == {
        "partner_org_id": w.partners[0],
        "share_id": share_id,
        "people": [w.people["anna"]],
    }
    views = _audit(engine, action="view", entity="shortlist")
    assert [(v.actor_id, v.person_id) for v in views] == [(w.partner_users[0].id, w.people["anna"])]


def test_a_consent_withdrawn_after_sharing_hides_the_person_at_once(engine, shortlisted):
    w = shortlisted
    _share(engine, w, 0)
    with unit_of_work(engine) as s:
        c = s.scalars(
            select(Consent).where(
                Consent.person_id == w.people["anna"], Consent.partner_org_id == w.partners[0]
            )
        ).one()
        c.withdrawn_on = TODAY
    assert _partner_view(engine, w, 0) == ()
    assert _preview(engine, w, 0)["Anna"] == "consent_withdrawn"


def test_unsharing_ends_the_partner_view_and_is_audited(engine, shortlisted):
    w = shortlisted
    share_id = _share(engine, w, 0)
    with pytest.raises(Conflict, match="already_shared"):
        _share(engine, w, 0)
    with unit_of_work(engine) as s:
        shortlists.unshare(session=s, actor=w.coordinator, share_id=share_id)
    with pytest.raises(PermissionDenied):
        _partner_view(engine, w, 0)
    with pytest.raises(Conflict, match="already_revoked"), unit_of_work(engine) as s:
        shortlists.unshare(session=s, actor=w.coordinator, share_id=share_id)
    assert [a.action for a in _audit(engine, entity="vacancy")][-2:] == ["share", "unshare"]
    again = _share(engine, w, 0)  # can be shared again later
    with unit_of_work(engine) as s:
        listed = shortlists.shares(session=s, actor=w.tutor, vacancy_id=w.vacancy_id)
        revoked = s.get(ShortlistShare, share_id)
    assert [(v.id, v.active) for v in listed] == [(again, True), (share_id, False)]
    assert revoked.revoked_at >= revoked.shared_at


def test_sharing_with_nobody_consenting_is_refused(engine, world):
    _add(engine, world, "carla")
    with pytest.raises(ValidationError, match="nobody_shareable"):
        _share(engine, world, 0)
    with unit_of_work(engine) as s:
        assert s.scalars(select(ShortlistShare)).all() == []


def test_only_coordinators_share(engine, shortlisted):
    w = shortlisted
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        shortlists.share(
            session=s, actor=w.tutor, vacancy_id=w.vacancy_id, partner_org_id=w.partners[0]
        )
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        partners.shortlist(session=s, actor=w.coordinator, vacancy_id=w.vacancy_id)
