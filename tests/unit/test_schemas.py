"""The pandera table schemas: in step with the models, and strict about bad frames."""

from __future__ import annotations

import dataclasses
import enum
from datetime import date, timedelta

import pandas as pd
import pandera.pandas as pa
import pytest
import sqlalchemy as sa

from fleming.models import Base, LegalStatus
from fleming.schemas import TABLE_SCHEMAS, Violation, enum_values, validate_frame

TABLES = sorted(Base.metadata.tables)


def _columns(table_name: str) -> dict[str, pa.Column]:
    return TABLE_SCHEMAS[table_name].to_schema().columns


def _dtype_family(column: sa.Column) -> str:
    kind = column.type
    if isinstance(kind, sa.Enum | sa.String | sa.Text):
        return "str"
    if isinstance(kind, sa.Boolean):
        return "boolean"
    if isinstance(kind, sa.Integer):
        return "Int64"
    if isinstance(kind, sa.Date | sa.DateTime):
        return "datetime64[us]"
    if isinstance(kind, sa.Numeric | sa.Float | sa.Double):
        return "float64"
    if isinstance(kind, sa.JSON):
        return "object"
    raise AssertionError(f"no dtype rule for {kind!r}: add one to the schemas and this test")


def test_one_schema_per_model_table():
    assert set(TABLE_SCHEMAS) == set(Base.metadata.tables)


@pytest.mark.parametrize("table_name", TABLES)
def test_schema_columns_equal_model_columns(table_name):
    assert set(_columns(table_name)) == set(Base.metadata.tables[table_name].c.keys())


@pytest.mark.parametrize("table_name", TABLES)
def test_schema_is_strict_and_coerces(table_name):
    schema = TABLE_SCHEMAS[table_name].to_schema()
    assert schema.strict is True
    assert schema.coerce is True


@pytest.mark.parametrize("table_name", TABLES)
def test_nullability_and_dtypes_follow_the_model(table_name):
    columns = _columns(table_name)
    for column in Base.metadata.tables[table_name].c:
        schema_column = columns[column.name]
        assert schema_column.nullable == column.nullable, column.name
        family = _dtype_family(column)
        expected = "string" if family == "str" else family  # pandas' string dtype
        assert str(schema_column.dtype).startswith(expected), (column.name, schema_column.dtype)


@pytest.mark.parametrize("table_name", TABLES)
def test_enum_columns_accept_exactly_the_enum_values(table_name):
    columns = _columns(table_name)
    for column in Base.metadata.tables[table_name].c:
        if not isinstance(column.type, sa.Enum):
            continue
        isin = [c for c in columns[column.name].checks if c.name == "isin"]
        assert isin, f"{table_name}.{column.name} has no isin check"
        allowed = isin[0].statistics["allowed_values"]
        enum_cls: type[enum.Enum] = column.type.enum_class
        assert sorted(allowed) == sorted(enum_values(enum_cls))


# --------------------------------------------------------------------------- bad frames
def _person(**overrides) -> dict:
    row = {
        "id": 1,
        "first_name": "Amina",
        "last_name": "Diallo",
        "tax_code": "DLLMNA90A41Z336X",
        "birth_date": "1990-01-01",
        "sex": "F",
        "birth_place": "Conakry",
        "citizenship": "GN",
        "country_of_birth": "GN",
        "phone": "+39 333 1234567",
        "email": "amina@example.org",
        "municipality_code": "015146",
        "address": "Via Padova 1",
        "italian_level": "A2",
        "education_level": "lower_secondary",
        "legal_status": "international_protection",
        "asylum_application_date": None,
        "referral_source": "self",
        "referral_partner_id": None,
        "funding_stream": "municipal",
        "did_date": None,
        "intake_date": "2025-03-01",
        "tutor_id": None,
        "status": "active",
        "closing_reason": None,
        "health_notes": None,
        "notes": None,
        "anonymised_at": None,
        "created_at": "2025-03-01 09:30:00",
        "updated_at": "2025-03-01 09:30:00",
        "version": 1,
    }
    row.update(overrides)
    return row


def _frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def _failing_columns(table_name: str, frame: pd.DataFrame) -> set[str]:
    with pytest.raises(pa.errors.SchemaErrors) as info:
        TABLE_SCHEMAS[table_name].validate(frame, lazy=True)
    return set(info.value.failure_cases["column"].dropna().astype(str))


