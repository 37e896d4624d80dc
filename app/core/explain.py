"""Pydantic validation errors in plain English: file, line, field, what is wrong, how to fix."""

from __future__ import annotations

import datetime as dt
import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from app.core.model import CARD_ID, PACK_ID, SEMVER
from app.core.problems import Problem
from app.core.yamlsrc import YamlDoc, field_path

_QUOTE_HINT = "put the value in quotes"
_KEY = "[key]"  # the last part of a pydantic location that names a map's key
_SYNONYM_HINT = (
    "write a word the cards use, then the words people search for instead, "
    "e.g. screenshot: [snip, print screen]"
)
_DURATION_HINT = "write a number and a unit (ms, s, m, h, d or w), e.g. '3s', '2m' or '90d'"
_DATE_HINT = "write the date as YYYY-MM-DD, e.g. 2026-09-01"
_RE2_HINTS = {
    "missing )": "close each '(' with ')', or write '\\(' for a literal parenthesis",
    "unexpected )": "remove the extra ')', or write '\\)' for a literal parenthesis",
    "missing ]": "close the character class with ']', or write '\\[' for a literal bracket",
    "invalid perl operator": "RE2 has no look-around such as (?=…) or (?<=…); "
    "rewrite the pattern without it",
    "invalid escape sequence": "RE2 has no back-references such as \\1; "
    "rewrite the pattern without them",
    "bad repetition operator": "put '*', '+' or '?' after something to repeat, "
    "or write '\\*' for a literal star",
    "missing argument to repetition operator": "put '*', '+' or '?' after something to repeat, "
    "or escape it with a backslash",
    "trailing \\": "write '\\\\' for a literal backslash",
}
_RE2_DEFAULT = "check the pattern against RE2 syntax (no look-around, no back-references)"


def explain(
    exc: ValidationError, *, model: type[BaseModel], doc: YamlDoc, file: str
) -> list[Problem]:
    """One Problem per pydantic error, located through the YAML node tree."""
    where = "pack.yaml" if file == "pack.yaml" else "the front matter"
    errors = exc.errors(include_url=False)
    typos = _typo_targets(errors, model)
    problems = []
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "missing" and loc in typos:
            continue  # the misspelt field's own problem already says "did you mean …?"
        message, hint = _describe(err, loc, model, where)
        if err["type"] == "invalid_key":  # the key itself is wrong: name where it sits
            field = field_path(loc[:-1]) or None
        elif loc[-1:] == (_KEY,):  # a map's key (a synonyms word) failed: say which one
            field = field_path(loc[:-2]) or None
            message = f"the word {_show(loc[-2])}: {message}"
            if loc[0] == "synonyms":
                hint = _SYNONYM_HINT
        else:
            field = field_path(loc) or None
        problems.append(
            Problem(file=file, line=doc.line_of(loc), field=field, message=message, hint=hint)
        )
    problems.sort(key=lambda p: p.line or 0)
    return problems


def _typo_targets(errors: list[Any], model: type[BaseModel]) -> set[tuple[str | int, ...]]:
    """Locations of missing fields that an unknown field next to them most likely meant."""
    targets = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            loc = tuple(err["loc"])
            close = difflib.get_close_matches(str(loc[-1]), _fields_at(model, loc[:-1]), n=1)
            if close:
                targets.add((*loc[:-1], close[0]))
    return targets


