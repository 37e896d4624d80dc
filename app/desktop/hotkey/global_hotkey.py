"""The global hotkey that opens the palette, behind one small interface for every desktop.

`GlobalHotkey.register(combo, on_press)` picks the backend for this session (pynput on X11 and
Windows, Carbon on macOS, the XDG GlobalShortcuts portal on Wayland), and returns a
`HotkeyStatus` saying in plain words whether the hotkey works. `on_press` always runs on the Qt
thread: backends only emit a signal. A hotkey that cannot be registered is never silently lost:
the status (and the `failed` signal, for a desktop that answers later) carries what to do,
which is always at least "bind `cuecards palette` in your desktop's keyboard settings".
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

from PySide6.QtCore import QObject, Signal

from app.desktop.hotkey.base import HotkeyBackend, HotkeyStatus, HotkeyUnavailable
from app.desktop.hotkey.combo import Combo, ComboError, conflicts, parse_combo, platform_name

FALLBACK = (
    "add a shortcut in your desktop's keyboard settings that runs `cuecards palette`, "
    "or use Search… in the Cuecards tray menu"
)

FALLBACK_SENTENCE = FALLBACK[0].upper() + FALLBACK[1:] + "."


def is_wayland(environ: Mapping[str, str]) -> bool:
    """True in a Wayland session (where X11 key listening would only see XWayland windows)."""
    return bool(environ.get("WAYLAND_DISPLAY")) or environ.get("XDG_SESSION_TYPE") == "wayland"


def choose_backend(
    environ: Mapping[str, str], sys_platform: str
) -> tuple[str, Callable[[], HotkeyBackend]] | tuple[None, str]:
    """(backend name, factory) for this session, or (None, why there is none).

    Nothing is imported until the factory is called, so Windows code never loads elsewhere.
    """
    platform = platform_name(sys_platform)
    if platform == "macos":
        return "carbon", _carbon
    if platform == "windows":
        return "pynput", _pynput
    if is_wayland(environ):
        return "portal", _portal
    if environ.get("DISPLAY"):
        return "pynput", _pynput
    return None, "there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)"


def _pynput() -> HotkeyBackend:
    from app.desktop.hotkey.pynput import PynputHotkey

    return PynputHotkey()


def _carbon() -> HotkeyBackend:
    from app.desktop.hotkey.macos import CarbonHotkey

    return CarbonHotkey()


def _portal() -> HotkeyBackend:
    from app.desktop.hotkey.portal import PortalHotkey

    return PortalHotkey()


class GlobalHotkey(QObject):
    """The palette hotkey: `pressed` fires on the Qt thread; `failed` carries a late failure."""

    pressed = Signal()
    failed = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        environ: Mapping[str, str] | None = None,
        sys_platform: str | None = None,
        backend: HotkeyBackend | None = None,
    ) -> None:
        super().__init__(parent)
        self._environ = os.environ if environ is None else environ
        self._platform = sys.platform if sys_platform is None else sys_platform
        self._given = backend
        self._backend: HotkeyBackend | None = None
        self._on_press: Callable[[], None] | None = None

    def register(self, combo_text: str, on_press: Callable[[], None]) -> HotkeyStatus:
        """Listen for `combo_text` (the `hotkey.palette` setting) and call `on_press` on the
        Qt thread each time; replaces any earlier registration."""
        self.unregister()
        try:
            combo = parse_combo(combo_text)
        except ComboError as exc:
            return HotkeyStatus(False, f"{exc}. Until then, {FALLBACK}.")
        if self._given is not None:
            name, backend = self._given.name, self._given
        else:
            name, factory = choose_backend(self._environ, self._platform)
            if name is None:
                return HotkeyStatus(False, f"No global hotkey: {factory}. {FALLBACK_SENTENCE}")
            try:
                backend = factory()  # type: ignore[operator]
            except (HotkeyUnavailable, ImportError, OSError) as exc:
                return HotkeyStatus(False, _cannot(combo, name, exc), name)
        mac = platform_name(self._platform) == "macos"
        try:
            backend.start(combo, self.pressed.emit, self.failed.emit)
        except (HotkeyUnavailable, ImportError, OSError) as exc:
            return HotkeyStatus(False, _cannot(combo, name, exc, mac), name)
        self._backend = backend
        self._on_press = on_press
        self.pressed.connect(on_press)
        message = f"{combo.label(mac)} opens the search palette ({name})."
        clash = conflicts(combo, platform_name(self._platform))
        if clash:
            return HotkeyStatus(
                False,
                f"{combo.label(mac)} is registered ({name}), but on this system it also "
                f"{clash}; choose another in Settings (hotkey.palette).",
                name,
            )
        if name == "portal":
            message = f"{combo.label()} was proposed to the desktop (GlobalShortcuts portal)."
        return HotkeyStatus(True, message, name)

    def unregister(self) -> None:
        """Stop listening (nothing happens if nothing was registered)."""
        if self._backend is not None:
            self._backend.stop()
            self._backend = None
        if self._on_press is not None:
            self.pressed.disconnect(self._on_press)
            self._on_press = None


def _cannot(combo: Combo, backend: str, exc: BaseException, mac: bool = False) -> str:
    return f"{combo.label(mac)} cannot be registered ({backend}: {exc}). {FALLBACK_SENTENCE}"


def probe_hotkey(
    combo_text: str,
    environ: Mapping[str, str] | None = None,
    sys_platform: str | None = None,
) -> HotkeyStatus:
    """`cuecards doctor`'s check: would the hotkey work in this session? Registers it for a
    moment (X11, Windows, macOS); on Wayland only asks whether the portal offers
    GlobalShortcuts, since binding there may show the person a dialog."""
    environ = os.environ if environ is None else environ
    sys_platform = sys.platform if sys_platform is None else sys_platform
    try:
        combo = parse_combo(combo_text)
    except ComboError as exc:
        return HotkeyStatus(False, f"{exc}. Until then, {FALLBACK}.")
    name, _ = choose_backend(environ, sys_platform)
    if name == "portal":
        from app.desktop.hotkey.portal import PortalHotkey

        try:
            version = PortalHotkey().check()
        except HotkeyUnavailable as exc:
            return HotkeyStatus(False, _cannot(combo, name, exc), name)
        return HotkeyStatus(
            True,
            f"{combo.label()}: the desktop offers GlobalShortcuts (portal version {version}); "
            "it asks you to confirm the shortcut when Cuecards starts.",
            name,
        )
    hotkey = GlobalHotkey(environ=environ, sys_platform=sys_platform)
    status = hotkey.register(combo_text, lambda: None)
    hotkey.unregister()
    return status
