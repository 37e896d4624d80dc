"""The collector under load from a real HTTP load generator (wrk, on loopback), on SQLite and on
a real PostgreSQL (fsync on): reports a second accepted and the p99 latency of a steady run, then
a run that retries batches and has the collector killed (SIGKILL) and restarted in the middle,
after which every batch the generator got a 2xx for must be stored, and each only once.

The collector serves HTTPS itself (a throw-away certificate from trustme; TLS over kept-alive
connections, as wrk makes them) on 127.0.0.1. Budget (DESIGN.md): at least 500 reports a second
on SQLite, judged as at most 2 ms a report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

from app.server.storage import open_storage
from app.server.tokens import Token, digest, new_token, token_id
from tests.bench.common import metric
from tests.server.collector import Collector, query, report_bytes, stored
from tests.server.postgres import running_postgres

LUA = Path(__file__).with_name("collector_load.lua")
CONNECTIONS = 16
CARDS = 3  # cards per report (a person's day touches a few)
MIN_PER_S = 500.0
BACKENDS = ("sqlite", "postgresql")
METRICS = tuple(
    f"collector_{b}_{m}"
    for b in BACKENDS
    for m in ("reports_per_s", "ms_per_report", "p99_ms", "lost", "duplicated")
)


def _token(db: str) -> str:
    text = new_token()
    found = digest(text)
    store = open_storage(db)
    try:
        store.add_token(Token(token_id(found), found, "bench", None, time.time()))
    finally:
        store.close()
    return text


def _wrk(url: str, token: str, seconds: int, out: Path, repeat: bool, nice: int = 0) -> dict:
    """One wrk run; its summary (see collector_load.lua) and the batch ids answered 2xx.

    wrk reconnects at once, again and again, while the collector is down; `nice` lets the
    restarting collector have the CPU all the same."""
    out.mkdir()
    template = out / "template.json"
    template.write_bytes(report_bytes("BATCHID", cards=CARDS))
    env = {
        **os.environ,
        "CC_TOKEN": token,
        "CC_TEMPLATE": str(template),
        "CC_OUT": str(out),
        "CC_REPEAT": "1" if repeat else "0",
    }
    done = subprocess.run(
        ["nice", "-n", str(nice), "wrk", "-t", str(CONNECTIONS), "-c", str(CONNECTIONS),
         "-d", f"{seconds}s", "--timeout", "10s", "-s", str(LUA), url],
        env=env, capture_output=True, text=True, timeout=seconds + 60, check=False,
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    summary = json.loads(lines[-1])
    acked: set[str] = set()
    for path in out.glob("acked-*.txt"):
        acked.update(line for line in path.read_text().splitlines() if line)
    summary["acked"] = acked
    return summary


def _kill_and_restart(collector: Collector, after: float, restarted: list[float]) -> None:
    time.sleep(after)
    collector.kill()
    collector.start()
    restarted.append(time.time())


def _tls(folder: Path) -> tuple[str, ...]:
    """--cert/--key options with a throw-away certificate for 127.0.0.1."""
    import trustme

    cert = trustme.CA().issue_cert("127.0.0.1")
    cert.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    cert.private_key_pem.write_to_path(str(folder / "key.pem"))
    return ("--cert", str(folder / "cert.pem"), "--key", str(folder / "key.pem"))


def _backend(name: str, db: str, folder: Path, seconds: int) -> Iterator[dict]:
    token = _token(db)
    options = ("--rate-limit", "1e9", "--burst", "1000000", *_tls(folder))
    collector = Collector(db, folder / f"{name}.log", options)
    collector.start()
    try:
        steady = _wrk(collector.url, token, seconds, folder / f"{name}-steady", repeat=False)
        per_s = steady["ok"] * 1e6 / steady["duration_us"]
        budget = MIN_PER_S if name == "sqlite" else None
        common = {"connections": CONNECTIONS, "seconds": seconds, "requests": steady["requests"]}
        yield metric(
            f"collector_{name}_reports_per_s", per_s, "reports/s", None,
            info=f"judged as ms_per_report; at least {MIN_PER_S:g}/s on SQLite", **common,
        )  # fmt: skip
        yield metric(
            f"collector_{name}_ms_per_report", 1000 / per_s, "ms",
            1000 / budget if budget else None,
            info=None if budget else "no budget on PostgreSQL; SQLite's is 2 ms", **common,
        )  # fmt: skip
        yield metric(
            f"collector_{name}_p99_ms", steady["p99_us"] / 1000, "ms", None,
            info="latency of one report under full load", p50_ms=steady["p50_us"] / 1000,
            **common,
        )  # fmt: skip

        restarted: list[float] = []
        killer = threading.Thread(
            target=_kill_and_restart, args=(collector, seconds / 3, restarted)
        )
        killer.start()
        chaos = _wrk(collector.url, token, seconds, folder / f"{name}-kill", repeat=True, nice=15)
        killer.join()
        if not restarted:
            raise RuntimeError(f"the collector on {name} did not restart:\n{collector.text()}")
        after = query(db, f"SELECT count(*) FROM reports WHERE received_at > {restarted[0]}")
        acked = steady["acked"] | chaos["acked"]
        rows = stored(db)
        lost = len(acked - rows.keys())
        cards = query(db, "SELECT count(*) FROM report_cards")[0][0]
        duplicated = sum(n - 1 for n in rows.values()) + (cards - CARDS * len(rows))
        detail = {
            "acked": len(acked),
            "stored": len(rows),
            "stored_after_restart": after[0][0],
            "resent_after_no_answer": chaos["resent"],
            "repeated_answered": chaos["repeated"],
            "answered_duplicate": chaos["duplicates"],
            "socket_errors": chaos["errors"],
        }
        yield metric(f"collector_{name}_lost", lost, "reports", 0, **detail)
        yield metric(f"collector_{name}_duplicated", duplicated, "reports", 0, **detail)
    finally:
        collector.kill()


def run(quick: bool = False) -> Iterator[dict]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: run tests/system-deps.sh (Debian package wrk)")
    seconds = 3 if quick else 10
    with tempfile.TemporaryDirectory(prefix="cuecards-bench-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        yield from _backend("sqlite", str(folder / "collector.db"), folder, seconds)
        postgres = stack.enter_context(running_postgres(durable=True))
        yield from _backend("postgresql", postgres.new_database(), folder, seconds)
