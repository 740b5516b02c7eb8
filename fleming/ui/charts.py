"""Showing KPI charts on a page: the chart, its one-line reading and its data as CSV.

Also the cached KPI frames (``st.cache_data`` keyed by the filters), the cached chart views of
the three dashboard pages and the report downloads, so the dashboard pages stay thin.

A chart view is the chart already turned into its Vega-Lite spec (validated once, when the
view is cached), its reading and its CSV: building and validating the Altair charts took about a
second per script run of the dashboard at decade scale, far more than reading the figures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from fleming import config, kpi, kpi_report
from fleming.actor import Actor
from fleming.db import unit_of_work
from fleming.exports import neutralise_frame
from fleming.i18n import fmt_date
from fleming.kpi import KpiFilters
from fleming.kpi_charts import (
    Headline,
    dashboard_sections,
    export_frame,
    fairness_chart,
    fairness_reading,
    gap_chart,
    gap_reading,
    headlines,
    suggestion_chart,
    suggestion_reading,
)
from fleming.ui import cache
from fleming.ui.context import engine, lang, t
from fleming.ui.vega import altair_spec

CACHE_TTL = 300  # seconds: figures refresh at most five minutes after a change
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>])")


def _plain(text: str) -> str:
    """Escape Markdown, so names in a reading are shown as written."""
    return _MARKDOWN.sub(r"\\\1", text)


def csv_bytes(frame: pd.DataFrame, language: str) -> bytes:
    """The frame as CSV with translated headers; Italian uses ``;`` and decimal comma (what a
    spreadsheet set to Italian expects), with a BOM so accents open correctly."""
    out = neutralise_frame(export_frame(frame, language))  # names could start a formula
    if language == "it":
        return out.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")
    return out.to_csv(index=False).encode("utf-8-sig")


@dataclass(frozen=True)
class ChartView:
    """A chart ready to show: its Vega-Lite spec, its one-line reading and its data as CSV."""

    key: str
    spec: dict[str, Any]
    reading: str
    csv: bytes


def chart_view(
    chart: alt.TopLevelMixin, frame: pd.DataFrame, reading: str, key: str, language: str
) -> ChartView:
    """Turn ``chart`` into the spec ``st.altair_chart`` would send (Streamlit's own conversion:
    Altair's schema validation, data as Arrow), so a cached view renders exactly like it."""
    spec = altair_spec(chart)
    return ChartView(key=key, spec=spec, reading=reading, csv=csv_bytes(frame, language))


def show_chart(view: ChartView) -> None:
    """The chart, then its reading with a "download the data (CSV)" button beside it."""
    st.vega_lite_chart(spec=view.spec, width="stretch", theme=None, key=f"{view.key}_chart")
    left, right = st.columns([5, 1.3], vertical_alignment="center")
    left.markdown(_plain(view.reading))
    right.download_button(
        t("kpi.download.csv"),
        data=view.csv,
        file_name=f"dati_grafico_{view.key}.csv",
        mime="text/csv",
        key=f"{view.key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )


# --------------------------------------------------------------------------- cached reads
@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _cached_frame(
    url: str,
    name: str,
    filters: KpiFilters,
    actor_key: tuple,
    language: str,
    months: int,
    _actor: Actor,
) -> pd.DataFrame:
    with unit_of_work(engine()) as session:
        if name in ("competence_gap", "workshop_suggestion"):
            fn = getattr(kpi, name)
            return fn(session=session, actor=_actor, filters=filters, lang=language, months=months)
        return kpi.compute(name, session=session, actor=_actor, filters=filters, lang=language)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _cached_targets(url: str, actor_key: tuple, _actor: Actor) -> kpi.Targets:
    with unit_of_work(engine()) as session:
        return kpi.targets(session=session, actor=_actor)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _cached_options(url: str, actor_key: tuple, language: str, _actor: Actor):
    with unit_of_work(engine()) as session:
        return kpi.filter_options(session=session, actor=_actor, lang=language)


def kpi_options(actor: Actor) -> kpi.FilterOptions:
    return _cached_options(config.database_url(), cache.actor_key(actor), lang(), actor)


# --------------------------------------------------------------------------- cached chart views
# Keyed like the KPI frames they are drawn from (database, filters, user, language), with the
# same ttl, so the figures change on screen at most a few minutes after the data (as before).
# ``max_entries`` bounds the memory: a view holds Vega-Lite specs and CSV bytes.
VIEW_ENTRIES = 64


@dataclass(frozen=True)
class SectionView:
    key: str
    note: str | None
    charts: tuple[ChartView, ...]


@dataclass(frozen=True)
class DashboardView:
    headlines: tuple[Headline, ...]
    sections: tuple[SectionView, ...]


@st.cache_data(ttl=CACHE_TTL, max_entries=VIEW_ENTRIES, show_spinner=False)
def _cached_dashboard(
    url: str, filters: KpiFilters, actor_key: tuple, language: str, _actor: Actor
) -> DashboardView:
    frames = {
        name: _cached_frame(url, name, filters, actor_key, language, 6, _actor) for name in kpi.KPIS
    }
    targets = _cached_targets(url, actor_key, _actor)
    sections = dashboard_sections(
        frames,
        targets,
        filters,
        language,
        reference_day=fmt_date(filters.reference_day(), language),
    )
    return DashboardView(
        headlines=tuple(headlines(frames, targets, language)),
        sections=tuple(
            SectionView(
                key=s.key,
                note=s.note,
                charts=tuple(
                    chart_view(c.chart, c.frame, c.reading, f"kpi_{c.key}", language)
                    for c in s.charts
                ),
            )
            for s in sections
        ),
    )


def dashboard_view(filters: KpiFilters, actor: Actor) -> DashboardView:
    """The dashboard's headline figures and its sections of charts, cached (see above)."""
    return _cached_dashboard(config.database_url(), filters, cache.actor_key(actor), lang(), actor)


@dataclass(frozen=True)
class FairnessView:
    frame: pd.DataFrame
    charts: dict[str, tuple[ChartView, ChartView]]  # dimension -> (hire, shortlist)


FAIRNESS_DIMENSIONS = ("sex", "citizenship", "protection", "fragility")


@st.cache_data(ttl=CACHE_TTL, max_entries=VIEW_ENTRIES, show_spinner=False)
def _cached_fairness(
    url: str, filters: KpiFilters, actor_key: tuple, language: str, _actor: Actor
) -> FairnessView:
    frame = _cached_frame(url, "fairness", filters, actor_key, language, 6, _actor)
    charts = {}
    for dimension in FAIRNESS_DIMENSIONS:
        rows = frame[frame["dimension"] == dimension]
        charts[dimension] = tuple(
            chart_view(
                fairness_chart(frame, dimension, measure, language),
                rows,
                fairness_reading(frame, dimension, language, measure),
                f"kpi_fairness_{dimension}_{measure}",
                language,
            )
            for measure in ("hire", "shortlist")
        )
    return FairnessView(frame=frame, charts=charts)


def fairness_view(filters: KpiFilters, actor: Actor) -> FairnessView:
    """The fairness frame and its two charts per dimension, cached."""
    return _cached_fairness(config.database_url(), filters, cache.actor_key(actor), lang(), actor)


@dataclass(frozen=True)
class GapView:
    gap: pd.DataFrame
    suggestion: ChartView
    gap_chart: ChartView


@st.cache_data(ttl=CACHE_TTL, max_entries=VIEW_ENTRIES, show_spinner=False)
def _cached_gap(
    url: str, filters: KpiFilters, actor_key: tuple, language: str, months: int, _actor: Actor
) -> GapView:
    suggestion = _cached_frame(
        url, "workshop_suggestion", filters, actor_key, language, months, _actor
    )
    gap = _cached_frame(url, "competence_gap", filters, actor_key, language, months, _actor)
    return GapView(
        gap=gap,
        suggestion=chart_view(
            suggestion_chart(suggestion, language),
            suggestion,
            suggestion_reading(suggestion, language),
            "kpi_gap_suggestion",
            language,
        ),
        gap_chart=chart_view(
            gap_chart(gap, language),
            gap,
            gap_reading(gap, language, months),
            "kpi_gap",
            language,
        ),
    )


def gap_view(filters: KpiFilters, actor: Actor, months: int) -> GapView:
    """The competence gap frame and the two charts of its page, cached."""
    return _cached_gap(
        config.database_url(), filters, cache.actor_key(actor), lang(), months, actor
    )


# --------------------------------------------------------------------------- sidebar filters
def sidebar_filters(actor: Actor, prefix: str, *, with_period: bool = True) -> KpiFilters:
    """The dashboard's filters in the sidebar; returns the chosen ``KpiFilters``."""
    options = kpi_options(actor)
    today = date.today()
    sb = st.sidebar
    sb.subheader(t("kpi.filters.heading"))
    start, end = date(today.year, 1, 1), date(today.year, 12, 31)
    if with_period:
        kinds = ["year", "quarter", "custom"]
        kind = sb.segmented_control(
            t("kpi.filters.period"),
            kinds,
            default="year",
            format_func=lambda k: t(f"kpi.filters.period.{k}"),
            key=f"{prefix}_period_kind",
            required=True,
        )
        years = list(range(options.last_year, options.first_year - 1, -1))
        if kind == "custom":
            c1, c2 = sb.columns(2)
            start = c1.date_input(
                t("kpi.filters.from"),
                value=date(today.year, 1, 1),
                format="DD/MM/YYYY",
                key=f"{prefix}_from",
            )
            end = c2.date_input(
                t("kpi.filters.to"), value=today, format="DD/MM/YYYY", key=f"{prefix}_to"
            )
            if end < start:
                sb.warning(t("kpi.filters.bad_period"))
                start, end = end, start
        else:
            year = sb.selectbox(
                t("kpi.filters.year"),
                years,
                index=years.index(today.year) if today.year in years else 0,
                key=f"{prefix}_year",
            )
            if kind == "quarter":
                quarter = sb.selectbox(
                    t("kpi.filters.quarter"),
                    [1, 2, 3, 4],
                    index=(today.month - 1) // 3 if year == today.year else 3,
                    format_func=lambda q: t("kpi.filters.quarter_label", q=q),
                    key=f"{prefix}_quarter",
                )
                q = KpiFilters.quarter(year, quarter)
                start, end = q.start, q.end
            else:
                start, end = date(year, 1, 1), date(year, 12, 31)

    def choice(label_key: str, opts, key: str):
        values = [None, *[o.value for o in opts]]
        labels = {o.value: o.label for o in opts}
        return sb.selectbox(
            t(label_key),
            values,
            format_func=lambda v: t("kpi.filters.all") if v is None else labels[v],
            key=f"{prefix}_{key}",
        )

    trade = choice("kpi.filters.trade", options.trades, "trade")
    funding = choice("kpi.filters.funding", options.funding_streams, "funding")
    tutor = choice("kpi.filters.tutor", options.tutors, "tutor")
    partner = choice("kpi.filters.partner", options.partners, "partner")
    return KpiFilters(
        start=start,
        end=end,
        trade_id=trade,
        funding_stream=funding,
        tutor_id=tutor,
        partner_org_id=partner,
    )


# --------------------------------------------------------------------------- reports
def report_downloads(actor: Actor, filters: KpiFilters, key: str) -> None:
    """PDF and Excel of the period; each file is made only when its button is pressed."""
    eng = engine()
    language = lang()

    def maker(kind: str) -> Callable[[], bytes]:
        def make() -> bytes:
            with unit_of_work(eng) as session:
                build = kpi_report.pdf if kind == "pdf" else kpi_report.workbook
                return build(session=session, actor=actor, filters=filters, lang=language)

        return make

    stem = f"indicatori_{filters.start:%Y%m%d}_{filters.end:%Y%m%d}"
    c1, c2 = st.columns(2)
    c1.download_button(
        t("kpi.download.pdf"),
        data=maker("pdf"),
        file_name=f"{stem}.pdf",
        mime="application/pdf",
        key=f"{key}_pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
        width="stretch",
    )
    c2.download_button(
        t("kpi.download.xlsx"),
        data=maker("xlsx"),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        icon=":material/table_view:",
        on_click="ignore",
        width="stretch",
    )
