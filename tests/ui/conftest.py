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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.ui)
            item.add_marker(pytest.mark.qt_log_ignore(r"^This plugin does not support"))
