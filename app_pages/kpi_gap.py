"""What to teach next: the competences open vacancies ask for that available people lack."""

import streamlit as st

from fleming import competences
from fleming.kpi_charts import export_frame
from fleming.models import Role
from fleming.ui.charts import gap_view, show_chart, sidebar_filters
from fleming.ui.context import lang, t
from fleming.ui.guard import require_role

actor = require_role(Role.ADMIN, Role.COORDINATOR)

st.title(t("kpi.gap.title"))
months = st.sidebar.slider(t("kpi.gap.months"), 1, 24, 6, key="kpi_gap_months")
filters = sidebar_filters(actor, "kpi_gap", with_period=False)
st.caption(t("kpi.gap.caption", months=months))

with st.spinner():
    view = gap_view(filters, actor, months)
gap = view.gap

show_chart(view.suggestion)
show_chart(view.gap_chart)

st.subheader(t("kpi.gap.table"))
st.caption(t("kpi.gap.levels", scale=competences.scale_text(lang())))
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
