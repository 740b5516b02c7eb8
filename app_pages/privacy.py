"""Data protection (admin, coordinators): one person's data export, anonymisation of an ended
case, and the retention period with the cases past it. The rules are in fleming.gdpr."""

from datetime import date

import pandas as pd
import streamlit as st

from fleming import gdpr
from fleming.db import unit_of_work
from fleming.errors import FlemingError, ValidationError
from fleming.i18n import fmt_date
from fleming.models import Role
from fleming.ui.cache import read
from fleming.ui.context import engine, label, lang, t
from fleming.ui.flash import flash, show_flash
from fleming.ui.forms import error_text, show_error
from fleming.ui.guard import require_role
from fleming.ui.text import plain

actor = require_role(Role.ADMIN, Role.COORDINATOR)
CONFIRM = "privacy_confirm"  # (person id, version) the user asked to anonymise
CONFIRM_RETENTION = "privacy_confirm_retention"


def failed(exc: FlemingError) -> None:
    if isinstance(exc, ValidationError):
        st.error(error_text(exc), icon=":material/error:")
    else:
        show_error(exc)


st.title(t("privacy.title"))
st.caption(t("privacy.intro"))
show_flash()

tab_person, tab_retention = st.tabs(
    [t("privacy.tab.person"), t("privacy.tab.retention")], key="privacy_tab", on_change="rerun"
)

# ----------------------------------------------------------------------------- one person
if tab_person.open:  # lazy: only the open tab runs
    with tab_person:
        query = st.text_input(
            t("privacy.search"), key="privacy_search", placeholder=t("privacy.search.placeholder")
        )
        found = read(gdpr.find_people, actor, text=query)
        if query.strip() and not found:
            st.info(t("privacy.search.none"), icon=":material/search_off:")
        if found:
            st.dataframe(
                pd.DataFrame(
                    {
                        t("privacy.col.name"): [s.full_name for s in found],
                        t("privacy.col.tax_code"): [s.tax_code for s in found],
                        t("privacy.col.status"): [label(s.status) for s in found],
                        t("privacy.col.intake"): [fmt_date(s.intake_date, lang()) for s in found],
                        t("privacy.col.last_change"): [
                            fmt_date(s.last_change, lang()) for s in found
                        ],
                    }
                ),
                hide_index=True,
                width="stretch",
            )
            by_id = {s.id: s for s in found}
            subject = by_id[
                st.selectbox(
                    t("privacy.pick"),
                    list(by_id),
                    format_func=lambda i: f"{by_id[i].full_name} · {by_id[i].tax_code}",
                    key="privacy_pick",
                )
            ]
            pid = subject.id
            st.subheader(plain(subject.full_name))
            st.caption(
                t(
                    "privacy.subject.facts",
                    status=label(subject.status),
                    intake=fmt_date(subject.intake_date, lang()),
                    changed=fmt_date(subject.last_change, lang()),
                )
            )

            # -- subject access: built (and audited) only when the file is downloaded
            st.markdown("##### " + t("privacy.export.heading"))
            st.caption(t("privacy.export.explain"))

            def export_json(person_id: int = pid) -> bytes:
                with unit_of_work(engine()) as session:
                    return gdpr.export_json(session=session, actor=actor, person_id=person_id)

            def export_pdf(person_id: int = pid, language: str = lang()) -> bytes:
                with unit_of_work(engine()) as session:
                    return gdpr.export_pdf(
                        session=session, actor=actor, person_id=person_id, lang=language
                    )

            stem = gdpr.file_stem(subject)
            left, right = st.columns(2)
            left.download_button(
                t("privacy.export.pdf"),
                data=export_pdf,
                file_name=f"{stem}.pdf",
                mime="application/pdf",
                icon=":material/picture_as_pdf:",
                on_click="ignore",
                key=f"privacy_pdf_{pid}",
                width="stretch",
            )
            right.download_button(
                t("privacy.export.json"),
                data=export_json,
                file_name=f"{stem}.json",
                mime="application/json",
                icon=":material/data_object:",
                on_click="ignore",
                key=f"privacy_json_{pid}",
                width="stretch",
            )

            # -- anonymisation, in two steps
            st.markdown("##### " + t("privacy.anonymise.heading"))
            if not subject.ended:
                st.info(t("privacy.anonymise.open_case"), icon=":material/info:")
            elif st.session_state.get(CONFIRM, (None,))[0] != pid:
                st.caption(t("privacy.anonymise.explain", pseudonym=gdpr.pseudonym(pid)))
                if st.button(
                    t("privacy.anonymise.start"),
                    key=f"privacy_anonymise_{pid}",
                    icon=":material/person_off:",
                ):
                    st.session_state[CONFIRM] = (pid, subject.version)
                    st.rerun()
            else:
                with st.container(border=True):
                    st.warning(
                        t(
                            "privacy.anonymise.confirm_text",
                            name=plain(subject.full_name),
                            pseudonym=gdpr.pseudonym(pid),
                        ),
                        icon=":material/warning:",
                    )
                    yes, no = st.columns(2)
                    if yes.button(
                        t("privacy.anonymise.confirm"),
                        key=f"privacy_anonymise_yes_{pid}",
                        type="primary",
                        width="stretch",
                    ):
                        version = st.session_state.pop(CONFIRM)[1]
                        try:
                            with unit_of_work(engine()) as session:
                                name = gdpr.anonymise(
                                    session=session, actor=actor, person_id=pid, version=version
                                )
                        except FlemingError as exc:
                            failed(exc)
                        else:
                            flash(t("privacy.anonymise.done", pseudonym=name))
                            st.session_state.pop("privacy_search", None)
                            st.rerun()
                    if no.button(t("privacy.cancel"), key=f"privacy_anonymise_no_{pid}"):
                        st.session_state.pop(CONFIRM, None)
                        st.rerun()

