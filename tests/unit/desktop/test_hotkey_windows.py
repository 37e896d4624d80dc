"""The OS-free parts of the RegisterHotKey backend: virtual-key codes, flags, WM_HOTKEY."""

from __future__ import annotations

import ctypes

import pytest

from app.desktop.hotkey.base import HotkeyUnavailable
from app.desktop.hotkey.combo import NAMED_KEYS, Combo, parse_combo
from app.desktop.hotkey.windows import (
    MOD_ALT,
    MOD_CONTROL,
    MOD_NOREPEAT,
    MOD_SHIFT,
    MOD_WIN,
    MSG,
    WM_HOTKEY,
    WindowsHotkey,
    is_our_hotkey,
    windows_hotkey,
)


@pytest.mark.parametrize(
    ("text", "vk", "flags"),
    [
        ("<ctrl>+<alt>+<space>", 0x20, MOD_CONTROL | MOD_ALT),
        ("<cmd>+<shift>+k", ord("K"), MOD_WIN | MOD_SHIFT),
        ("<ctrl>+<alt>+7", ord("7"), MOD_CONTROL | MOD_ALT),
        ("<f1>", 0x70, 0),
        ("<ctrl>+<f12>", 0x7B, MOD_CONTROL),
        ("<f20>", 0x83, 0),
        ("<ctrl>+<alt>+<page_down>", 0x22, MOD_CONTROL | MOD_ALT),
        ("<ctrl>+<alt>+<print_screen>", 0x2C, MOD_CONTROL | MOD_ALT),
    ],
)
def test_a_combination_becomes_a_virtual_key_and_flags_that_never_repeat(
    text: str, vk: int, flags: int
) -> None:
    assert windows_hotkey(parse_combo(text)) == (vk, flags | MOD_NOREPEAT)


def test_punctuation_asks_the_layout_first_and_falls_back_to_us_codes() -> None:
    combo = parse_combo("<ctrl>+<alt>+/")
    assert windows_hotkey(combo) == (0xBF, MOD_CONTROL | MOD_ALT | MOD_NOREPEAT)
    assert windows_hotkey(combo, lambda char: 0x37 if char == "/" else None)[0] == 0x37
    assert windows_hotkey(combo, lambda _char: None)[0] == 0xBF


@pytest.mark.parametrize("key", [*NAMED_KEYS, *"`-=[];',./\\"])
def test_every_key_a_hotkey_may_use_has_a_virtual_key(key: str) -> None:
    vk, _ = windows_hotkey(Combo(("ctrl", "alt"), key))
    assert 0 < vk < 0xFF


def message(kind: int, wparam: int) -> MSG:
    return MSG(hwnd=None, message=kind, wParam=wparam)


def test_only_our_wm_hotkey_is_taken() -> None:
    ours, other_id, other_kind = message(WM_HOTKEY, 7), message(WM_HOTKEY, 8), message(0x0100, 7)
    assert is_our_hotkey(b"windows_generic_MSG", ctypes.addressof(ours), 7)
    assert not is_our_hotkey(b"windows_generic_MSG", ctypes.addressof(other_id), 7)
    assert not is_our_hotkey(b"windows_generic_MSG", ctypes.addressof(other_kind), 7)
    assert not is_our_hotkey(b"xcb_generic_event_t", ctypes.addressof(ours), 7)


def test_msg_has_the_64_bit_windows_layout() -> None:
    assert ctypes.sizeof(MSG) == 48
    assert MSG.wParam.offset == 16 and MSG.time.offset == 32


def test_elsewhere_the_backend_says_it_needs_windows() -> None:
    backend = WindowsHotkey()
    with pytest.raises(HotkeyUnavailable, match="only on Windows"):
        backend.start(parse_combo("<ctrl>+<alt>+<space>"), lambda: None, lambda _reason: None)
    backend.stop()
