"""One updating line on a terminal for long command-line work ("Installing acme.finance:
12,000 / 50,000 cards"): shown only on a terminal and only once the work has taken a second,
so a pipe, a log file, `--json` and quick work stay as they were."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import partial
from typing import TextIO

# Nothing is drawn before the work has taken this long, then at most this often.
DELAY_S = 1.0
REDRAW_S = 0.1


class Progress:
    """Draws `label: done / total cards` over itself on `stream` (stderr) while enabled."""

    def __init__(
        self,
        enabled: bool,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enabled = enabled
        self._stream = stream if stream is not None else sys.stderr
        self._clock = clock
        self._started = clock()
        self._drawn_at: float | None = None
        self._label = ""
        self._width = 0

    @classmethod
    def on_terminal(cls, quiet: bool = False) -> Progress:
        """Enabled when stderr is a terminal and the command was not asked for JSON (`quiet`)."""
        return cls(enabled=not quiet and sys.stderr.isatty())

    def counter(self, label: str) -> Callable[[int, int], None]:
        """A `(done, total)` callback for one step (what `load_pack` and `install` call)."""
        return partial(self.update, label)

    def update(self, label: str, done: int, total: int) -> None:
        """Show where a step is; `total` 0 shows the label alone (a step without counts)."""
        if not self.enabled:
            return
        now = self._clock()
        if now - self._started < DELAY_S:
            return
        recent = self._drawn_at is not None and now - self._drawn_at < REDRAW_S
        if recent and label == self._label and done < total:
            return
        text = f"{label}: {done:,} / {total:,} cards" if total else f"{label}…"
        self._stream.write("\r" + text.ljust(self._width))
        self._stream.flush()
        self._drawn_at, self._label, self._width = now, label, len(text)

    def clear(self) -> None:
        """Wipe the line, so what is printed next starts at the left edge of a clean line."""
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0
