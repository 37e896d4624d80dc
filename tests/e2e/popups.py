"""Watch a real X display from outside the app: window activations and Cuecards popups.

A python-xlib client selects SubstructureNotify and PropertyChange on the root window and
Structure/SubstructureNotify on every window as it is created, and stamps (CLOCK_MONOTONIC)
each `_NET_ACTIVE_WINDOW` change, each map/unmap of a window whose title starts with
`Cuecards: `, and the moment the Cuecards icon is mapped inside trayer's panel. Tests run it on
a thread (`XObserver`); the benchmark runs it as its own process (`python -m tests.e2e.popups
DISPLAY` prints one JSON line per event), so the two share no GIL.
"""

from __future__ import annotations

import json
import select
import sys
import threading
import time
from dataclasses import asdict, dataclass

from Xlib import X, Xatom, display, error

POPUP_PREFIX = "Cuecards: "
SETTLE_ATOM = "_CUECARDS_TEST_SETTLE"
OWN_CLASS = "cuecards"
TRAY_CLASS = "trayer"


@dataclass(frozen=True)
class Seen:
    """One observed event: "active" (window `wid` became active), "map" or "unmap" (a popup),
    "docked" (a Cuecards icon appeared inside trayer's panel)."""

    t: float
    kind: str
    wid: int
    title: str = ""


