"""Vacancies (*fabbisogni*): the list with filters, a vacancy's detail and status, a new vacancy."""

import pandas as pd
import streamlit as st

from fleming import companies, vacancies
from fleming.competences import scale_text
from fleming.db import unit_of_work
from fleming.errors import FlemingError, NotFound, ValidationError, ValidationErrors
from fleming.i18n import fmt_date, fmt_number
from fleming.models import Role, VacancyKind, VacancyStatus
from fleming.permissions import allowed
from fleming.ui.company_form import municipality_label
from fleming.ui.context import engine, label, lang, t
from fleming.ui.downloads import export_buttons
from fleming.ui.flash import flash, show_flash
from fleming.ui.forms import FieldErrors, show_error
from fleming.ui.guard import require_role
from fleming.ui.paging import page_number, pager
from fleming.ui.tables import date_texts
from fleming.ui.text import plain
from fleming.ui.vacancy_form import occupation_search, vacancy_fields
from fleming.vacancies import VacancyFilters

actor = require_role(Role.ADMIN, Role.COORDINATOR, Role.TUTOR)
CURRENT_COMPANY = "fleming_company_id"
CURRENT_VACANCY = "fleming_vacancy_id"
PAGE_SIZE = 25

st.title(t("vacancies.title"))
st.caption(t("vacancies.caption"))
show_flash()

with unit_of_work(engine()) as session:
    trades = vacancies.trade_options(session=session, actor=actor)
    competences = vacancies.competence_options(session=session, actor=actor)
    counts = vacancies.status_counts(session=session, actor=actor)
trade_names = {tr.id: tr.label(lang()) for tr in trades}

with st.sidebar:
    st.subheader(t("vacancies.filters"))
    search = st.text_input(
        t("vacancies.filter.search"),
        placeholder=t("vacancies.filter.search.placeholder"),
        key="vacancies_search",
    )
    statuses = st.multiselect(
        t("vacancies.field.status"),
        list(VacancyStatus),
        default=list(VacancyStatus.RECRUITING),
        format_func=label,
        placeholder=t("companies.filter.any"),
        key=f"vacancies_status_{lang()}",  # labels follow the language
    )
    kinds = st.multiselect(
        t("vacancies.field.kind"),
        list(VacancyKind),
        format_func=label,
        placeholder=t("companies.filter.any"),
        key=f"vacancies_kinds_{lang()}",  # labels follow the language
    )
    trade_filter = st.multiselect(
        t("vacancies.field.trade"),
        list(trade_names),
        format_func=trade_names.get,
        placeholder=t("companies.filter.any"),
        key=f"vacancies_trades_{lang()}",  # labels follow the language
    )
filters = VacancyFilters(
    search=search, statuses=tuple(statuses), kinds=tuple(kinds), trade_ids=tuple(trade_filter)
)

for col, status in zip(st.columns(len(VacancyStatus)), VacancyStatus, strict=True):
    col.metric(label(status), fmt_number(counts[status], lang()), border=True)

can_create = allowed(actor, "vacancies.create")
if can_create:
    list_tab, new_tab = st.tabs([t("vacancies.tab.list"), t("vacancies.tab.new")])
else:
    list_tab, new_tab = st.container(), None


