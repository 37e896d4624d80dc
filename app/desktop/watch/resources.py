"""Where the desktop extras shipped in `resources/desktop/` (KWin script, GNOME extension) are."""

from __future__ import annotations

import sys
from pathlib import Path


def desktop_resource(*parts: str) -> Path:
    """Path of a file under resources/desktop, in a source checkout or a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    root = Path(bundle) if bundle else Path(__file__).resolve().parents[3]
    return root.joinpath("resources", "desktop", *parts)
