"""The groups of statuses live once, on the enums: every service and page reads them there."""

from __future__ import annotations

import re
from pathlib import Path

from fleming.models import PersonStatus, VacancyStatus

ROOT = Path(__file__).resolve().parents[2]
GROUPS = {
    "PersonStatus": [PersonStatus.OPEN_CASE, PersonStatus.AVAILABLE, PersonStatus.ENDED],
    "VacancyStatus": [VacancyStatus.RECRUITING],
}


def test_the_groups_split_the_statuses_as_the_centre_does():
    assert set(PersonStatus.OPEN_CASE) | set(PersonStatus.ENDED) == set(PersonStatus)
    assert not set(PersonStatus.OPEN_CASE) & set(PersonStatus.ENDED)
    assert set(PersonStatus.AVAILABLE) < set(PersonStatus.OPEN_CASE)
    assert PersonStatus.INTERNSHIP not in PersonStatus.AVAILABLE
    assert set(VacancyStatus.RECRUITING) == {VacancyStatus.OPEN, VacancyStatus.SHORTLISTING}
    # groups are not members: they never show up as a status of their own
    assert len(PersonStatus) == 5 and len(VacancyStatus) == 4


def test_no_module_spells_a_group_again():
    """A literal list of the same statuses as a group (in any order) is a second copy."""
    literal = re.compile(
        r"[\(\[\{]\s*((?:(PersonStatus|VacancyStatus)\.[A-Z_]+\s*,\s*)+"
        r"(?:PersonStatus|VacancyStatus)\.[A-Z_]+)\s*,?\s*[\)\]\}]"
    )
    copies = []
    for path in [*(ROOT / "fleming").rglob("*.py"), *(ROOT / "app_pages").glob("*.py")]:
        if path.name == "models.py":
            continue
        for m in literal.finditer(path.read_text(encoding="utf-8")):
            enum_name = m.group(2)
            names = {n.split(".")[1] for n in re.findall(r"\w+Status\.[A-Z_]+", m.group(1))}
            for group in GROUPS[enum_name]:
                if names == {s.name for s in group}:
                    copies.append(f"{path.relative_to(ROOT)}: {m.group(0)}")
    assert copies == []
