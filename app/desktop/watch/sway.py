"""sway (and i3) backend: window events from the IPC socket in `SWAYSOCK`/`I3SOCK`.

Framing (sway-ipc(7)): every message is `i3-ipc` + payload length (u32) + type (u32), both in
the host's byte order, then JSON. Event types have the high bit set. We open two sockets:
one subscribed to `window`, `workspace`, `tick` and `shutdown` events (its fd is what a
driver waits on; reads are non-blocking and fed to the incremental `IpcDecoder`), and one for
requests (`GET_TREE`, `SEND_TICK`) so replies never interleave with events.

Context: app = `app_id` (Wayland-native windows) or `window_properties.class` (XWayland and
i3), lower-cased; title = the container's `name`; pid = `pid` (sway; i3 has none); full
screen = `fullscreen_mode` 1 (workspace) or 2 (global). A `focus` window event switches; a
`title` or `fullscreen_mode` event counts only for the focused container; closing the focused
window or focusing an empty workspace re-reads the tree (GET_TREE) to find what has focus, or
reports "no window". `ping()` sends a tick whose echo proves delivery. A `shutdown` event or
EOF on the event socket means sway is gone: one `WatcherLost`, then closed. Idle time is not
available over sway IPC (`idle_seconds()` is None).
"""

from __future__ import annotations

import json
import os
import socket
import struct
from collections.abc import Iterator, Mapping
from typing import Any

from app.core.context import Context
from app.desktop.watch import appid
from app.desktop.watch.base import BackendUnavailable, WatcherBackend, WatchEvent

MAGIC = b"i3-ipc"
HEADER = struct.Struct("=6sII")
RUN_COMMAND, GET_WORKSPACES, SUBSCRIBE, GET_OUTPUTS, GET_TREE = 0, 1, 2, 3, 4
SEND_TICK = 10
EVENT_BIT = 0x80000000
EVENT_WORKSPACE = EVENT_BIT | 0
EVENT_WINDOW = EVENT_BIT | 3
EVENT_SHUTDOWN = EVENT_BIT | 6
EVENT_TICK = EVENT_BIT | 7
PING_PAYLOAD = "cuecards-ping"
MAX_PAYLOAD = 64 * 1024 * 1024  # a GET_TREE of a big session is a few MB at most
_REQUEST_TIMEOUT = 5.0


class IpcProtocolError(Exception):
    """The peer does not speak i3/sway IPC (bad magic or absurd length)."""


def encode_message(message_type: int, payload: bytes | str = b"") -> bytes:
    """One framed IPC message."""
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    return HEADER.pack(MAGIC, len(data), message_type) + data


class IpcDecoder:
    """Incremental decoder: feed bytes as they arrive, get whole (type, payload) messages."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """Append `data`; return every complete message now available, in order."""
        self._buffer += data
        messages: list[tuple[int, bytes]] = []
        while len(self._buffer) >= HEADER.size:
            magic, length, message_type = HEADER.unpack_from(self._buffer)
            if magic != MAGIC:
                raise IpcProtocolError(f"bad IPC magic {bytes(magic)!r}")
            if length > MAX_PAYLOAD:
                raise IpcProtocolError(f"IPC payload of {length} bytes is too large")
            end = HEADER.size + length
            if len(self._buffer) < end:
                break
            messages.append((message_type, bytes(self._buffer[HEADER.size : end])))
            del self._buffer[:end]
        return messages

    def push_front(self, messages: list[tuple[int, bytes]]) -> None:
        """Put decoded messages back, ahead of anything still buffered (they come out first)."""
        self._buffer[:0] = b"".join(encode_message(kind, payload) for kind, payload in messages)

    @property
    def buffered(self) -> int:
        """Bytes held back waiting for the rest of a message."""
        return len(self._buffer)


def context_from_container(container: Mapping[str, Any], backend: str = "sway") -> Context:
    """A tree node or window-event container → Context (see the module docstring)."""
    props = container.get("window_properties") or {}
    app = appid.from_wayland_app_id(container.get("app_id")) or appid.from_wm_class(
        props.get("instance"), props.get("class")
    )
    title = container.get("name") or props.get("title") or ""
    pid = container.get("pid")
    mode = container.get("fullscreen_mode") or 0
    return Context(
        app=app,
        title=str(title),
        backend=backend,
        pid=int(pid) if isinstance(pid, int) and pid > 0 else None,
        fullscreen=mode in (1, 2),
    )


def _walk(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield node
    for key in ("nodes", "floating_nodes"):
        for child in node.get(key) or ():
            yield from _walk(child)


def focused_window(tree: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The focused window container in a GET_TREE reply; None when a workspace has focus."""
    for node in _walk(tree):
        if node.get("focused"):
            is_window = node.get("type") in ("con", "floating_con") and (
                node.get("app_id") is not None
                or node.get("window") is not None
                or node.get("pid") is not None
            )
            return node if is_window else None
    return None


