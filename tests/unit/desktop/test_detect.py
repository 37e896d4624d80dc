"""Which backend a session gets, and what a person is told when none fits."""

from __future__ import annotations

import sys

import pytest

from app.desktop.watch.detect import detect


def test_x11_session():
    found = detect({"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"}, "linux")
    assert found.backend_name == "x11"
    assert found.reason == "X11 session (DISPLAY=:0, XDG_SESSION_TYPE=x11): EWMH property events"
    assert found.factory is not None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WAYLAND_DISPLAY": "wayland-1", "SWAYSOCK": "/run/user/1/sway.sock"}, "sway"),
        ({"WAYLAND_DISPLAY": "wayland-1", "HYPRLAND_INSTANCE_SIGNATURE": "abc"}, "hyprland"),
        ({"XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "KDE"}, "kde"),
        ({"WAYLAND_DISPLAY": "wayland-0", "XDG_CURRENT_DESKTOP": "ubuntu:GNOME"}, "gnome"),
        (
            {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0", "XDG_CURRENT_DESKTOP": "GNOME"},
            "gnome",
        ),
    ],
)
def test_wayland_compositors(env, expected):
    assert detect(env, "linux").backend_name == expected


def test_platforms_win_over_environment():
    assert detect({"DISPLAY": ":0"}, "win32").backend_name == "windows"
    assert detect({}, "darwin").backend_name == "macos"


def test_unsupported_wayland_is_not_handed_to_xwayland():
    found = detect(
        {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0", "XDG_CURRENT_DESKTOP": "wayfire"},
        "linux",
    )
    assert found.factory is None and found.backend_name is None
    assert "Wayland session on desktop 'wayfire'" in found.reason
    assert "choose an X11 session" in found.reason
    assert found.reason.endswith("Cuecards still works through the search hotkey.")


def test_no_session_at_all():
    found = detect({}, "linux")
    assert found.factory is None
    assert found.reason.startswith("no graphical session: neither DISPLAY nor WAYLAND_DISPLAY")


def test_forcing_a_backend_and_a_bad_name():
    forced = detect({"CUECARDS_WATCHER": "x11", "WAYLAND_DISPLAY": "w"}, "linux")
    assert (forced.backend_name, forced.reason) == (
        "x11",
        "CUECARDS_WATCHER=x11 forces this backend",
    )
    bad = detect({"CUECARDS_WATCHER": "wayfire"}, "linux")
    assert bad.factory is None
    assert bad.reason.startswith("CUECARDS_WATCHER='wayfire' is not a watcher backend")


def test_detection_imports_no_backend_module():
    for name in ("app.desktop.watch.windows", "app.desktop.watch.macos", "app.desktop.watch.kde"):
        sys.modules.pop(name, None)
    detect({"WAYLAND_DISPLAY": "w", "XDG_CURRENT_DESKTOP": "KDE"}, "linux")
    detect({}, "win32")
    detect({}, "darwin")
    assert "app.desktop.watch.windows" not in sys.modules
    assert "app.desktop.watch.macos" not in sys.modules
    assert "app.desktop.watch.kde" not in sys.modules
