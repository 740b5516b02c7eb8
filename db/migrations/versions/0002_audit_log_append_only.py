"""audit log append-only: the database refuses UPDATE and DELETE of audit rows

The application only ever inserts into ``audit_log`` (``fleming.audit`` has no update or delete
path). These triggers make the database say so too, whatever the code path — a raw SQL statement,
an ORM ``session.delete``, a foreign-key action:

* PostgreSQL: a ``BEFORE UPDATE OR DELETE ... FOR EACH ROW`` trigger calling a PL/pgSQL function
  that raises (SQLSTATE ``P0001``, "audit_log is append-only").
* SQLite: two ``BEFORE UPDATE`` / ``BEFORE DELETE`` triggers with ``SELECT RAISE(ABORT, ...)``.

One consequence: a user who appears in the log cannot be deleted (``actor_id`` is ``ON DELETE SET
NULL``, an UPDATE of audit rows). Accounts are deactivated, never deleted, so nothing in the
application does that.

Emptying a whole database stays possible, on purpose and in one place only:
``fleming.db.delete_all_rows`` (used by ``python -m fleming demo --reset`` and by the tests'
clean-up between tests). On PostgreSQL it empties the log with ``TRUNCATE``, which row triggers
do not see (a deployment that wants even that closed revokes ``TRUNCATE`` on ``audit_log`` from
the application's role; the demo reset then stops working, which a production database does not
need). On SQLite it drops these triggers, deletes, and re-creates them from their stored SQL, all
in the same transaction. Backup restore needs neither: the SQLite online backup API copies pages
without running triggers, and ``pg_restore --clean`` drops and re-creates the tables (triggers
included) and loads rows with ``COPY``, which only inserts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "audit_log is append-only"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP;
END;
$$
"""

PG_TRIGGER = """
CREATE TRIGGER audit_log_append_only
BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
"""

SQLITE_TRIGGERS = {
    "audit_log_no_update": f"""
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused');
END
""",
    "audit_log_no_delete": f"""
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused');
END
""",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    elif dialect == "sqlite":
        for sql in SQLITE_TRIGGERS.values():
            op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    elif dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