class SwayWatcher(WatcherBackend):
    """Active window of sway/i3 from IPC window events; see the module docstring."""

    name = "sway"

    def __init__(self, socket_path: str | None = None) -> None:
        super().__init__()
        path = socket_path or os.environ.get("SWAYSOCK") or os.environ.get("I3SOCK")
        if not path:
            raise BackendUnavailable("SWAYSOCK is not set: is this a sway session?")
        self._path = path
        self._decoder = IpcDecoder()
        self._focused_id: int | None = None
        try:
            self._events = self._connect()
            self._requests = self._connect()
            self._events.settimeout(_REQUEST_TIMEOUT)
            self._events.sendall(
                encode_message(SUBSCRIBE, json.dumps(["window", "workspace", "tick", "shutdown"]))
            )
            reply = self._read_reply(self._events, self._decoder, SUBSCRIBE)
            if not json.loads(reply).get("success"):
                raise BackendUnavailable(f"sway refused the event subscription: {reply!r}")
            self._events.setblocking(False)
            self._read_tree()
            self._pending.clear()  # the starting context is current(), not a change
        except (OSError, IpcProtocolError, ValueError) as exc:
            self._close_sockets()
            raise BackendUnavailable(f"cannot use the sway IPC socket {path}: {exc}") from exc

    def fileno(self) -> int | None:
        return None if self.closed else self._events.fileno()

    def dispatch(self) -> list[WatchEvent]:
        if self.closed:
            return self._take()
        try:
            messages = self._decoder.feed(b"")
            while True:
                try:
                    chunk = self._events.recv(65536)
                except BlockingIOError:
                    break
                if not chunk:
                    self._handle(messages)
                    self._lose("sway IPC connection closed (sway exited?)")
                    return self._take()
                messages += self._decoder.feed(chunk)
            self._handle(messages)
        except (OSError, IpcProtocolError, ValueError) as exc:
            self._lose(f"sway IPC connection lost: {exc}")
        return self._take()

    def ping(self) -> bool:
        if self.closed:
            return False
        try:
            self._request(SEND_TICK, PING_PAYLOAD)
            return True
        except (OSError, IpcProtocolError):
            return False

    def close(self) -> None:
        if not self.closed:
            super().close()
            self._close_sockets()

    # Internals.

    def _connect(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        return sock

    def _close_sockets(self) -> None:
        for name in ("_events", "_requests"):
            sock = getattr(self, name, None)
            if sock is not None:
                sock.close()

    def _handle(self, messages: list[tuple[int, bytes]]) -> None:
        need_tree = False
        for message_type, payload in messages:
            self.events_received += 1
            if message_type == EVENT_SHUTDOWN:
                self._lose("sway is shutting down")
                return
            if message_type == EVENT_WINDOW:
                need_tree = self._window_event(json.loads(payload)) or need_tree
            elif message_type == EVENT_WORKSPACE:
                need_tree = json.loads(payload).get("change") == "focus" or need_tree
        if need_tree:
            self._read_tree()

    def _window_event(self, event: Mapping[str, Any]) -> bool:
        """Apply one window event; True when only a GET_TREE can tell what has focus now."""
        change = event.get("change")
        container = event.get("container") or {}
        cid = container.get("id")
        if change == "focus":
            self._focused_id = cid
            self._offer(context_from_container(container, self.name), self._exe(container))
        elif change in ("title", "fullscreen_mode", "urgent", "mark"):
            if cid == self._focused_id or container.get("focused"):
                self._focused_id = cid
                self._offer(context_from_container(container, self.name), self._exe(container))
        elif change == "close" and cid == self._focused_id:
            return True
        return False

    def _read_tree(self) -> None:
        tree = json.loads(self._request(GET_TREE))
        node = focused_window(tree)
        if node is None:
            self._focused_id = None
            self._offer(Context(app="", title="", backend=self.name))
        else:
            self._focused_id = node.get("id")
            self._offer(context_from_container(node, self.name), self._exe(node))

    def _request(self, message_type: int, payload: str = "") -> bytes:
        self._requests.settimeout(_REQUEST_TIMEOUT)
        self._requests.sendall(encode_message(message_type, payload))
        return self._read_reply(self._requests, IpcDecoder(), message_type)

    @staticmethod
    def _read_reply(sock: socket.socket, decoder: IpcDecoder, message_type: int) -> bytes:
        """Block (with a timeout) until the reply of `message_type` arrives on `sock`.

        Events that come first stay queued in `decoder` for `dispatch()`.
        """
        held: list[tuple[int, bytes]] = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                raise OSError("sway closed the IPC socket")
            messages = decoder.feed(chunk)
            for index, (kind, payload) in enumerate(messages):
                if kind == message_type:
                    decoder.push_front(held + messages[index + 1 :])
                    return payload
                held.append((kind, payload))

    @staticmethod
    def _exe(container: Mapping[str, Any]) -> str | None:
        pid = container.get("pid")
        return appid.exe_for_pid(pid) if isinstance(pid, int) else None
