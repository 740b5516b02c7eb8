"""The page registry: which screens exist and which roles see them.

``app.py`` builds ``st.navigation`` from it for the logged-in role; each page script's guard names
the same roles (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fleming.models import Role

PAGES_DIR = Path(__file__).resolve().parents[2] / "app_pages"
A, C, T, P = Role.ADMIN, Role.COORDINATOR, Role.TUTOR, Role.PARTNER


@dataclass(frozen=True)
class PageSpec:
    script: str  # file name in app_pages/
    title_key: str
    icon: str
    roles: frozenset[Role]
    section_key: str = "nav.section.main"

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.script

    @property
    def url_path(self) -> str:
        return self.script.removesuffix(".py")


PAGES: tuple[PageSpec, ...] = (
    PageSpec("home.py", "nav.home", ":material/home:", frozenset({A, C, T, P})),
    PageSpec(
        "people.py", "nav.people", ":material/groups:", frozenset({C, T}), "nav.section.people"
    ),
    PageSpec(
        "person.py", "nav.person", ":material/person:", frozenset({C, T}), "nav.section.people"
    ),
    PageSpec(
        "intake.py", "nav.intake", ":material/person_add:", frozenset({C, T}), "nav.section.people"
    ),
    PageSpec(
        "caseload.py",
        "nav.caseload",
        ":material/assignment_ind:",
        frozenset({C, T}),
        "nav.section.people",
    ),
    PageSpec(
        "workshops.py",
        "nav.workshops",
        ":material/construction:",
        frozenset({C, T}),
        "nav.section.people",
    ),
    PageSpec("matching.py", "nav.matching", ":material/join_inner:", frozenset({C, T})),
    PageSpec("shares.py", "nav.shares", ":material/share:", frozenset({C})),
    PageSpec(
        "competence_grid.py",
        "nav.competence_grid",
        ":material/fact_check:",
        frozenset({C, T}),
        "nav.section.competences",
    ),
    PageSpec(
        "workshop_grid.py",
        "nav.workshop_grid",
        ":material/groups:",
        frozenset({C, T}),
        "nav.section.competences",
    ),
    PageSpec(
        "competences.py",
        "nav.competences",
        ":material/checklist:",
        frozenset({A, C, T}),
        "nav.section.competences",
    ),
    PageSpec(
        "companies.py",
        "nav.companies",
        ":material/apartment:",
        frozenset({A, C, T}),
        "nav.section.companies",
    ),
    PageSpec(
        "company.py",
        "nav.company",
        ":material/domain:",
        frozenset({A, C, T}),
        "nav.section.companies",
    ),
    PageSpec(
        "vacancies.py",
        "nav.vacancies",
        ":material/work:",
        frozenset({A, C, T}),
        "nav.section.companies",
    ),
    PageSpec(
        "company_import.py",
        "nav.company_import",
        ":material/upload_file:",
        frozenset({A, C}),
        "nav.section.companies",
    ),
    PageSpec(
        "internships.py",
        "nav.internships",
        ":material/badge:",
        frozenset({C, T}),
        "nav.section.internships",
    ),
    PageSpec(
        "internship.py",
        "nav.internship",
        ":material/work_history:",
        frozenset({C, T}),
        "nav.section.internships",
    ),
    PageSpec(
        "kpi.py", "nav.kpi", ":material/monitoring:", frozenset({A, C}), "nav.section.analysis"
    ),
    PageSpec(
        "kpi_gap.py", "nav.kpi_gap", ":material/school:", frozenset({A, C}), "nav.section.analysis"
    ),
    PageSpec(
        "kpi_fairness.py",
        "nav.kpi_fairness",
        ":material/balance:",
        frozenset({C}),
        "nav.section.analysis",
    ),
    PageSpec(
        "admin_users.py",
        "nav.users",
        ":material/manage_accounts:",
        frozenset({A}),
        "nav.section.admin",
    ),
    PageSpec("audit_log.py", "nav.audit", ":material/policy:", frozenset({A}), "nav.section.admin"),
    PageSpec(
        "privacy.py",
        "nav.privacy",
        ":material/shield_person:",
        frozenset({A, C}),
        "nav.section.admin",
    ),
    PageSpec(
        "partner_shortlists.py",
        "nav.partner_shortlists",
        ":material/folder_shared:",
        frozenset({P}),
        "nav.section.partner",
    ),
    PageSpec(
        "partner_people.py",
        "nav.partner_people",
        ":material/diversity_3:",
        frozenset({P}),
        "nav.section.partner",
    ),
    PageSpec(
        "partner_vacancies.py",
        "nav.partner_vacancies",
        ":material/work:",
        frozenset({P}),
        "nav.section.partner",
    ),
)


def pages_for(role: Role) -> list[PageSpec]:
    return [p for p in PAGES if role in p.roles]


def forbidden_for(role: Role) -> list[PageSpec]:
    """The pages a role may not open: registered hidden under the same address, so a typed URL
    shows our own refusal (``guard.forbidden_page``) instead of Streamlit's "Page not found"."""
    return [p for p in PAGES if role not in p.roles]
