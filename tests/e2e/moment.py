"""Helpers for the moment-of-need end-to-end tests: prepared data directories, the usage log
read from outside, and clicking a popup's buttons where a person would."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from Xlib import X, display, error

from tests.e2e.apps import ROOT, windows_of_class
from tests.e2e.xsession import XSession

PACK = Path(__file__).resolve().parent / "packs" / "moment"
# Every switch may pop a card at once: no dwell, no gap, no cooldown, generous caps, never
# quiet for idleness (Xvfb sees no input), and popups that stay up while a test looks.
FAST = {
    "pacing.default_dwell_seconds": "0",
    "pacing.min_gap_minutes": "0",
    "pacing.card_cooldown_days": "0",
    "pacing.max_per_hour": "60",
    "pacing.max_per_day": "500",
    "pacing.quiet_when_idle_minutes": "0",
    "pacing.popup_seconds": "600",
}


@dataclass(frozen=True)
class PackCard:
    """One card of the test pack and the window class it is for."""

    app: str
    card: str
    title: str
    summary: str

    @property
    def popup(self) -> str:
        return f"Cuecards: {self.title}"


LEDGER = PackCard(
    "e2e-ledger",
    "ledger-totals",
    "Check the ledger totals",
    "Ctrl+T adds a totals row under the selected range.",
)
NOTES = PackCard(
    "e2e-notes", "notes-link", "Link two notes", "Type [[ and the note's name to link it."
)
MAIL = PackCard(
    "e2e-mail",
    "mail-archive",
    "Archive a message in one key",
    "Press E to archive the selected message.",
)


def cuecards(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real command line against `data_dir`."""
    return subprocess.run(
        [sys.executable, "-m", "app", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def prepare(data_dir: Path, *, demo: bool = False, pack: bool = True, **settings: str) -> None:
    """Settings through `cuecards config set`, and the test pack through `pack install`."""
    values = {**FAST, "packs.demo": "true" if demo else "false", **settings}
    for key, value in values.items():
        done = cuecards(data_dir, "config", "set", key, value)
        assert done.returncode == 0, done.stderr
    if pack:
        done = cuecards(data_dir, "pack", "install", str(PACK))
        assert done.returncode == 0, done.stderr


def usage_rows(data_dir: Path) -> list[tuple]:
    """Every committed usage event, read by another process as after a crash."""
    conn = sqlite3.connect(f"file:{data_dir / 'cuecards.db'}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(
            "SELECT id, ts, kind, pack_id, card_id, app_id, query, results, answered "
            "FROM usage_events ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def pack_ids(data_dir: Path) -> list[str]:
    """The installed packs, read by another process (the tray installs packs in a child)."""
    path = data_dir / "cuecards.db"
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return [row[0] for row in conn.execute("SELECT id FROM packs ORDER BY id")]
    except sqlite3.OperationalError:  # the schema is not there yet
        return []
    finally:
        conn.close()


def kinds(data_dir: Path) -> list[str]:
    return [row[2] for row in usage_rows(data_dir)]


def root_geometry(display_name: str, wid: int) -> tuple[int, int, int, int] | None:
    """(x, y, width, height) of a viewable window in root coordinates, else None."""
    conn = display.Display(display_name)
    try:
        window = conn.create_resource_object("window", wid)
        if window.get_attributes().map_state != X.IsViewable:
            return None
        geometry = window.get_geometry()
        origin = window.translate_coords(conn.screen().root, 0, 0)
        return (-origin.x, -origin.y, geometry.width, geometry.height)
    except error.XError:
        return None
    finally:
        conn.close()


def wm_class(display_name: str, wid: int) -> tuple[str, ...]:
    conn = display.Display(display_name)
    try:
        return tuple(conn.create_resource_object("window", wid).get_wm_class() or ())
    finally:
        conn.close()


def click_popup_button(session: XSession, wid: int, title: str, summary: str, name: str) -> None:
    """Click the popup's button called `name` with the mouse, as a person would.

    The button's place comes from laying out the same popup offscreen; the popup on screen
    must have the same size, or the layout differs and the test says so.
    """
    geometry = root_geometry(session.display, wid)
    assert geometry is not None, "the popup is not on screen"
    x, y, width, height = geometry
    layout = popup_layout(title, summary)
    assert layout["size"] == [width, height], f"offscreen layout {layout['size']} vs {geometry}"
    bx, by = layout["buttons"][name]
    session.tool("xdotool", "mousemove", "--sync", str(x + bx), str(y + by), "click", "1")


def window_titled(display_name: str, title: str) -> int | None:
    """A viewable window of class cuecards with exactly this title (None: none)."""
    for wid, _ in windows_of_class(display_name, "cuecards"):
        conn = display.Display(display_name)
        try:
            window = conn.create_resource_object("window", wid)
            prop = window.get_full_property(
                conn.intern_atom("_NET_WM_NAME"), conn.intern_atom("UTF8_STRING")
            )
            name = prop.value.decode("utf-8", "replace") if prop is not None else ""
            viewable = window.get_attributes().map_state == X.IsViewable
        except error.XError:
            continue
        finally:
            conn.close()
        if viewable and name == title:
            return wid
    return None


def popup_layout(title: str, summary: str) -> dict:
    """`tests.e2e.popup_layout`'s answer; a second try if the helper process died (seen once
    as SIGBUS while other processes rewrote the font cache it maps)."""
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "tests.e2e.popup_layout", title, summary, "1280", "800"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.stdout.strip():
            return json.loads(done.stdout)
    raise AssertionError(f"popup_layout failed ({done.returncode}): {done.stderr[-2000:]}")
