"""``python -m fleming``: set up, fill and check a Fleming database from the command line.

    python -m fleming init                     migrate, reference data, first admin
    python -m fleming demo [--scale N] [--reset] [--seed S]
    python -m fleming create-user --username U --full-name "..." --role tutor
    python -m fleming check                    validate every table with the pandera schemas
    python -m fleming retention [--dry-run]    anonymise ended cases past the retention period

``--database-url URL`` (before or after the command) overrides ``FLEMING_DATABASE_URL``.
Passwords are asked twice without echo; scripts pass them in ``FLEMING_ADMIN_PASSWORD`` (``init``)
or ``FLEMING_NEW_USER_PASSWORD`` (``create-user``). Every expected failure — bad input, a
database that cannot be reached, Ctrl-C — is one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from fleming import __version__, config
from fleming.errors import (
    AccountLocked,
    Conflict,
    FlemingError,
    NotFound,
    PermissionDenied,
    ValidationError,
    ValidationErrors,
)

PROG = "fleming"
ADMIN_PASSWORD_ENV = "FLEMING_ADMIN_PASSWORD"
NEW_USER_PASSWORD_ENV = "FLEMING_NEW_USER_PASSWORD"
DEFAULT_ADMIN_USERNAME = "admin"
DEFAULT_ADMIN_FULL_NAME = "Administrator"
ROLES = ("admin", "coordinator", "tutor", "partner")


class CliError(Exception):
    """An error the command line reports as one line (``fleming: error: ...``)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# --------------------------------------------------------------------------- messages
def _text(key: str, **params: object) -> str:
    """A translation key in English; text that is not a key comes back unchanged."""
    from fleming.i18n import translate

    return translate(key, "en", **params)


def error_message(exc: BaseException) -> str:
    """The one line that tells the user what went wrong."""
    if isinstance(exc, ValidationError):
        return f"{exc.field}: {_text(exc.message, **exc.params)}"
    if isinstance(exc, ValidationErrors):
        return "; ".join(error_message(e) for e in exc.errors)
    if isinstance(exc, AccountLocked):
        return f"account {exc.username} is locked until {exc.until}"
    if isinstance(exc, PermissionDenied):
        return f"not allowed: {exc}"
    if isinstance(exc, NotFound):
        return f"not found: {exc}"
    if isinstance(exc, Conflict):
        return _text(str(exc)) if str(exc) != "stale" else "someone else saved first; try again"
    return _first_line(str(exc)) or type(exc).__name__


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _database_error(exc: BaseException, url: str) -> str:
    from sqlalchemy.exc import DBAPIError

    detail = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return f"database error ({_safe_url(url)}): {_first_line(str(detail)) or type(detail).__name__}"


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a URL SQLAlchemy cannot parse is reported by the caller
        return url


# --------------------------------------------------------------------------- input
def _ask(prompt: str, default: str | None = None) -> str:
    suffix = f" [{default}]" if default else ""
    answer = input(f"{prompt}{suffix}: ").strip()
    return answer or (default or "")


def _ask_password(env_var: str) -> str:
    """The password from ``env_var``, else asked twice without echo; checked against the policy."""
    from fleming.auth import validate_password

    password = os.environ.get(env_var)
    if password is not None:
        return validate_password(password)
    password = getpass.getpass("Password: ")
    validate_password(password)
    if getpass.getpass("Password (again): ") != password:
        raise CliError("the two passwords do not match")
    return password


# --------------------------------------------------------------------------- progress
class ProgressBar:
    """A text progress bar on a stream (stderr); redrawn in place on a terminal.

    Called as ``bar(fraction, label)`` (the ``progress`` callback of
    ``fleming.devtools.demo.generate``); when the stream is not a terminal it writes a line per
    10 % or new label.
    """

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_step = -1
        self._last_label = ""
        self._drawn = False

    def __call__(self, fraction: float, label: str = "") -> None:
        self.update(fraction, label)

    def update(self, fraction: float, label: str = "") -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        filled = round(self.width * fraction)
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%} {label}".rstrip()
        if self.tty:
            self.stream.write("\r" + line.ljust(self.width + 48))
            self._drawn = True
        else:
            step = int(fraction * 10)
            if step == self._last_step and label == self._last_label:
                return
            self._last_step, self._last_label = step, label
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
        self._drawn = False


