"""Whether anonymised reports may leave this computer: the organisation's policy must allow it
and the person must have turned it on; either can stop it at any time.

Pure: reads effective settings only. The cohort label counts only when the admin policy set it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from app.settings import Value


class SettingsView(Protocol):
    """What consent needs from app.settings.Settings."""

    def get(self, key: str) -> Value: ...

    def origin(self, key: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Consent:
    """The two switches, and the one sentence that explains the outcome."""

    allowed: bool
    enabled: bool

    @property
    def granted(self) -> bool:
        return self.allowed and self.enabled

    @property
    def reason(self) -> str:
        if not self.allowed:
            return (
                "uploads are off: your organisation's policy does not allow them "
                "(upload.allowed is false); nothing leaves this computer"
            )
        if not self.enabled:
            return (
                "uploads are off: you have not turned them on (cuecards config set "
                "upload.enabled true); nothing leaves this computer"
            )
        return "uploads are on: your organisation allows them and you turned them on"


def consent(settings: SettingsView) -> Consent:
    """The current consent from the effective settings."""
    return Consent(bool(settings.get("upload.allowed")), bool(settings.get("upload.enabled")))


def policy_cohort(settings: SettingsView) -> str | None:
    """The cohort label when the admin policy set it (locked or as its default), else None:
    a label the person typed is never sent."""
    if settings.origin("upload.cohort") not in ("locked", "policy"):
        return None
    label = str(settings.get("upload.cohort")).strip()
    return label or None


def noise_epsilon(settings: SettingsView) -> float | None:
    """The Laplace noise epsilon, or None when noise is off (0, the default)."""
    raw = settings.get("upload.noise_epsilon")
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if value > 0 and math.isfinite(value) else None
