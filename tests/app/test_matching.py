"""The matching page as a coordinator and as a tutor, and the person page's vacancies panel."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from fleming import matching, partners
from fleming.actor import Actor
from fleming.db import get_engine, unit_of_work
from fleming.models import (
    AuditEntry,
    Consent,
    ConsentPurpose,
    PartnerOrganisation,
    Person,
    Role,
    ShortlistEntry,
    ShortlistShare,
    ShortlistStage,
    User,
)
from fleming.ui.context import ACTOR_KEY
from tests.actors import actor_of
from tests.app.conftest import APP, TIMEOUT
from tests.app.helpers import login_as

PAGE = "app_pages/matching.py"


def _open(username: str) -> AppTest:
    at = login_as(AppTest.from_file(APP, default_timeout=TIMEOUT), username).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert not [e.value for e in at.error]
    return at


def _selected_ranking(url: str, at: AppTest, username: str):
    vacancy_id = at.selectbox(key="matching_vacancy_it").value
    with unit_of_work(get_engine(url)) as s:
        return matching.rank_people(session=s, actor=actor_of(url, username), vacancy_id=vacancy_id)


def _table(at: AppTest, column: str):
    """The first table with this column, or None (AppTest does not expose dataframe keys)."""
    return next((d.value for d in at.dataframe if column in d.value.columns), None)


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _tab(at: AppTest, label: str) -> AppTest:
    """Open a tab of the page (only the open tab's content runs)."""
    at.session_state["matching_tab"] = label
    return at.run()


def test_coordinator_sees_a_ranking_with_explanations(own_demo):
    at = _open("coordinatore")
    ranking = _selected_ranking(own_demo, at, "coordinatore")
    top = ranking.eligible.head(10)
    assert at.title[0].value == "Abbinamento persone e fabbisogni"
    table = _table(at, "Da dove viene il punteggio")
    names = (top["first_name"] + " " + top["last_name"]).tolist()
    assert table["Persona"].tolist() == names
    assert table["Punteggio"].tolist() == top["score"].round(1).tolist()
    assert table["Da dove viene il punteggio"].str.contains("Competenze").all()
    heads = [e.label for e in at.expander if e.label.startswith("#")]
    assert heads[0].startswith(f"#1 {names[0]} — ")
    assert len(heads) == len(top)
    first = next(e for e in at.expander if e.label.startswith("#1 "))
    assert not first.markdown, "a closed explanation does not run"
    at.session_state[f"matching_explain_{int(top['person_id'].iloc[0])}"] = True
    first = next(e for e in at.run().expander if e.label.startswith("#1 "))
    texts = " ".join(m.value for m in first.markdown)
    assert "Competenze raggiunte" in texts and "Competenze mancanti" in texts
    terms = first.dataframe[0].value
    assert terms["Voce"].tolist() == [
        "Competenze",
        "Penalità essenziali",
        "Laboratorio",
        "Italiano",
        "Vicinanza",
        "Attesa",
    ]
    assert at.get("vega_lite_chart"), "the terms of the selected person are charted"
    assert "Salva i pesi" not in [b.label for b in at.button], "the weights run only when open"
    at.session_state["matching_weights"] = True
    assert "Salva i pesi" in [b.label for b in at.run().button]
    assert at.get("download_button")[0].label == "Scarica i dati (CSV)"


def test_show_excluded_lists_every_excluded_person_with_reasons(own_demo):
    at = _open("coordinatore")
    assert _table(at, "Motivi di esclusione") is None
    at.toggle(key="matching_show_excluded").set_value(True).run()
    assert not at.exception, at.exception
    ranking = _selected_ranking(own_demo, at, "coordinatore")
    table = _table(at, "Motivi di esclusione")
    assert len(table) == len(ranking.excluded) > 0
    assert (table["Motivi di esclusione"].str.len() > 0).all()
    assert table["Motivi di esclusione"].str.contains("percorso chiuso|già assunta").any()


def test_coordinator_adds_moves_and_shares(own_demo):
    at = _open("coordinatore")
    ranking = _selected_ranking(own_demo, at, "coordinatore")
    vacancy_id = ranking.vacancy.id
    with unit_of_work(get_engine(own_demo)) as s:
        before = {
            e.person_id
            for e in s.scalars(
                select(ShortlistEntry).where(ShortlistEntry.vacancy_id == vacancy_id)
            )
        }
    candidate = next(int(p) for p in ranking.eligible["person_id"] if int(p) not in before)
    at.session_state[f"matching_explain_{candidate}"] = True  # the button is in its explanation
    at.run().button(key=f"matching_add_{candidate}").click().run()
    assert not at.exception
    with unit_of_work(get_engine(own_demo)) as s:
        entry = s.scalars(
            select(ShortlistEntry).where(
                ShortlistEntry.vacancy_id == vacancy_id, ShortlistEntry.person_id == candidate
            )
        ).one()
        person = s.get(Person, candidate)
        name = f"{person.first_name} {person.last_name}"
    assert entry.stage is ShortlistStage.PROPOSED
    assert entry.score == pytest.approx(ranking.explain(candidate).score, abs=0.01)
    assert not any(c.value.startswith("In rosa:") for c in at.caption), "only the open tab runs"
    _tab(at, "Rosa dei candidati")
    assert f"In rosa: {len(before) + 1} ·" in " ".join(c.value for c in at.caption)

    # move the new entry to "contacted"
    at.selectbox(key="matching_move_entry").set_value(entry.id).run()
    at.selectbox(key=f"matching_move_to_{entry.id}_it").set_value(ShortlistStage.CONTACTED)
    _button(at, "Salva la fase").click().run()
    assert not at.exception
    history = _table(at, "Passaggio")
    row = history[history["Persona"] == name].iloc[0]
    assert row["Passaggio"] == "Proposto → Contattato"
    assert row["Chi"] == "Coordinatrice Demo"

    # withdrawing without a reason is refused next to the field
    at.selectbox(key="matching_move_entry").set_value(entry.id).run()
    at.selectbox(key=f"matching_move_to_{entry.id}_it").set_value(ShortlistStage.WITHDRAWN)
    _button(at, "Salva la fase").click().run()
    assert "Indica il motivo." in [e.value for e in at.error]

    # the person consents to one partner: the shortlist can be shared with it
    with unit_of_work(get_engine(own_demo)) as s:
        org = s.scalars(select(PartnerOrganisation).order_by(PartnerOrganisation.name)).first()
        active = s.scalars(
            select(ShortlistShare).where(
                ShortlistShare.vacancy_id == vacancy_id,
                ShortlistShare.partner_org_id == org.id,
                ShortlistShare.revoked_at.is_(None),
            )
        ).first()
        if active is not None:
            active.revoked_at = active.shared_at
        s.add(
            Consent(
                person_id=candidate,
                purpose=ConsentPurpose.PARTNER_SHARING,
                partner_org_id=org.id,
                given_on=date.today(),
                text_version="test",
            )
        )
        org_name = org.name
    _tab(at, "Condivisione con i partner")
    at.selectbox(key="matching_share_partner").set_value(org.id).run()
    assert any(m.value.startswith("**Visibili al partner (") for m in at.markdown)
    assert any(f"- {name} (Contattato)" in m.value for m in at.markdown)
    _button(at, f"Condividi con {org_name}").click().run()
    assert not at.exception
    shares = _table(at, "Condivisa")
    assert shares.iloc[0]["Partner"] == org_name and shares.iloc[0]["Stato"] == "attiva"
    with unit_of_work(get_engine(own_demo)) as s:
        audit = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "share").order_by(AuditEntry.id.desc())
        ).first()
        assert candidate in audit.changes["people"]
        partner = s.scalars(select(User).where(User.partner_org_id == org.id)).first()
        if partner is not None:
            seen = partners.shortlist(
                session=s,
                actor=Actor(
                    id=partner.id,
                    username=partner.username,
                    full_name=partner.full_name,
                    role=Role.PARTNER,
                    partner_org_id=org.id,
                ),
                vacancy_id=vacancy_id,
            ).people
            assert person.first_name in [v.first_name for v in seen]
    # and un-shared again
    _button(at, "Revoca la condivisione").click().run()
    shares = _table(at, "Condivisa")
    assert shares.iloc[-1]["Stato"].startswith("revocata")


