"""No masked figure of a commune — its number of respondents or its share — can be worked out
from the published territory figure and the communes shown: each test plays the attacker on the
published CSV."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from fragilite.calcul import calculer, ecrire_csv
from fragilite.indicateurs import INDICATEURS
from tests.fragilite.enquetes import TERRITOIRE, enquete, repondant

SIREN = "200000001"


def _publier(rows: list[dict[str, str]], tmp_path: Path) -> tuple[pd.DataFrame, list[str]]:
    out = tmp_path / "resultat.csv"
    meta = ecrire_csv(calculer(enquete(rows), TERRITOIRE), out)
    table = pd.read_csv(out, dtype={"code_insee": str}).set_index("code_insee")
    return table, json.loads(meta.read_text(encoding="utf-8"))["avertissements"]


def _candidats(table: pd.DataFrame, indicateur: str, cible: str) -> set[tuple[int, int]]:
    """Every (respondents, fragile respondents) of ``cible`` for ``indicateur`` consistent with
    the published figures. Without margins every weight is equal, so a shown commune's count of
    fragile respondents is its share × its n; the territory's n is rounded to ten."""
    terr = table.loc[SIREN]
    communes = table.drop(index=SIREN)
    shown = communes[communes[indicateur].notna()]
    hidden = communes[communes[indicateur].isna()]
    assert cible in hidden.index
    n_shown = int(shown[f"{indicateur}_n"].sum())
    s_shown = round(float((shown[indicateur] * shown[f"{indicateur}_n"]).sum()))
    n_terr, p_terr = int(terr[f"{indicateur}_n"]), float(terr[indicateur])
    found: set[tuple[int, int]] = set()
    for n_pool in range(1, n_terr + 6 - n_shown):
        if abs(n_shown + n_pool - n_terr) > 5:
            continue
        for s_pool in range(n_pool + 1):
            if abs((s_shown + s_pool) / (n_shown + n_pool) - p_terr) >= 5e-7:
                continue
            if len(hidden) == 1:
                found.add((n_pool, s_pool))
            else:
                # The pool is shared with other hidden communes of at least one respondent.
                found.update(
                    (n, s)
                    for n in range(1, n_pool)
                    for s in range(min(n, s_pool) + 1)
                    if s_pool - s <= n_pool - n
                )
    return found


def _commune(code: str, n: int, fragiles: int, start: int, **answers: str) -> list[dict[str, str]]:
    return [
        repondant(
            start + i, code=code, connexion_domicile="non" if i < fragiles else "oui", **answers
        )
        for i in range(n)
    ]


def test_a_commune_masked_alone_cannot_be_recovered_by_difference(tmp_path: Path) -> None:
    # Aytré's 3 respondents, 2 without a home connection, are under the minimum of 5.
    rows = (
        _commune("17300", 60, 12, 0)
        + _commune("17200", 40, 4, 1000)
        + _commune("17028", 3, 2, 2000)
    )
    table, notes = _publier(rows, tmp_path)
    assert table.loc["17028", "statut"] == "masque"
    assert (3, 2) in _candidats(table, "sans_connexion", "17028")
    assert len(_candidats(table, "sans_connexion", "17028")) > 1
    # Lagord, the smallest commune shown, is masked as its complement, and the report says so.
    assert table.loc["17200", "statut"] == "masque" and pd.isna(table.loc["17200", "n"])
    assert any("Lagord" in n and "complément" in n for n in notes)
    # The territory itself is still published.
    assert math.isclose(table.loc[SIREN, "sans_connexion"], 18 / 103, abs_tol=1e-6)
    assert table.loc["17300", "n"] == 60
    # Its counts are rounded to ten: 103 respondents are published as 100.
    assert table.loc[SIREN, "n"] == 100 and table.loc[SIREN, "sans_connexion_n"] == 100
    assert table.loc[SIREN, "n_eff"] == 100


def test_an_indicator_masked_in_one_commune_only_is_not_recoverable_either(
    tmp_path: Path,
) -> None:
    # Every commune is shown, but only 2 of Aytré's 8 respondents do procedures online (one
    # « toujours » in difficulty): that indicator is masked for Aytré alone.
    rows = (
        _commune("17300", 60, 12, 0, difficulte_demarches="souvent")
        + _commune("17200", 40, 4, 1000)
        + [
            repondant(
                2000 + i,
                code="17028",
                difficulte_demarches=("toujours", "jamais")[i] if i < 2 else "ne_fait_pas",
            )
            for i in range(8)
        ]
    )
    table, notes = _publier(rows, tmp_path)
    assert table.loc["17028", "statut"] == "peu_fiable"
    assert math.isnan(table.loc["17028", "difficulte_demarches"])
    candidates = _candidats(table, "difficulte_demarches", "17028")
    assert (2, 1) in candidates and len(candidates) > 1
    # The complement is Lagord's figure for that indicator only; its other figures stay shown.
    assert math.isnan(table.loc["17200", "difficulte_demarches"])
    assert pd.isna(table.loc["17200", "difficulte_demarches_n"])
    assert table.loc["17200", "sans_connexion_n"] == 40
    assert any("Lagord" in n and "difficulte_demarches" in n for n in notes)
    # Aytré's mean pull towards the territory is over the six indicators it still shows.
    shown = [k for k in INDICATEURS if k != "difficulte_demarches"]
    pulls = [table.loc["17028", f"{k}_poids_territoire"] for k in shown]
    assert 0 < table.loc["17028", "poids_territoire"] == pytest.approx(sum(pulls) / 6, abs=1e-4)
    assert table.loc["17300", "poids_territoire"] == 0
