"""`cuecards pack new DIR`: a commented example pack that validates, from a template folder.

The template (`resources/templates/pack/`) holds `{{id}}`, `{{name}}`, `{{publisher}}`,
`{{owner}}`, `{{today}}` and `{{folder}}` placeholders. The JSON Schemas are copied into the
new pack's hidden `.schema/` folder, which `pack.yaml`'s `$schema` modeline points at, so
editors validate offline; hidden files are never loaded nor built into a `.cuepack`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from app.core.model import PACK_ID

SCHEMA_DIR = ".schema"
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


class ScaffoldError(Exception):
    """The new pack cannot be created where asked; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Scaffold:
    """What to fill into the template."""

    pack_id: str
    name: str
    publisher: str
    owner: str
    today: dt.date


def pack_id_for(folder: Path) -> str | None:
    """A pack id made from a folder name ('ACME Finance' -> 'acme-finance'), or None."""
    text = re.sub(r"[^a-z0-9.-]+", "-", folder.name.lower()).strip("-.")
    return text if re.match(PACK_ID, text) else None


def new_pack(target: Path, template: Path, schemas: Path, values: Scaffold) -> list[Path]:
    """Create the pack folder `target` from `template`; returns the files written.

    Refuses a target that exists and is not an empty folder, and an invalid pack id.
    """
    if not re.match(PACK_ID, values.pack_id):
        raise ScaffoldError(
            f"{values.pack_id!r} is not a valid pack id: use lower-case letters, digits, dots "
            "and dashes, starting with a letter or digit (e.g. acme.finance); pass --id"
        )
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} already exists and is not empty; choose a new folder name")
    fill = {
        "id": values.pack_id,
        "name": _yaml_text(values.name),
        "publisher": _yaml_text(values.publisher),
        "owner": _yaml_text(values.owner),
        "today": values.today.isoformat(),
        "folder": str(target),
    }
    written: list[Path] = []
    for source in sorted(p for p in template.rglob("*") if p.is_file()):
        out = target / source.relative_to(template)
        out.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8")
        out.write_text(_PLACEHOLDER.sub(lambda m: fill[m.group(1)], text), encoding="utf-8")
        written.append(out)
    (target / SCHEMA_DIR).mkdir(parents=True, exist_ok=True)
    for schema in sorted(schemas.glob("*.schema.json")):
        out = target / SCHEMA_DIR / schema.name
        shutil.copyfile(schema, out)
        written.append(out)
    return written


def _yaml_text(value: str) -> str:
    """A value as a quoted YAML string (a JSON string is valid YAML; 'yes' stays text)."""
    return json.dumps(value, ensure_ascii=False)
