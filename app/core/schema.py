"""`python -m app.core.schema [--check] [--out DIR]`: JSON Schemas for pack.yaml and card fronts.

Generated from the pack models (the single source of truth) so editors can validate packs
as authors type; `--check` exits 1 when the committed files are stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel

from app.core.model import CardFront, PackManifest

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "resources" / "schema"
SCHEMAS: dict[str, tuple[type[BaseModel], str, str]] = {
    "pack.schema.json": (
        PackManifest,
        "Cuecards pack.yaml (pack format v1)",
        "The manifest at the top of a Cuecards pack: id, version, publisher, apps, skills.",
    ),
    "card.schema.json": (
        CardFront,
        "Cuecards card front matter (pack format v1)",
        "The YAML between the '---' lines at the top of a card in cards/*.md.",
    ),
}


def render(name: str) -> str:
    """The exact text of one schema file: sorted keys, two-space indent, trailing newline."""
    model, title, description = SCHEMAS[name]
    schema = model.model_json_schema()
    schema.update({"$schema": DRAFT, "$id": name, "title": title, "description": description})
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.core.schema", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the files are stale")
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help="schema folder")
    args = parser.parse_args(argv)
    stale = []
    for name in SCHEMAS:
        path = args.out / name
        text = render(name)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        if args.check:
            stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}", file=sys.stderr)
    for path in stale:
        print(
            f"{path} is out of date with app/core/model.py; run `python -m app.core.schema` "
            "(or `make schema`) and commit the result",
            file=sys.stderr,
        )
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
