"""The one typed schema of every setting: default, type, doc, bounds and whether policy may lock it.

The CLI (`cuecards config`), the settings dialog, the admin policy and the README's
settings table all read `SCHEMA`; nothing else defines a default.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.paths import packaged

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

Value = bool | int | float | str | list[str]


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its key, type, default, a line of documentation and its bounds."""

    key: str
    type: type
    default: Value
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    lockable: bool = True
    policy_only: bool = False  # only the admin policy sets it; the person's value is ignored


def _s(key: str, default: Value, doc: str, **kw: Any) -> Setting:
    kind = list if isinstance(default, list) else type(default)
    return Setting(key, kind, default, doc, **kw)


SCHEMA: tuple[Setting, ...] = (
    _s("pacing.max_per_context", 1, "Popups at most per context change.", minimum=0, maximum=10),
    _s(
        "pacing.max_per_hour",
        4,
        "Popups at most per hour, all packs together.",
        minimum=0,
        maximum=60,
    ),
    _s(
        "pacing.max_per_day",
        12,
        "Popups at most per day, all packs together.",
        minimum=0,
        maximum=500,
    ),
    _s("pacing.min_gap_minutes", 10.0, "Least time between two popups.", minimum=0, maximum=1440),
    _s(
        "pacing.card_cooldown_days",
        7.0,
        "A card is not shown again for this long.",
        minimum=0,
        maximum=3650,
    ),
    _s(
        "pacing.default_dwell_seconds",
        2.0,
        "How long a window must stay in front before a card "
        "shows, unless the trigger says otherwise.",
        minimum=0,
        maximum=600,
    ),
    _s(
        "pacing.popup_seconds",
        15.0,
        "A popup hides itself after this long unless hovered.",
        minimum=3,
        maximum=600,
    ),
    _s(
        "pacing.quiet_when_fullscreen", True, "Show nothing while a full-screen window is in front."
    ),
    _s(
        "pacing.quiet_when_idle_minutes",
        5.0,
        "Show nothing after this long without input (0: never quiet for idleness).",
        minimum=0,
        maximum=1440,
    ),
    _s(
        "hotkey.palette",
        # Ctrl+Option+Space switches input sources on macOS; Ctrl+Alt+Space is free elsewhere.
        "<cmd>+<shift>+<space>" if sys.platform == "darwin" else "<ctrl>+<alt>+<space>",
        "Global hotkey that opens the search palette (pynput syntax).",
    ),
    _s(
        "hotkey.backend",
        "auto",
        "How the hotkey is heard on X11 and Windows. pynput listens to every key pressed in "
        "every application to find the combination; native backends (XGrabKey, RegisterHotKey) "
        "receive only the combination; auto uses native, and pynput only where native is "
        "unavailable. macOS always uses Carbon, Wayland the desktop portal.",
        choices=("auto", "native", "pynput"),
    ),
    _s(
        "packs.demo", True, "Install the bundled demo pack (useful until your team's packs arrive)."
    ),
    _s("packs.sources", [], "Pack sources: folders, or https URLs of a .cuepack or an index."),
    _s(
        "packs.sync_hours",
        6.0,
        "Hours between pack syncs (with random jitter).",
        minimum=0.25,
        maximum=720,
    ),
    _s("packs.require_signatures", False, "Install only packs signed by a trusted key."),
    _s("packs.trusted_keys", [], "Trusted publisher Ed25519 public keys (base64)."),
    _s(
        "upload.allowed",
        False,
        "Your organisation allows anonymised usage reports (set by policy).",
        policy_only=True,
    ),
    _s(
        "upload.enabled",
        False,
        "Share anonymised usage reports: counts only, never titles or keystrokes.",
    ),
    _s("upload.endpoint", "", "Where reports go: an https URL (plain http only to loopback)."),
    _s("upload.kind", "https", "Upload sink.", choices=("https", "xapi")),
    _s(
        "upload.cohort",
        "",
        "Optional cohort label (e.g. a team), set by the admin policy only.",
        policy_only=True,
    ),
    _s(
        "upload.noise_epsilon",
        0.0,
        "Laplace noise on every uploaded count, scale 1/epsilon (0: no noise).",
        minimum=0,
        maximum=100,
    ),
    _s(
        "upload.org_account",
        "",
        "The organisation's opaque xAPI account name (the statements' actor).",
        policy_only=True,
    ),
    _s(
        "upload.org_homepage",
        "https://cuecards.example/orgs",
        "The homePage of the organisation's xAPI account.",
        policy_only=True,
    ),
    _s(
        "upload.start_delay_seconds",
        60.0,
        "Seconds after start before the first upload attempt (then daily, after midnight); "
        "a policy may raise it to spread many computers out.",
        minimum=0,
        maximum=86400,
    ),
    _s("usage.retention_days", 180, "Days the local usage log is kept.", minimum=1, maximum=3650),
    _s(
        "ui.autostart",
        # The installed app starts at login unless turned off; a checkout never adds itself.
        packaged(),
        "Start Cuecards at login (on by default in the installed app, off when run from source).",
    ),
)

