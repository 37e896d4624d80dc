"""The moment of need, measured from outside the app on a real X session with a 10k-card pack.

* `popup_latency_p95_ms`: a separate python-xlib process (`tests.e2e.popups`) stamps each
  `_NET_ACTIVE_WINDOW` change and each map of a window titled `Cuecards: …`; latency = map −
  activation of the window that card is for. Dwell 0, no gap, caps at their maximum and no
  cooldown, so every switch to one of two xterms (apps `excel` and `app1`, each with cards)
  pops a card; a third window with no cards in between takes the last popup away.
  The budget is on the ratio to the yardstick: the same switches against `moment_probe` (the
  X11 watcher and a bare Qt window, nothing of Cuecards), run just before.
* `startup_tray_s`: process start (just before `Popen`) → the Cuecards icon mapped inside
  trayer's panel, as the observer sees it; best and median of a few starts.
* `rss_10k_mb`: VmRSS of the app with the 10k cards loaded, after the latency run settled;
  beside it `no_cards_mb`, the same app on a data directory without packs, and the yardstick
  (information), a PySide6 tray icon that does nothing (`moment_probe --tray`).
* `rss_10k_after_search_mb`: the same process once a palette search with typos ran (the
  word list and the typo matcher load on the first search).
* `idle_cpu_60s`: utime+stime from /proc/PID/stat over 60 s with no window changes, with the
  scheduler's run time and the number of wake-ups (context switches) of all its threads.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.bench.bench_watcher import _tasks, task_delta
from tests.bench.common import BenchError, metric, percentile, require
from tests.e2e.apps import start_app, stop_app, wait_for
from tests.e2e.moment import window_titled
from tests.e2e.xsession import XSession, XWindow, end_process, missing_tools

METRICS = (
    "startup_tray_s",
    "popup_latency_p95_ms",
    "rss_10k_mb",
    "rss_10k_after_search_mb",
    "idle_cpu_60s",
)
X_TOOLS = ("trayer",)  # an X session, and these tools
REPO = Path(__file__).resolve().parents[2]
BARE_POPUP = "Cuecards: bare"
PALETTE = "Cuecards search"


@dataclass(frozen=True)
class Sizes:
    """The full bench, or `QUICK` (the figures' names stay)."""

    cards: int = 10_000
    reps: int = 50
    # The hour cap is at most 60 popups: warm-up + reps + the first window stay below.
    warmup: int = 4
    starts: int = 5
    idle_seconds: float = 60.0
    settle_seconds: float = 3.0


FULL = Sizes()
QUICK = Sizes(cards=300, reps=3, warmup=1, starts=1, idle_seconds=2.0, settle_seconds=0.5)
DEADLINE = 20.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
FAST = {
    "packs.demo": "false",
    "pacing.default_dwell_seconds": "0",
    "pacing.min_gap_minutes": "0",
    "pacing.card_cooldown_days": "0",
    "pacing.max_per_hour": "60",
    "pacing.max_per_day": "500",
    "pacing.quiet_when_idle_minutes": "0",
    "pacing.popup_seconds": "600",
}


class Observer:
    """The observer process and the events it printed, waited on with a condition."""

    def __init__(self, session: XSession) -> None:
        env = {**session.env(), "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.popups", session.display],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.rows: list[dict] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.wait(lambda r: r["kind"] == "ready")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.rows.append(json.loads(line))
                self._cond.notify_all()

    def mark(self) -> int:
        with self._cond:
            return len(self.rows)

    def wait(self, predicate, since: int = 0) -> dict:  # noqa: ANN001
        deadline = time.monotonic() + DEADLINE
        with self._cond:
            while True:
                for row in self.rows[since:]:
                    if predicate(row):
                        return row
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BenchError(f"timed out; last events {self.rows[-6:]}")
                self._cond.wait(remaining)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def _configure(data: Path) -> None:
    for key, value in FAST.items():
        subprocess.run(
            [sys.executable, "-m", "app", "config", "set", key, value, "--data-dir", str(data)],
            cwd=REPO,
            check=True,
            capture_output=True,
        )


def _install_10k(data: Path, cards: int) -> None:
    """The catalog benchmark's generated pack (about 2 triggers per card, Zipf over apps)."""
    from app.store.services import Services
    from tests.bench.bench_catalog import SEED, _Text, make_pack

    services = Services(data)
    try:
        pack = make_pack(_Text(random.Random(SEED)), "bench.moment", cards)
        outcome = services.catalog.install(pack)
        require(outcome.status == "installed", f"the bench pack: {outcome}")
    finally:
        services.close()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _rss_mb(proc: subprocess.Popen) -> float:
    require(proc.poll() is None, f"the process measured exited with {proc.returncode}")
    for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchError("no VmRSS")


def _start(session: XSession, observer: Observer, data: Path) -> tuple[subprocess.Popen, float]:
    """Start the app; seconds from process start to its icon docked in trayer."""
    since = observer.mark()
    started = time.monotonic()
    proc = start_app(session.env(), data)
    docked = observer.wait(lambda r: r["kind"] == "docked", since)
    return proc, docked["t"] - started


def _windows(session: XSession) -> tuple[XWindow, XWindow, XWindow]:
    """Two windows with cards (apps excel and app1) and one without."""
    return (
        session.spawn_window("Quarterly budget.xlsx - Excel", "excel"),
        session.spawn_window("Notes - App one", "app1"),
        session.spawn_window("Terminal", "bench-neutral"),
    )


def _latency(
    session: XSession,
    observer: Observer,
    proc: subprocess.Popen,
    windows: tuple,
    sizes: Sizes,
    bare: bool = False,
) -> list[float]:
    """Activation → popup map, in ms, for each measured switch (of the app, or of the bare
    yardstick)."""
    a, b, neutral = windows
    samples = []
    for i in range(sizes.warmup + sizes.reps):
        target = (a, b)[i % 2]
        # In between, a window no card is for: the popup of the last switch goes away there,
        # so each measured switch shows a popup that was not on screen (the usual case).
        since = observer.mark()
        session.tool("xdotool", "windowactivate", str(neutral.wid))
        if i:
            observer.wait(lambda r: r["kind"] == "unmap", since)
        since = observer.mark()
        session.tool("xdotool", "windowactivate", str(target.wid))
        wid = target.wid
        active = observer.wait(lambda r, w=wid: r["kind"] == "active" and r["wid"] == w, since)
        shown = observer.wait(lambda r: r["kind"] == "map", since)
        if proc.poll() is not None:
            raise BenchError(f"the process under test exited: {proc.stderr.read()}")
        require(
            (shown["title"] == BARE_POPUP) == bare,
            f"{shown['title']!r} popped up, from neither the app nor the yardstick it measures",
        )
        if i >= sizes.warmup:
            samples.append((shown["t"] - active["t"]) * 1000)
    return samples


def _bare_latency(
    session: XSession, observer: Observer, windows: tuple, sizes: Sizes
) -> list[float]:
    """The same switches against `moment_probe`: the X11 watcher and a bare Qt window."""
    env = {**session.env(), "PYTHONPATH": str(REPO)}
    env.pop("QT_QPA_PLATFORM", None)
    probe = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.moment_probe", "excel", "app1"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert probe.stdout is not None
        require(probe.stdout.readline().strip() == "ready", "the bare popup probe did not start")
        return _latency(session, observer, probe, windows, sizes, bare=True)
    finally:
        end_process(probe)


def _rss_after_search(
    session: XSession, proc: subprocess.Popen, data: Path, settle: float
) -> float:
    """The same app once someone searched (a typo: the word list and its correction load on
    the first search, not at start), the palette closed again and settled."""
    subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), "palette"],
        cwd=REPO,
        env=session.env(),
        check=True,
        capture_output=True,
    )
    wid = wait_for(lambda: window_titled(session.display, PALETTE), "the palette")
    wait_for(lambda: session.active_window() == wid, "the palette to have the focus")
    session.tool("xdotool", "type", "--delay", "20", "refersh pviot")
    time.sleep(1.0)
    session.tool("xdotool", "key", "Escape")
    wait_for(lambda: window_titled(session.display, PALETTE) is None, "the palette to close")
    time.sleep(settle)
    return _rss_mb(proc)


