from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import ValidationError
from core.territory import cog
from fragilite import codebook
from fragilite.estimation import Territoire
from fragilite.ponderation import MARGE_MAX, MARGE_MIN, lire_marges, ponderer
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


def test_a_weight_column_with_a_gap_is_not_used_for_anyone() -> None:
    # One respondent without a weight: the survey's weights are not taken half-way (2.5 for
    # one, 1 for the gap); every respondent counts the same, and the result says so.
    gap = ponderer(enquete([repondant(1, poids="2.5"), repondant(2, poids="")]))
    assert gap.methode == "egaux"
    assert gap.poids.tolist() == [1.0, 1.0]


def test_an_invalid_margins_file_lists_every_problem(tmp_path: Path) -> None:
    path = ecrire(
        tmp_path / "marges.csv",
        [
            {"code_insee": "99999", "tranche_age": "25-39", "sexe": "F", "population": "10"},
            {"code_insee": "17300", "tranche_age": "20-30", "sexe": "X", "population": "10"},
            {"code_insee": "17300", "tranche_age": "moins de 25", "sexe": "F", "population": "9"},
            {"code_insee": "17300", "tranche_age": "40-59", "sexe": "M", "population": "-5"},
            {"code_insee": "17300", "tranche_age": "60-74", "sexe": "M", "population": "beaucoup"},
            {"code_insee": "17300", "tranche_age": "75+", "sexe": "*", "population": "800"},
        ],
    )
    with pytest.raises(ValidationError) as err:
        lire_marges(path)
    # Each problem on its own line, quoting the value to find in the file.
    assert str(err.value).splitlines() == [
        "Fichier de marges invalide :",
        "ligne 2 : code INSEE inconnu « 99999 »",
        "ligne 3 : tranche d'âge inconnue « 20-30 »",
        "ligne 3 : sexe inconnu « x » (F, M ou *)",
        "ligne 4 : tranche d'âge inconnue « moins de 25 »",
        "ligne 5 : population invalide « -5 »",
        "ligne 6 : population invalide « beaucoup »",
    ]


def test_a_margins_file_without_a_population_column_is_refused_naming_it(
    tmp_path: Path,
) -> None:
    path = ecrire(tmp_path / "marges.csv", [{"code_insee": "17300", "tranche_age": "25-39"}])
    with pytest.raises(ValidationError) as err:
        lire_marges(path)
    assert str(err.value) == "Fichier de marges : colonnes absentes : sexe, population."


def test_margins_mixing_cells_by_sex_and_for_both_sexes_in_a_commune_are_refused(
    tmp_path: Path,
) -> None:
    # Lagord by sex and for both sexes: its 25-39 would be counted twice. La Rochelle is fine.
    path = _margins(
        tmp_path,
        {
            ("17200", "25-39", "F"): 600.0,
            ("17200", "25-39", "M"): 550.0,
            ("17200", "40-59", "*"): 2000.0,
            ("17300", "25-39", "*"): 9000.0,
        },
    )
    with pytest.raises(ValidationError) as err:
        lire_marges(path)
    assert str(err.value).splitlines()[1:] == ["commune 17200 : marges par sexe et « * » mélangées"]


def test_a_cell_given_twice_with_two_populations_is_refused(tmp_path: Path) -> None:
    path = ecrire(
        tmp_path / "marges.csv",
        [
            {"code_insee": "17300", "tranche_age": "25-39", "sexe": "F", "population": "600"},
            {"code_insee": "17300", "tranche_age": "25-39", "sexe": "M", "population": "500"},
            {"code_insee": "17300", "tranche_age": "25-39", "sexe": "F", "population": "650"},
        ],
    )
    with pytest.raises(ValidationError) as err:
        lire_marges(path)
    assert str(err.value).splitlines()[1:] == ["commune 17300 : cellule en double"]


