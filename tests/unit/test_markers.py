"""The markers do what the README says: ``-m "not e2e"`` leaves out every browser test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLLECT = ("--collect-only", "-q", "-n0", "-p", "no:cacheprovider")


def _collected(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *COLLECT, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout


def test_not_e2e_collects_no_browser_test():
    out = _collected("-m", "not e2e", "tests/e2e")
    assert "no tests collected" in out
    assert "deselected" in out  # the browser tests exist, they are left out
