"""The KPI charts (Altair) and their one-line readings, shared by the dashboard and the PDF report.

No Streamlit here: ``fleming.ui.charts`` shows a chart on a page, ``fleming.kpi_report`` renders the
same chart to PNG with vl-convert. Every chart is built from a validated KPI frame
(``fleming.kpi``), with Italian (or English) titles and number formats (a Vega ``locale``), a
sober palette, and values written on the marks or in tooltips so nothing is told by colour alone.

A *reading* is the chart's message in one sentence, computed from the same frame, e.g. "Nel 2026
avviati 286 tirocini, il 95% dell'obiettivo".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import altair as alt
import pandas as pd

from fleming.i18n import fmt_number, fmt_percent, translate
from fleming.kpi import KpiFilters, Targets

# A sober palette: one dark blue for the main measure, greys and a muted ochre for the rest;
# targets are a dashed dark line with a text label.
BLUE = "#1f4e79"
LIGHT_BLUE = "#7a9cc6"
GREY = "#9aa3ad"
DARK = "#333333"
OCHRE = "#c48a2c"
PALETTE = [BLUE, LIGHT_BLUE, OCHRE, GREY, "#4d7f5f", "#8c5a7a"]
# rate axes stop at 100% even when the scale leaves room for the labels on the right
RATE_AXIS = alt.Axis(format=".0%", values=[0, 0.25, 0.5, 0.75, 1])
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"

LOCALES = {
    "it": alt.Locale(
        number={"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", "\u00a0€"]},
        time={
            "dateTime": "%A %e %B %Y, %X",
            "date": "%d/%m/%Y",
            "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": [
                "domenica",
                "lunedì",
                "martedì",
                "mercoledì",
                "giovedì",
                "venerdì",
                "sabato",
            ],
            "shortDays": ["dom", "lun", "mar", "mer", "gio", "ven", "sab"],
            "months": [
                "gennaio",
                "febbraio",
                "marzo",
                "aprile",
                "maggio",
                "giugno",
                "luglio",
                "agosto",
                "settembre",
                "ottobre",
                "novembre",
                "dicembre",
            ],
            "shortMonths": [
                "gen",
                "feb",
                "mar",
                "apr",
                "mag",
                "giu",
                "lug",
                "ago",
                "set",
                "ott",
                "nov",
                "dic",
            ],
        },
    ),
    "en": alt.Locale(
        number={"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["€", ""]},
        time={
            "dateTime": "%a %e %b %Y, %X",
            "date": "%d/%m/%Y",
            "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": [
                "Sunday",
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
            ],
            "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
            "months": [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ],
            "shortMonths": [
                "Jan",
                "Feb",
                "Mar",
                "Apr",
                "May",
                "Jun",
                "Jul",
                "Aug",
                "Sep",
                "Oct",
                "Nov",
                "Dec",
            ],
        },
    ),
}


_ELIDE = re.compile(r"\b([Ii])l (8\d*|11)(?=[,%\s])")


def _t(key: str, lang: str, **params: object) -> str:
    """Translate; in Italian "il 85%" becomes "l'85%" (the article before otto/undici)."""
    text = translate(key, lang, **params)
    if lang == "it":
        text = _ELIDE.sub(lambda m: ("L'" if m.group(1) == "I" else "l'") + m.group(2), text)
    return text


def finish(chart: alt.TopLevelMixin, lang: str) -> alt.TopLevelMixin:
    """The shared look: locale for numbers and dates, fonts, quiet axes, no chart border."""
    return (
        chart.configure(locale=LOCALES[lang], font=FONT, background="white")
        .configure_view(stroke=None)
        .configure_axis(
            labelFontSize=12, titleFontSize=12, titleFontWeight="normal", gridColor="#e6e6e6"
        )
        .configure_legend(labelFontSize=12, titleFontSize=12, orient="bottom")
        .configure_range(category=PALETTE)
    )


def _pct(value: float | None, lang: str) -> str:
    return (
        "—"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else (fmt_percent(value, lang))
    )


def _num(value: float, lang: str, digits: int = 0) -> str:
    return (
        "—"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else (fmt_number(value, lang, digits))
    )


def rows_height(rows: int, per_row: int = 32, extra: int = 90) -> int:
    """Height of a horizontal bar chart: room per row plus title, axis and legend (in the page the
    height is the whole chart's, so a small one squeezes the bars)."""
    return max(160, per_row * rows + extra)


def _nan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def empty_chart(lang: str, width: int | str = "container") -> alt.Chart:
    """A chart that says there is nothing to show (instead of empty axes)."""
    frame = pd.DataFrame({"text": [_t("kpi.chart.no_data", lang)]})
    return (
        alt.Chart(frame)
        .mark_text(fontSize=14, color=DARK)
        .encode(text="text:N")
        .properties(width=width, height=60)
    )


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the dashboard: its frame, chart and reading (all in one language)."""

    key: str
    title: str
    chart: alt.TopLevelMixin
    frame: pd.DataFrame
    reading: str


# =========================================================================== internships
def internships_chart(
    monthly: pd.DataFrame, lang: str, width: int | str = "container", part: str = "monthly"
) -> alt.TopLevelMixin:
    """``part="monthly"``: bars of internships started per month against the monthly target;
    ``part="cumulative"``: the running total against the prorated target."""
    if monthly.empty:
        return finish(empty_chart(lang, width), lang)
    data = monthly.assign(
        started_label=_t("kpi.col.started", lang),
        target_label=_t("kpi.col.cumulative_target", lang),
    )
    tooltip = [
        alt.Tooltip("month:T", title=_t("kpi.axis.month", lang), format="%B %Y"),
        alt.Tooltip("started:Q", title=_t("kpi.col.started", lang), format=",d"),
        alt.Tooltip("cumulative:Q", title=_t("kpi.col.cumulative", lang), format=",d"),
        alt.Tooltip(
            "cumulative_target:Q", title=_t("kpi.col.cumulative_target", lang), format=",.0f"
        ),
    ]
    month_band = alt.X(
        "yearmonth(month):O",
        title=_t("kpi.axis.month", lang),
        axis=alt.Axis(format="%b %Y", formatType="time", labelAngle=-45, labelOverlap="greedy"),
    )
    bars = (
        alt.Chart(data)
        .mark_bar(color=BLUE, opacity=0.85)
        .encode(
            x=month_band,
            y=alt.Y("started:Q", title=_t("kpi.axis.started_per_month", lang)),
            tooltip=tooltip,
        )
    )
    labels = bars.mark_text(dy=-6, color=DARK, fontSize=11).encode(
        text=alt.Text("started:Q", format=",d")
    )
    monthly_target = (
        alt.Chart(data.head(1)).mark_rule(color=DARK, strokeDash=[6, 4]).encode(y="target:Q")
    )
    if part == "monthly":
        return finish(
            (bars + labels + monthly_target).properties(
                width=width,
                height=300,
                title=alt.TitleParams(
                    _t("kpi.chart.internships_monthly", lang),
                    subtitle=_t(
                        "kpi.chart.monthly_target",
                        lang,
                        value=_num(float(data["target"].iloc[0]), lang),
                    ),
                ),
            ),
            lang,
        )
    base = alt.Chart(data).encode(x=month_band, tooltip=tooltip)
    cumulative = base.mark_line(color=BLUE, point=True, strokeWidth=2).encode(
        y=alt.Y("cumulative:Q", title=_t("kpi.axis.cumulative", lang))
    )
    target = base.mark_line(color=DARK, strokeDash=[6, 4], strokeWidth=1.5).encode(
        y="cumulative_target:Q"
    )
    last = data.tail(1)
    total_label = (
        alt.Chart(last)
        .mark_text(align="right", dx=-4, dy=14, color=BLUE, fontSize=11)
        .encode(
            x="yearmonth(month):O", y="cumulative:Q", text=alt.Text("cumulative:Q", format=",d")
        )
    )
    running = (cumulative + target + total_label).properties(
        width=width,
        height=300,
        title=alt.TitleParams(
            _t("kpi.chart.internships_cumulative", lang),
            subtitle=_t("kpi.chart.cumulative_target_note", lang),
        ),
    )
    return finish(running, lang)


def internships_cumulative_reading(monthly: pd.DataFrame, lang: str) -> str:
    if monthly.empty or int(monthly["cumulative"].iloc[-1]) == 0:
        return _t("kpi.reading.internships_none", lang)
    last = monthly.iloc[-1]
    diff = int(last["cumulative"]) - round(float(last["cumulative_target"]))
    key = "kpi.reading.cumulative_ahead" if diff >= 0 else "kpi.reading.cumulative_behind"
    return _t(
        key,
        lang,
        n=_num(int(last["cumulative"]), lang),
        target=_num(float(last["cumulative_target"]), lang),
        diff=_num(abs(diff), lang),
    )


def internships_reading(yearly: pd.DataFrame, filters: KpiFilters, lang: str) -> str:
    started = int(yearly["started"].sum()) if not yearly.empty else 0
    target = float(yearly["target"].sum()) if not yearly.empty else 0.0
    if started == 0:
        return _t("kpi.reading.internships_none", lang)
    share = started / target if target else float("nan")
    if len(yearly) == 1 and filters.is_year:
        return _t(
            "kpi.reading.internships_year",
            lang,
            year=int(yearly["year"].iloc[0]),
            n=_num(started, lang),
            share=_pct(share, lang),
            target=_num(target, lang),
        )
    return _t(
        "kpi.reading.internships_period",
        lang,
        n=_num(started, lang),
        share=_pct(share, lang),
        target=_num(target, lang),
    )


# =========================================================================== hires
def hire_rate_chart(
    outcomes: pd.DataFrame, targets: Targets, lang: str, width: int | str = "container"
) -> alt.TopLevelMixin:
    """Hire rate per quarter (bars with their value) and the target as a dashed rule."""
    if outcomes.empty:
        return finish(empty_chart(lang, width), lang)
    data = outcomes.assign(target=targets.hire_rate, target_label=_t("kpi.col.target", lang))
    tooltip = [
        alt.Tooltip("quarter:N", title=_t("kpi.axis.quarter", lang)),
        alt.Tooltip("ended:Q", title=_t("kpi.col.ended", lang), format=",d"),
        alt.Tooltip("hired:Q", title=_t("kpi.col.hired", lang), format=",d"),
        alt.Tooltip("not_hired:Q", title=_t("kpi.col.not_hired", lang), format=",d"),
        alt.Tooltip("interrupted:Q", title=_t("kpi.col.interrupted", lang), format=",d"),
        alt.Tooltip("hire_rate:Q", title=_t("kpi.col.hire_rate", lang), format=".0%"),
    ]
    x = alt.X("quarter:N", title=_t("kpi.axis.quarter", lang), axis=alt.Axis(labelAngle=0))
    bars = (
        alt.Chart(data)
        .mark_bar(color=BLUE, opacity=0.85, width=alt.RelativeBandSize(0.6))
        .encode(
            x=x,
            y=alt.Y(
                "hire_rate:Q",
                title=_t("kpi.col.hire_rate", lang),
                axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            tooltip=tooltip,
        )
    )
    labels = bars.mark_text(dy=-6, color=DARK, fontSize=11).encode(
        text=alt.Text("hire_rate:Q", format=".0%")
    )
    rule = alt.Chart(data.head(1)).mark_rule(color=DARK, strokeDash=[6, 4]).encode(y="target:Q")
    return finish(
        (bars + labels + rule).properties(
            width=width,
            height=300,
            title=alt.TitleParams(
                _t("kpi.chart.hire_rate", lang),
                subtitle=_t("kpi.chart.target_label", lang, value=_pct(targets.hire_rate, lang)),
            ),
        ),
        lang,
    )


def hire_rate_reading(outcomes: pd.DataFrame, targets: Targets, lang: str) -> str:
    ended = int(outcomes["ended"].sum()) if not outcomes.empty else 0
    if ended == 0:
        return _t("kpi.reading.hire_none", lang)
    hired = int(outcomes["hired"].sum())
    return _t(
        "kpi.reading.hire_rate",
        lang,
        ended=_num(ended, lang),
        hired=_num(hired, lang),
        rate=_pct(hired / ended, lang),
        target=_pct(targets.hire_rate, lang),
    )


def contract_mix_chart(
    mix: pd.DataFrame, lang: str, width: int | str = "container"
) -> alt.TopLevelMixin:
    """Horizontal bars: hires per contract type, with count and share written on each bar."""
    if mix.empty or int(mix["hires"].sum()) == 0:
        return finish(empty_chart(lang, width), lang)
    data = mix.assign(
        text=[
            f"{_num(h, lang)} ({_pct(s, lang)})"
            for h, s in zip(mix["hires"], mix["share"], strict=True)
        ]
    )
    y = alt.Y("label:N", title=None, sort=None)
    bars = (
        alt.Chart(data)
        .mark_bar(color=BLUE, opacity=0.85)
        .encode(
            y=y,
            x=alt.X(
                "hires:Q",
                title=_t("kpi.col.hires", lang),
                scale=alt.Scale(domain=[0, 1.35 * max(1, int(mix["hires"].max()))]),
            ),
            tooltip=[
                alt.Tooltip("label:N", title=_t("kpi.col.contract_type", lang)),
                alt.Tooltip("hires:Q", title=_t("kpi.col.hires", lang), format=",d"),
                alt.Tooltip("share:Q", title=_t("kpi.col.share", lang), format=".0%"),
            ],
        )
    )
    text = bars.mark_text(align="left", dx=4, color=DARK, fontSize=11).encode(text="text:N")
    return finish(
        (bars + text).properties(width=width, height=240, title=_t("kpi.chart.contracts", lang)),
        lang,
    )


def contract_mix_reading(mix: pd.DataFrame, lang: str) -> str:
    if mix.empty or int(mix["hires"].sum()) == 0:
        return _t("kpi.reading.contracts_none", lang)
    top = mix.sort_values("hires", ascending=False).iloc[0]
    return _t(
        "kpi.reading.contracts",
        lang,
        label=str(top["label"]).lower() if lang == "it" else str(top["label"]),
        share=_pct(float(top["share"]), lang),
        n=_num(int(mix["hires"].sum()), lang),
    )


# =========================================================================== foreign interns
def foreign_chart(
    foreign: pd.DataFrame, lang: str, width: int | str = "container"
) -> alt.TopLevelMixin:
    """Per sex, interns split into foreign and Italian citizens (stacked, with counts)."""
    if foreign.empty or int(foreign["interns"].sum()) == 0:
        return finish(empty_chart(lang, width), lang)
    foreign_label = _t("kpi.col.foreign", lang)
    italian_label = _t("kpi.col.italian", lang)
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "label": foreign["label"],
                    "group": foreign_label,
                    "order": 0,
                    "people": foreign["foreign"],
                    "share": foreign["foreign_share"],
                }
            ),
            pd.DataFrame(
                {
                    "label": foreign["label"],
                    "group": italian_label,
                    "order": 1,
                    "people": foreign["interns"] - foreign["foreign"],
                    "share": 1 - foreign["foreign_share"],
                }
            ),
        ],
        ignore_index=True,
    )
    long["text"] = [
        f"{_num(p, lang)} ({_pct(s, lang)})" if p else ""
        for p, s in zip(long["people"], long["share"], strict=True)
    ]
    base = alt.Chart(long).encode(
        y=alt.Y("label:N", title=None),
        x=alt.X("people:Q", title=_t("kpi.col.interns", lang), stack="zero"),
        order=alt.Order("order:Q"),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "group:N",
            title=_t("kpi.col.citizenship", lang),
            scale=alt.Scale(domain=[foreign_label, italian_label], range=[BLUE, GREY]),
        ),
        tooltip=[
            alt.Tooltip("label:N", title=_t("kpi.col.sex", lang)),
            alt.Tooltip("group:N", title=_t("kpi.col.citizenship", lang)),
            alt.Tooltip("people:Q", title=_t("kpi.col.interns", lang), format=",d"),
            alt.Tooltip("share:Q", title=_t("kpi.col.share", lang), format=".0%"),
        ],
    )
    text = base.mark_text(align="right", dx=-4, color="white", fontSize=11).encode(
        text="text:N", x=alt.X("people:Q", stack="zero")
    )
    return finish(
        (bars + text).properties(width=width, height=260, title=_t("kpi.chart.foreign", lang)),
        lang,
    )


def foreign_reading(foreign: pd.DataFrame, lang: str) -> str:
    n = int(foreign["interns"].sum()) if not foreign.empty else 0
    if n == 0:
        return _t("kpi.reading.foreign_none", lang)
    f = int(foreign["foreign"].sum())
    by_sex = foreign.set_index("sex")["foreign_share"]
    return _t(
        "kpi.reading.foreign",
        lang,
        share=_pct(f / n, lang),
        foreign=_num(f, lang),
        n=_num(n, lang),
        men=_pct(by_sex.get("M"), lang),
        women=_pct(by_sex.get("F"), lang),
    )


# =========================================================================== funnel
def funnel_chart(funnel: pd.DataFrame, lang: str, width: int | str = "container"):
    """Horizontal bars, one per step, with people, conversion and median days in the label."""
    if funnel.empty or int(funnel["people"].iloc[0]) == 0:
        return finish(empty_chart(lang, width), lang)
    data = funnel.assign(
        label=[_t(f"kpi.step.{s}", lang) for s in funnel["step"]],
        text=[
            _num(p, lang)
            if _nan(c) or not p
            else _t(
                "kpi.chart.funnel_label",
                lang,
                n=_num(p, lang),
                conversion=_pct(c, lang),
                days=_num(d, lang),
            )
            for p, c, d in zip(
                funnel["people"], funnel["conversion"], funnel["median_days"], strict=True
            )
        ],
    )
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", title=None, sort=alt.SortField("order")),
        x=alt.X(
            "people:Q",
            title=_t("kpi.col.people", lang),
            scale=alt.Scale(domain=[0, 1.7 * max(1, int(funnel["people"].max()))]),
        ),
        tooltip=[
            alt.Tooltip("label:N", title=_t("kpi.col.step", lang)),
            alt.Tooltip("people:Q", title=_t("kpi.col.people", lang), format=",d"),
            alt.Tooltip("conversion:Q", title=_t("kpi.col.conversion", lang), format=".0%"),
            alt.Tooltip("median_days:Q", title=_t("kpi.col.median_days", lang), format=",.0f"),
        ],
    )
    bars = base.mark_bar(color=BLUE, opacity=0.85)
    text = base.mark_text(align="left", dx=4, color=DARK, fontSize=11).encode(text="text:N")
    return finish(
        (bars + text).properties(width=width, height=300, title=_t("kpi.chart.funnel", lang)),
        lang,
    )


def funnel_reading(funnel: pd.DataFrame, lang: str) -> str:
    if funnel.empty or int(funnel["people"].iloc[0]) == 0:
        return _t("kpi.reading.funnel_none", lang)
    by = funnel.set_index("step")
    n = int(by.loc["intake", "people"])
    if int(by.loc["hire", "people"]) == 0:
        return _t(
            "kpi.reading.funnel_no_hire",
            lang,
            n=_num(n, lang),
            pact=_pct(int(by.loc["pact", "people"]) / n, lang),
            internship=_pct(int(by.loc["internship", "people"]) / n, lang),
        )
    return _t(
        "kpi.reading.funnel",
        lang,
        n=_num(n, lang),
        pact=_pct(int(by.loc["pact", "people"]) / n, lang),
        internship=_pct(int(by.loc["internship", "people"]) / n, lang),
        hire=_pct(int(by.loc["hire", "people"]) / n, lang),
        days=_num(by.loc["hire", "median_days"], lang),
    )


# =========================================================================== caseload
def caseload_chart(caseload: pd.DataFrame, lang: str, width: int | str = "container"):
    """Per tutor: people followed, split into seen recently and not seen (with counts)."""
    if caseload.empty:
        return finish(empty_chart(lang, width), lang)
    days = int(caseload["not_seen_days"].iloc[0])
    seen_label = _t("kpi.chart.seen", lang, days=days)
    not_seen_label = _t("kpi.chart.not_seen", lang, days=days)
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "tutor": caseload["tutor"],
                    "group": not_seen_label,
                    "order": 0,
                    "people": caseload["not_seen"],
                }
            ),
            pd.DataFrame(
                {
                    "tutor": caseload["tutor"],
                    "group": seen_label,
                    "order": 1,
                    "people": caseload["people"] - caseload["not_seen"],
                }
            ),
        ],
        ignore_index=True,
    )
    order = list(caseload.sort_values("people", ascending=False)["tutor"])
    base = alt.Chart(long).encode(
        y=alt.Y("tutor:N", title=None, sort=order),
        x=alt.X("people:Q", title=_t("kpi.col.people_open", lang), stack="zero"),
        order=alt.Order("order:Q"),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "group:N",
            title=None,
            scale=alt.Scale(domain=[not_seen_label, seen_label], range=[OCHRE, LIGHT_BLUE]),
        ),
        tooltip=[
            alt.Tooltip("tutor:N", title=_t("kpi.col.tutor", lang)),
            alt.Tooltip("group:N", title=_t("kpi.col.status", lang)),
            alt.Tooltip("people:Q", title=_t("kpi.col.people", lang), format=",d"),
        ],
    )
    text = base.mark_text(align="right", dx=-4, color=DARK, fontSize=11).encode(
        text=alt.condition("datum.people > 0", alt.Text("people:Q", format=",d"), alt.value(""))
    )
    height = rows_height(len(caseload), 32, 130)
    return finish(
        (bars + text).properties(width=width, height=height, title=_t("kpi.chart.caseload", lang)),
        lang,
    )


def caseload_reading(caseload: pd.DataFrame, lang: str) -> str:
    if caseload.empty:
        return _t("kpi.reading.caseload_none", lang)
    top = caseload.sort_values("people", ascending=False).iloc[0]
    return _t(
        "kpi.reading.caseload",
        lang,
        tutor=str(top["tutor"]),
        n=_num(int(top["people"]), lang),
        not_seen=_num(int(caseload["not_seen"].sum()), lang),
        total=_num(int(caseload["people"].sum()), lang),
        days=int(caseload["not_seen_days"].iloc[0]),
    )


# =========================================================================== companies
def partners_chart(
    partners: pd.DataFrame, lang: str, width: int | str = "container", part: str = "active"
):
    """``part="active"``: companies with a convention in force per month (line, last value
    written); ``part="new"``: new companies contacted and new partners (grouped bars)."""
    if partners.empty:
        return finish(empty_chart(lang, width), lang)
    month = alt.X(
        "yearmonth(month):O",
        title=_t("kpi.axis.month", lang),
        axis=alt.Axis(format="%b %Y", formatType="time", labelAngle=-45, labelOverlap="greedy"),
    )
    active = alt.Chart(partners).encode(
        x=month,
        y=alt.Y("active_partners:Q", title=_t("kpi.col.active_partners", lang)),
        tooltip=[
            alt.Tooltip("month:T", title=_t("kpi.axis.month", lang), format="%B %Y"),
            alt.Tooltip(
                "active_partners:Q", title=_t("kpi.col.active_partners", lang), format=",d"
            ),
        ],
    )
    line = active.mark_line(color=BLUE, point=True, strokeWidth=2)
    last = (
        active.transform_window(rank="rank()", sort=[alt.SortField("month", order="descending")])
        .transform_filter("datum.rank == 1")
        .mark_text(align="right", dy=-10, color=BLUE, fontSize=11)
        .encode(text=alt.Text("active_partners:Q", format=",d"))
    )
    if part == "active":
        return finish(
            (line + last).properties(
                width=width, height=300, title=_t("kpi.chart.active_partners", lang)
            ),
            lang,
        )
    scouted_label = _t("kpi.col.new_scouted", lang)
    joined_label = _t("kpi.col.new_partners", lang)
    long = pd.concat(
        [
            pd.DataFrame(
                {"month": partners["month"], "group": scouted_label, "n": partners["new_scouted"]}
            ),
            pd.DataFrame(
                {"month": partners["month"], "group": joined_label, "n": partners["new_partners"]}
            ),
        ],
        ignore_index=True,
    )
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X(
                "yearmonth(month):O",
                title=_t("kpi.axis.month", lang),
                axis=alt.Axis(format="%b %Y", labelAngle=-45),
            ),
            xOffset="group:N",
            y=alt.Y("n:Q", title=_t("kpi.col.companies", lang)),
            color=alt.Color(
                "group:N",
                title=None,
                scale=alt.Scale(domain=[scouted_label, joined_label], range=[GREY, BLUE]),
            ),
            tooltip=[
                alt.Tooltip("month:T", title=_t("kpi.axis.month", lang), format="%B %Y"),
                alt.Tooltip("group:N", title=""),
                alt.Tooltip("n:Q", title=_t("kpi.col.companies", lang), format=",d"),
            ],
        )
        .properties(width=width, height=320, title=_t("kpi.chart.new_companies", lang))
    )
    return finish(bars, lang)


def partners_reading(partners: pd.DataFrame, lang: str, part: str = "active") -> str:
    if partners.empty:
        return _t("kpi.reading.partners_none", lang)
    if part == "active":
        first = int(partners["active_partners"].iloc[0])
        return _t(
            "kpi.reading.partners",
            lang,
            n=_num(int(partners["active_partners"].iloc[-1]), lang),
            first=_num(first, lang),
        )
    return _t(
        "kpi.reading.partners_new_companies",
        lang,
        scouted=_num(int(partners["new_scouted"].sum()), lang),
        joined=_num(int(partners["new_partners"].sum()), lang),
    )


def _rate_bars(
    data: pd.DataFrame, label_col: str, title: str, lang: str, width, label_title: str
) -> alt.TopLevelMixin:
    """Horizontal bars of hire rate per row, labelled "55% (11 su 20)"."""
    data = data.assign(
        text=[
            _t("kpi.chart.rate_of", lang, rate=_pct(r, lang), k=_num(h, lang), n=_num(e, lang))
            for r, h, e in zip(data["hire_rate"], data["hired"], data["ended"], strict=True)
        ]
    )
    base = alt.Chart(data).encode(
        y=alt.Y(f"{label_col}:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X(
            "hire_rate:Q",
            title=_t("kpi.col.hire_rate", lang),
            axis=RATE_AXIS,
            scale=alt.Scale(domain=[0, 1.3]),
        ),
        tooltip=[
            alt.Tooltip(f"{label_col}:N", title=label_title),
            alt.Tooltip("ended:Q", title=_t("kpi.col.ended", lang), format=",d"),
            alt.Tooltip("hired:Q", title=_t("kpi.col.hired", lang), format=",d"),
            alt.Tooltip("hire_rate:Q", title=_t("kpi.col.hire_rate", lang), format=".0%"),
        ],
    )
    bars = base.mark_bar(color=BLUE, opacity=0.85)
    text = base.mark_text(align="left", dx=4, color=DARK, fontSize=11).encode(text="text:N")
    return finish(
        (bars + text).properties(width=width, height=rows_height(len(data)), title=title),
        lang,
    )


def company_chart(companies: pd.DataFrame, lang: str, width: int | str = "container"):
    if companies.empty:
        return finish(empty_chart(lang, width), lang)
    return _rate_bars(
        companies,
        "company",
        _t("kpi.chart.company_hires", lang),
        lang,
        width,
        _t("kpi.col.company", lang),
    )


def company_reading(companies: pd.DataFrame, lang: str) -> str:
    if companies.empty:
        return _t("kpi.reading.companies_none", lang)
    top = companies.iloc[0]
    return _t(
        "kpi.reading.companies",
        lang,
        company=str(top["company"]),
        n=_num(int(top["ended"]), lang),
        rate=_pct(float(top["hire_rate"]), lang),
    )


def sector_chart(sectors: pd.DataFrame, lang: str, width: int | str = "container"):
    if sectors.empty:
        return finish(empty_chart(lang, width), lang)
    data = sectors.assign(
        name=[f"{s} · {lbl}" for s, lbl in zip(sectors["section"], sectors["label"], strict=True)]
    )
    return _rate_bars(
        data,
        "name",
        _t("kpi.chart.sector_hires", lang),
        lang,
        width,
        _t("kpi.col.sector", lang),
    )


def sector_reading(sectors: pd.DataFrame, lang: str) -> str:
    if sectors.empty:
        return _t("kpi.reading.sectors_none", lang)
    top = sectors.iloc[0]
    best = sectors[sectors["ended"] >= 10].sort_values("hire_rate", ascending=False)
    text = _t(
        "kpi.reading.sectors",
        lang,
        sector=str(top["label"]),
        n=_num(int(top["ended"]), lang),
        rate=_pct(float(top["hire_rate"]), lang),
    )
    if not best.empty and best.iloc[0]["section"] != top["section"]:
        text += " " + _t(
            "kpi.reading.sectors_best",
            lang,
            sector=str(best.iloc[0]["label"]),
            rate=_pct(float(best.iloc[0]["hire_rate"]), lang),
        )
    return text


# =========================================================================== workshops
def workshops_chart(
    workshops: pd.DataFrame, lang: str, width: int | str = "container", part: str = "completion"
):
    """Per trade: ``part="completion"`` the completion rate, ``part="hours"`` the hours attended
    per participant."""
    if workshops.empty:
        return finish(empty_chart(lang, width), lang)
    data = workshops.assign(
        completion_text=[
            _t("kpi.chart.rate_of", lang, rate=_pct(r, lang), k=_num(c, lang), n=_num(c + w, lang))
            for r, c, w in zip(
                workshops["completion_rate"],
                workshops["completed"],
                workshops["withdrawn"],
                strict=True,
            )
        ],
        hours_text=[_num(h, lang) for h in workshops["hours_per_participant"]],
    )
    tooltip = [
        alt.Tooltip("label:N", title=_t("kpi.col.trade", lang)),
        alt.Tooltip("enrolments:Q", title=_t("kpi.col.enrolments", lang), format=",d"),
        alt.Tooltip("completed:Q", title=_t("kpi.col.completed", lang), format=",d"),
        alt.Tooltip("withdrawn:Q", title=_t("kpi.col.withdrawn", lang), format=",d"),
        alt.Tooltip("completion_rate:Q", title=_t("kpi.col.completion_rate", lang), format=".0%"),
        alt.Tooltip("hours_attended:Q", title=_t("kpi.col.hours_attended", lang), format=",.0f"),
        alt.Tooltip(
            "hours_per_participant:Q",
            title=_t("kpi.col.hours_per_participant", lang),
            format=",.0f",
        ),
    ]
    y = alt.Y("label:N", title=None)
    half = width
    completion = alt.Chart(data).encode(
        y=y,
        x=alt.X(
            "completion_rate:Q",
            title=_t("kpi.col.completion_rate", lang),
            axis=RATE_AXIS,
            scale=alt.Scale(domain=[0, 1.35]),
        ),
        tooltip=tooltip,
    )
    left = (
        completion.mark_bar(color=BLUE, opacity=0.85)
        + completion.mark_text(align="left", dx=4, color=DARK, fontSize=11).encode(
            text="completion_text:N"
        )
    ).properties(
        width=half, height=rows_height(len(data)), title=_t("kpi.chart.workshop_completion", lang)
    )
    hours = alt.Chart(data).encode(
        y=y,
        x=alt.X("hours_per_participant:Q", title=_t("kpi.col.hours_per_participant", lang)),
        tooltip=tooltip,
    )
    right = (
        hours.mark_bar(color=LIGHT_BLUE)
        + hours.mark_text(align="left", dx=4, color=DARK, fontSize=11).encode(text="hours_text:N")
    ).properties(
        width=half, height=rows_height(len(data)), title=_t("kpi.chart.workshop_hours", lang)
    )
    return finish(left if part == "completion" else right, lang)


def workshops_hours_reading(workshops: pd.DataFrame, lang: str) -> str:
    data = workshops.dropna(subset=["hours_per_participant"])
    data = data[data["participants"] > 0].sort_values("hours_per_participant")
    if data.empty:
        return _t("kpi.reading.workshops_none", lang)
    low, high = data.iloc[0], data.iloc[-1]
    return _t(
        "kpi.reading.workshop_hours",
        lang,
        high=str(high["label"]),
        high_hours=_num(float(high["hours_per_participant"]), lang),
        low=str(low["label"]),
        low_hours=_num(float(low["hours_per_participant"]), lang),
    )


def workshops_reading(workshops: pd.DataFrame, lang: str) -> str:
    done = int(workshops["completed"].sum()) if not workshops.empty else 0
    left = int(workshops["withdrawn"].sum()) if not workshops.empty else 0
    if done + left == 0 and (workshops.empty or workshops["hours_attended"].sum() == 0):
        return _t("kpi.reading.workshops_none", lang)
    top = workshops.sort_values("hours_attended", ascending=False).iloc[0]
    return _t(
        "kpi.reading.workshops",
        lang,
        rate=_pct(done / (done + left) if done + left else float("nan"), lang),
        trade=str(top["label"]),
        hours=_num(float(top["hours_attended"]), lang),
    )


# =========================================================================== competence gap
def gap_chart(gap: pd.DataFrame, lang: str, width: int | str = "container", top: int = 15):
    """The largest centre-wide gaps: positions asking for a competence at a level (all trades
    together) against the available people who hold it."""
    data = (
        gap[gap["all_gap"] > 0]
        .drop_duplicates(["competence", "level"])
        .sort_values(["all_gap", "all_positions", "competence"], ascending=[False, False, True])
        .head(top)
    )
    if data.empty:
        return finish(empty_chart(lang, width), lang)
    data = data.assign(
        row=[
            _t("kpi.chart.gap_name", lang, competence=c, level=int(lv))
            for c, lv in zip(data["competence_label"], data["level"], strict=True)
        ]
    )
    positions_label = _t("kpi.col.positions", lang)
    holders_label = _t("kpi.col.holders", lang)
    long = pd.concat(
        [
            data.assign(measure=positions_label, value=data["all_positions"]),
            data.assign(measure=holders_label, value=data["holders"]),
        ],
        ignore_index=True,
    )
    base = alt.Chart(long).encode(
        y=alt.Y("row:N", title=None, sort=list(data["row"]), axis=alt.Axis(labelLimit=420)),
        yOffset=alt.YOffset("measure:N", sort=[positions_label, holders_label]),
        x=alt.X(
            "value:Q", title=_t("kpi.axis.count", lang), axis=alt.Axis(tickMinStep=1, format=",d")
        ),
        tooltip=[
            alt.Tooltip("competence_label:N", title=_t("kpi.col.competence", lang)),
            alt.Tooltip("level:Q", title=_t("kpi.col.level", lang)),
            alt.Tooltip("all_positions:Q", title=positions_label, format=",d"),
            alt.Tooltip("holders:Q", title=holders_label, format=",d"),
            alt.Tooltip("all_gap:Q", title=_t("kpi.col.gap", lang), format=",d"),
        ],
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "measure:N",
            title=None,
            scale=alt.Scale(domain=[positions_label, holders_label], range=[BLUE, GREY]),
        )
    )
    text = base.mark_text(align="left", dx=3, color=DARK, fontSize=10).encode(
        text=alt.Text("value:Q", format=",d")
    )
    return finish(
        (bars + text).properties(
            width=width, height=rows_height(len(data), 44, 110), title=_t("kpi.chart.gap", lang)
        ),
        lang,
    )


def gap_reading(gap: pd.DataFrame, lang: str, months: int) -> str:
    if gap.empty:
        return _t("kpi.reading.gap_no_vacancies", lang, months=months)
    short = (
        gap[gap["all_gap"] > 0]
        .drop_duplicates(["competence", "level"])
        .sort_values(["all_gap", "all_positions", "competence"], ascending=[False, False, True])
    )
    if short.empty:
        return _t("kpi.reading.gap_none", lang, months=months)
    top = short.iloc[0]
    return _t(
        "kpi.reading.gap",
        lang,
        competence=str(top["competence_label"]),
        level=int(top["level"]),
        positions=_num(int(top["all_positions"]), lang),
        holders=_num(int(top["holders"]), lang),
        n=_num(len(short), lang),
    )


def suggestion_chart(suggestion: pd.DataFrame, lang: str, width: int | str = "container"):
    if suggestion.empty:
        return finish(empty_chart(lang, width), lang)
    data = suggestion.assign(
        text=[
            _t("kpi.chart.vacancies_of", lang, k=_num(v, lang), n=_num(o, lang))
            for v, o in zip(suggestion["vacancies"], suggestion["open_vacancies"], strict=True)
        ]
    )
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", title=None, sort=None),
        x=alt.X(
            "vacancies:Q",
            title=_t("kpi.col.vacancies_helped", lang),
            scale=alt.Scale(domain=[0, 1.6 * max(1, int(suggestion["vacancies"].max()))]),
            axis=alt.Axis(tickMinStep=1, format=",d"),
        ),
        tooltip=[
            alt.Tooltip("label:N", title=_t("kpi.col.trade", lang)),
            alt.Tooltip("vacancies:Q", title=_t("kpi.col.vacancies_helped", lang), format=",d"),
            alt.Tooltip("positions:Q", title=_t("kpi.col.positions", lang), format=",d"),
            alt.Tooltip("share_of_open:Q", title=_t("kpi.col.share_of_open", lang), format=".0%"),
        ],
    )
    return finish(
        (
            base.mark_bar(color=BLUE, opacity=0.85)
            + base.mark_text(align="left", dx=4, color=DARK, fontSize=11).encode(text="text:N")
        ).properties(
            width=width, height=rows_height(len(data)), title=_t("kpi.chart.suggestion", lang)
        ),
        lang,
    )


def suggestion_reading(suggestion: pd.DataFrame, lang: str) -> str:
    if suggestion.empty:
        return _t("kpi.reading.suggestion_none", lang)
    top = suggestion.iloc[0]
    return _t(
        "kpi.reading.suggestion",
        lang,
        trade=str(top["label"]),
        k=_num(int(top["vacancies"]), lang),
        n=_num(int(top["open_vacancies"]), lang),
        positions=_num(int(top["positions"]), lang),
    )


# =========================================================================== fairness
def fairness_chart(
    fairness: pd.DataFrame,
    dimension: str,
    measure: str,
    lang: str,
    width: int | str = "container",
):
    """One dimension's groups: the rate (hire or shortlisting), its counts, and a hatched look
    (lighter bar and a "n < 10" note in the label) for groups too small to read."""
    rate, num, den, small = {
        "hire": ("hire_rate", "hired", "interns_ended", "small_interns"),
        "shortlist": ("shortlisting_rate", "shortlisted", "intake", "small_intake"),
    }[measure]
    data = fairness[fairness["dimension"] == dimension]
    if data.empty or int(data[den].sum()) == 0:
        return finish(empty_chart(lang, width), lang)
    data = data.assign(
        text=[
            (
                _t("kpi.chart.rate_of", lang, rate=_pct(r, lang), k=_num(k, lang), n=_num(n, lang))
                if n
                else "—"
            )
            + (" · " + _t("kpi.chart.small_group", lang) if s and n else "")
            for r, k, n, s in zip(data[rate], data[num], data[den], data[small], strict=True)
        ],
        reliability=[
            _t("kpi.chart.small_group", lang) if s else _t("kpi.chart.readable", lang)
            for s in data[small]
        ],
    )
    readable = _t("kpi.chart.readable", lang)
    too_small = _t("kpi.chart.small_group", lang)
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X(
            f"{rate}:Q",
            title=_t(f"kpi.col.{rate}", lang),
            axis=RATE_AXIS,
            scale=alt.Scale(domain=[0, 1.45]),
        ),
        tooltip=[
            alt.Tooltip("label:N", title=_t("kpi.col.group", lang)),
            alt.Tooltip(f"{den}:Q", title=_t(f"kpi.col.{den}", lang), format=",d"),
            alt.Tooltip(f"{num}:Q", title=_t(f"kpi.col.{num}", lang), format=",d"),
            alt.Tooltip(f"{rate}:Q", title=_t(f"kpi.col.{rate}", lang), format=".0%"),
            alt.Tooltip("reliability:N", title=_t("kpi.col.reliability", lang)),
        ],
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "reliability:N",
            title=None,
            scale=alt.Scale(domain=[readable, too_small], range=[BLUE, "#c9d3de"]),
        )
    )
    text = base.mark_text(align="left", dx=4, color=DARK, fontSize=11).encode(text="text:N")
    return finish(
        (bars + text).properties(
            width=width,
            height=rows_height(len(data), 36, 130),
            title=_t(
                f"kpi.chart.fairness_{measure}",
                lang,
                dimension=_t(f"kpi.dimension.{dimension}", lang),
            ),
        ),
        lang,
    )


def fairness_reading(fairness: pd.DataFrame, dimension: str, lang: str, measure: str = "hire"):
    """Highest and lowest rate among the groups large enough to read, and the gap in points."""
    rate, small = {
        "hire": ("hire_rate", "small_interns"),
        "shortlist": ("shortlisting_rate", "small_intake"),
    }[measure]
    data = fairness[(fairness["dimension"] == dimension) & ~fairness[small]]
    data = data.dropna(subset=[rate]).sort_values(rate)
    if len(data) < 2:
        return _t("kpi.reading.fairness_too_few", lang)
    low, high = data.iloc[0], data.iloc[-1]
    return _t(
        f"kpi.reading.fairness_{measure}",
        lang,
        high=str(high["label"]),
        high_rate=_pct(float(high[rate]), lang),
        low=str(low["label"]),
        low_rate=_pct(float(low[rate]), lang),
        points=_num(100 * (float(high[rate]) - float(low[rate])), lang),
    )


# =========================================================================== export helpers
def export_frame(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The frame with translated column headers, for CSV and Excel downloads."""
    return frame.rename(columns={c: _t(f"kpi.col.{c}", lang) for c in frame.columns})


# =========================================================================== the dashboard
@dataclass(frozen=True)
class Section:
    key: str  # internships, hires, people, tutors, companies, workshops, gap
    charts: tuple[ChartSpec, ...]
    note: str | None = None


def dashboard_sections(
    frames: dict[str, pd.DataFrame],
    targets: Targets,
    filters: KpiFilters,
    lang: str,
    width: int | str = "container",
    reference_day: str | None = None,
) -> list[Section]:
    """The dashboard's sections, in order, from the frames of ``fleming.kpi.KPIS``: the page
    shows them as tabs, the PDF report as chapters."""
    f = frames

    def spec(key: str, chart, frame: str, reading: str) -> ChartSpec:
        return ChartSpec(key=key, title=key, chart=chart, frame=f[frame], reading=reading)

    return [
        Section(
            "internships",
            (
                spec(
                    "internships",
                    internships_chart(f["internships_by_month"], lang, width),
                    "internships_by_month",
                    internships_reading(f["internships_by_year"], filters, lang),
                ),
                spec(
                    "internships_cumulative",
                    internships_chart(f["internships_by_month"], lang, width, "cumulative"),
                    "internships_by_month",
                    internships_cumulative_reading(f["internships_by_month"], lang),
                ),
            ),
        ),
        Section(
            "hires",
            (
                spec(
                    "hire_rate",
                    hire_rate_chart(f["hire_outcomes"], targets, lang, width),
                    "hire_outcomes",
                    hire_rate_reading(f["hire_outcomes"], targets, lang),
                ),
                spec(
                    "contracts",
                    contract_mix_chart(f["contract_mix"], lang, width),
                    "contract_mix",
                    contract_mix_reading(f["contract_mix"], lang),
                ),
            ),
        ),
        Section(
            "people",
            (
                spec(
                    "foreign",
                    foreign_chart(f["foreign_interns"], lang, width),
                    "foreign_interns",
                    foreign_reading(f["foreign_interns"], lang),
                ),
                spec(
                    "funnel",
                    funnel_chart(f["funnel"], lang, width),
                    "funnel",
                    funnel_reading(f["funnel"], lang),
                ),
            ),
            note=_t("kpi.note.funnel", lang),
        ),
        Section(
            "tutors",
            (
                spec(
                    "caseload",
                    caseload_chart(f["caseload"], lang, width),
                    "caseload",
                    caseload_reading(f["caseload"], lang),
                ),
            ),
            note=_t("kpi.note.caseload", lang, day=reference_day or ""),
        ),
        Section(
            "companies",
            (
                spec(
                    "partners",
                    partners_chart(f["partners_over_time"], lang, width),
                    "partners_over_time",
                    partners_reading(f["partners_over_time"], lang),
                ),
                spec(
                    "new_companies",
                    partners_chart(f["partners_over_time"], lang, width, "new"),
                    "partners_over_time",
                    partners_reading(f["partners_over_time"], lang, "new"),
                ),
                spec(
                    "company_hires",
                    company_chart(f["hires_by_company"], lang, width),
                    "hires_by_company",
                    company_reading(f["hires_by_company"], lang),
                ),
                spec(
                    "sector_hires",
                    sector_chart(f["hires_by_sector"], lang, width),
                    "hires_by_sector",
                    sector_reading(f["hires_by_sector"], lang),
                ),
            ),
            note=_t("kpi.note.companies", lang),
        ),
        Section(
            "workshops",
            (
                spec(
                    "workshops",
                    workshops_chart(f["workshops_by_trade"], lang, width),
                    "workshops_by_trade",
                    workshops_reading(f["workshops_by_trade"], lang),
                ),
                spec(
                    "workshop_hours",
                    workshops_chart(f["workshops_by_trade"], lang, width, "hours"),
                    "workshops_by_trade",
                    workshops_hours_reading(f["workshops_by_trade"], lang),
                ),
            ),
        ),
    ]


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    detail: str


def headlines(frames: dict[str, pd.DataFrame], targets: Targets, lang: str) -> list[Headline]:
    """The four figures at the top: internships vs target, hire rate, foreign share, partners."""
    yearly = frames["internships_by_year"]
    started = int(yearly["started"].sum())
    target = float(yearly["target"].sum())
    outcomes = frames["hire_outcomes"]
    ended = int(outcomes["ended"].sum())
    hired = int(outcomes["hired"].sum())
    foreign = frames["foreign_interns"]
    interns = int(foreign["interns"].sum())
    partners = frames["partners_over_time"]
    return [
        Headline(
            _t("kpi.metric.internships", lang),
            _num(started, lang),
            _t(
                "kpi.metric.of_target", lang, share=_pct(started / target if target else None, lang)
            ),
        ),
        Headline(
            _t("kpi.metric.hire_rate", lang),
            _pct(hired / ended if ended else None, lang),
            _t("kpi.metric.target", lang, value=_pct(targets.hire_rate, lang)),
        ),
        Headline(
            _t("kpi.metric.foreign", lang),
            _pct(int(foreign["foreign"].sum()) / interns if interns else None, lang),
            _t(
                "kpi.chart.rate_of",
                lang,
                rate="",
                k=_num(int(foreign["foreign"].sum()), lang),
                n=_num(interns, lang),
            ).strip(),
        ),
        Headline(
            _t("kpi.metric.partners", lang),
            _num(int(partners["active_partners"].iloc[-1]) if not partners.empty else 0, lang),
            _t(
                "kpi.reading.partners_new",
                lang,
                n=_num(int(partners["new_partners"].sum()) if not partners.empty else 0, lang),
            ),
        ),
    ]
