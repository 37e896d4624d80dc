"""The app icon, from the bundled PNGs (no SVG plugin needed at run time)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

SIZES = (16, 22, 24, 32, 48, 64, 128, 256)


def app_icon(icons_dir: Path) -> QIcon:
    """A multi-size QIcon so the tray and window manager pick a crisp size."""
    icon = QIcon()
    for size in SIZES:
        icon.addFile(str(icons_dir / f"cuecards-{size}.png"))
    return icon
