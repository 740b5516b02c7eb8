"""The competence grid: the catalogue, the level scale, ratings and the entry-vs-latest comparison.

The level scale
---------------
One scale, defined once here (``LEVELS``) and used by every grid, chart, PDF and by the matching
(a vacancy asks for a minimum level 1–3):

===  =================================  =====================================================
 0   Non osservata / Not observed        not shown yet, or not observed in a real task
 1   Con guida / With guidance           does the task when guided step by step
 2   In autonomia / Autonomous           does the task alone, on time, with a correct result
 3   Sa insegnarla / Can teach it        autonomous in new situations too, can show a colleague
===  =================================  =====================================================

Italian for work is rated per CEFR skill (listening, reading, speaking, writing: four catalogue
entries) on this same scale; the person's overall CEFR level is recorded on the person.

Ratings are an append-only history (``competence_ratings``): every save adds observations with
date, assessor and source (entry assessment, workshop end, internship evaluation, exit). The
*entry* level of a competence is its first rating, the *latest* its most recent one.

A retired competence stays in the history (and in the comparison) but can no longer be rated.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from fleming import audit
from fleming.actor import Actor
from fleming.errors import Conflict, NotFound, ValidationError, ValidationErrors
from fleming.exports import neutralise_frame
from fleming.models import (
    Competence,
    CompetenceArea,
    CompetenceRating,
    EnrolmentStatus,
    PathActivity,
    Person,
    RatingSource,
    Trade,
    User,
    WorkshopAttendance,
    WorkshopEdition,
    WorkshopEnrolment,
    utcnow,
)
from fleming.permissions import authorize
from fleming.reference import fold as _fold
from fleming.validators import not_in_future

# --------------------------------------------------------------------------- level scale


@dataclass(frozen=True)
class Level:
    """One step of the competence scale, with a short label and a descriptor in both languages."""

    value: int
    label_it: str
    label_en: str
    descriptor_it: str
    descriptor_en: str

    def label(self, lang: str = "it") -> str:
        return self.label_en if lang == "en" else self.label_it

    def descriptor(self, lang: str = "it") -> str:
        return self.descriptor_en if lang == "en" else self.descriptor_it

    def choice(self, lang: str = "it") -> str:
        """How a grid shows the level: ``"2 · In autonomia"``."""
        return f"{self.value} · {self.label(lang)}"


LEVELS: tuple[Level, ...] = (
    Level(
        0,
        "Non osservata",
        "Not observed",
        "Non ancora dimostrata, o non osservata in un compito reale.",
        "Not shown yet, or not observed in a real task.",
    ),
    Level(
        1,
        "Con guida",
        "With guidance",
        "Svolge il compito se guidata passo per passo da un collega o dal formatore.",
        "Does the task when guided step by step by a colleague or the trainer.",
    ),
    Level(
        2,
        "In autonomia",
        "Autonomous",
        "Svolge il compito da sola, nei tempi e con un risultato corretto.",
        "Does the task alone, on time and with a correct result.",
    ),
    Level(
        3,
        "Sa insegnarla",
        "Can teach it",
        "È autonoma anche in situazioni nuove e sa mostrare il compito a un collega.",
        "Is autonomous in new situations too and can show a colleague how to do the task.",
    ),
)
LEVEL_VALUES: tuple[int, ...] = tuple(lv.value for lv in LEVELS)
MIN_LEVEL, MAX_LEVEL = LEVEL_VALUES[0], LEVEL_VALUES[-1]
MIN_REQUIRED_LEVEL = 1  # a vacancy asks for at least "with guidance"
NOTE_MAX = 500  # competence_ratings.note is VARCHAR(500)
LABEL_MAX = 300  # competences.label_* are VARCHAR(300)
AREA_ORDER = (
    CompetenceArea.TECHNICAL,
    CompetenceArea.TRANSVERSAL,
    CompetenceArea.LANGUAGE,
    CompetenceArea.DIGITAL,
)
ESCO_SKILL_URI = re.compile(
    r"^http://data\.europa\.eu/esco/skill/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)


def scale_text(lang: str = "it", *, start: int = 1) -> str:
    """The scale in words, as legends and help texts name it: ``"1 con guida, 2 in autonomia,
    3 sa insegnarla"`` (from ``start``, 1 where "not observed" does not apply)."""
    return ", ".join(f"{lv.value} {lv.label(lang).lower()}" for lv in LEVELS if lv.value >= start)


def level(value: int) -> Level:
    """The ``Level`` with this value; ``ValueError`` outside the scale."""
    if isinstance(value, bool) or value not in LEVEL_VALUES:
        raise ValueError(f"level {value!r} is not on the scale {LEVEL_VALUES}")
    return LEVELS[LEVEL_VALUES.index(value)]


