"""The global hotkey that opens the palette, behind one small interface for every desktop.

`GlobalHotkey.register(combo, on_press)` picks the backend for this session and the
`hotkey.backend` setting (XGrabKey on X11 and RegisterHotKey on Windows, which receive only the
combination; Carbon on macOS; the XDG GlobalShortcuts portal on Wayland; pynput, which hears
every key, as the fallback), and returns a `HotkeyStatus` saying in plain words whether the
hotkey works and what it observes. `on_press` always runs on the Qt thread: backends only emit
a signal. A hotkey that cannot be registered is never silently lost: the status (and the
`failed` signal, for a desktop that answers later) carries what to do, which is always at least
"bind `cuecards palette` in your desktop's keyboard settings".
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

from PySide6.QtCore import QObject, Signal

from app.desktop.hotkey.base import (
    HotkeyBackend,
    HotkeyStatus,
    HotkeyTaken,
    HotkeyUnavailable,
    NotOnKeyboard,
)
from app.desktop.hotkey.choose import (
    NO_DISPLAY,
    PREFERENCES,
    choose_backend,
    is_wayland,
    observes,
)
from app.desktop.hotkey.combo import Combo, ComboError, conflicts, parse_combo, platform_name

__all__ = ["GlobalHotkey", "choose_backend", "is_wayland", "probe_hotkey"]

FALLBACK = (
    "add a shortcut in your desktop's keyboard settings that runs `cuecards palette`, "
    "or use Search… in the Cuecards tray menu"
)

FALLBACK_SENTENCE = FALLBACK[0].upper() + FALLBACK[1:] + "."

Factory = Callable[[Mapping[str, str]], HotkeyBackend]


def _xgrabkey(environ: Mapping[str, str]) -> HotkeyBackend:
    from app.desktop.hotkey.x11 import X11GrabHotkey

    return X11GrabHotkey(environ.get("DISPLAY") or None)


def _registerhotkey(_environ: Mapping[str, str]) -> HotkeyBackend:
    from app.desktop.hotkey.windows import WindowsHotkey

    return WindowsHotkey()


def _pynput(_environ: Mapping[str, str]) -> HotkeyBackend:
    from app.desktop.hotkey.pynput import PynputHotkey

    return PynputHotkey()


def _carbon(_environ: Mapping[str, str]) -> HotkeyBackend:
    from app.desktop.hotkey.macos import CarbonHotkey

    return CarbonHotkey()


def _portal(_environ: Mapping[str, str]) -> HotkeyBackend:
    from app.desktop.hotkey.portal import PortalHotkey

    return PortalHotkey()


# Nothing is imported until a factory is called, so Windows code never loads elsewhere.
FACTORIES: dict[str, Factory] = {
    "xgrabkey": _xgrabkey,
    "registerhotkey": _registerhotkey,
    "pynput": _pynput,
    "carbon": _carbon,
    "portal": _portal,
}


class GlobalHotkey(QObject):
    """The palette hotkey: `pressed` fires on the Qt thread; `failed` carries a late failure.

    One instance serves the whole run: `register` again (or `unregister`, then `register`)
    when `hotkey.palette` or `hotkey.backend` changes.
    """

    pressed = Signal()
    failed = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        environ: Mapping[str, str] | None = None,
        sys_platform: str | None = None,
        backend: HotkeyBackend | None = None,
        preference: str = "auto",
    ) -> None:
        super().__init__(parent)
        self._environ = os.environ if environ is None else environ
        self._platform = sys.platform if sys_platform is None else sys_platform
        self._given = backend
        self._backend: HotkeyBackend | None = None
        self._on_press: Callable[[], None] | None = None
        self.preference = preference

    @property
    def preference(self) -> str:
        """The `hotkey.backend` setting: `auto`, `native` or `pynput`; used by the next
        `register`."""
        return self._preference

    @preference.setter
    def preference(self, value: str) -> None:
        if value not in PREFERENCES:
            raise ValueError(f"hotkey.backend: expected one of {', '.join(PREFERENCES)}")
        self._preference = value

    def register(self, combo_text: str, on_press: Callable[[], None]) -> HotkeyStatus:
        """Listen for `combo_text` (the `hotkey.palette` setting) and call `on_press` on the
        Qt thread each time; replaces any earlier registration."""
        self.unregister()
        try:
            combo = parse_combo(combo_text)
        except ComboError as exc:
            return HotkeyStatus(False, f"{exc}. Until then, {FALLBACK}.")
        mac = platform_name(self._platform) == "macos"
        label = combo.label(mac)
        if self._given is not None:
            given = self._given
            candidates: list[tuple[str, Factory]] = [(given.name, lambda _env: given)]
        else:
            names = choose_backend(self._environ, self._platform, self._preference)
            if not names:
                return HotkeyStatus(False, f"No global hotkey: {NO_DISPLAY}. {FALLBACK_SENTENCE}")
            candidates = [(name, FACTORIES[name]) for name in names]
        skipped: list[str] = []
        started: tuple[str, HotkeyBackend] | None = None
        for name, factory in candidates:
            try:
                backend = factory(self._environ)
                backend.start(combo, self.pressed.emit, self.failed.emit)
            except HotkeyTaken:
                return HotkeyStatus(False, taken(label, self._clash(combo)), name, taken=True)
            except (HotkeyUnavailable, ImportError, OSError) as exc:
                skipped.append(f"{name}: {exc}")
                if isinstance(exc, NotOnKeyboard):
                    break  # no other backend can type it either
                continue
            started = name, backend
            break
        if started is None:
            message = f"{label} cannot be registered ({'; '.join(skipped)}). {FALLBACK_SENTENCE}"
            return HotkeyStatus(False, message, candidates[0][0])
        name, backend = started
        self._backend = backend
        self._on_press = on_press
        self.pressed.connect(on_press)
        seen = observes(name, label)
        how = f"{name}, since {'; '.join(skipped)}" if skipped else name
        clash = self._clash(combo)
        if clash:
            return HotkeyStatus(
                False,
                f"{label} is registered ({how}), but on this system it also "
                f"{clash}; choose another in Settings (hotkey.palette).",
                name,
                seen,
            )
        message = f"{label} opens the search palette ({how})."
        if name == "portal":
            message = f"{combo.label()} was proposed to the desktop (GlobalShortcuts portal)."
        return HotkeyStatus(True, message, name, seen)

    def _clash(self, combo: Combo) -> str | None:
        return conflicts(combo, platform_name(self._platform))

    def unregister(self) -> None:
        """Stop listening (nothing happens if nothing was registered); `register` may follow."""
        if self._backend is not None:
            self._backend.stop()
            self._backend = None
        if self._on_press is not None:
            self.pressed.disconnect(self._on_press)
            self._on_press = None


def taken(label: str, clash: str | None = None) -> str:
    """The status of a combination another program holds (the system, when it is one of its
    known shortcuts): only another choice helps."""
    known = f": on this system it {clash}" if clash else ""
    return (
        f"{label} is taken by another program{known}; choose another in Settings (hotkey.palette)."
    )


def _cannot(combo: Combo, backend: str, exc: BaseException) -> str:
    return f"{combo.label()} cannot be registered ({backend}: {exc}). {FALLBACK_SENTENCE}"


def probe_hotkey(
    combo_text: str,
    environ: Mapping[str, str] | None = None,
    sys_platform: str | None = None,
    preference: str = "auto",
    tray_running: bool = False,
) -> HotkeyStatus:
    """`cuecards doctor`'s check: would the hotkey work in this session? Registers it for a
    moment (X11, Windows, macOS); on Wayland only asks whether the portal offers
    GlobalShortcuts, since binding there may show the person a dialog. A running tray holds its
    own combination, which then looks taken: `tray_running` says so instead."""
    environ = os.environ if environ is None else environ
    sys_platform = sys.platform if sys_platform is None else sys_platform
    try:
        combo = parse_combo(combo_text)
    except ComboError as exc:
        return HotkeyStatus(False, f"{exc}. Until then, {FALLBACK}.")
    names = choose_backend(environ, sys_platform, preference)
    if names == ("portal",):
        from app.desktop.hotkey.portal import PortalHotkey

        try:
            version = PortalHotkey().check()
        except HotkeyUnavailable as exc:
            return HotkeyStatus(False, _cannot(combo, "portal", exc), "portal")
        return HotkeyStatus(
            True,
            f"{combo.label()}: the desktop offers GlobalShortcuts (portal version {version}); "
            "it asks you to confirm the shortcut when Cuecards starts.",
            "portal",
            observes("portal", combo.label()),
        )
    hotkey = GlobalHotkey(environ=environ, sys_platform=sys_platform, preference=preference)
    status = hotkey.register(combo_text, lambda: None)
    hotkey.unregister()
    label = combo.label(platform_name(sys_platform) == "macos")
    if tray_running and status.taken:
        return HotkeyStatus(
            True,
            f"{label} is held, most likely by the running Cuecards ({status.backend}); if it "
            "does not open the palette, choose another in Settings (hotkey.palette).",
            status.backend,
            observes(status.backend, label),
        )
    return status
