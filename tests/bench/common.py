"""Shared helpers for benchmarks: percentiles and the one JSON line format."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) by nearest rank; samples need not be sorted."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def metric(name: str, value: float, unit: str, budget: float | None, **extra: object) -> dict:
    """One benchmark figure with its budget beside it (DESIGN.md's line format)."""
    row: dict[str, object] = {"metric": name, "value": round(value, 4), "unit": unit}
    row["budget"] = budget
    row.update(extra)
    return row
