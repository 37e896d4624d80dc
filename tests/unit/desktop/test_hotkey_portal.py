"""The GlobalShortcuts portal requests as the portal documentation specifies them."""

from __future__ import annotations

import re

from jeepney import DBusAddress, HeaderFields, Message, MessageType, new_signal

from app.desktop.hotkey.combo import parse_combo
from app.desktop.hotkey.portal import (
    DESCRIPTION,
    SHORTCUT_ID,
    activated_rule,
    bind_shortcuts,
    create_session,
    new_token,
    request_path,
    response_results,
    response_rule,
)


def test_tokens_are_valid_handle_tokens_and_unique() -> None:
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", token) for token in tokens)


def test_the_request_path_is_predicted_from_the_unique_name() -> None:
    assert request_path(":1.42", "cuecards_ab") == (
        "/org/freedesktop/portal/desktop/request/1_42/cuecards_ab"
    )


def test_create_session_carries_both_tokens() -> None:
    message = create_session("t1", "s1")
    assert message.header.fields[HeaderFields.member] == "CreateSession"
    assert message.header.fields[HeaderFields.signature] == "a{sv}"
    assert message.body == ({"handle_token": ("s", "t1"), "session_handle_token": ("s", "s1")},)


def test_bind_shortcuts_proposes_the_trigger_in_xdg_notation() -> None:
    session = "/org/freedesktop/portal/desktop/session/1_42/s1"
    message = bind_shortcuts(session, parse_combo("<ctrl>+<alt>+<space>"), "t2")
    assert message.header.fields[HeaderFields.signature] == "oa(sa{sv})sa{sv}"
    assert message.body == (
        session,
        [
            (
                SHORTCUT_ID,
                {"description": ("s", DESCRIPTION), "preferred_trigger": ("s", "CTRL+ALT+space")},
            )
        ],
        "",
        {"handle_token": ("s", "t2")},
    )


def _signal(path: str, interface: str, member: str, signature: str, body: tuple) -> Message:
    return new_signal(DBusAddress(path, interface=interface), member, signature, body)


def test_responses_unwrap_their_variants_and_match_only_their_request() -> None:
    path = request_path(":1.7", "tok")
    response = _signal(
        path, "org.freedesktop.portal.Request", "Response", "ua{sv}",
        (0, {"session_handle": ("s", "/session/x")}),
    )  # fmt: skip
    assert response.header.message_type == MessageType.signal
    assert response_results(response) == (0, {"session_handle": "/session/x"})
    assert response_rule(path).matches(response)
    assert not response_rule(request_path(":1.7", "other")).matches(response)


def test_activations_match_only_our_session() -> None:
    ours = "/org/freedesktop/portal/desktop/session/1_7/s"
    rule = activated_rule(ours)

    def activated(session: str) -> Message:
        return _signal(
            "/org/freedesktop/portal/desktop", "org.freedesktop.portal.GlobalShortcuts",
            "Activated", "osta{sv}", (session, SHORTCUT_ID, 1, {}),
        )  # fmt: skip

    assert rule.matches(activated(ours))
    assert not rule.matches(activated("/org/freedesktop/portal/desktop/session/1_7/other"))
