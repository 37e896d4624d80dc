"""Strict checks of an uploaded report: every schema the app has ever sent, field by field.

A schema version maps to the fields it allows (`SCHEMAS`); a report with a field its version
does not allow, a missing field, a negative or absurd count, a malformed day, id or batch id is
refused with a `Refusal` whose reason names the field and says what is wrong. Nothing is stored
for a refused report. Schema 1 is the first report; schema 2 adds `search.unanswered`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from app.core.aggregates import canonical_bytes
from app.core.model import CARD_ID, PACK_ID

MIB = 1024 * 1024
MAX_BODY = 1 * MIB
# One report is one person's day: no count of theirs gets near a million (eleven a second).
MAX_COUNT = 1_000_000
MAX_CARDS = 5000
MAX_APPS = 1000
MAX_ID = 80
MAX_APP_ID = 200
MAX_COHORT = 120
MAX_EPSILON = 100.0  # the upper bound of the setting upload.noise_epsilon
FIRST_DAY = dt.date(2020, 1, 1)  # no Cuecards report can be older
BATCH_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
_PACK = re.compile(PACK_ID)
_CARD = re.compile(CARD_ID)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Refusal(Exception):
    """A request the collector refuses: the HTTP status, a short error code and the reason,
    sent as the JSON body `{"error": code, "reason": reason}`."""

    def __init__(self, status: int, error: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.error, self.reason = status, error, reason

    def body(self) -> dict[str, str]:
        return {"error": self.error, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Fields:
    """The fields one JSON object of a schema must and may have."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    def allowed(self) -> tuple[str, ...]:
        return tuple(sorted(self.required + self.optional))


@dataclass(frozen=True, slots=True)
class Schema:
    """One report schema: its version and the fields of each of its objects."""

    version: int
    report: Fields
    card: Fields  # pack, card and the per-card counts
    app: Fields  # app and the per-app counts
    search: Fields
    noise: Fields = field(default=Fields(("epsilon",)))

    def counts(self, of: Fields, names: tuple[str, ...] = ("pack", "card", "app")) -> list[str]:
        """The count fields of an object (every allowed field but its ids)."""
        return [n for n in of.allowed() if n not in names]


_SCHEMA_1 = Schema(
    1,
    Fields(("schema", "batch_id", "day", "cards", "apps", "search", "noise"), ("cohort",)),
    Fields(("pack", "card", "shown", "opened", "helpful", "unhelpful", "dismissed", "muted")),
    Fields(("app", "contexts", "matched")),
    Fields(("searches", "zero_results")),
)
# Every schema the app has ever sent; a new one is added here, never changed.
SCHEMAS: dict[int, Schema] = {
    1: _SCHEMA_1,
    2: replace(_SCHEMA_1, version=2, search=Fields(("searches", "unanswered", "zero_results"))),
}


@dataclass(frozen=True, slots=True)
class CardCounts:
    """One card's line of a report."""

    pack: str
    card: str
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class AppCounts:
    """One app's line of a report."""

    app: str
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class Report:
    """A report that passed every check, with its exact text and a digest of its content."""

    schema: int
    batch_id: str
    day: str
    cohort: str | None
    noise_epsilon: float | None
    cards: tuple[CardCounts, ...]
    apps: tuple[AppCounts, ...]
    search: dict[str, int]
    payload: str
    digest: str  # SHA-256 of the canonical bytes: the same report gives the same digest


