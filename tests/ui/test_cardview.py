"""The card view: title, body, images only from the pack's media, web links reported, feedback."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QImage, QTextCursor, QTextDocument
from PySide6.QtTest import QTest

from app.core.render import render_card_html
from app.ui.cardview import CardView

IMAGE = QTextDocument.ResourceType.ImageResource.value


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A pack folder with media/shot.png, media/deep/inner.png, and a secret beside media/."""
    root = tmp_path / "pack"
    (root / "media" / "deep").mkdir(parents=True)
    for path, size in ((root / "media" / "shot.png", 40), (root / "media/deep/inner.png", 8)):
        image = QImage(size, size // 2, QImage.Format.Format_RGB32)
        image.fill(QColor("#2456c4"))
        assert image.save(str(path))
    secret = QImage(10, 10, QImage.Format.Format_RGB32)
    secret.fill(QColor("red"))
    secret.save(str(root / "secret.png"))
    secret.save(str(tmp_path / "outside.png"))
    (root / "media" / "link.png").symlink_to(tmp_path / "outside.png")
    return root


@pytest.fixture
def view(qtbot) -> CardView:
    widget = CardView()
    qtbot.addWidget(widget)
    return widget


def show(view: CardView, pack: Path, markdown: str) -> None:
    view.show_card(
        "demo", "pivot", "Refresh pivot tables", render_card_html(markdown), pack / "media"
    )


def test_shows_the_title_and_the_rendered_body(view: CardView, pack: Path) -> None:
    show(view, pack, "Press <kbd>Ctrl</kbd>+<kbd>Alt</kbd>+<kbd>F5</kbd> to refresh all.")
    assert view.isVisible()
    assert view.windowTitle() == "Cuecards card: Refresh pivot tables"
    assert view.heading.text() == "Refresh pivot tables"
    assert view.browser.toPlainText().strip() == "Press Ctrl+Alt+F5 to refresh all."
    assert view.card_ids() == ("demo", "pivot")


def test_keys_are_drawn_as_keycaps(view: CardView, pack: Path) -> None:
    show(view, pack, "Press <kbd>Ctrl</kbd> now.")
    key = view.browser.document().find("Ctrl").charFormat()
    plain = view.browser.document().find("Press").charFormat()
    assert key.fontFamilies() == ["monospace"]
    assert key.background().color() != plain.background().color()


def test_serves_a_png_from_the_pack_media(view: CardView, pack: Path) -> None:
    view.show_card("demo", "pivot", "Pivot", "", pack / "media")
    image = view.browser.loadResource(IMAGE, QUrl("media/shot.png"))
    assert isinstance(image, QImage)
    assert (image.width(), image.height()) == (40, 20)
    inner = view.browser.loadResource(IMAGE, QUrl("media/deep/inner.png"))
    assert isinstance(inner, QImage)
    assert inner.width() == 8


@pytest.mark.parametrize(
    "url",
    [
        "media/../secret.png",
        "media/deep/../../secret.png",
        "media/%2e%2e/secret.png",
        "media/link.png",
        "secret.png",
        "../outside.png",
        "/etc/passwd",
        "file:///etc/passwd",
        "http://example.com/media/shot.png",
        "https://example.com/media/shot.png",
        "//example.com/media/shot.png",
        "media/missing.png",
        "media/",
    ],
)
def test_refuses_anything_but_a_file_inside_media(view: CardView, pack: Path, url: str) -> None:
    view.show_card("demo", "pivot", "Pivot", "", pack / "media")
    assert view.browser.loadResource(IMAGE, QUrl(url)) is None


def test_loads_no_image_without_a_media_folder_and_no_other_resource(view, pack: Path) -> None:
    view.show_card("demo", "pivot", "Pivot", "", None)
    assert view.browser.loadResource(IMAGE, QUrl("media/shot.png")) is None
    view.show_card("demo", "pivot", "Pivot", "", pack / "media")
    stylesheet = QTextDocument.ResourceType.StyleSheetResource.value
    assert view.browser.loadResource(stylesheet, QUrl("media/shot.png")) is None


def test_a_body_image_from_media_is_laid_out_in_the_card(view: CardView, pack: Path) -> None:
    show(view, pack, "Text.\n\n![The button](media/shot.png)")
    shown = view.browser.document().resource(IMAGE, QUrl("media/shot.png"))
    assert isinstance(shown, QImage)
    assert shown.width() == 40


def test_a_wide_image_is_scaled_to_fit(view: CardView, pack: Path) -> None:
    wide = QImage(4000, 1000, QImage.Format.Format_RGB32)
    wide.fill(QColor("white"))
    wide.save(str(pack / "media" / "wide.png"))
    view.show_card("demo", "pivot", "Pivot", "", pack / "media")
    image = view.browser.loadResource(IMAGE, QUrl("media/wide.png"))
    assert image.width() < view.browser.viewport().width()
    assert image.height() == round(1000 * image.width() / 4000)


def click_anchor(view: CardView, text: str) -> None:
    """Click the middle of the first occurrence of `text` in the body, as a person would."""
    cursor = view.browser.document().find(text)
    assert not cursor.isNull(), text
    middle = QTextCursor(view.browser.document())
    middle.setPosition((cursor.selectionStart() + cursor.selectionEnd()) // 2)
    point = view.browser.cursorRect(middle).center()
    QTest.mouseClick(view.browser.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_clicking_a_web_link_asks_the_app_to_open_it(qtbot, view: CardView, pack: Path) -> None:
    show(view, pack, "See [the support page](https://support.example.com/pivots?x=1) now.")
    with qtbot.waitSignal(view.link_activated) as blocker:
        click_anchor(view, "support page")
    assert blocker.args == ["https://support.example.com/pivots?x=1"]
    assert view.browser.source().isEmpty()


@pytest.mark.parametrize(
    "href",
    ["javascript:alert(1)", "file:///etc/passwd", "mailto:a@example.com", "media/shot.png"],
)
def test_other_links_open_nothing(qtbot, view: CardView, pack: Path, href: str) -> None:
    # Raw HTML straight to the view: the view itself refuses, whatever the renderer let by.
    html = f'<p>Go <a href="{href}">somewhere else</a> now.</p>'
    view.show_card("demo", "pivot", "Pivot", html, pack / "media")
    with qtbot.assertNotEmitted(view.link_activated, wait=100):
        click_anchor(view, "somewhere")
    assert view.browser.toPlainText().strip() == "Go somewhere else now."


@pytest.mark.parametrize(
    ("button", "kind"), [("helpful_button", "helpful"), ("unhelpful_button", "unhelpful")]
)
def test_feedback_is_reported_once_per_showing(qtbot, view, pack: Path, button, kind) -> None:
    show(view, pack, "Body.")
    with qtbot.waitSignal(view.feedback) as blocker:
        qtbot.mouseClick(getattr(view, button), Qt.MouseButton.LeftButton)
    assert blocker.args == ["demo", "pivot", kind]
    assert not view.helpful_button.isEnabled()
    assert not view.unhelpful_button.isEnabled()
    assert view.question.text().startswith("Thanks")
    view.show_card("demo", "other", "Other", "<p>Other.</p>", None)
    assert view.helpful_button.isEnabled()
    assert view.question.text() == "Was this card helpful?"


def test_every_control_has_a_screen_reader_name(view: CardView) -> None:
    assert view.helpful_button.accessibleName() == "Helpful"
    assert view.unhelpful_button.accessibleName() == "Not helpful"
    assert view.close_button.accessibleName() == "Close card"
    assert view.browser.accessibleName() == "Card text"


def test_escape_closes_the_card(view: CardView, pack: Path) -> None:
    show(view, pack, "Body.")
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert not view.isVisible()
