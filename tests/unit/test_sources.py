"""Pack sources against a real HTTPS server on loopback: answers, faults and refusals."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from app.sync.sources import (
    HttpClient,
    SourceError,
    Validators,
    check_url,
    folder_offers,
    parse_index,
)
from tests.unit.conftest import Tls, requests_to
from tests.unit.cuepack_helpers import copy_good


@pytest.fixture()
def client(tls: Tls) -> HttpClient:
    return HttpClient(timeout=2.0, ssl_context=tls.client)


def error_of(fn, *args, **kw) -> str:
    with pytest.raises(SourceError) as caught:
        fn(*args, **kw)
    return str(caught.value)


def test_a_200_is_saved_with_its_etag(https_server: HTTPServer, client, tmp_path: Path) -> None:
    https_server.expect_request("/p.cuepack").respond_with_data(
        b"PK\x03\x04data", headers={"ETag": '"v1"'}
    )

    fetched = client.get(https_server.url_for("/p.cuepack"), tmp_path)

    assert fetched.url.startswith("https://127.0.0.1:")
    assert (fetched.status, fetched.etag) == (200, '"v1"')
    assert fetched.path is not None and fetched.path.read_bytes() == b"PK\x03\x04data"
    assert client.requests == 1


def test_a_304_answers_the_etag_it_was_sent(https_server: HTTPServer, client, tmp_path) -> None:
    https_server.expect_request("/p.cuepack", headers={"If-None-Match": '"v1"'}).respond_with_data(
        b"", status=304, headers={"ETag": '"v1"'}
    )

    fetched = client.get(
        https_server.url_for("/p.cuepack"), tmp_path, validators=Validators(etag='"v1"')
    )

    assert (fetched.status, fetched.path) == (304, None)
    (request,) = requests_to(https_server, "/p.cuepack")
    assert request.headers["If-None-Match"] == '"v1"'
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (404, "the server answered 404 NOT FOUND; check the URL in packs.sources"),
        (500, "the server answered 500 INTERNAL SERVER ERROR; the pack server has a problem"),
        (403, "the server answered 403 FORBIDDEN; check that this computer may read"),
    ],
)
def test_http_errors_say_what_happened(
    https_server: HTTPServer, client, tmp_path: Path, status: int, says: str
) -> None:
    https_server.expect_request("/index.json").respond_with_data("no", status=status)
    url = https_server.url_for("/index.json")

    assert error_of(client.get, url, tmp_path).startswith(f"{url}: {says}")
    assert list(tmp_path.iterdir()) == []


def test_a_server_that_stalls_past_the_timeout(
    https_server: HTTPServer, tls: Tls, tmp_path
) -> None:
    def stall(request: Request) -> Response:
        time.sleep(1.5)
        return Response("late")

    https_server.expect_request("/slow.cuepack").respond_with_handler(stall)
    impatient = HttpClient(timeout=0.3, ssl_context=tls.client)
    url = https_server.url_for("/slow.cuepack")

    assert error_of(impatient.get, url, tmp_path) == (
        f"{url}: no answer within 0.3 s; it is tried again later"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_server_that_dies_half_way_is_an_error_not_a_short_file(
    https_server: HTTPServer, client, tmp_path: Path
) -> None:
    def half(request: Request) -> Response:
        body = iter([b"PK\x03\x04" + bytes(6)])  # promised 100,000 bytes, sends 10, hangs up
        return Response(body, headers={"Content-Length": "100000"}, direct_passthrough=True)

    https_server.expect_request("/p.cuepack").respond_with_handler(half)
    url = https_server.url_for("/p.cuepack")

    assert error_of(client.get, url, tmp_path) == (
        f"{url}: the connection closed after 10 of 100,000 bytes; it is tried again later"
    )
    assert list(tmp_path.iterdir()) == []


def test_connection_refused_says_so(tmp_path: Path, client) -> None:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    url = server.url_for("/index.json")
    server.stop()  # nothing listens on that port any more

    assert error_of(client.get, url, tmp_path) == (
        f"{url}: the connection was refused (is the pack server running?); tried again later"
    )


def test_a_certificate_from_an_unknown_ca_is_refused(https_server: HTTPServer, tmp_path) -> None:
    https_server.expect_request("/p.cuepack").respond_with_data(b"x")
    url = https_server.url_for("/p.cuepack")

    message = error_of(HttpClient(timeout=2.0).get, url, tmp_path)
    assert message.startswith(f"{url}: the server's TLS certificate is not trusted (")
    assert https_server.log == []  # the handshake failed before any request


def test_downloads_are_capped(https_server: HTTPServer, tls: Tls, tmp_path: Path) -> None:
    https_server.expect_request("/big.cuepack").respond_with_data(b"x" * 5000)
    small = HttpClient(timeout=2.0, ssl_context=tls.client, max_bytes=1024)
    url = https_server.url_for("/big.cuepack")

    assert error_of(small.get, url, tmp_path) == (
        f"{url}: the download is over 1 KiB (5 KiB so far); packs that large are refused"
    )
    assert list(tmp_path.iterdir()) == []


def test_plain_http_only_to_loopback(tmp_path: Path) -> None:
    check_url("https://packs.acme.example/index.json")
    check_url("http://127.0.0.1:8080/index.json")
    check_url("http://[::1]:8080/index.json")
    check_url("http://localhost/index.json")
    assert error_of(check_url, "http://packs.acme.example/index.json") == (
        "http://packs.acme.example/index.json: plain http is refused (anyone on the network "
        "could change the packs); use an https:// URL"
    )
    assert "not an https URL or a folder" in error_of(check_url, "ftp://x.example/p.cuepack")


def test_plain_http_works_on_loopback(tmp_path: Path) -> None:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        server.expect_request("/p.cuepack").respond_with_data(b"PK\x03\x04")
        fetched = HttpClient(timeout=2.0).get(server.url_for("/p.cuepack"), tmp_path)
    finally:
        server.stop()
    assert fetched.url.startswith("http://127.0.0.1:") and fetched.status == 200


def test_a_redirect_to_plain_http_elsewhere_is_refused(https_server, client, tmp_path) -> None:
    https_server.expect_request("/p.cuepack").respond_with_data(
        "", status=302, headers={"Location": "http://packs.evil.example/p.cuepack"}
    )

    assert error_of(client.get, https_server.url_for("/p.cuepack"), tmp_path).startswith(
        "http://packs.evil.example/p.cuepack: plain http is refused"
    )


def test_an_index_resolves_relative_urls_and_keeps_the_highest_version() -> None:
    index = {
        "format": 1,
        "packs": [
            {"url": "finance-1.4.0.cuepack", "id": "acme.finance", "version": "1.4.0"},
            {"url": "old/finance-1.10.0.cuepack", "id": "acme.finance", "version": "1.10.0"},
            {"url": "https://cdn.example/hr.cuepack", "id": "acme.hr", "version": "2.0.0-rc.1"},
        ],
    }

    offers = parse_index(json.dumps(index).encode(), "https://packs.example/team/index.json")

    assert [(o.pack_id, o.version, o.location) for o in offers] == [
        ("acme.finance", "1.10.0", "https://packs.example/team/old/finance-1.10.0.cuepack"),
        ("acme.hr", "2.0.0-rc.1", "https://cdn.example/hr.cuepack"),
    ]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<html>login</html>", "it is neither a .cuepack nor JSON"),
        (b'{"packs": {}}', 'it needs a "packs" list'),
        (b'{"format": 2, "packs": []}', "format 2 is not 1"),
        (
            b'{"packs": [{"url": "a.cuepack", "id": "Bad Id", "version": "1.0.0"}]}',
            "packs[0].id 'Bad Id' is not a pack id",
        ),
        (
            b'{"packs": [{"url": "a.cuepack", "id": "a.b", "version": "1.0"}]}',
            "packs[0].version '1.0' is not a semantic version",
        ),
    ],
)
def test_a_bad_index_says_what_is_wrong(body: bytes, says: str) -> None:
    message = error_of(parse_index, body, "https://packs.example/index.json")
    assert message.startswith(f"https://packs.example/index.json: not a valid pack index: {says}")


def test_a_folder_source_offers_cuepacks_and_pack_folders(tmp_path: Path) -> None:
    copy_good(tmp_path, name="finance")
    (tmp_path / "hr.cuepack").write_bytes(b"PK\x03\x04")
    (tmp_path / ".hidden.cuepack").write_bytes(b"PK\x03\x04")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "empty").mkdir()

    assert [(o.kind, Path(o.location).name) for o in folder_offers(tmp_path)] == [
        ("folder", "finance"),
        ("cuepack", "hr.cuepack"),
    ]
    assert [o.kind for o in folder_offers(tmp_path / "finance")] == ["folder"]
    assert error_of(folder_offers, tmp_path / "missing") == (
        f"{tmp_path / 'missing'}: the folder does not exist; check packs.sources (a network "
        "drive may not be connected)"
    )
