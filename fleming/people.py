"""People (*utenti*): intake, the register, the person's record and their consents.

Every rule about a person's data lives here once: the tax code and what it says about its holder,
the legal status that goes with a citizenship, Garanzia Giovani's age limits, the partner a
referral or a consent names. The form shows every error of an intake at once, each next to its
field, and nothing is written until all of them are fixed (``ValidationErrors``).

The person's *status* is not edited here: it follows from the path (``fleming.paths``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fleming import audit, reference, rules, settings, validators
from fleming.actor import Actor
from fleming.errors import (
    Conflict,
    NotFound,
    ValidationError,
    ValidationErrors,
    ValidationWarning,
)
from fleming.models import (
    CefrLevel,
    Consent,
    ConsentPurpose,
    EducationLevel,
    FragilityMarker,
    FundingStream,
    LegalStatus,
    PartnerOrganisation,
    Person,
    PersonFragility,
    PersonStatus,
    ReferralSource,
    Role,
    ServicePact,
    Sex,
    User,
    WorkshopEdition,
    WorkshopEnrolment,
    utcnow,
)
from fleming.permissions import authorize

CONSENT_TEXT_VERSION = "2025-01"
"""The version of the information text (*informativa*) a consent given today refers to."""

MIN_AGE = 15
"""Nobody younger than this is taken in (the lowest age of Garanzia Giovani)."""

GARANZIA_GIOVANI_AGES = (15, 29)
"""Garanzia Giovani is for NEET people aged 15 to 29 (inclusive) when they are taken in."""

OVER_45_AGE = 45

PROTECTION_STATUSES = frozenset(
    {
        LegalStatus.ASYLUM_SEEKER,
        LegalStatus.INTERNATIONAL_PROTECTION,
        LegalStatus.SPECIAL_PROTECTION,
        LegalStatus.OTHER_PERMIT,
    }
)
"""The statuses of people who need a residence permit (never EU citizens)."""

SENSITIVE_MARKERS = frozenset({FragilityMarker.DISABILITY})
"""Fragility markers that are health data (GDPR art. 9): staff only."""

OLDEST_BIRTH_DATE = date(1900, 1, 1)

EARLIEST_INTAKE_KEY = "earliest_intake_date"
"""Setting: the first day of the centre's records (ISO date); no intake or consent before it."""
EARLIEST_INTAKE_DEFAULT = date(2014, 1, 1)  # the centre was accredited then

CONFIRMABLE_AGE = 100
"""An age at intake above this is asked to be confirmed (most likely a mistyped birth date)."""

# The confirmations a form may send with ``confirmed=`` (see ``ValidationWarning``).
CONFIRM_DIFFERENT_PERSON = "different_person"
CONFIRM_NAMES = "names_differ_from_code"
CONFIRM_AGE = "age_over_100"


# --------------------------------------------------------------------------- input values
@dataclass(frozen=True)
class PersonInput:
    """What the intake (or the edit) form sends; the service validates and normalises it.

    Leave ``birth_date``, ``sex``, ``birth_comune_code`` and ``country_of_birth`` empty to take
    them from a 16-character tax code.
    """

    first_name: str = ""
    last_name: str = ""
    tax_code: str = ""
    birth_date: date | None = None
    sex: Sex | None = None
    birth_comune_code: str | None = None  # ISTAT code of the comune of birth (born in Italy)
    country_of_birth: str | None = None  # ISO 3166-1 alpha-2
    citizenship: str | None = None
    phone: str | None = None
    email: str | None = None
    municipality_code: str | None = None  # ISTAT code of the comune of residence
    address: str | None = None
    italian_level: CefrLevel | None = None
    education_level: EducationLevel | None = None
    legal_status: LegalStatus | None = None
    asylum_application_date: date | None = None
    fragilities: tuple[FragilityMarker, ...] = ()
    referral_source: ReferralSource | None = None
    referral_partner_id: int | None = None
    funding_stream: FundingStream | None = None
    did_date: date | None = None
    intake_date: date | None = None  # default: today
    tutor_id: int | None = None
    health_notes: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class ConsentInput:
    """The consents collected at intake: data processing, and sharing with named partners."""

    data_processing: bool = False
    given_on: date | None = None  # default: the intake date
    sharing_partner_ids: tuple[int, ...] = ()


# --------------------------------------------------------------------------- views
@dataclass(frozen=True)
class PersonView:
    """A person's record as one actor may see it (see ``build_view``)."""

    id: int
    version: int
    first_name: str
    last_name: str
    tax_code: str
    provisional_tax_code: bool
    birth_date: date
    age: int
    sex: Sex
    birth_place: str | None
    birth_comune_code: str | None
    country_of_birth: str
    citizenship: str
    phone: str | None
    email: str | None
    municipality_code: str | None
    address: str | None
    italian_level: CefrLevel
    education_level: EducationLevel
    referral_source: ReferralSource
    referral_partner_id: int | None
    referral_partner_name: str | None
    funding_stream: FundingStream
    did_date: date | None
    intake_date: date
    tutor_id: int | None
    tutor_name: str | None
    status: PersonStatus
    closing_reason: str | None
    notes: str | None
    fragilities: tuple[FragilityMarker, ...]
    # staff only: None (and absent from ``fragilities``) for anyone else
    legal_status: LegalStatus | None
    asylum_application_date: date | None
    may_work_from: date | None
    health_notes: str | None
    sensitive_hidden: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def to_input(self) -> PersonInput:
        """The form values that reproduce this record (for the edit form)."""
        return PersonInput(
            first_name=self.first_name,
            last_name=self.last_name,
            tax_code=self.tax_code,
            birth_date=self.birth_date,
            sex=self.sex,
            birth_comune_code=self.birth_comune_code,
            country_of_birth=self.country_of_birth,
            citizenship=self.citizenship,
            phone=self.phone,
            email=self.email,
            municipality_code=self.municipality_code,
            address=self.address,
            italian_level=self.italian_level,
            education_level=self.education_level,
            legal_status=self.legal_status,
            asylum_application_date=self.asylum_application_date,
            fragilities=self.fragilities,
            referral_source=self.referral_source,
            referral_partner_id=self.referral_partner_id,
            funding_stream=self.funding_stream,
            did_date=self.did_date,
            intake_date=self.intake_date,
            tutor_id=self.tutor_id,
            health_notes=self.health_notes,
            notes=self.notes,
        )


