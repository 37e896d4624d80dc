"""The X keyboard arithmetic of the XGrabKey hotkey: which keycodes carry the key, which
modifier bits Alt, Super and the lock keys sit on, and the grab variants for the lock keys.

Pure Python over GetKeyboardMapping and GetModifierMapping replies (Xlib's constants only, no
connection), so it is unit-tested without an X server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from Xlib import XK, X

from app.desktop.hotkey.base import NotOnKeyboard
from app.desktop.hotkey.combo import Combo

# Rows of the modifier mapping: Shift, Lock, Control, Mod1 … Mod5; row i is the bit 1 << i.
_MOD_ROWS = range(3, 8)
_ALT = ("Alt_L", "Alt_R")
_META = ("Meta_L", "Meta_R")
_SUPER = ("Super_L", "Super_R")
_HYPER = ("Hyper_L", "Hyper_R")


@dataclass(frozen=True, slots=True)
class XModifiers:
    """The X modifier bits of our modifiers and of the lock keys, as this server maps them."""

    alt: int
    cmd: int
    num_lock: int
    scroll_lock: int

    def mask(self, combo: Combo) -> int:
        """The modifier mask of `combo`; NotOnKeyboard when the keyboard mapping has no
        modifier for one of its keys (a layout without Super, say)."""
        bits = {"ctrl": X.ControlMask, "shift": X.ShiftMask, "alt": self.alt, "cmd": self.cmd}
        mask = 0
        for modifier in combo.modifiers:
            if not bits[modifier]:
                name = "Alt" if modifier == "alt" else "Super"
                raise NotOnKeyboard(f"no modifier carries the {name} key on this keyboard")
            mask |= bits[modifier]
        return mask

    @property
    def locks(self) -> tuple[int, ...]:
        """The bits CapsLock, NumLock and ScrollLock add to the state when they are on."""
        return tuple(bit for bit in (X.LockMask, self.num_lock, self.scroll_lock) if bit)


def read_modifiers(
    modmap: Sequence[Sequence[int]], keysyms_of: Callable[[int], Iterable[int]]
) -> XModifiers:
    """Find Alt (else Meta), Super (else Hyper), NumLock and ScrollLock among Mod1–Mod5 of a
    GetModifierMapping reply; `keysyms_of(keycode)` gives the keysyms on a key."""
    rows: dict[int, set[int]] = {}
    for row in _MOD_ROWS:
        keycodes = modmap[row] if row < len(modmap) else ()
        rows[1 << row] = {sym for code in keycodes if code for sym in keysyms_of(code)}

    def bit(*names: str) -> int:
        wanted = {XK.string_to_keysym(name) for name in names}
        return next((mask for mask, syms in rows.items() if syms & wanted), 0)

    return XModifiers(
        alt=bit(*_ALT) or bit(*_META),
        cmd=bit(*_SUPER) or bit(*_HYPER),
        num_lock=bit("Num_Lock"),
        scroll_lock=bit("Scroll_Lock"),
    )


def grab_masks(base: int, locks: Iterable[int]) -> list[int]:
    """`base` with every combination of the lock bits that are not already in it: X compares a
    grab's modifiers exactly, and NumLock or CapsLock on must not silence the hotkey."""
    bits = sorted({bit for bit in locks if bit and not bit & base})
    masks = []
    for n in range(1 << len(bits)):
        mask = base
        for i, bit in enumerate(bits):
            if n >> i & 1:
                mask |= bit
        masks.append(mask)
    return masks


def keycodes_for(keysym: int, keymap: Sequence[Sequence[int]], first_keycode: int) -> list[int]:
    """Every keycode whose keysyms (any level or group) include `keysym`, lowest first."""
    return [first_keycode + i for i, syms in enumerate(keymap) if keysym in syms]
