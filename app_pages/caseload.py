"""A tutor's caseload: who needs attention first (overdue activities, not seen for too long)."""

import streamlit as st

from fleming import people, tutoring
from fleming.i18n import fmt_number
from fleming.models import Role
from fleming.ui.cache import read
from fleming.ui.caseload_view import caseload_table
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

shown = read(tutoring.caseload, actor, tutor_id=tutor_id, shape=caseload_table)
view = shown.view

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
picked = [i for i, a in enumerate(shown.attention) if a or not only_attention]
if not picked:
    st.success(t("caseload.all_fine"), icon=":material/check_circle:")
    st.stop()
rows = [view.rows[i] for i in picked]
table = [shown.rows[i] for i in picked]
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
