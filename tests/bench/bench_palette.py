"""Search palette figures: hotkey → palette visible, the palette's query path over 50k cards,
and keystroke → results painted.

- Query: the palette's own path (catalog FTS5 search, the mistyped-word retry and the
  re-ranking by votes and reviews) over 50k generated cards (bench_catalog's corpus), with the
  app boost on; the catalog's search alone on the same queries is the yardstick beside it.
- Keystroke → painted: in a child process on Qt's offscreen platform, the time from
  QTest.keyClick of a query's last character to the results list's next paint event (query,
  model reset and layout included; the offscreen platform paints into memory, so the X
  server's share is not in it).
- Hotkey → visible: on Xvfb + openbox, the real app (`cuecards run` on the 50k-card database)
  listens for the global hotkey (pynput); this process presses Ctrl+Alt+Space through XTEST
  (what `xdotool key` does, without xdotool's own start-up, about 17 ms here, in the figure)
  and stamps the MapNotify of the `Cuecards search` window on its own python-xlib connection,
  then closes it with `xdotool key Escape`. The yardstick, measured just before in the same
  session, is `palette_probes hotkey`: a bare PySide6 window behind the same hotkey backend.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from Xlib import XK, X, display
from Xlib.ext import xtest

from app.store.catalog import Catalog
from app.store.db import open_database
from tests.bench.bench_catalog import SEED, _queries, _Text, make_pack
from tests.bench.common import BenchError, metric, percentile, require
from tests.bench.palette_probes import BARE_TITLE
from tests.e2e.apps import start_app, stop_app, wait_for
from tests.e2e.moment import window_titled
from tests.e2e.xsession import XSession, end_process, missing_tools

METRICS = (
    "palette_query_50k_p95_ms",
    "palette_keystroke_to_paint_p95_ms",
    "hotkey_to_palette_visible_p50_ms",
)
X_TOOLS = ()  # an X session, and these tools
REPO = Path(__file__).resolve().parents[2]
PACK_CARDS, QUICK_PACK_CARDS = 10_000, 200  # five packs of these
QUERIES, QUICK_QUERIES = 600, 60
WARM_QUERIES = 50  # the first searches fill SQLite's page cache: not measured
HOTKEY_PRESSES, QUICK_HOTKEY_PRESSES = 100, 3
COMBO = "<ctrl>+<alt>+<space>"
DEADLINE = 10.0
PAUSE = 0.2
TITLE = "Cuecards search"
WELCOME = "Welcome to Cuecards"


def _build(path: Path, text: _Text, cards: int, queries: int) -> list[str]:
    db, _ = open_database(path)
    catalog = Catalog(db)
    packs = [make_pack(text, f"bench.p{i}", cards) for i in range(5)]
    for pack in packs:
        require(catalog.install(pack).status == "installed", f"{pack.manifest.id} not installed")
    db.close()
    return [q for q in _queries(text, packs[0], queries) if len(q) >= 2]


def _probe(command: str, db: Path, *args: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.bench.palette_probes", command, str(db), *args],
        cwd=REPO,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        **kwargs,
    )


def _typed(queries: list[str], rows: list[dict]) -> None:
    """Every keystroke arrived and painted, and the searches found cards (a broken search or a
    palette that shows nothing is fast, and no figure)."""
    require(len(rows) == len(queries), f"the probe answered {len(rows)} of {len(queries)} queries")
    lost = [q for q, r in zip(queries, rows, strict=True) if not r["typed"]]
    require(not lost, f"keystrokes lost for {lost[:3]}")
    unpainted = [q for q, r in zip(queries, rows, strict=True) if r["paint_ms"] is None]
    require(not unpainted, f"the results list never painted after typing {unpainted[:3]}")
    empty = sum(1 for r in rows if not r["hits"] or not r["shown"])
    require(empty <= len(rows) // 4, f"{empty} of {len(rows)} queries showed no card")
    require(
        all(r["shown"] == r["to_show"] for r in rows), "the palette showed other rows than found"
    )


def _bench_typing(db: Path, queries: list[str]) -> Iterator[dict]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    probe = _probe("paint", db, env=env, stderr=subprocess.PIPE)
    out, err = probe.communicate("\n".join(queries) + "\n", timeout=600)
    require(probe.returncode == 0, f"the paint probe exited with {probe.returncode}: {err[-2000:]}")
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    _typed(queries, rows)
    warm = rows[min(WARM_QUERIES, len(rows) // 3) :]
    query_ms = [r["query_ms"] for r in warm]
    catalog_ms = [r["catalog_ms"] for r in warm]
    paint_ms = [r["paint_ms"] for r in warm]
    yield metric(
        "palette_query_50k_p95_ms",
        percentile(query_ms, 95),
        "ms",
        3,
        # The catalog's search alone on the same queries in the same process: information.
        yardstick=percentile(catalog_ms, 95),
        yardstick_of="the catalog's search alone, p95",
        p50_ms=round(percentile(query_ms, 50), 3),
        queries=len(query_ms),
    )
    yield metric(
        "palette_keystroke_to_paint_p95_ms",
        percentile(paint_ms, 95),
        "ms",
        16,
        p50_ms=round(percentile(paint_ms, 50), 3),
        max_ms=round(max(paint_ms), 3),
        platform="offscreen",
    )


class Observer:
    """An X client that stamps the palette's Map/Unmap events as they arrive."""

    def __init__(self, name: str) -> None:
        self.conn = display.Display(name)
        self.root = self.conn.screen().root

    def key(self, *keysyms: str) -> float:
        """Press the keys through XTEST and release them in reverse; the time of the press."""
        codes = [self.conn.keysym_to_keycode(XK.string_to_keysym(k)) for k in keysyms]
        stamp = time.perf_counter()
        for code in codes:
            xtest.fake_input(self.conn, X.KeyPress, code)
        self.conn.flush()
        time.sleep(0.012)  # held as long as xdotool holds a key
        for code in reversed(codes):
            xtest.fake_input(self.conn, X.KeyRelease, code)
        self.conn.flush()
        return stamp

    def watch(self, wid: int) -> None:
        self.conn.create_resource_object("window", wid).change_attributes(
            event_mask=X.StructureNotifyMask
        )
        self.conn.sync()

    def wait(self, event_type: int, wid: int) -> float:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            if self.conn.pending_events():
                event = self.conn.next_event()
                if event.type == event_type and event.window.id == wid:
                    return time.perf_counter()
            else:
                time.sleep(0.0002)
        raise TimeoutError(f"no X event {event_type} for window {wid:#x}")


