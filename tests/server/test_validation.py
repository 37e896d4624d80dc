"""Every way a report body is refused, with the exact JSON the collector answers, and every
schema the app has sent (1, and 2 with search.unanswered) accepted."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from app.core.aggregates import DayCounts, build_report, canonical_bytes
from app.server.validation import MAX_BODY, Refusal, validate

TODAY = dt.date(2026, 11, 21)
BATCH = "0f8fad5b-d9cb-469f-a165-70867728950e"
# A schema 1 report exactly as the app sent them (canonical bytes of build_report, schema 1).
SCHEMA_1 = (
    b'{"apps":[{"app":"excel","contexts":5,"matched":2},{"app":"other","contexts":7,"matched":0}],'
    b'"batch_id":"0f8fad5b-d9cb-469f-a165-70867728950e","cards":[{"card":"pivot-refresh",'
    b'"dismissed":1,"helpful":1,"muted":0,"opened":1,"pack":"acme.finance","shown":3,'
    b'"unhelpful":0}],"day":"2026-11-20","noise":null,"schema":1,"search":{"searches":4,'
    b'"zero_results":1}}'
)
# Schema 2 adds search.unanswered and keeps zero_results.
SCHEMA_2 = SCHEMA_1.replace(b'"schema":1', b'"schema":2').replace(
    b'"searches":4,', b'"searches":4,"unanswered":2,'
)


def base(schema: int = 1) -> dict[str, Any]:
    return json.loads(SCHEMA_1 if schema == 1 else SCHEMA_2)


def refusal(body: bytes) -> tuple[int, dict[str, str]]:
    with pytest.raises(Refusal) as caught:
        validate(body, TODAY)
    return caught.value.status, caught.value.body()


def changed(edit: Callable[[dict[str, Any]], object], schema: int = 1) -> bytes:
    report = copy.deepcopy(base(schema))
    edit(report)
    return json.dumps(report).encode()


def test_the_reports_the_app_sent_are_accepted_under_both_schemas() -> None:
    one, two = validate(SCHEMA_1, TODAY), validate(SCHEMA_2, TODAY)

    assert (one.schema, one.batch_id, one.day) == (1, BATCH, "2026-11-20")
    assert one.search == {"searches": 4, "zero_results": 1}
    assert two.search == {"searches": 4, "unanswered": 2, "zero_results": 1}
    assert [(c.pack, c.card, c.counts["shown"]) for c in one.cards] == [
        ("acme.finance", "pivot-refresh", 3)
    ]
    assert [(a.app, a.counts) for a in one.apps] == [
        ("excel", {"contexts": 5, "matched": 2}),
        ("other", {"contexts": 7, "matched": 0}),
    ]
    assert one.payload == SCHEMA_1.decode()


def test_the_apps_own_report_today_is_accepted_with_noise_and_cohort() -> None:
    counts = DayCounts(cards={("acme.finance", "x"): dict.fromkeys(
        ("shown", "opened", "helpful", "unhelpful", "dismissed", "muted"), 2)},
        apps={"excel": [1, 1]}, searches=3, zero_results=3)  # fmt: skip
    report = build_report(counts, TODAY, batch_id=BATCH, cohort="Finance team")
    report["noise"] = {"epsilon": 0.5}

    checked = validate(canonical_bytes(report), TODAY)

    assert (checked.cohort, checked.noise_epsilon) == ("Finance team", 0.5)


def test_the_digest_is_of_the_content_not_the_spelling() -> None:
    spaced = json.dumps(json.loads(SCHEMA_1), indent=2).encode()

    assert validate(spaced, TODAY).digest == validate(SCHEMA_1, TODAY).digest
    other = changed(lambda r: r["search"].update(searches=5))
    assert validate(other, TODAY).digest != validate(SCHEMA_1, TODAY).digest


def _invalid(reason: str) -> tuple[int, dict[str, str]]:
    return 400, {"error": "invalid_report", "reason": reason}


def _not_json(reason: str) -> tuple[int, dict[str, str]]:
    return 400, {"error": "not_json", "reason": reason}


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    """Set `a.b[0].c` in the report to `value`."""

    def edit(report: dict[str, Any]) -> None:
        target: Any = report
        keys: list[Any] = []
        for part in path.split("."):
            name, _, index = part.partition("[")
            keys.append(name)
            if index:
                keys.append(int(index.rstrip("]")))
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return edit


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def edit(report: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = report
        for part in parents:
            name, _, index = part.partition("[")
            target = target[name][int(index.rstrip("]"))] if index else target[name]
        del target[last]

    return edit


ALLOWED_1 = "apps, batch_id, cards, cohort, day, noise, schema, search"
CARD = "card, dismissed, helpful, muted, opened, pack, shown, unhelpful"
RAW_CASES = [
    (b"\xff{}", _not_json("the body is not UTF-8 (byte 0)")),
    (b"{", _not_json(
        "the body is not JSON: Expecting property name enclosed in double quotes at line 1 column 2"
    )),
    (b'{"schema":1,"schema":1}', _not_json("the body names the field 'schema' twice")),
    (b'{"schema":NaN}', _not_json("the body holds NaN, which is not JSON")),
    (b'{"schema":-Infinity}', _not_json("the body holds -Infinity, which is not JSON")),
    (b"[" * 200_000 + b"]" * 200_000, _not_json("the body is nested too deeply")),
    (b"[]", _invalid("report: expected an object, got an array")),
    (b'"report"', _invalid('report: expected an object, got the string "report"')),
    (b"{}", _invalid("report: missing field 'schema'")),
    (b" " * (MAX_BODY + 1), (413, {
        "error": "too_large", "reason": f"the body has {MAX_BODY + 1} bytes; at most {MAX_BODY}"
    })),
]  # fmt: skip


@pytest.mark.parametrize("body, expected", RAW_CASES, ids=[str(i) for i in range(len(RAW_CASES))])
def test_a_body_that_is_not_a_json_report_is_refused_with_the_reason(
    body: bytes, expected: tuple[int, dict[str, str]]
) -> None:
    assert refusal(body) == expected


FUTURE = (TODAY + dt.timedelta(days=2)).isoformat()
CASES: list[tuple[str, Callable[[dict[str, Any]], object], str]] = [
    ("schema as text", _set("schema", "1"), 'schema: expected a whole number, got the string "1"'),
    ("schema true", _set("schema", True), "schema: expected a whole number, got true"),
    ("schema 3", _set("schema", 3), "schema: 3 is not a report schema this collector knows "
     "(it accepts 1, 2); a newer app needs a newer collector"),
    ("unknown field", _set("user", "jane"),
     f"report: unknown field 'user' (schema 1 allows: {ALLOWED_1})"),
    ("no batch id", _drop("batch_id"), "report: missing field 'batch_id'"),
    ("no noise", _drop("noise"), "report: missing field 'noise'"),
    ("batch id not a uuid", _set("batch_id", "batch-1"), 'batch_id: "batch-1" is not a batch id '
     "(a lower-case UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e)"),
    ("batch id upper case", _set("batch_id", BATCH.upper()), f'batch_id: "{BATCH.upper()}" is '
     "not a batch id (a lower-case UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e)"),
    ("batch id a number", _set("batch_id", 7), "batch_id: expected a string, got the number 7"),
    ("day not a date", _set("day", "2026-13-01"), 'day: "2026-13-01" is not a date (YYYY-MM-DD)'),
    ("day without dashes", _set("day", "20261120"), 'day: "20261120" is not a date (YYYY-MM-DD)'),
    ("day with a time", _set("day", "2026-11-20T00:00"),
     'day: "2026-11-20T00:00" is not a date (YYYY-MM-DD)'),
    ("day in the future", _set("day", FUTURE),
     f"day: {FUTURE} is in the future (the collector's date is {TODAY})"),
    ("day too old", _set("day", "2019-12-31"),
     "day: 2019-12-31 is before 2020-01-01, older than any Cuecards report"),
    ("empty cohort", _set("cohort", ""), 'cohort: "" is not a cohort label (1 to 120 characters, '
     "no control characters or surrounding spaces)"),
    ("cohort with a newline", _set("cohort", "a\nb"), 'cohort: "a\\nb" is not a cohort label '
     "(1 to 120 characters, no control characters or surrounding spaces)"),
    ("cohort a list", _set("cohort", ["a"]), "cohort: expected a string, got an array"),
    ("noise text", _set("noise", "x"), 'noise: expected an object, got the string "x"'),
    ("noise empty", _set("noise", {}), "noise: missing field 'epsilon'"),
    ("noise extra", _set("noise", {"epsilon": 1, "seed": 3}),
     "noise: unknown field 'seed' (schema 1 allows: epsilon)"),
    ("epsilon zero", _set("noise", {"epsilon": 0}),
     "noise.epsilon: 0 is not a number above 0 and up to 100"),
    ("epsilon huge", _set("noise", {"epsilon": 1e9}),
     "noise.epsilon: 1000000000.0 is not a number above 0 and up to 100"),
    ("epsilon true", _set("noise", {"epsilon": True}),
     "noise.epsilon: expected a number, got true"),
    ("cards an object", _set("cards", {}), "cards: expected an array, got an object"),
    ("too many cards", _set("cards", [{}] * 5001),
     "cards: 5001 entries, more than the 5000 a report may hold"),
    ("card a number", _set("cards[0]", 5), "cards[0]: expected an object, got the number 5"),
    ("card without muted", _drop("cards[0].muted"), "cards[0]: missing field 'muted'"),
    ("card with a reason", _set("cards[0].unhelpful_outdated", 1),
     f"cards[0]: unknown field 'unhelpful_outdated' (schema 1 allows: {CARD})"),
    ("bad pack id", _set("cards[0].pack", "Acme Finance"), 'cards[0].pack: "Acme Finance" is not '
     "a pack id ([a-z0-9][a-z0-9.-]*, at most 80 characters)"),
    ("long card id", _set("cards[0].card", "c" * 81), f'cards[0].card: "{"c" * 81}" is not a '
     "card id ([a-z0-9][a-z0-9._-]*, at most 80 characters)"),
    ("card twice", lambda r: r["cards"].append(dict(r["cards"][0])),
     "cards[1]: acme.finance/pivot-refresh is listed twice (also cards[0])"),
    ("negative count", _set("cards[0].shown", -1),
     "cards[0].shown: -1 is negative; counts start at 0"),
    ("fractional count", _set("cards[0].shown", 1.5),
     "cards[0].shown: expected a whole number, got the number 1.5"),
    ("count 2.0", _set("cards[0].opened", 2.0),
     "cards[0].opened: expected a whole number, got the number 2.0"),
    ("count true", _set("cards[0].helpful", True),
     "cards[0].helpful: expected a whole number, got true"),
    ("count null", _set("cards[0].dismissed", None),
     "cards[0].dismissed: expected a whole number, got null"),
    ("absurd count", _set("cards[0].shown", 1_000_001),
     "cards[0].shown: 1000001 is more than 1000000, more than one person does in a day"),
    ("app upper case", _set("apps[0].app", "Excel"), 'apps[0].app: "Excel" is not an app id '
     "(lower case, 1 to 200 characters, no control characters or surrounding spaces)"),
    ("app empty", _set("apps[0].app", ""), 'apps[0].app: "" is not an app id '
     "(lower case, 1 to 200 characters, no control characters or surrounding spaces)"),
    ("app twice", _set("apps[1].app", "excel"),
     'apps[1]: the app "excel" is listed twice (also apps[0])'),
    ("app with a title", _set("apps[0].title", "Budget.xlsx"),
     "apps[0]: unknown field 'title' (schema 1 allows: app, contexts, matched)"),
    ("negative contexts", _set("apps[0].contexts", -3),
     "apps[0].contexts: -3 is negative; counts start at 0"),
    ("search a list", _set("search", []), "search: expected an object, got an array"),
    ("search without zero_results", _drop("search.zero_results"),
     "search: missing field 'zero_results'"),
    ("schema 1 with unanswered", _set("search.unanswered", 1),
     "search: unknown field 'unanswered' (schema 1 allows: searches, zero_results)"),
    ("search with a query", _set("search.queries", ["vlookup"]),
     "search: unknown field 'queries' (schema 1 allows: searches, zero_results)"),
    ("absurd searches", _set("search.searches", 10**12),
     "search.searches: 1000000000000 is more than 1000000, more than one person does in a day"),
]  # fmt: skip


@pytest.mark.parametrize("edit, reason", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_schema_1_report_is_refused_with_the_field_and_the_reason(
    edit: Callable[[dict[str, Any]], object], reason: str
) -> None:
    assert refusal(changed(edit)) == _invalid(reason)


CASES_2: list[tuple[str, Callable[[dict[str, Any]], object], str]] = [
    ("without unanswered", _drop("search.unanswered"), "search: missing field 'unanswered'"),
    ("negative unanswered", _set("search.unanswered", -1),
     "search.unanswered: -1 is negative; counts start at 0"),
    ("unanswered as text", _set("search.unanswered", "2"),
     'search.unanswered: expected a whole number, got the string "2"'),
    ("unknown field", _set("search.terms", []),
     "search: unknown field 'terms' (schema 2 allows: searches, unanswered, zero_results)"),
]  # fmt: skip


@pytest.mark.parametrize("edit, reason", [c[1:] for c in CASES_2], ids=[c[0] for c in CASES_2])
def test_a_schema_2_report_is_refused_with_the_field_and_the_reason(
    edit: Callable[[dict[str, Any]], object], reason: str
) -> None:
    assert refusal(changed(edit, schema=2)) == _invalid(reason)


def test_a_report_at_the_caps_is_accepted() -> None:
    cards = [
        {"pack": "acme.finance", "card": f"c{i}", **dict.fromkeys(
            ("shown", "opened", "helpful", "unhelpful", "dismissed", "muted"), 1_000_000)}
        for i in range(5000)
    ]  # fmt: skip
    body = changed(_set("cards", cards))
    assert len(body) < MAX_BODY

    assert len(validate(body, TODAY).cards) == 5000


def test_tomorrow_is_allowed_for_clock_skew() -> None:
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()

    assert validate(changed(_set("day", tomorrow)), TODAY).day == tomorrow
