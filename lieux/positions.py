"""Is a place's position plausible? France and its overseas territories, and its commune.

The boxes are generous rectangles around each territory (a point just off a coast is still
French); a point outside all of them is worth a look. A commune's position is the centroid of
its outline in ``resources/cartes`` (Charente-Maritime and the agglomération). Elsewhere the
distance to the commune cannot be checked offline: no open data set of the positions of all
French communes is installable from this project's package registries (Etalab's
``@etalab/decoupage-administratif`` carries codes, names and populations but no positions, see
``resources/DONNEES.md``). The import report says how many places, and which communes, were not
checked (:func:`commune_placee`), rather than skip them silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.i18n import _
from lieux.proximite import centroides_communes, haversine_km

DISTANCE_MAX_KM = 20.0

# (south, north, west, east)
_TERRITOIRES: tuple[tuple[float, float, float, float], ...] = (
    (41.3, 51.2, -5.3, 9.7),  # metropolitan France and Corsica
    (15.8, 16.6, -61.9, -60.9),  # Guadeloupe
    (14.3, 14.95, -61.3, -60.75),  # Martinique
    (2.1, 5.9, -54.7, -51.5),  # Guyane
    (-21.45, -20.8, 55.15, 55.9),  # La Réunion
    (-13.1, -12.55, 44.95, 45.35),  # Mayotte
    (46.7, 47.2, -56.5, -56.1),  # Saint-Pierre-et-Miquelon
    (17.8, 18.2, -63.2, -62.7),  # Saint-Martin, Saint-Barthélemy
    (-14.5, -13.1, -178.3, -176.0),  # Wallis-et-Futuna
    (-28.0, -7.0, -155.0, -134.0),  # Polynésie française
    (-23.0, -19.5, 163.5, 168.3),  # Nouvelle-Calédonie
)


def en_france(latitude: float, longitude: float) -> bool:
    return any(s <= latitude <= n and w <= longitude <= e for s, n, w, e in _TERRITOIRES)


def commune_placee(code_insee: str | None) -> bool:
    """Whether the distance of a place to this commune can be checked here."""
    return bool(code_insee) and code_insee in centroides_communes()


@dataclass(frozen=True)
class Anomalie:
    message: str


def anomalies(latitude: float, longitude: float, code_insee: str | None) -> list[Anomalie]:
    """What is suspicious about a position: outside France, swapped, far from its commune."""
    found: list[Anomalie] = []
    if latitude == 0 and longitude == 0:
        return [Anomalie(_("Position (0, 0) : une valeur par défaut, pas un lieu."))]
    if not en_france(latitude, longitude):
        if en_france(longitude, latitude):
            found.append(
                Anomalie(
                    _(
                        "Latitude et longitude probablement inversées : ({lat}, {lon}) est hors "
                        "de France, ({lon}, {lat}) y serait."
                    ).format(lat=latitude, lon=longitude)
                )
            )
        else:
            found.append(Anomalie(_("Position hors de France et de ses territoires d'outre-mer.")))
        return found
    centre = centroides_communes().get(code_insee or "")
    if centre is not None:
        distance = haversine_km(latitude, longitude, centre[0], centre[1])
        if distance > DISTANCE_MAX_KM:
            found.append(
                Anomalie(
                    _("Position à {km} km de sa commune ({code}) : vérifiez-la.").format(
                        km=round(distance), code=code_insee
                    )
                )
            )
    return found
