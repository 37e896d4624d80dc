"""Privacy canaries through the real app with uploads on: nothing personal leaves the machine.

The admin policy allows uploads to a real HTTPS collector on loopback (throw-away CA, trusted
through SSL_CERT_FILE); the person turns uploads on and stores the token in a real Secret
Service (GNOME Keyring on a private D-Bus). The tray app runs on the real X session under a
canary user name, home and (where a UTS namespace can be had) host name; windows with canary
titles bring cards, an app no pack knows has a canary WM_CLASS, and a palette search for canary
text finds nothing. The app is quit and started again just after local midnight (its TZ puts
midnight one second after the first run ended), so the day of the first run is complete and
the running app builds that day's report and uploads it on its own.

Checked: the collector got the report exactly once with the right counts; no canary is in the
bytes it received, in any outbox row or in `cuecards report preview --json`; the database
files never hold a title, the canary app's name, user, home or host; the search text is in the
local log only, as DESIGN.md says (Storage: "for searches the query text (local only)").
"""

from __future__ import annotations

import json
import math
import os
import pwd
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

import tests.unit.conftest as unit_fixtures
from tests.e2e.apps import ROOT, is_viewable, stop_app, wait_for, windows_of_class
from tests.e2e.moment import LEDGER, MAIL, prepare, usage_rows, window_titled
from tests.e2e.popups import XObserver
from tests.e2e.secret_service import secret_service
from tests.e2e.xsession import XSession
from tests.unit.conftest import Tls
from tests.unit.upload_helpers import Collector

pytestmark = pytest.mark.e2e
tls = unit_fixtures.tls
https_server = unit_fixtures.https_server

# Each canary is a token that appears nowhere else, so finding it anywhere is a leak.
TITLE = "ttl9k2f"  # in every window title
APP_CLASS = "appq7w3"  # the WM_CLASS of an app no pack knows
QUERY = "qry3m8d zzqx"  # typed into the palette; no card has these words
USER = "usr5h1c"  # USER and LOGNAME of the app (getpass.getuser() in it)
HOME = "hom2x7n"  # in the app's HOME
HOST = "hst6v0b"  # the app's host name, in its own UTS namespace where one can be had
TOKEN = "bearer-4e1a77"  # the upload secret: in the keyring only
PERSONAL = (TITLE, APP_CLASS, QUERY.split()[0], USER, HOME, HOST)
SEARCH = "Cuecards search"
WELCOME = "Welcome to Cuecards"


