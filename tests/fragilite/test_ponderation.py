from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import ValidationError
from core.territory import cog
from fragilite import codebook
from fragilite.ponderation import lire_marges, ponderer
from tests.fragilite.enquetes import ecrire, enquete, repondant

AGES = {"15-24": "20", "25-39": "30", "40-59": "50", "60-74": "70", "75+": "80"}


def _margins(tmp_path: Path, cells: dict[tuple[str, str, str], float]) -> Path:
    rows = [
        {"code_insee": c, "tranche_age": t, "sexe": s, "population": str(p)}
        for (c, t, s), p in cells.items()
    ]
    return ecrire(tmp_path / "marges.csv", rows)


def test_calibration_reproduces_the_age_by_sex_margins_it_was_given(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    rows = []
    for i in range(600):
        code = ["17300", "17200"][i % 2]
        band = rng.choice(list(AGES))
        rows.append(
            repondant(
                i,
                code=code,
                age=AGES[band],
                sexe=str(rng.choice(["F", "M"])),
                poids=f"{rng.uniform(0.5, 3):.3f}",
            )
        )
    # Populations near the communes' legal ones (15+ ≈ 85 %), cells uneven but not extreme.
    cells = {
        (c, t, s): round(cog()[c].population * 0.085 * rng.uniform(0.8, 1.2))
        for c in ("17300", "17200")
        for t in codebook.TRANCHES_AGE
        for s in ("F", "M")
    }
    survey = enquete(rows)
    result = ponderer(survey, lire_marges(_margins(tmp_path, cells)))

    frame = pd.DataFrame(rows).assign(w=result.poids)
    frame["tranche"] = [codebook.tranche_of_age(int(a)) for a in frame["age"]]
    got = frame.groupby(["code_insee", "tranche", "sexe"])["w"].sum()
    for (c, t, s), population in cells.items():
        assert got[(c, t, s)] == pytest.approx(population)
    assert result.methode == "calage"
    assert result.avertissements == []


def test_respondents_without_sex_keep_the_age_margins_exact(tmp_path: Path) -> None:
    rows = [repondant(i, age="30", sexe=["F", "M", ""][i % 3]) for i in range(30)]
    cells = {("17300", "25-39", "F"): 600.0, ("17300", "25-39", "M"): 400.0}
    result = ponderer(enquete(rows), lire_marges(_margins(tmp_path, cells)))
    sexes = np.array([r["sexe"] for r in rows])
    assert result.poids.sum() == pytest.approx(1000.0)
    known_f = result.poids[sexes == "F"].sum()
    known_m = result.poids[sexes == "M"].sum()
    assert known_f / (known_f + known_m) == pytest.approx(0.6)


def test_cells_that_cannot_be_matched_are_reported_not_dropped(tmp_path: Path) -> None:
    rows = [repondant(i, age="30") for i in range(10)] + [repondant(50, code="17200", age="80")]
    cells = {("17300", "25-39", "*"): 1000.0, ("17300", "75+", "*"): 800.0}
    result = ponderer(enquete(rows), lire_marges(_margins(tmp_path, cells)))
    text = "\n".join(result.avertissements)
    assert "commune 17300 : tranches d'âge 25-39, 75+ regroupées" in text
    assert "communes absentes des marges, non calées" in text and text.endswith(": 17200")
    assert (result.poids > 0).all()


def test_without_margins_the_result_says_which_weights_were_used() -> None:
    assert ponderer(enquete([repondant(1), repondant(2)])).methode == "egaux"
    own = ponderer(enquete([repondant(1, poids="2.5"), repondant(2, poids="1")]))
    assert own.methode == "poids_enquete"
    assert own.poids.tolist() == [2.5, 1.0]


def test_an_invalid_margins_file_lists_every_problem(tmp_path: Path) -> None:
    path = _margins(
        tmp_path,
        {
            ("99999", "25-39", "F"): 10.0,
            ("17300", "20-30", "X"): 10.0,
        },
    )
    with pytest.raises(ValidationError) as err:
        lire_marges(path)
    message = str(err.value)
    assert "ligne 2 : code INSEE inconnu « 99999 »" in message
    assert "ligne 3 : tranche d'âge inconnue « 20-30 »" in message
    assert "ligne 3 : sexe inconnu « x »" in message
