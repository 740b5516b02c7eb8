"""Coordinator: what is shared with which partner (shortlists, published vacancies), revoke it,
and the nominations partners sent."""

import pandas as pd
import streamlit as st

from fleming import auth, partners, shortlists
from fleming.db import unit_of_work
from fleming.errors import FlemingError
from fleming.i18n import fmt_date
from fleming.models import Role
from fleming.ui import partner_view as pv
from fleming.ui.cache import read
from fleming.ui.context import engine, label, lang, t
from fleming.ui.flash import flash, show_flash
from fleming.ui.forms import show_error
from fleming.ui.guard import require_role
from fleming.ui.text import plain

actor = require_role(Role.COORDINATOR)
CURRENT_VACANCY = "current_vacancy_id"  # crosses pages: the matching page opens on it


def open_matching(vacancy_id: int) -> None:
    """The matching page on this vacancy, on its shortlist tab (where nominations show)."""
    st.session_state[CURRENT_VACANCY] = vacancy_id
    st.session_state["matching_tab"] = t("matching.tab.shortlist")
    st.switch_page("app_pages/matching.py")


st.title(t("shares.title"))
st.caption(t("shares.intro"))
show_flash()

tab_lists, tab_published, tab_nominations = st.tabs(
    [t("shares.tab.lists"), t("shares.tab.published"), t("shares.tab.nominations")],
    key="shares_tab",
    on_change="rerun",
)

# ----------------------------------------------------------------------------- shared shortlists
if tab_lists.open:  # lazy: only the open tab runs
    with tab_lists:
        orgs = dict(read(auth.list_partner_orgs, actor))
        f1, f2 = st.columns([2, 1])
        org_id = f1.selectbox(  # 0: every organisation (a None option would read as "no choice")
            t("shares.filter.partner"),
            [0, *orgs],
            format_func=lambda i: orgs.get(i, t("shares.filter.all")),
            key=f"shares_filter_partner_{lang()}",
        )
        with_revoked = f2.toggle(t("shares.filter.revoked"), key="shares_with_revoked")
        rows = read(
            partners.share_overview,
            actor,
            partner_org_id=org_id or None,
            include_revoked=with_revoked,
        )
        st.caption(t("shares.lists.count", n=sum(r.active for r in rows)))
        if not rows:
            st.info(t("shares.lists.none"), icon=":material/share:")
        else:
            st.dataframe(
                pd.DataFrame(
                    {
                        t("shares.col.partner"): [r.partner for r in rows],
                        t("shares.col.vacancy"): [r.vacancy_title for r in rows],
                        t("shares.col.company"): [r.company for r in rows],
                        t("shares.col.vacancy_status"): [label(r.vacancy_status) for r in rows],
                        t("shares.col.shared"): [
                            f"{fmt_date(r.shared_at, lang())} · {r.shared_by or '—'}" for r in rows
                        ],
                        t("shares.col.visible"): [f"{r.visible} / {r.on_list}" for r in rows],
                        t("shares.col.state"): [
                            t("shares.active")
                            if r.active
                            else t("shares.revoked", when=fmt_date(r.revoked_at, lang()))
                            for r in rows
                        ],
                    }
                ),
                hide_index=True,
                width="stretch",
                column_config={
                    t("shares.col.partner"): st.column_config.TextColumn(width=110),
                    t("shares.col.vacancy"): st.column_config.TextColumn(width=150),
                    t("shares.col.company"): st.column_config.TextColumn(width=150),
                    t("shares.col.vacancy_status"): st.column_config.TextColumn(width=120),
                    t("shares.col.shared"): st.column_config.TextColumn(width=190),
                    t("shares.col.visible"): st.column_config.TextColumn(
                        width=120, help=t("shares.col.visible.help")
                    ),
                    t("shares.col.state"): st.column_config.TextColumn(width=80),
                },
                key="shares_table",
            )
            active = {r.share_id: r for r in rows if r.active}
            if active:
                st.markdown("##### " + t("shares.detail.heading"))
                share_id = st.selectbox(
                    t("shares.detail.pick"),
                    list(active),
                    format_func=lambda i: t(
                        "shares.detail.option",
                        partner=active[i].partner,
                        vacancy=active[i].vacancy_title,
                        company=active[i].company,
                    ),
                    key="shares_detail_pick",
                )
                share = active[share_id]
                preview = read(
                    shortlists.share_preview,
                    actor,
                    vacancy_id=share.vacancy_id,
                    partner_org_id=share.partner_org_id,
                )
                pv.share_preview(
                    preview,
                    visible_key="shares.detail.visible",
                    blocked_key="shares.detail.blocked",
                    none_key="shares.none",
                )
                b1, b2 = st.columns(2)
                if b1.button(
                    t("shares.revoke", partner=plain(share.partner)),
                    key=f"shares_revoke_{share.share_id}",
                    icon=":material/link_off:",
                    type="primary",
                ):
                    try:
                        with unit_of_work(engine()) as session:
                            shortlists.unshare(
                                session=session, actor=actor, share_id=share.share_id
                            )
                    except FlemingError as exc:
                        show_error(exc)
                    else:
                        flash(
                            t(
                                "shares.revoked_done",
                                partner=plain(share.partner),
                                vacancy=plain(share.vacancy_title),
                            )
                        )
                        st.rerun()
                if b2.button(
                    t("shares.open_matching"),
                    key=f"shares_open_{share.share_id}",
                    icon=":material/join_inner:",
                ):
                    open_matching(share.vacancy_id)

