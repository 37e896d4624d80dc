"""Shared helpers for benchmarks: percentiles, result checks, best-of timing and the one JSON
line format (with the budget, or the yardstick ratio the budget is on, beside each figure)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


class BenchError(RuntimeError):
    """A timed operation failed or gave nothing: its time would be no figure at all."""


def require(condition: object, message: str) -> None:
    """Raise BenchError(message) unless `condition` (an assert that `python -O` keeps)."""
    if not condition:
        raise BenchError(message)


def percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) by nearest rank; samples need not be sorted."""
    if not samples:
        raise BenchError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def best_of(fn: Callable[[], T], repeat: int, check: Callable[[T], object]) -> tuple[float, float]:
    """Best wall and best CPU seconds over `repeat` runs of `fn` (other work on the machine only
    ever adds time, so the minimum is the closest to the code's own cost). Each run's result
    goes through `check` (outside the timing), which raises BenchError when it is no result."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        check(result)
    return min(walls), min(cpus)


def metric(
    name: str,
    value: float,
    unit: str,
    budget: float | None,
    *,
    info: str | None = None,
    yardstick: float | None = None,
    yardstick_of: str | None = None,
    budget_of: str = "value",
    **extra: object,
) -> dict:
    """One benchmark figure in DESIGN.md's line format, with its budget beside it.

    `budget` is on `value` or, with `budget_of="ratio"`, on value / `yardstick` (a bare
    equivalent measured in the same run, described by `yardstick_of`); the row then carries
    the yardstick and the ratio. A row without a budget is information and says why in `info`.
    """
    require(math.isfinite(value), f"{name}: the figure is {value}")
    if budget is None and not info:
        raise ValueError(f"{name}: a figure without a budget says why (info=...)")
    if budget_of not in ("value", "ratio"):
        raise ValueError(f"{name}: budget_of is 'value' or 'ratio', not {budget_of!r}")
    row: dict[str, object] = {"metric": name, "value": _rounded(value), "unit": unit}
    row["budget"] = budget
    if yardstick is not None:
        require(yardstick > 0, f"{name}: the yardstick measured {yardstick} {unit}")
        row["yardstick"] = _rounded(yardstick)
        row["yardstick_of"] = yardstick_of
        row["ratio"] = round(value / yardstick, 3)
    if budget_of == "ratio":
        if yardstick is None:
            raise ValueError(f"{name}: a budget on the ratio needs the yardstick")
        row["budget_of"] = "ratio"
    if info:
        row["info"] = info
    row.update(extra)
    return row


def _rounded(value: float) -> float:
    """Four decimals, or four significant digits for a figure below 0.01."""
    return float(f"{value:.4g}") if abs(value) < 0.01 else round(value, 4)


def judge(row: dict) -> str:
    """'within', 'over' (its budget), or 'info' (a row without a budget)."""
    budget = row.get("budget")
    if budget is None:
        return "info"
    measured = row["ratio"] if row.get("budget_of") == "ratio" else row["value"]
    return "within" if measured <= budget else "over"
