"""Workshops (*laboratori*): editions, enrolment, attendance in hours, completion."""

from datetime import date
from decimal import Decimal

import pandas as pd
import streamlit as st
from babel.dates import format_date

from fleming import workshops
from fleming.db import unit_of_work
from fleming.errors import FlemingError, ValidationError, ValidationErrors
from fleming.i18n import LOCALES, fmt_date, fmt_number, fmt_percent
from fleming.models import EnrolmentStatus, Role
from fleming.ui.cache import read
from fleming.ui.context import engine, label, lang, t
from fleming.ui.forms import FieldErrors, error_text, show_error
from fleming.ui.guard import require_role
from fleming.ui.people_widgets import open_person
from fleming.ui.text import plain

actor = require_role(Role.COORDINATOR, Role.TUTOR)
lg = lang()
today = date.today()
coordinator = actor.role is Role.COORDINATOR
FLASH_KEY = "workshops_flash"
EDITION_KEY = "workshops_edition"


def d(value) -> str:
    return fmt_date(value, lg)


def hours(value) -> str:
    return fmt_number(value, lg, 1 if Decimal(value) % 1 else 0)


def completion(e: workshops.EditionRow) -> str:
    """The completion rate once the edition is over; "running" before."""
    if e.end_date >= today:
        return t("workshops.running")
    return fmt_percent(e.completion_rate, lg)


def done(message: str) -> None:
    st.session_state[FLASH_KEY] = message
    st.rerun()


st.title(t("workshops.title"))
flash = st.session_state.pop(FLASH_KEY, None)
if flash:
    st.success(flash, icon=":material/check_circle:")

trades = read(workshops.trades, actor)

tab_names = [t("workshops.tab.editions")]
if coordinator:
    tab_names += [t("workshops.tab.new"), t("workshops.tab.trades")]
tabs = (
    st.tabs(tab_names, key="workshops_tab", on_change="rerun") if coordinator else [st.container()]
)


# --------------------------------------------------------------------------- edition form
def edition_form(key: str, initial: workshops.EditionRow | None) -> None:
    """Create (``initial`` None) or change an edition."""
    trade_ids = [tr.id for tr in trades]
    trade_names = {tr.id: tr.label(lg) for tr in trades}
    with st.form(key):
        errors = FieldErrors()
        c1, c2 = st.columns([2, 1])
        title = c1.text_input(
            t("workshops.field.title"), initial.title if initial else "", max_chars=200
        )
        with c1:
            errors.slot("title")
        trade_id = c2.selectbox(
            t("workshops.field.trade"),
            trade_ids,
            index=trade_ids.index(initial.trade_id) if initial else None,
            format_func=lambda tid: trade_names[tid],
            placeholder=t("people.form.choose"),
        )
        with c2:
            errors.slot("trade_id")
        c1, c2, c3, c4 = st.columns(4)
        start = c1.date_input(
            t("workshops.field.start_date"),
            value=initial.start_date if initial else None,
            format="DD/MM/YYYY",
        )
        with c1:
            errors.slot("start_date")
        end = c2.date_input(
            t("workshops.field.end_date"),
            value=initial.end_date if initial else None,
            format="DD/MM/YYYY",
        )
        with c2:
            errors.slot("end_date")
        total = c3.number_input(
            t("workshops.field.hours"),
            min_value=0,
            max_value=1000,
            value=initial.hours if initial else 120,
            step=10,
            help=t("workshops.field.hours.help", low=workshops.MIN_HOURS, high=workshops.MAX_HOURS),
        )
        with c3:
            errors.slot("hours")
        capacity = c4.number_input(
            t("workshops.field.capacity"),
            min_value=0,
            max_value=500,
            value=initial.capacity if initial else 14,
            step=1,
        )
        with c4:
            errors.slot("capacity")
        c1, c2 = st.columns(2)
        trainer = c1.text_input(
            t("workshops.field.trainer"), initial.trainer_name if initial else "", max_chars=200
        )
        with c1:
            errors.slot("trainer_name")
        teacher = c2.text_input(
            t("workshops.field.teacher"),
            initial.italian_teacher_name if initial else "",
            max_chars=200,
        )
        with c2:
            errors.slot("italian_teacher_name")
        weekdays: list[int] = []
        session_hours = None
        if initial is None:
            st.markdown("**" + t("workshops.field.timetable") + "**")
            st.caption(t("workshops.field.timetable.help"))
            c1, c2 = st.columns([3, 1])
            weekdays = c1.pills(
                t("workshops.field.weekdays"),
                list(range(7)),
                selection_mode="multi",
                default=[0, 1, 2, 3],
                format_func=lambda n: format_date(
                    date(2024, 1, 1 + n), "EEEE", locale=LOCALES[lg]
                ).capitalize(),
            )
            with c1:
                errors.slot("weekdays")
            session_hours = c2.number_input(
                t("workshops.field.session_hours"),
                min_value=0.0,
                max_value=12.0,
                value=4.0,
                step=0.5,
                format="%.1f",
            )
            with c2:
                errors.slot("session_hours")
        submitted = st.form_submit_button(
            t("workshops.edition.create") if initial is None else t("workshops.save"),
            type="primary",
            icon=":material/save:",
        )
    if not submitted:
        return
    data = workshops.EditionInput(
        trade_id=trade_id,
        title=title,
        hours=int(total),
        start_date=start,
        end_date=end,
        trainer_name=trainer,
        italian_teacher_name=teacher,
        capacity=int(capacity),
        weekdays=tuple(weekdays or ()),
        session_hours=session_hours if weekdays else None,
    )
    try:
        with unit_of_work(engine()) as session:
            if initial is None:
                new_id = workshops.create_edition(session=session, actor=actor, data=data)
            else:
                workshops.update_edition(
                    session=session,
                    actor=actor,
                    edition_id=initial.id,
                    version=initial.version,
                    data=data,
                )
    except (ValidationError, ValidationErrors) as exc:
        errors.show(exc)
    except FlemingError as exc:
        show_error(exc)
    else:
        if initial is None:
            st.session_state[EDITION_KEY] = new_id
            done(t("workshops.edition.created", title=plain(title.strip())))
        done(t("workshops.saved"))


