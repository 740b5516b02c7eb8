"""The company fields, shared by the "new company" form and the company page's edit form."""

from __future__ import annotations

from functools import cache

import streamlit as st

from fleming import reference
from fleming.companies import CompanyInput, sector_label
from fleming.models import CompanyStatus
from fleming.ui.context import label, lang, t
from fleming.ui.forms import FieldErrors


@cache
def division_codes() -> tuple[str, ...]:
    """ATECO divisions (two digits), in the order of the classification."""
    return tuple(a.code for a in reference.ateco() if not a.is_section)


@cache
def municipality_codes() -> tuple[str, ...]:
    """Every comune's ISTAT code: the Città metropolitana di Milano first, then by name."""
    ordered = sorted(reference.comuni(), key=lambda c: (not c.metro, reference.fold(c.name)))
    return tuple(c.istat_code for c in ordered)


def municipality_label(code: str | None) -> str:
    comune = reference.comune_by_code(code)
    return f"{comune.name} ({comune.province})" if comune else (code or "")


def company_fields(
    errors: FieldErrors,
    *,
    key: str,
    statuses: list[CompanyStatus],
    initial: CompanyInput | None = None,
) -> CompanyInput:
    """Draw the fields (inside an ``st.form``) with an error slot under each; return the input."""
    initial = initial or CompanyInput(None, None, None, None)
    left, right = st.columns(2)
    with left:
        name = st.text_input(
            t("companies.field.name"), value=initial.name or "", max_chars=200, key=f"{key}_name"
        )
        errors.slot("name")
    with right:
        vat = st.text_input(
            t("companies.field.vat_number"),
            value=initial.vat_number or "",
            max_chars=20,
            help=t("companies.field.vat_number.help"),
            key=f"{key}_vat",
        )
        errors.slot("vat_number")
    divisions = list(division_codes())
    if initial.ateco_code and initial.ateco_code not in divisions:
        divisions.insert(0, str(initial.ateco_code))
    left, right = st.columns(2)
    with left:
        ateco = st.selectbox(
            t("companies.field.sector"),
            divisions,
            index=divisions.index(initial.ateco_code) if initial.ateco_code in divisions else None,
            format_func=lambda code: sector_label(code, lang()),
            placeholder=t("companies.field.sector.placeholder"),
            help=t("companies.field.sector.help"),
            key=f"{key}_ateco",
        )
        errors.slot("ateco_code")
    with right:
        employees = st.number_input(
            t("companies.field.employees"),
            min_value=0,
            max_value=1_000_000,
            step=1,
            value=int(initial.employees) if initial.employees not in (None, "") else None,
            help=t("companies.field.employees.help"),
            key=f"{key}_employees",
        )
        errors.slot("employees")
    left, right = st.columns(2)
    with left:
        address = st.text_input(
            t("companies.field.address"),
            value=initial.address or "",
            max_chars=200,
            key=f"{key}_address",
        )
        errors.slot("address")
    with right:
        codes = municipality_codes()
        municipality = st.selectbox(
            t("companies.field.municipality"),
            codes,
            index=codes.index(initial.municipality_code)
            if initial.municipality_code in codes
            else None,
            format_func=municipality_label,
            placeholder=t("companies.field.municipality.placeholder"),
            key=f"{key}_municipality",
        )
        errors.slot("municipality_code")
    left, right = st.columns(2)
    with left:
        website = st.text_input(
            t("companies.field.website"),
            value=initial.website or "",
            placeholder="www.esempio.it",
            max_chars=300,
            key=f"{key}_website",
        )
        errors.slot("website")
    with right:
        current = CompanyStatus(initial.status)
        status = st.selectbox(
            t("companies.field.status"),
            statuses,
            index=statuses.index(current) if current in statuses else 0,
            format_func=label,
            help=t("companies.field.status.help"),
            key=f"{key}_status",
        )
        errors.slot("status")
    notes = st.text_area(
        t("companies.field.notes"),
        value=initial.notes or "",
        max_chars=4000,
        height=80,
        key=f"{key}_notes",
    )
    errors.slot("notes")
    return CompanyInput(
        name=name,
        vat_number=vat,
        ateco_code=ateco,
        employees=employees,
        address=address,
        municipality_code=municipality,
        website=website,
        status=status,
        notes=notes,
        version=initial.version,
    )
