"""The settings dialog, generated from rows the companion builds from the typed schema.

One editor per setting by type, grouped by key prefix, labelled from the setting's doc line.
Settings the administrator's policy fixes are shown but locked. Edits apply at once: each is
reported with `changed(key, value)` (typed), and the companion answers with `show_error` when
it refuses a value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.settings import Settings
from app.ui import theme

LOCKED_TIP = "Set by your administrator"
GROUPS = {
    "pacing": "When tips appear",
    "hotkey": "Search hotkey",
    "packs": "Card packs",
    "upload": "Sharing anonymised reports",
    "usage": "Usage log on this computer",
    "ui": "Desktop",
}
UNITS = {"_seconds": " s", "_minutes": " min", "_hours": " h", "_days": " days"}
_INT_LIMIT = 2**31 - 1
_PARENTHESIS = re.compile(r"\s*\(([^()]*)\)")
# A sentence ends at ". " unless the stop belongs to an abbreviation such as "e.g.".
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)\.\s+")
LABEL_WIDTH = 230


@dataclass(frozen=True)
class SettingRow:
    """One setting as the dialog shows it; `type_name` is bool, int, float, str or list."""

    key: str
    doc: str
    type_name: str
    value: object
    default: object
    locked: bool = False
    choices: Sequence[str] = field(default_factory=tuple)
    minimum: float | None = None
    maximum: float | None = None


def setting_rows(settings: Settings) -> list[SettingRow]:
    """One row per schema setting with its effective value and whether policy locks it."""
    return [
        SettingRow(
            key=setting.key,
            doc=setting.doc,
            type_name=setting.type.__name__,
            value=value,
            default=setting.default,
            locked=settings.is_locked(setting.key),
            choices=setting.choices,
            minimum=setting.minimum,
            maximum=setting.maximum,
        )
        for setting, value in settings.items()
    ]


def _sentences(doc: str) -> list[str]:
    return [part for part in _SENTENCE_END.split(doc.strip(), maxsplit=1) if part]


def human_label(doc: str) -> str:
    """The label for a doc line: its first sentence without parentheses or the final stop."""
    first = _sentences(doc)[0] if doc.strip() else ""
    return _PARENTHESIS.sub("", first).strip().rstrip(".").strip()


def doc_hint(doc: str) -> str:
    """What the doc line says beyond the label (parenthesised notes, further sentences)."""
    sentences = _sentences(doc) or [""]
    notes = _PARENTHESIS.findall(sentences[0])
    parts = [note[0].upper() + note[1:] for note in notes if note] + sentences[1:]
    return " ".join(p if p.endswith(".") else p + "." for p in parts)


def group_title(prefix: str) -> str:
    return GROUPS.get(prefix, prefix.replace("_", " ").capitalize())


def format_value(type_name: str, value: object) -> str:
    """A value as the person reads it (lists comma-separated, booleans on/off)."""
    if type_name == "list":
        return ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    if type_name == "bool":
        return "on" if value else "off"
    return "" if value is None else str(value)


class SettingsDialog(QDialog):
    """Every setting with an editor for its type; locked ones disabled with a padlock."""

    changed = Signal(str, object)

    def __init__(self, rows: list[SettingRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cuecards settings")
        self.setAccessibleName("Cuecards settings")
        self.setObjectName("cuecards-settings")
        self.rows = {row.key: row for row in rows}
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.locks: dict[str, QLabel] = {}
        self._last: dict[str, object] = {row.key: row.value for row in rows}
        self._scheme = theme.current_scheme()

        content = QWidget()
        content.setObjectName("settings-content")
        column = QVBoxLayout(content)
        column.setSpacing(14)
        for prefix, group in self._grouped(rows):
            column.addWidget(self._group(prefix, group))
        column.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        scroll.setAccessibleName("Settings")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close settings")
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        note = QLabel("Changes apply at once.")
        note.setObjectName("note")
        note.setAccessibleName(note.text())
        bottom = QHBoxLayout()
        bottom.addWidget(note)
        bottom.addStretch(1)
        bottom.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(bottom)
        s = self._scheme
        self.setStyleSheet(
            f"""
QGroupBox {{ font-weight: 600; border: 1px solid {s.border}; border-radius: 8px;
             margin-top: 14px; padding: 6px 10px 8px 10px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; }}
