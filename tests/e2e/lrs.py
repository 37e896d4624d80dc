"""A real xAPI LRS (Ralph, file-system backend) on loopback, in its own virtual environment.

Ralph's pins are not ours, so it lives in a venv under the user's cache directory, created on
first use (about 40 s with a warm pip cache) and reused afterwards. The server runs in its own
process group, from an empty directory (its reloader watches the working directory).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from base64 import b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

RALPH_PACKAGES = ("ralph-malph[cli,lrs,backend-fs]", "requests")
PASSWORD = "secret"


def ralph_venv() -> Path:
    """The venv holding Ralph, created (and Ralph installed) when missing."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    venv = cache / "cuecards-tests" / "ralph-venv"
    ralph = venv / "bin" / "ralph"
    if not ralph.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *RALPH_PACKAGES],
            check=True,
            timeout=900,
        )
    return venv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Lrs:
    """A running Ralph: its xAPI endpoint, and one user per test (each with its own store:
    Ralph's fs backend writes a store file once, so each test reports into a fresh one)."""

    endpoint: str
    users: tuple[str, ...]

    def statements(self, user: str) -> list[dict]:
        """Every statement the LRS holds for `user`'s store (follows `more` links)."""
        found: list[dict] = []
        url = f"{self.endpoint}/statements?limit=500"
        while url:
            request = urllib.request.Request(
                url,
                headers={
                    "Authorization": "Basic "
                    + b64encode(f"{user}:{PASSWORD}".encode()).decode("ascii"),
                    "X-Experience-API-Version": "1.0.3",
                },
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                page = json.loads(response.read())
            found.extend(page["statements"])
            more = page.get("more")
            url = self.endpoint.split("/xAPI")[0] + more if more else ""
        return found


@contextmanager
def running_lrs(tmp: Path, users: int = 4) -> Iterator[Lrs]:
    """Start Ralph with `users` users (u0, u1, …; password `secret`), stop it afterwards."""
    venv = ralph_venv()
    app_dir, store, cwd = tmp / "app", tmp / "store", tmp / "cwd"
    for d in (app_dir, store, cwd):
        d.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RALPH_APP_DIR": str(app_dir), "RALPH_RUNSERVER_BACKEND": "fs"}
    names = tuple(f"u{i}" for i in range(users))
    for name in names:
        (store / name).mkdir()
        subprocess.run(
            [str(venv / "bin" / "ralph"), "auth", "-u", name, "-p", PASSWORD, "-s", "all",
             "-A", "cuecards", "https://example.org", "-t", name, "-w"],
            env=env, cwd=cwd, check=True, capture_output=True,
        )  # fmt: skip
    port = free_port()
    log = (tmp / "ralph.log").open("wb")
    server = subprocess.Popen(
        [str(venv / "bin" / "ralph"), "runserver", "-b", "fs",
         "--fs-default-directory-path", str(store), "-h", "127.0.0.1", "-p", str(port)],
        env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    lrs = Lrs(f"http://127.0.0.1:{port}/xAPI", names)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                lrs.statements(names[0])
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"Ralph did not start; see {tmp / 'ralph.log'}:\n"
                        + (tmp / "ralph.log").read_text(errors="replace")[-2000:]
                    ) from None
                time.sleep(0.3)
        yield lrs
    finally:
        _stop(server)
        log.close()


def _stop(server: subprocess.Popen) -> None:
    """Stop the server's process group (the reloader and its worker), the ones we started."""
    for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, None)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            break
        try:
            server.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