def test_a_valid_person_passes():
    out = TABLE_SCHEMAS["people"].validate(_frame(_person()))
    assert str(out["birth_date"].dtype) == "datetime64[us]"
    assert str(out["referral_partner_id"].dtype) == "Int64"
    assert validate_frame("people", _frame(_person())) == []


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("email", "amina.example.org"),
        ("tax_code", "DLLMNA90A41Z336"),  # 15 characters
        ("citizenship", "Guinea"),
        ("sex", "X"),
        ("italian_level", "D1"),
        ("municipality_code", "15146"),
        ("first_name", ""),
        ("last_name", "x" * 101),
        ("birth_date", "not a date"),
        ("version", 0),
    ],
)
def test_a_bad_person_value_names_its_column(column, value):
    assert column in _failing_columns("people", _frame(_person(**{column: value})))


@pytest.mark.parametrize(
    "birth_date",
    [date.today() + timedelta(days=1), date(2999, 1, 1), date(9999, 12, 31)],
    ids=["tomorrow", "mistyped-year", "sentinel"],
)
def test_birth_date_in_the_future_is_refused(birth_date):
    # 2999 and 9999 are beyond pandas' nanosecond range: the value is still reported
    frame = _frame(_person(id=1), _person(id=2, tax_code="X" * 16, birth_date=birth_date))
    [violation] = validate_frame("people", frame)
    assert violation.column == "birth_date"
    assert violation.check == "not_in_future"
    assert violation.row_id == "id=2"
    assert violation.failure_case == birth_date


def test_null_in_a_required_column_is_refused():
    [violation] = validate_frame("people", _frame(_person(last_name=None)))
    assert (violation.column, violation.check) == ("last_name", "not_nullable")


def test_an_empty_last_name_only_once_anonymised():
    # fleming.gdpr keeps the pseudonym in first_name and empties last_name
    anonymised = _person(
        first_name="ANON-000001",
        last_name="",
        tax_code="ANON000000000001",
        anonymised_at="2026-01-02 10:00:00",
    )
    assert validate_frame("people", _frame(anonymised)) == []
    [violation] = validate_frame("people", _frame(_person(last_name="")))
    assert violation.check == "last_name_unless_anonymised"
    assert "last_name" in violation.column


def test_an_extra_and_a_missing_column_are_reported_by_name():
    frame = _frame(_person()).drop(columns=["notes"]).assign(nickname="Ami")
    found = {(v.column, v.check) for v in validate_frame("people", frame)}
    assert ("nickname", "unexpected_column") in found
    assert ("notes", "missing_column") in found


def test_a_row_rule_names_the_columns_involved():
    frame = _frame(
        _person(id=1),
        _person(id=2, tax_code="X" * 16, legal_status=LegalStatus.ASYLUM_SEEKER.value),
        _person(id=3, tax_code="Y" * 16, status="closed"),
    )
    found = {(v.row_id, v.check): v for v in validate_frame("people", frame)}
    asylum = found[("id=2", "asylum_seeker_has_application_date")]
    assert "legal_status" in asylum.column
    assert "asylum_seeker" in str(asylum.failure_case)
    assert "status" in found[("id=3", "closed_has_reason")].column
    assert not any(row_id == "id=1" for row_id, _ in found)


@pytest.mark.parametrize(
    ("table_name", "row", "column"),
    [
        (
            "competence_ratings",
            {
                "id": 1,
                "person_id": 1,
                "competence_id": 1,
                "level": 4,
                "rated_on": "2025-01-10",
                "source": "entry",
                "assessor_id": None,
                "workshop_edition_id": None,
                "note": None,
                "created_at": "2025-01-10 10:00:00",
            },
            "level",
        ),
        (
            "workshop_editions",
            {
                "id": 1,
                "trade_id": 1,
                "title": "Cucina",
                "hours": 99,
                "start_date": "2025-01-10",
                "end_date": "2025-03-10",
                "trainer_name": "Luca",
                "italian_teacher_name": "Anna",
                "capacity": 12,
                "created_at": "2025-01-01 10:00:00",
                "version": 1,
            },
            "hours",
        ),
        (
            "internship_attendance",
            {"internship_id": 1, "month": "2025-02-01", "attendance_percent": 101},
            "attendance_percent",
        ),
        (
            "vacancy_competences",
            {"vacancy_id": 1, "competence_id": 2, "min_level": 0, "essential": True},
            "min_level",
        ),
    ],
)
def test_range_checks(table_name, row, column):
    violations = validate_frame(table_name, pd.DataFrame([row]))
    assert [v.column for v in violations] == [column]
    assert violations[0].row_id is not None and violations[0].row == 0


def test_violation_is_a_frozen_value():
    v = Violation("people", "email", "str_matches", 0, "id=1", "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.column = "other"  # type: ignore[misc]
    assert v.describe() == "people: email str_matches at id=1: 'x'"
    assert hash(v) == hash(dataclasses.replace(v))
