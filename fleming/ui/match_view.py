"""How matching results read on screen: reasons, score terms, competence gaps, the terms chart,
and the reusable "open vacancies for this person" panel of the person page."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from fleming import competences, exports, matching
from fleming.db import unit_of_work
from fleming.errors import FlemingError
from fleming.i18n import fmt_date, fmt_number, fmt_percent
from fleming.matching import CompetenceCheck, Reason, Term
from fleming.models import CefrLevel
from fleming.ui.context import current_actor, engine, lang, t
from fleming.ui.forms import show_error
from fleming.ui.text import plain
from fleming.ui.vega import altair_spec

SCORE_MAX = 100


def points(value: float, signed: bool = True, digits: int = 2) -> str:
    """Points, by default with two decimals (the waiting tie-break is a few hundredths)."""
    text = fmt_number(abs(value), lang(), digits)
    if not signed:
        return text
    return ("−" if value < -(0.5 * 10**-digits) else "+") + text


def score_text(value: float) -> str:
    return fmt_number(value, lang(), 1)


def reason_label(reason: Reason | str) -> str:
    return t(f"matching.reason.{Reason(reason).value}")


def reasons_text(reasons) -> str:
    return "; ".join(reason_label(r) for r in reasons)


def _reasons(frame: pd.DataFrame, labels: dict[Reason, str]) -> list[str]:
    if not len(frame):
        return []
    cells = np.stack(
        [np.where(frame[f"x_{r.value}"].to_numpy(dtype=bool), labels[r], "") for r in Reason],
        axis=1,
    )
    return ["; ".join(x for x in row if x) for row in cells]


def reasons_column(frame: pd.DataFrame) -> list[str]:
    """The reasons of each row of a ranking frame, as text ("" for the eligible)."""
    return _reasons(frame, {r: reason_label(r) for r in Reason})


def csv_labels() -> dict:
    """The ranking CSV's headers and reason labels in the session's language.

    Read during the script run, so that ``ranking_csv`` needs no Streamlit call (a download
    button runs its data callable on another thread).
    """
    return {
        "rank": t("matching.col.rank"),
        "person_id": t("matching.col.person_id"),
        "person": t("matching.col.person"),
        "score": t("matching.col.score"),
        "competences": t("matching.col.competences"),
        "reasons": t("matching.col.reasons"),
        "terms": {name: term_label(name) for name in matching.TERMS},
        "reason": {r: reason_label(r) for r in Reason},
    }


def ranking_csv(frame: pd.DataFrame, labels: dict) -> bytes:
    """Every person of a ranking (eligible and excluded) with score, terms and reasons, as CSV."""
    export = pd.DataFrame(
        {
            labels["rank"]: frame["rank"],
            labels["person_id"]: frame["person_id"],
            labels["person"]: (frame["first_name"] + " " + frame["last_name"]).astype(str),
            labels["score"]: frame["score"].round(2),
            **{labels["terms"][name]: frame[f"term_{name}"].round(2) for name in matching.TERMS},
            labels["competences"]: frame["n_met"].astype(str)
            + "/"
            + frame["n_required"].astype(str),
            labels["reasons"]: _reasons(frame, labels["reason"]),
        }
    )
    return exports.to_csv_bytes(export)


def term_label(name: str) -> str:
    return t(f"matching.term.{name}")


def term_detail(term: Term) -> str:
    """What a term's points stand for, in words."""
    p = term.params
    if term.name == "competences":
        if not p["required"]:
            return t("matching.term.competences.none")
        return t(
            "matching.term.competences.detail",
            met=p["met"],
            required=p["required"],
            percent=fmt_percent(p["percent"], lang()),
        )
    if term.name == "essential_penalty":
        if p["policy"] == "exclude":
            return t("matching.term.essential_penalty.exclude")
        if not p["count"]:
            return t("matching.term.essential_penalty.none")
        key = "matching.term.essential_penalty.detail" + (".one" if p["count"] == 1 else "")
        return t(key, count=p["count"], factor=fmt_number(p["factor"], lang(), 3))
    if term.name == "workshop":
        return t("matching.term.workshop.done" if p["done"] else "matching.term.workshop.not_done")
    if term.name == "italian":
        return t(
            "matching.term.italian.detail",
            level=CefrLevel(p["level"]).value.replace("_", "-"),
            minimum=CefrLevel(p["minimum"]).value.replace("_", "-"),
        )
    if term.name == "distance":
        return t(f"matching.term.distance.{p['class']}", comune=p["comune"] or "—")
    if term.name == "waiting":
        return t("matching.term.waiting.detail", days=fmt_number(p["days"], lang()))
    return ""


def terms_text(terms: tuple[Term, ...]) -> str:
    """One line: every term that moved the score (the waiting tie-break omitted)."""
    parts = [
        f"{term_label(term.name)} {points(term.points, digits=1)}"
        for term in terms
        if term.name != "waiting" and abs(term.points) >= 0.005
    ]
    return " · ".join(parts) or t("matching.terms.none")


def terms_frame(terms: tuple[Term, ...]) -> pd.DataFrame:
    """The score's terms as a table (term, points, why), kept per terms and language."""
    return _terms_frame(terms, lang())


@st.cache_data(max_entries=1024, show_spinner=False)
def _terms_frame(terms: tuple[Term, ...], language: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("matching.col.term"): [term_label(x.name) for x in terms],
            t("matching.col.points"): [points(x.points) for x in terms],
            t("matching.col.why"): [term_detail(x) for x in terms],
        }
    )


def show_terms_chart(container, terms: tuple[Term, ...]) -> None:
    """The terms chart in ``container``, from a Vega-Lite spec kept per terms and language:
    building and validating the Altair chart took longer than the rest of the section."""
    container.vega_lite_chart(spec=_terms_spec(terms, lang()), width="stretch", theme="streamlit")


