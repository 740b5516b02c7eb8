"""Protection status, health and disability, notes and the tax code are for staff only: checked on
every service that returns people (register, person page, caseloads, shortlists, ranking,
internships, workshops, competences, figures, partner portal, exports and downloads), on SQLite
and PostgreSQL.

Three people of the demo world (``tests.integration.demo_world``) get values found nowhere else
— a tax code, a health note, a note, international protection with its asylum date, the
disability marker — and all three are shared with the demo partner (referred by its
organisation, consenting, one of them on the shortlist shared with it). Then, per service and
role:

* the partner is refused (``PermissionDenied``) or gets a result holding none of those values and
  no field or column of that name — read from every dataclass field, dict, frame (in full, not
  its truncated repr), CSV, Excel sheet and PDF text in the result;
* a staff role that may use the service sees the values its page shows (``SHOWS``).

``test_every_service_that_returns_people_is_checked`` keeps the list complete: every public
service (it authorizes) that reads people — the ``Person`` model or a ``person_id`` argument — and
returns more than an id or a flag must be in ``VIEWS``. The partner pages themselves are checked
the same way with AppTest in ``tests/app/test_partner_pages.py``.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import json
from collections.abc import Callable, Iterator
from datetime import date
from enum import Enum
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from fleming import (
    audit_log,
    companies,
    competences,
    gdpr,
    internships,
    kpi,
    kpi_report,
    matching,
    overview,
    partners,
    paths,
    people,
    shortlists,
    transparency,
    tutoring,
    workshops,
)
from fleming.actor import Actor
from fleming.db import unit_of_work
from fleming.errors import PermissionDenied
from fleming.models import (
    FragilityMarker,
    LegalStatus,
    Person,
    PersonFragility,
    PersonStatus,
    Role,
)
from tests.integration.demo_world import TODAY, Ctx, world_for

ROOT = Path(__file__).resolve().parents[2]
ASYLUM = date(2019, 2, 3)
PROTECTION = LegalStatus.INTERNATIONAL_PROTECTION
SENSITIVE_NAMES = frozenset(
    {
        "legal_status",
        "asylum_application_date",
        "protection",
        "health_notes",
        "disability",
        "fragilities",
        "notes",
        "tax_code",
        "provisional_tax_code",
    }
)


@dataclasses.dataclass(frozen=True)
class Secrets:
    """The planted values, per person id, and per field."""

    by_person: dict[int, dict[str, str]]

    def values(self, field: str) -> list[str]:
        return [v[field] for v in self.by_person.values()]


def plant(engine, ctx: Ctx) -> None:
    with unit_of_work(engine) as s:
        for n, pid in enumerate(_planted_ids(ctx)):
            person = s.get(Person, pid)
            person.health_notes = f"Diabete tipo uno ZQX{n}HEALTH"
            person.notes = f"Vive in comunità protetta ZQX{n}NOTE"
            person.legal_status = PROTECTION
            person.asylum_application_date = ASYLUM
            s.add(PersonFragility(person_id=pid, marker=FragilityMarker.DISABILITY))


def _planted_ids(ctx: Ctx) -> list[int]:
    return [ctx.person_id, ctx.entry_person_id, ctx.internship_person_id]


def secrets_of(engine, ctx: Ctx) -> Secrets:
    with unit_of_work(engine) as s:
        return Secrets(
            {
                pid: {
                    "tax_code": (p := s.get(Person, pid)).tax_code,
                    "health_notes": p.health_notes,
                    "notes": p.notes,
                    "legal_status": p.legal_status.value,
                    "asylum_application_date": ASYLUM.isoformat(),
                }
                for pid in _planted_ids(ctx)
            }
        )


@pytest.fixture
def world(migrated_url):
    engine, ctx = world_for(migrated_url, prepare=plant, key="visibility")
    return engine, ctx, secrets_of(engine, ctx)


# --------------------------------------------------------------------------- reading a result
def texts(obj: object, names: set[str]) -> Iterator[str]:
    """Every text a result holds (recursively), collecting field/column/key names in ``names``."""
    if obj is None:
        return
    if isinstance(obj, pd.DataFrame):
        names.update(map(str, obj.columns))
        yield obj.to_csv(index=False)
    elif isinstance(obj, pd.Series):
        yield obj.to_csv()
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            names.add(f.name)
            yield from texts(getattr(obj, f.name), names)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            names.add(str(key))
            yield str(key)
            yield from texts(value, names)
    elif isinstance(obj, list | tuple | set | frozenset):
        for item in obj:
            yield from texts(item, names)
    elif isinstance(obj, bytes):
        yield from _file_texts(obj, names)
    elif isinstance(obj, Enum):
        yield str(obj.value)
    elif isinstance(obj, date):
        yield obj.isoformat()
    else:
        yield str(obj)


def _file_texts(data: bytes, names: set[str]) -> Iterator[str]:
    if data.startswith(b"%PDF"):
        from pypdf import PdfReader

        yield "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    elif data.startswith(b"PK"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                yield "\t".join("" if v is None else str(v) for v in row)
    else:
        text = data.decode("utf-8-sig")
        try:
            yield from texts(json.loads(text), names)
        except ValueError:
            yield text


def shown(obj: object) -> tuple[str, set[str]]:
    names: set[str] = set()
    return "\n".join(texts(obj, names)), names


# --------------------------------------------------------------------------- the views
View = Callable[[Session, Actor, Ctx], object]


ANALYSES = ("competence_gap", "workshop_suggestion", "fairness")  # kpi.compute's other names


def _kpi(name: str) -> View:
    return lambda s, a, c: kpi.compute(name, session=s, actor=a, filters=c.kpi_filters)


VIEWS: dict[str, View] = {
    # people register and person page
    "people.list_": lambda s, a, c: people.list_(
        session=s, actor=a, filters=people.RegisterFilter(), page_size=500
    ),
    "people.export_register": lambda s, a, c: people.export_register(
        session=s, actor=a, filters=people.RegisterFilter()
    ),
    "people.get": lambda s, a, c: people.get(
        session=s, actor=a, person_id=c.person_id, today=TODAY
    ),
    "people.consents": lambda s, a, c: people.consents(session=s, actor=a, person_id=c.person_id),
    "paths.timeline": lambda s, a, c: paths.timeline(session=s, actor=a, person_id=c.person_id),
    "paths.activities": lambda s, a, c: paths.activities(
        session=s, actor=a, person_id=c.person_id, today=TODAY
    ),
    "people.citizenships": lambda s, a, c: people.citizenships(session=s, actor=a),
    "paths.get_pact": lambda s, a, c: paths.get_pact(
        session=s, actor=a, person_id=c.person_id, today=TODAY
    ),
    "tutoring.meetings": lambda s, a, c: tutoring.meetings(
        session=s, actor=a, person_id=c.person_id
    ),
    # caseloads and home pages
    "tutoring.caseload": lambda s, a, c: tutoring.caseload(
        session=s, actor=a, tutor_id=c.actors[Role.TUTOR].id, today=TODAY
    ),
    "overview.caseload": lambda s, a, c: overview.caseload(session=s, actor=a, today=TODAY),
    "overview.centre": lambda s, a, c: overview.centre(session=s, actor=a, today=TODAY),
    "overview.partner": lambda s, a, c: overview.partner(session=s, actor=a),
    # matching and shortlists
    "matching.rank_people": lambda s, a, c: matching.rank_people(
        session=s, actor=a, vacancy_id=c.vacancy_id, today=TODAY
    ),
    "matching.vacancies_for_person": lambda s, a, c: matching.vacancies_for_person(
        session=s, actor=a, person_id=c.person_id, today=TODAY
    ),
    "shortlists.entries": lambda s, a, c: shortlists.entries(
        session=s, actor=a, vacancy_id=c.vacancy_id
    ),
    "shortlists.history": lambda s, a, c: shortlists.history(
        session=s, actor=a, vacancy_id=c.vacancy_id
    ),
    "shortlists.share_preview": lambda s, a, c: shortlists.share_preview(
        session=s, actor=a, vacancy_id=c.vacancy_id, partner_org_id=c.org_id, today=TODAY
    ),
    # internships
    "internships.list_": lambda s, a, c: internships.list_(
        session=s, actor=a, page_size=500, today=TODAY
    ),
    "internships.get": lambda s, a, c: internships.get(
        session=s, actor=a, id=c.internship_id, today=TODAY
    ),
    "internships.person_options": lambda s, a, c: internships.person_options(
        session=s, actor=a, text="", limit=500
    ),
    "internships.selectable_entries": lambda s, a, c: internships.selectable_entries(
        session=s, actor=a
    ),
    "paths.internships": lambda s, a, c: paths.internships(
        session=s, actor=a, person_id=c.internship_person_id
    ),
    # workshops
    "workshops.enrolments": lambda s, a, c: workshops.enrolments(
        session=s, actor=a, edition_id=c.attendance_edition_id, today=TODAY
    ),
    "workshops.eligible_people": lambda s, a, c: workshops.eligible_people(
        session=s, actor=a, edition_id=c.edition_id
    ),
    "workshops.attendance": lambda s, a, c: workshops.attendance(
        session=s, actor=a, edition_id=c.attendance_edition_id, today=TODAY
    ),
    "workshops.person_enrolments": lambda s, a, c: workshops.person_enrolments(
        session=s, actor=a, person_id=c.entry_person_id
    ),
    # competences
    "competences.get_person": lambda s, a, c: competences.get_person(
        session=s, actor=a, person_id=c.person_id
    ),
    "competences.find_people": lambda s, a, c: competences.find_people(
        session=s, actor=a, text="Permessi"
    ),
    "competences.get_edition": lambda s, a, c: competences.get_edition(
        session=s, actor=a, edition_id=c.attendance_edition_id
    ),
    "competences.progress_csv": lambda s, a, c: competences.progress_csv(
        session=s, actor=a, person_id=c.person_id
    ),
    "transparency.sheet_data": lambda s, a, c: transparency.sheet_data(
        session=s, actor=a, person_id=c.person_id, today=TODAY
    ),
    "paths.ratings": lambda s, a, c: paths.ratings(session=s, actor=a, person_id=c.person_id),
    "competences.relevant_competences": lambda s, a, c: competences.relevant_competences(
        session=s, actor=a, person_id=c.person_id
    ),
    # figures (aggregates) and their downloads
    **{f"kpi.{name}": _kpi(name) for name in [*kpi.KPIS, *ANALYSES]},
    "kpi.filter_options": lambda s, a, c: kpi.filter_options(session=s, actor=a),
    "kpi_report.workbook": lambda s, a, c: kpi_report.workbook(
        session=s, actor=a, filters=c.kpi_filters
    ),
    "kpi_report.pdf": lambda s, a, c: kpi_report.pdf(session=s, actor=a, filters=c.kpi_filters),
    # partner portal and the coordinators' view of it
    "partners.shared_shortlists": lambda s, a, c: partners.shared_shortlists(
        session=s, actor=a, today=TODAY
    ),
    "partners.shortlist": lambda s, a, c: partners.shortlist(
        session=s, actor=a, vacancy_id=c.vacancy_id, today=TODAY
    ),
    "partners.referred": lambda s, a, c: partners.referred(
        session=s, actor=a, stages=list(PersonStatus), today=TODAY
    ),
    "partners.open_vacancies": lambda s, a, c: partners.open_vacancies(session=s, actor=a),
    "partners.share_overview": lambda s, a, c: partners.share_overview(
        session=s, actor=a, today=TODAY
    ),
    "partners.nominations": lambda s, a, c: partners.nominations(session=s, actor=a),
    # data protection and the audit log
    "gdpr.find_people": lambda s, a, c: gdpr.find_people(session=s, actor=a, text="Permessi"),
    "gdpr.get_subject": lambda s, a, c: gdpr.get_subject(session=s, actor=a, person_id=c.person_id),
    "gdpr.export_json": lambda s, a, c: gdpr.export_json(session=s, actor=a, person_id=c.person_id),
    "gdpr.export_pdf": lambda s, a, c: gdpr.export_pdf(session=s, actor=a, person_id=c.person_id),
    "gdpr.retention_due": lambda s, a, c: gdpr.retention_due(
        session=s, actor=a, years=1, today=TODAY.replace(year=TODAY.year + 2)
    ),
    "companies.get": lambda s, a, c: companies.get(session=s, actor=a, id=c.company_id),
    "audit_log.export_entries": lambda s, a, c: audit_log.export_entries(
        session=s, actor=a, filters=audit_log.AuditFilters()
    ),
}


def call(engine, view: View, actor: Actor, ctx: Ctx) -> object:
    """The view's result, or ``PermissionDenied``; nothing it wrote is kept."""
    session = Session(bind=engine)
    try:
        return view(session, actor, ctx)
    except PermissionDenied as exc:
        return exc
    finally:
        session.rollback()
        session.close()


