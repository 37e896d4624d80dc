"""Command-line habits a person brings from other tools, through the real console entry:
words without quotes, `| head`, a data folder that cannot be one, a path that is not a pack."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_cli import ROOT, cuecards


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    for name in ("CUECARDS_POLICY", "CUECARDS_DATA_DIR", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    env.update(extra)
    return env


def _search_json(data: Path, *args: str) -> list[dict]:
    result = cuecards("search", *args, "--json", data_dir=data)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_search_takes_several_words_without_quotes_and_options_anywhere(tmp_path: Path) -> None:
    quoted = _search_json(tmp_path, "refresh pivot table")
    assert quoted and "pivot" in quoted[0]["title"].lower()
    assert _search_json(tmp_path, "refresh", "pivot", "table") == quoted
    assert _search_json(tmp_path, "refresh", "--limit", "2", "pivot", "table") == quoted[:2]
    boosted = _search_json(tmp_path, "--app", "excel", "refresh pivot table", "--limit", "3")
    assert _search_json(
        tmp_path, "refresh", "--app", "excel", "pivot", "--limit", "3", "table"
    ) == (boosted)


def test_search_still_refuses_an_unknown_option(tmp_path: Path) -> None:
    result = cuecards("search", "pivot", "--colour", "table", data_dir=tmp_path)
    assert result.returncode == 2 and "unrecognized arguments: --colour" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["search", "pivot", "table"],
        ["search", "tab", "--json"],
        ["pack", "list"],
        ["pack", "list", "--json"],
        ["match", "--app", "excel", "--json"],
        ["config", "list"],
        ["report", "preview", "--json"],
        ["doctor", "--json"],
        ["--help"],
    ],
)
def test_output_into_a_closed_pipe_ends_quietly_with_exit_0(tmp_path: Path, args: list) -> None:
    """`cuecards … | head -1`: the reader is gone before anything is written (closed here)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "--data-dir", str(tmp_path), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=_env(),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, stderr
    assert "BrokenPipe" not in stderr and "Exception ignored" not in stderr
    assert "Traceback" not in stderr and "unexpected error" not in stderr


@pytest.mark.parametrize(
    "args",
    [
        ["search", "pivot"],
        ["pack", "list"],
        ["config", "list"],
        ["config", "set", "pacing.max_per_hour", "3"],
        ["report", "preview", "--json"],
        ["doctor"],
    ],
)
def test_a_data_dir_that_is_a_file_is_one_clear_line_and_exit_2(
    tmp_path: Path, args: list[str]
) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder\n", encoding="utf-8")
    result = cuecards(*args, data_dir=a_file)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"cuecards: --data-dir {a_file} is a file, not a folder; give --data-dir a folder "
        "(it is made if missing)"
    ]
    assert result.stdout == ""


def test_cuecards_data_dir_that_is_a_file_names_the_variable(tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "app", "search", "pivot"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(CUECARDS_DATA_DIR=str(a_file)),
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"cuecards: CUECARDS_DATA_DIR {a_file} is a file, not a folder; set CUECARDS_DATA_DIR "
        "to a folder (it is made if missing)"
    ]


def _uncreatable(tmp_path: Path) -> Path:
    """A data folder this user may not make: in a read-only folder, or (root may write
    anywhere) in sysfs, which refuses new folders even to root."""
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        return locked / "cuecards"
    if not Path("/sys/kernel").is_dir():
        pytest.skip("running as root without sysfs: no folder here refuses mkdir")
    return Path("/sys/cuecards-test")


def test_a_data_dir_that_cannot_be_made_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    target = _uncreatable(tmp_path)
    result = cuecards("search", "pivot", data_dir=target)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"cuecards: --data-dir {target} cannot be made (")
    assert line.endswith("); give --data-dir a folder you can write to")
    assert not target.exists()


def test_validate_names_a_path_that_is_not_a_pack_once(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    result = cuecards("pack", "validate", str(notes), data_dir=tmp_path / "data")
    assert result.returncode == 2
    assert result.stderr.count(str(notes)) == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"'{notes}' is neither a pack folder nor a .cuepack zip. "
        "Fix: point to a folder that holds pack.yaml, or to a .cuepack file"
    ]


def test_install_of_a_path_that_is_not_a_pack_is_one_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n", encoding="utf-8")
    result = cuecards("pack", "install", str(notes), data_dir=tmp_path / "data")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"cuecards: not installed: '{notes}' is neither a pack folder")
    assert "Fix: " in line


def test_a_damaged_page_met_by_a_command_is_one_line_and_doctor_sets_it_aside(
    tmp_path: Path,
) -> None:
    """Short commands check the file's structure, not every page (their cost must not grow
    with the catalog); a damaged page met later is told plainly, and doctor reads them all."""
    assert cuecards("search", "tab", data_dir=tmp_path).returncode == 0
    path = tmp_path / "cuecards.db"
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    # Every page of the cards table but its root and first leaf, which opening reads.
    damaged = [
        page
        for page, where in conn.execute("SELECT pageno, path FROM dbstat WHERE name = 'cards'")
        if where not in ("/", "/000/")
    ]
    conn.close()
    assert damaged
    with path.open("r+b") as handle:
        for page in damaged:
            handle.seek((page - 1) * page_size)
            handle.write(b"\xff" * page_size)
    result = cuecards("search", "tab", data_dir=tmp_path)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("cuecards: the Cuecards database is damaged (")
    assert "`cuecards doctor`" in line
    doctor = cuecards("doctor", data_dir=tmp_path)
    assert "could not be read" in doctor.stderr and "a fresh one was created" in doctor.stderr
    assert list(tmp_path.glob("cuecards.db.corrupt-*"))
    assert cuecards("search", "tab", data_dir=tmp_path).returncode == 0