BY_KEY: dict[str, Setting] = {s.key: s for s in SCHEMA}


class SettingError(ValueError):
    """A key that does not exist, a value of the wrong type, or a policy-locked key."""


def parse_value(setting: Setting, raw: object) -> Value:
    """Coerce `raw` (a CLI string, JSON or TOML value) to the setting's type, within bounds."""
    key, kind = setting.key, setting.type
    value: Value
    if kind is bool:
        if isinstance(raw, bool):
            value = raw
        elif str(raw).strip().lower() in ("1", "true", "yes", "on"):
            value = True
        elif str(raw).strip().lower() in ("0", "false", "no", "off"):
            value = False
        else:
            raise SettingError(f"{key}: expected true or false, got {raw!r}")
    elif kind is list:
        if isinstance(raw, list):
            value = [str(v) for v in raw]
        else:
            text = str(raw).strip()
            value = [p.strip() for p in text.split(",") if p.strip()] if text else []
    elif kind in (int, float):
        if isinstance(raw, bool):
            raise SettingError(f"{key}: expected a number, got {raw!r}")
        try:
            value = kind(raw)
        except (TypeError, ValueError):
            raise SettingError(
                f"{key}: expected {'a whole number' if kind is int else 'a number'}, got {raw!r}"
            ) from None
        if setting.minimum is not None and value < setting.minimum:
            raise SettingError(f"{key}: {value} is below the minimum {setting.minimum:g}")
        if setting.maximum is not None and value > setting.maximum:
            raise SettingError(f"{key}: {value} is above the maximum {setting.maximum:g}")
    else:
        value = str(raw)
        if setting.choices and value not in setting.choices:
            raise SettingError(f"{key}: expected one of {', '.join(setting.choices)}, got {raw!r}")
    return value


def lookup(key: str) -> Setting:
    """The setting for `key`, or a SettingError that lists the near keys."""
    try:
        return BY_KEY[key]
    except KeyError:
        prefix = key.split(".")[0]
        near = [k for k in BY_KEY if k.startswith(prefix + ".")] or list(BY_KEY)
        raise SettingError(f"unknown setting {key!r}; known: {', '.join(near)}") from None


def default_policy_path() -> Path:
    """The OS's system location of the admin policy file."""
    if sys.platform.startswith("win"):
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "Cuecards" / "policy.toml"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/Cuecards/policy.toml")
    return Path("/etc/cuecards/policy.toml")


