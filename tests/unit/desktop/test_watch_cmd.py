"""`cuecards watch` output and exits, with a scripted backend (the X11 one runs in e2e)."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pytest

from app.core.context import Context
from app.desktop.watch import watch_cmd
from app.desktop.watch.detect import Detection
from tests.unit.desktop.fakes import PipeBackend

WHEN = datetime(2026, 5, 9, 7, 35, 25, 123456, tzinfo=timezone.utc)


def test_json_line_has_the_documented_keys():
    ctx = Context("excel", "Budget “Q3”.xlsx", "x11", 4242, False)
    row = json.loads(watch_cmd.format_json(ctx, "xterm", WHEN))
    assert row == {
        "ts": "2026-05-09T07:35:25.123Z",
        "app": "excel",
        "title": "Budget “Q3”.xlsx",
        "backend": "x11",
        "pid": 4242,
        "exe": "xterm",
        "fullscreen": False,
    }


def test_plain_line_is_readable():
    line = watch_cmd.format_plain(Context("excel", "Deck", "x11", fullscreen=True), WHEN)
    assert line.split("  ")[1:] == ["excel", '"Deck"', "[full screen]"]
    assert "(no active window)" in watch_cmd.format_plain(Context(""), WHEN)


def scripted(monkeypatch, backend: PipeBackend) -> None:
    detection = Detection("pipe", "a scripted test backend", lambda: backend)
    monkeypatch.setattr(watch_cmd, "detect", lambda: detection)


class Feeder(io.StringIO):
    """Output that sends the backend its next batch each time a line is printed."""

    def __init__(self, backend: PipeBackend, batches: list[str]) -> None:
        super().__init__()
        self.backend, self.batches = backend, batches

    def write(self, text: str) -> int:
        written = super().write(text)
        if text.endswith("\n") and self.batches:
            self.backend.send(self.batches.pop(0))
        return written


def test_prints_the_current_window_then_each_change(monkeypatch):
    backend = PipeBackend()
    backend._offer(Context("excel", "Budget.xlsx", "pipe"))
    backend._take()
    scripted(monkeypatch, backend)
    out, err = Feeder(backend, ["word\nword\n", "excel\n"]), io.StringIO()

    assert watch_cmd.run_watch(True, out, err, stop_after=3) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["app"], r["title"]) for r in rows] == [
        ("excel", "Budget.xlsx"),
        ("word", ""),
        ("excel", ""),
    ]
    assert err.getvalue() == ""  # JSON mode keeps stderr quiet
    assert backend.closed


def test_lost_session_exits_1_with_one_line(monkeypatch):
    backend = PipeBackend()
    backend.send("excel\nLOST\n")
    scripted(monkeypatch, backend)
    out, err = io.StringIO(), io.StringIO()
    assert watch_cmd.run_watch(True, out, err) == 1
    assert err.getvalue() == "cuecards watch: pipe closed\n"
    assert json.loads(out.getvalue())["app"] == "excel"


def test_no_graphical_session_exits_1_with_one_line(monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "CUECARDS_WATCHER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    out, err = io.StringIO(), io.StringIO()
    assert watch_cmd.run_watch(True, out, err) == 1
    assert out.getvalue() == ""
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cuecards watch: no graphical session")


def test_unreachable_x_display_exits_1_with_one_line(monkeypatch, tmp_path):
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("CUECARDS_WATCHER", raising=False)
    monkeypatch.setenv("DISPLAY", ":987")
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    monkeypatch.setenv("XAUTHORITY", str(tmp_path / "none"))
    out, err = io.StringIO(), io.StringIO()
    assert watch_cmd.run_watch(False, out, err) == 1
    lines = err.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("cuecards watch: x11: cannot open X display ':987': ")


def test_plain_mode_names_the_backend_on_stderr(monkeypatch):
    backend = PipeBackend()
    backend.send("LOST\n")
    scripted(monkeypatch, backend)
    err = io.StringIO()
    watch_cmd.run_watch(False, io.StringIO(), err)
    assert err.getvalue().splitlines()[0] == (
        "cuecards watch: pipe backend (a scripted test backend); Ctrl+C to stop"
    )


@pytest.mark.parametrize("exc", [KeyboardInterrupt, BrokenPipeError])
def test_ctrl_c_and_a_closed_pipe_exit_0(monkeypatch, exc):
    backend = PipeBackend()
    backend._offer(Context("excel"))
    scripted(monkeypatch, backend)

    class Failing(io.StringIO):
        def write(self, text: str) -> int:
            raise exc

    assert watch_cmd.run_watch(True, Failing(), io.StringIO()) == 0
    assert backend.closed
