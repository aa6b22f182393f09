"""Coverage of the published intervals against a truth known by construction (desk surveys of
28 communes, the elderly over-represented, calibrated on the population margins)."""

from __future__ import annotations

import numpy as np
import pytest

from fragilite import methodologie
from fragilite.calcul import calculer
from tests.fragilite.enquetes import enquete
from tests.fragilite.simulation import BANDES, enquete_guichet, monde

AXES_ET_INDICE = (
    "axe_acces",
    "axe_competences",
    "axe_autonomie_administrative",
    "axe_aide",
    "indice",
)
GRAINES = range(32)


def _couvertures() -> dict[str, dict[str, float]]:
    methode = methodologie.charger()
    hits: dict[str, dict[str, list[bool]]] = {b: {c: [] for c in AXES_ET_INDICE} for b in BANDES}
    for seed in GRAINES:
        rng = np.random.default_rng(9100 + seed)
        world = monde(rng)
        survey = enquete(enquete_guichet(world, rng), world.territoire)
        table = calculer(survey, world.territoire, world.marges, methode).table()
        for i, size in enumerate(world.tailles):
            band = next(b for b, (lo, hi) in BANDES.items() if lo <= size <= hi)
            for col in AXES_ET_INDICE:
                truth = world.verite[col][i]
                low, high = table[f"{col}_ic_bas"][i], table[f"{col}_ic_haut"][i]
                hits[band][col].append(bool(low <= truth <= high))
    return {b: {c: float(np.mean(v)) for c, v in d.items()} for b, d in hits.items()}


@pytest.mark.slow
def test_axes_and_index_intervals_cover_the_truth_at_their_nominal_rate_in_every_band() -> None:
    coverage = _couvertures()
    for band in ("5-14", "15-29"):
        for col, rate in coverage[band].items():
            assert 0.93 <= rate <= 0.995, (band, col, rate, coverage)
    # Few communes in the larger bands (4 and 6 per survey): a looser bound for sampling noise.
    for band in ("30-99", "100+"):
        for col, rate in coverage[band].items():
            assert 0.90 <= rate <= 1.0, (band, col, rate, coverage)
