"""Which columns hold the personal data of a person served, stated once.

Two rules rest on this list:

* the audit log never stores these values (``fleming.audit`` writes "changed" instead of the old
  and new value, and leaves them out of a new record's snapshot): the log is append-only, so a
  value written there could never be erased again;
* anonymisation (``fleming.gdpr``) replaces or removes every one of them, and keeps every other
  column, which is what the centre's figures are computed from.

``KEPT`` names the text and date columns of the same tables that stay after anonymisation, each
for a reason; a test fails when a column of these tables is in neither list, so a new column
cannot slip past the decision.
"""

from __future__ import annotations

PERSONAL: dict[str, frozenset[str]] = {
    "people": frozenset(
        {
            "first_name",
            "last_name",
            "tax_code",
            "birth_date",  # rounded to the first day of its quarter
            "birth_place",
            "phone",
            "email",
            "address",
            "municipality_code",
            "asylum_application_date",  # rounded to the first day of its quarter
            "closing_reason",  # free text
            "health_notes",  # special category (GDPR art. 9)
            "notes",
        }
    ),
    "person_fragilities": frozenset({"detail"}),
    "service_pacts": frozenset({"notes"}),
    "path_activities": frozenset({"description"}),
    "tutoring_meetings": frozenset({"notes", "next_step"}),
    "competence_ratings": frozenset({"note"}),
    "shortlist_entries": frozenset({"motivation", "reason"}),
    "shortlist_stage_changes": frozenset({"reason"}),
    "internships": frozenset({"outcome_reason"}),
    "internship_checks": frozenset({"notes"}),
}
"""Table → columns holding a served person's identifying data or free text about them."""

KEPT: dict[str, frozenset[str]] = {
    # the figures: who was served, how, and with what outcome (no identifier among them)
    "people": frozenset(
        {
            "sex",
            "citizenship",
            "country_of_birth",
            "italian_level",
            "education_level",
            "legal_status",
            "referral_source",
            "funding_stream",
            "status",
            "did_date",
            "intake_date",
            "anonymised_at",
            "created_at",
            "updated_at",
        }
    ),
    "person_fragilities": frozenset({"marker"}),
    # consent history is the centre's proof of lawful processing
    "consents": frozenset({"purpose", "given_on", "text_version", "withdrawn_on", "created_at"}),
    "service_pacts": frozenset({"signed_on", "created_at"}),
    "path_activities": frozenset({"kind", "status", "due_date", "started_on", "completed_on"}),
    "tutoring_meetings": frozenset({"met_on", "kind", "created_at"}),
    "workshop_enrolments": frozenset({"enrolled_on", "status", "completed_on"}),
    "competence_ratings": frozenset({"rated_on", "source", "created_at"}),
    "shortlist_entries": frozenset({"stage", "origin", "added_at"}),
    "shortlist_stage_changes": frozenset({"from_stage", "to_stage", "changed_at"}),
    # the company tutor is the company's employee, not the person served
    "internships": frozenset(
        {
            "start_date",
            "planned_end_date",
            "actual_end_date",
            "company_tutor_name",
            "funding_stream",
            "status",
            "outcome",
            "contract_type",
            "hire_date",
            "created_at",
        }
    ),
    "internship_attendance": frozenset({"month"}),
    "internship_checks": frozenset({"checked_on"}),
}
"""Table → text and date columns that stay after anonymisation (not identifying)."""

REDACTED = "changed"
"""What the audit log records instead of a personal value that changed."""


def personal_columns(table: str) -> frozenset[str]:
    return PERSONAL.get(table, frozenset())
