"""The layering rule (DESIGN.md), checked from the source as well as by ruff's banned-api."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
PURE_BANNED = (
    "PySide6",
    "shiboken6",
    "pynput",
    "Xlib",
    "ctypes",
    "app.desktop",
    "app.ui",
    "app.sync",
    "app.tray",
    "app.cli",
    "app.server",
    "app.insights",
)
UI_BANNED = (
    "sqlite3",
    "sqlite_utils",
    "app.store",
    "urllib",
    "http",
    "socket",
    "requests",
    "app.tray",
    "app.cli",
    "app.sync",
    "app.server",
    "app.insights",
)
TRAY_BANNED = ("app.server", "app.insights", "app.cli")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offenders(package: str, banned: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((APP / package).rglob("*.py")):
        for name in imported_modules(path):
            if any(name == b or name.startswith(b + ".") for b in banned):
                found.append(f"{path.relative_to(APP.parent)} imports {name}")
    return found


@pytest.mark.parametrize("package", ["core", "store"])
def test_core_and_store_stay_free_of_qt_and_os(package: str) -> None:
    assert offenders(package, PURE_BANNED) == []


def test_ui_never_opens_the_database_or_network() -> None:
    assert offenders("ui", UI_BANNED) == []


def test_the_tray_never_loads_the_collector_the_report_or_the_cli() -> None:
    assert offenders("tray", TRAY_BANNED) == []


def test_the_checker_sees_a_banned_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import PySide6.QtCore\nfrom app.ui import popup\n")
    assert imported_modules(probe) == {"PySide6.QtCore", "app.ui"}