@st.cache_data(max_entries=256, show_spinner=False)
def _terms_spec(terms: tuple[Term, ...], language: str) -> dict:
    return altair_spec(terms_chart(terms))


def terms_chart(terms: tuple[Term, ...]) -> alt.Chart:
    """A horizontal bar per term: what adds to the score and what takes away."""
    names = [f"{term_label(x.name)} ({points(x.points)})" for x in terms]
    adds, takes = t("matching.chart.adds"), t("matching.chart.takes")
    data = pd.DataFrame(
        {
            "term": names,
            "points": [round(x.points, 2) for x in terms],
            "sign": [adds if x.points >= 0 else takes for x in terms],
            "why": [term_detail(x) for x in terms],
        }
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("points:Q", title=t("matching.col.points")),
            y=alt.Y("term:N", sort=names, title=None, axis=alt.Axis(labelLimit=260)),
            color=alt.Color(
                "sign:N",
                scale=alt.Scale(domain=[adds, takes], range=["#2e7d32", "#c62828"]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("term:N", title=t("matching.col.term")),
                alt.Tooltip("points:Q", title=t("matching.col.points"), format=".2f"),
                alt.Tooltip("why:N", title=t("matching.col.why")),
            ],
        )
        .properties(height=alt.Step(30))
    )


def level_text(value: int) -> str:
    """A competence level as the grids show it: "2 · In autonomia"."""
    return competences.level(value).choice(lang())


def check_text(check: CompetenceCheck) -> str:
    """One requirement as a person meets it (or not), with the gap."""
    req = check.requirement
    kind = t("matching.essential" if req.essential else "matching.desirable")
    params = {
        "competence": req.label(lang()),
        "kind": kind,
        "required": level_text(req.min_level),
        "level": None if check.level is None else level_text(check.level),
    }
    if check.met:
        text = t("matching.check.met", **params)
    else:
        gap = t("matching.gap.one") if check.gap == 1 else t("matching.gap.many", n=check.gap)
        key = "matching.check.not_rated" if check.level is None else "matching.check.below"
        text = t(key, gap=gap, **params)
    if req.retired:
        text += " " + t("matching.check.retired")
    return text


def checks_short(checks: tuple[CompetenceCheck, ...], limit: int = 3) -> str:
    """Missing competences in a table cell: "label (1→2)"; the rest counted."""
    parts = []
    for c in checks[:limit]:
        have = "—" if c.level is None else str(c.level)
        parts.append(f"{c.requirement.label(lang())} ({have}→{c.requirement.min_level})")
    if len(checks) > limit:
        parts.append(t("matching.more", n=len(checks) - limit))
    return "; ".join(parts)


def explanation_markdown(matched, missing) -> str:
    lines = ["**" + t("matching.matched") + "**"]
    lines += [f"- :material/check: {check_text(c)}" for c in matched] or ["- " + t("matching.none")]
    lines += ["", "**" + t("matching.missing") + "**"]
    lines += [f"- :material/arrow_upward: {check_text(c)}" for c in missing] or [
        "- " + t("matching.none")
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- person page panel
def render_vacancies_for_person(person_id: int) -> None:
    """The open vacancies ranked for one person, with what they lack for each.

    For the person page: "to reach this job, work on X". Opens its own unit of work.
    """
    actor = current_actor()
    if actor is None:
        return
    try:
        with unit_of_work(engine()) as session:
            result = matching.vacancies_for_person(
                session=session, actor=actor, person_id=person_id
            )
    except FlemingError as exc:
        show_error(exc)
        return
    st.subheader(t("matching.person.heading"))
    if result.blocked:
        text = t("matching.person.blocked", reasons=reasons_text(result.blocked))
        if result.may_work_from:
            text += " " + t(
                "matching.person.may_work_from", day=fmt_date(result.may_work_from, lang())
            )
        st.warning(text, icon=":material/block:")
    if not result.matches:
        st.info(t("matching.person.no_vacancies"), icon=":material/info:")
        return
    if result.focus:
        lines = [
            "- "
            + t(
                "matching.person.focus_item",
                competence=f.requirement.label(lang()),
                level=t("matching.never_rated") if f.level is None else f.level,
                required=f.requirement.min_level,
                n=f.vacancies,
                essential=f.essential_in,
            )
            for f in result.focus[:5]
        ]
        st.markdown(
            "**" + t("matching.person.focus", n=matching.FOCUS_FROM) + "**\n\n" + "\n".join(lines)
        )
    st.dataframe(
        pd.DataFrame(
            {
                t("matching.col.vacancy"): [m.title for m in result.matches],
                t("matching.col.company"): [m.company for m in result.matches],
                t("matching.col.score"): [round(m.score, 1) for m in result.matches],
                t("matching.col.competences"): [
                    f"{len(m.matched)}/{len(m.matched) + len(m.missing)}" for m in result.matches
                ],
                t("matching.col.work_on"): [
                    checks_short(m.missing) or t("matching.none") for m in result.matches
                ],
                t("matching.col.excluded_because"): [
                    reasons_text(m.reasons) for m in result.matches
                ],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            t("matching.col.score"): st.column_config.ProgressColumn(
                min_value=0, max_value=SCORE_MAX, format="%.1f"
            )
        },
        key=f"match_view_{person_id}_table",
    )
    for m in result.matches[:5]:
        head = f"{plain(m.title)} — {plain(m.company)} · {score_text(m.score)}/{SCORE_MAX}"
        with st.expander(head):
            if m.reasons:
                st.warning(reasons_text(m.reasons), icon=":material/block:")
            st.markdown(explanation_markdown(m.matched, m.missing))
            st.dataframe(terms_frame(m.terms), hide_index=True, width="stretch")