class XObserver:
    """Records activations and popup maps on `display_name` until `stop()`."""

    def __init__(self, display_name: str) -> None:
        self._conn = display.Display(display_name)
        self._conn.set_error_handler(lambda *_: None)
        # python-xlib registers some extension errors (RandR, Damage) over the core codes 0-2,
        # so a plain BadValue would be parsed as BadRRMode and break the reply loop.
        self._conn.display.error_classes.update(error.xerror_class)
        self._root = self._conn.screen().root
        self._active_atom = self._conn.intern_atom("_NET_ACTIVE_WINDOW")
        self._name_atom = self._conn.intern_atom("_NET_WM_NAME")
        self._utf8 = self._conn.intern_atom("UTF8_STRING")
        self._settle_atom = self._conn.intern_atom(SETTLE_ATOM)
        self._popups: dict[int, str] = {}  # mapped popups: id → title
        self._docked: set[int] = set()
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self.seen: list[Seen] = []
        self._root.change_attributes(event_mask=X.SubstructureNotifyMask | X.PropertyChangeMask)
        self._watch_tree(self._root)
        self._conn.sync()
        self._thread: threading.Thread | None = None

    # Test-side API.

    def start(self) -> XObserver:
        self._thread = threading.Thread(target=self.run, name="x-observer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._conn.close()

    def mark(self) -> int:
        """The index the next event will get (to look only at what happens after now)."""
        with self._cond:
            return len(self.seen)

    def popups(self, since: int = 0, kind: str = "map") -> list[Seen]:
        """Popup maps (or unmaps) observed since index `since`."""
        with self._cond:
            return [s for s in self.seen[since:] if s.kind == kind]

    def wait(self, kind: str, since: int = 0, title: str | None = None, timeout: float = 20.0):
        """The first `kind` event since `since` (with that popup title, if given)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for seen in self.seen[since:]:
                    if seen.kind == kind and (title is None or seen.title == title):
                        return seen
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    recent = [f"{s.kind} {s.title}" for s in self.seen[since:]][-8:]
                    raise AssertionError(
                        f"no {kind} {title or ''} within {timeout:.0f} s; saw {recent}"
                    )
                self._cond.wait(remaining)

    def settle(self) -> None:
        """Wait until every event the server sent before now has been recorded: a property
        change on the root window, made now, reaches the observer after all earlier events."""
        since = self.mark()
        probe = display.Display(self._conn.get_display_name())
        try:
            atom = probe.intern_atom(SETTLE_ATOM)
            probe.screen().root.change_property(atom, Xatom.STRING, 8, b"settle")
            probe.sync()
        finally:
            probe.close()
        self.wait("settle", since=since, timeout=10)

    # The loop.

    def run(self, emit=None) -> None:  # noqa: ANN001 - a callback for the process mode
        fd = self._conn.fileno()
        while not self._stop.is_set():
            if not self._conn.pending_events():
                ready, _, _ = select.select([fd], [], [], 0.1)
                if not ready:
                    continue
            while self._conn.pending_events():
                event = self._conn.next_event()
                now = time.monotonic()
                seen = self._handle(event, now)
                if seen is not None:
                    with self._cond:
                        self.seen.append(seen)
                        self._cond.notify_all()
                    if emit is not None:
                        emit(seen)

    def _handle(self, event, now: float) -> Seen | None:  # noqa: ANN001
        try:
            if event.type == X.PropertyNotify and event.window == self._root:
                if event.atom == self._active_atom:
                    prop = self._root.get_full_property(self._active_atom, X.AnyPropertyType)
                    wid = int(prop.value[0]) if prop is not None and len(prop.value) else 0
                    return Seen(now, "active", wid)
                if event.atom == self._settle_atom:
                    return Seen(now, "settle", 0)
                return None
            if event.type == X.CreateNotify:
                self._watch(event.window)
                return None
            if event.type == X.ReparentNotify and event.window.id not in self._docked:
                # Select first, then look: a map before the selection took effect shows as
                # viewable, one after it arrives as a MapNotify. Either way it is seen once.
                self._watch(event.window)
                viewable = event.window.get_attributes().map_state == X.IsViewable
                if viewable and self._in_tray(event.window):
                    self._docked.add(event.window.id)
                    return Seen(now, "docked", event.window.id)
                return None
            if event.type == X.DestroyNotify:  # X reuses ids of clients that went away
                self._docked.discard(event.window.id)
                self._popups.pop(event.window.id, None)
                return None
            # A child of the root is reported twice (root's substructure, its own structure).
            own = event.type in (X.MapNotify, X.UnmapNotify) and event.event == event.window
            if event.type == X.MapNotify and own:
                title = self._title(event.window)
                if title.startswith(POPUP_PREFIX):
                    self._popups[event.window.id] = title
                    return Seen(now, "map", event.window.id, title)
                return None
            if event.type == X.MapNotify and event.window.id not in self._docked:
                if self._in_tray(event.window):
                    self._docked.add(event.window.id)
                    return Seen(now, "docked", event.window.id)
                return None
            if event.type == X.UnmapNotify and own and event.window.id in self._popups:
                return Seen(now, "unmap", event.window.id, self._popups[event.window.id])
        except (error.XError, AttributeError):  # a window gone before we asked about it
            return None
        return None

    def _watch(self, window) -> None:  # noqa: ANN001
        # Substructure too: an icon embedded in the tray is mapped inside trayer's window.
        # A window destroyed meanwhile answers with an error the handler ignores.
        window.change_attributes(event_mask=X.StructureNotifyMask | X.SubstructureNotifyMask)

    def _in_tray(self, window) -> bool:  # noqa: ANN001
        """A Cuecards window inside trayer's panel: the tray icon, docked."""
        try:
            if OWN_CLASS not in (window.get_wm_class() or ()):
                return False
            parent = window.query_tree().parent
            while parent and parent.id != self._root.id:
                if TRAY_CLASS in (parent.get_wm_class() or ()):
                    return True
                parent = parent.query_tree().parent
        except error.XError:
            return False
        return False

    def _watch_tree(self, window) -> None:  # noqa: ANN001
        try:
            children = window.query_tree().children
        except error.XError:
            return
        for child in children:
            self._watch(child)
            self._watch_tree(child)

    def _title(self, window) -> str:  # noqa: ANN001
        try:
            prop = window.get_full_property(self._name_atom, self._utf8)
            if prop is not None:
                value = prop.value
                return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
            return window.get_wm_name() or ""
        except error.XError:
            return ""


def main(argv: list[str]) -> int:
    """Process mode: print one JSON line per event until stdin closes."""
    observer = XObserver(argv[1])

    def emit(seen: Seen) -> None:
        print(json.dumps(asdict(seen)), flush=True)

    threading.Thread(target=lambda: (sys.stdin.read(), observer._stop.set()), daemon=True).start()
    print(json.dumps({"t": time.monotonic(), "kind": "ready", "wid": 0, "title": ""}), flush=True)
    observer.run(emit)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
