"""Consent: both switches are needed, either stops uploads; the cohort only from policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.consent import consent, noise_epsilon, policy_cohort
from app.settings import Policy, SettingError, Settings


def test_uploads_need_the_policy_and_the_person() -> None:
    assert not consent(_Plain(allowed=False, enabled=True)).granted
    assert not consent(_Plain(allowed=True, enabled=False)).granted
    assert consent(_Plain(allowed=True, enabled=True)).granted
    assert "policy" in consent(_Plain(allowed=False, enabled=True)).reason
    assert "upload.enabled" in consent(_Plain(allowed=True, enabled=False)).reason


def test_the_person_can_always_turn_uploads_off(tmp_path: Path) -> None:
    settings = Settings(tmp_path, Policy(None, {"upload.allowed": True}, {}))
    settings.set("upload.enabled", True)
    assert consent(settings).granted
    settings.set("upload.enabled", False)
    assert not consent(settings).granted


def test_the_cohort_counts_only_when_the_policy_sets_it(tmp_path: Path) -> None:
    mine = Settings(tmp_path / "a", Policy.empty())
    with pytest.raises(SettingError, match="can only be set by your administrator's policy"):
        mine.set("upload.cohort", "my-team")
    (tmp_path / "a").mkdir(exist_ok=True)
    (tmp_path / "a" / "settings.json").write_text('{"upload.cohort": "hand-edited"}')
    assert policy_cohort(Settings(tmp_path / "a", Policy.empty())) is None
    locked = Settings(tmp_path / "b", Policy(None, {"upload.cohort": "finance"}, {}))
    assert policy_cohort(locked) == "finance"
    default = Settings(tmp_path / "c", Policy(None, {}, {"upload.cohort": "sales"}))
    assert policy_cohort(default) == "sales"


def test_noise_is_off_unless_a_positive_epsilon_is_set(tmp_path: Path) -> None:
    assert noise_epsilon(Settings(tmp_path, Policy.empty())) is None
    assert noise_epsilon(_Plain(True, True, {"upload.noise_epsilon": 0.5})) == 0.5
    assert noise_epsilon(_Plain(True, True, {"upload.noise_epsilon": -1.0})) is None


class _Plain:
    def __init__(self, allowed: bool, enabled: bool, extra: dict | None = None) -> None:
        self.values = {"upload.allowed": allowed, "upload.enabled": enabled, **(extra or {})}

    def get(self, key: str) -> object:
        return self.values[key]

    def origin(self, key: str) -> str:
        return "default"
