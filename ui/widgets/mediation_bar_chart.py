"""A horizontal bar chart of one statistics section, every category drawn, exportable.

One bar per category, largest on top, its whole label beside it (wrapped, never shortened to
« … »): the chart grows in height with its categories and its page scrolls. The same drawing
makes the exports a coordinator puts in a report — PNG, SVG (QtSvg) and PDF (QPdfWriter) —
headed with the title, the period and the perimeter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPaintEvent,
    QPdfWriter,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.errors import ValidationError
from core.i18n import _, format_number

BAR_COLOUR = QColor("#2f6f9f")  # dark enough for white labels and for colour-blind readers
TEXT_COLOUR = QColor("#1a1a1a")
GRID_COLOUR = QColor("#c8c8c8")
EXPORT_WIDTH_PX = 1200
EXPORT_MARGIN_PX = 16
EXPORT_FORMATS = ("png", "svg", "pdf")


@dataclass(frozen=True)
class ChartData:
    """What a chart shows, and what heads it once exported."""

    title: str
    rows: tuple[tuple[str, int], ...]
    period: str = ""
    perimeter: str = ""

    def bars(self) -> list[tuple[str, int]]:
        """Every category, largest first (ties in the order of the data)."""
        return sorted(self.rows, key=lambda r: -r[1])

    def header_lines(self) -> list[str]:
        return [line for line in (self.period, self.perimeter) if line]


class _Geometry:
    """Where each label and bar goes for a given width and font."""

    def __init__(self, data: ChartData, font: QFont, width: float, *, header: bool) -> None:
        self.data, self.font, self.width = data, font, width
        metrics = QFontMetricsF(font)
        self.line = metrics.height()
        self.pad = self.line * 0.4
        self.header_height = 0.0
        if header:
            self.header_height = self.line * 1.6 + self.line * len(data.header_lines()) + self.pad
        bars = data.bars()
        longest = max((metrics.horizontalAdvance(label) for label, _n in bars), default=0.0)
        self.label_width = min(longest + self.pad, width * 0.42)
        peak = max([n for _l, n in bars] + [1])
        self.value_width = metrics.horizontalAdvance(format_number(peak))
        self.bar_left = self.label_width + self.pad
        self.bar_span = max(width - self.bar_left - self.value_width - 2 * self.pad, 1.0)
        self.rows: list[tuple[QRectF, QRectF, str, int]] = []
        top = self.header_height
        flags = int(Qt.TextFlag.TextWordWrap)
        for label, value in bars:
            wrapped = metrics.boundingRect(QRectF(0, 0, self.label_width, 10_000), flags, label)
            height = max(wrapped.height(), self.line * 1.2) + self.pad
            label_rect = QRectF(0, top, self.label_width, height)
            length = self.bar_span * value / peak
            bar_rect = QRectF(self.bar_left, top + self.pad / 2, length, height - self.pad)
            self.rows.append((label_rect, bar_rect, label, value))
            top += height
        self.height = top + self.pad


def paint_chart(
    painter: QPainter, data: ChartData, font: QFont, width: float, *, header: bool
) -> list[QRectF]:
    """Draw the chart from the painter's origin; returns the rectangle of each bar drawn."""
    geometry = _Geometry(data, font, width, header=header)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(font)
    painter.setPen(TEXT_COLOUR)
    if header:
        title_font = QFont(font)
        title_font.setBold(True)
        title_font.setPointSizeF(font.pointSizeF() * 1.3)
        painter.setFont(title_font)
        painter.drawText(QRectF(0, 0, width, geometry.line * 1.6), data.title)
        painter.setFont(font)
        for i, line in enumerate(data.header_lines()):
            top = geometry.line * (1.6 + i)
            painter.drawText(QRectF(0, top, width, geometry.line), line)
    painter.setPen(GRID_COLOUR)
    painter.drawLine(
        int(geometry.bar_left),
        int(geometry.header_height),
        int(geometry.bar_left),
        int(geometry.height - geometry.pad),
    )
    drawn = []
    align_label = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    for label_rect, bar_rect, label, value in geometry.rows:
        painter.setPen(TEXT_COLOUR)
        painter.drawText(label_rect, int(align_label | Qt.TextFlag.TextWordWrap), label)
        painter.fillRect(bar_rect, BAR_COLOUR)
        drawn.append(bar_rect)
        value_rect = QRectF(
            bar_rect.right() + geometry.pad / 2,
            bar_rect.top(),
            geometry.value_width + geometry.pad,
            bar_rect.height(),
        )
        painter.drawText(value_rect, int(Qt.AlignmentFlag.AlignVCenter), format_number(value))
    return drawn


