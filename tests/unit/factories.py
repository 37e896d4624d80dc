"""Small builders for packs and cards made straight from the models (no files, no loader)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from app.core.model import Card, CardFront, Pack, PackManifest, Skill, Trigger

TriggerSpec = tuple[str, str | None] | tuple[str, str | None, float | None]


def make_card(
    pack: str,
    card_id: str,
    title: str | None = None,
    summary: str | None = None,
    body: str = "",
    *,
    keywords: Sequence[str] = (),
    skills: Sequence[str] = (),
    triggers: Iterable[TriggerSpec] = (),
    priority: int = 50,
    status: str = "approved",
    **front: Any,
) -> Card:
    """A validated card; triggers are (app, title pattern or None[, dwell seconds])."""
    card_front = CardFront(
        id=card_id,
        title=title or f"Card {card_id}",
        summary=summary or f"Summary of {card_id}",
        keywords=list(keywords),
        skills=list(skills),
        triggers=[
            Trigger(app=spec[0], title=spec[1], dwell=spec[2] if len(spec) > 2 else None)
            for spec in triggers
        ],
        priority=priority,
        status=status,
        **front,
    )
    return Card(pack=pack, front=card_front, body=body, file=f"cards/{card_id}.md")


def make_pack(
    pack_id: str = "acme.finance",
    version: str = "1.0.0",
    cards: Iterable[Card] = (),
    *,
    name: str | None = None,
    apps: Mapping[str, Sequence[str]] | None = None,
    skills: Mapping[str, str] | None = None,
    synonyms: Mapping[str, Sequence[str]] | None = None,
    source: str = "test",
    digest: str | None = None,
) -> Pack:
    """A pack whose digest follows its content unless given, like the loader's would."""
    cards = tuple(cards)
    manifest = PackManifest(
        id=pack_id,
        name=name or f"Pack {pack_id}",
        version=version,
        publisher="ACME Learning",
        apps={alias: list(ids) for alias, ids in (apps or {}).items()},
        skills=[Skill(id=skill_id, name=n) for skill_id, n in (skills or {}).items()],
        synonyms={word: list(said) for word, said in (synonyms or {}).items()},
    )
    if digest is None:
        content = manifest.model_dump_json() + "".join(
            card.front.model_dump_json() + card.body for card in cards
        )
        digest = hashlib.sha256(content.encode()).hexdigest()
    return Pack(manifest=manifest, cards=cards, source=source, digest=digest)
