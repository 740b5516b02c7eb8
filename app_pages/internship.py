"""One internship: its terms, the monthly attendance, the mid-term check and the outcome — or,
with no internship chosen, the form that starts one (from a selected shortlist entry, or direct)."""

from datetime import date

import pandas as pd
import streamlit as st

from fleming import internships
from fleming.db import unit_of_work
from fleming.errors import FlemingError, NotFound, ValidationError, ValidationErrors
from fleming.i18n import fmt_date, fmt_money, fmt_percent
from fleming.internships import (
    CheckInput,
    HireInput,
    OutcomeInput,
    StartInput,
    UpdateInput,
    end_after_months,
)
from fleming.models import ContractType, FundingStream, InternshipOutcome, Role
from fleming.permissions import allowed, may_follow
from fleming.ui.cache import read
from fleming.ui.context import engine, label, lang, t
from fleming.ui.forms import FieldErrors, show_error
from fleming.ui.guard import require_role
from fleming.ui.text import plain

actor = require_role(Role.COORDINATOR, Role.TUTOR)
CURRENT_INTERNSHIP = "fleming_internship_id"  # crosses pages: set by the internships list
FLASH = "internship_flash"
NEW_NONCE = "internship_new_nonce"
DATE = "DD/MM/YYYY"
today = date.today()


def d(value) -> str:
    return fmt_date(value, lang())


def euro(value) -> str:
    return fmt_money(value, lang())


