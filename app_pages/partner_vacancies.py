"""Partner: open vacancies the centre published to partners; nominate a referred person."""

import pandas as pd
import streamlit as st

from fleming import partners
from fleming.db import unit_of_work
from fleming.errors import FlemingError, ValidationError, ValidationErrors
from fleming.i18n import fmt_date
from fleming.models import Role
from fleming.ui import cache
from fleming.ui import partner_view as pv
from fleming.ui.context import engine, label, lang, t
from fleming.ui.flash import flash, show_flash
from fleming.ui.forms import FieldErrors, show_error
from fleming.ui.guard import require_role
from fleming.ui.paging import page_number, pager
from fleming.ui.text import plain

actor = require_role(Role.PARTNER)

st.title(t("partners.vacancies.title"))
st.caption(t("partners.vacancies.intro"))
show_flash()

PAGE_SIZE = 25
page = page_number("partner_vacancies_page_no", None)
found = cache.read(
    partners.open_vacancy_page, actor, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
)
pages = max(1, -(-found.total // PAGE_SIZE))
if page > pages:  # fewer vacancies since the page was chosen: the last page
    st.session_state["partner_vacancies_page_no"] = pages
    st.rerun()
vacancies = found.vacancies
if not vacancies:
    st.info(t("partners.vacancies.none"), icon=":material/work_off:")
    st.stop()
here = lang()

st.dataframe(
    pd.DataFrame(
        {
            t("partners.col.vacancy"): [v.title for v in vacancies],
            t("partners.col.company"): [pv.company(v) for v in vacancies],
            t("partners.fact.trade"): [v.trade.text(here) if v.trade else "—" for v in vacancies],
            t("partners.fact.place"): [v.municipality or "—" for v in vacancies],
            t("partners.fact.contract"): [pv.contract(v) for v in vacancies],
            t("partners.fact.italian"): [label(v.min_italian_level) for v in vacancies],
            t("partners.fact.deadline"): [fmt_date(v.deadline, here) for v in vacancies],
        }
    ),
    hide_index=True,
    width="stretch",
    column_config={
        t("partners.col.vacancy"): st.column_config.TextColumn(width=180),
        t("partners.col.company"): st.column_config.TextColumn(width=160),
        t("partners.fact.trade"): st.column_config.TextColumn(width=150),
        t("partners.fact.place"): st.column_config.TextColumn(width=90),
        t("partners.fact.contract"): st.column_config.TextColumn(width=150),
        t("partners.fact.italian"): st.column_config.TextColumn(width=90),
        t("partners.fact.deadline"): st.column_config.TextColumn(width=120),
    },
    key="partner_vacancies_table",
    height="content",  # every row visible, no inner scrolling
)
if pages > 1:
    pager(
        key="partner_vacancies_page_no",
        page=page,
        pages=pages,
        caption=t(
            "partners.vacancies.page",
            page=page,
            pages=pages,
            first=found.offset + 1,
            last=found.offset + len(vacancies),
            total=found.total,
        ),
    )
else:
    st.caption(t("partners.vacancies.count", n=found.total))

# ----------------------------------------------------------------------------- one vacancy
by_id = {v.id: v for v in vacancies}
vacancy_id = st.selectbox(
    t("partners.vacancies.pick"),
    list(by_id),
    format_func=lambda i: f"{by_id[i].title} — {pv.company(by_id[i])}",
    key="partner_vacancies_pick",
)
vacancy = by_id[vacancy_id]
with st.container(border=True):
    st.subheader(f"{plain(vacancy.title)} — {plain(pv.company(vacancy))}")
    pv.vacancy_facts(vacancy)
    pv.requirements(vacancy, key="partner_vacancies_requirements", expanded=True)

# ----------------------------------------------------------------------------- nominate
# lazy: the people who can be nominated are read (and the read audited) only while the
# partner has this open, not on every look at the vacancies
nominate_box = st.expander(
    t("partners.nominate.heading"),
    icon=":material/person_add:",
    key="partner_nominate_open",
    on_change="rerun",
)
if not nominate_box.open:
    st.stop()
with nominate_box:
    st.caption(t("partners.nominate.explain"))
    NOMINEES = 30  # people offered at once: the search narrows them in SQL (and in the audit)
    search = st.text_input(
        t("partners.nominate.search"),
        placeholder=t("partners.nominate.search.placeholder"),
        key="partner_nominate_search",
    )
    with unit_of_work(engine()) as session:  # audited on every run: never from the page cache
        candidates = partners.referred(
            session=session,
            actor=actor,
            stages=partners.NOMINABLE,
            limit=NOMINEES,
            count_without_consent=False,
            first_name=search,
        )
    already = {
        p.person_id for p in candidates.people for n in p.nominations if n.vacancy_id == vacancy_id
    }
    nominable = {p.person_id: p for p in candidates.people if p.person_id not in already}
    if not nominable:
        st.info(
            t("partners.nominate.no_match" if search.strip() else "partners.nominate.nobody"),
            icon=":material/person_off:",
        )
        st.stop()
    if candidates.total > len(candidates.people):
        st.caption(t("partners.nominate.more", n=len(candidates.people), total=candidates.total))
    stage_label = {p.person_id: label(p.stage) for p in nominable.values()}

    with st.form("partner_nominate_form"):
        errors = FieldErrors()
        # no preselected person: if the list changes under the form (a consent withdrawn, someone
        # nominated from another browser), the choice empties instead of moving to another person
        person_id = st.selectbox(
            t("partners.nominate.person"),
            list(nominable),
            index=None,
            placeholder=t("partners.nominate.person.pick"),
            format_func=lambda i: (
                f"{nominable[i].first_name} {nominable[i].last_initial} · {stage_label[i]}"
            ),
            key=f"partner_nominate_person_{vacancy_id}",
        )
        errors.slot("person_id")
        motivation = st.text_area(
            t("partners.nominate.motivation"),
            help=t("partners.nominate.motivation.help", n=partners.MOTIVATION_MIN),
            max_chars=partners.MOTIVATION_MAX,
            key=f"partner_nominate_motivation_{vacancy_id}",
        )
        errors.slot("motivation")
        errors.slot("vacancy_id")
        if st.form_submit_button(t("partners.nominate.submit"), type="primary"):
            try:
                if person_id is None:
                    raise ValidationError("person_id", "partners.nominate.person.missing")
                with unit_of_work(engine()) as session:
                    partners.nominate(
                        session=session,
                        actor=actor,
                        vacancy_id=vacancy_id,
                        person_id=person_id,
                        motivation=motivation,
                    )
            except (ValidationError, ValidationErrors) as exc:
                errors.show(exc)
            except FlemingError as exc:
                show_error(exc)
            else:
                name = f"{nominable[person_id].first_name} {nominable[person_id].last_initial}"
                st.session_state.pop(f"partner_nominate_motivation_{vacancy_id}", None)
                flash(t("partners.nominate.done", name=plain(name), vacancy=plain(vacancy.title)))
                st.rerun()
