"""Where Cuecards keeps its state and finds its bundled resources."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "cuecards"
DB_FILE = "cuecards.db"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: `--data-dir`, else `$CUECARDS_DATA_DIR`, else the OS's user data dir."""
    chosen = override or os.environ.get("CUECARDS_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser()
    import platformdirs  # lazy: a few ms we only pay when no directory was given

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def packaged() -> bool:
    """True in the installed app (the PyInstaller bundle), False when run from a checkout."""
    return bool(getattr(sys, "frozen", False))


def resources_dir() -> Path:
    """The `resources/` folder, next to the package in a checkout or inside a frozen bundle."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


DEMO_PACK_ID = "cuecards.demo"  # the id in resources/packs/demo/pack.yaml (a test checks)


def demo_pack_dir() -> Path:
    """The bundled demo pack that a fresh install starts with."""
    return resources_dir() / "packs" / "demo"


def self_command() -> list[str]:
    """The command that runs this same Cuecards again: the frozen launcher or `python -m app`."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "app"]
