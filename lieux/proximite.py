"""The places nearest to a person's commune that offer a given service, and a printable list.

The starting point is the commune's centroid, computed from its outline in ``resources/cartes``
(the territory's file, then the département's); for a commune with no outline there, the mean
position of the places of that commune. Distances are great-circle (haversine) distances: as the
crow flies, which the printed list says.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import paths
from core.auth import Actor, Permission, require
from core.errors import NotFoundError, ValidationError
from core.i18n import _, format_datetime, format_number
from core.territory import Commune, cog
from core.validation import fold
from lieux import horaires, vacances
from lieux.erreurs import raison_systeme
from lieux.models import Lieu
from lieux.schema import load_schema

EARTH_RADIUS_KM = 6371.0088
CARTES = ("communes-ca-la-rochelle.geojson", "communes-17-charente-maritime.geojson")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _ring_centroid(ring: Sequence[Sequence[float]]) -> tuple[float, float, float]:
    """Signed area and centroid (lon, lat) of a ring, planar: fine at the scale of a commune."""
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    area /= 2
    if area == 0:
        return 0.0, ring[0][0], ring[0][1]
    return area, cx / (6 * area), cy / (6 * area)


def _centroid(geometry: dict[str, Any]) -> tuple[float, float]:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    total = sx = sy = 0.0
    for polygon in polygons:
        area, x, y = _ring_centroid(polygon[0])  # holes are negligible for a centroid
        total += abs(area)
        sx += x * abs(area)
        sy += y * abs(area)
    return sy / total, sx / total


@cache
def centroides_communes() -> dict[str, tuple[float, float]]:
    """INSEE code → (latitude, longitude) of the communes whose outline is shipped."""
    result: dict[str, tuple[float, float]] = {}
    for name in CARTES:
        path: Path = paths.resource("cartes", name)
        if not path.exists():
            continue
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            code = str(feature["properties"]["code"])
            result.setdefault(code, _centroid(feature["geometry"]))
    return result


def position_commune(session: Session, code_insee: str) -> tuple[float, float]:
    known = centroides_communes().get(code_insee)
    if known is not None:
        return known
    points = [
        (lat, lon)
        for lat, lon in session.execute(
            select(Lieu.latitude, Lieu.longitude).where(Lieu.code_insee == code_insee)
        )
        if lat is not None and lon is not None
    ]
    if not points:
        raise NotFoundError(
            _("Position inconnue pour la commune {code} : aucun contour ni lieu.").format(
                code=code_insee
            )
        )
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


@dataclass(frozen=True)
class LieuProche:
    lieu_id: int
    identifiant: str
    nom: str
    adresse: str
    commune: str
    telephone: str | None
    distance_km: float
    ouvert: bool | None
    prochaine_ouverture: datetime | None
    horaires: str | None


def service_du_schema(texte: str) -> str:
    """The schema's service a person meant, accents and case aside; else the valid list."""
    services = load_schema().field("services").enum
    wanted = fold(texte)
    exact = [s for s in services if fold(s) == wanted]
    partial = [s for s in services if wanted and wanted in fold(s)]
    if exact or len(partial) == 1:
        return (exact or partial)[0]
    raise ValidationError(
        _("Service inconnu : « {value} ». Services du schéma national : {values}.").format(
            value=texte, values=" ; ".join(services)
        ),
        field="service",
    )


@dataclass(frozen=True)
class Depart:
    latitude: float
    longitude: float
    libelle: str


def _communes_nommees(nom: str) -> list[Commune]:
    wanted = fold(nom)
    return [c for c in cog().values() if fold(c.nom) == wanted]


def _depuis_commune(session: Session, commune: Commune) -> Depart:
    lat, lon = position_commune(session, commune.code_insee)
    return Depart(lat, lon, commune.nom)


