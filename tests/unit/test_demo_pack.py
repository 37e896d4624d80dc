"""The bundled demo pack is the first thing every new user sees: it must be complete and valid.

Reads the pack with PyYAML and the pack models directly (the pack loader will take this over).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from app.core.model import CardFront, PackManifest
from app.core.patterns import compile_re2
from app.paths import DEMO_PACK_ID

PACK_DIR = Path(__file__).resolve().parents[2] / "resources" / "packs" / "demo"
CARD_PATHS = sorted((PACK_DIR / "cards").glob("*.md"))

# Application ids checked by hand, per platform: the Windows exe name without .exe, the macOS
# bundle id and the X11 WM_CLASS class, all lower-cased. An id in pack.yaml that is in none of
# these sets has not been checked yet; add it here once it has.
WINDOWS_IDS = {
    "excel", "winword", "powerpnt", "outlook", "soffice.bin", "thunderbird", "slack",
    "ms-teams", "teams", "zoom", "chrome", "msedge", "firefox", "explorer", "code",
    "windowsterminal", "acrobat", "acrord32", "obsidian",
}  # fmt: skip
MACOS_IDS = {
    "com.microsoft.excel", "com.microsoft.word", "com.microsoft.powerpoint",
    "com.microsoft.outlook", "org.libreoffice.script", "com.apple.iwork.keynote",
    "org.mozilla.thunderbird", "com.tinyspeck.slackmacgap", "com.microsoft.teams2",
    "com.microsoft.teams", "us.zoom.xos", "com.google.chrome", "org.chromium.chromium",
    "com.microsoft.edgemac", "org.mozilla.firefox", "com.apple.safari", "com.apple.finder",
    "com.microsoft.vscode", "com.apple.terminal", "com.googlecode.iterm2",
    "com.adobe.acrobat.pro", "com.adobe.reader", "md.obsidian",
}  # fmt: skip
LINUX_IDS = {
    "libreoffice-calc", "libreoffice-writer", "libreoffice-impress", "thunderbird", "slack",
    "teams-for-linux", "zoom", "google-chrome", "chromium", "microsoft-edge", "firefox",
    "firefox-esr", "org.gnome.nautilus", "code", "gnome-terminal-server", "konsole", "xterm",
    "evince", "obsidian",
}  # fmt: skip

MAX_BODY_WORDS = 150
NON_KBD_TAG = re.compile(r"<(?!/?kbd>)")


def _read_card(path: Path) -> tuple[CardFront, str]:
    """Front matter (validated) and Markdown body of one card file."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{path.name}: must start with a '---' front matter line"
    _, front, body = text.split("---\n", 2)
    return CardFront.model_validate(yaml.safe_load(front)), body


@pytest.fixture(scope="module")
def manifest() -> PackManifest:
    return PackManifest.model_validate(yaml.safe_load((PACK_DIR / "pack.yaml").read_text()))


@pytest.fixture(scope="module")
def cards() -> dict[str, CardFront]:
    return {path.name: _read_card(path)[0] for path in CARD_PATHS}


def test_manifest_names_the_demo_pack(manifest: PackManifest) -> None:
    assert (manifest.id, manifest.name, manifest.version, manifest.publisher) == (
        "cuecards.demo",
        "Everyday essentials",
        "1.0.0",
        "Cuecards",
    )
    assert manifest.description
    assert 8 <= len(manifest.skills) <= 25  # a small skills framework, not a taxonomy
    assert manifest.id == DEMO_PACK_ID  # what the tray's cheap "is the demo current?" asks


def test_every_app_id_has_been_checked_for_a_platform(manifest: PackManifest) -> None:
    known = WINDOWS_IDS | MACOS_IDS | LINUX_IDS
    unchecked = {
        f"{alias}: {app_id}"
        for alias, ids in manifest.apps.items()
        for app_id in ids
        if app_id not in known
    }
    assert not unchecked, f"pack.yaml apps: ids not checked for any platform: {sorted(unchecked)}"


def test_at_least_twelve_apps_have_an_id_on_windows_macos_and_linux(
    manifest: PackManifest,
) -> None:
    everywhere = [
        alias
        for alias, ids in manifest.apps.items()
        if all(set(ids) & platform for platform in (WINDOWS_IDS, MACOS_IDS, LINUX_IDS))
    ]
    assert len(everywhere) >= 12, f"only {sorted(everywhere)} cover all three platforms"


def test_pack_has_at_least_sixty_approved_cards(cards: dict[str, CardFront]) -> None:
    approved = [name for name, front in cards.items() if front.status == "approved"]
    assert len(approved) >= 60


def test_card_ids_are_unique(cards: dict[str, CardFront]) -> None:
    counts = Counter(front.id for front in cards.values())
    assert not [card_id for card_id, n in counts.items() if n > 1]


def test_cards_are_spread_over_at_least_twelve_apps(cards: dict[str, CardFront]) -> None:
    per_app = Counter(
        alias for front in cards.values() for alias in {t.app for t in front.triggers}
    )
    assert len([alias for alias, n in per_app.items() if n >= 3]) >= 12, dict(per_app)


def test_every_skill_and_alias_is_used(manifest: PackManifest, cards: dict[str, CardFront]) -> None:
    used_skills = {skill for front in cards.values() for skill in front.skills}
    used_apps = {t.app for front in cards.values() for t in front.triggers}
    assert {s.id for s in manifest.skills} - used_skills == set()
    assert set(manifest.apps) - used_apps == set()


@pytest.mark.parametrize("path", CARD_PATHS, ids=[p.stem for p in CARD_PATHS])
def test_card_is_complete_and_consistent(path: Path, manifest: PackManifest) -> None:
    front, _ = _read_card(path)
    where = path.name
    assert front.id == path.stem, f"{where}: id {front.id!r} must match the file name"
    assert front.status == "approved", f"{where}: status must be approved"
    assert front.owner and front.reviewed and front.review_every, f"{where}: owner/review dates"
    assert front.keywords, f"{where}: keywords: add words people search for"
    assert front.skills, f"{where}: skills: name at least one skill"
    skills = {s.id for s in manifest.skills}
    assert set(front.skills) <= skills, f"{where}: skills not declared in pack.yaml"
    if any(skill.startswith("os.") for skill in front.skills):
        # Operating-system cards are found by search and never pop up over one app.
        assert not front.triggers, f"{where}: an os.* card has no triggers"
    else:
        assert front.triggers, f"{where}: triggers: name at least one app"
    for trigger in front.triggers:
        assert trigger.app in manifest.apps, f"{where}: trigger app {trigger.app!r} not an alias"
        if trigger.title is not None:
            compile_re2(trigger.title)


@pytest.mark.parametrize("path", CARD_PATHS, ids=[p.stem for p in CARD_PATHS])
def test_card_reads_well_in_a_popup(path: Path) -> None:
    front, body = _read_card(path)
    where = path.name
    assert "\n" not in front.summary, f"{where}: summary must be one line"
    lines = [line for line in body.splitlines() if line.strip()]
    assert 3 <= len(lines) <= 8, f"{where}: body has {len(lines)} lines, keep it to 3-8"
    words = len(re.sub(r"</?kbd>", " ", body).split())
    assert words <= MAX_BODY_WORDS, f"{where}: body has {words} words, keep it under 150"
    assert not NON_KBD_TAG.search(body), f"{where}: <kbd> is the only HTML allowed"
    assert "![" not in body and "](" not in body, f"{where}: no images or links in the body"