def _describe(
    err: Any, loc: tuple[str | int, ...], model: type[BaseModel], where: str
) -> tuple[str, str]:
    kind: str = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    name = str(loc[-1]) if loc else ""
    shown = _show(value)
    parent = field_path(loc[:-1])

    if kind == "missing":
        return "required field is missing", f"add `{name}: …` to {parent or where}"
    if kind == "invalid_key":
        key = "~ (nothing)" if value is None else shown
        return f"{key} is not a field name", "write a field name such as title, or remove the line"
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        hint = f"remove it; allowed fields are: {', '.join(allowed)}" if allowed else "remove it"
        close = difflib.get_close_matches(name, allowed, n=1)
        if close:
            hint = f"did you mean '{close[0]}'? Allowed fields are: {', '.join(allowed)}"
        return f"unknown field '{name}'", hint
    if kind == "string_type":
        if value is None:
            return "has no value", "write a value after the colon, or remove the line"
        hint = _QUOTE_HINT if isinstance(value, bool | int | float | dt.date) else "write text"
        if name == "version":
            hint = "write MAJOR.MINOR.PATCH, e.g. 1.4.0"
        return f"expected text, got {_kind(value)} {shown}", hint
    if kind == "string_too_short":
        return "must not be empty", "write a value after the colon"
    if kind == "string_too_long":
        limit = ctx.get("max_length")
        return (
            f"is {len(str(value))} characters long; at most {limit} are allowed",
            "shorten it",
        )
    if kind == "string_pattern_mismatch":
        return _pattern_message(ctx.get("pattern", ""), shown)
    if kind in ("list_type", "tuple_type"):
        return (
            f"expected a list, got {_kind(value)} {shown}",
            f"write a list, e.g. {name}: [first, second], or one '- item' per line",
        )
    if kind == "too_long":
        actual = ctx.get("actual_length")
        if actual is None and isinstance(value, list | tuple | dict):
            actual = len(value)
        return (
            f"has {actual} items; at most {ctx.get('max_length')} are allowed",
            "remove some items",
        )
    if kind == "too_short":
        return (
            f"has {ctx.get('actual_length')} items; at least {ctx.get('min_length')} are needed",
            "add items",
        )
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected fields (key: value), got {_kind(value)} {shown}", _fields_hint(loc)
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {_kind(value)} {shown}", "write a number such as 50"
    if kind in ("float_type", "float_parsing"):
        return f"expected a number, got {_kind(value)} {shown}", "write a number such as 2.5"
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return f"{shown} is too large; the most allowed is {bound}", f"use {bound} or less"
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"{shown} is too small; the least allowed is {bound}", f"use {bound} or more"
    if kind == "literal_error":
        return f"{shown} is not allowed", f"use {ctx.get('expected', 'one of the listed values')}"
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing"):
        return f"{shown} is not a valid date", _DATE_HINT
    if kind == "date_from_datetime_inexact":
        return f"{shown} has a time of day; a date is expected", _DATE_HINT
    if kind in ("value_error", "assertion_error"):
        if loc[:1] == ("synonyms",):
            text = str(ctx.get("error", err["msg"]))
            return (text if loc[-1:] == (_KEY,) else f"{shown} {text}"), _SYNONYM_HINT
        return _value_error(str(ctx.get("error", err["msg"])), name)
    return str(err["msg"]), f"check the value of {field_path(loc) or 'this field'}"


def _fields_hint(loc: tuple[str | int, ...]) -> str:
    top = loc[0] if loc else ""
    if top == "triggers":
        return "write each trigger as fields, e.g. - app: excel"
    if top == "skills":
        return "write each skill as fields, e.g. - {id: excel.pivots, name: Pivot tables}"
    if top == "apps":
        return "write one alias per line, e.g. excel: [excel, com.microsoft.excel]"
    return "write one 'key: value' per line"


def _value_error(text: str, name: str) -> tuple[str, str]:
    """Our own validators' messages (RE2, durations, app aliases), with a matching fix."""
    if text.endswith("(RE2)"):
        hint = next((h for k, h in _RE2_HINTS.items() if text.startswith(k)), _RE2_DEFAULT)
        return text, hint
    if name in ("dwell", "review_every"):
        return text.split(": write ", 1)[0], _DURATION_HINT
    if "lists no application ids" in text:
        return text, "list at least one id, e.g. excel: [excel, com.microsoft.excel]"
    return text, f"check the value of {name}" if name else "check the value"


def _pattern_message(pattern: str, shown: str) -> tuple[str, str]:
    if pattern == CARD_ID:
        return (
            f"{shown} is not a valid id",
            "use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, "
            "e.g. 'pivot-refresh'",
        )
    if pattern == PACK_ID:
        return (
            f"{shown} is not a valid pack id",
            "use lower-case letters, digits, '.' and '-', starting with a letter or digit, "
            "e.g. 'acme.finance'",
        )
    if pattern == SEMVER:
        return f"{shown} is not a semantic version", "write MAJOR.MINOR.PATCH, e.g. '1.4.0'"
    return f"{shown} does not match the pattern {pattern}", "change the value to match it"


def _fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """Field names of the model found at `loc` inside `model` (e.g. Trigger at triggers[0])."""
    tp: Any = model
    for part in loc:
        tp = _unwrap_optional(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(part))
            if field is None:
                return []
            tp = field.annotation
        elif typing.get_origin(tp) in (list, tuple) and isinstance(part, int):
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            return []
    tp = _unwrap_optional(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _unwrap_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "fields"
    if isinstance(value, dt.date):
        return "a date"
    if value is None:
        return "an empty value"
    return type(value).__name__


def _show(value: object, limit: int = 60) -> str:
    """A value as an author wrote it, briefly: 'text', 42, true, [a, b]."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, list | tuple | dict):
        text = repr(value)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
