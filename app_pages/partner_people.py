"""Partner: the people the organisation referred, and where each one's path stands."""

import pandas as pd
import streamlit as st

from fleming import partners
from fleming.db import unit_of_work
from fleming.i18n import fmt_date
from fleming.models import PersonStatus, Role
from fleming.ui import cache
from fleming.ui.context import engine, label, lang, t
from fleming.ui.guard import require_role
from fleming.ui.paging import page_number, pager

actor = require_role(Role.PARTNER)

st.title(t("partners.people.title"))
st.caption(t("partners.people.intro", org=actor.partner_org_name or ""))

stages = st.multiselect(
    t("partners.people.filter"),
    list(PersonStatus),
    default=list(partners.NOMINABLE),
    format_func=label,
    placeholder=t("partners.people.filter.all"),
    key=f"partner_people_stages_{lang()}",
)
PAGE_SIZE = 25  # as the register: every person shown is an audited view
page = page_number("partner_people_page_no", tuple(stages))
with unit_of_work(engine()) as session:  # audited: only the people on this page are read
    found = partners.referred(
        session=session,
        actor=actor,
        stages=stages,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        count_without_consent=False,
    )
without_consent = cache.read(partners.referred_without_consent, actor)  # a count: no person
pages = max(1, -(-found.total // PAGE_SIZE))
if page > pages:  # fewer people since the page was chosen (a consent withdrawn): the last page
    st.session_state["partner_people_page_no"] = pages
    st.rerun()

if without_consent:
    st.caption(":material/lock: " + t("partners.people.without_consent", n=without_consent))
if not found.people:
    st.info(t("partners.people.none"), icon=":material/person_search:")
    st.stop()


def nominations(person: partners.ReferredPerson) -> str:
    return "; ".join(
        t(
            "partners.people.nomination",
            vacancy=n.vacancy_title,
            stage=label(n.stage),
            day=fmt_date(n.nominated_on, lang()),
        )
        for n in person.nominations
    )


st.dataframe(
    pd.DataFrame(
        {
            t("partners.col.person"): [f"{p.first_name} {p.last_initial}" for p in found.people],
            t("partners.col.path_stage"): [label(p.stage) for p in found.people],
            t("partners.col.nominable"): [
                t("partners.yes" if p.nominable else "partners.no") for p in found.people
            ],
            t("partners.col.nominations"): [nominations(p) for p in found.people],
        }
    ),
    hide_index=True,
    width="stretch",
    column_config={
        t("partners.col.person"): st.column_config.TextColumn(width="medium"),
        t("partners.col.path_stage"): st.column_config.TextColumn(width="small"),
        t("partners.col.nominable"): st.column_config.TextColumn(
            width="small", help=t("partners.col.nominable.help")
        ),
        t("partners.col.nominations"): st.column_config.TextColumn(width="large"),
    },
    key="partner_people_table",
    height="content",  # every row visible, no inner scrolling
)
if pages > 1:
    pager(
        key="partner_people_page_no",
        page=page,
        pages=pages,
        caption=t(
            "partners.people.page",
            page=page,
            pages=pages,
            first=found.offset + 1,
            last=found.offset + len(found.people),
            total=found.total,
        ),
    )
else:
    st.caption(t("partners.people.count", n=found.total))
st.page_link(
    "app_pages/partner_vacancies.py",
    label=t("partners.people.to_vacancies"),
    icon=":material/work:",
)