@dataclass(frozen=True)
class ConsentRow:
    id: int
    purpose: ConsentPurpose
    partner_org_id: int | None
    partner_org_name: str | None
    given_on: date
    text_version: str
    withdrawn_on: date | None

    @property
    def active(self) -> bool:
        return self.withdrawn_on is None


@dataclass(frozen=True)
class RegisterFilter:
    text: str = ""
    mine: bool = False  # only the actor's own caseload
    tutor_id: int | None = None
    without_tutor: bool = False
    statuses: tuple[PersonStatus, ...] = ()
    fragility: FragilityMarker | None = None
    citizenship: str | None = None
    edition_id: int | None = None


@dataclass(frozen=True)
class RegisterRow:
    id: int
    first_name: str
    last_name: str
    tax_code: str
    status: PersonStatus
    tutor_id: int | None
    tutor_name: str | None
    citizenship: str
    intake_date: date
    fragilities: tuple[FragilityMarker, ...] = ()
    workshop: str | None = None  # the latest workshop edition they enrolled in

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name}"


@dataclass(frozen=True)
class RegisterPage:
    rows: tuple[RegisterRow, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class Option:
    """An (id, label) pair for pickers."""

    id: int
    label: str


# --------------------------------------------------------------------------- pure helpers
def age_on(birth: date, day: date) -> int:
    """Completed years on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def code_birth_date(info: validators.TaxCodeInfo, today: date) -> date | None:
    """The birth date a 16-character code gives: the latest such date not after ``today``.

    The code holds two digits of the year; the century is the one that makes the person 0 to
    99 years old (a child then fails the minimum age, rather than passing as a centenarian).
    """
    born = info.birth_date
    if born is None:
        return None
    year = today.year - (today.year - born.year) % 100
    try:
        candidate = born.replace(year=year)
    except ValueError:  # 29 February in a year that is not a leap year
        candidate = date(year, 3, 1)
    return _minus_years(candidate, 100) if candidate > today else candidate


def _minus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _same_day_of_century(a: date, b: date) -> bool:
    """A tax code only holds the last two digits of the year."""
    return (a.year % 100, a.month, a.day) == (b.year % 100, b.month, b.day)


def may_work_from(legal_status: LegalStatus | None, application: date | None) -> date | None:
    """For an asylum seeker, the first day they may work; None for everybody else."""
    if legal_status is not LegalStatus.ASYLUM_SEEKER or application is None:
        return None
    return rules.may_work_from(application)


def comune_label(code: str | None) -> str:
    """``Milano (MI)`` for an ISTAT code; the code itself if unknown; empty for None."""
    if not code:
        return ""
    comune = reference.comune_by_code(code)
    return f"{comune.name} ({comune.province})" if comune else code


def country_label(iso2: str | None, lang: str = "it") -> str:
    country = reference.country(iso2)
    if country is None:
        return iso2 or ""
    return country.name_en if lang == "en" else country.name_it


def birth_comune_code(birth_place: str | None, tax_code: str | None) -> str | None:
    """The ISTAT code of the comune of birth, from the tax code or from the stored name."""
    code = (tax_code or "").upper()
    if len(code) == 16:
        try:
            info = validators.parse_tax_code(code)
        except ValidationError:
            info = None
        if info is not None and info.belfiore:
            comune = reference.comune_by_belfiore(info.belfiore)
            if comune is not None and (
                not birth_place or reference.fold(comune.name) == reference.fold(birth_place)
            ):
                return comune.istat_code
    if not birth_place:
        return None
    folded = reference.fold(birth_place)
    matches = [c for c in reference.comuni() if reference.fold(c.name) == folded]
    return matches[0].istat_code if len(matches) == 1 else None


def earliest_intake_date(session: Session) -> date:
    """The first day of the centre's records: setting ``earliest_intake_date``, else 2014-01-01."""
    return settings.iso_date(session, EARLIEST_INTAKE_KEY, EARLIEST_INTAKE_DEFAULT)


def name_key(text: str | None) -> str:
    """A name compared without case, accents, spaces or punctuation (``"D'Allò"`` = ``"dallo"``)."""
    return "".join(c for c in reference.fold(text or "") if c.isalnum())


# --------------------------------------------------------------------------- validation
@dataclass
class _Checked:
    """The normalised values of a valid ``PersonInput``."""

    values: dict = field(default_factory=dict)
    fragilities: tuple[FragilityMarker, ...] = ()


def _required(value, name: str, errors: list[ValidationError]):
    if value is None or value == "":
        errors.append(ValidationError(name, "error.required"))
    return value


def _collect(errors: list[ValidationError], fn, *args, **kwargs):
    """Run one validator; on failure keep its error and return None."""
    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        errors.append(exc)
        return None


def validate_person(
    *,
    session: Session,
    data: PersonInput,
    today: date | None = None,
    person_id: int | None = None,
    confirmed: Iterable[str] = (),
) -> _Checked:
    """Check every field of ``data`` and return the values to store, or raise all errors at once.

    ``person_id`` is the record being edited (it may keep its own tax code). Input that may be
    right but looks wrong (a namesake born the same day, names unlike the tax code's letters, an
    age over 100) is a ``ValidationWarning``, refused until its ``confirm`` is in ``confirmed``;
    on an edit it is raised only when the fields it rests on changed.
    """
    today = today or date.today()
    errors: list[ValidationError] = []
    warnings: list[ValidationWarning] = []
    v: dict = {}
    stored = None
    if person_id is not None:
        stored = session.execute(
            select(
                Person.first_name,
                Person.last_name,
                Person.tax_code,
                Person.birth_date,
                Person.intake_date,
            ).where(Person.id == person_id)
        ).first()

    v["first_name"] = _collect(errors, validators.person_name, data.first_name, "first_name", 100)
    v["last_name"] = _collect(errors, validators.person_name, data.last_name, "last_name", 100)

    # --- tax code and what it says about birth date, sex and birthplace
    info = _collect(errors, validators.parse_tax_code, data.tax_code, "tax_code")
    birth_date, sex = data.birth_date, data.sex
    country_of_birth = (data.country_of_birth or "").strip().upper() or None
    comune = None
    if data.birth_comune_code:
        comune = reference.comune_by_code(data.birth_comune_code)
        if comune is None:
            errors.append(ValidationError("birth_place", "people.error.unknown_municipality"))
    if country_of_birth and reference.country(country_of_birth) is None:
        errors.append(ValidationError("country_of_birth", "people.error.unknown_country"))
        country_of_birth = None

    if info is not None and not info.provisional:
        from_code = code_birth_date(info, today)
        if birth_date is None:
            birth_date = from_code
        elif from_code is not None and not _same_day_of_century(birth_date, from_code):
            errors.append(
                ValidationError("birth_date", "people.error.code_birth_date", date=from_code)
            )
        if sex is None:
            sex = info.sex
        elif info.sex is not None and sex != info.sex:
            errors.append(ValidationError("sex", "people.error.code_sex", sex=info.sex.value))
        belfiore = info.belfiore or ""
        if belfiore.startswith("Z"):
            abroad = reference.belfiore_to_country().get(belfiore)
            if country_of_birth is None and abroad is not None:
                country_of_birth = abroad.iso2
            elif country_of_birth == "IT" or (
                abroad is not None and country_of_birth not in (None, abroad.iso2)
            ):
                errors.append(
                    ValidationError(
                        "country_of_birth",
                        "people.error.code_birth_country",
                        place=abroad.name_it if abroad else belfiore,
                    )
                )
            if comune is not None:
                errors.append(ValidationError("birth_place", "people.error.birth_comune_abroad"))
        else:
            in_code = reference.comune_by_belfiore(belfiore)
            if country_of_birth is None:
                country_of_birth = "IT"
            elif country_of_birth != "IT":
                errors.append(
                    ValidationError(
                        "country_of_birth",
                        "people.error.code_birth_country",
                        place=in_code.name if in_code else belfiore,
                    )
                )
            if (
                comune is None
                and in_code is not None
                and data.birth_comune_code is None
                and country_of_birth == "IT"
            ):
                comune = in_code
            elif comune is not None and in_code is not None and comune.belfiore != belfiore:
                errors.append(
                    ValidationError(
                        "birth_place",
                        "people.error.code_birth_place",
                        place=f"{in_code.name} ({in_code.province})",
                    )
                )
    v["tax_code"] = info.code if info is not None else None

    if info is not None:  # a wrong tax code is the one error: these may come from the code
        _required(birth_date, "birth_date", errors)
        _required(sex, "sex", errors)
        _required(country_of_birth, "country_of_birth", errors)
    if comune is not None and country_of_birth not in (None, "IT"):
        errors.append(ValidationError("birth_place", "people.error.birth_comune_abroad"))

    intake_date = data.intake_date or today
    earliest = earliest_intake_date(session)
    if stored is not None and stored.intake_date == intake_date:
        earliest = min(earliest, intake_date)  # a record older than the setting may be edited
    in_records = _collect(
        errors,
        validators.date_in_records,
        intake_date,
        "intake_date",
        earliest=earliest,
        today=today,
    )
    if in_records is None:  # the error is on the intake date: judge the birth date from today
        intake_date = today
    age = None
    if birth_date is not None:
        if birth_date > today:
            errors.append(ValidationError("birth_date", "validators.date.future"))
        elif birth_date < OLDEST_BIRTH_DATE:
            errors.append(ValidationError("birth_date", "people.error.birth_too_old"))
        else:
            age = age_on(birth_date, intake_date)
            if age < MIN_AGE:
                errors.append(ValidationError("birth_date", "people.error.too_young", n=MIN_AGE))
            elif age > CONFIRMABLE_AGE and (
                stored is None
                or (stored.birth_date, stored.intake_date) != (birth_date, intake_date)
            ):
                warnings.append(
                    ValidationWarning(
                        "birth_date", "people.warning.age_over_100", confirm=CONFIRM_AGE, age=age
                    )
                )
    v["birth_date"], v["sex"], v["intake_date"] = birth_date, sex, intake_date
    v["country_of_birth"] = country_of_birth
    v["birth_place"] = comune.name if comune is not None else None
    if v["birth_place"] is None and country_of_birth and country_of_birth != "IT":
        v["birth_place"] = country_label(country_of_birth, "it")

    # --- contacts and residence
    v["phone"] = _collect(errors, validators.normalise_phone, data.phone, "phone")
    v["email"] = _collect(errors, validators.normalise_email, data.email, "email")
    municipality = (data.municipality_code or "").strip() or None
    if municipality is not None and reference.comune_by_code(municipality) is None:
        errors.append(ValidationError("municipality_code", "people.error.unknown_municipality"))
    v["municipality_code"] = municipality
    v["address"] = _collect(errors, validators.optional_text, data.address, "address", 200)

    # --- citizenship, language, education, legal status
    citizenship = (data.citizenship or "").strip().upper() or None
    _required(citizenship, "citizenship", errors)
    country = reference.country(citizenship) if citizenship else None
    if citizenship and country is None:
        errors.append(ValidationError("citizenship", "people.error.unknown_country"))
    v["citizenship"] = citizenship
    v["italian_level"] = _required(data.italian_level, "italian_level", errors)
    v["education_level"] = _required(data.education_level, "education_level", errors)
    legal = _required(data.legal_status, "legal_status", errors)
    if legal is not None and country is not None:
        if country.iso2 == "IT" and legal is not LegalStatus.ITALIAN:
            errors.append(ValidationError("legal_status", "people.error.italian_is_italian"))
        elif legal is LegalStatus.ITALIAN and country.iso2 != "IT":
            errors.append(ValidationError("legal_status", "people.error.italian_needs_it"))
        elif legal is LegalStatus.EU_CITIZEN and not country.eu:
            errors.append(ValidationError("legal_status", "people.error.eu_needs_eu"))
        elif legal in PROTECTION_STATUSES and country.eu:
            errors.append(ValidationError("legal_status", "people.error.permit_not_for_eu"))
    v["legal_status"] = legal
    application = data.asylum_application_date
    if legal is LegalStatus.ASYLUM_SEEKER:
        if application is None:
            errors.append(ValidationError("asylum_application_date", "error.required"))
        elif application > today:
            errors.append(ValidationError("asylum_application_date", "validators.date.future"))
        elif birth_date is not None and application < birth_date:
            errors.append(ValidationError("asylum_application_date", "people.error.before_birth"))
    else:
        application = None
    v["asylum_application_date"] = application

    # --- fragility markers: over 45 is a fact of the birth date
    markers = list(dict.fromkeys(FragilityMarker(m) for m in data.fragilities))
    if age is not None:
        if age >= OVER_45_AGE and FragilityMarker.OVER_45 not in markers:
            markers.append(FragilityMarker.OVER_45)
        elif age < OVER_45_AGE and FragilityMarker.OVER_45 in markers:
            errors.append(ValidationError("fragilities", "people.error.over_45", age=age))

    # --- referral and funding
    referral = _required(data.referral_source, "referral_source", errors)
    partner_id = data.referral_partner_id if referral is ReferralSource.PARTNER else None
    if referral is ReferralSource.PARTNER:
        if partner_id is None:
            errors.append(ValidationError("referral_partner_id", "people.error.partner_required"))
        elif not _active_partner(session, partner_id):
            errors.append(ValidationError("referral_partner_id", "people.error.unknown_partner"))
    v["referral_source"], v["referral_partner_id"] = referral, partner_id
    funding = _required(data.funding_stream, "funding_stream", errors)
    low, high = GARANZIA_GIOVANI_AGES
    if funding is FundingStream.GARANZIA_GIOVANI and age is not None and not low <= age <= high:
        errors.append(
            ValidationError("funding_stream", "people.error.gg_age", age=age, low=low, high=high)
        )
    v["funding_stream"] = funding

    # --- DID, tutor, notes
    did = data.did_date
    if did is not None:
        if did > today:
            errors.append(ValidationError("did_date", "people.error.did_future"))
        elif birth_date is not None and did < birth_date:
            errors.append(ValidationError("did_date", "people.error.before_birth"))
    v["did_date"] = did
    if data.tutor_id is not None and not _active_tutor(session, data.tutor_id):
        errors.append(ValidationError("tutor_id", "people.error.unknown_tutor"))
    v["tutor_id"] = data.tutor_id
    v["health_notes"] = _collect(
        errors, validators.optional_text, data.health_notes, "health_notes", 2000, multiline=True
    )
    v["notes"] = _collect(
        errors, validators.optional_text, data.notes, "notes", 2000, multiline=True
    )

    # --- the tax code belongs to nobody else, in any of its spellings (omocodie)
    holder = None
    if v["tax_code"] is not None:
        holder = session.execute(
            select(Person.id, Person.first_name, Person.last_name).where(
                Person.tax_code.in_(validators.tax_code_forms(v["tax_code"])),
                Person.id != (person_id or 0),
            )
        ).first()
        if holder is not None:
            errors.append(
                ValidationError(
                    "tax_code",
                    "people.error.duplicate_tax_code",
                    person_id=holder.id,
                    name=f"{holder.first_name} {holder.last_name}",
                )
            )
    names_changed = stored is None or (stored.first_name, stored.last_name, stored.tax_code) != (
        v["first_name"],
        v["last_name"],
        v["tax_code"],
    )
    # --- the code's letters for surname and name: a warning (other spellings abroad)
    if holder is None and info is not None and v["first_name"] and v["last_name"] and names_changed:
        differs = validators.tax_code_name_mismatches(info.code, v["first_name"], v["last_name"])
        for name_field, letters in differs.items():
            warnings.append(
                ValidationWarning(
                    name_field,
                    f"people.warning.code_{name_field}",
                    confirm=CONFIRM_NAMES,
                    letters=letters,
                )
            )
    # --- somebody else with the same names, born the same day
    if (
        holder is None
        and v["first_name"]
        and v["last_name"]
        and birth_date is not None
        and (names_changed or stored.birth_date != birth_date)
    ):
        namesake = _namesake(session, v["first_name"], v["last_name"], birth_date, person_id)
        if namesake is not None:
            warnings.append(
                ValidationWarning(
                    "last_name",
                    "people.warning.namesake",
                    confirm=CONFIRM_DIFFERENT_PERSON,
                    person_id=namesake.id,
                    name=f"{namesake.first_name} {namesake.last_name}",
                    date=birth_date,
                )
            )

    ticked = set(confirmed)
    errors.extend(w for w in warnings if w.confirm not in ticked)
    if errors:
        raise ValidationErrors(errors)
    return _Checked(values=v, fragilities=tuple(markers))


def _namesake(session: Session, first: str, last: str, born: date, person_id: int | None):
    """Another person with the same first and last name (see ``name_key``) born on ``born``."""
    wanted = (name_key(first), name_key(last))
    rows = session.execute(
        select(Person.id, Person.first_name, Person.last_name).where(
            Person.birth_date == born,
            Person.id != (person_id or 0),
            Person.anonymised_at.is_(None),
        )
    ).all()
    return next(
        (r for r in rows if (name_key(r.first_name), name_key(r.last_name)) == wanted), None
    )


def _active_partner(session: Session, partner_id: int) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(PartnerOrganisation)
            .where(PartnerOrganisation.id == partner_id, PartnerOrganisation.active)
        )
    )


