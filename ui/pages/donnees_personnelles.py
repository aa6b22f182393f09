"""Page « Données personnelles »: the holder of the data-protection right answers a person's
request (access export, erasure) and applies the retention policy (listing, then erasure after
confirmation). An administrator holds the right without seeing names at the desk: the page
works with file numbers, and every use case checks the right itself.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core import paths
from core.errors import MedianumError
from core.i18n import _, format_date
from core.progress import Progress
from mediation.droits import (
    RetentionCandidate,
    apply_retention,
    erase_beneficiaire,
    export_personal_data,
    files_deleted_message,
    files_notice,
    pseudonym,
    retention_due,
    retention_held_by_mandates,
    retention_years,
)
from mediation.mandats.retention import (
    mandate_retention_years,
    mandats_past_retention,
    purge_mandats_past_retention,
)
from ui.context import AppContext
from ui.widgets import confirm

# Files due, files held by a running mandate, their period; mandates due, their period.
Listing = tuple[list[RetentionCandidate], int, int, list[int], int]


def exports_folder() -> Path:
    folder = paths.export_dir() / "donnees-personnelles"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class DonneesPersonnellesPage(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Données personnelles"))
        self.due: list[RetentionCandidate] = []
        self.mandats_due: list[int] = []
        title = QLabel(_("Données personnelles"), self)
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(_("Résultat de la dernière action"))
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self._build_request())
        layout.addWidget(self._build_retention(), 1)
        layout.addWidget(self.message)

    # --- building ------------------------------------------------------------------------------

    def _build_request(self) -> QGroupBox:
        box = QGroupBox(_("Demande d'une personne (accès, effacement)"), self)
        self.dossier = QSpinBox(box)
        self.dossier.setRange(1, 2_000_000_000)
        self.dossier.setAccessibleName(_("Numéro de dossier de la personne"))
        label = QLabel(_("&Numéro de dossier :"), box)
        label.setBuddy(self.dossier)
        self.export_button = QPushButton(_("E&xporter ses données (PDF et JSON)"), box)
        self.erase_button = QPushButton(_("E&ffacer ses données…"), box)
        self.export_button.clicked.connect(lambda: self.export_request())
        self.erase_button.clicked.connect(lambda: self.erase_request())
        row = QHBoxLayout(box)
        row.addWidget(label)
        row.addWidget(self.dossier)
        row.addWidget(self.export_button)
        row.addWidget(self.erase_button)
        row.addStretch(1)
        return box

    def _build_retention(self) -> QGroupBox:
        box = QGroupBox(_("Durée de conservation"), self)
        self.list_button = QPushButton(_("&Lister les dossiers à effacer"), box)
        self.purge_button = QPushButton(_("Effacer les dossiers et mandats &listés…"), box)
        self.purge_button.setEnabled(False)
        self.list_button.clicked.connect(lambda: self.list_due())
        self.purge_button.clicked.connect(lambda: self.purge())
        self.summary = QLabel(box)
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 2, box)
        self.table.setHorizontalHeaderLabels([_("Numéro de dossier"), _("Dernière activité")])
        self.table.setAccessibleName(_("Dossiers sans activité à effacer"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        buttons = QHBoxLayout()
        buttons.addWidget(self.list_button)
        buttons.addWidget(self.purge_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(box)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        return box

    # --- running -------------------------------------------------------------------------------

    def _run(self, work: Any, done: Any) -> None:
        self.ctx.tasks.run(work, on_done=done, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, MedianumError):
            raise exc
        self._say(str(exc), error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: #8a1c1c; font-weight: bold;" if error else "")
        self.message.setText(text)

    # --- a person's request --------------------------------------------------------------------

    def export_request(self, folder: Path | None = None) -> None:
        bid = self.dossier.value()
        target = (folder or exports_folder()) / f"donnees-beneficiaire-{bid}-{date.today():%Y%m%d}"

        def work(_p: Progress) -> list[Path]:
            with self.ctx.db.session() as session:
                return export_personal_data(session, self.ctx.actor, bid, target)

        self._run(
            work,
            lambda written: self._say(
                _("Données du dossier n° {id} exportées : {files}").format(
                    id=bid, files=", ".join(str(p) for p in written)
                )
            ),
        )

    def erase_request(self) -> None:
        bid = self.dossier.value()
        question = _(
            "Effacer les données personnelles du dossier n° {id} ? C'est irréversible : le "
            "dossier deviendra « {name} »."
        ).format(id=bid, name=pseudonym(bid))
        if not confirm(self, question + "\n\n" + files_notice(), yes_label=_("Effacer")):
            return

        def work(_p: Progress) -> tuple[int, list[Path]]:
            with self.ctx.db.session() as session:
                files = erase_beneficiaire(session, self.ctx.actor, bid)
            return bid, files

        def done(result: tuple[int, list[Path]]) -> None:
            erased, files = result
            said = _("Dossier effacé : il s'appelle désormais « {name} ».").format(
                name=pseudonym(erased)
            )
            self._say(" ".join(p for p in (said, files_deleted_message(files)) if p))

        self._run(work, done)

    # --- retention -----------------------------------------------------------------------------

    def list_due(self) -> None:
        def work(_p: Progress) -> Listing:
            with self.ctx.db.read_session() as session:
                due = retention_due(session, self.ctx.actor)
                held = retention_held_by_mandates(session, self.ctx.actor)
                mandats = mandats_past_retention(session, self.ctx.actor)
                return (
                    due,
                    held,
                    retention_years(session),
                    mandats,
                    mandate_retention_years(session),
                )

        self._run(work, self._listed)

    def _listed(self, listing: Listing) -> None:
        self.due, held, years, self.mandats_due, mandat_years = listing
        self.table.setRowCount(len(self.due))
        for row, candidate in enumerate(self.due):
            self.table.setItem(row, 0, QTableWidgetItem(str(candidate.id)))
            self.table.setItem(
                row, 1, QTableWidgetItem(format_date(candidate.derniere_activite_at.date()))
            )
        text = _("{n} dossier(s) sans activité depuis {years} ans.").format(
            n=len(self.due), years=years
        )
        if held:
            text += " " + _(
                "{n} autre(s) dossier(s) sans activité sont gardés tant qu'un mandat de la "
                "personne est en cours."
            ).format(n=held)
        text += " " + _(
            "{n} mandat(s) terminé(s) (expiré(s) ou révoqué(s)) depuis {years} ans ou plus."
        ).format(n=len(self.mandats_due), years=mandat_years)
        self.summary.setText(text)
        self.purge_button.setEnabled(bool(self.due or self.mandats_due))

    def purge(self) -> None:
        ids = [c.id for c in self.due]
        mandats = list(self.mandats_due)
        if not ids and not mandats:
            return
        if ids and mandats:
            question = _(
                "Effacer les {n} dossier(s) listé(s) et le contenu des {m} mandat(s) dont la "
                "durée de conservation est écoulée ? C'est irréversible."
            ).format(n=len(ids), m=len(mandats))
        elif ids:
            question = _("Effacer les {n} dossiers listés ? C'est irréversible.").format(n=len(ids))
        else:
            question = _(
                "Effacer le contenu des {m} mandat(s) dont la durée de conservation est écoulée ? "
                "C'est irréversible."
            ).format(m=len(mandats))
        # Only a file's erasure deletes the files written in the person's name.
        notice = "\n\n" + files_notice() if ids else ""
        if not confirm(self, question + notice, yes_label=_("Effacer")):
            return

        def work(_p: Progress) -> tuple[int, int]:
            # One transaction: the mandates first (nothing written outside the database for
            # them), then the files, each erasure going to the ledger at once.
            with self.ctx.db.session() as session:
                purged = purge_mandats_past_retention(session, self.ctx.actor, ids=mandats)
                erased = apply_retention(session, self.ctx.actor, ids) if ids else 0
            return erased, purged

        def done(counts: tuple[int, int]) -> None:
            erased, purged = counts
            self._say(
                _("{n} dossier(s) effacé(s).").format(n=erased)
                + " "
                + _("{n} mandat(s) effacé(s).").format(n=purged)
            )
            self.list_due()

        self._run(work, done)
