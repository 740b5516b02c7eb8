"""The layer rule: Streamlit only in pages and fleming/ui; SQLAlchemy never in pages; the services
never reach up into fleming/ui; tooling (fleming/devtools) stays out of the running app."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# The running app may use the tooling only for the demo: the first start on an empty default
# database fills it (startup) and the login page names the demo accounts (chrome); the command
# line runs demo and bench.
DEVTOOLS_USERS = {"fleming/cli.py", "fleming/ui/startup.py", "fleming/ui/chrome.py"}


def _modules(path: Path) -> set[str]:
    """Every module a file imports, with its full dotted name (``from a.b import c``: ``a.b`` and
    ``a.b.c``, since ``c`` may be a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _imports(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _modules(path)}


def _services() -> list[Path]:
    """fleming/ without its Streamlit layer (ui) and its tooling (devtools)."""
    return [
        p
        for p in (ROOT / "fleming").rglob("*.py")
        if p.relative_to(ROOT / "fleming").parts[0] not in ("ui", "devtools")
    ]


def test_no_streamlit_in_services():
    offenders = [
        str(p.relative_to(ROOT))
        for p in _services()
        if any(name.startswith("streamlit") for name in _imports(p))
    ]
    assert offenders == []


def test_services_never_import_the_ui_layer():
    offenders = [
        str(p.relative_to(ROOT))
        for p in _services()
        if any(m == "fleming.ui" or m.startswith("fleming.ui.") for m in _modules(p))
    ]
    assert offenders == []


def test_the_app_does_not_run_on_tooling():
    app_files = [
        *(ROOT / "fleming").rglob("*.py"),
        *(ROOT / "app_pages").glob("*.py"),
        ROOT / "app.py",
    ]
    offenders = [
        rel
        for p in app_files
        if (rel := str(p.relative_to(ROOT))) not in DEVTOOLS_USERS
        and not rel.startswith("fleming/devtools/")
        and any(m.startswith("fleming.devtools") for m in _modules(p))
    ]
    assert offenders == []
    assert all((ROOT / rel).exists() for rel in DEVTOOLS_USERS)


def test_no_sqlalchemy_in_pages():
    pages = [*(ROOT / "app_pages").glob("*.py"), ROOT / "app.py"]
    assert len(pages) > 1
    offenders = [str(p.relative_to(ROOT)) for p in pages if "sqlalchemy" in _imports(p)]
    assert offenders == []


def test_no_legacy_pages_folder():
    # A pages/ folder beside app.py switches Streamlit to legacy multipage mode, where a
    # direct URL opens a page without running the login in app.py.
    assert not (ROOT / "pages").exists()


def test_scanner_sees_imports(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text(
        "import streamlit as st\nfrom sqlalchemy import select\n"
        "def f():\n    from fleming.ui import cache\n    from fleming.devtools import demo\n"
    )
    assert {"streamlit", "sqlalchemy"} <= _imports(sample)
    assert {"fleming.ui.cache", "fleming.devtools.demo"} <= _modules(sample)
