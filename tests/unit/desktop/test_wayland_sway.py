"""sway/i3 IPC: message framing, and the backend against a fake sway on a real UNIX socket."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.context import Context
from app.desktop.watch.base import BackendUnavailable, ContextChanged, WatcherLost
from app.desktop.watch.sway import (
    EVENT_SHUTDOWN,
    EVENT_TICK,
    EVENT_WINDOW,
    EVENT_WORKSPACE,
    GET_TREE,
    SEND_TICK,
    SUBSCRIBE,
    IpcDecoder,
    IpcProtocolError,
    SwayWatcher,
    context_from_container,
    encode_message,
    focused_window,
)

SAMPLES = json.loads(
    (Path(__file__).resolve().parents[2] / "samples" / "desktop" / "sway_ipc.json").read_text()
)
DEADLINE = 10.0


def test_messages_are_magic_length_type_then_payload():
    frame = encode_message(SUBSCRIBE, '["window"]')
    assert frame[:6] == b"i3-ipc"
    assert struct.unpack("=II", frame[6:14]) == (10, SUBSCRIBE)
    assert frame[14:] == b'["window"]'


def test_decoder_reassembles_messages_split_anywhere():
    stream = encode_message(EVENT_WINDOW, '{"change": "focus"}') + encode_message(GET_TREE, "{}")
    decoder = IpcDecoder()
    got = []
    for i in range(len(stream)):  # one byte at a time: the worst a socket can do
        got += decoder.feed(stream[i : i + 1])
    assert got == [(EVENT_WINDOW, b'{"change": "focus"}'), (GET_TREE, b"{}")]
    assert decoder.buffered == 0


def test_decoder_returns_every_whole_message_of_one_read_and_keeps_the_rest():
    stream = encode_message(EVENT_TICK, "a") + encode_message(EVENT_TICK, "bb")
    decoder = IpcDecoder()
    assert decoder.feed(stream + stream[:9]) == [(EVENT_TICK, b"a"), (EVENT_TICK, b"bb")]
    assert decoder.buffered == 9


def test_decoder_rejects_a_peer_that_is_not_sway():
    with pytest.raises(IpcProtocolError, match="bad IPC magic b'HTTP/1'"):
        IpcDecoder().feed(b"HTTP/1.1 200 OK\r\n\r\n")


def test_tree_nodes_and_event_containers_become_contexts():
    node = focused_window(SAMPLES["tree"])
    assert context_from_container(node) == Context(
        "libreoffice-calc", "Budget.xlsx - LibreOffice Calc", "sway", 4242, False
    )
    foot = context_from_container(SAMPLES["fullscreen_foot"]["container"])
    assert foot == Context("foot", "vim notes.md", "sway", 5151, True)
    assert focused_window(SAMPLES["empty_workspace_tree"]) is None


class FakeSway:
    """Speaks sway IPC on a UNIX socket: subscribe, GET_TREE, SEND_TICK, pushed events."""

    def __init__(self, path: Path, tree: dict) -> None:
        self.path = str(path)
        self.tree = tree
        self.subscribers: list[socket.socket] = []
        self.connections: list[socket.socket] = []
        self.closed = False
        self.lock = threading.Lock()
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                self.connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        decoder = IpcDecoder()
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            for kind, payload in decoder.feed(data):
                if kind == SUBSCRIBE:
                    self._send(conn, SUBSCRIBE, {"success": True})
                    with self.lock:
                        self.subscribers.append(conn)
                    if "tick" in json.loads(payload):
                        self._send(conn, EVENT_TICK, {"first": True, "payload": ""})
                elif kind == GET_TREE:
                    self._send(conn, GET_TREE, self.tree)
                elif kind == SEND_TICK:
                    self._send(conn, SEND_TICK, {"success": True})
                    self.push(EVENT_TICK, {"first": False, "payload": payload.decode()})

    def _send(self, conn: socket.socket, kind: int, body: dict) -> None:
        with self.lock, contextlib.suppress(OSError):  # a watcher that hung up: nobody to tell
            if not self.closed:
                conn.sendall(encode_message(kind, json.dumps(body)))

    def push(self, kind: int, body: dict) -> None:
        for conn in list(self.subscribers):
            self._send(conn, kind, body)

    def close(self) -> None:
        self.server.close()
        with self.lock:
            self.closed = True
            for conn in self.connections:
                with contextlib.suppress(OSError):  # wakes our reader thread, sends EOF
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self.connections.clear()
            self.subscribers.clear()


@pytest.fixture
def sway(tmp_path: Path) -> Iterator[FakeSway]:
    fake = FakeSway(tmp_path / "sway-ipc.sock", SAMPLES["tree"])
    yield fake
    fake.close()


def changes_until(backend: SwayWatcher, count: int) -> list:
    """Wait on the backend's fd like a driver and collect `count` events."""
    events: list = []
    deadline = time.monotonic() + DEADLINE
    while len(events) < count and time.monotonic() < deadline:
        fd = backend.fileno()
        if fd is None:
            break
        select.select([fd], [], [], deadline - time.monotonic())
        events += backend.dispatch()
    return events


