"""Fairness of outcomes: hire and shortlisting rates by sex, citizenship, protection, fragility."""

import streamlit as st

from fleming.kpi import SMALL_GROUP
from fleming.kpi_charts import export_frame
from fleming.models import Role
from fleming.ui.charts import fairness_view, show_chart, sidebar_filters
from fleming.ui.context import lang, t
from fleming.ui.guard import require_role

actor = require_role(Role.COORDINATOR)

st.title(t("kpi.fairness.title"))
filters = sidebar_filters(actor, "kpi_fairness")
st.caption(t("kpi.fairness.caption"))
st.caption(t("kpi.fairness.shortlist_note"))

with st.spinner():
    view = fairness_view(filters, actor)
fairness = view.frame

small = fairness[fairness["small_interns"] | fairness["small_intake"]]
if not small.empty:
    st.warning(
        t("kpi.fairness.small_warning", n=SMALL_GROUP, groups=", ".join(small["label"])),
        icon=":material/warning:",
    )

for dimension, charts in view.charts.items():
    st.subheader(t(f"kpi.dimension.{dimension}.title"))
    for chart in charts:
        show_chart(chart)

st.subheader(t("kpi.fairness.table"))
columns = [
    "label",
    "interns_ended",
    "hired",
    "hire_rate",
    "intake",
    "shortlisted",
    "shortlisting_rate",
]
st.dataframe(
    export_frame(fairness[columns], lang()),
    hide_index=True,
    width="stretch",
    column_config={
        t("kpi.col.hire_rate"): st.column_config.NumberColumn(format="percent"),
        t("kpi.col.shortlisting_rate"): st.column_config.NumberColumn(format="percent"),
    },
)
