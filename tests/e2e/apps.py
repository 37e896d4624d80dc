"""Start the real Cuecards app on an X session and look at its windows from outside (xlib)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from Xlib import X, display, error

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def start_app(env: dict[str, str], data_dir: Path, *args: str) -> subprocess.Popen[str]:
    """`python -m app --data-dir DIR run …` as a person's session would start it."""
    env = {k: v for k, v in env.items() if k != "QT_QPA_PLATFORM"}
    return subprocess.Popen(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), "run", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(probe: Callable[[], T | None], what: str, timeout: float = 20.0) -> T:
    """Poll `probe` (a test-side wait, not app behaviour) until it returns a value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def windows_of_class(display_name: str, wm_class: str) -> list[tuple[int, list[str]]]:
    """Every window whose WM_CLASS class or instance is `wm_class`, with its ancestors' classes."""
    conn = display.Display(display_name)
    found: list[tuple[int, list[str]]] = []
    try:

        def walk(window, ancestors: list[str]) -> None:
            try:
                cls = window.get_wm_class() or ()
                children = window.query_tree().children
            except error.XError:
                return
            if wm_class in cls:
                found.append((window.id, ancestors))
            for child in children:
                walk(child, [*ancestors, *cls])

        walk(conn.screen().root, [])
    finally:
        conn.close()
    return found


def is_viewable(display_name: str, wid: int) -> bool:
    conn = display.Display(display_name)
    try:
        return conn.create_resource_object("window", wid).get_attributes().map_state == X.IsViewable
    except error.XError:
        return False
    finally:
        conn.close()


def stop_app(proc: subprocess.Popen[str], timeout: float = 15.0) -> tuple[int, str, str]:
    """SIGTERM, as a logout would; the exit code and what the app printed."""
    if proc.poll() is None:
        proc.terminate()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"the app did not quit within {timeout:.0f} s of SIGTERM") from None
    return proc.returncode, out, err