# What each staff page shows of the planted values (the person page shows them all; the register,
# the competence pages, the internship and workshop pickers and the privacy page's search show the
# tax code to tell namesakes apart; the subject access export is the whole file).
ALL = frozenset({"tax_code", "health_notes", "notes", "legal_status", "disability"})
SHOWS: dict[str, frozenset[str]] = {
    "people.get": ALL,
    "gdpr.export_json": ALL,
    "gdpr.export_pdf": frozenset({"tax_code", "health_notes", "notes"}),
    "people.list_": frozenset({"tax_code"}),
    "internships.person_options": frozenset({"tax_code"}),
    "workshops.eligible_people": frozenset({"tax_code"}),
    "competences.get_person": frozenset({"tax_code"}),
    "competences.find_people": frozenset({"tax_code"}),
    "gdpr.find_people": frozenset({"tax_code"}),
    "gdpr.get_subject": frozenset({"tax_code"}),
}


def found(text: str, secrets: Secrets) -> set[str]:
    """Which planted values ``text`` holds."""
    out = {
        f
        for f in ("tax_code", "health_notes", "notes")
        if any(v in text for v in secrets.values(f))
    }
    if PROTECTION.value in text or ASYLUM.isoformat() in text:
        out.add("legal_status")
    if FragilityMarker.DISABILITY.value in text:
        out.add("disability")
    return out


