"""The vacancy fields (new and edit): occupation from the trades and ESCO, requirements grid."""

from __future__ import annotations

from functools import cache

import pandas as pd
import streamlit as st

from fleming import esco
from fleming.competences import scale_text
from fleming.models import CefrLevel, VacancyKind
from fleming.ui.company_form import municipality_codes, municipality_label
from fleming.ui.context import label, lang, t
from fleming.ui.forms import FieldErrors
from fleming.vacancies import CompetenceOption, RequirementInput, TradeOption, VacancyInput

COMPETENCE, LEVEL, ESSENTIAL = "competence", "min_level", "essential"


@cache
def _trade_occupations() -> tuple[esco.Occupation, ...]:
    """The ESCO occupations of the centre's trades: the list offered before any search."""
    seen: dict[str, esco.Occupation] = {}
    for trade in esco.TRADE_ISCO:
        for occupation in esco.for_trade(trade, limit=200):
            seen.setdefault(occupation.uri, occupation)
    return tuple(sorted(seen.values(), key=lambda o: o.label))


def occupation_search(key: str) -> list[esco.Occupation]:
    """The ESCO search box (outside the form, so results follow the typing)."""
    if not esco.available():
        st.info(t("vacancies.esco.absent"), icon=":material/info:")
        return []
    text = st.text_input(
        t("vacancies.esco.search"),
        placeholder=t("vacancies.esco.search.placeholder"),
        help=t("vacancies.esco.search.help", n=esco.count()),
        key=f"{key}_esco_search",
    )
    if text.strip():
        found = esco.search(text, limit=40)
        if not found:
            st.caption(t("vacancies.esco.no_match"))
        return found
    return list(_trade_occupations())


def _occupation_label(occupation: esco.Occupation | None) -> str:
    if occupation is None:
        return t("vacancies.esco.none")
    return f"{occupation.label} · ISCO {occupation.isco_code}"


def requirements_frame(
    initial: tuple[RequirementInput, ...], competences: list[CompetenceOption]
) -> pd.DataFrame:
    names = {c.id: c.label(lang()) for c in competences}
    return pd.DataFrame(
        {
            COMPETENCE: pd.Series([names.get(r.competence_id) for r in initial], dtype="object"),
            LEVEL: pd.Series([int(r.min_level or 1) for r in initial], dtype="Int64"),
            ESSENTIAL: pd.Series([bool(r.essential) for r in initial], dtype="boolean"),
        }
    )


def _requirements_from(edited: pd.DataFrame, competences: list[CompetenceOption]) -> tuple:
    ids = {c.label(lang()): c.id for c in competences}
    out = []
    for row in edited.itertuples(index=False):
        name = getattr(row, COMPETENCE)
        if name is None or (isinstance(name, float) and pd.isna(name)) or name == "":
            continue
        level = getattr(row, LEVEL)
        essential = getattr(row, ESSENTIAL)
        out.append(
            RequirementInput(
                competence_id=ids.get(name, -1),
                min_level=None if pd.isna(level) else int(level),
                essential=True if pd.isna(essential) else bool(essential),
            )
        )
    return tuple(out)


