"""The KWin script and the GNOME extension themselves, run under node against fake shells.

The shells cannot run here, so each script runs in a harness (js/) that fakes exactly the
API it uses. What the scripts send must be what the recorded samples hold, which the Python
side parses (test_shell_payload). Without node these tests skip, naming the package.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.desktop.watch.resources import desktop_resource
from app.desktop.watch.shell_payload import render_kwin_script as render_script

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[1] / "samples" / "desktop"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node not installed (Debian: nodejs)")


def run_node(*args: str) -> dict:
    done = subprocess.run([NODE, *args], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def sample_lines(name: str) -> list[str]:
    return [line for line in (SAMPLES / name).read_text(encoding="utf-8").splitlines() if line]


def test_rendered_kwin_script_embeds_service_and_path_as_js_strings():
    template = desktop_resource("kwin", "cuecards-watch.js").read_text(encoding="utf-8")
    script = render_script(template, ':1.42"; evil()', "/org/cuecards/Watcher/1_1")
    assert 'const SERVICE = ":1.42\\"; evil()";' in script
    assert 'const PATH = "/org/cuecards/Watcher/1_1";' in script
    assert "@SERVICE@" not in script and "@PATH@" not in script


@needs_node
@pytest.mark.parametrize("api", ["kwin6", "kwin5"])
def test_kwin_script_reports_switches_titles_and_full_screen(tmp_path, api):
    template = desktop_resource("kwin", "cuecards-watch.js").read_text(encoding="utf-8")
    script = tmp_path / "script.js"
    script.write_text(render_script(template, ":1.42", "/org/cuecards/Watcher/4242_1"))

    result = run_node(str(HERE / "js" / "kwin_harness.js"), str(script), api)

    targets = {tuple(call[:4]) for call in result["calls"]}
    assert targets == {(":1.42", "/org/cuecards/Watcher/4242_1", "org.cuecards.Watcher", "Report")}
    # The title change of the inactive window ("Secret.xlsx") is not among the reports.
    assert [call[4] for call in result["calls"]] == sample_lines("kwin_reports.jsonl")
    assert result["listeners"] == {"calc": 0, "dolphin": 0}  # nothing left connected


@needs_node
def test_gnome_extension_exports_current_and_emits_focus_changes():
    extension = desktop_resource(
        "gnome-shell-extension", "cuecards@cuecards.example", "extension.js"
    )
    result = run_node(str(HERE / "js" / "gnome_harness.mjs"), str(extension))

    assert result["exported"][0]["path"] == "/org/cuecards/Shell"
    assert 'interface name="org.cuecards.Shell"' in result["exported"][0]["xml"]
    assert result["exported"][-1] == {"unexported": True}
    signals = result["emitted"]
    assert {(name, kind) for name, kind, _ in signals} == {("FocusChanged", "(s)")}
    recorded = sample_lines("gnome_focus.jsonl")
    assert result["current"] == recorded[0]
    assert [payload for _, _, payload in signals] == [recorded[0], *recorded[1:]]
    assert result["handlers"] == {"display": 0, "calc": 0, "files": 0}


def test_gnome_extension_metadata_names_the_uuid_and_shell_versions():
    folder = desktop_resource("gnome-shell-extension", "cuecards@cuecards.example")
    metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["uuid"] == folder.name
    assert {"45", "46", "47", "48"} <= set(metadata["shell-version"])
