"""What is wrong with a pack, where, and how to fix it: the one shape every check reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One finding in a pack: file (relative to the pack root, posix), 1-based line, field path.

    `file` is "" for a problem with the pack as a whole (a path that does not exist, a
    broken zip); `line` and `field` are None when they do not apply.
    """

    file: str
    line: int | None = None
    field: str | None = None
    message: str
    hint: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.file
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        parts = [where] if where else []
        if self.severity == "warning":
            parts.append("warning")
        if self.field:
            parts.append(self.field)
        text = ": ".join([*parts, self.message])
        if self.hint:
            text = f"{text.rstrip('.')}. Fix: {self.hint}"
        return text

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class PackError(Exception):
    """A pack that cannot be used at all (no pack.yaml, an unsafe zip…), with every reason."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
