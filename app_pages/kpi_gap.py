"""What to teach next: the competences open vacancies ask for that available people lack."""

import streamlit as st

from fleming.kpi_charts import (
    export_frame,
    gap_chart,
    gap_reading,
    suggestion_chart,
    suggestion_reading,
)
from fleming.models import Role
from fleming.ui.charts import chart_with_data, kpi_frame, sidebar_filters
from fleming.ui.context import lang, t
from fleming.ui.guard import require_role

actor = require_role(Role.ADMIN, Role.COORDINATOR)

st.title(t("kpi.gap.title"))
months = st.sidebar.slider(t("kpi.gap.months"), 1, 24, 6, key="kpi_gap_months")
filters = sidebar_filters(actor, "kpi_gap", with_period=False)
st.caption(t("kpi.gap.caption", months=months))

with st.spinner():
    suggestion = kpi_frame("workshop_suggestion", filters, actor, months=months)
    gap = kpi_frame("competence_gap", filters, actor, months=months)

chart_with_data(
    suggestion_chart(suggestion, lang()),
    suggestion,
    suggestion_reading(suggestion, lang()),
    key="kpi_gap_suggestion",
)
chart_with_data(gap_chart(gap, lang()), gap, gap_reading(gap, lang(), months), key="kpi_gap")

st.subheader(t("kpi.gap.table"))
st.caption(t("kpi.gap.levels"))
if not gap.empty:
    shown = gap[
        [
            "trade_label",
            "rank",
            "competence_label",
            "level",
            "vacancies",
            "positions",
            "holders",
            "gap",
        ]
    ].fillna({"trade_label": "—"})
    st.dataframe(export_frame(shown, lang()), hide_index=True, width="stretch")
