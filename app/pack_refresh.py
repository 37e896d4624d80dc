"""Pack installs and syncs for the tray app, run as a child `cuecards pack sync --json`.

Loading and checking packs (pydantic models, YAML, Markdown, zip, TLS, signatures) leaves
30 MB and more resident in whichever process does it, for work that runs once a few hours.
A short-lived child does it instead, so the tray stays small, and a pack that trips the
loader cannot take the tray down. The child ensures the demo pack (`packs.demo`) and syncs
every `packs.sources` entry; the tray rebuilds its matcher when something changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QProcess, Signal

from app.paths import self_command

CHANGED = ("installed", "updated")


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
