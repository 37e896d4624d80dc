"""xAPI upload to a real LRS (Ralph), which validates every statement: stored once, retries
never duplicate, and nothing personal is in a statement."""

from __future__ import annotations

import getpass
import json
import random
import socket
from pathlib import Path

import pytest

from app.core.xapi import CARD_TYPE, VERB, ext, statement_id
from app.store.db import open_database
from app.sync.sources import HttpClient
from app.sync.upload import Uploader, XapiSink
from tests.e2e.lrs import PASSWORD, Lrs
from tests.unit.upload_helpers import UTC, Clock, TestSettings, fill_usage

pytestmark = pytest.mark.e2e
ORG = "org-7f3a"


def _uploader(tmp_path: Path, endpoint: str, user: str, clock: Clock) -> Uploader:
    db_path = tmp_path / "cuecards.db"
    if not db_path.exists():
        fill_usage(db_path, query=f"canary query {getpass.getuser()}")
    db, _ = open_database(db_path)
    settings = TestSettings(
        tmp_path, endpoint, kind="xapi", cohort="finance", extra={"upload.org_account": ORG}
    )
    return Uploader(
        db,
        settings,
        client=HttpClient(timeout=30),
        clock=clock,
        rng=random.Random(1),
        secrets=lambda endpoint: f"{user}:{PASSWORD}",
        tz=UTC,
        known_apps=lambda: {"excel"},
    )


def test_a_report_becomes_valid_statements_stored_exactly_once(tmp_path: Path, lrs: Lrs) -> None:
    user = lrs.users[0]
    up = _uploader(tmp_path, lrs.endpoint, user, Clock())
    status = up.run_due()
    assert status.state == "delivered", status.message
    stored = lrs.statements(user)
    assert len(stored) == 2  # one card, and the day's apps and searches
    ids = {s["id"] for s in stored}
    [delivered] = up.outbox._select("WHERE 1")
    batch = json.loads(delivered.payload)["batch_id"]
    card = statement_id(ORG, batch, "acme.finance", "pivot-refresh")
    assert ids == {card, statement_id(ORG, batch, "", "")}
    by_id = {s["id"]: s for s in stored}
    assert by_id[card]["verb"]["id"] == VERB
    assert by_id[card]["object"]["definition"]["type"] == CARD_TYPE
    assert by_id[card]["actor"]["account"]["name"] == ORG
    assert by_id[card]["result"]["extensions"][ext("shown")] == 1
    assert by_id[card]["result"]["extensions"][ext("helpful")] == 1
    assert by_id[card]["context"]["extensions"][ext("cohort")] == "finance"
    # The answer was lost, say: the same report again stores nothing new.
    assert up.sink().deliver(delivered).delivered
    assert len(lrs.statements(user)) == 2
    # Nothing personal reached the LRS.
    text = json.dumps(stored)
    for canary in (getpass.getuser(), socket.gethostname(), "canary query", "firefox"):
        assert canary not in text


def test_a_failed_attempt_then_recovery_stores_each_statement_once(
    tmp_path: Path, lrs: Lrs
) -> None:
    user = lrs.users[1]
    clock = Clock()
    wrong = _uploader(tmp_path, lrs.endpoint, user, clock)
    wrong._secrets = lambda endpoint: f"{user}:not-the-password"
    failed = wrong.run_due()
    assert failed.state == "failed" and "401" in failed.message
    right = _uploader(tmp_path, lrs.endpoint, user, clock)
    assert right.run_due(now=True).state == "delivered"
    assert right.run_due(now=True).state == "idle"
    assert len(lrs.statements(user)) == 2


def test_the_lrs_rejects_a_malformed_statement_with_its_reason(tmp_path: Path, lrs: Lrs) -> None:
    # The LRS really validates what it is sent: a statement without a verb is refused.
    user = lrs.users[2]
    sink = XapiSink(
        lrs.endpoint, f"{user}:{PASSWORD}", ORG, "https://cuecards.example/orgs", HttpClient()
    )
    answer = HttpClient().send(
        "POST",
        sink.url,
        json.dumps([{"actor": {"mbox": "mailto:a@b.example"}, "object": {"id": "x"}}]).encode(),
        {
            "Authorization": sink._auth,
            "Content-Type": "application/json",
            "X-Experience-API-Version": "1.0.3",
        },
    )
    assert answer.status in (400, 422) and b"verb" in answer.body
    assert lrs.statements(user) == []
