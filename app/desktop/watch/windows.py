"""Windows backend: WinEvent hooks for foreground and title changes, through ctypes.

NOT RUN ON WINDOWS YET: this module was written against the Win32 documentation and only its
pure helpers are tested (on Linux). It imports on any platform; the Win32 bindings are made
in `WindowsWatcher.__init__`, which refuses to start elsewhere.

How it works:

* `SetWinEventHook(EVENT_SYSTEM_FOREGROUND)` with `WINEVENT_OUTOFCONTEXT` for every process:
  Windows queues the event to the thread that installed the hook and calls our callback when
  that thread pumps messages (Qt's loop in the app, `pump()` in the CLI). No polling, no DLL
  injection.
* On each foreground change a second hook is installed for that window's process only,
  covering `EVENT_OBJECT_LOCATIONCHANGE`..`EVENT_OBJECT_NAMECHANGE` (0x800B–0x800C): title
  changes and moves/resizes (to notice full screen) of the foreground app, and nothing from
  the other processes, whose name changes (progress bars, clocks) would otherwise wake us all
  day. The callback drops everything but `OBJID_WINDOW`/`CHILDID_SELF` of the foreground
  window before doing any work.
* app id: the image of the owning process (`QueryFullProcessImageNameW` with
  `PROCESS_QUERY_LIMITED_INFORMATION`, allowed for elevated processes too) normalised by
  `appid.from_exe_path` (`EXCEL.EXE` → `excel`). UWP apps live in a frame owned by
  `ApplicationFrameHost.exe`; the real app is the child window of another process, which
  we look up with `EnumChildWindows`.
* full screen: the window rectangle covers its monitor's full rectangle (`MonitorFromWindow`
  + `GetMonitorInfoW`), the desktop and shell windows excluded (`is_fullscreen_rect`).
* idle: `GetLastInputInfo` against `GetTickCount`, modulo 2**32 (`idle_from_ticks`).

The callback never lets an exception escape into ctypes (that would print a traceback from
inside the message loop); a failure for one window is counted in `errors` and skipped.
"""

from __future__ import annotations

import ctypes
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.core.context import Context
from app.desktop.watch import appid
from app.desktop.watch.base import BackendUnavailable, WatcherBackend, WatchEvent

EVENT_SYSTEM_FOREGROUND = 0x0003
EVENT_OBJECT_LOCATIONCHANGE = 0x800B
EVENT_OBJECT_NAMECHANGE = 0x800C
WINEVENT_OUTOFCONTEXT = 0x0000
WINEVENT_SKIPOWNPROCESS = 0x0002
OBJID_WINDOW = 0
CHILDID_SELF = 0
PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
MONITOR_DEFAULTTONEAREST = 2
QS_ALLINPUT = 0x04FF
MWMO_INPUTAVAILABLE = 0x0004
WAIT_TIMEOUT = 0x00000102
INFINITE = 0xFFFFFFFF
PM_REMOVE = 0x0001
WM_NULL = 0x0000
SHELL_CLASSES = frozenset({"Progman", "WorkerW", "Shell_TrayWnd"})
FRAME_HOST = "applicationframehost"


@dataclass(frozen=True, slots=True)
class Rect:
    """A screen rectangle in the same coordinates as Win32's RECT."""

    left: int
    top: int
    right: int
    bottom: int


def is_fullscreen_rect(window: Rect, monitor: Rect) -> bool:
    """A window is full screen when it covers its whole monitor (borders may hang over)."""
    if monitor.right <= monitor.left or monitor.bottom <= monitor.top:
        return False
    return (
        window.left <= monitor.left
        and window.top <= monitor.top
        and window.right >= monitor.right
        and window.bottom >= monitor.bottom
    )


def idle_from_ticks(now_ms: int, last_input_ms: int) -> float:
    """Seconds since the last input from two 32-bit tick counts (GetTickCount wraps at 49.7 d)."""
    return ((now_ms - last_input_ms) % 2**32) / 1000.0


