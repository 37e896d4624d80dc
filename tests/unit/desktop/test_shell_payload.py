"""Payloads of the KWin script and the GNOME extension, as recorded from the scripts themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.context import Context
from app.desktop.watch.shell_payload import context_from_shell_payload

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "desktop"


def contexts(name: str, backend: str) -> list[Context]:
    lines = (SAMPLES / name).read_text(encoding="utf-8").splitlines()
    return [context_from_shell_payload(line, backend) for line in lines if line]


def test_kwin_reports_become_contexts():
    assert contexts("kwin_reports.jsonl", "kde") == [
        Context("libreoffice-calc", "Budget.xlsx - LibreOffice Calc", "kde", 4242, False),
        Context("org.kde.dolphin", "Documents — Dolphin", "kde", 5151, False),
        Context("org.kde.dolphin", "Pictures — Dolphin", "kde", 5151, False),
        Context("org.kde.dolphin", "Pictures — Dolphin", "kde", 5151, True),
        Context("", "", "kde"),
    ]


def test_gnome_reports_become_contexts():
    assert contexts("gnome_focus.jsonl", "gnome") == [
        Context("libreoffice-calc", "Budget.xlsx - LibreOffice Calc", "gnome", 4242, False),
        Context("org.gnome.nautilus", "Documents", "gnome", 5151, False),
        Context("org.gnome.nautilus", "Pictures", "gnome", 5151, False),
        Context("org.gnome.nautilus", "Pictures", "gnome", 5151, True),
        Context("", "", "gnome"),
    ]


def test_desktop_file_id_is_the_fallback_when_the_class_is_empty():
    payload = '{"v":1,"event":"activated","class":"","app_id":"org.kde.kate.desktop","title":"x"}'
    assert context_from_shell_payload(payload, "kde").app == "org.kde.kate"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("not json", "payload is not JSON"),
        ("[1, 2]", "payload must be a JSON object"),
        ('{"v": 2, "event": "activated"}', "payload version 2 is not supported (expected 1)"),
        ('{"v": 1, "event": "moved"}', "event 'moved' is not one of activated, title"),
        ('{"v": 1, "event": "title", "title": 5}', "title must be a string, got int"),
        ('{"v": 1, "event": "title", "pid": "12"}', "pid must be a number, got str"),
        ('{"v": 1, "event": "title", "fullscreen": 1}', "fullscreen must be true or false, got 1"),
    ],
)
def test_malformed_payloads_say_what_is_wrong(payload, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        context_from_shell_payload(payload, "kde")