class _Duplicate(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _Duplicate(key)
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise _Duplicate(f"\0{name}")


def _invalid(reason: str) -> Refusal:
    """A 400 refusal of the report's content."""
    return Refusal(400, "invalid_report", reason)


def parse_json(body: bytes) -> Any:
    """The JSON value of `body`: UTF-8, no duplicate keys, no NaN or Infinity."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refusal(400, "not_json", f"the body is not UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    except _Duplicate as exc:
        name = str(exc)
        if name.startswith("\0"):
            raise Refusal(
                400, "not_json", f"the body holds {name[1:]}, which is not JSON"
            ) from None
        raise Refusal(400, "not_json", f"the body names the field '{name}' twice") from None
    except json.JSONDecodeError as exc:
        reason = f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise Refusal(400, "not_json", reason) from None
    except RecursionError:
        raise Refusal(400, "not_json", "the body is nested too deeply") from None


def _kind(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "…"
        return f"the string {json.dumps(shown, ensure_ascii=False)}"
    return "an array" if isinstance(value, list) else "an object"


def _object(value: Any, path: str, fields: Fields, schema: int) -> dict[str, Any]:
    """`value` as an object with exactly the fields `fields` allows (all required ones)."""
    if not isinstance(value, dict):
        raise _invalid(f"{path}: expected an object, got {_kind(value)}")
    for name in value:
        if name not in fields.required and name not in fields.optional:
            allowed = ", ".join(fields.allowed())
            raise _invalid(f"{path}: unknown field '{name}' (schema {schema} allows: {allowed})")
    for name in fields.required:
        if name not in value:
            raise _invalid(f"{path}: missing field '{name}'")
    return value


def _count(value: Any, path: str) -> int:
    """A count: a whole number from 0 to MAX_COUNT."""
    if type(value) is not int:  # bool and float are not counts
        raise _invalid(f"{path}: expected a whole number, got {_kind(value)}")
    if value < 0:
        raise _invalid(f"{path}: {value} is negative; counts start at 0")
    if value > MAX_COUNT:
        raise _invalid(
            f"{path}: {value} is more than {MAX_COUNT}, more than one person does in a day"
        )
    return value


def _counts(obj: Mapping[str, Any], names: list[str], path: str) -> dict[str, int]:
    return {n: _count(obj[n], f"{path}.{n}") for n in names if n in obj}


def _text(value: Any, path: str) -> str:
    """A JSON string."""
    if not isinstance(value, str):
        raise _invalid(f"{path}: expected a string, got {_kind(value)}")
    return value


def _id(value: Any, path: str, pattern: re.Pattern[str], what: str, rule: str) -> str:
    text = _text(value, path)
    if len(text) > MAX_ID or not pattern.match(text):
        raise _invalid(
            f"{path}: {json.dumps(text[:100])} is not a {what} ({rule}, at most {MAX_ID} "
            "characters)"
        )
    return text


def _app_id(value: Any, path: str) -> str:
    text = _text(value, path)
    if (
        not 0 < len(text) <= MAX_APP_ID
        or _CONTROL.search(text)
        or text != text.strip()
        or text != text.lower()
    ):
        raise _invalid(
            f"{path}: {json.dumps(text[:100], ensure_ascii=False)} is not an app id "
            f"(lower case, 1 to {MAX_APP_ID} characters, no control characters or "
            "surrounding spaces)"
        )
    return text


def _array(value: Any, path: str, cap: int) -> list[Any]:
    """A JSON array of at most `cap` entries."""
    if not isinstance(value, list):
        raise _invalid(f"{path}: expected an array, got {_kind(value)}")
    if len(value) > cap:
        raise _invalid(f"{path}: {len(value)} entries, more than the {cap} a report may hold")
    return value


def _schema(report: dict[str, Any]) -> Schema:
    """The schema the report names, which fixes every field it may have."""
    if "schema" not in report:
        raise _invalid("report: missing field 'schema'")
    version = report["schema"]
    if type(version) is not int:  # true is not a version
        raise _invalid(f"schema: expected a whole number, got {_kind(version)}")
    if version not in SCHEMAS:
        known = ", ".join(str(v) for v in sorted(SCHEMAS))
        raise _invalid(
            f"schema: {version} is not a report schema this collector knows (it accepts "
            f"{known}); a newer app needs a newer collector"
        )
    return SCHEMAS[version]


def _batch_id(value: Any) -> str:
    text = _text(value, "batch_id")
    if not BATCH_ID.match(text):
        raise _invalid(
            f"batch_id: {json.dumps(text[:100])} is not a batch id (a lower-case UUID such as "
            "0f8fad5b-d9cb-469f-a165-70867728950e)"
        )
    return text


def _day(value: Any, today: dt.date) -> str:
    """A YYYY-MM-DD day between FIRST_DAY and tomorrow."""
    text = _text(value, "day")
    try:
        day = dt.date.fromisoformat(text) if DAY.match(text) else None
    except ValueError:
        day = None
    if day is None:
        raise _invalid(f"day: {json.dumps(text[:100])} is not a date (YYYY-MM-DD)")
    # A completed local day is at most today in UTC anywhere on Earth; one day of clock skew.
    if day > today + dt.timedelta(days=1):
        raise _invalid(f"day: {text} is in the future (the collector's date is {today})")
    if day < FIRST_DAY:
        raise _invalid(f"day: {text} is before {FIRST_DAY}, older than any Cuecards report")
    return text


def _cohort(value: Any) -> str:
    text = _text(value, "cohort")
    if not 0 < len(text) <= MAX_COHORT or _CONTROL.search(text) or text != text.strip():
        raise _invalid(
            f"cohort: {json.dumps(text[:100], ensure_ascii=False)} is not a cohort label (1 to "
            f"{MAX_COHORT} characters, no control characters or surrounding spaces)"
        )
    return text


def _noise(value: Any, schema: Schema) -> float | None:
    if value is None:
        return None
    noise = _object(value, "noise", schema.noise, schema.version)
    epsilon = noise["epsilon"]
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float):
        raise _invalid(f"noise.epsilon: expected a number, got {_kind(epsilon)}")
    if not (0 < epsilon <= MAX_EPSILON and math.isfinite(epsilon)):
        raise _invalid(f"noise.epsilon: {epsilon!r} is not a number above 0 and up to 100")
    return float(epsilon)


def _cards(value: Any, schema: Schema) -> tuple[CardCounts, ...]:
    """The per-card lines: well-formed ids, each card once, valid counts."""
    rows, seen = [], {}
    names = schema.counts(schema.card)
    for i, entry in enumerate(_array(value, "cards", MAX_CARDS)):
        path = f"cards[{i}]"
        obj = _object(entry, path, schema.card, schema.version)
        pack = _id(obj["pack"], f"{path}.pack", _PACK, "pack id", "[a-z0-9][a-z0-9.-]*")
        card = _id(obj["card"], f"{path}.card", _CARD, "card id", "[a-z0-9][a-z0-9._-]*")
        if (pack, card) in seen:
            raise _invalid(
                f"{path}: {pack}/{card} is listed twice (also cards[{seen[pack, card]}])"
            )
        seen[pack, card] = i
        rows.append(CardCounts(pack, card, _counts(obj, names, path)))
    return tuple(rows)


def _apps(value: Any, schema: Schema) -> tuple[AppCounts, ...]:
    """The per-app lines: well-formed app ids, each app once, valid counts."""
    rows, seen = [], {}
    names = schema.counts(schema.app)
    for i, entry in enumerate(_array(value, "apps", MAX_APPS)):
        path = f"apps[{i}]"
        obj = _object(entry, path, schema.app, schema.version)
        app = _app_id(obj["app"], f"{path}.app")
        if app in seen:
            raise _invalid(
                f"{path}: the app {json.dumps(app)} is listed twice (also apps[{seen[app]}])"
            )
        seen[app] = i
        rows.append(AppCounts(app, _counts(obj, names, path)))
    return tuple(rows)


def validate(body: bytes, today: dt.date) -> Report:
    """The checked report in `body` (bytes as received); Refusal with the reason otherwise.

    `today` is the collector's UTC date: a report's day may not lie beyond tomorrow.
    """
    if len(body) > MAX_BODY:
        raise Refusal(413, "too_large", f"the body has {len(body)} bytes; at most {MAX_BODY}")
    value = parse_json(body)
    if not isinstance(value, dict):
        raise _invalid(f"report: expected an object, got {_kind(value)}")
    schema = _schema(value)
    report = _object(value, "report", schema.report, schema.version)
    batch_id = _batch_id(report["batch_id"])
    day = _day(report["day"], today)
    cohort = _cohort(report["cohort"]) if "cohort" in report else None
    noise = _noise(report["noise"], schema)
    cards = _cards(report["cards"], schema)
    apps = _apps(report["apps"], schema)
    search_obj = _object(report["search"], "search", schema.search, schema.version)
    search = _counts(search_obj, schema.counts(schema.search), "search")
    return Report(
        schema=schema.version,
        batch_id=batch_id,
        day=day,
        cohort=cohort,
        noise_epsilon=noise,
        cards=cards,
        apps=apps,
        search=search,
        payload=body.decode("utf-8"),
        digest=hashlib.sha256(canonical_bytes(report)).hexdigest(),
    )
