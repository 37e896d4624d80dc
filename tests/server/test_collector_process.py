"""`cuecards collect` as a process: tokens from the command line (shown once, stored hashed,
revoked at once), the rate limit with Retry-After, a graceful stop that finishes the request
under way, an answered report surviving SIGKILL, TLS, and plain http only on loopback."""

from __future__ import annotations

import json
import signal
import socket
import ssl
import time
import urllib.parse
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from app.sync.sources import Answer
from app.sync.upload import retry_after
from tests.server.collector import Collector, add_token, cli, post, report_bytes, stored
from tests.server.postgres import Postgres

Start = Callable[..., Collector]


def test_a_token_is_printed_once_stored_hashed_listed_and_revoked_while_serving(
    db: str, start_collector: Start
) -> None:
    made = cli("collect", "token", "add", "--db", db, "--name", "Finance", "--cohort", "emea")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert made.stdout == token + "\n" and token.startswith("cct_")
    assert token not in made.stderr and "It is shown this once" in made.stderr
    listed = cli("collect", "token", "list", "--db", db, "--json")
    rows = json.loads(listed.stdout)
    assert [(r["name"], r["cohort"], r["revoked"]) for r in rows] == [("Finance", "emea", None)]
    assert token not in listed.stdout
    if not db.startswith("postgresql://"):
        on_disk = b"".join(p.read_bytes() for p in Path(db).parent.glob("collector.db*"))
        assert token.encode() not in on_disk and token[4:].encode() not in on_disk
    collector = start_collector(db)
    assert post(collector.url, report_bytes(), token).status == 201

    revoked = cli("collect", "token", "revoke", "--db", db, rows[0]["id"])

    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stderr.startswith(f"cuecards: token {rows[0]['id']} is revoked since ")
    answer = post(collector.url, report_bytes(), token)
    assert answer.status == 403
    table = cli("collect", "token", "list", "--db", db).stdout.splitlines()
    assert table[0].split() == ["ID", "NAME", "COHORT", "CREATED", "REVOKED"]
    assert table[1].split()[:3] == [rows[0]["id"], "Finance", "emea"]
    assert table[1].split()[4] != "-"


def test_token_commands_refuse_bad_input_in_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "collector.db")
    unknown = cli("collect", "token", "revoke", "--db", db, "abc123")
    bad_name = cli("collect", "token", "add", "--db", db, "--name", " padded ")
    no_folder = cli("collect", "token", "list", "--db", str(tmp_path / "none" / "c.db"))
    foreign = tmp_path / "app.db"
    import sqlite3

    sqlite3.connect(foreign).execute("CREATE TABLE usage_events (ts REAL)").connection.close()
    not_ours = cli("collect", "token", "list", "--db", str(foreign))

    assert (unknown.returncode, unknown.stderr) == (
        2,
        "cuecards: no token has the id 'abc123' (see: cuecards collect token list)\n",
    )
    assert bad_name.returncode == 2
    assert bad_name.stderr == (
        "cuecards: --name ' padded ': use 1 to 120 printable characters without surrounding "
        "spaces\n"
    )
    assert (no_folder.returncode, no_folder.stderr) == (
        2,
        f"cuecards: {tmp_path / 'none' / 'c.db'}: the folder {tmp_path / 'none'} does not "
        "exist; create it first\n",
    )
    assert (not_ours.returncode, not_ours.stderr) == (
        2,
        f"cuecards: {foreign}: not a collector database (it holds the tables usage_events); "
        "give the path of a new file or of an existing collector database\n",
    )