# --------------------------------------------------------------------------- editions tab
with tabs[0]:
    include_past = st.toggle(t("workshops.include_past"), key="workshops_include_past")
    editions = read(workshops.editions, actor, include_past=include_past)
    if not editions:
        st.info(t("workshops.none"), icon=":material/info:")
    else:
        st.dataframe(
            [
                {
                    t("workshops.field.title"): e.title,
                    t("workshops.field.trade"): e.trade(lg),
                    t("workshops.col.dates"): f"{d(e.start_date)} – {d(e.end_date)}",
                    t("workshops.field.hours"): e.hours,
                    t("workshops.col.seats"): f"{e.seated} / {e.capacity}",
                    t("workshops.col.completion"): completion(e),
                }
                for e in editions
            ],
            hide_index=True,
            width="stretch",
            height=min(38 + 35 * len(editions), 280),
        )
        by_id = {e.id: e for e in editions}
        ids = list(by_id)
        if st.session_state.get(EDITION_KEY) not in by_id:
            running = [e.id for e in editions if e.start_date <= today <= e.end_date]
            st.session_state[EDITION_KEY] = running[0] if running else ids[0]
        edition_id = st.selectbox(
            t("workshops.choose"),
            ids,
            format_func=lambda eid: f"{by_id[eid].title} · {d(by_id[eid].start_date)}",
            key=EDITION_KEY,
        )
        e = by_id[edition_id]

        st.subheader(plain(e.title))
        st.caption(
            " · ".join(
                [
                    e.trade(lg),
                    f"{d(e.start_date)} – {d(e.end_date)}",
                    t("workshops.trainer", name=plain(e.trainer_name)),
                    t("workshops.teacher", name=plain(e.italian_teacher_name)),
                ]
            )
        )
        c1, c2, c3, c4 = st.columns(4)
        c1.metric(t("workshops.metric.seats"), f"{e.seated} / {e.capacity}", border=True)
        c2.metric(
            t("workshops.metric.hours"),
            f"{hours(e.delivered_hours)} / {e.hours}",
            help=t("workshops.metric.hours.help", scheduled=hours(e.scheduled_hours)),
            border=True,
        )
        c3.metric(t("workshops.metric.completed"), fmt_number(e.completed, lg), border=True)
        c4.metric(
            t("workshops.metric.completion_rate"),
            completion(e),
            help=t("workshops.metric.completion_rate.help"),
            border=True,
        )

        enrolled = read(workshops.enrolments, actor, edition_id=e.id)
        sessions = read(workshops.sessions, actor, edition_id=e.id)

        sub = st.tabs(
            [t("workshops.tab.people"), t("workshops.tab.attendance"), t("workshops.tab.sessions")]
            + ([t("workshops.tab.edit")] if coordinator else []),
            key="workshops_subtab",
            on_change="rerun",
        )

        # ------------------------------------------------------------------ people
        with sub[0]:
            if enrolled:
                nonce = st.session_state.setdefault("workshops_people_nonce", 0)
                picked = st.dataframe(
                    [
                        {
                            t("people.name"): r.full_name,
                            t("workshops.col.status"): label(r.status),
                            t("workshops.col.enrolled_on"): d(r.enrolled_on),
                            t("workshops.col.attended"): hours(r.attended_hours),
                            t("workshops.col.attendance_rate"): fmt_percent(r.attendance_rate, lg),
                            t("workshops.col.progress"): round(100 * r.progress),
                        }
                        for r in enrolled
                    ],
                    hide_index=True,
                    width="stretch",
                    on_select="rerun",
                    selection_mode="single-row",
                    key=f"workshops_people_{e.id}_{nonce}",
                    column_config={
                        t("workshops.col.attendance_rate"): st.column_config.TextColumn(
                            help=t("workshops.col.attendance_rate.help")
                        ),
                        t("workshops.col.progress"): st.column_config.ProgressColumn(
                            min_value=0,
                            max_value=100,
                            format="%d%%",
                            help=t("workshops.col.progress.help", hours=e.hours),
                        ),
                    },
                )
                st.caption(t("workshops.people.click_to_open"))
                rows = picked.selection.rows if picked else []
                if rows:
                    st.session_state["workshops_people_nonce"] = nonce + 1
                    open_person(enrolled[rows[0]].person_id)
            else:
                st.info(t("workshops.people.none"), icon=":material/info:")

            left, right = st.columns(2)
            with left, st.container(border=True):
                st.markdown("**" + t("workshops.enrol.heading") + "**")
                if e.end_date < today:
                    st.caption(t("workshops.enrol.over"))
                elif e.seats_left == 0:
                    st.caption(t("workshops.enrol.full", capacity=e.capacity))
                else:
                    eligible = read(workshops.eligible_people, actor, edition_id=e.id)
                    names = dict(eligible)
                    with st.form(f"workshops_enrol_{e.id}", clear_on_submit=True):
                        errors = FieldErrors()
                        person_id = st.selectbox(
                            t("workshops.enrol.person"),
                            list(names),
                            index=None,
                            format_func=lambda pid: names[pid],
                            placeholder=t("workshops.enrol.search"),
                            help=t("workshops.enrol.help"),
                        )
                        errors.slot("person_id")
                        errors.slot("edition_id")
                        st.caption(t("workshops.enrol.seats_left", n=e.seats_left))
                        if st.form_submit_button(
                            t("workshops.enrol.submit"),
                            type="primary",
                            icon=":material/how_to_reg:",
                        ):
                            if person_id is None:
                                errors.show(ValidationError("person_id", "error.required"))
                            else:
                                try:
                                    with unit_of_work(engine()) as session:
                                        workshops.enrol(
                                            session=session,
                                            actor=actor,
                                            edition_id=e.id,
                                            person_id=person_id,
                                        )
                                except (ValidationError, ValidationErrors) as exc:
                                    errors.show(exc)
                                except FlemingError as exc:
                                    show_error(exc)
                                else:
                                    done(t("workshops.enrol.done", name=plain(names[person_id])))
            attending = {r.id: r for r in enrolled if r.status is EnrolmentStatus.ENROLLED}
            with right, st.container(border=True):
                st.markdown("**" + t("workshops.outcome.heading") + "**")
                if not attending:
                    st.caption(t("workshops.outcome.nobody"))
                else:
                    with st.form(f"workshops_outcome_{e.id}"):
                        errors = FieldErrors()
                        enrolment_id = st.selectbox(
                            t("workshops.enrol.person"),
                            list(attending),
                            format_func=lambda rid: t(
                                "workshops.outcome.option",
                                name=attending[rid].full_name,
                                hours=hours(attending[rid].attended_hours),
                                total=e.hours,
                            ),
                        )
                        outcome = st.radio(
                            t("workshops.outcome.what"),
                            ["complete", "withdraw"],
                            format_func=lambda k: t(f"workshops.outcome.{k}"),
                            horizontal=True,
                        )
                        on = st.date_input(
                            t("workshops.outcome.on"),
                            value=min(today, e.end_date),
                            format="DD/MM/YYYY",
                            help=t("workshops.outcome.on.help"),
                        )
                        errors.slot("completed_on")
                        errors.slot("status")
                        st.caption(t("workshops.outcome.explain"))
                        if st.form_submit_button(
                            t("workshops.outcome.submit"), icon=":material/done_all:"
                        ):
                            r = attending[enrolment_id]
                            try:
                                with unit_of_work(engine()) as session:
                                    if outcome == "complete":
                                        workshops.complete(
                                            session=session,
                                            actor=actor,
                                            enrolment_id=r.id,
                                            version=r.version,
                                            on=on,
                                        )
                                    else:
                                        workshops.withdraw(
                                            session=session,
                                            actor=actor,
                                            enrolment_id=r.id,
                                            version=r.version,
                                        )
                            except (ValidationError, ValidationErrors) as exc:
                                errors.show(exc)
                            except FlemingError as exc:
                                show_error(exc)
                            else:
                                done(
                                    t(f"workshops.outcome.done_{outcome}", name=plain(r.full_name))
                                )

        # ------------------------------------------------------------------ attendance grid
        with sub[1]:
            if not sessions:
                st.info(t("workshops.attendance.no_sessions"), icon=":material/event_busy:")
            elif not enrolled:
                st.info(t("workshops.people.none"), icon=":material/info:")
            else:
                months = sorted({s.session_date.replace(day=1) for s in sessions})
                current = today.replace(day=1)
                past = [m for m in months if m <= current]
                default = past[-1] if past else months[0]
                month = st.selectbox(
                    t("workshops.attendance.month"),
                    months,
                    index=months.index(default),
                    format_func=lambda m: format_date(
                        m, "LLLL yyyy", locale=LOCALES[lg]
                    ).capitalize(),
                    key=f"workshops_month_{e.id}",
                )
                month_sessions = [s for s in sessions if s.session_date.replace(day=1) == month]
                grid = read(
                    workshops.attendance,
                    actor,
                    edition_id=e.id,
                    start=month_sessions[0].session_date,
                    end=month_sessions[-1].session_date,
                )
                people_rows = [p for p in grid.people]
                name_col = t("people.name")
                total_col = t("workshops.attendance.total")
                source = pd.DataFrame(
                    {
                        name_col: [p.full_name for p in people_rows],
                        **{
                            f"s{s.id}": [
                                float(grid.hours[(p.id, s.id)])
                                if (p.id, s.id) in grid.hours
                                else None
                                for p in people_rows
                            ]
                            for s in grid.sessions
                        },
                        total_col: [float(p.attended_hours) for p in people_rows],
                    },
                    index=[p.id for p in people_rows],
                ).astype({f"s{s.id}": "float64" for s in grid.sessions})
                column_config = {
                    name_col: st.column_config.TextColumn(name_col, disabled=True, pinned=True),
                    total_col: st.column_config.NumberColumn(
                        total_col,
                        disabled=True,
                        format="localized",
                        help=t("workshops.attendance.total.help", hours=e.hours),
                    ),
                }
                future = []
                for s in grid.sessions:
                    is_future = s.session_date > today
                    if is_future:
                        future.append(f"s{s.id}")
                    column_config[f"s{s.id}"] = st.column_config.NumberColumn(
                        format_date(s.session_date, "EEE d/M", locale=LOCALES[lg]),
                        min_value=0.0,
                        max_value=float(s.hours),
                        step=0.5,
                        format="localized",
                        disabled=is_future,
                        help=t(
                            "workshops.attendance.session.help",
                            date=d(s.session_date),
                            hours=hours(s.hours),
                        ),
                    )
                st.caption(t("workshops.attendance.explain"))
                nonce = st.session_state.setdefault("workshops_grid_nonce", 0)
                grid_key = f"workshops_grid_{e.id}_{month.isoformat()}_{nonce}"
                with st.form(f"workshops_attendance_{e.id}_{month.isoformat()}"):
                    errors = FieldErrors()
                    edited = st.data_editor(
                        source,
                        placeholder="",
                        hide_index=True,
                        width="stretch",
                        num_rows="fixed",
                        column_config=column_config,
                        key=grid_key,
                    )
                    errors.slot("attendance")
                    save = st.form_submit_button(
                        t("workshops.attendance.save"), type="primary", icon=":material/save:"
                    )
                if save:
                    entries = {}
                    for enrolment_id in source.index:
                        for s in grid.sessions:
                            col = f"s{s.id}"
                            before, after = (
                                source.at[enrolment_id, col],
                                edited.at[enrolment_id, col],
                            )
                            if pd.isna(before) and pd.isna(after):
                                continue
                            if not pd.isna(before) and not pd.isna(after) and before == after:
                                continue
                            entries[(int(enrolment_id), s.id)] = None if pd.isna(after) else after
                    if not entries:
                        st.info(t("workshops.attendance.nothing"), icon=":material/info:")
                    else:
                        try:
                            with unit_of_work(engine()) as session:
                                n = workshops.save_attendance(
                                    session=session, actor=actor, edition_id=e.id, entries=entries
                                )
                        except (ValidationError, ValidationErrors) as exc:
                            errors.show(exc)
                        except FlemingError as exc:
                            show_error(exc)
                        else:
                            st.session_state["workshops_grid_nonce"] = nonce + 1
                            done(t("workshops.attendance.saved", n=n))

                past_sessions = [s for s in grid.sessions if s.session_date <= today]
                if past_sessions:
                    with st.expander(t("workshops.attendance.quick"), icon=":material/bolt:"):
                        st.caption(t("workshops.attendance.quick.explain"))
                        c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
                        quick = c1.selectbox(
                            t("workshops.attendance.quick.session"),
                            [s.id for s in past_sessions],
                            index=len(past_sessions) - 1,
                            format_func=lambda sid: next(
                                f"{d(s.session_date)} ({hours(s.hours)} h)"
                                for s in past_sessions
                                if s.id == sid
                            ),
                            key=f"workshops_quick_{e.id}",
                        )
                        if c2.button(
                            t("workshops.attendance.quick.submit"), icon=":material/done_all:"
                        ):
                            chosen = next(s for s in past_sessions if s.id == quick)
                            entries = {
                                (p.id, chosen.id): chosen.hours
                                for p in people_rows
                                if p.status is EnrolmentStatus.ENROLLED
                                and (p.id, chosen.id) not in grid.hours
                            }
                            if not entries:
                                st.info(t("workshops.attendance.nothing"), icon=":material/info:")
                            else:
                                try:
                                    with unit_of_work(engine()) as session:
                                        n = workshops.save_attendance(
                                            session=session,
                                            actor=actor,
                                            edition_id=e.id,
                                            entries=entries,
                                        )
                                except (ValidationError, ValidationErrors) as exc:
                                    for err in getattr(exc, "errors", [exc]):
                                        st.error(error_text(err))
                                except FlemingError as exc:
                                    show_error(exc)
                                else:
                                    st.session_state["workshops_grid_nonce"] = nonce + 1
                                    done(t("workshops.attendance.saved", n=n))

        # ------------------------------------------------------------------ sessions
        with sub[2]:
            if sessions:
                st.dataframe(
                    [
                        {
                            t("workshops.col.date"): format_date(
                                s.session_date, "EEEE d MMMM yyyy", locale=LOCALES[lg]
                            ),
                            t("workshops.field.session_hours"): float(s.hours),
                            t("workshops.col.recorded"): s.recorded,
                        }
                        for s in sessions
                    ],
                    hide_index=True,
                    width="stretch",
                    height=min(38 + 35 * len(sessions), 360),
                )
            else:
                st.info(t("workshops.attendance.no_sessions"), icon=":material/event_busy:")
            if coordinator:
                left, right = st.columns(2)
                with left, st.container(border=True):
                    st.markdown("**" + t("workshops.session.add") + "**")
                    with st.form(f"workshops_session_add_{e.id}", clear_on_submit=True):
                        errors = FieldErrors()
                        c1, c2 = st.columns(2)
                        on = c1.date_input(
                            t("workshops.col.date"),
                            value=None,
                            min_value=e.start_date,
                            max_value=e.end_date,
                            format="DD/MM/YYYY",
                        )
                        with c1:
                            errors.slot("session_date")
                        length = c2.number_input(
                            t("workshops.field.session_hours"),
                            min_value=0.0,
                            max_value=12.0,
                            value=4.0,
                            step=0.5,
                            format="%.1f",
                        )
                        with c2:
                            errors.slot("session_hours")
                        if st.form_submit_button(t("workshops.session.add"), icon=":material/add:"):
                            try:
                                with unit_of_work(engine()) as session:
                                    workshops.add_session(
                                        session=session,
                                        actor=actor,
                                        edition_id=e.id,
                                        on=on,
                                        hours=length,
                                    )
                            except (ValidationError, ValidationErrors) as exc:
                                errors.show(exc)
                            except FlemingError as exc:
                                show_error(exc)
                            else:
                                done(t("workshops.session.added"))
                removable = [s for s in sessions if not s.recorded]
                with right, st.container(border=True):
                    st.markdown("**" + t("workshops.session.remove") + "**")
                    if not removable:
                        st.caption(t("workshops.session.none_removable"))
                    else:
                        with st.form(f"workshops_session_remove_{e.id}"):
                            errors = FieldErrors()
                            sid = st.selectbox(
                                t("workshops.col.date"),
                                [s.id for s in removable],
                                format_func=lambda x: next(
                                    d(s.session_date) for s in removable if s.id == x
                                ),
                            )
                            errors.slot("session_date")
                            if st.form_submit_button(
                                t("workshops.session.remove"), icon=":material/delete:"
                            ):
                                try:
                                    with unit_of_work(engine()) as session:
                                        workshops.remove_session(
                                            session=session, actor=actor, session_id=sid
                                        )
                                except (ValidationError, ValidationErrors) as exc:
                                    errors.show(exc)
                                except FlemingError as exc:
                                    show_error(exc)
                                else:
                                    done(t("workshops.session.removed"))

        if coordinator:
            with sub[3]:
                edition_form(f"workshops_edit_{e.id}_{e.version}", e)

