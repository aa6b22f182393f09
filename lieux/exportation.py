"""Exports of the places: the national CSV (accepted by the official validator) and GeoJSON.

The CSV follows the schema strictly: every one of the 32 columns in the schema's order, UTF-8
without BOM, comma-separated, multi-valued fields joined by ``|``, and the schema's own spelling
« Étapes numériques(La Poste) » that its pattern requires (see ``lieux.schema``).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.errors import ValidationError
from core.i18n import _
from core.tableur import ligne_csv
from core.validation import fold
from lieux import journal as journal_lieux
from lieux.erreurs import raison_systeme
from lieux.models import Lieu
from lieux.schema import load_schema, to_schema_spelling


def nom_fichier_recommande(jour: date, siret: str, territoire: str) -> str:
    """``YYYY-MM-DD_<SIRET>_lieux-de-mediation-numerique_<territoire>.csv``, as recommended."""
    siret = re.sub(r"\s", "", siret)
    if not re.fullmatch(r"\d{14}", siret):
        raise ValidationError(_("Un SIRET compte 14 chiffres."), field="siret")
    slug = re.sub(r"[^a-z0-9]+", "-", fold(territoire)).strip("-")
    if not slug:
        raise ValidationError(_("Indiquez le nom du territoire."), field="territoire")
    return f"{jour.isoformat()}_{siret}_lieux-de-mediation-numerique_{slug}.csv"


def _cell(lieu: Lieu, name: str) -> str:
    value = lieu.schema_value(name)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    return to_schema_spelling(name, str(value))


def lieux_sans_position(session: Session) -> int:
    """How many places a map or a GeoJSON cannot show: said, never silently left out."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Lieu)
            .where(or_(Lieu.latitude.is_(None), Lieu.longitude.is_(None)))
        )
        or 0
    )


def lieux_a_exporter(session: Session) -> list[Lieu]:
    return list(session.scalars(select(Lieu).order_by(Lieu.identifiant)))


def ecrire_csv(lieux: Sequence[Lieu], path: Path) -> None:
    names = load_schema().names
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=",", lineterminator="\r\n")
        writer.writerow(names)
        for lieu in lieux:
            writer.writerow(ligne_csv(_cell(lieu, n) for n in names))


def geojson(lieux: Sequence[Lieu]) -> dict[str, Any]:
    names = [n for n in load_schema().names if n not in ("latitude", "longitude")]
    features = []
    for lieu in lieux:
        if not lieu.has_coordinates:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lieu.longitude, lieu.latitude]},
                "properties": {n: _cell(lieu, n) or None for n in names},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _write(path: Path, writer: Any) -> None:
    try:
        writer()
    except OSError as exc:
        raise ValidationError(
            _("Impossible d'écrire {file} : {error}").format(file=path, error=raison_systeme(exc)),
            field="fichier",
        ) from exc


def exporter_csv(session: Session, actor: Actor, path: Path) -> int:
    """Write the national CSV of every place; returns the number of places written."""
    require(actor, Permission.LIEUX_GERER)
    lieux = lieux_a_exporter(session)
    _write(path, lambda: ecrire_csv(lieux, path))
    journal_lieux.exportation(session, actor, format="csv", n=len(lieux))
    return len(lieux)


def exporter_geojson(session: Session, actor: Actor, path: Path) -> int:
    """Write the places that have coordinates as GeoJSON; returns how many were written."""
    require(actor, Permission.LIEUX_GERER)
    data = geojson(lieux_a_exporter(session))
    _write(
        path,
        lambda: path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"),
    )
    n = len(data["features"])
    journal_lieux.exportation(
        session, actor, format="geojson", n=n, sans_position=lieux_sans_position(session)
    )
    return n
