"""`cuecards watch [--json]`: print every context change as it happens, for trigger authors.

The first line is the window active when the command starts; then one line per change of
app, title or full screen. JSON mode prints one object per line, flushed at once:
`{"ts": "2026-05-09T07:35:25.123Z", "app": "excel", "title": "Budget.xlsx - Excel",
"backend": "x11", "pid": 4242, "exe": "xterm", "fullscreen": false}` (`ts` is UTC,
ISO 8601 with milliseconds; `pid` and `exe` are null where the backend can't tell).
Plain mode prints `HH:MM:SS  app  "title"` plus ` [full screen]` when it is.

Exit codes: 0 on Ctrl+C or a closed output pipe (`| head`), 1 with one line on stderr when no
backend works here or the session goes away. Titles go to `out` only, never to a file of ours.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from typing import TextIO

from app.core.context import Context
from app.desktop.watch.base import BackendUnavailable, ContextChanged
from app.desktop.watch.blocking_driver import BlockingDriver
from app.desktop.watch.detect import detect


def format_json(context: Context, exe: str | None, when: datetime) -> str:
    """One `watch --json` line (without the newline) for a context seen at `when`."""
    stamp = when.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    row = {
        "ts": stamp.replace("+00:00", "Z"),
        "app": context.app,
        "title": context.title,
        "backend": context.backend,
        "pid": context.pid,
        "exe": exe,
        "fullscreen": context.fullscreen,
    }
    return json.dumps(row, ensure_ascii=False)


def format_plain(context: Context, when: datetime) -> str:
    """One human-readable `watch` line: local time, app id, quoted title, full-screen mark."""
    app = context.app or "(no active window)"
    line = f"{when.astimezone():%H:%M:%S}  {app}  {json.dumps(context.title, ensure_ascii=False)}"
    return line + ("  [full screen]" if context.fullscreen else "")


def run_watch(json_output: bool, out: TextIO, err: TextIO, stop_after: int | None = None) -> int:
    """Print context changes to `out` until Ctrl+C, a lost session or `stop_after` lines."""
    detection = detect()
    if detection.factory is None:
        print(f"cuecards watch: {detection.reason}", file=err, flush=True)
        return 1
    try:
        backend = detection.factory()
    except BackendUnavailable as exc:
        print(f"cuecards watch: {detection.backend_name}: {exc}", file=err, flush=True)
        return 1
    driver = BlockingDriver(backend)
    printed = 0

    def emit(context: Context, exe: str | None) -> None:
        nonlocal printed
        now = datetime.now(timezone.utc)
        line = format_json(context, exe, now) if json_output else format_plain(context, now)
        out.write(line + "\n")
        out.flush()
        printed += 1
        if stop_after is not None and printed >= stop_after:
            driver.stop()

    def enough() -> bool:
        return stop_after is not None and printed >= stop_after

    def on_change(event: ContextChanged) -> None:
        if not enough():  # one drained batch may hold more changes than were asked for
            emit(event.context, event.exe)

    try:
        if backend.warning:
            print(f"cuecards watch: warning: {backend.warning}", file=err, flush=True)
        if not json_output:
            print(
                f"cuecards watch: {detection.backend_name} backend ({detection.reason}); "
                "Ctrl+C to stop",
                file=err,
                flush=True,
            )
        start = backend.current()
        if start is not None:
            emit(start, backend.current_exe())
        if enough():
            return 0
        lost = driver.run(on_change)
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:
        _silence_stdout(out)
        return 0
    finally:
        backend.close()
        driver.close()
    if lost is not None:
        print(f"cuecards watch: {lost}", file=err, flush=True)
        return 1
    return 0


def _silence_stdout(out: TextIO) -> None:
    """After `| head` closed the pipe, point stdout at /dev/null so exit doesn't complain."""
    if out is sys.stdout:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
