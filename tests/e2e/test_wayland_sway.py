"""The watcher on a real sway (headless): `cuecards watch --json` and the tray's Qt driver on
the sway backend, with real Wayland windows, focus, titles, full screen and closing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.e2e.compositors import SwaySession
from tests.e2e.wayland import DEADLINE, REPO, Compositor, Watchers, follow_windows, stop_group

pytestmark = pytest.mark.e2e


def batches(session: Compositor, watchers: Watchers) -> None:
    """sway runs a command list in one go and its IPC events arrive as one batch; then foot,
    a real terminal, opens and closes."""
    assert isinstance(session, SwaySession)
    session.msg("[app_id=alpha] focus; [app_id=beta] focus; [app_id=alpha] focus")
    watchers.expect("alpha", "Alpha notes ✓ saved")  # one line, not three
    session.msg("[app_id=beta] focus; [app_id=alpha] focus")  # ends where it began
    session.activate("beta")
    watchers.expect("beta", "Beta — budget (edited)")  # the next line: nothing came between
    terminal = subprocess.Popen(
        ["foot", "--app-id=foot-notes", "--title=notes.md - foot", "sleep", "infinity"],
        env=session.client_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:  # a terminal that is not ours: its executable is named from its pid
        row = watchers.expect("foot-notes", "notes.md - foot")
        assert (row["pid"], row["exe"]) == (terminal.pid, "foot")
    finally:
        stop_group(terminal)
    watchers.expect("beta", "Beta — budget (edited)")  # focus falls back when it closes


def test_watchers_follow_windows_titles_and_full_screen_on_sway(sway_session):
    rows = follow_windows(sway_session, batches)
    assert {r["backend"] for r in rows} == {"sway"}


def test_doctor_proves_sway_delivers_events(sway_session):
    done = subprocess.run(
        [sys.executable, "-m", "app", "doctor", "--json"],
        env={**sway_session.client_env(), "PYTHONPATH": str(REPO)},
        cwd=REPO, capture_output=True, text=True, timeout=DEADLINE,
    )  # fmt: skip
    check = next(c for c in json.loads(done.stdout) if c["name"] == "watcher")
    assert check == {
        "name": "watcher",
        "status": "ok",
        "detail": "sway: sway watcher is receiving window events.",
    }
