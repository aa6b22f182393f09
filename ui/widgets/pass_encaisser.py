"""« Encaisser »: one field waiting for a scanner (or the keyboard), an answer in large words,
today's redemptions with an undo for a mistaken scan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
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

from core.errors import ValidationError
from core.i18n import _, format_money, to_local
from core.progress import Progress
from pass_numerique.redemption import (
    RedemptionRow,
    ScanResult,
    redeem,
    redemptions_of_day,
    undo_redemption,
)
from pass_numerique.serials import display
from ui.context import AppContext
from ui.widgets.messages import confirm, show_error

GREEN = "#1e7b34"
RED = "#b3261e"


def decode_qr_image(path: Path) -> str:
    """The text of the first QR code found in an image file (a photo, a webcam capture)."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            found = zxingcpp.read_barcodes(image.convert("RGB"))
    except (OSError, UnidentifiedImageError) as exc:
        raise ValidationError(_("Image illisible : {path}").format(path=path.name)) from exc
    for barcode in found:
        if barcode.format == zxingcpp.BarcodeFormat.QRCode and barcode.text:
            return str(barcode.text)
    raise ValidationError(_("Aucun QR code lisible dans cette image."))


class EncaisserWidget(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Encaisser un pass"))
        layout = QVBoxLayout(self)
        hint = QLabel(_("Scannez le QR code du pass, ou tapez son numéro puis Entrée."))
        layout.addWidget(hint)
        self.field = QLineEdit()
        big = QFont()
        big.setPointSize(20)
        self.field.setFont(big)
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
        layout.addLayout(row)
        self.answer = QLabel(" ")
        answer_font = QFont()
        answer_font.setPointSize(26)
        answer_font.setBold(True)
        self.answer.setFont(answer_font)
        self.answer.setWordWrap(True)
        self.answer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.answer.setMinimumHeight(90)
        self.answer.setAccessibleName(_("Réponse"))
        layout.addWidget(self.answer)
        layout.addWidget(QLabel(_("Encaissements du jour")))
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([_("Heure"), _("Pass"), _("Montant")])
        self.table.setAccessibleName(_("Encaissements du jour"))
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

        self.ctx.tasks.run(work, on_done=self._fill, on_error=self._failed)

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

        def done(text: str) -> None:
            self.field.setText(text)
            self.submit()

        self.ctx.tasks.run(work, on_done=done, on_error=self._failed)