def test_a_population_written_with_a_decimal_comma_is_read_as_that_number(
    tmp_path: Path,
) -> None:
    rows = [repondant(i, age="30") for i in range(10)]
    margins = ecrire(
        tmp_path / "marges.csv",
        [{"code_insee": "17300", "tranche_age": "25-39", "sexe": "*", "population": "600,5"}],
    )
    assert ponderer(enquete(rows), lire_marges(margins)).poids.sum() == pytest.approx(600.5)


# --- Calibration never changes numbers silently ------------------------------------------------

LAGORD_15_PLUS = 0.85 * 7387  # margins in line with Lagord's legal population


def _lagord(tmp_path: Path, cells: dict[tuple[str, str], float]) -> Path:
    """Margins of Lagord with the given (band, sex) cells, the others at a plausible size."""
    full = {(t, s): LAGORD_15_PLUS / 10 for t in codebook.TRANCHES_AGE for s in ("F", "M")}
    full.update(cells)
    return _margins(tmp_path, {("17200", t, s): p for (t, s), p in full.items()})


def _lagord_rows(n_per_band: int = 4) -> list[dict[str, str]]:
    return [
        repondant(100 * b + i, code="17200", age=age, sexe="FM"[i % 2])
        for b, age in enumerate(AGES.values())
        for i in range(n_per_band)
    ]


def test_a_sex_cell_at_zero_never_gives_its_respondents_a_weight_of_zero(tmp_path: Path) -> None:
    result = ponderer(enquete(_lagord_rows()), lire_marges(_lagord(tmp_path, {("25-39", "F"): 0})))
    assert (result.poids > 0).all()
    text = "\n".join(result.avertissements)
    assert "commune 17200, 25-39 ans : un sexe sans répondant ou sans population" in text
    assert "4 répondants calés sur l'âge seul" in text
    assert "4 répondants calés sur l'âge seul (sexe regroupé)." in text
    assert result.poids.sum() == pytest.approx(LAGORD_15_PLUS - LAGORD_15_PLUS / 10)


def test_a_single_respondent_stands_for_the_whole_commune_in_the_margins(tmp_path: Path) -> None:
    """One person answered in Lagord: every age band is merged into theirs, and their weight is
    the commune's whole population in the margins (a weight alone in its commune is never over
    three times its commune's mean, so nothing is trimmed)."""
    margins = _lagord(tmp_path, {})
    total = len(codebook.TRANCHES_AGE) * 2 * LAGORD_15_PLUS / 10
    result = ponderer(enquete(_lagord_rows()[:1]), lire_marges(margins))
    assert result.poids.tolist() == pytest.approx([total])


def test_an_age_cell_at_zero_is_collapsed_with_its_neighbour_and_counted(tmp_path: Path) -> None:
    cells = {("60-74", "F"): 0, ("60-74", "M"): 0}
    result = ponderer(enquete(_lagord_rows()), lire_marges(_lagord(tmp_path, cells)))
    assert (result.poids > 0).all()
    text = "\n".join(result.avertissements)
    assert "commune 17200 : tranches d'âge 60-74, 75+ regroupées" in text
    assert "8 répondants calés sur des tranches d'âge regroupées." in text
    assert result.poids.sum() == pytest.approx(LAGORD_15_PLUS * 0.8)


def test_an_empty_age_band_of_a_small_commune_is_represented_by_its_neighbour(
    tmp_path: Path,
) -> None:
    # Seven respondents, nobody aged 15-24: the band's population is carried by the 25-39 ones.
    rows = [r for r in _lagord_rows(2) if r["age"] != AGES["15-24"]][:7]
    result = ponderer(enquete(rows), lire_marges(_lagord(tmp_path, {})))
    assert result.poids.sum() == pytest.approx(LAGORD_15_PLUS)
    assert "commune 17200 : tranches d'âge 15-24, 25-39 regroupées" in "\n".join(
        result.avertissements
    )


