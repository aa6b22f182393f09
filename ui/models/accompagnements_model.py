"""The accompaniments list: a paging model over ``mediation.accompagnements.list_statement``."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.auth import Actor
from core.db import Database
from core.i18n import _, format_date
from core.models import Agent, Structure
from mediation.accompagnements import list_statement
from ui.models.mediation_paging import Colonne, PagedQueryModel

_DROITE = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class AccompagnementsModel(PagedQueryModel[Any]):
    def __init__(self, db: Database, actor: Actor, parent: Any = None) -> None:
        self._agents: dict[int, str] = {}
        self._structures: dict[int, str] = {}
        colonnes: list[Colonne[Any]] = [
            Colonne(_("Date"), lambda r: format_date(r.date, "short")),
            Colonne(_("Type"), lambda r: r.type),
            Colonne(_("Durée (min)"), lambda r: r.duree_min, alignement=_DROITE),
            Colonne(_("Lieu"), lambda r: r.lieu_type),
            Colonne(_("Atelier"), lambda r: r.atelier_titre),
            Colonne(_("Structure"), lambda r: self._structures.get(r.structure_id, "")),
            Colonne(_("Médiateur"), lambda r: self._agents.get(r.agent_id, "")),
        ]
        super().__init__(db, colonnes, parent)
        self.actor = actor
        self.du: date | None = None
        self.au: date | None = None
        self.agent_id: int | None = None

    def lookups(self, session: Session) -> Any:
        agents = dict(session.execute(select(Agent.id, Agent.display_name)).all())
        return agents, dict(session.execute(select(Structure.id, Structure.nom)).all())

    def adopt(self, lookups: Any) -> None:
        self._agents, self._structures = lookups

    def statement(self) -> Select[Any]:
        return list_statement(self.actor, du=self.du, au=self.au, agent_id=self.agent_id)
