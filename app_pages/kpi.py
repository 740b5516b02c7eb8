"""The coordinators' dashboard: the centre's KPIs for a period, with readings, data and reports."""

import streamlit as st

from fleming import kpi
from fleming.i18n import fmt_date
from fleming.kpi_charts import dashboard_sections, headlines
from fleming.models import Role
from fleming.ui.charts import (
    chart_with_data,
    kpi_frame,
    kpi_targets,
    report_downloads,
    sidebar_filters,
)
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
    frames = {name: kpi_frame(name, filters, actor) for name in kpi.KPIS}
    targets = kpi_targets(actor)

for col, h in zip(st.columns(4), headlines(frames, targets, lang()), strict=True):
    col.metric(h.label, h.value, h.detail, delta_color="off", delta_arrow="off", border=True)

sections = dashboard_sections(
    frames, targets, filters, lang(), reference_day=fmt_date(filters.reference_day(), lang())
)
for tab, section in zip(st.tabs([t(f"kpi.tab.{s.key}") for s in sections]), sections, strict=True):
    with tab:
        if section.note:
            st.caption(section.note)
        for spec in section.charts:
            chart_with_data(spec.chart, spec.frame, spec.reading, key=f"kpi_{spec.key}")

st.subheader(t("kpi.download.heading"))
st.caption(t("kpi.download.caption"))
report_downloads(actor, filters, key="kpi_report")