def test_tutor_reads_with_own_people_highlighted(own_demo):
    at = _open("tutor")
    tutor = actor_of(own_demo, "tutor")
    ranking = _selected_ranking(own_demo, at, "tutor")
    table = _table(at, "Da dove viene il punteggio")
    top = ranking.eligible.head(10)
    mine = (top["tutor_id"] == tutor.id).fillna(False).tolist()
    assert table["Mia"].tolist() == ["★" if m else "" for m in mine]
    assert "★ Persone di cui sei tutor." in [c.value for c in at.caption]
    at.session_state["matching_weights"] = True  # the weights open: read-only for a tutor
    labels = [b.label for b in at.run().button]
    assert any("punteggio (0–100)" in m.value for m in at.expander[0].markdown)
    assert "Salva la fase" not in labels  # stages and sharing are the coordinator's
    assert not any(label.startswith("Condividi con") for label in labels)
    assert "Salva i pesi" not in labels
    # the add button is offered only for the tutor's own people not yet listed: among the
    # first 100, each explanation opened (the button is in it)
    top = ranking.eligible.head(100)
    mine = (top["tutor_id"] == tutor.id).fillna(False).tolist()
    at.selectbox(key="matching_top_n").set_value(100)
    for p in top["person_id"]:
        at.session_state[f"matching_explain_{int(p)}"] = True
    add_keys = {b.key for b in at.run().button if b.label == "Aggiungi alla rosa"}
    with unit_of_work(get_engine(own_demo)) as s:
        listed = set(
            s.scalars(
                select(ShortlistEntry.person_id).where(
                    ShortlistEntry.vacancy_id == ranking.vacancy.id
                )
            )
        )
    expected = {
        f"matching_add_{int(p)}"
        for p, m in zip(top["person_id"], mine, strict=True)
        if m and int(p) not in listed
    }
    assert expected and add_keys == expected


def _panel(person_id: int) -> None:
    from fleming.ui.match_view import render_vacancies_for_person

    render_vacancies_for_person(person_id)


def test_vacancies_for_person_panel(own_demo):
    coordinator = actor_of(own_demo, "coordinatore")
    with unit_of_work(get_engine(own_demo)) as s:
        result = None
        for pid in s.scalars(select(Person.id).where(Person.status == "active").limit(30)):
            result = matching.vacancies_for_person(session=s, actor=coordinator, person_id=pid)
            if result.matches and not result.blocked:
                break
    assert result is not None and result.matches
    at = AppTest.from_function(_panel, args=(result.person_id,), default_timeout=TIMEOUT)
    at.session_state[ACTOR_KEY] = coordinator
    at.run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == "Fabbisogni aperti per questa persona"
    table = at.dataframe[0].value
    assert table["Fabbisogno"].tolist() == [m.title for m in result.matches]
    if result.focus:
        assert any("Per arrivare ai 5 fabbisogni più vicini" in m.value for m in at.markdown)