def _active_tutor(session: Session, user_id: int) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.id == user_id, User.active, User.role.in_([Role.TUTOR, Role.COORDINATOR]))
        )
    )


def _validate_consents(
    session: Session,
    consents: ConsentInput,
    intake_date: date,
    today: date,
    born: date | None = None,
) -> list[ValidationError]:
    errors: list[ValidationError] = []
    if not consents.data_processing:
        errors.append(ValidationError("consent_data_processing", "people.error.consent_required"))
    _collect(  # left empty it is the intake date, whose own rules say what is wrong with it
        errors,
        validators.date_in_records,
        consents.given_on,
        "consent_given_on",
        earliest=earliest_intake_date(session),
        today=today,
        born=born,
    )
    for pid in consents.sharing_partner_ids:
        if not _active_partner(session, pid):
            errors.append(ValidationError("consent_partners", "people.error.unknown_partner"))
            break
    return errors


# --------------------------------------------------------------------------- create / update
def create(
    *,
    session: Session,
    actor: Actor,
    data: PersonInput,
    consents: ConsentInput,
    today: date | None = None,
    confirmed: Iterable[str] = (),
) -> int:
    """Take a person in: the record, their fragility markers and consents. Returns the id.

    A tutor who names no tutor becomes the person's tutor. ``confirmed``: the warnings the user
    has confirmed (see ``validate_person``).
    """
    authorize(session=session, actor=actor, operation="people.create")
    today = today or date.today()
    if data.tutor_id is None and actor.role is Role.TUTOR:
        data = replace(data, tutor_id=actor.id)
    errors: list[ValidationError] = []
    checked = None
    try:
        checked = validate_person(session=session, data=data, today=today, confirmed=confirmed)
    except ValidationErrors as exc:
        errors.extend(exc.errors)
    intake_date = checked.values["intake_date"] if checked else (data.intake_date or today)
    born = checked.values["birth_date"] if checked else data.birth_date
    errors.extend(_validate_consents(session, consents, min(intake_date, today), today, born))
    if errors or checked is None:
        raise ValidationErrors(errors)

    person = Person(**checked.values, status=PersonStatus.INTAKE)
    person.fragilities = [PersonFragility(marker=m) for m in checked.fragilities]
    session.add(person)
    _flush_unique(session, data.tax_code)
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="person",
        entity_id=person.id,
        person_id=person.id,
        changes={
            **audit.snapshot(person, exclude=frozenset({"health_notes"})),
            "fragilities": [m.value for m in checked.fragilities],
        },
    )
    given = consents.given_on or intake_date
    _add_consent(session, actor, person.id, ConsentPurpose.DATA_PROCESSING, None, given)
    for pid in dict.fromkeys(consents.sharing_partner_ids):
        _add_consent(session, actor, person.id, ConsentPurpose.PARTNER_SHARING, pid, given)
    return person.id


