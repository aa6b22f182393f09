"""Accompagnements: the list of recorded activities (paged from SQL) beside the quick form.

The form (``ui.widgets.mediation_accompagnement_form``) records an accompaniment in under a
minute with the keyboard; « Dupliquer » copies the selected activity of the list into it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.auth import Permission
from core.i18n import _
from ui.context import AppContext
from ui.models.accompagnements_model import AccompagnementsModel
from ui.models.mediation_paging import Work
from ui.widgets.fit import scale_rows, without_tab_trap
from ui.widgets.mediation_accompagnement_form import AccompagnementForm
from ui.widgets.operations import ReadOp


class AccompagnementsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Accompagnements"))
        layout = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        layout.addWidget(splitter)

        left = QWidget(splitter)
        left_layout = QVBoxLayout(left)
        filters = QHBoxLayout()
        today = QDate.currentDate()
        self.du = QDateEdit(QDate(today.year(), 1, 1), left)
        self.au = QDateEdit(today, left)
        for edit, name in ((self.du, _("Du")), (self.au, _("Au"))):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
            label = QLabel(name, left)
            label.setBuddy(edit)
            filters.addWidget(label)
            filters.addWidget(edit)
            edit.dateChanged.connect(self.refresh)
        self.mes_accompagnements = QCheckBox(_("Les &miens seulement"), left)
        self.mes_accompagnements.toggled.connect(self.refresh)
        filters.addWidget(self.mes_accompagnements)
        filters.addStretch(1)
        self.compte = QLabel(left)
        left_layout.addLayout(filters)

        self.model = AccompagnementsModel(ctx.db, ctx.actor, self)
        self.model.reader = self._read
        self.table = QTableView(left)
        self.table.setModel(self.model)
        self.table.setAccessibleName(_("Liste des accompagnements"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        scale_rows(self.table)
        without_tab_trap(self.table)
        self.table.horizontalHeader().setStretchLastSection(True)
        metrics = self.table.fontMetrics()
        for column in range(self.model.columnCount()):
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            self.table.setColumnWidth(column, metrics.horizontalAdvance(title) + 30)
        # Widths from typical values in the table's font, so they grow with the text size.
        for column, sample in (
            (0, "00/00/0000"),
            (1, "Accompagnement individuel"),
            (3, "Lieu d'activité"),
        ):
            self.table.setColumnWidth(column, metrics.horizontalAdvance(sample) + 16)
        self.table.activated.connect(self._duplicate_index)
        left_layout.addWidget(self.table, 1)
        self.dupliquer = QPushButton(_("&Dupliquer l'accompagnement choisi"), left)
        self.dupliquer.setToolTip(_("Reprendre ses valeurs dans le formulaire (Entrée)"))
        self.dupliquer.clicked.connect(self.duplicate_selected)
        below = QHBoxLayout()
        below.addWidget(self.compte, 1)
        below.addWidget(self.dupliquer)
        left_layout.addLayout(below)

        self.form = AccompagnementForm(ctx)
        self.form.saved.connect(lambda _id: self.refresh())
        splitter.addWidget(self.form)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setChildrenCollapsible(False)
        # The form gets the width it asks for; the list takes the rest and scrolls sideways.
        splitter.setSizes([max(1, left.sizeHint().width()), self.form.sizeHint().width()])
        writable = ctx.actor.can_anywhere(Permission.DOSSIER_ECRIRE)
        self.form.setEnabled(writable)
        self.dupliquer.setEnabled(writable)
        # Ctrl+L locks the desk (main window): the list takes Ctrl+Maj+L.
        QShortcut(QKeySequence("Ctrl+Shift+L"), self, self.table.setFocus)
        QShortcut(QKeySequence("Ctrl+N"), self, self.focus_form)
        self.model.modelReset.connect(self._update_count)
        self.compte.setText(_("Chargement…"))
        self.refresh()

    def _read(self, work: Work, done: Callable[[Any], None]) -> None:
        ReadOp(self, self.ctx, work, done).run_in_background()

    def focus_form(self) -> None:
        self.form.individuel.setFocus()

    def refresh(self) -> None:
        self.model.du = self.du.date().toPython()  # type: ignore[assignment]
        self.model.au = self.au.date().toPython()  # type: ignore[assignment]
        self.model.agent_id = (
            self.ctx.actor.agent_id if self.mes_accompagnements.isChecked() else None
        )
        self.model.reload()

    def _update_count(self) -> None:
        self.compte.setText(_("{n} accompagnement(s)").format(n=self.model.rowCount()))

    def _duplicate_index(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.form.duplicate(row.id)
            self.focus_form()

    def duplicate_selected(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._duplicate_index(index)
        else:
            self.form.duplicate_last()