def is_level(value: object) -> bool:
    """True for an integer on the scale (``2`` or ``2.0``; not ``True``, ``"2"`` or ``2.5``)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return value.is_integer() and int(value) in LEVEL_VALUES
    try:
        return int(value) == value and int(value) in LEVEL_VALUES  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def _is_blank(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    return isinstance(value, str) and not value.strip()


# --------------------------------------------------------------------------- catalogue views


@dataclass(frozen=True)
class CompetenceView:
    id: int
    code: str
    label_it: str
    label_en: str
    area: CompetenceArea
    trade_id: int | None
    trade_code: str | None
    trade_label_it: str | None
    trade_label_en: str | None
    esco_uri: str | None
    retired_at: datetime | None
    version: int

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    def label(self, lang: str = "it") -> str:
        return self.label_en if lang == "en" else self.label_it

    def trade_label(self, lang: str = "it") -> str | None:
        return self.trade_label_en if lang == "en" else self.trade_label_it


@dataclass(frozen=True)
class CompetencePage:
    rows: list[CompetenceView]
    total: int


@dataclass(frozen=True)
class TradeRef:
    id: int
    code: str
    label_it: str
    label_en: str

    def label(self, lang: str = "it") -> str:
        return self.label_en if lang == "en" else self.label_it


def _competence_query():
    return select(Competence, Trade).outerjoin(Trade, Trade.id == Competence.trade_id)


def _view(comp: Competence, trade: Trade | None) -> CompetenceView:
    return CompetenceView(
        id=comp.id,
        code=comp.code,
        label_it=comp.label_it,
        label_en=comp.label_en,
        area=CompetenceArea(comp.area),
        trade_id=comp.trade_id,
        trade_code=trade.code if trade else None,
        trade_label_it=trade.label_it if trade else None,
        trade_label_en=trade.label_en if trade else None,
        esco_uri=comp.esco_uri,
        retired_at=comp.retired_at,
        version=comp.version,
    )


def _area_rank():
    from sqlalchemy import case

    return case(
        {area.value: rank for rank, area in enumerate(AREA_ORDER)},
        value=Competence.area,
        else_=len(AREA_ORDER),
    )


def trades(*, session: Session, actor: Actor, include_inactive: bool = False) -> list[TradeRef]:
    """The workshop trades, for the catalogue's and the grids' selectors."""
    authorize(session=session, actor=actor, operation="competences.list")
    query = select(Trade).order_by(Trade.label_it)
    if not include_inactive:
        query = query.where(Trade.active)
    return [TradeRef(t.id, t.code, t.label_it, t.label_en) for t in session.scalars(query)]


def list_competences(
    *,
    session: Session,
    actor: Actor,
    area: CompetenceArea | None = None,
    trade_id: int | None = None,
    search: str | None = None,
    include_retired: bool = True,
    limit: int = 50,
    offset: int = 0,
) -> CompetencePage:
    """A page of the catalogue, filtered and ordered in SQL (area, trade, label)."""
    authorize(session=session, actor=actor, operation="competences.list")
    conditions = []
    if area is not None:
        conditions.append(Competence.area == CompetenceArea(area))
    if trade_id is not None:
        conditions.append(Competence.trade_id == trade_id)
    if not include_retired:
        conditions.append(Competence.retired_at.is_(None))
    needle = (search or "").strip().lower()
    if needle:
        like = f"%{needle}%"
        conditions.append(
            or_(
                func.lower(Competence.label_it).like(like),
                func.lower(Competence.label_en).like(like),
                func.lower(Competence.code).like(like),
            )
        )
    where = and_(*conditions) if conditions else None
    count_query = select(func.count()).select_from(Competence)
    query = _competence_query().order_by(
        Competence.retired_at.is_not(None), _area_rank(), Trade.label_it, Competence.id
    )
    if where is not None:
        count_query = count_query.where(where)
        query = query.where(where)
    total = session.scalar(count_query) or 0
    rows = session.execute(query.limit(max(limit, 1)).offset(max(offset, 0))).all()
    return CompetencePage(rows=[_view(c, t) for c, t in rows], total=total)


def get_competence(*, session: Session, actor: Actor, competence_id: int) -> CompetenceView:
    authorize(session=session, actor=actor, operation="competences.list")
    row = session.execute(_competence_query().where(Competence.id == competence_id)).first()
    if row is None:
        raise NotFound("competence")
    return _view(*row)


# --------------------------------------------------------------------------- catalogue changes


@dataclass(frozen=True)
class NewCompetence:
    label_it: str
    label_en: str
    area: CompetenceArea | str
    trade_id: int | None = None
    esco_uri: str | None = None


def _slug(text: str, max_length: int = 40) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")
    return slug[:max_length].rstrip("_") or "competence"


def _unique_code(session: Session, prefix: str, label: str) -> str:
    base = f"{prefix}.{_slug(label)}"[:56]
    taken = set(session.scalars(select(Competence.code).where(Competence.code.like(f"{base}%"))))
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def _label(value: str | None, field: str, errors: list[ValidationError]) -> str:
    text = " ".join((value or "").split())
    if not text:
        errors.append(ValidationError(field, "error.required"))
    elif len(text) > LABEL_MAX:
        errors.append(ValidationError(field, "validators.text.too_long", n=LABEL_MAX))
    return text


def normalise_esco_uri(value: str | None, field: str = "esco_uri") -> str | None:
    """An ESCO skill URI (``http://data.europa.eu/esco/skill/<uuid>``) or None when empty."""
    text = (value or "").strip()
    if not text:
        return None
    if text.startswith("https://"):
        text = "http://" + text.removeprefix("https://")
    if not ESCO_SKILL_URI.match(text):
        raise ValidationError(field, "competences.error.esco_uri")
    return text


def add_competence(*, session: Session, actor: Actor, data: NewCompetence) -> int:
    """Add a competence to the catalogue; returns its id. Coordinators and admins only."""
    authorize(session=session, actor=actor, operation="competences.manage")
    errors: list[ValidationError] = []
    label_it = _label(data.label_it, "label_it", errors)
    label_en = _label(data.label_en, "label_en", errors)
    try:
        area = CompetenceArea(data.area)
    except ValueError:
        errors.append(ValidationError("area", "error.required"))
        area = None
    trade = session.get(Trade, data.trade_id) if data.trade_id is not None else None
    if area is CompetenceArea.TECHNICAL and trade is None:
        errors.append(ValidationError("trade_id", "competences.error.trade_required"))
    if area is not None and area is not CompetenceArea.TECHNICAL and data.trade_id is not None:
        errors.append(ValidationError("trade_id", "competences.error.trade_only_technical"))
    try:
        esco_uri = normalise_esco_uri(data.esco_uri)
    except ValidationError as exc:
        errors.append(exc)
        esco_uri = None
    if area is not CompetenceArea.TECHNICAL:
        trade = None
    if label_it and area is not None:
        same = session.scalar(
            select(Competence.id).where(
                func.lower(Competence.label_it) == label_it.lower(),
                Competence.area == area,
                Competence.trade_id.is_(None) if trade is None else Competence.trade_id == trade.id,
                Competence.retired_at.is_(None),
            )
        )
        if same is not None:
            errors.append(ValidationError("label_it", "competences.error.duplicate_label"))
    if errors:
        raise ValidationErrors(errors)
    assert area is not None
    prefix = trade.code if trade is not None else area.value
    comp = Competence(
        code=_unique_code(session, prefix, label_en or label_it),
        label_it=label_it,
        label_en=label_en,
        area=area,
        trade_id=trade.id if trade else None,
        esco_uri=esco_uri,
    )
    session.add(comp)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="competence",
        entity_id=comp.id,
        changes=audit.snapshot(comp),
    )
    return comp.id


