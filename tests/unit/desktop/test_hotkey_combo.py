"""Reading the `hotkey.palette` setting, spotting clashes, and each backend's notation."""

from __future__ import annotations

import pytest

from app.desktop.hotkey.combo import (
    CARBON_MODIFIERS,
    Combo,
    ComboError,
    carbon_hotkey,
    conflicts,
    parse_combo,
    platform_name,
)
from app.settings import Settings


@pytest.mark.parametrize(
    ("text", "combo"),
    [
        ("<ctrl>+<alt>+<space>", Combo(("ctrl", "alt"), "space")),
        ("Ctrl+Alt+Space", Combo(("ctrl", "alt"), "space")),
        ("<alt>+<ctrl>+<space>", Combo(("ctrl", "alt"), "space")),
        ("<cmd>+<shift>+k", Combo(("shift", "cmd"), "k")),
        ("super+shift+K", Combo(("shift", "cmd"), "k")),
        ("control + option + return", Combo(("ctrl", "alt"), "enter")),
        ("<f13>", Combo((), "f13")),
        ("<ctrl>+<alt>+/", Combo(("ctrl", "alt"), "/")),
    ],
)
def test_hotkeys_are_read_in_pynput_and_plain_notation(text: str, combo: Combo) -> None:
    assert parse_combo(text) == combo


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "'' is not a hotkey; write modifiers and one key joined by '+'"),
        ("<ctrl>++k", "is not a hotkey"),
        ("<hyper>+k", "'hyper' is not a modifier; use <ctrl>, <alt>, <shift> or <cmd>"),
        ("<ctrl>+<ctrl>+k", "'ctrl' appears twice"),
        ("<ctrl>+<alt>", "ends in a modifier; end it with the key to press"),
        ("<ctrl>+<alt>+<banana>", "'banana' is not a key Cuecards can listen for"),
        ("k", "K would fire while typing"),
        ("<shift>+<space>", "Shift+Space would fire while typing"),
        ("<ctrl>+c", "Ctrl+C is an application shortcut in most programs"),
    ],
)
def test_unusable_hotkeys_say_what_is_wrong_and_how_to_fix_it(text: str, message: str) -> None:
    with pytest.raises(ComboError) as caught:
        parse_combo(text)
    assert str(caught.value).startswith("hotkey.palette: ")
    assert message in str(caught.value)


def test_the_default_setting_parses(tmp_path) -> None:
    default = Settings(tmp_path).get("hotkey.palette")
    assert parse_combo(default) == Combo(("ctrl", "alt"), "space")


def test_each_backend_gets_its_own_notation() -> None:
    combo = parse_combo("Ctrl+Alt+Space")
    assert combo.pynput() == "<ctrl>+<alt>+<space>"
    assert combo.xdg_trigger() == "CTRL+ALT+space"
    assert combo.label() == "Ctrl+Alt+Space"
    assert combo.label(mac=True) == "Control+Option+Space"
    assert parse_combo("<cmd>+<shift>+<page_down>").xdg_trigger() == "SHIFT+LOGO+Next"
    assert parse_combo("<ctrl>+<alt>+k").pynput() == "<ctrl>+<alt>+k"


def test_carbon_key_codes_and_modifier_bits() -> None:
    assert carbon_hotkey(parse_combo("Ctrl+Alt+Space")) == (49, (1 << 12) | (1 << 11))
    code, mask = carbon_hotkey(parse_combo("<cmd>+<shift>+k"))
    assert code == 40
    assert mask == CARBON_MODIFIERS["cmd"] | CARBON_MODIFIERS["shift"]
    with pytest.raises(ComboError, match="a Mac keyboard has no"):
        carbon_hotkey(parse_combo("<ctrl>+<alt>+<print_screen>"))


@pytest.mark.parametrize(
    ("text", "platform", "clash"),
    [
        ("<ctrl>+<space>", "windows", "switches the input method (IME)"),
        ("<alt>+<space>", "linux", "opens the window menu (GNOME, KDE)"),
        ("<cmd>+<space>", "macos", "opens Spotlight"),
        ("<ctrl>+<alt>+<space>", "macos", "selects the next input source"),
        ("<ctrl>+<alt>+<space>", "windows", None),
        ("<ctrl>+<alt>+<space>", "linux", None),
        ("<ctrl>+<alt>+t", "linux", "opens a terminal (Ubuntu)"),
        ("<ctrl>+<alt>+k", "linux", None),
    ],
)
def test_clashes_with_the_systems_own_shortcuts(text: str, platform: str, clash: str) -> None:
    assert conflicts(parse_combo(text), platform) == clash


def test_platform_names() -> None:
    assert platform_name("win32") == "windows"
    assert platform_name("darwin") == "macos"
    assert platform_name("linux") == "linux"
    assert platform_name("freebsd14") == "linux"
