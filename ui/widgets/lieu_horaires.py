"""A weekly timetable editor that writes an OpenStreetMap ``opening_hours`` string.

Each weekday has up to two time ranges (morning, afternoon) and a « fermé les jours fériés »
box adds ``PH off``. The string is shown in an editable field: a person may type a richer one
(months, exceptions); it is validated, and the grid follows when it can represent it.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from core.errors import ValidationError
from core.i18n import _
from lieux.horaires import JOURS_FR, SemaineType, depuis_osm, verifier, vers_osm


def _qtime(value: time) -> QTime:
    return QTime(value.hour, value.minute)


def _time(value: QTime) -> time:
    return time(value.hour(), value.minute())


class HorairesEditor(QWidget):
    changed = Signal(str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        grid = QGridLayout()
        self.rows: list[tuple[QCheckBox, list[tuple[QCheckBox, QTimeEdit, QTimeEdit]]]] = []
        defaults = ((time(9), time(12)), (time(14), time(17)))
        for day, name in enumerate(JOURS_FR):
            open_box = QCheckBox(name.capitalize(), self)
            open_box.setAccessibleName(_("Ouvert le {day}").format(day=name))
            grid.addWidget(open_box, day, 0)
            ranges = []
            for slot, (start, end) in enumerate(defaults):
                use = QCheckBox(_("matin") if slot == 0 else _("après-midi"), self)
                use.setChecked(True)
                use.setAccessibleName(
                    _("Créneau {slot} du {day}").format(
                        slot=_("du matin") if slot == 0 else _("de l'après-midi"), day=name
                    )
                )
                a, b = QTimeEdit(_qtime(start), self), QTimeEdit(_qtime(end), self)
                a.setDisplayFormat("HH:mm")
                b.setDisplayFormat("HH:mm")
                a.setAccessibleName(_("Ouverture {day}, créneau {n}").format(day=name, n=slot + 1))
                b.setAccessibleName(_("Fermeture {day}, créneau {n}").format(day=name, n=slot + 1))
                grid.addWidget(use, day, 1 + slot * 3)
                grid.addWidget(a, day, 2 + slot * 3)
                grid.addWidget(b, day, 3 + slot * 3)
                for w in (use,):
                    w.toggled.connect(self._from_grid)
                a.timeChanged.connect(self._from_grid)
                b.timeChanged.connect(self._from_grid)
                ranges.append((use, a, b))
            open_box.toggled.connect(self._from_grid)
            self.rows.append((open_box, ranges))
        self.feries = QCheckBox(_("Fermé les jours fériés"), self)
        self.feries.setChecked(True)
        self.feries.toggled.connect(self._from_grid)
        self.text = QLineEdit(self)
        self.text.setAccessibleName(_("Horaires au format OpenStreetMap"))
        self.text.setPlaceholderText("Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00; PH off")
        self.text.editingFinished.connect(self._from_text)
        self.error = QLabel(self)
        self.error.setAccessibleName(_("Erreur d'horaires"))
        self.error.setStyleSheet("color: #a32020")
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.feries)
        layout.addWidget(QLabel(_("Horaires (format OpenStreetMap, modifiable) :"), self))
        layout.addWidget(self.text)
        layout.addWidget(self.error)
        self._updating = False

    def _semaine(self) -> SemaineType:
        week = SemaineType(feries_fermes=self.feries.isChecked())
        for day, (open_box, ranges) in enumerate(self.rows):
            if open_box.isChecked():
                week.jours[day] = [
                    (_time(a.time()), _time(b.time())) for use, a, b in ranges if use.isChecked()
                ]
        return week

    def _from_grid(self) -> None:
        if self._updating:
            return
        try:
            value = vers_osm(self._semaine())
        except ValidationError as exc:
            self.error.setText(str(exc))
            return
        self.error.clear()
        self.text.setText(value)
        self.changed.emit(value)

    def _from_text(self) -> None:
        try:
            value = verifier(self.text.text())
        except ValidationError as exc:
            self.error.setText(str(exc))
            return
        self.error.clear()
        self._show(depuis_osm(value))
        self.changed.emit(value)

    def _show(self, week: SemaineType | None) -> None:
        if week is None:
            return  # richer than the grid: the typed string stays the reference
        self._updating = True
        try:
            self.feries.setChecked(week.feries_fermes)
            for day, (open_box, ranges) in enumerate(self.rows):
                spans = week.jours[day]
                open_box.setChecked(bool(spans))
                if not spans:
                    continue  # a closed day keeps its proposed hours, ready to be ticked
                for slot, (use, a, b) in enumerate(ranges):
                    use.setChecked(slot < len(spans))
                    if slot < len(spans):
                        a.setTime(_qtime(spans[slot][0]))
                        b.setTime(_qtime(spans[slot][1]))
        finally:
            self._updating = False

    def set_value(self, value: str | None) -> None:
        self.text.setText(value or "")
        self._show(depuis_osm(value or ""))

    def value(self) -> str:
        """The validated string (ValidationError if the typed one is unreadable)."""
        return verifier(self.text.text())