def show_vacancy(vacancy_id: int) -> None:
    """The chosen vacancy: its fields, requirements, status change and edit form."""
    try:
        with unit_of_work(engine()) as session:
            v = vacancies.get(session=session, actor=actor, id=vacancy_id)
    except NotFound:
        st.session_state.pop(CURRENT_VACANCY, None)
        return
    st.subheader(plain(v.title))
    st.caption(f"{plain(v.company_name)} · {label(v.kind)} · {label(v.status)}")
    occupation = " · ".join(
        part
        for part in (
            trade_names.get(v.trade_id, ""),
            f"{v.esco_label} (ISCO {v.isco_code})" if v.esco_label else (v.isco_code or ""),
        )
        if part
    )
    facts = {
        t("vacancies.field.occupation"): occupation or "—",
        t("vacancies.field.positions"): str(v.positions),
        t("vacancies.field.contract_offered"): v.contract_offered or "—",
        t("vacancies.field.hours_percent"): f"{v.hours_percent}%",
        t("vacancies.field.municipality"): municipality_label(v.municipality_code) or "—",
        t("vacancies.field.min_italian_level"): label(v.min_italian_level),
        t("vacancies.field.start_date"): fmt_date(v.start_date, lang()),
        t("vacancies.field.deadline"): fmt_date(v.deadline, lang()),
        t("vacancies.field.created_on"): fmt_date(v.created_on, lang()),
        t("vacancies.field.published_to_partners"): t(
            "vacancies.yes" if v.published_to_partners else "vacancies.no"
        ),
    }
    if v.closed_reason:
        facts[t("vacancies.field.closed_reason")] = v.closed_reason
    items = list(facts.items())
    half = (len(items) + 1) // 2
    for column, part in zip(st.columns(2), (items[:half], items[half:]), strict=True):
        column.dataframe(
            pd.DataFrame({"field": [k for k, _ in part], "value": [v for _, v in part]}),
            hide_index=True,
            width="stretch",
            column_config={
                "field": st.column_config.TextColumn(t("vacancies.detail.field"), width=170),
                "value": st.column_config.TextColumn(t("vacancies.detail.value"), width="large"),
            },
        )
    st.markdown("##### " + t("vacancies.requirements.heading"))
    if v.requirements:
        st.dataframe(
            pd.DataFrame(
                {
                    "competence": [r.label(lang()) for r in v.requirements],
                    "level": [r.min_level for r in v.requirements],
                    "essential": [
                        t("vacancies.requirements.essential_yes")
                        if r.essential
                        else t("vacancies.requirements.essential_no")
                        for r in v.requirements
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "competence": st.column_config.TextColumn(
                    t("vacancies.requirements.competence"), width="large"
                ),
                "level": st.column_config.NumberColumn(
                    t("vacancies.requirements.min_level"),
                    help=t(
                        "vacancies.requirements.min_level.help",
                        scale=scale_text(lang()),
                    ),
                    width=110,
                ),
                "essential": st.column_config.TextColumn(
                    t("vacancies.requirements.essential"), width=110
                ),
            },
        )
    else:
        st.caption(t("vacancies.requirements.none"))
    if v.kind is VacancyKind.INTERNSHIP and not v.convention_valid:
        st.warning(t("vacancies.detail.convention_expired"), icon=":material/contract:")
    if st.button(
        t("vacancies.detail.open_company"), icon=":material/apartment:", key="vacancies_to_company"
    ):
        st.session_state[CURRENT_COMPANY] = v.company_id
        st.switch_page("app_pages/company.py")
    if not allowed(actor, "vacancies.update"):
        return

    next_statuses = vacancies.next_statuses(v.status)
    if next_statuses:
        with st.form(f"vacancies_status_{v.id}_{v.version}"):
            st.markdown("##### " + t("vacancies.status.heading"))
            errors = FieldErrors()
            left, right = st.columns([1, 2])
            new_status = left.selectbox(t("vacancies.status.new"), next_statuses, format_func=label)
            with left:
                errors.slot("status")
            reason = right.text_input(
                t("vacancies.field.closed_reason"),
                max_chars=200,
                help=t("vacancies.status.reason.help"),
            )
            with right:
                errors.slot("closed_reason")
            if st.form_submit_button(t("vacancies.status.submit"), type="primary"):
                try:
                    with unit_of_work(engine()) as session:
                        vacancies.set_status(
                            session=session,
                            actor=actor,
                            id=v.id,
                            status=new_status,
                            reason=reason,
                            version=v.version,
                        )
                except (ValidationError, ValidationErrors) as exc:
                    errors.show(exc)
                except FlemingError as exc:
                    show_error(exc)
                else:
                    flash(t("vacancies.status.done", status=label(new_status)))
                    st.rerun()

    with st.expander(t("vacancies.edit.heading"), icon=":material/edit:"):
        key = f"vacancies_edit_{v.id}_{v.version}"
        occupations = occupation_search(key)
        with st.form(key):
            errors = FieldErrors()
            data = vacancy_fields(
                errors,
                key=key,
                company_id=v.company_id,
                occupations=occupations,
                trades=trades,
                competences=competences,
                initial=v.as_input(),
            )
            if st.form_submit_button(t("vacancies.edit.submit"), type="primary"):
                try:
                    with unit_of_work(engine()) as session:
                        vacancies.update(session=session, actor=actor, id=v.id, data=data)
                except (ValidationError, ValidationErrors) as exc:
                    errors.show(exc)
                except FlemingError as exc:
                    show_error(exc)
                else:
                    flash(t("vacancies.edit.done"))
                    st.rerun()


with list_tab:
    page_no = page_number("vacancies_page_no", filters)
    with unit_of_work(engine()) as session:
        result = vacancies.list_(
            session=session, actor=actor, filters=filters, page=page_no, page_size=PAGE_SIZE
        )
    st.session_state["vacancies_page_no"] = result.page
    if not result.total:
        st.info(t("vacancies.list.empty"), icon=":material/search_off:")
    else:
        rows = result.rows
        frame = pd.DataFrame(
            {
                "title": [r.title for r in rows],
                "company": [r.company_name for r in rows],
                "trade": [trade_names.get(r.trade_id, "—") for r in rows],
                "kind": [label(r.kind) for r in rows],
                "positions": [r.positions for r in rows],
                "status": [label(r.status) for r in rows],
                "requirements": [r.requirements for r in rows],
                "start": date_texts([r.start_date for r in rows]),
            }
        )
        event = st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key="vacancies_table",
            height=36 * (len(rows) + 1) + 4,
            column_config={
                "title": st.column_config.TextColumn(t("vacancies.field.title"), width=200),
                "company": st.column_config.TextColumn(t("vacancies.field.company"), width=170),
                "trade": st.column_config.TextColumn(t("vacancies.field.trade"), width=140),
                "kind": st.column_config.TextColumn(t("vacancies.field.kind"), width=115),
                "positions": st.column_config.NumberColumn(
                    t("vacancies.field.positions"), width=50
                ),
                "status": st.column_config.TextColumn(t("vacancies.field.status"), width=120),
                "requirements": st.column_config.NumberColumn(
                    t("vacancies.column.requirements"),
                    width=85,
                    help=t("vacancies.field.requirements"),
                ),
                "start": st.column_config.TextColumn(t("vacancies.field.start_date"), width=90),
            },
        )
        pager(
            key="vacancies_page_no",
            page=result.page,
            pages=result.pages,
            caption=t(
                "vacancies.list.paging",
                page=result.page,
                pages=result.pages,
                total=fmt_number(result.total, lang()),
            ),
        )
        if allowed(actor, "vacancies.export") and result.total:
            st.caption(t("vacancies.export.heading", n=fmt_number(result.total, lang())))

            def load_export() -> pd.DataFrame:
                with unit_of_work(engine()) as session:
                    return vacancies.export_frame(
                        session=session, actor=actor, filters=filters, lang=lang()
                    )

            export_buttons(
                load_export, base_name="fabbisogni", key="vacancies_export", sheet_name="Fabbisogni"
            )

        selected = event.selection.rows if event and event.selection else []
        if selected:
            st.session_state[CURRENT_VACANCY] = result.rows[selected[0]].id
        if st.session_state.get(CURRENT_VACANCY):
            st.divider()
            show_vacancy(st.session_state[CURRENT_VACANCY])
        else:
            st.caption(t("vacancies.list.select_hint"))

if new_tab is not None:
    with new_tab:
        preset = st.session_state.get("vacancies_new_company")
        text = st.text_input(
            t("vacancies.new.company_search"),
            placeholder=t("companies.filter.search.placeholder"),
            key="vacancies_new_company_search",
        )
        with unit_of_work(engine()) as session:
            found = dict(companies.search_names(session=session, actor=actor, text=text, limit=50))
            if preset and preset not in found:
                try:
                    found = {
                        preset: companies.name_of(session=session, actor=actor, id=preset),
                        **found,
                    }
                except NotFound:
                    preset = None
        company_ids = list(found)
        company_id = st.selectbox(
            t("vacancies.field.company"),
            company_ids,
            index=company_ids.index(preset) if preset in found else None,
            format_func=found.get,
            placeholder=t("vacancies.new.company_placeholder"),
            key="vacancies_new_company_choice",
        )
        if company_id is not None:
            with unit_of_work(engine()) as session:
                until = companies.convention_status(session=session, actor=actor, id=company_id)
            if until:
                st.caption(
                    ":material/contract: "
                    + t("vacancies.new.convention_until", date=fmt_date(until, lang()))
                )
            else:
                st.warning(t("vacancies.new.no_convention"), icon=":material/contract:")

        st.markdown("##### " + t("vacancies.new.occupation"))
        # a new key after each save empties the form for the next vacancy
        form_key = f"vacancies_new_{st.session_state.get('vacancies_new_round', 0)}"
        occupations = occupation_search(form_key)
        with st.form(form_key, clear_on_submit=False):
            errors = FieldErrors()
            errors.slot("company_id")
            data = vacancy_fields(
                errors,
                key=form_key,
                company_id=company_id,
                occupations=occupations,
                trades=trades,
                competences=competences,
            )
            if st.form_submit_button(t("vacancies.new.submit"), type="primary"):
                try:
                    with unit_of_work(engine()) as session:
                        new_id = vacancies.create(session=session, actor=actor, data=data)
                except (ValidationError, ValidationErrors) as exc:
                    errors.show(exc)
                except FlemingError as exc:
                    show_error(exc)
                else:
                    st.session_state[CURRENT_VACANCY] = new_id
                    st.session_state.pop("vacancies_new_company", None)
                    st.session_state["vacancies_new_round"] = (
                        st.session_state.get("vacancies_new_round", 0) + 1
                    )
                    flash(t("vacancies.new.done", title=plain(data.title.strip())))
                    st.rerun()
