"""A CI-sized run of ``python -m fleming bench``: the structure of its report, never its timings."""

from __future__ import annotations

import json

import pytest

from fleming import cli
from fleming.devtools import bench


def test_small_bench_reports_every_measure_and_agrees(engine, tmp_path, capsys):
    url = engine.url.render_as_string(hide_password=False)
    messages: list[str] = []
    report = bench.run(
        url,
        scale=0.02,
        repeat=1,
        page_scripts=("home.py", "people.py"),
        say=messages.append,
    )
    assert report["rows"]["people"] == 40
    assert report["dialect"] == engine.dialect.name

    # matching: the vectorised ranking gives the per-person loop's scores, for every vacancy
    m = report["matching"]
    n = min(20, report["rows"]["vacancies"])
    assert n > 5 and m["vacancies"] == n and m["loop_vacancies"] == n
    assert m["agree"] is True and m["max_score_diff"] < 1e-9
    assert m["people"] == 40 and len(m["per_vacancy_ms"]) == n

    # every KPI, in both periods, gives the same numbers as its raw SQL
    kpis = {(k["kpi"], k["period"]) for k in report["kpis"]}
    assert kpis == {(name, period) for name in bench.KPI_RAW for period in ("year", "all")}
    assert [k["kpi"] for k in report["kpis"] if not k["agree"]] == []
    # each KPI's own queries were captured and replayed: at least one statement, timed, and the
    # ratios are the figures they divide
    for k in report["kpis"]:
        assert k["statements"] >= 1, k
        assert k["function_ms"] > 0 and k["queries_ms"] > 0 and k["raw_ms"] > 0, k
        assert k["queries_ratio"] == pytest.approx(k["queries_ms"] / k["raw_ms"])
        assert k["function_ratio"] == pytest.approx(k["function_ms"] / k["raw_ms"])
    assert report["targets"]["KPI queries ≤ 2× their raw SQL"] == all(
        k["queries_ratio"] <= bench.KPI_RATIO for k in report["kpis"]
    )

    # the register cases found people; the pages opened without errors for their roles
    assert {r["case"] for r in report["register"]} >= {"first page", "last page", "surname"}
    assert next(r for r in report["register"] if r["case"] == "first page")["total"] == 40
    pages = {(p["script"], p["role"]) for p in report["pages"]}
    assert pages == {
        ("home.py", "admin"),
        ("home.py", "coordinator"),
        ("home.py", "tutor"),
        ("home.py", "partner"),
        ("people.py", "coordinator"),
        ("people.py", "tutor"),
    }
    assert [p for p in report["pages"] if p["error"]] == []
    assert all(p["median_ms"] > 0 and p["empty_ms"] > 0 for p in report["pages"])
    assert all(p["first_ms"] > 0 and p["empty_first_ms"] > 0 for p in report["pages"])

    assert report["peak_rss_mb"] > 0
    assert set(report["targets"]) >= {"ranking agrees with the loop", "pages ≤ 300 ms"}
    table = bench.format_table(report)
    for heading in ("**Matching**", "**KPIs**", "**People register**", "**Pages**"):
        assert heading in table
    for column in ("queries ms (statements)", "function / raw", "queries / raw", "first run ms"):
        assert column in table
    path = tmp_path / "bench.json"
    bench.write_json(report, str(path))
    assert json.loads(path.read_text())["matching"]["agree"] is True

    # a second run reuses the data instead of generating them again
    again = bench.run(url, scale=0.02, repeat=1, with_pages=False, say=messages.append)
    assert again["generated_now"] is False and report["generated_now"] is True


def test_bench_refuses_a_database_that_is_not_demo_data(engine, capsys):
    from fleming.actor import SYSTEM
    from fleming.auth import create_user
    from fleming.db import unit_of_work
    from fleming.models import Role

    with unit_of_work(engine) as session:
        create_user(
            session=session,
            actor=SYSTEM,
            username="m.rossi",
            full_name="Maria Rossi",
            password="a-long-password",
            role=Role.ADMIN,
        )
    url = engine.url.render_as_string(hide_password=False)
    assert cli.main(["bench", "--database-url", url, "--scale", "0.02", "--no-pages"]) == 1
    assert "not demo data" in capsys.readouterr().err
