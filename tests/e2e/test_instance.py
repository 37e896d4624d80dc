"""One Cuecards per person and data directory: a second launch hands its command to the first.

Real processes on a real X session: `cuecards run` twice, `cuecards palette` with and without
a running app, and two data directories side by side.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.apps import is_viewable, start_app, stop_app, wait_for, windows_of_class
from tests.e2e.moment import cuecards, prepare, window_titled
from tests.e2e.xsession import XSession

pytestmark = pytest.mark.e2e


def icons(session: XSession) -> list[int]:
    return [
        wid
        for wid, ancestors in windows_of_class(session.display, "cuecards")
        if "trayer" in ancestors and is_viewable(session.display, wid)
    ]


def test_a_second_run_hands_over_and_palette_reaches_the_running_app(
    x_tray: XSession, tmp_path: Path
) -> None:
    prepare(tmp_path, pack=False)
    before = len(icons(x_tray))
    first = start_app(x_tray.env(), tmp_path)
    try:
        wait_for(lambda: len(icons(x_tray)) > before, "the first instance's tray icon")
        again = cuecards(tmp_path, "run")
        assert again.returncode == 0, again.stderr
        assert again.stderr.strip().splitlines() == [
            "cuecards: Cuecards is already running; it was asked to show its tray icon"
        ]
        palette = cuecards(tmp_path, "palette")
        assert palette.returncode == 0, palette.stderr
        # The running app opens its search palette.
        found = wait_for(
            lambda: window_titled(x_tray.display, "Cuecards search"), "the search palette"
        )
        assert found
        assert first.poll() is None
        assert len(icons(x_tray)) == before + 1  # still one icon: no second app started
    finally:
        code, _, err = stop_app(first)
    assert code == 0, err


def test_palette_without_a_running_app_says_so(x_tray: XSession, tmp_path: Path) -> None:
    done = cuecards(tmp_path, "palette")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "cuecards: Cuecards is not running for this data directory; start it with "
        "`cuecards run` (or search from here: cuecards search WORDS)"
    ]


def test_two_data_directories_run_side_by_side(x_tray: XSession, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for data in (one, two):
        prepare(data, pack=False)
    before = len(icons(x_tray))
    first = start_app(x_tray.env(), one)
    second = None
    try:
        wait_for(lambda: len(icons(x_tray)) == before + 1, "the first tray icon")
        second = start_app(x_tray.env(), two)
        wait_for(lambda: len(icons(x_tray)) == before + 2, "the second tray icon")
        assert cuecards(two, "palette").returncode == 0
    finally:
        results = [stop_app(p) for p in (first, second) if p is not None]
    assert [code for code, _, _ in results] == [0, 0]


def test_a_bad_policy_stops_the_app_with_one_line(x_tray: XSession, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[locked]\npacing.max_per_hour = "lots"\n', encoding="utf-8")
    proc = start_app({**x_tray.env(), "CUECARDS_POLICY": str(policy)}, tmp_path / "data")
    _, err = proc.communicate(timeout=60)  # it quits by itself, after showing its icon
    assert proc.returncode == 2
    assert err.strip().splitlines() == [
        f"cuecards: {policy}: [locked] pacing.max_per_hour: expected a whole number, got 'lots'"
    ]
