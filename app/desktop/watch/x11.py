"""X11 backend: the active window from EWMH PropertyNotify events, no polling (python-xlib).

How it works:

* the root window's `_NET_ACTIVE_WINDOW` (set by any EWMH window manager) is watched with
  `PropertyChangeMask`; on the active window we watch `_NET_WM_NAME`, `WM_NAME`, `WM_CLASS`
  and `_NET_WM_STATE`, and deselect the previous active window, so only events that matter
  wake us up;
* on a switch the new window's properties are fetched in one pipelined round trip (all
  GetProperty requests sent, then all replies read), which keeps event → Context around a
  millisecond;
* app id = WM_CLASS class lower-cased (`appid.from_wm_class`); when a window has no WM_CLASS
  the executable of `_NET_WM_PID` (from /proc, local clients only) stands in. Full screen =
  `_NET_WM_STATE_FULLSCREEN` in `_NET_WM_STATE`. Titles: `_NET_WM_NAME`, else `WM_NAME`,
  decoded as UTF-8, else Latin-1;
* idle time comes from the MIT-SCREEN-SAVER extension. It and `ping()` use a second, lazily
  opened connection that never selects events: a round trip on the watching connection would
  read events into python-xlib's queue, where they would sit unseen because the socket is no
  longer readable.

Failure handling: a window that vanishes between the event and the query (BadWindow,
synchronous or asynchronous) is skipped quietly and the next `_NET_ACTIVE_WINDOW` change
corrects the picture. When the X server goes away the socket reads EOF: `dispatch()` returns
one `WatcherLost("X connection lost: …")` and closes, so `fileno()` is None and no driver can
spin on a dead descriptor. No window manager publishing `_NET_ACTIVE_WINDOW` is not fatal
(one may start later) but is reported in `warning`.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

from Xlib import X, Xatom
from Xlib import display as xdisplay
from Xlib import error as xerror
from Xlib.protocol import request as xrequest

from app.core.context import Context
from app.desktop.watch import appid
from app.desktop.watch.base import BackendUnavailable, WatcherBackend, WatchEvent

_ATOMS = (
    "_NET_ACTIVE_WINDOW",
    "_NET_SUPPORTED",
    "_NET_SUPPORTING_WM_CHECK",
    "_NET_WM_NAME",
    "_NET_WM_PID",
    "_NET_WM_STATE",
    "_NET_WM_STATE_FULLSCREEN",
    "UTF8_STRING",
    "_CUECARDS_PING",
)
# Title text can be long (browser tabs); 16 KiB is far beyond any title a card matches.
_MAX_TITLE_LONGS = 4096
_VANISHED = (xerror.BadWindow, xerror.BadDrawable, xerror.BadMatch, xerror.BadValue)


@dataclass(frozen=True, slots=True)
class _WindowInfo:
    """What one window said about itself in one round trip."""

    app: str
    title: str
    pid: int | None
    fullscreen: bool
    exe: str | None


def _ignore_x_error(*_args: object) -> None:
    """Asynchronous X errors (a watched window vanished) are expected: drop them silently."""


def _decode(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class X11Watcher(WatcherBackend):
    """Active window, title and full screen of an X11 session; see the module docstring."""

    name = "x11"

    def __init__(self, display_name: str | None = None) -> None:
        super().__init__()
        self._display_name = display_name or os.environ.get("DISPLAY", "")
        try:
            self._d = xdisplay.Display(display_name)
        except (xerror.DisplayError, OSError) as exc:
            raise BackendUnavailable(
                f"cannot open X display {self._display_name!r}: {exc}"
            ) from exc
        self._aux: xdisplay.Display | None = None
        self.errors = 0  # protocol errors skipped (see dispatch)
        self._d.set_error_handler(_ignore_x_error)
        try:
            self._atoms = {n: self._d.intern_atom(n) for n in _ATOMS}
            self._root = self._d.screen().root
            self._root.change_attributes(event_mask=X.PropertyChangeMask)
            self._active_id: int | None = None  # None: unknown, re-read on the next change
            self._watched = {
                self._atoms["_NET_WM_NAME"],
                Xatom.WM_NAME,
                Xatom.WM_CLASS,
                self._atoms["_NET_WM_STATE"],
            }
            self.warning = self._check_window_manager()
            self._switch()
            self._pending.clear()  # the starting context is current(), not a change
            self._d.flush()
        except (xerror.ConnectionClosedError, OSError) as exc:
            self.close()
            raise BackendUnavailable(f"X connection lost while starting: {exc}") from exc

    def fileno(self) -> int | None:
        return None if self.closed else self._d.fileno()

    def dispatch(self) -> list[WatchEvent]:
        if self.closed:
            return self._take()
        try:
            self._drain()
        except (xerror.ConnectionClosedError, OSError) as exc:
            self._lose(f"X connection lost: display {self._display_name} went away ({exc})")
        except xerror.XError:
            # Any other protocol error concerns one request (a window that changed under
            # us); the next event re-reads the state, so count it and carry on.
            self.errors += 1
            self._active_id = None
        return self._take()

    def idle_seconds(self) -> float | None:
        if self.closed:
            return None
        try:
            aux = self._aux_display()
            if not aux.has_extension("MIT-SCREEN-SAVER"):
                return None
            info = aux.screen().root.screensaver_query_info()
            return info.idle / 1000.0
        except (xerror.DisplayError, xerror.XError, xerror.ConnectionClosedError, OSError):
            self._drop_aux()
            return None

    def ping(self) -> bool:
        """Touch a private root property from the second connection; we get PropertyNotify."""
        if self.closed:
            return False
        try:
            aux = self._aux_display()
            root = aux.screen().root
            atom = self._atoms["_CUECARDS_PING"]
            root.change_property(atom, Xatom.CARDINAL, 32, [os.getpid()])
            root.delete_property(atom)
            aux.sync()
            return True
        except (xerror.DisplayError, xerror.XError, xerror.ConnectionClosedError, OSError):
            self._drop_aux()
            return False

    def close(self) -> None:
        if self.closed:
            return
        super().close()
        self._drop_aux()
        with contextlib.suppress(xerror.ConnectionClosedError, OSError):
            self._d.close()

    # Internals.

    def _drain(self) -> None:
        d = self._d
        net_active = self._atoms["_NET_ACTIVE_WINDOW"]
        root_id = self._root.id
        while True:
            need_switch = need_props = False
            while d.pending_events():
                event = d.next_event()
                self.events_received += 1
                if event.type != X.PropertyNotify:
                    continue
                wid = event.window.id
                if wid == root_id:
                    need_switch = need_switch or event.atom == net_active
                elif wid == self._active_id and event.atom in self._watched:
                    need_props = True
            if need_switch:
                self._switch()
            elif need_props:
                self._refresh_active()
            else:
                return

    def _switch(self) -> None:
        """Follow `_NET_ACTIVE_WINDOW`: move our event selection and report the new window."""
        reply = self._root.get_property(self._atoms["_NET_ACTIVE_WINDOW"], X.AnyPropertyType, 0, 1)
        wid = int(reply.value[0]) if reply is not None and len(reply.value) else 0
        if wid == self._active_id:
            return  # the WM re-set the same value
        if self._active_id:
            old = self._d.create_resource_object("window", self._active_id)
            old.change_attributes(event_mask=X.NoEventMask, onerror=_ignore_x_error)
        self._active_id = wid
        if not wid:
            self._offer(Context(app="", title="", backend=self.name))
            return
        window = self._d.create_resource_object("window", wid)
        window.change_attributes(event_mask=X.PropertyChangeMask, onerror=_ignore_x_error)
        self._refresh_active()

    def _refresh_active(self) -> None:
        info = self._read_window(self._active_id)
        if info is None:  # vanished mid-query: the WM's next _NET_ACTIVE_WINDOW sets us right
            self._active_id = None
            return
        context = Context(
            app=info.app,
            title=info.title,
            backend=self.name,
            pid=info.pid,
            fullscreen=info.fullscreen,
        )
        self._offer(context, info.exe)

    def _read_window(self, wid: int) -> _WindowInfo | None:
        """All properties of one window in one pipelined round trip; None if it vanished."""
        a = self._atoms
        wanted = (
            (a["_NET_WM_NAME"], _MAX_TITLE_LONGS),
            (Xatom.WM_NAME, _MAX_TITLE_LONGS),
            (Xatom.WM_CLASS, 256),
            (a["_NET_WM_PID"], 1),
            (a["_NET_WM_STATE"], 64),
        )
        requests = [
            xrequest.GetProperty(
                display=self._d.display,
                defer=True,
                delete=False,
                window=wid,
                property=atom,
                type=X.AnyPropertyType,
                long_offset=0,
                long_length=length,
            )
            for atom, length in wanted
        ]
        values: list[object | None] = []
        try:
            for req in requests:
                req.reply()
                values.append(req.value[1] if req.property_type else None)
        except _VANISHED:
            return None
        net_name, wm_name, wm_class, pid_value, state = values
        title_raw = net_name if net_name is not None else wm_name
        title = _decode(title_raw) if isinstance(title_raw, bytes | str) else ""
        instance = klass = ""
        if isinstance(wm_class, bytes | str):
            parts = _decode(wm_class).split("\0")
            instance = parts[0] if parts else ""
            klass = parts[1] if len(parts) > 1 else ""
        pid = int(pid_value[0]) if pid_value is not None and len(pid_value) else None
        fullscreen = state is not None and a["_NET_WM_STATE_FULLSCREEN"] in list(state)
        exe = appid.exe_for_pid(pid) if pid else None
        app = appid.from_wm_class(instance, klass) or (exe or "")
        return _WindowInfo(app, title, pid, fullscreen, exe)

    def _check_window_manager(self) -> str | None:
        reply = self._root.get_property(self._atoms["_NET_SUPPORTED"], Xatom.ATOM, 0, 1024)
        if reply is not None and self._atoms["_NET_ACTIVE_WINDOW"] in list(reply.value):
            return None
        return (
            "the window manager does not publish _NET_ACTIVE_WINDOW (EWMH), so window "
            "switches cannot be seen; run an EWMH window manager (GNOME, KDE, Xfce, "
            "openbox, i3 and most others are)"
        )

    def _aux_display(self) -> xdisplay.Display:
        if self._aux is None:
            self._aux = xdisplay.Display(self._display_name or None)
            self._aux.set_error_handler(_ignore_x_error)
        return self._aux

    def _drop_aux(self) -> None:
        if self._aux is not None:
            with contextlib.suppress(xerror.ConnectionClosedError, OSError):
                self._aux.close()
            self._aux = None
