"""The palette hotkey on X11 through XGrabKey on the root window: the X server sends us that
combination only, where pynput's RECORD listener receives every key typed in any application.

How it works:

* one python-xlib connection speaking the core protocol only (`_CoreDisplay` queries no
  extension), read without a thread: a `QSocketNotifier` on its descriptor wakes the Qt loop,
  which drains every pending event;
* the key's keysym is looked up in the keyboard mapping (every keycode that carries it is
  grabbed), Alt and Super in the modifier mapping (usually Mod1 and Mod4);
* X matches a grab's modifiers exactly, so the combination is grabbed once per state of the
  lock keys: CapsLock (Lock) and NumLock and ScrollLock, on whichever modifiers the mapping
  puts them (usually Mod2, often none for ScrollLock); `grab_masks` lists the variants;
* a grab another client holds answers BadAccess, caught synchronously (error handler, then a
  round trip): `HotkeyTaken`; a held key auto-repeats as Release+Press pairs sharing one
  timestamp, which are dropped, so a press fires once (Windows' MOD_NOREPEAT);
* a keyboard or modifier mapping change (MappingNotify, e.g. another layout) re-grabs; the X
  server going away calls `fail` once and stops quietly.

Presses are read through the Qt event loop: without a QCoreApplication (`doctor`'s probe) the
grab is only made and tested.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QCoreApplication, QSocketNotifier, QTimer
from Xlib import XK, X
from Xlib import error as xerror
from Xlib.protocol import display as xprotocol
from Xlib.protocol import request as xrequest

from app.desktop.hotkey.base import HotkeyTaken, HotkeyUnavailable, NotOnKeyboard
from app.desktop.hotkey.combo import Combo, keysym_name
from app.desktop.hotkey.x11_keys import grab_masks, keycodes_for, read_modifiers


class _CoreDisplay(xprotocol.Display):
    """A python-xlib connection without `Xlib.display.Display`'s start-up, which queries every
    extension the server has (a dozen round trips, ~20 ms); ids stay plain ints."""

    resource_classes: ClassVar[dict[str, Any]] = {}


class X11GrabHotkey:
    """A passive key grab on the root window, read through a QSocketNotifier."""

    name = "xgrabkey"

    def __init__(self, display_name: str | None = None) -> None:
        self._display_name = display_name
        self._d: _CoreDisplay | None = None
        self._notifier: QSocketNotifier | None = None
        self._combo: Combo | None = None
        self._grabs: frozenset[tuple[int, int]] = frozenset()  # (keycode, modifiers)
        self._keycodes: frozenset[int] = frozenset()
        self._released_at = -1  # time of our key's last KeyRelease: auto-repeat reuses it
        self._emit: Callable[[], None] = _nothing
        self._fail: Callable[[str], None] = _nothing_said
        self.events_received = 0  # every event read from the connection
        self.key_events = 0  # KeyPress/KeyRelease among them: only while the combination is held
        self.async_errors = 0

    def start(self, combo: Combo, emit: Callable[[], None], fail: Callable[[str], None]) -> None:
        try:
            d = _CoreDisplay(self._display_name)
        except (xerror.DisplayError, OSError) as exc:
            raise HotkeyUnavailable(f"cannot open the X display ({exc})") from exc
        d.set_error_handler(self._count_error)
        self._d, self._combo = d, combo
        try:
            self._grab(self._wanted(combo))
        except HotkeyUnavailable:
            self._close()
            raise
        except (xerror.ConnectionClosedError, OSError) as exc:
            self._close()
            raise HotkeyUnavailable(f"the X connection was lost ({exc})") from exc
        self._emit, self._fail = emit, fail
        if QCoreApplication.instance() is not None:
            self._notifier = QSocketNotifier(d.fileno(), QSocketNotifier.Type.Read)
            self._notifier.activated.connect(self._drain)
            # Events read while grabbing sit in python-xlib's queue and would not wake it.
            QTimer.singleShot(0, self._drain)

    def stop(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()  # stop() may run inside its own activated signal
            self._notifier = None
        if self._d is not None:
            with contextlib.suppress(xerror.ConnectionClosedError, OSError):
                self._ungrab()
                self._d.flush()
        self._close()

    def settle(self) -> None:
        """A round trip, then every event the server sent before answering it is handled: input
        processed earlier has surely been seen (tests wait on this instead of sleeping)."""
        if self._d is None:
            return
        try:
            xrequest.GetInputFocus(display=self._d)
        except (xerror.ConnectionClosedError, OSError) as exc:
            self._lose(exc)
            return
        self._drain()

    # Internals.

    def _wanted(self, combo: Combo) -> frozenset[tuple[int, int]]:
        """The (keycode, modifiers) grabs `combo` needs under the current mappings."""
        d = self._d
        assert d is not None
        first = d.info.min_keycode
        keymap = xrequest.GetKeyboardMapping(
            display=d, first_keycode=first, count=d.info.max_keycode - first + 1
        ).keysyms
        modmap = xrequest.GetModifierMapping(display=d).keycodes
        keysym = XK.string_to_keysym(keysym_name(combo.key))
        keycodes = keycodes_for(keysym, keymap, first) if keysym else []
        if not keycodes:
            raise NotOnKeyboard(f"the keyboard layout has no {Combo((), combo.key).label()} key")
        modifiers = read_modifiers(modmap, lambda code: keymap[code - first])
        masks = grab_masks(modifiers.mask(combo), modifiers.locks)
        return frozenset((code, mask) for code in keycodes for mask in masks)

    def _grab(self, wanted: frozenset[tuple[int, int]]) -> None:
        """Grab every (keycode, modifiers) pair and wait for the server's verdict."""
        d = self._d
        assert d is not None
        errors: list[xerror.XError] = []

        def refused(error: xerror.XError, _request: object = None) -> None:
            errors.append(error)

        root = d.info.roots[d.default_screen].root
        for keycode, mask in sorted(wanted):
            xrequest.GrabKey(
                display=d,
                onerror=refused,
                owner_events=False,
                grab_window=root,
                modifiers=mask,
                key=keycode,
                pointer_mode=X.GrabModeAsync,
                keyboard_mode=X.GrabModeAsync,
            )
        self._grabs, self._keycodes = wanted, frozenset(code for code, _ in wanted)
        xrequest.GetInputFocus(display=d)  # a round trip: every grab's error has arrived
        if errors:
            self._ungrab()
            if any(isinstance(error, xerror.BadAccess) for error in errors):
                raise HotkeyTaken("another X client grabs this combination")
            raise HotkeyUnavailable(f"the X server refused the grab ({errors[0]})")

    def _ungrab(self) -> None:
        d = self._d
        assert d is not None
        root = d.info.roots[d.default_screen].root
        for keycode, mask in sorted(self._grabs):
            xrequest.UngrabKey(display=d, key=keycode, grab_window=root, modifiers=mask)
        self._grabs, self._keycodes = frozenset(), frozenset()

    def _drain(self) -> None:
        """Read every pending event: presses of our key emit, mapping changes re-grab."""
        try:
            while self._d is not None and self._d.pending_events():
                if self._handle(self._d.next_event()) and self._d is not None:
                    self._regrab()
        except (xerror.ConnectionClosedError, OSError) as exc:
            self._lose(exc)

    def _handle(self, event: Any) -> bool:
        """Act on one event; True when it changed a keyboard mapping."""
        self.events_received += 1
        if event.type in (X.KeyPress, X.KeyRelease):
            self.key_events += 1
        if event.type == X.KeyPress and event.detail in self._keycodes:
            if event.time != self._released_at:  # not an auto-repeat
                self._emit()
        elif event.type == X.KeyRelease and event.detail in self._keycodes:
            self._released_at = event.time
        elif event.type == X.MappingNotify:
            return event.request in (X.MappingKeyboard, X.MappingModifier)
        return False

    def _regrab(self) -> None:
        """Follow a new keyboard or modifier mapping; a clash with another client is late news."""
        assert self._combo is not None
        try:
            wanted = self._wanted(self._combo)
            if wanted == self._grabs:
                return
            self._ungrab()
            self._grab(wanted)
        except HotkeyUnavailable as exc:
            label = self._combo.label()
            if isinstance(exc, HotkeyTaken):
                self._fail(f"{label} is taken by another program since the keyboard changed")
            else:
                self._fail(f"{label} cannot be grabbed since the keyboard changed: {exc}")
            self.stop()

    def _lose(self, exc: BaseException) -> None:
        name = self._d.display_name if self._d is not None else "?"
        fail = self._fail
        self.stop()
        fail(f"the connection to the display was lost ({name}: {type(exc).__name__})")

    def _count_error(self, _error: xerror.XError, _request: object = None) -> None:
        """An asynchronous protocol error (none is expected): counted, never printed."""
        self.async_errors += 1

    def _close(self) -> None:
        d, self._d = self._d, None
        if d is not None:
            with contextlib.suppress(xerror.ConnectionClosedError, OSError):
                d.close()


def _nothing() -> None:
    """`emit` before start and after stop."""


def _nothing_said(_reason: str) -> None:
    """`fail` before start and after stop."""
