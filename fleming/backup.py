"""Backup and restore: SQLite's online backup API, ``pg_dump``/``pg_restore`` on PostgreSQL.

``fingerprints`` gives each table's row count and a checksum of its rows, so a round trip can be
proven: the same figures before the backup and after the restore.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.engine import make_url

from fleming.errors import FlemingError
from fleming.models import Base


class BackupError(FlemingError):
    """A backup or restore could not be done; the message says why."""


@dataclass(frozen=True)
class TableFingerprint:
    rows: int
    sha256: str


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _libpq_url(engine: Engine) -> str:
    url = make_url(engine.url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _run(cmd: list[str]) -> None:
    if shutil.which(cmd[0]) is None:
        raise BackupError(f"{cmd[0]} not found: install the PostgreSQL client tools")
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{cmd[0]} failed: {lines[-1] if lines else done.returncode}")


def backup(engine: Engine, path: Path) -> Path:
    """Write a consistent copy of the database to ``path`` while the app keeps running."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(_sqlite_path(engine))
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    elif engine.dialect.name == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", _libpq_url(engine)])
    else:
        raise BackupError(f"no backup method for {engine.dialect.name}")
    return path


def restore(engine: Engine, path: Path) -> None:
    """Replace the database's content with the backup at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"backup file not found: {path}")
    engine.dispose()
    if engine.dialect.name == "sqlite":
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"not a SQLite backup: {path}") from exc
        target = sqlite3.connect(_sqlite_path(engine))
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    elif engine.dialect.name == "postgresql":
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_libpq_url(engine)}",
                str(path),
            ]
        )
    else:
        raise BackupError(f"no restore method for {engine.dialect.name}")
    engine.dispose()


def fingerprints(engine: Engine) -> dict[str, TableFingerprint]:
    """Row count and SHA-256 of the rows (in primary-key order) of every table."""
    names = set(inspect(engine).get_table_names())
    out: dict[str, TableFingerprint] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name not in names:
                continue
            digest = hashlib.sha256()
            count = 0
            query = select(table).order_by(*table.primary_key.columns)
            for row in conn.execute(query):
                digest.update(repr(tuple(row)).encode())
                count += 1
            out[table.name] = TableFingerprint(count, digest.hexdigest())
        if "alembic_version" in names:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            out["alembic_version"] = TableFingerprint(
                1, hashlib.sha256(",".join(sorted(version)).encode()).hexdigest()
            )
    return out