def point_de_depart(session: Session, texte: str) -> Depart:
    """Where a search starts: an INSEE code, a commune's name, or an address.

    Offline, an address is found among the places' own addresses; otherwise the commune it
    names (after a comma or a postal code) gives the starting point, its centre.
    """
    text = texte.strip()
    if text in cog():
        return _depuis_commune(session, cog()[text])
    communes = _communes_nommees(text)
    if communes:
        return _depuis_commune(session, _une_seule(communes, text))
    at_address = _lieu_a_l_adresse(session, text)
    if at_address is not None:
        return at_address
    tail = re.split(r",|\b\d{5}\b", text)[-1].strip()
    communes = _communes_nommees(tail) if tail and tail != text else []
    if communes:
        commune = _une_seule(communes, tail)
        depart = _depuis_commune(session, commune)
        return Depart(
            depart.latitude, depart.longitude, _("{commune} (centre)").format(commune=commune.nom)
        )
    raise NotFoundError(
        _(
            "Ni commune ni adresse connue : « {value} ». Indiquez un code INSEE, le nom d'une "
            "commune, ou une adresse suivie de sa commune (« 12 rue X, La Rochelle »)."
        ).format(value=texte)
    )


def _lieu_a_l_adresse(session: Session, text: str) -> Depart | None:
    wanted = fold(text)
    for lieu in session.scalars(select(Lieu).where(Lieu.latitude.is_not(None))):
        street, town = fold(lieu.adresse), fold(lieu.commune)
        if street and street in wanted and town in wanted:
            assert lieu.latitude is not None and lieu.longitude is not None
            return Depart(lieu.latitude, lieu.longitude, f"{lieu.adresse}, {lieu.commune}")
    return None


def _une_seule(communes: list[Commune], nom: str) -> Commune:
    placed = [c for c in communes if c.code_insee in centroides_communes()] or communes
    if len(placed) > 1:
        raise ValidationError(
            _(
                "Plusieurs communes s'appellent « {nom} » : indiquez le code INSEE ({codes})."
            ).format(nom=nom, codes=", ".join(f"{c.code_insee} {c.departement}" for c in placed)),
            field="commune",
        )
    return placed[0]


def lieux_proches(
    session: Session,
    actor: Actor,
    code_insee: str | None,
    service: str | None = None,
    limite: int = 10,
    moment: datetime | None = None,
    depuis: tuple[float, float] | None = None,
) -> list[LieuProche]:
    """The ``limite`` nearest places offering ``service`` (any service if None).

    The starting point is ``depuis`` when given, else the centre of the commune ``code_insee``.
    """
    require(actor, Permission.LIEUX_CONSULTER)
    if limite < 1:
        raise ValidationError(_("Indiquez au moins un lieu."), field="limite")
    if depuis is None and code_insee is None:
        raise ValidationError(_("Indiquez une commune ou une adresse."), field="commune")
    lat0, lon0 = depuis if depuis is not None else position_commune(session, code_insee or "")
    query = select(Lieu).where(Lieu.latitude.is_not(None), Lieu.longitude.is_not(None))
    if service:
        query = query.where(Lieu.services.contains(service))
    scored = []
    for lieu in session.scalars(query):
        if service and service not in lieu.values_of("services"):
            continue
        assert lieu.latitude is not None and lieu.longitude is not None
        scored.append((haversine_km(lat0, lon0, lieu.latitude, lieu.longitude), lieu))
    scored.sort(key=lambda pair: (pair[0], pair[1].nom))
    return [_proche(lieu, distance, moment) for distance, lieu in scored[:limite]]


def _proche(lieu: Lieu, distance: float, moment: datetime | None) -> LieuProche:
    coords = horaires.coordonnees_utiles(lieu.horaires or "", lieu.latitude, lieu.longitude)
    zone = vacances.zone_scolaire(lieu.code_insee, lieu.code_postal)
    return LieuProche(
        lieu.id,
        lieu.identifiant,
        lieu.nom,
        " ".join(p for p in (lieu.adresse, lieu.complement_adresse) if p),
        lieu.commune,
        lieu.telephone,
        round(distance, 2),
        horaires.est_ouvert(lieu.horaires, moment, coords, zone),
        horaires.prochaine_ouverture(lieu.horaires, moment, coords, zone),
        lieu.horaires,
    )


