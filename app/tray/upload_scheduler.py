"""When the running app uploads: one single-shot timer and at most one worker thread.

A run goes `upload.start_delay_seconds` after start, then a little after each local midnight
(the day just completed is then reportable), sooner when a waiting report's retry falls due,
and at once when an upload setting changes. Each run is `run_upload` on the worker thread's
own database connection. Without consent a run only notes today as a day with uploads off
(nothing is built or sent, and app.sync is never loaded); turning uploads off stops the timer
and the run under way stops before its next report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import random
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QObject, Signal

from app.core.consent import SettingsView, consent
from app.tray.timers import MAX_TIMER_MS, single_shot

if TYPE_CHECKING:
    from app.sync.upload import PayloadPreview, ServicesLike

# The daily run waits this long after midnight, plus a random share of the spread, so an
# organisation's computers do not all call the collector at 00:00.
AFTER_MIDNIGHT = 300.0
MIDNIGHT_SPREAD = 3300.0
# The first run's delay grows by a random share of itself up to this fraction.
FIRST_JITTER = 0.1
# An upload that waits for something the person must fix (keyring, secret) looks again hourly.
WAITING_RETRY = 3600.0
# A retry the outbox asks for is never sooner than this after a run.
MIN_RETRY = 30.0


class Run(NamedTuple):
    """What one run achieved, as the tray app needs it: state, message, next retry time."""

    state: str  # off | idle | delivered | waiting | failed | error
    message: str
    retry_at: float | None = None


Runner = Callable[[Path, SettingsView], Any]


def seconds_to_next_day(now: float, rng: random.Random, tz: dt.tzinfo | None = None) -> float:
    """Seconds from `now` to a random moment shortly after the next local midnight."""
    today = dt.datetime.fromtimestamp(now, tz).date()
    midnight = dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    at = midnight.astimezone() if tz is None else midnight.replace(tzinfo=tz)
    return max(0.0, at.timestamp() - now) + AFTER_MIDNIGHT + rng.uniform(0.0, MIDNIGHT_SPREAD)


def next_delay(run: Run, now: float, rng: random.Random, tz: dt.tzinfo | None = None) -> float:
    """Seconds until the run after `run`: after midnight, or sooner for a due retry."""
    delay = seconds_to_next_day(now, rng, tz)
    if run.state == "waiting":
        return min(delay, WAITING_RETRY)
    if run.retry_at is not None:
        delay = min(delay, max(MIN_RETRY, run.retry_at - now))
    return delay


def upload_run(db_path: Path, settings: SettingsView) -> Run:
    """The production runner: with consent, queue and deliver (`app.sync.upload.run_upload`);
    without, only note today as a day with uploads off."""
    if not consent(settings).granted:
        return note_off(db_path, settings)
    from app.sync.upload import run_upload

    status = run_upload(db_path, settings)
    return Run(status.state, status.message, status.retry_at)


def note_off(db_path: Path, settings: SettingsView, now: float | None = None) -> Run:
    """Remember today as a day with uploads off (never reported), on a connection of our own."""
    from app.store.db import open_database
    from app.store.outbox import Outbox

    db, _ = open_database(db_path)
    try:
        today = dt.datetime.fromtimestamp(time.time() if now is None else now).date()
        Outbox(db).mark_quiet(today)
    finally:
        db.close()
    return Run("off", consent(settings).reason)


class UploadScheduler(QObject):
    """Plans the runs and starts each on a worker thread; `last` is the latest outcome."""

    _done = Signal(object)
    finished = Signal(object)  # the Run, on the GUI thread

    def __init__(
        self,
        db_path: Path,
        settings: SettingsView,
        *,
        runner: Runner = upload_run,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.db_path, self.settings, self.runner = db_path, settings, runner
        self._clock = clock
        self._rng = rng or random.Random()
        self.last: Run | None = None
        self.running = False
        self._again = False
        self._stopped = False
        self.timer = single_shot(self, self.run_now)
        self._done.connect(self._finished)

    def start(self) -> None:
        """Plan the first run: after `upload.start_delay_seconds` with consent, else at once
        (a run without consent only notes the day as off)."""
        self.timer.stop()
        if not consent(self.settings).granted:
            self.run_now()
            return
        base = float(self.settings.get("upload.start_delay_seconds"))  # type: ignore[arg-type]
        self._arm(base * (1.0 + self._rng.uniform(0.0, FIRST_JITTER)))

    def setting_changed(self, key: str) -> None:
        """An upload setting changed: plan again from scratch (turning uploads off stops the
        timer at once; the run under way stops before its next report)."""
        if key.startswith("upload."):
            self.start()

    def run_now(self) -> None:
        """Start a run on the worker thread (or once more after the one under way)."""
        if self._stopped:
            return
        if self.running:
            self._again = True
            return
        self.timer.stop()  # this run is the one that was planned
        self.running = True
        threading.Thread(target=self._work, name="cuecards-upload", daemon=True).start()

    def stop(self) -> None:
        """No further runs (the app is quitting); a run under way finishes on its own."""
        self._stopped = True
        self.timer.stop()

    def _work(self) -> None:
        """On the worker thread: one run; any failure becomes a Run, never an escape."""
        try:
            run = self.runner(self.db_path, self.settings)
            if not isinstance(run, Run):
                run = Run(run.state, run.message, getattr(run, "retry_at", None))
        except Exception as exc:  # said on stderr; the next run tries again
            run = Run("error", f"upload failed: {type(exc).__name__}: {exc}")
        with contextlib.suppress(RuntimeError):  # the app quit meanwhile: its objects are gone
            self._done.emit(run)

    def _finished(self, run: Run) -> None:
        self.running = False
        self.last = run
        if self._stopped:
            return
        if run.state in ("delivered", "failed", "waiting", "error"):
            print(f"cuecards: upload: {run.message}", file=sys.stderr, flush=True)
        if self._again:
            self._again = False
            self.run_now()
        elif not self.timer.isActive():  # a setting change meanwhile planned its own run
            self._arm(next_delay(run, self._clock(), self._rng))
        self.finished.emit(run)

    def _arm(self, seconds: float) -> None:
        self.timer.start(min(math.ceil(seconds * 1000), MAX_TIMER_MS))


def upload_summary(
    services: ServicesLike, scheduler: UploadScheduler | None
) -> tuple[list[str], PayloadPreview]:
    """For the records window: whether reports leave this computer and how the latest upload
    went, and the exact next payload (or why nothing is sent). Runs on the GUI thread's
    database connection; the window itself never touches the database."""
    from app.sync.upload import next_payload_preview

    reason = consent(services.settings).reason
    lines = [f"{reason[0].upper()}{reason[1:]}."]
    last = scheduler.last if scheduler is not None else None
    if last is not None and last.state != "off":
        lines.append(f"Latest upload: {last.message}")
    return lines, next_payload_preview(services)
