"""The author's and the admin's command line, end to end, as real processes.

From `pack new` to a signed pack served over HTTPS and synced under a locked policy, then
an update, then a tampered update that is refused with the last good version kept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.unit.conftest import Tls, serve_folder
from tests.unit.cuepack_helpers import GOOD, read_entry, rewrite_zip

ROOT = Path(__file__).resolve().parents[2]


def cuecards(*args: str, data: Path, env: dict[str, str] | None = None, cwd: Path = ROOT):
    full_env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    full_env.pop("CUECARDS_POLICY", None)
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=120,
    )


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def set_version(folder: Path, version: str) -> None:
    manifest = folder / "pack.yaml"
    text = manifest.read_text(encoding="utf-8").replace("version: 0.1.0", f"version: {version}")
    manifest.write_text(text, encoding="utf-8")


def test_from_pack_new_to_a_signed_pack_synced_under_a_policy(
    tmp_path: Path, https_server: HTTPServer, tls: Tls
) -> None:
    data, served = tmp_path / "data", tmp_path / "served"
    served.mkdir()
    serve_folder(https_server, served)
    pack = tmp_path / "team-notes"

    # author: scaffold, edit, check, build, sign
    out = ok(cuecards("pack", "new", str(pack), "--publisher", "ACME Learning", data=data))
    assert out.startswith(f"created {pack}/ (pack team-notes)")
    card = pack / "cards" / "save-as.md"
    card.write_text(card.read_text(encoding="utf-8").replace("new name,", "new name and"))
    set_version(pack, "1.0.0")
    assert "2 card(s) valid" in ok(cuecards("pack", "validate", str(pack), data=data))
    key_file = tmp_path / "publisher.key"
    public = ok(cuecards("pack", "keygen", "-o", str(key_file), data=data)).strip()
    built = served / "notes.cuepack"
    out = ok(cuecards("pack", "build", str(pack), "-o", str(built), data=data))
    assert out.startswith(f"built {built}: team-notes 1.0.0, 2 card(s), 3 file(s)")
    assert ok(cuecards("pack", "sign", str(built), "--key", str(key_file), data=data)) == (
        f"signed {built} with key {public}\n"
    )
    out = ok(cuecards("pack", "verify", str(built), "--key", public, data=data))
    assert out == (
        f"{built}: team-notes 1.0.0: 3 file(s) match MANIFEST.json; signed by trusted key "
        f"{public}\n"
    )

    # admin: a policy that fixes the source and the trusted key and requires signatures
    url = https_server.url_for("/notes.cuepack")
    policy = tmp_path / "policy.toml"
    policy.write_text(
        "[locked]\n"
        f'packs.sources = ["{url}"]\n'
        f'packs.trusted_keys = ["{public}"]\n'
        "packs.require_signatures = true\n",
        encoding="utf-8",
    )
    env = {"CUECARDS_POLICY": str(policy), "SSL_CERT_FILE": str(tls.ca_file)}
    refused = cuecards(
        "config", "set", "packs.sources", "https://elsewhere.example/x", data=data, env=env
    )
    assert refused.returncode == 2
    assert f"packs.sources is locked by the administrator's policy ({policy})" in refused.stderr

    # the employee's machine syncs it
    rows = json.loads(ok(cuecards("pack", "sync", "--json", data=data, env=env)))
    assert [(r["source"], r["status"]) for r in rows] == [(url, "updated")]
    listed = json.loads(ok(cuecards("pack", "list", "--json", data=data, env=env)))
    notes = next(p for p in listed if p["id"] == "team-notes")
    assert (notes["version"], notes["signed_by"], notes["origin"]) == ("1.0.0", public, url)

    # a new version
    set_version(pack, "1.1.0")
    (pack / "pack.yaml").write_text(
        (pack / "pack.yaml").read_text(encoding="utf-8").replace("1.0.0", "1.1.0")
    )
    ok(cuecards("pack", "build", str(pack), "-o", str(built), "--key", str(key_file), data=data))
    out = ok(cuecards("pack", "sync", data=data, env=env))
    assert out == f"{url}: updated: updated Team notes from 1.0.0 to 1.1.0 (2 cards, 1 draft)\n"

    # a tampered one: refused, named, the last good kept, and doctor says so
    (pack / "pack.yaml").write_text(
        (pack / "pack.yaml").read_text(encoding="utf-8").replace("1.1.0", "1.2.0")
    )
    ok(cuecards("pack", "build", str(pack), "-o", str(built), "--key", str(key_file), data=data))
    body = read_entry(built, "cards/save-as.md") + b"\nCall 555-0100 to reset your password.\n"
    rewrite_zip(built, {"cards/save-as.md": body})
    result = cuecards("pack", "sync", data=data, env=env)
    assert result.returncode == 2
    assert "team-notes 1.2.0 refused: cards/save-as.md: changed after the pack was built" in (
        result.stdout
    )
    assert result.stdout.rstrip().endswith("; kept team-notes 1.1.0")
    listed = json.loads(ok(cuecards("pack", "list", "--json", data=data, env=env)))
    assert next(p for p in listed if p["id"] == "team-notes")["version"] == "1.1.0"
    doctor = json.loads(ok(cuecards("doctor", "--json", data=data, env=env)))
    check = next(c for c in doctor if c["name"] == "pack sources")
    assert check["status"] == "warn"
    assert "cards/save-as.md: changed after the pack was built" in check["detail"]
    assert "kept team-notes 1.1.0" in check["detail"] and "last good sync: 20" in check["detail"]


def test_install_obeys_the_policy_too(tmp_path: Path) -> None:
    data = tmp_path / "data"
    policy = tmp_path / "policy.toml"
    policy.write_text("[locked]\npacks.require_signatures = true\n", encoding="utf-8")
    env = {"CUECARDS_POLICY": str(policy)}

    folder = cuecards("pack", "install", str(GOOD), data=data, env=env)
    assert folder.returncode == 2
    assert "a pack folder cannot be signed, and this computer's policy" in folder.stderr
    ok(cuecards("pack", "build", str(GOOD), "-o", str(tmp_path / "p.cuepack"), data=data))
    unsigned = cuecards("pack", "install", str(tmp_path / "p.cuepack"), data=data, env=env)
    assert unsigned.returncode == 2 and "SIGNATURE: the pack is not signed" in unsigned.stderr
    listed = json.loads(ok(cuecards("pack", "list", "--json", data=data, env=env)))
    assert "acme.finance" not in {p["id"] for p in listed}


def test_lint_reports_findings_and_strict_fails(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = cuecards("pack", "lint", str(GOOD), data=data)
    assert result.returncode == 0, result.stderr
    assert f"{GOOD}/cards/close/accruals.md: warning: status: draft: employees never see" in (
        result.stdout
    )
    assert "[no-owner]" in result.stdout
    strict = cuecards("pack", "lint", str(GOOD), "--strict", "--json", data=data)
    assert strict.returncode == 2
    (report,) = json.loads(strict.stdout)
    assert {"draft", "no-owner", "no-review-date"} <= {f["rule"] for f in report["findings"]}


def test_pack_test_says_which_card_fires_and_why(tmp_path: Path) -> None:
    data = tmp_path / "data"
    out = ok(
        cuecards(
            "pack",
            "test",
            str(GOOD),
            "--app",
            "libreoffice-calc",
            "--title",
            "Q3 pivot.xlsx",
            data=data,
        )
    )
    assert out.splitlines()[:4] == [
        " 1. fires: Refresh pivot tables after the data changes  [pivot-refresh]",
        "      - app 'libreoffice-calc' is alias 'excel' (trigger 1)",
        "      - title matches '(?i)pivot|\\\\.xlsx'",
        "      - priority 50",
    ]
    assert "      - after the window stays in front for 3 s" in out
    none = cuecards("pack", "test", str(GOOD), "--app", "gimp", data=data)
    assert none.returncode == 0 and "no card of acme.finance fires for app 'gimp'" in none.stderr
    bad = cuecards("pack", "test", str(GOOD), data=data)
    assert bad.returncode == 2 and "needs either --app" in bad.stderr


def test_pack_test_replays_a_recorded_session(tmp_path: Path) -> None:
    data = tmp_path / "data"
    session = tmp_path / "session.jsonl"
    lines = [
        {"ts": "2026-05-09T07:35:25.000Z", "app": "excel", "title": "Budget pivot.xlsx"},
        {"ts": "2026-05-09T07:35:40.000Z", "app": "excel", "title": "Costs.xlsx"},
        {"ts": "2026-05-09T07:36:00.000Z", "app": "firefox", "title": "News"},
    ]
    session.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")

    out = ok(cuecards("pack", "test", str(GOOD), "--replay", str(session), data=data))
    assert out.splitlines() == [
        f"replaying 3 window change(s) from {session} (times in UTC)",
        '07:35:25 +0:00:00  excel  "Budget pivot.xlsx"',
        "    popup after 2 s: Jump to any cell  [go-to-cell]",
        '07:35:40 +0:00:15  excel  "Costs.xlsx"',
        "    quiet (pivot-refresh, go-to-cell matched): gap: at least 10 min between popups; "
        "the window changed after 20.0 s",
        '07:36:00 +0:00:35  firefox  "News"',
        "1 popup(s); 1 window(s) matched but stayed quiet; 1 window(s) without a matching card",
    ]
    rows = json.loads(
        ok(cuecards("pack", "test", str(GOOD), "--replay", str(session), "--json", data=data))
    )
    assert rows[0]["popups"][0]["card"] == "go-to-cell" and rows[0]["popups"][0]["after_s"] == 2


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["pack", "new", str(GOOD)], "already exists and is not empty"),
        (["pack", "build", "/nonexistent"], "not a pack folder"),
        (["pack", "sign", "/nonexistent.cuepack", "--key", "k"], "no such .cuepack file"),
        (["pack", "verify", str(GOOD / "pack.yaml"), "--key", "short"], "--key: 'short' is not"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    result = cuecards(*args, data=tmp_path / "data")
    assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr
