"""`python -m tests.bench.watch_probes MODE`: helper processes for bench_watcher.

* `watch`: the X11 watcher under the blocking (CLI) driver, one JSON line per change with a
  `time.monotonic()` stamp taken the moment the Context is delivered.
* `observe`: a bare python-xlib client that stamps every `_NET_ACTIVE_WINDOW` PropertyNotify
  on arrival and prints the new value: the outside reference for "window activated".
* `poll`: what we compare against, a once-a-second poller of the same windows (active window,
  its WM_CLASS and title each second), as ActivityWatch's window watcher does.

CLOCK_MONOTONIC is one clock for all processes on Linux, so stamps compare across them.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time

from Xlib import X, Xatom
from Xlib import display as xdisplay


def watch() -> int:
    from app.desktop.watch.base import ContextChanged
    from app.desktop.watch.blocking_driver import BlockingDriver
    from app.desktop.watch.x11 import X11Watcher

    def emit(event: ContextChanged) -> None:
        stamp = time.monotonic()
        row = {"t": stamp, "app": event.context.app, "title": event.context.title}
        print(json.dumps(row), flush=True)

    backend = X11Watcher()
    print(json.dumps({"t": time.monotonic(), "ready": True}), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        BlockingDriver(backend).run(emit)
    return 0


def observe() -> int:
    d = xdisplay.Display()
    root = d.screen().root
    active = d.intern_atom("_NET_ACTIVE_WINDOW")
    root.change_attributes(event_mask=X.PropertyChangeMask)
    d.sync()
    print(json.dumps({"t": time.monotonic(), "ready": True}), flush=True)
    try:
        while True:
            event = d.next_event()
            stamp = time.monotonic()
            if event.type == X.PropertyNotify and event.atom == active:
                reply = root.get_property(active, X.AnyPropertyType, 0, 1)
                wid = int(reply.value[0]) if reply is not None and len(reply.value) else 0
                print(json.dumps({"t": stamp, "wid": wid}), flush=True)
    except KeyboardInterrupt:
        return 0


def poll() -> int:
    d = xdisplay.Display()
    root = d.screen().root
    active = d.intern_atom("_NET_ACTIVE_WINDOW")
    net_name = d.intern_atom("_NET_WM_NAME")
    last = None
    print(json.dumps({"t": time.monotonic(), "ready": True}), flush=True)
    try:
        while True:
            reply = root.get_property(active, X.AnyPropertyType, 0, 1)
            wid = int(reply.value[0]) if reply is not None and len(reply.value) else 0
            state = None
            if wid:
                window = d.create_resource_object("window", wid)
                klass = window.get_property(Xatom.WM_CLASS, X.AnyPropertyType, 0, 256)
                name = window.get_property(net_name, X.AnyPropertyType, 0, 4096)
                state = (wid, klass and klass.value, name and name.value)
            if state != last:
                last = state
                print(json.dumps({"t": time.monotonic(), "wid": wid}), flush=True)
            time.sleep(1.0)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit({"watch": watch, "observe": observe, "poll": poll}[sys.argv[1]]())
