"""Field validators shared by forms, imports and tests: each rule lives here once.

Each returns the normalised value or raises ``ValidationError(field, message_key, **params)``;
the message key is translated where it is shown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.it import codicefiscale, iva

from fleming.errors import ValidationError
from fleming.models import Sex

_OMOCODIA = str.maketrans("LMNPQRSTUV", "0123456789")


def _clean_code(text: str | None) -> str:
    return re.sub(r"[\s\-.]", "", text or "").upper()


@dataclass(frozen=True)
class TaxCodeInfo:
    """What a tax code says about its holder (nothing, for an 11-digit provisional code)."""

    code: str
    provisional: bool
    birth_date: date | None = None
    sex: Sex | None = None
    belfiore: str | None = None  # birthplace: an Italian comune, or Z### for a foreign country


def parse_tax_code(text: str | None, field: str = "tax_code") -> TaxCodeInfo:
    """Accept a 16-character *codice fiscale* (checksum, *omocodia*) or an 11-digit one.

    The 11-digit numeric code is the provisional one given to asylum seekers; it has the same
    check digit as a *partita IVA*.
    """
    code = _clean_code(text)
    if not code:
        raise ValidationError(field, "error.required")
    if len(code) == 11:
        if not code.isdigit() or not iva.is_valid(code):
            raise ValidationError(field, "validators.tax_code.provisional_invalid")
        return TaxCodeInfo(code=code, provisional=True)
    if len(code) != 16:
        raise ValidationError(field, "validators.tax_code.length")
    if not codicefiscale.is_valid(code):
        raise ValidationError(field, "validators.tax_code.invalid")
    place = code[11] + code[12:15].translate(_OMOCODIA)
    return TaxCodeInfo(
        code=code,
        provisional=False,
        birth_date=codicefiscale.get_birth_date(code),
        # not stdnum's get_gender: it reads the day's digits without undoing an omocodia there
        sex=Sex.M if int(code[9:11].translate(_OMOCODIA)) < 40 else Sex.F,
        belfiore=place,
    )


_OMOCODE_POSITIONS = (6, 7, 9, 10, 12, 13, 14)  # the digits an *omocodia* may turn into letters
_DIGIT_TO_LETTER = "LMNPQRSTUV"


def canonical_tax_code(code: str) -> str:
    """The base form of a valid 16-character code: its *omocodia* letters back to digits and the
    check letter recomputed. ``DLLMMD99A01Z34PV`` and ``DLLMMD99A01Z343Z`` are one person.
    Any other code is returned unchanged."""
    if len(code) != 16:
        return code
    chars = list(code.upper())
    for i in _OMOCODE_POSITIONS:
        chars[i] = chars[i].translate(_OMOCODIA)
    body = "".join(chars[:15])
    return body + codicefiscale.calc_check_digit(body)


def tax_code_forms(code: str) -> tuple[str, ...]:
    """Every spelling of the same 16-character code: the base form and its 127 *omocodie* (any
    of the seven digits turned into a letter; the Agenzia does it from the right, a hand-made code
    may not). One item for any other code."""
    base = canonical_tax_code(code)
    if len(base) != 16:
        return (base,)
    forms = []
    for mask in range(1 << len(_OMOCODE_POSITIONS)):
        chars = list(base[:15])
        for bit, i in enumerate(_OMOCODE_POSITIONS):
            if mask >> bit & 1:
                chars[i] = _DIGIT_TO_LETTER[int(chars[i])]
        body = "".join(chars)
        forms.append(body + codicefiscale.calc_check_digit(body))
    return tuple(forms)


_VOWELS = frozenset("AEIOU")


def _latin_letters(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed.upper() if "A" <= c <= "Z")


def tax_code_name_letters(text: str, *, first_name: bool) -> str:
    """The three letters a tax code gives a surname (``first_name=False``) or a first name: its
    consonants, then its vowels, then X; a first name with four or more consonants takes the
    first, third and fourth."""
    letters = _latin_letters(text)
    consonants = [c for c in letters if c not in _VOWELS]
    vowels = [c for c in letters if c in _VOWELS]
    if first_name and len(consonants) >= 4:
        return consonants[0] + consonants[2] + consonants[3]
    return ("".join(consonants + vowels) + "XXX")[:3]


def tax_code_name_mismatches(code: str, first_name: str, last_name: str) -> dict[str, str]:
    """For a 16-character code: the name fields whose letters differ from the code's, each with
    the letters the code holds (``{"last_name": "DLL"}``). Empty when they agree."""
    code = (code or "").upper()
    if len(code) != 16:
        return {}
    out = {}
    if _latin_letters(last_name) and tax_code_name_letters(last_name, first_name=False) != code[:3]:
        out["last_name"] = code[:3]
    if (
        _latin_letters(first_name)
        and tax_code_name_letters(first_name, first_name=True) != code[3:6]
    ):
        out["first_name"] = code[3:6]
    return out


def normalise_phone(text: str | None, field: str = "phone", region: str = "IT") -> str | None:
    """An Italian-default phone number in E.164 (``+39…``); empty means none."""
    raw = (text or "").strip()
    if not raw:
        return None
    if len(raw) > 30:
        raise ValidationError(field, "validators.phone.invalid")
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(field, "validators.phone.invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(field, "validators.phone.invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(text: str | None, field: str = "email") -> str | None:
    """A syntactically valid e-mail address (no DNS look-up); empty means none."""
    raw = (text or "").strip()
    if not raw:
        return None
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError(field, "validators.email.invalid") from None


def normalise_vat_number(text: str | None, field: str = "vat_number") -> str:
    """An 11-digit *partita IVA* with a valid check digit."""
    code = _clean_code(text).removeprefix("IT")
    if not code:
        raise ValidationError(field, "error.required")
    if len(code) != 11 or not code.isdigit() or not iva.is_valid(code):
        raise ValidationError(field, "validators.vat.invalid")
    return code


def not_in_future(value: date | None, field: str, today: date | None = None) -> date | None:
    if value is not None and value > (today or date.today()):
        raise ValidationError(field, "validators.date.future")
    return value


def end_not_before_start(start: date | None, end: date | None, field: str) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError(field, "validators.date.end_before_start")


def int_in_range(value: object, field: str, low: int, high: int) -> int:
    try:
        number = int(value)  # type: ignore[call-overload]  # any value: a failure is the answer
    except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float or Decimal
        raise ValidationError(field, "validators.number.invalid") from None
    if isinstance(value, (float, Decimal)) and value != number:  # 2.5 is not a count of anything
        raise ValidationError(field, "validators.number.invalid")
    if not low <= number <= high:
        raise ValidationError(field, "validators.number.range", low=low, high=high)
    return number


def euro_amount(value: object, field: str, low: Decimal, high: Decimal) -> Decimal:
    """An amount in euro, to the cent: ``500``, ``500,50`` or ``500.50`` (no thousands
    separator). The message says what is accepted."""
    from decimal import ROUND_HALF_UP, InvalidOperation

    if value is None or value == "":
        raise ValidationError(field, "error.required")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(field, "validators.amount.invalid") from None
    if not number.is_finite():
        raise ValidationError(field, "validators.amount.invalid")
    if not low <= number <= high:
        raise ValidationError(field, "validators.number.range", low=int(low), high=int(high))
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
"""Every character that starts a new line somewhere (``str.splitlines`` splits on each)."""

_INVISIBLE = frozenset({"Cc", "Cf"})  # control and format characters (U+200B, U+202E, ...)


def clean_text(
    value: str | None,
    field: str,
    max_length: int,
    *,
    required: bool = False,
    multiline: bool = False,
) -> str | None:
    """The one rule for free text: NFC-normalised, trimmed, no control or invisible characters
    (Unicode categories Cc and Cf); a line break only where the field has several lines (then
    ``\\r\\n`` becomes ``\\n``; a tab is kept). Empty: ``None``, or an error if ``required``.
    """
    text = unicodedata.normalize("NFC", value or "")
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    if not text:
        if required:
            raise ValidationError(field, "error.required")
        return None
    if not multiline and any(c in LINE_BREAKS for c in text):
        raise ValidationError(field, "validators.text.newline")
    allowed = "\n\t" if multiline else ""
    if any(unicodedata.category(c) in _INVISIBLE and c not in allowed for c in text):
        raise ValidationError(field, "validators.text.invisible")
    if multiline and any(c in LINE_BREAKS and c != "\n" for c in text):
        raise ValidationError(field, "validators.text.invisible")
    if len(text) > max_length:
        raise ValidationError(field, "validators.text.too_long", n=max_length)
    return text


def required_text(
    value: str | None, field: str, max_length: int = 200, *, multiline: bool = False
) -> str:
    """Text that must be there; one line unless ``multiline`` (see ``clean_text``)."""
    text = clean_text(value, field, max_length, required=True, multiline=multiline)
    assert text is not None
    return text


def optional_text(
    value: str | None, field: str, max_length: int = 2000, *, multiline: bool = False
) -> str | None:
    """Text that may be empty (``None``); one line unless ``multiline`` (see ``clean_text``)."""
    return clean_text(value, field, max_length, multiline=multiline)


def person_name(value: str | None, field: str, max_length: int = 100) -> str:
    """A first or last name: one line of text with at least one letter (``"--"`` is no name)."""
    text = required_text(value, field, max_length)
    if not any(unicodedata.category(c).startswith("L") for c in text):
        raise ValidationError(field, "validators.text.no_letters")
    return text


def date_in_records(
    value: date | None,
    field: str,
    *,
    earliest: date,
    today: date,
    born: date | None = None,
) -> date | None:
    """A date of the centre's records: not before ``earliest`` (when the records start), not
    before the person's birth (``born``), not after ``today``."""
    if value is None:
        return None
    if value > today:
        raise ValidationError(field, "validators.date.future")
    if born is not None and value < born:
        raise ValidationError(field, "validators.date.before_birth")
    if value < earliest:
        raise ValidationError(field, "validators.date.before_records", date=earliest)
    return value


