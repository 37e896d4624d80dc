"""What a pack may hold: its layout (which path is what), the caps that keep a hostile or
broken pack small, and the problems that name a breach, shared by the folder and zip readers."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.problems import PackError, Problem

KIB = 1024
MIB = 1024 * KIB

MANIFEST = "pack.yaml"
SIGNING_FILES = ("MANIFEST.json", "SIGNATURE")
REBUILD_HINT = "rebuild the .cuepack from the pack folder with `cuecards pack build`"


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps that keep a hostile or broken pack from eating memory, disk or time."""

    max_manifest_bytes: int = 64 * KIB
    max_card_bytes: int = 256 * KIB
    max_media_bytes: int = 5 * MIB
    max_cards: int = 50_000
    max_zip_entries: int = 60_000
    max_total_bytes: int = 512 * MIB
    max_compression_ratio: float = 200.0
    # Entries smaller than this cannot hurt whatever their ratio (a page of spaces compresses
    # well); the ratio rule applies above it.
    ratio_min_bytes: int = 64 * KIB


DEFAULT_LIMITS = Limits()


def size_text(n: int) -> str:
    """Bytes for people: 812 bytes, 300 KiB, 5.2 MiB."""
    if n < KIB:
        return f"{n} bytes"
    if n < MIB:
        return f"{n / KIB:.0f} KiB"
    return f"{n / MIB:.1f} MiB".replace(".0 MiB", " MiB")


def classify(rel: str) -> str:
    """What a pack path is: manifest, signing, card, media, not-card, hidden or unexpected."""
    top, _, rest = rel.partition("/")
    if rel.startswith(".") or "/." in rel or top == "__MACOSX":
        return "hidden"  # editor, VCS and Finder leftovers: never read, never reported
    if rel == MANIFEST:
        return "manifest"
    if rel in SIGNING_FILES:
        return "signing"
    if top == "cards" and rest:
        return "card" if rel.endswith(".md") else "not-card"
    if top == "media" and rest:
        return "media"
    return "unexpected"


def missing_manifest(hint: str = "") -> Problem:
    return Problem(
        file=MANIFEST,
        message="the file is missing",
        hint=hint or "add pack.yaml at the top of the pack with id, name, version and publisher",
    )


def not_a_card(rel: str) -> Problem:
    hint = "rename it to end in .md" if rel.endswith(".markdown") else "images belong in media/"
    return Problem(
        file=rel,
        message="not a card (only .md files under cards/ are cards); it is ignored",
        hint=hint,
        severity="warning",
    )


def _too_big(rel: str, size: int, limit: int, what: str, hint: str) -> Problem:
    shown, most = size_text(size), size_text(limit)
    if shown == most:  # just over the limit: rounding would make both look the same
        shown, most = f"{size:,} bytes", f"{limit:,} bytes"
    return Problem(
        file=rel, message=f"the file is {shown}; {what} may be at most {most}", hint=hint
    )


def card_too_big(rel: str, size: int, limits: Limits) -> Problem:
    return _too_big(rel, size, limits.max_card_bytes, "a card", "split it into shorter cards")


def media_too_big(rel: str, size: int, limits: Limits) -> Problem:
    return _too_big(rel, size, limits.max_media_bytes, "a media file", "make the image smaller")


def manifest_too_big(size: int, limits: Limits) -> PackError:
    return PackError(
        [
            _too_big(
                MANIFEST,
                size,
                limits.max_manifest_bytes,
                "pack.yaml",
                "keep pack.yaml to the manifest: id, name, version, apps, skills",
            )
        ]
    )


def check_card_count(n_cards: int, limits: Limits) -> None:
    if n_cards > limits.max_cards:
        raise PackError(
            [
                Problem(
                    file="cards/",
                    message=f"the pack has {n_cards:,} cards; at most {limits.max_cards:,} "
                    "are allowed",
                    hint="split it into several packs",
                )
            ]
        )


def link_problem(rel: str) -> Problem:
    return Problem(
        file=rel,
        message="symbolic links are not allowed in a pack",
        hint="replace the link with a copy of the file",
    )


def unreadable(rel: str, exc: BaseException) -> Problem:
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return Problem(
        file=rel,
        message=f"cannot read the file: {reason}",
        hint="check that the file exists and that you may read it",
    )
