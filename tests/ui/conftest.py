"""Widget tests run offscreen: no X server, no window manager.

The offscreen platform lacks a few window-system features (raise, masks, size hints) and
says so with a Qt warning; those warnings are about the test platform, not the app, so they
are ignored here while every other Qt warning still fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["QT_QPA_PLATFORM"] = "offscreen"

HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _no_real_display(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Widget tests never reach a real display, even when an e2e session fixture has set
    DISPLAY for the whole run: a hotkey or watcher they build must not grab keys on it."""
    if HERE in Path(str(request.node.fspath)).resolve().parents:
        monkeypatch.delenv("DISPLAY", raising=False)
        monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.ui)
            item.add_marker(pytest.mark.qt_log_ignore(r"^This plugin does not support"))
