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
    # A duration is text like '3s' or a number of seconds; nothing may forbid the text form.
    dwell = card["$defs"]["Trigger"]["properties"]["dwell"]
    duration = next(option for option in dwell["anyOf"] if "anyOf" in option)
    assert "type" not in duration
    assert {o["type"] for o in duration["anyOf"]} == {"string", "number"}
