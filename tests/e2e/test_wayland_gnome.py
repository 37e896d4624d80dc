"""The watcher on a real GNOME Shell 43 (headless, virtual monitor): the extension in the
format GNOME 42-44 loads, installed by the backend's own installer, reports to the GNOME
backend, and `cuecards watch --json` and the tray's Qt driver follow real Wayland windows."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.desktop.watch import gnome_extension
from tests.e2e.wayland import ARTIFACTS, DEADLINE, REPO, follow_windows

pytestmark = pytest.mark.e2e


def test_the_shell_runs_the_extension_format_it_loads(gnome_session):
    """GNOME 43 marks a 45+ module out of date: the installed one is the 42-44 script."""
    assert gnome_session.version.split(".")[0] in ("42", "43", "44")
    state = gnome_session.eval(
        f"Main.extensionManager.lookup({json.dumps(gnome_extension.UUID)}).state"
    )
    assert state == "1"  # ExtensionState.ENABLED: loaded and running, not OUT_OF_DATE (3)


def test_watchers_follow_windows_titles_and_full_screen_on_gnome(gnome_session):
    rows = follow_windows(gnome_session)
    assert {r["backend"] for r in rows} == {"gnome"}
    assert (ARTIFACTS / "wayland-gnome.png").stat().st_size > 0


def test_doctor_finds_the_gnome_extension(gnome_session):
    done = subprocess.run(
        [sys.executable, "-m", "app", "doctor", "--json"],
        env={**gnome_session.client_env(), "PYTHONPATH": str(REPO)},
        cwd=REPO, capture_output=True, text=True, timeout=DEADLINE,
    )  # fmt: skip
    check = next(c for c in json.loads(done.stdout) if c["name"] == "watcher")
    assert check["status"] == "ok"
    assert check["detail"].startswith("gnome: gnome watcher ")