def saved(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def back_link() -> None:
    st.page_link("app_pages/internships.py", label=t("internship.back"), icon=":material/list:")


def rules_caption(rule) -> str:
    return t(
        "internship.rules",
        min=rule.min_months,
        max=rule.max_months,
        allowance=internships.money(rule.min_monthly_allowance),
        meal=internships.money(rule.min_monthly_allowance_meal_vouchers),
        part=internships.money(rule.min_monthly_allowance_part_time),
        hours=rule.part_time_max_weekly_hours,
    )


def company_line(option) -> str:
    if option.convention_until is None:
        return t("internship.company.no_convention", name=plain(option.name))
    return t(
        "internship.company.line",
        name=plain(option.name),
        until=d(option.convention_until),
        hosted=option.hosted_today,
        quota=option.quota,
    )


# =========================================================================== start
def start_form() -> None:
    st.title(t("internship.new.title"))
    if not allowed(actor, "internships.start"):
        st.info(t("internship.pick_hint"), icon=":material/info:")
        back_link()
        st.stop()
    with unit_of_work(engine()) as session:
        rule = internships.rules(session=session)
    entries = read(internships.selectable_entries, actor)
    tutors = {o.id: o.label for o in read(internships.tutor_options, actor)}
    st.caption(rules_caption(rule))
    show_flash()
    errors = FieldErrors()
    mode = st.radio(
        t("internship.new.mode"),
        ["entry", "direct"],
        format_func=lambda m: t(f"internship.new.mode.{m}", n=len(entries)),
        horizontal=True,
        key="internship_new_mode",
    )
    entry_id = person_id = company_id = None
    default_tutor = default_funding = None
    if mode == "entry":
        if not entries:
            st.info(t("internship.new.no_entries"), icon=":material/playlist_remove:")
            back_link()
            st.stop()
        by_id = {e.entry_id: e for e in entries}
        entry_id = st.selectbox(
            t("internship.new.entry"),
            list(by_id),
            format_func=lambda i: t(
                "internship.new.entry.option",
                person=by_id[i].person_name,
                vacancy=by_id[i].vacancy_title,
                company=by_id[i].company_name,
            ),
            key="internship_new_entry",
        )
        errors.slot("shortlist_entry_id")
        chosen = by_id[entry_id]
        person_id, company_id = chosen.person_id, chosen.company_id
        default_tutor, default_funding = chosen.person_tutor_id, chosen.funding_stream
        found = read(internships.company_options, actor, company_id=company_id)
        if found:
            st.caption(company_line(found[0]))
        errors.slot("person_id")
        errors.slot("company_id")
    else:
        p1, p2 = st.columns(2)
        person_text = p1.text_input(
            t("internship.new.person_search"),
            placeholder=t("internship.new.person_search.placeholder"),
            key="internship_new_person_search",
        )
        company_text = p2.text_input(
            t("internship.new.company_search"),
            placeholder=t("internship.new.company_search.placeholder"),
            key="internship_new_company_search",
        )
        people = read(internships.person_options, actor, text=person_text)
        companies = read(internships.company_options, actor, text=company_text)
        people_by_id = {p.id: p for p in people}
        companies_by_id = {c.id: c for c in companies}
        person_id = p1.selectbox(
            t("internship.field.person"),
            list(people_by_id),
            index=None,
            placeholder=t("internship.new.person.placeholder"),
            format_func=lambda i: (
                f"{people_by_id[i].name} · {people_by_id[i].tax_code}"
                + (t("internship.new.person.busy") if people_by_id[i].in_internship else "")
            ),
            key="internship_new_person",
        )
        with p1:
            errors.slot("person_id")
        company_id = p2.selectbox(
            t("internship.field.company"),
            list(companies_by_id),
            index=None,
            placeholder=t("internship.new.company.placeholder"),
            format_func=lambda i: company_line(companies_by_id[i]),
            key="internship_new_company",
        )
        with p2:
            errors.slot("company_id")
        if person_id is not None:
            default_tutor = people_by_id[person_id].tutor_id
            default_funding = people_by_id[person_id].funding_stream

    tutor_ids = list(tutors)
    nonce = st.session_state.setdefault(NEW_NONCE, 0)  # a fresh, empty form after each start
    with st.form(f"internship_new_form_{mode}_{entry_id}_{person_id}_{nonce}"):
        c1, c2 = st.columns(2)
        start = c1.date_input(
            t("internship.field.start_date"),
            value=today,
            format=DATE,
            key=f"internship_new_start_{nonce}",
        )
        with c1:
            errors.slot("start_date")
        end = c2.date_input(
            t("internship.field.planned_end_date"),
            value=end_after_months(today, rule.max_months),
            format=DATE,
            help=t("internship.field.planned_end_date.help"),
            key=f"internship_new_end_{nonce}",
        )
        with c2:
            errors.slot("planned_end_date")
        c1, c2 = st.columns(2)
        hours = c1.number_input(
            t("internship.field.weekly_hours"),
            min_value=1,
            max_value=40,
            value=40,
            step=1,
            key=f"internship_new_hours_{nonce}",
        )
        with c1:
            errors.slot("weekly_hours")
        allowance = c2.number_input(
            t("internship.field.monthly_allowance"),
            min_value=0.0,
            max_value=5000.0,
            value=float(rule.min_monthly_allowance),
            step=10.0,
            format="%.2f",
            key=f"internship_new_allowance_{nonce}",
        )
        with c2:
            errors.slot("monthly_allowance")
            meal = st.checkbox(
                t("internship.field.meal_vouchers"), key=f"internship_new_meal_{nonce}"
            )
        c1, c2 = st.columns(2)
        company_tutor = c1.text_input(
            t("internship.field.company_tutor_name"),
            max_chars=200,
            key=f"internship_new_company_tutor_{nonce}",
        )
        with c1:
            errors.slot("company_tutor_name")
        centre_tutor = c2.selectbox(
            t("internship.field.centre_tutor"),
            tutor_ids,
            index=tutor_ids.index(default_tutor) if default_tutor in tutors else None,
            format_func=tutors.get,
            placeholder=t("internship.field.choose"),
            key=f"internship_new_centre_tutor_{person_id}_{nonce}",
        )
        with c2:
            errors.slot("centre_tutor_id")
        c1, _ = st.columns(2)
        streams = list(FundingStream)
        funding = c1.selectbox(
            t("internship.field.funding_stream"),
            streams,
            index=streams.index(default_funding) if default_funding else 0,
            format_func=label,
            key=f"internship_new_funding_{person_id}_{nonce}",
        )
        with c1:
            errors.slot("funding_stream")
        submitted = st.form_submit_button(
            t("internship.new.submit"), type="primary", key=f"internship_new_submit_{nonce}"
        )
    if submitted:
        data = StartInput(
            shortlist_entry_id=entry_id,
            person_id=person_id,
            company_id=company_id,
            start_date=start,
            planned_end_date=end,
            weekly_hours=hours,
            monthly_allowance=str(allowance),
            meal_vouchers=meal,
            company_tutor_name=company_tutor,
            centre_tutor_id=centre_tutor,
            funding_stream=funding,
        )
        try:
            with unit_of_work(engine()) as session:
                new_id = internships.start(session=session, actor=actor, data=data)
        except (ValidationError, ValidationErrors) as exc:
            errors.show(exc)
        except FlemingError as exc:
            show_error(exc)
        else:
            st.session_state[CURRENT_INTERNSHIP] = new_id
            st.session_state[NEW_NONCE] = nonce + 1
            saved(t("internship.new.done"))
    back_link()
    st.stop()


internship_id = st.session_state.get(CURRENT_INTERNSHIP)
if not internship_id:
    start_form()
try:
    with unit_of_work(engine()) as session:
        x = internships.get(session=session, actor=actor, id=internship_id)
        rule = internships.rules(session=session)
        tutors = {o.id: o.label for o in internships.tutor_options(session=session, actor=actor)}
except NotFound:
    st.session_state.pop(CURRENT_INTERNSHIP, None)
    start_form()

follows = may_follow(actor, centre_tutor_id=x.centre_tutor_id, person_tutor_id=x.person_tutor_id)
may_close = allowed(actor, "internships.close")

# =========================================================================== header
st.title(t("internship.title", person=plain(x.person_name), company=plain(x.company_name)))
st.caption(
    " · ".join(
        part
        for part in (
            t("internship.from_vacancy", title=plain(x.vacancy_title)) if x.vacancy_title else "",
            t("internship.period", start=d(x.start_date), end=d(x.planned_end_date)),
            label(x.funding_stream),
        )
        if part
    )
)
show_flash()
if x.missing_outcome:
    st.warning(
        t("internship.warn.missing_outcome", date=d(x.planned_end_date)), icon=":material/flag:"
    )
elif x.active and x.days_left is not None and x.days_left <= rule.ending_soon_days and x.started:
    st.info(t("internship.warn.ending_soon", days=x.days_left), icon=":material/event:")

m1, m2, m3, m4 = st.columns(4)
m1.metric(
    t("internship.metric.status"),
    label(x.outcome) if x.outcome else label(x.status),
    border=True,
)
m2.metric(
    t("internship.metric.end"),
    d(x.actual_end_date or x.planned_end_date),
    help=t("internship.metric.end.help"),
    border=True,
)
m3.metric(
    t("internship.metric.allowance"),
    euro(x.monthly_allowance),
    help=t(
        f"internship.allowance_basis.{x.allowance_basis.value}",
        min=euro(x.minimum_allowance),
        hours=rule.part_time_max_weekly_hours,
    ),
    border=True,
)
m4.metric(
    t("internship.metric.full_months"),
    f"{x.full_allowance_months} / {x.recorded_months}",
    help=t("internship.metric.full_months.help", percent=x.full_allowance_percent),
    border=True,
)

tab_details, tab_attendance, tab_check, tab_outcome = st.tabs(
    [
        t("internship.tab.details"),
        t("internship.tab.attendance"),
        t("internship.tab.check"),
        t("internship.tab.outcome"),
    ],
    key=f"internship_tabs_{lang()}",  # the open tab stays open after a save
    on_change="rerun",
)

# =========================================================================== details
with tab_details:
    facts = [
        (t("internship.field.person"), x.person_name),
        (t("internship.field.company"), x.company_name),
        (t("internship.field.vacancy"), x.vacancy_title or t("internship.direct")),
        (t("internship.field.start_date"), d(x.start_date)),
        (t("internship.field.planned_end_date"), d(x.planned_end_date)),
        (t("internship.field.actual_end_date"), d(x.actual_end_date)),
        (t("internship.field.weekly_hours"), str(x.weekly_hours)),
        (t("internship.field.monthly_allowance"), euro(x.monthly_allowance)),
        (
            t("internship.field.meal_vouchers"),
            t("internship.yes") if x.meal_vouchers else t("internship.no"),
        ),
        (t("internship.field.company_tutor_name"), x.company_tutor_name),
        (t("internship.field.centre_tutor"), x.centre_tutor_name or "—"),
        (t("internship.field.funding_stream"), label(x.funding_stream)),
        (
            t("internship.field.disadvantaged"),
            t("internship.yes") if x.disadvantaged else t("internship.no"),
        ),
    ]
    st.dataframe(
        pd.DataFrame(facts, columns=[t("internship.col.what"), t("internship.col.value")]),
        hide_index=True,
        width="stretch",
        height=35 * (len(facts) + 1) + 3,
    )
    if x.active and allowed(actor, "internships.update"):
        with st.expander(t("internship.edit.heading"), icon=":material/edit_calendar:"):
            st.caption(rules_caption(rule))
            with st.form(f"internship_edit_{x.id}_{x.version}"):
                errors = FieldErrors()
                c1, c2 = st.columns(2)
                e_start = c1.date_input(
                    t("internship.field.start_date"), value=x.start_date, format=DATE
                )
                with c1:
                    errors.slot("start_date")
                e_end = c2.date_input(
                    t("internship.field.planned_end_date"), value=x.planned_end_date, format=DATE
                )
                with c2:
                    errors.slot("planned_end_date")
                e_hours = c1.number_input(
                    t("internship.field.weekly_hours"), 1, 40, int(x.weekly_hours), 1
                )
                with c1:
                    errors.slot("weekly_hours")
                e_allowance = c2.number_input(
                    t("internship.field.monthly_allowance"),
                    min_value=0.0,
                    max_value=5000.0,
                    value=float(x.monthly_allowance),
                    step=10.0,
                    format="%.2f",
                )
                with c2:
                    errors.slot("monthly_allowance")
                e_meal = c1.checkbox(t("internship.field.meal_vouchers"), value=x.meal_vouchers)
                e_company_tutor = c2.text_input(
                    t("internship.field.company_tutor_name"), value=x.company_tutor_name
                )
                with c2:
                    errors.slot("company_tutor_name")
                tutor_ids = list(tutors)
                e_tutor = c1.selectbox(
                    t("internship.field.centre_tutor"),
                    tutor_ids,
                    index=tutor_ids.index(x.centre_tutor_id)
                    if x.centre_tutor_id in tutors
                    else None,
                    format_func=tutors.get,
                    placeholder=t("internship.field.choose"),
                )
                with c1:
                    errors.slot("centre_tutor_id")
                streams = list(FundingStream)
                e_funding = c2.selectbox(
                    t("internship.field.funding_stream"),
                    streams,
                    index=streams.index(x.funding_stream),
                    format_func=label,
                )
                errors.slot("person_id")
                errors.slot("company_id")
                if st.form_submit_button(t("internship.edit.submit")):
                    try:
                        with unit_of_work(engine()) as session:
                            internships.update(
                                session=session,
                                actor=actor,
                                id=x.id,
                                data=UpdateInput(
                                    version=x.version,
                                    start_date=e_start,
                                    planned_end_date=e_end,
                                    weekly_hours=e_hours,
                                    monthly_allowance=str(e_allowance),
                                    meal_vouchers=e_meal,
                                    company_tutor_name=e_company_tutor,
                                    centre_tutor_id=e_tutor,
                                    funding_stream=e_funding,
                                ),
                            )
                    except (ValidationError, ValidationErrors) as exc:
                        errors.show(exc)
                    except FlemingError as exc:
                        show_error(exc)
                    else:
                        saved(t("internship.edit.done"))

# =========================================================================== attendance
with tab_attendance:
    st.caption(
        t("internship.attendance.caption", percent=x.full_allowance_percent)
        + " "
        + (t("internship.attendance.may_edit") if follows else t("internship.attendance.read_only"))
    )
    if not x.attendance:
        st.info(
            t("internship.attendance.none_yet", date=d(x.start_date)),
            icon=":material/calendar_month:",
        )
    else:
        source = pd.DataFrame(
            {
                "month": [m.month.isoformat() for m in x.attendance],
                "label": [fmt_date(m.month, lang(), "MMMM yyyy") for m in x.attendance],
                "percent": pd.array([m.percent for m in x.attendance], dtype="Int64"),
                "full": [
                    "—"
                    if m.full_allowance is None
                    else t("internship.yes")
                    if m.full_allowance
                    else t("internship.no")
                    for m in x.attendance
                ],
            }
        )
        columns = {
            "month": None,
            "label": st.column_config.TextColumn(t("internship.attendance.month")),
            "percent": st.column_config.NumberColumn(
                t("internship.attendance.percent"),
                min_value=0,
                max_value=100,
                step=1,
                format="%d %%",
                help=t("internship.attendance.percent.help"),
            ),
            "full": st.column_config.TextColumn(
                t("internship.attendance.full", percent=x.full_allowance_percent)
            ),
        }
        if follows:
            with st.form(f"internship_attendance_{x.id}_{x.version}"):
                errors = FieldErrors()
                edited = st.data_editor(
                    source,
                    hide_index=True,
                    width="stretch",
                    column_config=columns,
                    disabled=["month", "label", "full"],
                    num_rows="fixed",
                    key=f"internship_attendance_grid_{x.id}_{x.version}",
                )
                if st.form_submit_button(
                    t("internship.attendance.submit"), type="primary", icon=":material/save:"
                ):
                    percents = {
                        date.fromisoformat(row.month): (
                            None if pd.isna(row.percent) else int(row.percent)
                        )
                        for row in edited.itertuples(index=False)
                    }
                    try:
                        with unit_of_work(engine()) as session:
                            changed = internships.record_attendance(
                                session=session,
                                actor=actor,
                                id=x.id,
                                version=x.version,
                                percents=percents,
                            )
                    except (ValidationError, ValidationErrors) as exc:
                        errors.show(exc)
                    except FlemingError as exc:
                        show_error(exc)
                    else:
                        saved(t("internship.attendance.done", n=changed))
        else:
            st.dataframe(source, hide_index=True, width="stretch", column_config=columns)

# =========================================================================== mid-term check
with tab_check:
    st.caption(t("internship.check.caption", date=d(x.midterm_on)))
    if x.checks:
        st.dataframe(
            pd.DataFrame(
                {
                    t("internship.check.date"): [d(c.checked_on) for c in x.checks],
                    t("internship.check.rating"): ["★" * c.rating for c in x.checks],
                    t("internship.check.notes"): [c.notes or "" for c in x.checks],
                    t("internship.check.by"): [c.recorded_by or "—" for c in x.checks],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.info(t("internship.check.none"), icon=":material/rate_review:")
    if follows and x.started:
        st.markdown("##### " + t("internship.check.new"))
        with st.form(f"internship_check_{x.id}_{x.version}", clear_on_submit=False):
            errors = FieldErrors()
            last_day = x.actual_end_date or x.planned_end_date
            c1, c2 = st.columns(2)
            checked_on = c1.date_input(
                t("internship.check.date"),
                value=min(today, last_day),
                format=DATE,
                key=f"internship_check_date_{x.version}",
            )
            with c1:
                errors.slot("checked_on")
            rating = c2.select_slider(
                t("internship.check.rating"),
                options=[1, 2, 3, 4, 5],
                value=3,
                format_func=lambda r: t(f"internship.check.rating.{r}"),
                key=f"internship_check_rating_{x.version}",
            )
            with c2:
                errors.slot("rating")
            notes = st.text_area(
                t("internship.check.notes"),
                placeholder=t("internship.check.notes.placeholder"),
                max_chars=2000,
                key=f"internship_check_notes_{x.version}",
            )
            errors.slot("notes")
            if st.form_submit_button(t("internship.check.submit"), type="primary"):
                try:
                    with unit_of_work(engine()) as session:
                        internships.add_check(
                            session=session,
                            actor=actor,
                            id=x.id,
                            data=CheckInput(
                                version=x.version, checked_on=checked_on, rating=rating, notes=notes
                            ),
                        )
                except (ValidationError, ValidationErrors) as exc:
                    errors.show(exc)
                except FlemingError as exc:
                    show_error(exc)
                else:
                    saved(t("internship.check.done"))


# =========================================================================== outcome
def hire_fields(errors: FieldErrors, *, default_day: date, prefix: str):
    """Contract type, months, part-time share and start day of a hire, each with its slot."""
    c1, c2 = st.columns(2)
    kinds = list(ContractType)
    kind = c1.selectbox(
        t("internship.field.contract_type"),
        kinds,
        index=None,
        placeholder=t("internship.field.choose"),
        format_func=label,
        key=f"{prefix}_contract",
    )
    with c1:
        errors.slot("contract_type")
    months = c2.number_input(
        t("internship.field.contract_months"),
        min_value=1,
        max_value=internships.MAX_CONTRACT_MONTHS,
        value=None,
        step=1,
        help=t("internship.field.contract_months.help"),
        key=f"{prefix}_months",
    )
    with c2:
        errors.slot("contract_months")
    part_time = c1.number_input(
        t("internship.field.part_time_percent"),
        min_value=1,
        max_value=100,
        value=100,
        step=5,
        help=t("internship.field.part_time_percent.help"),
        key=f"{prefix}_part_time",
    )
    with c1:
        errors.slot("part_time_percent")
    hire_day = c2.date_input(
        t("internship.field.hire_date"), value=default_day, format=DATE, key=f"{prefix}_hire_date"
    )
    with c2:
        errors.slot("hire_date")
    return kind, months, part_time, hire_day


with tab_outcome:
    if x.active:
        if not may_close:
            st.info(t("internship.outcome.coordinator_only"), icon=":material/info:")
        else:
            st.caption(t("internship.outcome.caption"))
            outcome = st.radio(
                t("internship.field.outcome"),
                list(InternshipOutcome),
                format_func=label,
                horizontal=True,
                key="internship_outcome_choice",
            )
            with st.form(f"internship_outcome_{x.id}_{x.version}_{outcome.value}"):
                errors = FieldErrors()
                errors.slot("outcome")
                default_end = min(today, x.planned_end_date)
                end_day = st.date_input(
                    t(f"internship.field.end_date.{outcome.value}"),
                    value=max(default_end, x.start_date),
                    format=DATE,
                    key="internship_outcome_end",
                )
                errors.slot("end_date")
                kind = months = part_time = hire_day = None
                if outcome is InternshipOutcome.HIRED:
                    kind, months, part_time, hire_day = hire_fields(
                        errors, default_day=max(default_end, x.start_date), prefix="internship_hire"
                    )
                reason = st.text_area(
                    t(f"internship.field.reason.{outcome.value}"),
                    max_chars=300,
                    key="internship_outcome_reason",
                )
                errors.slot("reason")
                if st.form_submit_button(
                    t(f"internship.outcome.submit.{outcome.value}"),
                    type="primary",
                    key="internship_outcome_submit",
                ):
                    try:
                        with unit_of_work(engine()) as session:
                            internships.close(
                                session=session,
                                actor=actor,
                                id=x.id,
                                data=OutcomeInput(
                                    version=x.version,
                                    outcome=outcome,
                                    end_date=end_day,
                                    reason=reason,
                                    contract_type=kind,
                                    contract_months=months,
                                    part_time_percent=part_time,
                                    hire_date=hire_day,
                                ),
                            )
                    except (ValidationError, ValidationErrors) as exc:
                        errors.show(exc)
                    except FlemingError as exc:
                        show_error(exc)
                    else:
                        saved(t(f"internship.outcome.done.{outcome.value}"))
    else:
        facts = [
            (t("internship.field.outcome"), label(x.outcome)),
            (t("internship.field.actual_end_date"), d(x.actual_end_date)),
        ]
        if x.outcome_reason:
            facts.append((t("internship.field.reason"), x.outcome_reason))
        if x.outcome is InternshipOutcome.HIRED:
            facts += [
                (t("internship.field.contract_type"), label(x.contract_type)),
                (
                    t("internship.field.contract_months"),
                    str(x.contract_months) if x.contract_months else "—",
                ),
                (
                    t("internship.field.part_time_percent"),
                    fmt_percent((x.part_time_percent or 100) / 100, lang()),
                ),
                (t("internship.field.hire_date"), d(x.hire_date)),
            ]
        st.dataframe(
            pd.DataFrame(facts, columns=[t("internship.col.what"), t("internship.col.value")]),
            hide_index=True,
            width="stretch",
        )
        if x.may_record_followup_hire and may_close:
            st.markdown("##### " + t("internship.followup.heading"))
            st.caption(t("internship.followup.caption", date=d(x.followup_until)))
            with st.form(f"internship_followup_{x.id}_{x.version}"):
                errors = FieldErrors()
                kind, months, part_time, hire_day = hire_fields(
                    errors, default_day=min(today, x.followup_until), prefix="internship_followup"
                )
                if st.form_submit_button(t("internship.followup.submit"), type="primary"):
                    try:
                        with unit_of_work(engine()) as session:
                            internships.record_followup_hire(
                                session=session,
                                actor=actor,
                                id=x.id,
                                data=HireInput(
                                    version=x.version,
                                    contract_type=kind,
                                    contract_months=months,
                                    part_time_percent=part_time,
                                    hire_date=hire_day,
                                ),
                            )
                    except (ValidationError, ValidationErrors) as exc:
                        errors.show(exc)
                    except FlemingError as exc:
                        show_error(exc)
                    else:
                        saved(t("internship.outcome.done.hired"))

st.divider()
c1, c2 = st.columns(2)
with c1:
    back_link()
if allowed(actor, "internships.start") and c2.button(
    t("internship.new.another"), icon=":material/add:", key="internship_new_another"
):
    st.session_state.pop(CURRENT_INTERNSHIP, None)
    st.rerun()
