"""What the real-compositor tiers share: a private D-Bus bus, test windows, watcher children.

* `private_bus()` starts a session `dbus-daemon` whose configuration has no service folders,
  so nothing (a keyring, a calendar server, a portal) is ever started on it by activation.
* `WaylandWindow` is a real Wayland client (tests/e2e/wayland_client.py) a test retitles,
  puts in full screen and closes.
* `WatcherChild` runs one of the project's watchers in its own process and reads its JSON
  lines: `cuecards watch --json` end to end, or `tests.e2e.qt_watch_probe` (the backend class
  under the tray's Qt driver). `Watchers.expect()` reads the next line of each.
* `Compositor` is the base of the sway, KWin and GNOME Shell sessions in compositors.py.

Every process is started in its own process group (`start_new_session`) and stopped by that
group, so a stop ends exactly what was started, helpers the compositor forked included.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
DEADLINE = 30.0  # seconds; generous for a loaded 2-core machine
_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>{kind}</type>
  <listen>unix:path={path}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


def require(tools: tuple[str, ...], packages: str, root: bool = False) -> None:
    """Skip (fail under CI) with the reason when a tool is missing or root is needed."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    reason = ""
    if missing:
        reason = (
            f"{', '.join(missing)} missing; install with `sh tests/system-deps.sh` "
            f"(Debian packages {packages})"
        )
    elif root and os.geteuid() != 0:
        reason = "needs root (a private mount namespace for /run/systemd and /run/dbus)"
    if not reason:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the Wayland tiers: {reason}", pytrace=False)
    pytest.skip(reason)


def bus_config(kind: str, path: Path | str) -> str:
    """A dbus-daemon configuration listening on `path`, open to all, with no activation."""
    return _BUS_CONFIG.format(kind=kind, path=path)


def private_bus(folder: Path) -> tuple[subprocess.Popen, str]:
    """Start a session bus with no activation in `folder`; the process and its address."""
    config = folder / "session-bus.conf"
    config.write_text(bus_config("session", folder / "bus"), encoding="utf-8")
    proc = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )  # fmt: skip
    address = read_line(proc.stdout, "dbus-daemon's address").strip()
    return proc, address


def read_line(stream: Any, what: str, deadline: float = DEADLINE) -> str:
    """The next line of a text pipe; fails the test when none comes within `deadline`."""
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(deadline)
    if not result or not result[0]:
        pytest.fail(f"no line from {what} within {deadline:g} s", pytrace=False)
    return result[0]


def wait_for(ready: Callable[[], object], what: str, deadline: float = DEADLINE) -> Any:
    """Poll `ready` until it returns something truthy; fail with `what` after `deadline`."""
    end = time.monotonic() + deadline
    while True:
        value = ready()
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}", pytrace=False)
        time.sleep(0.05)


def stop_group(proc: subprocess.Popen | None) -> None:
    """Stop a process started with `start_new_session` and everything in its group."""
    if proc is None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


class WaylandWindow:
    """A PySide6 window on the compositor with app_id `app_id`; see wayland_client.py."""

    def __init__(self, env: dict[str, str], app_id: str, title: str) -> None:
        self.app_id, self.title = app_id, title
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.wayland_client", app_id, title],
            env={**env, "QT_QPA_PLATFORM": "wayland", "PYTHONPATH": str(REPO)}, cwd=REPO,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, start_new_session=True,
        )  # fmt: skip
        assert read_line(self.proc.stdout, f"window {app_id}").strip() == "ready"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def command(self, line: str) -> None:
        """Send one command (`title …`, `fullscreen on|off`) and wait for its `ok`."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        assert read_line(self.proc.stdout, f"window {self.app_id}").strip() == "ok"

    def set_title(self, title: str) -> None:
        self.command(f"title {title}")
        self.title = title

    def fullscreen(self, on: bool) -> None:
        self.command(f"fullscreen {'on' if on else 'off'}")

    def close(self) -> None:
        """Close the window (the client exits when its stdin closes)."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            stop_group(self.proc)
        stop_group(self.proc)


