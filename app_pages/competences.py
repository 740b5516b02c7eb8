"""Competence catalogue: browse by area; coordinators and admins add, rename, retire and import
competences from an official ESCO skills file."""

import math
import re

import pandas as pd
import streamlit as st

from fleming import competences
from fleming.db import unit_of_work
from fleming.errors import FlemingError, ValidationError, ValidationErrors
from fleming.models import CompetenceArea, Role
from fleming.permissions import allowed
from fleming.ui.competence_view import level_scale_legend
from fleming.ui.context import engine, label, lang, t
from fleming.ui.forms import FieldErrors, show_error
from fleming.ui.guard import require_role
from fleming.ui.text import plain

actor = require_role(Role.ADMIN, Role.COORDINATOR, Role.TUTOR)
PAGE_SIZE = 50
PREVIEW_ROWS = 200

st.title(t("competences.catalogue.title"))
st.caption(t("competences.catalogue.intro"))
level_scale_legend()

lg = lang()
with unit_of_work(engine()) as session:
    trade_list = competences.trades(session=session, actor=actor)
trade_names = {tr.id: tr.label(lg) for tr in trade_list}

# ---------------------------------------------------------------- browse
f1, f2, f3, f4 = st.columns([2, 2, 3, 1], vertical_alignment="bottom")
area = f1.selectbox(
    t("competences.col.area"),
    [None, *CompetenceArea],
    format_func=lambda a: t("competences.catalogue.all") if a is None else label(a),
    key="competences_area",
)
trade_id = f2.selectbox(
    t("competences.col.trade"),
    [None, *trade_names],
    format_func=lambda i: t("competences.catalogue.all") if i is None else trade_names[i],
    key="competences_trade",
    disabled=area not in (None, CompetenceArea.TECHNICAL),
)
search = f3.text_input(t("competences.catalogue.search"), key="competences_search")
show_retired = f4.checkbox(t("competences.catalogue.show_retired"), key="competences_retired")
filters = {
    "area": area,
    "trade_id": trade_id if area in (None, CompetenceArea.TECHNICAL) else None,
    "search": search,
    "include_retired": show_retired,
}

with unit_of_work(engine()) as session:
    total = competences.list_competences(session=session, actor=actor, limit=1, **filters).total
pages = max(1, math.ceil(total / PAGE_SIZE))
page = 1
count_col, page_col = st.columns([4, 1], vertical_alignment="bottom")
count_col.caption(t("competences.catalogue.count", n=total))
if pages > 1:
    page = page_col.number_input(
        t("competences.catalogue.page", pages=pages), 1, pages, 1, key="competences_page"
    )
with unit_of_work(engine()) as session:
    listing = competences.list_competences(
        session=session,
        actor=actor,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        **filters,
    )
st.dataframe(
    pd.DataFrame(
        {
            t("competences.col.competence"): [c.label(lg) for c in listing.rows],
            t("competences.col.area"): [label(c.area) for c in listing.rows],
            t("competences.col.trade"): [c.trade_label(lg) or "" for c in listing.rows],
            t("competences.col.esco"): [c.esco_uri for c in listing.rows],
            t("competences.col.state"): [
                t("competences.retired") if c.retired else t("competences.active")
                for c in listing.rows
            ],
            t("competences.col.code"): [c.code for c in listing.rows],
        }
    ),
    hide_index=True,
    width="stretch",
    placeholder="",
    column_config={
        t("competences.col.esco"): st.column_config.LinkColumn(
            t("competences.col.esco"), display_text=t("competences.catalogue.esco_link")
        ),
    },
)

if not allowed(actor, "competences.manage"):
    st.caption(t("competences.catalogue.read_only"))
    st.stop()

add_tab, edit_tab, import_tab = st.tabs(
    [
        t("competences.catalogue.add"),
        t("competences.catalogue.edit"),
        t("competences.catalogue.import"),
    ]
)