def test_margins_far_from_the_legal_population_are_named(tmp_path: Path) -> None:
    ten_times = {(t, s): 10 * LAGORD_15_PLUS / 10 for t in codebook.TRANCHES_AGE for s in "FM"}
    result = ponderer(enquete(_lagord_rows()), lire_marges(_lagord(tmp_path, ten_times)))
    assert any(
        w.startswith("commune 17200 : marges de 62") and "population légale de 7" in w
        for w in result.avertissements
    ), result.avertissements
    fine = ponderer(enquete(_lagord_rows()), lire_marges(_lagord(tmp_path, {})))
    assert not any("population légale" in w for w in fine.avertissements)


def test_a_commune_missing_from_the_margins_is_flagged_and_on_the_same_population_base(
    tmp_path: Path,
) -> None:
    from fragilite.calcul import calculer
    from tests.fragilite.enquetes import TERRITOIRE

    rows = _lagord_rows(8) + [repondant(900 + i, code="17028") for i in range(40)]
    result = calculer(enquete(rows), TERRITOIRE, lire_marges(_lagord(tmp_path, {})))
    table = result.table().set_index("code_insee")
    assert table.loc["17028", "ponderation"] == "sans_marges"
    assert table.loc["17200", "ponderation"] == "calage"
    weights = ponderer(enquete(rows), lire_marges(_lagord(tmp_path, {}))).poids
    aytre = np.array([r["code_insee"] == "17028" for r in rows])
    # Aytré's legal population × the share aged 15+ that Lagord's margins give (85 %).
    assert weights[aytre].sum() == pytest.approx(9578 * 0.85)
    assert result.communes_sans_marges == ("17028",)


def test_an_extreme_weight_is_trimmed_with_the_rule_stated_and_the_total_kept(
    tmp_path: Path,
) -> None:
    # One 75+ respondent for a fifth of the population, 15 in the other bands.
    rows = [r for r in _lagord_rows(4) if r["age"] != AGES["75+"]] + [
        repondant(999, code="17200", age="80", sexe="F")
    ]
    cells = {(t, s): LAGORD_15_PLUS / 10 for t in codebook.TRANCHES_AGE for s in "FM"}
    cells = {k: v for k, v in cells.items() if k[0] != "75+"} | {("75+", "*"): 0.0}
    margins = _margins(
        tmp_path,
        {("17200", t, s): p for (t, s), p in cells.items() if s != "*"}
        | {("17200", "75+", "F"): LAGORD_15_PLUS / 5, ("17200", "75+", "M"): 1.0},
    )
    result = ponderer(enquete(rows), lire_marges(margins))
    mean = result.poids.sum() / len(rows)
    assert result.poids.max() <= 3 * mean + 1e-6
    assert result.poids.sum() == pytest.approx(LAGORD_15_PLUS * 0.8 + LAGORD_15_PLUS / 5 + 1)
    assert any("poids extrêmes écrêtés à 3 fois le poids moyen" in w for w in result.avertissements)


def test_without_margins_the_uncorrected_age_bias_of_the_desk_is_stated() -> None:
    result = ponderer(enquete([repondant(1), repondant(2)]))
    assert any(
        "biais d'âge du recrutement aux guichets n'est pas corrigé" in w
        for w in result.avertissements
    )


# --- Reference values: weights worked out by hand -----------------------------------------------


