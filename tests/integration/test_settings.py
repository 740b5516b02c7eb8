"""Settings are read one way (fleming/settings.py): a missing, mistyped or out-of-range value
gives the reader's default, and no other module reads the table by itself."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fleming import settings
from fleming.db import unit_of_work
from fleming.models import Setting

ROOT = Path(__file__).resolve().parents[2]


def test_bad_values_fall_back_to_the_default(engine):
    with unit_of_work(engine) as s:
        s.add_all(
            [
                Setting(key="t.days", value=500),
                Setting(key="t.text", value="dieci"),
                Setting(key="t.flag", value=True),
                Setting(key="t.ok", value=45),
                Setting(key="t.day", value="2015-02-30"),
                Setting(key="t.good_day", value="2015-02-28"),
            ]
        )
    with unit_of_work(engine) as s:
        assert settings.integer(s, "t.days", 30, lo=1, hi=365) == 30
        assert settings.integer(s, "t.text", 30) == 30
        assert settings.integer(s, "t.flag", 30) == 30
        assert settings.integer(s, "t.ok", 30, lo=1, hi=365) == 45
        assert settings.integer(s, "t.absent", 7) == 7
        assert settings.iso_date(s, "t.day", date(2014, 1, 1)) == date(2014, 1, 1)
        assert settings.iso_date(s, "t.good_day", date(2014, 1, 1)) == date(2015, 2, 28)
        assert set(settings.with_prefix(s, "t.")) == {
            "t.days",
            "t.text",
            "t.flag",
            "t.ok",
            "t.day",
            "t.good_day",
        }
        assert settings.with_prefix(s, "t_") == {}  # the prefix is literal, not a LIKE pattern


def test_no_other_module_reads_the_settings_table():
    reads = re.compile(r"select\(Setting\b|Setting\.(value|key)\b|session\.get\(Setting\b")
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "fleming").rglob("*.py")
        if p.name != "settings.py" and reads.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
