"""Home: each role's own overview."""

import streamlit as st

from fleming import overview
from fleming.i18n import fmt_date, fmt_number, fmt_percent
from fleming.models import PersonStatus, Role
from fleming.ui.cache import read
from fleming.ui.context import label, lang, t
from fleming.ui.guard import require_role
from fleming.ui.text import plain

actor = require_role(Role.ADMIN, Role.COORDINATOR, Role.TUTOR, Role.PARTNER)

st.title(t("home.title", name=plain(actor.full_name.split()[0])))


def metrics(items: list[tuple[str, str]]) -> None:
    for col, (title, value) in zip(st.columns(len(items)), items, strict=True):
        col.metric(title, value, border=True)


if actor.role in (Role.ADMIN, Role.COORDINATOR):
    c = read(overview.centre, actor)
    st.subheader(t("home.centre.heading", year=c.year))
    metrics(
        [
            (t("home.centre.people_in_path"), fmt_number(c.people_in_path, lang())),
            (t("home.centre.people_in_internship"), fmt_number(c.people_in_internship, lang())),
            (t("home.centre.active_companies"), fmt_number(c.active_companies, lang())),
            (t("home.centre.open_vacancies"), fmt_number(c.open_vacancies, lang())),
        ]
    )
    metrics(
        [
            (t("home.centre.internships_started"), fmt_number(c.internships_started, lang())),
            (t("home.centre.internships_ended"), fmt_number(c.internships_ended, lang())),
            (t("home.centre.hires"), fmt_number(c.hires, lang())),
            (t("home.centre.hire_rate"), fmt_percent(c.hire_rate, lang())),
        ]
    )

if actor.role is Role.TUTOR:
    cl = read(overview.caseload, actor)
    st.subheader(t("home.caseload.heading"))
    metrics(
        [(label(s), fmt_number(cl.by_status[s], lang())) for s in PersonStatus.OPEN_CASE]
        + [(label(PersonStatus.HIRED), fmt_number(cl.by_status[PersonStatus.HIRED], lang()))]
    )
    st.markdown("##### " + t("home.caseload.attention", days=cl.not_seen_days))
    if cl.attention:
        st.dataframe(
            [
                {
                    t("people.name"): r.name,
                    t("people.status"): label(r.status),
                    t("home.caseload.last_meeting"): fmt_date(r.last_meeting, lang()),
                    t("home.caseload.overdue"): r.overdue_activities,
                }
                for r in cl.attention
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.success(t("home.caseload.all_fine"), icon=":material/check_circle:")

if actor.role is Role.PARTNER:
    p = read(overview.partner, actor)
    st.subheader(t("home.partner.heading", org=p.organisation))
    st.caption(t("home.partner.explain"))
    metrics(
        [(label(s), fmt_number(n, lang())) for s, n in p.referred_by_status.items()]
        + [(t("home.partner.shared_shortlists"), fmt_number(p.shared_shortlists, lang()))]
    )
    for script, key, icon in (
        ("partner_shortlists.py", "nav.partner_shortlists", ":material/folder_shared:"),
        ("partner_people.py", "nav.partner_people", ":material/diversity_3:"),
        ("partner_vacancies.py", "nav.partner_vacancies", ":material/work:"),
    ):
        st.page_link(f"app_pages/{script}", label=t(key), icon=icon)

if actor.role is Role.ADMIN:
    a = read(overview.accounts, actor)
    st.subheader(t("home.accounts.heading"))
    metrics(
        [(label(r), fmt_number(n, lang())) for r, n in a.by_role.items()]
        + [
            (t("home.accounts.locked"), fmt_number(a.locked, lang())),
            (t("home.accounts.inactive"), fmt_number(a.inactive, lang())),
        ]
    )
    st.page_link(
        "app_pages/admin_users.py", label=t("nav.users"), icon=":material/manage_accounts:"
    )