def test_hand_computed_post_stratification_with_an_unknown_age_and_fractional_sex_cells(
    tmp_path: Path,
) -> None:
    """La Rochelle: 4 aged 30 (2 F, 2 M), 4 aged 70, one of unknown age (left in by calling the
    weighting directly). Margins 25-39: F 0.6 and M 0.4 (fractions of a person are legal
    estimates), 60-74: F 200, M 200. By hand: age factor = band population / band count; sex
    factor = the band's sex share × its total / that sex's total; unknown age = the commune's
    population / the weights of its respondents in a band."""
    rows = [repondant(i, age="30", sexe="FM"[i % 2]) for i in range(4)]
    rows += [repondant(10 + i, age="70", sexe="FM"[i % 2]) for i in range(4)]
    rows += [repondant(20, age="")]
    cells = {
        ("17300", "25-39", "F"): 0.6,
        ("17300", "25-39", "M"): 0.4,
        ("17300", "60-74", "F"): 200.0,
        ("17300", "60-74", "M"): 200.0,
    }
    # Lagord has margins but its only respondent gave no age: no adjustment to average, 1.
    rows += [repondant(30, code="17200", age="")]
    cells[("17200", "40-59", "*")] = 6000.0
    result = ponderer(enquete(rows), lire_marges(_margins(tmp_path, cells)))
    expected = [0.3, 0.2, 0.3, 0.2] + [100.0] * 4 + [401.0 / 8, 1.0]
    assert result.poids.tolist() == pytest.approx(expected)


def test_a_commune_without_margins_whose_weights_sum_below_one_is_still_rescaled(
    tmp_path: Path,
) -> None:
    rows = [*_lagord_rows(2), repondant(900, code="17028", poids="0.5")]
    rows = [{**r, "poids": r.get("poids", "1")} for r in rows]
    weights = ponderer(enquete(rows), lire_marges(_lagord(tmp_path, {}))).poids
    # Aytré's legal population (9,578) × the 85 % aged 15+ of Lagord's margins.
    assert weights[-1] == pytest.approx(9578 * 0.85)


def test_trimming_keeps_a_tiny_communes_total_even_when_its_other_weights_sum_below_one(
    tmp_path: Path,
) -> None:
    # A commune of margins 2 (a fraction of a survey's population, as small-area margins are),
    # one respondent weighing 100 times the 9 others: capped at 3 × the mean, the rest
    # spread over the others, whose calibrated weights together are below one.
    rows = [repondant(i, age="30", poids="100" if i == 0 else "1") for i in range(10)]
    cells = {("17300", "25-39", "*"): 2.0}
    result = ponderer(enquete(rows), lire_marges(_margins(tmp_path, cells)))
    assert result.poids.sum() == pytest.approx(2.0)
    assert result.poids[0] == pytest.approx(3 * 2.0 / 10)
    assert result.poids[1:] == pytest.approx([(2.0 - 0.6) / 9] * 9)


# Communes of the official geography whose legal population is not a usable base: Bezonvaux
# (destroyed in 1916, « mort pour la France », population 0), Paris (no population of its own:
# its arrondissements have it) and Rochefourchat (population 1, the smallest in France).
ODD_COMMUNES = Territoire(
    "Territoire d'essai aux communes atypiques",
    "200000002",
    (
        ("17200", "Lagord"),
        ("17028", "Aytré"),
        ("55050", "Bezonvaux"),
        ("75056", "Paris"),
        ("26274", "Rochefourchat"),
    ),
)


def _rows_of(code: str, n: int, start: int) -> list[dict[str, str]]:
    return [
        repondant(start + i, code=code, age=list(AGES.values())[i % 5], sexe="FM"[i % 2])
        for i in range(n)
    ]


def test_a_commune_without_margins_and_without_a_usable_legal_population_keeps_its_weights(
    tmp_path: Path,
) -> None:
    # Margins for Lagord only. Aytré (9,578 inhabitants) and Rochefourchat (1) are brought to
    # their legal population × Lagord's share aged 15+ (85 %); Bezonvaux (0) and Paris (no
    # population of its own) cannot be scaled: their respondents keep a weight of 1 each.
    rows = (
        _lagord_rows()
        + _rows_of("17028", 10, 500)
        + _rows_of("55050", 3, 600)
        + _rows_of("75056", 4, 700)
        + _rows_of("26274", 2, 800)
    )
    weights = ponderer(enquete(rows, ODD_COMMUNES), lire_marges(_lagord(tmp_path, {}))).poids
    codes = np.array([r["code_insee"] for r in rows])
    assert weights[codes == "17028"].sum() == pytest.approx(9578 * 0.85)
    assert weights[codes == "26274"].sum() == pytest.approx(1 * 0.85)
    assert list(weights[codes == "55050"]) == [1.0, 1.0, 1.0]
    assert list(weights[codes == "75056"]) == [1.0, 1.0, 1.0, 1.0]


