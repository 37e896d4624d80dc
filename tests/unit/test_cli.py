"""The command-line contract (DESIGN.md), driven as a person or script would: real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "packs" / "demo"


def cuecards(*args: str, data_dir: Path, env: dict[str, str] | None = None):
    full_env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    full_env.pop("CUECARDS_POLICY", None)
    full_env.pop("QT_QPA_PLATFORM", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full_env,
        timeout=120,
    )


def write_pack(root: Path, version: str = "1.0.0", extra_card: str | None = None) -> Path:
    (root / "cards").mkdir(parents=True)
    (root / "pack.yaml").write_text(
        "id: acme.finance\nname: Finance essentials\n"
        f"version: {version}\npublisher: ACME Learning\n"
        "apps:\n  excel: [excel, com.microsoft.excel, libreoffice-calc]\n"
        "skills:\n  - {id: excel.pivots, name: Pivot tables}\n",
        encoding="utf-8",
    )
    (root / "cards" / "pivot-refresh.md").write_text(
        "---\nid: pivot-refresh\ntitle: Refresh pivot tables after the data changes\n"
        "summary: Alt+F5 refreshes the selected pivot; Ctrl+Alt+F5 refreshes all.\n"
        "skills: [excel.pivots]\ntriggers:\n  - app: excel\n    title: '(?i)pivot|\\.xlsx'\n"
        "    dwell: 3s\npriority: 50\nstatus: approved\n---\nPress <kbd>Ctrl</kbd>.\n",
        encoding="utf-8",
    )
    if extra_card:
        (root / "cards" / "broken.md").write_text(extra_card, encoding="utf-8")
    return root


def test_version(tmp_path: Path) -> None:
    result = cuecards("--version", data_dir=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("cuecards ")


def test_demo_pack_validates() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "pack", "validate", str(DEMO)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "cuecards.demo" in result.stdout and "card(s) valid" in result.stdout


def test_search_json_finds_a_demo_card_first(tmp_path: Path) -> None:
    result = cuecards("search", "reopen closed tab", "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows and {"pack", "card", "title", "summary", "score"} <= set(rows[0])
    assert "tab" in rows[0]["title"].lower()
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert rows[0]["partial"] is False
    assert rows[0]["matched"] == ["reopen", "closed", "tab"]


def test_search_json_marks_partial_matches_and_the_words_they_have(tmp_path: Path) -> None:
    result = cuecards("search", "how do I insert a watermark", "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows and all(r["partial"] is True and r["matched"] == ["insert"] for r in rows)


def test_search_says_when_no_card_answers_and_lists_three_partial_matches(
    tmp_path: Path,
) -> None:
    result = cuecards("search", "insert watermark", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["No card for 'insert watermark'.", "Partial matches:"]
    numbered = [line for line in lines if line[:3].strip().rstrip(".").isdigit()]
    assert len(numbered) == 3
    assert sum("matches only: insert" in line for line in lines) == 3

    answered = cuecards("search", "parent directory", data_dir=tmp_path)
    assert "No card for" not in answered.stdout
    assert answered.stdout.startswith(" 1. Go up one folder\n")
    assert "Partial matches:" in answered.stdout

    nothing = cuecards("search", "zzqx", data_dir=tmp_path)
    assert nothing.returncode == 0
    assert nothing.stdout == "No card for 'zzqx'.\n"


def test_install_match_list_remove(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack")
    data = tmp_path / "data"
    assert cuecards("pack", "install", str(pack), data_dir=data).returncode == 0
    again = cuecards("pack", "install", str(pack), data_dir=data)
    assert again.returncode == 0 and "already installed" in again.stdout

    match = cuecards(
        "match",
        "--app",
        "libreoffice-calc",
        "--title",
        "Q3 pivot.xlsx",
        "--json",
        "--limit",
        "100",  # the demo pack's own spreadsheet cards rank first
        data_dir=data,
    )
    assert match.returncode == 0, match.stderr
    rows = json.loads(match.stdout)
    ours = [r for r in rows if (r["pack"], r["card"]) == ("acme.finance", "pivot-refresh")]
    assert ours and ours[0]["dwell"] == 3.0
    assert any("title matches" in reason for reason in ours[0]["reasons"])
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)

    nothing = cuecards(
        "match", "--app", "libreoffice-calc", "--title", "notes", "--json", data_dir=data
    )
    assert all(r["pack"] != "acme.finance" for r in json.loads(nothing.stdout))

    listed = json.loads(cuecards("pack", "list", "--json", data_dir=data).stdout)
    assert {"acme.finance", "cuecards.demo"} <= {p["id"] for p in listed}
    assert cuecards("pack", "remove", "acme.finance", data_dir=data).returncode == 0
    gone = cuecards("pack", "remove", "acme.finance", data_dir=data)
    assert gone.returncode == 2 and "no installed pack has the id 'acme.finance'" in gone.stderr


def test_one_bad_card_is_skipped_and_reported_with_exit_2(tmp_path: Path) -> None:
    broken = (
        "---\nid: broken\ntitle: Broken\nsummary: x\n"
        "triggers:\n  - app: excel\n    title: '(a'\n---\n"
    )
    pack = write_pack(tmp_path / "pack", extra_card=broken)
    result = cuecards("pack", "validate", str(pack), data_dir=tmp_path / "d")
    assert result.returncode == 2
    assert "cards/broken.md:7: triggers[0].title:" in result.stderr
    assert "(RE2)" in result.stderr and "Traceback" not in result.stderr
    assert "1 card(s) valid" in result.stdout


def test_downgrade_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "d"
    assert (
        cuecards(
            "pack", "install", str(write_pack(tmp_path / "v2", "2.0.0")), data_dir=data
        ).returncode
        == 0
    )
    older = cuecards("pack", "install", str(write_pack(tmp_path / "v1", "1.0.0")), data_dir=data)
    assert older.returncode == 2 and "newer" in (older.stdout + older.stderr)


def test_missing_pack_path_is_bad_input(tmp_path: Path) -> None:
    result = cuecards("pack", "validate", str(tmp_path / "nope"), data_dir=tmp_path)
    assert result.returncode == 2 and "no such folder or .cuepack file" in result.stderr


def test_config_set_get_and_policy_lock(tmp_path: Path) -> None:
    data = tmp_path / "d"
    assert cuecards("config", "set", "pacing.max_per_hour", "2", data_dir=data).returncode == 0
    assert cuecards("config", "get", "pacing.max_per_hour", data_dir=data).stdout.strip() == "2"
    bad = cuecards("config", "set", "pacing.max_per_hour", "lots", data_dir=data)
    assert bad.returncode == 2 and "expected a whole number" in bad.stderr

    policy = tmp_path / "policy.toml"
    policy.write_text('[locked]\n"upload.enabled" = false\n')
    env = {"CUECARDS_POLICY": str(policy)}
    locked = cuecards("config", "set", "upload.enabled", "true", data_dir=data, env=env)
    assert locked.returncode == 2 and "locked by the administrator's policy" in locked.stderr
    rows = json.loads(cuecards("config", "list", "--json", data_dir=data, env=env).stdout)
    assert {r["key"]: r["origin"] for r in rows}["upload.enabled"] == "locked"


def test_unknown_setting_and_bad_arguments_exit_2(tmp_path: Path) -> None:
    assert cuecards("config", "get", "nope.key", data_dir=tmp_path).returncode == 2
    assert cuecards("search", data_dir=tmp_path).returncode == 2
    assert cuecards("search", "x", "--limit", "0", data_dir=tmp_path).returncode == 2


def test_gui_without_display_exits_1_with_one_line(tmp_path: Path) -> None:
    result = cuecards("run", data_dir=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "no display" in result.stderr


def test_doctor_json(tmp_path: Path) -> None:
    result = cuecards("doctor", "--json", data_dir=tmp_path)
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert checks["database"]["status"] == "ok" and checks["packs"]["status"] == "ok"
    assert "cuecards.demo" in checks["packs"]["detail"]
    assert checks["display"]["status"] == "warn"
    # how much the local log holds: a search command logs nothing, so nothing waits
    assert "schema" in checks["database"]["detail"]
    assert "0 usage events, 0 reports waiting" in checks["database"]["detail"]


def test_corrupt_database_is_moved_aside_with_a_message(tmp_path: Path) -> None:
    data = tmp_path / "d"
    data.mkdir()
    (data / "cuecards.db").write_bytes(b"this is not a database" * 100)
    result = cuecards("pack", "list", "--json", data_dir=data)
    assert result.returncode == 0
    assert "could not be read" in result.stderr and "a fresh one was created" in result.stderr
    assert list(data.glob("cuecards.db.corrupt-*"))


def test_data_dir_works_after_the_subcommand_too(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "pack", "list", "--json", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cuecards.db").exists()
