"""When periodic work runs: a random first delay and jittered periods, so that machines
started together (a whole office at 9:00) do not all call the same server at once."""

from __future__ import annotations

import random

JITTER = 0.1
FIRST_DELAY_MAX = 60.0


def next_delay(hours: float, rng: random.Random) -> float:
    """Seconds until the next run: `hours` with ±10 % random jitter."""
    return hours * 3600.0 * rng.uniform(1 - JITTER, 1 + JITTER)


def first_delay(rng: random.Random) -> float:
    """Seconds from app start to the first run: up to a minute, spread at random."""
    return rng.uniform(0.0, FIRST_DELAY_MAX)
