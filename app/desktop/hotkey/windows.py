"""The palette hotkey on Windows through RegisterHotKey: Windows posts WM_HOTKEY for that one
combination, where pynput's low-level keyboard hook (WH_KEYBOARD_LL) receives every key typed
anywhere, which endpoint security flags as keylogger behaviour.

NOT RUN ON WINDOWS YET: written against the Win32 documentation; its pure parts (the key's
virtual-key code and modifier flags, the WM_HOTKEY filter) are tested on Linux. user32 is
bound only inside `WindowsHotkey.start`, so this module imports on any platform.

RegisterHotKey without a window posts WM_HOTKEY to the registering thread, the Qt GUI thread,
whose event dispatcher offers every MSG to native event filters ("windows_generic_MSG")
before dispatching it: no thread, no hook. MOD_NOREPEAT makes a held combination fire once.
Caveat: a thread message is dropped while a native modal loop runs (a window being dragged, a
Win32 message box); Qt's own dialogs run Qt's loop and are fine.
"""

from __future__ import annotations

import ctypes
import itertools
import sys
from collections.abc import Callable
from typing import Any

from app.desktop.hotkey.base import HotkeyTaken, HotkeyUnavailable
from app.desktop.hotkey.combo import Combo

MOD_ALT = 0x0001
MOD_CONTROL = 0x0002
MOD_SHIFT = 0x0004
MOD_WIN = 0x0008
MOD_NOREPEAT = 0x4000
WINDOWS_MODIFIERS = {"ctrl": MOD_CONTROL, "alt": MOD_ALT, "shift": MOD_SHIFT, "cmd": MOD_WIN}
WM_HOTKEY = 0x0312
ERROR_HOTKEY_ALREADY_REGISTERED = 1409
# Application hot-key ids must lie in 0x0000–0xBFFF; one per registration in this process.
_IDS = itertools.count(0x0C0E)

# Virtual-key codes (WinUser.h, VK_*) of the named keys; letters and digits are their ASCII
# capitals, F1–F20 are 0x70–0x83.
VK_CODES: dict[str, int] = {
    "space": 0x20, "enter": 0x0D, "tab": 0x09, "backspace": 0x08, "delete": 0x2E,
    "insert": 0x2D, "home": 0x24, "end": 0x23, "page_up": 0x21, "page_down": 0x22,
    "up": 0x26, "down": 0x28, "left": 0x25, "right": 0x27, "esc": 0x1B, "pause": 0x13,
    "print_screen": 0x2C,
    **{f"f{n}": 0x6F + n for n in range(1, 21)},
}  # fmt: skip
# Punctuation keys move between layouts (VkKeyScanW asks the current one); these are the US
# VK_OEM_* codes, the fallback.
US_OEM_CODES: dict[str, int] = {
    ";": 0xBA, "=": 0xBB, ",": 0xBC, "-": 0xBD, ".": 0xBE, "/": 0xBF, "`": 0xC0,
    "[": 0xDB, "\\": 0xDC, "]": 0xDD, "'": 0xDE,
}  # fmt: skip


def windows_hotkey(
    combo: Combo, vk_for_char: Callable[[str], int | None] | None = None
) -> tuple[int, int]:
    """(virtual-key code, modifier flags with MOD_NOREPEAT) for RegisterHotKey; punctuation
    asks `vk_for_char` (the current layout, on Windows) before the US table."""
    key = combo.key
    if key in VK_CODES:
        vk = VK_CODES[key]
    elif key.isalnum():
        vk = ord(key.upper())
    else:
        found = vk_for_char(key) if vk_for_char is not None else None
        vk = found if found is not None else US_OEM_CODES[key]
    flags = MOD_NOREPEAT
    for modifier in combo.modifiers:
        flags |= WINDOWS_MODIFIERS[modifier]
    return vk, flags


