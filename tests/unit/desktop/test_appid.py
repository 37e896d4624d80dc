"""App ids as pack authors write them: the same normalisation on every platform."""

from __future__ import annotations

import os

import pytest

from app.desktop.watch import appid


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (r"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE", "excel"),
        (r'"C:\Windows\System32\notepad.exe"', "notepad"),
        ("C:/Users/Ann/AppData/Local/Programs/Code/Code.exe", "code"),
        (r"\\server\share\tools\SAPlogon.EXE", "saplogon"),
        ("WINWORD.EXE", "winword"),
        ("/usr/lib/libreoffice/program/soffice.bin", "soffice.bin"),
        ("/usr/bin/python3.11", "python3.11"),
        ("setup.cmd", "setup"),
        (".exe", ".exe"),  # a name that is only the suffix is left alone
    ],
)
def test_exe_paths_become_lower_case_names_without_exe(path, expected):
    assert appid.from_exe_path(path) == expected


def test_bundle_ids_are_lower_cased_with_the_executable_as_fallback():
    assert appid.from_bundle_id("com.microsoft.Excel") == "com.microsoft.excel"
    assert appid.from_bundle_id(" com.apple.Safari ") == "com.apple.safari"
    assert appid.from_bundle_id(None, "/Applications/Tool.app/Contents/MacOS/Tool") == "tool"
    assert appid.from_bundle_id("", None) == ""


def test_wm_class_uses_the_class_then_the_instance():
    assert appid.from_wm_class("libreoffice", "libreoffice-calc") == "libreoffice-calc"
    assert appid.from_wm_class("xterm", "Excel") == "excel"
    assert appid.from_wm_class("navigator", "") == "navigator"
    assert appid.from_wm_class(None, None) == ""


def test_wayland_app_ids_drop_the_desktop_suffix():
    assert appid.from_wayland_app_id("org.gnome.Nautilus.desktop") == "org.gnome.nautilus"
    assert appid.from_wayland_app_id("firefox") == "firefox"
    assert appid.from_wayland_app_id(None) == ""


def test_exe_for_pid_reads_proc_and_falls_back_to_comm(tmp_path):
    assert appid.exe_for_pid(os.getpid()) is not None
    fake = tmp_path / "77"
    fake.mkdir()
    (fake / "comm").write_text("soffice.bin\n")
    assert appid.exe_for_pid(77, proc=str(tmp_path)) == "soffice.bin"
    os.symlink("/opt/tool/Thing (deleted)", fake / "exe")
    assert appid.exe_for_pid(77, proc=str(tmp_path)) == "thing"
    assert appid.exe_for_pid(78, proc=str(tmp_path)) is None
    assert appid.exe_for_pid(None) is None
