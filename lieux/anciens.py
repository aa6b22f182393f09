"""The older forms of the national schema and how each of their values reads in v1.

Every enumerated value of the official v0.1 schema (``Schema_V0.1.json`` of
``LaMednum/standard-mediation-num``: 15 services, 11 publics, 5 access conditions, 11 national
labels, 4 support modes) is listed here with where it goes in v1. The v0.1 labels come in two
spellings: the short form (« Payant ») and the official long one (« Payant : L'accès au lieu et/ou
à ses services est payant »); :func:`cles` gives the comparison keys of both.

Nothing is thrown away without a word: a national label with no v1 programme (« APTIC »,
« French Tech »…) is kept as free text in ``autres_formations_labels``; « Adultes » is what an
empty ``publics_specifiquement_adresses`` already says (every public), so it is reported as read,
not as lost.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from core.validation import fold

# v0.1 columns renamed in v1 (the ones split over several v1 fields are in LEGACY_TARGETS).
LEGACY_COLUMNS: dict[str, str] = {
    "courriel": "courriels",
    "labels_autres": "autres_formations_labels",
    "accessibilite": "fiche_acces_libre",
    "presentation": "presentation_detail",
}

# Columns only the v0.1 schema has: their presence, not the separator, says a file is v0.1.
V0_ONLY_COLUMNS = frozenset(
    {
        "courriel",
        "labels_autres",
        "accessibilite",
        "publics_accueillis",
        "conditions_acces",
        "labels_nationaux",
        "cle_ban",
    }
)

# The v1 fields a v0.1 column may fill.
LEGACY_TARGETS: dict[str, tuple[str, ...]] = {
    "publics_accueillis": ("publics_specifiquement_adresses", "prise_en_charge_specifique"),
    "conditions_acces": ("frais_a_charge",),
    "labels_nationaux": ("dispositif_programmes_nationaux", "formations_labels"),
}

# Header spellings found in the schema authors' own examples.
HEADER_ALIASES: dict[str, str] = {
    "modalite_acces": "modalites_acces",
    "modalite_accompagnement": "modalites_accompagnement",
    "itinérance": "itinerance",
    "autres_formations_et_labels": "autres_formations_labels",
    "conditions_access": "conditions_acces",
    "presentation_resumee": "presentation_resume",
}

# Where the free text of a national label without v1 equivalent goes.
FREE_LABELS = "autres_formations_labels"
LABEL_COLUMNS = frozenset(
    {"labels_nationaux", "dispositif_programmes_nationaux", "formations_labels"}
)

GENERAL_PUBLIC = ("", "")  # a v0.1 public that means « everyone »: nothing to write in v1

_SERVICES = "services"
_PUBLICS = "publics_specifiquement_adresses"
_PRISE = "prise_en_charge_specifique"
_FRAIS = "frais_a_charge"
_DISPOSITIFS = "dispositif_programmes_nationaux"
_FORMATIONS = "formations_labels"
_MODALITES = "modalites_accompagnement"

# (column, key of a v0.1 value) → (v1 field, v1 value); None: a national label kept as free text.
_V01: dict[str, dict[str, tuple[str, str] | None]] = {
    "services": {
        "devenir autonome dans les demarches administratives": (
            _SERVICES,
            "Aide aux démarches administratives",
        ),
        "realiser des demarches administratives avec un accompagnement": (
            _SERVICES,
            "Aide aux démarches administratives",
        ),
        "prendre en main un smartphone ou une tablette": (
            _SERVICES,
            "Maîtrise des outils numériques du quotidien",
        ),
        "prendre en main un ordinateur": (_SERVICES, "Maîtrise des outils numériques du quotidien"),
        "utiliser le numerique au quotidien": (
            _SERVICES,
            "Maîtrise des outils numériques du quotidien",
        ),
        "approfondir ma culture numerique": (_SERVICES, "Compréhension du monde numérique"),
        "favoriser mon insertion professionnelle": (
            _SERVICES,
            "Insertion professionnelle via le numérique",
        ),
        "acceder a une connexion internet": (_SERVICES, "Accès internet et matériel informatique"),
        "acceder a du materiel": (_SERVICES, "Accès internet et matériel informatique"),
        "s equiper en materiel informatique": (
            _SERVICES,
            "Acquisition de matériel informatique à prix solidaire",
        ),
        "equiper en materiel informatique": (
            _SERVICES,
            "Acquisition de matériel informatique à prix solidaire",
        ),
        "creer et developper mon entreprise": (
            _SERVICES,
            "Insertion professionnelle via le numérique",
        ),
        "creer avec le numerique": (_SERVICES, "Loisirs et créations numériques"),
        "accompagner les demarches de sante": (_SERVICES, "Aide aux démarches administratives"),
        "promouvoir la citoyennete numerique": (_SERVICES, "Compréhension du monde numérique"),
        "soutenir la parentalite et l education avec le numerique": (
            _SERVICES,
            "Parentalité et éducation avec le numérique",
        ),
    },
    "publics_accueillis": {
        "seniors (+ 65 ans)": (_PUBLICS, "Seniors"),
        "seniors": (_PUBLICS, "Seniors"),
        "familles/enfants": (_PUBLICS, "Familles et/ou enfants"),
        "adultes": GENERAL_PUBLIC,
        "tout public": GENERAL_PUBLIC,
        "jeunes (16 26 ans)": (_PUBLICS, "Jeunes"),
        "jeunes": (_PUBLICS, "Jeunes"),
        "etudiants": (_PUBLICS, "Étudiants"),
        "public langues etrangeres": (_PRISE, "Langues étrangères (autres)"),
        "langues etrangeres": (_PRISE, "Langues étrangères (autres)"),
        "deficience visuelle": (_PRISE, "Déficience visuelle"),
        "surdite": (_PRISE, "Surdité"),
        "handicaps psychiques": (_PRISE, "Handicaps mentaux"),
        "handicaps mentaux": (_PRISE, "Handicaps mentaux"),
        "handicaps moteurs": (_PRISE, "Handicaps moteurs"),
        "uniquement femmes": (_PUBLICS, "Femmes"),
        "personnes en situation d illettrisme": (_PRISE, "Illettrisme"),
    },
    "conditions_acces": {
        "gratuit": (_FRAIS, "Gratuit"),
        "gratuit sous condition": (_FRAIS, "Gratuit sous condition"),
        "payant": (_FRAIS, "Payant"),
        "adhesion": (_FRAIS, "Payant"),
        # Free for whoever holds a pass: the v1 schema's « free under a condition ».
        "accepte le pass numerique": (_FRAIS, "Gratuit sous condition"),
    },
    "labels_nationaux": {
        "france services": (_DISPOSITIFS, "France Services"),
        "cnfs": (_DISPOSITIFS, "Conseillers numériques"),
        "conseiller numerique": (_DISPOSITIFS, "Conseillers numériques"),
        "aidants connect": (_DISPOSITIFS, "Aidants Connect"),
        "fabriques de territoire": (_FORMATIONS, "Fabriques de Territoire"),
        "grandes ecoles du numerique": (_DISPOSITIFS, "Grande école du numérique"),
        "grande ecole du numerique": (_DISPOSITIFS, "Grande école du numérique"),
        "point relais caf": (_DISPOSITIFS, "Point d'accès numérique CAF"),
        "point numerique caf": (_DISPOSITIFS, "Point d'accès numérique CAF"),
        "la croix rouge": (_DISPOSITIFS, "La Croix Rouge"),
        "emmaus connect": (_DISPOSITIFS, "Emmaüs Connect"),
        "promeneurs du net": (_DISPOSITIFS, "Promeneurs du net"),
        "mon espace sante": (_FORMATIONS, "Formé à « Mon Espace Santé »"),
        "etapes numeriques": (_FORMATIONS, "Étapes numériques (La Poste)"),
        "aptic": None,
        "relais pole emploi": None,
        "french tech": None,
        "campus connecte": None,
        "espace public numerique (epn)": None,
        "sos numerique": None,
    },
    "modalites_accompagnement": {
        "seul": (_MODALITES, "En autonomie"),
        "avec de l aide": (_MODALITES, "Accompagnement individuel"),
        "pour moi": (_MODALITES, "Accompagnement individuel"),
        # A person acting on one's behalf is individual support.
        "a ma place": (_MODALITES, "Accompagnement individuel"),
        "dans un atelier": (_MODALITES, "Dans un atelier collectif"),
        "a distance": (_MODALITES, "À distance"),
    },
}

# Misspellings met in real v1 files (the schema authors' example writes « Illetrisme »).
_V1_ALIASES: dict[str, dict[str, str]] = {
    "prise_en_charge_specifique": {"illetrisme": "Illettrisme"},
    "modalites_accompagnement": {
        "dans un atelier collectif : j apprends collectivement a utiliser le numerique": (
            "Dans un atelier collectif"
        ),
        "a distance (par telephone ou en visioconference)": "À distance",
    },
}


@lru_cache(maxsize=8192)
def key(value: str) -> str:
    """A comparison key for enumerated labels: no accents, no case, no spacing differences."""
    return re.sub(r"\s+", " ", fold(value).replace("(", " (")).strip()


def cles(value: str) -> list[str]:
    """The keys of a value: whole, and the short label before « : » of a v0.1 long label."""
    keys = [key(value)]
    head, sep, _tail = value.partition(" : ")
    if sep:
        keys.append(key(head))
    return keys


def ancienne_valeur(colonne: str, value: str) -> tuple[str, str] | Literal[False] | None:
    """Where a v0.1 value of ``colonne`` goes: (field, value), None (free label), False."""
    table = _V01.get(colonne, {})
    for k in cles(value):
        if k in table:
            return table[k]
    return False


def alias_v1(field: str, value: str) -> str | None:
    table = _V1_ALIASES.get(field, {})
    for k in cles(value):
        if k in table:
            return table[k]
    return None


def sans_precision(label: str) -> str:
    """« SUD LABS (PACA) » → key of « SUD LABS »: files often drop the parenthesis."""
    return key(re.sub(r"\s*\([^)]*\)\s*$", "", label))
