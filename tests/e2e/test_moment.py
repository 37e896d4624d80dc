"""The moment of need on a real X session with a tray host: switch to a window, see its card.

The app runs as a person's session would start it (`python -m app run`); windows are xterms
with a chosen class and title; popups are seen from outside by a python-xlib observer
(`tests.e2e.popups`), and the usage log is read from the database file by another process.
Absence is never waited for: a window that must show nothing is followed by one that must
show a card, and the observer's record of everything mapped in between decides.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.apps import ROOT, is_viewable, start_app, stop_app, wait_for, windows_of_class
from tests.e2e.moment import (
    LEDGER,
    MAIL,
    NOTES,
    click_popup_button,
    cuecards,
    kinds,
    prepare,
    usage_rows,
    window_titled,
    wm_class,
)
from tests.e2e.popups import XObserver
from tests.e2e.xsession import XSession, XWindow

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "artifacts"
CANARY = "CANARY-7f3a9"
WELCOME = "Welcome to Cuecards"


@pytest.fixture
def observer(x_tray: XSession) -> Iterator[XObserver]:
    watcher = XObserver(x_tray.display).start()
    try:
        yield watcher
    finally:
        watcher.stop()


@pytest.fixture
def spawn(x_tray: XSession) -> Iterator[Callable[[str, str], XWindow]]:
    """Open test windows (xterms) that are closed again after the test."""
    opened: list[XWindow] = []

    def open_window(title: str, app: str) -> XWindow:
        window = x_tray.spawn_window(title, app)
        opened.append(window)
        return window

    try:
        yield open_window
    finally:
        for window in opened:
            x_tray.close(window)


def docked(session: XSession) -> list[int]:
    return [
        wid
        for wid, ancestors in windows_of_class(session.display, "cuecards")
        if "trayer" in ancestors and is_viewable(session.display, wid)
    ]


def start(
    session: XSession,
    data_dir: Path,
    observer: XObserver,
    ready: XWindow,
    first_run: bool = True,
) -> subprocess.Popen[str]:
    """The app, started, docked in the tray and watching windows.

    On a first run the welcome card comes up; it is closed as a person would (Return on its
    "Got it"). Watching starts once the database and packs are open; until then a switch
    goes unseen, so `ready` (a window of the test pack's mail app) is activated until its
    card pops up, and a window without cards then takes the card away again.
    """
    since = observer.mark()
    proc = start_app(session.env(), data_dir)
    wait_for(lambda: docked(session) or proc.poll() is not None, "the tray icon")
    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    if first_run:
        welcome = wait_for(lambda: window_titled(session.display, WELCOME), "the welcome card")
        session.tool("xdotool", "windowactivate", "--sync", str(welcome), "key", "Return")
        wait_for(lambda: window_titled(session.display, WELCOME) is None, "the welcome to close")
    session.activate(ready)
    observer.wait("map", since, title=MAIL.popup)
    since = observer.mark()
    session.activate(blank(session))
    observer.wait("unmap", since)
    return proc


def blank(session: XSession) -> XWindow:
    """A window no card is for (one per session)."""
    global _BLANK
    if _BLANK is None or _BLANK[0] is not session:
        _BLANK = (session, session.spawn_window("blank", "e2e-blank"))
    return _BLANK[1]


_BLANK: tuple[XSession, XWindow] | None = None


def stop(proc: subprocess.Popen[str]) -> str:
    """SIGTERM; the app must quit cleanly. Returns what it printed on stderr."""
    code, out, err = stop_app(proc)
    assert code == 0, err
    assert "Traceback" not in err, err
    return out + err


def test_a_matching_window_shows_its_card_and_a_window_without_cards_shows_nothing(
    x_tray: XSession, observer: XObserver, spawn, tmp_path: Path
) -> None:
    prepare(tmp_path, demo=True)
    title = "Book1 - Excel"
    found = cuecards(tmp_path, "match", "--app", "excel", "--title", title, "--json")
    expected = json.loads(found.stdout)[0]
    assert expected["dwell"] is None  # the pacer offers the best card that is ready now
    mail = spawn("Inbox", MAIL.app)
    plain = spawn("notes.txt - Editor", "e2e-plain")
    excel = spawn(title, "Excel")
    proc = start(x_tray, tmp_path, observer, mail)
    try:
        since = observer.mark()
        x_tray.activate(plain)
        x_tray.activate(excel)
        shown = observer.wait("map", since, title=f"Cuecards: {expected['title']}")
        # The window without cards came first: had it shown anything, it would be listed.
        assert [s.title for s in observer.popups(since)] == [f"Cuecards: {expected['title']}"]
        assert "cuecards" in wm_class(x_tray.display, shown.wid)
        assert x_tray.active_window() == excel.wid  # the popup did not take focus

        def last_shown() -> tuple | None:
            shown_rows = [r for r in usage_rows(tmp_path) if r[2] == "shown"]
            return shown_rows[-1][3:6] if shown_rows else None

        wait_for(
            lambda: last_shown() == (expected["pack"], expected["card"], "excel"),
            "the show in the usage log, with app id excel",
        )
    finally:
        stop(proc)


def test_the_budget_holds_across_many_switches(
    x_tray: XSession, observer: XObserver, spawn, tmp_path: Path
) -> None:
    # Every switch below brings a new window with a card, no gap, no cooldown: only the
    # hour's cap of 3 stands between them and ten popups.
    prepare(tmp_path, **{"pacing.max_per_hour": "3"})
    mail = spawn("Inbox", MAIL.app)
    ledger = spawn("Ledger 2026", LEDGER.app)
    notes = spawn("Notes", NOTES.app)
    since = observer.mark()
    proc = start(x_tray, tmp_path, observer, mail)
    try:
        contexts = kinds(tmp_path).count("context")
        for i in range(10):
            x_tray.activate((ledger, notes)[i % 2])
        # Every switch reached the app: each one is in the usage log (app ids only).
        wait_for(
            lambda: kinds(tmp_path).count("context") >= contexts + 10, "ten more context events"
        )
        observer.settle()
        assert len(observer.popups(since)) == 3  # start-up included: the cap is per hour
        assert kinds(tmp_path).count("shown") == 3
    finally:
        stop(proc)


def test_dont_show_again_survives_a_restart(
    x_tray: XSession, observer: XObserver, spawn, tmp_path: Path
) -> None:
    prepare(tmp_path)
    mail = spawn("Inbox", MAIL.app)
    ledger = spawn("Ledger 2026", LEDGER.app)
    notes = spawn("Notes", NOTES.app)
    proc = start(x_tray, tmp_path, observer, mail)
    try:
        since = observer.mark()
        x_tray.activate(notes)
        popup = observer.wait("map", since, title=NOTES.popup)
        click_popup_button(x_tray, popup.wid, NOTES.title, NOTES.summary, "Don't show again")
        observer.wait("unmap", since)
        wait_for(lambda: "never" in kinds(tmp_path), "the choice in the usage log")
    finally:
        stop(proc)

    proc = start(x_tray, tmp_path, observer, mail, first_run=False)
    try:
        # The welcome card came once, on the first run; it would be up by now.
        assert window_titled(x_tray.display, WELCOME) is None
        since = observer.mark()
        for window in (ledger, notes, ledger):
            x_tray.activate(window)
        observer.wait("map", since, title=LEDGER.popup)
        wait_for(lambda: len(observer.popups(since)) >= 2, "the second ledger popup")
        # Notes came between the two ledger popups and brought nothing.
        assert [m.title for m in observer.popups(since)] == [LEDGER.popup, LEDGER.popup]
    finally:
        stop(proc)


def test_kill_9_loses_no_committed_event_and_the_app_restarts_cleanly(
    x_tray: XSession, observer: XObserver, spawn, tmp_path: Path
) -> None:
    prepare(tmp_path)
    windows = [spawn(f"{c.app} window", c.app) for c in (LEDGER, NOTES, MAIL)]
    proc = start(x_tray, tmp_path, observer, windows[2])
    stop_switching = threading.Event()
    try:
        for window in windows:
            since = observer.mark()
            x_tray.activate(window)
            observer.wait("map", since)
        committed = usage_rows(tmp_path)
        assert {"context", "matched", "shown"} <= {row[2] for row in committed}

        def switch() -> None:  # windows keep changing while the app dies
            i = 0
            while not stop_switching.is_set():
                x_tray.tool("xdotool", "windowactivate", str(windows[i % 3].wid))
                i += 1

        switcher = threading.Thread(target=switch, daemon=True)
        switcher.start()
        wait_for(lambda: len(usage_rows(tmp_path)) > len(committed) + 5, "more events")
        committed = usage_rows(tmp_path)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        stop_switching.set()
        switcher.join(timeout=30)
    finally:
        stop_switching.set()
        if proc.poll() is None:
            proc.kill()
        proc.communicate()

    after = usage_rows(tmp_path)
    assert after[: len(committed)] == committed
    assert not list(tmp_path.glob("*.corrupt-*"))

    # The dead instance's socket is no bar to a new one.
    proc = start(x_tray, tmp_path, observer, windows[2], first_run=False)
    try:
        since = observer.mark()
        x_tray.activate(windows[1])
        x_tray.activate(windows[0])
        observer.wait("map", since, title=LEDGER.popup)
    finally:
        printed = stop(proc)
    assert "could not be read" not in printed and "moved" not in printed
    assert usage_rows(tmp_path)[: len(committed)] == committed


def test_no_window_title_ever_reaches_the_disk(
    x_tray: XSession, observer: XObserver, spawn, tmp_path: Path
) -> None:
    prepare(tmp_path, demo=True)
    mail = spawn(f"{CANARY} Inbox", MAIL.app)
    budget = spawn(f"{CANARY} Budget.xlsx", LEDGER.app)
    other = spawn(f"{CANARY} private notes.txt", "e2e-plain")
    excel = spawn(f"{CANARY} Q3 pivot.xlsx - Excel", "Excel")
    proc = start(x_tray, tmp_path, observer, mail)
    try:
        since = observer.mark()
        x_tray.activate(budget)
        observer.wait("map", since, title=LEDGER.popup)
        x_tray.set_title(budget, f"{CANARY} Budget (2).xlsx")
        for window in (other, excel, budget):
            x_tray.activate(window)
        wait_for(
            lambda: sum(1 for r in usage_rows(tmp_path) if r[2] == "context") >= 4,
            "the switches in the usage log",
        )
        assert_no_canary(tmp_path)  # while running: the WAL holds the latest writes
    finally:
        printed = stop(proc)
    assert_no_canary(tmp_path)
    assert CANARY not in printed
    apps = {row[5] for row in usage_rows(tmp_path) if row[2] == "context"}
    assert apps <= {LEDGER.app, MAIL.app, "excel", "other"}


def assert_no_canary(data_dir: Path) -> None:
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert any(p.name == "cuecards.db" for p in files)
    leaks = [str(p) for p in files if CANARY.encode() in p.read_bytes()]
    assert leaks == []


def test_screenshots_of_the_popup_and_the_card_view(x_server_factory, tmp_path: Path) -> None:
    """On a clean private screen: the popup over the window it is for, then the card view
    opened from its "Open card" button (artifacts/popup.png, artifacts/cardview.png)."""
    session = x_server_factory()
    session.start_trayer()
    observer = XObserver(session.display).start()
    prepare(tmp_path, demo=True)
    title = "Book1 - Excel"
    found = cuecards(tmp_path, "match", "--app", "excel", "--title", title, "--json")
    top = json.loads(found.stdout)[0]
    mail = session.spawn_window("Inbox", MAIL.app)
    excel = session.spawn_window(title, "Excel")
    session.tool("xdotool", "windowsize", str(excel.wid), "900", "560")
    session.tool("xdotool", "windowmove", str(excel.wid), "40", "60")
    proc = start(session, tmp_path, observer, mail)
    try:
        since = observer.mark()
        session.activate(excel)
        popup = observer.wait("map", since, title=f"Cuecards: {top['title']}")
        ARTIFACTS.mkdir(exist_ok=True)
        session.tool("import", "-window", "root", str(ARTIFACTS / "popup.png"))
        click_popup_button(session, popup.wid, top["title"], top["summary"], "Open card")
        view = wait_for(
            lambda: window_titled(session.display, f"Cuecards card: {top['title']}"),
            "the card view",
        )
        assert "cuecards" in wm_class(session.display, view)
        wait_for(lambda: "opened" in kinds(tmp_path), "the opened card in the usage log")
        session.tool("import", "-window", "root", str(ARTIFACTS / "cardview.png"))
    finally:
        stop(proc)
        observer.stop()