def test_watcher_follows_focus_title_fullscreen_and_close(sway):
    backend = SwayWatcher(sway.path)
    try:
        assert backend.current().app == "libreoffice-calc"
        events = []
        for pushed in (
            ["focus_foot", "title_calc_unfocused"],  # calc is not in front: no news
            ["title_foot"],
            ["fullscreen_foot"],
        ):
            for name in pushed:
                sway.push(EVENT_WINDOW, SAMPLES[name])
            events += changes_until(backend, 1)
        assert [e.context for e in events] == [
            Context("foot", "~", "sway", 5151, False),
            Context("foot", "vim notes.md", "sway", 5151, False),
            Context("foot", "vim notes.md", "sway", 5151, True),
        ]
        assert all(isinstance(e, ContextChanged) for e in events)

        sway.tree = SAMPLES["empty_workspace_tree"]  # the focused window closes
        sway.push(EVENT_WINDOW, SAMPLES["close_foot"])
        assert [e.context for e in changes_until(backend, 1)] == [Context("", "", "sway")]
    finally:
        backend.close()


def test_ping_comes_back_as_a_tick(sway):
    backend = SwayWatcher(sway.path)
    try:
        changes_until(backend, 0)
        before = backend.events_received
        assert backend.ping() is True
        deadline = time.monotonic() + DEADLINE
        while backend.events_received == before and time.monotonic() < deadline:
            select.select([backend.fileno()], [], [], 0.5)
            assert backend.dispatch() == []  # a tick is not a context change
        assert backend.events_received > before
    finally:
        backend.close()


def test_workspace_focus_rereads_the_tree(sway):
    backend = SwayWatcher(sway.path)
    try:
        sway.tree = SAMPLES["empty_workspace_tree"]
        sway.push(EVENT_WORKSPACE, SAMPLES["workspace_focus"])
        assert [e.context.app for e in changes_until(backend, 1)] == [""]
    finally:
        backend.close()


def test_sway_exiting_is_reported_once_and_closes(sway):
    backend = SwayWatcher(sway.path)
    sway.push(EVENT_SHUTDOWN, {"change": "exit"})
    events = changes_until(backend, 1)
    assert events == [WatcherLost("sway is shutting down")]
    assert backend.fileno() is None and backend.dispatch() == []


def test_a_vanished_socket_is_reported_once(sway):
    backend = SwayWatcher(sway.path)
    sway.close()
    events = changes_until(backend, 1)
    assert events == [WatcherLost("sway IPC connection closed (sway exited?)")]
    assert backend.fileno() is None


def test_without_sway_the_error_names_the_socket(tmp_path, monkeypatch):
    monkeypatch.delenv("SWAYSOCK", raising=False)
    monkeypatch.delenv("I3SOCK", raising=False)
    with pytest.raises(BackendUnavailable, match="SWAYSOCK is not set"):
        SwayWatcher()
    missing = tmp_path / "nope.sock"
    with pytest.raises(BackendUnavailable, match=f"cannot use the sway IPC socket {missing}"):
        SwayWatcher(str(missing))
