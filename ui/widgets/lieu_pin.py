"""Placing a place on a map: click or drag the pin, then « Utiliser cette position ».

The page (``lieux.carte.epingle_html``) keeps the pin's position in ``window.medianumPin``; the
dialog reads it back with ``runJavaScript`` when the person confirms, which needs no
QWebChannel. The web engine is loaded when the dialog opens and released when it closes.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout

from core.i18n import _
from ui.widgets.web_map import WebMap


class LieuPinDialog(QDialog):
    def __init__(self, latitude: float | None, longitude: float | None, parent: Any = None) -> None:
        super().__init__(parent)
        from lieux.carte import epingle_html

        self.setWindowTitle(_("Position du lieu"))
        self.position: tuple[float, float] | None = None
        self.map = WebMap(_("Carte pour placer le lieu"), self)
        # A file rather than setHtml: the inlined Leaflet is close to setHtml's 2 MB limit.
        self._file = Path(tempfile.gettempdir()) / f"medianum-epingle-{id(self)}.html"
        self._file.write_text(epingle_html(latitude, longitude), encoding="utf-8")
        self.map.load(self._file)
        hint = QLabel(_("Cliquez sur la carte ou faites glisser l'épingle."), self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        use = QPushButton(_("&Utiliser cette position"), self)
        buttons.addButton(use, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._read_position)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.map, 1)
        layout.addWidget(buttons)
        self.resize(760, 560)

    def _read_position(self) -> None:
        self.map.run_script("JSON.stringify(window.medianumPin)", self._received)

    def _received(self, value: Any) -> None:
        pin = json.loads(value) if isinstance(value, str) else None
        if isinstance(pin, dict) and "lat" in pin and "lng" in pin:
            self.position = (float(pin["lat"]), float(pin["lng"]))
        self.accept()

    def done(self, result: int) -> None:
        # The dialog outlives its exec() (its form keeps it): the web engine must not.
        self.map.release()
        self._file.unlink(missing_ok=True)
        super().done(result)
