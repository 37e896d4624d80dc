"""`cuecards report preview|upload|export|secret`: the aggregates from the command line.

`preview --json` writes the exact bytes the next upload sends and nothing else; `upload` makes
one delivery attempt now (consent first); `export` writes the local per-day counts as CSV or
JSON for a spreadsheet; `secret` stores the upload secret in the OS keyring.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

from app.cli.common import Failure, open_services

if TYPE_CHECKING:
    import datetime as dt

    from app.core.aggregates import DayCounts
    from app.store.services import Services


def cmd_report(args: argparse.Namespace) -> int:
    services = open_services(args, demo=False)
    try:
        if args.report_command == "preview":
            return preview(services, args.json, sys.stdout, sys.stderr)
        if args.report_command == "upload":
            return upload(services, sys.stdout)
        if args.report_command == "secret":
            return store(services, sys.stdin)
        return export(services, args.format, args.days, sys.stdout)
    finally:
        services.close()


def preview(services: Services, as_json: bool, out: TextIO, err: TextIO) -> int:
    """Print the next payload: exactly its bytes with --json, else a readable summary first."""
    from app.sync.upload import Uploader

    payload, note = Uploader(services.db, services.settings).next_payload()
    print(f"cuecards: {note}", file=err)
    if as_json:
        buffer = getattr(out, "buffer", None)
        if buffer is None:
            out.write(payload.decode("utf-8"))
        else:
            out.flush()
            buffer.write(payload)
            buffer.flush()
        return 0
    report = json.loads(payload)
    out.write(summary_text(report))
    out.write("\nExactly these bytes are sent:\n")
    out.write(payload.decode("utf-8") + "\n")
    return 0


def summary_text(report: dict[str, Any]) -> str:
    """A plain-language summary of one report."""
    from app.core.aggregates import CARD_COUNTS

    lines = [
        f"Report for {report['day']}"
        + (f" (cohort {report['cohort']})" if "cohort" in report else "")
    ]
    lines.append("No user name, computer name, window title or search text is in it.")
    if report.get("noise"):
        lines.append(f"Counts carry random noise (epsilon {report['noise']['epsilon']}).")
    for row in report["cards"]:
        counts = ", ".join(f"{k} {row[k]}" for k in CARD_COUNTS if row[k])
        lines.append(f"  card {row['pack']}/{row['card']}: {counts or 'no counts'}")
    for row in report["apps"]:
        lines.append(f"  app {row['app']}: {row['contexts']} switches, {row['matched']} matched")
    search = report["search"]
    line = f"  searches: {search['searches']}"
    if "unanswered" in search:  # schema 2 on
        line += f", unanswered (no card matched every word): {search['unanswered']}"
    lines.append(line + f", with no result at all: {search['zero_results']}")
    return "\n".join(lines) + "\n"


def upload(services: Services, out: TextIO) -> int:
    """One delivery attempt now; Failure with the reason when consent is missing or the attempt
    fails or waits."""
    from app.sync.upload import Uploader

    status = Uploader(services.db, services.settings).run_due(now=True)
    if status.state == "off":
        raise Failure(status.message)
    if status.state in ("failed", "waiting"):
        raise Failure(f"{status.message} ({status.pending} report(s) wait in the outbox)")
    print(status.message, file=out)
    return 0


def store(services: Services, stdin: TextIO) -> int:
    """Read the upload secret (a token, or key:secret for an LRS) and keep it in the keyring."""
    import getpass

    from app.sync.upload import UploadWaiting, store_secret

    endpoint = str(services.settings.get("upload.endpoint")).strip()
    if not endpoint:
        raise Failure("upload.endpoint is not set; set it first (or ask your administrator)")
    secret = getpass.getpass(f"Secret for {endpoint}: ") if stdin.isatty() else stdin.readline()
    secret = secret.strip()
    if not secret:
        raise Failure("no secret given; nothing was stored")
    try:
        store_secret(endpoint, secret)
    except UploadWaiting as exc:
        raise Failure(str(exc)) from None
    print(f"cuecards: the secret for {endpoint} is in the OS keyring", file=sys.stderr)
    return 0


def export_days(services: Services, days: int, today: dt.date | None = None) -> list[dict]:
    """The local counts of the last `days` days (today included, newest last), without noise
    and without batch ids: for the person's or a manager's own spreadsheet."""
    import datetime as dt

    from app.core.aggregates import build_report
    from app.store.reports import day_counts, known_app_ids

    today = today or dt.date.today()
    known = known_app_ids(services.db)
    rows = []
    for back in range(days - 1, -1, -1):
        day = today - dt.timedelta(days=back)
        counts: DayCounts = day_counts(services.db, day, known)
        report = build_report(counts, day, batch_id="")
        rows.append({k: report[k] for k in ("day", "cards", "apps", "search")})
    return rows


def export(services: Services, fmt: str, days: int, out: TextIO) -> int:
    """Write the export as JSON (a list of days) or CSV (one row per card, app and day)."""
    reports = export_days(services, days)
    if fmt == "json":
        json.dump(reports, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        out.write(csv_text(reports))
    return 0


def csv_text(reports: Iterable[dict]) -> str:
    """The export as CSV: a `card`, `app` or `search` row per item and day."""
    import csv

    from app.core.aggregates import CARD_COUNTS

    columns = (
        "day", "row", "pack", "card", "app", *CARD_COUNTS, "contexts", "matched", "searches",
        "unanswered", "zero_results",
    )  # fmt: skip
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, restval="", lineterminator="\n")
    writer.writeheader()
    for report in reports:
        day = report["day"]
        for row in report["cards"]:
            writer.writerow({"day": day, "row": "card", **row})
        for row in report["apps"]:
            writer.writerow({"day": day, "row": "app", **row})
        writer.writerow({"day": day, "row": "search", **report["search"]})
    return buffer.getvalue()
