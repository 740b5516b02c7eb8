"""Matching: rank people for a vacancy, explain every score, build and share the shortlist."""

import numpy as np
import pandas as pd
import streamlit as st

from fleming import auth, matching, shortlists
from fleming.db import unit_of_work
from fleming.errors import FlemingError, ValidationError, ValidationErrors
from fleming.i18n import enum_label, fmt_date, translate
from fleming.matching import MatchWeights, Reason
from fleming.models import Role, ShortlistOrigin, ShortlistStage, VacancyKind, VacancyStatus
from fleming.ui import match_view as mv
from fleming.ui import partner_view as pv
from fleming.ui.cache import read
from fleming.ui.context import engine, label, lang, t
from fleming.ui.forms import FieldErrors, show_error
from fleming.ui.guard import require_role
from fleming.ui.text import plain

actor = require_role(Role.COORDINATOR, Role.TUTOR)
is_coordinator = actor.role is Role.COORDINATOR
CURRENT_VACANCY = "current_vacancy_id"  # crosses pages: the vacancy being worked on
# Widgets whose option labels are translated carry the language in their key: Streamlit keeps
# a keyed widget's labels as first drawn, so a language switch must draw a new one.

st.title(t("matching.title"))
st.caption(t("matching.intro" if is_coordinator else "matching.intro.tutor"))

# ----------------------------------------------------------------------------- pick a vacancy
OPEN = list(VacancyStatus.RECRUITING)
c1, c2, c3 = st.columns(3)
statuses = c1.multiselect(
    t("matching.filter.status"),
    list(VacancyStatus),
    default=OPEN,
    format_func=label,
    key=f"matching_filter_status_{lang()}",
)
options = read(matching.vacancy_filter_options, actor, statuses=statuses)
companies = dict(options.companies)
trades = {i: (it if lang() == "it" else en) for i, it, en in options.trades}
company_id = c2.selectbox(
    t("matching.filter.company"),
    [None, *companies],
    format_func=lambda i: t("matching.filter.all") if i is None else companies[i],
    key=f"matching_filter_company_{lang()}",
)
trade_id = c3.selectbox(
    t("matching.filter.trade"),
    [None, *trades],
    format_func=lambda i: t("matching.filter.all") if i is None else trades[i],
    key=f"matching_filter_trade_{lang()}",
)
choices = read(
    matching.vacancy_choices, actor, statuses=statuses, company_id=company_id, trade_id=trade_id
)
if choices.empty:
    st.info(t("matching.no_vacancies"), icon=":material/search_off:")
    st.stop()

lg = lang()  # read once: the labels below are built for every vacancy on each run
option_labels = {
    int(r.id): translate(
        "matching.vacancy.option",
        lg,
        title=r.title,
        company=r.company,
        status=enum_label(VacancyStatus(r.status), lg),
        created=fmt_date(r.created_on, lg),
    )
    for r in choices.itertuples(index=False)
}
ids = list(option_labels)
wanted = st.session_state.get(CURRENT_VACANCY)
vacancy_id = st.selectbox(
    t("matching.vacancy"),
    ids,
    index=ids.index(wanted) if wanted in option_labels else 0,
    format_func=option_labels.__getitem__,
    key=f"matching_vacancy_{lg}",
)
st.session_state[CURRENT_VACANCY] = vacancy_id

ranking = read(matching.rank_people, actor, large=True, vacancy_id=vacancy_id)
weights_view = read(matching.get_weights, actor)
entries = read(shortlists.entries, actor, vacancy_id=vacancy_id)
changes = read(shortlists.history, actor, vacancy_id=vacancy_id)
shares = read(shortlists.shares, actor, vacancy_id=vacancy_id)
partners = read(auth.list_partner_orgs, actor)
vacancy = ranking.vacancy
listed = {e.person_id: e for e in entries}
vacancy_open = VacancyStatus(vacancy.status) in VacancyStatus.RECRUITING