def etat_ouverture(lieu: LieuProche) -> str:
    """Open, closed (and when it opens), or unknown — with the hours themselves."""
    if not lieu.horaires:
        return _("Horaires non renseignés")
    if lieu.ouvert is None:
        if horaires.lisible(lieu.horaires) and horaires.vacances_scolaires(lieu.horaires):
            return _(
                "Horaires inconnus à cette date (vacances scolaires dont le calendrier n'est "
                "pas connu pour ce lieu) : « {hours} »"
            ).format(hours=lieu.horaires)
        return _("Horaires inconnus : « {hours} »").format(hours=lieu.horaires)
    if lieu.ouvert:
        state = _("Ouvert maintenant")
    elif lieu.prochaine_ouverture is not None:
        state = _("Fermé ; ouvre {when}").format(when=format_datetime(lieu.prochaine_ouverture))
    else:
        state = _("Fermé")
    return f"{state}. {_('Horaires :')} {horaires.en_clair(lieu.horaires)}"


# Overseas départements dial like mainland France from France: 0590…, 0262…
_DOM = ("+590", "+594", "+596", "+262")


def telephone_lisible(e164: str | None) -> str:
    """A phone number as people write it: « 05 46 12 34 56 »; other countries keep « +687 … »."""
    if not e164:
        return ""
    digits = e164[1:] if e164.startswith("+") else ""
    if e164.startswith("+33") and len(e164) == 12:
        local = "0" + e164[3:]
    elif e164.startswith(_DOM) and len(e164) == 13:
        local = "0" + e164[4:]
    else:
        if not digits.isdigit():
            return e164
        code, rest = e164[:4], e164[4:]
        return " ".join([code, *(rest[i : i + 2] for i in range(0, len(rest), 2))])
    return " ".join(local[i : i + 2] for i in range(0, 10, 2))


def liste_pdf(
    lieux: Sequence[LieuProche],
    commune_nom: str,
    service: str | None,
    path: Path,
    moment: datetime | None = None,
) -> None:
    """A one-page list to hand to the person: where to go, how far, when it opens."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    when = moment or datetime.now(horaires.PARIS)
    story: list[Any] = [
        Paragraph(_("Lieux de médiation numérique les plus proches"), styles["Title"]),
        Paragraph(
            escape(
                _("Depuis : {commune}").format(commune=commune_nom)
                + (" — " + _("Service : {service}").format(service=service) if service else "")
            ),
            styles["Normal"],
        ),
        Paragraph(
            _("Distances à vol d'oiseau depuis le centre de la commune. Édité le {date}.").format(
                date=format_datetime(when)
            ),
            styles["Italic"],
        ),
        Spacer(1, 0.4 * cm),
    ]
    cell = styles["BodyText"]
    head = styles["Heading5"]
    rows: list[list[Any]] = [
        [
            Paragraph(text, head)
            for text in (
                _("Lieu"),
                _("Adresse"),
                _("Téléphone"),
                _("Distance"),
                _("Ouverture et horaires"),
            )
        ]
    ]
    for lieu in lieux:
        ouverture = escape(etat_ouverture(lieu))
        rows.append(
            [
                Paragraph(escape(lieu.nom), cell),
                Paragraph(escape(f"{lieu.adresse}, {lieu.commune}"), cell),
                Paragraph(telephone_lisible(lieu.telephone), cell),
                Paragraph(f"{format_number(lieu.distance_km, 1)} km", cell),
                Paragraph(ouverture, cell),
            ]
        )
    table = Table(rows, colWidths=[3.9 * cm, 4.0 * cm, 2.6 * cm, 1.6 * cm, 5.4 * cm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde6f0")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    if not lieux:
        story.append(Paragraph(_("Aucun lieu ne correspond."), styles["Normal"]))
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        title=_("Lieux les plus proches"),
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
    )
    try:
        doc.build(story)
    except OSError as exc:
        raise ValidationError(
            _("Impossible d'écrire {file} : {error}").format(file=path, error=raison_systeme(exc)),
            field="fichier",
        ) from exc