# ----------------------------------------------------------------------------- retention
if tab_retention.open:  # lazy: only the open tab runs
    with tab_retention:
        with unit_of_work(engine()) as session:
            years = gdpr.retention_years(session)
        due = read(gdpr.retention_due, actor)
        st.caption(t("privacy.retention.explain"))
        with st.form("privacy_retention_years"):
            new_years = st.number_input(
                t("privacy.retention.years"), min_value=1, max_value=100, value=years, step=1
            )
            if st.form_submit_button(t("privacy.retention.save"), icon=":material/save:"):
                try:
                    with unit_of_work(engine()) as session:
                        gdpr.set_retention_years(session=session, actor=actor, years=int(new_years))
                except FlemingError as exc:
                    failed(exc)
                else:
                    flash(t("privacy.retention.saved", years=int(new_years)))
                    st.session_state.pop(CONFIRM_RETENTION, None)
                    st.rerun()

        cutoff = gdpr.retention_cutoff(years, date.today())
        st.markdown(
            "##### " + t("privacy.retention.due", n=len(due), date=fmt_date(cutoff, lang()))
        )
        if not due:
            st.info(t("privacy.retention.none"), icon=":material/verified_user:")
        else:
            st.dataframe(
                pd.DataFrame(
                    {
                        t("privacy.col.name"): [c.full_name for c in due],
                        t("privacy.col.status"): [label(c.status) for c in due],
                        t("privacy.col.intake"): [fmt_date(c.intake_date, lang()) for c in due],
                        t("privacy.col.last_change"): [
                            fmt_date(c.last_change, lang()) for c in due
                        ],
                    }
                ),
                hide_index=True,
                width="stretch",
            )
            if not st.session_state.get(CONFIRM_RETENTION):
                if st.button(
                    t("privacy.retention.apply", n=len(due)),
                    key="privacy_retention_apply",
                    icon=":material/person_off:",
                ):
                    st.session_state[CONFIRM_RETENTION] = True
                    st.rerun()
            else:
                with st.container(border=True):
                    st.warning(
                        t("privacy.retention.confirm_text", n=len(due)), icon=":material/warning:"
                    )
                    yes, no = st.columns(2)
                    if yes.button(
                        t("privacy.retention.confirm"),
                        key="privacy_retention_yes",
                        type="primary",
                        width="stretch",
                    ):
                        st.session_state.pop(CONFIRM_RETENTION, None)
                        try:
                            with unit_of_work(engine()) as session:
                                done = gdpr.apply_retention(session=session, actor=actor)
                        except FlemingError as exc:
                            failed(exc)
                        else:
                            flash(t("privacy.retention.done", n=len(done)))
                            st.rerun()
                    if no.button(t("privacy.cancel"), key="privacy_retention_no"):
                        st.session_state.pop(CONFIRM_RETENTION, None)
                        st.rerun()
        st.caption(t("privacy.retention.command"))
