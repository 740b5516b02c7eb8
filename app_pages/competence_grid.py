"""Competence grid of one person (tutor): rate the competences of their path, see the progress."""

from datetime import date

import pandas as pd
import streamlit as st

from fleming import competences
from fleming.db import unit_of_work
from fleming.errors import FlemingError, ValidationError, ValidationErrors
from fleming.i18n import fmt_date
from fleming.models import RatingSource, Role
from fleming.ui.competence_view import level_choice, level_scale_legend, render_competence_progress
from fleming.ui.context import engine, label, lang, t
from fleming.ui.forms import FieldErrors, show_error
from fleming.ui.guard import require_role
from fleming.ui.text import plain

actor = require_role(Role.COORDINATOR, Role.TUTOR)
PERSON_KEY = "person_id"  # the person being worked on, shared with the person page
NONCE_KEY = "competence_grid_nonce"

st.title(t("competences.grid.title"))

# ---------------------------------------------------------------- choose the person
person_id = st.session_state.get(PERSON_KEY)
with st.container(border=True):
    search = st.text_input(
        t("competences.grid.search"),
        key="competence_grid_search",
        placeholder=t("competences.grid.search.placeholder"),
    )
    if search.strip():
        with unit_of_work(engine()) as session:
            found = competences.find_people(session=session, actor=actor, text=search)
        if not found:
            st.caption(t("competences.grid.search.none"))
        else:
            by_id = {p.id: p for p in found}
            picked = st.selectbox(
                t("competences.grid.search.results", n=len(found)),
                list(by_id),
                index=None,
                placeholder=t("competences.grid.search.pick"),
                format_func=lambda pid: (
                    f"{by_id[pid].last_name} {by_id[pid].first_name} · {by_id[pid].tax_code}"
                ),
                key="competence_grid_pick",
            )
            if picked is not None and picked != person_id:
                st.session_state[PERSON_KEY] = picked
                st.rerun()

if not person_id:
    st.info(t("competences.grid.choose"), icon=":material/person_search:")
    st.stop()

try:
    with unit_of_work(engine()) as session:
        person = competences.get_person(session=session, actor=actor, person_id=person_id)
        trade_ids = competences.person_trade_ids(session=session, person_id=person_id)
        all_trades = competences.trades(session=session, actor=actor)
except FlemingError as exc:
    show_error(exc)
    st.stop()

trade_names = {tr.id: tr.label(lang()) for tr in all_trades}
st.subheader(plain(person.name))
st.caption(
    " · ".join(
        [
            person.tax_code,
            t("competences.grid.tutor", tutor=plain(person.tutor_name) or "—"),
            t(
                "competences.grid.trades",
                trades=", ".join(trade_names[i] for i in trade_ids if i in trade_names)
                or t("competences.grid.trades.none"),
            ),
        ]
    )
)

rate_tab, progress_tab = st.tabs(
    [t("competences.grid.tab.rate"), t("competences.grid.tab.progress")]
)

