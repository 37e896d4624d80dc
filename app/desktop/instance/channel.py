"""Open the single-instance channel for this OS; the backend is imported only when chosen."""

from __future__ import annotations

import sys
from pathlib import Path

from app.desktop.instance.base import SingleInstance


def open_instance(data_dir: Path) -> SingleInstance:
    """The single-instance channel for this user and data directory, for this OS."""
    if sys.platform == "win32":
        from app.desktop.instance.qt import LocalServerInstance

        return LocalServerInstance(data_dir)
    from app.desktop.instance.unix import UnixSocketInstance

    return UnixSocketInstance(data_dir)
