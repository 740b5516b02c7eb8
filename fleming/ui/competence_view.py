"""Competence widgets shared by pages: the level scale legend, and a person's progress (entry vs
latest level per competence, what was gained, CSV and PDF downloads).

``render_competence_progress(person_id)`` is the component the person page calls.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import streamlit as st

from fleming import competences, transparency
from fleming.db import unit_of_work
from fleming.errors import FlemingError
from fleming.i18n import LANGUAGES, fmt_date
from fleming.models import CompetenceArea
from fleming.permissions import allowed
from fleming.ui.context import current_actor, engine, label, lang, t
from fleming.ui.forms import show_error

GAINED, SAME, LOWER = "gained", "same", "lower"
COLOURS = {GAINED: "#2f7d32", SAME: "#1f4e79", LOWER: "#c05621"}
Y_LABELS = 380  # pixels for the competence labels
ROW = 30  # pixels per competence


def level_choice(value: object) -> str:
    """``2 · In autonomia`` in the session's language (empty for an empty cell)."""
    if not competences.is_level(value):
        return ""
    return competences.level(int(value)).choice(lang())  # type: ignore[call-overload]


def level_scale_legend(*, expanded: bool = False) -> None:
    """The scale with its descriptors, for the grids."""
    with st.expander(t("competences.scale.title"), expanded=expanded, icon=":material/help:"):
        st.markdown(
            "\n".join(
                f"- **{lv.value} · {lv.label(lang())}** — {lv.descriptor(lang())}"
                for lv in competences.LEVELS
            )
        )


def _chart(frame: pd.DataFrame, *, legend: bool = True) -> alt.LayerChart | alt.FacetChart:
    """A dumbbell per competence: entry (hollow grey) → latest (filled, coloured by the change)."""
    names = json.dumps({str(lv.value): lv.choice(lang()) for lv in competences.LEVELS})
    scale = alt.Scale(domain=[-0.2, 3.2], nice=False)
    axis = alt.Axis(
        values=list(competences.LEVEL_VALUES),
        labelExpr=f"{names}[format(datum.value, 'd')]",
        title=None,
        labelAngle=0,
        labelLimit=160,
    )

    def x(field: str) -> alt.X:
        return alt.X(f"{field}:Q", scale=scale, axis=axis)

    y = alt.Y(
        "competence:N",
        sort=list(frame["competence"]),
        title=None,
        # the same label width in every area's chart, so their level axes line up
        axis=alt.Axis(labelLimit=Y_LABELS, minExtent=Y_LABELS, maxExtent=Y_LABELS),
    )
    tooltip = [
        alt.Tooltip("competence:N", title=t("competences.col.competence")),
        alt.Tooltip("entry_text:N", title=t("competences.col.entry_level")),
        alt.Tooltip("latest_text:N", title=t("competences.col.latest_level")),
    ]
    legend_names = json.dumps(
        {
            GAINED: t("competences.progress.legend.gained"),
            SAME: t("competences.progress.legend.same"),
            LOWER: t("competences.progress.legend.lower"),
        }
    )
    colour = alt.Color(
        "change:N",
        scale=alt.Scale(domain=list(COLOURS), range=list(COLOURS.values())),
        legend=(
            alt.Legend(title=None, orient="top", labelExpr=f"{legend_names}[datum.value]")
            if legend
            else None
        ),
    )
    base = alt.Chart(frame)
    rule = base.mark_rule(strokeWidth=3, opacity=0.5).encode(
        x=x("entry_level"), x2="latest_level:Q", y=y, color=colour, tooltip=tooltip
    )
    entry = base.mark_point(size=80, filled=False, strokeWidth=2, color="#6c757d").encode(
        x=x("entry_level"), y=y, tooltip=tooltip
    )
    latest = base.mark_circle(size=120, opacity=1).encode(
        x=x("latest_level"), y=y, color=colour, tooltip=tooltip
    )
    return alt.layer(rule, entry, latest)


