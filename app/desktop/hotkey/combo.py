"""Hotkey combinations: parsing the `hotkey.palette` setting, spotting the desktop's own
shortcuts it would collide with, and writing it in each backend's notation (pynput, the XDG
shortcuts spec used by the GlobalShortcuts portal, X keysym names, Carbon key codes and modifier
bits; the Windows virtual-key codes live beside their backend, in `windows.py`).

Pure Python, no OS calls: every backend and `cuecards doctor` share one reading of the setting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MODIFIERS = ("ctrl", "alt", "shift", "cmd")
# Other spellings people write for the same modifiers.
_MODIFIER_ALIASES = {
    "control": "ctrl",
    "ctl": "ctrl",
    "option": "alt",
    "opt": "alt",
    "super": "cmd",
    "win": "cmd",
    "meta": "cmd",
    "logo": "cmd",
    "command": "cmd",
}
NAMED_KEYS = (
    "space", "enter", "tab", "backspace", "delete", "insert", "home", "end", "page_up",
    "page_down", "up", "down", "left", "right", "esc", "pause", "print_screen",
    *(f"f{n}" for n in range(1, 21)),
)  # fmt: skip
_KEY_ALIASES = {"return": "enter", "escape": "esc", "del": "delete", "pgup": "page_up",
                "pgdn": "page_down", "ins": "insert"}  # fmt: skip
# Printable keys a combination may end in: letters, digits and a few punctuation keys.
_CHAR_KEY = re.compile(r"[a-z0-9`\-=\[\];',./\\]")
EXAMPLE = "<ctrl>+<alt>+<space>"


class ComboError(ValueError):
    """The setting's text is not a usable hotkey; the message says why and how to fix it."""


@dataclass(frozen=True, slots=True)
class Combo:
    """Modifiers (a subset of MODIFIERS, kept in that order) and one key."""

    modifiers: tuple[str, ...]
    key: str

    def pynput(self) -> str:
        """pynput's GlobalHotKeys notation, e.g. `<ctrl>+<alt>+<space>`."""
        key = f"<{self.key}>" if self.key in NAMED_KEYS else self.key
        return "+".join([*(f"<{m}>" for m in self.modifiers), key])

    def label(self, mac: bool = False) -> str:
        """What a person reads, e.g. `Ctrl+Alt+Space` (`Control+Option+Space` on a Mac)."""
        names = (
            {"ctrl": "Control", "alt": "Option", "shift": "Shift", "cmd": "Command"}
            if mac
            else {"ctrl": "Ctrl", "alt": "Alt", "shift": "Shift", "cmd": "Super"}
        )
        key = self.key.replace("_", " ").title() if len(self.key) > 1 else self.key.upper()
        return "+".join([*(names[m] for m in self.modifiers), key])

    def xdg_trigger(self) -> str:
        """The XDG shortcuts-spec trigger for the GlobalShortcuts portal: `CTRL+ALT+space`."""
        names = {"ctrl": "CTRL", "alt": "ALT", "shift": "SHIFT", "cmd": "LOGO"}
        return "+".join([*(names[m] for m in self.modifiers), keysym_name(self.key)])


