"""Installing a signed 10k-card .cuepack, and a sync that finds nothing new over HTTPS.

`install_signed_10k_s`: one `pack sync` of a folder source holding a signed 10k-card pack into
an empty database: copy, hash check of every file, signature, load and validation of every
card, catalog install. `sync_unchanged_s`: a sync of an index URL on a loopback HTTPS server
(throw-away CA) whose answer is 304; `requests` is how many HTTP requests it took.
"""

from __future__ import annotations

import hashlib
import json
import logging
import ssl
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import trustme
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from app.core.packs import load_pack
from app.settings import Policy, Settings
from app.sync.cuepack import build_cuepack
from app.sync.signing import (
    Verified,
    generate_key,
    public_key_text,
    sign_cuepack,
    verify_cuepack,
)
from app.sync.sources import HttpClient
from app.sync.syncer import Syncer
from tests.bench.bench_load import CARDS, QUICK_CARDS, loaded, write_pack
from tests.bench.common import best_of, metric, percentile, require

METRICS = ("install_signed_10k_s", "sync_unchanged_s")
REPEAT, QUICK_REPEAT = 3, 1
SYNCS, QUICK_SYNCS = 30, 3


def _syncer(data: Path, sources: list[str], key: str, client: HttpClient | None = None) -> Syncer:
    policy = Policy(
        None,
        {
            "packs.sources": sources,
            "packs.trusted_keys": [key],
            "packs.require_signatures": True,
        },
        {},
    )
    return Syncer.open(data, Settings(data, policy), client)


def _install_runs(tmp: Path, shared: Path, key: str, cards: int, repeat: int) -> Iterator[dict]:
    walls, cpus = [], []
    for i in range(repeat):
        syncer = _syncer(tmp / f"data-{i}", [str(shared)], key)
        wall, cpu = time.perf_counter(), time.process_time()
        (result,) = syncer.sync_all()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        require(result.status == "updated", f"the install sync: {result.message}")
        installed = syncer.catalog.packs()
        require(
            [p.card_count for p in installed] == [cards],
            f"installed {[(p.id, p.card_count) for p in installed]}, not one pack of {cards}",
        )
        syncer.close()
    packed = next(shared.glob("*.cuepack"))

    def verified(result: Verified) -> None:
        require(result.pack_id == "bench.pack", f"verified {result.pack_id!r}")
        require(result.signed_by == key, "the signature was not checked against the key")
        require(result.files > cards, f"only {result.files} files verified")

    verify, _ = best_of(
        lambda: verify_cuepack(packed, trusted_keys=[key], require_signature=True),
        repeat,
        verified,
    )
    load, _ = best_of(lambda: load_pack(packed), repeat, loaded(cards))
    yield metric(
        "install_signed_10k_s",
        min(walls),
        "s",
        3.0,
        cpu_s=round(min(cpus), 4),
        verify_s=round(verify, 4),
        load_s=round(load, 4),
        size_mib=round(packed.stat().st_size / 2**20, 2),
        cards=cards,
    )


def _unchanged_runs(tmp: Path, shared: Path, key: str, syncs: int) -> Iterator[dict]:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    served = {p.name: p.read_bytes() for p in shared.glob("*.cuepack")}
    name = next(iter(served))
    entry = {"url": name, "id": "bench.pack", "version": "1.0.0"}
    served["index.json"] = json.dumps({"format": 1, "packs": [entry]}).encode()

    def handler(request: Request) -> Response:
        data = served.get(request.path.lstrip("/"))
        if data is None:
            return Response(status=404)
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag})

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access line per request
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=server_ctx)
    server.expect_request("/index.json").respond_with_handler(handler)
    server.expect_request(f"/{name}").respond_with_handler(handler)
    server.start()
    try:
        client = HttpClient(timeout=10, ssl_context=client_ctx)
        syncer = _syncer(tmp / "data-http", [server.url_for("/index.json")], key, client)
        (first,) = syncer.sync_all()
        require(first.status == "updated", f"the first sync: {first.message}")
        times, requests = [], []
        for _ in range(syncs):
            start = time.perf_counter()
            (result,) = syncer.sync_all()
            times.append(time.perf_counter() - start)
            requests.append(result.requests)
            require(result.status == "unchanged", f"an unchanged sync: {result.message}")
            require(result.requests >= 1, "an unchanged sync asked the server nothing")
        syncer.close()
    finally:
        server.stop()
    yield metric(
        "sync_unchanged_s",
        percentile(times, 50),
        "s",
        0.1,
        p95_s=round(percentile(times, 95), 4),
        requests=max(requests),
    )


def run(quick: bool = False) -> Iterator[dict]:
    cards = QUICK_CARDS if quick else CARDS
    with tempfile.TemporaryDirectory() as tmp_text:
        tmp = Path(tmp_text)
        folder = write_pack(tmp / "pack", cards)
        shared = tmp / "shared"
        shared.mkdir()
        key = generate_key()
        built = build_cuepack(folder, shared / "bench-1.0.0.cuepack")
        sign_cuepack(built.path, key)
        public = public_key_text(key)
        yield from _install_runs(tmp, shared, public, cards, QUICK_REPEAT if quick else REPEAT)
        yield from _unchanged_runs(tmp, shared, public, QUICK_SYNCS if quick else SYNCS)
