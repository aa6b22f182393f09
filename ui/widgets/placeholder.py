"""A page that is not written yet, or could not open, says so plainly."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.i18n import _


class PlaceholderPage(QWidget):
    def __init__(self, title: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = text or _("Cette page n'est pas encore disponible.")
        layout = QVBoxLayout(self)
        heading = QLabel(f"<h2>{title}</h2>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        label = QLabel(self.message)
        label.setWordWrap(True)
        label.setAccessibleName(self.message)
        layout.addWidget(heading)
        layout.addWidget(label)
        layout.addStretch(1)
        self.setAccessibleName(title)
