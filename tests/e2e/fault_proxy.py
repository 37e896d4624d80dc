"""An HTTPS front on loopback for a real server (the LRS) that plays faults from a script.

Each request takes the next step of the script (then `PASS` for ever): `PASS` forwards it and
relays the answer; `Status(code, headers)` answers itself without forwarding; `Stall(s)`
forwards it (the server stores it) and holds the answer back for `s` seconds; `DIE` forwards it
and closes the connection without any answer, as a server dying mid-upload. `forwarded`
counts what reached the real server.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Status:
    code: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stall:
    seconds: float


PASS = "pass"
DIE = "die"
Step = str | Status | Stall
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class FaultProxy:
    """Listens on 127.0.0.1 with TLS (`context`), forwards to `upstream` (http://host:port)."""

    def __init__(self, upstream: str, context: ssl.SSLContext, script: list[Step]) -> None:
        parts = urllib.parse.urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._context = context
        self.script = list(script)
        self.forwarded = 0
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self.port = self._listener.getsockname()[1]
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        self._listener.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                raw, _ = self._listener.accept()
            except OSError:
                return
            if self._closing.is_set():
                raw.close()
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            with self._context.wrap_socket(raw, server_side=True) as conn:
                request = _read_request(conn)
                with self._lock:
                    step = self.script.pop(0) if self.script else PASS
                if isinstance(step, Status):
                    conn.sendall(_response(step.code, "Fault", step.headers, b"fault"))
                    return
                with self._lock:
                    self.forwarded += 1
                answer = self._forward(*request)
                if step == DIE:
                    return  # the connection closes with no answer at all
                if isinstance(step, Stall):
                    time.sleep(step.seconds)
                conn.sendall(answer)
        except (OSError, ssl.SSLError):
            return  # a client that refused our certificate or gave up waiting

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
        upstream = http.client.HTTPConnection(*self._upstream, timeout=60)
        try:
            upstream.request(method, path, body=body, headers=headers)
            reply = upstream.getresponse()
            data = reply.read()
            kept = {k: v for k, v in reply.getheaders() if k.lower() not in _HOP}
            return _response(reply.status, reply.reason, kept, data)
        finally:
            upstream.close()


def _read_request(conn: ssl.SSLSocket) -> tuple[str, str, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise OSError("the client closed the connection")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() not in _HOP:
            headers[name.strip()] = value.strip()
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            raise OSError("the client closed the connection")
        body += chunk
    return method, path, headers, body


def _response(code: int, reason: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {code} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines += [f"Content-Length: {len(body)}", "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
