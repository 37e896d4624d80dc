"""Is there a display a GUI command can use? Answered from the environment, before Qt loads."""

from __future__ import annotations

import os
import sys


def display_problem() -> str | None:
    """One clear line when no display is reachable (so Qt never aborts), else None."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform.startswith(("offscreen", "minimal", "vnc")):
        return None
    if sys.platform.startswith(("win", "darwin")):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display: DISPLAY and WAYLAND_DISPLAY are unset; start Cuecards from a desktop "
        "session (or try the command line: cuecards search QUERY)"
    )
