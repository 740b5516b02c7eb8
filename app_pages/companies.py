"""Companies: the network, filtered in the sidebar and paged; export; register a company."""

import pandas as pd
import streamlit as st

from fleming import companies
from fleming.companies import CompanyFilters, ConventionFilter
from fleming.db import unit_of_work
from fleming.errors import FlemingError, ValidationError, ValidationErrors
from fleming.i18n import fmt_number
from fleming.models import CompanyStatus, Role
from fleming.permissions import allowed
from fleming.ui.company_form import company_fields, municipality_label
from fleming.ui.context import engine, label, lang, t
from fleming.ui.downloads import export_buttons
from fleming.ui.flash import flash
from fleming.ui.forms import FieldErrors, show_error
from fleming.ui.guard import require_role
from fleming.ui.paging import page_number, pager
from fleming.ui.tables import date_texts
from fleming.ui.text import plain

actor = require_role(Role.ADMIN, Role.COORDINATOR, Role.TUTOR)
CURRENT_COMPANY = "fleming_company_id"
PAGE_SIZE = 25


def shorten(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


st.title(t("companies.title"))
st.caption(t("companies.caption"))

with unit_of_work(engine()) as session:
    options = companies.filter_options(session=session, actor=actor)
    counts = companies.status_counts(session=session, actor=actor)

with st.sidebar:
    st.subheader(t("companies.filters"))
    search = st.text_input(
        t("companies.filter.search"),
        placeholder=t("companies.filter.search.placeholder"),
        key="companies_search",
    )
    statuses = st.multiselect(
        t("companies.field.status"),
        list(CompanyStatus),
        format_func=label,
        placeholder=t("companies.filter.any"),
        key=f"companies_status_{lang()}",  # labels follow the language
    )
    divisions = st.multiselect(
        t("companies.field.sector"),
        list(options.divisions),
        format_func=lambda code: companies.sector_label(code, lang()),
        placeholder=t("companies.filter.any"),
        key=f"companies_divisions_{lang()}",  # labels follow the language
    )
    municipality = st.selectbox(
        t("companies.field.municipality"),
        [None, *options.municipality_codes],
        format_func=lambda c: t("companies.filter.all") if c is None else municipality_label(c),
        key="companies_municipality",
    )
    convention = st.selectbox(
        t("companies.filter.convention"),
        list(ConventionFilter),
        format_func=lambda f: t(f"companies.convention_filter.{f.value}"),
        key=f"companies_convention_{lang()}",  # labels follow the language
    )

filters = CompanyFilters(
    search=search,
    statuses=tuple(statuses),
    divisions=tuple(divisions),
    municipality_code=municipality,
    convention=convention,
)

for col, status in zip(st.columns(len(CompanyStatus)), CompanyStatus, strict=True):
    col.metric(label(status), fmt_number(counts[status], lang()), border=True)

can_create = allowed(actor, "companies.create")
if can_create:
    list_tab, new_tab = st.tabs([t("companies.tab.list"), t("companies.tab.new")])
else:
    list_tab, new_tab = st.container(), None

with list_tab:
    page_no = page_number("companies_page_no", filters)
    with unit_of_work(engine()) as session:
        result = companies.list_(
            session=session, actor=actor, filters=filters, page=page_no, page_size=PAGE_SIZE
        )
    st.session_state["companies_page_no"] = result.page

    if not result.total:
        st.info(t("companies.list.empty"), icon=":material/search_off:")
    else:
        rows = result.rows
        frame = pd.DataFrame(
            {
                "name": [r.name for r in rows],
                "sector": [shorten(companies.sector_label(r.ateco_code, lang())) for r in rows],
                "municipality": [municipality_label(r.municipality_code) for r in rows],
                "employees": [r.employees for r in rows],
                "status": [label(r.status) for r in rows],
                "convention": date_texts([r.convention_until for r in rows]),
                "next_step": date_texts([r.next_step_on for r in rows]),
                "vacancies": [r.open_vacancies for r in rows],
            }
        )
        event = st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key="companies_table",
            height=36 * (len(rows) + 1) + 4,
            column_config={
                "name": st.column_config.TextColumn(t("companies.field.name"), width=200),
                "sector": st.column_config.TextColumn(t("companies.field.sector"), width=180),
                "municipality": st.column_config.TextColumn(
                    t("companies.field.municipality"), width=140
                ),
                "employees": st.column_config.NumberColumn(
                    t("companies.column.employees"), width=50
                ),
                "status": st.column_config.TextColumn(t("companies.field.status"), width=105),
                "convention": st.column_config.TextColumn(
                    t("companies.column.convention"),
                    width=95,
                    help=t("companies.field.convention_until"),
                ),
                "next_step": st.column_config.TextColumn(
                    t("companies.field.next_step_on"), width=95
                ),
                "vacancies": st.column_config.NumberColumn(
                    t("companies.column.vacancies"),
                    width=80,
                    help=t("companies.field.open_vacancies"),
                ),
            },
        )
        pager(
            key="companies_page_no",
            page=result.page,
            pages=result.pages,
            caption=t(
                "companies.list.paging",
                page=result.page,
                pages=result.pages,
                total=fmt_number(result.total, lang()),
            ),
        )

        selected = event.selection.rows if event and event.selection else []
        if selected:
            row = result.rows[selected[0]]
            if st.button(
                t("companies.list.open", name=plain(row.name)),
                type="primary",
                icon=":material/apartment:",
                key="companies_open",
            ):
                st.session_state[CURRENT_COMPANY] = row.id
                st.switch_page("app_pages/company.py")
        else:
            st.caption(t("companies.list.select_hint"))

    if allowed(actor, "companies.export") and result.total:
        st.markdown("##### " + t("companies.export.heading", n=fmt_number(result.total, lang())))

        def load_export() -> pd.DataFrame:
            with unit_of_work(engine()) as session:
                return companies.export_frame(
                    session=session, actor=actor, filters=filters, lang=lang()
                )

        export_buttons(
            load_export,
            base_name="aziende",
            key="companies_export",
            sheet_name=t("companies.title"),
        )

if new_tab is not None:
    with new_tab, st.form("companies_new", clear_on_submit=False):
        errors = FieldErrors()
        data = company_fields(
            errors,
            key="companies_new",
            statuses=[CompanyStatus.PROSPECT, CompanyStatus.CONTACTED, CompanyStatus.ACTIVE],
        )
        if st.form_submit_button(t("companies.new.submit"), type="primary"):
            try:
                with unit_of_work(engine()) as session:
                    new_id = companies.create(session=session, actor=actor, data=data)
            except (ValidationError, ValidationErrors) as exc:
                errors.show(exc)
            except FlemingError as exc:
                show_error(exc)
            else:
                st.session_state[CURRENT_COMPANY] = new_id
                flash(t("companies.new.done", name=plain(data.name.strip())))
                st.switch_page("app_pages/company.py")
