"""The hotkey's CPU while 1,000 characters are typed into another window: XGrabKey vs pynput.

Not a `make bench` row yet (no `bench_` prefix); run it by hand on a machine with Xvfb,
openbox, xterm and xdotool:

    python -m tests.bench.hotkey_typing [native|pynput …]   (the `hotkey.backend` values)

For each backend a child process (`… hotkey_typing child NAME`) registers the palette hotkey
through `GlobalHotkey` under a QCoreApplication, as the tray does, and idles in Qt's loop. This
process types TEXT into an xterm with `xdotool type` and reads the child's CPU from /proc before
and after: utime+stime (10 ms ticks), the scheduler's nanoseconds (schedstat, all threads) and
its wake-ups (context switches). The same span with no typing is measured first, as the
baseline. A native hotkey should not wake at all; pynput receives and decodes every key.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.bench.bench_watcher import LineReader, _cpu_ns, _cpu_ticks, _spawn, _stop, _wakeups
from tests.e2e.xsession import XSession, missing_tools

TEXT = ("Quarterly figures: 42 rows, refresh pivots and save. " * 20)[:1000]
DELAY_MS = 5  # between keys: 1,000 characters take about 5 s of xdotool's time


def child(preference: str) -> int:
    """Register the hotkey with `preference`, print its status, idle until stdin closes."""
    from PySide6.QtCore import QCoreApplication, QSocketNotifier

    from app.desktop.hotkey.global_hotkey import GlobalHotkey

    app = QCoreApplication([])
    hotkey = GlobalHotkey(preference=preference)
    status = hotkey.register("<ctrl>+<alt>+<space>", lambda: print('{"pressed": true}'))
    row = {"ok": status.ok, "backend": status.backend, "observes": status.observes}
    print(json.dumps(row), flush=True)
    stdin = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    stdin.activated.connect(app.quit)  # EOF: the parent is done
    app.exec()
    hotkey.unregister()
    return 0


def _sample(pid: int) -> tuple[float, int, int]:
    return _cpu_ticks(pid), _cpu_ns(pid), _wakeups(pid)


def _delta(pid: int, start: tuple[float, int, int]) -> dict[str, float]:
    ticks, ns, wakeups = _sample(pid)
    return {
        "cpu_s": round(ticks - start[0], 3),
        "cpu_ms_sched": round((ns - start[1]) / 1e6, 2),
        "wakeups": wakeups - start[2],
    }


def typing_cpu(session: XSession, preference: str) -> dict[str, object]:
    """The hotkey process's CPU while TEXT is typed into an xterm, and over as long idle."""
    window = session.spawn_window("notes.txt - Editor", "Editor")
    session.activate(window)
    session.tool("xdotool", "key", "shift")  # the first XTEST key re-maps the keyboard once
    proc = _spawn(
        session, "-m", "tests.bench.hotkey_typing", "child", preference, stdin=subprocess.PIPE
    )
    try:
        status = LineReader(proc).wait_for(lambda row: "backend" in row)
        time.sleep(1.0)  # start-up work (imports, first round trips) done
        start, t0 = _sample(proc.pid), time.monotonic()
        session.tool("xdotool", "type", "--delay", str(DELAY_MS), TEXT)
        typed_s = time.monotonic() - t0
        typing = _delta(proc.pid, start)
        start = _sample(proc.pid)
        time.sleep(typed_s)
        idle = _delta(proc.pid, start)
        measured = {"chars": len(TEXT), "seconds": round(typed_s, 2)}
        return {**status, **measured, "typing": typing, "idle": idle}
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        _stop(proc)
        session.close(window)


def main(argv: list[str]) -> int:
    if argv[:1] == ["child"]:
        return child(argv[1])
    missing = missing_tools()
    if missing:
        print(f"missing X tools: {', '.join(missing)}", file=sys.stderr)
        return 1
    session = XSession().start()
    try:
        for preference in argv or ["native", "pynput"]:
            print(json.dumps(typing_cpu(session, preference)), flush=True)
    finally:
        session.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
