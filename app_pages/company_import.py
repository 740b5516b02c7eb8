"""Import companies from a CSV file: preview, per-row report, import the valid rows or nothing."""

import pandas as pd
import streamlit as st

from fleming import company_import
from fleming.db import unit_of_work
from fleming.errors import FlemingError
from fleming.exports import to_csv_bytes
from fleming.i18n import fmt_number
from fleming.import_schemas import COMPANY_IMPORT_REQUIRED
from fleming.models import Role
from fleming.ui.context import engine, lang, t
from fleming.ui.flash import flash, show_flash
from fleming.ui.forms import show_error
from fleming.ui.guard import require_role

actor = require_role(Role.ADMIN, Role.COORDINATOR)
ROUND = "company_import_round"  # a new round (new uploader) after each import or cancel
PREVIEW = "company_import_preview"

st.title(t("company_import.title"))
st.caption(t("company_import.caption"))
show_flash()

with st.expander(t("company_import.format.heading"), icon=":material/help:"):
    st.markdown(t("company_import.format.intro"))
    st.dataframe(
        pd.DataFrame(
            {
                t("company_import.format.column"): list(company_import.TEMPLATE_HEADER),
                t("company_import.format.required"): [
                    t("vacancies.yes") if c in COMPANY_IMPORT_REQUIRED else ""
                    for c in company_import.ALIASES
                ],
                t("company_import.format.content"): [
                    t(f"company_import.format.{c}") for c in company_import.ALIASES
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.download_button(
        t("company_import.template"),
        data=company_import.template_csv(),
        file_name="modello_import_aziende.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="company_import_template",
    )

round_no = st.session_state.get(ROUND, 0)
uploaded = st.file_uploader(
    t("company_import.file"),
    type=["csv", "txt"],
    help=t("company_import.file.help", mb=company_import.MAX_BYTES // 2**20),
    key=f"company_import_file_{round_no}",
    max_upload_size=company_import.MAX_BYTES // 2**20,
)
if uploaded is None:
    st.session_state.pop(PREVIEW, None)
    st.stop()

cached = st.session_state.get(PREVIEW)
if cached is None or cached[0] != (round_no, uploaded.file_id):
    with st.spinner(t("company_import.checking")), unit_of_work(engine()) as session:
        preview = company_import.preview(
            session=session, actor=actor, data=uploaded.getvalue(), file_name=uploaded.name
        )
    st.session_state[PREVIEW] = ((round_no, uploaded.file_id), preview)
else:
    preview = cached[1]

if preview.file_errors:
    for error in preview.file_errors:
        st.error(error.text(lang()), icon=":material/error:")
    st.stop()

st.subheader(t("company_import.preview.heading", file=preview.file_name))
m1, m2, m3 = st.columns(3)
m1.metric(t("company_import.preview.rows"), fmt_number(preview.total_rows, lang()), border=True)
m2.metric(t("company_import.preview.valid"), fmt_number(len(preview.valid), lang()), border=True)
m3.metric(
    t("company_import.preview.with_errors"),
    fmt_number(preview.rows_with_errors, lang()),
    border=True,
)
st.caption(
    t(
        "company_import.preview.read_as",
        encoding=preview.encoding,
        separator={";": t("company_import.sep.semicolon"), ",": t("company_import.sep.comma")}.get(
            preview.separator, t("company_import.sep.tab")
        ),
    )
)
if preview.ignored_headers:
    st.warning(
        t("company_import.preview.ignored", columns=", ".join(preview.ignored_headers)),
        icon=":material/visibility_off:",
    )
with st.expander(t("company_import.preview.sample"), icon=":material/table:"):
    st.dataframe(pd.DataFrame(list(preview.sample)), hide_index=True, width="stretch")

if preview.errors:
    st.markdown("##### " + t("company_import.report.heading", n=preview.rows_with_errors))
    report = preview.report(lang())
    st.dataframe(report, hide_index=True, width="stretch")
    st.download_button(
        t("company_import.report.download"),
        data=to_csv_bytes(report),
        file_name="errori_import_aziende.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="company_import_report",
    )
else:
    st.success(t("company_import.report.clean"), icon=":material/check_circle:")

if not preview.valid:
    st.error(t("company_import.nothing_valid"), icon=":material/block:")
    st.stop()

st.markdown("##### " + t("company_import.choice.heading"))
if preview.errors:
    st.write(
        t("company_import.choice.explain", valid=len(preview.valid), bad=preview.rows_with_errors)
    )
left, right = st.columns(2)
do_import = left.button(
    t("company_import.choice.import", n=len(preview.valid)),
    type="primary",
    icon=":material/upload:",
    key="company_import_go",
    width="stretch",
)
cancel = right.button(
    t("company_import.choice.nothing"),
    icon=":material/close:",
    key="company_import_cancel",
    width="stretch",
)

if cancel:
    st.session_state.pop(PREVIEW, None)
    st.session_state[ROUND] = round_no + 1
    flash(t("company_import.cancelled"))
    st.rerun()

if do_import:
    bar = st.progress(0.0, text=t("company_import.progress", done=0, total=len(preview.valid)))
    total = len(preview.valid)

    def progress(fraction: float) -> None:
        bar.progress(
            fraction, text=t("company_import.progress", done=round(fraction * total), total=total)
        )

    try:
        with unit_of_work(engine()) as session:
            result = company_import.run(
                session=session, actor=actor, preview=preview, progress=progress
            )
    except FlemingError as exc:
        bar.empty()
        show_error(exc)
    else:
        st.session_state.pop(PREVIEW, None)
        st.session_state[ROUND] = round_no + 1
        flash(
            t(
                "company_import.done",
                companies=fmt_number(result.companies, lang()),
                contacts=fmt_number(result.contacts, lang()),
                skipped=fmt_number(result.skipped_rows, lang()),
            )
        )
        st.rerun()
