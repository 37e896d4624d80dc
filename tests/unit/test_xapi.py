"""xAPI statements of a daily report: the day statement carries the search counts, unanswered
searches included, and a report queued before that count existed still converts."""

from __future__ import annotations

import json

from app.core.xapi import ext, statements

ORG = ("org-42", "https://cuecards.example/orgs")


def _report(search: dict[str, int], schema: int) -> bytes:
    report = {
        "schema": schema,
        "batch_id": "b-1",
        "day": "2026-11-20",
        "cards": [],
        "apps": [{"app": "excel", "contexts": 4, "matched": 1}],
        "search": search,
        "noise": None,
    }
    return json.dumps(report).encode("utf-8")


def _day(report: bytes) -> dict:
    *_, day = statements(report, *ORG)
    assert day["object"]["id"] == "https://cuecards.example/xapi/days/2026-11-20"
    return day["result"]["extensions"]


def test_the_day_statement_counts_unanswered_searches_beside_the_deprecated_zero_results() -> None:
    found = _day(_report({"searches": 7, "unanswered": 3, "zero_results": 2}, schema=2))
    assert found[ext("searches")] == 7
    assert found[ext("unanswered-searches")] == 3
    assert found[ext("zero-result-searches")] == 2
    assert ext("unanswered-searches") == (
        "https://cuecards.example/xapi/extensions/unanswered-searches"
    )


def test_a_schema_1_report_still_waiting_in_the_outbox_converts_without_it() -> None:
    found = _day(_report({"searches": 7, "zero_results": 2}, schema=1))
    assert ext("unanswered-searches") not in found
    assert found[ext("zero-result-searches")] == 2