_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_ATECO_CODE = re.compile(r"^[0-9]{2}(?:\.[0-9]{1,2}){0,2}$")


def normalise_website(text: str | None, field: str = "website") -> str | None:
    """An http(s) address; ``www.example.it`` becomes ``https://www.example.it``. Empty: none."""
    from urllib.parse import urlsplit, urlunsplit

    raw = (text or "").strip()
    if not raw:
        return None
    if len(raw) > 300 or any(c.isspace() for c in raw):
        raise ValidationError(field, "validators.website.invalid")
    if "://" not in raw:
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        raise ValidationError(field, "validators.website.invalid") from None
    labels = host.split(".")
    if (
        parts.scheme.lower() not in ("http", "https")
        or parts.username is not None
        or len(labels) < 2
        or not all(_HOST_LABEL.match(label) for label in labels)
        or not labels[-1].isalpha()
    ):
        raise ValidationError(field, "validators.website.invalid")
    netloc = host if port is None else f"{host}:{port}"
    url = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))
    if len(url) > 300:
        raise ValidationError(field, "validators.website.invalid")
    return url


def normalise_ateco(text: str | None, field: str = "ateco_code") -> str:
    """An ATECO 2007 code of a known division: ``56``, ``56.1``, ``56.10`` or ``56.10.11``."""
    from fleming.reference import ateco_division

    code = (text or "").strip().replace(" ", "")
    if not code:
        raise ValidationError(field, "error.required")
    if not _ATECO_CODE.match(code) or ateco_division(code) is None:
        raise ValidationError(field, "validators.ateco.unknown", code=code[:20])
    return code


@cache
def _comuni_by_folded_name() -> dict[str, tuple[str, ...]]:
    from fleming.reference import comuni, fold

    out: dict[str, list[str]] = {}
    for c in comuni():
        out.setdefault(fold(c.name), []).append(c.istat_code)
    return {name: tuple(codes) for name, codes in out.items()}


def normalise_municipality(text: str | None, field: str = "municipality_code") -> str | None:
    """The ISTAT code of an Italian comune, given its code or its exact name. Empty: none.

    A name shared by comuni of different provinces is refused as ambiguous (use the code).
    """
    from fleming.reference import comune_by_code, fold

    raw = (text or "").strip()
    if not raw:
        return None
    if raw.isdigit():
        found = comune_by_code(raw.zfill(6))
        if found is None:
            raise ValidationError(field, "validators.municipality.unknown", name=raw[:40])
        return found.istat_code
    matches = _comuni_by_folded_name().get(fold(raw), ())
    if not matches:
        raise ValidationError(field, "validators.municipality.unknown", name=raw[:40])
    if len(matches) > 1:
        raise ValidationError(field, "validators.municipality.ambiguous", name=raw[:40])
    return matches[0]
