"""README's two set-up commands stay true: CI runs exactly the test command README gives."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bash_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_ci_runs_the_readme_test_command():
    test_cmd = _bash_blocks()[1]
    assert test_cmd.endswith(".venv/bin/pytest")
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_cmd in ci_lines


def test_readme_run_command_starts_the_app_on_the_default_database():
    run_cmd = _bash_blocks()[0]
    assert run_cmd.endswith("streamlit run app.py")
    assert "FLEMING_DATABASE_URL" not in run_cmd
    assert "requirements.txt" in run_cmd


def test_readme_lists_the_demo_accounts():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for username in ("admin", "coordinatore", "tutor", "partner"):
        assert f"| `{username}`" in text
