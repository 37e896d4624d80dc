"""Upload of the daily reports: consent, the outbox, and the two sinks (HTTPS JSON, xAPI LRS).

`Uploader.run_due()` is what the running app calls from a worker thread (daily, and when the
person asks): it queues the reports of completed days, then delivers what is due, oldest
first, stopping at the first failure so a server that is down is not hammered. Secrets come
only from the OS keyring (service `cuecards`, user name = the endpoint); without a usable
keyring the upload waits and says why, it never falls back to a file.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from app.core.aggregates import Noise, build_report, canonical_bytes, new_batch_id
from app.core.consent import SettingsView, consent, noise_epsilon, policy_cohort
from app.core.xapi import statements
from app.store.db import Database, open_database
from app.store.outbox import Outbox, OutboxFull, Pending
from app.store.reports import active_days, day_counts, known_app_ids
from app.sync.sources import UPLOADS, Answer, HttpClient, SourceError, check_url

KEYRING_SERVICE = "cuecards"
XAPI_VERSION = "1.0.3"
UPLOAD_TIMEOUT = 30.0
# After a gap (the app was not running), reports cover at most this many days before today.
MAX_BACKFILL_DAYS = 7
# A Retry-After beyond this is capped (a server asking for a week is asked again in a day).
MAX_RETRY_AFTER = 86400.0


class UploadWaiting(Exception):
    """The upload cannot start now for a reason the person can fix (no keyring, no secret,
    no endpoint); the message says what to do."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one delivery attempt achieved: delivered, or not with a message and maybe a delay."""

    delivered: bool
    message: str
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class UploadStatus:
    """The result of `run_due`, in words for the tray, the CLI and the records window."""

    state: str  # off | idle | delivered | waiting | failed
    message: str
    delivered: int = 0
    pending: int = 0
    retry_at: float | None = None  # when the earliest waiting report is due (Unix seconds)


@dataclass(frozen=True, slots=True)
class PayloadPreview:
    """What the next upload sends: the exact bytes, a line saying what they are, and whether
    they are really queued to go (False: uploads are off or nothing waits, and the bytes only
    show what a report holds)."""

    payload: bytes
    note: str
    queued: bool


class ServicesLike(Protocol):
    """What the preview needs from app.store.services.Services."""

    db: Database
    settings: SettingsView


class Sink(Protocol):
    """Delivers one queued report."""

    def deliver(self, pending: Pending) -> Outcome: ...


def read_secret(endpoint: str) -> str:
    """The token (https) or `user:password` (xAPI) stored for `endpoint` in the OS keyring.

    Raises UploadWaiting when no usable keyring exists or nothing is stored; never reads a file.
    """
    import keyring
    from keyring.errors import KeyringError

    try:
        secret = keyring.get_password(KEYRING_SERVICE, endpoint)
    except KeyringError as exc:
        backend = type(keyring.get_keyring()).__module__
        raise UploadWaiting(
            f"waiting: no usable keyring ({type(exc).__name__}: {exc}; backend {backend}). "
            "Cuecards keeps the upload secret only in the OS keyring, never in a file: on "
            "Linux start a Secret Service (GNOME Keyring or KWallet) in your session and unlock "
            "it, then run `cuecards report secret`; reports wait in the outbox meanwhile"
        ) from None
    if not secret:
        raise UploadWaiting(
            f"waiting: no upload secret is stored for {endpoint}; run `cuecards report secret` "
            "to store it in the OS keyring; reports wait in the outbox meanwhile"
        )
    return secret


def store_secret(endpoint: str, secret: str) -> None:
    """Store the upload secret in the OS keyring; UploadWaiting when there is none usable."""
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, endpoint, secret)
    except KeyringError as exc:
        raise UploadWaiting(
            f"no usable keyring ({type(exc).__name__}: {exc}); the secret was not stored. "
            "Start a Secret Service (GNOME Keyring or KWallet) in your session and try again"
        ) from None


