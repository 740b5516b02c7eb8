"""The caseload as the screen shows it: one formatted row per person, built once per change.

A coordinator's view of a tutor can hold hundreds of people; formatting every row on each click
took longer than reading them, so the page asks for this table through ``fleming.ui.cache.read``
(``shape=caseload_table``) and gets it ready until the next write.
"""

from __future__ import annotations

from dataclasses import dataclass

from fleming import tutoring
from fleming.i18n import enum_label, fmt_date, translate


@dataclass(frozen=True)
class CaseloadTable:
    view: tutoring.CaseloadView
    rows: tuple[dict[str, str], ...]  # what the table shows, in the view's order
    attention: tuple[bool, ...]


def caseload_table(view: tutoring.CaseloadView, language: str) -> CaseloadTable:
    def tr(key: str, **params) -> str:
        return translate(key, language, **params)

    def seen(r: tutoring.CaseloadRow) -> str:
        if r.last_meeting is None:
            return tr("caseload.never_seen")
        return tr("caseload.days_ago", n=r.days_since)

    def flag(r: tutoring.CaseloadRow) -> str:
        parts = []
        if r.overdue_activities:
            parts.append(tr("caseload.flag.overdue", n=r.overdue_activities))
        if r.not_seen:
            parts.append(tr("caseload.flag.not_seen"))
        return " · ".join(parts) or "—"

    attention, name, status, last, since, every, next_due = (
        tr(k)
        for k in (
            "caseload.col.attention",
            "people.name",
            "people.status",
            "caseload.col.last_meeting",
            "caseload.col.since",
            "caseload.col.every",
            "caseload.col.next_due",
        )
    )
    rows = tuple(
        {
            attention: flag(r),
            name: r.full_name,
            status: enum_label(r.status, language),
            last: fmt_date(r.last_meeting, language) if r.last_meeting else "—",
            since: seen(r),
            every: tr("caseload.every_n", n=r.meeting_every_days) if r.meeting_every_days else "—",
            next_due: fmt_date(r.next_due, language) if r.next_due else "—",
        }
        for r in view.rows
    )
    return CaseloadTable(view, rows, tuple(r.needs_attention for r in view.rows))
