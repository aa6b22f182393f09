"""Keep every page and dialog within a 1366×768 screen, at any font scale.

A page or dialog that needs more room than the screen gives scrolls instead of growing the
window past the screen's edge, and its primary buttons stay outside the scrolled part, so they
are always in view. Sizes derive from the font, so a font scale of 150 % scales the whole
interface and then scrolls rather than clips.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLayout,
    QLayoutItem,
    QScrollArea,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

# What is left of a 1366×768 screen once the taskbar of the desk's system is shown.
TARGET_SIZE = QSize(1366, 740)


def available_size() -> QSize:
    """Room on the screen for a window: the primary screen's free area."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return TARGET_SIZE
    return screen.availableGeometry().size()


class FittingScrollArea(QScrollArea):
    """A scroll area that asks for its content's natural size (bounded by the screen) instead of
    QScrollArea's small fixed hint, and that never forces a minimum height on its window.
    ``sideways=False`` keeps the content's minimum width instead of scrolling sideways (a form
    read top to bottom)."""

    def __init__(
        self,
        widget: QWidget | None = None,
        parent: QWidget | None = None,
        *,
        sideways: bool = True,
    ) -> None:
        super().__init__(parent)
        self.sideways = sideways
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        if widget is not None:
            self.setWidget(widget)

    def sizeHint(self) -> QSize:
        inner = self.widget()
        if inner is None:
            return super().sizeHint()
        bar = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent)
        wanted = inner.sizeHint().expandedTo(inner.minimumSizeHint()) + QSize(bar, 0)
        return wanted.boundedTo(available_size())

    def minimumSizeHint(self) -> QSize:
        height = self.fontMetrics().height()
        wanted = QSize(12 * height, 6 * height)
        inner = self.widget()
        if not self.sideways and inner is not None:
            bar = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent)
            wanted.setWidth(inner.minimumSizeHint().width() + bar)
        return wanted


class PageStack(QStackedWidget):
    """The pages of the rail; it asks for the size of the page shown only, so that a large page
    once opened does not keep the window large for every other page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentChanged.connect(lambda _index: self.updateGeometry())

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else QSize(0, 0)


def scrolling(widget: QWidget, *, sideways: bool = True) -> FittingScrollArea:
    """``widget`` in a scroll area that appears only when the widget does not fit."""
    return FittingScrollArea(widget, sideways=sideways)


def scroll_dialog_body(dialog: QDialog) -> FittingScrollArea:
    """Move everything of the dialog's layout but its trailing button boxes into a scroll area,
    so the dialog fits the screen and « OK », « Enregistrer »… stay in view."""
    outer = dialog.layout()
    assert isinstance(outer, QVBoxLayout), "a dialog made to fit has a vertical layout"
    entries: list[tuple[QLayoutItem, int]] = []
    while outer.count():
        stretch = outer.stretch(0)
        item = outer.takeAt(0)
        assert item is not None
        entries.append((item, stretch))
    footer: list[tuple[QLayoutItem, int]] = []
    while entries and isinstance(entries[-1][0].widget(), QDialogButtonBox):
        footer.insert(0, entries.pop())
    body = QWidget()
    body_layout = QVBoxLayout(body)
    body_layout.setContentsMargins(0, 0, 0, 0)
    for item, stretch in entries:
        _move(item, stretch, body_layout)
    area = FittingScrollArea(body, dialog)
    outer.addWidget(area, 1)
    for item, stretch in footer:
        _move(item, stretch, outer)
    return area


def _move(item: QLayoutItem, stretch: int, target: QVBoxLayout) -> None:
    widget, layout = item.widget(), item.layout()
    if widget is not None:
        target.addWidget(widget, stretch)
    elif layout is not None:
        layout.setParent(None)
        target.addLayout(layout, stretch)
    else:
        target.addItem(item)


def fit_to_screen(dialog: QDialog) -> None:
    """Open no larger than the screen: the dialog's wished size, bounded by the free area."""
    layout = dialog.layout()
    if layout is not None:
        layout.setSizeConstraint(QLayout.SizeConstraint.SetDefaultConstraint)
    dialog.resize(dialog.sizeHint().boundedTo(available_size()))


def row_height(view: QAbstractItemView) -> int:
    """A table row as tall as its font needs, so rows grow with the font scale."""
    return view.fontMetrics().height() + 8


def scale_rows(table: QTableView) -> None:
    table.verticalHeader().setDefaultSectionSize(row_height(table))


def without_tab_trap(view: QAbstractItemView) -> None:
    """Tab leaves the table (arrows move between cells): the keyboard is never trapped."""
    view.setTabKeyNavigation(False)
    view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


def compact_combo(combo: QComboBox, characters: int = 18) -> None:
    """A combo box whose long entries do not set the width of its whole form: it is as wide as
    ``characters`` letters at least (its popup list still opens as wide as its longest entry)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)


def emphasize(widget: QWidget, factor: float, *, bold: bool = True) -> None:
    """A title or a big figure: ``factor`` times the application's text size, so that it grows
    with the font scale setting as the rest of the interface does (a size in points would not)."""
    font = QFont(widget.font())
    font.setPointSizeF(QApplication.font().pointSizeF() * factor)
    font.setBold(bold)
    widget.setFont(font)