def test_an_unreachable_postgresql_is_one_line_without_the_password(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://collector:hunter2secret@127.0.0.1:{port}/cuecards"

    done = cli("collect", "serve", "--db", url, "--port", "0")

    assert done.returncode == 1
    assert done.stderr.startswith(
        f"cuecards: postgresql database cuecards at 127.0.0.1:{port}: cannot connect ("
    )
    assert "hunter2secret" not in done.stderr and len(done.stderr.splitlines()) == 1


def test_over_its_rate_a_token_gets_429_with_retry_after_and_others_go_on(
    tmp_path: Path, start_collector: Start
) -> None:
    db = str(tmp_path / "collector.db")
    busy, calm = add_token(db), add_token(db)
    collector = start_collector(db, "--rate-limit", "0.5", "--burst", "2")

    answers = [post(collector.url, report_bytes(), busy) for _ in range(3)]
    other = post(collector.url, report_bytes(), calm)

    assert [a.status for a in answers] == [201, 201, 429]
    limited = answers[2]
    assert limited.body == {
        "error": "rate_limited",
        "reason": "more than 0.5 reports a second from this token",
    }
    assert limited.headers["retry-after"] == "2"
    # The app waits as long as it is told.
    assert retry_after(Answer(429, {"Retry-After": limited.headers["retry-after"]}, b""), 0) == 2
    assert other.status == 201
    assert len(stored(db)) == 3


def _partial_request(url: str, body: bytes, token: str) -> tuple[socket.socket, bytes]:
    """A connection that has sent the headers and all but the last 100 bytes of the body."""
    parts = urllib.parse.urlsplit(url)
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    sock.sendall(head + body[:-100])
    return sock, body[-100:]


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def test_sigterm_finishes_the_report_under_way_then_stops(db: str, start_collector: Start) -> None:
    """A report half sent when SIGTERM arrives is still received, stored and answered; new
    connections are no longer taken; the collector exits 0 and the report is there."""
    token = add_token(db)
    collector = start_collector(db)
    batch = str(uuid.uuid4())
    sock, rest = _partial_request(collector.url, report_bytes(batch, cards=50), token)
    assert collector.proc is not None
    collector.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    while not _refused(collector.port):  # it stops taking new connections first
        assert collector.proc.poll() is None, collector.text()
        assert time.monotonic() < deadline, "new connections are still taken after SIGTERM"
        time.sleep(0.05)
    assert "uvicorn.error: Shutting down" in collector.text()

    sock.sendall(rest)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()

    assert data.startswith(b"HTTP/1.1 201 "), data
    assert json.loads(data.partition(b"\r\n\r\n")[2]) == {"status": "stored", "batch_id": batch}
    assert collector.stop() == 0
    assert stored(db) == {batch: 1}


def test_an_answered_report_survives_sigkill_and_its_retry_is_a_duplicate(
    db: str, start_collector: Start
) -> None:
    token = add_token(db)
    collector = start_collector(db)
    batch = str(uuid.uuid4())
    body = report_bytes(batch)
    assert post(collector.url, body, token).status == 201

    collector.kill()
    collector.start()

    assert post(collector.url, body, token).status == 200
    assert stored(db) == {batch: 1}


def test_plain_http_is_refused_off_loopback_with_the_reason(tmp_path: Path) -> None:
    db = str(tmp_path / "collector.db")

    anywhere = cli("collect", "serve", "--db", db, "--host", "0.0.0.0", "--port", "0")
    half = cli("collect", "serve", "--db", db, "--cert", str(tmp_path / "c.pem"), "--port", "0")

    assert anywhere.returncode == 2
    assert anywhere.stderr == (
        "cuecards: --host 0.0.0.0: plain http is served only on a loopback address (127.0.0.1, "
        "::1), for a reverse proxy on this machine that speaks TLS; reports carry a bearer "
        "token that anyone on the network could read. Give --cert FILE --key FILE to serve "
        "HTTPS on this address\n"
    )
    assert (half.returncode, half.stderr) == (
        2,
        "cuecards: --cert and --key go together: give both (TLS) or neither (loopback)\n",
    )
    assert not (tmp_path / "collector.db").exists()


def test_plain_http_on_ipv6_loopback_is_served(tmp_path: Path, start_collector: Start) -> None:
    db = str(tmp_path / "collector.db")
    token = add_token(db)

    collector = start_collector(db, "--host", "::1")

    assert collector.base.startswith("http://[::1]:")
    assert post(collector.url, report_bytes(), token).status == 201


def test_tls_with_a_certificate_and_a_bad_certificate_refused(
    tmp_path: Path, start_collector: Start
) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    db = str(tmp_path / "collector.db")
    token = add_token(db)
    (tmp_path / "junk.pem").write_text("not a certificate\n")

    junk = cli("collect", "serve", "--db", db, "--cert", str(tmp_path / "junk.pem"),
               "--key", str(key_file), "--port", "0")  # fmt: skip
    collector = start_collector(db, "--cert", str(cert_file), "--key", str(key_file))

    assert junk.returncode == 2
    assert junk.stderr.startswith(
        f"cuecards: --cert {tmp_path / 'junk.pem'} --key {key_file}: not a certificate (PEM) "
        "and its private key ("
    )
    assert collector.base.startswith("https://127.0.0.1:")
    client = ssl.create_default_context()
    ca.configure_trust(client)
    assert post(collector.url, report_bytes(), token, context=client).status == 201
    with pytest.raises(ssl.SSLCertVerificationError):
        post(collector.url, report_bytes(), token, context=ssl.create_default_context())


def test_postgresql_connections_dropped_are_replaced_and_a_lost_database_is_503(
    postgres: Postgres, start_collector: Start
) -> None:
    """A restart of PostgreSQL's sessions costs no report (the pool reconnects and the store
    runs again); with the database gone, health and reports answer 503 with Retry-After, and
    the app waits as long as it is told."""
    import psycopg

    db = postgres.new_database()
    name = db.rsplit("/", 1)[1]
    token = add_token(db)
    collector = start_collector(db)
    assert post(collector.url, report_bytes(), token).status == 201
    with psycopg.connect(postgres.url(), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        again = post(collector.url, report_bytes(), token)
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
    health = post(collector.base + "/healthz", b"", None, method="GET")
    down = post(collector.url, report_bytes(), token)

    assert again.status == 201
    assert (health.status, health.body) == (
        503,
        {"status": "unavailable", "reason": "the database does not answer"},
    )
    assert (down.status, down.body) == (
        503,
        {
            "error": "unavailable",
            "reason": "the collector cannot store reports now; try again later",
        },
    )
    assert down.headers["retry-after"] == "30"
    assert retry_after(Answer(503, {"Retry-After": "30"}, b""), 0) == 30
    assert "cannot check a token" in collector.text() or "cannot store" in collector.text()


def test_a_port_in_use_is_one_line_and_exit_1(tmp_path: Path, start_collector: Start) -> None:
    first = start_collector(str(tmp_path / "one.db"))

    second = cli("collect", "serve", "--db", str(tmp_path / "two.db"), "--port", str(first.port))

    assert (second.returncode, second.stderr) == (
        1,
        f"cuecards: cannot listen on 127.0.0.1:{first.port} (Address already in use)\n",
    )
