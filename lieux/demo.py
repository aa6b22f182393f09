"""Demonstration places of the Agglomération de La Rochelle (synthetic details).

The names of the France Services sites and médiathèques are those of the territory (DOMAIN.md);
addresses, identifiers, phone numbers, coordinates and opening hours are made up, placed inside
the right commune.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from core.demo import DemoContext
from core.validation import luhn_ok
from lieux.models import Lieu
from lieux.proximite import centroides_communes

_FS = "France Services|Aidants Connect|Conseillers numériques"
_MEDIA = "Bibliothèques numérique de référence|Conseillers numériques"
_SERVICES_FS = (
    "Aide aux démarches administratives|Maîtrise des outils numériques du quotidien|"
    "Utilisation sécurisée du numérique"
)
_SERVICES_MEDIA = (
    "Accès internet et matériel informatique|Maîtrise des outils numériques du quotidien|"
    "Loisirs et créations numériques|Compréhension du monde numérique"
)
_SERVICES_PAN = "Accès internet et matériel informatique|Aide aux démarches administratives"

# key, name, INSEE, street, offset (lat, lon) from the commune centroid, programmes, services,
# hours, typologie
PLACES: tuple[tuple[str, str, str, str, tuple[float, float], str, str, str, str], ...] = (
    (
        "fs-mireuil",
        "France Services La Rochelle Mireuil",
        "17300",
        "8 place du Marché de Mireuil",
        (0.012, -0.004),
        _FS,
        _SERVICES_FS,
        "Mo-Fr 09:00-12:30,13:30-17:00; PH off",
        "PIMMS",
    ),
    (
        "fs-villeneuve",
        "France Services La Rochelle Villeneuve-les-Salines",
        "17300",
        "2 avenue de Bourgogne",
        (-0.010, 0.012),
        _FS,
        _SERVICES_FS,
        "Mo-Fr 09:00-12:30,13:30-17:00; PH off",
        "PIMMS",
    ),
    (
        "fs-la-jarrie",
        "France Services La Jarrie",
        "17194",
        "1 rue de la Mairie",
        (0.001, 0.002),
        _FS,
        _SERVICES_FS,
        "Mo,We,Fr 09:00-12:00,14:00-17:00; Tu,Th 14:00-18:00; PH off",
        "COMMUNE",
    ),
    (
        "fs-sainte-soulle",
        "France Services Sainte-Soulle",
        "17407",
        "3 place de la Mairie",
        (0.002, -0.001),
        _FS,
        _SERVICES_FS,
        "Mo-Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00; PH off",
        "COMMUNE",
    ),
    (
        "media-michel-crepeau",
        "Médiathèque Michel-Crépeau",
        "17300",
        "Avenue Michel Crépeau",
        (0.000, 0.003),
        _MEDIA,
        _SERVICES_MEDIA,
        "Tu,Th,Fr 13:00-18:00; We,Sa 10:00-18:00; PH off",
        "BIB",
    ),
    (
        "media-villeneuve",
        "Médiathèque de Villeneuve-les-Salines",
        "17300",
        "Place du 14 juillet",
        (-0.011, 0.010),
        _MEDIA,
        _SERVICES_MEDIA,
        "Tu,Fr 14:00-18:00; We,Sa 10:00-12:30,14:00-18:00; PH off",
        "BIB",
    ),
    (
        "media-mireuil",
        "Médiathèque de Mireuil",
        "17300",
        "Rue de Cognehors",
        (0.013, -0.006),
        _MEDIA,
        _SERVICES_MEDIA,
        "Tu,Fr 14:00-18:00; We,Sa 10:00-12:30,14:00-18:00; PH off",
        "BIB",
    ),
)

# A dozen public internet access points (points d'accès numérique) in mairies and centres.
PAN_COMMUNES = (
    ("17028", "Mairie d'Aytré"),
    ("17200", "Centre social de Lagord"),
    ("17291", "Mairie de Puilboreau"),
    ("17274", "Espace numérique de Périgny"),
    ("17142", "Mairie de Dompierre-sur-Mer"),
    ("17094", "Mairie de Châtelaillon-Plage"),
    ("17264", "Bibliothèque de Nieul-sur-Mer"),
    ("17222", "Mairie de Marsilly"),
    ("17010", "Centre social d'Angoulins"),
    ("17414", "Mairie de Saint-Xandre"),
    ("17420", "Mairie de Salles-sur-Mer"),
    ("17300", "Centre social de Laleu - La Pallice"),
)

_COMMUNE_NAMES = {
    "17300": ("La Rochelle", "17000"),
    "17194": ("La Jarrie", "17220"),
    "17407": ("Sainte-Soulle", "17220"),
    "17028": ("Aytré", "17440"),
    "17200": ("Lagord", "17140"),
    "17291": ("Puilboreau", "17138"),
    "17274": ("Périgny", "17180"),
    "17142": ("Dompierre-sur-Mer", "17139"),
    "17094": ("Châtelaillon-Plage", "17340"),
    "17264": ("Nieul-sur-Mer", "17137"),
    "17222": ("Marsilly", "17137"),
    "17010": ("Angoulins", "17690"),
    "17414": ("Saint-Xandre", "17138"),
    "17420": ("Salles-sur-Mer", "17220"),
}


def _siret(index: int) -> str:
    """Synthetic SIRETs with a valid Luhn key (not real establishments)."""
    base = f"99910000{index:02d}000"
    return next(base + str(d) for d in range(10) if luhn_ok(base + str(d)))


def populate(session: Session, demo: DemoContext) -> dict[str, int]:
    centroids = centroides_communes()
    rng = demo.rng
    lieux: list[Lieu] = []
    for i, (key, nom, insee, rue, (dlat, dlon), progs, services, hours, typo) in enumerate(
        PLACES, start=1
    ):
        lat, lon = centroids[insee]
        commune, cp = _COMMUNE_NAMES[insee]
        lieux.append(
            Lieu(
                identifiant=f"demo-{key}",
                pivot=_siret(i),
                nom=nom,
                commune=commune,
                code_postal=cp,
                code_insee=insee,
                adresse=rue,
                latitude=round(lat + dlat, 5),
                longitude=round(lon + dlon, 5),
                typologie=typo,
                telephone=f"+33546{i:02d}{rng.randrange(1000, 9999)}",
                courriels=f"contact-{key}@exemple.fr",
                horaires=hours,
                source="Médianum (démonstration)",
                itinerance="Fixe",
                date_maj=date(2026, 11, 2),
                services=services,
                frais_a_charge="Gratuit",
                dispositif_programmes_nationaux=progs,
                formations_labels="Étapes numériques (La Poste)" if typo == "BIB" else None,
                modalites_acces="Se présenter|Téléphoner",
                modalites_accompagnement="Accompagnement individuel|Dans un atelier collectif"
                if typo == "BIB"
                else "Accompagnement individuel",
            )
        )
    for j, (insee, nom) in enumerate(PAN_COMMUNES, start=len(PLACES) + 1):
        lat, lon = centroids[insee]
        commune, cp = _COMMUNE_NAMES[insee]
        lieux.append(
            Lieu(
                identifiant=f"demo-pan-{j:02d}",
                pivot=_siret(j),
                nom=f"Point d'accès numérique — {nom}",
                commune=commune,
                code_postal=cp,
                code_insee=insee,
                adresse=f"{rng.randint(1, 40)} rue de la République",
                latitude=round(lat + rng.uniform(-0.004, 0.004), 5),
                longitude=round(lon + rng.uniform(-0.004, 0.004), 5),
                typologie="COMMUNE",
                telephone=f"+33547{j:02d}{rng.randrange(1000, 9999)}",
                horaires=rng.choice(
                    (
                        "Mo-Fr 08:30-12:00,13:30-17:30; PH off",
                        "Mo-Fr 09:00-12:00; We 14:00-18:00; PH off",
                        "Tu-Sa 09:00-12:30; PH off",
                    )
                ),
                source="Médianum (démonstration)",
                itinerance="Fixe",
                date_maj=date(2026, 10, 15),
                services=_SERVICES_PAN,
                frais_a_charge="Gratuit",
                dispositif_programmes_nationaux="Point d'accès numérique CAF"
                if j % 3 == 0
                else None,
                modalites_acces="Se présenter",
                modalites_accompagnement="En autonomie",
            )
        )
    session.add_all(lieux)
    session.flush()
    return {"lieux": len(lieux)}
