"""Settings that come from the environment or the git-ignored secrets file."""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_DIR = ROOT / "db"
REFERENCE_DIR = DB_DIR / "reference"
MIGRATIONS_DIR = DB_DIR / "migrations"
SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"
DEFAULT_SQLITE_PATH = DB_DIR / "fleming.sqlite"
MIN_COOKIE_KEY_BYTES = 32


def database_url() -> str:
    """``FLEMING_DATABASE_URL`` or the embedded SQLite file under ``db/``."""
    url = os.environ.get("FLEMING_DATABASE_URL", "").strip()
    return url or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def is_default_database(url: str) -> bool:
    return url == f"sqlite:///{DEFAULT_SQLITE_PATH}"


def cookie_key(secrets_file: Path = SECRETS_FILE) -> str:
    """The cookie signing key: env var, else the secrets file, else a new key written there.

    The secrets file is git-ignored; a key is never committed.
    """
    key = os.environ.get("FLEMING_COOKIE_KEY", "").strip()
    if not key and secrets_file.exists():
        with secrets_file.open("rb") as fh:
            key = str(tomllib.load(fh).get("cookie_key", "")).strip()
    if not key:
        key = secrets.token_urlsafe(48)
        secrets_file.parent.mkdir(parents=True, exist_ok=True)
        existing = secrets_file.read_text(encoding="utf-8") if secrets_file.exists() else ""
        with secrets_file.open("w", encoding="utf-8") as fh:
            fh.write(existing.rstrip() + ("\n" if existing.strip() else ""))
            fh.write(f'cookie_key = "{key}"\n')
        os.chmod(secrets_file, 0o600)
    if len(key.encode()) < MIN_COOKIE_KEY_BYTES:
        raise ValueError(
            f"The cookie key must be at least {MIN_COOKIE_KEY_BYTES} bytes "
            "(FLEMING_COOKIE_KEY or cookie_key in .streamlit/secrets.toml)."
        )
    return key
