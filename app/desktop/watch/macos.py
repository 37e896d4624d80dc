"""macOS backend: NSWorkspace activation notifications plus an Accessibility title observer.

NOT RUN ON macOS YET: written against Apple's and pyobjc's documentation; only its pure
helpers are tested (on Linux). pyobjc is imported inside `MacWatcher.__init__`, so the module
imports anywhere and the backend refuses to start off macOS or without pyobjc (packages
`pyobjc-framework-Cocoa`, `pyobjc-framework-ApplicationServices`, `pyobjc-framework-Quartz`).

How it works:

* `NSWorkspaceDidActivateApplicationNotification` says which app came to the front (no
  permission needed): app id = its bundle id lower-cased (`appid.from_bundle_id`, the
  executable name for bare binaries), pid = its process id.
* Titles need the Accessibility permission. With it, an `AXObserver` on the front app
  (re-created on every activation) watches `kAXFocusedWindowChangedNotification` and, on
  the focused window, `kAXTitleChangedNotification` and `kAXResizedNotification`; the title is
  its `kAXTitleAttribute`, full screen its `AXFullScreen` attribute. Entering or leaving a
  full-screen Space also posts `NSWorkspaceActiveSpaceDidChangeNotification`, which we
  re-check on. Without the permission we still report app changes, with empty titles, and
  `warning` (shown by doctor) says how to grant it: `ACCESSIBILITY_HINT`.
* idle: `CGEventSourceSecondsSinceLastEventType(kCGEventSourceStateCombinedSessionState,
  kCGAnyInputEventType)`.

Notifications and AX callbacks are delivered by the main thread's run loop: inside the app
Qt's Cocoa event loop runs it; the CLI calls `pump()`, which runs `NSRunLoop` itself (Ctrl+C
reaches it through PyObjC's Mach-port interrupt handler).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from app.core.context import Context
from app.desktop.watch import appid
from app.desktop.watch.base import BackendUnavailable, WatcherBackend, WatchEvent

ACCESSIBILITY_HINT = (
    "Cuecards needs the Accessibility permission to read window titles: System Settings → "
    "Privacy & Security → Accessibility → turn on Cuecards (or the terminal you run "
    "`cuecards` from); `open 'x-apple.systempreferences:com.apple.preference.security"
    "?Privacy_Accessibility'` opens that page. Until then only the app in front is known"
)
PYOBJC_HINT = (
    "pyobjc is missing: pip install pyobjc-framework-Cocoa pyobjc-framework-ApplicationServices "
    "pyobjc-framework-Quartz"
)
AX_FULLSCREEN = "AXFullScreen"
_OBSERVER_CLASS: Any = None


def context_for_app(
    bundle_id: str | None,
    executable: str | None,
    pid: int | None,
    title: str = "",
    fullscreen: bool = False,
) -> Context:
    """What an activated NSRunningApplication (plus AX title and state) amounts to."""
    return Context(
        app=appid.from_bundle_id(bundle_id, executable),
        title=title,
        backend="macos",
        pid=pid if pid and pid > 0 else None,
        fullscreen=fullscreen,
    )


def _observer_class() -> Any:
    """The NSObject subclass receiving workspace notifications (defined once per process)."""
    global _OBSERVER_CLASS
    if _OBSERVER_CLASS is None:
        from Foundation import NSObject

        class CuecardsWorkspaceObserver(NSObject):  # type: ignore[misc, valid-type]
            def initWithBackend_(self, backend: MacWatcher) -> Any:  # noqa: N802
                self = self.init()  # noqa: PLW0642 - the Objective-C init pattern
                if self is not None:
                    self.backend = backend
                return self

            def appActivated_(self, notification: Any) -> None:  # noqa: N802
                self.backend._on_activated(notification)

            def spaceChanged_(self, _notification: Any) -> None:  # noqa: N802
                self.backend._on_space_changed()

        _OBSERVER_CLASS = CuecardsWorkspaceObserver
    return _OBSERVER_CLASS


class MacWatcher(WatcherBackend):
    """Front app and window title on macOS; see the module docstring."""

    name = "macos"

    def __init__(self, prompt_for_access: bool = False) -> None:
        super().__init__()
        if sys.platform != "darwin":
            raise BackendUnavailable("the macOS watcher runs only on macOS")
        try:
            import AppKit
            import ApplicationServices as AX
            import Quartz
            from PyObjCTools import AppHelper
        except ImportError as exc:
            raise BackendUnavailable(PYOBJC_HINT) from exc
        self.errors = 0
        self._appkit, self._ax, self._quartz = AppKit, AX, Quartz
        AppHelper.installMachInterrupt()  # Ctrl+C wakes NSRunLoop in pump()
        options = {AX.kAXTrustedCheckOptionPrompt: bool(prompt_for_access)}
        self.trusted = bool(AX.AXIsProcessTrustedWithOptions(options))
        if not self.trusted:
            self.warning = ACCESSIBILITY_HINT
        self._ax_observer: Any = None
        self._ax_app: Any = None
        self._ax_window: Any = None
        self._app: Any = None
        workspace = AppKit.NSWorkspace.sharedWorkspace()
        self._observer = _observer_class().alloc().initWithBackend_(self)
        center = workspace.notificationCenter()
        center.addObserver_selector_name_object_(
            self._observer,
            "appActivated:",
            AppKit.NSWorkspaceDidActivateApplicationNotification,
            None,
        )
        center.addObserver_selector_name_object_(
            self._observer,
            "spaceChanged:",
            AppKit.NSWorkspaceActiveSpaceDidChangeNotification,
            None,
        )
        self._follow(workspace.frontmostApplication())
        self._pending.clear()  # the starting context is current(), not a change

    def dispatch(self) -> list[WatchEvent]:
        return self._take()

    def idle_seconds(self) -> float | None:
        q = self._quartz
        return float(
            q.CGEventSourceSecondsSinceLastEventType(
                q.kCGEventSourceStateCombinedSessionState, q.kCGAnyInputEventType
            )
        )

    def pump(self, timeout: float | None) -> None:
        """Run the main run loop until a change is queued, `timeout` passes or interrupted."""
        foundation = self._appkit
        deadline = None if timeout is None else time.monotonic() + timeout
        loop = foundation.NSRunLoop.currentRunLoop()
        self._woken = False
        while not self.has_pending() and not self.closed and not self._woken:
            if deadline is None:
                until = foundation.NSDate.distantFuture()
            else:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                until = foundation.NSDate.dateWithTimeIntervalSinceNow_(remaining)
            loop.runMode_beforeDate_(foundation.NSDefaultRunLoopMode, until)

    def interrupt(self) -> None:
        self._woken = True
        from CoreFoundation import CFRunLoopGetMain, CFRunLoopWakeUp

        CFRunLoopWakeUp(CFRunLoopGetMain())

    def close(self) -> None:
        if self.closed:
            return
        super().close()
        center = self._appkit.NSWorkspace.sharedWorkspace().notificationCenter()
        center.removeObserver_(self._observer)
        self._drop_ax_observer()

    # Internals.

    _woken = False

    def _on_activated(self, notification: Any) -> None:
        try:
            self.events_received += 1
            app = notification.userInfo()[self._appkit.NSWorkspaceApplicationKey]
            self._follow(app)
            self._notify()
        except Exception:  # never into the Objective-C run loop
            self.errors += 1

    def _on_space_changed(self) -> None:
        try:
            self.events_received += 1
            self._refresh()
            self._notify()
        except Exception:
            self.errors += 1

    def _on_ax(self, _observer: Any, _element: Any, notification: str, _refcon: Any) -> None:
        try:
            self.events_received += 1
            if notification == self._ax.kAXFocusedWindowChangedNotification:
                self._watch_focused_window()
            self._refresh()
            self._notify()
        except Exception:
            self.errors += 1

    def _follow(self, app: Any) -> None:
        """A new front app: move the AX observer to it, then report."""
        self._app = app
        self._drop_ax_observer()
        if app is not None and self.trusted:
            self._attach_ax_observer(int(app.processIdentifier()))
        self._refresh()

    def _attach_ax_observer(self, pid: int) -> None:
        ax = self._ax
        error, observer = ax.AXObserverCreate(pid, self._on_ax, None)
        if error != ax.kAXErrorSuccess or observer is None:
            return
        self._ax_observer = observer
        self._ax_app = ax.AXUIElementCreateApplication(pid)
        ax.AXObserverAddNotification(
            observer, self._ax_app, ax.kAXFocusedWindowChangedNotification, None
        )
        from CoreFoundation import CFRunLoopAddSource, CFRunLoopGetMain, kCFRunLoopDefaultMode

        source = ax.AXObserverGetRunLoopSource(observer)
        CFRunLoopAddSource(CFRunLoopGetMain(), source, kCFRunLoopDefaultMode)
        self._watch_focused_window()

    def _watch_focused_window(self) -> None:
        ax = self._ax
        if self._ax_observer is None:
            return
        if self._ax_window is not None:
            for name in (ax.kAXTitleChangedNotification, ax.kAXResizedNotification):
                ax.AXObserverRemoveNotification(self._ax_observer, self._ax_window, name)
        self._ax_window = self._focused_window()
        if self._ax_window is not None:
            for name in (ax.kAXTitleChangedNotification, ax.kAXResizedNotification):
                ax.AXObserverAddNotification(self._ax_observer, self._ax_window, name, None)

    def _drop_ax_observer(self) -> None:
        if self._ax_observer is None:
            return
        from CoreFoundation import CFRunLoopGetMain, CFRunLoopRemoveSource, kCFRunLoopDefaultMode

        source = self._ax.AXObserverGetRunLoopSource(self._ax_observer)
        CFRunLoopRemoveSource(CFRunLoopGetMain(), source, kCFRunLoopDefaultMode)
        self._ax_observer = self._ax_app = self._ax_window = None

    def _focused_window(self) -> Any:
        if self._ax_app is None:
            return None
        error, window = self._ax.AXUIElementCopyAttributeValue(
            self._ax_app, self._ax.kAXFocusedWindowAttribute, None
        )
        return window if error == self._ax.kAXErrorSuccess else None

    def _attribute(self, element: Any, name: str) -> Any:
        error, value = self._ax.AXUIElementCopyAttributeValue(element, name, None)
        return value if error == self._ax.kAXErrorSuccess else None

    def _refresh(self) -> None:
        app = self._app
        if app is None:
            self._offer(Context(app="", title="", backend=self.name))
            return
        title, fullscreen = "", False
        window = self._focused_window() if self.trusted else None
        if window is not None:
            title = str(self._attribute(window, self._ax.kAXTitleAttribute) or "")
            fullscreen = bool(self._attribute(window, AX_FULLSCREEN))
        url = app.executableURL()
        context = context_for_app(
            app.bundleIdentifier(),
            url.path() if url is not None else app.localizedName(),
            int(app.processIdentifier()),
            title,
            fullscreen,
        )
        executable = url.path() if url is not None else None
        self._offer(context, appid.from_exe_path(executable) if executable else None)
