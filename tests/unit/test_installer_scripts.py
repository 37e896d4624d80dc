"""The installer files that cannot run here (Inno Setup on Windows, hdiutil on macOS) keep the
directives an admin relies on, and agree with what the app itself reads and writes."""

from __future__ import annotations

import plistlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.desktop.autostart import RUN_KEY, RUN_VALUE, WindowsRunKey
from app.settings import Policy, default_policy_path

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"


def iss_sections() -> dict[str, list[str]]:
    """installer/windows/cuecards.iss as {section: [lines]}, comments and blanks left out."""
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in (INSTALLER / "windows" / "cuecards.iss").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        match = re.fullmatch(r"\[(\w+)\]", line)
        if match:
            current = match.group(1)
            sections[current] = []
        else:
            sections.setdefault(current, []).append(line)
    return sections


def entries(lines: list[str]) -> list[dict[str, str]]:
    """Inno's `Name: "value"; Flags: a b` entries as dicts."""
    parsed = []
    for line in lines:
        fields = {}
        for part in re.findall(r'(\w+):\s*("(?:[^"]|"")*"|[^;]*)', line):
            key, value = part
            value = value.strip()
            if value.startswith('"') and value.endswith('"'):
                value = value[1:-1].replace('""', '"')
            fields[key] = value
        parsed.append(fields)
    return parsed


def setup_directives() -> dict[str, str]:
    return dict(line.split("=", 1) for line in iss_sections()["Setup"])


def test_the_windows_installer_is_per_user_without_admin_rights() -> None:
    setup = setup_directives()
    assert setup["PrivilegesRequired"] == "lowest"
    assert "PrivilegesRequiredOverridesAllowed" not in setup  # never asks to elevate
    assert setup["DefaultDirName"] == r"{localappdata}\Programs\Cuecards"
    text = (INSTALLER / "windows" / "cuecards.iss").read_text(encoding="utf-8")
    assert f'#define AppVersion "{__version__}"' in text  # the default matches the app


def test_the_start_menu_entry_and_the_run_value_start_the_windowless_tray_app() -> None:
    sections = iss_sections()
    icons = entries(sections["Icons"])
    main = next(i for i in icons if i["Name"] == r"{group}\Cuecards")
    assert main["Filename"] == r"{app}\cuecardsw.exe" and main["Parameters"] == "run"
    spec = (INSTALLER / "cuecards.spec").read_text(encoding="utf-8")
    assert 'exe("cuecardsw", False)' in spec  # the spec builds it on Windows
    tasks = entries(sections["Tasks"])
    assert [t["Name"] for t in tasks] == ["autostart"]
    (run_value,) = entries(sections["Registry"])
    assert run_value["Root"] == "HKCU" and run_value["Subkey"] == "{#RunKey}"
    assert f'#define RunKey "{RUN_KEY}"' in (INSTALLER / "windows" / "cuecards.iss").read_text()
    assert run_value["ValueName"] == RUN_VALUE
    assert run_value["Tasks"] == "autostart" and "uninsdeletevalue" in run_value["Flags"]
    # Byte for byte what the app writes for ui.autostart, so neither rewrites the other's.
    app_value = WindowsRunKey([r"{app}\cuecardsw.exe", "run"], store=_NoStore()).value
    assert run_value["ValueData"] == app_value
    # Without the task, the person's choice is recorded before the app's first start.
    runs = entries(sections["Run"])
    assert {
        "Filename": r"{app}\cuecards.exe",
        "Parameters": "config set ui.autostart false",
        "Flags": "runhidden",
        "Tasks": "not autostart",
    } in runs


def test_a_policy_given_to_the_installer_lands_where_the_app_reads_it(monkeypatch) -> None:
    code = "\n".join(iss_sections()["Code"])
    assert "ExpandConstant('{param:POLICY|}')" in code
    assert "ExpandConstant('{commonappdata}\\Cuecards\\policy.toml')" in code
    assert "FileCopy(PolicySource(), PolicyTarget(), False)" in code
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("PROGRAMDATA", "C:\\ProgramData")  # {commonappdata}
    assert str(default_policy_path()).replace("/", "\\") == r"C:\ProgramData\Cuecards\policy.toml"


def test_uninstall_removes_the_run_value_and_the_program_and_says_what_stays() -> None:
    sections = iss_sections()
    code = "\n".join(sections["Code"])
    assert "RegDeleteValue(HKEY_CURRENT_USER, '{#RunKey}', 'Cuecards')" in code
    assert "{localappdata}\\cuecards" in code  # platformdirs' user data dir on Windows
    assert entries(sections["UninstallDelete"]) == [{"Type": "filesandordirs", "Name": "{app}"}]


def test_the_example_policy_is_valid_and_locks_sources_and_keys() -> None:
    policy = Policy.load(INSTALLER / "policy.example.toml")
    assert policy.locked["packs.require_signatures"] is True
    assert policy.locked["packs.sources"] == ["https://packs.example.com/cuecards/index.json"]
    assert policy.defaults["ui.autostart"] is True


def test_the_mac_app_is_an_agent_with_the_accessibility_reason() -> None:
    info = plistlib.loads((INSTALLER / "macos" / "Info.plist").read_bytes())
    assert info["LSUIElement"] is True  # no Dock icon
    assert info["CFBundlePackageType"] == "APPL"
    assert "window in front" in info["NSAccessibilityUsageDescription"]
    assert "Info.plist" in (INSTALLER / "cuecards.spec").read_text()


@pytest.mark.skipif(sys.platform == "darwin", reason="on macOS the script really builds")
def test_the_dmg_script_parses_and_says_it_needs_macos() -> None:
    script = INSTALLER / "macos" / "make-dmg.sh"
    assert subprocess.run(["sh", "-n", str(script)], capture_output=True).returncode == 0
    done = subprocess.run(["sh", str(script)], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip() == "make-dmg: hdiutil needs macOS"


class _NoStore:
    def get(self, name: str) -> str | None:
        return None

    def put(self, name: str, value: str) -> None:
        raise AssertionError("not written")

    def delete(self, name: str) -> None:
        raise AssertionError("not deleted")
