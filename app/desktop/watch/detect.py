"""Pick the active-window backend for this session, and say why, from the environment alone.

Order: `CUECARDS_WATCHER` (force a backend by name, for diagnosis), then the platform
(`win32` → windows, `darwin` → macos), then on Linux/BSD a Wayland session
(`WAYLAND_DISPLAY` or `XDG_SESSION_TYPE=wayland`) → sway (`SWAYSOCK`), Hyprland
(`HYPRLAND_INSTANCE_SIGNATURE`), KDE or GNOME (`XDG_CURRENT_DESKTOP`); an X11 session
(`DISPLAY`) → x11. A Wayland session with none of those is *not* handed to the X11 backend:
through XWayland it would see only X11 windows and silently miss the rest.

Nothing is imported or connected here: a `Detection`'s `factory` imports its backend module
when called, so Windows code never loads on Linux, and may raise `BackendUnavailable` with
what to install or enable. With nothing usable, `factory` is None and `reason` says what to
do; Cuecards then still works through the hotkey palette.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from app.desktop.watch.base import WatcherBackend

BACKENDS = ("x11", "windows", "macos", "sway", "hyprland", "kde", "gnome")
HOTKEY_NOTE = "Cuecards still works through the search hotkey."


@dataclass(frozen=True, slots=True)
class Detection:
    """The chosen backend's name, a sentence saying why, and how to start it (None: none)."""

    backend_name: str | None
    reason: str
    factory: Callable[[], WatcherBackend] | None


def _x11() -> WatcherBackend:
    from app.desktop.watch.x11 import X11Watcher

    return X11Watcher()


def _windows() -> WatcherBackend:
    from app.desktop.watch.windows import WindowsWatcher

    return WindowsWatcher()


def _macos() -> WatcherBackend:
    from app.desktop.watch.macos import MacWatcher

    return MacWatcher()


def _sway() -> WatcherBackend:
    from app.desktop.watch.sway import SwayWatcher

    return SwayWatcher()


def _hyprland() -> WatcherBackend:
    from app.desktop.watch.hyprland import HyprlandWatcher

    return HyprlandWatcher()


def _kde() -> WatcherBackend:
    from app.desktop.watch.kde import KWinWatcher

    return KWinWatcher()


def _gnome() -> WatcherBackend:
    from app.desktop.watch.gnome import GnomeWatcher

    return GnomeWatcher()


FACTORIES: dict[str, Callable[[], WatcherBackend]] = {
    "x11": _x11,
    "windows": _windows,
    "macos": _macos,
    "sway": _sway,
    "hyprland": _hyprland,
    "kde": _kde,
    "gnome": _gnome,
}


def _desktops(env: Mapping[str, str]) -> list[str]:
    raw = env.get("XDG_CURRENT_DESKTOP", "") or env.get("XDG_SESSION_DESKTOP", "")
    return [part.strip().lower() for part in raw.split(":") if part.strip()]


def detect(env: Mapping[str, str] | None = None, platform: str | None = None) -> Detection:
    """Choose a backend for `env` (default `os.environ`) on `platform` (default sys.platform)."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform

    forced = env.get("CUECARDS_WATCHER", "").strip().lower()
    if forced:
        if forced in FACTORIES:
            return Detection(
                forced, f"CUECARDS_WATCHER={forced} forces this backend", FACTORIES[forced]
            )
        return Detection(
            None,
            f"CUECARDS_WATCHER={forced!r} is not a watcher backend; use one of "
            f"{', '.join(BACKENDS)} or unset it",
            None,
        )

    if platform == "win32":
        return Detection("windows", "Windows: SetWinEventHook foreground/name events", _windows)
    if platform == "darwin":
        return Detection(
            "macos", "macOS: NSWorkspace activation + Accessibility title observer", _macos
        )

    session = env.get("XDG_SESSION_TYPE", "").strip().lower()
    wayland = bool(env.get("WAYLAND_DISPLAY")) or session == "wayland"
    desktops = _desktops(env)
    if wayland:
        if env.get("SWAYSOCK"):
            return Detection("sway", f"Wayland with SWAYSOCK={env['SWAYSOCK']}: sway IPC", _sway)
        if env.get("HYPRLAND_INSTANCE_SIGNATURE"):
            return Detection(
                "hyprland", "Wayland with HYPRLAND_INSTANCE_SIGNATURE: Hyprland socket2", _hyprland
            )
        if "kde" in desktops:
            return Detection(
                "kde", "Wayland on KDE Plasma: a KWin script reporting over D-Bus", _kde
            )
        if "gnome" in desktops:
            return Detection(
                "gnome", "Wayland on GNOME: the Cuecards shell extension over D-Bus", _gnome
            )
        desktop = ":".join(desktops) or "unknown"
        return Detection(
            None,
            f"Wayland session on desktop {desktop!r}: no supported way to see the active "
            "window. Supported on Wayland: sway (SWAYSOCK), Hyprland, KDE Plasma and GNOME "
            "(with the Cuecards shell extension); or choose an X11 session at the login "
            f"screen. {HOTKEY_NOTE}",
            None,
        )
    if env.get("DISPLAY"):
        how = f"XDG_SESSION_TYPE={session}" if session else "no XDG_SESSION_TYPE"
        return Detection(
            "x11", f"X11 session (DISPLAY={env['DISPLAY']}, {how}): EWMH property events", _x11
        )
    return Detection(
        None,
        "no graphical session: neither DISPLAY nor WAYLAND_DISPLAY is set (run Cuecards "
        f"inside your desktop session, not over plain SSH). {HOTKEY_NOTE}",
        None,
    )
