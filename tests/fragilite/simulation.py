"""Synthetic desk surveys whose truth is known exactly, for coverage tests.

Each commune has a population per age band (its margins) and a latent fragility shared by every
indicator, plus a smaller indicator-specific effect; each person has a latent frailty shared by
their answers (so indicators are correlated within a commune, as in real surveys). The desk
recruits the elderly far more than the young. The true share of every indicator in a commune is
the population-weighted mean over age bands of the model's probability, integrated over the
person's frailty by Gauss–Hermite quadrature — computed here, independently of the code tested.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.territory import cog
from fragilite import codebook
from fragilite.estimation import Territoire
from fragilite.ponderation import Marges

# Sample sizes of the 28 communes: ten in 5–14, eight in 15–29, four in 30–99, six of 100 or more.
TAILLES = (5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 19, 21, 23, 25, 27, 29, 35, 50, 70, 90)
TAILLES = (*TAILLES, 120, 150, 200, 260, 330, 400)
BANDES = {"5-14": (5, 14), "15-29": (15, 29), "30-99": (30, 99), "100+": (100, 10**6)}

AGE_TYPE = {"15-24": "20", "25-39": "32", "40-59": "50", "60-74": "67", "75+": "82"}
RECRUTEMENT = np.array([0.4, 0.6, 1.0, 1.8, 2.6])  # desk over-representation of the elderly

# Per latent answer: intercept (log-odds), loading on the commune effect, age slope, frailty.
LATENTS = {
    "no_use": (-2.4, 1.0, 0.6, 1.0),
    "no_home": (-1.8, 0.8, 0.3, 0.8),
    "no_equip": (-3.0, 1.0, 0.6, 1.0),
    "lack_all": (-2.0, 0.9, 0.5, 1.0),
    "lack_one": (-0.6, 0.7, 0.3, 0.8),
    "no_help": (-2.2, 0.6, 0.2, 0.6),
    "difficulty": (-1.4, 0.8, 0.4, 0.8),
}
NOEUDS, POIDS_GH = np.polynomial.hermite_e.hermegauss(40)
POIDS_GH = POIDS_GH / POIDS_GH.sum()


@dataclass
class Monde:
    territoire: Territoire
    marges: Marges
    tailles: np.ndarray
    verite: pd.DataFrame  # communes then the territory (last row): shares, axes, index


def _expit(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1 / (1 + np.exp(-x))
    return out


def _logits(effect: np.ndarray, own: dict[str, np.ndarray], band: np.ndarray, eta: np.ndarray):
    """Log-odds of each latent answer; arrays broadcast together."""
    return {
        k: a + lam * (effect + own[k]) + slope * (band - 2) / 2 + s * eta
        for k, (a, lam, slope, s) in LATENTS.items()
    }


def _indicateurs(f: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Indicator probabilities from the latent ones, as the codebook derives them."""
    illect = f["no_use"] + (1 - f["no_use"]) * f["lack_all"]
    below = illect + (1 - f["no_use"]) * (1 - f["lack_all"]) * f["lack_one"]
    return {
        "sans_internet": f["no_use"],
        "illectronisme": illect,
        "sous_competences_base": below,
        "sans_equipement": f["no_equip"],
        "sans_connexion": f["no_home"],
        "sans_aide": f["no_help"],
        "difficulte_demarches": f["difficulty"],
    }


