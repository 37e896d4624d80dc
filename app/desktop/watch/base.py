"""The one interface every active-window backend implements, and the events it reports.

A backend turns the OS's own notifications into `WatchEvent`s; it never polls.

Two kinds of backend, one interface:

* **fd backends** (X11, sway/i3, Hyprland): `fileno()` returns a file descriptor that becomes
  readable when OS events wait. A driver waits on it (`QSocketNotifier` in the app, `select()`
  in the CLI) and then calls `dispatch()`, which drains what is pending without blocking.
* **loop backends** (Windows WinEvent hooks, macOS notifications, KDE and GNOME over QtDBus):
  the OS calls back on the thread that runs its message loop. `fileno()` returns None; the
  backend records the change and calls `on_change()` (set by the driver), and the driver then
  calls `dispatch()`. Inside a Qt application Qt's loop pumps those messages; without Qt the
  CLI driver calls `pump(timeout)` to run the OS loop on its own thread.

`dispatch()` returns `ContextChanged` only when the (app, title, fullscreen) triple actually
changed, so a driver never has to de-duplicate. A pid-only or exe-only change is not news.
Several OS events drained in one `dispatch()` are merged into the state they end in: the
person is where the last event put them, so one batch yields at most one `ContextChanged`,
and none when it ends where it began (`focus alpha; focus beta; focus alpha` from alpha).
Windows passed through within one batch (milliseconds) could never hold a card's dwell, and
`cuecards watch` shows trigger authors what the tray acts on, not the compositor's chatter.
`WatcherLost` is returned once, when the session goes away (the X server died, the
compositor quit), after the batch's change; the backend is closed by then and a driver stops
watching it.

Titles are kept in memory only; nothing here writes them anywhere.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from app.core.context import Context


@dataclass(frozen=True, slots=True)
class ContextChanged:
    """The active window, its title or its full-screen state changed to `context`.

    `exe` is the executable's base name when the backend could learn it (X11 `_NET_WM_PID`,
    Windows process image, Hyprland/sway pid); Context has no field for it.
    """

    context: Context
    exe: str | None = None


@dataclass(frozen=True, slots=True)
class WatcherLost:
    """The backend lost its session (display server or compositor gone) and has closed."""

    message: str


WatchEvent = ContextChanged | WatcherLost


class BackendUnavailable(Exception):
    """A backend cannot start here; the message tells the person what to install or enable."""


class WatcherBackend(ABC):
    """Base of every active-window backend: de-duplication, the pending queue, the hooks.

    Subclasses call `_offer()` with each context they observe and `_lose()` when the session
    is gone; `dispatch()` of an fd backend drains the OS and returns `_take()`.
    """

    name: ClassVar[str] = "none"

    def __init__(self) -> None:
        self.on_change: Callable[[], None] | None = None
        # Raw OS events processed so far (also pings); `doctor` reads it to prove delivery.
        self.events_received = 0
        # A person-facing caveat found at start (e.g. no EWMH window manager yet), or None.
        self.warning: str | None = None
        self.closed = False
        self._last: Context | None = None
        self._last_exe: str | None = None
        self._pending: list[WatchEvent] = []
        # The context before the first change now queued: a batch that ends there is no news.
        self._batch_from: Context | None = None

    def fileno(self) -> int | None:
        """The descriptor that becomes readable when events wait; None for loop backends."""
        return None

    @abstractmethod
    def dispatch(self) -> list[WatchEvent]:
        """Drain pending OS events without blocking and return what changed, oldest first."""

    def has_pending(self) -> bool:
        """True when `dispatch()` has events queued (loop backends report from callbacks)."""
        return bool(self._pending)

    def current(self) -> Context | None:
        """The last context observed (no OS round trip), or None before the first one."""
        return self._last

    def current_exe(self) -> str | None:
        """The executable name behind `current()`, when the backend knows it."""
        return self._last_exe

    def idle_seconds(self) -> float | None:
        """Seconds since the person last used keyboard or mouse; None where the OS won't say."""
        return None

    def ping(self) -> bool:
        """Ask the OS for one harmless event so a check can prove delivery; False if impossible.

        The answering event only bumps `events_received`; it is never reported as a change.
        """
        return False

    def pump(self, timeout: float | None) -> None:
        """Run the OS event loop on this thread until `on_change` fires or `timeout` passes.

        Only loop backends need it (fd backends are waited on through `fileno()`).
        KeyboardInterrupt propagates.
        """
        raise NotImplementedError(f"{self.name} is driven through fileno()")

    def interrupt(self) -> None:  # noqa: B027 - an optional hook: fd backends need none
        """Wake a `pump()` running on another thread (thread-safe); no-op for fd backends."""

    def close(self) -> None:
        """Release OS resources (connections, hooks, observers); safe to call twice."""
        self.closed = True

    # Helpers for subclasses.

    def _offer(self, context: Context, exe: str | None = None) -> bool:
        """Queue `context` if app, title or full screen differ from the last one; True if so."""
        last = self._last
        self._last_exe = exe
        if last is not None and _same(last, context):
            self._last = context
            return False
        if not self._pending:
            self._batch_from = last
        self._last = context
        self._pending.append(ContextChanged(context, exe))
        return True

    def _lose(self, message: str) -> None:
        """Queue the one `WatcherLost` and close; later calls add nothing."""
        if not self.closed:
            self._pending.append(WatcherLost(message))
            self.close()

    def _take(self) -> list[WatchEvent]:
        """Hand over and clear the queued events, merged: the batch's final change, if it
        differs from where the batch began, then the loss, if any (module docstring)."""
        events, self._pending = self._pending, []
        changes = [e for e in events if isinstance(e, ContextChanged)]
        merged: list[WatchEvent] = []
        if changes and (
            self._batch_from is None or not _same(self._batch_from, changes[-1].context)
        ):
            merged.append(changes[-1])
        merged += [e for e in events if isinstance(e, WatcherLost)]
        return merged

    def _notify(self) -> None:
        """Tell the driver (loop backends) that `dispatch()` has something for it."""
        if self._pending and self.on_change is not None:
            self.on_change()


def _same(a: Context, b: Context) -> bool:
    """Whether two contexts look the same to a person: app, title and full screen."""
    return (a.app, a.title, a.fullscreen) == (b.app, b.title, b.fullscreen)
