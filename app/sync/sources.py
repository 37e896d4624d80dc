"""Where packs come from (`packs.sources`): folders, and https URLs of a .cuepack or an index.

- A folder source offers every `*.cuepack` in it and every sub-folder holding a pack.yaml
  (or the folder itself when it holds pack.yaml). Hidden entries are skipped.
- An https URL answers with either a `.cuepack` (a zip) or an index, told apart by content.
  The index is JSON: `{"format": 1, "packs": [{"url": "acme-finance-1.4.0.cuepack",
  "id": "acme.finance", "version": "1.4.0"}, …]}`; relative URLs are resolved against the
  index's own URL, and for each id only the highest version counts.

HTTP goes through `urllib.request` (no extra dependency): TLS is verified with the system's
trust store (OpenSSL's `SSL_CERT_FILE` applies), plain http is refused except to loopback
(also after a redirect), every request has a timeout, downloads are capped, and conditional
requests (If-None-Match / If-Modified-Since) make an unchanged source cost one small request.
Calls block: the running app calls them from a worker thread, never the GUI thread.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import re
import socket
import ssl
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from app import __version__
from app.core.model import PACK_ID, SEMVER
from app.core.packrules import MANIFEST, MIB, size_text
from app.store.packinstall import compare_versions

DEFAULT_TIMEOUT = 30.0
# A whole download may take this many timeouts before it is abandoned (a slow drip).
DEADLINE_FACTOR = 20
MAX_PACK_BYTES = 256 * MIB
MAX_INDEX_BYTES = 4 * MIB
INDEX_FORMAT = 1
_CHUNK = 256 * 1024
_ZIP_MAGIC = b"PK\x03\x04"


class SourceError(Exception):
    """A source that cannot be read right now; the message names it, says why and what to do."""


@dataclass(frozen=True, slots=True)
class Offer:
    """One pack a source offers: a local path (folder sources) or a URL, and what is claimed.

    `pack_id` and `version` are what an index says (None when only the file can tell);
    `path` is set once the bytes are on this machine.
    """

    location: str
    kind: Literal["cuepack", "folder"]
    path: Path | None = None
    pack_id: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    """One HTTP answer: 304 (nothing new) or 200 with the body saved at `path`."""

    status: int
    url: str
    path: Path | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Validators:
    """The cache validators remembered for a URL (sent back as If-None-Match and friends)."""

    etag: str | None = None
    last_modified: str | None = None


def is_url(spec: str) -> bool:
    """True for an http(s) source, False for a folder."""
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", spec)) and not spec.startswith("file:")


def folder_path(spec: str) -> Path:
    """The folder a non-URL source names (`~` expanded, `file://` accepted)."""
    if spec.startswith("file:"):
        return Path(urllib.request.url2pathname(urllib.parse.urlparse(spec).path))
    return Path(os.path.expandvars(spec)).expanduser()


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine (localhost, 127.0.0.0/8, ::1)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Role:
    """Whose URL it is, for the messages: the server's name, why plain http is refused, and
    what the setting that names it accepts."""

    server: str
    risk: str
    accepts: str


PACKS = Role(
    "pack server",
    "anyone on the network could change the packs",
    "not an https URL or a folder; packs.sources takes folders and https:// URLs",
)
UPLOADS = Role(
    "upload server",
    "anyone on the network could read or change the reports",
    "not an https URL; upload.endpoint takes an https:// URL (plain http only to loopback)",
)


def check_url(url: str, role: Role = PACKS) -> None:
    """Refuse anything but https, or http to loopback; SourceError says what to use instead."""
    parts = urllib.parse.urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme == "https" and host:
        return
    if scheme == "http" and host and is_loopback(host):
        return
    if scheme == "http":
        raise SourceError(f"{url}: plain http is refused ({role.risk}); use an https:// URL")
    raise SourceError(f"{url}: {role.accepts}")


def folder_offers(folder: Path) -> list[Offer]:
    """Every pack in a folder source, by name; SourceError when the folder cannot be read."""
    if (folder / MANIFEST).is_file():
        return [Offer(str(folder), "folder", path=folder)]
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        raise SourceError(
            f"{folder}: the folder does not exist; check packs.sources (a network drive may "
            "not be connected)"
        ) from None
    except OSError as exc:
        raise SourceError(f"{folder}: cannot read the folder: {exc.strerror or exc}") from None
    offers: list[Offer] = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_file() and entry.name.endswith(".cuepack"):
            offers.append(Offer(str(path), "cuepack", path=path))
        elif entry.is_dir(follow_symlinks=False) and (path / MANIFEST).is_file():
            offers.append(Offer(str(path), "folder", path=path))
    return offers


def parse_index(data: bytes, base_url: str) -> list[Offer]:
    """The packs an index lists (highest version per id), URLs resolved; SourceError if bad."""

    def bad(what: str) -> SourceError:
        return SourceError(
            f"{base_url}: not a valid pack index: {what}. An index is JSON like "
            '{"format": 1, "packs": [{"url": "x.cuepack", "id": "acme.x", "version": "1.0.0"}]}'
        )

    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad(f"it is neither a .cuepack nor JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("packs"), list):
        raise bad('it needs a "packs" list')
    if doc.get("format", INDEX_FORMAT) != INDEX_FORMAT:
        raise bad(f"format {doc.get('format')!r} is not {INDEX_FORMAT}")
    best: dict[str, Offer] = {}
    for i, entry in enumerate(doc["packs"]):
        if not isinstance(entry, dict):
            raise bad(f"packs[{i}] is not an object")
        url, pack_id, version = entry.get("url"), entry.get("id"), entry.get("version")
        if not isinstance(url, str) or not url.strip():
            raise bad(f"packs[{i}].url is missing")
        if not isinstance(pack_id, str) or not re.match(PACK_ID, pack_id):
            raise bad(f"packs[{i}].id {pack_id!r} is not a pack id")
        if not isinstance(version, str) or not re.match(SEMVER, version):
            raise bad(f"packs[{i}].version {version!r} is not a semantic version")
        absolute = urllib.parse.urljoin(base_url, url.strip())
        offer = Offer(absolute, "cuepack", pack_id=pack_id, version=version)
        current = best.get(pack_id)
        if current is None or compare_versions(version, current.version or "0.0.0") > 0:
            best[pack_id] = offer
    return [best[k] for k in sorted(best)]


def is_zip(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == _ZIP_MAGIC


class _CheckedRedirect(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to URLs the source rules allow (no https -> http downgrade)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect of a request with a body: the 3xx comes back as the answer."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        return None


@dataclass(frozen=True, slots=True)
class Answer:
    """The server's answer to a request with a body (uploads): status, headers, a short body."""

    status: int
    headers: dict[str, str]
    body: bytes