def _flatten(table: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            yield from _flatten(value, key + ".")
        else:
            yield key, value


@dataclass(frozen=True, slots=True)
class Policy:
    """The admin policy: `[locked]` values are fixed, `[defaults]` are organisation defaults."""

    path: Path | None
    locked: dict[str, Value]
    defaults: dict[str, Value]

    @classmethod
    def empty(cls) -> Policy:
        return cls(None, {}, {})

    @classmethod
    def load(cls, path: Path | None = None) -> Policy:
        """Read the policy from `path`, `$CUECARDS_POLICY` or the OS location; absent is empty."""
        if path is None:
            env = os.environ.get("CUECARDS_POLICY")
            path = Path(env) if env else default_policy_path()
        if not path.is_file():
            return cls.empty()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise SettingError(f"{path}: cannot read the policy: {exc}") from None
        unknown = set(data) - {"locked", "defaults"}
        if unknown:
            raise SettingError(
                f"{path}: unknown table(s) {', '.join(sorted(unknown))}; "
                "use [locked] and [defaults]"
            )
        tables: dict[str, dict[str, Value]] = {}
        for table in ("locked", "defaults"):
            values: dict[str, Value] = {}
            for key, raw in _flatten(data.get(table, {})):
                try:
                    setting = lookup(key)
                    if table == "locked" and not setting.lockable:
                        raise SettingError(f"{key} cannot be locked by policy")
                    values[key] = parse_value(setting, raw)
                except SettingError as exc:
                    raise SettingError(f"{path}: [{table}] {exc}") from None
            tables[table] = values
        return cls(path, tables["locked"], tables["defaults"])


class Settings:
    """Effective settings: schema default < policy default < the person's choice < policy lock."""

    FILE = "settings.json"

    def __init__(self, data_dir: Path, policy: Policy | None = None) -> None:
        self.path = Path(data_dir) / self.FILE
        self.policy = policy if policy is not None else Policy.empty()
        self._stamp = self._file_stamp()
        self._user: dict[str, Value] = self._read()

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def _follow_file(self) -> None:
        """Re-read the file when another process wrote it: `cuecards config set` in a
        terminal reaches the running app (turning uploads off, say) without a restart."""
        stamp = self._file_stamp()
        if stamp != self._stamp:
            self._stamp = stamp
            self._user = self._read()

    def _read(self) -> dict[str, Value]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}
        values: dict[str, Value] = {}
        for key, value in raw.items() if isinstance(raw, dict) else ():
            if key in BY_KEY:
                try:
                    values[key] = parse_value(BY_KEY[key], value)
                except SettingError:
                    continue  # a hand-edited bad value falls back to the default
        return values

    def get(self, key: str) -> Value:
        setting = lookup(key)
        self._follow_file()
        if key in self.policy.locked:
            return self.policy.locked[key]
        if key in self._user and not setting.policy_only:
            return self._user[key]
        return self.policy.defaults.get(key, setting.default)

    def __getitem__(self, key: str) -> Value:
        return self.get(key)

    def is_locked(self, key: str) -> bool:
        """Locked by the policy, or a key only the policy may set."""
        return key in self.policy.locked or lookup(key).policy_only

    def origin(self, key: str) -> str:
        """Where the effective value comes from: policy-lock, user, policy-default or default."""
        setting = lookup(key)
        self._follow_file()
        if key in self.policy.locked:
            return "locked"
        if key in self._user and not setting.policy_only:
            return "user"
        return "policy" if key in self.policy.defaults else "default"

    def set(self, key: str, raw: object) -> Value:
        """Validate and store the person's value; refuses a policy-locked key with the reason."""
        setting = lookup(key)
        if key in self.policy.locked:
            raise SettingError(
                f"{key} is locked by the administrator's policy "
                f"({self.policy.path}); it stays {self.policy.locked[key]!r}"
            )
        if setting.policy_only:
            raise SettingError(
                f"{key} can only be set by your administrator's policy "
                f"({self.policy.path or default_policy_path()}); it is {self.get(key)!r}"
            )
        value = parse_value(setting, raw)
        self._follow_file()  # keep what another process set meanwhile
        self._user[key] = value
        self._write()
        return value

    def reset(self, key: str) -> None:
        lookup(key)
        self._follow_file()
        self._user.pop(key, None)
        self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._user, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)
        self._stamp = self._file_stamp()

    def items(self) -> Iterator[tuple[Setting, Value]]:
        for setting in SCHEMA:
            yield setting, self.get(setting.key)


def markdown_table() -> str:
    """The README's settings table, generated from SCHEMA so the docs never drift."""
    lines = ["| key | default | what it does |", "|---|---|---|"]
    for s in SCHEMA:
        default = json.dumps(s.default)
        bounds = ""
        if s.minimum is not None or s.maximum is not None:
            bounds = f" ({s.minimum:g}–{s.maximum:g})"
        if s.choices:
            bounds = f" (one of: {', '.join(s.choices)})"
        lines.append(f"| `{s.key}` | `{default}` | {s.doc}{bounds} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
