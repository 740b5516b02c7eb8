"""Rule figures fixed by national law (not regional settings), each stated once.

Regional figures that change (internship length, allowances, host quotas) are settings with
defaults, not constants here (``fleming.internships.InternshipRules``, ``fleming.settings``).
"""

from __future__ import annotations

from datetime import date, timedelta

ASYLUM_WORK_WAIT = timedelta(days=60)
"""An asylum seeker may work 60 days after applying (D.Lgs. 142/2015 art. 22)."""


def may_work_from(application_date: date) -> date:
    """The first day an asylum seeker who applied on ``application_date`` may work."""
    return application_date + ASYLUM_WORK_WAIT


def may_work_on(application_date: date | None, day: date) -> bool:
    """Whether someone whose asylum application dates from ``application_date`` may work on ``day``.

    ``None`` (no pending application) means no waiting period applies.
    """
    return application_date is None or may_work_from(application_date) <= day
