"""The palette hotkey on macOS through Carbon's RegisterEventHotKey.

pynput's listener thread (a Quartz event tap) is known to crash Qt applications on recent
macOS, and it needs the Accessibility/Input Monitoring permission. RegisterEventHotKey needs
no permission and delivers the press on the main thread, through the application's event loop
(which Qt's Cocoa loop runs), so nothing here touches another thread.

Carbon's hot-key functions are plain C functions in the Carbon framework, which pyobjc does not
wrap; they are called through ctypes. Not exercised on Linux CI: the combination's key code and
modifier mask come from `carbon_hotkey`, which is unit-tested.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

from app.desktop.hotkey.base import HotkeyTaken, HotkeyUnavailable
from app.desktop.hotkey.combo import Combo, ComboError, carbon_hotkey

OSStatus = ctypes.c_int32
EventTargetRef = ctypes.c_void_p
EventHandlerRef = ctypes.c_void_p
EventHotKeyRef = ctypes.c_void_p


def _four_cc(code: str) -> int:
    return int.from_bytes(code.encode("ascii"), "big")


K_EVENT_CLASS_KEYBOARD = _four_cc("keyb")
K_EVENT_HOT_KEY_PRESSED = 5
SIGNATURE = _four_cc("CueC")
# OSStatus values worth a sentence.
EVENT_HOT_KEY_EXISTS_ERR = -9878
EVENT_HOT_KEY_INVALID_ERR = -9879


class EventTypeSpec(ctypes.Structure):
    _fields_ = [("eventClass", ctypes.c_uint32), ("eventKind", ctypes.c_uint32)]


class EventHotKeyID(ctypes.Structure):
    _fields_ = [("signature", ctypes.c_uint32), ("id", ctypes.c_uint32)]


# OSStatus handler(EventHandlerCallRef, EventRef, void *userData)
EventHandlerProc = ctypes.CFUNCTYPE(OSStatus, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)


def _carbon() -> ctypes.CDLL:
    path = ctypes.util.find_library("Carbon")
    if path is None:
        raise HotkeyUnavailable("the Carbon framework is not available")
    lib = ctypes.CDLL(path)
    lib.GetApplicationEventTarget.restype = EventTargetRef
    lib.GetApplicationEventTarget.argtypes = []
    lib.InstallEventHandler.restype = OSStatus
    lib.InstallEventHandler.argtypes = [
        EventTargetRef,
        EventHandlerProc,
        ctypes.c_uint32,
        ctypes.POINTER(EventTypeSpec),
        ctypes.c_void_p,
        ctypes.POINTER(EventHandlerRef),
    ]
    lib.RemoveEventHandler.restype = OSStatus
    lib.RemoveEventHandler.argtypes = [EventHandlerRef]
    lib.RegisterEventHotKey.restype = OSStatus
    lib.RegisterEventHotKey.argtypes = [
        ctypes.c_uint32,
        ctypes.c_uint32,
        EventHotKeyID,
        EventTargetRef,
        ctypes.c_uint32,
        ctypes.POINTER(EventHotKeyRef),
    ]
    lib.UnregisterEventHotKey.restype = OSStatus
    lib.UnregisterEventHotKey.argtypes = [EventHotKeyRef]
    return lib


class CarbonHotkey:
    """One Carbon hot key on the application event target."""

    name = "carbon"

    def __init__(self) -> None:
        self._lib: ctypes.CDLL | None = None
        self._handler = EventHandlerRef()
        self._hotkey = EventHotKeyRef()
        self._proc: object = None  # the ctypes callback must outlive the registration

    def start(self, combo: Combo, emit: Callable[[], None], fail: Callable[[str], None]) -> None:
        try:
            code, modifiers = carbon_hotkey(combo)
        except ComboError as exc:
            raise HotkeyUnavailable(str(exc)) from exc
        lib = self._lib = _carbon()

        def on_event(_call: int, _event: int, _user: int) -> int:
            emit()
            return 0

        self._proc = EventHandlerProc(on_event)
        spec = EventTypeSpec(K_EVENT_CLASS_KEYBOARD, K_EVENT_HOT_KEY_PRESSED)
        target = lib.GetApplicationEventTarget()
        status = lib.InstallEventHandler(
            target, self._proc, 1, ctypes.byref(spec), None, ctypes.byref(self._handler)
        )
        if status != 0:
            raise HotkeyUnavailable(f"InstallEventHandler failed (OSStatus {status})")
        status = lib.RegisterEventHotKey(
            code, modifiers, EventHotKeyID(SIGNATURE, 1), target, 0, ctypes.byref(self._hotkey)
        )
        if status != 0:
            lib.RemoveEventHandler(self._handler)
            self._handler = EventHandlerRef()
            if status == EVENT_HOT_KEY_EXISTS_ERR:
                raise HotkeyTaken("another application already uses this combination")
            raise HotkeyUnavailable(f"RegisterEventHotKey failed (OSStatus {status})")

    def stop(self) -> None:
        if self._lib is None:
            return
        if self._hotkey:
            self._lib.UnregisterEventHotKey(self._hotkey)
            self._hotkey = EventHotKeyRef()
        if self._handler:
            self._lib.RemoveEventHandler(self._handler)
            self._handler = EventHandlerRef()
        self._proc = None
