"""The bench runner fails a run on a figure over budget, a missing metric or a broken group,
and passes a run whose figures are all within budget (fake groups, no real measurement)."""

from __future__ import annotations

import importlib
import io
import itertools
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from tests.bench.common import BenchError, metric
from tests.bench.runner import FAILED, OK, USAGE, main

REPO = Path(__file__).resolve().parents[2]
_names = itertools.count()

WITHIN = """
    METRICS = ("search_ms", "popup_ms", "open_ms")

    def run(quick):
        yield metric("search_ms", 2.5, "ms", 3)
        # 6 ms is 1.2x the bare yardstick: within a budget of 1.5x.
        yield metric("popup_ms", 6.0, "ms", 1.5, budget_of="ratio", yardstick=5.0,
                     yardstick_of="a bare popup")
        yield metric("open_ms", 900.0, "ms", None, info="start-up context")
"""


def fake_bench(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **groups: str) -> ModuleType:
    """A package of bench_<name>.py modules with these bodies (metric is imported for them)."""
    name = f"fakebench{next(_names)}"
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text("")
    for group, body in groups.items():
        source = "from tests.bench.common import metric\n" + textwrap.dedent(body)
        (root / f"bench_{group}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(name)


def run(package: ModuleType, *argv: str) -> tuple[int, list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), package, out, err)
    return status, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_a_run_with_every_figure_within_budget_passes(tmp_path, monkeypatch) -> None:
    package = fake_bench(tmp_path, monkeypatch, ui=WITHIN)
    status, rows, summary = run(package)
    assert status == OK
    assert [r["metric"] for r in rows] == ["search_ms", "popup_ms", "open_ms"]
    assert rows[1] == {
        "metric": "popup_ms",
        "value": 6.0,
        "unit": "ms",
        "budget": 1.5,
        "budget_of": "ratio",
        "yardstick": 5.0,
        "yardstick_of": "a bare popup",
        "ratio": 1.2,
    }
    lines = summary.splitlines()
    assert any(line.startswith("✓ search_ms") and "budget ≤ 3 ms" in line for line in lines)
    assert any(
        line.startswith("✓ popup_ms") and "1.20× a bare popup (5 ms)" in line for line in lines
    )
    assert any(line.startswith("· open_ms") and "start-up context" in line for line in lines)
    assert lines[-1] == (
        "bench: 2 within budget, 0 over budget, 1 information, 0 missing, 0 errors: PASS"
    )


def test_a_figure_over_its_budget_fails_the_run(tmp_path, monkeypatch) -> None:
    over = WITHIN.replace('metric("search_ms", 2.5', 'metric("search_ms", 3.2')
    package = fake_bench(tmp_path, monkeypatch, ui=over)
    status, rows, summary = run(package)
    assert status == FAILED
    assert len(rows) == 3  # every figure is still printed
    assert any(line.startswith("✗ search_ms") for line in summary.splitlines())
    assert summary.splitlines()[-1].endswith(
        "1 over budget, 1 information, 0 missing, 0 errors: FAIL"
    )


def test_a_ratio_over_its_budget_fails_though_the_value_looks_small(tmp_path, monkeypatch) -> None:
    over = WITHIN.replace("yardstick=5.0", "yardstick=3.0")  # 6 ms is 2x a 3 ms yardstick
    status, _, summary = run(fake_bench(tmp_path, monkeypatch, ui=over))
    assert status == FAILED
    assert any(line.startswith("✗ popup_ms") and "2.00×" in line for line in summary.splitlines())


def test_a_missing_metric_fails_the_run(tmp_path, monkeypatch) -> None:
    declared = WITHIN.replace('"open_ms")', '"open_ms", "rss_mb")')
    status, rows, summary = run(fake_bench(tmp_path, monkeypatch, ui=declared))
    assert status == FAILED and len(rows) == 3
    assert any(
        line.startswith("✗ rss_mb") and "MISSING" in line and "bench_ui did not produce it" in line
        for line in summary.splitlines()
    )


def test_an_undeclared_or_repeated_metric_fails_the_run(tmp_path, monkeypatch) -> None:
    extra = WITHIN + (
        '        yield metric("stray_ms", 1.0, "ms", 5)\n'
        '        yield metric("search_ms", 1.0, "ms", 3)\n'
    )
    status, rows, summary = run(fake_bench(tmp_path, monkeypatch, ui=extra))
    assert status == FAILED and len(rows) == 3
    assert "stray_ms is not in the group's METRICS" in summary
    assert "search_ms was reported twice" in summary


def test_a_broken_group_fails_the_run_and_the_others_still_run(tmp_path, monkeypatch) -> None:
    broken = """
        from tests.bench.common import BenchError

        METRICS = ("load_s",)

        def run(quick):
            raise BenchError("load_pack gave no pack")
            yield
    """
    package = fake_bench(tmp_path, monkeypatch, a_broken=broken, ui=WITHIN)
    status, rows, summary = run(package)
    assert status == FAILED
    assert [r["metric"] for r in rows] == ["search_ms", "popup_ms", "open_ms"]
    assert "BenchError" in summary and "✗ load_s" in summary  # the error, and what it cost


def test_quick_mode_enforces_presence_but_no_budget(tmp_path, monkeypatch) -> None:
    over = WITHIN.replace('metric("search_ms", 2.5', 'metric("search_ms", 30')
    status, _, summary = run(fake_bench(tmp_path, monkeypatch, ui=over), "--quick")
    assert status == OK
    assert summary.splitlines()[-1] == (
        "bench: 2 measured, 1 information, 0 missing, 0 errors: PASS"
    )
    missing = over.replace('"open_ms")', '"open_ms", "rss_mb")')
    status, _, _ = run(fake_bench(tmp_path, monkeypatch, ui=missing), "--quick")
    assert status == FAILED


def test_the_run_passes_quick_to_the_groups_and_selects_one(tmp_path, monkeypatch) -> None:
    sized = """
        METRICS = ("size",)

        def run(quick):
            yield metric("size", 10 if quick else 10_000, "cards", None, info="the size")
    """
    package = fake_bench(tmp_path, monkeypatch, ui=WITHIN, sized=sized)
    status, rows, _ = run(package, "--quick", "sized")
    assert status == OK and rows == [
        {"metric": "size", "value": 10, "unit": "cards", "budget": None, "info": "the size"}
    ]
    assert run(package, "bench_sized")[1][0]["value"] == 10_000
    status, rows, summary = run(package, "nothing")
    assert status == USAGE and rows == []
    assert "no bench group 'nothing'; the groups are: sized, ui" in summary


def test_a_figure_says_why_it_has_no_budget_and_a_failed_figure_is_none() -> None:
    with pytest.raises(ValueError, match="without a budget says why"):
        metric("open_ms", 1.0, "ms", None)
    with pytest.raises(ValueError, match="needs the yardstick"):
        metric("popup_ms", 1.0, "ms", 1.5, budget_of="ratio")
    with pytest.raises(BenchError, match="the yardstick measured 0"):
        metric("popup_ms", 1.0, "ms", 1.5, budget_of="ratio", yardstick=0.0)
    with pytest.raises(BenchError, match="the figure is nan"):
        metric("popup_ms", float("nan"), "ms", 1.5)


def test_the_bench_modules_are_not_collected_as_tests() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
        + ["tests/bench"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    collected = [line for line in done.stdout.splitlines() if "::" in line]
    assert collected, done.stdout
    files = {line.split("::")[0] for line in collected}
    assert files == {"tests/bench/test_runner.py", "tests/bench/test_bench_quick.py"}
