"""The dashboard pages as a coordinator uses them; refused to tutors and partners."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from fleming.actor import Actor
from fleming.models import Role
from fleming.ui.context import ACTOR_KEY
from tests.app.conftest import TIMEOUT
from tests.app.helpers import login_as

CHARTS_ON_DASHBOARD = 13


def _open(app, user: str, page: str) -> AppTest:
    at = login_as(app(), user).run()
    at.switch_page(f"app_pages/{page}").run()
    assert not at.exception, at.exception
    assert not [e.value for e in at.error]
    return at


def _texts(at: AppTest) -> str:
    return " ".join(m.value.replace("\\", "") for m in at.markdown)


def test_coordinator_sees_every_chart_with_its_reading_and_csv(app):
    at = _open(app, "coordinatore", "kpi.py")
    assert at.title[0].value == "Cruscotto del centro"
    assert len(at.get("vega_lite_chart")) == CHARTS_ON_DASHBOARD
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("Scarica i dati (CSV)") == CHARTS_ON_DASHBOARD
    assert "Scarica il rapporto (PDF)" in labels and "Scarica le cifre (Excel)" in labels
    assert [m.label for m in at.metric] == [
        "Tirocini avviati",
        "Tasso di assunzione",
        "Tirocinanti stranieri",
        "Aziende con convenzione",
    ]
    assert f"Nel {date.today().year} avviati" in _texts(at)
    assert [t.label for t in at.tabs] == [
        "Tirocini",
        "Assunzioni",
        "Persone",
        "Tutor",
        "Aziende",
        "Laboratori",
    ]


def test_filtering_by_year_and_trade_changes_the_figures(app):
    at = _open(app, "coordinatore", "kpi.py")
    last_year = date.today().year - 1
    at.sidebar.selectbox(key="kpi_year").set_value(last_year).run()
    assert not at.exception
    assert f"Nel {last_year} avviati" in _texts(at)
    before = at.metric[0].value
    at.sidebar.selectbox(key="kpi_trade").select_index(1).run()
    assert not at.exception
    assert int(at.metric[0].value.replace(".", "")) < int(before.replace(".", ""))
    assert "Mestiere" in [s.label for s in at.sidebar.selectbox]


def test_dashboard_in_english(app):
    at = login_as(app(), "coordinatore")
    at.session_state["lang"] = "en"
    at.run()
    at.switch_page("app_pages/kpi.py").run()
    assert not at.exception
    assert at.title[0].value == "The centre's dashboard"
    assert f"In {date.today().year}, " in _texts(at)


def test_competence_gap_page(app):
    at = _open(app, "coordinatore", "kpi_gap.py")
    assert at.title[0].value == "Competenze da formare"
    assert len(at.get("vega_lite_chart")) == 2
    assert at.dataframe, "the per-trade table"
    at.sidebar.slider(key="kpi_gap_months").set_value(12).run()
    assert not at.exception
    assert "ultimi 12 mesi" in " ".join(c.value for c in at.caption)


def test_fairness_page_for_the_coordinator_warns_about_small_groups(app):
    at = _open(app, "coordinatore", "kpi_fairness.py")
    assert at.title[0].value == "Equità degli esiti"
    assert len(at.get("vega_lite_chart")) == 8  # 4 dimensions x (hire, shortlisting)
    assert [s.value for s in at.subheader][:4] == [
        "Per sesso",
        "Per cittadinanza",
        "Per status di protezione",
        "Per fragilità",
    ]
    assert any("meno di 10 persone" in w.value for w in at.warning)  # small demo: EU citizens


@pytest.mark.parametrize("page", ["kpi.py", "kpi_gap.py", "kpi_fairness.py"])
@pytest.mark.parametrize("role", [Role.TUTOR, Role.PARTNER])
def test_tutors_and_partners_are_refused(demo_url, monkeypatch, page, role):
    from fleming.ui.nav import PAGES

    spec = next(p for p in PAGES if p.script == page)
    monkeypatch.setenv("FLEMING_DATABASE_URL", demo_url)
    at = AppTest.from_file(str(spec.path), default_timeout=TIMEOUT)
    at.session_state[ACTOR_KEY] = Actor(
        id=3, username="x", full_name="X Y", role=role, partner_org_id=1
    )
    at.run()
    assert [e.value for e in at.error] == ["Il tuo ruolo non ha accesso a questa pagina."]
    assert not at.get("vega_lite_chart") and not at.get("download_button")
