"""The XGrabKey hotkey's keyboard arithmetic: keycodes, modifier bits and lock-key variants."""

from __future__ import annotations

import pytest
from Xlib import XK, X

from app.desktop.hotkey.base import NotOnKeyboard
from app.desktop.hotkey.combo import NAMED_KEYS, Combo, keysym_name, parse_combo
from app.desktop.hotkey.x11_keys import XModifiers, grab_masks, keycodes_for, read_modifiers


def sym(name: str) -> int:
    return XK.string_to_keysym(name)


# A keyboard like Xvfb's: keycode → keysyms (first at keycode 8).
KEYSYMS = {
    37: ["Control_L"],
    50: ["Shift_L"],
    64: ["Alt_L", "Meta_L"],
    65: ["space"],
    66: ["Caps_Lock"],
    77: ["Num_Lock"],
    78: ["Scroll_Lock"],
    133: ["Super_L"],
    38: ["a", "A"],
    61: ["slash", "question"],
    200: ["space"],  # a second key carrying the same keysym (a thumb key, say)
}
FIRST = 8
KEYMAP = [[sym(n) for n in KEYSYMS.get(code, [])] for code in range(FIRST, 256)]


def keysyms_of(code: int) -> list[int]:
    return KEYMAP[code - FIRST]


def modmap(**rows: list[int]) -> list[list[int]]:
    """A GetModifierMapping reply: rows shift, lock, control, mod1 … mod5."""
    names = ["shift", "lock", "control", "mod1", "mod2", "mod3", "mod4", "mod5"]
    return [rows.get(name, []) for name in names]


XVFB = modmap(shift=[50], lock=[66], control=[37], mod1=[64], mod2=[77], mod4=[133])


def test_alt_super_and_numlock_are_found_where_the_mapping_puts_them() -> None:
    assert read_modifiers(XVFB, keysyms_of) == XModifiers(
        alt=X.Mod1Mask, cmd=X.Mod4Mask, num_lock=X.Mod2Mask, scroll_lock=0
    )
    moved = modmap(mod2=[133], mod3=[78], mod4=[64], mod5=[77])
    assert read_modifiers(moved, keysyms_of) == XModifiers(
        alt=X.Mod4Mask, cmd=X.Mod2Mask, num_lock=X.Mod5Mask, scroll_lock=X.Mod3Mask
    )


def test_a_combination_becomes_its_modifier_mask() -> None:
    mods = read_modifiers(XVFB, keysyms_of)
    assert mods.mask(parse_combo("<ctrl>+<alt>+<space>")) == X.ControlMask | X.Mod1Mask
    assert mods.mask(parse_combo("<cmd>+<shift>+k")) == X.ShiftMask | X.Mod4Mask


def test_a_keyboard_without_super_says_so() -> None:
    mods = read_modifiers(modmap(mod1=[64]), keysyms_of)
    with pytest.raises(NotOnKeyboard, match="no modifier carries the Super key"):
        mods.mask(parse_combo("<cmd>+<shift>+k"))


def test_numlock_and_capslock_on_still_match_the_grab() -> None:
    base = X.ControlMask | X.Mod1Mask
    mods = read_modifiers(XVFB, keysyms_of)
    assert mods.locks == (X.LockMask, X.Mod2Mask)
    assert sorted(grab_masks(base, mods.locks)) == sorted(
        [base, base | X.LockMask, base | X.Mod2Mask, base | X.LockMask | X.Mod2Mask]
    )


def test_scrolllock_adds_its_variants_when_it_is_a_modifier() -> None:
    base = X.ControlMask | X.Mod1Mask
    masks = grab_masks(base, (X.LockMask, X.Mod2Mask, X.Mod3Mask))
    assert len(masks) == len(set(masks)) == 8
    assert all(mask & base == base for mask in masks)
    assert base | X.LockMask | X.Mod2Mask | X.Mod3Mask in masks


def test_a_lock_bit_the_combination_uses_is_not_varied() -> None:
    # Super sharing Mod2 with NumLock on an odd layout: Mod2 is required, not optional.
    assert sorted(grab_masks(X.Mod2Mask, (X.LockMask, X.Mod2Mask, 0))) == [
        X.Mod2Mask,
        X.Mod2Mask | X.LockMask,
    ]


def test_every_keycode_carrying_the_key_is_grabbed() -> None:
    assert keycodes_for(sym("space"), KEYMAP, FIRST) == [65, 200]
    assert keycodes_for(sym("slash"), KEYMAP, FIRST) == [61]
    assert keycodes_for(sym("F13"), KEYMAP, FIRST) == []


@pytest.mark.parametrize("key", [*NAMED_KEYS, *"abz09`-=[];',./\\"])
def test_every_key_a_hotkey_may_use_has_an_x_keysym(key: str) -> None:
    assert sym(keysym_name(Combo(("ctrl", "alt"), key).key)) != 0