def _display_frame(progress: pd.DataFrame) -> pd.DataFrame:
    lg = lang()
    out = pd.DataFrame(
        {
            "competence": progress[f"label_{lg}"]
            + progress["retired"].map(lambda r: f" ({t('competences.retired')})" if r else ""),
            "area": progress["area"],
            "entry_level": progress["entry_level"].astype(int),
            "latest_level": progress["latest_level"].astype(int),
            "gain": progress["gain"].astype(int),
        }
    )
    out["change"] = out["gain"].map(lambda g: GAINED if g > 0 else SAME if g == 0 else LOWER)
    out["entry_text"] = [
        f"{level_choice(lv)} — {fmt_date(d.date(), lg)}"
        for lv, d in zip(progress["entry_level"], progress["entry_on"], strict=True)
    ]
    out["latest_text"] = [
        f"{level_choice(lv)} — {fmt_date(d.date(), lg)}"
        for lv, d in zip(progress["latest_level"], progress["latest_on"], strict=True)
    ]
    return out


def render_competence_progress(person_id: int, *, key: str = "competence_progress") -> None:
    """A person's competences: entry vs latest level per competence (Altair dumbbell, one chart
    per area), the list of what was gained, and the downloads (the data as CSV, the
    *scheda di trasparenza* as PDF in Italian or English).

    ``key`` prefixes the widget keys, so the component can appear twice on a page.
    """
    actor = current_actor()
    if actor is None:
        return
    try:
        with unit_of_work(engine()) as session:
            progress = competences.progress(session=session, actor=actor, person_id=person_id)
            person = competences.get_person(session=session, actor=actor, person_id=person_id)
    except FlemingError as exc:
        show_error(exc)
        return

    st.subheader(t("competences.progress.title"))
    if progress.empty:
        st.info(t("competences.progress.none"), icon=":material/info:")
    else:
        st.caption(t("competences.progress.explain"))
        frame = _display_frame(progress)
        first = True
        for area in competences.AREA_ORDER:
            part = frame[frame["area"] == area.value]
            if part.empty:
                continue
            st.markdown(f"**{label(CompetenceArea(area))}**")
            st.altair_chart(
                _chart(part, legend=first),
                width="stretch",
                height=ROW * len(part) + (90 if first else 50),
            )
            first = False

        gains = frame[frame["gain"] > 0].sort_values("gain", ascending=False, kind="stable")
        st.markdown("##### " + t("competences.progress.gained", n=len(gains)))
        if gains.empty:
            st.caption(t("competences.progress.gained.none"))
        else:
            st.markdown(
                "\n".join(
                    f"- {row.competence}: {level_choice(row.entry_level)} → "
                    f"**{level_choice(row.latest_level)}** (+{row.gain})"
                    for row in gains.itertuples(index=False)
                )
            )
        lower = frame[frame["gain"] < 0]
        if not lower.empty:
            st.caption(
                t("competences.progress.lower", names=", ".join(lower["competence"].tolist()))
            )

    if not allowed(actor, "competences.export"):
        return
    eng, lg = engine(), lang()

    def _csv() -> bytes:
        with unit_of_work(eng) as session:
            return competences.progress_csv(
                session=session, actor=actor, person_id=person_id, lang=lg
            )

    cols = st.columns([1, 1, 2], vertical_alignment="bottom")
    if not progress.empty:
        cols[0].download_button(
            t("competences.progress.download_csv"),
            data=_csv,
            file_name=f"{t('competences.progress.file_stem')}_{person_id}.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"{key}_csv_{person_id}",
            on_click="ignore",
        )
    pdf_lang = cols[1].selectbox(
        t("competences.progress.pdf_lang"),
        LANGUAGES,
        index=LANGUAGES.index(lg),
        format_func=lambda code: {"it": "Italiano", "en": "English"}[code],
        key=f"{key}_pdf_lang_{person_id}",
    )

    def _pdf() -> bytes:
        with unit_of_work(eng) as session:
            return transparency.sheet_pdf(
                session=session, actor=actor, person_id=person_id, lang=pdf_lang
            )

    cols[2].download_button(
        t("competences.progress.download_pdf"),
        data=_pdf,
        file_name=transparency.file_name(person.name, pdf_lang),
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        type="primary",
        key=f"{key}_pdf_{person_id}",
        on_click="ignore",
    )
    st.caption(t("competences.progress.pdf_note"))
