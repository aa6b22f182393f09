"""The « Fragilité » page: import a survey (validation report first), optional population margins,
compute the index, see it as a table and a map, export it, compare with an earlier survey.

Reading and computing run off the GUI thread with a progress bar and « Annuler ». Rows with
problems are never dropped unless the person ticks the explicit exclusion box, and the number
excluded is shown with every result. The web engine is imported only when the map is first shown.

The computing modules (pandas, scipy, statsmodels: seconds to import, ≈ 170 MB) are not imported
by this module: the page is built at once with its controls disabled, and a background task
imports them and reads the configured territory (``preparer``), showing its progress in the page.
The GUI thread touches those modules only once they are loaded. A test checks, in a fresh
process, that opening the page imports none of them on the GUI thread.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from core import paths
from core.i18n import N_, _
from core.progress import Progress
from core.tableur import cellules_en_texte
from ui.context import AppContext
from ui.widgets import messages
from ui.widgets.fit import compact_combo, without_tab_trap
from ui.widgets.fragilite_tables import (
    MAX_PROBLEMES_AFFICHES,
    ComparaisonModel,
    ProblemesModel,
    ResultatsModel,
)
from ui.widgets.messages import show_info
from ui.widgets.operations import ReadOp
from ui.widgets.progress import run_with_progress
from ui.widgets.web_map import WebMap, fit_until_touched_js

if TYPE_CHECKING:
    from fragilite import lecture
    from fragilite.calcul import Resultat
    from fragilite.estimation import Territoire
    from fragilite.ponderation import Marges

FILTRE_ENQUETE = N_("Enquête (*.csv *.xlsx);;CSV (*.csv);;Classeur (*.xlsx)")

# What the background preparation imports, in order, with what the page says meanwhile.
MODULES_DE_CALCUL: tuple[tuple[str, str], ...] = (
    ("pandas", N_("Chargement des tableaux de données…")),
    ("scipy.stats", N_("Chargement des outils statistiques…")),
    ("statsmodels.stats.proportion", N_("Chargement des intervalles de confiance…")),
    ("fragilite.calcul", N_("Chargement du calcul de l'indice…")),
    ("fragilite.cartes", N_("Chargement des cartes…")),
    ("fragilite.rapport", N_("Chargement des rapports…")),
    ("fragilite.comparaison", N_("Chargement de la comparaison…")),
)


@dataclass(frozen=True)
class Preparation:
    """What the page needs from the computing modules, read off the GUI thread."""

    territoire: Territoire
    indicateurs: tuple[tuple[str, str], ...]  # (column, French title), in display order
    avertissement: str
    demo: tuple[Path | None, Path | None] = (None, None)  # the demo's survey and margins


def _demo_files() -> tuple[Path | None, Path | None]:
    from fragilite import demo

    folder = paths.data_dir() / "fragilite"
    survey, margins = folder / demo.ENQUETE_DEMO, folder / demo.MARGES_DEMO
    return (survey if survey.exists() else None, margins if margins.exists() else None)


def preparer(session: Session, progress: Progress, *, demo: bool = False) -> Preparation:
    """Import the computing modules and read the configured territory (in a worker thread)."""
    import importlib

    from ui.pages import IMPORT_LOCK

    total = len(MODULES_DE_CALCUL) + 1
    for done, (module, label) in enumerate(MODULES_DE_CALCUL):
        progress.step(done, total, _(label))
        with IMPORT_LOCK:  # one module at a time: another page may be opened meanwhile
            importlib.import_module(module)
    progress.step(total - 1, total, _("Lecture du territoire…"))
    from fragilite import cartes
    from fragilite.calcul import territoire_configure
    from fragilite.estimation import COLONNES_ESTIMEES

    preparation = Preparation(
        territoire_configure(session),
        tuple((name, cartes.titre(name)) for name in COLONNES_ESTIMEES),
        methode_configuree_text(),
        _demo_files() if demo else (None, None),
    )
    progress.step(total, total, "")
    return preparation


def _table(parent: QWidget, model: Any, name: str) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    without_tab_trap(view)
    return view


# Folium names its map and layers with generated globals: they are found by their type.
FIT_TERRITORY_JS = fit_until_touched_js(
    "Object.keys(window).map(function (k) { return window[k]; })"
    ".filter(function (v) { return v instanceof L.Map; })[0]",
    "Object.keys(window).map(function (k) { return window[k]; })"
    ".filter(function (v) { return v instanceof L.GeoJSON; })"
    ".reduce(function (b, layer) { return b.extend(layer.getBounds()); }, L.latLngBounds([]))",
    10,
)


class FragilitePage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.enquete: lecture.Enquete | None = None
        self.enquete_path: Path | None = None
        self.marges: Marges | None = None
        self.resultat: Resultat | None = None
        self.comparaison: Any = None
        self._map_file: Path | None = None
        self.territoire: Territoire | None = None  # known once ``preparer`` has run
        self.ready = False

        self.import_button = self._button(_("&Importer une enquête…"), self.choose_survey)
        self.margins_button = self._button(_("&Marges de population…"), self.choose_margins)
        self.exclude = QCheckBox(_("E&xclure les lignes invalides"), self)
        self.exclude.setAccessibleName(_("Exclure explicitement les lignes invalides"))
        self.exclude.setEnabled(False)
        self.exclude.toggled.connect(lambda _on: self._update_buttons())
        self.compute_button = self._button(_("&Calculer l'indice"), self.compute)
        self.indicator = QComboBox(self)
        self.indicator.setAccessibleName(_("Indicateur affiché"))
        compact_combo(self.indicator, 24)
        self.indicator.currentIndexChanged.connect(lambda _i: self._indicator_changed())
        indicator_label = QLabel(_("In&dicateur :"), self)
        indicator_label.setBuddy(self.indicator)

        top = QHBoxLayout()
        for w in (self.import_button, self.margins_button, self.exclude, self.compute_button):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(indicator_label)
        top.addWidget(self.indicator)

        self.summary = QLabel(_("Préparation du calcul de la fragilité…"), self)
        self.summary.setAccessibleName(_("État de l'enquête"))
        self.summary.setWordWrap(True)
        self.busy = QProgressBar(self)
        self.busy.setAccessibleName(_("Préparation du calcul de la fragilité"))
        self.busy.setRange(0, 0)  # moving until the first step is known
        self.busy.setTextVisible(True)

        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName(_("Onglets de la fragilité numérique"))
        self.problems_model = ProblemesModel(self)
        self.results_model = ResultatsModel(self)
        self.compare_model = ComparaisonModel(self)
        self.problems_view = _table(self, self.problems_model, _("Rapport de validation"))
        self.results_view = _table(self, self.results_model, _("Résultats par commune"))
        self.map_tab = WebMap(_("Carte de la fragilité numérique"), self)
        self.map_tab.loaded.connect(self._fit_territory)
        self.tabs.addTab(self.problems_view, _("&Validation"))
        self.tabs.addTab(self.results_view, _("&Résultats"))
        self.tabs.addTab(self.map_tab, _("Car&te"))
        self.tabs.addTab(self._compare_tab(), _("C&omparaison"))
        self.tabs.currentChanged.connect(lambda _i: self._tab_changed())

        exports = QHBoxLayout()
        self.export_buttons: dict[str, QPushButton] = {}
        for kind, label in (
            ("csv", _("Tableau CSV…")),
            ("xlsx", _("Tableau XLSX…")),
            ("png", _("Carte PNG…")),
            ("pdf", _("Carte PDF…")),
            ("html", _("Carte HTML…")),
            ("rapport", _("Rapport PDF…")),
        ):
            button = self._button(label, lambda _c=False, k=kind: self.export(k))
            button.setAccessibleName(_("Exporter : {what}").format(what=label.rstrip("…")))
            exports.addWidget(button)
            self.export_buttons[kind] = button
        exports.addStretch(1)

        self.provenance = QLabel("", self)
        self.provenance.setAccessibleName(_("Provenance du résultat"))
        self.provenance.setWordWrap(True)
        self.caveat = QLabel("", self)
        self.caveat.setWordWrap(True)
        self.caveat.setAccessibleName(_("Avertissement sur l'enquête"))
        self.caveat.setStyleSheet("font-weight: bold")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.busy)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(exports)
        layout.addWidget(self.provenance)
        layout.addWidget(self.caveat)
        self._update_buttons()
        ReadOp(self, ctx, partial(preparer, demo=ctx.demo), self._prepared).failure(
            self._preparation_failed
        ).progress_to(self._preparing).run_in_background()

    # --- preparation (off the GUI thread) --------------------------------------------------

    def _preparing(self, done: int, total: int, label: str) -> None:
        if self.ready:
            return
        self.busy.setRange(0, max(total, 1))
        self.busy.setValue(min(done, total))
        if label:
            self.summary.setText(label)
            self.busy.setFormat(label)

    def _prepared(self, preparation: Preparation) -> None:
        self.ready = True
        self.territoire = preparation.territoire
        self.busy.hide()
        self.indicator.blockSignals(True)
        for name, title in preparation.indicateurs:
            self.indicator.addItem(title, name)
        self.indicator.setCurrentIndex(self.indicator.findData("indice"))
        self.indicator.blockSignals(False)
        self.caveat.setText(preparation.avertissement)
        self.summary.setText(_("Aucune enquête importée."))
        self._update_buttons()
        survey, margins = preparation.demo
        if survey is not None:
            if margins is not None:
                self.load_margins(margins, then=lambda: self.load_survey(survey))
            else:
                self.load_survey(survey)

    def _preparation_failed(self, exc: BaseException) -> None:
        self.busy.hide()
        self.summary.setText(
            _(
                "Le calcul de la fragilité n'a pas pu être préparé : la page reste en lecture "
                "seule. Le détail est dans le fichier journal."
            )
        )
        messages.show_error(self, exc, exc.__traceback__)

    # --- helpers ---------------------------------------------------------------------------

    def _button(self, label: str, slot: Any) -> QPushButton:
        button = QPushButton(label, self)
        button.setAccessibleName(label.replace("&", "").rstrip("…"))
        button.clicked.connect(slot)
        return button

    def _compare_tab(self) -> QWidget:
        tab = QWidget(self)
        self.compare_button = self._button(
            _("Comparer avec une enquête &antérieure…"), self.choose_earlier
        )
        self.compare_export = self._button(_("Exporter les évolutions (CSV)…"), self.export_compare)
        self.compare_view = _table(tab, self.compare_model, _("Évolutions par commune"))
        row = QHBoxLayout()
        row.addWidget(self.compare_button)
        row.addWidget(self.compare_export)
        row.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addLayout(row)
        layout.addWidget(self.compare_view, 1)
        return tab

    def _update_buttons(self) -> None:
        e = self.enquete
        self.import_button.setEnabled(self.ready)
        self.margins_button.setEnabled(self.ready)
        computable = (
            self.ready
            and e is not None
            and not e.erreur_fatale
            and (not e.lignes_invalides or self.exclude.isChecked())
        )
        self.compute_button.setEnabled(computable)
        for button in self.export_buttons.values():
            button.setEnabled(self.resultat is not None)
        self.compare_button.setEnabled(self.resultat is not None)
        self.compare_export.setEnabled(self.comparaison is not None)

    def chosen(self) -> str:
        return str(self.indicator.currentData())

    # --- import ----------------------------------------------------------------------------

    def choose_survey(self) -> None:
        path, _f = QFileDialog.getOpenFileName(
            self, _("Importer une enquête"), str(paths.data_dir()), _(FILTRE_ENQUETE)
        )
        if path:
            self.load_survey(Path(path))

    def load_survey(self, path: Path) -> None:
        if self.territoire is None:
            return  # not prepared yet: the button is disabled meanwhile
        codes = self.territoire.codes

        def work(progress: Progress) -> lecture.Enquete:
            from fragilite import lecture

            return lecture.charger(path, codes, progress)

        def done(enquete: lecture.Enquete) -> None:
            self.enquete, self.enquete_path = enquete, path
            self.resultat = None
            self.problems_model.charger(enquete.problemes)
            invalid = len(enquete.lignes_invalides)
            self.exclude.setChecked(False)
            self.exclude.setEnabled(bool(invalid) and not enquete.erreur_fatale)
            self.exclude.setText(
                _("E&xclure les {n} lignes invalides").format(n=invalid)
                if invalid
                else _("E&xclure les lignes invalides")
            )
            if enquete.erreur_fatale:
                text = _("Le fichier {f} ne respecte pas le format de l'enquête : voir le rapport.")
            elif invalid:
                text = _(
                    "{f} : {n} lignes, {k} lignes posent problème ({p} problèmes, listés "
                    "ci-dessous). Corrigez le fichier, ou cochez « Exclure » pour calculer "
                    "sans elles."
                )
            else:
                text = _("{f} : {n} lignes, aucun problème.")
            if len(enquete.problemes) > MAX_PROBLEMES_AFFICHES:
                text += " " + _("Seuls les {m} premiers problèmes sont affichés.").format(
                    m=MAX_PROBLEMES_AFFICHES
                )
            self.summary.setText(
                text.format(
                    f=enquete.nom_fichier,
                    n=enquete.n_lignes,
                    k=invalid,
                    p=len(enquete.problemes),
                )
            )
            self._update_buttons()
            if enquete.problemes:
                self.tabs.setCurrentWidget(self.problems_view)
            else:
                self.compute()

        run_with_progress(self, self.ctx.tasks, work, _("Lecture de l'enquête…"), done)

    def choose_margins(self) -> None:
        path, _f = QFileDialog.getOpenFileName(
            self, _("Marges de population"), str(paths.data_dir()), _("CSV (*.csv)")
        )
        if path:
            self.load_margins(Path(path))

    def load_margins(self, path: Path, then: Callable[[], None] | None = None) -> None:
        def work(_progress: Progress) -> Marges:
            from fragilite.ponderation import lire_marges

            return lire_marges(path)

        def done(marges: Marges) -> None:
            self.marges = marges
            self.margins_button.setText(_("&Marges : {f}").format(f=path.name))
            if then is not None:
                then()
            elif self.resultat is not None:
                self.compute()

        run_with_progress(self, self.ctx.tasks, work, _("Lecture des marges…"), done)

    # --- compute ---------------------------------------------------------------------------

    def compute(self) -> None:
        enquete = self.enquete
        if enquete is None:
            return
        exclude = self.exclude.isChecked()
        marges, territoire = self.marges, self.territoire
        if territoire is None:
            return

        def work(progress: Progress) -> Resultat:
            from fragilite import lecture
            from fragilite.calcul import calculer, journaliser_calcul, methode_configuree

            retained = lecture.retenir(enquete, exclude)
            with self.ctx.db.session() as s:
                methode = methode_configuree(s)
                resultat = calculer(retained, territoire, marges, methode, progress=progress)
                journaliser_calcul(s, self.ctx.actor, resultat)
            return resultat

        run_with_progress(self, self.ctx.tasks, work, _("Calcul de l'indice…"), self._computed)

    def _computed(self, resultat: Resultat) -> None:
        from fragilite.rapport import alertes  # loaded by ``preparer``

        self.resultat = resultat
        self.comparaison = None
        self.summary.setText(
            _("{f} : indice calculé sur {n} répondants ({x} lignes exclues).").format(
                f=resultat.enquete, n=resultat.repondants, x=resultat.lignes_exclues
            )
        )
        self.compare_model.vider()
        self.results_model.charger(resultat, self.chosen())
        self.results_view.resizeColumnsToContents()
        notes = resultat.metadonnees()["avertissements"]
        self.provenance.setText(
            "".join(w + "\n" for w in alertes(resultat))
            + resultat.provenance()
            + (
                "\n"
                + _("{n} remarques sur les données (voir le rapport PDF).").format(n=len(notes))
                if notes
                else ""
            )
        )
        self._map_stale = True
        self._update_buttons()
        self.tabs.setCurrentWidget(self.results_view)

    # --- map -------------------------------------------------------------------------------

    _map_stale = True

    def _tab_changed(self) -> None:
        if self.tabs.currentWidget() is self.map_tab and self._map_stale:
            self.show_map()

    def map_html(self) -> str:
        from fragilite import cartes
        from fragilite.estimation import COLONNES_ESTIMEES

        assert self.resultat is not None
        return cartes.carte_html(
            self.resultat, [self.chosen()] + [n for n in COLONNES_ESTIMEES if n != self.chosen()]
        )

    def show_map(self) -> None:
        if self.resultat is None:
            return
        # A file rather than setHtml: a department's map exceeds setHtml's 2 MB limit.
        if self._map_file is None:
            handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - kept for the page's life
                prefix="fragilite-", suffix=".html", delete=False
            )
            handle.close()
            self._map_file = Path(handle.name)
            self.destroyed.connect(lambda *_a, f=self._map_file: f.unlink(missing_ok=True))
        self._map_file.write_text(self.map_html(), encoding="utf-8")
        self.map_tab.load(self._map_file, fragment=self.chosen())
        self._map_stale = False

    def _fit_territory(self, ok: bool) -> None:
        # The page fits the territory as it loads, when the view may not have its size yet: the
        # map then opened zoomed out to a speck. Once loaded, the view is laid out.
        if ok:
            self.map_tab.run_script(FIT_TERRITORY_JS)

    def _indicator_changed(self) -> None:
        if self.resultat is not None:
            self.results_model.charger(self.resultat, self.chosen())
        if self.comparaison is not None:
            self.compare_model.charger(self.comparaison, self.chosen())
        if not self._map_stale:
            self.map_tab.set_fragment(self.chosen())
            self.map_tab.run_script(f"window.fragiliteAfficher('{self.chosen()}')")

    # --- exports ---------------------------------------------------------------------------

    def export(self, kind: str) -> None:
        suffix = {"rapport": "pdf"}.get(kind, kind)
        default = {
            "rapport": "rapport-fragilite.pdf",
            "csv": "fragilite.csv",
            "xlsx": "fragilite.xlsx",
        }.get(kind, f"carte-fragilite-{self.chosen()}.{suffix}")
        path, _f = QFileDialog.getSaveFileName(
            self,
            _("Exporter"),
            str(paths.export_dir() / default),
            f"*.{suffix}",
        )
        if path:
            self.export_to(kind, Path(path))

    def export_to(self, kind: str, path: Path) -> None:
        resultat = self.resultat
        if resultat is None:
            return
        name = self.chosen()

        def work(_progress: Progress) -> Path:
            from fragilite import cartes
            from fragilite.calcul import ecrire_csv

            if kind == "csv":
                ecrire_csv(resultat, path)
            elif kind == "xlsx":
                export_xlsx(resultat, path)
            elif kind == "rapport":
                from fragilite.rapport import ecrire_pdf

                ecrire_pdf(resultat, path)
            else:
                cartes.exporter(resultat, path, name)
            return path

        run_with_progress(
            self,
            self.ctx.tasks,
            work,
            _("Export…"),
            lambda p: show_info(self, _("Fichier écrit : {f}").format(f=p)),
        )

    # --- comparison ------------------------------------------------------------------------

    def choose_earlier(self) -> None:
        path, _f = QFileDialog.getOpenFileName(
            self, _("Enquête antérieure"), str(paths.data_dir()), _(FILTRE_ENQUETE)
        )
        if path:
            self.compare_with(Path(path))

    def compare_with(self, earlier: Path) -> None:
        later = self.resultat
        enquete = self.enquete
        territoire = self.territoire
        if later is None or enquete is None or territoire is None:
            return
        exclude = self.exclude.isChecked()
        marges = self.marges

        def work(progress: Progress) -> Any:
            from fragilite import comparaison, lecture
            from fragilite.calcul import calculer

            before_survey = lecture.retenir(lecture.charger(earlier, territoire.codes, progress))
            before = calculer(before_survey, territoire, marges, later.methode)
            after = calculer(
                lecture.retenir(enquete, exclude),
                territoire,
                marges,
                later.methode,
                reference=before.estimations.niveaux_reference,
            )
            return comparaison.comparer(before, after)

        def done(frame: Any) -> None:
            self.comparaison = frame
            self.compare_model.charger(frame, self.chosen())
            self.compare_view.resizeColumnsToContents()
            self._update_buttons()

        run_with_progress(self, self.ctx.tasks, work, _("Comparaison…"), done)

    def export_compare(self) -> None:
        path, _f = QFileDialog.getSaveFileName(
            self, _("Exporter les évolutions"), str(paths.export_dir() / "evolutions.csv"), "*.csv"
        )
        if path and self.comparaison is not None:
            from fragilite.comparaison import ecrire_csv as write

            write(self.comparaison, Path(path))


def methode_configuree_text() -> str:
    from fragilite.methodologie import charger

    return charger().avertissement


def export_xlsx(resultat: Resultat, path: Path) -> None:
    """The table for people: French column titles, and a sheet stating the provenance."""
    import pandas as pd

    from fragilite import cartes
    from fragilite.estimation import COLONNES_ESTIMEES

    table = resultat.table()
    titles = {
        "code_insee": _("Code INSEE"),
        "commune": _("Commune"),
        "n": _("Répondants"),
        "n_eff": _("n efficace"),
        "statut": _("Statut"),
    }
    for name in COLONNES_ESTIMEES:
        titles[name] = cartes.titre(name)
        titles[f"{name}_ic_bas"] = cartes.titre(name) + " — " + _("IC 95 % bas")
        titles[f"{name}_ic_haut"] = cartes.titre(name) + " — " + _("IC 95 % haut")
    meta = pd.DataFrame(
        [(k, str(v)) for k, v in resultat.metadonnees().items()], columns=["clé", "valeur"]
    )
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        table.rename(columns=titles).to_excel(writer, sheet_name=_("Résultats"), index=False)
        meta.to_excel(writer, sheet_name=_("Provenance"), index=False)
        cellules_en_texte(writer.book)