class HttpClient:
    """Blocking HTTP GETs with TLS verification, a timeout, a size cap and validators.

    `requests` counts every request sent (the benchmark and tests read it).
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
        max_bytes: int = MAX_PACK_BYTES,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.requests = 0
        context = ssl_context or ssl.create_default_context()
        https = urllib.request.HTTPSHandler(context=context)
        self._opener = urllib.request.build_opener(https, _CheckedRedirect())
        self._direct = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), https, _CheckedRedirect()
        )
        self._send_opener = urllib.request.build_opener(https, _NoRedirect())
        self._send_direct = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), https, _NoRedirect()
        )

    def send(
        self,
        method: str,
        url: str,
        body: bytes,
        headers: dict[str, str],
        max_bytes: int = MIB,
        role: Role = UPLOADS,
    ) -> Answer:
        """One request with a body (POST or PUT; uploads) under the same URL rules and TLS
        checks as `get`; any HTTP status is returned (redirects too, never followed). Network,
        TLS and timeout problems raise SourceError, worded for `role`'s server."""
        check_url(url, role)
        sent = {"User-Agent": f"Cuecards/{__version__}", "Accept-Encoding": "identity", **headers}
        request = urllib.request.Request(url, data=body, headers=sent, method=method)
        host = urllib.parse.urlsplit(url).hostname or ""
        opener = self._send_direct if is_loopback(host) else self._send_opener
        self.requests += 1
        try:
            with opener.open(request, timeout=self.timeout) as response:
                return Answer(response.status, dict(response.headers), response.read(max_bytes))
        except urllib.error.HTTPError as exc:
            with exc:
                data = exc.read(max_bytes) if exc.fp is not None else b""
            return Answer(exc.code, dict(exc.headers or {}), data)
        except _TRANSPORT_ERRORS as exc:
            raise _transport_problem(url, exc, self.timeout, role, "request") from None

    def get(
        self,
        url: str,
        directory: Path,
        *,
        validators: Validators | None = None,
        max_bytes: int | None = None,
    ) -> Fetched:
        """GET `url`; a 200 body is saved to a new file in `directory`. Raises SourceError."""
        check_url(url)
        cap = self.max_bytes if max_bytes is None else max_bytes
        headers = {"User-Agent": f"Cuecards/{__version__}", "Accept-Encoding": "identity"}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        request = urllib.request.Request(url, headers=headers)
        host = urllib.parse.urlsplit(url).hostname or ""
        opener = self._direct if is_loopback(host) else self._opener
        self.requests += 1
        deadline = time.monotonic() + self.timeout * DEADLINE_FACTOR
        try:
            with opener.open(request, timeout=self.timeout) as response:
                final = response.geturl()
                path = self._save(response, url, directory, cap, deadline)
                return Fetched(
                    200,
                    final,
                    path,
                    response.headers.get("ETag"),
                    response.headers.get("Last-Modified"),
                )
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 304:
                return Fetched(304, url, None, exc.headers.get("ETag"), None)
            raise SourceError(_http_problem(url, exc.code, exc.reason)) from None
        except SourceError:
            raise
        except _TRANSPORT_ERRORS as exc:
            raise _transport_problem(url, exc, self.timeout, PACKS, "download") from None

    def _save(self, response, url: str, directory: Path, cap: int, deadline: float) -> Path:
        """Stream the body to a temp file, enforcing the size cap and the overall deadline."""
        length_text = response.headers.get("Content-Length") or ""
        length = int(length_text) if length_text.isdigit() else None
        if length is not None and length > cap:
            raise SourceError(_too_big(url, length, cap))
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="download-", suffix=".part", dir=directory)
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                total = 0
                while chunk := response.read(_CHUNK):
                    total += len(chunk)
                    if total > cap:
                        raise SourceError(_too_big(url, total, cap))
                    if time.monotonic() > deadline:
                        raise SourceError(
                            f"{url}: the download is too slow (not done after "
                            f"{self.timeout * DEADLINE_FACTOR:g} s); it is tried again later"
                        )
                    out.write(chunk)
            if length is not None and total != length:
                raise SourceError(
                    f"{url}: the connection closed after {total:,} of {length:,} bytes; "
                    "it is tried again later"
                )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path


