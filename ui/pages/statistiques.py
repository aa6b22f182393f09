"""Statistiques: a period and a scope, the sections of the national statistics as tables and bar
charts, and the national-format exports (XLSX or CSV) run in the background with a progress
dialog that can cancel them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from core.auth import Permission
from core.errors import MedianumError
from core.i18n import _, format_date, format_number, format_percent
from core.progress import Progress
from mediation.exports import (
    ResultatExport,
    exporter_accompagnements,
    exporter_beneficiaires,
    exporter_statistiques,
)
from mediation.statistiques import (
    ChoixPerimetre,
    Perimetre,
    Repartition,
    Statistiques,
    calculer_statistiques,
    choix_perimetre,
    structures_visibles,
)
from ui.context import AppContext
from ui.widgets.fit import emphasize, scrolling
from ui.widgets.mediation_bar_chart import EXPORT_FORMATS, BarChart, ChartData, export_chart
from ui.widgets.messages import show_error, show_info
from ui.widgets.operations import ReadOp
from ui.widgets.progress import run_with_progress

EXPORTS = {
    "statistiques": (exporter_statistiques, "statistiques"),
    "accompagnements": (exporter_accompagnements, "accompagnements"),
    "beneficiaires": (exporter_beneficiaires, "beneficiaires"),
}


class _Total(QFrame):
    def __init__(self, caption: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.value = QLabel("—", self)
        emphasize(self.value, 2.0)
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel(caption, self)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        self.setAccessibleName(caption)

    def set(self, value: int) -> None:
        self.value.setText(format_number(value))
        self.setAccessibleDescription(f"{self.caption.text()} : {value}")


class _Section(QWidget):
    """One section: the exact figures in a table (keyboard, screen readers) and a bar chart."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.table = QTableWidget(0, 3, splitter)
        self.table.setHorizontalHeaderLabels([_("Libellé"), _("Nombre"), _("Part")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setTabKeyNavigation(False)
        self.chart = BarChart()
        # Every category has its bar: a long section scrolls instead of squeezing its bars.
        splitter.addWidget(scrolling(self.chart))
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter)

    def show_section(self, section: Repartition, period: str = "", perimeter: str = "") -> None:
        self.table.setAccessibleName(section.titre)
        self.table.setRowCount(len(section.lignes))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, ligne in enumerate(section.lignes):
            label = QTableWidgetItem(ligne.libelle)
            count = QTableWidgetItem(format_number(ligne.nombre))
            count.setTextAlignment(right)
            share = QTableWidgetItem(format_percent(section.part(ligne)))
            share.setTextAlignment(right)
            for column, item in enumerate((label, count, share)):
                self.table.setItem(row, column, item)
        self.chart.set_data(
            ChartData(
                section.titre,
                tuple((ligne.libelle, ligne.nombre) for ligne in section.lignes),
                period,
                perimeter,
            )
        )


class StatistiquesPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stats: Statistiques | None = None
        self.setAccessibleName(_("Statistiques"))
        layout = QVBoxLayout(self)

        bar = QHBoxLayout()
        today = QDate.currentDate()
        self.du = QDateEdit(QDate(today.year(), 1, 1), self)
        self.au = QDateEdit(today, self)
        for edit, text, name in ((self.du, _("&Du"), _("Du")), (self.au, _("&Au"), _("Au"))):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
            label = QLabel(text, self)
            label.setBuddy(edit)
            bar.addWidget(label)
            bar.addWidget(edit)
        self.perimetre = QComboBox(self)
        self.perimetre.setAccessibleName(_("Périmètre"))
        label = QLabel(_("&Périmètre"), self)
        label.setBuddy(self.perimetre)
        bar.addWidget(label)
        bar.addWidget(self.perimetre, 1)
        self.calculer = QPushButton(_("&Calculer"), self)
        self.calculer.setDefault(True)
        self.calculer.clicked.connect(self.compute)
        self.perimetre.activated.connect(lambda _i: self.compute())
        bar.addWidget(self.calculer)
        layout.addLayout(bar)

        exports = QHBoxLayout()
        exports.addWidget(QLabel(_("Exporter (XLSX ou CSV) :"), self))
        self.export_buttons: dict[str, QPushButton] = {}
        for kind, text in (
            ("statistiques", _("les &statistiques")),
            ("accompagnements", _("les acc&ompagnements")),
            ("beneficiaires", _("les &bénéficiaires")),
        ):
            button = QPushButton(text, self)
            button.clicked.connect(lambda _c=False, k=kind: self.ask_export(k))
            exports.addWidget(button)
            self.export_buttons[kind] = button
        self.export_chart_button = QPushButton(_("le &graphique (PNG, SVG, PDF)…"), self)
        self.export_chart_button.setAccessibleName(_("Exporter le graphique affiché"))
        self.export_chart_button.clicked.connect(self.ask_export_chart)
        exports.addWidget(self.export_chart_button)
        # The list of beneficiaries holds names: only for agents with a desk role.
        self.export_buttons["beneficiaires"].setVisible(
            ctx.actor.can_anywhere(Permission.DOSSIER_LIRE)
        )
        exports.addStretch(1)
        layout.addLayout(exports)

        totals = QGridLayout()
        self.totaux = {
            "activites": _Total(_("activités"), self),
            "accompagnements": _Total(_("accompagnements"), self),
            "beneficiaires": _Total(_("bénéficiaires accompagnés"), self),
            "nouveaux": _Total(_("nouveaux bénéficiaires"), self),
            "heures": _Total(_("heures d'accompagnement"), self),
        }
        for i, widget in enumerate(self.totaux.values()):
            totals.addWidget(widget, 0, i)
        layout.addLayout(totals)
        self.libelle = QLabel(self)
        self.libelle.setAccessibleName(_("Périmètre calculé"))
        layout.addWidget(self.libelle)

        self.onglets = QTabWidget(self)
        self.onglets.setAccessibleName(_("Sections des statistiques"))
        self.sections: list[_Section] = []
        layout.addWidget(self.onglets, 1)

        self._fill_scopes()
        self.compute()

    # --- scope -----------------------------------------------------------------------------------

    def _fill_scopes(self) -> None:
        whole = (
            _("Tout le territoire")
            if structures_visibles(self.ctx.actor) is None
            else _("Toutes vos structures")
        )
        # (structure_id, agent_id) of each entry of the combo, by index.
        self.scopes: list[tuple[int | None, int | None]] = [(None, None)]
        self.perimetre.addItem(whole)
        actor = self.ctx.actor
        # Read off the GUI thread; meanwhile the statistics of the whole scope are computed.
        ReadOp(
            self, self.ctx, lambda session, _progress: choix_perimetre(session, actor), self._scopes
        ).run_in_background()

    def _scopes(self, choix: ChoixPerimetre) -> None:
        for sid, nom in choix.structures:
            self.perimetre.addItem(_("Structure : {nom}").format(nom=nom))
            self.scopes.append((sid, None))
        for aid, nom in choix.mediateurs:
            self.perimetre.addItem(_("Médiateur : {nom}").format(nom=nom))
            self.scopes.append((None, aid))

    def current_perimetre(self) -> Perimetre:
        structure_id, agent_id = self.scopes[max(self.perimetre.currentIndex(), 0)]
        return Perimetre(
            self.du.date().toPython(),  # type: ignore[arg-type]
            self.au.date().toPython(),  # type: ignore[arg-type]
            structure_id=structure_id,
            agent_id=agent_id,
        )

    # --- statistics ------------------------------------------------------------------------------

    def compute(self) -> None:
        perimetre = self.current_perimetre()
        actor = self.ctx.actor

        def work(session: Session, _progress: Progress) -> Statistiques:
            return calculer_statistiques(session, actor, perimetre)

        self._generation += 1
        generation = self._generation

        def done(stats: Statistiques) -> None:
            if generation == self._generation:  # else a newer computation is on its way
                self.show_stats(stats)

        self.calculer.setEnabled(False)
        self.libelle.setText(_("Calcul en cours…"))
        ReadOp(self, self.ctx, work, done).failure(self._failed).run_in_background()

    _generation = 0

    def _failed(self, exc: BaseException) -> None:
        self.calculer.setEnabled(True)
        self.libelle.setText("")
        show_error(self, exc)

    def show_stats(self, stats: Statistiques) -> None:
        self.calculer.setEnabled(True)
        self.stats = stats
        self.totaux["activites"].set(stats.activites)
        self.totaux["accompagnements"].set(stats.accompagnements)
        self.totaux["beneficiaires"].set(stats.beneficiaires)
        self.totaux["nouveaux"].set(stats.nouveaux_beneficiaires)
        self.totaux["heures"].set(round(stats.duree_totale_min / 60))
        self.libelle.setText(stats.libelle_perimetre)
        current = self.onglets.currentIndex()
        while len(self.sections) < len(stats.sections):
            tab = _Section(self.onglets)
            self.sections.append(tab)
            self.onglets.addTab(tab, "")
        period = self.period_text(stats)
        for i, (widget, section) in enumerate(zip(self.sections, stats.sections, strict=False)):
            widget.show_section(section, period, stats.libelle_perimetre)
            self.onglets.setTabText(i, section.titre)
        self.onglets.setCurrentIndex(max(current, 0))

    @staticmethod
    def period_text(stats: Statistiques) -> str:
        return _("Période du {du} au {au}").format(
            du=format_date(stats.perimetre.du, "short"), au=format_date(stats.perimetre.au, "short")
        )

    # --- exports ---------------------------------------------------------------------------------

    def current_chart(self) -> ChartData | None:
        index = self.onglets.currentIndex()
        return self.sections[index].chart.data if 0 <= index < len(self.sections) else None

    def ask_export_chart(self) -> None:
        data = self.current_chart()
        if data is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Exporter le graphique"),
            str(Path.home() / "graphique.pdf"),
            _("PDF (*.pdf);;Image SVG (*.svg);;Image PNG (*.png)"),
        )
        if path:
            self.export_chart_to(Path(path))

    def export_chart_to(self, path: Path) -> Path | None:
        """Write the chart of the tab shown, headed with its title, period and perimeter."""
        data = self.current_chart()
        if data is None:
            return None
        if path.suffix.lower().lstrip(".") not in EXPORT_FORMATS:
            path = path.with_suffix(".pdf")
        try:
            written = export_chart(data, path, self.font())
        except (MedianumError, OSError) as exc:
            show_error(self, exc)
            return None
        show_info(self, _("Graphique exporté."), str(written))
        return written

    def ask_export(self, kind: str) -> None:
        suggested = f"{EXPORTS[kind][1]}-{self.du.date().toString('yyyyMMdd')}-" + (
            f"{self.au.date().toString('yyyyMMdd')}.xlsx"
        )
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Exporter"),
            str(Path.home() / suggested),
            _("Classeur Excel (*.xlsx);;CSV pour Excel, séparateur « ; » (*.csv)"),
        )
        if path:
            self.export_to(kind, Path(path))

    def export_to(self, kind: str, path: Path) -> None:
        if path.suffix.lower() not in (".xlsx", ".csv"):
            path = path.with_suffix(".xlsx")
        function = EXPORTS[kind][0]
        perimetre = self.current_perimetre()
        db, actor = self.ctx.db, self.ctx.actor

        def work(progress: Progress) -> ResultatExport:
            return function(db, actor, perimetre, path, progress)

        def done(result: Any) -> None:
            show_info(
                self,
                _("Export terminé : {n} lignes écrites.").format(n=result.lignes),
                str(result.chemin),
            )

        run_with_progress(self, self.ctx.tasks, work, _("Export en cours…"), done)

    def refresh(self) -> None:
        self.compute()
