"""Vacancies (*fabbisogni*): the positions companies ask the centre to fill.

A vacancy belongs to a company and names an occupation — one of the centre's trades, and/or an
ESCO occupation (its URI and ISCO-08 unit group are stored, see ``fleming.esco``) — with the
competences it requires (minimum level 1–3, essential or desirable).

Status: open → shortlisting → filled, or closed with a reason at any point before it is filled;
a closed vacancy may be opened again. A vacancy for an internship can only be *open* (created,
or re-opened) while the company holds a valid internship convention — the rule lives in
``fleming.companies.has_valid_convention``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from fleming import audit, esco
from fleming.actor import Actor
from fleming.companies import has_valid_convention, municipality_name
from fleming.errors import Conflict, NotFound, ValidationError, ValidationErrors
from fleming.i18n import enum_label, translate
from fleming.models import (
    CefrLevel,
    Company,
    Competence,
    ConventionKind,
    Trade,
    Vacancy,
    VacancyCompetence,
    VacancyKind,
    VacancyStatus,
)
from fleming.permissions import authorize
from fleming.validators import (
    int_in_range,
    normalise_municipality,
    optional_text,
    required_text,
)

MAX_POSITIONS = 100

STATUS_TRANSITIONS: dict[VacancyStatus, frozenset[VacancyStatus]] = {
    VacancyStatus.OPEN: frozenset(
        {VacancyStatus.SHORTLISTING, VacancyStatus.FILLED, VacancyStatus.CLOSED}
    ),
    VacancyStatus.SHORTLISTING: frozenset(
        {VacancyStatus.OPEN, VacancyStatus.FILLED, VacancyStatus.CLOSED}
    ),
    VacancyStatus.FILLED: frozenset(),
    VacancyStatus.CLOSED: frozenset({VacancyStatus.OPEN}),
}


def next_statuses(current: VacancyStatus) -> list[VacancyStatus]:
    """The statuses a vacancy in ``current`` may move to, in lifecycle order."""
    return [s for s in VacancyStatus if s in STATUS_TRANSITIONS[current]]


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class RequirementInput:
    competence_id: int | None
    min_level: int | str | None = 1
    essential: bool = True


@dataclass(frozen=True)
class VacancyInput:
    company_id: int | None
    title: str | None
    kind: VacancyKind | str | None
    min_italian_level: CefrLevel | str | None
    trade_id: int | None = None
    esco_uri: str | None = None
    positions: int | str | None = 1
    contract_offered: str | None = None
    hours_percent: int | str | None = 100
    municipality_code: str | None = None
    start_date: date | None = None
    deadline: date | None = None
    published_to_partners: bool = False
    hide_company_name: bool = False
    requirements: tuple[RequirementInput, ...] = ()
    version: int | None = None  # the version the user loaded (updates only)


# --------------------------------------------------------------------------- outputs
@dataclass(frozen=True)
class RequirementRow:
    competence_id: int
    code: str
    label_it: str
    label_en: str
    min_level: int
    essential: bool

    def label(self, lang: str) -> str:
        return self.label_it if lang == "it" else self.label_en


@dataclass(frozen=True)
class VacancyRow:
    id: int
    title: str
    company_id: int
    company_name: str
    trade_id: int | None
    kind: VacancyKind
    positions: int
    status: VacancyStatus
    municipality_code: str | None
    start_date: date | None
    deadline: date | None
    created_on: date
    requirements: int


@dataclass(frozen=True)
class VacancyPage:
    rows: tuple[VacancyRow, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class VacancyDetail:
    id: int
    company_id: int
    company_name: str
    title: str
    trade_id: int | None
    esco_uri: str | None
    esco_label: str | None
    isco_code: str | None
    positions: int
    kind: VacancyKind
    contract_offered: str | None
    hours_percent: int
    municipality_code: str | None
    min_italian_level: CefrLevel
    start_date: date | None
    deadline: date | None
    status: VacancyStatus
    closed_reason: str | None
    published_to_partners: bool
    hide_company_name: bool
    created_on: date
    version: int
    convention_valid: bool
    requirements: tuple[RequirementRow, ...]

    def as_input(self) -> VacancyInput:
        return VacancyInput(
            company_id=self.company_id,
            title=self.title,
            kind=self.kind,
            min_italian_level=self.min_italian_level,
            trade_id=self.trade_id,
            esco_uri=self.esco_uri,
            positions=self.positions,
            contract_offered=self.contract_offered,
            hours_percent=self.hours_percent,
            municipality_code=self.municipality_code,
            start_date=self.start_date,
            deadline=self.deadline,
            published_to_partners=self.published_to_partners,
            hide_company_name=self.hide_company_name,
            requirements=tuple(
                RequirementInput(r.competence_id, r.min_level, r.essential)
                for r in self.requirements
            ),
            version=self.version,
        )


@dataclass(frozen=True)
class CompetenceOption:
    id: int
    code: str
    label_it: str
    label_en: str
    area: str
    trade_id: int | None

    def label(self, lang: str) -> str:
        return self.label_it if lang == "it" else self.label_en


@dataclass(frozen=True)
class TradeOption:
    id: int
    code: str
    label_it: str
    label_en: str

    def label(self, lang: str) -> str:
        return self.label_it if lang == "it" else self.label_en


# --------------------------------------------------------------------------- validation
def _collect(errors: list[ValidationError], fn, *args) -> Any:
    try:
        return fn(*args)
    except ValidationError as exc:
        errors.append(exc)
        return None


def _enum(value: Any, cls: type[enum.StrEnum], field_name: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        raise ValidationError(field_name, "error.required") from None


def _occupation(data: VacancyInput) -> tuple[str | None, str | None]:
    """The ESCO URI and ISCO code to store; the ISCO code always comes from the ESCO file."""
    uri = (data.esco_uri or "").strip() or None
    if uri is None:
        return None, None
    if not esco.URI_PATTERN.match(uri):
        raise ValidationError("esco_uri", "vacancies.error.esco_unknown")
    if esco.available():
        occupation = esco.by_uri(uri)
        if occupation is None:
            raise ValidationError("esco_uri", "vacancies.error.esco_unknown")
        return uri, occupation.isco_code or None
    return uri, None  # kept as given; its ISCO code is filled in when the file is back


def _requirements(
    session: Session, items: tuple[RequirementInput, ...], errors: list[ValidationError]
) -> list[tuple[int, int, bool]]:
    ids = [r.competence_id for r in items if r.competence_id is not None]
    known = set(
        session.scalars(
            select(Competence.id).where(Competence.id.in_(ids), Competence.retired_at.is_(None))
        )
    )
    seen: set[int] = set()
    out: list[tuple[int, int, bool]] = []
    for item in items:
        if item.competence_id is None:
            continue  # an empty grid row
        if item.competence_id not in known:
            errors.append(ValidationError("requirements", "vacancies.error.competence_unknown"))
            continue
        if item.competence_id in seen:
            errors.append(ValidationError("requirements", "vacancies.error.competence_twice"))
            continue
        seen.add(item.competence_id)
        try:
            level = int_in_range(item.min_level, "requirements", 1, 3)
        except ValidationError:
            errors.append(ValidationError("requirements", "vacancies.error.level_range"))
            continue
        out.append((item.competence_id, level, bool(item.essential)))
    return out


def _clean(session: Session, data: VacancyInput) -> dict[str, Any]:
    errors: list[ValidationError] = []
    company = session.get(Company, data.company_id) if data.company_id else None
    if company is None:
        errors.append(ValidationError("company_id", "vacancies.error.company_required"))
    values: dict[str, Any] = {
        "company_id": company.id if company else None,
        "title": _collect(errors, required_text, data.title, "title", 200),
        "kind": _collect(errors, _enum, data.kind, VacancyKind, "kind"),
        "min_italian_level": _collect(
            errors, _enum, data.min_italian_level, CefrLevel, "min_italian_level"
        ),
        "positions": _collect(errors, int_in_range, data.positions, "positions", 1, MAX_POSITIONS),
        "contract_offered": _collect(
            errors, optional_text, data.contract_offered, "contract_offered", 100
        ),
        "hours_percent": _collect(
            errors, int_in_range, data.hours_percent, "hours_percent", 1, 100
        ),
        "municipality_code": _collect(
            errors, normalise_municipality, data.municipality_code, "municipality_code"
        ),
        "start_date": data.start_date,
        "deadline": data.deadline,
        "published_to_partners": bool(data.published_to_partners),
        "hide_company_name": bool(data.hide_company_name),
    }
    if data.trade_id is not None and session.get(Trade, data.trade_id) is None:
        errors.append(ValidationError("trade_id", "vacancies.error.occupation_required"))
    values["trade_id"] = data.trade_id
    try:
        values["esco_occupation_uri"], values["isco_code"] = _occupation(data)
    except ValidationError as exc:
        errors.append(exc)
    if values["trade_id"] is None and not (data.esco_uri or "").strip():
        errors.append(ValidationError("trade_id", "vacancies.error.occupation_required"))
    if data.deadline and data.start_date and data.deadline > data.start_date:
        errors.append(ValidationError("deadline", "vacancies.error.deadline_after_start"))
    values["requirements"] = _requirements(session, tuple(data.requirements), errors)
    values["_company"] = company
    if errors:
        raise ValidationErrors(errors)
    return values


def _convention_check(session: Session, company: Company, kind: VacancyKind, day: date) -> None:
    if kind is VacancyKind.INTERNSHIP and not has_valid_convention(
        session=session, company_id=company.id, kind=ConventionKind.INTERNSHIPS, on_date=day
    ):
        raise ValidationErrors(
            [ValidationError("kind", "vacancies.error.no_convention", company=company.name)]
        )


def _vacancy(session: Session, vacancy_id: int) -> Vacancy:
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None:
        raise NotFound("vacancy")
    return vacancy


def _set_requirements(vacancy: Vacancy, items: list[tuple[int, int, bool]]) -> None:
    wanted = {cid: (level, essential) for cid, level, essential in items}
    for req in list(vacancy.requirements):
        if req.competence_id not in wanted:
            vacancy.requirements.remove(req)
        else:
            req.min_level, req.essential = wanted.pop(req.competence_id)
    for cid, (level, essential) in wanted.items():
        vacancy.requirements.append(
            VacancyCompetence(competence_id=cid, min_level=level, essential=essential)
        )


def _requirements_snapshot(items: list[tuple[int, int, bool]]) -> list[dict[str, Any]]:
    return [{"competence_id": c, "min_level": lvl, "essential": e} for c, lvl, e in items]


# --------------------------------------------------------------------------- services
def create(*, session: Session, actor: Actor, data: VacancyInput, today: date | None = None) -> int:
    """Open a vacancy for a company; an internship needs a valid internship convention today."""
    authorize(session=session, actor=actor, operation="vacancies.create")
    today = today or date.today()
    values = _clean(session, data)
    company = values.pop("_company")
    requirements = values.pop("requirements")
    _convention_check(session, company, values["kind"], today)
    vacancy = Vacancy(**values, status=VacancyStatus.OPEN, created_on=today)
    _set_requirements(vacancy, requirements)
    session.add(vacancy)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="vacancy",
        entity_id=vacancy.id,
        changes={
            **audit.snapshot(vacancy),
            "requirements": _requirements_snapshot(requirements),
        },
    )
    return vacancy.id


def update(
    *,
    session: Session,
    actor: Actor,
    id: int,
    data: VacancyInput,
    today: date | None = None,
) -> None:
    """Save an edited vacancy (not its status); ``data.version`` is the version the user loaded."""
    authorize(session=session, actor=actor, operation="vacancies.update")
    today = today or date.today()
    vacancy = _vacancy(session, id)
    if data.version is None or vacancy.version != data.version:
        raise Conflict("stale")
    values = _clean(session, data)
    company = values.pop("_company")
    requirements = values.pop("requirements")
    if vacancy.status in VacancyStatus.RECRUITING and (
        values["kind"] != vacancy.kind or values["company_id"] != vacancy.company_id
    ):
        _convention_check(session, company, values["kind"], today)
    before = sorted((r.competence_id, r.min_level, r.essential) for r in vacancy.requirements)
    for key, value in values.items():
        setattr(vacancy, key, value)
    changes = audit.changed_fields(vacancy)
    _set_requirements(vacancy, requirements)
    if sorted(requirements) != before:
        changes["requirements"] = {
            "from": _requirements_snapshot(before),
            "to": _requirements_snapshot(sorted(requirements)),
        }
        flag_modified(vacancy, "title")  # a change of requirements alone still bumps the version
    if not changes:
        return
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="vacancy",
        entity_id=vacancy.id,
        changes=changes,
    )


def set_status(
    *,
    session: Session,
    actor: Actor,
    id: int,
    status: VacancyStatus | str,
    version: int | None,
    reason: str | None = None,
    today: date | None = None,
) -> None:
    """Move a vacancy along open → shortlisting → filled / closed (closing needs a reason)."""
    authorize(session=session, actor=actor, operation="vacancies.update")
    today = today or date.today()
    vacancy = _vacancy(session, id)
    if version is None or vacancy.version != version:
        raise Conflict("stale")
    errors: list[ValidationError] = []
    new = _collect(errors, _enum, status, VacancyStatus, "status")
    if new is not None and new not in STATUS_TRANSITIONS[vacancy.status]:
        errors.append(ValidationError("status", "vacancies.error.status_transition"))
    text = _collect(errors, optional_text, reason, "closed_reason", 200)
    if new is VacancyStatus.CLOSED and not text and not errors:
        errors.append(ValidationError("closed_reason", "vacancies.error.reason_required"))
    if errors:
        raise ValidationErrors(errors)
    if new is VacancyStatus.OPEN and vacancy.status is VacancyStatus.CLOSED:
        _convention_check(session, vacancy.company, vacancy.kind, today)
    vacancy.status = new
    vacancy.closed_reason = text if new is VacancyStatus.CLOSED else None
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="vacancy",
        entity_id=vacancy.id,
        changes=audit.changed_fields(vacancy),
    )


def get(*, session: Session, actor: Actor, id: int, today: date | None = None) -> VacancyDetail:
    authorize(session=session, actor=actor, operation="vacancies.view")
    v = _vacancy(session, id)
    reqs = tuple(
        RequirementRow(c.id, c.code, c.label_it, c.label_en, r.min_level, r.essential)
        for r, c in session.execute(
            select(VacancyCompetence, Competence)
            .join(Competence, Competence.id == VacancyCompetence.competence_id)
            .where(VacancyCompetence.vacancy_id == v.id)
            .order_by(VacancyCompetence.essential.desc(), Competence.code)
        )
    )
    occupation = esco.by_uri(v.esco_occupation_uri)
    return VacancyDetail(
        id=v.id,
        company_id=v.company_id,
        company_name=v.company.name,
        title=v.title,
        trade_id=v.trade_id,
        esco_uri=v.esco_occupation_uri,
        esco_label=occupation.label if occupation else None,
        isco_code=v.isco_code,
        positions=v.positions,
        kind=v.kind,
        contract_offered=v.contract_offered,
        hours_percent=v.hours_percent,
        municipality_code=v.municipality_code,
        min_italian_level=v.min_italian_level,
        start_date=v.start_date,
        deadline=v.deadline,
        status=v.status,
        closed_reason=v.closed_reason,
        published_to_partners=v.published_to_partners,
        hide_company_name=v.hide_company_name,
        created_on=v.created_on,
        version=v.version,
        convention_valid=has_valid_convention(
            session=session,
            company_id=v.company_id,
            kind=ConventionKind.INTERNSHIPS,
            on_date=today,
        ),
        requirements=reqs,
    )


# --------------------------------------------------------------------------- list
@dataclass(frozen=True)
class VacancyFilters:
    search: str = ""
    statuses: tuple[VacancyStatus, ...] = ()
    kinds: tuple[VacancyKind, ...] = ()
    trade_ids: tuple[int, ...] = ()
    company_id: int | None = None


def _conditions(filters: VacancyFilters) -> list:
    conditions = []
    needle = " ".join((filters.search or "").split()).lower()
    if needle:
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        conditions.append(
            or_(
                func.lower(Vacancy.title).like(pattern, escape="\\"),
                func.lower(Company.name).like(pattern, escape="\\"),
            )
        )
    if filters.statuses:
        conditions.append(Vacancy.status.in_(list(filters.statuses)))
    if filters.kinds:
        conditions.append(Vacancy.kind.in_(list(filters.kinds)))
    if filters.trade_ids:
        conditions.append(Vacancy.trade_id.in_(list(filters.trade_ids)))
    if filters.company_id is not None:
        conditions.append(Vacancy.company_id == filters.company_id)
    return conditions


def _columns() -> list:
    requirements = (
        select(func.count())
        .select_from(VacancyCompetence)
        .where(VacancyCompetence.vacancy_id == Vacancy.id)
        .scalar_subquery()
    )
    return [
        Vacancy.id,
        Vacancy.title,
        Vacancy.company_id,
        Company.name,
        Vacancy.trade_id,
        Vacancy.kind,
        Vacancy.positions,
        Vacancy.status,
        Vacancy.municipality_code,
        Vacancy.start_date,
        Vacancy.deadline,
        Vacancy.created_on,
        requirements,
    ]


def list_(
    *,
    session: Session,
    actor: Actor,
    filters: VacancyFilters = VacancyFilters(),
    page: int = 1,
    page_size: int = 25,
) -> VacancyPage:
    """One page of vacancies, newest first; filtered and paged in SQL."""
    authorize(session=session, actor=actor, operation="vacancies.list")
    page_size = max(1, min(page_size, 500))
    conditions = _conditions(filters)
    total = (
        session.scalar(
            select(func.count())
            .select_from(Vacancy)
            .join(Company, Company.id == Vacancy.company_id)
            .where(*conditions)
        )
        or 0
    )
    pages = max(1, -(-total // page_size))
    page = max(1, min(page, pages))
    rows = session.execute(
        select(*_columns())
        .join(Company, Company.id == Vacancy.company_id)
        .where(*conditions)
        .order_by(Vacancy.created_on.desc(), Vacancy.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return VacancyPage(tuple(VacancyRow(*r) for r in rows), total, page, page_size)


def status_counts(*, session: Session, actor: Actor) -> dict[VacancyStatus, int]:
    authorize(session=session, actor=actor, operation="vacancies.list")
    counts = dict(
        session.execute(select(Vacancy.status, func.count()).group_by(Vacancy.status)).all()
    )
    return {s: counts.get(s, 0) for s in VacancyStatus}


def export_frame(
    *,
    session: Session,
    actor: Actor,
    filters: VacancyFilters = VacancyFilters(),
    lang: str = "it",
) -> pd.DataFrame:
    """Every vacancy matching ``filters`` with its required competences, headers translated."""
    authorize(session=session, actor=actor, operation="vacancies.export")
    rows = session.execute(
        select(
            *_columns(),
            Vacancy.contract_offered,
            Vacancy.hours_percent,
            Vacancy.min_italian_level,
            Vacancy.isco_code,
            Vacancy.esco_occupation_uri,
            Vacancy.closed_reason,
        )
        .join(Company, Company.id == Vacancy.company_id)
        .where(*_conditions(filters))
        .order_by(Vacancy.created_on.desc(), Vacancy.id.desc())
    ).all()
    trade_labels = {
        t.id: (t.label_it if lang == "it" else t.label_en) for t in session.scalars(select(Trade))
    }
    ids = [r.id for r in rows]
    reqs: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        for vid, code, lvl, essential in session.execute(
            select(
                VacancyCompetence.vacancy_id,
                Competence.code,
                VacancyCompetence.min_level,
                VacancyCompetence.essential,
            )
            .join(Competence, Competence.id == VacancyCompetence.competence_id)
            .where(VacancyCompetence.vacancy_id.in_(ids[start : start + 500]))
            .order_by(VacancyCompetence.vacancy_id, Competence.code)
        ):
            mark = "" if essential else "?"
            reqs.setdefault(vid, []).append(f"{code}≥{lvl}{mark}")

    def h(key: str) -> str:
        return translate(f"vacancies.field.{key}", lang)

    frame = pd.DataFrame(
        {
            h("id"): pd.array([r.id for r in rows], dtype="Int64"),
            h("title"): [r.title for r in rows],
            h("company"): [r.name for r in rows],
            h("trade"): [trade_labels.get(r.trade_id, "") for r in rows],
            h("isco_code"): [r.isco_code for r in rows],
            h("esco_uri"): [r.esco_occupation_uri for r in rows],
            h("kind"): [enum_label(r.kind, lang) for r in rows],
            h("positions"): pd.array([r.positions for r in rows], dtype="Int64"),
            h("contract_offered"): [r.contract_offered for r in rows],
            h("hours_percent"): pd.array([r.hours_percent for r in rows], dtype="Int64"),
            h("municipality"): [municipality_name(r.municipality_code) for r in rows],
            h("min_italian_level"): [enum_label(r.min_italian_level, lang) for r in rows],
            h("start_date"): [r.start_date for r in rows],
            h("deadline"): [r.deadline for r in rows],
            h("status"): [enum_label(r.status, lang) for r in rows],
            h("closed_reason"): [r.closed_reason for r in rows],
            h("created_on"): [r.created_on for r in rows],
            h("requirements"): [", ".join(reqs.get(r.id, [])) for r in rows],
        }
    )
    audit.record(
        session=session,
        actor=actor,
        action="export",
        entity="vacancy",
        changes={"rows": len(frame)},
    )
    return frame


# --------------------------------------------------------------------------- form options
def competence_options(*, session: Session, actor: Actor) -> list[CompetenceOption]:
    """The competences a vacancy may require (not retired), by area and code."""
    authorize(session=session, actor=actor, operation="vacancies.view")
    return [
        CompetenceOption(c.id, c.code, c.label_it, c.label_en, c.area.value, c.trade_id)
        for c in session.scalars(
            select(Competence)
            .where(Competence.retired_at.is_(None))
            .order_by(Competence.area, Competence.code)
        )
    ]


def trade_options(*, session: Session, actor: Actor) -> list[TradeOption]:
    authorize(session=session, actor=actor, operation="vacancies.view")
    return [
        TradeOption(t.id, t.code, t.label_it, t.label_en)
        for t in session.scalars(select(Trade).where(Trade.active).order_by(Trade.id))
    ]
