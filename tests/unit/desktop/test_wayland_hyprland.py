"""Hyprland: socket2 line parsing, and the backend against fake Hyprland sockets."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.context import Context
from app.desktop.watch.base import BackendUnavailable, WatcherLost
from app.desktop.watch.hyprland import (
    HyprlandWatcher,
    LineSplitter,
    context_from_client,
    parse_activewindow,
    socket_dir,
    split_event,
)

SAMPLES = json.loads(
    (
        Path(__file__).resolve().parents[2] / "samples" / "desktop" / "hyprland_events.json"
    ).read_text(encoding="utf-8")
)
DEADLINE = 10.0


def test_event_lines_split_at_the_first_marker():
    assert split_event("activewindow>>kitty,vim ~/notes, todo.md") == (
        "activewindow",
        "kitty,vim ~/notes, todo.md",
    )
    assert split_event("custom>>a>>b") == ("custom", "a>>b")
    assert split_event("garbage") is None
    assert split_event(">>x") is None


def test_activewindow_keeps_commas_in_the_title():
    assert parse_activewindow("kitty,vim ~/notes, todo.md") == ("kitty", "vim ~/notes, todo.md")
    assert parse_activewindow(",") == ("", "")


def test_lines_are_reassembled_across_reads():
    splitter = LineSplitter()
    data = "\n".join(SAMPLES["socket2"]).encode() + b"\n"
    lines: list[str] = []
    for i in range(0, len(data), 7):
        lines += splitter.feed(data[i : i + 7])
    assert lines == SAMPLES["socket2"]
    assert splitter.feed("é".encode()[:1]) == []  # half a character waits for the rest


def test_activewindow_replies_of_old_and_new_releases():
    assert context_from_client(SAMPLES["activewindow_old"]) == Context(
        "kitty", "vim ~/notes, todo.md", "hyprland", 5151, False
    )
    assert context_from_client(SAMPLES["activewindow_new"]) == Context(
        "org.mozilla.firefox", "Budget - Google Sheets — Mozilla Firefox", "hyprland", 6161, True
    )
    assert context_from_client(SAMPLES["activewindow_none"]) == Context("", "", "hyprland")


def test_socket_dir_prefers_the_runtime_dir(tmp_path):
    (tmp_path / "hypr" / "sig").mkdir(parents=True)
    (tmp_path / "hypr" / "sig" / ".socket2.sock").touch()
    env = {"HYPRLAND_INSTANCE_SIGNATURE": "sig", "XDG_RUNTIME_DIR": str(tmp_path)}
    assert socket_dir(env) == tmp_path / "hypr" / "sig"
    assert socket_dir({"HYPRLAND_INSTANCE_SIGNATURE": "old"}) == Path("/tmp/hypr/old")
    assert socket_dir({}) is None


class FakeHyprland:
    """`.socket2.sock` streams lines the test pushes; `.socket.sock` answers requests."""

    def __init__(self, runtime: Path) -> None:
        self.dir = runtime / "hypr" / "testsig"
        self.dir.mkdir(parents=True)
        self.active: dict = SAMPLES["activewindow_old"]
        self.requests: list[str] = []
        self.events: list[socket.socket] = []
        self.ready = threading.Event()
        self.ev_server = self._listen(".socket2.sock", self._accept_events)
        self.rq_server = self._listen(".socket.sock", self._accept_requests)

    def _listen(self, name: str, loop) -> socket.socket:  # noqa: ANN001
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(self.dir / name))
        server.listen()
        threading.Thread(target=loop, args=(server,), daemon=True).start()
        return server

    def _accept_events(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            self.events.append(conn)
            self.ready.set()

    def _accept_requests(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                request = conn.recv(4096).decode()
                self.requests.append(request)
                if request == "j/activewindow":
                    conn.sendall(json.dumps(self.active).encode())
                elif request == "dispatch event cuecards-ping":
                    conn.sendall(b"ok")
                    self.push("custom>>cuecards-ping")
                else:
                    conn.sendall(b"unknown request")

    def push(self, *lines: str) -> None:
        self.ready.wait(DEADLINE)
        for conn in self.events:
            conn.sendall("".join(line + "\n" for line in lines).encode())

    def close(self) -> None:
        self.ready.wait(DEADLINE)  # a watcher that connected has been accepted
        for server in (self.ev_server, self.rq_server):
            server.close()
        for conn in self.events:
            conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self.events.clear()


@pytest.fixture
def hypr(tmp_path: Path) -> Iterator[FakeHyprland]:
    fake = FakeHyprland(tmp_path)
    yield fake
    fake.close()


def env_for(fake: FakeHyprland) -> dict[str, str]:
    return {"HYPRLAND_INSTANCE_SIGNATURE": "testsig", "XDG_RUNTIME_DIR": str(fake.dir.parents[1])}


def drain(backend: HyprlandWatcher, until) -> list:  # noqa: ANN001
    events: list = []
    deadline = time.monotonic() + DEADLINE
    while not until(events) and time.monotonic() < deadline and backend.fileno() is not None:
        select.select([backend.fileno()], [], [], deadline - time.monotonic())
        events += backend.dispatch()
    return events


def test_watcher_reports_switches_with_pid_and_full_screen(hypr):
    backend = HyprlandWatcher(env_for(hypr))
    try:
        assert backend.current() == Context("kitty", "vim ~/notes, todo.md", "hyprland", 5151)
        hypr.active = SAMPLES["activewindow_new"]
        hypr.push("activewindow>>org.mozilla.firefox,Budget - Google Sheets — Mozilla Firefox")
        events = drain(backend, lambda got: len(got) >= 1)
        assert [e.context for e in events] == [
            Context(
                "org.mozilla.firefox",
                "Budget - Google Sheets — Mozilla Firefox",
                "hyprland",
                6161,
                True,
            )
        ]
        hypr.active = {}
        hypr.push("closewindow>>55d0c1a2e3f0", "activewindow>>,", "activewindowv2>>,")
        assert [e.context for e in drain(backend, lambda got: len(got) >= 1)] == [
            Context("", "", "hyprland")
        ]
    finally:
        backend.close()


def test_unrelated_events_cost_no_request(hypr):
    backend = HyprlandWatcher(env_for(hypr))
    try:
        asked = len(hypr.requests)
        hypr.push("workspacev2>>2,code", "activelayout>>kbd,English (US)")
        drain(backend, lambda got: backend.events_received >= 2)
        assert backend.events_received == 2 and len(hypr.requests) == asked
    finally:
        backend.close()


def test_event_data_is_used_when_the_request_socket_fails(hypr):
    backend = HyprlandWatcher(env_for(hypr))
    try:
        hypr.rq_server.close()
        (hypr.dir / ".socket.sock").unlink()
        hypr.push("activewindow>>kitty,htop", "fullscreen>>1")
        events = drain(backend, lambda got: len(got) >= 1)
        assert [e.context for e in events] == [Context("kitty", "htop", "hyprland", None, True)]
    finally:
        backend.close()


def test_ping_asks_for_a_custom_event(hypr):
    backend = HyprlandWatcher(env_for(hypr))
    try:
        assert backend.ping() is True
        drain(backend, lambda got: backend.events_received >= 1)
        assert backend.events_received == 1
        assert "dispatch event cuecards-ping" in hypr.requests
    finally:
        backend.close()


def test_hyprland_exiting_is_reported_once(hypr):
    backend = HyprlandWatcher(env_for(hypr))
    hypr.close()
    events = drain(backend, lambda got: len(got) >= 1)
    assert events == [WatcherLost("Hyprland's event socket closed (Hyprland exited?)")]
    assert backend.fileno() is None and backend.dispatch() == []


def test_without_hyprland_the_error_says_so(tmp_path):
    with pytest.raises(BackendUnavailable, match="HYPRLAND_INSTANCE_SIGNATURE is not set"):
        HyprlandWatcher({})
    env = {"HYPRLAND_INSTANCE_SIGNATURE": "gone", "XDG_RUNTIME_DIR": str(tmp_path)}
    with pytest.raises(BackendUnavailable, match="cannot connect to Hyprland's event socket"):
        HyprlandWatcher(env)
