"""`cuecards collect serve`: the collector on uvicorn, with TLS, the loopback rule and a graceful
stop.

TLS when `--cert` and `--key` are given. Without them plain http is served only on a loopback
address, for a reverse proxy on the same machine that speaks TLS to the network: reports carry a
bearer token and must never cross a network readable. SIGTERM (or Ctrl+C) stops accepting
connections, lets every request under way finish and be answered, then closes the database, so
no report that was answered is lost, and none that was not is half-stored.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import signal
import socket
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.server.ratelimit import DEFAULT_BURST, DEFAULT_RATE, RateLimiter

GRACEFUL_STOP_S = 30
BACKLOG = 1024
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class SetupError(Exception):
    """The options cannot work (plain http off loopback, a bad certificate…): exit code 2."""


class StartError(Exception):
    """The server could not start (the port is taken, the database is down…): exit code 1."""


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """What `collect serve` was given."""

    db: str
    host: str = "127.0.0.1"
    port: int | None = None  # default: 8443 with TLS, 8080 without
    cert: Path | None = None
    key: Path | None = None
    rate: float = DEFAULT_RATE
    burst: int = DEFAULT_BURST

    @property
    def tls(self) -> bool:
        return self.cert is not None

    def listen_port(self) -> int:
        return self.port if self.port is not None else (8443 if self.tls else 8080)


def addresses(host: str) -> list[str]:
    """Every address `host` resolves to; SetupError when it resolves to none."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SetupError(f"--host {host}: cannot resolve it ({exc.strerror})") from None
    return sorted({str(info[4][0]) for info in infos})


def is_loopback_host(host: str) -> bool:
    """Whether every address of `host` is this machine's loopback (127.0.0.0/8, ::1)."""
    found = addresses(host)
    return bool(found) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in found)


def check_transport(options: ServeOptions) -> ssl.SSLContext | None:
    """The TLS context, or None for plain http on loopback; SetupError for anything else."""
    if (options.cert is None) != (options.key is None):
        raise SetupError("--cert and --key go together: give both (TLS) or neither (loopback)")
    if options.cert is None or options.key is None:
        if not is_loopback_host(options.host):
            raise SetupError(
                f"--host {options.host}: plain http is served only on a loopback address "
                "(127.0.0.1, ::1), for a reverse proxy on this machine that speaks TLS; reports "
                "carry a bearer token that anyone on the network could read. Give --cert FILE "
                "--key FILE to serve HTTPS on this address"
            )
        return None
    for flag, path in (("--cert", options.cert), ("--key", options.key)):
        if not path.is_file():
            raise SetupError(f"{flag} {path}: no such file")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(options.cert, options.key)
    except (ssl.SSLError, OSError) as exc:
        raise SetupError(
            f"--cert {options.cert} --key {options.key}: not a certificate (PEM) and its private "
            f"key ({exc.strerror or exc})"
        ) from None
    return context


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: one the system picks); StartError if taken."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise StartError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise StartError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket, tls: bool) -> str:
    """The base URL a listening socket serves."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"{'https' if tls else 'http'}://{shown}:{port}"


def configure_logging() -> None:
    """Server and access lines on stderr (a service manager keeps them)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    for name in ("cuecards.collector", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False


def serve(options: ServeOptions) -> int:
    """Run the collector until SIGTERM or Ctrl+C; 0 after a graceful stop."""
    import uvicorn

    from app.server.app import REPORTS_PATH, build_app
    from app.server.storage import BadDatabase, StorageError, open_storage

    check_transport(options)
    try:
        limiter = RateLimiter(options.rate, options.burst)
    except ValueError as exc:
        raise SetupError(str(exc)) from None
    try:
        storage = open_storage(options.db)
    except BadDatabase as exc:
        raise SetupError(str(exc)) from None
    except StorageError as exc:
        raise StartError(str(exc)) from None
    try:
        sock = bind(options.host, options.listen_port())
    except StartError:
        storage.close()
        raise
    configure_logging()
    tls: dict[str, Any] = {}
    if options.cert is not None and options.key is not None:
        tls = {"ssl_certfile": str(options.cert), "ssl_keyfile": str(options.key)}
    base = url_of(sock, options.tls)

    def ready() -> None:
        print(
            f"cuecards: collecting reports at {base}{REPORTS_PATH} (health: {base}/healthz) "
            f"into {storage.url}; SIGTERM or Ctrl+C stops it gracefully",
            file=sys.stderr,
            flush=True,
        )

    config = uvicorn.Config(
        build_app(storage, limiter, on_ready=ready),
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_STOP_S,
        lifespan="on",
        **tls,
    )
    server = uvicorn.Server(config)
    # A SIGTERM before uvicorn takes the signal over asks it to stop all the same; the one it
    # re-raises once it is done lands here too, so a graceful stop exits 0.
    signal.signal(signal.SIGTERM, lambda signum, frame: setattr(server, "should_exit", True))
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C: the same graceful stop
        server.run(sockets=[sock])
    return 0