def parse_combo(text: str, setting: str = "hotkey.palette") -> Combo:
    """Read a hotkey such as `<ctrl>+<alt>+<space>` (pynput) or `Ctrl+Alt+Space`.

    Raises ComboError naming the setting, what is wrong and how to write it instead.
    """
    parts = [p.strip() for p in text.strip().lower().split("+")]
    if not text.strip() or any(not p for p in parts):
        raise ComboError(
            f"{setting}: {text!r} is not a hotkey; write modifiers and one key joined by '+', "
            f"e.g. {EXAMPLE}"
        )
    names = [p[1:-1] if p.startswith("<") and p.endswith(">") else p for p in parts]
    *mods, key = names
    modifiers: list[str] = []
    for mod in mods:
        mod = _MODIFIER_ALIASES.get(mod, mod)
        if mod not in MODIFIERS:
            raise ComboError(
                f"{setting}: {mod!r} is not a modifier; use <ctrl>, <alt>, <shift> or <cmd> "
                f"(the Windows/Super/Command key), e.g. {EXAMPLE}"
            )
        if mod in modifiers:
            raise ComboError(f"{setting}: {mod!r} appears twice in {text!r}; name it once")
        modifiers.append(mod)
    key = _KEY_ALIASES.get(key, key)
    if key in MODIFIERS or key in _MODIFIER_ALIASES:
        raise ComboError(
            f"{setting}: {text!r} ends in a modifier; end it with the key to press, e.g. {EXAMPLE}"
        )
    if key not in NAMED_KEYS and not (len(key) == 1 and _CHAR_KEY.fullmatch(key)):
        raise ComboError(
            f"{setting}: {key!r} is not a key Cuecards can listen for; use a letter, a digit, "
            f"<space>, <f1>…<f20> or another named key such as <enter>"
        )
    ordered = tuple(m for m in MODIFIERS if m in modifiers)
    combo = Combo(ordered, key)
    problem = _too_easy(combo)
    if problem:
        raise ComboError(f"{setting}: {combo.label()} {problem}; add <ctrl>+<alt>, e.g. {EXAMPLE}")
    return combo


def _too_easy(combo: Combo) -> str | None:
    """Why a combination would fire while the person types or works, if it would."""
    function_key = combo.key[0] == "f" and combo.key[1:].isdigit()
    if combo.modifiers in ((), ("shift",)) and not function_key:
        return "would fire while typing"
    if combo.modifiers in (("ctrl",), ("ctrl", "shift")) and len(combo.key) == 1:
        return "is an application shortcut in most programs (copy, paste, save…)"
    return None


# Shortcuts the operating systems and desktops keep for themselves, by platform:
# "windows", "macos" or "linux" (GNOME, KDE and input methods).
_RESERVED: dict[tuple[tuple[str, ...], str], dict[str, str]] = {
    (("ctrl",), "space"): {
        "windows": "switches the input method (IME)",
        "macos": "selects the previous input source",
        "linux": "switches the input method (IBus, Fcitx)",
    },
    (("alt",), "space"): {
        "windows": "opens the window menu",
        "linux": "opens the window menu (GNOME, KDE)",
    },
    (("cmd",), "space"): {
        "macos": "opens Spotlight",
        "windows": "switches the keyboard layout",
        "linux": "switches the input source (GNOME)",
    },
    (("ctrl", "alt"), "space"): {"macos": "selects the next input source"},
    (("alt", "cmd"), "space"): {"macos": "opens a Finder search window"},
    (("ctrl", "cmd"), "space"): {"macos": "opens the emoji picker"},
    (("alt",), "tab"): {"windows": "switches windows", "linux": "switches windows"},
    (("cmd",), "tab"): {"macos": "switches applications"},
    (("alt",), "f4"): {"windows": "closes the window", "linux": "closes the window"},
    (("alt",), "f2"): {"linux": "opens the run dialog (GNOME, KRunner)"},
    (("ctrl", "alt"), "delete"): {"windows": "opens the security screen", "linux": "logs out"},
    (("ctrl", "shift"), "esc"): {"windows": "opens Task Manager"},
    (("ctrl", "alt"), "t"): {"linux": "opens a terminal (Ubuntu)"},
    (("ctrl", "alt"), "l"): {"linux": "locks the screen (KDE, Cinnamon)"},
    (("cmd",), "l"): {"windows": "locks the computer", "linux": "locks the screen (GNOME)"},
    (("cmd",), "d"): {"windows": "shows the desktop"},
    (("cmd",), "e"): {"windows": "opens File Explorer"},
    (("cmd",), "r"): {"windows": "opens the Run dialog"},
    (("cmd",), "q"): {"macos": "quits the application"},
    (("cmd",), "h"): {"macos": "hides the application"},
}


