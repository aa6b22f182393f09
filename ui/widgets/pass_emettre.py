"""« Émettre » (eligibility with reasons, issue and print, reprint) and « Opposition »."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from core import fichiers_nominatifs, paths
from core.errors import NotFoundError
from core.i18n import _, format_date
from core.progress import Progress
from pass_numerique.campagnes import list_campagnes
from pass_numerique.eligibility import Eligibility
from pass_numerique.issuance import (
    chequebook_print,
    chequiers_of,
    eligibility_for,
    issue_chequebook,
)
from pass_numerique.models import Chequier
from pass_numerique.opposition import (
    find_chequier_by_serial,
    lift_opposition,
    oppose_chequebook,
    oppose_pass,
)
from pass_numerique.pdf import chequebook_pdf
from ui.context import AppContext
from ui.widgets.mediation_beneficiaire_picker import BeneficiairePicker
from ui.widgets.messages import confirm, show_error, show_info
from ui.widgets.operations import ReadOp


def chequebooks_folder() -> Path:
    folder = paths.export_dir() / "chequiers"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_file(path: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class EmettreWidget(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Émettre un chéquier"))
        self.beneficiaire_id: int | None = None
        self.opener: Callable[[Path], None] = open_file  # replaced by tests
        self.last_pdf: Path | None = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.campagne = QComboBox()
        self.campagne.setAccessibleName(_("Campagne"))
        form.addRow(_("&Campagne :"), self.campagne)
        self.picker = BeneficiairePicker(ctx.db, ctx.actor)
        self.picker.chosen.connect(self.choose)
        form.addRow(_("&Bénéficiaire :"), self.picker)
        layout.addLayout(form)
        self.verdict = QLabel(_("Choisissez un bénéficiaire."))
        self.verdict.setWordWrap(True)
        self.verdict.setAccessibleName(_("Éligibilité"))
        layout.addWidget(self.verdict)
        self.issue_button = QPushButton(_("Émettre et imprimer le chéquier"))
        self.issue_button.setAccessibleName(_("Émettre et imprimer le chéquier"))
        self.issue_button.setEnabled(False)
        self.issue_button.clicked.connect(self.issue)
        layout.addWidget(self.issue_button)
        layout.addWidget(QLabel(_("Chéquiers de ce bénéficiaire")))
        self.books = QListWidget()
        self.books.setAccessibleName(_("Chéquiers du bénéficiaire"))
        layout.addWidget(self.books, 1)
        reprint = QHBoxLayout()
        self.reprint_serial = QLineEdit()
        self.reprint_serial.setPlaceholderText(_("Numéro du pass perdu (vide : tout le chéquier)"))
        self.reprint_serial.setAccessibleName(_("Numéro du pass à réimprimer"))
        reprint.addWidget(self.reprint_serial, 1)
        self.reprint_button = QPushButton(_("Réimprimer"))
        self.reprint_button.setAccessibleName(_("Réimprimer le chéquier sélectionné"))
        self.reprint_button.clicked.connect(self.reprint)
        reprint.addWidget(self.reprint_button)
        layout.addLayout(reprint)
        self.campagne.currentIndexChanged.connect(lambda _i: self.check())
        self.refresh()

    def refresh(self) -> None:
        """Read the running campaigns off the GUI thread; a chosen person is checked once read."""

        def read(session: Session, _progress: Progress) -> list[tuple[int, str]]:
            return [(c.id, c.nom) for c in list_campagnes(session, running_on=date.today())]

        ReadOp(self, self.ctx, read, self._show_campagnes).run_in_background()

    def _show_campagnes(self, campagnes: list[tuple[int, str]]) -> None:
        self.campagne.clear()
        for cid, nom in campagnes:
            self.campagne.addItem(nom, cid)
        if not campagnes:
            self.verdict.setText(_("Aucune campagne en cours : le coordinateur doit en créer une."))

    def choose(self, beneficiaire_id: int, _label: str = "") -> None:
        self.beneficiaire_id = beneficiaire_id
        self.check()

    def check(self, *, quiet: bool = False) -> None:
        """Eligibility and chequebooks of the chosen person; ``quiet`` keeps the message shown
        (after issuing, « plafond atteint » is no news: the chequebook just issued is)."""
        cid, bid = self.campagne.currentData(), self.beneficiaire_id
        if cid is None or bid is None:
            self.issue_button.setEnabled(False)
            return

        def work(_p: Progress) -> tuple[Eligibility, list[tuple[int, str]]]:
            with self.ctx.db.read_session() as session:
                verdict = eligibility_for(session, self.ctx.actor, bid, cid, date.today())
                books = [
                    (
                        c.id,
                        _("Chéquier n° {id} du {date}").format(
                            id=c.id, date=format_date(c.emis_at, "short")
                        )
                        + (_(" — en opposition") if c.opposition_at else ""),
                    )
                    for c in chequiers_of(session, self.ctx.actor, bid)
                ]
            return verdict, books

        self.ctx.tasks.run(
            work,
            on_done=lambda result: self._show(result, quiet=quiet),
            on_error=lambda e: show_error(self, e),
        )

    def _say(self, text: str, good: bool) -> None:
        self.verdict.setText(text)
        color = "#1e7b34" if good else "#b3261e"
        self.verdict.setStyleSheet(f"color: {color}; font-weight: bold;")

    def _show(
        self, result: tuple[Eligibility, list[tuple[int, str]]], *, quiet: bool = False
    ) -> None:
        verdict, books = result
        if not quiet:
            self._say(verdict.summary(), verdict.eligible)
        self.issue_button.setEnabled(verdict.eligible)
        self.books.clear()
        for cid, label in books:
            item = QListWidgetItem(label)
            item.setData(256, cid)
            self.books.addItem(item)
        if books:
            self.books.setCurrentRow(0)

    def issue(self) -> None:
        cid, bid = self.campagne.currentData(), self.beneficiaire_id
        if cid is None or bid is None:
            return
        if not confirm(
            self,
            _("Émettre un chéquier pour ce bénéficiaire ? Il sera compté dans son plafond."),
            yes_label=_("Émettre"),
        ):
            return

        def work(_p: Progress) -> tuple[str, Path]:
            with self.ctx.db.session() as session:
                chequier = issue_chequebook(session, self.ctx.actor, bid, cid)
                book = chequebook_print(session, self.ctx.actor, chequier.id)
                target = chequebooks_folder() / f"chequier-{chequier.id}.pdf"
                target.write_bytes(chequebook_pdf(book))
                fichiers_nominatifs.record(target, [chequier.beneficiaire_id])
            return _("Chéquier n° {id} émis — PDF : {path}").format(
                id=chequier.id, path=target
            ), target

        self.ctx.tasks.run(work, on_done=self._printed, on_error=lambda e: show_error(self, e))

    def _printed(self, result: tuple[str, Path]) -> None:
        message, path = result
        self.last_pdf = path
        self._say(message, True)
        self.opener(path)
        self.check(quiet=True)

    def reprint(self) -> None:
        item = self.books.currentItem()
        if item is None:
            return
        chequier_id = int(item.data(256))
        serial = self.reprint_serial.text().strip()

        def work(_p: Progress) -> tuple[str, Path]:
            with self.ctx.db.session() as session:
                book = chequebook_print(
                    session, self.ctx.actor, chequier_id, serials_only=[serial] if serial else None
                )
                n = book.reimpression_no
                target = chequebooks_folder() / f"chequier-{chequier_id}-reimpression-{n}.pdf"
                target.write_bytes(chequebook_pdf(book))
                holder = session.get(Chequier, chequier_id)
                if holder is not None:
                    fichiers_nominatifs.record(target, [holder.beneficiaire_id])
            return _("Réimpression n° {n} du chéquier n° {id} — PDF : {path}").format(
                n=n, id=chequier_id, path=target
            ), target

        self.ctx.tasks.run(work, on_done=self._printed, on_error=lambda e: show_error(self, e))


class OppositionWidget(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Opposition"))
        layout = QVBoxLayout(self)
        intro = QLabel(
            _(
                "Chéquier perdu ou volé : saisissez le numéro d'un de ses pass (il figure "
                "sur les talons). Les pass non encaissés deviennent aussitôt inutilisables."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.serial = QLineEdit()
        self.serial.setPlaceholderText(_("Numéro d'un pass du chéquier"))
        self.serial.setAccessibleName(_("Numéro d'un pass du chéquier"))
        layout.addWidget(self.serial)
        buttons = QHBoxLayout()
        self.book_button = QPushButton(_("Opposition sur tout le chéquier"))
        self.book_button.setAccessibleName(_("Opposition sur tout le chéquier"))
        self.book_button.clicked.connect(self.oppose_book)
        self.pass_button = QPushButton(_("Opposition sur ce pass seulement"))
        self.pass_button.setAccessibleName(_("Opposition sur ce pass seulement"))
        self.pass_button.clicked.connect(self.oppose_one)
        buttons.addWidget(self.book_button)
        buttons.addWidget(self.pass_button)
        layout.addLayout(buttons)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setAccessibleName(_("Résultat de l'opposition"))
        layout.addWidget(self.result)
        layout.addWidget(QLabel(_("Chéquier retrouvé : levez l'opposition en disant pourquoi.")))
        lift = QHBoxLayout()
        self.motif = QLineEdit()
        self.motif.setPlaceholderText(_("Motif de la levée (obligatoire)"))
        self.motif.setAccessibleName(_("Motif de la levée d'opposition"))
        lift.addWidget(self.motif, 1)
        self.lift_button = QPushButton(_("Lever l'opposition du chéquier"))
        self.lift_button.setAccessibleName(_("Lever l'opposition du chéquier"))
        self.lift_button.clicked.connect(self.lift)
        lift.addWidget(self.lift_button)
        layout.addLayout(lift)
        layout.addStretch(1)

    def lift(self) -> None:
        text, motif = self.serial.text(), self.motif.text()
        if not confirm(
            self,
            _("Lever l'opposition ? Les pass non encaissés redeviennent utilisables."),
            yes_label=_("Lever l'opposition"),
        ):
            return

        def work(_p: Progress) -> int:
            with self.ctx.db.session() as session:
                chequier = find_chequier_by_serial(session, text)
                if chequier is None:
                    raise NotFoundError(_("Aucun pass n'a ce numéro."))
                return lift_opposition(session, self.ctx.actor, chequier.id, motif)

        def done(n: int) -> None:
            self.result.setText(
                _("Opposition levée : {n} pass de nouveau utilisables.").format(n=n)
            )
            self.motif.clear()

        self.ctx.tasks.run(work, on_done=done, on_error=lambda e: show_error(self, e))

    def oppose_book(self) -> None:
        text = self.serial.text()
        if not confirm(
            self,
            _(
                "Bloquer tous les pass non encaissés de ce chéquier ? Seule une levée "
                "d'opposition motivée les rendra utilisables."
            ),
            yes_label=_("Bloquer le chéquier"),
        ):
            return

        def work(_p: Progress) -> int:
            with self.ctx.db.session() as session:
                chequier = find_chequier_by_serial(session, text)
                if chequier is None:
                    raise NotFoundError(_("Aucun pass n'a ce numéro."))
                return oppose_chequebook(session, self.ctx.actor, chequier.id)

        def done(n: int) -> None:
            self.result.setText(_("Opposition enregistrée : {n} pass bloqués.").format(n=n))
            show_info(self, self.result.text())

        self.ctx.tasks.run(work, on_done=done, on_error=lambda e: show_error(self, e))

    def oppose_one(self) -> None:
        text = self.serial.text()
        if not confirm(self, _("Bloquer ce pass ? C'est définitif."), yes_label=_("Bloquer")):
            return

        def work(_p: Progress) -> None:
            with self.ctx.db.session() as session:
                oppose_pass(session, self.ctx.actor, text)

        def done(_r: object) -> None:
            self.result.setText(_("Opposition enregistrée sur le pass."))

        self.ctx.tasks.run(work, on_done=done, on_error=lambda e: show_error(self, e))