def _flush_unique(session: Session, tax_code: str) -> None:
    """Flush; a tax code saved by someone else a moment ago becomes a field error."""
    try:
        session.flush()
    except IntegrityError as exc:
        if "tax_code" not in str(exc.orig).lower():
            raise
        raise ValidationErrors(
            [ValidationError("tax_code", "people.error.duplicate_tax_code_now", code=tax_code)]
        ) from exc


def update(
    *,
    session: Session,
    actor: Actor,
    person_id: int,
    version: int,
    data: PersonInput,
    today: date | None = None,
    confirmed: Iterable[str] = (),
) -> None:
    """Save the edited record. ``version`` is the one the user loaded: a stale one is a Conflict."""
    authorize(session=session, actor=actor, operation="people.update")
    person = _person(session, person_id)
    if person.version != version:
        raise Conflict("stale")
    checked = validate_person(
        session=session, data=data, today=today, person_id=person_id, confirmed=confirmed
    )
    pact = session.scalar(select(ServicePact).where(ServicePact.person_id == person_id))
    if pact is not None:  # what the pact rests on cannot be taken away from under it
        errors = []
        did = checked.values["did_date"]
        if did is None:
            errors.append(ValidationError("did_date", "people.error.did_needed_by_pact"))
        elif did > pact.signed_on:
            errors.append(
                ValidationError("did_date", "people.error.did_after_pact", date=pact.signed_on)
            )
        if checked.values["tutor_id"] is None:
            errors.append(ValidationError("tutor_id", "people.error.tutor_needed_by_pact"))
        if errors:
            raise ValidationErrors(errors)
    old = {f.marker: f for f in person.fragilities}  # loaded before any change: one flush
    new = set(checked.fragilities)
    for key, value in checked.values.items():
        setattr(person, key, value)
    person.updated_at = utcnow()  # always an UPDATE, so the version bumps and is checked
    changes = audit.changed_fields(person)
    changes.pop("updated_at", None)
    if changes.pop("health_notes", None) is not None:
        changes["health_notes"] = "changed"  # health data stay out of the audit log
    if set(old) != new:
        changes["fragilities"] = {
            "from": sorted(m.value for m in old),
            "to": sorted(m.value for m in new),
        }
        person.fragilities = [old.get(m) or PersonFragility(marker=m) for m in checked.fragilities]
    if pact is not None and pact.tutor_id != person.tutor_id:  # the pact names the same tutor
        pact.tutor_id = person.tutor_id
        audit.record(
            session=session,
            actor=actor,
            action="update",
            entity="service_pact",
            entity_id=pact.id,
            person_id=person.id,
            changes=audit.changed_fields(pact),
        )
    _flush_unique(session, data.tax_code)
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="person",
        entity_id=person.id,
        person_id=person.id,
        changes=changes or {"unchanged": True},
    )


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.anonymised_at is not None:
        raise NotFound("person")
    return person


