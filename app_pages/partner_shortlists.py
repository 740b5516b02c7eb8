"""Partner: the shortlists the centre shared with the organisation, minimised and consent-gated."""

import streamlit as st

from fleming import partners
from fleming.db import unit_of_work
from fleming.errors import FlemingError
from fleming.i18n import fmt_date, translate
from fleming.models import Role
from fleming.ui import cache
from fleming.ui import partner_view as pv
from fleming.ui.context import engine, label, lang, t
from fleming.ui.forms import show_error
from fleming.ui.guard import require_role
from fleming.ui.text import plain

actor = require_role(Role.PARTNER)

st.title(t("partners.shortlists.title"))
st.caption(t("partners.shortlists.intro", org=actor.partner_org_name or ""))

lists = cache.read(partners.shared_shortlists, actor)  # counts only: no person shown
if not lists:
    st.info(t("partners.shortlists.none"), icon=":material/folder_shared:")
    st.stop()

lg = lang()  # read once: a label per shared list on every run
options = {
    x.vacancy.id: translate(
        "partners.shortlists.option",
        lg,
        title=x.vacancy.title,
        company=pv.company(x.vacancy),
        n=x.people,
        shared=fmt_date(x.shared_at.date(), lg),
    )
    for x in lists
}
vacancy_id = st.selectbox(
    t("partners.shortlists.pick", n=len(lists)),
    list(options),
    format_func=options.__getitem__,
    key="partner_shortlists_vacancy",
)

try:  # audited on every run: never from the page cache
    with unit_of_work(engine()) as session:
        shared = partners.shortlist(session=session, actor=actor, vacancy_id=vacancy_id)
except FlemingError as exc:  # e.g. the centre revoked the share a moment ago
    show_error(exc)
    st.stop()

vacancy = shared.vacancy
st.subheader(f"{plain(vacancy.title)} — {plain(pv.company(vacancy))}")
pv.vacancy_facts(vacancy)
pv.requirements(vacancy, key="partner_shortlists_requirements")

st.markdown("##### " + t("partners.shortlists.people", n=len(shared.people)))
st.caption(t("partners.shortlists.people.help"))
if not shared.people:
    st.info(t("partners.shortlists.nobody"), icon=":material/person_off:")
for row in [shared.people[i : i + 2] for i in range(0, len(shared.people), 2)]:
    for col, person in zip(st.columns(2), row, strict=False):
        with col.container(border=True):
            star = " ★" if person.nominated_by_you else ""
            st.markdown(
                f"**{plain(person.first_name)} {plain(person.last_initial)}**{star} · "
                + t("partners.stage", stage=label(person.stage))
            )
            st.markdown(
                " · ".join(
                    [
                        t("partners.age_band", band=person.age_band),
                        t("partners.italian", level=label(person.italian_level)),
                        t(
                            "partners.workshops",
                            trades=", ".join(w.text(lang()) for w in person.workshops)
                            or t("partners.none"),
                        ),
                    ]
                )
            )
            st.markdown(pv.competence_lines(person.matched, person.missing))
            if person.nominated_by_you:
                st.caption("★ " + t("partners.nominated_by_you"))
