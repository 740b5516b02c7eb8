"""The dependency lock: every package of the tree pinned, the dev lock agreeing with the runtime
one, and every requirement named in the .in files present in its lock."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _pins(lock: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"{lock}: not pinned with ==: {line!r}"
        pins[_name(match[1])] = match[2]
    return pins


def _wanted(source: str) -> set[str]:
    names = set()
    for line in (ROOT / source).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(_name(re.split(r"[\[=<>~! ;]", line, maxsplit=1)[0]))
    return names


def test_the_runtime_lock_pins_every_requirement():
    pins = _pins("requirements.txt")
    assert _wanted("requirements.in") <= pins.keys()
    assert len(pins) > len(_wanted("requirements.in"))  # the transitive ones too


def test_the_dev_lock_has_the_runtime_lock_inside_it():
    runtime, dev = _pins("requirements.txt"), _pins("requirements-dev.txt")
    assert {k: dev.get(k) for k in runtime} == runtime
    assert _wanted("requirements-dev.in") <= dev.keys()
