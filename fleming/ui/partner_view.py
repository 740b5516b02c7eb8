"""Display helpers for the partner portal's view models (``fleming.partners``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fleming.i18n import fmt_date
from fleming.partners import CompetenceNeed, PartnerVacancy
from fleming.ui.context import label, lang, t
from fleming.ui.text import plain


def company(vacancy: PartnerVacancy) -> str:
    """The company's name, or "reserved company" when the centre hid it."""
    return vacancy.company or t("partners.company_hidden")


def contract(vacancy: PartnerVacancy) -> str:
    text = vacancy.contract_offered or label(vacancy.kind)
    if vacancy.hours_percent < 100:
        text += " · " + t("partners.part_time", percent=vacancy.hours_percent)
    return text


def vacancy_facts(vacancy: PartnerVacancy) -> None:
    """One line of facts: trade, place, contract, Italian, positions, start and deadline."""
    facts = [
        (t("partners.fact.trade"), vacancy.trade.text(lang()) if vacancy.trade else "—"),
        (t("partners.fact.place"), plain(vacancy.municipality) or "—"),
        (t("partners.fact.contract"), plain(contract(vacancy))),
        (t("partners.fact.italian"), label(vacancy.min_italian_level)),
        (t("partners.fact.positions"), str(vacancy.positions)),
        (t("partners.fact.start"), fmt_date(vacancy.start_date, lang())),
        (t("partners.fact.deadline"), fmt_date(vacancy.deadline, lang())),
        (t("partners.fact.status"), label(vacancy.status)),
    ]
    st.markdown(" · ".join(f"**{k}:** {v}" for k, v in facts))


def requirements(vacancy: PartnerVacancy, *, key: str, expanded: bool = False) -> None:
    """The competences the vacancy asks for, essential ones first, in an expander whose table
    is built only while it is open."""
    if not vacancy.requirements:
        st.caption(t("partners.requirements.none"))
        return
    box = st.expander(
        t("partners.requirements.heading", n=len(vacancy.requirements)),
        icon=":material/checklist:",
        expanded=expanded,
        key=key,
        on_change="rerun",
    )
    if not box.open:
        return
    with box:
        st.dataframe(
            pd.DataFrame(
                {
                    t("partners.col.competence"): [
                        r.label.text(lang()) for r in vacancy.requirements
                    ],
                    t("partners.col.level"): [r.min_level for r in vacancy.requirements],
                    t("partners.col.kind"): [
                        t("partners.essential" if r.essential else "partners.desirable")
                        for r in vacancy.requirements
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                t("partners.col.competence"): st.column_config.TextColumn(width="large"),
                t("partners.col.level"): st.column_config.NumberColumn(
                    width="small", help=t("partners.col.level.help")
                ),
            },
        )


def _need(need: CompetenceNeed) -> str:
    text = need.label.text(lang())
    return text + (" · _" + t("partners.essential") + "_" if need.essential else "")


def competence_lines(
    matched: tuple[CompetenceNeed, ...], missing: tuple[CompetenceNeed, ...]
) -> str:
    """The vacancy's competences the person has (✓) and lacks (✗), as markdown lines."""
    if not matched and not missing:
        return t("partners.requirements.none")
    lines = [f":green[✓] {_need(n)}" for n in matched]
    lines += [f":red[✗] {_need(n)}" for n in missing]
    return "  \n".join(lines)


def share_preview(preview, *, visible_key: str, blocked_key: str, none_key: str) -> list:
    """Who a partner would see on a shared list (name and stage) and who not, with the reason
    (consent never given or withdrawn, and since when), side by side; returns the visible ones."""
    ok = [c for c in preview if c.shareable]
    blocked = [c for c in preview if not c.shareable]
    left, right = st.columns(2)
    with left:
        st.markdown("**" + t(visible_key, n=len(ok)) + "**")
        st.markdown("\n".join(f"- {plain(c.name)} ({label(c.stage)})" for c in ok) or t(none_key))
    with right:
        st.markdown("**" + t(blocked_key, n=len(blocked)) + "**")
        st.markdown(
            "\n".join(
                "- "
                + plain(c.name)
                + ": "
                + t(
                    f"matching.share.reason.{c.blocked_reason}",
                    day=fmt_date(c.consent_withdrawn_on or c.consent_given_on, lang()),
                )
                for c in blocked
            )
            or t(none_key)
        )
    return ok