def test_the_share_aged_15_plus_is_taken_only_from_communes_with_a_legal_population(
    tmp_path: Path,
) -> None:
    # Margins for Lagord (85 % of 7,387 aged 15+), for Rochefourchat (1 inhabitant, 1 aged
    # 15+) and for Bezonvaux (legal population 0, so its 100 in the margins cannot give a share).
    # Aytré, without margins, is scaled by (6,278.95 + 1) / (7,387 + 1).
    lagord = {("17200", t, s): LAGORD_15_PLUS / 10 for t in codebook.TRANCHES_AGE for s in "FM"}
    rochefourchat = {("26274", t, s): 0.1 for t in codebook.TRANCHES_AGE for s in "FM"}
    bezonvaux = {("55050", t, s): 10.0 for t in codebook.TRANCHES_AGE for s in "FM"}
    margins = lire_marges(_margins(tmp_path, lagord | rochefourchat | bezonvaux))
    rows = (
        _lagord_rows()
        + _rows_of("26274", 10, 300)
        + _rows_of("55050", 10, 400)
        + _rows_of("17028", 10, 500)
    )
    weights = ponderer(enquete(rows, ODD_COMMUNES), margins).poids
    codes = np.array([r["code_insee"] for r in rows])
    share = (0.85 * 7387 + 1) / (7387 + 1)
    assert weights[codes == "17028"].sum() == pytest.approx(9578 * share, rel=1e-9)


def test_without_margins_for_any_surveyed_commune_each_is_scaled_to_its_legal_population(
    tmp_path: Path,
) -> None:
    # The margins cover Lagord, where nobody answered: there is no share aged 15+ to borrow,
    # so Aytré's respondents stand for its whole legal population (9,578).
    rows = _rows_of("17028", 10, 500)
    result = ponderer(enquete(rows), lire_marges(_lagord(tmp_path, {})))
    assert result.poids.sum() == pytest.approx(9578)
    assert result.communes_sans_marges == ("17028",)


def test_an_empty_cell_of_the_margins_is_named_with_its_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import main

    path = ecrire(
        tmp_path / "marges.csv",
        [
            {"code_insee": "17300", "tranche_age": "25-39", "sexe": "*", "population": "9000"},
            {"code_insee": "17300", "tranche_age": "40-59", "sexe": "*", "population": ""},
            {"code_insee": "", "tranche_age": "60-74", "sexe": "", "population": "4000"},
        ],
    )
    survey = ecrire(tmp_path / "enquete.csv", [repondant(i) for i in range(10)])
    out = tmp_path / "resultat.csv"
    args = ["compute", "--survey", str(survey), "--margins", str(path), "--out", str(out)]
    assert main.main(["fragilite", *args]) == 1
    message = capsys.readouterr().err
    assert "ligne 3 : cellule vide dans la colonne « population »" in message
    assert "ligne 4 : cellule vide dans la colonne « code_insee »" in message
    assert "ligne 4 : cellule vide dans la colonne « sexe »" in message
    assert "nan" not in message.lower()
    assert not out.exists()


