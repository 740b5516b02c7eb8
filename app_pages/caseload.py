"""A tutor's caseload: who needs attention first (overdue activities, not seen for too long)."""

import streamlit as st

from fleming import people, tutoring
from fleming.db import unit_of_work
from fleming.i18n import fmt_date, fmt_number
from fleming.models import Role
from fleming.ui.context import engine, label, lang, t
from fleming.ui.guard import require_role
from fleming.ui.people_widgets import open_person

actor = require_role(Role.COORDINATOR, Role.TUTOR)
lg = lang()

tutor_id = actor.id
if actor.role is Role.COORDINATOR:
    st.title(t("caseload.title_coordinator"))
    with unit_of_work(engine()) as session:
        tutors = people.tutors(session=session, actor=actor)  # tutors first, then coordinators
    names = {o.id: o.label for o in tutors}
    tutor_id = st.selectbox(
        t("caseload.tutor"),
        list(names),
        index=0,
        format_func=lambda uid: names[uid],
        key="caseload_tutor",
    )
else:
    st.title(t("caseload.title"))

with unit_of_work(engine()) as session:
    view = tutoring.caseload(session=session, actor=actor, tutor_id=tutor_id)

st.caption(t("caseload.intro", days=view.not_seen_days))
c1, c2, c3 = st.columns(3)
c1.metric(t("caseload.open_cases"), fmt_number(len(view.rows), lg), border=True)
c2.metric(
    t("caseload.not_seen", days=view.not_seen_days), fmt_number(view.not_seen, lg), border=True
)
c3.metric(t("caseload.with_overdue"), fmt_number(view.with_overdue, lg), border=True)

if not view.rows:
    st.info(t("caseload.empty"), icon=":material/inbox:")
    st.stop()

only_attention = st.toggle(t("caseload.only_attention"), value=False, key="caseload_only")
rows = [r for r in view.rows if r.needs_attention or not only_attention]
if not rows:
    st.success(t("caseload.all_fine"), icon=":material/check_circle:")
    st.stop()


def seen_text(r: tutoring.CaseloadRow) -> str:
    if r.last_meeting is None:
        return t("caseload.never_seen")
    return t("caseload.days_ago", n=r.days_since)


def flag(r: tutoring.CaseloadRow) -> str:
    parts = []
    if r.overdue_activities:
        parts.append(t("caseload.flag.overdue", n=r.overdue_activities))
    if r.not_seen:
        parts.append(t("caseload.flag.not_seen"))
    return " · ".join(parts) or "—"


table = [
    {
        t("caseload.col.attention"): flag(r),
        t("people.name"): r.full_name,
        t("people.status"): label(r.status),
        t("caseload.col.last_meeting"): fmt_date(r.last_meeting, lg) if r.last_meeting else "—",
        t("caseload.col.since"): seen_text(r),
        t("caseload.col.every"): (
            t("caseload.every_n", n=r.meeting_every_days) if r.meeting_every_days else "—"
        ),
        t("caseload.col.next_due"): fmt_date(r.next_due, lg) if r.next_due else "—",
    }
    for r in rows
]
st.caption(t("caseload.click_to_open"))
nonce = st.session_state.setdefault("caseload_table_nonce", 0)
selection = st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key=f"caseload_table_{nonce}",
    height=min(38 + 35 * len(table), 700),
)
chosen = selection.selection.rows if selection else []
if chosen:
    st.session_state["caseload_table_nonce"] = nonce + 1
    open_person(rows[chosen[0]].person_id)
