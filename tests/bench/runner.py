"""The bench runner: runs bench_*.py groups, prints their JSON lines on stdout and a one-line
verdict per metric on stderr, and fails on a figure over budget, a missing metric or an error.

A group is a module `bench_<name>.py` with `METRICS` (the names it must produce) and
`run(quick: bool)` yielding `common.metric` rows. Quick mode (small sizes, few repetitions)
checks every result and that every metric is there, but enforces no budget.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TextIO

from tests.bench.common import judge

PREFIX = "bench_"
REQUIRED_KEYS = ("metric", "value", "unit", "budget")
OK, FAILED, USAGE = 0, 1, 2


class UsageError(Exception):
    """The command line names no known group."""


@dataclass
class Outcome:
    """What one group gave: its rows, what it declared, and what went wrong."""

    group: str
    expected: tuple[str, ...] = ()
    rows: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def missing(self) -> list[str]:
        produced = {row["metric"] for row in self.rows}
        return [name for name in self.expected if name not in produced]


def discover(package: ModuleType) -> list[str]:
    """The group names (without the prefix) of the package's bench_*.py modules, sorted."""
    return sorted(
        m.name[len(PREFIX) :]
        for m in pkgutil.iter_modules(package.__path__)
        if m.name.startswith(PREFIX)
    )


def select(groups: Sequence[str], wanted: Sequence[str]) -> list[str]:
    """The groups named on the command line (`load` or `bench_load`), or all of them."""
    if not wanted:
        return list(groups)
    chosen = []
    for name in wanted:
        bare = name.removeprefix(PREFIX).removesuffix(".py")
        if bare not in groups:
            raise UsageError(f"no bench group {name!r}; the groups are: {', '.join(groups)}")
        if bare not in chosen:
            chosen.append(bare)
    return chosen


def _check_row(row: object, outcome: Outcome, seen: set[str]) -> str | None:
    """Why the row is not a proper figure of this group, or None."""
    if not isinstance(row, dict) or any(key not in row for key in REQUIRED_KEYS):
        return f"a row without {', '.join(REQUIRED_KEYS)}: {row!r}"
    name = row["metric"]
    if name not in outcome.expected:
        return f"{name} is not in the group's METRICS"
    if name in seen:
        return f"{name} was reported twice"
    return None


def run_group(package: ModuleType, group: str, quick: bool, out: TextIO, err: TextIO) -> Outcome:
    """Run one group; its rows go to `out` as they come, its errors to `err`."""
    outcome = Outcome(group)
    try:
        module = importlib.import_module(f"{package.__name__}.{PREFIX}{group}")
        outcome.expected = tuple(module.METRICS)
        seen: set[str] = set()
        for row in module.run(quick):
            problem = _check_row(row, outcome, seen)
            if problem:
                outcome.problems.append(problem)
                continue
            seen.add(row["metric"])
            outcome.rows.append(row)
            print(json.dumps(row), file=out, flush=True)
    except Exception as exc:  # a broken group is reported, the others still run
        print(f"bench {group} failed:", file=err)
        traceback.print_exc(file=err)
        outcome.problems.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
    return outcome


def _number(value: float) -> str:
    return f"{value:.4g}"


def verdict(row: dict, quick: bool) -> tuple[str, str, str, str]:
    """(judgement, mark, figure, what it is judged against) for one row; in quick mode the
    budgets are shown but not judged."""
    judged = judge(row)
    unit = row["unit"]
    figure = f"{_number(row['value'])} {unit}"
    yard = ""
    if "yardstick" in row:
        what = row.get("yardstick_of") or "the yardstick"
        yard = f"{row['ratio']:.2f}× {what} ({_number(row['yardstick'])} {unit})"
    if judged == "info":
        text = "; ".join(part for part in (yard, f"no budget: {row.get('info', '')}") if part)
    elif row.get("budget_of") == "ratio":
        text = f"{yard}, budget ≤ {row['budget']:g}×"
    else:
        text = "; ".join(part for part in (f"budget ≤ {row['budget']:g} {unit}", yard) if part)
    if quick and judged != "info":
        judged = "quick"
    mark = {"within": "✓", "over": "✗", "info": "·", "quick": "·"}[judged]
    return judged, mark, figure, text


def summarise(outcomes: Sequence[Outcome], quick: bool) -> tuple[list[str], int]:
    """The summary lines and the exit status of the whole run."""
    entries: list[tuple[str, str, str, str]] = []  # mark, name, figure, text
    counts = {"within": 0, "over": 0, "info": 0, "quick": 0}
    missing = broken = 0
    for outcome in outcomes:
        for row in outcome.rows:
            judged, mark, figure, text = verdict(row, quick)
            counts[judged] += 1
            entries.append((mark, row["metric"], figure, text))
        for name in outcome.missing():
            missing += 1
            entries.append(("✗", name, "MISSING", f"bench_{outcome.group} did not produce it"))
        for problem in outcome.problems:
            broken += 1
            entries.append(("✗", f"bench_{outcome.group}", "ERROR", problem))
    name_width = max((len(e[1]) for e in entries), default=0)
    figure_width = max((len(e[2]) for e in entries), default=0)
    mode = "quick mode: small sizes, budgets not enforced" if quick else "budgets from DESIGN.md"
    lines = [f"bench summary ({mode}):"]
    lines += [f"{m} {n:<{name_width}}  {f:<{figure_width}}  {t}" for m, n, f, t in entries]
    failed = (0 if quick else counts["over"]) + missing + broken
    parts = [
        f"{counts['quick']} measured" if quick else f"{counts['within']} within budget",
        *([] if quick else [f"{counts['over']} over budget"]),
        f"{counts['info']} information",
        f"{missing} missing",
        f"{broken} errors",
    ]
    lines.append(f"bench: {', '.join(parts)}: {'FAIL' if failed else 'PASS'}")
    return lines, FAILED if failed else OK


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench",
        description="Run the benchmarks: JSON lines on stdout, a summary on stderr; the exit "
        "status is 1 when a figure is over budget, a metric is missing or a group fails.",
    )
    parser.add_argument("groups", nargs="*", help="groups to run (e.g. load); default: all")
    parser.add_argument(
        "--quick", action="store_true", help="small sizes; budgets are not enforced"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str], package: ModuleType, out: TextIO, err: TextIO) -> int:
    args = parse(argv)
    try:
        groups = select(discover(package), args.groups)
    except UsageError as exc:
        print(f"bench: {exc}", file=err)
        return USAGE
    outcomes = [run_group(package, group, args.quick, out, err) for group in groups]
    lines, status = summarise(outcomes, args.quick)
    out.flush()
    print("\n".join(lines), file=err, flush=True)
    return status
