"""Backup and restore round trip: every table's row count and checksum come back identical."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, update
from sqlalchemy.exc import DBAPIError

from fleming import cli
from fleming.backup import fingerprints
from fleming.devtools import demo
from fleming.models import AuditEntry, Base, Person, TutoringMeeting


def test_round_trip_restores_every_table_exactly(engine, tmp_path, capsys):
    demo.generate(engine, scale=0.05, reset=True)
    before = fingerprints(engine)
    assert set(before) == {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}
    assert before["people"].rows > 50 and before["audit_log"].rows > 50
    url = engine.url.render_as_string(hide_password=False)
    target = tmp_path / ("fleming.sqlite" if engine.dialect.name == "sqlite" else "fleming.dump")

    assert cli.main(["backup", str(target), "--database-url", url]) == 0
    assert "Backup written" in capsys.readouterr().out

    # Damage: lose meetings, change a name, log something after the backup (the audit log is
    # append-only, so the restore is what takes that row away again).
    with engine.begin() as conn:
        conn.execute(delete(TutoringMeeting))
        conn.execute(update(Person).where(Person.id == 1).values(first_name="Cambiato"))
        conn.execute(insert(AuditEntry).values(action="update", entity="person", entity_id="1"))
    damaged = fingerprints(engine)
    assert damaged["tutoring_meetings"].rows == 0
    assert damaged["people"] != before["people"]
    assert damaged["audit_log"].rows == before["audit_log"].rows + 1

    assert cli.main(["restore", str(target), "--yes", "--database-url", url]) == 0
    assert fingerprints(engine) == before
    # the restored database still guards its audit log
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(delete(AuditEntry))


def test_restore_refuses_a_missing_or_foreign_file(engine, tmp_path, capsys):
    url = engine.url.render_as_string(hide_password=False)
    assert cli.main(["restore", str(tmp_path / "nope.bak"), "--yes", "--database-url", url]) == 1
    assert "backup file not found" in capsys.readouterr().err
    if engine.dialect.name == "sqlite":
        junk = tmp_path / "junk.bak"
        junk.write_bytes(b"not a database at all" * 100)
        assert cli.main(["restore", str(junk), "--yes", "--database-url", url]) == 1
        err = capsys.readouterr().err
        assert err.startswith("fleming: error:")
        assert "Traceback" not in err
