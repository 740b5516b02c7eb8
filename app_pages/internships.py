"""Internships: the running ones with their end dates, those ending soon or missing an outcome,
filtered by company and tutor; and how they spread over host companies and tutors."""

import pandas as pd
import streamlit as st

from fleming import internships
from fleming.i18n import fmt_date, fmt_number, fmt_percent
from fleming.internships import ListFilters, ListView
from fleming.models import InternshipStatus, Role
from fleming.permissions import allowed
from fleming.ui.cache import read
from fleming.ui.context import label, lang, t
from fleming.ui.guard import require_role
from fleming.ui.paging import page_number, pager
from fleming.ui.text import plain

actor = require_role(Role.COORDINATOR, Role.TUTOR)
CURRENT_INTERNSHIP = "fleming_internship_id"  # crosses pages: the internship being looked at
PAGE_SIZE = 25
DATE = "DD/MM/YYYY"

st.title(t("internships.title"))
st.caption(t("internships.caption"))

options = read(internships.filter_options, actor)
everyone = read(internships.counts, actor)
mine = read(internships.counts, actor, tutor_id=actor.id) if actor.role is Role.TUTOR else None

c1, c2, c3, c4 = st.columns([1, 1, 1, 1.2], vertical_alignment="bottom")
c1.metric(t("internships.metric.active"), fmt_number(everyone.active, lang()), border=True)
c2.metric(
    t("internships.metric.ending_soon", days=everyone.ending_soon_days),
    fmt_number(everyone.ending_soon, lang()),
    border=True,
)
c3.metric(
    t("internships.metric.missing_outcome"),
    fmt_number(everyone.missing_outcome, lang()),
    help=t("internships.metric.missing_outcome.help"),
    border=True,
)
if mine is not None:
    c4.metric(
        t("internships.metric.mine"),
        fmt_number(mine.active, lang()),
        help=t("internships.metric.mine.help", soon=mine.ending_soon, missing=mine.missing_outcome),
        border=True,
    )
elif allowed(actor, "internships.start") and c4.button(
    t("internships.new"), type="primary", icon=":material/add:", key="internships_new"
):
    st.session_state.pop(CURRENT_INTERNSHIP, None)
    st.switch_page("app_pages/internship.py")

tab_list, tab_companies, tab_tutors = st.tabs(
    [t("internships.tab.list"), t("internships.tab.companies"), t("internships.tab.tutors")]
)