with rate_tab:
    extra = st.multiselect(
        t("competences.grid.extra_trades"),
        [i for i in trade_names if i not in trade_ids],
        format_func=lambda i: trade_names[i],
        help=t("competences.grid.extra_trades.help"),
        placeholder=t("competences.grid.extra_trades.placeholder"),
        key=f"competence_grid_extra_{person_id}",
    )
    with unit_of_work(engine()) as session:
        grid = competences.person_grid(
            session=session, actor=actor, person_id=person_id, extra_trade_ids=extra
        )
    level_scale_legend()

    lg = lang()
    trade_by_code = {tr.code: tr.label(lg) for tr in all_trades}
    source_frame = pd.DataFrame(
        {
            "group": [
                label(competences.CompetenceArea(area))
                + (f" — {trade_by_code.get(code, code)}" if isinstance(code, str) else "")
                for area, code in zip(grid["area"], grid["trade_code"], strict=True)
            ],
            "competence": grid[f"label_{lg}"],
            "last": [
                f"{level_choice(lv)} ({fmt_date(d.date(), lg)})" if not pd.isna(lv) else "—"
                for lv, d in zip(grid["last_level"], grid["last_rated_on"], strict=True)
            ],
            "level": grid["level"],
            "note": grid["note"],
        }
    )
    groups = list(dict.fromkeys(source_frame["group"]))
    flash = st.session_state.pop("competence_grid_flash", None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    nonce = st.session_state.get(NONCE_KEY, 0)
    extra_key = "_".join(map(str, extra))
    column_config = {
        "group": None,
        "competence": st.column_config.TextColumn(t("competences.col.competence"), width=380),
        "last": st.column_config.TextColumn(t("competences.col.last"), width=190),
        "level": st.column_config.SelectboxColumn(
            t("competences.col.new_level"),
            options=list(competences.LEVEL_VALUES),
            format_func=level_choice,
            help=t("competences.col.new_level.help"),
            width=170,
        ),
        "note": st.column_config.TextColumn(
            t("competences.col.note"), max_chars=competences.NOTE_MAX, width=170
        ),
    }

    with st.form(f"competence_grid_form_{person_id}"):
        errors = FieldErrors()
        c1, c2 = st.columns(2)
        source = c1.selectbox(
            t("competences.grid.source"),
            list(RatingSource),
            format_func=label,
            key=f"competence_grid_source_{person_id}",
        )
        rated_on = c2.date_input(
            t("competences.grid.rated_on"),
            value=date.today(),
            max_value=date.today(),
            format="DD/MM/YYYY",
            key=f"competence_grid_date_{person_id}",
        )
        with c1:
            errors.slot("source")
        with c2:
            errors.slot("rated_on")
        edited_parts, group_errors = [], {}
        for number, group in enumerate(groups):
            st.markdown(f"**{group}**")
            part = source_frame[source_frame["group"] == group]
            edited_parts.append(
                st.data_editor(
                    part,
                    height=35 * (len(part) + 1) + 3,  # every row visible, no inner scrolling
                    key=f"competence_grid_editor_{person_id}_{extra_key}_{number}_{nonce}",
                    hide_index=True,
                    width="content",
                    num_rows="fixed",
                    disabled=["group", "competence", "last"],
                    column_config=column_config,
                    placeholder="",
                )
            )
            group_errors[group] = st.container()
        errors.slot("grid")
        submitted = st.form_submit_button(t("competences.grid.save"), type="primary")

    if submitted:
        edited = pd.concat(edited_parts).reindex(source_frame.index)
        frame = pd.DataFrame(
            {
                "competence_id": grid["competence_id"],
                "level": edited["level"],
                "note": edited["note"],
            }
        )
        try:
            with unit_of_work(engine()) as session:
                saved = competences.save_ratings(
                    session=session,
                    actor=actor,
                    person_id=person_id,
                    entries=competences.person_grid_entries(person_id, frame),
                    rated_on=rated_on,
                    source=source,
                )
        except (ValidationError, ValidationErrors) as exc:
            errs = exc.errors if isinstance(exc, ValidationErrors) else [exc]
            rows = [e for e in errs if e.field.startswith("row ")]
            errors.show(ValidationErrors([e for e in errs if not e.field.startswith("row ")]))
            if rows:
                errors.show(ValidationError("grid", "competences.grid.rows_refused", n=len(rows)))
                for err in rows:
                    position = int(err.field.removeprefix("row ")) - 1
                    row = source_frame.iloc[position]
                    group_errors[row["group"]].error(
                        f"{row['competence']}: {t(err.message, **err.params)}",
                        icon=":material/error:",
                    )
        except FlemingError as exc:
            show_error(exc)
        else:
            st.session_state[NONCE_KEY] = nonce + 1
            st.toast(t("competences.grid.saved", n=saved), icon=":material/check_circle:")
            st.session_state["competence_grid_flash"] = t("competences.grid.saved", n=saved)
            st.rerun()

with progress_tab:
    render_competence_progress(person_id, key="competence_grid_progress")