def conflicts(combo: Combo, platform: str) -> str | None:
    """What the platform's own shortcut on this combination does, or None when it is free."""
    return _RESERVED.get((combo.modifiers, combo.key), {}).get(platform)


def platform_name(sys_platform: str) -> str:
    """`windows`, `macos` or `linux` (every other Unix desktop) for a `sys.platform` value."""
    if sys_platform.startswith("win"):
        return "windows"
    if sys_platform == "darwin":
        return "macos"
    return "linux"


# XKB keysym names for the named keys whose spelling differs from ours.
_XKB_KEYSYMS = {
    "enter": "Return",
    "esc": "Escape",
    "backspace": "BackSpace",
    "delete": "Delete",
    "insert": "Insert",
    "home": "Home",
    "end": "End",
    "page_up": "Prior",
    "page_down": "Next",
    "up": "Up",
    "down": "Down",
    "left": "Left",
    "right": "Right",
    "tab": "Tab",
    "pause": "Pause",
    "print_screen": "Print",
    "`": "grave",
    "-": "minus",
    "=": "equal",
    "[": "bracketleft",
    "]": "bracketright",
    ";": "semicolon",
    "'": "apostrophe",
    ",": "comma",
    ".": "period",
    "/": "slash",
    "\\": "backslash",
    **{f"f{n}": f"F{n}" for n in range(1, 21)},
}


def keysym_name(key: str) -> str:
    """The X keysym name of one of our keys (`Return`, `F1`, `slash`, `a`), for XGrabKey and
    the portal's XDG trigger."""
    return _XKB_KEYSYMS.get(key, key)


# Carbon (macOS) virtual key codes (Events.h, kVK_*) for an ANSI keyboard.
CARBON_KEYCODES: dict[str, int] = {
    "a": 0, "s": 1, "d": 2, "f": 3, "h": 4, "g": 5, "z": 6, "x": 7, "c": 8, "v": 9, "b": 11,
    "q": 12, "w": 13, "e": 14, "r": 15, "y": 16, "t": 17, "1": 18, "2": 19, "3": 20, "4": 21,
    "6": 22, "5": 23, "=": 24, "9": 25, "7": 26, "-": 27, "8": 28, "0": 29, "]": 30, "o": 31,
    "u": 32, "[": 33, "i": 34, "p": 35, "l": 37, "j": 38, "'": 39, "k": 40, ";": 41,
    "\\": 42, ",": 43, "/": 44, "n": 45, "m": 46, ".": 47, "`": 50,
    "enter": 36, "tab": 48, "space": 49, "backspace": 51, "esc": 53, "delete": 117,
    "home": 115, "end": 119, "page_up": 116, "page_down": 121, "left": 123, "right": 124,
    "down": 125, "up": 126, "insert": 114,
    "f1": 122, "f2": 120, "f3": 99, "f4": 118, "f5": 96, "f6": 97, "f7": 98, "f8": 100,
    "f9": 101, "f10": 109, "f11": 103, "f12": 111, "f13": 105, "f14": 107, "f15": 113,
    "f16": 106, "f17": 64, "f18": 79, "f19": 80, "f20": 90,
}  # fmt: skip
# Carbon modifier bits (Events.h): cmdKey, shiftKey, optionKey, controlKey.
CARBON_MODIFIERS = {"cmd": 1 << 8, "shift": 1 << 9, "alt": 1 << 11, "ctrl": 1 << 12}


def carbon_hotkey(combo: Combo) -> tuple[int, int]:
    """(virtual key code, modifier mask) for Carbon's RegisterEventHotKey.

    Raises ComboError for a key with no fixed code on a Mac keyboard (pause, print screen).
    """
    code = CARBON_KEYCODES.get(combo.key)
    if code is None:
        raise ComboError(f"hotkey.palette: a Mac keyboard has no {combo.label(mac=True)} key")
    mask = 0
    for modifier in combo.modifiers:
        mask |= CARBON_MODIFIERS[modifier]
    return code, mask