def retry_after(answer: Answer, now: float) -> float | None:
    """Seconds the server asked us to wait (Retry-After as seconds or an HTTP date), capped."""
    raw = next((v for k, v in answer.headers.items() if k.lower() == "retry-after"), None)
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isdigit():
        seconds = float(raw)
    else:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - now
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


def _problem(url: str, answer: Answer) -> str:
    detail = answer.body[:200].decode("utf-8", "replace").strip()
    suffix = f": {detail}" if detail else ""
    if answer.status in (401, 403):
        hint = "check the upload secret (cuecards report secret)"
    elif 300 <= answer.status < 400:
        hint = "the server redirects; set upload.endpoint to the final URL"
    elif answer.status >= 500:
        hint = "the server has a problem"
    else:
        hint = "the server refused the report"
    return f"{url}: the server answered {answer.status}{suffix}; {hint}; tried again later"


class HttpsSink:
    """POST of the report bytes with a bearer token; the batch_id rides along as
    Idempotency-Key so a collector can ignore a retry it already stored."""

    def __init__(
        self, endpoint: str, token: str, client: HttpClient, clock: Callable[[], float] = time.time
    ) -> None:
        check_url(endpoint, UPLOADS)
        self.endpoint, self._token, self._client, self._clock = endpoint, token, client, clock

    def deliver(self, pending: Pending) -> Outcome:
        answer = self._client.send(
            "POST",
            self.endpoint,
            pending.payload,
            {
                "Authorization": f"Bearer {self._token}",
                "Content-Type": "application/json",
                "Idempotency-Key": pending.batch_id,
            },
        )
        if 200 <= answer.status < 300 or answer.status == 409:
            return Outcome(True, f"report for {pending.day} delivered ({answer.status})")
        wait = retry_after(answer, self._clock()) if answer.status in (429, 503) else None
        return Outcome(False, _problem(self.endpoint, answer), wait)


class XapiSink:
    """A report's statements to an LRS in one POST, each with its deterministic id.

    The LRS stores a batch atomically and skips statements it already has: a retry of a report
    whose first answer was lost gets 204 (nothing new) or 409 (an id it holds), never a
    duplicate; both count as delivered.
    """

    def __init__(
        self,
        endpoint: str,
        credentials: str,
        org_account: str,
        org_homepage: str,
        client: HttpClient,
        clock: Callable[[], float] = time.time,
    ) -> None:
        check_url(endpoint, UPLOADS)
        if ":" not in credentials:
            raise UploadWaiting(
                "waiting: the LRS secret must be stored as key:secret (Basic auth); "
                "run `cuecards report secret` again"
            )
        if not org_account:
            raise UploadWaiting(
                "waiting: upload.org_account (the organisation's opaque xAPI account) is not "
                "set; ask your administrator to set it in the policy"
            )
        self.url = endpoint.rstrip("/") + "/statements"
        self._auth = "Basic " + base64.b64encode(credentials.encode("utf-8")).decode("ascii")
        self._org, self._home = org_account, org_homepage
        self._client, self._clock = client, clock

    def statements(self, pending: Pending) -> list[dict]:
        return statements(pending.payload, self._org, self._home)

    def deliver(self, pending: Pending) -> Outcome:
        batch = self.statements(pending)
        body = json.dumps(batch, sort_keys=True, separators=(",", ":")).encode("utf-8")
        answer = self._client.send(
            "POST",
            self.url,
            body,
            {
                "Authorization": self._auth,
                "Content-Type": "application/json",
                "X-Experience-API-Version": XAPI_VERSION,
            },
        )
        if answer.status in (200, 204, 409):
            return Outcome(True, f"report for {pending.day} delivered ({len(batch)} statements)")
        wait = retry_after(answer, self._clock()) if answer.status in (429, 503) else None
        return Outcome(False, _problem(self.url, answer), wait)


