"""The beneficiaries list: a paging model over ``mediation.beneficiaires.list_statement``.

Filtering (type-ahead text) and sorting are SQL (folded-name indexes); only visible pages of
rows are ever loaded.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import Select
from sqlalchemy.orm import Session

from core.auth import Actor
from core.db import Database
from core.i18n import _, format_date
from core.territory import cog
from mediation.beneficiaires import BeneficiaireRow, list_statement
from ui.models.mediation_paging import Colonne, PagedQueryModel

_DROITE = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _commune(row: BeneficiaireRow) -> str:
    if not row.commune_insee:
        return ""
    found = cog().get(row.commune_insee)
    return found.nom if found else row.commune_insee


def _nom(row: BeneficiaireRow) -> str:
    if row.anonyme:
        return _("Anonyme n° {id}").format(id=row.id)
    return row.nom or ""


class BeneficiairesModel(PagedQueryModel[BeneficiaireRow]):
    def __init__(self, db: Database, actor: Actor, parent: Any = None) -> None:
        colonnes: list[Colonne[BeneficiaireRow]] = [
            Colonne(_("Nom"), _nom, "nom"),
            Colonne(_("Prénom"), lambda r: r.prenom, "prenom"),
            Colonne(
                _("Année de naissance"), lambda r: r.annee_naissance, "annee_naissance", _DROITE
            ),
            Colonne(_("Commune"), _commune, "commune"),
            Colonne(
                _("Dernière activité"),
                lambda r: format_date(r.derniere_activite_at, "short"),
                "derniere_activite",
            ),
            Colonne(_("N°"), lambda r: r.id, "id", _DROITE),
        ]
        super().__init__(db, colonnes, parent)
        self.actor = actor
        self.texte = ""
        self.tri = "nom"
        self.descendant = False

    def statement(self) -> Select[Any]:
        return list_statement(
            self.actor, text=self.texte, sort=self.tri, descending=self.descendant
        )

    def make_row(self, raw: Any) -> BeneficiaireRow:
        return BeneficiaireRow(*raw)

    def lookups(self, session: Session) -> Any:
        return cog()  # the commune column's table: reading its file takes about half a second

    def set_texte(self, texte: str) -> None:
        if texte != self.texte:
            self.texte = texte
            self.reload()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.colonnes[column].tri
        if key is None:
            return
        self.tri = key
        self.descendant = order == Qt.SortOrder.DescendingOrder
        self.reload()
