"""`cuecards pack lint`: what makes a valid pack hard to trust or to read, as warnings.

Knowledge decays (Guru's lesson), so every card needs an owner and a review date; drafts,
unused skills, triggers naming an alias no pack defines, duplicate titles, long cards and
multi-line summaries are reported too. Pure: it looks at a loaded pack, the aliases every
installed pack defines and today's date.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.core.model import Card, Pack
from app.core.problems import Problem

MAX_WORDS = 300
MAX_SUMMARY_CHARS = 120
# A card with a review date but no interval is due again after this long.
DEFAULT_REVIEW_DAYS = 365

RULES: dict[str, str] = {
    "no-owner": "a card without an owner",
    "no-review-date": "a card never reviewed (no reviewed: date)",
    "review-overdue": "a card whose review date plus review_every lies in the past",
    "draft": "a draft card (never shown to employees)",
    "unused-skill": "a skill in pack.yaml that no card uses",
    "unknown-app": "a trigger naming an app alias no pack defines",
    "duplicate-title": "two cards with the same title",
    "long-card": f"a card body over about {MAX_WORDS} words",
    "long-summary": f"a summary over one line ({MAX_SUMMARY_CHARS} characters)",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint warning: the rule that found it and where, what and how to fix it."""

    rule: str
    problem: Problem

    def __str__(self) -> str:
        return f"{self.problem} [{self.rule}]"


def lint_pack(
    pack: Pack,
    *,
    aliases: Mapping[str, Iterable[str]],
    today: dt.date,
) -> list[Finding]:
    """Every finding for `pack`, by file then rule.

    `aliases` are the app aliases every installed pack defines (alias -> app ids); the
    pack's own aliases count too. A trigger naming one of those app ids directly is fine.
    """
    known: dict[str, set[str]] = {}
    for alias, ids in [*aliases.items(), *pack.manifest.apps.items()]:
        known.setdefault(alias.lower(), set()).update(i.lower() for i in ids)
    app_ids = {i for ids in known.values() for i in ids}
    findings: list[Finding] = []
    titles: dict[str, str] = {}
    used_skills: set[str] = set()
    for card in pack.cards:
        findings += _card_findings(card, today)
        findings += _trigger_findings(card, known, app_ids)
        used_skills.update(card.front.skills)
        key = " ".join(card.title.lower().split())
        first = titles.setdefault(key, card.file)
        if first != card.file:
            findings.append(
                _finding(
                    "duplicate-title",
                    card.file,
                    "title",
                    f"the same title as {first}: people cannot tell the two apart in search",
                    "give each card a title that says what it helps with",
                )
            )
    for i, skill in enumerate(pack.manifest.skills):
        if skill.id not in used_skills:
            findings.append(
                _finding(
                    "unused-skill",
                    "pack.yaml",
                    f"skills[{i}]",
                    f"no card uses the skill '{skill.id}'",
                    "add it to a card's skills: list, or remove it from pack.yaml",
                )
            )
    findings.sort(key=lambda f: (f.problem.file != "pack.yaml", f.problem.file))
    return findings


def _card_findings(card: Card, today: dt.date) -> list[Finding]:
    front, file = card.front, card.file
    found: list[Finding] = []
    if front.status == "draft":
        found.append(
            _finding(
                "draft",
                file,
                "status",
                "draft: employees never see this card",
                "set status: approved once it has been checked",
            )
        )
    if not front.owner:
        found.append(
            _finding(
                "no-owner",
                file,
                "owner",
                "no owner: nobody is responsible for keeping this card true",
                "add owner: with the e-mail address of whoever keeps it up to date",
            )
        )
    if front.reviewed is None:
        found.append(
            _finding(
                "no-review-date",
                file,
                "reviewed",
                "never reviewed: the card has no reviewed: date",
                f"check the card, then add reviewed: {today.isoformat()} and review_every: 90d",
            )
        )
    else:
        every = front.review_every
        interval = dt.timedelta(seconds=every) if every else dt.timedelta(DEFAULT_REVIEW_DAYS)
        due = front.reviewed + interval
        if due < today:
            basis = "" if every else f" (no review_every: {DEFAULT_REVIEW_DAYS} days assumed)"
            found.append(
                _finding(
                    "review-overdue",
                    file,
                    "reviewed",
                    f"review overdue since {due.isoformat()} ({(today - due).days} days): last "
                    f"reviewed {front.reviewed.isoformat()}{basis}",
                    f"check that the card is still true, then set reviewed: {today.isoformat()}",
                )
            )
    words = len(card.body.split())
    if words > MAX_WORDS:
        found.append(
            _finding(
                "long-card",
                file,
                None,
                f"the card is {words} words; over about {MAX_WORDS} words nobody reads it at "
                "the moment of need",
                "keep the steps that matter and link to the full procedure",
            )
        )
    summary = front.summary
    if "\n" in summary or len(summary) > MAX_SUMMARY_CHARS:
        what = "spans several lines" if "\n" in summary else f"is {len(summary)} characters"
        found.append(
            _finding(
                "long-summary",
                file,
                "summary",
                f"the summary {what}; a popup shows one line of about {MAX_SUMMARY_CHARS} "
                "characters",
                "say the tip itself in one short line and move details to the body",
            )
        )
    return found


def _trigger_findings(card: Card, known: dict[str, set[str]], app_ids: set[str]) -> list[Finding]:
    found: list[Finding] = []
    for i, trigger in enumerate(card.front.triggers):
        app = trigger.app
        if app in known or app in app_ids:
            continue
        close = difflib.get_close_matches(app, list(known), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        hint += (
            f"Define the alias under apps: in pack.yaml (e.g. {app}: [exe name, bundle id, "
            "WM_CLASS]) so the card fires on every platform"
        )
        found.append(
            _finding(
                "unknown-app",
                card.file,
                f"triggers[{i}].app",
                f"'{app}' is not an app alias any pack defines; as a raw app id it fires only "
                "where the app has exactly that id",
                hint,
            )
        )
    return found


def _finding(rule: str, file: str, field: str | None, message: str, hint: str) -> Finding:
    problem = Problem(file=file, field=field, message=message, hint=hint, severity="warning")
    return Finding(rule, problem)
