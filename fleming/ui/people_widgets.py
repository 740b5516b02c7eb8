"""Widgets shared by the people screens: links to a person, pickers, and the person form.

The person page is opened with the person's id in the query string (``?id=123``): that is the
one way every screen links to it (``open_person``, ``person_link``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from fleming import people, reference, rules
from fleming.actor import Actor
from fleming.errors import ValidationError, ValidationErrors, ValidationWarning
from fleming.i18n import fmt_date
from fleming.models import (
    CefrLevel,
    EducationLevel,
    FragilityMarker,
    FundingStream,
    LegalStatus,
    ReferralSource,
    Role,
    Sex,
)
from fleming.ui.context import label, lang, t
from fleming.ui.forms import FieldErrors

PERSON_PAGE = "app_pages/person.py"
PERSON_ID_PARAM = "id"


# --------------------------------------------------------------------------- links
def open_person(person_id: int) -> None:
    """Go to the person page of ``person_id``."""
    st.switch_page(PERSON_PAGE, query_params={PERSON_ID_PARAM: str(person_id)})


def person_link(person_id: int, text: str, icon: str = ":material/person:") -> None:
    st.page_link(PERSON_PAGE, label=text, icon=icon, query_params={PERSON_ID_PARAM: str(person_id)})


def requested_person_id() -> int | None:
    """The person id in the query string, if it is a number."""
    raw = st.query_params.get(PERSON_ID_PARAM)
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- pickers
@cache
def comune_codes() -> tuple[str, ...]:
    """ISTAT codes for a picker: Milano, then the metropolitan area, then Italy (A–Z)."""
    ordered = sorted(
        reference.comuni(),
        key=lambda c: (
            c.istat_code != reference.MILANO_ISTAT_CODE,
            not c.metro,
            reference.fold(c.name),
        ),
    )
    return tuple(c.istat_code for c in ordered)


def comune_name(code: str | None) -> str:
    return people.comune_label(code)


@cache
def _country_codes(lg: str) -> tuple[str, ...]:
    names = sorted(
        reference.countries(),
        key=lambda c: (c.iso2 != "IT", reference.fold(c.name_en if lg == "en" else c.name_it)),
    )
    return tuple(c.iso2 for c in names)


def country_codes() -> tuple[str, ...]:
    """ISO codes for a picker, sorted by name in the UI language (Italy first)."""
    return _country_codes(lang())


def country_name(iso2: str | None) -> str:
    return people.country_label(iso2, lang())


def _index(options: Sequence, value) -> int | None:
    try:
        return list(options).index(value) if value is not None else None
    except ValueError:
        return None


def enum_select(
    title: str, enum_cls, key: str, value=None, *, help: str | None = None, options=None
):
    options = list(options or enum_cls)
    return st.selectbox(
        title,
        options,
        index=_index(options, value),
        format_func=label,
        key=key,
        placeholder=t("people.form.choose"),
        help=help,
    )


# --------------------------------------------------------------------------- person form
@dataclass
class PersonForm:
    """What ``person_form`` drew: the values typed, and where their errors go."""

    submitted: bool
    data: people.PersonInput
    consents: people.ConsentInput | None
    errors: FieldErrors
    duplicate_slot: DeltaGenerator
    confirmations: _Confirmations | None = None

    @property
    def confirmed(self) -> frozenset[str]:
        """The warnings the user ticked as checked (``people.create(confirmed=...)``)."""
        return self.confirmations.ticked if self.confirmations else frozenset()

    def show(self, exc: ValidationError | ValidationErrors) -> None:
        """Each error next to its field; a duplicate tax code links to the person holding it; a
        warning gets its confirmation box (and a namesake a link to them)."""
        self.errors.show(exc)
        items = exc.errors if isinstance(exc, ValidationErrors) else [exc]
        for err in items:
            if err.message == "people.error.duplicate_tax_code":
                holder = err.params["person_id"]
                assert isinstance(holder, int)  # people.create/update raise it with the id
                with self.duplicate_slot.container():
                    person_link(
                        holder,
                        t("people.form.open_existing", name=err.params.get("name", "")),
                        icon=":material/open_in_new:",
                    )
            elif isinstance(err, ValidationWarning) and self.confirmations is not None:
                self.confirmations.ask(err)


class _Confirmations:
    """The boxes that confirm a form's warnings, each in a slot under its field.

    A box appears under the warning of a failed save and is drawn again (same key, so it keeps
    its tick) on the next run, before the save reads it. Names in ``people.CONFIRM_*``.
    """

    def __init__(self, key: str) -> None:
        self.key = key
        self.pending_key = f"{key}_pending_confirmations"
        self.pending: set[str] = set(st.session_state.get(self.pending_key, ()))
        self.links: dict[str, DeltaGenerator] = {}
        self.boxes: dict[str, DeltaGenerator] = {}
        self.drawn: set[str] = set()
        self.values: dict[str, bool] = {}

    def slot(self, name: str) -> None:
        self.links[name] = st.empty()
        self.boxes[name] = st.empty()
        if name in self.pending:
            self._box(name)

    def _box(self, name: str) -> None:
        self.drawn.add(name)
        self.values[name] = self.boxes[name].checkbox(
            t(f"people.confirm.{name}"), key=f"{self.key}_confirm_{name}"
        )

    @property
    def ticked(self) -> frozenset[str]:
        return frozenset(name for name, value in self.values.items() if value)

    def ask(self, warning: ValidationWarning) -> None:
        name = warning.confirm
        if name not in self.boxes:
            return
        if "person_id" in warning.params:
            with self.links[name].container():
                person_link(
                    int(str(warning.params["person_id"])),
                    t("people.form.open_existing", name=warning.params.get("name", "")),
                    icon=":material/open_in_new:",
                )
        if name not in self.drawn:
            self._box(name)
        self.pending.add(name)
        st.session_state[self.pending_key] = sorted(self.pending)


def person_form(
    key: str,
    *,
    actor: Actor,
    tutors: Sequence[people.Option],
    partners: Sequence[people.Option],
    initial: people.PersonInput | None = None,
    with_consents: bool = True,
    submit_label: str,
) -> PersonForm:
    """The intake / edit form of a person, in sections, with an error slot under each field."""
    init = initial or people.PersonInput()
    today = date.today()
    partner_ids = [p.id for p in partners]
    partner_names = {p.id: p.label for p in partners}
    tutor_ids = [o.id for o in tutors]
    tutor_names = {o.id: o.label for o in tutors}
    comuni = comune_codes()
    countries = country_codes()

    with st.form(key, clear_on_submit=False, enter_to_submit=False):
        errors = FieldErrors()
        confirmations = _Confirmations(key)

        st.markdown("##### " + t("people.form.section.identity"))
        c1, c2, c3 = st.columns(3)
        with c1:
            first_name = st.text_input(
                t("people.field.first_name"), init.first_name, key=f"{key}_first_name"
            )
            errors.slot("first_name")
        with c2:
            last_name = st.text_input(
                t("people.field.last_name"), init.last_name, key=f"{key}_last_name"
            )
            errors.slot("last_name")
            confirmations.slot(people.CONFIRM_DIFFERENT_PERSON)
            confirmations.slot(people.CONFIRM_NAMES)
        with c3:
            tax_code = st.text_input(
                t("people.field.tax_code"),
                init.tax_code,
                key=f"{key}_tax_code",
                help=t("people.field.tax_code.help"),
                max_chars=20,
            )
            errors.slot("tax_code")
            duplicate_slot = st.empty()
        c1, c2, c3, c4 = st.columns(4)
        with c1:
            birth_date = st.date_input(
                t("people.field.birth_date"),
                value=init.birth_date,
                min_value=people.OLDEST_BIRTH_DATE,
                max_value=today,
                format="DD/MM/YYYY",
                key=f"{key}_birth_date",
                help=t("people.field.from_code.help"),
            )
            errors.slot("birth_date")
            confirmations.slot(people.CONFIRM_AGE)
        with c2:
            sex = enum_select(
                t("people.field.sex"),
                Sex,
                f"{key}_sex",
                init.sex,
                help=t("people.field.from_code.help"),
            )
            errors.slot("sex")
        with c3:
            country_of_birth = st.selectbox(
                t("people.field.country_of_birth"),
                countries,
                index=_index(countries, init.country_of_birth),
                format_func=country_name,
                key=f"{key}_country_of_birth",
                placeholder=t("people.form.choose"),
                help=t("people.field.from_code.help"),
            )
            errors.slot("country_of_birth")
        with c4:
            birth_comune = st.selectbox(
                t("people.field.birth_place"),
                comuni,
                index=_index(comuni, init.birth_comune_code),
                format_func=comune_name,
                key=f"{key}_birth_place",
                placeholder=t("people.form.search_comune"),
                help=t("people.field.birth_place.help"),
            )
            errors.slot("birth_place")

        st.markdown("##### " + t("people.form.section.contacts"))
        c1, c2, c3, c4 = st.columns(4)
        with c1:
            phone = st.text_input(
                t("people.field.phone"), init.phone or "", key=f"{key}_phone", max_chars=30
            )
            errors.slot("phone")
        with c2:
            email = st.text_input(t("people.field.email"), init.email or "", key=f"{key}_email")
            errors.slot("email")
        with c3:
            municipality = st.selectbox(
                t("people.field.municipality"),
                comuni,
                index=_index(comuni, init.municipality_code),
                format_func=comune_name,
                key=f"{key}_municipality",
                placeholder=t("people.form.search_comune"),
            )
            errors.slot("municipality_code")
        with c4:
            address = st.text_input(
                t("people.field.address"), init.address or "", key=f"{key}_address"
            )
            errors.slot("address")

        st.markdown("##### " + t("people.form.section.background"))
        c1, c2, c3 = st.columns(3)
        with c1:
            citizenship = st.selectbox(
                t("people.field.citizenship"),
                countries,
                index=_index(countries, init.citizenship),
                format_func=country_name,
                key=f"{key}_citizenship",
                placeholder=t("people.form.choose"),
            )
            errors.slot("citizenship")
        with c2:
            italian_level = enum_select(
                t("people.field.italian_level"),
                CefrLevel,
                f"{key}_italian_level",
                init.italian_level,
            )
            errors.slot("italian_level")
        with c3:
            education = enum_select(
                t("people.field.education_level"),
                EducationLevel,
                f"{key}_education",
                init.education_level,
            )
            errors.slot("education_level")
        c1, c2, c3 = st.columns(3)
        with c1:
            legal_status = enum_select(
                t("people.field.legal_status"),
                LegalStatus,
                f"{key}_legal_status",
                init.legal_status,
                help=t("people.field.legal_status.help"),
            )
            errors.slot("legal_status")
        with c2:
            application = st.date_input(
                t("people.field.asylum_application_date"),
                value=init.asylum_application_date,
                format="DD/MM/YYYY",
                key=f"{key}_asylum_date",
                help=t(
                    "people.field.asylum_application_date.help", days=rules.ASYLUM_WORK_WAIT.days
                ),
            )
            errors.slot("asylum_application_date")
        with c3:
            fragilities = st.multiselect(
                t("people.field.fragilities"),
                list(FragilityMarker),
                default=list(init.fragilities),
                format_func=label,
                key=f"{key}_fragilities",
                placeholder=t("people.form.none"),
                help=t("people.field.fragilities.help", age=people.OVER_45_AGE),
            )
            errors.slot("fragilities")

        st.markdown("##### " + t("people.form.section.referral"))
        c1, c2, c3 = st.columns(3)
        with c1:
            referral = enum_select(
                t("people.field.referral_source"),
                ReferralSource,
                f"{key}_referral",
                init.referral_source,
            )
            errors.slot("referral_source")
        with c2:
            referral_partner = st.selectbox(
                t("people.field.referral_partner"),
                partner_ids,
                index=_index(partner_ids, init.referral_partner_id),
                format_func=lambda pid: partner_names.get(pid, str(pid)),
                key=f"{key}_referral_partner",
                placeholder=t("people.form.choose"),
                help=t("people.field.referral_partner.help"),
            )
            errors.slot("referral_partner_id")
        with c3:
            funding = enum_select(
                t("people.field.funding_stream"),
                FundingStream,
                f"{key}_funding",
                init.funding_stream,
                help=t(
                    "people.field.funding_stream.help",
                    low=people.GARANZIA_GIOVANI_AGES[0],
                    high=people.GARANZIA_GIOVANI_AGES[1],
                ),
            )
            errors.slot("funding_stream")
        c1, c2, c3 = st.columns(3)
        with c1:
            did_date = st.date_input(
                t("people.field.did_date"),
                value=init.did_date,
                format="DD/MM/YYYY",
                key=f"{key}_did_date",
                help=t("people.field.did_date.help"),
            )
            errors.slot("did_date")
        with c2:
            intake_date = st.date_input(
                t("people.field.intake_date"),
                value=init.intake_date or today,
                min_value=people.OLDEST_BIRTH_DATE,  # not 10 years back: the service judges
                format="DD/MM/YYYY",
                key=f"{key}_intake_date",
            )
            errors.slot("intake_date")
        with c3:
            default_tutor = init.tutor_id if initial is not None else None
            if default_tutor is None and initial is None and actor.role is Role.TUTOR:
                default_tutor = actor.id
            tutor_id = st.selectbox(
                t("people.field.tutor"),
                tutor_ids,
                index=_index(tutor_ids, default_tutor),
                format_func=lambda uid: tutor_names.get(uid, str(uid)),
                key=f"{key}_tutor",
                placeholder=t("people.form.no_tutor"),
            )
            errors.slot("tutor_id")

        c1, c2 = st.columns(2)
        with c1:
            notes = st.text_area(
                t("people.field.notes"), init.notes or "", key=f"{key}_notes", height=90
            )
            errors.slot("notes")
        with c2:
            health_notes = st.text_area(
                t("people.field.health_notes"),
                init.health_notes or "",
                key=f"{key}_health_notes",
                height=90,
                help=t("people.field.health_notes.help"),
            )
            errors.slot("health_notes")

        consents = None
        if with_consents:
            st.markdown("##### " + t("people.form.section.consents"))
            st.caption(t("people.form.consents.explain", version=people.CONSENT_TEXT_VERSION))
            c1, c2 = st.columns([2, 1])
            with c1:
                consent_processing = st.checkbox(
                    t("people.field.consent_data_processing", version=people.CONSENT_TEXT_VERSION),
                    key=f"{key}_consent_processing",
                )
                errors.slot("consent_data_processing")
                sharing = st.multiselect(
                    t("people.field.consent_partners"),
                    partner_ids,
                    format_func=lambda pid: partner_names.get(pid, str(pid)),
                    key=f"{key}_consent_partners",
                    placeholder=t("people.form.none"),
                    help=t("people.field.consent_partners.help"),
                )
                errors.slot("consent_partners")
            with c2:
                consent_date = st.date_input(
                    t("people.field.consent_given_on"),
                    value=None,
                    min_value=people.OLDEST_BIRTH_DATE,
                    format="DD/MM/YYYY",
                    key=f"{key}_consent_date",
                    help=t("people.field.consent_given_on.help"),
                )
                errors.slot("consent_given_on")
            consents = people.ConsentInput(
                data_processing=consent_processing,
                given_on=consent_date,
                sharing_partner_ids=tuple(sharing),
            )

        submitted = st.form_submit_button(submit_label, type="primary", icon=":material/save:")

    data = people.PersonInput(
        first_name=first_name,
        last_name=last_name,
        tax_code=tax_code,
        birth_date=birth_date,
        sex=sex,
        birth_comune_code=birth_comune,
        country_of_birth=country_of_birth,
        citizenship=citizenship,
        phone=phone,
        email=email,
        municipality_code=municipality,
        address=address,
        italian_level=italian_level,
        education_level=education,
        legal_status=legal_status,
        asylum_application_date=application,
        fragilities=tuple(fragilities),
        referral_source=referral,
        referral_partner_id=referral_partner,
        funding_stream=funding,
        did_date=did_date,
        intake_date=intake_date,
        tutor_id=tutor_id,
        health_notes=health_notes,
        notes=notes,
    )
    return PersonForm(submitted, data, consents, errors, duplicate_slot, confirmations)


def may_work_text(may_work_from: date | None) -> str | None:
    """For an asylum seeker: since when, or from when, they may work."""
    if may_work_from is None:
        return None
    if may_work_from <= date.today():
        return t("people.may_work.since", date=fmt_date(may_work_from, lang()))
    return t(
        "people.may_work.from",
        date=fmt_date(may_work_from, lang()),
        days=rules.ASYLUM_WORK_WAIT.days,
    )


def phone_text(e164: str | None) -> str:
    """A stored ``+39…`` number the way people read it: ``+39 351 234 5678``."""
    if not e164:
        return ""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, "IT")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
