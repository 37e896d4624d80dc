"""Pack format v1: the models are the single source of truth for validation and JSON Schema.

`resources/schema/*.schema.json` is generated from these (`python -m app.core.schema`);
a test fails when the committed files are stale.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
)

from app.core.patterns import check_re2

PACK_ID = r"^[a-z0-9][a-z0-9.-]*$"
CARD_ID = r"^[a-z0-9][a-z0-9._-]*$"
SEMVER = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"
DURATION = r"^\d+(\.\d+)?\s*(ms|s|m|h|d|w)$"

# pack.yaml `synonyms:` caps: the map is read on every install, and every phrase is indexed
# with each card holding its word.
MAX_SYNONYM_WORDS = 500
MAX_SYNONYMS_EACH = 20
MAX_SYNONYM_CHARS = 60
_HAS_WORD = re.compile(r"[^\W_]")

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION_RE = re.compile(DURATION)


def parse_duration(value: object) -> float:
    """Seconds from '500ms', '3s', '2m', '1h', '90d', '2w' or a plain number of seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as '3s' or '90d', not true/false")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a duration: use a finite number such as '3s'")
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    if isinstance(value, str):
        m = _DURATION_RE.match(value.strip())
        if m:
            number = float(value.strip().rstrip("mshdw ").strip())
            return number * _UNITS[m.group(2)]
    raise ValueError(
        f"{value!r} is not a duration: write a number and a unit, e.g. '3s', '2m', '90d'"
    )


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": DURATION}, {"type": "number"}]}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Skill(_Strict):
    """One entry of the pack's small skills framework; cards refer to it by id."""

    id: str = Field(pattern=CARD_ID, max_length=80, description="Skill id, e.g. excel.pivots")
    name: str = Field(min_length=1, max_length=120, description="Human name of the skill")
    description: str = Field("", max_length=500)


def _searchable(phrase: str) -> str:
    """A synonym or the word it stands for: text with at least one letter or digit."""
    if not _HAS_WORD.search(phrase):
        raise ValueError("has no letter or digit, so no search can reach it")
    return phrase


SynonymPhrase = Annotated[
    str,
    Field(min_length=1, max_length=MAX_SYNONYM_CHARS),
    AfterValidator(_searchable),
]


class PackManifest(_Strict):
    """`pack.yaml`: who publishes the pack, its version, app aliases, skills and synonyms."""

    id: str = Field(
        pattern=PACK_ID, max_length=80, description="Globally unique, e.g. acme.finance"
    )
    name: str = Field(min_length=1, max_length=120)
    version: str = Field(pattern=SEMVER, description="Semantic version; updates only move forward")
    publisher: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=2000)
    apps: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Alias -> application ids on each platform (exe name, bundle id, WM_CLASS)",
    )
    skills: list[Skill] = Field(default_factory=list, max_length=1000)
    synonyms: dict[
        SynonymPhrase,
        Annotated[list[SynonymPhrase], Field(min_length=1, max_length=MAX_SYNONYMS_EACH)],
    ] = Field(
        default_factory=dict,
        max_length=MAX_SYNONYM_WORDS,
        description="A word the cards use -> words or phrases people search for instead, e.g. "
        "screenshot: [snip, print screen]; a card containing the word is also found by them",
    )

    @field_validator("synonyms")
    @classmethod
    def _lower_synonyms(cls, synonyms: dict[str, list[str]]) -> dict[str, list[str]]:
        """Lower-case words and synonyms (search ignores case), each synonym kept once."""
        merged: dict[str, list[str]] = {}
        for word, phrases in synonyms.items():
            kept = merged.setdefault(word.lower(), [])
            kept.extend(p.lower() for p in phrases if p.lower() not in kept)
        return merged

    @field_validator("apps")
    @classmethod
    def _lower_app_ids(cls, apps: dict[str, list[str]]) -> dict[str, list[str]]:
        for alias, ids in apps.items():
            if not ids:
                raise ValueError(f"alias {alias!r} lists no application ids")
        return {alias.lower(): [i.strip().lower() for i in ids] for alias, ids in apps.items()}


class Trigger(_Strict):
    """When a card fits: an app (alias or raw id), an optional title pattern and a dwell."""

    app: str = Field(
        min_length=1, max_length=200, description="App alias from pack.yaml or raw app id"
    )
    title: str | None = Field(
        None, max_length=1000, description="RE2 pattern searched in the title"
    )
    dwell: Duration | None = Field(None, description="How long the context must hold, e.g. '3s'")

    @field_validator("app")
    @classmethod
    def _lower(cls, app: str) -> str:
        return app.lower()

    @field_validator("title")
    @classmethod
    def _re2(cls, title: str | None) -> str | None:
        return None if title is None else check_re2(title)


class CardFront(_Strict):
    """A card's YAML front matter; the Markdown body follows it."""

    id: str = Field(pattern=CARD_ID, max_length=80, description="Unique within the pack")
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=500, description="One line: the tip itself")
    skills: list[str] = Field(default_factory=list, max_length=50)
    keywords: list[str] = Field(
        default_factory=list, max_length=50, description="Extra words people may search for"
    )
    triggers: list[Trigger] = Field(default_factory=list, max_length=50)
    priority: int = Field(50, ge=0, le=100)
    owner: str | None = Field(None, max_length=200, description="Who keeps this card true")
    reviewed: dt.date | None = Field(None, description="Date of the last review, YYYY-MM-DD")
    review_every: Duration | None = Field(None, description="Review interval, e.g. '90d'")
    status: Literal["draft", "approved"] = Field(
        "approved", description="Draft cards are never shown to employees"
    )


@dataclass(frozen=True, slots=True)
class Card:
    """A validated card with its body, the pack it belongs to and the file it came from."""

    pack: str
    front: CardFront
    body: str
    file: str

    @property
    def id(self) -> str:
        return self.front.id

    @property
    def title(self) -> str:
        return self.front.title

    @property
    def summary(self) -> str:
        return self.front.summary


@dataclass(frozen=True, slots=True)
class Pack:
    """A loaded pack: its manifest, valid cards, where it came from and its content hash."""

    manifest: PackManifest
    cards: tuple[Card, ...]
    source: str
    digest: str

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def version(self) -> str:
        return self.manifest.version