def test_each_commune_where_sex_cannot_be_calibrated_is_named_with_its_own_count(
    tmp_path: Path,
) -> None:
    # Aytré: a band of 0.6 persons (an estimate), all women, its 3 respondents women too.
    aytre = [repondant(500 + i, code="17028", age="30", sexe="F") for i in range(3)]
    # Lagord: complete margins by sex; its 75+ respondents left their sex blank, which is no
    # collapse (they keep their band's factor, as the method says).
    lagord = [{**r, "sexe": ""} if r["age"] == AGES["75+"] else r for r in _lagord_rows()]
    # La Rochelle: no woman aged 15-24 in the margins, yet one among its respondents.
    rochelle = [repondant(700, age="20", sexe="F")]
    rochelle += [repondant(710 + i, age="50", sexe="FM"[i % 2]) for i in range(6)]
    cells = {("17028", "25-39", "F"): 0.6, ("17028", "25-39", "M"): 0.0}
    cells |= {("17200", t, s): LAGORD_15_PLUS / 10 for t in codebook.TRANCHES_AGE for s in "FM"}
    cells |= {("17300", "15-24", "F"): 0.0, ("17300", "15-24", "M"): 5000.0}
    cells |= {("17300", "40-59", "F"): 10000.0, ("17300", "40-59", "M"): 9000.0}
    result = ponderer(enquete(aytre + lagord + rochelle), lire_marges(_margins(tmp_path, cells)))
    assert [w for w in result.avertissements if "sexe" in w] == [
        "commune 17028, 25-39 ans : un sexe sans répondant ou sans population, "
        "3 répondants calés sur l'âge seul",
        "commune 17300, 15-24 ans : un sexe sans répondant ou sans population, "
        "1 répondant calé sur l'âge seul",
        "4 répondants calés sur l'âge seul (sexe regroupé).",
    ]


def test_a_band_with_a_single_respondent_or_under_one_person_is_still_merged_not_lost(
    tmp_path: Path,
) -> None:
    # Lagord: one respondent aged 80 where the margins have nobody aged 75+; La Rochelle: 0.6
    # person aged 40-59 in the margins (an estimate) and no respondent of that age.
    rows = [repondant(i, code="17200", age="30") for i in range(5)]
    rows += [repondant(10 + i, code="17200", age="70") for i in range(5)]
    rows += [repondant(20, code="17200", age="80")]
    rows += [repondant(30 + i, code="17300", age="30") for i in range(5)]
    cells = {
        ("17200", "25-39", "*"): 1000.0,
        ("17200", "60-74", "*"): 800.0,
        ("17200", "75+", "*"): 0.0,
        ("17300", "25-39", "*"): 1000.0,
        ("17300", "40-59", "*"): 0.6,
    }
    result = ponderer(enquete(rows), lire_marges(_margins(tmp_path, cells)))
    codes = np.array([r["code_insee"] for r in rows])
    assert result.poids[codes == "17200"].sum() == pytest.approx(1800.0)
    older = (codes == "17200") & np.array([r["age"] in ("70", "80") for r in rows])
    assert result.poids[older].sum() == pytest.approx(800.0)
    assert result.poids[codes == "17300"].sum() == pytest.approx(1000.6)
    text = "\n".join(result.avertissements)
    assert "commune 17200 : tranches d'âge 60-74, 75+ regroupées (cellule vide ou nulle)" in text
    assert "commune 17300 : tranches d'âge 25-39, 40-59 regroupées (cellule vide ou nulle)" in text
    assert "11 répondants calés sur des tranches d'âge regroupées." in text


def test_a_merged_age_group_whose_sex_cannot_be_calibrated_names_each_of_its_bands(
    tmp_path: Path,
) -> None:
    # Nobody aged 60-74 in the margins: the band joins 75+, where the margins have men only
    # while the three respondents are women.
    rows = [repondant(i, age="30", sexe="FM"[i % 2]) for i in range(6)]
    rows += [repondant(10 + i, age="70", sexe="F") for i in range(2)]
    rows += [repondant(20, age="80", sexe="F")]
    cells = {("17300", "25-39", s): 9000.0 for s in "FM"}
    cells |= {("17300", "60-74", s): 0.0 for s in "FM"}
    cells |= {("17300", "75+", "F"): 0.0, ("17300", "75+", "M"): 3000.0}
    result = ponderer(enquete(rows), lire_marges(_margins(tmp_path, cells)))
    assert (
        "commune 17300, 60-74, 75+ ans : un sexe sans répondant ou sans population, "
        "3 répondants calés sur l'âge seul"
    ) in result.avertissements


