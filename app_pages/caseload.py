"""A tutor's caseload: who needs attention first (overdue activities, not seen for too long)."""

import streamlit as st

from fleming import people, tutoring
from fleming.i18n import enum_label, fmt_date, fmt_number, translate
from fleming.models import Role
from fleming.ui.cache import read
from fleming.ui.context import lang, t
from fleming.ui.guard import require_role
from fleming.ui.people_widgets import open_person

actor = require_role(Role.COORDINATOR, Role.TUTOR)
lg = lang()

tutor_id = actor.id
if actor.role is Role.COORDINATOR:
    st.title(t("caseload.title_coordinator"))
    tutors = read(people.tutors, actor)  # tutors first, then coordinators
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

view = read(tutoring.caseload, actor, tutor_id=tutor_id)

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


# A caseload can hold hundreds of people: the loop below translates with the language read once.
def tr(key: str, **params) -> str:
    return translate(key, lg, **params)


def seen_text(r: tutoring.CaseloadRow) -> str:
    if r.last_meeting is None:
        return tr("caseload.never_seen")
    return tr("caseload.days_ago", n=r.days_since)


def flag(r: tutoring.CaseloadRow) -> str:
    parts = []
    if r.overdue_activities:
        parts.append(tr("caseload.flag.overdue", n=r.overdue_activities))
    if r.not_seen:
        parts.append(tr("caseload.flag.not_seen"))
    return " · ".join(parts) or "—"


ATTENTION, NAME, STATUS, LAST, SINCE, EVERY, NEXT = (
    tr(k)
    for k in (
        "caseload.col.attention",
        "people.name",
        "people.status",
        "caseload.col.last_meeting",
        "caseload.col.since",
        "caseload.col.every",
        "caseload.col.next_due",
    )
)
table = [
    {
        ATTENTION: flag(r),
        NAME: r.full_name,
        STATUS: enum_label(r.status, lg),
        LAST: fmt_date(r.last_meeting, lg) if r.last_meeting else "—",
        SINCE: seen_text(r),
        EVERY: tr("caseload.every_n", n=r.meeting_every_days) if r.meeting_every_days else "—",
        NEXT: fmt_date(r.next_due, lg) if r.next_due else "—",
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