class BarChart(QWidget):
    """The chart on screen: as tall as its categories need at the width it is given."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = ChartData("", ())
        self.drawn: list[QRectF] = []
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the table beside it is the accessible view
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setAutoFillBackground(True)

    def set_data(self, data: ChartData) -> None:
        self.data = data
        self.setAccessibleName(data.title)
        self.setAccessibleDescription(
            "; ".join(f"{label} : {format_number(n)}" for label, n in data.bars())
        )
        self.updateGeometry()
        self.update()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return int(_Geometry(self.data, self.font(), width, header=False).height) + 1

    def sizeHint(self) -> QSize:
        width = 24 * self.fontMetrics().averageCharWidth() * 2
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(12 * self.fontMetrics().averageCharWidth(), self.fontMetrics().height() * 3)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.drawn = paint_chart(painter, self.data, self.font(), self.width(), header=False)
        painter.end()


# --- exports -----------------------------------------------------------------------------------


def export_chart(data: ChartData, path: Path, font: QFont) -> Path:
    """Write the chart, with its title, period and perimeter, as PNG, SVG or PDF (by suffix)."""
    kind = path.suffix.lower().lstrip(".")
    if kind not in EXPORT_FORMATS:
        raise ValidationError(
            _("Format de graphique inconnu : choisissez un fichier .png, .svg ou .pdf."),
            field="chemin",
        )
    export_font = QFont(font)
    export_font.setPointSizeF(11)
    if kind == "pdf":
        _export_pdf(data, path, export_font)
    else:
        # Pixels at 96 dpi: a point is 4/3 pixel.
        inner = EXPORT_WIDTH_PX - 2 * EXPORT_MARGIN_PX
        geometry = _Geometry(data, export_font, inner, header=True)
        size = QSize(EXPORT_WIDTH_PX, int(geometry.height) + 1 + 2 * EXPORT_MARGIN_PX)
        if kind == "png":
            _export_png(data, path, export_font, size)
        else:
            _export_svg(data, path, export_font, size)
    return path


def _export_png(data: ChartData, path: Path, font: QFont, size: QSize) -> None:
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.setDotsPerMeterX(3780)  # 96 dpi, so the font's points become the same pixels
    image.setDotsPerMeterY(3780)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.translate(EXPORT_MARGIN_PX, EXPORT_MARGIN_PX)
    paint_chart(painter, data, font, size.width() - 2 * EXPORT_MARGIN_PX, header=True)
    painter.end()
    # PySide6 6.12 refuses the format as bytes (« wrong argument values »), whatever its stubs say.
    if not image.save(str(path), "PNG"):  # type: ignore[call-overload]
        raise OSError(_("Le graphique n'a pas pu être écrit dans {path}.").format(path=path))


def _export_svg(data: ChartData, path: Path, font: QFont, size: QSize) -> None:
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setResolution(96)
    generator.setTitle(data.title)
    generator.setDescription(" — ".join(data.header_lines()))
    painter = QPainter(generator)
    painter.translate(EXPORT_MARGIN_PX, EXPORT_MARGIN_PX)
    paint_chart(painter, data, font, size.width() - 2 * EXPORT_MARGIN_PX, header=True)
    painter.end()


def _export_pdf(data: ChartData, path: Path, font: QFont) -> None:
    writer = QPdfWriter(str(path))
    writer.setTitle(data.title)
    writer.setCreator("Médianum")
    writer.setResolution(96)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    page = writer.pageLayout().paintRectPixels(writer.resolution())
    geometry = _Geometry(data, font, page.width(), header=True)
    painter = QPainter(writer)
    # A chart taller than the page is scaled down to one page rather than cut.
    scale = min(1.0, page.height() / geometry.height)
    painter.scale(scale, scale)
    paint_chart(painter, data, font, page.width() / scale, header=True)
    painter.end()
