"""Demonstration: two synthetic surveys of the territory (2024 and 2026, about 1,000 invented
respondents each), population margins, and the computed index, in ``<data>/fragilite/``.

The fragility page opens the latest demonstration survey by itself, so its table and map are
populated at first sight; the computation is journalled like one run from the page.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from core import paths
from core.demo import DemoContext
from core.territory import cog
from fragilite import codebook, lecture
from fragilite.calcul import (
    calculer,
    ecrire_csv,
    journaliser_calcul,
    methode_configuree,
    territoire_configure,
)
from fragilite.ponderation import lire_marges
from fragilite.synthetique import enquete_synthetique

ENQUETE_DEMO = "enquete-demo-2026.csv"
ENQUETE_DEMO_AVANT = "enquete-demo-2024.csv"
MARGES_DEMO = "marges-demo.csv"
INDICE_DEMO = "indice-demo-2026.csv"

# Share of the population aged 15 or more in each band, and of women in it (rounded national
# figures: the margins are illustrative, like the survey).
_AGE_SHARES = {"15-24": 0.14, "25-39": 0.22, "40-59": 0.31, "60-74": 0.20, "75+": 0.13}
_WOMEN = {"15-24": 0.49, "25-39": 0.51, "40-59": 0.51, "60-74": 0.53, "75+": 0.61}


def dossier() -> Path:
    path = paths.data_dir() / "fragilite"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _marges(codes: list[str], path: Path) -> None:
    lines = ["code_insee,tranche_age,sexe,population"]
    for code in codes:
        population = cog()[code].population or 1000
        for band in codebook.TRANCHES_AGE:
            total = 0.85 * population * _AGE_SHARES[band]
            lines.append(f"{code},{band},F,{round(total * _WOMEN[band])}")
            lines.append(f"{code},{band},M,{round(total * (1 - _WOMEN[band]))}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def populate(session: Session, demo: DemoContext) -> dict[str, int]:
    territoire = territoire_configure(session)
    codes = list(territoire.codes)
    sizes = [float(cog()[c].population or 1000) ** 0.5 for c in codes]
    folder = dossier()
    seed = demo.rng.randrange(1, 10**6)
    for name, shift in ((ENQUETE_DEMO_AVANT, 1), (ENQUETE_DEMO, 0)):
        enquete_synthetique(codes, 1000, seed=seed + shift, tailles=sizes).to_csv(
            folder / name, index=False, sep=";", encoding="utf-8"
        )
    _marges(codes, folder / MARGES_DEMO)
    enquete = lecture.retenir(lecture.charger(folder / ENQUETE_DEMO, codes))
    resultat = calculer(
        enquete, territoire, lire_marges(folder / MARGES_DEMO), methode_configuree(session)
    )
    ecrire_csv(resultat, folder / INDICE_DEMO)
    journaliser_calcul(session, demo.actors["coordinateur"], resultat)
    return {"enquetes_fragilite": 2, "repondants_fragilite": 2 * 1000}
