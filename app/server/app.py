"""The collector's HTTP routes (Starlette): `POST /v1/reports` and `GET /healthz`.

A report is answered, in this order: 401 without a valid bearer token, 403 for a revoked one,
429 with Retry-After over the token's rate, 415 unless it is JSON, 413 over the size cap, 400
with the reason for a body that fails a check (`validation`), else it is stored and answered
201 (`stored`), or 200 (`duplicate`) for a batch already stored with the same content: a retry
is delivered, and stored once. The same batch id with other content is refused with 409 (the app
takes 409 as delivered: that batch can never be stored twice). Every error is
`{"error": code, "reason": text}`. The database is called from worker threads, never the loop.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.server import tokens
from app.server.ratelimit import RateLimiter, retry_after_header
from app.server.storage import Storage, StorageError
from app.server.validation import MAX_BODY, Refusal, validate

REPORTS_PATH = "/v1/reports"
UNAVAILABLE_RETRY_S = "30"  # Retry-After when the database does not answer
access_log = logging.getLogger("cuecards.collector.access")
log = logging.getLogger("cuecards.collector")


def _unavailable() -> Refusal:
    """The answer while the database does not answer (the app retries after Retry-After)."""
    return Refusal(503, "unavailable", "the collector cannot store reports now; try again later")


def json_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    """A compact JSON answer."""
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Response(data, status, headers=headers, media_type="application/json")


def refused(refusal: Refusal, headers: dict[str, str] | None = None) -> Response:
    """A refusal as its JSON answer."""
    return json_response(refusal.status, refusal.body(), headers)


async def read_capped(request: Request, cap: int = MAX_BODY) -> bytes:
    """The whole body, refusing (413) as soon as it is larger than `cap` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise Refusal(413, "too_large", f"the body has {declared} bytes; at most {cap}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise Refusal(413, "too_large", f"the body has more than {cap} bytes; at most {cap}")
        chunks.append(chunk)
    return b"".join(chunks)


class Collector:
    """The routes' state: the storage, the rate limiter and the clock (UTC dates)."""

    def __init__(
        self, storage: Storage, limiter: RateLimiter, clock: Callable[[], float] = time.time
    ) -> None:
        self.storage, self.limiter, self.clock = storage, limiter, clock

    async def authenticate(self, request: Request) -> tokens.Token:
        """The stored token the request carries; Refusal 401/403 otherwise."""
        given = tokens.bearer(request.headers.get("authorization"))
        if given is None:
            raise Refusal(
                401,
                "unauthorized",
                "send the collector's token as 'Authorization: Bearer cct_…' (a manager makes "
                "one with `cuecards collect token add`)",
            )
        try:
            found = await run_in_threadpool(self.storage.find_token, tokens.digest(given))
        except StorageError as exc:
            log.error("cannot check a token: %s", exc)
            raise _unavailable() from None
        if found is None:
            raise Refusal(401, "unauthorized", "this token is not known to the collector")
        request.state.token_id = found.id
        if found.revoked:
            raise Refusal(403, "revoked", "this token was revoked; ask for a new one")
        return found

    async def post_report(self, request: Request) -> Response:
        """POST /v1/reports: check, store once, answer (see the module docstring)."""
        try:
            token = await self.authenticate(request)
        except Refusal as refusal:
            headers = {"WWW-Authenticate": "Bearer"} if refusal.status == 401 else None
            if refusal.status == 503:
                headers = {"Retry-After": UNAVAILABLE_RETRY_S}
            return refused(refusal, headers)
        wait = self.limiter.take(token.id)
        if wait is not None:
            refusal = Refusal(
                429,
                "rate_limited",
                f"more than {self.limiter.rate:g} reports a second from this token",
            )
            return refused(refusal, {"Retry-After": retry_after_header(wait)})
        try:
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media != "application/json":
                raise Refusal(
                    415,
                    "unsupported_media_type",
                    "send the report as Content-Type: application/json",
                )
            body = await read_capped(request)
            now = self.clock()
            report = validate(body, dt.datetime.fromtimestamp(now, dt.timezone.utc).date())
            key = request.headers.get("idempotency-key")
            if key is not None and key != report.batch_id:
                raise Refusal(
                    400,
                    "invalid_report",
                    f"the Idempotency-Key header ({key[:40]}) is not the report's batch_id",
                )
        except Refusal as refusal:
            return refused(refusal)
        except ClientDisconnect:
            return Response(status_code=400)
        try:
            outcome = await run_in_threadpool(self.storage.store, report, token.id, now)
        except StorageError as exc:
            log.error("cannot store batch %s: %s", report.batch_id, exc)
            return refused(_unavailable(), {"Retry-After": UNAVAILABLE_RETRY_S})
        if outcome == "conflict":
            return refused(
                Refusal(
                    409,
                    "batch_conflict",
                    f"batch {report.batch_id} is already stored with other content",
                )
            )
        status = 201 if outcome == "stored" else 200
        return json_response(status, {"status": outcome, "batch_id": report.batch_id})

    async def health(self, request: Request) -> Response:
        """GET /healthz: 200 while the database answers, else 503 (for a load balancer)."""
        try:
            await run_in_threadpool(self.storage.ping)
        except StorageError as exc:
            log.error("health: %s", exc)
            return json_response(
                503, {"status": "unavailable", "reason": "the database does not answer"}
            )
        return json_response(200, {"status": "ok"})


async def _http_error(request: Request, exc: Exception) -> Response:
    """404 and 405 (and any other Starlette HTTP error) as JSON with a reason."""
    assert isinstance(exc, HTTPException)
    errors = {
        404: ("not_found", f"no such path; reports go to POST {REPORTS_PATH}"),
        405: ("method_not_allowed", f"{request.method} is not allowed here"),
    }
    error, reason = errors.get(exc.status_code, ("error", str(exc.detail)))
    return json_response(exc.status_code, {"error": error, "reason": reason}, exc.headers)


class AccessLog:
    """One line per request: method, path, status, bytes received, milliseconds and the token's
    public id. Never a body, a token, a query string or the client's address (an address and a
    time could tie an anonymous report to a machine)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status, received = 0, 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            return message

        async def watching_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        finally:
            token = scope.get("state", {}).get("token_id", "-")
            access_log.info(
                "%s %s %d %dB %.1fms token=%s",
                scope["method"],
                scope["path"],
                status,
                received,
                (time.perf_counter() - start) * 1000,
                token,
            )


def build_app(
    storage: Storage,
    limiter: RateLimiter | None = None,
    on_ready: Callable[[], None] | None = None,
) -> Starlette:
    """The ASGI application over `storage`, which is closed when the server stops; `on_ready`
    is called once the server has started (its signal handlers are in place)."""
    collector = Collector(storage, limiter or RateLimiter())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            await run_in_threadpool(storage.close)

    app = Starlette(
        routes=[
            Route(REPORTS_PATH, collector.post_report, methods=["POST"]),
            Route("/healthz", collector.health, methods=["GET"]),
        ],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.add_middleware(AccessLog)
    return app
