"""Showing KPI charts on a page: the chart, its one-line reading and its data as CSV.

Also the cached KPI frames (``st.cache_data`` keyed by the filters) and the report downloads, so
the dashboard pages stay thin.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from fleming import config, kpi, kpi_report
from fleming.actor import Actor
from fleming.db import unit_of_work
from fleming.exports import neutralise_frame
from fleming.kpi import KpiFilters
from fleming.kpi_charts import export_frame
from fleming.ui.context import engine, lang, t

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


def chart_with_data(chart: alt.TopLevelMixin, frame: pd.DataFrame, reading: str, key: str) -> None:
    """The chart, then its reading with a "download the data (CSV)" button beside it."""
    st.altair_chart(chart, width="stretch", theme=None, key=f"{key}_chart")
    left, right = st.columns([5, 1.3], vertical_alignment="center")
    left.markdown(_plain(reading))
    right.download_button(
        t("kpi.download.csv"),
        data=csv_bytes(frame, lang()),
        file_name=f"fleming_{key}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )


# --------------------------------------------------------------------------- cached reads
def _actor_key(actor: Actor) -> tuple:
    return (actor.id, actor.role.value, actor.partner_org_id)


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


def kpi_frame(name: str, filters: KpiFilters, actor: Actor, *, months: int = 6) -> pd.DataFrame:
    """A KPI frame, cached for ``CACHE_TTL`` seconds per database, filters, user and language."""
    return _cached_frame(
        config.database_url(), name, filters, _actor_key(actor), lang(), months, actor
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _cached_targets(url: str, actor_key: tuple, _actor: Actor) -> kpi.Targets:
    with unit_of_work(engine()) as session:
        return kpi.targets(session=session, actor=_actor)


def kpi_targets(actor: Actor) -> kpi.Targets:
    return _cached_targets(config.database_url(), _actor_key(actor), actor)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _cached_options(url: str, actor_key: tuple, language: str, _actor: Actor):
    with unit_of_work(engine()) as session:
        return kpi.filter_options(session=session, actor=_actor, lang=language)


def kpi_options(actor: Actor) -> kpi.FilterOptions:
    return _cached_options(config.database_url(), _actor_key(actor), lang(), actor)


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

    stem = f"fleming_{filters.start:%Y%m%d}_{filters.end:%Y%m%d}"
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
