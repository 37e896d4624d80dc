"""Active-window watcher: activation → Context latency and idle CPU, against a 1 s poller.

Latency is measured from outside the watcher. Three processes on one Xvfb + openbox: the
watcher (`watch_probes watch`, the CLI's blocking driver), an observer (`watch_probes
observe`, a bare python-xlib client stamping each `_NET_ACTIVE_WINDOW` PropertyNotify as it
arrives) and this process, which switches windows with `xdotool windowactivate --sync`. The
X server sends the same PropertyNotify to watcher and observer; latency = watcher's stamp when
the Context is delivered − observer's stamp of the notify that set the target window. Separate
processes keep one GIL from delaying the other's stamp. `xdotool → Context` (including process
start-up and the window manager) is reported beside it for scale.

Idle CPU: `cuecards watch`'s own code path (`run_watch`), the Qt driver (`qt_watch_probe`) and
a once-a-second poller run side by side for 60 s with no window changes; CPU = utime+stime
from /proc/<pid>/stat (10 ms ticks), plus the scheduler's nanosecond run time
(/proc/<pid>/task/*/schedstat) and the number of wake-ups (context switches): a watcher
that never wakes has a CPU ratio of "unbounded" (reported as null), the wake-ups stay finite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tests.bench.common import BenchError, metric, percentile, require
from tests.e2e.xsession import XSession, missing_tools

METRICS = ("watch_latency_p50_ms", "watch_latency_p95_ms", "watch_idle_cpu_s", "poll_idle_cpu_s")
X_TOOLS = ()  # an X session, and these tools
REPO = Path(__file__).resolve().parents[2]
SWITCHES, QUICK_SWITCHES = 200, 10
IDLE_SECONDS, QUICK_IDLE_SECONDS = 60.0, 2.0
DEADLINE = 10.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


class LineReader:
    """Collects a child's JSON stdout lines on a thread; `wait_for` blocks on a condition."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.rows: list[dict] = []
        self._cond = threading.Condition()
        self._proc = proc
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self._proc.stdout:
            with self._cond:
                self.rows.append(json.loads(line))
                self._cond.notify_all()

    def wait_for(self, predicate, start: int = 0) -> dict:  # noqa: ANN001
        deadline = time.monotonic() + DEADLINE
        with self._cond:
            while True:
                for row in self.rows[start:]:
                    if predicate(row):
                        return row
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BenchError(f"timed out; last rows {self.rows[-5:]}")
                self._cond.wait(remaining)

    def __len__(self) -> int:
        with self._cond:
            return len(self.rows)