# --------------------------------------------------------------------------- commands
def _engine(url: str):
    from fleming.db import get_engine

    return get_engine(url)


def _require_schema(url: str) -> None:
    from sqlalchemy import inspect

    if not inspect(_engine(url)).has_table("users"):
        raise CliError(f"the database is not initialised: run `python -m {PROG} init` first")


def cmd_init(args: argparse.Namespace, out: TextIO) -> int:
    from sqlalchemy import select

    from fleming.actor import SYSTEM
    from fleming.auth import create_user
    from fleming.db import migrate, unit_of_work
    from fleming.models import Role, User
    from fleming.reference import seed_reference_data

    url = args.database_url
    migrate(url)
    print(f"Database migrated: {_safe_url(url)}", file=out)
    with unit_of_work(_engine(url)) as session:
        seed_reference_data(session=session)
    print("Reference data loaded.", file=out)

    with unit_of_work(_engine(url)) as session:
        admin = session.scalar(select(User.username).where(User.role == Role.ADMIN).limit(1))
    if admin is not None:
        print(f"An admin account already exists ({admin}); no account created.", file=out)
        return 0

    scripted = ADMIN_PASSWORD_ENV in os.environ
    username = args.username or (
        DEFAULT_ADMIN_USERNAME if scripted else _ask("Admin username", DEFAULT_ADMIN_USERNAME)
    )
    full_name = args.full_name or (
        DEFAULT_ADMIN_FULL_NAME if scripted else _ask("Full name", DEFAULT_ADMIN_FULL_NAME)
    )
    password = _ask_password(ADMIN_PASSWORD_ENV)
    with unit_of_work(_engine(url)) as session:
        user = create_user(
            session=session,
            actor=SYSTEM,
            username=username,
            full_name=full_name,
            password=password,
            role=Role.ADMIN,
            email=args.email,
        )
        created = user.username
    print(f"Admin account created: {created}", file=out)
    return 0


def cmd_create_user(args: argparse.Namespace, out: TextIO) -> int:
    from sqlalchemy import func, select

    from fleming.actor import SYSTEM
    from fleming.auth import create_user, validate_username
    from fleming.db import unit_of_work
    from fleming.models import PartnerOrganisation, Role

    url = args.database_url
    _require_schema(url)
    role = Role(args.role)
    if args.partner and role is not Role.PARTNER:
        raise CliError("--partner is only for accounts with --role partner")
    if role is Role.PARTNER and not args.partner:
        raise CliError("a partner account needs --partner NAME (its organisation)")
    validate_username(args.username)  # before asking for a password
    partner_org_id = None
    if args.partner:
        with unit_of_work(_engine(url)) as session:
            partner_org_id = session.scalar(
                select(PartnerOrganisation.id).where(
                    func.lower(PartnerOrganisation.name) == args.partner.strip().lower()
                )
            )
            known = session.scalars(
                select(PartnerOrganisation.name).order_by(PartnerOrganisation.name)
            ).all()
        if partner_org_id is None:
            listed = ", ".join(known) if known else "none in the database"
            raise CliError(f"unknown partner organisation {args.partner!r} (known: {listed})")
    password = _ask_password(NEW_USER_PASSWORD_ENV)
    with unit_of_work(_engine(url)) as session:
        user = create_user(
            session=session,
            actor=SYSTEM,
            username=args.username,
            full_name=args.full_name,
            password=password,
            role=role,
            partner_org_id=partner_org_id,
            email=args.email,
        )
        created = (user.username, user.role)
    print(f"Account created: {created[0]} ({Role(created[1]).value})", file=out)
    return 0


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from fleming.db import migrate
    from fleming.devtools import demo

    url = args.database_url
    try:
        demo.volumes_for(args.scale)
    except ValueError:
        presets = ", ".join(demo.PRESETS)
        raise CliError(
            f"--scale must be a number greater than 0 or a preset ({presets})", exit_code=2
        ) from None
    migrate(url)
    bar = ProgressBar(sys.stderr)
    seed = demo.DEFAULT_SEED if args.seed is None else args.seed
    try:
        summary = demo.generate(
            _engine(url), scale=args.scale, seed=seed, reset=args.reset, progress=bar
        )
    finally:
        bar.close()
    print(
        f"Demo data in {_safe_url(url)} (seed {seed}, scale {_scale_label(args.scale)}):", file=out
    )
    width = max((len(name) for name in summary.counts), default=0)
    for name, count in summary.counts.items():
        print(f"  {name:<{width}}  {count:>8,}", file=out)
    print("\nDemo accounts (username / role / password):", file=out)
    width = max(len(username) for username in demo.DEMO_ACCOUNTS)
    for username, role in demo.DEMO_ACCOUNTS.items():
        print(f"  {username:<{width}}  {role:<11}  {demo.DEMO_PASSWORD}", file=out)
    return 0


