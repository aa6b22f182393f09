"""The table of a structure's mandates: rows loaded page by page from SQL as the view scrolls."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from core.auth import Actor
from core.db import Database
from core.i18n import N_, _, format_date
from mediation.mandats.lecture import (
    STATUT_TITRES,
    Filtre,
    MandatRow,
    Statut,
    categorie_titre,
    count_mandats,
    list_mandats,
)

Index = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 200


def statut_libelle(row: MandatRow) -> str:
    if row.expire_bientot:
        return _("Expire bientôt")
    return _(STATUT_TITRES[row.statut])


class MandatTableModel(QAbstractTableModel):
    HEADERS = (
        N_("Référence"),
        N_("Mandant"),
        N_("Catégories en vigueur"),
        N_("Début"),
        N_("Fin"),
        N_("Statut"),
    )

    def __init__(self, db: Database, actor: Actor, parent: Any = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.filtre = Filtre.TOUS
        self.recherche = ""
        self._rows: list[MandatRow] = []
        self._total = 0

    # --- loading ------------------------------------------------------------------------------

    def load(self) -> tuple[int, list[MandatRow]]:
        """Count and first page; safe to call off the GUI thread (its own session)."""
        with self.db.read_session() as session:
            total = count_mandats(session, self.actor, self.filtre, self.recherche)
            rows = list_mandats(
                session, self.actor, self.filtre, self.recherche, limit=PAGE_SIZE, offset=0
            )
        return total, rows

    def set_loaded(self, loaded: tuple[int, list[MandatRow]]) -> None:
        self.beginResetModel()
        self._total, self._rows = loaded
        self.endResetModel()

    @property
    def total(self) -> int:
        return self._total

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        with self.db.read_session() as session:
            more = list_mandats(
                session,
                self.actor,
                self.filtre,
                self.recherche,
                limit=PAGE_SIZE,
                offset=len(self._rows),
            )
        if not more:
            self._total = len(self._rows)
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def row_at(self, row: int) -> MandatRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # --- Qt model -----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(self.HEADERS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row())
        if row is None:
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column == 0:
                return row.reference
            if column == 1:
                return row.mandant
            if column == 2:
                return ", ".join(categorie_titre(k) for k in row.categories) or "—"
            if column == 3:
                return format_date(row.debut, "short")
            if column == 4:
                return format_date(row.fin, "short")
            return statut_libelle(row)
        if role == Qt.ItemDataRole.ForegroundRole and column == 5:
            if row.expire_bientot:
                return QBrush(QColor("#9a5b00"))
            if row.statut is not Statut.ACTIF:
                return QBrush(QColor("#6b6b6b"))
        return None
