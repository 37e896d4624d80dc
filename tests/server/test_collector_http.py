"""The collector over real HTTP, on SQLite and on a real PostgreSQL: a report is stored once,
its retry is answered as delivered, the same batch arriving several times at the same moment is
stored once, bad requests are refused with their reason and store nothing, the app's own
uploader delivers to it, and the access log holds no body, token or address."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.server.storage import open_storage
from app.server.tokens import Token, digest, new_token, token_id
from app.store.db import open_database
from app.sync.sources import HttpClient
from app.sync.upload import HttpsSink, Uploader
from tests.server.collector import Collector, post, query, report_bytes, stored
from tests.server.conftest import BACKENDS
from tests.server.postgres import Postgres
from tests.unit.upload_helpers import UTC, Clock, TestSettings, fill_usage


@pytest.fixture(scope="module", params=BACKENDS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Collector]:
    """One collector per backend for this module (no rate limit to speak of)."""
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "sqlite":
        db = str(folder / "collector.db")
    else:
        server: Postgres = request.getfixturevalue("postgres")
        db = server.new_database()
    collector = Collector(db, folder / "collector.log", ("--rate-limit", "100000"))
    collector.start()
    try:
        yield collector
    finally:
        assert collector.stop() == 0
        collector.kill()


def make_token(db: str, revoked: bool = False) -> tuple[str, str]:
    """A stored token (made as `collect token add` makes it): (its text, its id)."""
    text = new_token()
    store = open_storage(db)
    try:
        found = digest(text)
        store.add_token(Token(token_id(found), found, "test", None, time.time()))
        if revoked:
            store.revoke_token(token_id(found), time.time())
    finally:
        store.close()
    return text, token_id(found)


def test_a_report_is_stored_once_and_its_retry_is_answered_as_delivered(served: Collector) -> None:
    token, tid = make_token(served.db)
    batch = str(uuid.uuid4())
    body = report_bytes(batch, cards=3)

    first = post(served.url, body, token, {"Idempotency-Key": batch})
    again = post(served.url, body, token, {"Idempotency-Key": batch})

    assert (first.status, first.body) == (201, {"status": "stored", "batch_id": batch})
    assert (again.status, again.body) == (200, {"status": "duplicate", "batch_id": batch})
    assert stored(served.db)[batch] == 1
    assert query(
        served.db, f"SELECT token_id, payload FROM reports WHERE batch_id = '{batch}'"
    ) == [(tid, body.decode())]
    assert query(
        served.db, f"SELECT count(*), sum(shown) FROM report_cards WHERE batch_id = '{batch}'"
    ) == [(3, 9)]
    assert query(
        served.db, f"SELECT app, contexts, matched FROM report_apps WHERE batch_id = '{batch}' "
        "ORDER BY app"
    ) == [("excel", 5, 2), ("other", 7, 0)]  # fmt: skip


def test_the_same_batch_with_other_content_is_refused_and_the_first_kept(
    served: Collector,
) -> None:
    token, _ = make_token(served.db)
    batch = str(uuid.uuid4())
    assert post(served.url, report_bytes(batch, cards=1), token).status == 201

    other = post(served.url, report_bytes(batch, cards=2), token)

    assert (other.status, other.body) == (
        409,
        {
            "error": "batch_conflict",
            "reason": f"batch {batch} is already stored with other content",
        },
    )
    assert query(served.db, f"SELECT count(*) FROM report_cards WHERE batch_id = '{batch}'") == [
        (1,)
    ]


def _raw_request(url: str, body: bytes, token: str) -> bytes:
    parts = urllib.parse.urlsplit(url)
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def _status_of(sock: socket.socket) -> tuple[int, dict]:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def at_the_same_moment(url: str, request: bytes, senders: int) -> list[tuple[int, dict]]:
    """`senders` connections send `request`, each holding back its last byte until all are in;
    then all send it at once. Their answers."""
    parts = urllib.parse.urlsplit(url)
    barrier = threading.Barrier(senders)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def send() -> None:
        with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
            sock.sendall(request[:-1])
            barrier.wait(timeout=30)
            sock.sendall(request[-1:])
            answer = _status_of(sock)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_identical_batches_arriving_at_the_same_moment_are_stored_once(served: Collector) -> None:
    """Ten rounds of eight connections sending the same batch at once: one is stored, seven
    are answered as duplicates."""
    token, _ = make_token(served.db)
    rounds, senders = 10, 8
    batches = [str(uuid.uuid4()) for _ in range(rounds)]
    outcomes = {
        b: at_the_same_moment(
            served.url, _raw_request(served.url, report_bytes(b, cards=5), token), senders
        )
        for b in batches
    }

    for batch, answers in outcomes.items():
        statuses = sorted(status for status, _ in answers)
        assert statuses == [200] * (senders - 1) + [201], (batch, answers)
        assert {body["status"] for _, body in answers} == {"stored", "duplicate"}
    counts = stored(served.db)
    assert [counts.get(b) for b in batches] == [1] * rounds
    cards = query(
        served.db,
        "SELECT count(*) FROM report_cards WHERE batch_id IN ("
        + ", ".join(f"'{b}'" for b in batches)
        + ")",
    )
    assert cards == [(5 * rounds,)]


def test_the_apps_uploader_delivers_to_the_collector_and_a_retry_counts_as_delivered(
    served: Collector, tmp_path: Path
) -> None:
    """The app's own Uploader and HTTPS sink (bearer token, Idempotency-Key, canonical bytes)
    against the real collector: delivered; sending the same queued report again (its first
    answer lost) is delivered too, and stored once."""
    token, _ = make_token(served.db)
    data = tmp_path / "data"
    data.mkdir()
    fill_usage(data / "cuecards.db")
    db, _ = open_database(data / "cuecards.db")
    try:
        uploader = Uploader(
            db, TestSettings(data, served.url), client=HttpClient(timeout=10),
            clock=Clock(), tz=UTC, rng=random.Random(3), secrets=lambda _: token,
            known_apps=lambda: {"excel"},
        )  # fmt: skip
        status = uploader.run_due()
        rows = db.conn.execute("SELECT batch_id FROM outbox").fetchall()
        assert status.state == "delivered", status.message
        assert len(rows) == 1
        sent = uploader.outbox.get(rows[0][0])
        assert sent is not None and sent.delivered_at is not None
        retry = HttpsSink(served.url, token, HttpClient(timeout=10)).deliver(sent)
    finally:
        db.close()
    assert retry.delivered, retry.message
    assert retry.message == f"report for {sent.day} delivered (200)"
    batch, payload = sent.batch_id, sent.payload
    assert stored(served.db)[batch] == 1
    assert query(served.db, f"SELECT payload FROM reports WHERE batch_id = '{batch}'") == [
        (payload.decode(),)
    ]


def test_requests_without_a_valid_token_are_refused_and_store_nothing(served: Collector) -> None:
    revoked, _ = make_token(served.db, revoked=True)
    body = report_bytes()
    before = len(stored(served.db))

    missing = post(served.url, body, None)
    basic = post(served.url, body, None, {"Authorization": "Basic dXNlcjpwYXNz"})
    unknown = post(served.url, body, new_token())
    refused = post(served.url, body, revoked)

    how = (
        "send the collector's token as 'Authorization: Bearer cct_…' (a manager makes one "
        "with `cuecards collect token add`)"
    )
    assert (missing.status, missing.body) == (401, {"error": "unauthorized", "reason": how})
    assert missing.headers["www-authenticate"] == "Bearer"
    assert (basic.status, basic.body) == (401, {"error": "unauthorized", "reason": how})
    assert (unknown.status, unknown.body) == (
        401,
        {"error": "unauthorized", "reason": "this token is not known to the collector"},
    )
    assert (refused.status, refused.body) == (
        403,
        {"error": "revoked", "reason": "this token was revoked; ask for a new one"},
    )
    assert len(stored(served.db)) == before


def test_bad_requests_are_refused_with_their_reason_and_store_nothing(served: Collector) -> None:
    token, _ = make_token(served.db)
    before = len(stored(served.db))
    batch = str(uuid.uuid4())
    good = report_bytes(batch)
    broken = good.replace(b'"shown":3', b'"shown":-3', 1)

    as_text = post(served.url, good, token, {"Content-Type": "text/plain"})
    too_big = post(served.url, b" " * (1024 * 1024 + 1), token)
    invalid = post(served.url, broken, token)
    wrong_key = post(served.url, good, token, {"Idempotency-Key": str(uuid.uuid4())})
    not_json = post(served.url, b"{'schema': 1}", token)

    assert (as_text.status, as_text.body) == (
        415,
        {
            "error": "unsupported_media_type",
            "reason": "send the report as Content-Type: application/json",
        },
    )
    assert (too_big.status, too_big.body) == (
        413,
        {"error": "too_large", "reason": "the body has 1048577 bytes; at most 1048576"},
    )
    assert (invalid.status, invalid.body) == (
        400,
        {"error": "invalid_report", "reason": "cards[0].shown: -3 is negative; counts start at 0"},
    )
    assert wrong_key.status == 400
    assert wrong_key.body["reason"].endswith(") is not the report's batch_id")
    assert (not_json.status, not_json.body["error"]) == (400, "not_json")
    assert len(stored(served.db)) == before


def test_other_paths_and_methods_answer_json_and_health_says_ok(served: Collector) -> None:
    token, _ = make_token(served.db)

    health = post(served.base + "/healthz", b"", None, method="GET")
    elsewhere = post(served.base + "/v2/reports", report_bytes(), token)
    get = post(served.url, b"", token, method="GET")

    assert (health.status, health.body) == (200, {"status": "ok"})
    assert (elsewhere.status, elsewhere.body) == (
        404,
        {"error": "not_found", "reason": "no such path; reports go to POST /v1/reports"},
    )
    assert (get.status, get.body) == (
        405,
        {"error": "method_not_allowed", "reason": "GET is not allowed here"},
    )


def test_the_access_log_has_one_line_per_request_and_no_body_token_or_address(
    served: Collector,
) -> None:
    token, tid = make_token(served.db)
    batch = str(uuid.uuid4())
    post(served.url, report_bytes(batch, cohort="cohort-x7"), token)
    post(served.url, report_bytes(batch, cohort="cohort-x7"), token)

    def lines() -> list[str]:
        return [line for line in served.text().splitlines() if f"token={tid}" in line]

    deadline = time.monotonic() + 10
    while len(lines()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    mine = lines()
    assert [line.split("cuecards.collector.access: ")[1].split()[:3] for line in mine] == [
        ["POST", "/v1/reports", "201"],
        ["POST", "/v1/reports", "200"],
    ]
    log = served.text()
    assert token not in log and token[4:] not in log
    assert batch not in log and "cohort-x7" not in log and "acme.finance" not in log
    assert not [line for line in log.splitlines() if "access" in line and "127.0.0.1" in line]