# --------------------------------------------------------------------------- the list
with tab_list:
    view = st.segmented_control(
        t("internships.filter.view"),
        list(ListView),
        default=ListView.ACTIVE,
        format_func=lambda v: t(f"internships.view.{v.value}"),
        key="internships_view",
    )
    view = view or ListView.ACTIVE
    f2, f3, f4 = st.columns([1.3, 1, 1])
    companies = {o.id: o.label for o in options.companies}
    company_id = f2.selectbox(
        t("internships.filter.company"),
        [None, *companies],
        format_func=lambda i: t("internships.filter.all") if i is None else companies[i],
        key="internships_company",
    )
    tutors = {o.id: o.label for o in options.tutors}
    if actor.role is Role.TUTOR and actor.id not in tutors:
        tutors[actor.id] = actor.full_name
    tutor_id = f3.selectbox(
        t("internships.filter.tutor"),
        [None, *tutors],
        index=([None, *tutors].index(actor.id) if actor.role is Role.TUTOR else 0),
        format_func=lambda i: t("internships.filter.all") if i is None else tutors[i],
        key="internships_tutor",
    )
    text = f4.text_input(
        t("internships.filter.search"),
        placeholder=t("internships.filter.search.placeholder"),
        key="internships_search",
    )
    filters = ListFilters(view=view, company_id=company_id, tutor_id=tutor_id, text=text)
    page_no = page_number("internships_page_no", filters)
    result = read(internships.list_, actor, filters=filters, page=page_no, page_size=PAGE_SIZE)
    st.session_state["internships_page_no"] = result.page

    if not result.total:
        st.info(t(f"internships.empty.{view.value}"), icon=":material/search_off:")
    else:
        rows = result.rows
        today = pd.Timestamp.today().normalize()

        def end_note(r) -> str:
            if r.status is not InternshipStatus.ACTIVE:
                return label(r.outcome) if r.outcome else label(r.status)
            days = (pd.Timestamp(r.planned_end_date) - today).days
            if pd.Timestamp(r.start_date) > today:
                return t("internships.note.starts", date=fmt_date(r.start_date, lang()))
            if days < 0:
                return t("internships.note.missing_outcome", days=-days)
            if days == 0:
                return t("internships.note.ends_today")
            return t("internships.note.days_left", days=days)

        frame = pd.DataFrame(
            {
                t("internships.col.person"): [r.person_name for r in rows],
                t("internships.col.company"): [r.company_name for r in rows],
                t("internships.col.tutor"): [r.centre_tutor_name or "—" for r in rows],
                t("internships.col.start"): pd.to_datetime(pd.Series([r.start_date for r in rows])),
                t("internships.col.end"): pd.to_datetime(
                    pd.Series([r.actual_end_date or r.planned_end_date for r in rows])
                ),
                t("internships.col.situation"): [end_note(r) for r in rows],
                t("internships.col.attendance"): [
                    (
                        f"{fmt_percent(r.last_attendance_percent / 100, lang())}"
                        f" · {fmt_date(r.last_attendance_month, lang(), 'MMM yy')}"
                    )
                    if r.last_attendance_percent is not None
                    else "—"
                    for r in rows
                ],
                t("internships.col.checks"): [r.checks for r in rows],
            }
        )
        table_nonce = st.session_state.setdefault("internships_table_nonce", 0)
        event = st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key=f"internships_table_{table_nonce}",
            height=36 * (len(rows) + 1) + 4,
            column_config={
                t("internships.col.person"): st.column_config.TextColumn(width=140),
                t("internships.col.company"): st.column_config.TextColumn(width=180),
                t("internships.col.tutor"): st.column_config.TextColumn(width=115),
                t("internships.col.start"): st.column_config.DateColumn(format=DATE, width=85),
                t("internships.col.end"): st.column_config.DateColumn(
                    format=DATE, width=85, help=t("internships.col.end.help")
                ),
                t("internships.col.situation"): st.column_config.TextColumn(width=125),
                t("internships.col.attendance"): st.column_config.TextColumn(width=105),
                t("internships.col.checks"): st.column_config.NumberColumn(
                    help=t("internships.col.checks.help"), width=60
                ),
            },
        )
        pager(
            key="internships_page_no",
            page=result.page,
            pages=result.pages,
            caption=t(
                "internships.paging",
                page=result.page,
                pages=result.pages,
                total=fmt_number(result.total, lang()),
            ),
        )
        selected = event.selection.rows if event and event.selection else []
        if selected:
            row = rows[selected[0]]
            if st.button(
                t("internships.open", name=plain(row.person_name), company=plain(row.company_name)),
                type="primary",
                icon=":material/open_in_new:",
                key="internships_open",
            ):
                st.session_state[CURRENT_INTERNSHIP] = row.id
                st.session_state["internships_table_nonce"] = table_nonce + 1
                st.switch_page("app_pages/internship.py")
        else:
            st.caption(t("internships.select_hint"))

# --------------------------------------------------------------------------- per company
with tab_companies:
    groups = read(internships.by_company, actor)
    st.caption(t("internships.by_company.caption"))
    if groups:
        st.dataframe(
            pd.DataFrame(
                {
                    t("internships.col.company"): [g.name for g in groups],
                    t("internships.col.active"): [g.active for g in groups],
                    t("internships.col.quota"): [g.quota for g in groups],
                    t("internships.col.ending_soon", days=everyone.ending_soon_days): [
                        g.ending_soon for g in groups
                    ],
                    t("internships.col.missing_outcome"): [g.missing_outcome for g in groups],
                }
            ),
            hide_index=True,
            width="stretch",
            height=min(36 * (len(groups) + 1) + 4, 640),
            column_config={
                t("internships.col.quota"): st.column_config.NumberColumn(
                    help=t("internships.col.quota.help")
                )
            },
        )
    else:
        st.info(t("internships.empty.active"), icon=":material/info:")

# --------------------------------------------------------------------------- per tutor
with tab_tutors:
    groups = read(internships.by_tutor, actor)
    st.caption(t("internships.by_tutor.caption"))
    if groups:
        st.dataframe(
            pd.DataFrame(
                {
                    t("internships.col.tutor"): [g.name or "—" for g in groups],
                    t("internships.col.active"): [g.active for g in groups],
                    t("internships.col.ending_soon", days=everyone.ending_soon_days): [
                        g.ending_soon for g in groups
                    ],
                    t("internships.col.missing_outcome"): [g.missing_outcome for g in groups],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.info(t("internships.empty.active"), icon=":material/info:")
