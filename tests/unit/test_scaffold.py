"""`pack new`: the example pack validates, editors find its schema, nothing is overwritten."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from app.core.lint import lint_pack
from app.core.packs import load_pack
from app.core.scaffold import Scaffold, ScaffoldError, new_pack, pack_id_for
from app.paths import resources_dir

TEMPLATE = resources_dir() / "templates" / "pack"
SCHEMAS = resources_dir() / "schema"
TODAY = dt.date(2026, 6, 1)


def scaffold(target: Path, pack_id: str = "acme.notes") -> list[Path]:
    values = Scaffold(pack_id, "Notes: the basics", "ACME Learning", "jane@acme.example", TODAY)
    return new_pack(target, TEMPLATE, SCHEMAS, values)


def test_the_new_pack_is_valid_and_lint_shows_only_the_example_draft(tmp_path: Path) -> None:
    scaffold(tmp_path / "notes")

    result = load_pack(tmp_path / "notes")
    assert result.ok and result.problems == []
    pack = result.pack
    assert pack is not None
    assert (pack.id, pack.manifest.name, pack.version) == (
        "acme.notes",
        "Notes: the basics",
        "0.1.0",
    )
    assert {c.front.reviewed for c in pack.cards} == {TODAY}
    assert [f.rule for f in lint_pack(pack, aliases={}, today=TODAY)] == ["draft"]


def test_the_schema_modeline_points_at_a_schema_the_manifest_satisfies(tmp_path: Path) -> None:
    scaffold(tmp_path / "notes")
    manifest = tmp_path / "notes" / "pack.yaml"
    first = manifest.read_text(encoding="utf-8").splitlines()[0]

    assert first.startswith("# yaml-language-server: $schema=")
    schema_path = manifest.parent / first.split("$schema=", 1)[1]
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.validate(yaml.safe_load(manifest.read_text(encoding="utf-8")), schema)


def test_an_existing_folder_with_files_is_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "pack.yaml").write_text("id: mine\n", encoding="utf-8")

    with pytest.raises(ScaffoldError, match="already exists and is not empty"):
        scaffold(target)
    assert (target / "pack.yaml").read_text(encoding="utf-8") == "id: mine\n"


def test_pack_ids_come_from_the_folder_name_or_are_refused(tmp_path: Path) -> None:
    assert pack_id_for(Path("ACME Finance")) == "acme-finance"
    assert pack_id_for(Path("___")) is None
    with pytest.raises(ScaffoldError, match="is not a valid pack id"):
        scaffold(tmp_path / "x", pack_id="Bad Id")
