"""Progress of long pack installs and syncs: one updating line on a terminal, nothing in a
pipe or with --json. The command runs in a real process, on a pseudo-terminal where one is
wanted; its one-second delay is set to 0 there, so a small pack shows every step."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from app.cli.progress import Progress
from tests.unit.test_cli import ROOT

CARDS = 60
# The command line itself, with the delay before the first drawing set to 0.
RUN = "import sys, app.cli.progress as p; p.DELAY_S = 0; from app.cli import main; sys.exit(main())"


def _pack(root: Path, cards: int = CARDS) -> Path:
    (root / "cards").mkdir(parents=True)
    (root / "pack.yaml").write_text(
        "id: acme.big\nname: Big pack\nversion: 1.0.0\npublisher: ACME Learning\n",
        encoding="utf-8",
    )
    for i in range(cards):
        (root / "cards" / f"tip-{i:03d}.md").write_text(
            f"---\nid: tip-{i:03d}\ntitle: Tip {i} about pivot tables\n"
            f"summary: Refresh pivot table {i} with Alt+F5.\n---\nBody {i}.\n",
            encoding="utf-8",
        )
    return root


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("CUECARDS_POLICY", None)
    env["PYTHONPATH"] = str(ROOT)
    return env


def _on_terminal(*args: str) -> tuple[int, str]:
    """Exit code and everything the command wrote, stdout and stderr on one pseudo-terminal
    (whose "\r\n" line ends are read back as "\n")."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", RUN, *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        cwd=ROOT,
        env=_env(),
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the command has closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=120), b"".join(chunks).decode().replace("\r\n", "\n")


def _piped(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(),
        timeout=120,
    )


def test_install_on_a_terminal_shows_one_updating_line_then_wipes_it(tmp_path: Path) -> None:
    pack = _pack(tmp_path / "pack")
    code, shown = _on_terminal("--data-dir", str(tmp_path / "data"), "pack", "install", str(pack))
    assert code == 0, shown
    assert f"\rReading acme.big: {CARDS} / {CARDS} cards" in shown
    assert f"\rInstalling acme.big: {CARDS} / {CARDS} cards" in shown
    assert "\n" not in shown.split("installed Big pack")[0]  # the progress stays on one line
    before, _, after = shown.rpartition("\r")
    assert after.strip() == "installed Big pack 1.0.0 (60 cards)"
    assert before.rsplit("\r", 1)[-1].strip() == ""  # wiped before the result is printed


def test_install_into_a_pipe_shows_no_progress(tmp_path: Path) -> None:
    pack = _pack(tmp_path / "pack")
    result = _piped("--data-dir", str(tmp_path / "data"), "pack", "install", str(pack))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "installed Big pack 1.0.0 (60 cards)\n"
    assert result.stderr == ""


def test_sync_on_a_terminal_shows_progress_and_with_json_does_not(tmp_path: Path) -> None:
    pack = _pack(tmp_path / "pack")
    data = tmp_path / "data"
    assert (
        _piped("--data-dir", str(data), "config", "set", "packs.sources", str(pack)).returncode == 0
    )
    code, shown = _on_terminal("--data-dir", str(data), "pack", "sync")
    assert code == 0, shown
    assert f"\rInstalling acme.big: {CARDS} / {CARDS} cards" in shown
    assert "installed Big pack 1.0.0" in shown.rpartition("\r")[2]

    (pack / "pack.yaml").write_text(
        (pack / "pack.yaml").read_text(encoding="utf-8").replace("1.0.0", "1.1.0"),
        encoding="utf-8",
    )
    code, shown = _on_terminal("--data-dir", str(data), "pack", "sync", "--json")
    assert code == 0, shown
    assert "\r" not in shown
    assert "cards" not in shown.split("[", 1)[0] and '"updated"' in shown


def test_the_line_waits_a_second_then_redraws_at_most_ten_times_a_second() -> None:
    now = [0.0]
    out = io.StringIO()
    progress = Progress(enabled=True, stream=out, clock=lambda: now[0])
    counter = progress.counter("Installing acme.finance")
    counter(2_000, 50_000)
    now[0] = 0.99
    counter(4_000, 50_000)
    assert out.getvalue() == ""  # quick work never shows a line
    now[0] = 1.2
    counter(12_000, 50_000)
    now[0] = 1.25
    counter(14_000, 50_000)  # too soon after the last drawing
    now[0] = 1.3
    counter(50_000, 50_000)  # the end is always drawn
    assert out.getvalue() == (
        "\rInstalling acme.finance: 12,000 / 50,000 cards"
        "\rInstalling acme.finance: 50,000 / 50,000 cards"
    )
    progress.clear()
    assert out.getvalue().endswith("\r" + " " * 46 + "\r")


def test_a_disabled_line_draws_nothing() -> None:
    out = io.StringIO()
    progress = Progress(enabled=False, stream=out, clock=lambda: 5.0)
    progress.update("Reading acme.finance", 10, 20)
    progress.clear()
    assert out.getvalue() == ""
