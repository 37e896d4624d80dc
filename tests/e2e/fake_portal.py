"""A stand-in for xdg-desktop-portal's GlobalShortcuts interface on a private session bus.

It answers as the real portal does (Request objects whose Response signal carries the result,
then Activated signals), so the hotkey's portal backend is exercised over real D-Bus traffic.
"""

from __future__ import annotations

import threading
from typing import Any

from jeepney import DBusAddress, HeaderFields, MessageType, new_error, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

PORTAL_NAME = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
SHORTCUTS = "org.freedesktop.portal.GlobalShortcuts"


class FakePortal:
    """Serves GlobalShortcuts on its own thread; `answer` decides BindShortcuts' response code."""

    def __init__(self, address: str, with_shortcuts: bool = True, answer: int = 0) -> None:
        self.conn = open_dbus_connection(bus=address)
        self.conn.send_and_get_reply(message_bus.RequestName(PORTAL_NAME))
        self.with_shortcuts = with_shortcuts
        self.answer = answer
        self.bound: list[tuple[str, dict[str, Any]]] = []
        self.sessions: list[str] = []
        self.closed: list[str] = []
        self.bound_event = threading.Event()
        self.closed_event = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def activate(self, shortcut_id: str = "open-palette") -> None:
        """Emit Activated as the desktop does when the person presses the shortcut."""
        address = DBusAddress(PORTAL_PATH, interface=SHORTCUTS)
        self.conn.send(
            new_signal(address, "Activated", "osta{sv}", (self.sessions[-1], shortcut_id, 1, {}))
        )

    def close(self) -> None:
        self.conn.close()

    def _serve(self) -> None:
        try:
            while True:
                message = self.conn.receive()
                if message.header.message_type == MessageType.method_call:
                    self._handle(message)
        except (OSError, ValueError):
            return

    def _handle(self, message) -> None:  # noqa: ANN001 - a jeepney Message
        fields = message.header.fields
        interface, member = fields.get(HeaderFields.interface), fields.get(HeaderFields.member)
        path = fields.get(HeaderFields.path)
        sender = fields.get(HeaderFields.sender)
        if interface == "org.freedesktop.DBus.Properties" and member == "Get":
            if self.with_shortcuts and message.body == (SHORTCUTS, "version"):
                self.conn.send(new_method_return(message, "v", (("u", 1),)))
            else:
                error = "org.freedesktop.DBus.Error.UnknownInterface"
                self.conn.send(new_error(message, error, "s", ("No such interface",)))
        elif interface == SHORTCUTS and member == "CreateSession":
            options = message.body[0]
            request = self._request_path(sender, options["handle_token"][1])
            session = f"{PORTAL_PATH}/session/{sender[1:].replace('.', '_')}/"
            session += options["session_handle_token"][1]
            self.sessions.append(session)
            self.conn.send(new_method_return(message, "o", (request,)))
            self._respond(request, 0, {"session_handle": ("s", session)})
        elif interface == SHORTCUTS and member == "BindShortcuts":
            _session, shortcuts, _parent, options = message.body
            request = self._request_path(sender, options["handle_token"][1])
            self.conn.send(new_method_return(message, "o", (request,)))
            self.bound = [(sid, {k: v for k, (_s, v) in props.items()}) for sid, props in shortcuts]
            chosen = [
                (sid, {"description": ("s", props["description"]),
                       "trigger_description": ("s", "Ctrl+Alt+Space")})
                for sid, props in self.bound
            ]  # fmt: skip
            self._respond(request, self.answer, {"shortcuts": ("a(sa{sv})", chosen)})
            self.bound_event.set()
        elif interface == "org.freedesktop.portal.Session" and member == "Close":
            self.closed.append(path)
            self.conn.send(new_method_return(message))
            self.closed_event.set()
        else:
            self.conn.send(new_error(message, "org.freedesktop.DBus.Error.UnknownMethod"))

    @staticmethod
    def _request_path(sender: str, token: str) -> str:
        return f"{PORTAL_PATH}/request/{sender[1:].replace('.', '_')}/{token}"

    def _respond(self, request: str, code: int, results: dict[str, Any]) -> None:
        address = DBusAddress(request, interface="org.freedesktop.portal.Request")
        self.conn.send(new_signal(address, "Response", "ua{sv}", (code, results)))
