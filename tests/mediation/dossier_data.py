"""Shared synthetic data of the case-file tests: two desks, their agents, and form values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.auth import Actor, create_structure
from core.db import Database
from core.models import Role
from mediation import referentiel as ref
from mediation.accompagnements import AccompagnementData
from mediation.beneficiaires import BeneficiaireData, create_beneficiaire

TODAY = date(2026, 6, 15)


@dataclass(frozen=True)
class Desks:
    nord: int  # structure ids
    sud: int
    accueil_nord: Actor
    accueil_sud: Actor
    mediateur_nord: Actor
    coordinateur: Actor
    coordinateur_au_guichet_sud: Actor  # coordinator who also holds a desk role in « sud »


def make_desks(db: Database, admin: Actor, make_agent: Callable[..., Actor]) -> Desks:
    with db.session() as s:
        nord = create_structure(s, admin, "Médiathèque Nord (test)").id
        sud = create_structure(s, admin, "France Services Sud (test)").id
    return Desks(
        nord=nord,
        sud=sud,
        accueil_nord=make_agent((Role.ACCUEIL, nord)),
        accueil_sud=make_agent((Role.ACCUEIL, sud)),
        mediateur_nord=make_agent((Role.MEDIATEUR, nord)),
        coordinateur=make_agent((Role.COORDINATEUR, None)),
        coordinateur_au_guichet_sud=make_agent((Role.COORDINATEUR, None), (Role.ACCUEIL, sud)),
    )


def person(
    nom: str | None = "Lefèvre", prenom: str | None = "Béatrice", **kw: Any
) -> BeneficiaireData:
    values: dict[str, Any] = {"annee_naissance": 1950, "commune_insee": "17300"}
    values.update(kw)
    return BeneficiaireData(nom=nom, prenom=prenom, **values)


def add_person(db: Database, actor: Actor, data: BeneficiaireData | None = None, **kw: Any) -> int:
    with db.session() as s:
        return create_beneficiaire(
            s, actor, data or person(**kw), confirm_not_duplicate=True, today=TODAY
        ).id


def individual(beneficiaire_id: int, **kw: Any) -> AccompagnementData:
    values: dict[str, Any] = {
        "type": ref.TYPE_INDIVIDUEL,
        "date": date(2026, 6, 10),
        "duree_min": 30,
        "lieu_type": "Lieu d'activité",
        "thematiques": ["E-mail"],
        "materiel": ["Ordinateur"],
        "beneficiaire_ids": [beneficiaire_id],
    }
    values.update(kw)
    return AccompagnementData(**values)