class MSG(ctypes.Structure):
    """Win32's MSG in fixed-width types: Windows' layout on any 64-bit platform (so the filter
    is tested on Linux)."""

    _fields_ = [
        ("hwnd", ctypes.c_void_p),
        ("message", ctypes.c_uint32),
        ("wParam", ctypes.c_size_t),
        ("lParam", ctypes.c_ssize_t),
        ("time", ctypes.c_uint32),
        ("pt_x", ctypes.c_int32),
        ("pt_y", ctypes.c_int32),
        ("lPrivate", ctypes.c_uint32),
    ]


def is_our_hotkey(event_type: bytes, message: int, hotkey_id: int) -> bool:
    """Whether a native event (type, address of a MSG) is the WM_HOTKEY carrying our id."""
    if event_type != b"windows_generic_MSG":
        return False
    msg = MSG.from_address(message)
    return msg.message == WM_HOTKEY and msg.wParam == hotkey_id


def hotkey_filter(hotkey_id: int, on_hotkey: Callable[[], None]) -> Any:
    """A Qt native event filter calling `on_hotkey` for our WM_HOTKEY and swallowing it; every
    other message goes on. (Qt is imported here, so the module's pure parts need none.)"""
    from PySide6.QtCore import QAbstractNativeEventFilter

    class HotkeyFilter(QAbstractNativeEventFilter):
        def nativeEventFilter(self, event_type: Any, message: Any) -> tuple[bool, int]:  # noqa: N802
            if not is_our_hotkey(bytes(event_type), int(message), hotkey_id):
                return False, 0
            on_hotkey()
            return True, 0

    return HotkeyFilter()


def _user32() -> Any:
    """user32 with the prototypes used here; HotkeyUnavailable off Windows."""
    if sys.platform != "win32":
        raise HotkeyUnavailable("RegisterHotKey exists only on Windows")
    from ctypes import wintypes

    user32 = ctypes.WinDLL("user32", use_last_error=True)  # type: ignore[attr-defined]
    user32.RegisterHotKey.argtypes = [wintypes.HWND, ctypes.c_int, wintypes.UINT, wintypes.UINT]
    user32.RegisterHotKey.restype = wintypes.BOOL
    user32.UnregisterHotKey.argtypes = [wintypes.HWND, ctypes.c_int]
    user32.UnregisterHotKey.restype = wintypes.BOOL
    user32.VkKeyScanW.argtypes = [wintypes.WCHAR]
    user32.VkKeyScanW.restype = ctypes.c_short
    return user32


class WindowsHotkey:
    """One RegisterHotKey registration on the GUI thread, heard through a native event filter."""

    name = "registerhotkey"

    def __init__(self) -> None:
        self._user32: Any = None
        self._id = next(_IDS)
        self._filter: Any = None

    def start(self, combo: Combo, emit: Callable[[], None], fail: Callable[[str], None]) -> None:
        user32 = _user32()

        def vk_for_char(char: str) -> int | None:
            scan = user32.VkKeyScanW(char)
            return None if scan == -1 else scan & 0xFF

        vk, flags = windows_hotkey(combo, vk_for_char)
        if not user32.RegisterHotKey(None, self._id, flags, vk):
            error = ctypes.get_last_error()  # type: ignore[attr-defined]
            if error == ERROR_HOTKEY_ALREADY_REGISTERED:
                raise HotkeyTaken("another program registered this combination")
            winerror = ctypes.WinError(error)  # type: ignore[attr-defined]
            raise HotkeyUnavailable(f"RegisterHotKey failed ({winerror.strerror})")
        self._user32 = user32
        from PySide6.QtCore import QCoreApplication

        app = QCoreApplication.instance()
        if app is not None:  # without an application (doctor's probe) it is only tested
            self._filter = hotkey_filter(self._id, emit)
            app.installNativeEventFilter(self._filter)

    def stop(self) -> None:
        if self._filter is not None:
            from PySide6.QtCore import QCoreApplication

            app = QCoreApplication.instance()
            if app is not None:
                app.removeNativeEventFilter(self._filter)
            self._filter = None
        if self._user32 is not None:
            self._user32.UnregisterHotKey(None, self._id)
            self._user32 = None
