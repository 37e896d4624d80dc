"""`Cuecards: <title>` names a popup and nothing else: observers (and people's window
managers) find popups by that prefix, so no other window may start with it."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.ui.packs_window import PacksWindow
from app.ui.recent import RecentWindow
from app.ui.records import RecordsWindow
from app.ui.settings_dialog import SettingsDialog
from app.ui.welcome import WelcomeDialog


def test_only_popups_take_the_popup_prefix(qtbot: QtBot) -> None:
    windows = [PacksWindow(), RecentWindow(), RecordsWindow(), SettingsDialog([]), WelcomeDialog()]
    for window in windows:
        qtbot.addWidget(window)
        assert "Cuecards" in window.windowTitle()  # people can tell whose window it is
        assert not window.windowTitle().startswith("Cuecards: "), window.windowTitle()
