"""The packs window: one row per pack, problems stand out and are explained."""

from __future__ import annotations

import pytest

from app.ui.packs_window import ERROR_COLOUR, PackRow, PacksWindow

ROWS = [
    PackRow("demo", "Demo tips", "1.0.0", "Cuecards", 100, "bundled", "ok", ""),
    PackRow(
        "acme.finance",
        "Finance essentials",
        "1.4.0",
        "ACME Learning",
        12,
        "https://packs.acme.example/index.json",
        "error",
        "signature does not match any trusted key; ask your administrator to add the key",
    ),
]


@pytest.fixture
def window(qtbot) -> PacksWindow:
    widget = PacksWindow()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_lists_every_pack_with_its_details(window: PacksWindow) -> None:
    window.set_packs(ROWS)
    assert window.row_texts() == [
        ["Demo tips", "1.0.0", "Cuecards", "100", "bundled", "ok"],
        [
            "Finance essentials",
            "1.4.0",
            "ACME Learning",
            "12",
            "https://packs.acme.example/index.json",
            "error",
        ],
    ]


def test_a_problem_is_selected_coloured_and_explained(window: PacksWindow) -> None:
    window.set_packs(ROWS)
    item = window.table.currentItem()
    assert item.text(0) == "Finance essentials"
    assert item.foreground(5).color().name() == ERROR_COLOUR
    assert "signature does not match any trusted key" in window.detail.text()
    assert window.detail.isVisible()
    window.table.setCurrentItem(window.table.topLevelItem(0))
    assert window.detail.text() == "Demo tips (demo) from bundled: ok"


def test_no_packs_says_what_to_expect(window: PacksWindow) -> None:
    window.set_packs([])
    assert window.empty.isVisible()
    assert not window.table.isVisible()
    assert "No packs installed" in window.empty.text()


def test_controls_have_screen_reader_names(window: PacksWindow) -> None:
    assert window.table.accessibleName() == "Installed card packs"
    assert window.close_button.accessibleName() == "Close packs"
    assert window.detail.accessibleName() == "Details of the selected pack"
