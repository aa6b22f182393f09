"""Per-respondent indicators: 1.0 (fragile on that point), 0.0 (not), NaN (cannot tell).

A missing answer is missing, never « non »: a respondent counts in an indicator's denominator only
when their answers settle it. The definitions (also written in the methodology file):

- ``sans_internet``: ``usage_internet_3mois`` = non.
- skills, per DSI 2.0 domain: « basic » = at least one of the domain's activities done in the last
  three months; « lacking » = every activity of the domain answered « non », or no internet use
  in three months (Eurostat counts non-users as having no skills). A domain with no « oui » and a
  blank activity is unknown.
- ``sous_competences_base``: lacking in at least one domain (Eurostat: « basic or above » means at
  least basic in all five); 0 when basic in all five.
- ``illectronisme`` (INSEE): no internet use in three months, or lacking in 4 or 5 domains; 0 when
  the internet was used and at least two domains are basic.
- ``sans_equipement``: no computer, no tablet and no smartphone.
- ``sans_connexion``: ``connexion_domicile`` = non.
- ``sans_aide``: nobody close to help and no known place.
- ``difficulte_demarches``: « souvent » or « toujours »; « ne_fait_pas » is outside the
  denominator (the question is about people who do procedures online).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from core.i18n import N_
from fragilite import codebook
from fragilite.lecture import Enquete

Vecteur = npt.NDArray[np.float64]

INDICATEURS: Final = (
    "sans_internet",
    "illectronisme",
    "sous_competences_base",
    "sans_equipement",
    "sans_connexion",
    "sans_aide",
    "difficulte_demarches",
)

LIBELLES: Final = {
    "sans_internet": N_("Pas d'usage d'internet depuis 3 mois"),
    "illectronisme": N_("Illectronisme (définition INSEE)"),
    "sous_competences_base": N_("Compétences numériques inférieures au niveau de base"),
    "sans_equipement": N_("Ni ordinateur ou tablette, ni smartphone"),
    "sans_connexion": N_("Pas de connexion internet à domicile"),
    "sans_aide": N_("Personne pour aider et aucun lieu connu"),
    "difficulte_demarches": N_("Souvent ou toujours en difficulté pour les démarches en ligne"),
    "axe_acces": N_("Axe accès (équipement et connexion)"),
    "axe_competences": N_("Axe compétences numériques"),
    "axe_autonomie_administrative": N_("Axe autonomie administrative"),
    "axe_aide": N_("Axe accès à l'aide"),
    "indice": N_("Indice de fragilité numérique"),
}

OUI, NON = 0, 1  # indices in codebook.OUI_NON


def _oui_non(enquete: Enquete, col: str) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    codes = enquete.codes[col]
    return codes == OUI, codes == NON


def domaines_manquants(enquete: Enquete) -> tuple[Vecteur, Vecteur]:
    """Per respondent: number of domains lacking, and number known to be basic."""
    _use, no_use = _oui_non(enquete, "usage_internet_3mois")
    lacking = np.zeros(enquete.n_lignes)
    basic = np.zeros(enquete.n_lignes)
    for cols in codebook.DOMAINES.values():
        any_yes = np.zeros(enquete.n_lignes, dtype=bool)
        all_no = np.ones(enquete.n_lignes, dtype=bool)
        for col in cols:
            yes, no = _oui_non(enquete, col)
            any_yes |= yes
            all_no &= no
        is_lacking = no_use | (all_no & ~any_yes)
        lacking += is_lacking
        basic += any_yes & ~no_use
    return lacking, basic


def calculer(enquete: Enquete) -> dict[str, Vecteur]:
    """Every indicator of the methodology, per respondent (1.0, 0.0 or NaN)."""
    nan = np.nan
    use, no_use = _oui_non(enquete, "usage_internet_3mois")
    lacking, basic = domaines_manquants(enquete)
    n_domains = len(codebook.DOMAINES)

    out: dict[str, Vecteur] = {}
    out["sans_internet"] = np.where(no_use, 1.0, np.where(use, 0.0, nan))
    out["illectronisme"] = np.where(
        no_use | (lacking >= 4), 1.0, np.where(use & (basic >= n_domains - 3), 0.0, nan)
    )
    out["sous_competences_base"] = np.where(
        lacking >= 1, 1.0, np.where(basic >= n_domains, 0.0, nan)
    )
    phone_yes, phone_no = _oui_non(enquete, "equip_smartphone")
    pc_yes, pc_no = _oui_non(enquete, "equip_ordinateur")
    tab_yes, tab_no = _oui_non(enquete, "equip_tablette")
    out["sans_equipement"] = np.where(
        phone_no & pc_no & tab_no, 1.0, np.where(phone_yes | pc_yes | tab_yes, 0.0, nan)
    )
    home_yes, home_no = _oui_non(enquete, "connexion_domicile")
    out["sans_connexion"] = np.where(home_no, 1.0, np.where(home_yes, 0.0, nan))
    close_yes, close_no = _oui_non(enquete, "aide_entourage")
    place_yes, place_no = _oui_non(enquete, "aide_lieu_connu")
    out["sans_aide"] = np.where(close_no & place_no, 1.0, np.where(close_yes | place_yes, 0.0, nan))
    diff = enquete.codes["difficulte_demarches"]
    jamais, parfois, souvent, toujours = (
        codebook.DIFFICULTES.index(k) for k in codebook.DIFFICULTES[:4]
    )
    out["difficulte_demarches"] = np.where(
        (diff == souvent) | (diff == toujours),
        1.0,
        np.where((diff == jamais) | (diff == parfois), 0.0, nan),
    )
    return out
