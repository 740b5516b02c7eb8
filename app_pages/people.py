"""The people register: search and filter, a page at a time; open a person with a click."""

import pandas as pd
import streamlit as st

from fleming import people, workshops
from fleming.db import unit_of_work
from fleming.i18n import enum_label, fmt_date, fmt_number
from fleming.models import FragilityMarker, PersonStatus, Role
from fleming.ui.cache import read
from fleming.ui.context import engine, label, lang, t
from fleming.ui.downloads import export_buttons
from fleming.ui.guard import require_role
from fleming.ui.people_widgets import country_name, open_person

actor = require_role(Role.COORDINATOR, Role.TUTOR)
lg = lang()
PAGE_KEY = "people_page"
PAGE_SIZES = (25, 50, 100)

st.title(t("people.register.title"))

tutors = read(people.tutors, actor)
citizenships = read(people.citizenships, actor)
editions = read(workshops.editions, actor, include_past=True, limit=100)


def reset_page() -> None:
    st.session_state[PAGE_KEY] = 1


# --------------------------------------------------------------------------- filters
with st.sidebar:
    st.markdown("#### " + t("people.register.filters"))
    mine = st.toggle(
        t("people.register.mine"),
        value=actor.role is Role.TUTOR,
        key="people_mine",
        on_change=reset_page,
    )
    tutor_names = {o.id: o.label for o in tutors}
    NO_TUTOR = -1
    tutor_choice = st.selectbox(
        t("people.register.tutor"),
        [NO_TUTOR, *tutor_names],
        index=None,
        format_func=lambda uid: (
            t("people.register.no_tutor") if uid == NO_TUTOR else tutor_names[uid]
        ),
        placeholder=t("people.register.any"),
        key="people_tutor",
        disabled=mine,
        on_change=reset_page,
    )
    statuses = st.multiselect(
        t("people.status"),
        list(PersonStatus),
        format_func=label,
        placeholder=t("people.register.any"),
        key="people_statuses",
        on_change=reset_page,
    )
    fragility = st.selectbox(
        t("people.field.fragilities"),
        list(FragilityMarker),
        index=None,
        format_func=label,
        placeholder=t("people.register.any"),
        key="people_fragility",
        on_change=reset_page,
    )
    counts = dict(citizenships)
    citizenship = st.selectbox(
        t("people.field.citizenship"),
        list(counts),
        index=None,
        format_func=lambda iso: f"{country_name(iso)} ({counts[iso]})",
        placeholder=t("people.register.any"),
        key="people_citizenship",
        on_change=reset_page,
    )
    edition_titles = {e.id: e.title for e in editions}
    edition_id = st.selectbox(
        t("people.register.workshop"),
        list(edition_titles),
        index=None,
        format_func=lambda eid: edition_titles[eid],
        placeholder=t("people.register.any"),
        key="people_edition",
        on_change=reset_page,
    )

c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
text = c1.text_input(
    t("people.register.search"),
    placeholder=t("people.register.search.placeholder"),
    key="people_search",
    on_change=reset_page,
)
c2.page_link("app_pages/intake.py", label=t("nav.intake"), icon=":material/person_add:")

filters = people.RegisterFilter(
    text=text,
    mine=mine,
    tutor_id=None if mine or tutor_choice in (None, NO_TUTOR) else tutor_choice,
    without_tutor=not mine and tutor_choice == NO_TUTOR,
    statuses=tuple(statuses),
    fragility=fragility,
    citizenship=citizenship,
    edition_id=edition_id,
)
page_size = st.session_state.get("people_page_size", PAGE_SIZES[0])
result = read(
    people.list_,
    actor,
    filters=filters,
    page=st.session_state.get(PAGE_KEY, 1),
    page_size=page_size,
)

# --------------------------------------------------------------------------- the list
if result.total == 0:
    st.info(
        t("people.register.empty_mine") if mine else t("people.register.empty"),
        icon=":material/search_off:",
    )
    st.stop()

first = (result.page - 1) * result.page_size + 1
last = first + len(result.rows) - 1
st.caption(
    t(
        "people.register.count",
        first=fmt_number(first, lg),
        last=fmt_number(last, lg),
        total=fmt_number(result.total, lg),
    )
    + " · "
    + t("people.register.click_to_open")
)
NAME, TAX, STATUS, TUTOR = (
    t("people.name"),
    t("people.field.tax_code"),
    t("people.status"),
    t("people.field.tutor"),
)


HEADERS = {
    key: t(key)
    for key in (
        "people.field.citizenship",
        "people.field.fragilities",
        "people.register.workshop",
        "people.field.intake_date",
    )
}


def as_table(rows) -> list[dict]:
    """The register's rows as the table shows them (and the export writes them). No Streamlit
    call inside: the export runs it on the server's thread when the button is clicked."""
    return [
        {
            NAME: r.full_name,
            TAX: r.tax_code,
            STATUS: enum_label(r.status, lg),
            TUTOR: r.tutor_name or "—",
            HEADERS["people.field.citizenship"]: people.country_label(r.citizenship, lg),
            HEADERS["people.field.fragilities"]: ", ".join(
                enum_label(m, lg) for m in r.fragilities
            ),
            HEADERS["people.register.workshop"]: r.workshop or "",
            HEADERS["people.field.intake_date"]: fmt_date(r.intake_date, lg),
        }
        for r in rows
    ]


table = as_table(result.rows)
table_nonce = st.session_state.setdefault("people_table_nonce", 0)
selection = st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key=f"people_table_{table_nonce}",
    height=38 + 35 * len(table),
)
chosen = selection.selection.rows if selection else []
if chosen:
    st.session_state["people_table_nonce"] = table_nonce + 1  # no selection when coming back
    open_person(result.rows[chosen[0]].id)

c1, c2, c3, c4 = st.columns([1, 2, 1, 2], vertical_alignment="bottom")
if c1.button(
    t("people.register.previous"),
    icon=":material/chevron_left:",
    disabled=result.page <= 1,
    key="people_prev",
):
    st.session_state[PAGE_KEY] = result.page - 1
    st.rerun()
c2.markdown(
    t("people.register.page", page=result.page, pages=result.pages), text_alignment="center"
)
if c3.button(
    t("people.register.next"),
    icon=":material/chevron_right:",
    icon_position="right",
    disabled=result.page >= result.pages,
    key="people_next",
):
    st.session_state[PAGE_KEY] = result.page + 1
    st.rerun()
c4.selectbox(
    t("people.register.page_size"),
    PAGE_SIZES,
    key="people_page_size",
    on_change=reset_page,
    format_func=lambda n: t("people.register.per_page", n=n),
)

# --------------------------------------------------------------------------- export
# Streamlit's own table download is off (client.disableDataExport): this is the register's
# one export, formula-safe and audited (each person exported gets an audit row).
st.markdown("##### " + t("people.export.heading", n=fmt_number(result.total, lg)))
st.caption(t("people.export.note"))


db = engine()


def load_export() -> pd.DataFrame:
    with unit_of_work(db) as session:
        rows = people.export_register(session=session, actor=actor, filters=filters)
    return pd.DataFrame(as_table(rows))


export_buttons(load_export, base_name="registro_persone", key="people_export", sheet_name="Persone")
