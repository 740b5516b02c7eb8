"""Audit log viewer (admin): who did what to which record, and when; filter and export."""

from datetime import date, timedelta

import streamlit as st

from fleming import audit_log
from fleming.db import unit_of_work
from fleming.exports import to_csv_bytes
from fleming.i18n import fmt_date, fmt_number
from fleming.models import Role
from fleming.ui.cache import read
from fleming.ui.context import engine, lang, t
from fleming.ui.guard import require_role

actor = require_role(Role.ADMIN)
PAGE_SIZE = 50

st.title(t("audit.title"))
st.caption(t("audit.explain"))

# The choices scan the whole log: kept for a minute (a new user or action shows up within it);
# the rows below are always read afresh.
users, entities, actions = read(audit_log.filter_choices, actor)

with st.sidebar:
    st.markdown("**" + t("audit.filters") + "**")
    username = st.selectbox(
        t("audit.user"), [None, *users], format_func=lambda u: u or t("audit.any")
    )
    entity = st.selectbox(
        t("audit.entity"), [None, *entities], format_func=lambda e: e or t("audit.any")
    )
    action = st.selectbox(
        t("audit.action"), [None, *actions], format_func=lambda a: a or t("audit.any")
    )
    person_text = st.text_input(t("audit.person_id"), help=t("audit.person_id.help"))
    period = st.date_input(
        t("audit.period"),
        value=(date.today() - timedelta(days=30), date.today()),
        format="DD/MM/YYYY",
    )

person_id = int(person_text) if person_text.strip().isdigit() else None
if person_text.strip() and person_id is None:
    st.sidebar.error(t("audit.person_id.invalid"))
since, until = (*period, None)[:2] if isinstance(period, tuple) else (period, None)
filters = audit_log.AuditFilters(
    username=username, person_id=person_id, entity=entity, action=action, since=since, until=until
)

with unit_of_work(engine()) as session:
    total_rows = audit_log.list_entries(session=session, actor=actor, filters=filters, limit=1)[1]
pages = max(1, -(-total_rows // PAGE_SIZE))
page_no = st.number_input(t("audit.page", pages=pages), min_value=1, max_value=pages, value=1)
with unit_of_work(engine()) as session:
    frame, total_rows = audit_log.list_entries(
        session=session,
        actor=actor,
        filters=filters,
        limit=PAGE_SIZE,
        offset=(page_no - 1) * PAGE_SIZE,
    )

st.markdown(t("audit.count", n=fmt_number(total_rows, lang())))
shown = frame.assign(
    at=frame["at"].map(lambda v: fmt_date(v, lang())),
    changes=frame["changes"].map(lambda c: "" if c is None else str(c)),
)
st.dataframe(
    shown.rename(
        columns={
            "id": "#",
            "at": t("audit.col.at"),
            "actor_username": t("audit.user"),
            "action": t("audit.action"),
            "entity": t("audit.entity"),
            "entity_id": t("audit.col.entity_id"),
            "person_id": t("audit.person_id"),
            "changes": t("audit.col.changes"),
        }
    ),
    hide_index=True,
    width="stretch",
)


def _export() -> bytes:
    with unit_of_work(engine()) as session:
        return to_csv_bytes(audit_log.export_entries(session=session, actor=actor, filters=filters))


st.download_button(
    t("audit.export"),
    data=_export,
    file_name=f"registro_attivita_{date.today().isoformat()}.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
    key="audit_export",
)
