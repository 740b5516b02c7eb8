"""Streamlit's own table export is off: every download is one of ours.

Its CSV download and clipboard copy on ``st.dataframe`` / chart table views bypass the audit log
and the formula guard; ``client.disableDataExport`` hides them everywhere. The browser check (no
download control on the people register, our "Esporta" audited) is in
``tests/e2e/test_data_export.py``.
"""

from __future__ import annotations

import tomllib

from streamlit import config as st_config

from fleming.config import ROOT


def test_the_built_in_table_export_is_off_in_the_apps_config():
    with (ROOT / ".streamlit" / "config.toml").open("rb") as fh:
        client = tomllib.load(fh)["client"]
    assert client["disableDataExport"] is True
    assert "client.disableDataExport" in st_config._config_options_template  # a real option
