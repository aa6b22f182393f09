"""The national commune reference (COG) and the territory this installation serves.

The territory is configuration, stored in the database: a preset file in
``resources/territoires/`` seeds it at first start, and any list of communes can replace it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import journal_actions, paths
from core.auth import Actor, Permission, require
from core.errors import ValidationError
from core.i18n import _
from core.models import Territory, TerritoryCommune


@dataclass(frozen=True)
class Commune:
    code_insee: str
    nom: str
    departement: str
    population: int | None


@dataclass(frozen=True)
class TerritoryPreset:
    siren: str
    nom: str
    communes: tuple[Commune, ...]
    path: Path


@cache
def cog() -> dict[str, Commune]:
    """Every current commune of France, by INSEE code (read once, on first use)."""
    result: dict[str, Commune] = {}
    with paths.resource("referentiel", "communes-france-cog.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            pop = row.get("population_municipale") or ""
            result[row["code_insee"]] = Commune(
                row["code_insee"], row["nom"], row["departement"], int(pop) if pop else None
            )
    return result


def commune(code_insee: str) -> Commune:
    found = cog().get(code_insee.strip())
    if found is None:
        raise ValidationError(
            _("Code INSEE inconnu : « {code} ».").format(code=code_insee), field="code_insee"
        )
    return found


def presets() -> list[TerritoryPreset]:
    result = []
    for path in sorted(paths.resource("territoires").glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        if not rows:
            continue
        communes = tuple(
            Commune(
                r["code_insee"],
                r["nom"],
                r["code_insee"][:2],
                int(r["population_municipale"]) if r.get("population_municipale") else None,
            )
            for r in rows
        )
        result.append(TerritoryPreset(rows[0]["siren_epci"], rows[0]["nom_epci"], communes, path))
    return result


def default_preset() -> TerritoryPreset:
    available = presets()
    if not available:
        raise ValidationError(_("Aucun territoire prédéfini dans les ressources."))
    return available[0]


def configure_territory(
    session: Session,
    actor: Actor | None,
    nom: str,
    siren: str | None,
    codes_insee: list[str],
) -> Territory:
    """Set the territory and its communes (checked against the COG)."""
    if actor is not None:
        require(actor, Permission.ADMINISTRER)
    elif session.get(Territory, 1) is not None:
        raise ValidationError(_("Le territoire est déjà configuré."))
    if not nom.strip():
        raise ValidationError(_("Le nom du territoire est obligatoire."), field="nom")
    if not codes_insee:
        raise ValidationError(_("Le territoire doit compter au moins une commune."))
    communes = [commune(code) for code in dict.fromkeys(codes_insee)]
    territory = session.get(Territory, 1) or Territory(id=1, nom=nom)
    territory.nom = nom.strip()
    territory.siren = siren
    session.add(territory)
    session.execute(delete(TerritoryCommune))
    session.add_all(
        TerritoryCommune(code_insee=c.code_insee, nom=c.nom, population=c.population)
        for c in communes
    )
    session.flush()
    journal_actions.territoire_configuration(
        session, actor, 1, siren=siren, communes=[c.code_insee for c in communes]
    )
    return territory


def get_territory(session: Session) -> Territory | None:
    return session.get(Territory, 1)


def territory_communes(session: Session) -> list[TerritoryCommune]:
    return list(session.scalars(select(TerritoryCommune).order_by(TerritoryCommune.nom)))


def is_in_territory(session: Session, code_insee: str) -> bool:
    return session.get(TerritoryCommune, code_insee) is not None
