"""Loading a 10k-card pack (folder and .cuepack) and re-hashing it unchanged."""

from __future__ import annotations

import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from app.core.packs import load_pack, pack_digest
from tests.bench.common import metric

CARDS = 10_000


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


def _best_of(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """Best wall time and best CPU time over `repeat` runs (other work on the machine only
    ever adds time, so the minimum is the closest to the code's own cost)."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def run() -> Iterator[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_pack(Path(tmp) / "pack")
        archive = zip_pack(folder, Path(tmp) / "pack.cuepack")
        result = load_pack(folder)
        assert result.ok and result.pack is not None and len(result.pack.cards) == CARDS, (
            result.problems[:3]
        )
        runs = [
            ("pack_load_10k_s", lambda: load_pack(folder), 3.0),
            ("pack_load_10k_zip_s", lambda: load_pack(archive), 3.0),
            ("pack_digest_10k_s", lambda: pack_digest(folder), 0.1),
            ("pack_digest_10k_zip_s", lambda: pack_digest(archive), 0.1),
        ]
        for name, fn, budget in runs:
            wall, cpu = _best_of(fn)
            yield metric(name, wall, "s", budget, cpu_s=round(cpu, 4))
