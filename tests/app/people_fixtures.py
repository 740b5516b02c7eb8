"""Shared AppTest helpers for the people screens: counting rows, finding widgets."""

from __future__ import annotations

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from fleming.db import get_engine, unit_of_work


def count(url: str, model, *where) -> int:
    with unit_of_work(get_engine(url)) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]