class Uploader:
    """Queues completed days' reports and delivers due ones; one per database connection."""

    def __init__(
        self,
        db: Database,
        settings: SettingsView,
        *,
        client: HttpClient | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        secrets: Callable[[str], str] = read_secret,
        tz: dt.tzinfo | None = None,
        known_apps: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        self._db = db
        self.settings = settings
        self._client = client or HttpClient(timeout=UPLOAD_TIMEOUT)
        self._clock = clock
        self._rng = rng or random.SystemRandom()
        self._secrets = secrets
        self._tz = tz
        self._known = known_apps or (lambda: known_app_ids(db))
        self.outbox = Outbox(db, clock=clock, rng=self._rng)

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self._clock(), self._tz).date()

    def report_bytes(self, day: dt.date, batch_id: str | None = None) -> bytes:
        """A fresh report for `day` (a new batch_id unless given), as the bytes to send."""
        epsilon = noise_epsilon(self.settings)
        report = build_report(
            day_counts(self._db, day, self._known(), self._tz),
            day,
            batch_id=batch_id or new_batch_id(),
            cohort=policy_cohort(self.settings),
            noise=Noise(epsilon, self._rng) if epsilon else None,
        )
        return canonical_bytes(report)

    def days_to_queue(self) -> list[dt.date]:
        """Completed days with events that have no report yet: yesterday for the first report,
        later the days after the last queued one (at most MAX_BACKFILL_DAYS back), never today,
        and never a day on which uploads were seen turned off."""
        yesterday = self.today() - dt.timedelta(days=1)
        last = self.outbox.last_day()
        if last is None:
            # The first report covers yesterday only: earlier days stay on this computer.
            first = yesterday
        else:
            first = max(
                yesterday - dt.timedelta(days=MAX_BACKFILL_DAYS - 1), last + dt.timedelta(days=1)
            )
        quiet = self.outbox.quiet_through()
        if quiet is not None:
            first = max(first, quiet + dt.timedelta(days=1))
        days = [first + dt.timedelta(days=i) for i in range((yesterday - first).days + 1)]
        return active_days(self._db, days, self._tz)

    def prepare(self) -> list[Pending]:
        """Queue the reports of completed days (only while consent is granted); OutboxFull
        propagates with its message."""
        if not consent(self.settings).granted:
            self.outbox.mark_quiet(self.today())
            return []
        self.outbox.prune_delivered(float(self.settings.get("usage.retention_days")))
        queued = []
        for day in self.days_to_queue():
            batch_id = new_batch_id()
            try:
                queued.append(self.outbox.enqueue(self.report_bytes(day, batch_id), batch_id, day))
            except ValueError:
                continue  # another connection (the app's daily run, a preview) queued it first
        return queued

    def next_payload(self) -> tuple[bytes, str]:
        """The exact bytes that go next, and a line that says what they are (see `preview`)."""
        shown = self.preview()
        return shown.payload, shown.note

    def preview(self) -> PayloadPreview:
        """The exact bytes that go next, a line that says what they are, and whether they go.

        With consent, completed days are queued first, so the bytes shown are the queued ones,
        batch_id included. Without consent nothing is queued (and today is remembered as a
        day with uploads off, never to be reported): the preview is then the report of the
        latest completed day, to show what a report holds.
        """
        try:
            self.prepare()
        except OutboxFull as exc:
            waiting = self.outbox.pending()
            note = f"next upload: report for {waiting[0].day}; {exc}"
            return PayloadPreview(waiting[0].payload, note, True)
        decision = consent(self.settings)
        waiting = self.outbox.pending()
        if waiting and decision.granted:
            head = waiting[0]
            more = f" ({len(waiting) - 1} more waiting)" if len(waiting) > 1 else ""
            note = f"next upload: the queued report for {head.day}{more}"
            return PayloadPreview(head.payload, note, True)
        day = self.today() - dt.timedelta(days=1)
        if decision.granted:
            note = (
                f"nothing is waiting to be sent; a report for {day} would look like this "
                "(reports cover whole days; today's goes out tomorrow)"
            )
        else:
            note = (
                f"{decision.reason}. Days with uploads off are never sent; this is what a "
                f"report holds (the one for {day})"
            )
        return PayloadPreview(self.report_bytes(day), note, False)

    def sink(self) -> Sink:
        """The sink `upload.kind` names, with its secret; UploadWaiting when one is missing."""
        endpoint = str(self.settings.get("upload.endpoint")).strip()
        if not endpoint:
            raise UploadWaiting(
                "waiting: upload.endpoint is not set; ask your administrator for the "
                "collector's https URL"
            )
        try:
            check_url(endpoint, UPLOADS)
        except SourceError as exc:
            raise UploadWaiting(f"waiting: upload.endpoint {exc}") from None
        secret = self._secrets(endpoint)
        if self.settings.get("upload.kind") == "xapi":
            return XapiSink(
                endpoint,
                secret,
                str(self.settings.get("upload.org_account")),
                str(self.settings.get("upload.org_homepage")),
                self._client,
                self._clock,
            )
        return HttpsSink(endpoint, secret, self._client, self._clock)

    def run_due(self, now: bool = False) -> UploadStatus:
        """Queue completed days and deliver the due reports (all waiting ones if `now`).

        Blocking network calls: run it on a worker thread, never the GUI thread.
        """
        decision = consent(self.settings)
        if not decision.granted:
            self.outbox.mark_quiet(self.today())
            return UploadStatus("off", decision.reason, pending=len(self.outbox.pending()))
        try:
            self.prepare()
        except OutboxFull as exc:
            full_message: str | None = str(exc)
        else:
            full_message = None
        if now:
            self.outbox.retry_now()
        due = self.outbox.due()
        if not due:
            waiting = self.outbox.pending()
            message = full_message or (
                f"{len(waiting)} report(s) wait for a later retry" if waiting else "nothing to send"
            )
            return UploadStatus("idle", message, pending=len(waiting))
        try:
            sink = self.sink()
        except UploadWaiting as exc:
            return UploadStatus("waiting", str(exc), pending=len(self.outbox.pending()))
        delivered = 0
        for pending in due:
            stopped = consent(self.settings)
            if not stopped.granted:  # turned off while this run was under way: stop at once
                self.outbox.mark_quiet(self.today())
                return UploadStatus("off", stopped.reason, delivered, len(self.outbox.pending()))
            try:
                outcome = sink.deliver(pending)
            except SourceError as exc:
                outcome = Outcome(False, str(exc))
            if not outcome.delivered:
                self.outbox.record_failure(pending.batch_id, outcome.message, outcome.retry_after)
                return UploadStatus(
                    "failed", outcome.message, delivered, len(self.outbox.pending())
                )
            self.outbox.mark_delivered(pending.batch_id)
            delivered += 1
        message = f"{delivered} report(s) delivered"
        if full_message:
            message += f"; {full_message}"
        return UploadStatus("delivered", message, delivered, len(self.outbox.pending()))


def next_payload_preview(services: ServicesLike) -> PayloadPreview:
    """What the "What Cuecards records" window shows: the exact bytes of the next report (as
    `cuecards report preview --json` prints them), or why nothing will be sent."""
    return Uploader(services.db, services.settings).preview()


def run_upload(
    db_path: Path, settings: SettingsView, now: bool = False, **kwargs: Any
) -> UploadStatus:
    """One `run_due` on a database connection of the calling thread's own, closed afterwards:
    what the running app's daily worker thread calls (SQLite connections stay in their thread)."""
    db, _ = open_database(db_path)
    try:
        uploader = Uploader(db, settings, **kwargs)
        status = uploader.run_due(now=now)
        waiting = uploader.outbox.pending()
        retry_at = min((p.next_attempt for p in waiting), default=None)
        return replace(status, retry_at=retry_at)
    finally:
        db.close()