# --- Calibration by hand: age-only margins, unknown ages, trimming, tolerances ------------------


def test_margins_for_both_sexes_calibrate_on_age_alone_and_warn_of_nothing(tmp_path: Path) -> None:
    # Lagord, margins « * » in line with its legal population (85 % aged 15+), two bands only:
    # 25-39 = 0.6 of it, 60-74 = 0.4. Three women and a man aged 30, two men aged 70: each
    # respondent weighs the band's population over the band's count, whatever their sex.
    rows = [repondant(i, code="17200", age="30", sexe="FFFM"[i]) for i in range(4)]
    rows += [repondant(10 + i, code="17200", age="70", sexe="M") for i in range(2)]
    cells = {
        ("17200", "25-39", "*"): 0.6 * LAGORD_15_PLUS,
        ("17200", "60-74", "*"): 0.4 * LAGORD_15_PLUS,
    }
    result = ponderer(enquete(rows), lire_marges(_margins(tmp_path, cells)))
    by_hand = [0.6 * LAGORD_15_PLUS / 4] * 4 + [0.4 * LAGORD_15_PLUS / 2] * 2
    assert result.poids.tolist() == pytest.approx(by_hand)
    assert result.methode == "calage_age"
    # Nothing was merged, no sex was collapsed, the margins match the legal population.
    assert result.avertissements == []


def test_a_respondent_of_unknown_age_does_not_fill_the_youngest_band(tmp_path: Path) -> None:
    # Lagord: three respondents aged 30 and one who gave no age; nobody aged 15-24 although the
    # band has 1,000 people. The 15-24 band is carried by the 25-39 ones (3,000 people for 3
    # respondents: 1,000 each); the respondent of unknown age gets the commune's average factor,
    # 3,000 / 3 = 1,000.
    rows = [repondant(i, code="17200", age="30") for i in range(3)]
    rows += [repondant(9, code="17200", age="")]
    cells = {("17200", "15-24", "*"): 1000.0, ("17200", "25-39", "*"): 2000.0}
    result = ponderer(enquete(rows), lire_marges(_margins(tmp_path, cells)))
    assert result.poids.tolist() == pytest.approx([1000.0] * 4)
    assert (
        "commune 17200 : tranches d'âge 15-24, 25-39 regroupées (cellule vide ou nulle)"
        in result.avertissements
    )
    assert "3 répondants calés sur des tranches d'âge regroupées." in result.avertissements


def test_respondents_of_unknown_age_get_their_own_communes_average_factor(tmp_path: Path) -> None:
    # Survey weights given. La Rochelle: aged 30 weighing 0.25 and 0.5 (together below one),
    # one of unknown age weighing 0.5; margins 25-39: 300, so the factor is 300 / 0.75 = 400.
    # Lagord: aged 50 weighing 1 and 3, one of unknown age weighing 2; margins 40-59: 800,
    # factor 800 / 4 = 200. Each commune's factor, never the two pooled.
    rows = [
        repondant(1, age="30", poids="0.25"),
        repondant(2, age="30", poids="0.5"),
        repondant(3, age="", poids="0.5"),
        repondant(4, code="17200", age="50", poids="1"),
        repondant(5, code="17200", age="50", poids="3"),
        repondant(6, code="17200", age="", poids="2"),
    ]
    cells = {("17300", "25-39", "*"): 300.0, ("17200", "40-59", "*"): 800.0}
    result = ponderer(enquete(rows), lire_marges(_margins(tmp_path, cells)))
    by_hand = [0.25 * 400, 0.5 * 400, 0.5 * 400, 1 * 200, 3 * 200, 2 * 200]
    assert result.poids.tolist() == pytest.approx(by_hand)