class _Win32:
    """The user32/kernel32 functions we call, with argument and result types declared."""

    def __init__(self) -> None:
        from ctypes import wintypes as w

        self.w = w
        user32 = ctypes.WinDLL("user32", use_last_error=True)
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        self.WINEVENTPROC = ctypes.WINFUNCTYPE(
            None, w.HANDLE, w.DWORD, w.HWND, w.LONG, w.LONG, w.DWORD, w.DWORD
        )
        self.WNDENUMPROC = ctypes.WINFUNCTYPE(w.BOOL, w.HWND, w.LPARAM)
        self.HANDLER_ROUTINE = ctypes.WINFUNCTYPE(w.BOOL, w.DWORD)

        class MONITORINFO(ctypes.Structure):
            _fields_ = [
                ("cbSize", w.DWORD),
                ("rcMonitor", w.RECT),
                ("rcWork", w.RECT),
                ("dwFlags", w.DWORD),
            ]

        class LASTINPUTINFO(ctypes.Structure):
            _fields_ = [("cbSize", w.UINT), ("dwTime", w.DWORD)]

        self.MONITORINFO = MONITORINFO
        self.LASTINPUTINFO = LASTINPUTINFO

        def bind(dll: Any, name: str, restype: Any, *argtypes: Any) -> Callable[..., Any]:
            fn = getattr(dll, name)
            fn.restype = restype
            fn.argtypes = list(argtypes)
            return fn

        self.SetWinEventHook = bind(
            user32, "SetWinEventHook", w.HANDLE, w.DWORD, w.DWORD, w.HMODULE,
            self.WINEVENTPROC, w.DWORD, w.DWORD, w.DWORD,
        )  # fmt: skip
        self.UnhookWinEvent = bind(user32, "UnhookWinEvent", w.BOOL, w.HANDLE)
        self.GetForegroundWindow = bind(user32, "GetForegroundWindow", w.HWND)
        self.GetWindowTextLengthW = bind(user32, "GetWindowTextLengthW", ctypes.c_int, w.HWND)
        self.GetWindowTextW = bind(
            user32, "GetWindowTextW", ctypes.c_int, w.HWND, w.LPWSTR, ctypes.c_int
        )
        self.GetClassNameW = bind(
            user32, "GetClassNameW", ctypes.c_int, w.HWND, w.LPWSTR, ctypes.c_int
        )
        self.GetWindowThreadProcessId = bind(
            user32, "GetWindowThreadProcessId", w.DWORD, w.HWND, ctypes.POINTER(w.DWORD)
        )
        self.EnumChildWindows = bind(
            user32, "EnumChildWindows", w.BOOL, w.HWND, self.WNDENUMPROC, w.LPARAM
        )
        self.GetWindowRect = bind(user32, "GetWindowRect", w.BOOL, w.HWND, ctypes.POINTER(w.RECT))
        self.MonitorFromWindow = bind(user32, "MonitorFromWindow", w.HMONITOR, w.HWND, w.DWORD)
        self.GetMonitorInfoW = bind(
            user32, "GetMonitorInfoW", w.BOOL, w.HMONITOR, ctypes.POINTER(MONITORINFO)
        )
        self.GetDesktopWindow = bind(user32, "GetDesktopWindow", w.HWND)
        self.GetShellWindow = bind(user32, "GetShellWindow", w.HWND)
        self.GetLastInputInfo = bind(
            user32, "GetLastInputInfo", w.BOOL, ctypes.POINTER(LASTINPUTINFO)
        )
        self.MsgWaitForMultipleObjectsEx = bind(
            user32, "MsgWaitForMultipleObjectsEx", w.DWORD, w.DWORD,
            ctypes.POINTER(w.HANDLE), w.DWORD, w.DWORD, w.DWORD,
        )  # fmt: skip
        self.PeekMessageW = bind(
            user32, "PeekMessageW", w.BOOL, ctypes.POINTER(w.MSG), w.HWND, w.UINT, w.UINT, w.UINT
        )
        self.TranslateMessage = bind(user32, "TranslateMessage", w.BOOL, ctypes.POINTER(w.MSG))
        self.DispatchMessageW = bind(
            user32, "DispatchMessageW", ctypes.c_ssize_t, ctypes.POINTER(w.MSG)
        )
        self.PostThreadMessageW = bind(
            user32, "PostThreadMessageW", w.BOOL, w.DWORD, w.UINT, w.WPARAM, w.LPARAM
        )
        self.GetTickCount = bind(kernel32, "GetTickCount", w.DWORD)
        self.GetCurrentThreadId = bind(kernel32, "GetCurrentThreadId", w.DWORD)
        self.OpenProcess = bind(kernel32, "OpenProcess", w.HANDLE, w.DWORD, w.BOOL, w.DWORD)
        self.CloseHandle = bind(kernel32, "CloseHandle", w.BOOL, w.HANDLE)
        self.QueryFullProcessImageNameW = bind(
            kernel32, "QueryFullProcessImageNameW", w.BOOL, w.HANDLE, w.DWORD, w.LPWSTR,
            ctypes.POINTER(w.DWORD),
        )  # fmt: skip
        self.SetConsoleCtrlHandler = bind(
            kernel32, "SetConsoleCtrlHandler", w.BOOL, self.HANDLER_ROUTINE, w.BOOL
        )


