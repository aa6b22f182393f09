"""Accessibility (RGAA): every interactive widget has a French name, every action is reachable
by keyboard, and the keyboard focus is drawn as a 2 px ring with enough contrast.

The walk covers every page and tab the demonstration agent (every role) can open and every main
dialog; a widget counts as named as Qt's accessibility names it: its accessible name, a button's
own text, or a label whose buddy it is.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.auth import Actor
from core.db import Database
from tests.gui.accessibility_support import interactive_widgets, unnamed
from tests.gui.demo_support import demo_agent, demo_db, demo_template  # noqa: F401
from tests.gui.test_fit_1366 import DIALOGS, each_tab, window_for
from ui.style import FOCUS_COLOUR, STYLE_SHEET

pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")


def keyboard_unreachable(root: QWidget) -> list[str]:
    """Buttons that neither Tab nor a shortcut can reach."""
    return [
        button.text() or button.accessibleName() or type(button).__name__
        for button in interactive_widgets(root)
        if isinstance(button, QAbstractButton)
        and not button.focusPolicy() & Qt.FocusPolicy.TabFocus
        and button.shortcut().isEmpty()
    ]


def tab_traps(root: QWidget) -> list[str]:
    """Lists where Tab walks from cell to cell instead of leaving (arrows move between cells)."""
    return [
        view.accessibleName()
        for view in root.findChildren(QAbstractItemView)
        if view.tabKeyNavigation() and not isinstance(view, QHeaderView)
    ]


def test_every_interactive_widget_of_every_page_has_a_name_and_a_keyboard_path(
    qtbot,
    demo_db: Database,  # noqa: F811
    demo_agent: Actor,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    window = window_for(qtbot, demo_db, demo_agent)
    problems: list[str] = []
    for key in window.rail_keys():
        window.open_page(key)
        QApplication.processEvents()
        page = window.current_page()
        assert page is not None
        if key == "beneficiaires":
            page.open_row(0)  # type: ignore[attr-defined]
        for tab in each_tab(page):
            where = f"{key} {tab}".strip()
            problems += [f"{where}: unnamed {p}" for p in unnamed(page)]
            problems += [f"{where}: no keyboard path to {p}" for p in keyboard_unreachable(page)]
            problems += [f"{where}: Tab trapped in {p}" for p in tab_traps(page)]
    problems += [f"window: unnamed {p}" for p in unnamed(window)]
    assert sorted(set(problems)) == []


@pytest.mark.parametrize("name", list(DIALOGS))
def test_every_interactive_widget_of_each_main_dialog_has_a_name_and_a_keyboard_path(
    qtbot,
    demo_db: Database,  # noqa: F811
    demo_agent: Actor,  # noqa: F811
    name: str,
) -> None:  # type: ignore[no-untyped-def]
    window = window_for(qtbot, demo_db, demo_agent)
    dialog = DIALOGS[name](window)
    dialog.show()
    QApplication.processEvents()
    assert unnamed(dialog) == []
    assert keyboard_unreachable(dialog) == []
    assert tab_traps(dialog) == []
    dialog.close()


def relative_luminance(colour: QColor) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour.getRgb()[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ring_width(image: QImage, y: int, colour: QColor) -> int:
    """How many pixels of the focus colour the widget's left edge has at height ``y``."""
    count = 0
    for x in range(min(6, image.width())):
        if contrast(image.pixelColor(x, y), colour) < 1.2:
            count += 1
    return count


@pytest.mark.parametrize("kind", [QLineEdit, QPushButton, QCheckBox])
def test_the_keyboard_focus_is_a_ring_of_2_px_with_aa_contrast(
    qtbot,
    qapp: QApplication,
    kind: type[QWidget],
) -> None:  # type: ignore[no-untyped-def]
    qapp.setStyleSheet(STYLE_SHEET)
    try:
        holder = QWidget()
        qtbot.addWidget(holder)
        layout = QVBoxLayout(holder)
        first = QLineEdit(holder)
        target = kind(holder) if kind is QLineEdit else kind("Valider", holder)  # type: ignore[call-arg]
        target.setAccessibleName("Valider")
        layout.addWidget(first)
        layout.addWidget(target)
        holder.show()
        holder.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is holder)
        first.setFocus()
        unfocused = target.grab().toImage()
        target.setFocus()
        qtbot.waitUntil(target.hasFocus)
        focused = target.grab().toImage()
    finally:
        qapp.setStyleSheet("")
    ring = QColor(FOCUS_COLOUR)
    middle = focused.height() // 2
    assert ring_width(focused, middle, ring) >= 2
    assert ring_width(unfocused, middle, ring) == 0
    background = holder.palette().window().color()
    assert contrast(ring, background) >= 3.0
    assert contrast(ring, QColor("white")) >= 3.0


def test_the_walk_reports_a_field_without_name_and_accepts_one_named_by_its_label(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QFormLayout, QLabel

    form = QWidget()
    qtbot.addWidget(form)
    layout = QFormLayout(form)
    layout.addRow("Nom :", QLineEdit())
    label = QLabel("&Prénom :")
    labelled = QLineEdit()
    label.setBuddy(labelled)
    layout.addRow(label, labelled)
    layout.addRow(QPushButton("Enregistrer"))
    assert unnamed(form) == []
    orphan = QLineEdit(form)
    orphan.setPlaceholderText("sans étiquette")
    assert unnamed(form) == ["QLineEdit in QWidget 'sans étiquette'"]
