"""The coordinator's tabs: campaigns and structures, settlements and batches, the financer
report, and what expires soon."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.errors import ValidationError
from core.i18n import _, format_date, format_money
from core.progress import Progress
from pass_numerique import batches, settlements
from pass_numerique.campagnes import (
    Budget,
    CampagneData,
    budget_of,
    create_campagne,
    list_campagnes,
    set_budget,
)
from pass_numerique.keys import campaign_keys
from pass_numerique.reporting import expiring, financer_report, report_pdf, report_xlsx
from pass_numerique.settlements import Settlement
from pass_numerique.structures import ReferencementData, list_referenced, reference_structure
from ui.context import AppContext
from ui.widgets.empty_state import empty_state
from ui.widgets.fit import scale_rows, without_tab_trap
from ui.widgets.messages import confirm, show_error, show_info
from ui.widgets.progress import run_with_progress


def _table(headers: Sequence[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setAccessibleName(name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    without_tab_trap(table)
    scale_rows(table)
    return table


def _fill(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
    table.setRowCount(len(rows))
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            table.setItem(i, j, QTableWidgetItem(value))


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _date(widget: QDateEdit) -> date:
    d = widget.date()
    return date(d.year(), d.month(), d.day())


def _ask_save(parent: QWidget, title: str, name: str, pattern: str) -> Path | None:
    chosen, _filter = QFileDialog.getSaveFileName(parent, title, name, pattern)
    return Path(chosen) if chosen else None


def _remaining(budget: Budget) -> str:
    books, cents = budget.chequiers_restants, budget.cents_restants
    if books is None and cents is None:
        return _("sans plafond")
    parts = []
    if books is not None:
        parts.append(_("{n} chéquier(s)").format(n=books))
    if cents is not None:
        parts.append(format_money(cents))
    return " ; ".join(parts)


class CampagnesWidget(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Campagnes et structures"))
        layout = QVBoxLayout(self)
        # Each list sits beside its form, so that the tab fits the height of a laptop screen.
        campagnes_row = QHBoxLayout()
        structures_row = QHBoxLayout()
        layout.addLayout(campagnes_row, 1)
        layout.addLayout(structures_row, 1)
        self.campagnes = _table(
            [
                _("N°"),
                _("Campagne"),
                _("Financeur"),
                _("Pass"),
                _("Validité"),
                _("Budget restant"),
                _("Clé de signature"),
            ],
            _("Campagnes"),
        )
        self.campagne_ids: list[int] = []
        campagnes_row.addWidget(self.campagnes, 1)
        box = QGroupBox(_("Nouvelle campagne"))
        form = QFormLayout(box)
        today = date.today()
        self.nom = QLineEdit(_("Pass numérique {year}").format(year=today.year))
        self.nom.setAccessibleName(_("Nom de la campagne"))
        self.financeur = QLineEdit()
        self.financeur.setAccessibleName(_("Financeur"))
        self.valeur = QDoubleSpinBox()
        self.valeur.setRange(0.01, 1000)
        self.valeur.setValue(10)
        self.valeur.setSuffix(" €")
        self.valeur.setAccessibleName(_("Valeur d'un pass"))
        self.passes = QSpinBox()
        self.passes.setRange(1, 50)
        self.passes.setValue(10)
        self.passes.setAccessibleName(_("Pass par chéquier"))
        self.debut = QDateEdit(_qdate(today))
        self.debut.setAccessibleName(_("Début de validité"))
        self.fin = QDateEdit(_qdate(date(today.year, 12, 31)))
        self.fin.setAccessibleName(_("Fin de validité"))
        self.grace = QSpinBox()
        self.grace.setRange(0, 366)
        self.grace.setValue(31)
        self.grace.setAccessibleName(_("Délai de grâce en jours"))
        self.age_min = QSpinBox()
        self.age_min.setRange(0, 120)
        self.age_min.setValue(18)
        self.age_min.setAccessibleName(_("Âge minimal"))
        self.plafond = QSpinBox()
        self.plafond.setRange(1, 20)
        self.plafond.setAccessibleName(_("Chéquiers par personne"))
        self.budget_chequiers = QSpinBox()
        self.budget_chequiers.setRange(0, 1_000_000)
        self.budget_chequiers.setSpecialValueText(_("sans plafond"))
        self.budget_chequiers.setAccessibleName(_("Budget en chéquiers"))
        self.budget_euros = QDoubleSpinBox()
        self.budget_euros.setRange(0, 100_000_000)
        self.budget_euros.setDecimals(2)
        self.budget_euros.setSuffix(" €")
        self.budget_euros.setSpecialValueText(_("sans plafond"))
        self.budget_euros.setAccessibleName(_("Budget en euros"))
        for label, widget in (
            (_("Nom :"), self.nom),
            (_("Financeur :"), self.financeur),
            (_("Valeur d'un pass :"), self.valeur),
            (_("Pass par chéquier :"), self.passes),
            (_("Du :"), self.debut),
            (_("Au :"), self.fin),
            (_("Délai de grâce (jours) :"), self.grace),
            (_("Âge minimal :"), self.age_min),
            (_("Chéquiers par personne :"), self.plafond),
            (_("Budget (chéquiers) :"), self.budget_chequiers),
            (_("Budget (montant) :"), self.budget_euros),
        ):
            form.addRow(label, widget)
        buttons = QHBoxLayout()
        create = QPushButton(_("Créer la campagne"))
        create.setAccessibleName(_("Créer la campagne"))
        create.clicked.connect(self.create_campagne)
        buttons.addWidget(create)
        self.budget_button = QPushButton(_("Appliquer ce budget à la campagne sélectionnée"))
        self.budget_button.setAccessibleName(_("Appliquer ce budget à la campagne sélectionnée"))
        self.budget_button.clicked.connect(self.apply_budget)
        buttons.addWidget(self.budget_button)
        form.addRow(buttons)
        campagnes_row.addWidget(box)
        self.structures = _table(
            [_("SIRET"), _("Structure"), _("Services"), _("Campagnes")], _("Structures référencées")
        )
        structures_row.addWidget(self.structures, 1)
        sbox = QGroupBox(_("Référencer une structure"))
        sform = QFormLayout(sbox)
        self.siret = QLineEdit()
        self.siret.setAccessibleName(_("SIRET"))
        self.s_nom = QLineEdit()
        self.s_nom.setAccessibleName(_("Nom de la structure"))
        self.iban = QLineEdit()
        self.iban.setAccessibleName(_("IBAN"))
        self.titulaire = QLineEdit()
        self.titulaire.setAccessibleName(_("Titulaire du compte"))
        self.services = QLineEdit()
        self.services.setAccessibleName(_("Services, séparés par des virgules"))
        self.s_campagne = QComboBox()
        self.s_campagne.setAccessibleName(_("Campagne du référencement"))
        fields: tuple[tuple[str, QWidget], ...] = (
            (_("SIRET :"), self.siret),
            (_("Nom (si nouvelle) :"), self.s_nom),
            (_("IBAN :"), self.iban),
            (_("Titulaire :"), self.titulaire),
            (_("Services :"), self.services),
            (_("Campagne :"), self.s_campagne),
        )
        for label, field in fields:
            sform.addRow(label, field)
        add = QPushButton(_("Référencer"))
        add.setAccessibleName(_("Référencer la structure"))
        add.clicked.connect(self.add_structure)
        sform.addRow(add)
        structures_row.addWidget(sbox)
        self.refresh()

    def refresh(self) -> None:
        def work(_p: Progress) -> tuple[list[list[str]], list[list[str]], list[tuple[int, str]]]:
            # Rows are built inside the session: a read session expires its objects on close.
            with self.ctx.db.read_session() as session:
                campagnes = list_campagnes(session)
                refs = list_referenced(session)
                kids = campaign_keys(session)
                return (
                    [
                        [
                            str(c.id),
                            c.nom,
                            c.financeur,
                            f"{c.passes_par_chequier} × {format_money(c.valeur_cents)}",
                            f"{format_date(c.debut, 'short')} → {format_date(c.fin, 'short')}",
                            _remaining(budget_of(session, c)),
                            kids.get(c.id, _("au premier chéquier")),
                        ]
                        for c in campagnes
                    ],
                    [
                        [
                            r.siret or "",
                            r.nom,
                            ", ".join(r.services),
                            ", ".join(map(str, r.campagnes)),
                        ]
                        for r in refs
                    ],
                    [(c.id, c.nom) for c in campagnes],
                )

        def done(result: tuple[list[list[str]], list[list[str]], list[tuple[int, str]]]) -> None:
            self.campagne_ids = [cid for cid, _nom in result[2]]
            _fill(self.campagnes, result[0])
            _fill(self.structures, result[1])
            self.s_campagne.clear()
            for cid, nom in result[2]:
                self.s_campagne.addItem(nom, cid)

        self.ctx.tasks.run(work, on_done=done, on_error=lambda e: show_error(self, e))

    def create_campagne(self) -> None:
        data = CampagneData(
            nom=self.nom.text(),
            financeur=self.financeur.text(),
            debut=_date(self.debut),
            fin=_date(self.fin),
            valeur_cents=round(self.valeur.value() * 100),
            passes_par_chequier=self.passes.value(),
            grace_jours=self.grace.value(),
            age_min=self.age_min.value() or None,
            plafond_chequiers=self.plafond.value(),
            budget_chequiers=self._budget()[0],
            budget_cents=self._budget()[1],
        )

        def work(_p: Progress) -> None:
            with self.ctx.db.session() as session:
                create_campagne(session, self.ctx.actor, data)

        self.ctx.tasks.run(
            work, on_done=lambda _r: self.refresh(), on_error=lambda e: show_error(self, e)
        )

    def _budget(self) -> tuple[int | None, int | None]:
        """The budget typed in: 0 (shown « sans plafond ») is no bound."""
        cents = round(self.budget_euros.value() * 100)
        return self.budget_chequiers.value() or None, cents or None

    def apply_budget(self) -> None:
        rows = self.campagnes.selectionModel().selectedRows()
        if not rows:
            show_error(self, ValidationError(_("Sélectionnez d'abord une campagne.")))
            return
        cid = self.campagne_ids[rows[0].row()]
        chequiers, cents = self._budget()

        def work(_p: Progress) -> None:
            with self.ctx.db.session() as session:
                set_budget(session, self.ctx.actor, cid, chequiers, cents)

        self.ctx.tasks.run(
            work, on_done=lambda _r: self.refresh(), on_error=lambda e: show_error(self, e)
        )

    def add_structure(self) -> None:
        cid = self.s_campagne.currentData()
        data = ReferencementData(
            siret=self.siret.text(),
            iban=self.iban.text(),
            titulaire=self.titulaire.text(),
            actif_du=date.today(),
            services=[s.strip() for s in self.services.text().split(",")],
            campagnes=[cid] if cid is not None else [],
            nom=self.s_nom.text(),
        )

        def work(_p: Progress) -> None:
            with self.ctx.db.session() as session:
                reference_structure(session, self.ctx.actor, data)

        self.ctx.tasks.run(
            work, on_done=lambda _r: self.refresh(), on_error=lambda e: show_error(self, e)
        )


class RemboursementsWidget(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Remboursements"))
        self.ask_folder: Callable[[], Path | None] = self._ask_folder
        self.ask_batch: Callable[[], Path | None] = self._ask_batch
        self.shown: list[Settlement] = []
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Mois (AAAA-MM) :")))
        self.mois = QLineEdit(settlements.previous_month(date.today()))
        self.mois.setAccessibleName(_("Mois à rembourser"))
        self.mois.returnPressed.connect(self.preview)
        row.addWidget(self.mois)
        self.structure = QComboBox()
        self.structure.setAccessibleName(_("Structure à rembourser"))
        self.structure.addItem(_("Toutes les structures"), None)
        row.addWidget(self.structure, 1)
        for label, slot in (
            (_("Aperçu"), self.preview),
            (_("Valider…"), self.validate),
            (_("Enregistrer PDF et CSV…"), self.save),
        ):
            button = QPushButton(label)
            button.setAccessibleName(label)
            button.clicked.connect(slot)
            row.addWidget(button)
        layout.addLayout(row)
        self.table = _table(
            [_("Structure"), _("Pass"), _("Montant"), _("État")], _("Remboursements du mois")
        )
        layout.addWidget(self.table, 1)
        lots = QHBoxLayout()
        import_button = QPushButton(_("Importer un lot hors ligne…"))
        import_button.setAccessibleName(_("Importer un lot d'encaissements hors ligne"))
        import_button.clicked.connect(self.import_batch)
        lots.addWidget(import_button)
        self.accept_button = QPushButton(_("Accepter le conflit"))
        self.accept_button.clicked.connect(lambda: self.decide(True))
        self.reject_button = QPushButton(_("Rejeter le conflit"))
        self.reject_button.clicked.connect(lambda: self.decide(False))
        for b in (self.accept_button, self.reject_button):
            b.setAccessibleName(b.text())
            lots.addWidget(b)
        layout.addLayout(lots)
        self.conflicts = _table(
            [_("N°"), _("Pass"), _("Motif"), _("Encaissé le")], _("Conflits à trancher")
        )
        layout.addWidget(self.conflicts, 1)
        self.conflict_ids: list[int] = []

    def refresh(self) -> None:
        self.preview()

    def preview(self) -> None:
        mois = self.mois.text().strip()
        ref_id = self.structure.currentData()

        def work(
            _p: Progress,
        ) -> tuple[list[Settlement], list[batches.ConflictRow], list[tuple[int, str]]]:
            with self.ctx.db.read_session() as session:
                # Validated statements of the month first (to save them again), then what is
                # still owed up to the end of the month.
                paid = [
                    settlements.validated(session, self.ctx.actor, r.id)
                    for r in settlements.list_validated(session, self.ctx.actor)
                    if r.mois == mois and ref_id in (None, r.pass_structure_id)
                ]
                return (
                    paid + settlements.preview(session, self.ctx.actor, mois, ref_id),
                    batches.list_conflicts(session, self.ctx.actor),
                    [(r.id, r.nom) for r in list_referenced(session)],
                )

        def done(
            result: tuple[list[Settlement], list[batches.ConflictRow], list[tuple[int, str]]],
        ) -> None:
            if self.structure.count() == 1:
                for id_, nom in result[2]:
                    self.structure.addItem(nom, id_)
            self._show((result[0], result[1]))

        self.ctx.tasks.run(work, on_done=done, on_error=lambda e: show_error(self, e))

    def _show(self, result: tuple[list[Settlement], list[batches.ConflictRow]]) -> None:
        self.shown, conflicts = result
        _fill(
            self.table,
            [
                [
                    s.structure,
                    str(s.nombre),
                    format_money(s.montant_cents),
                    _("validé") if s.reglement_id else _("à valider"),
                ]
                for s in self.shown
            ],
        )
        self.conflict_ids = [c.id for c in conflicts]
        _fill(
            self.conflicts,
            [
                [
                    str(c.id),
                    c.serial,
                    _(batches.MOTIFS.get(c.motif, c.motif)),
                    format_date(c.encaisse_at, "short"),
                ]
                for c in conflicts
            ],
        )

    def validate(self) -> None:
        mois = self.mois.text().strip()
        ref_id = self.structure.currentData()
        if not confirm(
            self,
            _(
                "Valider les remboursements de {mois} ({structure}) ? Les relevés deviennent "
                "définitifs et les pass passent à « remboursé »."
            ).format(mois=mois, structure=self.structure.currentText()),
            yes_label=_("Valider"),
        ):
            return

        def work(_p: Progress) -> list[Settlement]:
            with self.ctx.db.session() as session:
                done = settlements.validate(session, self.ctx.actor, mois, ref_id)
            with self.ctx.db.read_session() as session:
                return done + [
                    s
                    for s in settlements.preview(session, self.ctx.actor, mois, ref_id)
                    if s not in done
                ]

        def done(result: list[Settlement]) -> None:
            self._show((result, []))
            self.preview_conflicts_only()

        self.ctx.tasks.run(work, on_done=done, on_error=lambda e: show_error(self, e))

    def preview_conflicts_only(self) -> None:
        def work(_p: Progress) -> list[batches.ConflictRow]:
            with self.ctx.db.read_session() as session:
                return batches.list_conflicts(session, self.ctx.actor)

        self.ctx.tasks.run(
            work,
            on_done=lambda rows: self._show((self.shown, rows)),
            on_error=lambda e: show_error(self, e),
        )

    def _ask_folder(self) -> Path | None:
        chosen = QFileDialog.getExistingDirectory(self, _("Dossier des relevés"))
        return Path(chosen) if chosen else None

    def save(self) -> None:
        folder = self.ask_folder()
        if folder is None or not self.shown:
            return
        from pass_numerique.pdf import settlement_pdf

        shown = list(self.shown)

        def work(progress: Progress) -> list[Path]:
            written = []
            for i, s in enumerate(shown):
                progress.step(i, len(shown), s.structure)
                stem = folder / f"remboursement-{s.mois}-{s.siret or s.pass_structure_id}"
                stem.with_suffix(".pdf").write_bytes(settlement_pdf(s))
                stem.with_suffix(".csv").write_bytes(
                    settlements.settlement_csv(s).encode("utf-8-sig")
                )
                written += [stem.with_suffix(".pdf"), stem.with_suffix(".csv")]
            return written

        run_with_progress(
            self,
            self.ctx.tasks,
            work,
            _("Écriture des relevés…"),
            lambda paths: show_info(
                self, _("{n} fichiers écrits dans {folder}.").format(n=len(paths), folder=folder)
            ),
        )

    def _ask_batch(self) -> Path | None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, _("Lot d'encaissements"), "", _("Lots Médianum (*.json)")
        )
        return Path(chosen) if chosen else None

    def import_batch(self) -> None:
        path = self.ask_batch()
        if path is None:
            return

        def work(progress: Progress) -> batches.ImportReport:
            data = path.read_bytes()
            with self.ctx.db.session() as session:
                return batches.import_batch(session, self.ctx.actor, data, progress)

        def done(report: batches.ImportReport) -> None:
            if report.deja_importe:
                show_info(self, _("Ce lot a déjà été importé : rien n'a changé."))
            else:
                show_info(
                    self,
                    _("{ok} encaissement(s) acceptés, {c} conflit(s) à trancher.").format(
                        ok=report.acceptes, c=len(report.conflits)
                    ),
                )
            self.preview()

        run_with_progress(self, self.ctx.tasks, work, _("Import du lot…"), done)

    def decide(self, accept: bool) -> None:
        indexes = self.conflicts.selectionModel().selectedRows()
        if not indexes:
            return
        conflit_id = self.conflict_ids[indexes[0].row()]
        question = (
            _("Accepter cet encaissement hors ligne ? Il remplacera tout autre non remboursé.")
            if accept
            else _("Rejeter cet encaissement hors ligne ? Il ne sera pas remboursé.")
        )
        if not confirm(self, question):
            return

        def work(_p: Progress) -> None:
            with self.ctx.db.session() as session:
                batches.decide_conflict(session, self.ctx.actor, conflit_id, accept)

        self.ctx.tasks.run(
            work, on_done=lambda _r: self.preview(), on_error=lambda e: show_error(self, e)
        )


class RapportWidget(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Rapport financeur"))
        self.ask_path: Callable[[str], Path | None] = lambda suffix: _ask_save(
            self, _("Rapport au financeur"), f"rapport-pass{suffix}", f"*{suffix}"
        )
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.campagne = QComboBox()
        self.campagne.setAccessibleName(_("Campagne du rapport"))
        row.addWidget(QLabel(_("Campagne :")))
        row.addWidget(self.campagne, 1)
        for label, suffix in (
            (_("Enregistrer en PDF…"), ".pdf"),
            (_("Enregistrer en XLSX…"), ".xlsx"),
        ):
            button = QPushButton(label)
            button.setAccessibleName(label)
            button.clicked.connect(lambda _c=False, s=suffix: self.save(s))
            row.addWidget(button)
        layout.addLayout(row)
        self.summary = _table([_("Indicateur"), _("Valeur")], _("Synthèse du rapport"))
        layout.addWidget(self.summary, 1)
        self.refresh()

    def refresh(self) -> None:
        cid = self.campagne.currentData()

        def work(_p: Progress) -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
            with self.ctx.db.read_session() as session:
                campagnes = [(c.id, c.nom) for c in list_campagnes(session)]
                report = financer_report(session, self.ctx.actor, cid)
            return campagnes, report.summary_rows()

        def done(result: tuple[list[tuple[int, str]], list[tuple[str, str]]]) -> None:
            campagnes, rows = result
            if self.campagne.count() == 0:
                self.campagne.blockSignals(True)
                self.campagne.addItem(_("Toutes les campagnes"), None)
                for id_, nom in campagnes:
                    self.campagne.addItem(nom, id_)
                self.campagne.blockSignals(False)
                self.campagne.currentIndexChanged.connect(lambda _i: self.refresh())
            _fill(self.summary, rows)

        self.ctx.tasks.run(work, on_done=done, on_error=lambda e: show_error(self, e))

    def save(self, suffix: str) -> None:
        path = self.ask_path(suffix)
        if path is None:
            return
        cid = self.campagne.currentData()

        def work(_p: Progress) -> Path:
            with self.ctx.db.read_session() as session:
                report = financer_report(session, self.ctx.actor, cid)
            path.write_bytes(report_pdf(report) if suffix == ".pdf" else report_xlsx(report))
            return path

        run_with_progress(
            self,
            self.ctx.tasks,
            work,
            _("Rapport en cours…"),
            lambda p: show_info(self, _("Rapport écrit : {path}").format(path=p)),
        )


class ExpirationsWidget(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Expirations"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Chéquiers dont des pass inutilisés expirent dans les 30 jours")))
        self.table = _table(
            [
                _("Chéquier"),
                _("Bénéficiaire (n°)"),
                _("Campagne"),
                _("Dernier jour"),
                _("Pass restants"),
                _("Valeur"),
            ],
            _("Chéquiers qui expirent bientôt"),
        )
        self.empty = empty_state(
            self.table, _("Aucun chéquier n'a de pass inutilisés qui expirent dans les 30 jours.")
        )
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        def work(_p: Progress) -> list[list[str]]:
            with self.ctx.db.read_session() as session:
                rows = expiring(session, self.ctx.actor)
            return [
                [
                    str(r.chequier_id),
                    str(r.beneficiaire_id),
                    r.campagne,
                    format_date(r.expire_le, "short"),
                    str(r.restants),
                    format_money(r.valeur_restante_cents),
                ]
                for r in rows
            ]

        self.ctx.tasks.run(
            work,
            on_done=lambda rows: _fill(self.table, rows),
            on_error=lambda e: show_error(self, e),
        )
