"""The one place Fleming uses a private Streamlit function: Altair chart → Vega-Lite spec.

``st.altair_chart`` converts a chart (Altair's schema validation, data as Arrow) on every run;
the KPI and matching pages keep the converted spec in a cache and draw it with
``st.vega_lite_chart``, so the conversion must be exactly Streamlit's. Streamlit offers it only as
``streamlit.elements.vega_charts._convert_altair_to_vega_lite_spec``; if an upgrade renames or
changes it, ``tests/unit/test_adapters.py`` fails on this module, not on a page.
"""

from __future__ import annotations

from typing import Any

import altair as alt
from streamlit.elements import vega_charts


def altair_spec(
    chart: alt.Chart
    | alt.LayerChart
    | alt.ConcatChart
    | alt.HConcatChart
    | alt.VConcatChart
    | alt.FacetChart
    | alt.RepeatChart,
) -> dict[str, Any]:
    """The Vega-Lite spec Streamlit would send for ``chart``."""
    return vega_charts._convert_altair_to_vega_lite_spec(chart)
