"""The tray app and `ui.autostart`: ticking *Start Cuecards at login* in Settings adds or removes
the session's autostart entry at once, and a failure to write it is shown beside the setting."""

from __future__ import annotations

from pathlib import Path

import tests.ui.test_companion as base
from tests.ui.test_companion import FakeDialog

# The offscreen companion of the companion tests, with its fake clock.
companion = base.companion
clock = base.clock


def test_the_setting_adds_and_removes_the_login_entry_at_once(
    companion,
    tmp_path: Path,
    monkeypatch,
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "no-system"))
    entry = tmp_path / "config" / "autostart" / "cuecards.desktop"
    dialog = FakeDialog()
    companion.change_setting(dialog, "ui.autostart", True)
    assert "Exec=" in entry.read_text() and dialog.errors == []
    companion.change_setting(dialog, "ui.autostart", False)
    assert not entry.exists() and dialog.errors == []


def test_a_login_entry_that_cannot_be_written_is_shown_beside_the_setting(
    companion,
    tmp_path: Path,
    monkeypatch,
) -> None:
    (tmp_path / "config").write_text("a file where the folder should be")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    dialog = FakeDialog()
    companion.change_setting(dialog, "ui.autostart", True)
    ((key, message),) = dialog.errors
    assert key == "ui.autostart"
    assert message.startswith("cannot add Cuecards to the programs started at login")
