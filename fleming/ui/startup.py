"""Start-up: migrate once per process; fill an empty default database with demo data."""

from __future__ import annotations

import streamlit as st

from fleming import config, db
from fleming.ui.context import t


@st.cache_resource(show_spinner=False)
def _prepared(url: str) -> bool:
    db.migrate(url)
    from fleming.reference import seed_reference_data

    with db.unit_of_work(db.get_engine(url)) as session:
        seed_reference_data(session=session)
    return True


def ensure_database() -> None:
    """Apply migrations; on the very first run of the embedded default, create the demo data."""
    url = config.database_url()
    _prepared(url)
    engine = db.get_engine(url)
    if config.is_default_database(url) and db.is_empty(engine):
        from fleming.devtools import demo

        with st.status(t("startup.demo_creating"), expanded=True) as status:
            bar = st.progress(0.0)

            def progress(fraction: float, label: str) -> None:
                bar.progress(min(max(fraction, 0.0), 1.0), text=label)

            demo.generate(engine, progress=progress)
            status.update(label=t("startup.demo_ready"), state="complete", expanded=False)


@st.cache_data(ttl=60, show_spinner=False)
def demo_mode(url: str) -> bool:
    from fleming.devtools import demo

    return demo.has_demo_data(db.get_engine(url))
