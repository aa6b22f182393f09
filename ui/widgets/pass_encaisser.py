"""« Encaisser »: one field waiting for a scanner (or the keyboard), an answer in large words,
today's redemptions with an undo for a mistaken scan."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.errors import MedianumError
from core.i18n import _, format_money, to_local
from core.progress import Progress
from pass_numerique.batches import desk_fingerprint, display_fingerprint
from pass_numerique.redemption import (
    RedemptionRow,
    ScanResult,
    redeem,
    redemptions_of_day,
    undo_redemption,
)
from pass_numerique.serials import display
from ui.context import AppContext
from ui.widgets.fit import emphasize, without_tab_trap
from ui.widgets.messages import confirm, show_error, show_info
from ui.widgets.qr_lecture import decode_qr_image

if TYPE_CHECKING:
    from ui.widgets.pass_camera import CameraDialog

GREEN = "#1e7b34"
RED = "#b3261e"


class EncaisserWidget(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Encaisser un pass"))
        layout = QVBoxLayout(self)
        hint = QLabel(_("Scannez le QR code du pass, ou tapez son numéro puis Entrée."))
        layout.addWidget(hint)
        self.field = QLineEdit()
        emphasize(self.field, 2.0, bold=False)
        self.field.setPlaceholderText(_("QR code ou numéro du pass"))
        self.field.setAccessibleName(_("Code du pass à encaisser"))
        self.field.returnPressed.connect(self.submit)
        hint.setBuddy(self.field)
        row = QHBoxLayout()
        row.addWidget(self.field, 1)
        self.image_button = QPushButton(_("Lire une image…"))
        self.image_button.setAccessibleName(_("Lire un QR code depuis un fichier image"))
        self.image_button.clicked.connect(self.read_image)
        row.addWidget(self.image_button)
        self.camera_button = QPushButton(_("Caméra…"))
        self.camera_button.setAccessibleName(_("Lire un QR code avec la caméra"))
        self.camera_button.clicked.connect(self.read_camera)
        row.addWidget(self.camera_button)
        self._watching_cameras = False
        self.camera_dialog: CameraDialog | None = None
        layout.addLayout(row)
        self.answer = QLabel(" ")
        emphasize(self.answer, 2.6)
        self.answer.setWordWrap(True)
        self.answer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.answer.setMinimumHeight(90)
        self.answer.setAccessibleName(_("Réponse"))
        layout.addWidget(self.answer)
        layout.addWidget(QLabel(_("Encaissements du jour")))
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([_("Heure"), _("Pass"), _("Montant")])
        self.table.setAccessibleName(_("Encaissements du jour"))
        without_tab_trap(self.table)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.undo_button = QPushButton(_("Annuler l'encaissement sélectionné"))
        self.undo_button.setAccessibleName(_("Annuler l'encaissement sélectionné"))
        self.undo_button.clicked.connect(self.undo_selected)
        self.undo_button.setEnabled(False)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.undo_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.fingerprint_button = QPushButton(_("Empreinte de la clé des lots hors ligne…"))
        self.fingerprint_button.setAccessibleName(_("Empreinte de la clé des lots hors ligne"))
        self.fingerprint_button.clicked.connect(self.show_fingerprint)
        layout.addWidget(self.fingerprint_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.rows: list[RedemptionRow] = []
        # Replaced by tests: choose an image file.
        self.ask_image_path = self._ask_image_path
        self.refresh()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.field.setFocus()

    def submit(self) -> None:
        scanned = self.field.text().strip()
        if not scanned:
            return
        self.field.clear()

        def work(_p: Progress) -> ScanResult:
            with self.ctx.db.session() as session:
                return redeem(session, self.ctx.actor, scanned)

        self.ctx.tasks.run(work, on_done=self.show_result, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        show_error(self, exc)
        self.field.setFocus()

    def show_result(self, result: ScanResult) -> None:
        color = GREEN if result.accepted else RED
        self.answer.setText(result.message)
        self.answer.setStyleSheet(f"color: white; background: {color}; border-radius: 8px;")
        self.answer.setAccessibleDescription(result.message)
        self.field.setFocus()
        if result.accepted:
            self.refresh()

    def refresh(self) -> None:
        def work(_p: Progress) -> list[RedemptionRow]:
            with self.ctx.db.read_session() as session:
                return redemptions_of_day(session, self.ctx.actor)

        self.ctx.tasks.run(work, on_done=self._fill, on_error=self._refresh_failed)

    def _refresh_failed(self, exc: BaseException) -> None:
        # Opening the tab must not greet the agent with a modal box: a structure that is not
        # referenced is a state to show in place, not an error to acknowledge.
        if isinstance(exc, MedianumError):
            self.answer.setText(str(exc))
            self.answer.setAccessibleDescription(str(exc))
            self.rows = []
            self.table.setRowCount(0)
            return
        show_error(self, exc)

    def _fill(self, rows: list[RedemptionRow]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, value in enumerate(
                (to_local(r.at).strftime("%H:%M"), display(r.serial), format_money(r.valeur_cents))
            ):
                self.table.setItem(i, j, QTableWidgetItem(value))
        self._selection_changed()

    def _selected(self) -> RedemptionRow | None:
        indexes = self.table.selectionModel().selectedRows()
        return self.rows[indexes[0].row()] if indexes else None

    def _selection_changed(self) -> None:
        row = self._selected()
        self.undo_button.setEnabled(row is not None and row.undoable)

    def undo_selected(self) -> None:
        row = self._selected()
        if row is None:
            return
        question = _("Annuler l'encaissement du pass {serial} ({montant}) ?").format(
            serial=display(row.serial), montant=format_money(row.valeur_cents)
        )
        if not confirm(self, question, yes_label=_("Annuler l'encaissement")):
            return

        def work(_p: Progress) -> None:
            with self.ctx.db.session() as session:
                undo_redemption(session, self.ctx.actor, row.encaissement_id)

        def done(_r: object) -> None:
            self.answer.setText(_("Encaissement annulé : le pass est de nouveau utilisable."))
            self.answer.setStyleSheet("")
            self.refresh()

        self.ctx.tasks.run(work, on_done=done, on_error=self._failed)

    def show_fingerprint(self) -> None:
        """What this desk reads to the coordinator, who registers it before importing a batch."""

        def work(_p: Progress) -> str:
            with self.ctx.db.session() as session:
                return display_fingerprint(desk_fingerprint(session, self.ctx.actor))

        def done(shown: str) -> None:
            show_info(
                self,
                _(
                    "Empreinte de la clé qui signe les lots de ce poste : {empreinte}\n"
                    "Lisez-la au coordinateur (téléphone, papier) : il l'enregistre avant "
                    "d'importer vos lots."
                ).format(empreinte=shown),
            )

        self.ctx.tasks.run(work, on_done=done, on_error=self._failed)

    def _ask_image_path(self) -> Path | None:
        name, _filter = QFileDialog.getOpenFileName(
            self, _("Image contenant un QR code"), "", _("Images (*.png *.jpg *.jpeg *.bmp)")
        )
        return Path(name) if name else None

    def read_image(self) -> None:
        path = self.ask_image_path()
        if path is None:
            return

        def work(_p: Progress) -> str:
            return decode_qr_image(path)

        self.ctx.tasks.run(work, on_done=self.submit_text, on_error=self._failed)

    def submit_text(self, text: str) -> None:
        """A code read from a picture or the camera goes the way of a scan."""
        self.field.setText(text)
        self.submit()

    def read_camera(self) -> None:
        # Qt Multimedia is loaded on demand: most desks never use the camera.
        from ui.widgets import pass_camera

        cameras = pass_camera.video_inputs()
        if not cameras:
            self.camera_button.setText(_("Aucune caméra détectée"))
            self.camera_button.setAccessibleName(_("Aucune caméra détectée"))
            self.camera_button.setEnabled(False)
            if not self._watching_cameras:
                self._watching_cameras = True
                pass_camera.watch_video_inputs(self, self._cameras_changed)
            self.field.setFocus()
            return
        dialog = pass_camera.CameraDialog(cameras[0], self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.qr_found.connect(self.submit_text)
        dialog.finished.connect(self._camera_closed)
        self.camera_dialog = dialog
        dialog.open()
        dialog.start()

    def _camera_closed(self, _result: int) -> None:
        self.camera_dialog = None

    def _cameras_changed(self) -> None:
        """A camera was plugged in (or out): offer it again; the next click looks again."""
        self.camera_button.setText(_("Caméra…"))
        self.camera_button.setAccessibleName(_("Lire un QR code avec la caméra"))
        self.camera_button.setEnabled(True)
