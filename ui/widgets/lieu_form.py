"""The form of one place: every schema field, enumerated ones offered from the schema only."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.errors import MedianumError
from core.i18n import _
from lieux.schema import MULTI_SEPARATOR, load_schema
from ui.widgets import fit
from ui.widgets.lieu_horaires import HorairesEditor

_LONG_TEXT = ("presentation_detail",)
_COORDS = ("latitude", "longitude")


class LieuFormDialog(QDialog):
    """``valeurs`` in, ``values()`` out (schema names); saving is the caller's use case."""

    def __init__(self, valeurs: dict[str, Any] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Lieu de médiation numérique"))
        self.setAccessibleName(_("Fiche du lieu"))
        self.widgets: dict[str, Any] = {}
        form = QFormLayout()
        for field in load_schema().fields:
            label = field.title + (" *" if field.required else "")
            widget: Any
            if field.enumerated:
                widget = QListWidget(self)
                for value in field.enum:
                    item = QListWidgetItem(value, widget)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Unchecked)
                widget.setMaximumHeight(min(24 * len(field.enum) + 6, 170))
            elif field.name == "horaires":
                widget = HorairesEditor(self)
            elif field.name in _COORDS:
                widget = QDoubleSpinBox(self)
                widget.setDecimals(6)
                limit = 180.0 if field.name == "longitude" else 90.0
                # One step below the range means « not given » (shown as such).
                widget.setRange(-limit - 1, limit)
                widget.setSpecialValueText(_("non renseignée"))
            elif field.name in _LONG_TEXT:
                widget = QPlainTextEdit(self)
                widget.setMaximumHeight(80)
            else:
                widget = QLineEdit(self)
                if field.max_length:
                    widget.setMaxLength(field.max_length)
            widget.setAccessibleName(field.title)
            form.addRow(label, widget)
            self.widgets[field.name] = widget
            if field.name == "longitude":
                pin = QPushButton(_("Placer sur la &carte…"), self)
                pin.setAccessibleName(_("Placer le lieu sur la carte"))
                pin.clicked.connect(self._place_on_map)
                form.addRow("", pin)
        inner = QWidget(self)
        inner.setLayout(form)
        scroll = QScrollArea(self)
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(buttons)
        # ``fit.available_size`` looked up now, not bound at import: the free area of the screen
        # when the dialog opens (a name imported once kept whichever function was current at
        # the first import, e.g. another test's patched screen, whatever the screen is later).
        self.resize(QSize(980, 760).boundedTo(fit.available_size()))
        self.set_values(valeurs or {})
        self._generated_identifier()

    def _generated_identifier(self) -> None:
        """The place's local identifier is technical: Médianum makes a new one (a UUID, as the
        national schema suggests) and shows it read-only, instead of asking the agent for it."""
        widget = self.widgets.get("id")
        if not isinstance(widget, QLineEdit):
            return
        if not widget.text().strip():
            widget.setText(str(uuid.uuid4()))
        widget.setReadOnly(True)
        widget.setToolTip(_("Identifiant technique donné par Médianum."))
        widget.setAccessibleDescription(_("Identifiant technique donné par Médianum."))

    def set_values(self, valeurs: dict[str, Any]) -> None:
        for name, widget in self.widgets.items():
            value = valeurs.get(name)
            if isinstance(widget, QListWidget):
                chosen = set(str(value).split(MULTI_SEPARATOR)) if value else set()
                for i in range(widget.count()):
                    item = widget.item(i)
                    item.setCheckState(
                        Qt.CheckState.Checked if item.text() in chosen else Qt.CheckState.Unchecked
                    )
            elif isinstance(widget, HorairesEditor):
                widget.set_value(value)
            elif isinstance(widget, QDoubleSpinBox):
                widget.setValue(float(value) if value is not None else widget.minimum())
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText(str(value or ""))
            else:
                widget.setText("" if value is None else str(value))

    def values(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, widget in self.widgets.items():
            if isinstance(widget, QListWidget):
                checked = [
                    widget.item(i).text()
                    for i in range(widget.count())
                    if widget.item(i).checkState() == Qt.CheckState.Checked
                ]
                result[name] = MULTI_SEPARATOR.join(checked) or None
            elif isinstance(widget, HorairesEditor):
                result[name] = widget.value() or None
            elif isinstance(widget, QDoubleSpinBox):
                value = widget.value()
                result[name] = None if value == widget.minimum() else value
            elif isinstance(widget, QPlainTextEdit):
                result[name] = widget.toPlainText().strip() or None
            else:
                result[name] = widget.text().strip() or None
        return result

    def _coordinate(self, name: str) -> float | None:
        widget: QDoubleSpinBox = self.widgets[name]
        return None if widget.value() == widget.minimum() else widget.value()

    def _place_on_map(self) -> None:
        from ui.widgets.lieu_pin import LieuPinDialog

        dialog = LieuPinDialog(self._coordinate("latitude"), self._coordinate("longitude"), self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.position is not None:
            self.set_position(*dialog.position)

    def set_position(self, latitude: float, longitude: float) -> None:
        self.widgets["latitude"].setValue(latitude)
        self.widgets["longitude"].setValue(longitude)

    def _accept(self) -> None:
        try:
            self.values()
        except MedianumError as exc:
            QMessageBox.warning(self, _("Horaires"), str(exc))
            return
        self.accept()