def _load_for_update(session: Session, competence_id: int, version: int) -> Competence:
    comp = session.get(Competence, competence_id)
    if comp is None:
        raise NotFound("competence")
    if comp.version != version:
        raise Conflict("stale")
    return comp


def _audit_update(session: Session, actor: Actor, comp: Competence) -> None:
    changes = audit.changed_fields(comp)
    if changes:
        session.flush()
        audit.record(
            session=session,
            actor=actor,
            action="update",
            entity="competence",
            entity_id=comp.id,
            changes=changes,
        )


def rename_competence(
    *,
    session: Session,
    actor: Actor,
    competence_id: int,
    version: int,
    label_it: str,
    label_en: str,
) -> None:
    """Change the two labels; the ratings already given keep pointing at the same competence."""
    authorize(session=session, actor=actor, operation="competences.manage")
    comp = _load_for_update(session, competence_id, version)
    errors: list[ValidationError] = []
    new_it = _label(label_it, "label_it", errors)
    new_en = _label(label_en, "label_en", errors)
    if errors:
        raise ValidationErrors(errors)
    comp.label_it, comp.label_en = new_it, new_en
    _audit_update(session, actor, comp)


def retire_competence(*, session: Session, actor: Actor, competence_id: int, version: int) -> None:
    """Retire a competence: it stays in every history but can no longer be rated or required."""
    authorize(session=session, actor=actor, operation="competences.manage")
    comp = _load_for_update(session, competence_id, version)
    if comp.retired_at is not None:
        raise ValidationError("competence", "competences.error.already_retired")
    comp.retired_at = utcnow()
    _audit_update(session, actor, comp)


def reinstate_competence(
    *, session: Session, actor: Actor, competence_id: int, version: int
) -> None:
    """Undo a retirement."""
    authorize(session=session, actor=actor, operation="competences.manage")
    comp = _load_for_update(session, competence_id, version)
    if comp.retired_at is None:
        raise ValidationError("competence", "competences.error.not_retired")
    comp.retired_at = None
    _audit_update(session, actor, comp)


# --------------------------------------------------------------------------- ESCO import
ESCO_COLUMNS = (
    "conceptType",
    "conceptUri",
    "skillType",
    "reuseLevel",
    "preferredLabel",
    "altLabels",
    "hiddenLabels",
    "status",
    "modifiedDate",
    "scopeNote",
    "definition",
    "inScheme",
    "description",
)
"""The columns of the official ESCO v1.2 ``skills_<lang>.csv``."""
ESCO_REQUIRED = ("conceptType", "conceptUri", "skillType", "preferredLabel", "status")
ESCO_SKILL_CONCEPT = "KnowledgeSkillCompetence"
ESCO_CODE_PREFIX = "esco."


def read_esco_skills(source: bytes | str | IO[Any]) -> pd.DataFrame:
    """Read an official ESCO ``skills_<lang>.csv`` into a frame of text columns.

    Raises ``ValidationError("file", …)`` when the file is not a CSV in that layout.
    """
    from fleming.competence_schemas import EscoSkillsSchema

    try:
        if isinstance(source, bytes):
            source = source.decode("utf-8-sig", errors="strict")
        if isinstance(source, str):
            source = io.StringIO(source)
        frame = pd.read_csv(source, dtype=str, keep_default_na=False, na_filter=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error):
        raise ValidationError("file", "competences.import.error.unreadable") from None
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    twice = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if twice:  # e.g. "conceptUri" and " conceptUri": which one would be read is a guess
        raise ValidationError("file", "competences.import.error.column_twice", name=twice[0])
    missing = [c for c in ESCO_REQUIRED if c not in frame.columns]
    if missing:
        raise ValidationError(
            "file", "competences.import.error.columns", missing=", ".join(missing)
        )
    for column in ESCO_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    frame = frame[list(ESCO_COLUMNS)]
    return EscoSkillsSchema.validate(frame)


def filter_esco_skills(
    frame: pd.DataFrame,
    *,
    text: str = "",
    skills_only: bool = True,
    limit: int | None = None,
) -> pd.DataFrame:
    """Rows whose preferred or alternative labels contain ``text`` (accent-insensitive)."""
    out = frame
    if skills_only:
        out = out[out["skillType"] != "knowledge"]
    needle = _fold(text)
    if needle:
        labels = (out["preferredLabel"] + "\n" + out["altLabels"]).map(_fold)
        out = out[labels.str.contains(needle, regex=False)]
    return out.head(limit) if limit is not None else out


@dataclass(frozen=True)
class ImportedRow:
    uri: str
    label: str
    code: str


@dataclass(frozen=True)
class SkippedRow:
    line: int  # the row of the CSV file (the header is line 1)
    uri: str
    label: str
    reason: str  # a translation key


@dataclass(frozen=True)
class ImportReport:
    added: tuple[ImportedRow, ...]
    updated: tuple[ImportedRow, ...]  # the missing language of an earlier ESCO import filled in
    skipped: tuple[SkippedRow, ...]

    @property
    def total(self) -> int:
        return len(self.added) + len(self.updated) + len(self.skipped)