# ----------------------------------------------------------------------------- published vacancies
if tab_published.open:  # lazy: only the open tab runs
    with tab_published:
        st.caption(t("shares.published.explain"))
        published = read(partners.published_vacancies, actor)
        if not published:
            st.info(t("shares.published.none"), icon=":material/work_off:")
        else:
            st.dataframe(
                pd.DataFrame(
                    {
                        t("shares.col.vacancy"): [v.title for v in published],
                        t("shares.col.company"): [v.company for v in published],
                        t("shares.col.company_shown"): [
                            t("shares.no" if v.hide_company_name else "shares.yes")
                            for v in published
                        ],
                        t("shares.col.vacancy_status"): [label(v.status) for v in published],
                        t("shares.col.created"): [
                            fmt_date(v.created_on, lang()) for v in published
                        ],
                        t("shares.col.nominations"): [v.nominations for v in published],
                    }
                ),
                hide_index=True,
                width="stretch",
                key="shares_published_table",
            )
            st.caption(t("shares.published.count", n=len(published)))
            by_id = {v.vacancy_id: v for v in published}
            vacancy_id = st.selectbox(
                t("shares.published.pick"),
                list(by_id),
                format_func=lambda i: f"{by_id[i].title} — {by_id[i].company}",
                key="shares_published_pick",
            )
            chosen = by_id[vacancy_id]
            if st.button(
                t("shares.unpublish"),
                key=f"shares_unpublish_{vacancy_id}",
                icon=":material/visibility_off:",
            ):
                try:
                    with unit_of_work(engine()) as session:
                        partners.unpublish(
                            session=session,
                            actor=actor,
                            vacancy_id=vacancy_id,
                            version=chosen.version,
                        )
                except FlemingError as exc:
                    show_error(exc)
                else:
                    flash(t("shares.unpublished_done", vacancy=chosen.title))
                    st.rerun()

# ----------------------------------------------------------------------------- nominations
if tab_nominations.open:  # lazy: only the open tab runs
    with tab_nominations:
        st.caption(t("shares.nominations.explain"))
        noms = read(partners.nominations, actor)
        if not noms:
            st.info(t("shares.nominations.none"), icon=":material/how_to_reg:")
        else:
            st.dataframe(
                pd.DataFrame(
                    {
                        t("shares.col.when"): [fmt_date(n.added_at, lang()) for n in noms],
                        t("shares.col.partner"): [n.partner for n in noms],
                        t("shares.col.person"): [n.person for n in noms],
                        t("shares.col.vacancy"): [f"{n.vacancy_title} — {n.company}" for n in noms],
                        t("shares.col.stage"): [label(n.stage) for n in noms],
                        t("shares.col.motivation"): [n.motivation or "" for n in noms],
                    }
                ),
                hide_index=True,
                width="stretch",
                column_config={
                    t("shares.col.when"): st.column_config.TextColumn(width=110),
                    t("shares.col.partner"): st.column_config.TextColumn(width=130),
                    t("shares.col.person"): st.column_config.TextColumn(width=150),
                    t("shares.col.vacancy"): st.column_config.TextColumn(width=260),
                    t("shares.col.stage"): st.column_config.TextColumn(width=90),
                    t("shares.col.motivation"): st.column_config.TextColumn(width=520),
                },
                key="shares_nominations_table",
            )
            by_entry = {n.entry_id: n for n in noms}
            entry_id = st.selectbox(
                t("shares.nominations.pick"),
                list(by_entry),
                format_func=lambda i: t(
                    "shares.nominations.option",
                    person=by_entry[i].person,
                    vacancy=by_entry[i].vacancy_title,
                    partner=by_entry[i].partner,
                ),
                key="shares_nominations_pick",
            )
            if by_entry[entry_id].motivation:  # in full (the table cuts it); plain text, as typed
                st.container(border=True).text(by_entry[entry_id].motivation)
            if st.button(
                t("shares.open_matching"),
                key="shares_nomination_open",
                icon=":material/join_inner:",
            ):
                open_matching(by_entry[entry_id].vacancy_id)
