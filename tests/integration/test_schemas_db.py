"""The table schemas against real databases: clean demo data passes, hand-made damage is found."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, text

from fleming.models import Base
from fleming.schemas import validate_all, validate_table


def _person_row(n: int, **overrides) -> dict:
    row = {
        "first_name": "Amina",
        "last_name": f"Diallo {n}",
        "tax_code": f"{n:011d}",
        "birth_date": date(1990, 1, 1),
        "sex": "F",
        "citizenship": "GN",
        "country_of_birth": "GN",
        "italian_level": "A2",
        "education_level": "none",
        "legal_status": "international_protection",
        "referral_source": "self",
        "funding_stream": "municipal",
        "intake_date": date(2025, 3, 1),
        "status": "active",
        "created_at": datetime(2025, 3, 1, 9, 30),
        "updated_at": datetime(2025, 3, 1, 9, 30),
        "version": 1,
    }
    row.update(overrides)
    return row


def _insert_people(engine, *rows: dict) -> list[int]:
    people = Base.metadata.tables["people"]
    with engine.begin() as conn:
        return [conn.execute(insert(people).values(**row)).inserted_primary_key[0] for row in rows]


def test_a_clean_demo_database_has_no_violations(engine):
    from fleming.devtools.demo import generate

    generate(engine, scale=0.1, seed=11)
    found = validate_all(engine)
    assert set(found) == set(Base.metadata.tables)
    assert {name: [v.describe() for v in vs] for name, vs in found.items() if vs} == {}


def test_reference_data_alone_has_no_violations(engine):
    assert all(not found for found in validate_all(engine).values())


def test_damage_the_database_allows_is_found_with_its_row(engine):
    tomorrow = date.today() + timedelta(days=1)
    good, bad_email, future = _insert_people(
        engine,
        _person_row(1),
        _person_row(2, email="amina.example.org"),
        _person_row(3, birth_date=tomorrow),
    )
    found = {v.column: v for v in validate_table(engine, "people")}
    assert set(found) == {"email", "birth_date"}
    assert found["email"].check.startswith("str_matches")
    assert found["email"].row_id == f"id={bad_email}"
    assert found["email"].failure_case == "amina.example.org"
    assert found["birth_date"].check == "not_in_future"
    assert found["birth_date"].row_id == f"id={future}"
    assert found["birth_date"].failure_case == tomorrow
    assert good not in {bad_email, future}


@pytest.mark.parametrize("chunk_size", [1, 2, 50_000])
def test_chunks_keep_row_positions_and_ids(engine, chunk_size):
    ids = _insert_people(
        engine,
        *(_person_row(n, email=None if n % 2 else f"broken{n}") for n in range(1, 6)),
    )
    found = validate_table(engine, "people", chunk_size=chunk_size)
    assert [v.row_id for v in found] == [f"id={ids[1]}", f"id={ids[3]}"]
    assert [v.row for v in found] == [1, 3]
    assert [v.failure_case for v in found] == ["broken2", "broken4"]


def test_a_composite_key_names_all_its_columns(engine):
    [person] = _insert_people(engine, _person_row(9))
    with engine.begin() as conn:
        company = conn.execute(
            text(
                "INSERT INTO companies (name, vat_number, ateco_code, employees, status, "
                "created_at, version) VALUES ('Acme', '01234567890', '56.10', 5, 'active', "
                "'2025-01-01 00:00:00', 1) RETURNING id"
            )
        ).scalar_one()
        internship = conn.execute(
            text(
                "INSERT INTO internships (person_id, company_id, start_date, planned_end_date, "
                "weekly_hours, monthly_allowance, meal_vouchers, company_tutor_name, "
                "funding_stream, status, created_at, version) VALUES (:p, :c, '2025-01-01', "
                "'2025-06-30', 30, 500, false, 'Rossi', 'municipal', 'active', "
                "'2025-01-01 00:00:00', 1) RETURNING id"
            ),
            {"p": person, "c": company},
        ).scalar_one()
        conn.execute(  # attendance is recorded per month, on the month's first day
            text(
                "INSERT INTO internship_attendance (internship_id, month, attendance_percent) "
                "VALUES (:i, '2025-02-15', 90)"
            ),
            {"i": internship},
        )
    [violation] = validate_table(engine, "internship_attendance")
    assert violation.check == "first_of_month"
    assert violation.row_id == f"internship_id={internship}, month=2025-02-15"
