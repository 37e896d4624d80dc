"""Pack installs and syncs for the tray app: one single-shot timer plans them, a child
`cuecards pack sync --json` does them, and the matcher is rebuilt when a pack changed.

Loading and checking packs (pydantic models, YAML, Markdown, zip, TLS, signatures) leaves
30 MB and more resident in whichever process does it, for work that runs once a few hours.
A short-lived child does it instead, so the tray stays small, and a pack that trips the
loader cannot take the tray down. The child ensures the demo pack (`packs.demo`) and syncs
every `packs.sources` entry; the tray rebuilds its matcher when something changed.
"""

from __future__ import annotations

import json
import math
import random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QProcess, Signal

from app.paths import self_command
from app.tray.timers import MAX_TIMER_MS, single_shot

if TYPE_CHECKING:
    from app.core.matcher import Matcher
    from app.store.services import Services

CHANGED = ("installed", "updated")
REFRESH_GRACE_MS = 3000


class PackRefresh(QObject):
    """One child at a time; `finished(results, error)` when it is done.

    `results` are the `SourceResult.as_dict()` rows the child printed; `error` is a sentence
    for the person, or "" when the child did its work (refused packs are in the results).
    """

    finished = Signal(list, str)

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self._process: QProcess | None = None

    @property
    def running(self) -> bool:
        return self._process is not None

    def start(self) -> bool:
        """Start the child; False when one is still running (its result covers this ask)."""
        if self._process is not None:
            return False
        program, *args = self_command()
        process = QProcess(self)
        process.setProgram(program)
        process.setArguments([*args, "--data-dir", str(self.data_dir), "pack", "sync", "--json"])
        process.finished.connect(self._done)
        process.errorOccurred.connect(self._failed_to_start)
        self._process = process
        process.start()
        return True

    def wait(self, msecs: int) -> bool:
        """Block until the child ends (shutdown only); True when it did."""
        return self._process is None or self._process.waitForFinished(msecs)

    def kill(self) -> None:
        """Stop the child now and wait for it (shutdown only)."""
        if self._process is not None:
            self._process.kill()
            self._process.waitForFinished(1000)

    def _failed_to_start(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process is not None:
            program = self._process.program()
            self._process = None
            self.finished.emit([], f"pack sync could not start ({program}): reinstall Cuecards")

    def _done(self, code: int, status: QProcess.ExitStatus) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        out = bytes(process.readAllStandardOutput().data()).decode("utf-8", "replace")
        err = bytes(process.readAllStandardError().data()).decode("utf-8", "replace")
        process.deleteLater()
        results, error = parse_outcome(out, err, code, status == QProcess.ExitStatus.CrashExit)
        self.finished.emit(results, error)


def parse_outcome(out: str, err: str, code: int, crashed: bool) -> tuple[list[dict[str, Any]], str]:
    """The child's results and, when it could not do its work, why in one sentence."""
    try:
        results = json.loads(out) if out.strip() else []
    except ValueError:
        results = []
    if not isinstance(results, list):
        results = []
    lines = [line.removeprefix("cuecards: ") for line in err.splitlines() if line.strip()]
    if crashed:
        return results, "pack sync stopped unexpectedly; the installed packs are unchanged"
    if not results and code != 0:
        return [], f"pack sync failed: {lines[-1] if lines else f'exit code {code}'}"
    return results, ""


def update_messages(results: list[dict[str, Any]]) -> list[str]:
    """The sentences of the packs the sync installed or updated, for the tray."""
    return [
        str(p.get("message", ""))
        for r in results
        for p in r.get("packs", ())
        if p.get("status") in CHANGED
    ]


def packs_changed(results: list[dict[str, Any]]) -> bool:
    """Whether any pack was installed or updated by the sync."""
    return bool(update_messages(results))


class PackSync(QObject):
    """Plans syncs (`packs.sources`, `packs.sync_hours`) and runs each in a child process.

    `matcher_ready(matcher)` comes on the GUI thread with a matcher rebuilt from packs the
    child changed; `ran()` after each child, so an open Packs window can show how it went.
    """

    matcher_ready = Signal(object)
    ran = Signal()
    _sync_done = Signal(object)

    def __init__(
        self, services: Services, tell: Callable[[str], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.tell = tell
        self._refresh: PackRefresh | None = None
        self._digests_before: dict[str, str] = {}  # the packs as the running child found them
        self._then: Callable[[], None] | None = None
        self._rng = random.Random()
        self._sync_timer = single_shot(self, self.start_sync)
        self._sync_done.connect(self._matcher_built)

    def schedule(self, first: bool) -> None:
        """One single-shot timer to the next sync; none while no source is configured."""
        from app.core.schedule import first_delay, next_delay

        self._sync_timer.stop()
        if not self.services.settings.get("packs.sources"):
            return
        if first:
            delay = first_delay(self._rng)
        else:
            delay = next_delay(float(self.services.settings.get("packs.sync_hours")), self._rng)
        self._sync_timer.start(min(math.ceil(delay * 1000), MAX_TIMER_MS))

    def sync_then(self, start_watching: Callable[[], None]) -> None:
        """Sync now, and call `start_watching` once the child is done: a first run (or a new
        release) has its demo pack put in first, so no window meets an empty matcher."""
        self._then = start_watching
        self.start_sync()

    def start_sync(self) -> None:
        """Install the demo pack and sync every source in a child process (`PackRefresh`)."""
        if self._refresh is None:
            self._refresh = PackRefresh(self.services.data_dir, self)
            self._refresh.finished.connect(self._sync_finished)
        if not self._refresh.running:
            self._digests_before = self.services.catalog.pack_digests()
            self._refresh.start()

    def stop(self) -> None:
        """Give a running child a moment, then kill it; plan no further sync (shutdown)."""
        if self._refresh is not None and not self._refresh.wait(REFRESH_GRACE_MS):
            self._refresh.kill()  # an install is one transaction: a killed child changes nothing
        self._sync_timer.stop()

    def _sync_finished(self, results: list[dict[str, Any]], error: str) -> None:
        """The child is done: say what changed, and rebuild the matcher on a worker thread."""
        if error:
            self.tell(error)
        # installed, updated or removed by the child, the demo pack included
        changed = self.services.catalog.pack_digests() != self._digests_before
        if self._then is not None:
            start_watching, self._then = self._then, None
            start_watching()  # start-up waited for the demo pack
            self._sync_done.emit(None)
        elif changed:
            updates = update_messages(results)
            if updates:
                self.tell("; ".join(updates))
            threading.Thread(
                target=self._build_matcher,
                args=(self.services.data_dir,),
                name="cuecards-matcher",
                daemon=True,
            ).start()
        else:
            self._sync_done.emit(None)
        self.ran.emit()
        self.schedule(first=False)

    def _build_matcher(self, data_dir: Path) -> None:
        """Runs on a worker thread with its own connection: the new matcher, or why not."""
        from app.paths import DB_FILE
        from app.store.catalog import Catalog
        from app.store.db import open_database

        try:
            db, _ = open_database(data_dir / DB_FILE)
            try:
                matcher = Catalog(db).matcher()
            finally:
                db.close()
        except Exception as exc:  # told in the tray; the old matcher stays
            self._sync_done.emit(f"cards could not be reloaded: {type(exc).__name__}: {exc}")
            return
        self._sync_done.emit(matcher)

    def _matcher_built(self, outcome: Matcher | str | None) -> None:
        """Back on the GUI thread: hand on the new matcher (None: nothing changed)."""
        if isinstance(outcome, str):
            self.tell(outcome)
        elif outcome is not None:
            self.matcher_ready.emit(outcome)
