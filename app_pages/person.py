"""The person page: profile, consents, patto, path timeline, meetings and workshops."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from fleming import paths, people, tutoring, workshops
from fleming.db import unit_of_work
from fleming.errors import (
    Conflict,
    FlemingError,
    NotFound,
    ValidationError,
    ValidationErrors,
)
from fleming.i18n import fmt_date, fmt_number
from fleming.models import (
    ActivityKind,
    ActivityStatus,
    CefrLevel,
    ConsentPurpose,
    MeetingKind,
    PersonStatus,
    Role,
)
from fleming.ui.competence_view import render_competence_progress
from fleming.ui.context import engine, label, lang, t
from fleming.ui.forms import FieldErrors, error_text, show_error
from fleming.ui.guard import require_role
from fleming.ui.match_view import render_vacancies_for_person
from fleming.ui.people_widgets import (
    comune_name,
    country_name,
    enum_select,
    may_work_text,
    open_person,
    person_form,
    phone_text,
    requested_person_id,
)
from fleming.ui.text import plain

actor = require_role(Role.COORDINATOR, Role.TUTOR)
lg = lang()
today = date.today()
FLASH_KEY = "person_flash"
CURRENT_PERSON = "person_id"  # the person being worked on, shared with the other screens


def d(value) -> str:
    return fmt_date(value, lg)


def done(message: str) -> None:
    """After a save: a message that survives the rerun, and a fresh page."""
    st.session_state[FLASH_KEY] = message
    st.rerun()


def pick_person() -> None:
    """No person chosen: a search box that opens one."""
    query = st.text_input(
        t("person.pick.search"), key="person_pick_query", placeholder=t("person.pick.placeholder")
    )
    if not query.strip():
        st.info(t("person.pick.explain"), icon=":material/search:")
        st.page_link("app_pages/people.py", label=t("nav.people"), icon=":material/groups:")
        st.stop()
    with unit_of_work(engine()) as session:
        found = people.search(session=session, actor=actor, text=query)
    if not found:
        st.warning(t("person.pick.none"), icon=":material/search_off:")
        st.stop()
    for option in found:
        if st.button(option.label, key=f"person_pick_{option.id}", icon=":material/person:"):
            open_person(option.id)
    st.stop()


person_id = requested_person_id() or st.session_state.get(CURRENT_PERSON)
if person_id is None:
    st.title(t("person.pick.title"))
    pick_person()

try:
    with unit_of_work(engine()) as session:
        view = people.get(session=session, actor=actor, person_id=person_id)
        pact = paths.get_pact(session=session, actor=actor, person_id=person_id)
        events = paths.timeline(session=session, actor=actor, person_id=person_id)
        internships = paths.internships(session=session, actor=actor, person_id=person_id)
        ratings = paths.ratings(session=session, actor=actor, person_id=person_id)
        meetings = tutoring.meetings(session=session, actor=actor, person_id=person_id)
        enrolments = workshops.person_enrolments(session=session, actor=actor, person_id=person_id)
        consents = people.consents(session=session, actor=actor, person_id=person_id)
        tutors = people.tutors(session=session, actor=actor)
        partners = people.partners(session=session, actor=actor)
        open_editions = workshops.editions(session=session, actor=actor)
except NotFound:
    st.session_state.pop(CURRENT_PERSON, None)
    st.title(t("person.pick.title"))
    st.warning(t("person.not_found"), icon=":material/search_off:")
    pick_person()
st.session_state[CURRENT_PERSON] = person_id

EDIT_STATE = f"person_edit_{person_id}"
EDIT_TOGGLE = f"person_editing_{person_id}"


def reset_edit() -> None:
    """Another action changed the record: the edit form starts again from the saved data."""
    st.session_state.pop(EDIT_STATE, None)
    st.session_state[f"{EDIT_TOGGLE}_off"] = True


# --------------------------------------------------------------------------- header
st.title(plain(view.full_name))
status_colour = {
    PersonStatus.INTAKE: "blue",
    PersonStatus.ACTIVE: "green",
    PersonStatus.INTERNSHIP: "violet",
    PersonStatus.HIRED: "orange",
    PersonStatus.CLOSED: "gray",
}[view.status]
st.badge(label(view.status), color=status_colour, icon=":material/flag:")
st.caption(
    " · ".join(
        [
            t("person.header.tax_code", code=view.tax_code),
            t("person.header.age", age=view.age),
            country_name(view.citizenship),
            t("person.header.tutor", name=plain(view.tutor_name) or t("person.no_tutor")),
        ]
    )
)
st.page_link("app_pages/people.py", label=t("person.pick.other"), icon=":material/search:")
flash = st.session_state.pop(FLASH_KEY, None)
if flash:
    st.success(flash, icon=":material/check_circle:")
if view.status is PersonStatus.CLOSED:
    with st.container(border=True):
        st.warning(t("person.closed", reason=view.closing_reason or ""), icon=":material/lock:")
        if st.button(t("person.reopen"), key="person_reopen", icon=":material/lock_open:"):
            try:
                with unit_of_work(engine()) as session:
                    paths.reopen_case(
                        session=session, actor=actor, person_id=person_id, version=view.version
                    )
            except ValidationError as exc:
                st.error(error_text(exc), icon=":material/error:")
            except FlemingError as exc:
                show_error(exc)
            else:
                reset_edit()
                done(t("person.reopened"))
work = may_work_text(view.may_work_from)
if work:
    st.info(work, icon=":material/work_history:")

last_meeting = meetings[0].met_on if meetings else None
open_acts = [a for a in (pact.activities if pact else ()) if a.status in paths.OPEN_ACTIVITY]
cols = st.columns(4)
cols[0].metric(
    t("person.metric.pact"), d(pact.signed_on) if pact else t("person.metric.no_pact"), border=True
)
cols[1].metric(
    t("person.metric.last_meeting"),
    d(last_meeting) if last_meeting else t("person.metric.never"),
    border=True,
)
cols[2].metric(
    t("person.metric.open_activities"),
    fmt_number(len(open_acts), lg),
    delta=(
        t("person.metric.overdue", n=sum(a.overdue for a in open_acts))
        if any(a.overdue for a in open_acts)
        else None
    ),
    delta_color="inverse",
    border=True,
)
cols[3].metric(t("person.metric.did"), d(view.did_date), border=True)

(
    tab_path,
    tab_pact,
    tab_meetings,
    tab_workshops,
    tab_skills,
    tab_jobs,
    tab_profile,
    tab_consents,
) = st.tabs(
    [
        t("person.tab.path"),
        t("person.tab.pact"),
        t("person.tab.meetings"),
        t("person.tab.workshops"),
        t("person.tab.competences"),
        t("person.tab.jobs"),
        t("person.tab.profile"),
        t("person.tab.consents"),
    ],
    key="person_tab",  # the open tab survives a save and the next person
    on_change="rerun",
)

# --------------------------------------------------------------------------- timeline
KIND_ICON = {
    "intake": ":material/door_open:",
    "did": ":material/assignment_turned_in:",
    "pact": ":material/handshake:",
    "activity": ":material/task_alt:",
    "meeting": ":material/forum:",
    "workshop": ":material/construction:",
    "internship": ":material/business_center:",
    "rating": ":material/fact_check:",
}


def event_text(e: paths.TimelineEvent) -> tuple[str, str]:
    """(what, detail) of one timeline event, in the UI language."""
    if e.kind == "pact":
        return t("person.timeline.pact"), t("person.timeline.pact_every", n=e.detail)
    if e.kind == "activity":
        what = label(e.subkind) + (f": {e.title}" if e.title else "")
        detail = t("person.timeline.hours", hours=e.detail) if e.detail else ""
        if e.status is ActivityStatus.PLANNED:
            detail = " · ".join(x for x in (t("person.timeline.due"), detail) if x)
        return what, detail
    if e.kind == "meeting":
        notes = e.title if len(e.title) <= 140 else e.title[:139] + "…"
        what = label(e.subkind) + (f": {notes}" if notes else "")
        return what, t("person.timeline.next_step", text=e.detail) if e.detail else ""
    if e.kind == "rating":
        return label(e.subkind), t("person.timeline.ratings", n=e.detail)
    if e.kind in ("workshop", "internship"):
        return e.title, ""
    return t(f"person.timeline.{e.kind}"), ""


with tab_path:
    kinds = list(KIND_ICON)
    shown = st.pills(
        t("person.timeline.filter"),
        kinds,
        selection_mode="multi",
        default=kinds,
        format_func=lambda k: f"{KIND_ICON[k]} {t('person.timeline.kind.' + k)}",
        key=f"person_timeline_kinds_{person_id}",
    )
    rows = []
    for e in events:
        if e.kind not in (shown or ()):
            continue
        what, detail = event_text(e)
        rows.append(
            {
                t("person.timeline.col.date"): e.on,
                t("person.timeline.col.kind"): t("person.timeline.kind." + e.kind),
                t("person.timeline.col.what"): what,
                t("person.timeline.col.detail"): detail,
                t("person.timeline.col.status"): label(e.status) if e.status else "",
            }
        )
    if rows:
        st.dataframe(
            pd.DataFrame(rows),
            hide_index=True,
            width="stretch",
            column_config={
                t("person.timeline.col.date"): st.column_config.DateColumn(format="DD/MM/YYYY"),
                t("person.timeline.col.what"): st.column_config.TextColumn(width="large"),
            },
        )
    else:
        st.info(t("person.timeline.empty"), icon=":material/info:")

    st.markdown("##### " + t("person.internships.heading"))
    if internships:
        st.dataframe(
            [
                {
                    t("person.internships.company"): i.company,
                    t("person.internships.start"): d(i.start_date),
                    t("person.internships.end"): d(i.actual_end_date or i.planned_end_date),
                    t("person.internships.weekly_hours"): i.weekly_hours,
                    t("person.internships.status"): label(i.status),
                    t("person.internships.outcome"): label(i.outcome) if i.outcome else "—",
                }
                for i in internships
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption(t("person.internships.none"))

    st.markdown("##### " + t("person.ratings.heading"))
    if ratings:
        st.dataframe(
            [
                {
                    t("person.ratings.date"): d(r.rated_on),
                    t("person.ratings.competence"): r.label_en if lg == "en" else r.label_it,
                    t("person.ratings.level"): r.level,
                    t("person.ratings.source"): label(r.source),
                }
                for r in ratings
            ],
            hide_index=True,
            width="stretch",
            column_config={
                t("person.ratings.level"): st.column_config.ProgressColumn(
                    min_value=0, max_value=3, format="%d / 3"
                )
            },
        )
    else:
        st.caption(t("person.ratings.none"))
    st.page_link(
        "app_pages/competence_grid.py", label=t("person.ratings.go"), icon=":material/fact_check:"
    )

# --------------------------------------------------------------------------- pact & activities
KIND_OPTIONS = list(ActivityKind)


def activity_rows_to_input(frame: pd.DataFrame) -> tuple[paths.ActivityInput, ...]:
    by_label = {label(k): k for k in ActivityKind}
    out = []
    for row in frame.to_dict("records"):
        kind = by_label.get(row.get("kind"))
        description = row.get("description")
        due = row.get("due_date")
        hours = row.get("planned_hours")
        out.append(
            paths.ActivityInput(
                kind=kind,
                description=None if pd.isna(description) else str(description),
                due_date=None if due is None or pd.isna(due) else pd.Timestamp(due).date(),
                planned_hours=None if hours is None or pd.isna(hours) else int(hours),
            )
        )
    return tuple(out)


def row_errors(exc: ValidationErrors) -> ValidationErrors:
    """Errors of the activities grid (``activities.3.due_date``) as one message per row."""
    out = []
    for err in exc.errors:
        if err.field.startswith("activities."):
            row = int(err.field.split(".")[1]) + 1
            message = error_text(err)
            out.append(
                ValidationError("activities", "person.pact.row_error", row=row, message=message)
            )
        else:
            out.append(err)
    return ValidationErrors(out)


with tab_pact:
    if pact is None:
        st.subheader(t("person.pact.open.heading"))
        if view.status is PersonStatus.CLOSED:
            st.info(t("person.pact.closed"), icon=":material/lock:")
        elif view.did_date is None:
            st.warning(t("person.pact.no_did"), icon=":material/assignment_late:")
        else:
            st.caption(t("person.pact.open.explain"))
            signed_default = today
            suggested = [
                (ActivityKind.SKILLS_ASSESSMENT, 8, 30),
                (ActivityKind.ORIENTATION_CV, 10, 60),
            ]
            if view.italian_level.rank <= CefrLevel.A2.rank:
                suggested.insert(1, (ActivityKind.ITALIAN_COURSE, 80, 120))
            source = pd.DataFrame(
                {
                    "kind": [label(k) for k, _, _ in suggested],
                    "description": ["" for _ in suggested],
                    "due_date": [signed_default + timedelta(days=n) for _, _, n in suggested],
                    "planned_hours": [h for _, h, _ in suggested],
                }
            )
            with st.form(f"person_pact_open_{person_id}"):
                errors = FieldErrors()
                c1, c2, c3 = st.columns(3)
                signed_on = c1.date_input(
                    t("person.pact.signed_on"), value=today, format="DD/MM/YYYY"
                )
                with c1:
                    errors.slot("signed_on")
                tutor_ids = [o.id for o in tutors]
                names = {o.id: o.label for o in tutors}
                default_tutor = view.tutor_id or (actor.id if actor.role is Role.TUTOR else None)
                tutor_id = c2.selectbox(
                    t("people.field.tutor"),
                    tutor_ids,
                    index=tutor_ids.index(default_tutor) if default_tutor in tutor_ids else None,
                    format_func=lambda uid: names.get(uid, str(uid)),
                    placeholder=t("people.form.choose"),
                )
                with c2:
                    errors.slot("tutor_id")
                every = c3.number_input(
                    t("person.pact.meeting_every_days"),
                    min_value=1,
                    max_value=365,
                    value=paths.DEFAULT_MEETING_EVERY_DAYS,
                    step=1,
                )
                with c3:
                    errors.slot("meeting_every_days")
                st.markdown("**" + t("person.pact.activities") + "**")
                st.caption(t("person.pact.activities.explain"))
                edited = st.data_editor(
                    source,
                    num_rows="dynamic",
                    hide_index=True,
                    width="stretch",
                    key=f"person_pact_activities_{person_id}",
                    column_config={
                        "kind": st.column_config.SelectboxColumn(
                            t("person.activity.kind"),
                            options=[label(k) for k in KIND_OPTIONS],
                            required=True,
                        ),
                        "description": st.column_config.TextColumn(
                            t("person.activity.description"), max_chars=300, width="large"
                        ),
                        "due_date": st.column_config.DateColumn(
                            t("person.activity.due_date"), format="DD/MM/YYYY"
                        ),
                        "planned_hours": st.column_config.NumberColumn(
                            t("person.activity.planned_hours"), min_value=0, max_value=2000, step=1
                        ),
                    },
                )
                errors.slot("activities")
                notes = st.text_area(t("person.pact.notes"), height=80)
                errors.slot("notes")
                if st.form_submit_button(
                    t("person.pact.open.submit"), type="primary", icon=":material/handshake:"
                ):
                    try:
                        with unit_of_work(engine()) as session:
                            paths.open_pact(
                                session=session,
                                actor=actor,
                                person_id=person_id,
                                data=paths.PactInput(
                                    signed_on=signed_on,
                                    tutor_id=tutor_id,
                                    meeting_every_days=int(every),
                                    notes=notes,
                                    activities=activity_rows_to_input(edited),
                                ),
                            )
                    except ValidationErrors as exc:
                        errors.show(row_errors(exc))
                    except ValidationError as exc:
                        errors.show(exc)
                    except FlemingError as exc:
                        show_error(exc)
                    else:
                        reset_edit()
                        done(t("person.pact.opened"))
    else:
        c1, c2, c3 = st.columns(3)
        c1.metric(t("person.pact.signed_on"), d(pact.signed_on), border=True)
        c2.metric(t("people.field.tutor"), pact.tutor_name, border=True)
        c3.metric(
            t("person.pact.meeting_every_days"),
            t("person.pact.every_n_days", n=pact.meeting_every_days),
            border=True,
        )
        if pact.notes:
            st.markdown(plain(pact.notes))
        with (
            st.expander(t("person.pact.edit"), icon=":material/edit:"),
            st.form(f"person_pact_edit_{pact.id}_{pact.version}"),
        ):
            errors = FieldErrors()
            tutor_ids = [o.id for o in tutors]
            names = {o.id: o.label for o in tutors}
            tutor_id = st.selectbox(
                t("people.field.tutor"),
                tutor_ids,
                index=tutor_ids.index(pact.tutor_id) if pact.tutor_id in tutor_ids else None,
                format_func=lambda uid: names.get(uid, str(uid)),
            )
            errors.slot("tutor_id")
            every = st.number_input(
                t("person.pact.meeting_every_days"),
                min_value=1,
                max_value=365,
                value=pact.meeting_every_days,
                step=1,
            )
            errors.slot("meeting_every_days")
            notes = st.text_area(t("person.pact.notes"), pact.notes or "", height=80)
            errors.slot("notes")
            if st.form_submit_button(t("person.save"), icon=":material/save:"):
                try:
                    with unit_of_work(engine()) as session:
                        paths.update_pact(
                            session=session,
                            actor=actor,
                            pact_id=pact.id,
                            version=pact.version,
                            tutor_id=tutor_id,
                            meeting_every_days=int(every),
                            notes=notes,
                        )
                except (ValidationError, ValidationErrors) as exc:
                    errors.show(exc)
                except FlemingError as exc:
                    show_error(exc)
                else:
                    reset_edit()
                    done(t("person.pact.saved"))

        st.subheader(t("person.activities.heading"))
        if pact.activities:
            st.dataframe(
                [
                    {
                        t("person.activity.kind"): label(a.kind),
                        t("person.activity.description"): a.description or "",
                        t("person.activity.status"): label(a.status),
                        t("person.activity.due_date"): d(a.due_date) + (" ⚠️" if a.overdue else ""),
                        t("person.activity.hours"): (
                            f"{a.hours_done} / {a.planned_hours}"
                            if a.planned_hours is not None
                            else str(a.hours_done)
                        ),
                        t("person.activity.started_on"): d(a.started_on),
                        t("person.activity.completed_on"): d(a.completed_on),
                    }
                    for a in pact.activities
                ],
                hide_index=True,
                width="stretch",
            )
        else:
            st.info(t("person.activities.none"), icon=":material/info:")

        closed = view.status is PersonStatus.CLOSED
        left, right = st.columns(2)
        with left, st.container(border=True):
            st.markdown("**" + t("person.activity.update.heading") + "**")
            activity_by_id = {a.id: a for a in pact.activities}
            chosen_id = st.selectbox(
                t("person.activity.choose"),
                list(activity_by_id),
                format_func=lambda aid: (
                    f"{label(activity_by_id[aid].kind)}"
                    + (
                        f" · {activity_by_id[aid].description}"
                        if activity_by_id[aid].description
                        else ""
                    )
                    + f" ({label(activity_by_id[aid].status)})"
                ),
                key=f"person_activity_choice_{person_id}",
                placeholder=t("people.form.choose"),
                index=None,
            )
            if chosen_id is not None:
                a = activity_by_id[chosen_id]
                with st.form(f"person_activity_{a.id}_{a.version}"):
                    errors = FieldErrors()
                    statuses = [a.status, *a.next_statuses]
                    status = st.selectbox(
                        t("person.activity.status"),
                        statuses,
                        format_func=lambda s: (
                            label(s)
                            if s is a.status
                            else t("person.activity.move_to", status=label(s))
                        ),
                        help=t("person.activity.status.help"),
                    )
                    errors.slot("status")
                    on = st.date_input(
                        t("person.activity.on"),
                        value=today,
                        format="DD/MM/YYYY",
                        help=t("person.activity.on.help"),
                    )
                    errors.slot("on")
                    c1, c2 = st.columns(2)
                    hours_done = c1.number_input(
                        t("person.activity.hours_done"), min_value=0, value=a.hours_done, step=1
                    )
                    with c1:
                        errors.slot("hours_done")
                    planned_hours = c2.number_input(
                        t("person.activity.planned_hours"),
                        min_value=0,
                        value=a.planned_hours,
                        step=1,
                    )
                    with c2:
                        errors.slot("planned_hours")
                    description = st.text_input(
                        t("person.activity.description"), a.description or "", max_chars=300
                    )
                    errors.slot("description")
                    due = st.date_input(
                        t("person.activity.due_date"), value=a.due_date, format="DD/MM/YYYY"
                    )
                    errors.slot("due_date")
                    if st.form_submit_button(t("person.save"), icon=":material/save:"):
                        try:
                            with unit_of_work(engine()) as session:
                                paths.update_activity(
                                    session=session,
                                    actor=actor,
                                    activity_id=a.id,
                                    data=paths.ActivityUpdate(
                                        version=a.version,
                                        status=status,
                                        on=on,
                                        hours_done=int(hours_done),
                                        description=description,
                                        due_date=due,
                                        planned_hours=(
                                            None if planned_hours is None else int(planned_hours)
                                        ),
                                    ),
                                )
                        except (ValidationError, ValidationErrors) as exc:
                            errors.show(exc)
                        except FlemingError as exc:
                            show_error(exc)
                        else:
                            done(t("person.activity.saved"))
        with right, st.container(border=True):
            st.markdown("**" + t("person.activity.add.heading") + "**")
            if closed:
                st.caption(t("person.pact.closed"))
            else:
                with st.form(f"person_activity_add_{person_id}", clear_on_submit=True):
                    errors = FieldErrors()
                    kind = enum_select(
                        t("person.activity.kind"), ActivityKind, f"person_add_kind_{person_id}"
                    )
                    errors.slot("kind")
                    description = st.text_input(t("person.activity.description"), max_chars=300)
                    errors.slot("description")
                    c1, c2 = st.columns(2)
                    due = c1.date_input(
                        t("person.activity.due_date"), value=None, format="DD/MM/YYYY"
                    )
                    with c1:
                        errors.slot("due_date")
                    planned_hours = c2.number_input(
                        t("person.activity.planned_hours"), min_value=0, value=None, step=1
                    )
                    with c2:
                        errors.slot("planned_hours")
                    if st.form_submit_button(
                        t("person.activity.add.submit"), icon=":material/add:"
                    ):
                        try:
                            with unit_of_work(engine()) as session:
                                paths.add_activity(
                                    session=session,
                                    actor=actor,
                                    person_id=person_id,
                                    data=paths.ActivityInput(
                                        kind=kind,
                                        description=description,
                                        due_date=due,
                                        planned_hours=(
                                            None if planned_hours is None else int(planned_hours)
                                        ),
                                    ),
                                )
                        except (ValidationError, ValidationErrors) as exc:
                            errors.show(exc)
                        except FlemingError as exc:
                            show_error(exc)
                        else:
                            done(t("person.activity.added"))

# --------------------------------------------------------------------------- meetings
with tab_meetings:
    left, right = st.columns([3, 2])
    with right, st.container(border=True):
        st.markdown("**" + t("person.meeting.add.heading") + "**")
        with st.form(f"person_meeting_{person_id}", clear_on_submit=True):
            errors = FieldErrors()
            c1, c2 = st.columns(2)
            met_on = c1.date_input(t("person.meeting.date"), value=today, format="DD/MM/YYYY")
            with c1:
                errors.slot("met_on")
            with c2:
                kind = enum_select(
                    t("person.meeting.kind"),
                    MeetingKind,
                    f"person_meeting_kind_{person_id}",
                    MeetingKind.IN_PERSON,
                )
                errors.slot("kind")
            notes = st.text_area(t("person.meeting.notes"), height=140)
            errors.slot("notes")
            next_step = st.text_input(t("person.meeting.next_step"), max_chars=300)
            errors.slot("next_step")
            if st.form_submit_button(
                t("person.meeting.add.submit"), type="primary", icon=":material/add_comment:"
            ):
                try:
                    with unit_of_work(engine()) as session:
                        tutoring.add_meeting(
                            session=session,
                            actor=actor,
                            person_id=person_id,
                            data=tutoring.MeetingInput(
                                met_on=met_on, kind=kind, notes=notes, next_step=next_step
                            ),
                        )
                except (ValidationError, ValidationErrors) as exc:
                    errors.show(exc)
                except FlemingError as exc:
                    show_error(exc)
                else:
                    done(t("person.meeting.added"))
    with left:
        if not meetings:
            st.info(t("person.meeting.none"), icon=":material/info:")
        for m in meetings:
            with st.container(border=True):
                st.markdown(
                    f"**{d(m.met_on)}** · {label(m.kind)} · "
                    + t("person.meeting.by", name=plain(m.tutor_name))
                )
                if m.notes:
                    st.markdown(plain(m.notes))
                if m.next_step:
                    st.markdown(
                        ":material/arrow_forward: "
                        + t("person.timeline.next_step", text=plain(m.next_step))
                    )

# --------------------------------------------------------------------------- workshops
with tab_workshops:
    if enrolments:
        st.dataframe(
            [
                {
                    t("person.workshop.edition"): e.title,
                    t("person.workshop.dates"): f"{d(e.start_date)} – {d(e.end_date)}",
                    t("person.workshop.status"): label(e.status),
                    t("person.workshop.hours"): t(
                        "person.workshop.hours_of",
                        done=fmt_number(e.attended_hours, lg, 1),
                        total=e.edition_hours,
                    ),
                }
                for e in enrolments
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.info(t("person.workshop.none"), icon=":material/info:")
    st.page_link(
        "app_pages/workshops.py", label=t("person.workshop.go"), icon=":material/construction:"
    )
    seated = {e.edition_id for e in enrolments if e.status.value != "withdrawn"}
    choices = [e for e in open_editions if e.id not in seated and e.seats_left > 0]
    with st.container(border=True):
        st.markdown("**" + t("person.workshop.enrol.heading") + "**")
        if pact is None:
            st.caption(t("person.workshop.needs_pact"))
        elif view.status in PersonStatus.ENDED:
            st.caption(t("person.workshop.not_on_path"))
        elif not choices:
            st.caption(t("person.workshop.no_editions"))
        else:
            edition_by_id = {e.id: e for e in choices}
            with st.form(f"person_enrol_{person_id}"):
                errors = FieldErrors()
                edition_id = st.selectbox(
                    t("person.workshop.edition"),
                    list(edition_by_id),
                    format_func=lambda eid: t(
                        "person.workshop.option",
                        title=edition_by_id[eid].title,
                        start=d(edition_by_id[eid].start_date),
                        seats=edition_by_id[eid].seats_left,
                    ),
                )
                errors.slot("edition_id")
                errors.slot("person_id")
                if st.form_submit_button(
                    t("person.workshop.enrol.submit"), icon=":material/how_to_reg:"
                ):
                    try:
                        with unit_of_work(engine()) as session:
                            workshops.enrol(
                                session=session,
                                actor=actor,
                                edition_id=edition_id,
                                person_id=person_id,
                            )
                    except (ValidationError, ValidationErrors) as exc:
                        errors.show(exc)
                    except FlemingError as exc:
                        show_error(exc)
                    else:
                        done(
                            t(
                                "person.workshop.enrolled",
                                title=plain(edition_by_id[edition_id].title),
                            )
                        )


# --------------------------------------------------------------------------- competences
with tab_skills:
    render_competence_progress(person_id, key="person_competences")
    st.page_link(
        "app_pages/competence_grid.py", label=t("nav.competence_grid"), icon=":material/fact_check:"
    )

# --------------------------------------------------------------------------- vacancies
with tab_jobs:
    render_vacancies_for_person(person_id)


# --------------------------------------------------------------------------- profile
def field_rows(items: list[tuple[str, str]]) -> None:
    for name, value in items:
        c1, c2 = st.columns([2, 3])
        c1.markdown(f"**{name}**")
        c2.markdown(plain(value) if value else "—")


with tab_profile:
    if st.session_state.pop(f"{EDIT_TOGGLE}_off", False):
        st.session_state[EDIT_TOGGLE] = False
    editing = st.toggle(t("person.profile.edit"), key=EDIT_TOGGLE)
    if not editing:
        st.session_state.pop(EDIT_STATE, None)
        left, right = st.columns(2)
        with left:
            st.markdown("##### " + t("people.form.section.identity"))
            field_rows(
                [
                    (t("people.field.tax_code"), view.tax_code),
                    (t("people.field.birth_date"), d(view.birth_date)),
                    (t("people.field.sex"), label(view.sex)),
                    *(
                        [
                            (
                                t("people.field.birth_place"),
                                comune_name(view.birth_comune_code)
                                if view.birth_comune_code
                                else (view.birth_place or ""),
                            ),
                        ]
                        if view.country_of_birth == "IT"
                        else []
                    ),
                    (t("people.field.country_of_birth"), country_name(view.country_of_birth)),
                    (t("people.field.citizenship"), country_name(view.citizenship)),
                ]
            )
            st.markdown("##### " + t("people.form.section.contacts"))
            field_rows(
                [
                    (t("people.field.phone"), phone_text(view.phone)),
                    (t("people.field.email"), view.email or ""),
                    (t("people.field.municipality"), comune_name(view.municipality_code)),
                    (t("people.field.address"), view.address or ""),
                ]
            )
        with right:
            st.markdown("##### " + t("people.form.section.background"))
            field_rows(
                [
                    (t("people.field.italian_level"), label(view.italian_level)),
                    (t("people.field.education_level"), label(view.education_level)),
                    (t("people.field.legal_status"), label(view.legal_status)),
                    (
                        t("people.field.asylum_application_date"),
                        d(view.asylum_application_date) if view.asylum_application_date else "",
                    ),
                    (
                        t("people.field.fragilities"),
                        ", ".join(label(m) for m in view.fragilities),
                    ),
                ]
            )
            st.markdown("##### " + t("people.form.section.referral"))
            field_rows(
                [
                    (
                        t("people.field.referral_source"),
                        label(view.referral_source)
                        + (
                            f" · {view.referral_partner_name}" if view.referral_partner_name else ""
                        ),
                    ),
                    (t("people.field.funding_stream"), label(view.funding_stream)),
                    (t("people.field.did_date"), d(view.did_date) if view.did_date else ""),
                    (t("people.field.intake_date"), d(view.intake_date)),
                    (t("people.field.tutor"), view.tutor_name or ""),
                ]
            )
        if view.notes or view.health_notes:
            st.markdown("##### " + t("people.field.notes"))
            if view.notes:
                st.markdown(plain(view.notes))
            if view.health_notes:
                st.caption(t("people.field.health_notes") + ":")
                st.markdown(plain(view.health_notes))
    else:
        state = st.session_state.setdefault(
            EDIT_STATE, {"nonce": 0, "version": view.version, "loaded": view.to_input()}
        )
        form = person_form(
            f"person_edit_{person_id}_{state['nonce']}",
            actor=actor,
            tutors=tutors,
            partners=partners,
            initial=state["loaded"],
            with_consents=False,
            submit_label=t("person.save"),
        )
        if form.submitted:
            try:
                with unit_of_work(engine()) as session:
                    people.update(
                        session=session,
                        actor=actor,
                        person_id=person_id,
                        version=state["version"],
                        data=form.data,
                        confirmed=form.confirmed,
                    )
            except (ValidationError, ValidationErrors) as exc:
                form.show(exc)
            except Conflict:
                current = view.to_input()
                changed = [
                    t(f"people.field.{name}")
                    for name in (
                        "first_name",
                        "last_name",
                        "tax_code",
                        "birth_date",
                        "phone",
                        "email",
                        "address",
                        "citizenship",
                        "italian_level",
                        "education_level",
                        "legal_status",
                        "fragilities",
                        "funding_stream",
                        "did_date",
                        "notes",
                    )
                    if getattr(current, name) != getattr(state["loaded"], name)
                ]
                st.error(
                    t("person.profile.conflict", fields=", ".join(changed) or "—"),
                    icon=":material/sync_problem:",
                )
            except FlemingError as exc:
                show_error(exc)
            else:
                st.session_state.pop(EDIT_STATE, None)
                st.session_state[f"{EDIT_TOGGLE}_off"] = True
                done(t("person.profile.saved"))
        if state["version"] != view.version:
            st.warning(t("person.profile.stale"), icon=":material/sync_problem:")
            if st.button(t("person.profile.reload"), icon=":material/refresh:"):
                st.session_state[EDIT_STATE] = {
                    "nonce": state["nonce"] + 1,
                    "version": view.version,
                    "loaded": view.to_input(),
                }
                st.rerun()

    if view.status is not PersonStatus.CLOSED:
        with st.expander(t("person.close.heading"), icon=":material/lock:"):
            st.caption(t("person.close.explain"))
            with st.form(f"person_close_{person_id}"):
                errors = FieldErrors()
                reason = st.text_input(t("person.close.reason"), max_chars=200)
                errors.slot("closing_reason")
                if st.form_submit_button(t("person.close.submit"), icon=":material/lock:"):
                    try:
                        with unit_of_work(engine()) as session:
                            paths.close_case(
                                session=session,
                                actor=actor,
                                person_id=person_id,
                                version=view.version,
                                reason=reason,
                            )
                    except (ValidationError, ValidationErrors) as exc:
                        errors.show(exc)
                    except FlemingError as exc:
                        show_error(exc)
                    else:
                        reset_edit()
                        done(t("person.close.done"))

# --------------------------------------------------------------------------- consents
with tab_consents:
    if consents:
        st.dataframe(
            [
                {
                    t("person.consent.purpose"): label(c.purpose),
                    t("person.consent.partner"): c.partner_org_name or "—",
                    t("person.consent.given_on"): d(c.given_on),
                    t("person.consent.version"): c.text_version,
                    t("person.consent.state"): (
                        t("person.consent.active")
                        if c.active
                        else t("person.consent.withdrawn", date=d(c.withdrawn_on))
                    ),
                }
                for c in consents
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.warning(t("person.consent.none"), icon=":material/gpp_maybe:")
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.markdown("**" + t("person.consent.add.heading") + "**")
        with st.form(f"person_consent_add_{person_id}", clear_on_submit=True):
            errors = FieldErrors()
            purpose = enum_select(
                t("person.consent.purpose"),
                ConsentPurpose,
                f"person_consent_purpose_{person_id}",
                ConsentPurpose.PARTNER_SHARING,
            )
            errors.slot("purpose")
            partner_names = {p.id: p.label for p in partners}
            partner_id = st.selectbox(
                t("person.consent.partner"),
                list(partner_names),
                index=None,
                format_func=lambda pid: partner_names[pid],
                placeholder=t("people.form.choose"),
                help=t("person.consent.partner.help"),
            )
            errors.slot("partner_org_id")
            given_on = st.date_input(t("person.consent.given_on"), value=today, format="DD/MM/YYYY")
            errors.slot("given_on")
            st.caption(t("person.consent.version_note", version=people.CONSENT_TEXT_VERSION))
            if st.form_submit_button(t("person.consent.add.submit"), icon=":material/verified:"):
                try:
                    with unit_of_work(engine()) as session:
                        people.give_consent(
                            session=session,
                            actor=actor,
                            person_id=person_id,
                            purpose=purpose,
                            partner_org_id=partner_id,
                            given_on=given_on,
                        )
                except (ValidationError, ValidationErrors) as exc:
                    errors.show(exc)
                except FlemingError as exc:
                    show_error(exc)
                else:
                    done(t("person.consent.added"))
    active = [c for c in consents if c.active]
    with right, st.container(border=True):
        st.markdown("**" + t("person.consent.withdraw.heading") + "**")
        if not active:
            st.caption(t("person.consent.none_active"))
        else:
            consent_by_id = {c.id: c for c in active}
            with st.form(f"person_consent_withdraw_{person_id}"):
                errors = FieldErrors()
                consent_id = st.selectbox(
                    t("person.consent.which"),
                    list(consent_by_id),
                    format_func=lambda cid: (
                        label(consent_by_id[cid].purpose)
                        + (
                            f" · {consent_by_id[cid].partner_org_name}"
                            if consent_by_id[cid].partner_org_name
                            else ""
                        )
                    ),
                )
                on = st.date_input(
                    t("person.consent.withdrawn_on"), value=today, format="DD/MM/YYYY"
                )
                errors.slot("withdrawn_on")
                if st.form_submit_button(
                    t("person.consent.withdraw.submit"), icon=":material/block:"
                ):
                    try:
                        with unit_of_work(engine()) as session:
                            people.withdraw_consent(
                                session=session, actor=actor, consent_id=consent_id, on=on
                            )
                    except (ValidationError, ValidationErrors) as exc:
                        errors.show(exc)
                    except FlemingError as exc:
                        show_error(exc)
                    else:
                        done(t("person.consent.withdrawn_done"))