QLabel {{ font-weight: normal; }}
QLabel[role="hint"], QLabel#note {{ color: {s.muted}; }}
QLabel[role="error"] {{ color: #b3261e; }}
QLabel[role="locked"] {{ color: {s.muted}; }}
"""
        )
        self.resize(620, 640)

    # The companion's interface.

    def show_error(self, key: str, message: str) -> None:
        """Say under the setting why its value was refused (empty message clears it)."""
        label = self.errors.get(key)
        if label is None:
            return
        if message:
            self._last.pop(key, None)  # the same value entered again is reported again
        label.setText(message)
        label.setAccessibleName(message)
        label.setVisible(bool(message))
        editor = self.editors[key]
        editor.setAccessibleDescription(message or self.rows[key].doc)

    def value_of(self, key: str) -> object:
        """The value the editor for `key` holds now, typed."""
        return self._read(self.rows[key], self.editors[key])

    # Building.

    @staticmethod
    def _grouped(rows: list[SettingRow]) -> list[tuple[str, list[SettingRow]]]:
        groups: dict[str, list[SettingRow]] = {}
        for row in rows:
            groups.setdefault(row.key.split(".")[0], []).append(row)
        known = [p for p in GROUPS if p in groups]
        others = [p for p in groups if p not in GROUPS]
        return [(p, groups[p]) for p in known + others]

    def _group(self, prefix: str, rows: list[SettingRow]) -> QGroupBox:
        box = QGroupBox(group_title(prefix))
        box.setAccessibleName(group_title(prefix))
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(8)
        for row in rows:
            self._add_row(form, row)
        return box

    def _add_row(self, form: QFormLayout, row: SettingRow) -> None:
        label_text = human_label(row.doc)
        editor = self._editor(row, label_text)
        editor.setObjectName(row.key)
        editor.setAccessibleName(label_text)
        editor.setAccessibleDescription(row.doc)
        tip = f"{row.doc}\nDefault: {format_value(row.type_name, row.default)}  ({row.key})"
        editor.setToolTip(tip)
        self.editors[row.key] = editor

        field_box = QWidget()
        field_layout = QVBoxLayout(field_box)
        field_layout.setContentsMargins(0, 0, 0, 0)
        field_layout.setSpacing(2)
        line = QHBoxLayout()
        line.setSpacing(6)
        if isinstance(editor, QLineEdit):
            line.addWidget(editor, 1)
        else:
            line.addWidget(editor)
            line.addStretch(1)
        if row.locked:
            editor.setEnabled(False)
            editor.setToolTip(LOCKED_TIP)
            lock = QLabel()
            lock.setProperty("role", "locked")
            ratio = self.devicePixelRatioF()
            lock.setPixmap(theme.lock_pixmap(14, self._scheme.muted, ratio))
            lock.setToolTip(LOCKED_TIP)
            lock.setAccessibleName(f"Locked: {LOCKED_TIP.lower()}")
            locked_text = QLabel("Locked")
            locked_text.setProperty("role", "locked")
            locked_text.setToolTip(LOCKED_TIP)
            locked_text.setAccessibleName(f"Locked: {LOCKED_TIP.lower()}")
            line.addWidget(lock)
            line.addWidget(locked_text)
            self.locks[row.key] = lock
        field_layout.addLayout(line)
        hint = doc_hint(row.doc)
        if hint:
            hint_label = QLabel(hint)
            hint_label.setProperty("role", "hint")
            hint_label.setWordWrap(True)
            hint_label.setAccessibleName(hint)
            field_layout.addWidget(hint_label)
        error = QLabel()
        error.setProperty("role", "error")
        error.setWordWrap(True)
        error.setVisible(False)
        field_layout.addWidget(error)
        self.errors[row.key] = error

        if row.type_name == "bool":
            form.addRow(field_box)
            return
        label = QLabel(label_text)
        label.setWordWrap(True)
        label.setBuddy(editor)
        label.setToolTip(LOCKED_TIP if row.locked else tip)
        label.setFixedWidth(LABEL_WIDTH)
        form.addRow(label, field_box)

    def _editor(self, row: SettingRow, label: str) -> QWidget:
        kind, value = row.type_name, row.value
        if kind == "bool":
            box = QCheckBox(label)
            box.setChecked(bool(value))
            box.toggled.connect(lambda _=False, r=row, w=box: self._commit(r, w))
            return box
        if kind in ("int", "float"):
            unit = next((u for suffix, u in UNITS.items() if row.key.endswith(suffix)), "")
            if kind == "int":
                spin: QSpinBox | QDoubleSpinBox = QSpinBox()
                low, high = -_INT_LIMIT, _INT_LIMIT
            else:
                spin = QDoubleSpinBox()
                fractional = row.minimum is not None and row.minimum != int(row.minimum)
                spin.setDecimals(2 if fractional else 1)
                low, high = -1e12, 1e12
            spin.setRange(
                row.minimum if row.minimum is not None else low,
                row.maximum if row.maximum is not None else high,
            )
            spin.setSuffix(unit)
            spin.setKeyboardTracking(False)
            spin.setValue(value)  # type: ignore[arg-type]
            spin.setMinimumWidth(120)
            spin.setMaximumWidth(160)
            spin.valueChanged.connect(lambda _=0, r=row, w=spin: self._commit(r, w))
            return spin
        if kind == "str" and row.choices:
            combo = QComboBox()
            combo.addItems(list(row.choices))
            combo.setCurrentText(str(value))
            combo.setMinimumWidth(120)
            combo.setMaximumWidth(200)
            combo.currentTextChanged.connect(lambda _="", r=row, w=combo: self._commit(r, w))
            return combo
        edit = QLineEdit(format_value(kind, value))
        if kind == "list":
            edit.setPlaceholderText("none (separate entries with commas)")
        edit.editingFinished.connect(lambda r=row, w=edit: self._commit(r, w))
        return edit

    # Editing.

    @staticmethod
    def _read(row: SettingRow, editor: QWidget) -> object:
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QSpinBox):
            return int(editor.value())
        if isinstance(editor, QDoubleSpinBox):
            return float(editor.value())
        if isinstance(editor, QComboBox):
            return editor.currentText()
        text = editor.text() if isinstance(editor, QLineEdit) else ""
        if row.type_name == "list":
            return [part.strip() for part in text.split(",") if part.strip()]
        return text.strip()

    def _commit(self, row: SettingRow, editor: QWidget) -> None:
        if row.locked:
            return
        value = self._read(row, editor)
        if value == self._last.get(row.key):
            return
        self._last[row.key] = value
        self.show_error(row.key, "")
        self.changed.emit(row.key, value)
