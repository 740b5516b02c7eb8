"""Class grid of a workshop edition (trainer, tutor, coordinator): rate the whole class at once."""

from datetime import date

import streamlit as st

from fleming import competences
from fleming.db import unit_of_work
from fleming.errors import FlemingError, ValidationError, ValidationErrors
from fleming.i18n import fmt_date
from fleming.models import CompetenceArea, RatingSource, Role
from fleming.ui.cache import read
from fleming.ui.competence_view import level_choice, level_scale_legend
from fleming.ui.context import engine, label, lang, t
from fleming.ui.forms import FieldErrors, show_error
from fleming.ui.guard import require_role
from fleming.ui.text import plain

actor = require_role(Role.COORDINATOR, Role.TUTOR)
NONCE_KEY = "workshop_grid_nonce"
SHORT = 24  # characters of a competence label in a column heading (the full one is in the help)

st.title(t("competences.class.title"))
st.caption(t("competences.class.intro"))

editions = read(competences.list_editions, actor)
if not editions:
    st.info(t("competences.class.no_editions"), icon=":material/info:")
    st.stop()

lg = lang()
by_id = {e.id: e for e in editions}
c1, c2 = st.columns([3, 2])
edition_id = c1.selectbox(
    t("competences.class.edition"),
    list(by_id),
    format_func=lambda i: (
        f"{by_id[i].title} · {fmt_date(by_id[i].start_date, lg)} – "
        f"{fmt_date(by_id[i].end_date, lg)} · {t('competences.class.people', n=by_id[i].people)}"
    ),
    key="workshop_grid_edition",
)
areas = c2.multiselect(
    t("competences.class.areas"),
    list(CompetenceArea),
    default=[CompetenceArea.TECHNICAL],
    format_func=label,
    key="workshop_grid_areas",
)
prefill = st.toggle(
    t("competences.class.prefill"),
    key="workshop_grid_prefill",
    help=t("competences.class.prefill.help"),
)

try:
    grid = read(competences.class_grid, actor, edition_id=edition_id, areas=areas, prefill=prefill)
except FlemingError as exc:
    show_error(exc)
    st.stop()

edition = grid.edition
st.caption(
    t(
        "competences.class.edition_info",
        trade=edition.trade_label(lg),
        hours=edition.hours,
        trainer=plain(edition.trainer_name),
    )
)
if grid.frame.empty:
    st.info(t("competences.class.no_people"), icon=":material/info:")
    st.stop()
if not grid.competences:
    st.info(t("competences.class.no_competences"), icon=":material/info:")
    st.stop()

level_scale_legend()
flash = st.session_state.pop("workshop_grid_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")


def short(text: str) -> str:
    return text if len(text) <= SHORT else text[: SHORT - 1].rstrip() + "…"


column_config = {
    "person_id": None,
    "name": st.column_config.TextColumn(t("competences.col.person"), pinned=True, width="medium"),
    "note": st.column_config.TextColumn(
        t("competences.col.class_note"),
        max_chars=competences.NOTE_MAX,
        help=t("competences.col.class_note.help"),
        width="medium",
    ),
}
for comp in grid.competences:
    column_config[comp.code] = st.column_config.SelectboxColumn(
        short(comp.label(lg)),
        options=list(competences.LEVEL_VALUES),
        format_func=level_choice,
        help=comp.label(lg),
        width=165,
    )
nonce = st.session_state.get(NONCE_KEY, 0)
area_key = "_".join(a.value for a in areas)
editor_key = f"workshop_grid_editor_{edition_id}_{area_key}_{int(prefill)}_{nonce}"
today = date.today()

with st.form(f"workshop_grid_form_{edition_id}"):
    errors = FieldErrors()
    f1, f2 = st.columns(2)
    source = f1.selectbox(
        t("competences.grid.source"),
        list(RatingSource),
        index=list(RatingSource).index(RatingSource.WORKSHOP_END),
        format_func=label,
        key=f"workshop_grid_source_{edition_id}",
    )
    rated_on = f2.date_input(
        t("competences.grid.rated_on"),
        value=min(today, edition.end_date),
        max_value=today,
        format="DD/MM/YYYY",
        key=f"workshop_grid_date_{edition_id}",
    )
    with f1:
        errors.slot("source")
    with f2:
        errors.slot("rated_on")
    edited = st.data_editor(
        grid.frame,
        key=editor_key,
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        disabled=["person_id", "name"],
        column_order=["name", *[c.code for c in grid.competences], "note"],
        column_config=column_config,
        placeholder="",
    )
    row_errors = st.container()
    errors.slot("grid")
    submitted = st.form_submit_button(
        t("competences.class.save", n=len(grid.frame)), type="primary"
    )

if submitted:
    try:
        with unit_of_work(engine()) as session:
            saved = competences.save_class_ratings(
                session=session,
                actor=actor,
                edition_id=edition_id,
                frame=edited,
                rated_on=rated_on,
                source=source,
            )
    except (ValidationError, ValidationErrors) as exc:
        errs = exc.errors if isinstance(exc, ValidationErrors) else [exc]
        rows = [e for e in errs if e.field.startswith("row ")]
        errors.show(ValidationErrors([e for e in errs if not e.field.startswith("row ")]))
        if rows:
            labels = {c.code: c.label(lg) for c in grid.competences}
            with row_errors:
                st.error(t("competences.grid.rows_refused", n=len(rows)), icon=":material/error:")
                for err in rows:
                    n = int(err.field.removeprefix("row "))
                    who = grid.frame["name"].iloc[n - 1]
                    what = labels.get(str(err.params.get("code")), err.params.get("code"))
                    st.markdown(
                        f"- **{t('competences.grid.row', n=n)}** · {plain(who)} · {plain(what)}: "
                        + t(err.message, **err.params)
                    )
    except FlemingError as exc:
        show_error(exc)
    else:
        st.session_state[NONCE_KEY] = nonce + 1
        message = t("competences.class.saved", n=saved, title=plain(edition.title))
        st.toast(message, icon=":material/check_circle:")
        st.session_state["workshop_grid_flash"] = message
        st.rerun()
