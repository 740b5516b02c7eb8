"""``python -m fleming``: init, create-user, demo and check, in-process on temporary SQLite."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from fleming import cli
from fleming.auth import check_password
from fleming.db import get_engine, unit_of_work
from fleming.models import AuditEntry, PartnerOrganisation, Person, Role, User

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "correct horse battery"
UNREACHABLE_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/fleming"


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


@pytest.fixture
def scripted(monkeypatch):
    """No terminal: any prompt would fail the test."""

    def no_prompt(*_args, **_kwargs):
        raise AssertionError("the command prompted in scripted mode")

    monkeypatch.setattr("builtins.input", no_prompt)
    monkeypatch.setattr(cli.getpass, "getpass", no_prompt)
    monkeypatch.setenv(cli.ADMIN_PASSWORD_ENV, ADMIN_PASSWORD)


def _init(url: str, *extra: str) -> int:
    return cli.main(["--database-url", url, "init", "--full-name", "Ada Admin", *extra])


def _maria(role: str) -> list[str]:
    return ["--username", "m.rossi", "--full-name", "Maria Rossi", "--role", role]


def _users(url: str) -> list[User]:
    with unit_of_work(get_engine(url)) as session:
        return list(session.scalars(select(User).order_by(User.id)))


def _one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("fleming: error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_module_help_runs_in_a_subprocess():
    done = subprocess.run(
        [sys.executable, "-m", "fleming", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    for command in ("init", "demo", "create-user", "check", "--database-url"):
        assert command in done.stdout


def test_init_creates_an_admin_who_can_log_in(url, scripted, capsys):
    assert _init(url) == 0
    out = capsys.readouterr().out
    assert "Admin account created: admin" in out
    [admin] = _users(url)
    assert (admin.username, admin.full_name, admin.role) == ("admin", "Ada Admin", Role.ADMIN)
    assert check_password(ADMIN_PASSWORD, admin.password_hash)
    assert not check_password("wrong password", admin.password_hash)
    with unit_of_work(get_engine(url)) as session:
        audited = session.scalar(
            select(func.count()).where(AuditEntry.entity == "user", AuditEntry.action == "create")
        )
    assert audited == 1


def test_init_twice_does_not_duplicate(url, scripted, capsys):
    assert _init(url, "--username", "direzione") == 0
    assert _init(url, "--username", "other") == 0
    assert "already exists (direzione)" in capsys.readouterr().out
    assert [u.username for u in _users(url)] == ["direzione"]


def test_init_asks_interactively(url, monkeypatch, capsys):
    monkeypatch.delenv(cli.ADMIN_PASSWORD_ENV, raising=False)
    answers = iter(["", "Grace Admin"])  # username: accept the default
    monkeypatch.setattr("builtins.input", lambda _prompt: next(answers))
    monkeypatch.setattr(cli.getpass, "getpass", lambda _prompt: ADMIN_PASSWORD)
    assert cli.main(["--database-url", url, "init"]) == 0
    [admin] = _users(url)
    assert (admin.username, admin.full_name) == ("admin", "Grace Admin")


def test_init_refuses_passwords_that_differ(url, monkeypatch, capsys):
    monkeypatch.delenv(cli.ADMIN_PASSWORD_ENV, raising=False)
    passwords = iter([ADMIN_PASSWORD, ADMIN_PASSWORD + "!"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda _prompt: next(passwords))
    assert _init(url, "--username", "admin") == 1
    assert "do not match" in _one_line_error(capsys.readouterr().err)
    assert _users(url) == []


@pytest.mark.parametrize(("raised", "code"), [(EOFError, 1), (KeyboardInterrupt, 130)])
def test_init_without_input_fails_in_one_line(url, monkeypatch, capsys, raised, code):
    monkeypatch.delenv(cli.ADMIN_PASSWORD_ENV, raising=False)

    def interrupted(_prompt):
        raise raised

    monkeypatch.setattr(cli.getpass, "getpass", interrupted)
    assert _init(url, "--username", "admin") == code
    _one_line_error(capsys.readouterr().err)


def test_create_user(url, scripted, monkeypatch, capsys):
    assert _init(url) == 0
    monkeypatch.setenv(cli.NEW_USER_PASSWORD_ENV, "a long tutor password")
    args = ["--username", "M.Rossi", "--full-name", "Maria Rossi", "--role", "tutor"]
    assert cli.main(["create-user", "--database-url", url, *args, "--email", "m@x.it"]) == 0
    assert "Account created: m.rossi (tutor)" in capsys.readouterr().out
    tutor = _users(url)[-1]
    assert (tutor.username, tutor.role, tutor.email) == ("m.rossi", Role.TUTOR, "m@x.it")
    assert check_password("a long tutor password", tutor.password_hash)

    assert cli.main(["create-user", "--database-url", url, *args]) == 1  # taken
    assert "already exists" in _one_line_error(capsys.readouterr().err)


def test_create_user_rejects_a_short_password(url, scripted, monkeypatch, capsys):
    assert _init(url) == 0
    capsys.readouterr()
    monkeypatch.setenv(cli.NEW_USER_PASSWORD_ENV, "short")
    code = cli.main(["create-user", "--database-url", url, *_maria("coordinator")])
    assert code != 0
    captured = capsys.readouterr()
    line = _one_line_error(captured.err)
    assert "password" in line and "10" in line
    assert "Traceback" not in captured.out
    assert [u.username for u in _users(url)] == ["admin"]


def test_create_partner_user_needs_a_known_partner(url, scripted, monkeypatch, capsys):
    assert _init(url) == 0
    with unit_of_work(get_engine(url)) as session:
        if session.scalar(select(PartnerOrganisation.id).limit(1)) is None:
            session.add(PartnerOrganisation(name="Soleterre", version=1))
    capsys.readouterr()
    monkeypatch.setenv(cli.NEW_USER_PASSWORD_ENV, "a long partner password")
    base = ["create-user", "--database-url", url, "--username", "p.bianchi"]
    base += ["--full-name", "Paolo Bianchi", "--role", "partner"]

    assert cli.main([*base, "--partner", "Nowhere Onlus"]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert "unknown partner organisation 'Nowhere Onlus'" in line

    assert cli.main(base) == 1
    assert "--partner" in _one_line_error(capsys.readouterr().err)

    with unit_of_work(get_engine(url)) as session:
        name = session.scalar(select(PartnerOrganisation.name).order_by(PartnerOrganisation.id))
    assert cli.main([*base, "--partner", name.upper()]) == 0
    partner = _users(url)[-1]
    assert partner.role == Role.PARTNER and partner.partner_org_id is not None


def test_create_user_on_an_empty_database_says_to_run_init(url, capsys):
    code = cli.main(["create-user", "--database-url", url, *_maria("tutor")])
    assert code == 1
    assert "init" in _one_line_error(capsys.readouterr().err)


def test_unreachable_postgresql_is_one_line(capsys):
    assert cli.main(["check", "--database-url", UNREACHABLE_POSTGRES]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert "database error" in line and "127.0.0.1" in line


def test_unreachable_postgresql_on_init_is_one_line(scripted, capsys):
    assert cli.main(["--database-url", UNREACHABLE_POSTGRES, "init"]) == 1
    _one_line_error(capsys.readouterr().err)


def test_usage_errors_exit_2(capsys):
    assert cli.main(["create-user", "--username", "x"]) == 2
    assert cli.main(["no-such-command"]) == 2
    assert cli.main(["--help"]) == 0


def test_demo_scale_must_be_a_number_or_a_preset(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert cli.main(["demo", "--database-url", url, "--scale", "S99"]) == 2
    assert "S10" in _one_line_error(capsys.readouterr().err)
    assert cli.main(["demo", "--database-url", url, "--scale", "0"]) == 2


# --------------------------------------------------------------------------- demo and check
@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    """A small demo database made once through the CLI; each test works on a copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    demo_url = f"sqlite:///{path}"
    assert cli.main(["demo", "--database-url", demo_url, "--scale", "0.1", "--seed", "7"]) == 0
    get_engine(demo_url).dispose()  # checkpoint the WAL into the file
    return path