class WatcherChild:
    """One of the project's watchers in its own process, printing one JSON object per line."""

    WATCH = [sys.executable, "-m", "app", "watch", "--json"]
    QT_DRIVER = [sys.executable, "-m", "tests.e2e.qt_watch_probe"]

    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.proc = subprocess.Popen(
            argv, env={**env, "PYTHONPATH": str(REPO)}, cwd=REPO, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip

    def next(self, waiting_for: str = "a line") -> dict[str, Any]:
        """The next object this watcher printed (waits up to DEADLINE)."""
        line = read_line(self.proc.stdout, f"{self.name} (waiting for {waiting_for})")
        row = json.loads(line)
        assert row.get("signal", "changed") == "changed", row
        return row

    def stop(self) -> str:
        """Ctrl+C (`watch`) or end of stdin (the Qt probe); returns what it wrote to stderr.

        Fails the test when the watcher does not exit within DEADLINE."""
        if self.proc.poll() is None:
            if self.proc.args == self.WATCH:
                self.proc.send_signal(signal.SIGINT)
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            stop_group(self.proc)
            pytest.fail(f"{self.name} did not stop within {DEADLINE:g} s", pytrace=False)
        err = self.proc.stderr.read() if self.proc.stderr else ""
        stop_group(self.proc)
        return err


class Watchers:
    """`cuecards watch --json` and the tray's Qt driver, watching the same session."""

    def __init__(self, env: dict[str, str]) -> None:
        self.children = [
            WatcherChild("cuecards watch --json", WatcherChild.WATCH, env),
            WatcherChild("the tray's Qt driver", WatcherChild.QT_DRIVER, env),
        ]
        self.rows: list[dict[str, Any]] = []  # what `cuecards watch --json` printed

    def expect(self, app: str, title: str, fullscreen: bool = False) -> dict[str, Any]:
        """Each watcher's next line is this context (nothing else came first); the watch row."""
        waiting = f"{(app, title, fullscreen)} after {[(r['app'], r['title']) for r in self.rows]}"
        rows = [child.next(waiting) for child in self.children]
        for child, row in zip(self.children, rows, strict=True):
            seen = (row["app"], row["title"], row["fullscreen"])
            assert seen == (app, title, fullscreen), f"{child.name} printed {row}"
        self.rows.append(rows[0])
        return rows[0]

    def stop(self) -> None:
        for child in self.children:
            err = child.stop()
            assert "Traceback" not in err, f"{child.name}: {err}"


class Compositor:
    """A running compositor: the environment its clients and watchers need, its windows."""

    name = "compositor"
    backend = "none"  # the watcher backend Cuecards picks here

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.windows: list[WaylandWindow] = []
        self.started_in = 0.0  # seconds from start to ready, for the report

    def client_env(self) -> dict[str, str]:
        """The environment of a Wayland client (and of a watcher) in this session."""
        raise NotImplementedError

    def open_window(self, app_id: str, title: str) -> WaylandWindow:
        window = WaylandWindow(self.client_env(), app_id, title)
        self.windows.append(window)
        return window

    def close_window(self, window: WaylandWindow) -> None:
        window.close()
        if window in self.windows:
            self.windows.remove(window)

    def activate(self, app_id: str) -> None:
        """Give the window with `app_id` the focus, as a click or Alt+Tab would."""
        raise NotImplementedError

    def screenshot(self, name: str) -> Path | None:
        """Save the screen to artifacts/NAME.png where the compositor allows it."""
        return None

    def stop(self) -> None:
        for window in list(self.windows):
            self.close_window(window)


def base_env(**extra: str) -> dict[str, str]:
    """os.environ without any display, bus or desktop of the machine's own, plus `extra`."""
    dropped = (
        "DISPLAY", "WAYLAND_DISPLAY", "SWAYSOCK", "I3SOCK", "HYPRLAND_INSTANCE_SIGNATURE",
        "CUECARDS_WATCHER", "DBUS_SESSION_BUS_ADDRESS", "XDG_CURRENT_DESKTOP",
        "XDG_SESSION_DESKTOP", "XDG_SESSION_TYPE", "QT_QPA_PLATFORM",
    )  # fmt: skip
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # never a keyring prompt
    env.update(extra)
    return env


def follow_windows(
    session: Compositor, extra: Callable[[Compositor, Watchers], None] | None = None
) -> list[dict[str, Any]]:
    """The scenario every compositor tier runs, with both watchers; returns the watch rows.

    No window → alpha opens → beta opens → alpha by click/Alt+Tab → beta's title changes
    behind it (no news) → alpha's title changes → alpha full screen and back → beta → `extra`
    → screenshot → the hidden alpha closes (no news) → the last window closes → "no window". Each
    step's line must be the next line of both watchers: nothing else may come in between."""
    from app.desktop.watch.appid import exe_for_pid

    watchers = Watchers(session.client_env())
    try:
        watchers.expect("", "")
        alpha = session.open_window("alpha", "Alpha notes")
        row = watchers.expect("alpha", "Alpha notes")
        assert (row["backend"], row["pid"]) == (session.backend, alpha.pid)
        assert row["exe"] is not None and row["exe"] == exe_for_pid(alpha.pid)
        beta = session.open_window("beta", "Beta — budget")
        watchers.expect("beta", "Beta — budget")
        session.activate("alpha")
        watchers.expect("alpha", "Alpha notes")
        beta.set_title("Beta — budget (edited)")
        alpha.set_title("Alpha notes ✓ saved")
        watchers.expect("alpha", "Alpha notes ✓ saved")
        alpha.fullscreen(True)
        watchers.expect("alpha", "Alpha notes ✓ saved", fullscreen=True)
        alpha.fullscreen(False)
        watchers.expect("alpha", "Alpha notes ✓ saved")
        session.activate("beta")
        watchers.expect("beta", "Beta — budget (edited)")
        if extra is not None:
            extra(session, watchers)
        time.sleep(0.5)  # clients draw their last frame: the picture is for people, not asserts
        session.screenshot(f"wayland-{session.name}")  # both windows, beta in front
        session.close_window(alpha)
        session.close_window(beta)
        watchers.expect("", "")
    finally:
        watchers.stop()
    return watchers.rows
