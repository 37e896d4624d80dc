"""Title patterns: the one RE2 dialect that validation and the matcher share.

Kept apart from the pack models so the running app can match without loading pydantic.
"""

from __future__ import annotations

import functools

import re2


def re2_options() -> re2.Options:
    """RE2 options that report errors to us instead of logging them to stderr."""
    options = re2.Options()
    options.log_errors = False
    return options


@functools.lru_cache(maxsize=65536)
def compile_re2(pattern: str) -> re2._Regexp:
    """Compile a title pattern with RE2, quietly; raises ValueError with RE2's reason.

    Cached: validation and the matcher compile the same patterns, once between them.
    """
    try:
        return re2.compile(pattern, options=re2_options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid pattern"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        reason = str(reason).split(":", 1)[0]
        raise ValueError(f"{reason} in pattern {pattern!r} (RE2)") from None


def check_re2(pattern: str) -> str:
    """Validate a title pattern with RE2 (linear time for any pattern)."""
    compile_re2(pattern)
    return pattern
