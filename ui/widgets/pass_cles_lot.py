"""« Clés des lots »: the coordinator registers the key of a structure's offline desk by the
fingerprint the desk shows (read over the phone or printed), revokes a lost desk's key."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.i18n import _, format_date
from core.progress import Progress
from pass_numerique import batches
from pass_numerique.structures import list_referenced
from ui.context import AppContext
from ui.widgets.messages import confirm, show_error
from ui.widgets.pass_gestion import _fill, _table

_STATUTS = {"active": "active", "revoquee": "révoquée"}


class CleLotWidget(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Clés des lots hors ligne"))
        layout = QVBoxLayout(self)
        explanation = QLabel(
            _(
                "Un lot d'encaissements hors ligne n'est importé que s'il est signé par une "
                "clé enregistrée ici. Demandez l'empreinte au poste de la structure (onglet « "
                "Encaisser » ou commande « pass cle-lot empreinte ») par un autre canal que "
                "le fichier : téléphone, papier."
            )
        )
        explanation.setWordWrap(True)  # one long line would push the buttons off the screen
        layout.addWidget(explanation)
        box = QGroupBox(_("Enregistrer une clé"))
        form = QFormLayout(box)
        self.structure = QComboBox()
        self.structure.setAccessibleName(_("Structure de la clé"))
        form.addRow(_("&Structure :"), self.structure)
        self.empreinte = QLineEdit()
        self.empreinte.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX")
        self.empreinte.setAccessibleName(_("Empreinte de la clé"))
        form.addRow(_("&Empreinte :"), self.empreinte)
        self.register_button = QPushButton(_("Enregistrer la clé"))
        self.register_button.setAccessibleName(_("Enregistrer la clé de lot"))
        self.register_button.clicked.connect(self.register)
        form.addRow(self.register_button)
        layout.addWidget(box)
        self.table = _table(
            [_("N°"), _("Structure"), _("Empreinte"), _("État"), _("Enregistrée le")],
            _("Clés des lots"),
        )
        layout.addWidget(self.table, 1)
        self.revoke_button = QPushButton(_("Révoquer la clé sélectionnée"))
        self.revoke_button.setAccessibleName(_("Révoquer la clé de lot sélectionnée"))
        self.revoke_button.clicked.connect(self.revoke)
        layout.addWidget(self.revoke_button)
        self.key_ids: list[int] = []
        self.refresh()

    def refresh(self) -> None:
        def work(_p: Progress) -> tuple[list[tuple[int, str]], list[tuple[int, list[str]]]]:
            with self.ctx.db.read_session() as session:
                refs = {r.id: r.nom for r in list_referenced(session)}
                keys = [
                    (
                        k.id,
                        [
                            str(k.id),
                            refs.get(k.pass_structure_id, str(k.pass_structure_id)),
                            batches.display_fingerprint(k.empreinte),
                            _(_STATUTS.get(k.statut, k.statut)),
                            format_date(k.enregistre_at, "short"),
                        ],
                    )
                    for k in batches.batch_keys(session, self.ctx.actor)
                ]
            return list(refs.items()), keys

        def done(result: tuple[list[tuple[int, str]], list[tuple[int, list[str]]]]) -> None:
            refs, keys = result
            chosen = self.structure.currentData()
            self.structure.clear()
            for ref_id, nom in refs:
                self.structure.addItem(nom, ref_id)
            if chosen is not None:
                self.structure.setCurrentIndex(max(self.structure.findData(chosen), 0))
            self.key_ids = [key_id for key_id, _row in keys]
            _fill(self.table, [row for _id, row in keys])

        self.ctx.tasks.run(work, on_done=done, on_error=lambda e: show_error(self, e))

    def register(self) -> None:
        ref_id, typed = self.structure.currentData(), self.empreinte.text()
        if ref_id is None:
            return
        if not confirm(
            self,
            _(
                "Enregistrer cette clé pour {structure} ? Ses lots seront importés ; la clé "
                "précédente de la structure sera révoquée."
            ).format(structure=self.structure.currentText()),
            yes_label=_("Enregistrer"),
        ):
            return

        def work(_p: Progress) -> None:
            with self.ctx.db.session() as session:
                batches.register_batch_key(session, self.ctx.actor, ref_id, typed)

        def done(_r: object) -> None:
            self.empreinte.clear()
            self.refresh()

        self.ctx.tasks.run(work, on_done=done, on_error=lambda e: show_error(self, e))

    def revoke(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        key_id = self.key_ids[rows[0].row()]
        if not confirm(
            self,
            _("Révoquer cette clé ? Tout lot qu'elle signe sera refusé."),
            yes_label=_("Révoquer"),
        ):
            return

        def work(_p: Progress) -> None:
            with self.ctx.db.session() as session:
                batches.revoke_batch_key(session, self.ctx.actor, key_id)

        self.ctx.tasks.run(
            work, on_done=lambda _r: self.refresh(), on_error=lambda e: show_error(self, e)
        )
