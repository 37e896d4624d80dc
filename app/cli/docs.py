"""`python -m app.cli.docs`: rewrite the README's generated sections (the settings table)."""

from __future__ import annotations

from pathlib import Path

from app.settings import markdown_table

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- settings:start -->\n", "<!-- settings:end -->"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(head + START + markdown_table() + END + tail, encoding="utf-8")


if __name__ == "__main__":
    main()
