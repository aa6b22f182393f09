"""The « Lieux » page: the places table, import with report, edit form, exports, map, nearest.

The map is shown by a map-host process (``ui.widgets.web_map``) started when the « Carte » tab is
shown and ended when it is left: the application never loads the web engine itself.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.auth import Actor, Permission
from core.errors import MedianumError
from core.i18n import _, format_number
from core.progress import Progress
from core.territory import territory_communes
from lieux.models import Lieu
from lieux.schema import load_schema
from ui.context import AppContext
from ui.widgets.empty_state import empty_state
from ui.widgets.fit import compact_combo, without_tab_trap
from ui.widgets.operations import ReadOp
from ui.widgets.web_map import WebMap, fit_until_touched_js

PAGE_SIZE = 500
_COLUMNS = (
    ("nom", "Nom"),
    ("commune", "Commune"),
    ("services", "Services"),
    ("horaires", "Horaires"),
)

Index = QModelIndex | QPersistentModelIndex


FIT_PLACES_JS = fit_until_touched_js(
    "window.medianumCarte && window.medianumCarte.map",
    "window.medianumCarte && window.medianumCarte.markers.length && L.latLngBounds("
    "window.medianumCarte.markers.map(function (m) { return m.getLatLng(); }))",
    20,
)


class LieuxTableModel(QAbstractTableModel):
    """The places matching a filter, at most PAGE_SIZE rows read from SQL (filter in SQL)."""

    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[tuple[int, str, str, str, str]] = []
        self.total = 0

    def fetch(self, text: str) -> tuple[int, list[tuple[int, str, str, str, str]]]:
        """Run off the GUI thread: the matching count and the first PAGE_SIZE rows."""
        with self.ctx.db.read_session() as s:
            query = select(Lieu.id, Lieu.nom, Lieu.commune, Lieu.services, Lieu.horaires)
            counter = select(func.count()).select_from(Lieu)
            if text.strip():
                pattern = f"%{text.strip()}%"
                condition = or_(
                    Lieu.nom.ilike(pattern),
                    Lieu.commune.ilike(pattern),
                    Lieu.services.ilike(pattern),
                    Lieu.identifiant.ilike(pattern),
                )
                query, counter = query.where(condition), counter.where(condition)
            total = s.scalar(counter) or 0
            rows = [
                (r[0], r[1], r[2], (r[3] or "").replace("|", ", "), r[4] or "")
                for r in s.execute(query.order_by(Lieu.nom).limit(PAGE_SIZE))
            ]
        return total, rows

    def show(self, result: tuple[int, list[tuple[int, str, str, str, str]]]) -> None:
        self.beginResetModel()
        self.total, self.rows = result
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(_COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.rows[index.row()][index.column() + 1]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(_COLUMNS[section][1])
        return None

    def lieu_id(self, row: int) -> int:
        return self.rows[row][0]


@dataclass(frozen=True)
class NearestChoices:
    communes: tuple[tuple[str, str], ...]  # (code INSEE, name) of the territory's communes
    services: tuple[str, ...]  # the services of the places' schema


def _nearest_choices(session: Session, _progress: Progress) -> NearestChoices:
    return NearestChoices(
        tuple((c.code_insee, c.nom) for c in territory_communes(session)),
        tuple(load_schema().field("services").enum),
    )


class LieuxPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.may_manage = ctx.actor.can_anywhere(Permission.LIEUX_GERER)
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName(_("Onglets des lieux"))
        self.tabs.addTab(self._list_tab(), _("&Liste"))
        self.map_tab = WebMap(_("Carte des lieux"), self)
        self.map_tab.loaded.connect(self._fit_places)
        self.tabs.addTab(self.map_tab, _("&Carte"))
        self.tabs.addTab(self._nearest_tab(), _("Lieux les plus &proches"))
        self.tabs.currentChanged.connect(self._tab_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.refresh()

    # --- list ------------------------------------------------------------------------------

    def _list_tab(self) -> QWidget:
        tab = QWidget(self)
        self.filter = QLineEdit(tab)
        self.filter.setPlaceholderText(_("Filtrer par nom, commune, service ou identifiant"))
        self.filter.setAccessibleName(_("Filtre des lieux"))
        self.filter.textChanged.connect(self.refresh)
        self.model = LieuxTableModel(self.ctx, self)
        self.table = QTableView(tab)
        self.table.setModel(self.model)
        self.table.setAccessibleName(_("Lieux de médiation numérique"))
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        without_tab_trap(self.table)
        letter = self.table.fontMetrics().averageCharWidth()
        for column, letters in enumerate((45, 20, 45)):
            self.table.setColumnWidth(column, letter * letters)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.count = QLabel(tab)
        self.count.setAccessibleName(_("Nombre de lieux"))
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, label, slot in (
            ("import", _("&Importer un fichier…"), self.import_file),
            ("new", _("&Nouveau lieu…"), self.new_place),
            ("edit", _("&Modifier…"), self.edit_selected),
            ("csv", _("Exporter en CS&V…"), lambda: self.export("csv")),
            ("geojson", _("Exporter en &GeoJSON…"), lambda: self.export("geojson")),
            ("html", _("Exporter la carte (&HTML)…"), lambda: self.export("html")),
        ):
            button = QPushButton(label, tab)
            button.clicked.connect(slot)
            button.setVisible(self.may_manage)
            buttons.addWidget(button)
            self.buttons[key] = button
        buttons.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addLayout(buttons)
        return tab

    _generation = 0

    def refresh(self) -> None:
        text = self.filter.text()
        self._generation += 1
        generation = self._generation
        self.ctx.tasks.run(
            lambda _progress: self.model.fetch(text),
            on_done=lambda result: self._show_rows(generation, result),
            on_error=self._error,
        )

    def _show_rows(
        self, generation: int, result: tuple[int, list[tuple[int, str, str, str, str]]]
    ) -> None:
        if generation != self._generation:
            return  # typed on since: a newer answer is coming
        self.model.show(result)
        shown = len(self.model.rows)
        self.count.setText(
            _("{n} lieux").format(n=self.model.total)
            if shown == self.model.total
            else _("{shown} premiers lieux sur {n} : précisez le filtre.").format(
                shown=shown, n=self.model.total
            )
        )

    def _error(self, exc: BaseException) -> None:
        if isinstance(exc, MedianumError):
            QMessageBox.warning(self, _("Lieux"), str(exc))
        else:
            raise exc

    def _run(self, label: str, fn: Any, on_done: Any) -> None:
        dialog = QProgressDialog(label, _("Annuler"), 0, 0, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)

        def progress(done: int, total: int, text: str) -> None:
            dialog.setMaximum(max(total, 1))
            dialog.setValue(done)
            if text:
                dialog.setLabelText(text)

        def finish(result: Any) -> None:
            dialog.reset()
            on_done(result)

        def fail(exc: BaseException) -> None:
            dialog.reset()
            self._error(exc)

        handle = self.ctx.tasks.run(fn, on_done=finish, on_error=fail, on_progress=progress)
        dialog.canceled.connect(handle.cancel)

    def import_file(self, path: str | None = None) -> None:
        if path is None:
            path, _filter = QFileDialog.getOpenFileName(
                self,
                _("Importer des lieux"),
                "",
                _("Lieux (*.csv *.json *.geojson);;Tous les fichiers (*)"),
            )
        if not path:
            return
        from lieux.importation import analyser_fichier

        self._run(
            _("Lecture du fichier…"),
            lambda progress: analyser_fichier(Path(path), progress),
            self._show_report,
        )

    def _show_report(self, rapport: Any) -> None:
        from ui.widgets.lieu_import import LieuImportDialog

        dialog = LieuImportDialog(rapport, self)
        self.last_import_dialog = dialog
        if dialog.exec() != LieuImportDialog.DialogCode.Accepted:
            return
        from lieux.importation import importer_lieux

        def write(progress: Progress) -> Any:
            with self.ctx.db.session() as s:
                return importer_lieux(s, self.ctx.actor, rapport, progress)

        self._run(_("Import des lieux…"), write, self._imported)

    def _imported(self, result: Any) -> None:
        self.refresh()
        self.web_stale = True
        details = "\n".join(
            f"{ident} : {', '.join(fields)}" for ident, fields in list(result.modifies.items())[:30]
        )
        QMessageBox.information(
            self,
            _("Import terminé"),
            _("{c} lieux créés, {m} mis à jour, {u} inchangés, {i} lignes ignorées.").format(
                c=len(result.crees),
                m=len(result.modifies),
                u=len(result.inchanges),
                i=result.ignores,
            )
            + ("\n\n" + _("Champs modifiés :") + "\n" + details if details else ""),
        )

    def _selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.lieu_id(rows[0].row()) if rows else None

    def new_place(self) -> None:
        self._edit(None)

    def edit_selected(self) -> None:
        if not self.may_manage:
            return
        lieu_id = self._selected_id()
        if lieu_id is None:
            QMessageBox.information(self, _("Lieux"), _("Choisissez d'abord un lieu."))
            return
        self._edit(lieu_id)

    def _edit(self, lieu_id: int | None) -> None:
        from lieux.edition import enregistrer_lieu, lire_lieu
        from ui.widgets.lieu_form import LieuFormDialog

        values: dict[str, Any] = {}
        if lieu_id is not None:
            with self.ctx.db.read_session() as s:
                lieu = lire_lieu(s, self.ctx.actor, lieu_id)
                values = {n: lieu.schema_value(n) for n in load_schema().names}
        dialog = LieuFormDialog(values, self)
        self.last_form = dialog
        while dialog.exec() == LieuFormDialog.DialogCode.Accepted:
            try:
                with self.ctx.db.session() as s:
                    enregistrer_lieu(s, self.ctx.actor, dialog.values(), lieu_id)
            except MedianumError as exc:
                QMessageBox.warning(self, _("Lieu non enregistré"), str(exc))
                continue
            self.refresh()
            self.web_stale = True
            return

    def export(self, kind: str) -> None:
        filters = {
            "csv": _("CSV national (*.csv)"),
            "geojson": _("GeoJSON (*.geojson)"),
            "html": _("Page web (*.html)"),
        }
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Exporter les lieux"), f"lieux.{kind}", filters[kind]
        )
        if not path:
            return
        self.export_to(kind, Path(path))

    def export_to(self, kind: str, path: Path) -> None:
        from lieux.carte import exporter_carte
        from lieux.exportation import exporter_csv, exporter_geojson, lieux_sans_position
        from pass_numerique.structures import lieux_references

        def map_with_pass(s: Session, actor: Actor, path: Path) -> int:
            return exporter_carte(s, actor, path, pass_ids=lieux_references(s))

        writers = {"csv": exporter_csv, "geojson": exporter_geojson, "html": map_with_pass}

        def write(_progress: Progress) -> tuple[int, int]:
            with self.ctx.db.session() as s:
                n = writers[kind](s, self.ctx.actor, path)
                # A map or a GeoJSON cannot hold a place without position: say how many.
                return n, lieux_sans_position(s) if kind != "csv" else 0

        def done(counts: tuple[int, int]) -> None:
            text = _("{n} lieux exportés dans {file}.").format(n=counts[0], file=path)
            if counts[1]:
                text += " " + _("{n} lieux sans position, non exportés.").format(n=counts[1])
            QMessageBox.information(self, _("Export terminé"), text)

        self._run(_("Export…"), write, done)

    # --- map -------------------------------------------------------------------------------

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.map_tab and self.web_stale:
            self.show_map()

    web_stale = True  # no map file written yet

    def show_map(self) -> None:
        self.web_stale = False
        from lieux.carte import carte_html
        from pass_numerique.structures import lieux_references

        def build(_progress: Progress) -> str:
            with self.ctx.db.read_session() as s:
                html, _n = carte_html(s, self.ctx.actor, pass_ids=lieux_references(s))
            # setHtml is limited to 2 MB: a file holds any number of places.
            target = Path(tempfile.gettempdir()) / f"medianum-carte-{id(self)}.html"
            target.write_text(html, encoding="utf-8")
            return str(target)

        def load(path: str) -> None:
            self.map_tab.load(Path(path))

        self._run(_("Préparation de la carte…"), build, load)

    def _fit_places(self, ok: bool) -> None:
        # The page fits the places while it loads, when the view may have no size yet: it then
        # opened zoomed on one place with the others outside.
        if ok:
            self.map_tab.run_script(FIT_PLACES_JS)

    # --- nearest ---------------------------------------------------------------------------

    def _nearest_tab(self) -> QWidget:
        tab = QWidget(self)
        self.commune = QComboBox(tab)
        # Editable: a commune of the list, or any commune's name or an address typed in.
        self.commune.setEditable(True)
        self.commune.setAccessibleName(_("Commune ou adresse du bénéficiaire"))
        self.service = QComboBox(tab)
        self.service.setAccessibleName(_("Service recherché"))
        self.service.addItem(_("Tous les services"), None)
        # The territory's communes and the schema's services are read off the GUI thread.
        ReadOp(self, self.ctx, _nearest_choices, self._fill_nearest_choices).run_in_background()
        search = QPushButton(_("&Rechercher"), tab)
        search.clicked.connect(self.search_nearest)
        self.print_button = QPushButton(_("&Imprimer la liste (PDF)…"), tab)
        self.print_button.clicked.connect(self.print_nearest)
        self.print_button.setEnabled(False)
        self.results = QTableWidget(0, 4, tab)
        self.results.setAccessibleName(_("Lieux les plus proches"))
        self.results.setHorizontalHeaderLabels(
            [_("Lieu"), _("Adresse"), _("Distance"), _("Ouverture et horaires")]
        )
        self.results.horizontalHeader().setStretchLastSection(True)
        without_tab_trap(self.results)
        self.results_empty = empty_state(
            self.results, _("Choisissez la commune de la personne, puis « Rechercher ».")
        )
        compact_combo(self.commune)
        compact_combo(self.service, 24)
        row = QHBoxLayout()
        for text, field, stretch in (
            (_("Co&mmune :"), self.commune, 1),
            (_("&Service :"), self.service, 2),
        ):
            label = QLabel(text, tab)
            label.setBuddy(field)
            row.addWidget(label)
            row.addWidget(field, stretch)
        row.addWidget(search)
        below = QHBoxLayout()
        below.addWidget(self.print_button)
        below.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addLayout(row)
        layout.addWidget(self.results, 1)
        layout.addLayout(below)
        self.nearest: list[Any] = []
        return tab

    def _fill_nearest_choices(self, choices: NearestChoices) -> None:
        for code, nom in choices.communes:
            self.commune.addItem(f"{nom} ({code})", code)
        for value in choices.services:
            self.service.addItem(value, value)

    def search_nearest(self) -> None:
        from lieux.proximite import lieux_proches, point_de_depart

        text = self.commune.currentText().strip()
        index = self.commune.findText(text)
        code = self.commune.itemData(index) if index >= 0 else None
        if not text:
            return
        service = self.service.currentData()

        def find(_progress: Progress) -> list[Any]:
            with self.ctx.db.read_session() as s:
                if code:
                    return lieux_proches(s, self.ctx.actor, code, service)
                depart = point_de_depart(s, text)
                where = (depart.latitude, depart.longitude)
                return lieux_proches(s, self.ctx.actor, None, service, depuis=where)

        self._run(_("Recherche…"), find, self._show_nearest)

    def _show_nearest(self, found: list[Any]) -> None:
        self.nearest = found
        self.results_empty.set_text(
            _("Aucun lieu trouvé pour cette commune et ce service : essayez « Tous les services ».")
        )
        self.results.setRowCount(len(found))
        from lieux.proximite import etat_ouverture

        for row, p in enumerate(found):
            opening = etat_ouverture(p)
            for col, text in enumerate(
                (
                    p.nom,
                    f"{p.adresse}, {p.commune}",
                    f"{format_number(p.distance_km, 1)} km",
                    opening,
                )
            ):
                self.results.setItem(row, col, QTableWidgetItem(text))
        self.results.resizeColumnsToContents()
        self.print_button.setEnabled(bool(found))

    def print_nearest(self, path: str | None = None) -> None:
        from lieux.proximite import liste_pdf

        interactive = path is None
        if path is None:
            path, _filter = QFileDialog.getSaveFileName(
                self, _("Liste imprimable"), "lieux-proches.pdf", _("PDF (*.pdf)")
            )
        if not path:
            return
        nom = self.commune.currentText().rsplit(" (", 1)[0]
        try:
            liste_pdf(self.nearest, nom, self.service.currentData(), Path(path))
        except MedianumError as exc:
            self._error(exc)
            return
        if not interactive:
            return
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        QDesktopServices.openUrl(QUrl.fromLocalFile(path))
