"""`pack lint` rules: each one found where an author would look, with a fix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.core.lint import RULES, lint_pack
from app.core.model import Pack
from app.core.packs import load_pack
from tests.unit.cuepack_helpers import GOOD

TODAY = dt.date(2026, 6, 1)
MANIFEST = """\
id: acme.lint
name: Lint test
version: 1.0.0
publisher: ACME Learning
apps:
  excel: [excel, com.microsoft.excel]
skills:
  - {id: excel.pivots, name: Pivot tables}
  - {id: excel.charts, name: Charts}
"""
GOOD_FRONT = """\
owner: jane.doe@acme.example
reviewed: 2026-05-01
review_every: 90d
"""


def card(root: Path, name: str, front: str, body: str = "Press <kbd>F5</kbd>.\n") -> None:
    (root / "cards" / f"{name}.md").write_text(
        f"---\nid: {name}\n{front}---\n{body}", encoding="utf-8"
    )


def loaded(root: Path) -> Pack:
    result = load_pack(root)
    assert result.ok, [str(p) for p in result.problems]
    assert result.pack is not None
    return result.pack


def lint(pack: Pack, aliases: dict[str, list[str]] | None = None) -> list[str]:
    return [str(f) for f in lint_pack(pack, aliases=aliases or {}, today=TODAY)]


def make(tmp_path: Path) -> Path:
    root = tmp_path / "pack"
    (root / "cards").mkdir(parents=True)
    (root / "pack.yaml").write_text(MANIFEST, encoding="utf-8")
    return root


def test_a_well_kept_pack_has_no_findings(tmp_path: Path) -> None:
    root = make(tmp_path)
    card(
        root,
        "pivots",
        "title: Refresh pivots\nsummary: Ctrl+Alt+F5.\nskills: [excel.pivots, excel.charts]\n"
        "triggers:\n  - app: excel\n  - app: com.microsoft.excel\n" + GOOD_FRONT,
    )

    assert lint(loaded(root)) == []


def test_owner_and_review_date_are_required(tmp_path: Path) -> None:
    root = make(tmp_path)
    card(root, "bare", "title: Bare\nsummary: One line.\nskills: [excel.pivots, excel.charts]\n")

    assert lint(loaded(root)) == [
        "cards/bare.md: warning: owner: no owner: nobody is responsible for keeping this card "
        "true. Fix: add owner: with the e-mail address of whoever keeps it up to date [no-owner]",
        "cards/bare.md: warning: reviewed: never reviewed: the card has no reviewed: date. "
        "Fix: check the card, then add reviewed: 2026-06-01 and review_every: 90d "
        "[no-review-date]",
    ]


def test_an_overdue_review_says_since_when(tmp_path: Path) -> None:
    root = make(tmp_path)
    card(
        root,
        "old",
        "title: Old\nsummary: One line.\nskills: [excel.pivots, excel.charts]\n"
        "owner: a@b.example\nreviewed: 2026-01-01\nreview_every: 30d\n",
    )
    card(
        root,
        "older",
        "title: Older\nsummary: One line.\nowner: a@b.example\nreviewed: 2024-01-01\n",
    )

    assert lint(loaded(root)) == [
        "cards/old.md: warning: reviewed: review overdue since 2026-01-31 (121 days): last "
        "reviewed 2026-01-01. Fix: check that the card is still true, then set reviewed: "
        "2026-06-01 [review-overdue]",
        "cards/older.md: warning: reviewed: review overdue since 2024-12-31 (517 days): last "
        "reviewed 2024-01-01 (no review_every: 365 days assumed). Fix: check that the card is "
        "still true, then set reviewed: 2026-06-01 [review-overdue]",
    ]


def test_drafts_unused_skills_and_duplicate_titles(tmp_path: Path) -> None:
    root = make(tmp_path)
    card(root, "a", "title: Refresh  Pivots\nsummary: x\nskills: [excel.pivots]\n" + GOOD_FRONT)
    card(root, "b", "title: refresh pivots\nsummary: y\nstatus: draft\n" + GOOD_FRONT)

    assert lint(loaded(root)) == [
        "pack.yaml: warning: skills[1]: no card uses the skill 'excel.charts'. Fix: add it to a "
        "card's skills: list, or remove it from pack.yaml [unused-skill]",
        "cards/b.md: warning: status: draft: employees never see this card. Fix: set status: "
        "approved once it has been checked [draft]",
        "cards/b.md: warning: title: the same title as cards/a.md: people cannot tell the two "
        "apart in search. Fix: give each card a title that says what it helps with "
        "[duplicate-title]",
    ]


def test_a_trigger_naming_an_alias_nobody_defines(tmp_path: Path) -> None:
    root = make(tmp_path)
    card(
        root,
        "t",
        "title: T\nsummary: x\nskills: [excel.pivots, excel.charts]\ntriggers:\n"
        "  - app: exel\n  - app: outlook\n  - app: thunderbird\n" + GOOD_FRONT,
    )

    found = lint(loaded(root), aliases={"outlook": ["outlook", "com.microsoft.outlook"]})
    assert found == [
        "cards/t.md: warning: triggers[0].app: 'exel' is not an app alias any pack defines; as "
        "a raw app id it fires only where the app has exactly that id. Fix: did you mean "
        "'excel'? Define the alias under apps: in pack.yaml (e.g. exel: [exe name, bundle id, "
        "WM_CLASS]) so the card fires on every platform [unknown-app]",
        "cards/t.md: warning: triggers[2].app: 'thunderbird' is not an app alias any pack "
        "defines; as a raw app id it fires only where the app has exactly that id. Fix: Define "
        "the alias under apps: in pack.yaml (e.g. thunderbird: [exe name, bundle id, "
        "WM_CLASS]) so the card fires on every platform [unknown-app]",
    ]


def test_long_cards_and_long_summaries(tmp_path: Path) -> None:
    root = make(tmp_path)
    card(
        root,
        "long",
        "title: Long\nsummary: "
        + "word " * 30
        + "\nskills: [excel.pivots, excel.charts]\n"
        + GOOD_FRONT,
        body="Lorem ipsum dolor. " * 101,
    )

    assert lint(loaded(root)) == [
        "cards/long.md: warning: the card is 303 words; over about 300 words nobody reads it at "
        "the moment of need. Fix: keep the steps that matter and link to the full procedure "
        "[long-card]",
        "cards/long.md: warning: summary: the summary is 149 characters; a popup shows one line "
        "of about 120 characters. Fix: say the tip itself in one short line and move details to "
        "the body [long-summary]",
    ]


def test_the_good_test_pack_shows_only_its_draft() -> None:
    pack = load_pack(GOOD).pack
    assert pack is not None

    found = lint_pack(pack, aliases={}, today=TODAY)
    assert {f.rule for f in found} <= set(RULES)
    assert [(f.rule, f.problem.file) for f in found if f.rule == "draft"] == [
        ("draft", "cards/close/accruals.md")
    ]