CASES = [pytest.param(name, role, id=f"{name}-{role.value}") for name in VIEWS for role in Role]


@pytest.mark.parametrize(("name", "role"), CASES)
def test_sensitive_fields_reach_staff_only(world, name, role):
    engine, ctx, secrets = world
    got = call(engine, VIEWS[name], ctx.actors[role], ctx)
    if isinstance(got, PermissionDenied):
        return  # refused: nothing shown (the permission matrix proves nothing was written)
    text, names = shown(got)
    if role is Role.PARTNER:
        assert not found(text, secrets), f"{name} shows a partner {found(text, secrets)}"
        assert not names & SENSITIVE_NAMES, f"{name} gives a partner {names & SENSITIVE_NAMES}"
    else:
        assert found(text, secrets) >= SHOWS.get(name, frozenset()), name


def test_the_partner_reaches_the_planted_people(world):
    """The partner's own views do list the planted people: their absence above means something."""
    engine, ctx, _ = world
    partner = ctx.actors[Role.PARTNER]
    with unit_of_work(engine) as s:
        first_names = {s.get(Person, pid).first_name for pid in _planted_ids(ctx)}
    referred, _ = shown(call(engine, VIEWS["partners.referred"], partner, ctx))
    listed, _ = shown(call(engine, VIEWS["partners.shortlist"], partner, ctx))
    assert all(name in referred for name in first_names)
    with unit_of_work(engine) as s:
        assert s.get(Person, ctx.entry_person_id).first_name in listed