# --------------------------------------------------------------------------- read
def build_view(person: Person, actor: Actor, today: date | None = None) -> PersonView:
    """The person's record for ``actor``: protection status and health data for staff only."""
    today = today or date.today()
    staff = actor.is_staff
    markers = tuple(sorted((f.marker for f in person.fragilities), key=list(FragilityMarker).index))
    if not staff:
        markers = tuple(m for m in markers if m not in SENSITIVE_MARKERS)
    return PersonView(
        id=person.id,
        version=person.version,
        first_name=person.first_name,
        last_name=person.last_name,
        tax_code=person.tax_code,
        provisional_tax_code=len(person.tax_code) == 11,
        birth_date=person.birth_date,
        age=age_on(person.birth_date, today),
        sex=person.sex,
        birth_place=person.birth_place,
        birth_comune_code=(
            birth_comune_code(person.birth_place, person.tax_code)
            if person.country_of_birth == "IT"
            else None
        ),
        country_of_birth=person.country_of_birth,
        citizenship=person.citizenship,
        phone=person.phone,
        email=person.email,
        municipality_code=person.municipality_code,
        address=person.address,
        italian_level=person.italian_level,
        education_level=person.education_level,
        referral_source=person.referral_source,
        referral_partner_id=person.referral_partner_id,
        referral_partner_name=person.referral_partner.name if person.referral_partner else None,
        funding_stream=person.funding_stream,
        did_date=person.did_date,
        intake_date=person.intake_date,
        tutor_id=person.tutor_id,
        tutor_name=person.tutor.full_name if person.tutor else None,
        status=person.status,
        closing_reason=person.closing_reason,
        notes=person.notes,
        fragilities=markers,
        legal_status=person.legal_status if staff else None,
        asylum_application_date=person.asylum_application_date if staff else None,
        may_work_from=(
            may_work_from(person.legal_status, person.asylum_application_date) if staff else None
        ),
        health_notes=person.health_notes if staff else None,
        sensitive_hidden=not staff,
    )


