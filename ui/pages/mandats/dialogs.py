"""Small dialogs of the mandates page: revoke (whole or one category) and renew."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
)

from core.i18n import _
from mediation.mandats.lecture import MandatRow, categorie_titre, duree_titre
from mediation.mandats.models import DUREES_JOURS


class RevokeDialog(QDialog):
    """What to revoke: the whole mandate, or one of its categories still in force."""

    def __init__(self, row: MandatRow, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Révoquer le mandat {reference}").format(reference=row.reference))
        self.setAccessibleName(self.windowTitle())
        self.whole = QRadioButton(_("Révoquer &tout le mandat"), self)
        self.one = QRadioButton(_("Révoquer une seule &catégorie :"), self)
        self.categorie = QComboBox(self)
        self.categorie.setAccessibleName(_("Catégorie à révoquer"))
        for key in row.categories:
            self.categorie.addItem(categorie_titre(key), key)
        self.whole.setChecked(True)
        self.one.setEnabled(len(row.categories) > 1)
        self.categorie.setEnabled(False)
        self.one.toggled.connect(self.categorie.setEnabled)
        explanation = QLabel(
            _(
                "Une attestation de révocation sera imprimée, à faire signer par la personne. "
                "Rien n'est effacé : le mandat reste consultable, marqué révoqué."
            ),
            self,
        )
        explanation.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_("Révoquer…"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Annuler"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.whole, self.one, self.categorie, explanation, buttons):
            layout.addWidget(widget)

    def chosen_categorie(self) -> str | None:
        """None for the whole mandate."""
        return str(self.categorie.currentData()) if self.one.isChecked() else None


class RenewDialog(QDialog):
    """A renewal is a new mandate: the mentions are read again and the declaration repeated."""

    def __init__(self, row: MandatRow, duree_jours: int, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Renouveler le mandat {reference}").format(reference=row.reference))
        self.setAccessibleName(self.windowTitle())
        categories = ", ".join(f"« {categorie_titre(k)} »" for k in row.categories)
        summary = QLabel(
            _(
                "Un nouveau mandat sera établi pour {mandant}, avec la même identité, pour : "
                "{categories}. Il remplace celui-ci pour ces catégories."
            ).format(mandant=row.mandant, categories=categories or "—"),
            self,
        )
        summary.setWordWrap(True)
        self.duree = QComboBox(self)
        self.duree.setAccessibleName(_("Durée du nouveau mandat"))
        for jours in DUREES_JOURS:
            self.duree.addItem(duree_titre(jours), jours)
        self.duree.setCurrentIndex(DUREES_JOURS.index(duree_jours))
        self.lu = QCheckBox(_("J'ai relu les mentions du mandat à la personne"), self)
        self.lu.setAccessibleName(_("Mentions lues à la personne"))
        self.protection = QCheckBox(
            _("La personne déclare n'être sous aucune mesure de protection juridique"), self
        )
        self.protection.setAccessibleName(_("Aucune mesure de protection"))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(_("Renouveler et imprimer"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Annuler"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for box in (self.lu, self.protection):
            box.toggled.connect(self._update)
        form = QFormLayout()
        form.addRow(_("&Durée :"), self.duree)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addLayout(form)
        layout.addWidget(self.lu)
        layout.addWidget(self.protection)
        layout.addWidget(self.buttons)
        self._update()

    def _update(self, _checked: bool = False) -> None:
        self.ok.setEnabled(self.lu.isChecked() and self.protection.isChecked())

    def duree_jours(self) -> int:
        return int(self.duree.currentData())
