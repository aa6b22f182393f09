"""Choose a beneficiary by typing part of a name: a debounced type-ahead with a completer."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit

from core.auth import Actor
from core.db import Database
from core.i18n import _
from mediation.beneficiaires import BeneficiaireRow, search_beneficiaires

DEBOUNCE_MS = 150


def libelle_beneficiaire(row: BeneficiaireRow) -> str:
    nom = " ".join(p for p in (row.prenom, row.nom) if p) or _("Anonyme")
    annee = f" ({row.annee_naissance})" if row.annee_naissance else ""
    return f"{nom}{annee} — n° {row.id}"


class BeneficiairePicker(QLineEdit):
    chosen = Signal(int, str)

    def __init__(self, db: Database, actor: Actor, parent: Any = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setPlaceholderText(_("Tapez un nom ou un prénom…"))
        self.setAccessibleName(_("Rechercher un bénéficiaire"))
        self._rows: dict[str, int] = {}
        self._model = QStringListModel(self)
        self._completer = QCompleter(self._model, self)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        # The database already matched accents and prefixes: show every row it returned.
        self._completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._completer.setWidget(self)
        self._completer.activated.connect(self._on_activated)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_now)
        self.textEdited.connect(lambda _t: self._timer.start())
        self.returnPressed.connect(self.choose_first)

    def search_now(self) -> None:
        with self.db.read_session() as session:
            rows = search_beneficiaires(session, self.actor, self.text())
        self._rows = {libelle_beneficiaire(r): r.id for r in rows}
        self._model.setStringList(list(self._rows))
        if rows and self.hasFocus():
            self._completer.complete()

    def choose_first(self) -> None:
        """Entrée: search now (no need to wait for the pause) and take the first match."""
        popup = self._completer.popup()
        if popup is not None and popup.isVisible():
            return  # the completer's own Entrée chooses the highlighted row
        self._timer.stop()
        self.search_now()
        if self._rows:
            if popup is not None:
                popup.hide()
            self.choose(next(iter(self._rows)))

    def choices(self) -> list[str]:
        return list(self._rows)

    def choose(self, label: str) -> None:
        self._on_activated(label)

    def _on_activated(self, label: str) -> None:
        beneficiaire_id = self._rows.get(label)
        if beneficiaire_id is None:
            return
        self.setText(label)
        self.chosen.emit(beneficiaire_id, label)