def get(*, session: Session, actor: Actor, person_id: int, today: date | None = None) -> PersonView:
    authorize(session=session, actor=actor, operation="people.view")
    return build_view(_person(session, person_id), actor, today)


def find_by_tax_code(*, session: Session, actor: Actor, tax_code: str) -> int | None:
    """The id of the person holding this tax code (in any of its spellings), if any."""
    authorize(session=session, actor=actor, operation="people.view")
    code = "".join((tax_code or "").split()).upper()
    forms = validators.tax_code_forms(code) if validators.codicefiscale.is_valid(code) else (code,)
    return session.scalar(select(Person.id).where(Person.tax_code.in_(forms)).limit(1))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _register_query(actor: Actor, filters: RegisterFilter) -> Select:
    query = select(Person.id).where(Person.anonymised_at.is_(None))
    for word in filters.text.split()[:5]:
        pattern = f"%{_escape_like(word.lower())}%"
        query = query.where(
            or_(
                func.lower(Person.first_name).like(pattern, escape="\\"),
                func.lower(Person.last_name).like(pattern, escape="\\"),
                func.lower(Person.tax_code).like(pattern, escape="\\"),
            )
        )
    if filters.mine:
        query = query.where(Person.tutor_id == actor.id)
    elif filters.without_tutor:
        query = query.where(Person.tutor_id.is_(None))
    elif filters.tutor_id is not None:
        query = query.where(Person.tutor_id == filters.tutor_id)
    if filters.statuses:
        query = query.where(Person.status.in_(list(filters.statuses)))
    if filters.fragility is not None:
        query = query.where(
            exists().where(
                PersonFragility.person_id == Person.id, PersonFragility.marker == filters.fragility
            )
        )
    if filters.citizenship:
        query = query.where(Person.citizenship == filters.citizenship)
    if filters.edition_id is not None:
        query = query.where(
            exists().where(
                WorkshopEnrolment.person_id == Person.id,
                WorkshopEnrolment.edition_id == filters.edition_id,
            )
        )
    return query


SORT_MATCHES = 2_000  # up to this many matches a page is sorted; above, walked in index order


def _register_page(
    session: Session, query: Select, own, total: int, own_total: int, page: int, size: int
) -> list[int]:
    """The ids of one page: the actor's own people first, then the others, each by lower
    surname, lower name and id. A few matches are simply sorted; many (the whole register) are
    read in the order of index ix_people_sort_name, the own part then the rest, so a page stops
    after its rows instead of sorting every match."""
    order = (func.lower(Person.last_name), func.lower(Person.first_name), Person.id)
    offset = (page - 1) * size
    if total <= SORT_MATCHES:
        return list(
            session.scalars(
                query.order_by(case((own, 0), else_=1), *order).limit(size).offset(offset)
            )
        )
    ids: list[int] = []
    if offset < own_total:
        ids += session.scalars(query.where(own).order_by(*order).limit(size).offset(offset))
    if len(ids) < size:
        others = or_(~own, Person.tutor_id.is_(None))
        ids += session.scalars(
            query.where(others)
            .order_by(*order)
            .limit(size - len(ids))
            .offset(max(0, offset - own_total))
        )
    return ids


