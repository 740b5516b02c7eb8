"""The layer rule: Streamlit only in pages and fleming/ui; SQLAlchemy never in pages."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_streamlit_in_services():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "fleming").rglob("*.py")
        if p.relative_to(ROOT / "fleming").parts[0] != "ui"
        and any(name.startswith("streamlit") for name in _imports(p))
    ]
    assert offenders == []


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
    sample.write_text("import streamlit as st\nfrom sqlalchemy import select\n")
    assert {"streamlit", "sqlalchemy"} <= _imports(sample)
