"""What Cuecards records: the plain-language account, the summary and the events."""

from __future__ import annotations

import pytest

from app.ui.records import RecordsWindow


@pytest.fixture
def window(qtbot) -> RecordsWindow:
    widget = RecordsWindow()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_says_what_is_recorded_and_what_never_is(window: RecordsWindow) -> None:
    text = window.explanation.text()
    assert "Recorded, on this computer only" in text
    assert "Never recorded" in text
    assert "Window titles" in text
    assert "Keystrokes" in text
    assert "cuecards report preview" in text
    assert "Window titles" in window.explanation.accessibleDescription()


def test_shows_the_summary_and_the_events(window: RecordsWindow) -> None:
    window.set_summary(["214 events since 3 March 2026", "Kept for 180 days", "Uploads: off"])
    window.set_events(
        [
            ("2026-03-12 15:10", "shown", "demo", "excel-refresh-all", "excel"),
            ("2026-03-12 15:09", "context", "", "", "other"),
            ("2026-03-12 15:00", "search", "", "", ""),
        ]
    )
    assert "214 events since 3 March 2026" in window.summary.text()
    assert "Uploads: off" in window.summary.text()
    assert window.event_texts() == [
        ["2026-03-12 15:10", "shown", "demo", "excel-refresh-all", "excel"],
        ["2026-03-12 15:09", "context", "", "", "other"],
        ["2026-03-12 15:00", "search", "", "", ""],
    ]
    assert not window.empty.isVisible()


def test_markup_in_a_summary_line_is_shown_as_text(window: RecordsWindow) -> None:
    window.set_summary(["<b>bold</b> & <img src=x>"])
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=x&gt;" in window.summary.text()


def test_an_empty_log_says_so(window: RecordsWindow) -> None:
    window.set_events([])
    assert window.empty.isVisible()
    assert not window.events.isVisible()


def test_controls_have_screen_reader_names(window: RecordsWindow) -> None:
    assert window.events.accessibleName() == "Latest events in the usage log"
    assert window.close_button.accessibleName() == "Close what Cuecards records"
    assert window.explanation.accessibleName() == "What is and is not recorded"


def test_the_next_payload_is_shown_as_sent_or_as_an_example(window: RecordsWindow) -> None:
    payload = '{"batch_id":"b1","day":"2026-11-20","search":{"searches":1,"zero_results":1}}'
    window.set_payload("next upload: the queued report for 2026-11-20", payload, True)
    assert window.payload_text() == payload
    assert window.payload_label.text() == "Exactly these bytes are sent next:"
    assert window.payload.isReadOnly() and window.payload.isVisible()
    window.set_payload("uploads are off: you have not turned them on", payload, False)
    assert window.payload_label.text().startswith("Nothing is sent now.")
    assert "you have not turned them on" in window.payload_note.text()
