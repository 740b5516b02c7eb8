"""Company page: details, contacts, scouting log, conventions, courses, vacancies, internships."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from fleming import companies
from fleming.companies import ContactInput, ConventionInput, CourseInput, ScoutingInput
from fleming.db import unit_of_work
from fleming.errors import FlemingError, NotFound, ValidationError, ValidationErrors
from fleming.i18n import fmt_date, fmt_number, fmt_percent
from fleming.models import ConventionKind, InternshipStatus, Role
from fleming.permissions import allowed
from fleming.ui.company_form import company_fields, municipality_label
from fleming.ui.context import engine, label, lang, t
from fleming.ui.flash import flash, show_flash
from fleming.ui.forms import FieldErrors, show_error
from fleming.ui.guard import require_role
from fleming.ui.tables import date_texts
from fleming.ui.text import plain

actor = require_role(Role.ADMIN, Role.COORDINATOR, Role.TUTOR)
CURRENT_COMPANY = "fleming_company_id"
DATE = "DD/MM/YYYY"


def dates(values: list) -> pd.Series:
    """Dates for a DateColumn: a missing one shows as an empty cell, not "None"."""
    return pd.to_datetime(pd.Series(values, dtype="object"))


def pick_company() -> None:
    """No company chosen yet: search one by name or VAT number."""
    st.title(t("company.title"))
    st.caption(t("company.pick.caption"))
    text = st.text_input(
        t("companies.filter.search"),
        placeholder=t("companies.filter.search.placeholder"),
        key="company_pick_search",
    )
    with unit_of_work(engine()) as session:
        found = companies.search_names(session=session, actor=actor, text=text, limit=50)
    if not found:
        st.info(t("companies.list.empty"), icon=":material/search_off:")
        st.stop()
    names = dict(found)
    chosen = st.selectbox(
        t("company.pick.choose"), list(names), format_func=names.get, key="company_pick_choice"
    )
    if st.button(t("company.pick.open"), type="primary", key="company_pick_open"):
        st.session_state[CURRENT_COMPANY] = chosen
        st.rerun()
    st.page_link("app_pages/companies.py", label=t("company.back"), icon=":material/list:")
    st.stop()


def saved(message: str, status_changed_to=None) -> None:
    """Toast the save (and a status that changed by itself), then redraw the page."""
    text = message
    if status_changed_to is not None:
        text += " " + t("company.status_now", status=label(status_changed_to))
    flash(text)
    st.rerun()


company_id = st.session_state.get(CURRENT_COMPANY)
if not company_id:
    pick_company()
try:
    with unit_of_work(engine()) as session:
        c = companies.get(session=session, actor=actor, id=company_id)
        trades = companies.trades(session=session, actor=actor)
except NotFound:
    st.session_state.pop(CURRENT_COMPANY, None)
    pick_company()

st.title(plain(c.name))
st.caption(
    " · ".join(
        part
        for part in (
            t("company.vat", vat=c.vat_number),
            companies.sector_label(c.ateco_code, lang()),
            municipality_label(c.municipality_code) if c.municipality_code else "",
        )
        if part
    )
)
show_flash()

m1, m2, m3, m4 = st.columns(4)
m1.metric(t("companies.field.status"), label(c.status), border=True)
m2.metric(
    t("company.metric.convention"),
    fmt_date(c.internship_convention_until, lang())
    if c.internship_convention_until
    else t("company.metric.convention_none"),
    help=t("company.metric.convention.help"),
    border=True,
)
m3.metric(
    t("company.metric.quota"),
    f"{c.active_interns} / {c.quota}",
    help=t("company.metric.quota.help", employees=fmt_number(c.employees, lang()), quota=c.quota),
    border=True,
)
m4.metric(
    t("company.metric.hire_rate"),
    fmt_percent(c.hire_rate, lang()),
    help=t("company.metric.hire_rate.help", hired=c.hires, ended=c.internships_ended),
    border=True,
)

tabs = st.tabs(
    [
        t("company.tab.details"),
        t("company.tab.contacts"),
        t("company.tab.scouting"),
        t("company.tab.conventions"),
        t("company.tab.courses"),
        t("company.tab.vacancies"),
        t("company.tab.internships"),
    ]
)

# --------------------------------------------------------------------------- details
with tabs[0]:
    if allowed(actor, "companies.update"):
        with st.form(f"company_edit_{c.id}_{c.version}"):
            errors = FieldErrors()
            data = company_fields(
                errors,
                key=f"company_edit_{c.id}_{c.version}",
                statuses=companies.next_statuses(c.status),
                initial=c.as_input(),
            )
            if st.form_submit_button(t("company.edit.submit"), type="primary"):
                try:
                    with unit_of_work(engine()) as session:
                        companies.update(session=session, actor=actor, id=c.id, data=data)
                except (ValidationError, ValidationErrors) as exc:
                    errors.show(exc)
                except FlemingError as exc:
                    show_error(exc)
                else:
                    saved(t("company.edit.done"))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    t("company.details.field"): [
                        t("companies.field.vat_number"),
                        t("companies.field.sector"),
                        t("companies.field.employees"),
                        t("companies.field.address"),
                        t("companies.field.municipality"),
                        t("companies.field.website"),
                        t("companies.field.notes"),
                    ],
                    t("company.details.value"): [
                        c.vat_number,
                        companies.sector_label(c.ateco_code, lang()),
                        fmt_number(c.employees, lang()),
                        c.address or "—",
                        municipality_label(c.municipality_code) or "—",
                        c.website or "—",
                        c.notes or "—",
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    if c.became_active_on:
        st.caption(t("company.active_since", date=fmt_date(c.became_active_on, lang())))

# --------------------------------------------------------------------------- contacts
with tabs[1]:
    if c.contacts:
        st.dataframe(
            pd.DataFrame(
                {
                    t("company.contact.name"): [x.name for x in c.contacts],
                    t("company.contact.role"): [x.role or "" for x in c.contacts],
                    t("company.contact.phone"): [x.phone or "" for x in c.contacts],
                    t("company.contact.email"): [x.email or "" for x in c.contacts],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.info(t("company.contact.none"), icon=":material/person_off:")
    if allowed(actor, "companies.contacts"):
        by_id = {x.id: x for x in c.contacts}
        choice = st.selectbox(
            t("company.contact.choose"),
            [None, *by_id],
            format_func=lambda i: t("company.contact.new") if i is None else by_id[i].name,
            key=f"company_contact_choice_{c.id}",
        )
        current = by_id.get(choice)
        form_key = f"company_contact_{c.id}_{choice or 'new'}_{current.version if current else 0}"
        with st.form(form_key):
            errors = FieldErrors()
            left, right = st.columns(2)
            name = left.text_input(
                t("company.contact.name"), value=current.name if current else "", max_chars=200
            )
            with left:
                errors.slot("name")
            role = right.text_input(
                t("company.contact.role"),
                value=(current.role or "") if current else "",
                max_chars=100,
            )
            with right:
                errors.slot("role")
            left, right = st.columns(2)
            phone = left.text_input(
                t("company.contact.phone"), value=(current.phone or "") if current else ""
            )
            with left:
                errors.slot("phone")
            email = right.text_input(
                t("company.contact.email"), value=(current.email or "") if current else ""
            )
            with right:
                errors.slot("email")
            b1, b2 = st.columns([1, 1])
            submit = b1.form_submit_button(
                t("company.contact.save" if current else "company.contact.add"), type="primary"
            )
            delete = (
                b2.form_submit_button(t("company.contact.delete"), icon=":material/delete:")
                if current
                else False
            )
            if submit or delete:
                contact = ContactInput(
                    name=name,
                    role=role,
                    phone=phone,
                    email=email,
                    version=current.version if current else None,
                )
                try:
                    with unit_of_work(engine()) as session:
                        if delete:
                            companies.delete_contact(session=session, actor=actor, id=current.id)
                        elif current:
                            companies.update_contact(
                                session=session, actor=actor, id=current.id, data=contact
                            )
                        else:
                            companies.add_contact(
                                session=session, actor=actor, company_id=c.id, data=contact
                            )
                except (ValidationError, ValidationErrors) as exc:
                    errors.show(exc)
                except FlemingError as exc:
                    show_error(exc)
                else:
                    saved(
                        t(
                            "company.contact.deleted"
                            if delete
                            else ("company.contact.saved" if current else "company.contact.added")
                        )
                    )

# --------------------------------------------------------------------------- scouting log
with tabs[2]:
    if allowed(actor, "companies.scouting"):
        with st.form(f"company_scouting_{c.id}_{len(c.scouting)}"):
            st.markdown("##### " + t("company.scouting.new"))
            errors = FieldErrors()
            left, right = st.columns(2)
            contacted_on = left.date_input(
                t("company.scouting.contacted_on"),
                value=date.today(),
                max_value=date.today(),
                format="DD/MM/YYYY",
            )
            with left:
                errors.slot("contacted_on")
            channel = right.selectbox(
                t("company.scouting.channel"),
                companies.SCOUTING_CHANNELS,
                format_func=lambda ch: t(f"company.channel.{ch}"),
            )
            with right:
                errors.slot("channel")
            outcome = st.text_input(
                t("company.scouting.outcome"),
                max_chars=300,
                placeholder=t("company.scouting.outcome.placeholder"),
            )
            errors.slot("outcome")
            left, right = st.columns([2, 1])
            next_step = left.text_input(t("company.scouting.next_step"), max_chars=300)
            with left:
                errors.slot("next_step")
            next_step_on = right.date_input(
                t("company.scouting.next_step_on"), value=None, format="DD/MM/YYYY"
            )
            with right:
                errors.slot("next_step_on")
            if st.form_submit_button(t("company.scouting.submit"), type="primary"):
                try:
                    with unit_of_work(engine()) as session:
                        result = companies.log_scouting(
                            session=session,
                            actor=actor,
                            company_id=c.id,
                            data=ScoutingInput(
                                contacted_on=contacted_on,
                                channel=channel,
                                outcome=outcome,
                                next_step=next_step,
                                next_step_on=next_step_on,
                            ),
                        )
                except (ValidationError, ValidationErrors) as exc:
                    errors.show(exc)
                except FlemingError as exc:
                    show_error(exc)
                else:
                    saved(t("company.scouting.done"), result.status_changed_to)
    if c.scouting:
        st.dataframe(
            pd.DataFrame(
                {
                    t("company.scouting.contacted_on"): dates([s.contacted_on for s in c.scouting]),
                    t("company.scouting.staff"): [s.staff_name or "—" for s in c.scouting],
                    t("company.scouting.channel"): [
                        t(f"company.channel.{s.channel}")
                        if s.channel in companies.SCOUTING_CHANNELS
                        else s.channel
                        for s in c.scouting
                    ],
                    t("company.scouting.outcome"): [s.outcome for s in c.scouting],
                    t("company.scouting.next_step"): [s.next_step or "" for s in c.scouting],
                    t("company.scouting.next_step_on"): date_texts(
                        [s.next_step_on for s in c.scouting]
                    ),
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                t("company.scouting.contacted_on"): st.column_config.DateColumn(format=DATE),
            },
        )
    else:
        st.info(t("company.scouting.none"), icon=":material/history:")

# --------------------------------------------------------------------------- conventions
with tabs[3]:
    if c.conventions:
        st.dataframe(
            pd.DataFrame(
                {
                    t("company.convention.kind"): [label(v.kind) for v in c.conventions],
                    t("company.convention.signed_on"): dates([v.signed_on for v in c.conventions]),
                    t("company.convention.expires_on"): dates(
                        [v.expires_on for v in c.conventions]
                    ),
                    t("company.convention.valid"): [
                        t(
                            "company.convention.valid_yes"
                            if v.valid_today
                            else "company.convention.valid_no"
                        )
                        for v in c.conventions
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                t("company.convention.signed_on"): st.column_config.DateColumn(format=DATE),
                t("company.convention.expires_on"): st.column_config.DateColumn(format=DATE),
            },
        )
    else:
        st.info(t("company.convention.none"), icon=":material/contract:")
    if allowed(actor, "companies.conventions"):
        with st.form(f"company_convention_{c.id}_{len(c.conventions)}"):
            st.markdown("##### " + t("company.convention.new"))
            errors = FieldErrors()
            kind = st.radio(
                t("company.convention.kind"),
                list(ConventionKind),
                format_func=label,
                horizontal=True,
            )
            errors.slot("kind")
            left, right = st.columns(2)
            signed_on = left.date_input(
                t("company.convention.signed_on"),
                value=date.today(),
                max_value=date.today(),
                format="DD/MM/YYYY",
            )
            with left:
                errors.slot("signed_on")
            expires_on = right.date_input(
                t("company.convention.expires_on"),
                value=date.today() + timedelta(days=3 * 365),
                format="DD/MM/YYYY",
                help=t("company.convention.expires_on.help"),
            )
            with right:
                errors.slot("expires_on")
            if st.form_submit_button(t("company.convention.submit"), type="primary"):
                try:
                    with unit_of_work(engine()) as session:
                        result = companies.add_convention(
                            session=session,
                            actor=actor,
                            company_id=c.id,
                            data=ConventionInput(kind, signed_on, expires_on),
                        )
                except (ValidationError, ValidationErrors) as exc:
                    errors.show(exc)
                except FlemingError as exc:
                    show_error(exc)
                else:
                    saved(t("company.convention.done"), result.status_changed_to)
        if c.conventions:
            with st.expander(t("company.convention.remove")):
                by_id = {v.id: v for v in c.conventions}
                to_remove = st.selectbox(
                    t("company.convention.choose"),
                    list(by_id),
                    format_func=lambda i: t(
                        "company.convention.describe",
                        kind=label(by_id[i].kind),
                        signed=fmt_date(by_id[i].signed_on, lang()),
                        expires=fmt_date(by_id[i].expires_on, lang()),
                    ),
                    key=f"company_convention_remove_{c.id}",
                )
                sure = st.checkbox(
                    t("company.convention.remove_confirm"), key=f"company_conv_sure_{c.id}"
                )
                if st.button(
                    t("company.convention.remove_button"),
                    disabled=not sure,
                    icon=":material/delete:",
                    key=f"company_convention_remove_btn_{c.id}",
                ):
                    try:
                        with unit_of_work(engine()) as session:
                            companies.delete_convention(session=session, actor=actor, id=to_remove)
                    except FlemingError as exc:
                        show_error(exc)
                    else:
                        saved(t("company.convention.removed"))

# --------------------------------------------------------------------------- courses
with tabs[4]:
    st.caption(t("company.course.caption"))
    trade_names = {tid: (lab_it if lang() == "it" else lab_en) for tid, _, lab_it, lab_en in trades}
    if c.courses:
        st.dataframe(
            pd.DataFrame(
                {
                    t("company.course.title"): [k.title for k in c.courses],
                    t("company.course.trade"): [
                        trade_names.get(k.trade_id, "—") for k in c.courses
                    ],
                    t("company.course.hours"): [k.hours for k in c.courses],
                    t("company.course.start"): dates([k.start_date for k in c.courses]),
                    t("company.course.end"): dates([k.end_date for k in c.courses]),
                    t("company.course.participants"): [k.participants for k in c.courses],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                t("company.course.start"): st.column_config.DateColumn(format=DATE),
                t("company.course.end"): st.column_config.DateColumn(format=DATE),
            },
        )
    else:
        st.info(t("company.course.none"), icon=":material/school:")
    if allowed(actor, "companies.courses"):
        if c.training_convention_until is None:
            st.warning(t("company.course.no_convention"), icon=":material/contract:")
        with st.form(f"company_course_{c.id}_{len(c.courses)}"):
            st.markdown("##### " + t("company.course.new"))
            errors = FieldErrors()
            title = st.text_input(t("company.course.title"), max_chars=200)
            errors.slot("title")
            left, mid, right = st.columns(3)
            trade_id = left.selectbox(
                t("company.course.trade"),
                [None, *trade_names],
                format_func=lambda i: "—" if i is None else trade_names[i],
            )
            hours = mid.number_input(
                t("company.course.hours"), min_value=1, max_value=2000, value=40
            )
            with mid:
                errors.slot("hours")
            participants = right.number_input(
                t("company.course.participants"), min_value=0, max_value=500, value=0
            )
            with right:
                errors.slot("participants")
            left, right = st.columns(2)
            start = left.date_input(t("company.course.start"), value=None, format="DD/MM/YYYY")
            with left:
                errors.slot("start_date")
            end = right.date_input(t("company.course.end"), value=None, format="DD/MM/YYYY")
            with right:
                errors.slot("end_date")
            if st.form_submit_button(t("company.course.submit"), type="primary"):
                try:
                    with unit_of_work(engine()) as session:
                        companies.add_course(
                            session=session,
                            actor=actor,
                            company_id=c.id,
                            data=CourseInput(title, trade_id, hours, start, end, participants),
                        )
                except (ValidationError, ValidationErrors) as exc:
                    errors.show(exc)
                except FlemingError as exc:
                    show_error(exc)
                else:
                    saved(t("company.course.done"))

# --------------------------------------------------------------------------- vacancies
with tabs[5]:
    if c.vacancies:
        st.dataframe(
            pd.DataFrame(
                {
                    t("vacancies.field.title"): [v.title for v in c.vacancies],
                    t("vacancies.field.kind"): [label(v.kind) for v in c.vacancies],
                    t("vacancies.field.positions"): [v.positions for v in c.vacancies],
                    t("vacancies.field.status"): [label(v.status) for v in c.vacancies],
                    t("vacancies.field.created_on"): dates([v.created_on for v in c.vacancies]),
                    t("vacancies.field.start_date"): date_texts(
                        [v.start_date for v in c.vacancies]
                    ),
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                t("vacancies.field.created_on"): st.column_config.DateColumn(format=DATE),
            },
        )
    else:
        st.info(t("company.vacancy.none"), icon=":material/work_off:")
    if allowed(actor, "vacancies.create") and st.button(
        t("company.vacancy.new"), icon=":material/add:", key=f"company_new_vacancy_{c.id}"
    ):
        st.session_state["vacancies_new_company"] = c.id
        st.switch_page("app_pages/vacancies.py")

# --------------------------------------------------------------------------- internships
with tabs[6]:
    if c.internships:
        ended = c.internships_ended
        st.caption(
            t(
                "company.internship.summary",
                total=len(c.internships),
                active=sum(1 for i in c.internships if i.status is InternshipStatus.ACTIVE),
                hired=c.hires,
                ended=ended,
                rate=fmt_percent(c.hire_rate, lang()),
            )
        )
        st.dataframe(
            pd.DataFrame(
                {
                    t("company.internship.person"): [i.person_name for i in c.internships],
                    t("company.internship.start"): dates([i.start_date for i in c.internships]),
                    t("company.internship.planned_end"): dates(
                        [i.planned_end_date for i in c.internships]
                    ),
                    t("company.internship.actual_end"): date_texts(
                        [i.actual_end_date for i in c.internships]
                    ),
                    t("company.internship.status"): [label(i.status) for i in c.internships],
                    t("company.internship.outcome"): [
                        label(i.outcome) if i.outcome else "—" for i in c.internships
                    ],
                    t("company.internship.contract"): [
                        t(f"enum.ContractType.{i.contract_type}") if i.contract_type else "—"
                        for i in c.internships
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                t("company.internship.start"): st.column_config.DateColumn(format=DATE),
                t("company.internship.planned_end"): st.column_config.DateColumn(format=DATE),
            },
        )
    else:
        st.info(t("company.internship.none"), icon=":material/badge:")

st.divider()
st.page_link("app_pages/companies.py", label=t("company.back"), icon=":material/list:")