def vacancy_fields(
    errors: FieldErrors,
    *,
    key: str,
    company_id: int | None,
    occupations: list[esco.Occupation],
    trades: list[TradeOption],
    competences: list[CompetenceOption],
    initial: VacancyInput | None = None,
) -> VacancyInput:
    """Draw the fields (inside an ``st.form``) with error slots; return the input."""
    initial = initial or VacancyInput(
        company_id=company_id, title="", kind=VacancyKind.INTERNSHIP, min_italian_level="A2"
    )
    title = st.text_input(
        t("vacancies.field.title"),
        value=initial.title or "",
        max_chars=200,
        placeholder=t("vacancies.field.title.placeholder"),
        key=f"{key}_title",
    )
    errors.slot("title")

    trade_names = {tr.id: tr.label(lang()) for tr in trades}
    left, right = st.columns(2)
    with left:
        trade_options = [None, *trade_names]
        trade_id = st.selectbox(
            t("vacancies.field.trade"),
            trade_options,
            index=trade_options.index(initial.trade_id) if initial.trade_id in trade_names else 0,
            format_func=lambda i: t("vacancies.field.trade.none") if i is None else trade_names[i],
            help=t("vacancies.field.trade.help"),
            key=f"{key}_trade",
        )
        errors.slot("trade_id")
    with right:
        by_uri = {o.uri: o for o in occupations}
        current = esco.by_uri(initial.esco_uri) if initial.esco_uri else None
        if current is not None:
            by_uri = {current.uri: current, **by_uri}
        uris = [None, *by_uri]
        esco_uri = st.selectbox(
            t("vacancies.field.esco"),
            uris,
            index=uris.index(initial.esco_uri) if initial.esco_uri in by_uri else 0,
            format_func=lambda u: _occupation_label(by_uri.get(u) if u else None),
            help=t("vacancies.field.esco.help"),
            disabled=not esco.available(),
            key=f"{key}_esco",
        )
        errors.slot("esco_uri")

    left, mid, right = st.columns(3)
    with left:
        kinds = list(VacancyKind)
        kind = st.radio(
            t("vacancies.field.kind"),
            kinds,
            index=kinds.index(VacancyKind(initial.kind)) if initial.kind else 0,
            format_func=label,
            horizontal=True,
            key=f"{key}_kind",
        )
    with mid:
        positions = st.number_input(
            t("vacancies.field.positions"),
            min_value=1,
            max_value=100,
            step=1,
            value=int(initial.positions or 1),
            key=f"{key}_positions",
        )
        errors.slot("positions")
    with right:
        hours = st.number_input(
            t("vacancies.field.hours_percent"),
            min_value=1,
            max_value=100,
            step=5,
            value=int(initial.hours_percent or 100),
            help=t("vacancies.field.hours_percent.help"),
            key=f"{key}_hours",
        )
        errors.slot("hours_percent")
    errors.slot("kind")

    left, mid, right = st.columns(3)
    with left:
        contract = st.text_input(
            t("vacancies.field.contract_offered"),
            value=initial.contract_offered or "",
            max_chars=100,
            placeholder=t("vacancies.field.contract_offered.placeholder"),
            key=f"{key}_contract",
        )
        errors.slot("contract_offered")
    with mid:
        codes = municipality_codes()
        municipality = st.selectbox(
            t("vacancies.field.municipality"),
            codes,
            index=codes.index(initial.municipality_code)
            if initial.municipality_code in codes
            else None,
            format_func=municipality_label,
            placeholder=t("companies.field.municipality.placeholder"),
            key=f"{key}_municipality",
        )
        errors.slot("municipality_code")
    with right:
        levels = list(CefrLevel)
        italian = st.selectbox(
            t("vacancies.field.min_italian_level"),
            levels,
            index=levels.index(CefrLevel(initial.min_italian_level))
            if initial.min_italian_level
            else levels.index(CefrLevel.A2),
            format_func=label,
            key=f"{key}_italian",
        )
        errors.slot("min_italian_level")

    left, right = st.columns(2)
    with left:
        start = st.date_input(
            t("vacancies.field.start_date"),
            value=initial.start_date,
            format="DD/MM/YYYY",
            key=f"{key}_start",
        )
        errors.slot("start_date")
    with right:
        deadline = st.date_input(
            t("vacancies.field.deadline"),
            value=initial.deadline,
            format="DD/MM/YYYY",
            help=t("vacancies.field.deadline.help"),
            key=f"{key}_deadline",
        )
        errors.slot("deadline")

    st.markdown("##### " + t("vacancies.requirements.heading"))
    st.caption(t("vacancies.requirements.help", scale=scale_text(lang())))
    names = [c.label(lang()) for c in competences]
    edited = st.data_editor(
        requirements_frame(initial.requirements, competences),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key=f"{key}_requirements",
        column_config={
            COMPETENCE: st.column_config.SelectboxColumn(
                t("vacancies.requirements.competence"), options=names, required=True, width="large"
            ),
            LEVEL: st.column_config.NumberColumn(
                t("vacancies.requirements.min_level"),
                min_value=1,
                max_value=3,
                step=1,
                default=1,
                required=True,
                help=t("vacancies.requirements.min_level.help", scale=scale_text(lang())),
            ),
            ESSENTIAL: st.column_config.CheckboxColumn(
                t("vacancies.requirements.essential"),
                default=True,
                help=t("vacancies.requirements.essential.help"),
            ),
        },
    )
    errors.slot("requirements")

    left, right = st.columns(2)
    published = left.checkbox(
        t("vacancies.field.published_to_partners"),
        value=bool(initial.published_to_partners),
        help=t("vacancies.field.published_to_partners.help"),
        key=f"{key}_published",
    )
    hidden = right.checkbox(
        t("vacancies.field.hide_company_name"),
        value=bool(initial.hide_company_name),
        help=t("vacancies.field.hide_company_name.help"),
        key=f"{key}_hide",
    )
    return VacancyInput(
        company_id=company_id,
        title=title,
        kind=kind,
        min_italian_level=italian,
        trade_id=trade_id,
        esco_uri=esco_uri,
        positions=positions,
        contract_offered=contract,
        hours_percent=hours,
        municipality_code=municipality,
        start_date=start,
        deadline=deadline,
        published_to_partners=published,
        hide_company_name=hidden,
        requirements=_requirements_from(edited, competences),
        version=initial.version,
    )
