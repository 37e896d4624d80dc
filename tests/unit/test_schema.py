"""The committed JSON Schemas match the pack models; stale files are caught."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core import schema

COMMITTED = Path(__file__).resolve().parents[2] / "resources" / "schema"


@pytest.mark.parametrize("name", sorted(schema.SCHEMAS))
def test_committed_schema_matches_the_models(name: str) -> None:
    committed = (COMMITTED / name).read_text(encoding="utf-8")

    assert committed == schema.render(name), (
        f"resources/schema/{name} is stale: run `python -m app.core.schema` and commit it"
    )


def test_check_reports_stale_or_missing_files_and_write_fixes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pack.schema.json").write_text("{}\n", encoding="utf-8")

    assert schema.main(["--check", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'pack.schema.json'} is out of date" in err
    assert f"{tmp_path / 'card.schema.json'} is out of date" in err

    assert schema.main(["--out", str(tmp_path)]) == 0
    assert schema.main(["--check", "--out", str(tmp_path)]) == 0


def test_schemas_describe_what_authors_write() -> None:
    pack = json.loads(schema.render("pack.schema.json"))
    card = json.loads(schema.render("card.schema.json"))

    assert pack["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(pack["required"]) == {"id", "name", "version", "publisher"}
    assert pack["additionalProperties"] is False
    assert set(card["required"]) == {"id", "title", "summary"}
    assert card["properties"]["status"]["enum"] == ["draft", "approved"]


def test_editors_accept_the_demo_pack_and_flag_mistakes() -> None:
    """What a schema-aware editor does: the demo pack passes, typical mistakes are flagged."""
    import jsonschema
    import yaml

    root = Path(__file__).resolve().parents[2]
    demo = root / "resources" / "packs" / "demo"
    pack = json.loads(schema.render("pack.schema.json"))
    card = json.loads(schema.render("card.schema.json"))
    jsonschema.validate(yaml.safe_load((demo / "pack.yaml").read_text()), pack)
    card_validator = jsonschema.Draft202012Validator(card, format_checker=None)
    for path in sorted((demo / "cards").glob("*.md")):
        front = yaml.safe_load(path.read_text().split("---", 2)[1])
        front["reviewed"] = str(front["reviewed"])  # YAML dates are strings to an editor
        assert not list(card_validator.iter_errors(front)), path.name
    good = {"id": "a", "title": "t", "summary": "s", "triggers": [{"app": "x", "dwell": "3s"}]}
    assert card_validator.is_valid(good)
    assert card_validator.is_valid({**good, "triggers": [{"app": "x", "dwell": 2.5}]})
    assert not card_validator.is_valid({**good, "triggers": [{"app": "x", "dwell": "3 seconds"}]})
    assert not card_validator.is_valid({**good, "tittle": "typo"})
    assert not card_validator.is_valid({**good, "priority": 101})