def _open_first(session: XSession, title: str) -> int:
    """Press the hotkey until the window titled `title` shows (the listener may still be
    starting); its X id."""

    def first_open() -> int | None:
        session.tool("xdotool", "key", "ctrl+alt+space")
        time.sleep(0.2)
        return window_titled(session.display, title)

    return wait_for(first_open, f"the window {title!r} behind the hotkey")


def _presses(session: XSession, observer: Observer, wid: int, presses: int) -> list[float]:
    """Hotkey press → MapNotify of `wid`, in ms, for each press; Escape closes it in between."""
    observer.watch(wid)

    def close() -> None:
        """Escape once the window has the focus (Escape goes to the focused window)."""
        wait_for(lambda: session.active_window() == wid, "the window to have the focus")
        session.tool("xdotool", "key", "Escape")
        observer.wait(X.UnmapNotify, wid)
        # The focus goes back to the previous window, which the app's watcher handles
        # (match, usage log): a person does not press the hotkey again within that moment.
        time.sleep(PAUSE)

    close()
    samples = []
    for _ in range(presses):
        pressed = observer.key("Control_L", "Alt_L", "space")
        mapped = observer.wait(X.MapNotify, wid)
        samples.append((mapped - pressed) * 1000)
        close()
    require(len(samples) == presses, "presses went unmeasured")
    return samples


def _bare_presses(session: XSession, observer: Observer, presses: int) -> list[float]:
    """The same presses against `palette_probes hotkey`, the bare PySide6 yardstick."""
    env = {k: v for k, v in session.env().items() if k != "QT_QPA_PLATFORM"}
    env["PYTHONPATH"] = str(REPO)
    probe = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.palette_probes", "hotkey", COMBO],
        cwd=REPO,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert probe.stdout is not None and probe.stderr is not None
        if probe.stdout.readline().strip() != "ready":
            raise BenchError(f"the bare hotkey probe did not start: {probe.stderr.read()[-2000:]}")
        wid = _open_first(session, BARE_TITLE)
        return _presses(session, observer, wid, presses)
    finally:
        end_process(probe)


def _bench_hotkey(db: Path, presses: int) -> Iterator[dict]:
    missing = missing_tools(X_TOOLS)
    if missing:
        raise BenchError(f"X tools missing: {', '.join(missing)} (sh tests/system-deps.sh)")
    data = db.parent / "app"
    data.mkdir()
    shutil.copy(db, data / "cuecards.db")
    subprocess.run(
        [sys.executable, "-m", "app", "config", "set", "packs.demo", "false"]
        + ["--data-dir", str(data)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    session = XSession().start()
    app = None
    try:
        session.start_trayer()
        excel = session.spawn_window("Budget.xlsx - Excel", "Excel")
        session.activate(excel)
        observer = Observer(session.display)
        bare = _bare_presses(session, observer, presses)
        session.activate(excel)
        app = start_app(session.env(), data)
        welcome = wait_for(lambda: window_titled(session.display, WELCOME), "the welcome card")
        session.tool("xdotool", "windowactivate", "--sync", str(welcome), "key", "Return")
        wait_for(lambda: window_titled(session.display, WELCOME) is None, "the welcome to close")
        session.activate(excel)
        wid = _open_first(session, TITLE)
        samples = _presses(session, observer, wid, presses)
        require(app.poll() is None, "the app exited while it was measured")
        yield metric(
            "hotkey_to_palette_visible_p50_ms",
            percentile(samples, 50),
            "ms",
            1.3,
            budget_of="ratio",
            yardstick=percentile(bare, 50),
            yardstick_of="a bare PySide6 window behind the same hotkey, p50",
            p95_ms=round(percentile(samples, 95), 3),
            max_ms=round(max(samples), 3),
            bare_p95_ms=round(percentile(bare, 95), 3),
            presses=len(samples),
            backend="pynput",
        )
    finally:
        if app is not None:
            stop_app(app)
        session.stop()


def run(quick: bool = False) -> Iterator[dict]:
    cards = QUICK_PACK_CARDS if quick else PACK_CARDS
    text = _Text(random.Random(SEED))
    with tempfile.TemporaryDirectory(prefix="cuecards-bench-palette-") as tmp:
        db = Path(tmp) / "palette.db"
        queries = _build(db, text, cards, QUICK_QUERIES if quick else QUERIES)
        yield from _bench_typing(db, queries)
        yield from _bench_hotkey(db, QUICK_HOTKEY_PRESSES if quick else HOTKEY_PRESSES)
