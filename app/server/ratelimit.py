"""A per-token request budget (token bucket): `rate` requests a second on average, bursts of up
to `burst`. A request over budget is answered 429 with Retry-After, which the app honours.

The buckets live in the memory of one collector process: behind a load balancer each instance
keeps its own, so the whole allows up to instances × rate.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

DEFAULT_RATE = 20.0  # requests a second per token: 1.7 million reports a day
DEFAULT_BURST = 200


class RateLimiter:
    """Token buckets keyed by token id (one per stored token, so their number stays small);
    call `take` once per request."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not (rate > 0 and math.isfinite(rate)) or burst < 1:
            raise ValueError("the rate must be above 0 and the burst at least 1")
        self.rate, self.burst, self._clock = rate, float(burst), clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)

    def take(self, key: str) -> float | None:
        """None when `key` may go on (one request is counted), else the seconds until it may."""
        now = self._clock()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return None
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate


def retry_after_header(seconds: float) -> str:
    """Retry-After in whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(seconds)))
