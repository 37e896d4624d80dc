"""The typed settings schema: defaults, validation, the person's choices and policy locks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.settings import BY_KEY, SCHEMA, Policy, SettingError, Settings, parse_value


def write_policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_design_keys_exist_with_design_defaults() -> None:
    expected = {
        "pacing.max_per_hour": 4,
        "pacing.max_per_day": 12,
        "pacing.min_gap_minutes": 10,
        "pacing.card_cooldown_days": 7,
        "pacing.default_dwell_seconds": 2,
        "upload.enabled": False,
        "upload.kind": "https",
        "packs.sources": [],
    }
    for key, default in expected.items():
        assert BY_KEY[key].default == default
    assert "hotkey.palette" in BY_KEY and "upload.endpoint" in BY_KEY


def test_every_setting_is_documented_and_its_default_valid() -> None:
    for setting in SCHEMA:
        assert setting.doc.strip(), setting.key
        assert parse_value(setting, setting.default) == setting.default


def test_person_choice_persists_across_instances(tmp_path: Path) -> None:
    Settings(tmp_path).set("pacing.max_per_hour", "2")
    assert Settings(tmp_path).get("pacing.max_per_hour") == 2
    assert json.loads((tmp_path / "settings.json").read_text()) == {"pacing.max_per_hour": 2}


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("pacing.max_per_hour", "many", "pacing.max_per_hour: expected a whole number, got 'many'"),
        ("pacing.max_per_hour", "-1", "pacing.max_per_hour: -1 is below the minimum 0"),
        ("upload.kind", "ftp", "upload.kind: expected one of https, xapi, got 'ftp'"),
        ("upload.enabled", "maybe", "upload.enabled: expected true or false, got 'maybe'"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(
    tmp_path: Path, key: str, raw: str, message: str
) -> None:
    with pytest.raises(SettingError) as info:
        Settings(tmp_path).set(key, raw)
    assert str(info.value) == message


def test_unknown_key_lists_near_keys(tmp_path: Path) -> None:
    with pytest.raises(
        SettingError, match="unknown setting 'pacing.max_per_week'.*pacing.max_per_hour"
    ):
        Settings(tmp_path).get("pacing.max_per_week")


def test_policy_locks_and_defaults(tmp_path: Path) -> None:
    policy = Policy.load(
        write_policy(
            tmp_path,
            '[locked.upload]\nenabled = false\n[defaults]\n"pacing.max_per_day" = 6\n',
        )
    )
    settings = Settings(tmp_path, policy)
    assert (
        settings.get("pacing.max_per_day") == 6
        and settings.origin("pacing.max_per_day") == "policy"
    )
    settings.set("pacing.max_per_day", 3)
    assert settings.get("pacing.max_per_day") == 3
    with pytest.raises(
        SettingError, match="upload.enabled is locked by the administrator's policy"
    ):
        settings.set("upload.enabled", "true")
    assert settings.get("upload.enabled") is False and settings.is_locked("upload.enabled")


def test_policy_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_policy(tmp_path, '[locked]\n"hotkey.palette" = "<ctrl>+<alt>+k"\n')
    monkeypatch.setenv("CUECARDS_POLICY", str(path))
    assert Settings(tmp_path, Policy.load()).get("hotkey.palette") == "<ctrl>+<alt>+k"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[locked\n", "cannot read the policy"),
        ("[locked]\nnope = 1\n", "[locked] unknown setting 'nope'"),
        ("[lockd]\n", "unknown table(s) lockd; use [locked] and [defaults]"),
        ('[locked]\n"pacing.max_per_day" = "x"\n', "[locked] pacing.max_per_day: expected a whole"),
    ],
)
def test_bad_policy_is_reported_with_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = write_policy(tmp_path, text)
    with pytest.raises(SettingError) as info:
        Policy.load(path)
    assert str(info.value).startswith(str(path)) and message in str(info.value)


def test_hand_edited_bad_value_falls_back_to_default(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text('{"pacing.max_per_hour": "lots", "gone.key": 1}')
    assert Settings(tmp_path).get("pacing.max_per_hour") == 4


def test_readme_settings_table_is_generated_from_the_schema() -> None:
    from app.settings import markdown_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- settings:start -->\n", "<!-- settings:end -->"
    section = readme.split(start, 1)[1].split(end, 1)[0]
    assert section == markdown_table(), "README settings table is stale: run make docs"


def test_policy_only_keys_cannot_be_set_by_the_person(tmp_path: Path) -> None:
    """Consent needs the organisation's yes: a person cannot grant it to themselves."""
    settings = Settings(tmp_path)
    with pytest.raises(SettingError, match="upload.allowed can only be set by your administrator"):
        settings.set("upload.allowed", "true")
    (tmp_path / "settings.json").write_text('{"upload.allowed": true, "upload.cohort": "me"}')
    settings = Settings(tmp_path)
    assert settings.get("upload.allowed") is False and settings.get("upload.cohort") == ""
    assert settings.is_locked("upload.allowed")
    allowed = Settings(tmp_path, Policy(None, {"upload.allowed": True}, {}))
    assert allowed.get("upload.allowed") is True and allowed.origin("upload.allowed") == "locked"


def test_a_change_made_by_another_process_is_seen_without_a_restart(tmp_path: Path) -> None:
    """`cuecards config set upload.enabled false` in a terminal reaches the running app."""
    running = Settings(tmp_path)
    running.set("pacing.max_per_hour", 3)
    terminal = Settings(tmp_path)  # another process: its own object over the same file
    terminal.set("upload.enabled", True)
    assert running.get("upload.enabled") is True
    terminal.set("upload.enabled", False)
    assert running.get("upload.enabled") is False
    running.set("pacing.max_per_day", 7)  # writing keeps what the other process set
    assert Settings(tmp_path).get("upload.enabled") is False
    assert Settings(tmp_path).get("pacing.max_per_hour") == 3
