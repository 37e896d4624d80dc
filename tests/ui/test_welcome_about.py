"""The first-run welcome card and the About box."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app import __version__
from app.ui.about import show_about
from app.ui.welcome import WelcomeDialog, hotkey_keys


def test_hotkeys_are_shown_as_keycap_names() -> None:
    assert hotkey_keys("<ctrl>+<alt>+<space>") == ["Ctrl", "Alt", "Space"]
    assert hotkey_keys("<ctrl>+<shift>+k") == ["Ctrl", "Shift", "K"]
    assert hotkey_keys("<alt_gr>+<f1>") == ["AltGr", "F1"]


def test_welcome_explains_what_it_does_records_and_how_to_quiet_it(qtbot) -> None:
    dialog = WelcomeDialog("<ctrl>+<shift>+k")
    qtbot.addWidget(dialog)
    dialog.show()
    titles = [label.accessibleName() for label in dialog.section_labels]
    assert titles == [
        "What it does",
        "Search any time",
        "Quiet when you need it",
        "What it records",
    ]
    descriptions = " ".join(label.accessibleDescription() for label in dialog.section_labels)
    assert "Press Ctrl+Shift+K to search every card." in descriptions
    assert "Never window titles, file names or keystrokes." in descriptions
    assert "snooze" in descriptions
    assert dialog.hotkey_text == "Ctrl+Shift+K"


def test_got_it_accepts_and_closes(qtbot) -> None:
    dialog = WelcomeDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.got_it.text() == "Got it"
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.got_it, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_about_names_the_version_without_blocking(qtbot) -> None:
    dialog = show_about(None, __version__)
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    assert dialog.name.text() == f"Cuecards {__version__}"
    assert "MIT" in dialog.details.text()
    assert dialog.close_button.accessibleName() == "Close about"
