"""KPI filters, readings and charts: pure logic on small frames."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from fleming import kpi_charts as kc
from fleming import kpi_schemas as ks
from fleming.kpi import KpiFilters, Targets, _months, _months_back

TARGETS = Targets(internships_per_year=300, hire_rate=0.55, not_seen_days=30)


def test_periods():
    q = KpiFilters.quarter(2026, 2)
    assert (q.start, q.end) == (date(2026, 4, 1), date(2026, 6, 30))
    assert q.quarter_of == (2026, 2)
    assert not q.is_year
    y = KpiFilters.year(2026)
    assert y.is_year and y.quarter_of is None
    assert KpiFilters(date(2026, 4, 1), date(2026, 6, 29)).quarter_of is None
    with pytest.raises(ValueError):
        KpiFilters(date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(ValueError):
        KpiFilters.quarter(2026, 5)
    assert y.reference_day(date(2026, 11, 28)) == date(2026, 11, 28)
    assert KpiFilters.year(2025).reference_day(date(2026, 11, 28)) == date(2025, 12, 31)


def test_month_helpers():
    assert [m[0] for m in _months(date(2025, 11, 15), date(2026, 2, 1))] == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert _months(date(2024, 2, 3), date(2024, 2, 3))[0][2] == date(2024, 2, 29)
    assert _months_back(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert _months_back(date(2026, 3, 15), 3) == date(2025, 12, 15)


def _yearly(started: int, target: float = 300.0, year: int = 2026) -> pd.DataFrame:
    return ks.InternshipsByYear.validate(
        pd.DataFrame(
            {
                "year": [year],
                "started": [started],
                "target": [target],
                "share_of_target": [started / target],
            }
        )
    )


def test_internships_reading_in_italian_and_english():
    y = KpiFilters.year(2026)
    assert kc.internships_reading(_yearly(286), y, "it") == (
        "Nel 2026 avviati 286 tirocini, il 95% dell'obiettivo di 300."
    )
    assert kc.internships_reading(_yearly(286), y, "en") == (
        "In 2026, 286 internships started: 95% of the target of 300."
    )
    assert kc.internships_reading(_yearly(0), y, "it") == (
        "Nessun tirocinio avviato nel periodo scelto."
    )
    q = KpiFilters.quarter(2026, 1)
    assert kc.internships_reading(_yearly(70, 74.0), q, "it") == (
        "Nel periodo avviati 70 tirocini, il 95% dell'obiettivo del periodo (74)."
    )


def test_italian_article_before_eight_and_eleven():
    assert kc.internships_reading(_yearly(255), KpiFilters.year(2026), "it").endswith(
        "l'85% dell'obiettivo di 300."
    )
    assert kc.internships_reading(_yearly(33), KpiFilters.year(2026), "it").endswith(
        "l'11% dell'obiettivo di 300."
    )


def _outcomes(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["quarter", "ended", "hired", "not_hired", "interrupted"])
    frame["hire_rate"] = frame["hired"] / frame["ended"]
    return ks.HireOutcomes.validate(frame)


def test_hire_reading_sums_the_quarters_and_says_when_nothing_ended():
    frame = _outcomes([("2026-Q1", 40, 20, 15, 5), ("2026-Q2", 60, 36, 20, 4)])
    assert kc.hire_rate_reading(frame, TARGETS, "it") == (
        "Tirocini conclusi: 100, di cui 56 con un'assunzione: il 56% (obiettivo 55%)."
    )
    assert "non si può calcolare" in kc.hire_rate_reading(_outcomes([]), TARGETS, "it")


def test_fairness_reading_ignores_groups_too_small_to_read():
    frame = pd.DataFrame(
        {
            "dimension": ["sex", "sex", "citizenship", "citizenship", "citizenship"],
            "group": ["F", "M", "italian", "eu", "non_eu"],
            "label": ["Donna", "Uomo", "Italiana", "Altro Paese UE", "Extra UE"],
            "interns_ended": [40, 60, 50, 3, 47],
            "hired": [20, 36, 30, 3, 20],
            "hire_rate": [0.5, 0.6, 0.6, 1.0, 20 / 47],
            "intake": [50, 70, 60, 5, 55],
            "shortlisted": [20, 30, 25, 1, 24],
            "shortlisting_rate": [0.4, 30 / 70, 25 / 60, 0.2, 24 / 55],
            "small_interns": [False, False, False, True, False],
            "small_intake": [False, False, False, True, False],
        }
    )
    frame = ks.Fairness.validate(frame)
    text = kc.fairness_reading(frame, "citizenship", "it")
    assert "Altro Paese UE" not in text  # 3 people: not read as the best group
    assert text.startswith("Tasso di assunzione più alto: Italiana (60%); più basso: Extra UE")
    one = frame[frame["dimension"] != "sex"].assign(small_interns=True)
    assert "Meno di due gruppi" in kc.fairness_reading(one, "citizenship", "it")


def test_every_chart_builds_on_empty_frames():
    empty = {
        "monthly": pd.DataFrame(
            columns=["month", "started", "cumulative", "target", "cumulative_target"]
        ),
    }
    assert kc.internships_chart(empty["monthly"], "it").to_dict()
    assert kc.hire_rate_chart(_outcomes([]), TARGETS, "it").to_dict()
    spec = kc.hire_rate_chart(_outcomes([("2026-Q1", 4, 2, 1, 1)]), TARGETS, "it").to_dict()
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert spec["title"]["subtitle"] == "Linea tratteggiata: obiettivo 55%"


def test_export_frame_translates_headers():
    frame = pd.DataFrame({"month": [], "started": [], "hire_rate": []})
    assert list(kc.export_frame(frame, "it").columns) == [
        "Mese",
        "Tirocini avviati",
        "Tasso di assunzione",
    ]
    assert list(kc.export_frame(frame, "en").columns) == [
        "Month",
        "Internships started",
        "Hire rate",
    ]


def test_every_kpi_column_has_a_translated_header():
    import pandera.pandas as pa

    from fleming.i18n import catalogue

    columns = {
        column
        for model in vars(ks).values()
        if isinstance(model, type)
        and issubclass(model, pa.DataFrameModel)
        and model.__module__ == ks.__name__
        and not model.__name__.startswith("_")
        for column in model.to_schema().columns
    }
    assert columns, "no KPI schema found"
    assert sorted(c for c in columns if f"kpi.col.{c}" not in catalogue()) == []