class WindowsWatcher(WatcherBackend):
    """Foreground window of a Windows session from WinEvent hooks; see the module docstring."""

    name = "windows"

    def __init__(self) -> None:
        super().__init__()
        if sys.platform != "win32":
            raise BackendUnavailable("the Windows watcher runs only on Windows")
        self.errors = 0
        self._api = _Win32()
        self._thread_id = self._api.GetCurrentThreadId()
        self._callback = self._api.WINEVENTPROC(self._on_event)  # must outlive the hooks
        self._foreground = 0
        self._foreground_hook = self._hook(EVENT_SYSTEM_FOREGROUND, EVENT_SYSTEM_FOREGROUND, 0)
        if not self._foreground_hook:
            raise BackendUnavailable(
                f"SetWinEventHook failed (Windows error {ctypes.get_last_error()})"
            )
        self._process_hook = 0
        self._process_pid = 0
        self._follow(self._api.GetForegroundWindow())
        self._pending.clear()  # the starting context is current(), not a change

    def dispatch(self) -> list[WatchEvent]:
        return self._take()

    def idle_seconds(self) -> float | None:
        info = self._api.LASTINPUTINFO()
        info.cbSize = ctypes.sizeof(info)
        if not self._api.GetLastInputInfo(ctypes.byref(info)):
            return None
        return idle_from_ticks(self._api.GetTickCount(), info.dwTime)

    def pump(self, timeout: float | None) -> None:
        """Wait for messages and dispatch them (WinEvent callbacks run inside PeekMessage)."""
        api = self._api
        handler = api.HANDLER_ROUTINE(self._on_console_ctrl)
        api.SetConsoleCtrlHandler(handler, True)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            msg = api.w.MSG()
            while not self.has_pending() and not self.closed:
                if deadline is None:
                    wait_ms = INFINITE
                else:
                    wait_ms = max(0, int((deadline - time.monotonic()) * 1000))
                result = api.MsgWaitForMultipleObjectsEx(
                    0, None, wait_ms, QS_ALLINPUT, MWMO_INPUTAVAILABLE
                )
                while api.PeekMessageW(ctypes.byref(msg), None, 0, 0, PM_REMOVE):
                    api.TranslateMessage(ctypes.byref(msg))
                    api.DispatchMessageW(ctypes.byref(msg))
                if result == WAIT_TIMEOUT or self._woken:
                    break
        finally:
            self._woken = False
            api.SetConsoleCtrlHandler(handler, False)

    def interrupt(self) -> None:
        self._woken = True
        self._api.PostThreadMessageW(self._thread_id, WM_NULL, 0, 0)

    def close(self) -> None:
        if self.closed:
            return
        super().close()
        for hook in (self._process_hook, self._foreground_hook):
            if hook:
                self._api.UnhookWinEvent(hook)
        self._process_hook = self._foreground_hook = 0

    # Internals.

    _woken = False

    def _hook(self, first: int, last: int, pid: int) -> int:
        flags = WINEVENT_OUTOFCONTEXT | WINEVENT_SKIPOWNPROCESS
        return self._api.SetWinEventHook(first, last, None, self._callback, pid, 0, flags) or 0

    def _on_console_ctrl(self, _ctrl_type: int) -> bool:
        # Runs on a thread Windows creates; wake the pump so Python's own handler (which runs
        # next, since we return False) gets to raise KeyboardInterrupt on our thread.
        self._api.PostThreadMessageW(self._thread_id, WM_NULL, 0, 0)
        return False

    def _on_event(
        self, _hook: int, event: int, hwnd: int, id_object: int, id_child: int, *_: int
    ) -> None:
        try:
            if id_object != OBJID_WINDOW or id_child != CHILDID_SELF or not hwnd:
                return
            if event == EVENT_SYSTEM_FOREGROUND:
                self.events_received += 1
                self._follow(hwnd)
            elif hwnd == self._foreground:
                self.events_received += 1
                self._refresh(hwnd)
            self._notify()
        except Exception:  # never into ctypes: it would print a traceback in the loop
            self.errors += 1

    def _follow(self, hwnd: int) -> None:
        """A new foreground window: re-aim the per-process hook, then report it."""
        self._foreground = hwnd or 0
        pid = self._pid_of(hwnd) if hwnd else 0
        if pid != self._process_pid:
            if self._process_hook:
                self._api.UnhookWinEvent(self._process_hook)
            self._process_hook = (
                self._hook(EVENT_OBJECT_LOCATIONCHANGE, EVENT_OBJECT_NAMECHANGE, pid) if pid else 0
            )
            self._process_pid = pid
        self._refresh(hwnd)

    def _refresh(self, hwnd: int) -> None:
        if not hwnd:
            self._offer(Context(app="", title="", backend=self.name))
            return
        pid = self._pid_of(hwnd)
        exe_path = self._image_of(pid)
        exe = appid.from_exe_path(exe_path) if exe_path else ""
        if exe == FRAME_HOST:  # a UWP app: its own window is a child from another process
            inner = self._uwp_child_pid(hwnd, pid)
            if inner:
                pid = inner
                exe_path = self._image_of(inner)
                exe = appid.from_exe_path(exe_path) if exe_path else exe
        context = Context(
            app=exe,
            title=self._title_of(hwnd),
            backend=self.name,
            pid=pid or None,
            fullscreen=self._is_fullscreen(hwnd),
        )
        self._offer(context, exe or None)

    def _pid_of(self, hwnd: int) -> int:
        pid = self._api.w.DWORD(0)
        self._api.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
        return int(pid.value)

    def _image_of(self, pid: int) -> str:
        if not pid:
            return ""
        handle = self._api.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:
            return ""
        try:
            size = self._api.w.DWORD(32768)
            buffer = ctypes.create_unicode_buffer(size.value)
            if self._api.QueryFullProcessImageNameW(handle, 0, buffer, ctypes.byref(size)):
                return buffer.value
            return ""
        finally:
            self._api.CloseHandle(handle)

    def _title_of(self, hwnd: int) -> str:
        length = self._api.GetWindowTextLengthW(hwnd)
        if length <= 0:
            return ""
        buffer = ctypes.create_unicode_buffer(length + 1)
        self._api.GetWindowTextW(hwnd, buffer, length + 1)
        return buffer.value

    def _class_of(self, hwnd: int) -> str:
        buffer = ctypes.create_unicode_buffer(256)
        self._api.GetClassNameW(hwnd, buffer, 256)
        return buffer.value

    def _uwp_child_pid(self, hwnd: int, host_pid: int) -> int:
        found: list[int] = []

        def visit(child: int, _lparam: int) -> bool:
            pid = self._pid_of(child)
            if pid and pid != host_pid:
                found.append(pid)
                return False
            return True

        self._api.EnumChildWindows(hwnd, self._api.WNDENUMPROC(visit), 0)
        return found[0] if found else 0

    def _is_fullscreen(self, hwnd: int) -> bool:
        api = self._api
        if hwnd in (api.GetDesktopWindow(), api.GetShellWindow()):
            return False
        if self._class_of(hwnd) in SHELL_CLASSES:
            return False
        rect = api.w.RECT()
        if not api.GetWindowRect(hwnd, ctypes.byref(rect)):
            return False
        monitor = api.MonitorFromWindow(hwnd, MONITOR_DEFAULTTONEAREST)
        info = api.MONITORINFO()
        info.cbSize = ctypes.sizeof(info)
        if not monitor or not api.GetMonitorInfoW(monitor, ctypes.byref(info)):
            return False
        screen = info.rcMonitor
        return is_fullscreen_rect(
            Rect(rect.left, rect.top, rect.right, rect.bottom),
            Rect(screen.left, screen.top, screen.right, screen.bottom),
        )