# ---------------------------------------------------------------- add
with add_tab, st.form("competences_add"):
    errors = FieldErrors()
    label_it = st.text_input(t("competences.field.label_it"), key="competences_add_it")
    errors.slot("label_it")
    label_en = st.text_input(t("competences.field.label_en"), key="competences_add_en")
    errors.slot("label_en")
    a1, a2 = st.columns(2)
    new_area = a1.selectbox(
        t("competences.col.area"),
        list(CompetenceArea),
        format_func=label,
        key="competences_add_area",
    )
    new_trade = a2.selectbox(
        t("competences.col.trade"),
        [None, *trade_names],
        format_func=lambda i: "—" if i is None else trade_names[i],
        placeholder="—",
        help=t("competences.field.trade.help"),
        key="competences_add_trade",
    )
    with a1:
        errors.slot("area")
    with a2:
        errors.slot("trade_id")
    esco_uri = st.text_input(
        t("competences.field.esco_uri"),
        help=t("competences.field.esco_uri.help"),
        key="competences_add_esco",
    )
    errors.slot("esco_uri")
    if st.form_submit_button(t("competences.catalogue.add.submit"), type="primary"):
        try:
            with unit_of_work(engine()) as session:
                competences.add_competence(
                    session=session,
                    actor=actor,
                    data=competences.NewCompetence(
                        label_it=label_it,
                        label_en=label_en,
                        area=new_area,
                        trade_id=new_trade,
                        esco_uri=esco_uri,
                    ),
                )
        except (ValidationError, ValidationErrors) as exc:
            errors.show(exc)
        except FlemingError as exc:
            show_error(exc)
        else:
            st.toast(t("competences.catalogue.added", label=plain(label_it.strip())))
            st.rerun()

# ---------------------------------------------------------------- rename, retire
with edit_tab:
    if not listing.rows:
        st.caption(t("competences.catalogue.edit.empty"))
    else:
        by_id = {c.id: c for c in listing.rows}
        chosen_id = st.selectbox(
            t("competences.catalogue.edit.choose"),
            list(by_id),
            format_func=lambda i: (
                by_id[i].label(lg) + (f" ({t('competences.retired')})" if by_id[i].retired else "")
            ),
            key="competences_edit_choice",
        )
        chosen = by_id[chosen_id]
        with st.form(f"competences_rename_{chosen.id}_{chosen.version}"):
            rename_errors = FieldErrors()
            new_it = st.text_input(t("competences.field.label_it"), value=chosen.label_it)
            rename_errors.slot("label_it")
            new_en = st.text_input(t("competences.field.label_en"), value=chosen.label_en)
            rename_errors.slot("label_en")
            if st.form_submit_button(t("competences.catalogue.rename")):
                try:
                    with unit_of_work(engine()) as session:
                        competences.rename_competence(
                            session=session,
                            actor=actor,
                            competence_id=chosen.id,
                            version=chosen.version,
                            label_it=new_it,
                            label_en=new_en,
                        )
                except (ValidationError, ValidationErrors) as exc:
                    rename_errors.show(exc)
                except FlemingError as exc:
                    show_error(exc)
                else:
                    st.toast(t("competences.catalogue.renamed"))
                    st.rerun()
        if chosen.retired:
            st.caption(t("competences.catalogue.retired_note"))
            action, button = competences.reinstate_competence, "competences.catalogue.reinstate"
        else:
            st.caption(t("competences.catalogue.retire_note"))
            action, button = competences.retire_competence, "competences.catalogue.retire"
        if st.button(t(button), key=f"competences_retire_{chosen.id}_{chosen.version}"):
            try:
                with unit_of_work(engine()) as session:
                    action(
                        session=session,
                        actor=actor,
                        competence_id=chosen.id,
                        version=chosen.version,
                    )
            except ValidationError as exc:
                st.error(t(exc.message, **exc.params))
            except FlemingError as exc:
                show_error(exc)
            else:
                st.toast(t("competences.catalogue.saved"))
                st.rerun()


# ---------------------------------------------------------------- ESCO import
@st.cache_data(max_entries=2, ttl=3600, show_spinner=False)
def read_file(data: bytes) -> pd.DataFrame:
    return competences.read_esco_skills(data)


