"""The coordinators' dashboard: the centre's KPIs for a period, with readings, data and reports."""

import streamlit as st

from fleming.i18n import fmt_date
from fleming.models import Role
from fleming.ui.charts import dashboard_view, report_downloads, show_chart, sidebar_filters
from fleming.ui.context import lang, t
from fleming.ui.guard import require_role

actor = require_role(Role.ADMIN, Role.COORDINATOR)

st.title(t("kpi.title"))
filters = sidebar_filters(actor, "kpi")
st.caption(
    t(
        "kpi.filters.summary",
        start=fmt_date(filters.start, lang()),
        end=fmt_date(filters.end, lang()),
    )
    + " · "
    + t("kpi.caption")
)

with st.spinner():
    view = dashboard_view(filters, actor)

for col, h in zip(st.columns(4), view.headlines, strict=True):
    col.metric(h.label, h.value, h.detail, delta_color="off", delta_arrow="off", border=True)

sections = view.sections
for tab, section in zip(st.tabs([t(f"kpi.tab.{s.key}") for s in sections]), sections, strict=True):
    with tab:
        if section.note:
            st.caption(section.note)
        for chart in section.charts:
            show_chart(chart)

st.subheader(t("kpi.download.heading"))
st.caption(t("kpi.download.caption"))
report_downloads(actor, filters, key="kpi_report")
