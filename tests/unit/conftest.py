"""Shared fixtures: a real HTTPS pack server on loopback with a throw-away CA (trustme)."""

from __future__ import annotations

import hashlib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


@dataclass(frozen=True)
class Tls:
    """A throw-away CA: the server's context, a client context trusting it, the CA file."""

    server: ssl.SSLContext
    client: ssl.SSLContext
    ca_file: Path


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Tls(server, client, ca_file)


@pytest.fixture()
def https_server(tls: Tls) -> Iterator[HTTPServer]:
    """An HTTPS server on 127.0.0.1 (threaded, so a stalled handler blocks nobody else)."""
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=tls.server, threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


def serve_folder(server: HTTPServer, root: Path) -> None:
    """Serve every file under `root` with a strong ETag, answering If-None-Match with 304.

    Files are read at request time, so a test publishes a new version by writing a file.
    """

    def handler(request: Request) -> Response:
        path = root / request.path.lstrip("/")
        if not path.is_file():
            return Response("not found", status=404)
        data = path.read_bytes()
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(data, status=200, headers={"ETag": etag})

    server.expect_request(re.compile(r"^/.*$"), method="GET").respond_with_handler(handler)


def requests_to(server: HTTPServer, path: str) -> list[Request]:
    """The requests the server received for `path`, oldest first."""
    return [request for request, _ in server.log if request.path == path]
