"""The tray's pack work runs in a child `cuecards pack sync --json`: its outcome, read back."""

from __future__ import annotations

import json
from pathlib import Path

from app.tray.pack_sync import PackRefresh, packs_changed, parse_outcome


def test_results_with_an_installed_pack_count_as_a_change() -> None:
    rows = [{"source": "s", "status": "updated", "packs": [{"status": "installed"}]}]
    results, error = parse_outcome(json.dumps(rows), "", 0, crashed=False)
    assert results == rows and error == "" and packs_changed(results)
    assert not packs_changed([{"source": "s", "status": "unchanged", "packs": []}])


def test_a_failed_child_says_why_in_one_sentence() -> None:
    results, error = parse_outcome("", "cuecards: settings.toml: line 2: bad value\n", 2, False)
    assert results == [] and error == "pack sync failed: settings.toml: line 2: bad value"
    assert "unchanged" in parse_outcome("", "", -1, crashed=True)[1]


def test_the_real_child_installs_the_demo_pack(qtbot, tmp_path: Path) -> None:
    refresh = PackRefresh(tmp_path)
    with qtbot.waitSignal(refresh.finished, timeout=60_000) as blocker:
        assert refresh.start()
        assert not refresh.start()  # one at a time
    assert blocker.args == [[], ""]  # no sources: nothing to report, nothing wrong
    from app.store.services import Services

    services = Services(tmp_path)
    try:
        assert not services.demo_pack_pending()  # the child put it in
    finally:
        services.close()
