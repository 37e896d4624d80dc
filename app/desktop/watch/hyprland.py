"""Hyprland backend: `EVENT>>DATA` lines from socket2, the details from `j/activewindow`.

Sockets live in `$XDG_RUNTIME_DIR/hypr/<HYPRLAND_INSTANCE_SIGNATURE>/` (Hyprland ≥ 0.40) or
`/tmp/hypr/<signature>/` (older). `.socket2.sock` streams events, one per line; its fd is what
a driver waits on. `.socket.sock` answers one request per connection (`j/activewindow` →
JSON of the focused client: `class`, `title`, `pid`, `fullscreen` as bool in older releases
and as a 0–2 mode in newer ones, `{}` when nothing has focus).

Events that can change the context: `activewindow>>CLASS,TITLE` (the title may itself hold
commas: split at the first), `activewindowv2>>ADDRESS`, `windowtitle>>ADDRESS`,
`windowtitlev2>>ADDRESS,TITLE`, `fullscreen>>0|1`, `closewindow>>ADDRESS`. One drained batch
costs one `j/activewindow` request (for pid and full screen, which events lack); if that
request fails the event data alone is used. `ping()` asks Hyprland's `event` dispatcher for a
`custom>>cuecards-ping` line. EOF on socket2 means Hyprland exited: one `WatcherLost`.
Idle time is not available over Hyprland IPC (`idle_seconds()` is None).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.core.context import Context
from app.desktop.watch import appid
from app.desktop.watch.base import BackendUnavailable, WatcherBackend, WatchEvent

WATCHED_EVENTS = frozenset(
    {"activewindow", "activewindowv2", "windowtitle", "windowtitlev2", "fullscreen", "closewindow"}
)
PING_DATA = "cuecards-ping"
_REQUEST_TIMEOUT = 2.0


def socket_dir(env: Mapping[str, str]) -> Path | None:
    """Where this Hyprland instance keeps its sockets; None without a signature."""
    signature = env.get("HYPRLAND_INSTANCE_SIGNATURE", "").strip()
    if not signature:
        return None
    candidates = []
    if env.get("XDG_RUNTIME_DIR"):
        candidates.append(Path(env["XDG_RUNTIME_DIR"]) / "hypr" / signature)
    candidates.append(Path("/tmp/hypr") / signature)
    for candidate in candidates:
        if (candidate / ".socket2.sock").exists():
            return candidate
    return candidates[0]


def split_event(line: str) -> tuple[str, str] | None:
    """`name>>data` → (name, data); None for a line that is not an event."""
    name, sep, data = line.partition(">>")
    return (name, data) if sep and name else None


def parse_activewindow(data: str) -> tuple[str, str]:
    """`activewindow` data → (class, title); the class has no comma, the title may."""
    klass, _, title = data.partition(",")
    return klass, title


class LineSplitter:
    """Incremental splitter of a byte stream into complete UTF-8 lines."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[str]:
        """Append `data`; return the complete lines now available, without newlines."""
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        return [line.decode("utf-8", errors="replace") for line in lines]


def context_from_client(client: Mapping[str, Any], backend: str = "hyprland") -> Context:
    """A `j/activewindow` reply → Context; `{}` (nothing focused) → app and title empty."""
    pid = client.get("pid")
    fullscreen = client.get("fullscreen", False)
    return Context(
        app=appid.from_wayland_app_id(client.get("class") or client.get("initialClass")),
        title=str(client.get("title") or ""),
        backend=backend,
        pid=pid if isinstance(pid, int) and pid > 0 else None,
        fullscreen=bool(fullscreen) if isinstance(fullscreen, bool | int) else False,
    )


class HyprlandWatcher(WatcherBackend):
    """Active window of Hyprland from socket2 events; see the module docstring."""

    name = "hyprland"

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__()
        env = os.environ if env is None else env
        directory = socket_dir(env)
        if directory is None:
            raise BackendUnavailable("HYPRLAND_INSTANCE_SIGNATURE is not set: is this Hyprland?")
        self._requests_path = str(directory / ".socket.sock")
        self._lines = LineSplitter()
        self._fallback_class = ""
        self._fallback_title = ""
        self._fallback_fullscreen = False
        self._events = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._events.connect(str(directory / ".socket2.sock"))
            self._events.setblocking(False)
        except OSError as exc:
            self._events.close()
            raise BackendUnavailable(
                f"cannot connect to Hyprland's event socket in {directory}: {exc}"
            ) from exc
        self._refresh()
        self._pending.clear()  # the starting context is current(), not a change

    def fileno(self) -> int | None:
        return None if self.closed else self._events.fileno()

    def dispatch(self) -> list[WatchEvent]:
        if self.closed:
            return self._take()
        dirty = False
        try:
            while True:
                try:
                    chunk = self._events.recv(65536)
                except BlockingIOError:
                    break
                if not chunk:
                    self._lose("Hyprland's event socket closed (Hyprland exited?)")
                    return self._take()
                for line in self._lines.feed(chunk):
                    dirty = self._apply(line) or dirty
        except OSError as exc:
            self._lose(f"Hyprland event socket lost: {exc}")
            return self._take()
        if dirty:
            self._refresh()
        return self._take()

    def ping(self) -> bool:
        if self.closed:
            return False
        try:
            return self.request(f"dispatch event {PING_DATA}").strip() == "ok"
        except OSError:
            return False

    def request(self, command: str) -> str:
        """One request on `.socket.sock` (a fresh connection each, as Hyprland expects)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(_REQUEST_TIMEOUT)
            sock.connect(self._requests_path)
            sock.sendall(command.encode("utf-8"))
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode("utf-8", errors="replace")

    def close(self) -> None:
        if not self.closed:
            super().close()
            self._events.close()

    def _apply(self, line: str) -> bool:
        """Note one event line; True when the active window's context may have changed."""
        event = split_event(line)
        if event is None:
            return False
        self.events_received += 1
        name, data = event
        if name == "activewindow":
            self._fallback_class, self._fallback_title = parse_activewindow(data)
        elif name == "fullscreen":
            self._fallback_fullscreen = data.strip() == "1"
        return name in WATCHED_EVENTS

    def _refresh(self) -> None:
        try:
            client = json.loads(self.request("j/activewindow") or "{}")
            context = context_from_client(client if isinstance(client, dict) else {}, self.name)
        except (OSError, ValueError):
            context = Context(
                app=appid.from_wayland_app_id(self._fallback_class),
                title=self._fallback_title,
                backend=self.name,
                fullscreen=self._fallback_fullscreen,
            )
        self._offer(context, appid.exe_for_pid(context.pid))
