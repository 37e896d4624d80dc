"""Loading a 10k-card pack (folder and .cuepack) and re-hashing it unchanged."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from app.core.packs import LoadResult, load_pack, pack_digest
from tests.bench.common import best_of, metric, require

CARDS = 10_000
QUICK_CARDS = 200
METRICS = ("pack_load_10k_s", "pack_load_10k_zip_s", "pack_digest_10k_s", "pack_digest_10k_zip_s")


def write_pack(root: Path, cards: int = CARDS) -> Path:
    """A realistic pack: every card has triggers and <kbd>; one in five has an image."""
    (root / "cards").mkdir(parents=True)
    (root / "media").mkdir()
    (root / "media" / "shot.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(2000))
    skills = "\n".join(f"  - {{id: skill.s{i}, name: Skill {i}}}" for i in range(40))
    (root / "pack.yaml").write_text(
        "id: bench.pack\nname: Bench\nversion: 1.0.0\npublisher: Bench\n"
        "apps:\n  excel: [excel, com.microsoft.excel]\n"
        f"skills:\n{skills}\n",
        encoding="utf-8",
    )
    for i in range(cards):
        image = "\n![Where to click](media/shot.png)\n" if i % 5 == 0 else ""
        (root / "cards" / f"card-{i:05d}.md").write_text(
            f"---\nid: card-{i:05d}\ntitle: Tip number {i} for spreadsheets\n"
            f"summary: Press Ctrl+Alt+F5 to refresh every pivot table ({i}).\n"
            f"skills: [skill.s{i % 40}]\nkeywords: [pivot, refresh, table]\n"
            "triggers:\n"
            f"  - app: excel\n    title: '(?i)pivot|report {i}\\.xlsx'\n    dwell: 2s\n"
            f"  - app: com.example.app{i % 7}\npriority: {i % 101}\n"
            "owner: jane.doe@acme.example\nreviewed: 2026-09-01\nreview_every: 90d\n---\n"
            "Select a cell in the pivot table, then press "
            "<kbd>Ctrl</kbd>+<kbd>Alt</kbd>+<kbd>F5</kbd>.\n\n"
            "1. Open the **Data** tab.\n2. Choose *Refresh All*.\n" + image,
            encoding="utf-8",
        )
    return root


def zip_pack(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return target


def loaded(cards: int, digest: str | None = None) -> Callable[[LoadResult], None]:
    """A check that a load gave a valid pack of `cards` cards (with that digest, if given)."""

    def check(result: LoadResult) -> None:
        require(
            result.ok and result.pack is not None, f"the pack did not load: {result.problems[:3]}"
        )
        assert result.pack is not None
        require(len(result.pack.cards) == cards, f"{len(result.pack.cards)} cards, not {cards}")
        require(digest is None or result.pack.digest == digest, "the loaded digest differs")

    return check


def hashed(expected: str) -> Callable[[str], None]:
    def check(digest: str) -> None:
        require(digest == expected, f"pack_digest gave {digest!r}, the load {expected!r}")

    return check


def run(quick: bool = False) -> Iterator[dict]:
    cards = QUICK_CARDS if quick else CARDS
    repeat = 1 if quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_pack(Path(tmp) / "pack", cards)
        archive = zip_pack(folder, Path(tmp) / "pack.cuepack")
        digests = {}
        for path in (folder, archive):
            result = load_pack(path)
            loaded(cards)(result)
            assert result.pack is not None
            digests[path] = result.pack.digest
        runs: list[tuple[str, Callable[[], object], Callable, float]] = [
            ("pack_load_10k_s", lambda: load_pack(folder), loaded(cards, digests[folder]), 3.0),
            (
                "pack_load_10k_zip_s",
                lambda: load_pack(archive),
                loaded(cards, digests[archive]),
                3.0,
            ),
            ("pack_digest_10k_s", lambda: pack_digest(folder), hashed(digests[folder]), 0.1),
            ("pack_digest_10k_zip_s", lambda: pack_digest(archive), hashed(digests[archive]), 0.1),
        ]
        for name, fn, check, budget in runs:
            wall, cpu = best_of(fn, repeat, check)
            yield metric(name, wall, "s", budget, cpu_s=round(cpu, 4), cards=cards)