@pytest.fixture
def demo_url(demo_file, tmp_path) -> str:
    copy = tmp_path / "demo.sqlite"
    shutil.copy(demo_file, copy)
    return f"sqlite:///{copy}"


def test_demo_prints_counts_and_accounts(tmp_path, capsys):
    from fleming.devtools.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    assert cli.main(["demo", "--database-url", url, "--scale", "0.1", "--seed", "3"]) == 0
    captured = capsys.readouterr()
    with unit_of_work(get_engine(url)) as session:
        people = session.scalar(select(func.count()).select_from(Person))
    assert people > 0
    assert re.search(rf"^\s+people\s+{people:,}$", captured.out, re.MULTILINE), captured.out
    for username, role in DEMO_ACCOUNTS.items():
        assert re.search(rf"^\s+{username}\s+{role}\s+{DEMO_PASSWORD}$", captured.out, re.M)
    assert "100%" in captured.err  # the progress bar, on stderr
    assert "Traceback" not in captured.err

    # a second run without --reset refuses, in one line
    assert cli.main(["demo", "--database-url", url, "--scale", "0.1"]) == 1
    assert "--reset" in _one_line_error(capsys.readouterr().err)


def test_check_on_a_demo_database_is_ok(demo_url, capsys):
    assert cli.main(["check", "--database-url", demo_url]) == 0
    assert "OK" in capsys.readouterr().out


