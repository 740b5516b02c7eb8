"""The permission table walked whole, on real services, on SQLite and PostgreSQL.

``fleming.permissions.PERMISSIONS`` is the one table of service operation → roles. Here:

* every operation a service names (``authorize(..., operation="x")``, or through a helper that
  passes its ``operation`` parameter on to ``authorize``) is a row of the table, and every row
  is named by some service: no dead rows, no operation missing from the table;
* ``CALLS`` maps every row to one call of a real public service with valid arguments on a small
  demo database; a test keeps ``CALLS`` equal to the table's keys, so a new operation without
  both a row and a call here fails the build;
* for every operation and every role: an allowed role's call goes through (no error at all),
  a refused role's call raises ``PermissionDenied``, leaves every table exactly as it was and
  adds one audit row, the refusal itself.

Allowed calls are rolled back afterwards, so every call sees the same database.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleming import (
    audit_log,
    auth,
    companies,
    company_import,
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
    permissions,
    shortlists,
    tutoring,
    vacancies,
    workshops,
)
from fleming.actor import Actor
from fleming.db import unit_of_work
from fleming.errors import PermissionDenied
from fleming.models import (
    AuditEntry,
    Base,
    FundingStream,
    MeetingKind,
    Role,
    ShortlistStage,
)
from tests.integration.company_helpers import company_input, vat
from tests.integration.demo_world import TODAY, Ctx, world_for
from tests.integration.people_helpers import code_for

ROOT = Path(__file__).resolve().parents[2]
ROLES = tuple(Role)


# --------------------------------------------------------------------------- static scan
def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _callee(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _operation_arg(call: ast.Call, position: int | None, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    if position is not None and position < len(call.args):
        return call.args[position]
    return None


def operations_named_by_services() -> tuple[dict[str, list[str]], list[str]]:
    """``{operation: ["file:line", ...]}`` for every operation ``fleming/`` authorizes, and the
    places where the operation could not be read (neither a literal nor a helper's parameter).

    A helper is a function that hands one of its own parameters to ``authorize(operation=...)``
    (``fleming.partners._org_id``); its calls in the same module name the operations.
    """
    found: dict[str, list[str]] = {}
    unreadable: list[str] = []
    for path in sorted((ROOT / "fleming").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT).as_posix()
        helpers: dict[str, tuple[int | None, str]] = {}  # name → (position, parameter)
        passed_on: set[int] = set()  # authorize calls that pass a helper's parameter on
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            positional = [a.arg for a in fn.args.posonlyargs + fn.args.args]
            keyword = [a.arg for a in fn.args.kwonlyargs]
            for call in ast.walk(fn):
                if not (isinstance(call, ast.Call) and _callee(call) == "authorize"):
                    continue
                arg = _operation_arg(call, None, "operation")
                if isinstance(arg, ast.Name) and arg.id in positional + keyword:
                    position = positional.index(arg.id) if arg.id in positional else None
                    helpers[fn.name] = (position, arg.id)
                    passed_on.add(id(call))
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call) or id(call) in passed_on:
                continue
            name = _callee(call)
            if name == "authorize":
                arg = _operation_arg(call, None, "operation")
            elif name in helpers:
                arg = _operation_arg(call, *helpers[name])
            else:
                continue
            value = _literal(arg)
            if value is None:
                unreadable.append(f"{where}:{call.lineno}")
            else:
                found.setdefault(value, []).append(f"{where}:{call.lineno}")
    return found, unreadable


def operations_checked_by_pages() -> dict[str, list[str]]:
    """``allowed(actor, "x")`` in pages and ``fleming/ui``: they show or hide a control."""
    found: dict[str, list[str]] = {}
    for path in sorted([*(ROOT / "app_pages").glob("*.py"), *(ROOT / "fleming").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and _callee(call) == "allowed":
                value = _literal(_operation_arg(call, 1, "operation"))
                if value is not None:
                    found.setdefault(value, []).append(
                        f"{path.relative_to(ROOT).as_posix()}:{call.lineno}"
                    )
    return found


def test_every_operation_a_service_names_is_a_row_and_every_row_is_named():
    named, unreadable = operations_named_by_services()
    assert not unreadable, f"authorize() with an operation that is not a literal: {unreadable}"
    assert len(named) > 50  # the scan sees the services (a broken scan finds nothing)
    missing = {op: at for op, at in named.items() if op not in permissions.PERMISSIONS}
    assert not missing, f"operations authorized but not in PERMISSIONS: {missing}"
    dead = sorted(set(permissions.PERMISSIONS) - set(named))
    assert not dead, f"rows of PERMISSIONS no service authorizes: {dead}"


def test_the_scan_reads_helpers_that_pass_the_operation_on():
    named, _ = operations_named_by_services()
    # fleming.partners names its operations through _org_id(session, actor, "partners.…")
    assert "fleming/partners.py" in " ".join(named["partners.referred"])
    assert all("partners.py" in at for at in named["partners.nominate"])


def test_every_operation_a_page_checks_is_a_row():
    checked = operations_checked_by_pages()
    assert checked, "the scan found no allowed() call"
    unknown = {op: at for op, at in checked.items() if op not in permissions.PERMISSIONS}
    assert not unknown, f"pages check operations that are not in PERMISSIONS: {unknown}"


def test_every_row_names_known_roles_and_at_least_one():
    for op, roles in permissions.PERMISSIONS.items():
        assert roles, op
        assert roles <= set(Role), op


# --------------------------------------------------------------------------- one call per row
Call = Callable[[Session, Actor, Ctx], object]

IMPORT_CSV = (
    "ragione_sociale;partita_iva;codice_ateco;dipendenti\nImport Permessi S.r.l.;{vat};56.10;9\n"
)


def _import_preview(s: Session, a: Actor, c: Ctx):
    return company_import.preview(
        session=s, actor=a, data=IMPORT_CSV.format(vat=vat()).encode(), file_name="aziende.csv"
    )


CALLS: dict[str, Call] = {
    # accounts
    "users.list": lambda s, a, c: auth.list_users(session=s, actor=a),
    "users.create": lambda s, a, c: auth.create_user(
        session=s,
        actor=a,
        username="nuovo.tutor",
        full_name="Nuovo Tutor",
        password="una-password-lunga",
        role=Role.TUTOR,
    ),
    "users.update": lambda s, a, c: auth.set_active(
        session=s, actor=a, user_id=c.tutor_user_id, active=False
    ),
    "users.unlock": lambda s, a, c: auth.unlock_user(session=s, actor=a, user_id=c.tutor_user_id),
    "partners.list": lambda s, a, c: auth.list_partner_orgs(session=s, actor=a),
    # home overviews
    "overview.centre": lambda s, a, c: overview.centre(session=s, actor=a, today=TODAY),
    "overview.caseload": lambda s, a, c: overview.caseload(session=s, actor=a, today=TODAY),
    "overview.partner": lambda s, a, c: overview.partner(session=s, actor=a),
    "overview.accounts": lambda s, a, c: overview.accounts(session=s, actor=a),
    # audit log
    "audit.list": lambda s, a, c: audit_log.list_entries(
        session=s, actor=a, filters=audit_log.AuditFilters()
    ),
    "audit.export": lambda s, a, c: audit_log.export_entries(
        session=s, actor=a, filters=audit_log.AuditFilters()
    ),
    # data protection
    "gdpr.search": lambda s, a, c: gdpr.find_people(session=s, actor=a, text="Permessi"),
    "gdpr.export": lambda s, a, c: gdpr.export_json(session=s, actor=a, person_id=c.person_id),
    "gdpr.anonymise": lambda s, a, c: gdpr.anonymise(
        session=s, actor=a, person_id=c.closed_id, version=c.closed_version, today=TODAY
    ),
    "gdpr.retention": lambda s, a, c: gdpr.set_retention_years(session=s, actor=a, years=12),
    # people and paths
    "people.list": lambda s, a, c: people.list_(session=s, actor=a),
    "people.view": lambda s, a, c: people.get(
        session=s, actor=a, person_id=c.person_id, today=TODAY
    ),
    "people.create": lambda s, a, c: people.create(
        session=s,
        actor=a,
        data=replace(
            c.person_input,
            first_name="Nuova",
            tax_code=_code("Permessi", "Nuova"),
            birth_date=date(1991, 4, 4),
            tutor_id=c.actors[Role.TUTOR].id,
        ),
        consents=people.ConsentInput(data_processing=True),
        today=TODAY,
    ),
    "people.update": lambda s, a, c: people.update(
        session=s,
        actor=a,
        person_id=c.person_id,
        version=c.person_version,
        data=replace(c.person_input, address="Via Nuova 1"),
        today=TODAY,
    ),
    "people.close": lambda s, a, c: paths.close_case(
        session=s,
        actor=a,
        person_id=c.person_id,
        version=c.person_version,
        reason="Trasferita",
        today=TODAY,
    ),
    "people.consents": lambda s, a, c: people.withdraw_consent(
        session=s, actor=a, consent_id=c.consent_id, on=TODAY, today=TODAY
    ),
    "paths.view": lambda s, a, c: paths.timeline(session=s, actor=a, person_id=c.person_id),
    "paths.pact": lambda s, a, c: paths.update_pact(
        session=s,
        actor=a,
        pact_id=c.pact_id,
        version=c.pact_version,
        tutor_id=c.actors[Role.TUTOR].id,
        meeting_every_days=21,
        notes="Incontri ogni tre settimane",
    ),
    "paths.activities": lambda s, a, c: paths.add_activity(
        session=s,
        actor=a,
        person_id=c.person_id,
        data=paths.ActivityInput(
            kind=paths.ActivityKind.ORIENTATION_CV,
            description="Curriculum",
            due_date=TODAY + timedelta(days=20),
            planned_hours=4,
        ),
    ),
    "tutoring.meetings": lambda s, a, c: tutoring.add_meeting(
        session=s,
        actor=a,
        person_id=c.person_id,
        data=tutoring.MeetingInput(met_on=TODAY, kind=MeetingKind.PHONE, notes="Sentita"),
        today=TODAY,
    ),
    "tutoring.caseload": lambda s, a, c: tutoring.caseload(
        session=s, actor=a, tutor_id=c.actors[Role.TUTOR].id, today=TODAY
    ),
    "workshops.view": lambda s, a, c: workshops.editions(session=s, actor=a, today=TODAY),
    "workshops.editions": lambda s, a, c: workshops.update_edition(
        session=s, actor=a, edition_id=c.edition_id, version=c.edition_version, data=c.edition_input
    ),
    "workshops.trades": lambda s, a, c: workshops.add_trade(
        session=s, actor=a, label_it="Panetteria", label_en="Bakery"
    ),
    "workshops.enrol": lambda s, a, c: workshops.enrol(
        session=s, actor=a, edition_id=c.edition_id, person_id=c.person_id, today=TODAY
    ),
    "workshops.attendance": lambda s, a, c: workshops.save_attendance(
        session=s,
        actor=a,
        edition_id=c.attendance_edition_id,
        entries={c.attendance_cell: 1},
        today=TODAY,
    ),
    # competences
    "competences.list": lambda s, a, c: competences.list_competences(session=s, actor=a),
    "competences.manage": lambda s, a, c: competences.rename_competence(
        session=s,
        actor=a,
        competence_id=c.competence_id,
        version=c.competence_version,
        label_it="Impiattare bene",
        label_en="Plating well",
    ),
    "competences.view": lambda s, a, c: competences.get_person(
        session=s, actor=a, person_id=c.person_id
    ),
    "competences.rate": lambda s, a, c: competences.save_ratings(
        session=s,
        actor=a,
        person_id=c.person_id,
        entries=[competences.RatingEntry(c.person_id, c.competence_id, 3)],
        rated_on=TODAY,
        source=competences.RatingSource.ENTRY,
        today=TODAY,
    ),
    "competences.export": lambda s, a, c: competences.progress_csv(
        session=s, actor=a, person_id=c.person_id
    ),
    # companies and vacancies
    "companies.list": lambda s, a, c: companies.list_(session=s, actor=a, today=TODAY),
    "companies.view": lambda s, a, c: companies.get(session=s, actor=a, id=c.company_id),
    "companies.create": lambda s, a, c: companies.create(
        session=s, actor=a, data=_new_company(), today=TODAY
    ),
    "companies.update": lambda s, a, c: companies.update(
        session=s,
        actor=a,
        id=c.company_id,
        data=replace(c.company_input, address="Via Nuova 2"),
        today=TODAY,
    ),
    "companies.contacts": lambda s, a, c: companies.update_contact(
        session=s,
        actor=a,
        id=c.contact_id,
        data=companies.ContactInput(
            name="Gino Permessi", role="Titolare", phone="02 1234567", version=1
        ),
    ),
    "companies.scouting": lambda s, a, c: companies.log_scouting(
        session=s,
        actor=a,
        company_id=c.company_id,
        data=companies.ScoutingInput(TODAY, "telefono", "Interessati a un tirocinio"),
        today=TODAY,
    ),
    "companies.conventions": lambda s, a, c: companies.delete_convention(
        session=s, actor=a, id=c.convention_id
    ),
    "companies.courses": lambda s, a, c: companies.delete_course(
        session=s, actor=a, id=c.course_id
    ),
    "companies.import": _import_preview,
    "companies.export": lambda s, a, c: companies.export_frame(session=s, actor=a, today=TODAY),
    "vacancies.list": lambda s, a, c: vacancies.list_(session=s, actor=a),
    "vacancies.view": lambda s, a, c: vacancies.get(session=s, actor=a, id=c.vacancy_id),
    "vacancies.create": lambda s, a, c: vacancies.create(
        session=s,
        actor=a,
        data=replace(c.vacancy_input, title="Cameriere permessi", version=None),
        today=TODAY,
    ),
    "vacancies.update": lambda s, a, c: vacancies.update(
        session=s,
        actor=a,
        id=c.vacancy_id,
        data=replace(c.vacancy_input, positions=4),
        today=TODAY,
    ),
    "vacancies.export": lambda s, a, c: vacancies.export_frame(session=s, actor=a),
    # matching and shortlists
    "matching.rank": lambda s, a, c: matching.rank_people(
        session=s, actor=a, vacancy_id=c.vacancy_id, today=TODAY
    ),
    "matching.export": lambda s, a, c: matching.record_export(
        session=s, actor=a, vacancy_id=c.vacancy_id, rows=3
    ),
    "matching.settings.update": lambda s, a, c: matching.update_weights(
        session=s,
        actor=a,
        data=replace(matching.MatchWeights(), workshop_bonus=7.0),
        version=c.weights_version,
    ),
    "matching.vacancies_for_person": lambda s, a, c: matching.vacancies_for_person(
        session=s, actor=a, person_id=c.person_id, today=TODAY
    ),
    "shortlists.view": lambda s, a, c: shortlists.entries(
        session=s, actor=a, vacancy_id=c.vacancy_id
    ),
    "shortlists.add": lambda s, a, c: shortlists.add(
        session=s, actor=a, vacancy_id=c.vacancy_id, person_id=c.person_id, today=TODAY
    ),
    "shortlists.move": lambda s, a, c: shortlists.move(
        session=s,
        actor=a,
        entry_id=c.entry_id,
        to_stage=ShortlistStage.WITHDRAWN,
        version=c.entry_version,
        reason="Ha trovato un altro lavoro",
    ),
    "shortlists.share": lambda s, a, c: shortlists.unshare(session=s, actor=a, share_id=c.share_id),
    # partner portal
    "partners.shortlists": lambda s, a, c: partners.shortlist(
        session=s, actor=a, vacancy_id=c.vacancy_id, today=TODAY
    ),
    "partners.referred": lambda s, a, c: partners.referred(session=s, actor=a, today=TODAY),
    "partners.vacancies": lambda s, a, c: partners.open_vacancies(session=s, actor=a),
    "partners.nominate": lambda s, a, c: partners.nominate(
        session=s,
        actor=a,
        vacancy_id=c.vacancy_id,
        person_id=c.person_id,
        motivation="Ha lavorato due anni in una mensa e cerca un tirocinio in cucina.",
        today=TODAY,
    ),
    "partners.shares": lambda s, a, c: partners.share_overview(session=s, actor=a, today=TODAY),
    "partners.unpublish": lambda s, a, c: partners.unpublish(
        session=s, actor=a, vacancy_id=c.vacancy_id, version=c.vacancy_version
    ),
    "partners.nominations": lambda s, a, c: partners.nominations(session=s, actor=a),
    # figures
    "kpi.view": lambda s, a, c: kpi.funnel(session=s, actor=a, filters=c.kpi_filters),
    "kpi.gap": lambda s, a, c: kpi.competence_gap(session=s, actor=a, filters=c.kpi_filters),
    "kpi.export": lambda s, a, c: kpi_report.workbook(session=s, actor=a, filters=c.kpi_filters),
    "kpi.fairness": lambda s, a, c: kpi.fairness(session=s, actor=a, filters=c.kpi_filters),
    # internships
    "internships.list": lambda s, a, c: internships.list_(session=s, actor=a, today=TODAY),
    "internships.view": lambda s, a, c: internships.get(
        session=s, actor=a, id=c.internship_id, today=TODAY
    ),
    "internships.start": lambda s, a, c: internships.start(
        session=s,
        actor=a,
        data=internships.StartInput(
            shortlist_entry_id=c.entry_id,
            start_date=TODAY,
            planned_end_date=TODAY + timedelta(days=150),
            weekly_hours=30,
            monthly_allowance=Decimal("500"),
            company_tutor_name="Gino Permessi",
            centre_tutor_id=c.actors[Role.TUTOR].id,
            funding_stream=FundingStream.MUNICIPAL,
        ),
        today=TODAY,
    ),
    "internships.update": lambda s, a, c: internships.update(
        session=s, actor=a, id=c.internship_id, data=c.internship_update, today=TODAY
    ),
    "internships.close": lambda s, a, c: internships.close(
        session=s,
        actor=a,
        id=c.internship_id,
        data=internships.OutcomeInput(
            version=c.internship_version,
            outcome="interrupted",
            end_date=TODAY,
            reason="Rinuncia",
        ),
        today=TODAY,
    ),
    "internships.attendance": lambda s, a, c: internships.record_attendance(
        session=s,
        actor=a,
        id=c.internship_id,
        version=c.internship_version,
        percents={TODAY.replace(day=1): 90},
        today=TODAY,
    ),
    "internships.check": lambda s, a, c: internships.add_check(
        session=s,
        actor=a,
        id=c.internship_id,
        data=internships.CheckInput(
            version=c.internship_version, checked_on=TODAY, rating=4, notes="Bene"
        ),
        today=TODAY,
    ),
}


def _code(last: str, first: str) -> str:
    return code_for(last, first, date(1991, 4, 4), "F", "F205")


def _new_company() -> companies.CompanyInput:
    return company_input(name="Nuova Permessi S.r.l.")


def test_every_row_has_a_call_and_every_call_a_row():
    assert set(CALLS) == set(permissions.PERMISSIONS), (
        "add the operation to both fleming.permissions.PERMISSIONS and CALLS here: "
        f"without a call {sorted(set(permissions.PERMISSIONS) - set(CALLS))}, "
        f"without a row {sorted(set(CALLS) - set(permissions.PERMISSIONS))}"
    )


# --------------------------------------------------------------------------- the walk
@pytest.fixture
def world(migrated_url) -> tuple[object, Ctx]:
    return world_for(migrated_url)


def fingerprint(engine) -> tuple[dict[str, str], int]:
    """Every table's rows hashed (audit log aside), and the audit log's last id."""
    hashes = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name == AuditEntry.__tablename__:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(table).order_by(*order)).all()
            hashes[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
        last = conn.scalar(select(func.max(AuditEntry.id))) or 0
    return hashes, last


CASES = [
    pytest.param(op, role, id=f"{op}-{role.value}")
    for op in sorted(permissions.PERMISSIONS)
    for role in ROLES
]


@pytest.mark.parametrize(("operation", "role"), CASES)
def test_the_table_holds_on_the_real_services(world, operation, role):
    engine, ctx = world
    actor = ctx.actors[role]
    call = CALLS[operation]
    if role in permissions.PERMISSIONS[operation]:
        session = Session(bind=engine)
        try:
            call(session, actor, ctx)  # any error fails the test: the arguments are valid
            session.flush()
        finally:
            session.rollback()
            session.close()
        return

    before, last_audit = fingerprint(engine)
    session = Session(bind=engine)
    try:
        with pytest.raises(PermissionDenied):
            call(session, actor, ctx)
        assert not (session.new or session.dirty or session.deleted), "something was staged"
        session.commit()  # even a caller that committed after the refusal writes nothing
    finally:
        session.close()
    after, _ = fingerprint(engine)
    assert after == before, [t for t in before if before[t] != after[t]]
    with unit_of_work(engine) as s:
        trail = s.execute(
            select(AuditEntry.actor_username, AuditEntry.action, AuditEntry.entity_id).where(
                AuditEntry.id > last_audit
            )
        ).all()
    assert trail == [(actor.username, "denied", operation)]