def _spawn(session: XSession, *args: str, stdin: int | None = None) -> subprocess.Popen:
    env = {**session.env(), "PYTHONPATH": str(REPO), "XDG_SESSION_TYPE": "x11"}
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("CUECARDS_WATCHER", None)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.Popen(
        [sys.executable, *args],
        env=env,
        cwd=REPO,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _cpu_ticks(pid: int) -> float:
    """utime + stime of a process in seconds (/proc/<pid>/stat, fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _tasks(pid: int) -> dict[str, tuple[int, int]]:
    """Per thread: nanoseconds on CPU (/proc/<pid>/task/*/schedstat) and context switches,
    i.e. wake-ups (voluntary + involuntary, from each thread's status)."""
    found: dict[str, tuple[int, int]] = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as fh:
                ns = int(fh.read().split()[0])
            switches = 0
            with open(f"/proc/{pid}/task/{task}/status") as fh:
                for line in fh:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        switches += int(line.split()[1])
        except (OSError, ValueError):
            continue  # the thread ended meanwhile
        found[task] = (ns, switches)
    return found


def task_delta(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> dict:
    """CPU ns and wake-ups between two `_tasks` readings, over the threads alive at the end
    (a thread started meanwhile counts whole). A thread that ended meanwhile took its counts
    with it: `threads_ended` says the figures are then a lower bound."""
    ns = wakeups = 0
    for task, (end_ns, end_switches) in after.items():
        start_ns, start_switches = before.get(task, (0, 0))
        ns += end_ns - start_ns
        wakeups += end_switches - start_switches
    return {
        "ns": ns,
        "wakeups": wakeups,
        "threads_started": len(after.keys() - before.keys()),
        "threads_ended": len(before.keys() - after.keys()),
    }


def _latency(session: XSession, switches: int) -> tuple[list[float], list[float]]:
    windows = [session.spawn_window(f"Bench window {i}", f"Bench{i}") for i in range(4)]
    watcher = _spawn(session, "-m", "tests.bench.watch_probes", "watch")
    observer = _spawn(session, "-m", "tests.bench.watch_probes", "observe")
    watched, observed = LineReader(watcher), LineReader(observer)
    try:
        watched.wait_for(lambda r: r.get("ready"))
        observed.wait_for(lambda r: r.get("ready"))
        event_ms: list[float] = []
        command_ms: list[float] = []
        current = session.active_window()
        for i in range(switches):
            target = windows[i % len(windows)]
            if target.wid == current:
                target = windows[(i + 1) % len(windows)]
            w_start, o_start = len(watched), len(observed)
            t_cmd = time.monotonic()
            session.activate(target)
            seen = watched.wait_for(lambda r, t=target: r.get("title") == t.title, w_start)
            notifies = [
                r
                for r in observed.rows[o_start:]
                if r.get("wid") == target.wid and r["t"] <= seen["t"]
            ]
            if not notifies:  # the observer's stamp can trail by a scheduling slice
                observed.wait_for(lambda r, t=target: r.get("wid") == t.wid, o_start)
                notifies = [r for r in observed.rows[o_start:] if r.get("wid") == target.wid]
            event_ms.append((seen["t"] - notifies[-1]["t"]) * 1000)
            command_ms.append((seen["t"] - t_cmd) * 1000)
            current = target.wid
        require(watcher.poll() is None, "the watcher exited while it was measured")
        return event_ms, command_ms
    finally:
        for proc in (watcher, observer):
            _stop(proc)
        for window in windows:
            session.close(window)


def _idle_cpu(session: XSession, seconds: float) -> dict[str, float]:
    window = session.spawn_window("Quiet.xlsx - Excel", "Excel")
    session.activate(window)
    code = (
        "import sys\nfrom app.desktop.watch.watch_cmd import run_watch\n"
        "run_watch(True, sys.stdout, sys.stderr)"
    )
    procs = {
        "watch": _spawn(session, "-c", code),
        "qt": _spawn(session, "-m", "tests.e2e.qt_watch_probe", stdin=subprocess.PIPE),
        "poll": _spawn(session, "-m", "tests.bench.watch_probes", "poll"),
    }
    readers = {name: LineReader(proc) for name, proc in procs.items()}
    try:
        for reader in readers.values():
            reader.wait_for(lambda r: True)  # started and reported once
        time.sleep(1.0)  # let start-up work (imports, first round trips) finish
        sample = {n: (_cpu_ticks(p.pid), _tasks(p.pid)) for n, p in procs.items()}
        time.sleep(seconds)
        result: dict[str, float] = {}
        for name, proc in procs.items():
            # An exited process uses no CPU: that would be a perfect figure, and a false one.
            require(proc.poll() is None, f"the {name} process exited during the idle window")
            ticks, tasks = sample[name]
            result[f"{name}_s"] = _cpu_ticks(proc.pid) - ticks
            delta = task_delta(tasks, _tasks(proc.pid))
            result[f"{name}_ns"] = delta["ns"]
            result[f"{name}_wakeups"] = delta["wakeups"]
            result[f"{name}_threads_ended"] = delta["threads_ended"]
        return result
    finally:
        for proc in procs.values():
            _stop(proc)
        session.close(window)


def run(quick: bool = False) -> Iterator[dict]:
    missing = missing_tools(X_TOOLS)
    if missing:
        raise BenchError(f"X tools missing: {', '.join(missing)} (sh tests/system-deps.sh)")
    idle_seconds = QUICK_IDLE_SECONDS if quick else IDLE_SECONDS
    session = XSession().start()
    try:
        event_ms, command_ms = _latency(session, QUICK_SWITCHES if quick else SWITCHES)
        idle = _idle_cpu(session, idle_seconds)
    finally:
        session.stop()
    yield metric(
        "watch_latency_p50_ms",
        percentile(event_ms, 50),
        "ms",
        None,
        info="the median beside watch_latency_p95_ms, which carries the budget",
        n=len(event_ms),
    )
    yield metric(
        "watch_latency_p95_ms",
        percentile(event_ms, 95),
        "ms",
        5,
        n=len(event_ms),
        max_ms=round(max(event_ms), 3),
        xdotool_to_context_p50_ms=round(percentile(command_ms, 50), 3),
        xdotool_to_context_p95_ms=round(percentile(command_ms, 95), 3),
    )
    # A watcher that never woke used 0 ns: the ratio is then unbounded and given as null;
    # the wake-up counts say the same thing in numbers that stay finite.
    ratio = round(idle["poll_ns"] / idle["watch_ns"], 1) if idle["watch_ns"] else None
    yield metric(
        "watch_idle_cpu_s",
        idle["watch_s"],
        "s",
        0.05,
        window_s=idle_seconds,
        sched_cpu_ms=round(idle["watch_ns"] / 1e6, 3),
        wakeups=idle["watch_wakeups"],
        threads_ended=idle["watch_threads_ended"],
        qt_driver_cpu_s=round(idle["qt_s"], 4),
        qt_driver_sched_cpu_ms=round(idle["qt_ns"] / 1e6, 3),
        qt_driver_wakeups=idle["qt_wakeups"],
        poll_idle_cpu_s=round(idle["poll_s"], 4),
        poll_to_watch_ratio=ratio,
    )
    yield metric(
        "poll_idle_cpu_s",
        idle["poll_s"],
        "s",
        None,
        info="a once-a-second poller, what the event-driven watcher is compared with",
        window_s=idle_seconds,
        sched_cpu_ms=round(idle["poll_ns"] / 1e6, 3),
        wakeups=idle["poll_wakeups"],
        threads_ended=idle["poll_threads_ended"],
        poll_to_watch_ratio=ratio,
    )
