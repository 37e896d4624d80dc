"""`make run` on a desktop: the tray icon docks in a real tray host, and quits cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.apps import is_viewable, start_app, stop_app, wait_for, windows_of_class

pytestmark = pytest.mark.e2e


def test_tray_icon_docks_in_the_tray_host_and_quits_on_sigterm(x_tray, tmp_path: Path) -> None:
    proc = start_app(x_tray.env(), tmp_path)
    try:

        def docked() -> list[int]:
            return [
                wid
                for wid, ancestors in windows_of_class(x_tray.display, "cuecards")
                if "trayer" in ancestors and is_viewable(x_tray.display, wid)
            ]

        assert wait_for(docked, "the Cuecards icon inside trayer's panel")
        artifacts = Path(__file__).resolve().parents[2] / "artifacts"
        artifacts.mkdir(exist_ok=True)
        x_tray.tool("import", "-window", "root", str(artifacts / "tray.png"))
    finally:
        code, _, err = stop_app(proc)
    assert code == 0, err
    assert "Traceback" not in err


def test_without_a_tray_host_a_window_says_so(x_server_factory, tmp_path: Path) -> None:
    session = x_server_factory()
    proc = start_app(session.env(), tmp_path)
    try:
        wait_for(
            lambda: [
                w
                for w, _ in windows_of_class(session.display, "cuecards")
                if is_viewable(session.display, w)
            ],
            "the fallback Cuecards window",
        )
    finally:
        code, _, err = stop_app(proc)
    assert code == 0
    assert "this desktop has no system tray" in err
