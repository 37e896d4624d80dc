"""The palette hotkey on Wayland through the XDG desktop portal's GlobalShortcuts interface.

Wayland gives applications no way to listen for keys globally; desktops that implement the
GlobalShortcuts portal (KDE Plasma 5.27+, GNOME 48+, Hyprland) let an application propose a
shortcut, which the person confirms or changes, and then report its activations over D-Bus.

The conversation (CreateSession → Response, BindShortcuts → Response, then Activated signals)
runs on its own thread with jeepney's blocking connection: BindShortcuts may wait for the person
to answer a dialog, and the GUI must not wait with it. The thread only calls `emit` and `fail`,
which emit Qt signals. Where the portal lacks the interface, `start` says so at once and the
person binds `cuecards palette` in the desktop's keyboard settings instead.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Callable
from typing import Any

from jeepney import DBusAddress, HeaderFields, MatchRule, Message, MessageType, new_method_call
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from jeepney.wrappers import DBusErrorResponse

from app.desktop.hotkey.base import HotkeyUnavailable
from app.desktop.hotkey.combo import Combo

PORTAL = DBusAddress(
    "/org/freedesktop/portal/desktop",
    bus_name="org.freedesktop.portal.Desktop",
    interface="org.freedesktop.portal.GlobalShortcuts",
)
REQUEST_INTERFACE = "org.freedesktop.portal.Request"
SESSION_INTERFACE = "org.freedesktop.portal.Session"
PROPERTIES = "org.freedesktop.DBus.Properties"
SHORTCUT_ID = "open-palette"
DESCRIPTION = "Open the Cuecards search palette"
# Seconds to wait for CreateSession's answer (no dialog is involved); BindShortcuts may show
# one, so its answer is awaited without a limit.
SESSION_SECONDS = 10.0
# Response codes of org.freedesktop.portal.Request.Response.
CANCELLED = 1


def new_token() -> str:
    """A handle token: letters, digits and `_` only, as the portal requires."""
    return "cuecards_" + secrets.token_hex(8)


def request_path(unique_name: str, token: str) -> str:
    """The object path the portal gives the Request for `token` (known before the call, so the
    Response signal can be subscribed to without a race)."""
    sender = unique_name.lstrip(":").replace(".", "_")
    return f"/org/freedesktop/portal/desktop/request/{sender}/{token}"


def response_rule(path: str) -> MatchRule:
    """The Response signal of one Request object."""
    return MatchRule(type="signal", interface=REQUEST_INTERFACE, member="Response", path=path)


def create_session(token: str, session_token: str) -> Message:
    """GlobalShortcuts.CreateSession(a{sv} options)."""
    options = {"handle_token": ("s", token), "session_handle_token": ("s", session_token)}
    return new_method_call(PORTAL, "CreateSession", "a{sv}", (options,))


def bind_shortcuts(session: str, combo: Combo, token: str) -> Message:
    """GlobalShortcuts.BindShortcuts(o session, a(sa{sv}) shortcuts, s parent, a{sv} options),
    proposing `combo` as the trigger; the desktop may let the person pick another."""
    shortcut = {
        "description": ("s", DESCRIPTION),
        "preferred_trigger": ("s", combo.xdg_trigger()),
    }
    return new_method_call(
        PORTAL,
        "BindShortcuts",
        "oa(sa{sv})sa{sv}",
        (session, [(SHORTCUT_ID, shortcut)], "", {"handle_token": ("s", token)}),
    )


def activated_rule(session: str) -> MatchRule:
    """Activated signals of our shortcut in our session."""
    rule = MatchRule(
        type="signal", interface=PORTAL.interface, member="Activated", path=PORTAL.object_path
    )
    rule.add_arg_condition(0, session, kind="path")
    return rule


def response_results(message: Message) -> tuple[int, dict[str, Any]]:
    """(response code, results with variants unwrapped) of a Request.Response signal."""
    code, results = message.body
    return int(code), {key: value for key, (_sig, value) in results.items()}


class PortalHotkey:
    """One GlobalShortcuts session holding the palette shortcut."""

    name = "portal"

    def __init__(self, bus: str = "SESSION") -> None:
        self._bus = bus
        self._conn: DBusConnection | None = None
        self._thread: threading.Thread | None = None
        self._session: str | None = None
        self._stopping = threading.Event()
        self._version = 0

    def start(self, combo: Combo, emit: Callable[[], None], fail: Callable[[str], None]) -> None:
        conn = self._connect()
        self._conn = conn
        self._thread = threading.Thread(
            target=self._run, args=(conn, combo, emit, fail), name="cuecards-portal", daemon=True
        )
        self._thread.start()

    def check(self) -> int:
        """The portal's GlobalShortcuts version, without binding anything (for `doctor`: a
        binding may show the person a dialog); HotkeyUnavailable when there is none."""
        conn = self._connect()
        conn.close()
        return self._version

    def _connect(self) -> DBusConnection:
        """A session bus connection, once the portal confirmed it offers GlobalShortcuts."""
        try:
            conn = open_dbus_connection(bus=self._bus)
        except (OSError, KeyError, ValueError) as exc:
            raise HotkeyUnavailable(f"no D-Bus session bus ({exc})") from exc
        try:
            version = conn.send_and_get_reply(
                new_method_call(
                    DBusAddress(PORTAL.object_path, PORTAL.bus_name, PROPERTIES),
                    "Get",
                    "ss",
                    (PORTAL.interface, "version"),
                ),
                timeout=SESSION_SECONDS,
            )
        except (OSError, TimeoutError) as exc:
            conn.close()
            raise HotkeyUnavailable(f"the desktop portal did not answer ({exc})") from exc
        if version.header.message_type == MessageType.error:
            conn.close()
            raise HotkeyUnavailable(
                f"this desktop's portal offers no GlobalShortcuts ({_error(version)})"
            )
        self._version = int(version.body[0][1])
        return conn

    def stop(self) -> None:
        self._stopping.set()
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._session is not None:
            session = DBusAddress(self._session, PORTAL.bus_name, SESSION_INTERFACE)
            with contextlib.suppress(OSError):
                conn.send(new_method_call(session, "Close"))
        conn.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(1.0)

    # The conversation, on its own thread.

    def _run(
        self,
        conn: DBusConnection,
        combo: Combo,
        emit: Callable[[], None],
        fail: Callable[[str], None],
    ) -> None:
        try:
            session = self._create_session(conn)
            self._session = session
            rule = activated_rule(session)
            # Subscribed before binding, so no press after the binding can be missed.
            with conn.filter(rule, bufsize=16) as queue:
                conn.send_and_get_reply(message_bus.AddMatch(rule))
                self._bind(conn, session, combo)
                while not self._stopping.is_set():
                    signal = conn.recv_until_filtered(queue)
                    if signal.body[1] == SHORTCUT_ID:
                        emit()
        except HotkeyUnavailable as exc:
            if not self._stopping.is_set():
                fail(str(exc))
        except (OSError, TimeoutError, DBusErrorResponse, ValueError) as exc:
            if not self._stopping.is_set():
                fail(f"the desktop portal connection failed ({exc})")

    def _request(
        self, conn: DBusConnection, token: str, message: Message, timeout: float | None
    ) -> dict[str, Any]:
        """Send a portal request and wait for its Response; its results, or HotkeyUnavailable."""
        rule = response_rule(request_path(conn.unique_name, token))
        with conn.filter(rule, bufsize=4) as queue:
            conn.send_and_get_reply(message_bus.AddMatch(rule))
            reply = conn.send_and_get_reply(message)
            if reply.header.message_type == MessageType.error:
                member = message.header.fields.get(HeaderFields.member, "the request")
                raise HotkeyUnavailable(f"the portal refused {member}: {_error(reply)}")
            code, results = response_results(conn.recv_until_filtered(queue, timeout=timeout))
        if code == CANCELLED:
            raise HotkeyUnavailable("the shortcut was declined in the desktop's dialog")
        if code != 0:
            raise HotkeyUnavailable(f"the portal could not set up the shortcut (response {code})")
        return results

    def _create_session(self, conn: DBusConnection) -> str:
        token = new_token()
        results = self._request(conn, token, create_session(token, new_token()), SESSION_SECONDS)
        session = results.get("session_handle")
        if not isinstance(session, str):
            raise HotkeyUnavailable("the portal created no shortcut session")
        return session

    def _bind(self, conn: DBusConnection, session: str, combo: Combo) -> None:
        token = new_token()
        results = self._request(conn, token, bind_shortcuts(session, combo, token), None)
        bound = [shortcut_id for shortcut_id, _ in results.get("shortcuts", [])]
        if SHORTCUT_ID not in bound:
            raise HotkeyUnavailable("the desktop did not bind the palette shortcut")


def _error(reply: Message) -> str:
    """A D-Bus error reply as one line: its name and message."""
    name = reply.header.fields.get(HeaderFields.error_name, "error")
    text = reply.body[0] if reply.body and isinstance(reply.body[0], str) else ""
    return f"{name}: {text}" if text else str(name)