Progress = Callable[[int, int], None]


def import_esco_skills(
    *,
    session: Session,
    actor: Actor,
    skills: pd.DataFrame,
    lang: str,
    area: CompetenceArea | str,
    trade_id: int | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Add the ESCO skills of ``skills`` (rows of ``read_esco_skills``) to the catalogue.

    ``lang`` is the language of the file's labels (``skills_it.csv`` → "it"); the other
    language gets the same label until a file in that language is imported, which then fills
    it in ("updated"). Skipped, with the reason: knowledge items and other concept types, rows
    not released, malformed URIs, empty labels, URIs already in the catalogue, repeated rows.
    ``progress(done, total)`` is called as rows are processed.
    """
    authorize(session=session, actor=actor, operation="competences.manage")
    errors: list[ValidationError] = []
    if lang not in ("it", "en"):
        errors.append(ValidationError("lang", "error.required"))
    try:
        area = CompetenceArea(area)
    except ValueError:
        errors.append(ValidationError("area", "error.required"))
    trade = session.get(Trade, trade_id) if trade_id is not None else None
    if area is CompetenceArea.TECHNICAL and trade is None:
        errors.append(ValidationError("trade_id", "competences.error.trade_required"))
    if area is not CompetenceArea.TECHNICAL and trade_id is not None:
        errors.append(ValidationError("trade_id", "competences.error.trade_only_technical"))
    if errors:
        raise ValidationErrors(errors)
    assert isinstance(area, CompetenceArea)

    uris = {str(u).strip() for u in skills["conceptUri"]}
    existing: dict[str, Competence] = {}
    uri_list = sorted(u for u in uris if u)
    for start in range(0, len(uri_list), 500):
        chunk = uri_list[start : start + 500]
        for comp in session.scalars(select(Competence).where(Competence.esco_uri.in_(chunk))):
            existing.setdefault(comp.esco_uri, comp)

    other = "en" if lang == "it" else "it"
    added: list[ImportedRow] = []
    updated: list[ImportedRow] = []
    skipped: list[SkippedRow] = []
    seen: set[str] = set()
    total = len(skills)
    step = max(1, total // 50)
    for done, (index, row) in enumerate(skills.iterrows(), start=1):
        line = int(index) + 2 if isinstance(index, int) else done + 1
        uri = str(row["conceptUri"]).strip()
        label = " ".join(str(row["preferredLabel"]).split())
        reason = None
        if str(row["conceptType"]).strip() != ESCO_SKILL_CONCEPT:
            reason = "competences.import.skip.not_skill"
        elif str(row["skillType"]).strip() == "knowledge":
            reason = "competences.import.skip.knowledge"
        elif str(row["status"]).strip() not in ("released", ""):
            reason = "competences.import.skip.not_released"
        elif not ESCO_SKILL_URI.match(uri):
            reason = "competences.import.skip.bad_uri"
        elif not label:
            reason = "competences.import.skip.no_label"
        elif len(label) > LABEL_MAX:
            reason = "competences.import.skip.label_too_long"
        elif uri in seen:
            reason = "competences.import.skip.repeated"
        if reason is None:
            seen.add(uri)
            comp = existing.get(uri)
            if comp is None:
                code = ESCO_CODE_PREFIX + uri.rsplit("/", 1)[1]
                comp = Competence(
                    code=code,
                    label_it=label,
                    label_en=label,
                    area=area,
                    trade_id=trade.id if trade else None,
                    esco_uri=uri,
                )
                session.add(comp)
                session.flush()
                audit.record(
                    session=session,
                    actor=actor,
                    action="create",
                    entity="competence",
                    entity_id=comp.id,
                    changes={**audit.snapshot(comp), "source": "esco_import"},
                )
                existing[uri] = comp
                added.append(ImportedRow(uri, label, code))
            elif (
                comp.code.startswith(ESCO_CODE_PREFIX)
                and getattr(comp, f"label_{lang}") == getattr(comp, f"label_{other}")
                and getattr(comp, f"label_{lang}") != label
            ):
                setattr(comp, f"label_{lang}", label)
                _audit_update(session, actor, comp)
                updated.append(ImportedRow(uri, label, comp.code))
            else:
                reason = "competences.import.skip.exists"
        if reason is not None:
            skipped.append(SkippedRow(line, uri, label, reason))
        if progress is not None and (done % step == 0 or done == total):
            progress(done, total)
    return ImportReport(added=tuple(added), updated=tuple(updated), skipped=tuple(skipped))


# --------------------------------------------------------------------------- people and editions


@dataclass(frozen=True)
class PersonRef:
    id: int
    first_name: str
    last_name: str
    tax_code: str
    status: str
    tutor_name: str | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def _person_ref(person: Person, tutor: User | None) -> PersonRef:
    return PersonRef(
        id=person.id,
        first_name=person.first_name,
        last_name=person.last_name,
        tax_code=person.tax_code,
        status=str(person.status),
        tutor_name=tutor.full_name if tutor else None,
    )


def _person_query():
    return select(Person, User).outerjoin(User, User.id == Person.tutor_id)


def get_person(*, session: Session, actor: Actor, person_id: int) -> PersonRef:
    """The person whose competences are shown (name, status, tutor)."""
    authorize(session=session, actor=actor, operation="competences.view")
    row = session.execute(
        _person_query().where(Person.id == person_id, Person.anonymised_at.is_(None))
    ).first()
    if row is None:
        raise NotFound("person")
    return _person_ref(*row)


def find_people(*, session: Session, actor: Actor, text: str, limit: int = 20) -> list[PersonRef]:
    """People whose name or tax code contains ``text`` (at least two characters)."""
    authorize(session=session, actor=actor, operation="competences.view")
    words = [w for w in (text or "").lower().split() if w]
    if not words or len("".join(words)) < 2:
        return []
    conditions = []
    for word in words:
        like = f"%{word}%"
        conditions.append(
            or_(
                func.lower(Person.first_name).like(like),
                func.lower(Person.last_name).like(like),
                func.lower(Person.tax_code).like(like),
            )
        )
    rows = session.execute(
        _person_query()
        .where(Person.anonymised_at.is_(None), *conditions)
        .order_by(Person.last_name, Person.first_name, Person.id)
        .limit(limit)
    ).all()
    return [_person_ref(p, u) for p, u in rows]


@dataclass(frozen=True)
class EditionRef:
    id: int
    title: str
    trade_id: int
    trade_label_it: str
    trade_label_en: str
    start_date: date
    end_date: date
    hours: int
    trainer_name: str
    people: int  # enrolled and not withdrawn

    def trade_label(self, lang: str = "it") -> str:
        return self.trade_label_en if lang == "en" else self.trade_label_it


def list_editions(
    *, session: Session, actor: Actor, today: date | None = None, limit: int = 100
) -> list[EditionRef]:
    """Workshop editions to rate: the ones running or ended most recently first."""
    authorize(session=session, actor=actor, operation="competences.view")
    today = today or date.today()
    people = (
        select(WorkshopEnrolment.edition_id, func.count().label("n"))
        .where(WorkshopEnrolment.status != EnrolmentStatus.WITHDRAWN)
        .group_by(WorkshopEnrolment.edition_id)
        .subquery()
    )
    rows = session.execute(
        select(WorkshopEdition, Trade, func.coalesce(people.c.n, 0))
        .join(Trade, Trade.id == WorkshopEdition.trade_id)
        .outerjoin(people, people.c.edition_id == WorkshopEdition.id)
        .where(WorkshopEdition.start_date <= today)
        .order_by(WorkshopEdition.end_date.desc(), WorkshopEdition.id.desc())
        .limit(limit)
    ).all()
    return [_edition_ref(e, t, n) for e, t, n in rows]


def _edition_ref(edition: WorkshopEdition, trade: Trade, people: int) -> EditionRef:
    return EditionRef(
        id=edition.id,
        title=edition.title,
        trade_id=trade.id,
        trade_label_it=trade.label_it,
        trade_label_en=trade.label_en,
        start_date=edition.start_date,
        end_date=edition.end_date,
        hours=edition.hours,
        trainer_name=edition.trainer_name,
        people=int(people),
    )


def person_trade_ids(*, session: Session, person_id: int) -> list[int]:
    """The trades of the person's workshops: from their enrolments and their path activities."""
    enrolled = (
        select(WorkshopEdition.trade_id)
        .join(WorkshopEnrolment, WorkshopEnrolment.edition_id == WorkshopEdition.id)
        .where(WorkshopEnrolment.person_id == person_id)
    )
    planned = (
        select(WorkshopEdition.trade_id)
        .join(PathActivity, PathActivity.workshop_edition_id == WorkshopEdition.id)
        .where(PathActivity.person_id == person_id)
    )
    return sorted(set(session.scalars(enrolled.union(planned))))


def relevant_competences(
    *,
    session: Session,
    actor: Actor,
    person_id: int,
    extra_trade_ids: Iterable[int] = (),
) -> list[CompetenceView]:
    """The competences to rate for a person: their workshop's trade (plus any trade asked for),
    the transversal ones, Italian for work and the basic digital ones. Retired ones are left out.
    """
    authorize(session=session, actor=actor, operation="competences.view")
    trade_ids = set(person_trade_ids(session=session, person_id=person_id)) | set(extra_trade_ids)
    rows = session.execute(
        _competence_query()
        .where(
            Competence.retired_at.is_(None),
            or_(
                Competence.area != CompetenceArea.TECHNICAL,
                Competence.trade_id.in_(sorted(trade_ids)),
            ),
        )
        .order_by(_area_rank(), Trade.label_it, Competence.id)
    ).all()
    return [_view(c, t) for c, t in rows]


# --------------------------------------------------------------------------- ratings: read


def _latest_ratings(session: Session, person_ids: Sequence[int]) -> dict[tuple[int, int], tuple]:
    """``{(person_id, competence_id): (level, rated_on)}`` of the most recent rating."""
    if not person_ids:
        return {}
    ranked = select(
        CompetenceRating.person_id,
        CompetenceRating.competence_id,
        CompetenceRating.level,
        CompetenceRating.rated_on,
        func.row_number()
        .over(
            partition_by=(CompetenceRating.person_id, CompetenceRating.competence_id),
            order_by=(CompetenceRating.rated_on.desc(), CompetenceRating.id.desc()),
        )
        .label("rn"),
    ).where(CompetenceRating.person_id.in_(list(person_ids)))
    sub = ranked.subquery()
    rows = session.execute(
        select(sub.c.person_id, sub.c.competence_id, sub.c.level, sub.c.rated_on).where(
            sub.c.rn == 1
        )
    ).all()
    return {(p, c): (lv, on) for p, c, lv, on in rows}


def person_grid(
    *,
    session: Session,
    actor: Actor,
    person_id: int,
    extra_trade_ids: Iterable[int] = (),
) -> pd.DataFrame:
    """The grid a tutor fills for one person: one row per relevant competence, with the latest
    level already recorded and empty ``level``/``note`` to fill (``PersonGridSchema``)."""
    from fleming.competence_schemas import PersonGridSchema

    get_person(session=session, actor=actor, person_id=person_id)
    comps = relevant_competences(
        session=session, actor=actor, person_id=person_id, extra_trade_ids=extra_trade_ids
    )
    latest = _latest_ratings(session, [person_id])
    frame = pd.DataFrame(
        {
            "competence_id": [c.id for c in comps],
            "code": [c.code for c in comps],
            "area": [c.area.value for c in comps],
            "trade_code": [c.trade_code for c in comps],
            "label_it": [c.label_it for c in comps],
            "label_en": [c.label_en for c in comps],
            "esco_uri": [c.esco_uri for c in comps],
            "last_level": [latest.get((person_id, c.id), (None, None))[0] for c in comps],
            "last_rated_on": [latest.get((person_id, c.id), (None, None))[1] for c in comps],
            "level": [None] * len(comps),
            "note": [None] * len(comps),
        }
    )
    return PersonGridSchema.validate(frame)


@dataclass(frozen=True)
class ClassGrid:
    edition: EditionRef
    competences: list[CompetenceView]
    frame: pd.DataFrame  # ClassGridSchema: person_id, name, note, one column per competence code


def get_edition(*, session: Session, actor: Actor, edition_id: int) -> EditionRef:
    authorize(session=session, actor=actor, operation="competences.view")
    row = session.execute(
        select(WorkshopEdition, Trade)
        .join(Trade, Trade.id == WorkshopEdition.trade_id)
        .where(WorkshopEdition.id == edition_id)
    ).first()
    if row is None:
        raise NotFound("workshop_edition")
    people = session.scalar(
        select(func.count())
        .select_from(WorkshopEnrolment)
        .where(
            WorkshopEnrolment.edition_id == edition_id,
            WorkshopEnrolment.status != EnrolmentStatus.WITHDRAWN,
        )
    )
    return _edition_ref(row[0], row[1], people or 0)


def _class_members(session: Session, edition_id: int) -> list[tuple[int, str, str]]:
    return [
        tuple(r)
        for r in session.execute(
            select(Person.id, Person.first_name, Person.last_name)
            .join(WorkshopEnrolment, WorkshopEnrolment.person_id == Person.id)
            .where(
                WorkshopEnrolment.edition_id == edition_id,
                WorkshopEnrolment.status != EnrolmentStatus.WITHDRAWN,
                Person.anonymised_at.is_(None),
            )
            .order_by(Person.last_name, Person.first_name, Person.id)
        ).all()
    ]


def class_grid(
    *,
    session: Session,
    actor: Actor,
    edition_id: int,
    areas: Iterable[CompetenceArea] = (CompetenceArea.TECHNICAL,),
    prefill: bool = False,
) -> ClassGrid:
    """People × competences of a workshop edition: its trade's technical competences (and the
    other ``areas`` asked for). Cells are empty, or the latest level when ``prefill``."""
    from fleming.competence_schemas import class_grid_schema

    edition = get_edition(session=session, actor=actor, edition_id=edition_id)
    areas = [CompetenceArea(a) for a in areas]
    conditions = []
    if CompetenceArea.TECHNICAL in areas:
        conditions.append(
            and_(
                Competence.area == CompetenceArea.TECHNICAL,
                Competence.trade_id == edition.trade_id,
            )
        )
    others = [a for a in areas if a is not CompetenceArea.TECHNICAL]
    if others:
        conditions.append(Competence.area.in_(others))
    comps: list[CompetenceView] = []
    if conditions:
        rows = session.execute(
            _competence_query()
            .where(Competence.retired_at.is_(None), or_(*conditions))
            .order_by(_area_rank(), Competence.id)
        ).all()
        comps = [_view(c, t) for c, t in rows]
    members = _class_members(session, edition_id)
    latest = _latest_ratings(session, [m[0] for m in members]) if prefill else {}
    data: dict[str, list] = {
        "person_id": [m[0] for m in members],
        "name": [f"{m[2]} {m[1]}" for m in members],
        "note": [None] * len(members),
    }
    for comp in comps:
        data[comp.code] = [latest.get((m[0], comp.id), (None, None))[0] for m in members]
    frame = pd.DataFrame(data, columns=["person_id", "name", "note", *[c.code for c in comps]])
    frame = class_grid_schema([c.code for c in comps]).validate(frame)
    return ClassGrid(edition=edition, competences=comps, frame=frame)


# --------------------------------------------------------------------------- ratings: write


@dataclass(frozen=True)
class RatingEntry:
    """One cell of a grid to save. ``level`` may be anything the grid produced: it is checked."""

    person_id: int
    competence_id: int
    level: object
    note: str | None = None
    row: int | None = None  # the grid row the user sees (1-based), for the error message


def _check_header(
    rated_on: object, source: object, today: date | None
) -> tuple[date | None, RatingSource | None, list[ValidationError]]:
    errors: list[ValidationError] = []
    when: date | None = None
    if isinstance(rated_on, datetime):
        rated_on = rated_on.date()
    if not isinstance(rated_on, date):
        errors.append(ValidationError("rated_on", "error.required"))
    else:
        try:
            when = not_in_future(rated_on, "rated_on", today)
        except ValidationError as exc:
            errors.append(exc)
    try:
        kind = RatingSource(source)
    except ValueError:
        errors.append(ValidationError("source", "competences.error.source"))
        kind = None
    return when, kind, errors


def _save(
    *,
    session: Session,
    actor: Actor,
    entries: Sequence[RatingEntry],
    rated_on: object,
    source: object,
    edition_id: int | None,
    allowed_people: set[int],
    today: date | None,
) -> int:
    when, kind, errors = _check_header(rated_on, source, today)
    comp_ids = {e.competence_id for e in entries}
    comps = {
        c.id: c
        for c in session.scalars(select(Competence).where(Competence.id.in_(sorted(comp_ids))))
    }
    to_save: list[tuple[RatingEntry, int, str | None]] = []
    seen: set[tuple[int, int]] = set()
    for position, entry in enumerate(entries, start=1):
        field = f"row {entry.row or position}"
        comp = comps.get(entry.competence_id)
        code = comp.code if comp else str(entry.competence_id)
        note = None if _is_blank(entry.note) else " ".join(str(entry.note).split())
        if _is_blank(entry.level):
            if note:
                errors.append(
                    ValidationError(field, "competences.error.note_without_level", code=code)
                )
            continue
        if entry.person_id not in allowed_people:
            errors.append(ValidationError(field, "competences.error.not_enrolled", code=code))
            continue
        if comp is None:
            errors.append(ValidationError(field, "competences.error.competence_unknown", code=code))
            continue
        if comp.retired_at is not None:
            errors.append(ValidationError(field, "competences.error.competence_retired", code=code))
            continue
        if not is_level(entry.level):
            errors.append(
                ValidationError(
                    field,
                    "competences.error.level_invalid",
                    code=code,
                    value=entry.level,
                    low=MIN_LEVEL,
                    high=MAX_LEVEL,
                )
            )
            continue
        if note is not None and len(note) > NOTE_MAX:
            errors.append(
                ValidationError(field, "competences.error.note_too_long", code=code, n=NOTE_MAX)
            )
            continue
        pair = (entry.person_id, comp.id)
        if pair in seen:
            errors.append(ValidationError(field, "competences.error.duplicate_row", code=code))
            continue
        seen.add(pair)
        to_save.append((entry, int(entry.level), note))  # type: ignore[call-overload]
    if not to_save and not errors:
        errors.append(ValidationError("grid", "competences.error.nothing_to_save"))
    if errors:
        raise ValidationErrors(errors)
    assert when is not None and kind is not None
    ratings = [
        CompetenceRating(
            person_id=entry.person_id,
            competence_id=entry.competence_id,
            level=lv,
            rated_on=when,
            source=kind,
            assessor_id=actor.id or None,
            workshop_edition_id=edition_id,
            note=note,
        )
        for entry, lv, note in to_save
    ]
    session.add_all(ratings)
    session.flush()
    for rating in ratings:
        audit.record(
            session=session,
            actor=actor,
            action="create",
            entity="competence_rating",
            entity_id=rating.id,
            person_id=rating.person_id,
            changes=audit.snapshot(rating),
        )
    return len(ratings)


def save_ratings(
    *,
    session: Session,
    actor: Actor,
    person_id: int,
    entries: Sequence[RatingEntry],
    rated_on: date,
    source: RatingSource | str,
    workshop_edition_id: int | None = None,
    today: date | None = None,
) -> int:
    """Save a batch of ratings for one person; returns how many were saved.

    Rows without a level are not rated. Every invalid row is reported (field ``"row N"``, with
    the competence ``code`` among the params) and then nothing of the batch is saved.
    """
    authorize(session=session, actor=actor, operation="competences.rate")
    get_person(session=session, actor=actor, person_id=person_id)
    return _save(
        session=session,
        actor=actor,
        entries=list(entries),
        rated_on=rated_on,
        source=source,
        edition_id=workshop_edition_id,
        allowed_people={person_id},
        today=today,
    )


def person_grid_entries(person_id: int, frame: pd.DataFrame) -> list[RatingEntry]:
    """The entries of a person grid (``PersonGridSchema`` frame as edited in the page)."""
    from fleming.competence_schemas import PersonGridInputSchema

    frame = PersonGridInputSchema.validate(frame)
    return [
        RatingEntry(
            person_id=person_id,
            competence_id=int(row.competence_id),
            level=None if _is_blank(row.level) else row.level,
            note=None if _is_blank(row.note) else str(row.note),
            row=position,
        )
        for position, row in enumerate(frame.itertuples(index=False), start=1)
    ]


def class_grid_entries(frame: pd.DataFrame, codes: dict[str, int]) -> list[RatingEntry]:
    """The cells of a class grid frame as entries; ``codes`` maps column code → competence id."""
    entries: list[RatingEntry] = []
    for position, (_, row) in enumerate(frame.iterrows(), start=1):
        note = None if _is_blank(row.get("note")) else str(row["note"])
        if note and codes and all(_is_blank(row.get(code)) for code in codes):
            # a note on a row without any level: reported as such, not silently dropped
            first = next(iter(codes.values()))
            entries.append(RatingEntry(int(row["person_id"]), first, None, note, position))
            continue
        for code, comp_id in codes.items():
            value = row.get(code)
            entries.append(
                RatingEntry(
                    person_id=int(row["person_id"]),
                    competence_id=comp_id,
                    level=None if _is_blank(value) else value,
                    note=note if not _is_blank(value) else None,
                    row=position,
                )
            )
    return entries


def save_class_ratings(
    *,
    session: Session,
    actor: Actor,
    edition_id: int,
    frame: pd.DataFrame,
    rated_on: date,
    source: RatingSource | str = RatingSource.WORKSHOP_END,
    today: date | None = None,
) -> int:
    """Save the class grid of a workshop edition in one transaction; returns the ratings saved.

    ``frame`` is the ``ClassGridSchema`` frame as edited: one row per person, one column per
    competence code (empty = not rated), a ``note`` saved with each of that person's ratings.
    A person not enrolled in the edition, an invalid level or a retired competence is refused
    row by row, and nothing is saved.
    """
    from fleming.competence_schemas import class_grid_input_schema

    authorize(session=session, actor=actor, operation="competences.rate")
    get_edition(session=session, actor=actor, edition_id=edition_id)
    frame = class_grid_input_schema().validate(frame)
    code_columns = [c for c in frame.columns if c not in ("person_id", "name", "note")]
    codes = dict(
        session.execute(
            select(Competence.code, Competence.id).where(Competence.code.in_(code_columns))
        ).all()
    )
    unknown = [c for c in code_columns if c not in codes]
    if unknown:
        raise ValidationErrors(
            [ValidationError(c, "competences.error.competence_unknown", code=c) for c in unknown]
        )
    members = {m[0] for m in _class_members(session, edition_id)}
    return _save(
        session=session,
        actor=actor,
        entries=class_grid_entries(frame, {c: codes[c] for c in code_columns}),
        rated_on=rated_on,
        source=source,
        edition_id=edition_id,
        allowed_people=members,
        today=today,
    )


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class RatingPoint:
    """One rating as the comparison needs it."""

    competence_id: int
    level: int
    rated_on: date
    source: RatingSource
    id: int = 0  # ties on the same day: the later-inserted rating is the later one


@dataclass(frozen=True)
class Change:
    competence_id: int
    entry_level: int
    entry_on: date
    entry_source: RatingSource
    latest_level: int
    latest_on: date
    latest_source: RatingSource
    ratings: int

    @property
    def gain(self) -> int:
        return self.latest_level - self.entry_level


def compare(points: Iterable[RatingPoint]) -> list[Change]:
    """Per competence: the first rating (entry) against the most recent one (latest).

    Ordered by ``rated_on`` then ``id``; a competence rated once has the same entry and latest
    level (gain 0). The result follows the order in which competences were first rated.
    """
    ordered = sorted(points, key=lambda p: (p.rated_on, p.id))
    first: dict[int, RatingPoint] = {}
    last: dict[int, RatingPoint] = {}
    count: dict[int, int] = {}
    for point in ordered:
        first.setdefault(point.competence_id, point)
        last[point.competence_id] = point
        count[point.competence_id] = count.get(point.competence_id, 0) + 1
    return [
        Change(
            competence_id=cid,
            entry_level=entry.level,
            entry_on=entry.rated_on,
            entry_source=RatingSource(entry.source),
            latest_level=last[cid].level,
            latest_on=last[cid].rated_on,
            latest_source=RatingSource(last[cid].source),
            ratings=count[cid],
        )
        for cid, entry in first.items()
    ]


def gained(changes: Iterable[Change]) -> list[Change]:
    """The competences whose latest level is above the entry level, largest gain first."""
    return sorted((c for c in changes if c.gain > 0), key=lambda c: (-c.gain, c.competence_id))


def progress(*, session: Session, actor: Actor, person_id: int) -> pd.DataFrame:
    """Entry vs latest level per competence the person was rated in (``ProgressSchema``),
    ordered by area, trade and catalogue order; retired competences are kept (history)."""
    from fleming.competence_schemas import ProgressSchema

    get_person(session=session, actor=actor, person_id=person_id)
    points = [
        RatingPoint(cid, lv, on, RatingSource(src), rid)
        for rid, cid, lv, on, src in session.execute(
            select(
                CompetenceRating.id,
                CompetenceRating.competence_id,
                CompetenceRating.level,
                CompetenceRating.rated_on,
                CompetenceRating.source,
            ).where(CompetenceRating.person_id == person_id)
        ).all()
    ]
    changes = {c.competence_id: c for c in compare(points)}
    comps = (
        session.execute(
            _competence_query()
            .where(Competence.id.in_(sorted(changes)))
            .order_by(_area_rank(), Trade.label_it, Competence.id)
        ).all()
        if changes
        else []
    )
    records = []
    for comp, trade in comps:
        view = _view(comp, trade)
        ch = changes[comp.id]
        records.append(
            {
                "competence_id": view.id,
                "code": view.code,
                "area": view.area.value,
                "trade_code": view.trade_code,
                "label_it": view.label_it,
                "label_en": view.label_en,
                "esco_uri": view.esco_uri,
                "retired": view.retired,
                "entry_level": ch.entry_level,
                "entry_on": ch.entry_on,
                "entry_source": ch.entry_source.value,
                "latest_level": ch.latest_level,
                "latest_on": ch.latest_on,
                "latest_source": ch.latest_source.value,
                "ratings": ch.ratings,
                "gain": ch.gain,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(ProgressSchema.to_schema().columns))
    return ProgressSchema.validate(frame)


def progress_csv(*, session: Session, actor: Actor, person_id: int, lang: str = "it") -> bytes:
    """The comparison as a CSV download (UTF-8 with BOM, so spreadsheet programs read accents).

    An export of personal data: authorised and audited.
    """
    from fleming.i18n import enum_label, translate

    authorize(session=session, actor=actor, operation="competences.export")
    frame = progress(session=session, actor=actor, person_id=person_id)
    out = pd.DataFrame(
        {
            translate("competences.col.code", lang): frame["code"],
            translate("competences.col.competence", lang): frame[f"label_{lang}"],
            translate("competences.col.area", lang): [
                enum_label(CompetenceArea(a), lang) for a in frame["area"]
            ],
            translate("competences.col.entry_level", lang): frame["entry_level"],
            translate("competences.col.entry_on", lang): frame["entry_on"].dt.date,
            translate("competences.col.latest_level", lang): frame["latest_level"],
            translate("competences.col.latest_on", lang): frame["latest_on"].dt.date,
            translate("competences.col.gain", lang): frame["gain"],
            translate("competences.col.esco", lang): frame["esco_uri"].fillna(""),
        }
    )
    audit.record(
        session=session,
        actor=actor,
        action="export",
        entity="competence_progress",
        entity_id=person_id,
        person_id=person_id,
        changes={"format": "csv", "rows": len(out)},
    )
    return neutralise_frame(out).to_csv(index=False).encode("utf-8-sig")


# --------------------------------------------------------------------------- workshop hours


def attended_hours(*, session: Session, person_id: int) -> dict[int, float]:
    """``{edition_id: hours attended}`` of the person's workshop enrolments (summed in SQL)."""
    rows = session.execute(
        select(WorkshopEnrolment.edition_id, func.coalesce(func.sum(WorkshopAttendance.hours), 0))
        .outerjoin(WorkshopAttendance, WorkshopAttendance.enrolment_id == WorkshopEnrolment.id)
        .where(WorkshopEnrolment.person_id == person_id)
        .group_by(WorkshopEnrolment.edition_id)
    ).all()
    return {edition_id: float(hours) for edition_id, hours in rows}