def test_check_reports_rows_the_database_allows_but_the_schema_forbids(demo_url, capsys):
    engine = get_engine(demo_url)
    with engine.begin() as conn:
        first, second = conn.execute(text("SELECT id FROM people ORDER BY id LIMIT 2")).scalars()
        conn.execute(
            text("UPDATE people SET email = 'no-at-sign.example.org' WHERE id = :id"),
            {"id": first},
        )
        conn.execute(
            text("UPDATE people SET birth_date = '2999-01-01' WHERE id = :id"), {"id": second}
        )
    assert cli.main(["check", "--database-url", demo_url]) == 1
    out = capsys.readouterr().out
    assert "people: 2 violations" in out
    email_line = next(line for line in out.splitlines() if "column=email" in line)
    assert f"row=id={first}" in email_line and "no-at-sign.example.org" in email_line
    birth_line = next(line for line in out.splitlines() if "column=birth_date" in line)
    assert f"row=id={second}" in birth_line and "not_in_future" in birth_line
    assert "2999-01-01" in birth_line


# --------------------------------------------------------------------------- both backends
def test_init_create_user_and_check_on_each_backend(engine, scripted, monkeypatch, capsys):
    from fleming.devtools.demo import generate

    url = engine.url.render_as_string(hide_password=False)
    assert _init(url) == 0
    monkeypatch.setenv(cli.NEW_USER_PASSWORD_ENV, "a long tutor password")
    assert cli.main(["create-user", "--database-url", url, *_maria("tutor")]) == 0
    assert [u.username for u in _users(url)] == ["admin", "m.rossi"]
    assert cli.main(["check", "--database-url", url]) == 0

    generate(engine, scale=0.05, seed=5, reset=True)
    with engine.begin() as conn:
        conn.execute(text("UPDATE companies SET municipality_code = 'MILANO' WHERE id = 1"))
    capsys.readouterr()
    assert cli.main(["check", "--database-url", url]) == 1
    out = capsys.readouterr().out
    assert "companies: 1 violation" in out
    assert "column=municipality_code" in out and "row=id=1" in out and "'MILANO'" in out


# --------------------------------------------------------------------------- retention
def _listed_ids(out: str) -> list[int]:
    return [int(n) for n in re.findall(r"^\s+person\s+(\d+)\s", out, re.MULTILINE)]


def _anonymised(url: str) -> list[int]:
    with unit_of_work(get_engine(url)) as session:
        return list(
            session.scalars(
                select(Person.id).where(Person.anonymised_at.is_not(None)).order_by(Person.id)
            )
        )


def test_retention_dry_run_lists_the_due_cases_and_changes_nothing(demo_url, capsys):
    # ten years (the default) in three years of demo data: nothing is due
    assert cli.main(["retention", "--dry-run", "--database-url", demo_url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("0 ended cases") and "retention 10 years" in out

    assert cli.main(["retention", "--dry-run", "--years", "2", "--database-url", demo_url]) == 0
    out = capsys.readouterr().out
    listed = _listed_ids(out)
    assert listed and out.startswith(f"{len(listed)} ended cases")
    assert "Dry run: nothing changed." in out
    with unit_of_work(get_engine(demo_url)) as session:
        people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(listed)))}
        assert all(p.status in ("closed", "hired") for p in people.values())
        names = [p.last_name for p in people.values()]
    assert not any(name in out for name in names)  # ids only, no names in a job's output
    assert _anonymised(demo_url) == []


def test_retention_anonymises_the_listed_cases_as_the_system_user(demo_url, capsys):
    assert cli.main(["retention", "--years", "2", "--database-url", demo_url]) == 0
    out = capsys.readouterr().out
    listed = _listed_ids(out)
    assert listed and f"Anonymised {len(listed)} cases." in out
    assert _anonymised(demo_url) == sorted(listed)
    with unit_of_work(get_engine(demo_url)) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "anonymise")).all()
        assert sorted(r.person_id for r in rows) == sorted(listed)
        assert {(r.actor_username, r.changes["reason"]) for r in rows} == {("system", "retention")}
    # nothing left to do, and the anonymised rows are valid
    assert cli.main(["retention", "--years", "2", "--database-url", demo_url]) == 0
    assert capsys.readouterr().out.startswith("0 ended cases")
    assert cli.main(["check", "--database-url", demo_url]) == 0


def test_retention_refuses_a_bad_period_and_an_empty_database(url, demo_url, capsys):
    assert cli.main(["retention", "--years", "0", "--database-url", demo_url]) == 2
    assert "--years" in _one_line_error(capsys.readouterr().err)
    assert cli.main(["retention", "--database-url", url]) == 1
    assert "init" in _one_line_error(capsys.readouterr().err)