def _uts_prefix() -> list[str]:
    """Run the app with host name HOST when this machine grants a UTS namespace (root here);
    without one the real host name is checked instead (see `_real_names`)."""
    probe = subprocess.run(["unshare", "--uts", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        return []
    return ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', HOST]


def _real_names() -> set[str]:
    """This machine's real account and host names. They may be short and common ("root",
    "vm"), so they are looked for as whole JSON strings and whole words, not as substrings."""
    return {pwd.getpwuid(os.getuid()).pw_name, socket.gethostname()}


def _words(report: object) -> set[str]:
    """Every JSON string (keys and values) in `report`, and every word in them."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            found.add(value)
            found.update(w for w in re.split(r"[^A-Za-z0-9]+", value) if w)

    walk(report)
    return found


def _assert_nothing_personal(payload: bytes, where: str) -> None:
    leaks = [c for c in (*PERSONAL, TOKEN) if c.encode() in payload]
    assert leaks == [], f"{where} holds {leaks}: {payload[:400]!r}"
    words = _words(json.loads(payload))
    assert not (_real_names() & words), f"{where} names {_real_names() & words}"


def _tz_with_midnight_at(instant: float) -> str:
    """A POSIX TZ in which local midnight falls at `instant` (rounded up to the second)."""
    offset = -math.ceil(instant) % 86400
    if offset > 43200:
        offset -= 86400
    sign = "-" if offset >= 0 else "+"  # POSIX offsets count west of Greenwich
    a = abs(offset)
    return f"CUE{sign}{a // 3600:02d}:{a % 3600 // 60:02d}:{a % 60:02d}"


def _cli(env: dict[str, str], data: Path, *args: str, stdin: bytes = b"") -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), *args],
        env=env, input=stdin, capture_output=True, timeout=120, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


def _start(env: dict[str, str], data: Path, prefix: list[str]) -> subprocess.Popen[str]:
    env = {k: v for k, v in env.items() if k != "QT_QPA_PLATFORM"}
    return subprocess.Popen(
        [*prefix, sys.executable, "-m", "app", "--data-dir", str(data), "run"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _docked(session: XSession) -> bool:
    return any(
        "trayer" in ancestors and is_viewable(session.display, wid)
        for wid, ancestors in windows_of_class(session.display, "cuecards")
    )


def _search_from_the_palette(session: XSession, text: str) -> None:
    """Hotkey (pressed until the app has registered it), type, Esc: as a person searches."""

    def pressed() -> int | None:
        session.tool("xdotool", "key", "ctrl+alt+space")
        try:
            palette = wait_for(lambda: window_titled(session.display, SEARCH), SEARCH, timeout=2)
        except AssertionError:
            return None
        return palette if session.active_window() == palette else None

    palette = wait_for(pressed, "the palette with the keyboard focus")
    session.tool("xdotool", "type", "--delay", "30", text)
    session.tool("xdotool", "key", "Escape")
    wait_for(lambda: not is_viewable(session.display, palette), "the palette to close")


def _delivered(data: Path) -> int:
    """Reports the app has marked delivered (after the collector's answer)."""
    conn = sqlite3.connect(f"file:{data / 'cuecards.db'}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(
            "SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL"
        ).fetchone()[0]
    finally:
        conn.close()


def _db_bytes(data: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data.glob("cuecards.db*")) if p.is_file())


def test_nothing_personal_leaves_the_machine_with_uploads_on(
    x_tray: XSession, tmp_path: Path, tls: Tls, https_server: HTTPServer
) -> None:
    collector = Collector()
    url = collector.attach(https_server)
    policy = tmp_path / "policy.toml"
    policy.write_text(
        f'[locked]\nupload.allowed = true\nupload.endpoint = "{url}"\nupload.kind = "https"\n'
        "[defaults]\nupload.start_delay_seconds = 1\n",
        encoding="utf-8",
    )
    data = tmp_path / "data"
    prepare(data, demo=True)  # fast pacing, the demo pack and the test pack
    prefix = _uts_prefix()
    base = {
        **x_tray.env(),
        "CUECARDS_POLICY": str(policy),
        "SSL_CERT_FILE": str(tls.ca_file),
        "USER": USER,
        "LOGNAME": USER,
        "TZ": "UTC",
    }
    observer = XObserver(x_tray.display).start()
    windows = []
    try:
        with secret_service(tmp_path / f"home-{HOME}", tmp_path / "run", base) as env:
            _cli(env, data, "config", "set", "upload.enabled", "true")  # the person opts in
            _cli(env, data, "report", "secret", stdin=f"{TOKEN}\n".encode())
            mail = x_tray.spawn_window(f"{TITLE} Inbox", MAIL.app)
            ledger = x_tray.spawn_window(f"{TITLE} Budget.xlsx", LEDGER.app)
            excel = x_tray.spawn_window(f"{TITLE} Q3 pivot.xlsx - Excel", "Excel")
            private = x_tray.spawn_window(f"{TITLE} diary.txt", APP_CLASS)
            windows = [mail, ledger, excel, private]

            # The working day: cards pop up, an unknown app, a search that finds nothing.
            since = observer.mark()
            app = _start(env, data, prefix)
            try:
                wait_for(lambda: _docked(x_tray) or app.poll() is not None, "the tray icon")
                assert app.poll() is None, app.stderr.read() if app.stderr else ""
                welcome = wait_for(lambda: window_titled(x_tray.display, WELCOME), WELCOME)
                x_tray.tool("xdotool", "windowactivate", "--sync", str(welcome), "key", "Return")
                wait_for(lambda: window_titled(x_tray.display, WELCOME) is None, "welcome gone")

                def mail_card() -> bool:  # watching starts once the database is open
                    x_tray.activate(private)
                    x_tray.activate(mail)
                    return bool(observer.popups(since))

                wait_for(mail_card, "the mail card")
                since = observer.mark()
                x_tray.activate(ledger)
                observer.wait("map", since, title=LEDGER.popup)
                x_tray.activate(excel)
                wait_for(  # a quick switch away could be folded into the next one
                    lambda: any(r[2] == "context" and r[5] == "excel" for r in usage_rows(data)),
                    "the switch to Excel logged",
                )
                x_tray.activate(private)
                _search_from_the_palette(x_tray, QUERY)
                wait_for(
                    lambda: any(r[2] == "search" for r in usage_rows(data)), "the search logged"
                )
            finally:
                code, _, err = stop_app(app)
            assert code == 0, err
            first_run_ended = time.time()
            assert collector.posts == []  # the day is not over: nothing was sent yet

            # Just after midnight: the app starts again and sends the day's report itself.
            after_midnight = {**env, "TZ": _tz_with_midnight_at(first_run_ended + 1)}
            wait_for(lambda: time.time() > first_run_ended + 1.5, "midnight")
            app = _start(after_midnight, data, prefix)
            try:
                wait_for(lambda: _delivered(data) or app.poll() is not None, "the upload", 60)
                assert app.poll() is None
            finally:
                code, _, err = stop_app(app)
            assert code == 0, err
            assert "cuecards: upload: 1 report(s) delivered" in err
            preview = _cli(after_midnight, data, "report", "preview", "--json")
    finally:
        observer.stop()
        for window in windows:
            x_tray.close(window)

    # The collector has the report exactly once, with the right counts.
    assert len(collector.posts) == 1 and len(collector.stored) == 1
    received = collector.posts[0]
    assert collector.auth == [f"Bearer {TOKEN}"]
    report = json.loads(received)
    cards = {(c["pack"], c["card"]): c for c in report["cards"]}
    assert cards[("e2e.moment", MAIL.card)]["shown"] >= 1
    assert cards[("e2e.moment", LEDGER.card)]["shown"] >= 1
    apps = {a["app"]: a for a in report["apps"]}
    assert apps["other"]["contexts"] >= 1 and apps["other"]["matched"] == 0
    assert apps[MAIL.app]["matched"] >= 1 and apps["excel"]["contexts"] >= 1
    assert report["search"]["searches"] >= 1 and report["search"]["zero_results"] >= 1

    # No canary in what was sent, in the outbox or in the preview.
    _assert_nothing_personal(received, "the uploaded report")
    conn = sqlite3.connect(f"file:{data / 'cuecards.db'}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT * FROM outbox").fetchall()
        searches = conn.execute(
            "SELECT query, results, app_id FROM usage_events WHERE kind = 'search'"
        ).fetchall()
    finally:
        conn.close()
    assert len(rows) == 1
    outbox_text = repr(rows).encode()
    assert [c for c in (*PERSONAL, TOKEN) if c.encode() in outbox_text] == []
    assert received in [bytes(v) for v in rows[0] if isinstance(v, bytes)]
    _assert_nothing_personal(preview, "report preview --json")
    # Nothing new happened yesterday: the preview is the same report under a fresh batch id.
    assert {**json.loads(preview), "batch_id": ""} == {**report, "batch_id": ""}

    # On disk: no title, unknown app, user, home, host or secret; the query, local only.
    on_disk = _db_bytes(data)
    assert [c for c in (TITLE, APP_CLASS, USER, HOME, HOST, TOKEN) if c.encode() in on_disk] == []
    assert searches == [(QUERY, 0, "other")]