def test_the_planted_values_are_found_when_present(world):
    """The reader is not blind: each planted value is found in a staff member's person page."""
    engine, ctx, secrets = world
    for pid in _planted_ids(ctx):
        view = call(
            engine,
            lambda s, a, c, pid=pid: people.get(session=s, actor=a, person_id=pid, today=TODAY),
            ctx.actors[Role.TUTOR],
            ctx,
        )
        text, _ = shown(view)
        assert found(text, Secrets({pid: secrets.by_person[pid]})) == ALL


# --------------------------------------------------------------------------- completeness
SCALARS = {"int", "None", "bool", "str", "int | None", "PersonStatus"}


def services_returning_people() -> set[str]:
    """Public services (they authorize) that read people (``Person`` or a ``person_id``) and
    return more than an id or a flag."""
    out = set()
    for path in sorted((ROOT / "fleming").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in tree.body:
            if not isinstance(fn, ast.FunctionDef) or fn.name.startswith("_"):
                continue
            called = {
                c.func.id
                for c in ast.walk(fn)
                if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
            }
            if not called & {"authorize", "_org_id"}:
                continue
            names = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
            takes_person = "person_id" in {a.arg for a in fn.args.kwonlyargs}
            returns = ast.unparse(fn.returns) if fn.returns is not None else ""
            if ("Person" in names or takes_person) and returns not in SCALARS:
                out.add(f"{path.stem}.{fn.name}")
    return out


def test_every_service_that_returns_people_is_checked():
    found_services = services_returning_people()
    assert "people.get" in found_services and "partners.referred" in found_services
    missing = found_services - set(VIEWS)
    assert not missing, f"add these services to VIEWS (and SHOWS if staff see a field): {missing}"
    assert set(SHOWS) <= set(VIEWS)
