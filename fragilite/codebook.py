"""The survey format « Le Numérique et vous », codebook version 1 (``specs/enquete-codebook.md``).

Columns, their codes and the validation rules. Codes are compared case-insensitively after
trimming; an empty cell means « not answered ».
"""

from __future__ import annotations

from typing import Final

CODEBOOK_VERSION: Final = "1"

OUI_NON: Final = ("oui", "non")
TRANCHES_AGE: Final = ("15-24", "25-39", "40-59", "60-74", "75+")
SEXES: Final = ("f", "m")
DIFFICULTES: Final = ("jamais", "parfois", "souvent", "toujours", "ne_fait_pas")

# « Ne sait pas » is item-level missing: the respondent is left out of the indicators that need
# this answer only, never out of the survey. Accepted spellings (case-insensitive, trimmed):
NE_SAIT_PAS: Final = ("nsp", "ne sait pas", "ne_sait_pas")

REQUIRED: Final = ("id", "code_insee")

EQUIPEMENT: Final = (
    "equip_smartphone",
    "equip_ordinateur",
    "equip_tablette",
    "connexion_domicile",
    "usage_internet_3mois",
)

# The five domains of the Eurostat Digital Skills Indicator 2.0, with the codebook's activities.
DOMAINES: Final[dict[str, tuple[str, ...]]] = {
    "information": ("info_recherche", "info_verif_source"),
    "communication": ("comm_email", "comm_visio", "comm_reseaux"),
    "contenu": ("contenu_texte", "contenu_tableur", "contenu_photo"),
    "securite": ("secu_mdp", "secu_confidentialite"),
    "resolution": ("resol_installer", "resol_achat", "resol_demarche"),
}
ACTIVITES: Final = tuple(col for cols in DOMAINES.values() for col in cols)

AIDE: Final = ("aide_entourage", "aide_lieu_connu")

# Every coded column and its allowed values (lower case).
CODES: Final[dict[str, tuple[str, ...]]] = {
    "tranche_age": TRANCHES_AGE,
    "sexe": SEXES,
    "situation": ("emploi", "chomage", "retraite", "etudiant", "autre"),
    "diplome": ("aucun", "infra_bac", "bac", "superieur"),
    **{col: OUI_NON for col in (*EQUIPEMENT, *ACTIVITES, *AIDE)},
    "difficulte_demarches": DIFFICULTES,
}

KNOWN_COLUMNS: Final = (*REQUIRED, "age", "poids", *CODES)

AGE_MIN: Final = 15
AGE_MAX: Final = 110


def tranche_of_age(age: int) -> str:
    """The codebook's age band of an age in years (15 to 110)."""
    if age < 25:
        return "15-24"
    if age < 40:
        return "25-39"
    if age < 60:
        return "40-59"
    if age < 75:
        return "60-74"
    return "75+"


# Upper bounds (exclusive) of the bands, for vectorised conversion with ``numpy.digitize``.
TRANCHE_BORNES: Final = (25, 40, 60, 75)