def monde(rng: np.random.Generator) -> Monde:
    codes = sorted(c for c, v in cog().items() if v.departement == "17")[: len(TAILLES)]
    territoire = Territoire("Simulation", "200000017", tuple((c, c) for c in codes))
    n_c = len(codes)
    shares = rng.dirichlet([14, 22, 31, 20, 13], size=n_c)
    # Margins of the population aged 15 or more: 85 % of the legal population.
    population = np.array([0.85 * (cog()[c].population or 1000) for c in codes])
    pop = shares * population[:, None]
    effect = rng.normal(0, 0.6, n_c)
    own = {k: rng.normal(0, 0.3, n_c) for k in LATENTS}
    # Probabilities per commune × band × quadrature node, latent answers conditionally independent.
    band = np.arange(5)[None, :, None]
    logit = _logits(
        effect[:, None, None], {k: v[:, None, None] for k, v in own.items()}, band, NOEUDS
    )
    prob = _indicateurs({k: _expit(v) for k, v in logit.items()})
    truth = {k: (v @ POIDS_GH) for k, v in prob.items()}  # commune × band
    frac = pop / pop.sum(axis=1, keepdims=True)
    rows = {k: (v * frac).sum(axis=1) for k, v in truth.items()}
    terr = {k: float((v * pop).sum() / pop.sum()) for k, v in truth.items()}
    verite = pd.DataFrame({k: np.append(v, terr[k]) for k, v in rows.items()})
    verite["axe_acces"] = verite[["sans_equipement", "sans_connexion", "sans_internet"]].mean(
        axis=1
    )
    verite["axe_competences"] = verite[["sous_competences_base", "illectronisme"]].mean(axis=1)
    verite["axe_autonomie_administrative"] = verite["difficulte_demarches"]
    verite["axe_aide"] = verite["sans_aide"]
    axes = ["axe_acces", "axe_competences", "axe_autonomie_administrative", "axe_aide"]
    verite["indice"] = 100 * sum(verite[a] / verite[a].iloc[-1] for a in axes) / len(axes)
    cells = pd.DataFrame(
        [
            (c, t, s, float(pop[i, t] * share))
            for i, c in enumerate(codes)
            for t in range(5)
            for s, share in ((0, 0.52), (1, 0.48))
        ],
        columns=["code_insee", "tranche", "sexe", "population"],
    )
    world = Monde(territoire, Marges("0" * 64, cells), np.array(TAILLES), verite)
    world.effet, world.propre, world.pop = effect, own, pop  # type: ignore[attr-defined]
    return world


def enquete_guichet(world: Monde, rng: np.random.Generator) -> pd.DataFrame:
    """Respondents recruited at the desk: the elderly over-represented."""
    codes = list(world.territoire.codes)
    pop = world.pop  # type: ignore[attr-defined]
    commune = np.repeat(np.arange(len(codes)), world.tailles)
    recruit = pop * RECRUTEMENT
    recruit = recruit / recruit.sum(axis=1, keepdims=True)
    u = rng.random(len(commune))[:, None]
    band = (u > np.cumsum(recruit[commune], axis=1)).sum(axis=1)
    eta = rng.standard_normal(len(commune))
    logit = _logits(
        world.effet[commune],  # type: ignore[attr-defined]
        {k: v[commune] for k, v in world.propre.items()},  # type: ignore[attr-defined]
        band,
        eta,
    )
    f = {k: rng.random(len(commune)) < _expit(v) for k, v in logit.items()}
    oui_non = np.array(["oui", "non"], dtype=object)
    n = len(commune)
    frame = pd.DataFrame(
        {
            "id": [f"R{i}" for i in range(n)],
            "code_insee": np.array(codes, dtype=object)[commune],
            "age": np.array(list(AGE_TYPE.values()), dtype=object)[band],
            "sexe": np.where(rng.random(n) < 0.52, "F", "M"),
        }
    )
    no_use = f["no_use"]
    frame["usage_internet_3mois"] = oui_non[no_use.astype(int)]
    frame["connexion_domicile"] = oui_non[f["no_home"].astype(int)]
    frame["equip_smartphone"] = oui_non[f["no_equip"].astype(int)]
    frame["equip_ordinateur"] = oui_non[(f["no_equip"] | (rng.random(n) < 0.5)).astype(int)]
    frame["equip_tablette"] = oui_non[(f["no_equip"] | (rng.random(n) < 0.5)).astype(int)]
    lack_all = no_use | f["lack_all"]
    lack_one = lack_all | f["lack_one"]
    for domain, cols in codebook.DOMAINES.items():
        lacking = lack_one if domain == "resolution" else lack_all
        for col in cols:
            frame[col] = oui_non[lacking.astype(int)]
    frame["aide_entourage"] = oui_non[f["no_help"].astype(int)]
    frame["aide_lieu_connu"] = oui_non[f["no_help"].astype(int)]
    frame["difficulte_demarches"] = np.where(f["difficulty"], "souvent", "jamais")
    return frame
