"""Synthetic surveys in the codebook's format, for the demonstration and the benchmark.

Every answer is drawn at random: no real person is behind any row. Each commune gets a
« fragility » level that raises the chance of fragile answers, older respondents more so, so the
map shows contrasts; the draw is vectorised so a million rows take a few seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from fragilite import codebook


def enquete_synthetique(
    communes: Sequence[str],
    n: int,
    seed: int = 2026,
    tailles: Sequence[float] | None = None,
) -> pd.DataFrame:
    """``n`` invented respondents spread over ``communes`` (proportionally to ``tailles``)."""
    rng = np.random.default_rng(seed)
    k = len(communes)
    share = np.asarray(tailles if tailles is not None else np.ones(k), dtype=float)
    share = share / share.sum()
    commune_idx = rng.choice(k, size=n, p=share)
    level = rng.uniform(-0.8, 0.8, size=k)[commune_idx]  # commune's fragility (log-odds)
    age = rng.integers(15, 95, size=n)
    old = (age - 50) / 20.0

    def draw(base: float, slope: float = 1.0) -> np.ndarray:
        logit = base + slope * (level + 0.6 * old)
        fragile: np.ndarray = rng.random(n) < 1 / (1 + np.exp(-logit))
        return fragile

    no_use = draw(-2.2)
    frame = pd.DataFrame(
        {
            "id": np.char.add("R", np.arange(1, n + 1).astype(str)),
            "code_insee": np.asarray(communes, dtype=object)[commune_idx],
            "age": age.astype(str),
            "sexe": np.where(rng.random(n) < 0.53, "F", "M"),
            "situation": rng.choice(["emploi", "chomage", "retraite", "etudiant", "autre"], n),
            "diplome": rng.choice(["aucun", "infra_bac", "bac", "superieur"], n),
        }
    )
    oui_non = np.array(["oui", "non"], dtype=object)

    def yes_no(fragile: np.ndarray) -> np.ndarray:
        answers: np.ndarray = oui_non[fragile.astype(int)]
        return answers

    frame["usage_internet_3mois"] = yes_no(no_use)
    frame["equip_smartphone"] = yes_no(draw(-1.6) | (no_use & draw(0.5)))
    frame["equip_ordinateur"] = yes_no(draw(-0.6))
    frame["equip_tablette"] = yes_no(draw(0.4))
    frame["connexion_domicile"] = yes_no(draw(-1.8))
    for cols in codebook.DOMAINES.values():
        for col in cols:
            frame[col] = np.where(no_use, "non", yes_no(draw(-0.4)))
    frame["aide_entourage"] = yes_no(draw(-1.0))
    frame["aide_lieu_connu"] = yes_no(draw(0.2))
    difficulty = np.array(codebook.DIFFICULTES, dtype=object)
    level_d = np.clip((rng.normal(1.2, 1.0, n) + level + 0.5 * old).round().astype(int), 0, 3)
    frame["difficulte_demarches"] = np.where(
        no_use & (rng.random(n) < 0.7), "ne_fait_pas", difficulty[level_d]
    )
    # About 2 % of answers left blank, as on paper questionnaires.
    for col in ("sexe", "connexion_domicile", "aide_lieu_connu", "comm_visio"):
        frame.loc[rng.random(n) < 0.02, col] = ""
    return frame
