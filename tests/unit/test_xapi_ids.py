"""xAPI statement ids: a retry of one report names the same statements; two people's reports
of the same day and card are two statements (an LRS would drop the second as a duplicate)."""

from __future__ import annotations

import json

from app.core.xapi import statements

ORG = ("org-42", "https://cuecards.example/orgs")


def _report(batch: str) -> bytes:
    report = {
        "schema": 1,
        "batch_id": batch,
        "day": "2026-11-20",
        "cards": [{"pack": "acme.finance", "card": "pivot-refresh", "shown": 1, "opened": 0,
                   "helpful": 1, "unhelpful": 0, "dismissed": 0, "muted": 0}],
        "apps": [],
        "search": {"searches": 0, "zero_results": 0},
        "noise": None,
    }  # fmt: skip
    return json.dumps(report).encode("utf-8")


def test_a_retry_names_the_same_statements_and_two_people_name_different_ones() -> None:
    first = [s["id"] for s in statements(_report("batch-a"), *ORG)]
    again = [s["id"] for s in statements(_report("batch-a"), *ORG)]
    other = [s["id"] for s in statements(_report("batch-b"), *ORG)]
    assert first == again and len(set(first)) == 2
    assert not set(first) & set(other)
