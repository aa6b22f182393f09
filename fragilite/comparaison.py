"""Two surveys of one territory (e.g. 2024 and 2026): the change per commune, with its interval.

The surveys are independent samples, so the variance of a change is the sum of the two variances;
the 95 % interval is normal. The later survey's index must be computed with the earlier survey's
axis levels as reference (``calcul.calculer(..., reference=avant.estimations.niveaux_reference)``)
so both indices are on the same scale. A commune hidden in either survey has no change shown.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from core.errors import ValidationError
from core.i18n import _
from core.tableur import tableau_csv
from fragilite.calcul import Resultat
from fragilite.estimation import COLONNES_ESTIMEES, MASQUE


def comparer(avant: Resultat, apres: Resultat) -> pd.DataFrame:
    ea, eb = avant.estimations, apres.estimations
    if ea.territoire.codes != eb.territoire.codes:
        raise ValidationError(_("Les deux enquêtes doivent porter sur le même territoire."))
    if avant.methode.empreinte != apres.methode.empreinte:
        raise ValidationError(_("Les deux calculs doivent suivre la même méthodologie."))
    z = float(stats.norm.ppf(0.5 + avant.methode.niveau / 2))
    terr = ea.territoire
    hidden = np.array(
        [a == MASQUE or b == MASQUE for a, b in zip(ea.statut, eb.statut, strict=True)]
    )
    data: dict[str, Any] = {
        "code_insee": [*terr.codes, terr.siren],
        "commune": [*(n for _c, n in terr.communes), terr.nom],
        "statut_avant": ea.statut,
        "statut_apres": eb.statut,
    }
    for name in COLONNES_ESTIMEES:
        diff = eb.valeurs[name] - ea.valeurs[name]
        se = np.sqrt(ea.ecart_type[name] ** 2 + eb.ecart_type[name] ** 2)
        diff[hidden], se[hidden] = np.nan, np.nan
        data[f"{name}_avant"] = np.where(hidden, np.nan, ea.valeurs[name])
        data[f"{name}_apres"] = np.where(hidden, np.nan, eb.valeurs[name])
        data[f"{name}_evolution"] = diff
        data[f"{name}_evolution_ic_bas"] = diff - z * se
        data[f"{name}_evolution_ic_haut"] = diff + z * se
    return pd.DataFrame(data)


def ecrire_csv(frame: pd.DataFrame, path: Path) -> None:
    tableau_csv(frame).to_csv(
        path, index=False, float_format="%.6f", quoting=csv.QUOTE_MINIMAL, lineterminator="\n"
    )