# --------------------------------------------------------------------------- coordinators
if coordinator:
    with tabs[1]:
        st.caption(t("workshops.new.explain"))
        edition_form("workshops_new", None)
    with tabs[2]:
        st.dataframe(
            [
                {t("workshops.trade.it"): tr.label_it, t("workshops.trade.en"): tr.label_en}
                for tr in trades
            ],
            hide_index=True,
            width="stretch",
        )
        with st.form("workshops_trade_add", clear_on_submit=True):
            errors = FieldErrors()
            st.markdown("**" + t("workshops.trade.add") + "**")
            c1, c2 = st.columns(2)
            label_it = c1.text_input(t("workshops.trade.it"), max_chars=200)
            with c1:
                errors.slot("label_it")
            label_en = c2.text_input(t("workshops.trade.en"), max_chars=200)
            with c2:
                errors.slot("label_en")
            if st.form_submit_button(t("workshops.trade.add"), icon=":material/add:"):
                try:
                    with unit_of_work(engine()) as session:
                        workshops.add_trade(
                            session=session, actor=actor, label_it=label_it, label_en=label_en
                        )
                except (ValidationError, ValidationErrors) as exc:
                    errors.show(exc)
                except FlemingError as exc:
                    show_error(exc)
                else:
                    done(t("workshops.trade.added", name=plain(label_it.strip())))