def _http_problem(url: str, code: int, reason: object) -> str:
    if code in (401, 403):
        what = "check that this computer may read the pack server"
    elif code == 404:
        what = "check the URL in packs.sources (or ask whoever publishes the packs)"
    elif code >= 500:
        what = "the pack server has a problem; it is tried again later"
    else:
        what = "it is tried again later"
    return f"{url}: the server answered {code} {reason}; {what}"


# What urllib raises when the exchange itself fails (TimeoutError and URLError are OSErrors).
_TRANSPORT_ERRORS = (OSError, ValueError, http.client.HTTPException)


def _transport_problem(
    url: str, exc: BaseException, timeout: float, role: Role, what: str
) -> SourceError:
    """One sentence for a failed exchange: a timeout, the network or TLS, or anything else."""
    if isinstance(exc, TimeoutError):
        return SourceError(_timeout_problem(url, timeout))
    if isinstance(exc, urllib.error.URLError):
        return SourceError(_network_problem(url, exc.reason, timeout, role))
    return SourceError(f"{url}: the {what} failed ({exc}); it is tried again later")


def _timeout_problem(url: str, timeout: float) -> str:
    return f"{url}: no answer within {timeout:g} s; it is tried again later"


def _network_problem(url: str, reason: object, timeout: float, role: Role) -> str:
    if isinstance(reason, TimeoutError):
        return _timeout_problem(url, timeout)
    if isinstance(reason, ssl.SSLCertVerificationError):
        detail = reason.verify_message or str(reason)
        return (
            f"{url}: the server's TLS certificate is not trusted ({detail}); ask IT to fix "
            "the certificate or install the company's CA on this computer"
        )
    if isinstance(reason, ConnectionRefusedError):
        return (
            f"{url}: the connection was refused (is the {role.server} running?); tried again later"
        )
    if isinstance(reason, socket.gaierror):
        return f"{url}: the host name cannot be resolved (offline?); it is tried again later"
    return f"{url}: cannot connect ({reason}); it is tried again later"


def _too_big(url: str, size: int, cap: int) -> str:
    return (
        f"{url}: the download is over {size_text(cap)} ({size_text(size)} so far); "
        "packs that large are refused"
    )
