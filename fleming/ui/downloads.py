"""Download buttons for exports: CSV and Excel, built only when the user clicks.

The frame is produced by a callable (a service call in its own unit of work, which audits the
export), so nothing is read or logged until someone actually downloads the file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from fleming.exports import to_csv_bytes, to_excel_bytes
from fleming.ui.context import t

EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_buttons(
    load: Callable[[], pd.DataFrame], *, base_name: str, key: str, sheet_name: str = "Fleming"
) -> None:
    """Two buttons side by side: CSV (``;``, UTF-8 for Excel) and Excel (.xlsx)."""
    stem = f"{base_name}_{date.today().isoformat()}"
    left, right = st.columns(2)
    left.download_button(
        t("downloads.csv"),
        data=lambda: to_csv_bytes(load()),
        file_name=f"{stem}.csv",
        mime="text/csv",
        icon=":material/download:",
        key=f"{key}_csv",
        on_click="ignore",
        width="stretch",
    )
    right.download_button(
        t("downloads.excel"),
        data=lambda: to_excel_bytes(load(), sheet_name),
        file_name=f"{stem}.xlsx",
        mime=EXCEL_MIME,
        icon=":material/table_view:",
        key=f"{key}_xlsx",
        on_click="ignore",
        width="stretch",
    )