def list_(
    *,
    session: Session,
    actor: Actor,
    filters: RegisterFilter | None = None,
    page: int = 1,
    page_size: int = 25,
) -> RegisterPage:
    """One page of the register; the actor's own people first, then by surname and name.

    Filtering, counting and paging happen in SQL.
    """
    authorize(session=session, actor=actor, operation="people.list")
    filters = filters or RegisterFilter()
    page_size = max(1, min(page_size, 200))
    query = _register_query(actor, filters)
    own = Person.tutor_id == actor.id
    total, own_total = session.execute(
        query.with_only_columns(func.count(), func.count().filter(own), maintain_column_froms=True)
    ).one()
    total, own_total = total or 0, own_total or 0
    pages = max(1, -(-total // page_size))
    page = max(1, min(page, pages))
    page_ids = _register_page(session, query, own, total, own_total, page, page_size)
    return RegisterPage(
        rows=_register_rows(session, page_ids),
        total=total,
        page=page,
        page_size=page_size,
    )


def _register_rows(session: Session, page_ids: list[int]) -> tuple[RegisterRow, ...]:
    """The register's rows of these people, in this order."""
    tutor = User.__table__.alias("tutor")
    found = {
        r.id: r
        for r in session.execute(
            select(
                Person.id,
                Person.first_name,
                Person.last_name,
                Person.tax_code,
                Person.status,
                Person.tutor_id,
                tutor.c.full_name,
                Person.citizenship,
                Person.intake_date,
            )
            .outerjoin(tutor, tutor.c.id == Person.tutor_id)
            .where(Person.id.in_(page_ids))
        )
    }
    rows = [found[i] for i in page_ids]
    markers: dict[int, list[FragilityMarker]] = {}
    for pid, marker in session.execute(
        select(PersonFragility.person_id, PersonFragility.marker).where(
            PersonFragility.person_id.in_(page_ids)
        )
    ):
        markers.setdefault(pid, []).append(marker)
    latest = (
        select(
            WorkshopEnrolment.person_id,
            WorkshopEdition.title,
            func.row_number()
            .over(
                partition_by=WorkshopEnrolment.person_id,
                order_by=(WorkshopEdition.start_date.desc(), WorkshopEnrolment.id.desc()),
            )
            .label("n"),
        )
        .join(WorkshopEdition, WorkshopEdition.id == WorkshopEnrolment.edition_id)
        .where(WorkshopEnrolment.person_id.in_(page_ids))
        .subquery()
    )
    workshops = dict(
        session.execute(select(latest.c.person_id, latest.c.title).where(latest.c.n == 1)).all()
    )
    order = list(FragilityMarker)
    return tuple(
        RegisterRow(
            id=r.id,
            first_name=r.first_name,
            last_name=r.last_name,
            tax_code=r.tax_code,
            status=PersonStatus(r.status),
            tutor_id=r.tutor_id,
            tutor_name=r.full_name,
            citizenship=r.citizenship,
            intake_date=r.intake_date,
            fragilities=tuple(sorted(markers.get(r.id, ()), key=order.index)),
            workshop=workshops.get(r.id),
        )
        for r in rows
    )


MAX_EXPORT = 10_000
"""The most people one register export holds."""


def export_register(
    *, session: Session, actor: Actor, filters: RegisterFilter | None = None
) -> tuple[RegisterRow, ...]:
    """Every person of the register matching ``filters`` (up to ``MAX_EXPORT``), in the
    register's order, for the page's "Esporta". Personal data leave the centre: the export is
    audited, one row naming the filters and one per person exported (so the person's own
    history shows it)."""
    authorize(session=session, actor=actor, operation="people.list")
    filters = filters or RegisterFilter()
    own = Person.tutor_id == actor.id
    order = (func.lower(Person.last_name), func.lower(Person.first_name), Person.id)
    ids = list(
        session.scalars(
            _register_query(actor, filters)
            .order_by(case((own, 0), else_=1), *order)
            .limit(MAX_EXPORT)
        )
    )
    rows = _register_rows(session, ids)
    audit.record(
        session=session,
        actor=actor,
        action="export",
        entity="person_register",
        changes={
            "rows": len(rows),
            **{k: v for k, v in vars(filters).items() if v not in (None, "", (), False)},
        },
    )
    audit.record_many(
        session=session,
        actor=actor,
        action="export",
        entity="person",
        rows=[(r.id, r.id, {"export": "person_register"}) for r in rows],
    )
    return rows


def search(*, session: Session, actor: Actor, text: str, limit: int = 20) -> list[Option]:
    """People matching a name or tax code, for a quick picker (the actor's own people first)."""
    result = list_(
        session=session, actor=actor, filters=RegisterFilter(text=text), page=1, page_size=limit
    )
    return [Option(r.id, f"{r.full_name} · {r.tax_code}") for r in result.rows]


def tutors(*, session: Session, actor: Actor) -> list[Option]:
    """The active tutors (and coordinators, who may follow people too), by name."""
    authorize(session=session, actor=actor, operation="people.list")
    rows = session.execute(
        select(User.id, User.full_name)
        .where(User.active, User.role.in_([Role.TUTOR, Role.COORDINATOR]))
        .order_by(case((User.role == Role.TUTOR, 0), else_=1), User.full_name)
    )
    return [Option(uid, name) for uid, name in rows]


def citizenships(*, session: Session, actor: Actor) -> list[tuple[str, int]]:
    """The citizenships present in the register with their head count, most frequent first."""
    authorize(session=session, actor=actor, operation="people.list")
    n = func.count().label("n")
    return [
        (iso2, count)
        for iso2, count in session.execute(
            select(Person.citizenship, n)
            .where(Person.anonymised_at.is_(None))
            .group_by(Person.citizenship)
            .order_by(n.desc(), Person.citizenship)
        )
    ]


def partners(*, session: Session, actor: Actor) -> list[Option]:
    """The active partner organisations (for referral and sharing consent)."""
    authorize(session=session, actor=actor, operation="people.view")
    rows = session.execute(
        select(PartnerOrganisation.id, PartnerOrganisation.name)
        .where(PartnerOrganisation.active)
        .order_by(PartnerOrganisation.name)
    )
    return [Option(pid, name) for pid, name in rows]


# --------------------------------------------------------------------------- consents
def _add_consent(
    session: Session,
    actor: Actor,
    person_id: int,
    purpose: ConsentPurpose,
    partner_id: int | None,
    given_on: date,
) -> Consent:
    consent = Consent(
        person_id=person_id,
        purpose=purpose,
        partner_org_id=partner_id,
        given_on=given_on,
        text_version=CONSENT_TEXT_VERSION,
        recorded_by_id=actor.id or None,
    )
    session.add(consent)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="consent",
        entity_id=consent.id,
        person_id=person_id,
        changes=audit.snapshot(consent),
    )
    return consent


def consents(*, session: Session, actor: Actor, person_id: int) -> tuple[ConsentRow, ...]:
    """The person's consents, the most recent first (withdrawn ones included)."""
    authorize(session=session, actor=actor, operation="people.view")
    _person(session, person_id)
    rows = session.execute(
        select(Consent, PartnerOrganisation.name)
        .outerjoin(PartnerOrganisation, PartnerOrganisation.id == Consent.partner_org_id)
        .where(Consent.person_id == person_id)
        .order_by(Consent.given_on.desc(), Consent.id.desc())
    ).all()
    return tuple(
        ConsentRow(
            id=c.id,
            purpose=c.purpose,
            partner_org_id=c.partner_org_id,
            partner_org_name=name,
            given_on=c.given_on,
            text_version=c.text_version,
            withdrawn_on=c.withdrawn_on,
        )
        for c, name in rows
    )


def give_consent(
    *,
    session: Session,
    actor: Actor,
    person_id: int,
    purpose: ConsentPurpose,
    partner_org_id: int | None = None,
    given_on: date | None = None,
    today: date | None = None,
) -> int:
    """Record a consent given today (or on ``given_on``) to the current information text."""
    authorize(session=session, actor=actor, operation="people.consents")
    today = today or date.today()
    person = _person(session, person_id)
    given = given_on or today
    errors: list[ValidationError] = []
    if given > today:
        errors.append(ValidationError("given_on", "validators.date.future"))
    elif given < person.intake_date:
        errors.append(ValidationError("given_on", "people.error.consent_before_intake"))
    if purpose is ConsentPurpose.PARTNER_SHARING:
        if partner_org_id is None:
            errors.append(ValidationError("partner_org_id", "people.error.partner_required"))
        elif not _active_partner(session, partner_org_id):
            errors.append(ValidationError("partner_org_id", "people.error.unknown_partner"))
    else:
        partner_org_id = None
    active = session.scalar(
        select(func.count())
        .select_from(Consent)
        .where(
            Consent.person_id == person_id,
            Consent.purpose == purpose,
            Consent.withdrawn_on.is_(None),
            Consent.partner_org_id.is_(None)
            if partner_org_id is None
            else Consent.partner_org_id == partner_org_id,
        )
    )
    if active:
        errors.append(ValidationError("purpose", "people.error.consent_exists"))
    if errors:
        raise ValidationErrors(errors)
    return _add_consent(session, actor, person_id, purpose, partner_org_id, given).id


def withdraw_consent(
    *,
    session: Session,
    actor: Actor,
    consent_id: int,
    on: date | None = None,
    today: date | None = None,
) -> None:
    """The person withdraws a consent (kept in the history with its withdrawal date)."""
    authorize(session=session, actor=actor, operation="people.consents")
    today = today or date.today()
    consent = session.get(Consent, consent_id)
    if consent is None:
        raise NotFound("consent")
    _person(session, consent.person_id)
    day = on or today
    if consent.withdrawn_on is not None:
        raise ValidationError("withdrawn_on", "people.error.consent_already_withdrawn")
    if day > today:
        raise ValidationError("withdrawn_on", "validators.date.future")
    if day < consent.given_on:
        raise ValidationError("withdrawn_on", "people.error.withdrawn_before_given")
    consent.withdrawn_on = day
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="consent",
        entity_id=consent.id,
        person_id=consent.person_id,
        changes=audit.changed_fields(consent),
    )


def active_sharing_partners(
    *, session: Session, actor: Actor, person_ids: Iterable[int]
) -> dict[int, set[int]]:
    """For each person, the partner organisations they currently allow sharing with."""
    authorize(session=session, actor=actor, operation="people.view")
    out: dict[int, set[int]] = {}
    for pid, org in session.execute(
        select(Consent.person_id, Consent.partner_org_id).where(
            and_(
                Consent.person_id.in_(list(person_ids)),
                Consent.purpose == ConsentPurpose.PARTNER_SHARING,
                Consent.withdrawn_on.is_(None),
            )
        )
    ):
        out.setdefault(pid, set()).add(org)
    return out