def _scale(value: str) -> float | str:
    """``--scale``: a number, or a preset name of ``fleming.devtools.demo.PRESETS`` (``S10``)."""
    try:
        return float(value)
    except ValueError:
        return value.strip().upper()


def _scale_label(scale: float | str) -> str:
    return f"{scale:g}" if isinstance(scale, float) else scale


def cmd_bench(args: argparse.Namespace, out: TextIO) -> int:
    from fleming.devtools import bench, demo

    try:
        demo.volumes_for(args.scale)
    except ValueError:
        raise CliError(
            f"--scale must be a number greater than 0 or a preset ({', '.join(demo.PRESETS)})",
            exit_code=2,
        ) from None
    if args.repeat < 1:
        raise CliError("--repeat must be at least 1", exit_code=2)
    url = args.database_url if args.explicit_url else bench_default_url(args.scale)

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        report = bench.run(
            url,
            scale=args.scale,
            repeat=args.repeat,
            loop_vacancies=args.loop_vacancies,
            with_pages=not args.no_pages,
            say=say,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    print(bench.format_table(report), file=out)
    if args.json:
        bench.write_json(report, args.json)
        print(f"\nJSON written to {args.json}", file=out)
    return 0


def bench_default_url(scale: float | str) -> str:
    """The bench's own SQLite file beside the app's (never the app's database)."""
    name = _scale_label(scale).replace(".", "_")
    return f"sqlite:///{config.ROOT / 'db' / f'bench_{name}.sqlite'}"


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    from fleming.schemas import format_value, validate_all

    url = args.database_url
    _require_schema(url)
    results = validate_all(_engine(url), chunk_size=args.chunk_size)
    failing = {name: found for name, found in results.items() if found}
    if not failing:
        print(f"OK: {len(results)} tables, no violations.", file=out)
        return 0
    total = sum(len(found) for found in failing.values())
    for name, found in failing.items():
        print(f"{name}: {len(found)} violation{'s' * (len(found) != 1)}", file=out)
        for v in found[: args.limit] if args.limit else found:
            print(
                f"  column={v.column or '-'}  check={v.check}  row={v.where}"
                f"  value={format_value(v.failure_case)}",
                file=out,
            )
        if args.limit and len(found) > args.limit:
            print(f"  ... and {len(found) - args.limit} more", file=out)
    print(f"{total} violation{'s' * (total != 1)} in {len(failing)} table(s).", file=out)
    return 1


def cmd_retention(args: argparse.Namespace, out: TextIO) -> int:
    from datetime import date

    from fleming import gdpr
    from fleming.actor import SYSTEM
    from fleming.db import unit_of_work

    url = args.database_url
    _require_schema(url)
    if args.years is not None and not 1 <= args.years <= 100:
        raise CliError("--years must be a whole number from 1 to 100", exit_code=2)
    today = date.today()
    with unit_of_work(_engine(url)) as session:  # one transaction: what is listed is what goes
        years = args.years or gdpr.retention_years(session)
        due = gdpr.retention_due(session=session, actor=SYSTEM, years=years, today=today)
        print(
            f"{len(due)} ended case{'s' * (len(due) != 1)} unchanged since before "
            f"{gdpr.retention_cutoff(years, today).isoformat()} "
            f"(retention {years} year{'s' * (years != 1)}):",
            file=out,
        )
        # ids only: a scheduled job's output ends up in mail and logs; names stay in the app
        for case in due:
            print(
                f"  person {case.id:>7}  {case.status.value:<7}  intake {case.intake_date}"
                f"  last change {case.last_change}",
                file=out,
            )
        if args.dry_run:
            print("Dry run: nothing changed.", file=out)
            return 0
        done = gdpr.apply_retention(session=session, actor=SYSTEM, years=years, today=today)
    print(f"Anonymised {len(done)} case{'s' * (len(done) != 1)}.", file=out)
    return 0


def cmd_backup(args: argparse.Namespace, out: TextIO) -> int:
    from fleming.backup import backup, fingerprints

    url = args.database_url
    _require_schema(url)
    engine = _engine(url)
    path = backup(engine, Path(args.path))
    tables = fingerprints(engine)
    rows = sum(f.rows for name, f in tables.items() if name != "alembic_version")
    print(f"Backup written to {path} ({len(tables)} tables, {rows} rows).", file=out)
    return 0


def cmd_restore(args: argparse.Namespace, out: TextIO) -> int:
    from fleming.backup import fingerprints, restore

    url = args.database_url
    if not args.yes:
        answer = _ask(f"Replace ALL data in {_safe_url(url)} with {args.path}? Type 'yes'")
        if answer.strip().lower() != "yes":
            raise CliError("restore cancelled")
    engine = _engine(url)
    restore(engine, Path(args.path))
    tables = fingerprints(engine)
    rows = sum(f.rows for name, f in tables.items() if name != "alembic_version")
    print(f"Restored {args.path} ({len(tables)} tables, {rows} rows).", file=out)
    return 0


# --------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="SQLAlchemy database URL (default: FLEMING_DATABASE_URL or db/fleming.sqlite)",
    )
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Fleming: set up, fill and check the database from the command line.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    init = commands.add_parser(
        "init",
        parents=[common],
        help="migrate, load the reference data, create the first admin",
        description=(
            "Migrate the database, load the reference data and, if there is no admin yet, "
            f"create one. The password is asked twice, or read from {ADMIN_PASSWORD_ENV}."
        ),
    )
    init.add_argument("--username", help=f"admin username (default {DEFAULT_ADMIN_USERNAME})")
    init.add_argument("--full-name", help="admin's full name")
    init.add_argument("--email", help="admin's e-mail address")
    init.set_defaults(handler=cmd_init)

    demo = commands.add_parser(
        "demo",
        parents=[common],
        help="fill the database with demo data",
        description="Migrate the database and fill it with fictitious demo data.",
    )
    demo.add_argument(
        "--scale",
        type=_scale,
        default=1.0,
        help="multiply the volumes (default 1), or S10: decade scale (20,000 people, "
        "2,000 companies, 5,000 vacancies, 6,000 internships, 200,000 ratings, 100,000 "
        "audit rows)",
    )
    demo.add_argument("--reset", action="store_true", help="delete existing data first")
    demo.add_argument("--seed", type=int, default=None, help="random seed (same seed, same data)")
    demo.set_defaults(handler=cmd_demo)

    bench = commands.add_parser(
        "bench",
        parents=[common],
        help="measure performance at scale (tables of medians next to their floors)",
        description=(
            "Build (or reuse) demo data at --scale and measure the matching, every page per "
            "role, every KPI against raw SQL and the people register; print a table of medians "
            "and ratios. Without --database-url the data go to db/bench_<scale>.sqlite."
        ),
    )
    bench.add_argument(
        "--scale", type=_scale, default="S10", help="demo volumes: S10 (default) or a multiplier"
    )
    bench.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    bench.add_argument("--repeat", type=int, default=5, help="runs per median (default 5)")
    bench.add_argument(
        "--loop-vacancies",
        type=int,
        default=None,
        help="vacancies timed with the per-person loop (default: all 20, or 3 above 5,000 "
        "people: the loop takes about a minute per vacancy at S10)",
    )
    bench.add_argument("--no-pages", action="store_true", help="skip the page timings")
    bench.set_defaults(handler=cmd_bench)

    user = commands.add_parser(
        "create-user",
        parents=[common],
        help="create an account",
        description=(
            "Create an account (as the system administrator, audited). The password is asked "
            f"twice, or read from {NEW_USER_PASSWORD_ENV}."
        ),
    )
    user.add_argument("--username", required=True)
    user.add_argument("--full-name", required=True)
    user.add_argument("--role", required=True, choices=ROLES)
    user.add_argument("--partner", metavar="NAME", help="partner organisation (role partner)")
    user.add_argument("--email")
    user.set_defaults(handler=cmd_create_user)

    check = commands.add_parser(
        "check",
        parents=[common],
        help="validate every table against the pandera schemas",
        description="Validate every table; exit code 1 when a violation is found.",
    )
    check.add_argument(
        "--limit", type=int, default=50, help="violations shown per table (0: all; default 50)"
    )
    check.add_argument("--chunk-size", type=int, default=50_000, help=argparse.SUPPRESS)
    check.set_defaults(handler=cmd_check)

    retention = commands.add_parser(
        "retention",
        parents=[common],
        help="anonymise the ended cases past the retention period",
        description=(
            "List the ended cases (closed, or ended in a hire) whose file has not changed for "
            "the retention period (the setting on the privacy page, or --years) and anonymise "
            "them; audited as user system."
        ),
    )
    retention.add_argument(
        "--dry-run", action="store_true", help="only list the cases, change nothing"
    )
    retention.add_argument(
        "--years", type=int, default=None, help="retention period for this run (default: setting)"
    )
    retention.set_defaults(handler=cmd_retention)

    bkp = commands.add_parser(
        "backup",
        parents=[common],
        help="write a consistent copy of the database to PATH",
        description="SQLite: the online backup API. PostgreSQL: pg_dump (custom format).",
    )
    bkp.add_argument("path", metavar="PATH")
    bkp.set_defaults(handler=cmd_backup)

    rst = commands.add_parser(
        "restore",
        parents=[common],
        help="replace the database's content with a backup",
        description="SQLite: the online backup API. PostgreSQL: pg_restore --clean.",
    )
    rst.add_argument("path", metavar="PATH")
    rst.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rst.set_defaults(handler=cmd_restore)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (0 success, 1 failure, 2 usage, 130 interrupted)."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    args.explicit_url = bool(getattr(args, "database_url", None))
    if not args.explicit_url:
        args.database_url = config.database_url()
    handler: Callable[[argparse.Namespace, TextIO], int] = args.handler
    try:
        return handler(args, sys.stdout)
    except CliError as exc:
        return _fail(str(exc), exc.exit_code)
    except FlemingError as exc:
        return _fail(error_message(exc))
    except ArgumentError as exc:
        return _fail(f"invalid database URL: {_first_line(str(exc))}")
    except SQLAlchemyError as exc:
        return _fail(_database_error(exc, args.database_url))
    except CommandError as exc:
        return _fail(f"migration failed: {_first_line(str(exc))}")
    except ImportError as exc:  # e.g. a database driver that is not installed
        return _fail(f"import failed: {_first_line(str(exc))}")
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except EOFError:
        return _fail(
            "no input to read (for scripts: pass the options, and the password in "
            f"{ADMIN_PASSWORD_ENV} or {NEW_USER_PASSWORD_ENV})"
        )


def _fail(message: str, exit_code: int = 1) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return exit_code