def _rss_without_cards(session: XSession, observer: Observer, tmp: Path, settle: float) -> float:
    """The same app with no pack at all, after a popup-free settle: what the cards cost."""
    empty = tmp / "empty"
    subprocess.run(
        [sys.executable, "-m", "app", "config", "set", "packs.demo", "false"]
        + ["--data-dir", str(empty)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    proc, _ = _start(session, observer, empty)
    try:
        time.sleep(settle)
        return _rss_mb(proc)
    finally:
        stop_app(proc)


def _rss_bare_tray(session: XSession, observer: Observer, settle: float) -> float:
    """A bare PySide6 tray icon's resident memory, docked and settled (the yardstick)."""
    env = {**session.env(), "PYTHONPATH": str(REPO)}
    env.pop("QT_QPA_PLATFORM", None)
    since = observer.mark()
    probe = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.moment_probe", "--tray"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        observer.wait(lambda r: r["kind"] == "docked", since)
        time.sleep(settle)
        return _rss_mb(probe)
    finally:
        end_process(probe)


def _measure(session: XSession, observer: Observer, data: Path, sizes: Sizes) -> Iterator[dict]:
    starts = []
    for _ in range(sizes.starts):
        proc, seconds = _start(session, observer, data)
        starts.append(seconds)
        stop_app(proc)
    yield metric(
        "startup_tray_s",
        percentile(starts, 50),
        "s",
        0.4,
        best_s=round(min(starts), 4),
        starts=sizes.starts,
        cards=sizes.cards,
    )
    windows = _windows(session)
    bare = _bare_latency(session, observer, windows, sizes)
    proc, _ = _start(session, observer, data)
    try:
        samples = _latency(session, observer, proc, windows, sizes)
        yield metric(
            "popup_latency_p95_ms",
            percentile(samples, 95),
            "ms",
            1.5,
            budget_of="ratio",
            yardstick=percentile(bare, 95),
            yardstick_of="a bare event-driven PySide6 popup (moment_probe), p95",
            p50_ms=round(percentile(samples, 50), 3),
            max_ms=round(max(samples), 3),
            reps=len(samples),
            cards=sizes.cards,
            bare_qt_p50_ms=round(percentile(bare, 50), 3),
        )
        time.sleep(sizes.settle_seconds)
        rss = _rss_mb(proc)
        yield metric(
            "rss_10k_mb",
            rss,
            "MB",
            85,
            yardstick=_rss_bare_tray(session, observer, sizes.settle_seconds),
            yardstick_of="a bare PySide6 tray icon",
            cards=sizes.cards,
            no_cards_mb=round(
                _rss_without_cards(session, observer, data.parent, sizes.settle_seconds), 1
            ),
        )
        yield metric(
            "rss_10k_after_search_mb",
            _rss_after_search(session, proc, data, sizes.settle_seconds),
            "MB",
            95,
            before_search_mb=round(rss, 1),
            cards=sizes.cards,
        )
        before = _cpu_seconds(proc.pid), _tasks(proc.pid)
        time.sleep(sizes.idle_seconds)
        require(proc.poll() is None, "the app exited during the idle window")
        used = _cpu_seconds(proc.pid) - before[0]
        threads = task_delta(before[1], _tasks(proc.pid))
        yield metric(
            "idle_cpu_60s",
            used,
            "CPU-s",
            0.05,
            seconds=sizes.idle_seconds,
            sched_ms=round(threads["ns"] / 1e6, 3),
            wakeups=threads["wakeups"],
            threads_started=threads["threads_started"],
            threads_ended=threads["threads_ended"],
        )
    finally:
        code, _, err = stop_app(proc)
        if code != 0:
            raise BenchError(f"the app exited with {code}: {err[-2000:]}")


def run(quick: bool = False) -> Iterator[dict]:
    missing = missing_tools(X_TOOLS)
    if missing:
        raise BenchError(f"X tools missing: {', '.join(missing)} (sh tests/system-deps.sh)")
    sizes = QUICK if quick else FULL
    session = XSession()
    with tempfile.TemporaryDirectory(prefix="bench-moment-") as tmp:
        data = Path(tmp) / "data"
        try:
            session.start()
            session.start_trayer()
            _configure(data)
            _install_10k(data, sizes.cards)
            observer = Observer(session)
            try:
                yield from _measure(session, observer, data, sizes)
            finally:
                observer.close()
        finally:
            session.stop()
