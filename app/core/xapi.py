"""xAPI statements for a daily report: one per card per day, plus one for apps and searches
(searches, unanswered searches and the deprecated zero-result searches).

Statement ids are UUIDv5 of (organisation, report batch id, pack, card), so the same report
sent twice names the same statements and the LRS answers 409/204 instead of storing a
duplicate, while the reports of two people for the same day and card stay two statements. The
actor is the organisation's opaque account, never a person. Counts go in `result.extensions`
under the IRIs below (documented in the README).
"""

from __future__ import annotations

import json
import urllib.parse
import uuid
from typing import Any

from app.core.aggregates import CARD_COUNTS

BASE = "https://cuecards.example/xapi"
VERB = "http://adlnet.gov/expapi/verbs/experienced"
CARD_TYPE = f"{BASE}/activity-types/card"
DAY_TYPE = f"{BASE}/activity-types/day"
EXT = f"{BASE}/extensions"
# Namespace of the statement ids (a UUIDv5 of the base IRI itself).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)


def ext(name: str) -> str:
    """The IRI of one count or context value, e.g. https://cuecards.example/xapi/extensions/shown."""
    return f"{EXT}/{name}"


def statement_id(org: str, batch_id: str, pack: str, card: str) -> str:
    """The deterministic id of the statement for one card of one report (`batch_id`, the same
    on every retry) of one organisation; empty pack and card for the report's day statement."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join((org, batch_id, pack, card))))


def card_iri(pack: str, card: str) -> str:
    """The activity IRI of a card."""
    return f"{BASE}/cards/{urllib.parse.quote(pack, safe='')}/{urllib.parse.quote(card, safe='')}"


def statements(report_bytes: bytes, org_account: str, org_homepage: str) -> list[dict[str, Any]]:
    """The statements for one report (as sent bytes), cards first, then the day's summary."""
    report = json.loads(report_bytes)
    day = report["day"]
    actor = {"objectType": "Agent", "account": {"homePage": org_homepage, "name": org_account}}
    verb = {"id": VERB, "display": {"en-US": "experienced"}}
    context_ext: dict[str, Any] = {ext("day"): day, ext("batch-id"): report["batch_id"]}
    if report.get("cohort"):
        context_ext[ext("cohort")] = report["cohort"]
    if report.get("noise"):
        context_ext[ext("noise-epsilon")] = report["noise"]["epsilon"]
    timestamp = f"{day}T00:00:00Z"
    out: list[dict[str, Any]] = []
    for row in report["cards"]:
        out.append(
            {
                "id": statement_id(org_account, report["batch_id"], row["pack"], row["card"]),
                "actor": actor,
                "verb": verb,
                "object": {
                    "objectType": "Activity",
                    "id": card_iri(row["pack"], row["card"]),
                    "definition": {"type": CARD_TYPE},
                },
                "result": {"extensions": {ext(k): row[k] for k in CARD_COUNTS}},
                "context": {"extensions": context_ext},
                "timestamp": timestamp,
            }
        )
    search = report["search"]
    summary = {ext("apps"): report["apps"], ext("searches"): search["searches"]}
    if "unanswered" in search:  # schema 2 on; a schema 1 report still waiting has none
        summary[ext("unanswered-searches")] = search["unanswered"]
    # Deprecated with the report's zero_results (schema 3 drops both).
    summary[ext("zero-result-searches")] = search["zero_results"]
    out.append(
        {
            "id": statement_id(org_account, report["batch_id"], "", ""),
            "actor": actor,
            "verb": verb,
            "object": {
                "objectType": "Activity",
                "id": f"{BASE}/days/{day}",
                "definition": {"type": DAY_TYPE},
            },
            "result": {"extensions": summary},
            "context": {"extensions": context_ext},
            "timestamp": timestamp,
        }
    )
    return out
