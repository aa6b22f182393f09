"""The national vocabulary of the mediation case file, verbatim (DOMAIN.md, La Coop de la
médiation numérique), so that statistics and exports line up with the national tools.

These labels are data, not interface text: they are stored as they are and never translated.
"""

from __future__ import annotations

from datetime import date

GENRES: tuple[str, ...] = ("Masculin", "Féminin", "Non communiqué")
GENRE_NON_COMMUNIQUE = "Non communiqué"

STATUTS: tuple[str, ...] = (
    "Retraité",
    "Sans emploi",
    "En emploi",
    "Scolarisé",
    "Non communiqué ou hétérogène",
)
STATUT_NON_COMMUNIQUE = "Non communiqué ou hétérogène"

TRANCHES_AGE: tuple[str, ...] = (
    "Moins de 12 ans",
    "12 - 17 ans",
    "18 - 24 ans",
    "25 - 39 ans",
    "40 - 59 ans",
    "60 - 69 ans",
    "70 ans et plus",
    "Non communiqué",
)
TRANCHE_NON_COMMUNIQUEE = "Non communiqué"

# (lower bound of age, label), from the oldest band down.
_TRANCHE_BOUNDS: tuple[tuple[int, str], ...] = (
    (70, "70 ans et plus"),
    (60, "60 - 69 ans"),
    (40, "40 - 59 ans"),
    (25, "25 - 39 ans"),
    (18, "18 - 24 ans"),
    (12, "12 - 17 ans"),
    (0, "Moins de 12 ans"),
)

TYPE_INDIVIDUEL = "Accompagnement individuel"
TYPE_COLLECTIF = "Atelier collectif"
TYPES: tuple[str, ...] = (TYPE_INDIVIDUEL, TYPE_COLLECTIF)

NIVEAUX_ATELIER: tuple[str, ...] = ("Débutant", "Intermédiaire", "Avancé")

DUREES_PRESETS: tuple[int, ...] = (15, 30, 45, 60, 90, 120)

LIEUX: tuple[str, ...] = ("Lieu d'activité", "Autre lieu", "À domicile", "À distance")

MATERIELS: tuple[str, ...] = (
    "Ordinateur",
    "Téléphone",
    "Tablette",
    "Autre",
    "Pas de matériel",
)

THEMATIQUE_DEMARCHES = "Aide aux démarches administratives"
THEMATIQUES: tuple[str, ...] = (
    "Diagnostic numérique",
    "Prendre en main du matériel",
    "Maintenance de matériel",
    "Gérer ses contenus numériques",
    "Navigation sur internet",
    "E-mail",
    "Bureautique",
    "Réseaux sociaux communication",
    "Santé",
    "Banque et achats en ligne",
    "Accompagner un professionnel",
    "Insertion professionnelle",
    "Prévention en sécurité numérique",
    "Parentalité",
    "Scolarité et numérique",
    "Créer avec le numérique",
    "Culture numérique",
    "Intelligence artificielle (IA)",
    THEMATIQUE_DEMARCHES,
)

SOUS_THEMES_ADMINISTRATIFS: tuple[str, ...] = (
    "Papiers - Élections - Citoyenneté",
    "Famille - Scolarité",
    "Social - Santé",
    "Travail - Formation - Entreprise",
    "Logement",
    "Transports - Mobilité",
    "Argent - Impôts",
    "Justice",
    "Étrangers - Europe",
    "Loisirs - Sports - Culture",
    "Associations",
)

AUTONOMIES: tuple[str, ...] = (
    "Avec guidage",
    "Autonome avec guidage en cas de besoin",
    "Autonome",
)

ORIENTATIONS: tuple[str, ...] = (
    "Administration (mairie, préfecture…)",
    "Autre structure de médiation numérique",
    "Opérateur ou organisme en charge de la démarche administrative",
    "Structure d'aide sociale (maison des solidarités, centre social…)",
    "Structure d'insertion professionnelle (France Travail, mission locale, chambre de commerce…)",
    "Structure d'aide aux démarches administratives (France Services…)",
    "Autre",
)

# Needs assessment (diagnostic). DOMAIN.md names the fields, not closed lists of values: these
# are the usual categories of the desks' paper forms.
DIAGNOSTIC_EQUIPEMENTS: tuple[str, ...] = (
    "Ordinateur",
    "Smartphone",
    "Tablette",
    "Téléphone simple",
    "Imprimante",
    "Aucun équipement",
)
DIAGNOSTIC_USAGES: tuple[str, ...] = (
    "Aucun usage",
    "Appels et SMS",
    "Navigation sur internet",
    "E-mail",
    "Réseaux sociaux",
    "Démarches en ligne",
    "Achats et banque en ligne",
)
ABC_DIAG_MAX_SCORE = 100  # Pix « ABC Diag » result, as a percentage


def tranche_age(
    annee_naissance: int | None, declaree: str | None = None, on: date | None = None
) -> str:
    """The national age band on ``on`` (default today), derived from the birth year when known.

    Only the year is known, so the age is the one reached during the year of ``on`` — the same
    approximation as the national tool.
    """
    if annee_naissance is None:
        return declaree if declaree in TRANCHES_AGE else TRANCHE_NON_COMMUNIQUEE
    age = (on or date.today()).year - annee_naissance
    if age < 0:
        return TRANCHE_NON_COMMUNIQUEE
    for lower, label in _TRANCHE_BOUNDS:
        if age >= lower:
            return label
    return TRANCHE_NON_COMMUNIQUEE
