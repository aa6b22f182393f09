"""A table model over a SQL query that loads rows by pages, on demand, into a bounded cache.

The view asks for rows as they scroll into sight; each page of ``PAGE_SIZE`` rows is one indexed
``OFFSET … LIMIT`` query, and only ``MAX_PAGES`` pages stay in memory (least recently used are
dropped), so a list of 200,000 beneficiaries costs the same memory as a list of 2,000. Sorting
and filtering change the SQL statement, never sort rows in Python.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.db import Database
from core.progress import Progress

RowT = TypeVar("RowT")
Index = QModelIndex | QPersistentModelIndex
Work = Callable[[Session, Progress], Any]
_First = tuple[int, list[RowT], Any]  # the row count, the first page, the lookups
# Runs ``work`` in a read session off the GUI thread, then its result on the GUI thread.
Reader = Callable[[Work, Callable[[Any], None]], None]


@dataclass(frozen=True)
class Colonne(Generic[RowT]):
    titre: str
    valeur: Callable[[RowT], Any]
    tri: str | None = None  # sort key understood by the subclass; None: not sortable
    alignement: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class PagedQueryModel(QAbstractTableModel, Generic[RowT]):
    PAGE_SIZE = 100
    MAX_PAGES = 40

    def __init__(self, db: Database, colonnes: Sequence[Colonne[RowT]], parent: Any = None) -> None:
        super().__init__(parent)
        self.db = db
        self.colonnes = list(colonnes)
        self._count = 0
        self._pages: OrderedDict[int, list[RowT]] = OrderedDict()
        self.queries = 0  # how many page queries ran (tests and benchmarks read it)
        self.reader: Reader | None = None  # None: reload on the calling thread
        self._generation = 0  # a reload answered after a newer one was asked is stale
        self.loading = False

    # --- to override --------------------------------------------------------------------------

    def statement(self) -> Select[Any]:
        raise NotImplementedError

    def make_row(self, raw: Any) -> RowT:
        return raw  # type: ignore[no-any-return]

    def lookups(self, session: Session) -> Any:
        """Off the GUI thread with the first page: what ``data`` will need besides the rows."""
        return None

    def adopt(self, lookups: Any) -> None:
        """On the GUI thread, before the rows are shown: keep what ``lookups`` read."""

    # --- loading ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Count the rows and read the first page: through ``reader`` when it is set."""
        stmt = self.statement()
        if self.reader is None:
            with self.db.read_session() as session:
                self._apply(self._first(session, stmt))
            return
        self._generation += 1
        generation = self._generation
        self.loading = True

        def work(session: Session, _progress: Progress) -> _First[RowT]:
            return self._first(session, stmt)

        def done(first: _First[RowT]) -> None:
            if generation == self._generation:
                self.loading = False
                self._apply(first)

        self.reader(work, done)

    def _first(self, session: Session, stmt: Select[Any]) -> _First[RowT]:
        count = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        page = [self.make_row(raw) for raw in session.execute(stmt.limit(self.PAGE_SIZE))]
        return int(count or 0), page, self.lookups(session)

    def _apply(self, first: _First[RowT]) -> None:
        count, page, lookups = first
        self.adopt(lookups)
        self.beginResetModel()
        self._pages.clear()
        self._count, self._pages[0] = count, page
        self.queries += 1
        self.endResetModel()

    def _page(self, number: int) -> list[RowT]:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        stmt = self.statement().offset(number * self.PAGE_SIZE).limit(self.PAGE_SIZE)
        with self.db.read_session() as session:
            page = [self.make_row(raw) for raw in session.execute(stmt)]
        self.queries += 1
        self._pages[number] = page
        while len(self._pages) > self.MAX_PAGES:
            self._pages.popitem(last=False)
        return page

    def row_at(self, row: int) -> RowT | None:
        if row < 0 or row >= self._count:
            return None
        page = self._page(row // self.PAGE_SIZE)
        offset = row % self.PAGE_SIZE
        return page[offset] if offset < len(page) else None

    @property
    def cached_rows(self) -> int:
        return sum(len(p) for p in self._pages.values())

    # --- Qt -----------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.colonnes)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.colonnes[section].titre
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            row = self.row_at(index.row())
            if row is None:
                return None
            value = self.colonnes[index.column()].valeur(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(self.colonnes[index.column()].alignement)
        if role == Qt.ItemDataRole.UserRole:
            return self.row_at(index.row())
        return None
