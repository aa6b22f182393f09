"""A horizontal bar chart of one statistics section (QtCharts, loaded with the statistics page)."""

from __future__ import annotations

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

MAX_BARS = 15
BAR_COLOUR = QColor("#2f6f9f")  # dark enough for white labels and for colour-blind readers


class BarChart(QChartView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the table beside it is the accessible view
        self.setMinimumHeight(220)

    def set_data(self, title: str, rows: list[tuple[str, int]]) -> None:
        """The largest ``MAX_BARS`` values, largest on top."""
        shown = sorted(rows, key=lambda r: -r[1])[:MAX_BARS]
        shown.reverse()  # a horizontal series draws its first category at the bottom
        chart = QChart()
        chart.setTitle(title)
        chart.legend().hide()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        bars = QBarSet(title)
        bars.setColor(BAR_COLOUR)
        bars.append([float(n) for _label, n in shown])
        series = QHorizontalBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([label for label, _n in shown])
        chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(categories)
        values = QValueAxis()
        values.setLabelFormat("%d")
        values.setRange(0, max([n for _l, n in shown] + [1]) * 1.1)
        values.applyNiceNumbers()
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(values)
        self.setChart(chart)
        self.setAccessibleName(title)
