"""The X11 watcher on a real X server with openbox: what a person switching windows would see."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.core.context import Context
from app.desktop.watch.base import ContextChanged
from app.desktop.watch.blocking_driver import BlockingDriver
from app.desktop.watch.doctor import watcher_report
from app.desktop.watch.x11 import X11Watcher
from tests.e2e.xsession import XSession, XWindow, end_process

pytestmark = pytest.mark.e2e

DEADLINE = 15.0  # generous: a loaded 2-core machine; never a timing assertion
REPO = Path(__file__).resolve().parents[2]


class Recorder:
    """Runs a BlockingDriver on a thread and lets the test wait for the contexts it reports."""

    def __init__(self, backend: X11Watcher) -> None:
        self.backend = backend
        self.driver = BlockingDriver(backend)
        self.seen: list[Context] = []
        self.lost: str | None = None
        self.error: BaseException | None = None
        self.done = False
        self._cursor = 0
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        lost: str | None = None
        try:
            lost = self.driver.run(self._on_change)
        except BaseException as exc:  # surfaced by the test, not swallowed
            self.error = exc
        with self._cond:
            self.lost = lost
            self.done = True
            self._cond.notify_all()

    def _on_change(self, event: ContextChanged) -> None:
        with self._cond:
            self.seen.append(event.context)
            self._cond.notify_all()

    def mark(self) -> None:
        """Forget what was seen so far: the next `wait_for` looks only at later contexts.

        Call it before acting, so a context left over from spawning windows (openbox
        focuses new windows) cannot be mistaken for the result of the action.
        """
        with self._cond:
            self._cursor = len(self.seen)

    def wait_for(self, predicate: Callable[[Context], bool], what: str) -> Context:
        """The first context after the last one waited for (or `mark`) satisfying `predicate`."""
        deadline = time.monotonic() + DEADLINE
        with self._cond:
            while True:
                for index in range(self._cursor, len(self.seen)):
                    if predicate(self.seen[index]):
                        self._cursor = index + 1
                        return self.seen[index]
                self._cursor = len(self.seen)
                remaining = deadline - time.monotonic()
                if self.done or remaining <= 0:
                    pytest.fail(f"never saw {what}; saw {self.seen!r}, lost={self.lost!r}")
                self._cond.wait(remaining)

    def focus(self, session: XSession, window: XWindow) -> Context:
        """Activate `window` and wait until the watcher's current context is it.

        Unlike `wait_for` this also works when the window was already active (openbox
        focuses each new window), where activating it is no change and reports nothing.
        """
        session.activate(window)
        matches = is_window(window)
        deadline = time.monotonic() + DEADLINE
        with self._cond:
            while True:
                current = self.backend.current()
                if current is not None and matches(current):
                    self._cursor = len(self.seen)
                    return current
                remaining = deadline - time.monotonic()
                if self.done or remaining <= 0:
                    pytest.fail(f"{window.title} never became current; saw {self.seen!r}")
                self._cond.wait(remaining)

    def stop(self) -> None:
        self.driver.stop()
        self._thread.join(DEADLINE)
        self.backend.close()
        self.driver.close()


@pytest.fixture
def windows(x_session: XSession) -> Iterator[Callable[[str, str], XWindow]]:
    """Spawn test windows; those still open are closed after the test."""
    spawned: list[XWindow] = []

    def spawn(title: str, wm_class: str) -> XWindow:
        window = x_session.spawn_window(title, wm_class)
        spawned.append(window)
        return window

    yield spawn
    for window in spawned:
        x_session.close(window)


@pytest.fixture
def recorder(x_session: XSession) -> Iterator[Recorder]:
    rec = Recorder(X11Watcher())
    yield rec
    rec.stop()
    assert rec.error is None


def is_window(window: XWindow, **more: object) -> Callable[[Context], bool]:
    def check(ctx: Context) -> bool:
        same = ctx.app == window.wm_class.lower() and ctx.title == window.title
        return same and all(getattr(ctx, key) == value for key, value in more.items())

    return check


def python_env(session: XSession) -> dict[str, str]:
    env = session.env()
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("CUECARDS_WATCHER", None)
    env["XDG_SESSION_TYPE"] = "x11"
    return env


def start_watch(session: XSession, *flags: str) -> subprocess.Popen:
    """`cuecards watch` through run_watch in its own process (the CLI module is elsewhere)."""
    json_output = "--json" in flags
    code = (
        "import sys\nfrom app.desktop.watch.watch_cmd import run_watch\n"
        f"sys.exit(run_watch({json_output}, sys.stdout, sys.stderr))\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=python_env(session),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_line(stream, what: str) -> str:  # noqa: ANN001 - a text pipe
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(DEADLINE)
    if not result or not result[0]:
        pytest.fail(f"no line for {what}")
    return result[0]


def read_until(stream, predicate: Callable[[dict], bool], what: str) -> dict:  # noqa: ANN001
    for _ in range(50):
        row = json.loads(read_line(stream, what))
        if predicate(row):
            return row
    pytest.fail(f"never saw {what}")


def test_switching_windows_reports_app_id_title_and_pid(x_session, windows, recorder):
    excel = windows("Budget.xlsx - Excel", "Excel")
    outlook = windows("Inbox - Outlook", "Outlook")

    expected = Context("excel", "Budget.xlsx - Excel", "x11", excel.pid, False)
    assert recorder.focus(x_session, excel) == expected

    recorder.mark()
    x_session.activate(outlook)
    ctx = recorder.wait_for(is_window(outlook), "Outlook active")
    assert (ctx.app, ctx.pid) == ("outlook", outlook.pid)

    recorder.mark()
    x_session.activate(excel)
    assert recorder.wait_for(is_window(excel), "Excel active again") == expected
    assert recorder.backend.current_exe() == "xterm"


def test_title_change_in_active_window_is_reported_and_inactive_one_is_not(
    x_session, windows, recorder
):
    other = windows("Inbox - Outlook", "Outlook")
    excel = windows("Budget.xlsx - Excel", "Excel")
    recorder.focus(x_session, excel)

    recorder.mark()
    x_session.set_title(other, "Secret plan - Outlook")  # not in front: no news
    x_session.set_title(excel, "Q3 pivot — Übersicht.xlsx - Excel")
    ctx = recorder.wait_for(is_window(excel), "the new Excel title")

    assert (ctx.app, ctx.title, ctx.pid) == (
        "excel",
        "Q3 pivot — Übersicht.xlsx - Excel",
        excel.pid,
    )
    assert all(seen.title != "Secret plan - Outlook" for seen in recorder.seen)


def test_closing_the_active_window_moves_on_without_errors(x_session, windows, recorder, capfd):
    excel = windows("Budget.xlsx - Excel", "Excel")
    word = windows("Letter.docx - Word", "Word")
    doomed = windows("Scratch - Notepad", "Notepad")
    x_session.activate(excel)
    recorder.focus(x_session, doomed)

    recorder.mark()
    x_session.close(doomed)
    # openbox falls back to another window (or none); either way Notepad is gone.
    after = recorder.wait_for(lambda c: c.app != "notepad", "a context after the close")
    assert after.title != "Scratch - Notepad"

    target = excel if after.app == "word" else word
    recorder.mark()
    x_session.activate(target)  # and the watcher still follows switches
    recorder.wait_for(is_window(target), "a switch after the close")
    assert not recorder.done
    err = capfd.readouterr().err
    assert "Traceback" not in err and "X protocol error" not in err


def test_full_screen_on_and_off(x_session, windows, recorder):
    excel = windows("Deck.pptx - PowerPoint", "PowerPoint")
    recorder.focus(x_session, excel)

    recorder.mark()
    x_session.fullscreen(excel, True)
    recorder.wait_for(is_window(excel, fullscreen=True), "PowerPoint full screen")
    recorder.mark()
    x_session.fullscreen(excel, False)
    ctx = recorder.wait_for(is_window(excel, fullscreen=False), "PowerPoint windowed again")
    assert ctx.app == "powerpoint"


def test_idle_time_grows_and_resets_on_input(x_session):
    backend = X11Watcher()
    try:
        first = backend.idle_seconds()
        assert first is not None and first >= 0
        x_session.tool("xdotool", "mousemove", "10", "10")
        # Idle time counts up between two queries; after input it drops back.
        deadline = time.monotonic() + DEADLINE
        before = backend.idle_seconds()
        while before is not None and before < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
            before = backend.idle_seconds()
        x_session.tool("xdotool", "mousemove", "200", "200")
        after = backend.idle_seconds()
        assert before is not None and after is not None and after < before
    finally:
        backend.close()


def test_watch_json_prints_one_object_per_change(x_session, windows):
    excel = windows("Budget.xlsx - Excel", "Excel")
    word = windows("Letter.docx - Word", "Word")
    x_session.activate(excel)
    proc = start_watch(x_session, "--json")
    try:
        first = json.loads(read_line(proc.stdout, "the starting context"))
        assert set(first) >= {"ts", "app", "title", "backend"}
        assert (first["app"], first["title"], first["backend"]) == (
            "excel",
            "Budget.xlsx - Excel",
            "x11",
        )
        assert first["ts"].endswith("Z")

        x_session.activate(word)
        row = read_until(proc.stdout, lambda r: r["app"] == "word", "Word in watch --json")
        assert (row["title"], row["pid"], row["exe"]) == ("Letter.docx - Word", word.pid, "xterm")

        proc.send_signal(signal.SIGINT)  # Ctrl+C
        assert proc.wait(timeout=DEADLINE) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        end_process(proc, kill=True)


def test_watch_plain_prints_a_readable_line(x_session, windows):
    excel = windows("Budget.xlsx - Excel", "Excel")
    x_session.activate(excel)
    proc = start_watch(x_session)
    try:
        line = read_line(proc.stdout, "the plain line")
        assert line.rstrip("\n").split("  ")[1:] == ["excel", '"Budget.xlsx - Excel"']
        x_session.fullscreen(excel, True)
        line = read_line(proc.stdout, "the full-screen line")
        assert line.rstrip("\n").endswith('"Budget.xlsx - Excel"  [full screen]')
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=DEADLINE)
        end_process(proc)
        x_session.fullscreen(excel, False)


def test_x_server_killed_under_watch_exits_once_with_a_clear_message(x_server_factory):
    session = x_server_factory()
    window = session.spawn_window("Budget.xlsx - Excel", "Excel")
    session.activate(window)
    proc = start_watch(session, "--json")
    try:
        assert json.loads(read_line(proc.stdout, "the starting context"))["app"] == "excel"
        session.kill_server()
        code = proc.wait(timeout=DEADLINE)  # a spinning watcher would never get here
        err = proc.stderr.read()
    finally:
        end_process(proc, kill=True)
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("cuecards watch: X connection lost: display ")
    assert "Traceback" not in err


def test_x_server_killed_under_qt_driver_emits_lost_once(x_server_factory):
    session = x_server_factory()
    window = session.spawn_window("Budget.xlsx - Excel", "Excel")
    session.activate(window)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.qt_watch_probe"],
        env={**python_env(session), "QT_QPA_PLATFORM": "offscreen"},
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = json.loads(read_line(proc.stdout, "the starting context"))
        assert (first["signal"], first["app"]) == ("changed", "excel")
        session.kill_server()
        code = proc.wait(timeout=DEADLINE)
        rest = [json.loads(line) for line in proc.stdout.read().splitlines() if line]
        err = proc.stderr.read()
    finally:
        end_process(proc, kill=True)
    assert code == 3
    lost = [row for row in rest if row["signal"] == "lost"]
    assert len(lost) == 1 and lost[0]["message"].startswith("X connection lost")
    assert "Traceback" not in err


def test_qt_driver_signals_each_switch(x_session, windows):
    excel = windows("Budget.xlsx - Excel", "Excel")
    word = windows("Letter.docx - Word", "Word")
    x_session.activate(excel)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.qt_watch_probe"],
        env={**python_env(x_session), "QT_QPA_PLATFORM": "offscreen"},
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = json.loads(read_line(proc.stdout, "the starting context"))
        assert (first["app"], first["title"]) == ("excel", "Budget.xlsx - Excel")
        x_session.activate(word)
        row = read_until(proc.stdout, lambda r: r.get("app") == "word", "Word via Qt")
        assert row == {
            "signal": "changed",
            "app": "word",
            "title": "Letter.docx - Word",
            "fullscreen": False,
        }
        proc.stdin.close()
        assert proc.wait(timeout=DEADLINE) == 0
    finally:
        end_process(proc, kill=True)


def test_doctor_proves_events_arrive(x_session, windows):
    excel = windows("Budget.xlsx - Excel", "Excel")
    x_session.activate(excel)
    report = watcher_report(timeout=DEADLINE)
    assert report["backend"] == "x11"
    assert report["ok"] is True and report["receiving"] is True
    assert report["app"] == "excel" and report["fullscreen"] is False
    assert "receiving window events" in report["message"]
    assert "Budget" not in json.dumps(report)  # never a title


def test_without_a_window_manager_doctor_says_why(x_server_factory, monkeypatch):
    session = x_server_factory(with_wm=False)
    monkeypatch.setenv("DISPLAY", session.display)
    report = watcher_report(timeout=1.0)
    assert report["backend"] == "x11" and report["ok"] is False
    assert "_NET_ACTIVE_WINDOW" in report["message"]


def test_windows_vanishing_mid_switch_are_skipped_quietly(x_session, windows, recorder, capfd):
    excel = windows("Budget.xlsx - Excel", "Excel")
    word = windows("Letter.docx - Word", "Word")
    recorder.focus(x_session, excel)
    for i in range(8):  # activate and kill at once: queries race the window's destruction
        doomed = x_session.spawn_window(f"Flash {i}", "Flash")
        x_session.tool("xdotool", "windowactivate", str(doomed.wid))
        x_session.close(doomed)

    recorder.focus(x_session, excel)  # and the watcher still follows switches
    recorder.mark()
    x_session.activate(word)
    recorder.wait_for(is_window(word), "Word after the churn")
    assert not recorder.done and recorder.error is None
    assert all(not c.title.startswith("Flash") or c.app == "flash" for c in recorder.seen)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "X protocol error" not in err
