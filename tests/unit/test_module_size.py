"""The house rule: no module under app/ grows past 500 lines; split it by concern instead."""

from __future__ import annotations

from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
LIMIT = 500


def oversized(root: Path, limit: int = LIMIT) -> list[str]:
    """Modules below `root` longer than `limit` lines, with their length."""
    found = []
    for path in sorted(root.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > limit:
            found.append(f"{path.relative_to(root.parent)}: {lines} lines")
    return found


def test_no_module_under_app_is_over_500_lines() -> None:
    assert oversized(APP) == []


def test_the_check_sees_a_long_module(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "long.py").write_text("x = 1\n" * 501)
    (tmp_path / "pkg" / "short.py").write_text("x = 1\n" * 500)

    assert oversized(tmp_path / "pkg") == ["pkg/long.py: 501 lines"]
