"""The watcher part of `cuecards doctor`: which backend, why, and whether events really arrive.

"Receiving" is proven, not assumed: the backend is asked for a harmless event (`ping()`:
X11 touches a private root property, sway sends an IPC tick, Hyprland a custom event, and on
KDE the report KWin's script sends once it runs is the echo) and we wait up to `echo_timeout`
for it; a healthy session answers at once, so only a deaf one costs the whole wait (KWin can
take a second to start a script on a busy machine). Backends that cannot ping (Windows, macOS,
GNOME) count any event within `timeout`; with none, `receiving` is None (unknown) rather than
False. The report never contains a title: people paste doctor output into tickets.
"""

from __future__ import annotations

import select
import time
from typing import Any

from app.desktop.watch.base import BackendUnavailable, WatcherBackend, WatcherLost
from app.desktop.watch.detect import HOTKEY_NOTE, detect


def watcher_report(timeout: float = 1.0, echo_timeout: float = 3.0) -> dict[str, Any]:
    """Start the detected backend briefly and describe it.

    Keys: `backend` (name or None), `reason` (why it was chosen), `ok` (it works: started,
    no warning, not shown deaf), `receiving` (True/False/None = proven/failed/unknown),
    `app` and `fullscreen` of the active window (no title), `idle_seconds` (None where the
    OS won't say) and `message`, one or two sentences for the person.
    """
    detection = detect()
    report: dict[str, Any] = {
        "backend": detection.backend_name,
        "reason": detection.reason,
        "ok": False,
        "receiving": None,
        "app": None,
        "fullscreen": None,
        "idle_seconds": None,
        "message": "",
    }
    if detection.factory is None:
        report["message"] = detection.reason
        return report
    try:
        backend = detection.factory()
    except BackendUnavailable as exc:
        report["message"] = f"{detection.backend_name} watcher cannot start: {exc}. {HOTKEY_NOTE}"
        return report
    try:
        pinged = backend.ping()
        waited = max(timeout, echo_timeout) if pinged else timeout
        lost = _wait_for_events(backend, waited)
        if lost is not None:
            report["receiving"] = False
            report["message"] = f"{lost}. {HOTKEY_NOTE}"
            return report
        received = backend.events_received > 0
        report["receiving"] = True if received else (False if pinged else None)
        current = backend.current()
        if current is not None:
            report["app"] = current.app
            report["fullscreen"] = current.fullscreen
        report["idle_seconds"] = backend.idle_seconds()
        report["ok"] = backend.warning is None and report["receiving"] is not False
        report["message"] = _message(backend, report["receiving"], waited)
    finally:
        backend.close()
    return report


def _wait_for_events(backend: WatcherBackend, timeout: float) -> str | None:
    """Let events arrive for at most `timeout` seconds; return the loss message if lost."""
    deadline = time.monotonic() + timeout
    while backend.events_received == 0 and not backend.closed:
        for event in backend.dispatch():
            if isinstance(event, WatcherLost):
                return event.message
        remaining = deadline - time.monotonic()
        if backend.events_received or remaining <= 0:
            break
        fd = backend.fileno()
        if fd is None:
            backend.pump(remaining)
        else:
            select.select([fd], [], [], remaining)
    return None


def _message(backend: WatcherBackend, receiving: bool | None, timeout: float) -> str:
    if backend.warning:
        return f"{backend.name} watcher started, but {backend.warning}. {HOTKEY_NOTE}"
    if receiving is True:
        return f"{backend.name} watcher is receiving window events."
    if receiving is False:
        return (
            f"{backend.name} watcher started but its test event did not come back within "
            f"{timeout:g} s; window changes may go unseen. {HOTKEY_NOTE}"
        )
    return (
        f"{backend.name} watcher started; switch windows while `cuecards watch` runs to see "
        "events arrive."
    )
