"""The watcher on a real KWin 5.27 (`kwin_wayland --virtual`): the KDE backend loads its
script into KWin, and `cuecards watch --json` and the tray's Qt driver follow real Wayland
windows. KWin 5.27 reports `clientActivated(null)` before every new active window: no line
may say "no window" between two windows, and closing the last window must."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.e2e.wayland import DEADLINE, REPO, follow_windows

pytestmark = pytest.mark.e2e


def test_watchers_follow_windows_titles_and_full_screen_on_kwin(kwin_session):
    rows = follow_windows(kwin_session)
    assert {r["backend"] for r in rows} == {"kde"}


def test_doctor_proves_kwin_delivers_events(kwin_session):
    done = subprocess.run(
        [sys.executable, "-m", "app", "doctor", "--json"],
        env={**kwin_session.client_env(), "PYTHONPATH": str(REPO)},
        cwd=REPO, capture_output=True, text=True, timeout=DEADLINE,
    )  # fmt: skip
    check = next(c for c in json.loads(done.stdout) if c["name"] == "watcher")
    assert check == {
        "name": "watcher",
        "status": "ok",
        "detail": "kde: kde watcher is receiving window events.",
    }
