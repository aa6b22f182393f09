"""Page « Mandats »: the structure's mandates, new mandate, print, renew, revoke, verify a paper.

Every database write and every PDF runs through ``ctx.tasks`` (off the GUI thread), with a busy
bar and a cancel button; printed files go to the data directory's exports and open in the
system's PDF reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.auth import Permission
from core.errors import MedianumError
from core.i18n import N_, _
from core.progress import Progress
from mediation.mandats.creation import renew_mandat
from mediation.mandats.impression import print_mandat, print_revocation
from mediation.mandats.lecture import Filtre, MandatRow, Statut, categorie_titre
from mediation.mandats.revocation import revoke_mandat
from mediation.mandats.verification import Verification, verify_mandat
from ui.context import AppContext
from ui.pages.mandats.actions import create_and_print_mandat, mandats_folder, write_paper
from ui.pages.mandats.dialogs import RenewDialog, RevokeDialog
from ui.pages.mandats.table import MandatTableModel
from ui.pages.mandats.wizard import MandatRequest, NouveauMandatWizard
from ui.tasks import TaskHandle
from ui.widgets.empty_state import empty_state
from ui.widgets.fit import emphasize

FILTRES: tuple[tuple[Filtre, str], ...] = (
    (Filtre.TOUS, N_("Tous les mandats")),
    (Filtre.ACTIFS, N_("En vigueur")),
    (Filtre.EXPIRANT, N_("Expirent dans les 30 jours")),
    (Filtre.EXPIRES, N_("Expirés")),
    (Filtre.REVOQUES, N_("Révoqués")),
)
SEARCH_DEBOUNCE_MS = 200


class MandatsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Mandats"))
        self.handle: TaskHandle | None = None
        self.last_pdf: Path | None = None
        # The list loads off the GUI thread: a row to select waits for the load to finish.
        self._select_after_load: str | None = None
        self.wizard: NouveauMandatWizard | None = None

        title = QLabel(_("Mandats"), self)
        emphasize(title, 1.6)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText(_("Nom de la personne ou référence du mandat"))
        self.search.setAccessibleName(_("Rechercher un mandat"))
        self.search.setClearButtonEnabled(True)
        self.filtre = QComboBox(self)
        self.filtre.setAccessibleName(_("Afficher"))
        for value, label in FILTRES:
            self.filtre.addItem(_(label), value)
        self.count = QLabel(self)
        search_label = QLabel(_("&Rechercher :"), self)
        search_label.setBuddy(self.search)
        filter_label = QLabel(_("&Afficher :"), self)
        filter_label.setBuddy(self.filtre)
        bar = QHBoxLayout()
        bar.addWidget(search_label)
        bar.addWidget(self.search, 2)
        bar.addWidget(filter_label)
        bar.addWidget(self.filtre, 1)
        bar.addWidget(self.count)

        self.model = MandatTableModel(ctx.db, ctx.actor, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(_("Mandats de la structure"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.print_selected())
        self.empty = empty_state(
            self.table, _("Aucun mandat à afficher pour cette recherche et ce choix.")
        )

        self.new_button = QPushButton(_("&Nouveau mandat…"), self)
        self.print_button = QPushButton(_("&Imprimer"), self)
        self.translation = QCheckBox(_("avec la traduction anglaise"), self)
        self.translation.setAccessibleName(_("Joindre la traduction anglaise"))
        self.renew_button = QPushButton(_("Re&nouveler…"), self)
        self.revoke_button = QPushButton(_("Ré&voquer…"), self)
        for button, name in (
            (self.new_button, _("Nouveau mandat")),
            (self.print_button, _("Imprimer le mandat")),
            (self.renew_button, _("Renouveler le mandat")),
            (self.revoke_button, _("Révoquer le mandat")),
        ):
            button.setAccessibleName(name)
        actions = QHBoxLayout()
        actions.addWidget(self.new_button)
        actions.addWidget(self.print_button)
        actions.addWidget(self.translation)
        actions.addStretch()
        actions.addWidget(self.renew_button)
        actions.addWidget(self.revoke_button)

        self.progress = QProgressBar(self)
        self.progress.setAccessibleName(_("Travail en cours"))
        self.progress.setRange(0, 0)
        self.cancel_button = QPushButton(_("Annuler"), self)
        self.cancel_button.clicked.connect(self.cancel_task)
        busy = QHBoxLayout()
        busy.addWidget(self.progress)
        busy.addWidget(self.cancel_button)
        self.progress.hide()
        self.cancel_button.hide()

        verify_box = QGroupBox(_("Vérifier un mandat"), self)
        self.verify_input = QLineEdit(verify_box)
        self.verify_input.setPlaceholderText(
            _("Scannez le QR code d'un mandat imprimé (ou collez son contenu), puis Entrée")
        )
        self.verify_input.setAccessibleName(_("Contenu du QR code à vérifier"))
        self.verify_button = QPushButton(_("Vé&rifier"), verify_box)
        self.verify_result = QLabel(verify_box)
        self.verify_result.setWordWrap(True)
        self.verify_result.setAccessibleName(_("Résultat de la vérification"))
        self.verify_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        verify_row = QHBoxLayout()
        verify_row.addWidget(self.verify_input, 1)
        verify_row.addWidget(self.verify_button)
        verify_layout = QVBoxLayout(verify_box)
        verify_layout.addLayout(verify_row)
        verify_layout.addWidget(self.verify_result)

        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.notice)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addLayout(busy)
        layout.addWidget(verify_box)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textEdited.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.refresh)
        self.filtre.currentIndexChanged.connect(lambda _i: self.refresh())
        self.new_button.clicked.connect(lambda: self.new_mandate())
        self.print_button.clicked.connect(self.print_selected)
        self.renew_button.clicked.connect(self.renew_selected)
        self.revoke_button.clicked.connect(self.revoke_selected)
        self.verify_button.clicked.connect(self.verify)
        self.verify_input.returnPressed.connect(self.verify)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        QShortcut(QKeySequence.StandardKey.Find, self).activated.connect(self.search.setFocus)
        QShortcut(QKeySequence.StandardKey.New, self).activated.connect(lambda: self.new_mandate())
        QShortcut(QKeySequence.StandardKey.Print, self).activated.connect(self.print_selected)

        self.allowed = ctx.actor.can(Permission.MANDAT_GERER)
        if not self.allowed:
            self.notice.setText(
                _(
                    "Vous n'êtes pas aidant habilité dans la structure choisie : les mandats de "
                    "cette structure ne vous sont pas accessibles."
                )
            )
            for widget in (self.new_button, self.search, self.filtre, self.verify_input):
                widget.setEnabled(False)
        self._update_buttons()
        if self.allowed:
            self.refresh()

    # --- tasks ---------------------------------------------------------------------------------

    def _run(self, fn: Any, on_done: Any) -> None:
        self.progress.show()
        self.cancel_button.show()

        def done(result: Any) -> None:
            self._idle()
            on_done(result)

        def failed(exc: BaseException) -> None:
            self._idle()
            if isinstance(exc, MedianumError):
                QMessageBox.warning(self, _("Mandats"), str(exc))
                return
            raise exc

        self.handle = self.ctx.tasks.run(fn, on_done=done, on_error=failed)

    def _idle(self) -> None:
        self.handle = None
        self.progress.hide()
        self.cancel_button.hide()

    def cancel_task(self) -> None:
        if self.handle is not None:
            self.handle.cancel()

    def refresh(self) -> None:
        if not self.allowed:
            return
        self.model.filtre = Filtre(self.filtre.currentData())
        self.model.recherche = self.search.text()
        self._run(lambda _p: self.model.load(), self._loaded)

    def _loaded(self, loaded: tuple[int, list[MandatRow]]) -> None:
        self.model.set_loaded(loaded)
        self.count.setText(_("{n} mandat(s)").format(n=self.model.total))
        if self._select_after_load is not None:
            self.select_reference(self._select_after_load)
            self._select_after_load = None
        self._update_buttons()

    def selected_row(self) -> MandatRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_reference(self, reference: str) -> None:
        for i in range(self.model.rowCount()):
            row = self.model.row_at(i)
            if row is not None and row.reference == reference:
                self.table.selectRow(i)
                return

    def _update_buttons(self) -> None:
        row = self.selected_row()
        self.print_button.setEnabled(self.allowed and row is not None)
        self.renew_button.setEnabled(
            self.allowed and row is not None and row.statut is not Statut.REVOQUE
        )
        self.revoke_button.setEnabled(
            self.allowed and row is not None and row.statut is Statut.ACTIF
        )

    def _opened(self, path: Path, message: str) -> None:
        self.last_pdf = path
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        self.notice.setText(message)

    # --- new mandate ---------------------------------------------------------------------------

    def new_mandate(self, beneficiaire_id: int | None = None) -> NouveauMandatWizard:
        """Open the guided screen (non-blocking); recording and printing happen on accept."""
        wizard = NouveauMandatWizard(self.ctx, beneficiaire_id, self)
        wizard.accepted.connect(lambda: self._record(wizard))
        self.wizard = wizard
        wizard.open()
        return wizard

    def _record(self, wizard: NouveauMandatWizard) -> None:
        request = wizard.request()
        if request is None:
            return
        self._run(lambda p: self._create_and_print(request, p), self._created)

    def _create_and_print(self, request: MandatRequest, progress: Progress) -> tuple[Path, str]:
        return create_and_print_mandat(self.ctx, request, progress)

    def _created(self, result: tuple[Path, str]) -> None:
        path, reference = result
        self._opened(
            path,
            _(
                "Mandat {reference} enregistré. Faites signer les deux exemplaires ; le PDF est "
                "dans {path}."
            ).format(reference=reference, path=path),
        )
        # Show every mandate, newest first, so that the new one is on the first page.
        for widget in (self.search, self.filtre):
            widget.blockSignals(True)
        self.search.clear()
        self.filtre.setCurrentIndex([f for f, _label in FILTRES].index(Filtre.TOUS))
        for widget in (self.search, self.filtre):
            widget.blockSignals(False)
        self._select_after_load = reference
        self.refresh()

    # --- print, renew, revoke ------------------------------------------------------------------

    def print_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        traduction = "en" if self.translation.isChecked() else None

        def work(_p: Progress) -> Path:
            with self.ctx.db.session() as session:
                pdf = print_mandat(session, self.ctx.actor, row.id, traduction=traduction)
            # The French copies alone and with their translation are two different files.
            suffix = f"-avec-traduction-{traduction}" if traduction else ""
            path = mandats_folder() / f"{row.reference}{suffix}.pdf"
            return write_paper(path, pdf, row.beneficiaire_id)

        self._run(
            work,
            lambda path: self._opened(
                path,
                _("Mandat {reference} imprimé : {path}").format(reference=row.reference, path=path),
            ),
        )

    def renew_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        dialog = RenewDialog(row, row.duree_jours, self)
        if dialog.exec() != RenewDialog.DialogCode.Accepted:
            return
        duree = dialog.duree_jours()

        def work(progress: Progress) -> tuple[Path, str]:
            with self.ctx.db.session() as session:
                mandat = renew_mandat(
                    session,
                    self.ctx.actor,
                    row.id,
                    mentions_lues=dialog.lu.isChecked(),
                    hors_mesure_protection=dialog.protection.isChecked(),
                    duree_jours=duree,
                )
                progress.step(1, 2, _("Impression"))
                pdf = print_mandat(session, self.ctx.actor, mandat.id)
                path = mandats_folder() / f"{mandat.reference}.pdf"
                write_paper(path, pdf, mandat.beneficiaire_id)
                return path, mandat.reference

        self._run(work, self._created)

    def revoke_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        dialog = RevokeDialog(row, self)
        if dialog.exec() != RevokeDialog.DialogCode.Accepted:
            return
        categorie = dialog.chosen_categorie()
        what = (
            _("toute la partie « {titre} » du mandat {reference}").format(
                titre=categorie_titre(categorie), reference=row.reference
            )
            if categorie
            else _("tout le mandat {reference}").format(reference=row.reference)
        )
        answer = QMessageBox.question(
            self,
            _("Confirmer la révocation"),
            _(
                "Révoquer {what} pour {mandant} ? La révocation est définitive ; une attestation "
                "sera imprimée pour signature."
            ).format(what=what, mandant=row.mandant),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return

        def work(progress: Progress) -> Path:
            with self.ctx.db.session() as session:
                revocation = revoke_mandat(session, self.ctx.actor, row.id, categorie)
                progress.step(1, 2, _("Impression"))
                pdf = print_revocation(session, self.ctx.actor, revocation.id)
                path = mandats_folder() / f"{row.reference}-revocation-{revocation.id}.pdf"
                return write_paper(path, pdf, row.beneficiaire_id)

        def done(path: Path) -> None:
            self._opened(
                path,
                _("Révocation enregistrée. Faites signer l'attestation : {path}").format(path=path),
            )
            self.refresh()

        self._run(work, done)

    # --- verification --------------------------------------------------------------------------

    def verify(self) -> None:
        text = self.verify_input.text().strip()
        if not text:
            return

        def work(_p: Progress) -> Verification:
            with self.ctx.db.read_session() as session:
                return verify_mandat(session, self.ctx.actor, text)

        def done(result: Verification) -> None:
            self._idle()
            # Red for anything that does not authorise a démarche today, revoked or expired too.
            color = "#1b5e20" if result.en_vigueur else "#8a1c1c"
            self.verify_result.setStyleSheet(f"color: {color}; font-weight: bold;")
            self.verify_result.setText(result.message)
            self.verify_input.selectAll()

        def failed(exc: BaseException) -> None:
            self._idle()
            if not isinstance(exc, MedianumError):
                raise exc
            self.verify_result.setStyleSheet("color: #8a1c1c; font-weight: bold;")
            self.verify_result.setText(str(exc))

        self.progress.show()
        self.handle = self.ctx.tasks.run(work, on_done=done, on_error=failed)
