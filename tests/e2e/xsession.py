"""A real X session for tests and benchmarks: Xvfb + openbox (+ trayer), and window helpers.

`XSession.start()` lets Xvfb choose a free display itself (`-displayfd`), so parallel test
runs never collide, waits until it accepts connections and until openbox has published its
EWMH support. Test windows are xterms with a chosen title and WM_CLASS class (the instance
is `xterm`), running `sleep` so no shell can rewrite their title. `stop()` ends exactly the
processes this object started.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field

REQUIRED_TOOLS = ("Xvfb", "openbox", "xdotool", "wmctrl", "xterm", "xprop")
START_DEADLINE = 30.0  # seconds; a loaded 2-core machine can be slow to start X clients


def missing_tools(extra: tuple[str, ...] = ()) -> list[str]:
    """The required programs that are not on PATH."""
    return [tool for tool in REQUIRED_TOOLS + extra if shutil.which(tool) is None]


@dataclass
class XWindow:
    """A test window: its X id, the xterm process, and what it was created with."""

    wid: int
    proc: subprocess.Popen
    title: str
    wm_class: str

    @property
    def pid(self) -> int:
        return self.proc.pid


@dataclass
class XSession:
    """Processes of one X session and helpers to drive its windows from outside."""

    with_wm: bool = True
    display: str = ""
    _server: subprocess.Popen | None = None
    _wm: subprocess.Popen | None = None
    _tray: subprocess.Popen | None = None
    _windows: list[XWindow] = field(default_factory=list)

    # Life cycle.

    def start(self) -> XSession:
        """Start Xvfb (and openbox); return when both are ready."""
        read_fd, write_fd = os.pipe()
        self._server = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write_fd),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
                "-noreset",
            ],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        try:
            number = self._read_display_number(read_fd)
        finally:
            os.close(read_fd)
        self.display = f":{number}"
        if self.with_wm:
            self._wm = subprocess.Popen(
                ["openbox", "--sm-disable"],
                env=self.env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self._wait(
                lambda: "window id" in self._xprop_root("_NET_SUPPORTING_WM_CHECK"),
                "openbox to publish _NET_SUPPORTING_WM_CHECK",
            )
        return self

    def stop(self) -> None:
        """Stop every process this session started, newest first."""
        for window in list(self._windows):
            self.close(window)
        for proc in (self._tray, self._wm, self._server):
            end_process(proc)
        self._tray = self._wm = self._server = None

    def kill_server(self) -> None:
        """Kill Xvfb abruptly (SIGKILL), as a crashing X server would go."""
        if self._server is not None:
            self._server.send_signal(signal.SIGKILL)
            self._server.wait(timeout=START_DEADLINE)

    def env(self) -> dict[str, str]:
        """os.environ with DISPLAY pointing at this session."""
        return {**os.environ, "DISPLAY": self.display}

    def start_trayer(self) -> None:
        """Start trayer, a real system-tray host; return when it owns _NET_SYSTEM_TRAY_S0."""
        if self._tray is not None:
            return
        self._tray = subprocess.Popen(
            [
                "trayer",
                "--edge",
                "top",
                "--align",
                "right",
                "--SetDockType",
                "true",
                "--expand",
                "true",
                "--width",
                "10",
                "--height",
                "24",
            ],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait(self._tray_owned, "trayer to own _NET_SYSTEM_TRAY_S0")

    def stop_trayer(self) -> None:
        """Stop the trayer this session started, if any."""
        end_process(self._tray)
        self._tray = None

    # Window helpers.

    def spawn_window(self, title: str, wm_class: str) -> XWindow:
        """Open an xterm titled `title` with WM_CLASS class `wm_class`; return once mapped."""
        proc = subprocess.Popen(
            [
                "xterm",
                "-T",
                title,
                "-class",
                wm_class,
                "-geometry",
                "60x8",
                "-e",
                "sleep",
                "infinity",
            ],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        search = ("xdotool", "search", "--sync", "--onlyvisible", "--pid", str(proc.pid))
        for attempt in range(3):
            try:
                out = self.tool(*search)
                break
            except RuntimeError as exc:
                # xdotool walks the whole tree; a window destroyed meanwhile (a window
                # manager frame, a popup going away) fails the walk with BadWindow.
                if "BadWindow" not in str(exc) or attempt == 2:
                    raise
        window = XWindow(int(out.split()[0]), proc, title, wm_class)
        self._windows.append(window)
        return window

    def activate(self, window: XWindow) -> None:
        """Make `window` the active one, as a click or Alt+Tab would (waits until it is)."""
        self.tool("xdotool", "windowactivate", "--sync", str(window.wid))

    def set_title(self, window: XWindow, title: str) -> None:
        """Change the window's title (WM_NAME and _NET_WM_NAME)."""
        self.tool("xdotool", "set_window", "--name", title, str(window.wid))
        window.title = title

    def fullscreen(self, window: XWindow, on: bool) -> None:
        """Ask the window manager to put the window in or out of full screen."""
        action = "add" if on else "remove"
        self.tool("wmctrl", "-i", "-r", hex(window.wid), "-b", f"{action},fullscreen")

    def close(self, window: XWindow) -> None:
        """Close the window by ending its xterm; return once openbox has let go of it.

        Waiting for the window to leave `_NET_CLIENT_LIST` means openbox has unmanaged it
        and made its focus fallback, so a later test never sees that fallback arrive late.
        """
        end_process(window.proc)
        if window in self._windows:
            self._windows.remove(window)
        if self.with_wm and self._server is not None and self._server.poll() is None:
            self._wait(
                lambda: window.wid not in self.client_list(),
                f"openbox to unmanage window {window.wid:#x}",
            )

    def client_list(self) -> set[int]:
        """The window ids openbox manages (`_NET_CLIENT_LIST`)."""
        text = self._xprop_root("_NET_CLIENT_LIST")
        if "#" not in text:
            return set()
        return {int(part.strip(), 16) for part in text.split("#", 1)[1].split(",") if part.strip()}

    def active_window(self) -> int:
        """The window id in _NET_ACTIVE_WINDOW (0 when none)."""
        text = self._xprop_root("_NET_ACTIVE_WINDOW")
        return int(text.rsplit("#", 1)[-1].strip().split(",")[0], 16) if "#" in text else 0

    def tool(self, *args: str) -> str:
        """Run an X client tool against this display; its stdout. Raises on failure."""
        done = subprocess.run(
            list(args),
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=START_DEADLINE,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr}")
        return done.stdout

    # Internals.

    def _read_display_number(self, read_fd: int) -> int:
        deadline = time.monotonic() + START_DEADLINE
        data = b""
        while not data.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([read_fd], [], [], max(0.0, remaining))
            if not ready:
                raise RuntimeError("Xvfb did not report a display number within 30 s")
            chunk = os.read(read_fd, 64)
            if not chunk:
                raise RuntimeError(f"Xvfb exited early (status {self._server.poll()})")
            data += chunk
        return int(data.strip())

    def _xprop_root(self, prop: str) -> str:
        done = subprocess.run(
            ["xprop", "-root", prop],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=START_DEADLINE,
            check=False,
        )
        return done.stdout

    def _tray_owned(self) -> bool:
        from Xlib import display as xdisplay

        d = xdisplay.Display(self.display)
        try:
            owner = d.get_selection_owner(d.intern_atom("_NET_SYSTEM_TRAY_S0"))
            return getattr(owner, "id", owner) != 0
        finally:
            d.close()

    def _wait(self, ready: object, what: str) -> None:
        deadline = time.monotonic() + START_DEADLINE
        while not ready():  # type: ignore[operator]
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            time.sleep(0.05)


def end_process(proc: subprocess.Popen | None, kill: bool = False) -> None:
    """Stop a process this code started (terminate, then kill) and close its pipes."""
    if proc is None:
        return
    if proc.poll() is None:
        if kill:
            proc.kill()
        else:
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
