"""Which hotkey backend a session tries (the `hotkey.backend` setting) and what each observes."""

from __future__ import annotations

import pytest

from app.desktop.hotkey.choose import EVERY_KEY, PREFERENCES, choose_backend, observes
from app.settings import BY_KEY

X11 = {"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"}
WAYLAND = {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}


@pytest.mark.parametrize(
    ("env", "platform", "preference", "names"),
    [
        (X11, "linux", "auto", ("xgrabkey", "pynput")),
        (X11, "linux", "native", ("xgrabkey",)),
        (X11, "linux", "pynput", ("pynput",)),
        ({}, "win32", "auto", ("registerhotkey", "pynput")),
        ({}, "win32", "native", ("registerhotkey",)),
        ({}, "win32", "pynput", ("pynput",)),
        # pynput would hear only XWayland windows, and crashes Qt on macOS: never there
        (WAYLAND, "linux", "pynput", ("portal",)),
        ({"XDG_SESSION_TYPE": "wayland"}, "linux", "auto", ("portal",)),
        ({}, "darwin", "pynput", ("carbon",)),
        ({}, "darwin", "auto", ("carbon",)),
        ({}, "linux", "auto", ()),
    ],
)
def test_native_comes_first_and_pynput_only_where_the_setting_allows(
    env: dict[str, str], platform: str, preference: str, names: tuple[str, ...]
) -> None:
    assert choose_backend(env, platform, preference) == names


def test_the_default_is_auto() -> None:
    assert choose_backend(X11, "linux") == ("xgrabkey", "pynput")


def test_native_backends_observe_only_the_combination_and_pynput_every_key() -> None:
    assert observes("xgrabkey", "Ctrl+Alt+Space") == "only Ctrl+Alt+Space"
    assert observes("registerhotkey", "Ctrl+Alt+Space") == "only Ctrl+Alt+Space"
    assert observes("carbon", "Command+Shift+Space") == "only Command+Shift+Space"
    assert (
        observes("pynput", "Ctrl+Alt+Space")
        == EVERY_KEY
        == ("every key pressed in any application")
    )
    assert observes("portal", "Ctrl+Alt+Space").startswith("only the shortcut the desktop binds")


def test_the_setting_offers_the_choices_and_says_what_pynput_observes() -> None:
    setting = BY_KEY["hotkey.backend"]
    assert setting.default == "auto"
    assert setting.choices == PREFERENCES == ("auto", "native", "pynput")
    assert (
        "pynput listens to every key pressed in every application to find the combination; "
        "native backends (XGrabKey, RegisterHotKey) receive only the combination"
    ) in setting.doc
