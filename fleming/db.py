"""Engine, unit of work and migrations.

One user action = one transaction: ``with unit_of_work() as session:`` commits on success and
rolls back on any error. Services receive ``session=`` and never commit.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from fleming import config
from fleming.errors import Conflict

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


# --------------------------------------------------------------------------- write generation
# A number that grows whenever a transaction that changed data commits in this process: cached
# reads (``fleming.ui.cache``) are keyed by it, so a write is seen by the very next read.
# Appending to the audit log does not count: audited reads (a partner opening a shortlist)
# write audit rows, and nothing the pages cache is read from the log.
_generation = 0
_generation_lock = threading.Lock()
_WROTE = "fleming_wrote"  # in the DBAPI connection's info: a write since the transaction began
_COMMITTED = "fleming_committed_write"  # a write committed, not yet seen back in the pool
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|TRUNCATE|MERGE|CREATE|DROP|ALTER|COPY)\b", re.I)
_AUDIT_INSERT = re.compile(r'\s*INSERT\s+INTO\s+"?audit_log"?[\s(]', re.I)


def write_generation() -> int:
    """How many transactions that changed data (the audit log apart) have committed here."""
    return _generation


def uncommitted_writes(session) -> bool:
    """Whether ``session`` changed data (the audit log apart) not committed yet: pending ORM
    changes, or statements that wrote in its open transaction."""
    if session.new or session.dirty or session.deleted:
        return True
    return session.in_transaction() and bool(session.connection().info.get(_WROTE))


def _bump() -> None:
    global _generation
    with _generation_lock:
        _generation += 1


def _note_write(conn, _cursor, statement, _params, context, _many) -> None:
    dml = context is not None and (context.isinsert or context.isupdate or context.isdelete)
    if (dml or _WRITE.match(statement)) and not _AUDIT_INSERT.match(statement):
        conn.info[_WROTE] = True


def _on_commit(conn) -> None:
    # Fired just before the database commits: bump now, and again when the connection is back
    # in the pool (after the commit), so a read that ran in between is not served afterwards.
    if conn.info.pop(_WROTE, False):
        conn.info[_COMMITTED] = True
        _bump()


def _on_rollback(conn) -> None:
    conn.info.pop(_WROTE, None)


def _on_checkin(_dbapi_conn, record) -> None:
    if record is not None and record.info.pop(_COMMITTED, False):
        _bump()


def _track_writes(engine: Engine) -> None:
    event.listen(engine, "after_cursor_execute", _note_write)
    event.listen(engine, "commit", _on_commit)
    event.listen(engine, "rollback", _on_rollback)
    event.listen(engine.pool, "checkin", _on_checkin)


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` with the project's connection settings."""
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            from pathlib import Path

            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    _track_writes(engine)
    return engine


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: ``FLEMING_DATABASE_URL`` or SQLite)."""
    url = url or config.database_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    """A session in one transaction: commit on success, rollback on error.

    A stale ``version`` (someone saved first) surfaces as ``Conflict``.
    """
    factory = sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict("stale") from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


APPEND_ONLY_TABLE = "audit_log"


def delete_all_rows(conn: Connection) -> None:
    """Empty every table, the append-only audit log included, in the caller's transaction.

    The one sanctioned way past the audit log's triggers (migration 0002): ``demo --reset`` and
    the tests' clean-up. PostgreSQL: ``TRUNCATE`` the log (row triggers do not see it; a lock
    held by a forgotten transaction makes it fail after 30 s instead of waiting for ever).
    SQLite: drop the log's triggers, delete, re-create them from their stored SQL.
    """
    from fleming.models import Base

    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name != APPEND_ONLY_TABLE]
    audit_table = Base.metadata.tables[APPEND_ONLY_TABLE]
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL lock_timeout = '30s'"))
        conn.execute(text(f"TRUNCATE TABLE {APPEND_ONLY_TABLE}"))
    elif conn.dialect.name == "sqlite":
        triggers = conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
            {"t": APPEND_ONLY_TABLE},
        ).all()
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None  # a live connection has its DB-API connection
        if not dbapi.in_transaction:
            # pysqlite opens its transaction only at the first INSERT/UPDATE/DELETE; the DROP
            # below must be inside it, so that a failure leaves the triggers in place.
            conn.exec_driver_sql("BEGIN")
        for name, _sql in triggers:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        conn.execute(audit_table.delete())
        for _name, sql in triggers:
            conn.exec_driver_sql(sql)
    else:
        conn.execute(audit_table.delete())
    for table in tables:
        conn.execute(table.delete())


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(config.MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def migrate(url: str | None = None) -> None:
    """Bring the database at ``url`` to the latest migration."""
    from alembic import command

    url = url or config.database_url()
    engine = get_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def is_empty(engine: Engine | None = None) -> bool:
    """True when the database has no people, companies or users (a fresh install)."""
    from sqlalchemy import func, select

    from fleming.models import User

    engine = engine or get_engine()
    if not inspect(engine).has_table("users"):
        return True
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(User)) == 0
