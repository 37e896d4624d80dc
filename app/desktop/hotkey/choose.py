"""Which hotkey backend a session tries, in which order, and what each one observes.

Native backends (XGrabKey on X11, RegisterHotKey on Windows, Carbon on macOS, the portal on
Wayland) receive only the combination; pynput listens to every key to find it, so it is only
the fallback, and the `hotkey.backend` setting can forbid or force it. Pure Python, no Qt.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.desktop.hotkey.combo import platform_name

PREFERENCES = ("auto", "native", "pynput")
NO_DISPLAY = "there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)"
EVERY_KEY = "every key pressed in any application"


def is_wayland(environ: Mapping[str, str]) -> bool:
    """True in a Wayland session (where X11 key listening would only see XWayland windows)."""
    return bool(environ.get("WAYLAND_DISPLAY")) or environ.get("XDG_SESSION_TYPE") == "wayland"


def choose_backend(
    environ: Mapping[str, str], sys_platform: str, preference: str = "auto"
) -> tuple[str, ...]:
    """Backend names to try in order (`hotkey.backend`: `auto` falls back to pynput only when
    the native one is unavailable, never when the combination is taken); () without a display.

    macOS always uses Carbon (pynput's event tap crashes Qt and needs a permission) and
    Wayland the portal (pynput would only hear XWayland windows there).
    """
    platform = platform_name(sys_platform)
    if platform == "macos":
        return ("carbon",)
    if platform == "windows":
        native = "registerhotkey"
    elif is_wayland(environ):
        return ("portal",)
    elif environ.get("DISPLAY"):
        native = "xgrabkey"
    else:
        return ()
    if preference == "pynput":
        return ("pynput",)
    if preference == "native":
        return (native,)
    return (native, "pynput")


def observes(backend: str, label: str) -> str:
    """What the backend receives, in words for `doctor`: `only Ctrl+Alt+Space` or every key."""
    if backend == "pynput":
        return EVERY_KEY
    if backend == "portal":
        return f"only the shortcut the desktop binds for it ({label} proposed)"
    return f"only {label}"
