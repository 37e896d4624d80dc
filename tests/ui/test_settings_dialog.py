"""The settings dialog built from the typed schema: editors by type, locked rows, typed changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
)

from app.settings import SCHEMA, Policy, Settings
from app.ui.settings_dialog import (
    LOCKED_TIP,
    SettingsDialog,
    doc_hint,
    human_label,
    setting_rows,
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    policy = Policy(
        tmp_path / "policy.toml",
        locked={"upload.allowed": False, "packs.sources": ["https://packs.example/index.json"]},
        defaults={},
    )
    values = Settings(tmp_path, policy)
    values.set("pacing.max_per_hour", 3)
    return values


@pytest.fixture
def dialog(qtbot, settings: Settings) -> SettingsDialog:
    widget = SettingsDialog(setting_rows(settings))
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_every_setting_has_an_editor_of_its_type(dialog: SettingsDialog) -> None:
    expected = {bool: QCheckBox, int: QSpinBox, float: QDoubleSpinBox, list: QLineEdit}
    for setting in SCHEMA:
        editor = dialog.editors[setting.key]
        if setting.type is str:
            assert isinstance(editor, QComboBox if setting.choices else QLineEdit), setting.key
        else:
            assert isinstance(editor, expected[setting.type]), setting.key


def test_editors_show_the_effective_values_within_the_schema_bounds(dialog) -> None:
    hour = dialog.editors["pacing.max_per_hour"]
    assert hour.value() == 3
    assert (hour.minimum(), hour.maximum()) == (0, 60)
    assert dialog.editors["pacing.min_gap_minutes"].suffix() == " min"
    assert dialog.editors["packs.sources"].text() == "https://packs.example/index.json"
    kind = dialog.editors["upload.kind"]
    assert [kind.itemText(i) for i in range(kind.count())] == ["https", "xapi"]
    assert dialog.editors["packs.demo"].isChecked()


def test_settings_are_grouped_by_area_in_a_fixed_order(dialog: SettingsDialog) -> None:
    titles = [box.title() for box in dialog.findChildren(QGroupBox)]
    assert titles == [
        "When tips appear",
        "Search hotkey",
        "Card packs",
        "Sharing anonymised reports",
        "Usage log on this computer",
        "Desktop",
    ]


def test_labels_are_read_from_the_doc_line() -> None:
    doc = "Show nothing after this long without input (0: never quiet for idleness)."
    assert human_label(doc) == "Show nothing after this long without input"
    assert doc_hint(doc) == "0: never quiet for idleness."
    cohort = "Optional cohort label (e.g. a team), set by the admin policy only."
    assert human_label(cohort) == "Optional cohort label, set by the admin policy only"
    assert human_label("Upload sink.") == "Upload sink"
    assert doc_hint("Upload sink.") == ""


def test_every_control_has_a_screen_reader_name(dialog: SettingsDialog) -> None:
    for setting in SCHEMA:
        editor = dialog.editors[setting.key]
        assert editor.accessibleName() == human_label(setting.doc), setting.key
        assert editor.accessibleDescription() == setting.doc
    assert dialog.editors["ui.autostart"].text() == "Start Cuecards at login"


def test_locked_settings_are_shown_disabled_with_a_padlock(dialog: SettingsDialog) -> None:
    for key in ("upload.allowed", "packs.sources"):
        editor = dialog.editors[key]
        assert not editor.isEnabled()
        assert editor.toolTip() == LOCKED_TIP
        lock = dialog.locks[key]
        assert lock.isVisible()
        assert not lock.pixmap().isNull()
        assert lock.toolTip() == "Set by your administrator"
        assert lock.accessibleName() == "Locked: set by your administrator"
    assert dialog.editors["upload.enabled"].isEnabled()
    assert "upload.enabled" not in dialog.locks


def test_a_locked_setting_reports_no_change(qtbot, dialog: SettingsDialog) -> None:
    with qtbot.assertNotEmitted(dialog.changed):
        dialog.editors["upload.allowed"].setChecked(True)
        qtbot.mouseClick(dialog.editors["upload.allowed"], Qt.MouseButton.LeftButton)


def test_ticking_a_box_reports_a_bool(qtbot, dialog: SettingsDialog) -> None:
    box = dialog.editors["ui.autostart"]
    with qtbot.waitSignal(dialog.changed) as blocker:
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())
    assert blocker.args == ["ui.autostart", True]


def type_into(qtbot, editor, text: str) -> None:
    line = editor if isinstance(editor, QLineEdit) else editor.lineEdit()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def test_typing_a_whole_number_reports_an_int(qtbot, dialog: SettingsDialog) -> None:
    editor = dialog.editors["pacing.max_per_hour"]
    editor.setFocus()
    with qtbot.waitSignal(dialog.changed) as blocker:
        type_into(qtbot, editor, "7")
    assert blocker.args == ["pacing.max_per_hour", 7]
    assert type(blocker.args[1]) is int


def test_a_number_beyond_the_bounds_is_held_to_them(qtbot, dialog: SettingsDialog) -> None:
    editor = dialog.editors["pacing.max_per_hour"]
    with qtbot.waitSignal(dialog.changed) as blocker:
        editor.setValue(1000)
    assert blocker.args == ["pacing.max_per_hour", 60]


def test_typing_a_decimal_reports_a_float(qtbot, dialog: SettingsDialog) -> None:
    editor = dialog.editors["pacing.popup_seconds"]
    with qtbot.waitSignal(dialog.changed) as blocker:
        editor.setValue(20.5)
    assert blocker.args == ["pacing.popup_seconds", 20.5]
    assert type(blocker.args[1]) is float


def test_choosing_a_choice_reports_a_str(qtbot, dialog: SettingsDialog) -> None:
    with qtbot.waitSignal(dialog.changed) as blocker:
        dialog.editors["upload.kind"].setCurrentText("xapi")
    assert blocker.args == ["upload.kind", "xapi"]


def test_a_list_is_edited_as_comma_separated_text(qtbot, dialog: SettingsDialog) -> None:
    editor = dialog.editors["packs.trusted_keys"]
    editor.setFocus()
    with qtbot.waitSignal(dialog.changed) as blocker:
        type_into(qtbot, editor, "AAAA= , BBBB=,, ")
    assert blocker.args == ["packs.trusted_keys", ["AAAA=", "BBBB="]]


def test_text_is_reported_when_editing_finishes(qtbot, dialog: SettingsDialog) -> None:
    editor = dialog.editors["hotkey.palette"]
    editor.setFocus()
    with qtbot.waitSignal(dialog.changed) as blocker:
        type_into(qtbot, editor, "<ctrl>+<shift>+k")
    assert blocker.args == ["hotkey.palette", "<ctrl>+<shift>+k"]


def test_an_unchanged_value_is_not_reported_again(qtbot, dialog: SettingsDialog) -> None:
    editor = dialog.editors["hotkey.palette"]
    editor.setFocus()
    with qtbot.assertNotEmitted(dialog.changed):
        qtbot.keyClick(editor, Qt.Key.Key_Return)


def test_a_refused_value_is_explained_under_its_setting(qtbot, dialog: SettingsDialog) -> None:
    message = "hotkey.palette: '<bogus>' is not a key; use pynput names such as <ctrl>"
    dialog.show_error("hotkey.palette", message)
    error = dialog.errors["hotkey.palette"]
    assert error.isVisible()
    assert error.text() == message
    assert dialog.editors["hotkey.palette"].accessibleDescription() == message
    editor = dialog.editors["hotkey.palette"]
    editor.setFocus()
    with qtbot.waitSignal(dialog.changed):
        type_into(qtbot, editor, "<ctrl>+<alt>+k")
    assert not error.isVisible()


def test_the_hint_from_the_doc_is_shown(dialog: SettingsDialog) -> None:
    hints = [
        label.text() for label in dialog.findChildren(QLabel) if label.property("role") == "hint"
    ]
    assert "0: never quiet for idleness." in hints