# ----------------------------------------------------------------------------- the vacancy
st.subheader(f"{plain(vacancy.title)} — {plain(vacancy.company)}")
facts = [
    (t("matching.fact.status"), label(VacancyStatus(vacancy.status))),
    (t("matching.fact.kind"), label(VacancyKind(vacancy.kind))),
    (t("matching.fact.trade"), vacancy.trade(lang()) or "—"),
    (t("matching.fact.positions"), str(vacancy.positions)),
    (t("matching.fact.place"), vacancy.municipality or "—"),
    (t("matching.fact.italian"), vacancy.min_italian_level.replace("_", "-")),
    (t("matching.fact.start"), fmt_date(vacancy.start_date, lang())),
    (t("matching.fact.deadline"), fmt_date(vacancy.deadline, lang())),
]
st.markdown(" · ".join(f"**{k}:** {v}" for k, v in facts))
if vacancy.requirements:
    st.dataframe(
        pd.DataFrame(
            {
                t("matching.col.competence"): [r.label(lang()) for r in vacancy.requirements],
                t("matching.col.required_level"): [r.min_level for r in vacancy.requirements],
                t("matching.col.kind"): [
                    t("matching.essential" if r.essential else "matching.desirable")
                    for r in vacancy.requirements
                ],
                t("matching.col.note"): [
                    t("matching.retired") if r.retired else "" for r in vacancy.requirements
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info(t("matching.no_requirements"), icon=":material/info:")

# ----------------------------------------------------------------------------- the weights
w = weights_view.weights
# lazy: the explanation and the weights form run only while the expander is open
weights_box = st.expander(
    t("matching.weights.heading"), icon=":material/tune:", key="matching_weights", on_change="rerun"
)
if weights_box.open:
    with weights_box:
        st.markdown(
            t(
                "matching.weights.explain",
                competence=mv.points(w.competence_points, False),
                essential=mv.points(w.essential_weight, False),
                desirable=mv.points(w.desirable_weight, False),
            )
        )
        st.dataframe(
            pd.DataFrame(
                {
                    t("matching.col.setting"): [
                        t(f"matching.weights.{name}") for name in matching.WEIGHT_FIELDS
                    ],
                    t("matching.col.value"): [
                        (
                            t(f"matching.policy.{getattr(w, name)}")
                            if name == "essential_policy"
                            else mv.points(getattr(w, name), signed=False)
                            if name != "waiting_full_days"
                            else str(w.waiting_full_days)
                        )
                        for name in matching.WEIGHT_FIELDS
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(
            t("matching.weights.stored" if weights_view.stored else "matching.weights.defaults")
        )
        if is_coordinator:
            with st.form("matching_weights_form"):
                werrors = FieldErrors()
                new: dict = {}
                cols = st.columns(3)
                for i, name in enumerate(matching.WEIGHT_FIELDS):
                    col = cols[i % 3]
                    if name == "essential_policy":
                        new[name] = col.selectbox(
                            t(f"matching.weights.{name}"),
                            matching.ESSENTIAL_POLICIES,
                            index=matching.ESSENTIAL_POLICIES.index(w.essential_policy),
                            format_func=lambda p: t(f"matching.policy.{p}"),
                        )
                    elif name == "waiting_full_days":
                        new[name] = col.number_input(
                            t(f"matching.weights.{name}"), 1, 3650, int(w.waiting_full_days), 30
                        )
                    else:
                        new[name] = col.number_input(
                            t(f"matching.weights.{name}"),
                            min_value=0.0,
                            value=float(getattr(w, name)),
                            step=0.05
                            if name in ("waiting_max", "essential_penalty_factor")
                            else 1.0,
                            format="%.2f",
                        )
                    with col:
                        werrors.slot(name)
                if st.form_submit_button(t("matching.weights.save")):
                    try:
                        with unit_of_work(engine()) as session:
                            matching.update_weights(
                                session=session,
                                actor=actor,
                                data=MatchWeights.from_dict(new),
                                version=weights_view.version,
                            )
                    except (ValidationError, ValidationErrors) as exc:
                        werrors.show(exc)
                    except FlemingError as exc:
                        show_error(exc)
                    else:
                        st.toast(t("matching.weights.saved"))
                        st.rerun()

# ----------------------------------------------------------------------------- tabs
# fixed labels and a key: the open tab stays open after a save (the counts are inside)
tab_rank, tab_list, tab_share = st.tabs(
    [t("matching.tab.ranking"), t("matching.tab.shortlist"), t("matching.tab.sharing")],
    key="matching_tab",
    on_change="rerun",
)
frame = ranking.frame
eligible = ranking.eligible
excluded = ranking.excluded
mine_col = t("matching.col.mine")


REOPEN_KEY = "matching_reopen_explanation"


def add_button(person_id: int, tutor_id, key: str) -> None:
    """The "add to the shortlist" button, when this actor may add this person now."""
    if person_id in listed:
        st.caption(
            ":material/playlist_add_check: "
            + t("matching.already_listed", stage=label(listed[person_id].stage))
        )
        return
    if not vacancy_open:
        return
    if not is_coordinator and tutor_id != actor.id:
        return
    if st.button(t("matching.add"), key=key, icon=":material/playlist_add:"):
        try:
            with unit_of_work(engine()) as session:
                shortlists.add(
                    session=session, actor=actor, vacancy_id=vacancy_id, person_id=person_id
                )
        except FlemingError as exc:
            if isinstance(exc, ValidationError):
                st.error(t(exc.message, **exc.params))
            else:
                show_error(exc)
        else:
            st.toast(t("matching.added"))
            # the button sits in the person's explanation: it stays open across the rerun
            st.session_state[REOPEN_KEY] = person_id
            st.rerun()


def highlight_mine(df: pd.DataFrame):
    """The actor's own people (a ★ in the "mine" column) on a light background."""
    if mine_col not in df.columns or not (df[mine_col] == "★").any():
        return df
    return df.style.apply(
        lambda row: ["background-color: #fff4d6" if row[mine_col] else "" for _ in row], axis=1
    )


if tab_rank.open:  # lazy: only the open tab runs
    with tab_rank:
        st.caption(
            t(
                "matching.ranking.summary",
                eligible=len(eligible),
                excluded=len(excluded),
                total=len(frame),
            )
        )
        r1, r2, r3 = st.columns([1, 1, 2])
        top_n = r1.selectbox(t("matching.top_n"), [10, 20, 50, 100], key="matching_top_n")
        show_excluded = r2.toggle(t("matching.show_excluded"), key="matching_show_excluded")

        top = eligible.head(top_n)
        explained = [ranking.explain(int(pid)) for pid in top["person_id"]]
        own = (top["tutor_id"] == actor.id).fillna(False).to_numpy(dtype=bool)
        if top.empty:
            st.info(t("matching.nobody_eligible"), icon=":material/person_off:")
        else:
            columns = {
                "#": [e.rank for e in explained],
                mine_col: ["★" if o else "" for o in own],
                t("matching.col.person"): [e.name for e in explained],
                t("matching.col.score"): [round(e.score, 1) for e in explained],
                t("matching.col.competences"): [
                    f"{len(e.matched)}/{len(e.matched) + len(e.missing)}" for e in explained
                ],
                t("matching.col.missing"): [
                    mv.checks_short(e.missing, limit=2) or t("matching.none") for e in explained
                ],
                t("matching.col.terms"): [mv.terms_text(e.terms) for e in explained],
                t("matching.col.shortlist"): [
                    label(listed[e.person_id].stage) if e.person_id in listed else ""
                    for e in explained
                ],
            }
            if is_coordinator:
                del columns[mine_col]
            table = pd.DataFrame(columns)
            st.dataframe(
                highlight_mine(table),
                hide_index=True,
                width="stretch",
                column_config={
                    "#": st.column_config.NumberColumn(width=40),
                    t("matching.col.person"): st.column_config.TextColumn(width=170),
                    t("matching.col.score"): st.column_config.ProgressColumn(
                        min_value=0, max_value=mv.SCORE_MAX, format="%.1f", width=110
                    ),
                    t("matching.col.competences"): st.column_config.TextColumn(
                        width=90, help=t("matching.col.competences.help")
                    ),
                    t("matching.col.missing"): st.column_config.TextColumn(
                        width=300, help=t("matching.col.missing.help")
                    ),
                    t("matching.col.terms"): st.column_config.TextColumn(width=420),
                    mine_col: st.column_config.TextColumn(width=40, help=t("matching.mine.help")),
                },
                key="matching_ranking_table",
            )
            if not is_coordinator:
                st.caption("★ " + t("matching.mine.help"))

            st.markdown("##### " + t("matching.explanations"))
            for e, o, tutor_id in zip(explained, own, top["tutor_id"], strict=True):
                star = "★ " if o else ""
                head = f"#{e.rank} {star}{plain(e.name)} — {mv.score_text(e.score)}/{mv.SCORE_MAX}"
                # lazy: an explanation's content runs only while it is open
                explain_key = f"matching_explain_{e.person_id}"
                if st.session_state.get(REOPEN_KEY) == e.person_id:
                    del st.session_state[REOPEN_KEY]
                    st.session_state[explain_key] = True  # set before the rerun draws it
                explanation = st.expander(head, key=explain_key, on_change="rerun")
                if explanation.open:
                    with explanation:
                        st.dataframe(mv.terms_frame(e.terms), hide_index=True, width="stretch")
                        st.markdown(mv.explanation_markdown(e.matched, e.missing))
                        add_button(
                            e.person_id,
                            None if pd.isna(tutor_id) else int(tutor_id),
                            f"matching_add_{e.person_id}",
                        )

            st.markdown("##### " + t("matching.chart.heading"))
            # The people in the list above and, for a tutor, their own: not every eligible person
            # (thousands at a large centre, sent to the browser on every run).
            pickable = eligible[
                eligible["person_id"].isin(top["person_id"])
                | (False if is_coordinator else (eligible["tutor_id"] == actor.id).fillna(False))
            ]
            names = dict(
                zip(
                    pickable["person_id"],
                    "#"
                    + pickable["rank"].astype(str)
                    + " "
                    + pickable["first_name"]
                    + " "
                    + pickable["last_name"],
                    strict=True,
                )
            )
            pick = st.selectbox(
                t("matching.chart.person"),
                list(names),
                format_func=lambda pid: names[pid],
                key="matching_chart_person",
                help=t("matching.chart.person.help"),
            )
            if pick is not None:
                chosen = ranking.explain(int(pick))
                left, right = st.columns([3, 2])
                mv.show_terms_chart(left, chosen.terms)
                right.markdown(
                    "**"
                    + t(
                        "matching.chart.total",
                        name=plain(chosen.name),
                        score=mv.score_text(chosen.score),
                    )
                    + "**\n\n"
                    + "\n".join(
                        f"- {mv.term_label(x.name)}: {mv.term_detail(x)}" for x in chosen.terms
                    )
                )

        if show_excluded:
            st.markdown("##### " + t("matching.excluded.heading", n=len(excluded)))
            counts = [
                f"{mv.reason_label(r)}: {int(excluded[f'x_{r.value}'].sum())}"
                for r in Reason
                if excluded[f"x_{r.value}"].any()
            ]
            st.caption(" · ".join(counts))
            reasons_col = mv.reasons_column(excluded)
            ex_columns = {
                mine_col: np.where(
                    (excluded["tutor_id"] == actor.id).fillna(False).to_numpy(dtype=bool), "★", ""
                ),
                t("matching.col.person"): (excluded["first_name"] + " " + excluded["last_name"])
                .astype(str)
                .to_list(),
                t("matching.col.reasons"): reasons_col,
                t("matching.col.score_if_eligible"): excluded["score"].round(1).to_list(),
            }
            if is_coordinator:
                del ex_columns[mine_col]
            ex_table = pd.DataFrame(ex_columns)
            st.dataframe(ex_table, hide_index=True, width="stretch", key="matching_excluded_table")

        labels, db, rows = mv.csv_labels(), engine(), len(frame)

        def export_csv() -> bytes:
            """Built when the button is clicked (on another thread): the CSV, and its audit row."""
            data = mv.ranking_csv(frame, labels)
            with unit_of_work(db) as session:
                matching.record_export(
                    session=session, actor=actor, vacancy_id=vacancy_id, rows=rows
                )
            return data

        r3.download_button(
            t("matching.download"),
            export_csv,
            file_name=f"abbinamento_{vacancy_id}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key="matching_download",
        )

# ----------------------------------------------------------------------------- the shortlist
if tab_list.open:  # lazy: only the open tab runs
    with tab_list:
        st.caption(
            t(
                "matching.shortlist.summary",
                n=len(entries),
                open=sum(e.stage not in shortlists.FINAL_STAGES for e in entries),
            )
        )
        if not entries:
            st.info(t("matching.shortlist.empty"), icon=":material/playlist_add:")
        else:
            own_entries = [e.tutor_id == actor.id for e in entries]
            table = pd.DataFrame(
                {
                    mine_col: ["★" if o else "" for o in own_entries],
                    t("matching.col.person"): [e.name for e in entries],
                    t("matching.col.stage"): [label(e.stage) for e in entries],
                    t("matching.col.reason"): [e.reason or "" for e in entries],
                    t("matching.col.origin"): [
                        t("matching.origin.partner", partner=e.partner)
                        if e.origin is ShortlistOrigin.PARTNER
                        else t("matching.origin.centre")
                        for e in entries
                    ],
                    t("matching.col.motivation"): [e.motivation or "" for e in entries],
                    t("matching.col.score_added"): [
                        None if e.score is None else round(e.score, 1) for e in entries
                    ],
                    t("matching.col.added"): [
                        f"{fmt_date(e.added_at, lang())} · {e.added_by or '—'}" for e in entries
                    ],
                }
            )
            st.dataframe(
                highlight_mine(table),
                hide_index=True,
                width="stretch",
                placeholder="—",  # no score: a partner nominated them outside the filters
                key="matching_shortlist_table",
            )
            partner_entries = [e for e in entries if e.origin is ShortlistOrigin.PARTNER]
            if partner_entries:
                st.caption(t("matching.shortlist.partner_note", n=len(partner_entries)))

            if is_coordinator:
                st.markdown("##### " + t("matching.move.heading"))
                # options in a stable order and labelled by name only, so the choice survives a save
                # (a changed option list would reset the selection to another person)
                movable = {e.id: e for e in sorted(entries, key=lambda e: (e.name, e.id))}
                entry_id = st.selectbox(
                    t("matching.move.entry"),
                    list(movable),
                    format_func=lambda i: movable[i].name,
                    key="matching_move_entry",
                )
                entry = movable[entry_id]
                st.caption(t("matching.move.current", stage=label(entry.stage)))
                if not entry.moves:
                    st.info(
                        t("matching.move.final", stage=label(entry.stage)), icon=":material/flag:"
                    )
                else:
                    with st.form("matching_move_form"):
                        merrors = FieldErrors()
                        to_stage = st.selectbox(
                            t("matching.move.to"),
                            entry.moves,
                            format_func=label,
                            key=f"matching_move_to_{entry.id}_{lang()}",
                        )
                        merrors.slot("to_stage")
                        reason = st.text_input(
                            t("matching.move.reason"),
                            help=t("matching.move.reason.help"),
                            max_chars=shortlists.REASON_MAX,
                            key=f"matching_move_reason_{entry.id}",
                        )
                        merrors.slot("reason")
                        if st.form_submit_button(t("matching.move.submit"), type="primary"):
                            try:
                                with unit_of_work(engine()) as session:
                                    shortlists.move(
                                        session=session,
                                        actor=actor,
                                        entry_id=entry.id,
                                        to_stage=to_stage,
                                        reason=reason,
                                        version=entry.version,
                                    )
                            except (ValidationError, ValidationErrors) as exc:
                                merrors.show(exc)
                            except FlemingError as exc:
                                show_error(exc)
                            else:
                                st.toast(
                                    t(
                                        "matching.move.done",
                                        name=plain(entry.name),
                                        stage=label(to_stage),
                                    )
                                )
                                st.rerun()

            st.markdown("##### " + t("matching.history.heading"))
            st.dataframe(
                pd.DataFrame(
                    {
                        t("matching.col.when"): [fmt_date(c.changed_at, lang()) for c in changes],
                        t("matching.col.person"): [c.name for c in changes],
                        t("matching.col.change"): [
                            (label(c.from_stage) + " → " if c.from_stage else "")
                            + label(ShortlistStage(c.to_stage))
                            for c in changes
                        ],
                        t("matching.col.reason"): [c.reason or "" for c in changes],
                        t("matching.col.by"): [c.changed_by or "—" for c in changes],
                    }
                ),
                hide_index=True,
                width="stretch",
                key="matching_history_table",
            )

# ----------------------------------------------------------------------------- sharing
if tab_share.open:  # lazy: only the open tab runs
    with tab_share:
        st.caption(
            t("matching.share.explain")
            + " "
            + t("matching.share.count", n=sum(x.active for x in shares))
        )
        if shares:
            st.dataframe(
                pd.DataFrame(
                    {
                        t("matching.col.partner"): [s.partner for s in shares],
                        t("matching.col.shared"): [
                            f"{fmt_date(s.shared_at, lang())} · {s.shared_by or '—'}"
                            for s in shares
                        ],
                        t("matching.col.share_state"): [
                            t("matching.share.active")
                            if s.active
                            else t("matching.share.revoked", when=fmt_date(s.revoked_at, lang()))
                            for s in shares
                        ],
                    }
                ),
                hide_index=True,
                width="stretch",
                key="matching_shares_table",
            )
        else:
            st.info(t("matching.share.none"), icon=":material/share:")

        if is_coordinator and entries and partners:
            partner_names = dict(partners)
            partner_id = st.selectbox(
                t("matching.share.partner"),
                list(partner_names),
                format_func=lambda i: partner_names[i],
                key="matching_share_partner",
            )
            preview = read(
                shortlists.share_preview, actor, vacancy_id=vacancy_id, partner_org_id=partner_id
            )
            ok = pv.share_preview(
                preview,
                visible_key="matching.share.visible",
                blocked_key="matching.share.blocked",
                none_key="matching.none",
            )
            current = next((s for s in shares if s.active and s.partner_org_id == partner_id), None)
            if current is not None:
                st.success(
                    t(
                        "matching.share.is_shared",
                        partner=plain(partner_names[partner_id]),
                        when=fmt_date(current.shared_at, lang()),
                    ),
                    icon=":material/share:",
                )
                if st.button(
                    t("matching.share.revoke"), key="matching_unshare", icon=":material/link_off:"
                ):
                    try:
                        with unit_of_work(engine()) as session:
                            shortlists.unshare(session=session, actor=actor, share_id=current.id)
                    except FlemingError as exc:
                        show_error(exc)
                    else:
                        st.toast(
                            t(
                                "matching.share.revoked_done",
                                partner=plain(partner_names[partner_id]),
                            )
                        )
                        st.rerun()
            elif st.button(
                t("matching.share.submit", partner=plain(partner_names[partner_id])),
                key="matching_share",
                type="primary",
                disabled=not ok,
                icon=":material/share:",
            ):
                try:
                    with unit_of_work(engine()) as session:
                        shortlists.share(
                            session=session,
                            actor=actor,
                            vacancy_id=vacancy_id,
                            partner_org_id=partner_id,
                        )
                except ValidationError as exc:
                    st.error(t(exc.message, **exc.params))
                except FlemingError as exc:
                    show_error(exc)
                else:
                    st.toast(
                        t(
                            "matching.share.done",
                            partner=plain(partner_names[partner_id]),
                            n=len(ok),
                        )
                    )
                    st.rerun()