def test_a_commune_whose_margins_are_all_zero_keeps_its_respondents_weights(
    tmp_path: Path,
) -> None:
    # Lagord's margins say nobody lives there: nothing to calibrate to, and no respondent ever
    # gets a weight of 0; the margins far from the legal population are named.
    rows = [repondant(i, code="17200", age="50", poids=str(i + 1)) for i in range(3)]
    cells = {("17200", t, "*"): 0.0 for t in codebook.TRANCHES_AGE}
    result = ponderer(enquete(rows), lire_marges(_margins(tmp_path, cells)))
    assert result.poids.tolist() == [1.0, 2.0, 3.0]
    assert any(w.startswith("commune 17200 : marges de 0 personnes") for w in result.avertissements)


def test_trimming_repeats_until_no_weight_is_above_the_cap_and_counts_every_weight_trimmed(
    tmp_path: Path,
) -> None:
    # La Rochelle, 1,000 people aged 25-39, ten respondents weighing 100, 30 and eight times 1.
    # Calibrated: 1,000 × 100/138, 1,000 × 30/138, 1,000 × 1/138 each; the cap is 3 × the mean,
    # 300. The first is cut to 300 and its excess spread over the nine others, which lifts the
    # second above 300 in turn: cut too. The eight others share the remaining 400: 50 each.
    rows = [
        repondant(i, age="30", poids="100" if i == 0 else "30" if i == 1 else "1")
        for i in range(10)
    ]
    cells = {("17300", "25-39", "*"): 1000.0}
    result = ponderer(enquete(rows), lire_marges(_margins(tmp_path, cells)))
    assert result.poids.tolist() == pytest.approx([300.0, 300.0] + [50.0] * 8)
    assert (
        "2 poids extrêmes écrêtés à 3 fois le poids moyen de leur commune "
        "(l'excédent réparti sur les autres répondants de la commune)."
    ) in result.avertissements


@pytest.mark.parametrize(
    ("share", "named"),
    [(0.5, True), (MARGE_MIN, False), (0.85, False), (MARGE_MAX, False), (1.01, True)],
)
def test_margins_within_70_to_100_percent_of_the_legal_population_bounds_included_are_not_named(
    tmp_path: Path, share: float, named: bool
) -> None:
    # Lagord, 7,387 inhabitants: the margins (all in one band) at a share of it.
    rows = [repondant(i, code="17200", age="50") for i in range(3)]
    cells = {("17200", "40-59", "*"): share * 7387}
    result = ponderer(enquete(rows), lire_marges(_margins(tmp_path, cells)))
    assert named == any("population légale de 7" in w for w in result.avertissements)


def test_a_single_respondent_in_merged_age_bands_is_counted_in_the_singular(
    tmp_path: Path,
) -> None:
    # Lagord, margins « * »: nobody aged 25-39 (population 1,000), a single respondent aged
    # 50: the empty band joins the next older one, carried by that respondent (2,000 people).
    rows = [repondant(i, code="17200", age="20") for i in range(3)]
    rows += [repondant(9, code="17200", age="50")]
    cells = {
        ("17200", "15-24", "*"): 3000.0,
        ("17200", "25-39", "*"): 1000.0,
        ("17200", "40-59", "*"): 1000.0,
    }
    result = ponderer(enquete(rows), lire_marges(_margins(tmp_path, cells)))
    assert "1 répondant calé sur des tranches d'âge regroupées." in result.avertissements
    assert result.poids.tolist() == pytest.approx([1000.0] * 3 + [2000.0])


def test_a_single_respondent_calibrated_on_age_alone_is_counted_in_the_singular(
    tmp_path: Path,
) -> None:
    # Lagord by sex, no woman aged 25-39 in the margins: the only respondent of that band (a
    # man) is calibrated on age alone.
    rows = [r for r in _lagord_rows(2) if r["age"] != AGES["25-39"]]
    rows += [repondant(900, code="17200", age="30", sexe="M")]
    result = ponderer(enquete(rows), lire_marges(_lagord(tmp_path, {("25-39", "F"): 0})))
    assert "1 répondant calé sur l'âge seul (sexe regroupé)." in result.avertissements
