"""The results table of the fragility page shows each commune's pull towards the territory and
flags a commune left uncalibrated (Qt model only, no window)."""

from __future__ import annotations

from pathlib import Path

from fragilite.calcul import calculer
from fragilite.ponderation import lire_marges
from tests.fragilite.enquetes import TERRITOIRE, ecrire, enquete, repondant


def test_the_results_table_shows_the_pull_towards_the_territory_and_uncalibrated_communes(
    tmp_path: Path,
) -> None:
    from ui.widgets.fragilite_tables import ResultatsModel

    rows = [repondant(i, code="17300", age="50") for i in range(60)]
    rows += [repondant(100 + i, code="17200", age="50") for i in range(8)]
    margins = ecrire(
        tmp_path / "m.csv",
        [{"code_insee": "17300", "tranche_age": "40-59", "sexe": "*", "population": "60000"}],
    )
    resultat = calculer(enquete(rows), TERRITOIRE, lire_marges(margins))
    model = ResultatsModel()
    model.charger(resultat, "indice")
    last = model.columnCount() - 1
    assert model.headers[last] == "Poids du territoire (lissage)"
    by_name = {r[0]: r for r in model.rows}
    assert by_name["Lagord"][3] == "peu fiable (lissé) — non calée"
    assert by_name["Lagord"][last].endswith("%") and by_name["Lagord"][last] != "0 %"
    assert by_name["La Rochelle"][last] == "0 %"


def test_the_results_table_says_an_index_not_computable_apart_from_a_hidden_commune() -> None:
    from ui.widgets.fragilite_tables import ResultatsModel

    # Nobody lacks anything: every axis is zero on the territory, the index has no reference.
    rows = [repondant(i, code="17300") for i in range(30)]
    rows += [repondant(100 + i, code="17200") for i in range(20)]
    # Aytré, without any respondent, is hidden: not shown as « non calculable ».
    model = ResultatsModel()
    model.charger(calculer(enquete(rows), TERRITOIRE), "indice")
    index = {r[0]: r[4] for r in model.rows}
    assert model.headers[4].startswith("Indice de fragilité")
    assert index == {
        "La Rochelle": "non calculable",
        "Lagord": "non calculable",
        "Aytré": "—",
        "Territoire d'essai": "non calculable",
    }
