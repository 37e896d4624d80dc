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

from app.desktop.watch import gnome_extension as gx
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
@pytest.mark.parametrize(("variant", "form"), [(gx.MODULES, "module"), (gx.LEGACY, "legacy")])
def test_gnome_extension_exports_current_and_emits_focus_changes(variant, form):
    extension = desktop_resource("gnome-shell-extension", variant, gx.UUID, "extension.js")
    result = run_node(str(HERE / "js" / "gnome_harness.mjs"), str(extension), form)

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
    """Each format claims exactly the shells that load it: 42-44 scripts, 45+ modules."""
    for variant, versions in ((gx.MODULES, {"45", "48"}), (gx.LEGACY, {"42", "43", "44"})):
        folder = desktop_resource("gnome-shell-extension", variant, gx.UUID)
        metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
        assert metadata["uuid"] == folder.name
        assert versions <= set(metadata["shell-version"])
        modules = [int(v) >= 45 for v in metadata["shell-version"]]
        assert all(modules) if variant == gx.MODULES else not any(modules)


def test_both_gnome_extension_formats_are_built_from_the_one_source():
    assert gx.main(["--check"]) == 0, (
        "resources/desktop/gnome-shell-extension/shell-* are stale: run "
        "`python -m app.desktop.watch.gnome_extension` (make gnome-extension) and commit them"
    )
    legacy = gx.built()[gx.LEGACY]["extension.js"]
    assert "import " not in legacy and "export " not in legacy
    assert "const {Gio, GLib, Shell} = imports.gi;" in legacy
    assert "function init() {" in legacy


def test_the_build_refuses_a_source_it_cannot_convert():
    source = (desktop_resource("gnome-shell-extension", "src", "extension.js")).read_text()
    metadata = '{"uuid": "cuecards@cuecards.example"}'
    with pytest.raises(ValueError, match="the class line"):
        gx.render(source.replace("export default class", "export class"), metadata)


@pytest.mark.parametrize(
    ("version", "variant"),
    [("42.9", gx.LEGACY), ("43.9", gx.LEGACY), ("44.0", gx.LEGACY), ("45.0", gx.MODULES),
     ("48.alpha", gx.MODULES), (None, gx.MODULES), ("", gx.MODULES)],
)  # fmt: skip
def test_the_variant_follows_the_running_shell(version, variant):
    assert gx.variant_for(version) == variant


def test_install_puts_the_fitting_variant_in_the_extensions_folder(tmp_path):
    folder = gx.install("43.9", tmp_path)
    assert folder == tmp_path / gx.UUID
    assert "imports.gi" in (folder / "extension.js").read_text(encoding="utf-8")
    gx.install("46.2", tmp_path)  # an upgraded shell: the module replaces the script
    assert "import Gio from 'gi://Gio';" in (folder / "extension.js").read_text(encoding="utf-8")
    shells = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))["shell-version"]
    assert "46" in shells
    env = {"HOME": str(tmp_path / "home")}
    assert gx.extensions_dir(env) == tmp_path / "home/.local/share/gnome-shell/extensions"
