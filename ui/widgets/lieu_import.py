"""The import report, shown before anything is written: import the valid rows, or cancel."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from core.i18n import _
from lieux.importation import Genre, RapportImport
from ui.widgets.fit import without_tab_trap

_ORDER = [Genre.INVALIDE, Genre.NON_REPRIS, Genre.AVERTISSEMENT, Genre.NORMALISE]


class LieuImportDialog(QDialog):
    def __init__(self, rapport: RapportImport, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Rapport d'import — {file}").format(file=rapport.fichier))
        resume = rapport.resume()
        summary = QLabel(
            "\n".join(
                [
                    _("Format : {format}. {n} lignes : {ok} valides, {ko} invalides.").format(
                        format=rapport.format.value,
                        n=resume["lignes"],
                        ok=resume["valides"],
                        ko=resume["invalides"],
                    ),
                    _("{a} valeurs normalisées, {b} non reprises, {c} avertissements.").format(
                        a=resume["normalisations"],
                        b=resume["non_repris"],
                        c=resume["avertissements"],
                    ),
                    *rapport.remarques_fichier,
                ]
            ),
            self,
        )
        summary.setWordWrap(True)
        summary.setAccessibleName(_("Résumé du rapport"))
        remarks = sorted(rapport.remarques(), key=lambda r: (_ORDER.index(r.genre), r.ligne))
        self.table = QTableWidget(len(remarks), 5, self)
        self.table.setAccessibleName(_("Remarques par ligne et colonne"))
        without_tab_trap(self.table)
        self.table.setHorizontalHeaderLabels(
            [_("Ligne"), _("Colonne"), _("Nature"), _("Valeur"), _("Explication")]
        )
        for row, r in enumerate(remarks):
            for col, text in enumerate(
                (str(r.ligne), r.colonne, r.genre.value, r.valeur, r.message)
            ):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.import_button = QPushButton(
            _("Importer les {n} lignes valides").format(n=resume["valides"]), self
        )
        self.import_button.setEnabled(resume["valides"] > 0)
        self.import_button.setDefault(True)
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(900, 560)
