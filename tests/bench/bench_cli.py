"""The whole `cuecards search WORDS` command, as a person runs it: a new process each time.

`cli_search_50k_over_100` is the median wall time of the command on a 50k-card catalog over
its median on a 100-card catalog (DESIGN.md: at most 1.25). Both catalogs hold the demo pack
too; the runs alternate between them, after one warm-up each (the demo pack is installed and
the bytecode written then), so a busy moment of the machine falls on both sides. Beside it,
the same figures for a query with typos and for one with `--app excel` (the app of a fifth
of the generated triggers), which take paths of their own.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from app.paths import DB_FILE
from app.store.catalog import Catalog
from app.store.db import open_database
from tests.bench.bench_catalog import SEED, _Text, make_pack
from tests.bench.common import metric

ROOT = Path(__file__).resolve().parents[2]
RUNS = 7
QUERIES = {
    "words": ("refresh", "pivot", "table"),
    "typos": ("refresh", "pivto", "tabel"),
    "app": ("refresh", "pivot", "table", "--app", "excel"),
}
SIZES = {"small": 100, "large": 50_000}
QUICK_SIZES = {"small": 100, "large": 2_000}
METRICS = ("cli_search_50k_over_100",)


def _catalog(data: Path, cards: int) -> Path:
    """A data directory whose catalog holds `cards` generated cards."""
    db, _ = open_database(data / DB_FILE)
    Catalog(db).install(make_pack(_Text(random.Random(SEED)), "bench.cli", cards))
    db.close()
    return data


def _search(data: Path, pycache: Path, query: tuple[str, ...]) -> float:
    """Wall seconds of one `cuecards search` process on `data`.

    Bytecode is written (to `pycache`) and used, as in the installed app: compiling the
    modules anew in every process would hide the catalog's share behind a constant.
    """
    drop = ("CUECARDS_POLICY", "CUECARDS_DATA_DIR", "DISPLAY", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), "search", *query, "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    elapsed = time.perf_counter() - started
    assert result.returncode == 0 and result.stdout.startswith("["), result.stderr
    return elapsed


def run(quick: bool = False) -> Iterator[dict]:
    """The whole `cuecards search` command on a large catalog over a 100-card one (median of
    RUNS alternating runs; quick mode: 2,000 cards, one run)."""
    sizes, runs = (QUICK_SIZES, 1) if quick else (SIZES, RUNS)
    with tempfile.TemporaryDirectory(prefix="cuecards-bench-cli-") as tmp:
        pycache = Path(tmp) / "pycache"
        dirs = {name: _catalog(Path(tmp) / name, cards) for name, cards in sizes.items()}
        for data in dirs.values():
            _search(
                data, pycache, QUERIES["words"]
            )  # warm-up: installs the demo pack, writes bytecode
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(runs):
            for kind, query in QUERIES.items():
                for size, data in dirs.items():
                    times.setdefault((kind, size), []).append(_search(data, pycache, query))
        median = {key: statistics.median(values) for key, values in times.items()}
        yield metric(
            "cli_search_50k_over_100",
            median["words", "large"] / median["words", "small"],
            "ratio",
            1.25,
            search_50k_s=round(median["words", "large"], 3),
            search_100_s=round(median["words", "small"], 3),
            typos_50k_s=round(median["typos", "large"], 3),
            typos_100_s=round(median["typos", "small"], 3),
            app_50k_s=round(median["app", "large"], 3),
            app_100_s=round(median["app", "small"], 3),
            runs=runs,
            large_cards=sizes["large"],
            query=" ".join(QUERIES["words"]),
        )
