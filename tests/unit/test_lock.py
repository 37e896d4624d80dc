"""The lock agrees with pyproject.toml: every declared dependency is pinned, hashed and allowed.

`make lock` refreshes requirements.lock; a range changed in pyproject.toml without it fails here.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - tomli is a dependency on 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)")


def lock_pins(text: str) -> dict[str, list[Version]]:
    """Pinned versions per canonical name (a universal lock may pin two, split by markers)."""
    pins: dict[str, list[Version]] = {}
    for line in text.splitlines():
        match = _PIN.match(line)
        if match:
            pins.setdefault(canonicalize_name(match[1]), []).append(Version(match[2]))
    return pins


def unhashed(text: str) -> list[str]:
    """Pins not followed by at least one --hash line."""
    lines = text.splitlines()
    bad = []
    for i, line in enumerate(lines):
        if _PIN.match(line) and not (i + 1 < len(lines) and "--hash=sha256:" in lines[i + 1]):
            bad.append(line.split()[0])
    return bad


def disagreements(project: dict, lock_text: str) -> list[str]:
    """What pyproject.toml declares that the lock does not pin within the declared range."""
    declared = list(project["dependencies"])
    extras = project.get("optional-dependencies", {})
    for group in extras.values():
        declared.extend(group)
    pins = lock_pins(lock_text)
    problems = []
    for text in declared:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        if name == canonicalize_name(project["name"]):
            continue
        found = pins.get(name)
        if not found:
            problems.append(f"{req.name} is declared but not in the lock")
            continue
        outside = [str(v) for v in found if not req.specifier.contains(v, prereleases=True)]
        if outside:
            problems.append(
                f"{req.name} is locked at {', '.join(outside)}, outside '{req.specifier}'"
            )
    header = "\n".join(line for line in lock_text.splitlines()[:4] if line.startswith("#"))
    for extra in extras:
        if f"--extra {extra}" not in header:
            problems.append(f"the extra '{extra}' is not in the lock (run `make lock`)")
    return problems


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_lock_pins_every_declared_dependency_within_its_range() -> None:
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")

    assert disagreements(_project(), lock) == []


def test_every_pin_carries_its_hashes() -> None:
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")

    assert lock_pins(lock), "the lock pins nothing"
    assert unhashed(lock) == []


def test_a_range_the_lock_does_not_meet_is_reported() -> None:
    project = {
        "name": "cuecards",
        "dependencies": ["PyYAML>=7", "keyring>=24", "missing-package>=1"],
        "optional-dependencies": {"test": ["pytest>=8"], "server": ["uvicorn>=0.30"]},
    }
    lock = (
        "# uv pip compile pyproject.toml --generate-hashes --extra test -o requirements.lock\n"
        "pyyaml==6.0.4 \\\n    --hash=sha256:00\n"
        "keyring==25.7.0 \\\n    --hash=sha256:00\n"
        "pytest==9.2.0 \\\n    --hash=sha256:00\n"
        "uvicorn==0.40.0 \\\n    --hash=sha256:00\n"
    )

    assert disagreements(project, lock) == [
        "PyYAML is locked at 6.0.4, outside '>=7'",
        "missing-package is declared but not in the lock",
        "the extra 'server' is not in the lock (run `make lock`)",
    ]
    assert unhashed(lock + "rapidfuzz==3.14.6\n") == ["rapidfuzz==3.14.6"]
