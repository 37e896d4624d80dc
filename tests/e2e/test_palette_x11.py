"""The search palette on a real X session with a window manager: the hotkey maps it with the
keyboard focus, typing finds the card, Enter asks for it, Esc gives the focus back.

The palette runs in tests/e2e/palette_probe.py (the palette, its controller and the real
XGrabKey hotkey over the demo pack, as the companion wires them); xdotool plays the person.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.apps import is_viewable, wait_for
from tests.e2e.test_shell_backends_dbus import read_line
from tests.e2e.xsession import XSession, end_process

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
TITLE = "Cuecards search"


class Probe:
    """The palette process and its report lines."""

    def __init__(self, session: XSession, data_dir: Path, app_id: str) -> None:
        env = {**session.env(), "PYTHONPATH": str(REPO)}
        env.pop("QT_QPA_PLATFORM", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.palette_probe", str(data_dir), app_id],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.status = json.loads(read_line(self.proc.stdout))

    def line(self) -> str:
        return read_line(self.proc.stdout).strip()

    def state(self) -> dict:
        """What the palette shows now (see palette_probe.state)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("state\n")
        self.proc.stdin.flush()
        return json.loads(self.line())

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        end_process(self.proc)


@pytest.fixture
def probe(x_session: XSession, tmp_path: Path) -> Iterator[tuple[XSession, Probe]]:
    excel = x_session.spawn_window("Budget.xlsx - Excel", "Excel")
    x_session.activate(excel)
    running = Probe(x_session, tmp_path, "excel")
    try:
        yield x_session, running
    finally:
        running.stop()
        x_session.close(excel)


def _palette(session: XSession) -> int:
    found = session.tool("xdotool", "search", "--sync", "--onlyvisible", "--name", f"^{TITLE}$")
    return int(found.split()[0])


def test_hotkey_type_enter_opens_the_first_result(probe: tuple[XSession, Probe]) -> None:
    session, running = probe
    assert running.status == {
        "ok": True,
        "message": "Ctrl+Alt+Space opens the search palette (xgrabkey).",
    }
    session.tool("xdotool", "key", "ctrl+alt+space")
    palette = _palette(session)
    assert wait_for(lambda: session.active_window() == palette, "the palette to have focus")
    assert "cuecards" in session.tool("xprop", "-id", str(palette), "WM_CLASS")
    session.tool("xdotool", "type", "--delay", "30", "pviot")
    session.tool("xdotool", "key", "Return")
    assert running.line() == "opened cuecards.demo excel-refresh-all"
    assert wait_for(lambda: not is_viewable(session.display, palette), "the palette to hide")


def test_esc_closes_and_gives_the_focus_back(probe: tuple[XSession, Probe]) -> None:
    session, running = probe
    before = session.active_window()
    session.tool("xdotool", "key", "ctrl+alt+space")
    palette = _palette(session)
    assert wait_for(lambda: session.active_window() == palette, "the palette to have focus")
    session.tool("xdotool", "type", "--delay", "30", "mute")
    session.tool("xdotool", "key", "Escape")
    assert running.line() == "closed"
    assert wait_for(lambda: not is_viewable(session.display, palette), "the palette to hide")
    assert wait_for(lambda: session.active_window() == before, "the focus to come back")


def test_the_hotkey_again_reopens_an_empty_palette(probe: tuple[XSession, Probe]) -> None:
    session, running = probe
    for _ in range(2):
        session.tool("xdotool", "key", "ctrl+alt+space")
        shown = _palette(session)
        assert wait_for(lambda: session.active_window() == shown, "the palette to have focus")  # noqa: B023
        session.tool("xdotool", "key", "Escape")
        assert running.line() == "closed"
    # Opening without typing and pressing Enter opens the app's first card (Excel's list).
    session.tool("xdotool", "key", "ctrl+alt+space")
    palette = _palette(session)
    assert wait_for(lambda: session.active_window() == palette, "the palette to have focus")
    session.tool("xdotool", "key", "Return")
    opened = running.line()
    assert opened.startswith("opened cuecards.demo ")
    assert opened.split()[-1] in {
        "excel-autosum", "excel-create-table", "excel-fill-selected-cells", "excel-flash-fill",
        "excel-insert-date-time", "excel-new-line-in-cell", "excel-refresh-all",
        "excel-toggle-filter", "spreadsheet-absolute-reference", "spreadsheet-format-cells",
        "spreadsheet-jump-to-edge", "spreadsheet-show-formulas",
    }  # fmt: skip


def test_a_search_no_card_answers_says_so_over_three_partial_matches(
    probe: tuple[XSession, Probe],
) -> None:
    """A new user in a spreadsheet asks for "insert a watermark": no card is about that, and the
    palette says so instead of offering unrelated cards as answers (issue 14)."""
    session, running = probe
    session.tool("xdotool", "key", "ctrl+alt+space")
    palette = _palette(session)
    assert wait_for(lambda: session.active_window() == palette, "the palette to have focus")
    session.tool("xdotool", "type", "--delay", "30", "how do I insert a watermark")
    none = "No card for “how do I insert a watermark”"
    state = wait_for(
        lambda: (found := running.state())["status"] == none and found, "the palette to say none"
    )
    assert state["status_name"] == "Search status"
    assert state["status_description"] == none
    heading, *partial = state["items"]
    assert heading == {
        "heading": "Partial matches",
        "description": "Cards that match only some of the words you typed",
    }
    assert 1 <= len(partial) <= 3
    assert all(row["note"] == "Partial match: has only insert." for row in partial)
    assert state["current"] == partial[0]["card"]  # the heading is never selected
    if shutil.which("import"):
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "palette-no-card.png"
        session.tool("import", "-window", str(palette), str(shot))
        assert shot.stat().st_size > 0

    # The keyboard still works over the partial matches: ↓ then Enter opens the second one.
    session.tool("xdotool", "key", "Down")
    wait_for(lambda: running.state()["current"] == partial[1]["card"], "the second row selected")
    session.tool("xdotool", "key", "Return")
    assert running.line() == f"opened cuecards.demo {partial[1]['card']}"
