"""The cookie key: from the environment or the secrets file, generated once, never too short."""

from __future__ import annotations

import stat
import tomllib

import pytest

from fleming import config


def test_generated_once_into_the_secrets_file(tmp_path, monkeypatch):
    monkeypatch.delenv("FLEMING_COOKIE_KEY", raising=False)
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    first = config.cookie_key(secrets)
    assert len(first.encode()) >= config.MIN_COOKIE_KEY_BYTES
    assert tomllib.loads(secrets.read_text())["cookie_key"] == first
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert config.cookie_key(secrets) == first  # stable across restarts


def test_existing_secrets_are_kept_when_the_key_is_added(tmp_path, monkeypatch):
    monkeypatch.delenv("FLEMING_COOKIE_KEY", raising=False)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('other = "kept"\n')
    key = config.cookie_key(secrets)
    data = tomllib.loads(secrets.read_text())
    assert data == {"other": "kept", "cookie_key": key}


def test_environment_wins_and_short_keys_are_refused(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    monkeypatch.setenv("FLEMING_COOKIE_KEY", "e" * 40)
    assert config.cookie_key(secrets) == "e" * 40
    assert not secrets.exists()
    monkeypatch.setenv("FLEMING_COOKIE_KEY", "short")
    with pytest.raises(ValueError, match="at least 32 bytes"):
        config.cookie_key(secrets)


def test_secrets_file_is_git_ignored():
    ignored = (config.ROOT / ".gitignore").read_text().splitlines()
    assert ".streamlit/secrets.toml" in ignored
