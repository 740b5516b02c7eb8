"""Shared fixtures: a migrated database per backend, cleaned between tests.

Integration tests take the ``engine`` fixture and run on SQLite and, when
``FLEMING_TEST_POSTGRES_URL`` is set, on PostgreSQL too (under pytest-xdist, on a database of each
worker's own: see ``_worker_postgres_url``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
E2E_DIR = ROOT / "tests" / "e2e"
POSTGRES_URL = os.environ.get("FLEMING_TEST_POSTGRES_URL", "").strip()

# Tests never touch the developer's database or secrets.
os.environ.setdefault("FLEMING_COOKIE_KEY", "test-cookie-key-" + "x" * 40)

# Hypothesis: a few hundred examples per property by default (a developer's run), a thousand in
# CI (`HYPOTHESIS_PROFILE=thorough`, set by .ci/run). A test's own `max_examples` still wins.
_PROFILE = {
    "deadline": None,  # no timing asserts: machines are shared
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("default", max_examples=200, **_PROFILE)
settings.register_profile("thorough", max_examples=1000, **_PROFILE)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_report_header(config):
    return f"hypothesis profile: {settings.get_current_profile_name()}"


def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e is marked ``e2e``, so ``-m "not e2e"`` leaves out every browser
    test (a ``pytestmark`` in a conftest.py does not apply to the test modules beside it)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)
            # under pytest-xdist (`-n`, on by default) every browser test runs in one worker,
            # against one Streamlit server, while the other workers run the rest
            item.add_marker(pytest.mark.xdist_group("e2e"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A skip is reported by its reason alone, so the summary has one line per reason ("SKIPPED
    [268] tests: FLEMING_TEST_POSTGRES_URL is not set...") and not one per skipped test."""
    report = yield
    if report.skipped and isinstance(report.longrepr, tuple) and not hasattr(report, "wasxfail"):
        report.longrepr = ("tests", None, report.longrepr[2])
    return report


def _backends() -> list:
    return [pytest.param("sqlite", id="sqlite"), pytest.param("postgresql", id="postgresql")]


def _worker_postgres_url() -> str:
    """``FLEMING_TEST_POSTGRES_URL``, or under pytest-xdist a database of this worker's own beside
    it (``<name>_gw0``, ``<name>_gw1``...), created on the same server when missing."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker:
        return POSTGRES_URL
    base = make_url(POSTGRES_URL)
    url = base.set(database=f"{base.database}_{worker}")
    admin = create_engine(base.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def _fresh_url(backend: str, tmp_dir: Path) -> str:
    from fleming.db import make_engine

    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / 'test.sqlite'}"
    pg_url = _worker_postgres_url()
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return pg_url


@pytest.fixture(scope="session", params=_backends())
def migrated_url(request, tmp_path_factory) -> str:
    """A database migrated to head with the reference data, once per backend per test run."""
    if request.param == "postgresql" and not POSTGRES_URL:
        # skipped here, not by a mark on the parameter: the summary is one line, not one per test
        pytest.skip("FLEMING_TEST_POSTGRES_URL is not set: the PostgreSQL leg is skipped")
    from fleming.db import get_engine, migrate, unit_of_work
    from fleming.reference import seed_reference_data

    url = _fresh_url(request.param, tmp_path_factory.mktemp(request.param))
    migrate(url)
    with unit_of_work(get_engine(url)) as session:
        seed_reference_data(session=session)
    return url


def _clean(engine) -> None:
    """Delete every row, then load the reference data again: each test starts the same."""
    from fleming.db import delete_all_rows, unit_of_work
    from fleming.reference import seed_reference_data

    with engine.begin() as conn:
        delete_all_rows(conn)  # the audit log's append-only triggers let only this through
    with unit_of_work(engine) as session:
        seed_reference_data(session=session)


@pytest.fixture
def engine(migrated_url):
    from fleming.db import get_engine

    eng = get_engine(migrated_url)
    _clean(eng)
    return eng


@pytest.fixture
def session(engine):
    """One unit of work for a test; committed at the end like a page action."""
    from fleming.db import unit_of_work

    with unit_of_work(engine) as s:
        yield s