with import_tab:
    st.caption(t("competences.import.intro"))
    upload = st.file_uploader(
        t("competences.import.file"), type=["csv"], key="competences_import_file"
    )
    if upload is not None:
        guessed = re.search(r"_(it|en)\b", upload.name)
        try:
            skills = read_file(upload.getvalue())
        except ValidationError as exc:
            st.error(t(exc.message, **exc.params), icon=":material/error:")
            st.stop()
        import_errors = FieldErrors()
        i1, i2, i3 = st.columns(3)
        file_lang = i1.radio(
            t("competences.import.lang"),
            ["it", "en"],
            index=0 if not guessed or guessed.group(1) == "it" else 1,
            format_func=lambda code: {"it": "Italiano", "en": "English"}[code],
            horizontal=True,
            key="competences_import_lang",
        )
        imp_area = i2.selectbox(
            t("competences.col.area"),
            list(CompetenceArea),
            format_func=label,
            key="competences_import_area",
        )
        imp_trade = i3.selectbox(
            t("competences.col.trade"),
            [None, *trade_names],
            format_func=lambda i: "—" if i is None else trade_names[i],
            placeholder="—",
            disabled=imp_area is not CompetenceArea.TECHNICAL,
            key="competences_import_trade",
        )
        with i3:
            import_errors.slot("trade_id")
        needle = st.text_input(
            t("competences.import.filter"),
            help=t("competences.import.filter.help"),
            key="competences_import_filter",
        )
        matches = competences.filter_esco_skills(skills, text=needle)
        st.caption(
            t("competences.import.matches", n=len(matches), total=len(skills), shown=PREVIEW_ROWS)
        )
        preview = matches.head(PREVIEW_ROWS)
        select_all = st.checkbox(t("competences.import.select_all"), key="competences_import_all")
        table = pd.DataFrame(
            {
                "pick": [select_all] * len(preview),
                "preferredLabel": preview["preferredLabel"],
                "skillType": preview["skillType"],
                "reuseLevel": preview["reuseLevel"],
                "conceptUri": preview["conceptUri"],
            },
            index=preview.index,
        )
        picked = st.data_editor(
            table,
            key=f"competences_import_pick_{needle}_{select_all}_{len(skills)}",
            hide_index=True,
            width="stretch",
            disabled=["preferredLabel", "skillType", "reuseLevel", "conceptUri"],
            column_config={
                "pick": st.column_config.CheckboxColumn(
                    t("competences.import.pick"), width="small"
                ),
                "preferredLabel": st.column_config.TextColumn(t("competences.import.label")),
                "skillType": st.column_config.TextColumn(t("competences.import.skill_type")),
                "reuseLevel": st.column_config.TextColumn(t("competences.import.reuse")),
                "conceptUri": st.column_config.LinkColumn("ESCO"),
            },
        )
        chosen_rows = skills.loc[picked.index[picked["pick"].astype(bool)]]
        if st.button(
            t("competences.import.submit", n=len(chosen_rows)),
            type="primary",
            disabled=chosen_rows.empty,
            key="competences_import_submit",
        ):
            bar = st.progress(0.0, text=t("competences.import.running"))

            def advance(done: int, count: int) -> None:
                bar.progress(
                    done / count, text=t("competences.import.progress", done=done, n=count)
                )

            try:
                with unit_of_work(engine()) as session:
                    report = competences.import_esco_skills(
                        session=session,
                        actor=actor,
                        skills=chosen_rows,
                        lang=file_lang,
                        area=imp_area,
                        trade_id=imp_trade,
                        progress=advance,
                    )
            except (ValidationError, ValidationErrors) as exc:
                bar.empty()
                import_errors.show(exc)
            except FlemingError as exc:
                bar.empty()
                show_error(exc)
            else:
                bar.progress(1.0, text=t("competences.import.done"))
                st.session_state["competences_import_report"] = report

        report = st.session_state.get("competences_import_report")
        if report is not None:
            st.markdown("##### " + t("competences.import.report"))
            m1, m2, m3 = st.columns(3)
            m1.metric(t("competences.import.added"), len(report.added), border=True)
            m2.metric(t("competences.import.updated"), len(report.updated), border=True)
            m3.metric(t("competences.import.skipped"), len(report.skipped), border=True)
            if report.added or report.updated:
                st.dataframe(
                    pd.DataFrame(
                        {
                            t("competences.import.label"): [
                                r.label for r in (*report.added, *report.updated)
                            ],
                            t("competences.col.code"): [
                                r.code for r in (*report.added, *report.updated)
                            ],
                        }
                    ),
                    hide_index=True,
                    width="stretch",
                )
            if report.skipped:
                st.dataframe(
                    pd.DataFrame(
                        {
                            t("competences.import.line"): [s.line for s in report.skipped],
                            t("competences.import.label"): [s.label for s in report.skipped],
                            t("competences.import.reason"): [t(s.reason) for s in report.skipped],
                            "ESCO": [s.uri for s in report.skipped],
                        }
                    ),
                    hide_index=True,
                    width="stretch",
                )
