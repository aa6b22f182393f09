"""The smoothing figure shown per commune (« part du territoire » in the results table, the
report and the CSV): the mean, over the indicators the commune shows, of how much of each
estimate comes from the territory rather than from the commune's own respondents.

The estimations are written by hand here, so that the expected means are plain arithmetic.
"""

from __future__ import annotations

import math

import numpy as np

from fragilite.estimation import OK, Estimations, Territoire
from fragilite.indicateurs import INDICATEURS

NAMES = list(INDICATEURS)
TERRITOIRE = Territoire(
    "Territoire d'essai",
    "200000000",
    (("17001", "Tout"), ("17002", "Une seule"), ("17003", "Aucune")),
)


def _estimations(shown: list[list[bool]], weights: list[list[float]]) -> Estimations:
    """Three communes then the territory; ``shown[c][j]``: indicator j published for commune c."""
    rows = len(shown) + 1

    def per_indicator(fill: float) -> dict[str, np.ndarray]:
        return {k: np.full(rows, fill) for k in NAMES}

    valeurs = {
        k: np.array([0.25 if shown[c][j] else np.nan for c in range(len(shown))] + [0.3])
        for j, k in enumerate(NAMES)
    }
    poids = {
        k: np.array([weights[c][j] for c in range(len(shown))] + [0.0]) for j, k in enumerate(NAMES)
    }
    return Estimations(
        territoire=TERRITOIRE,
        n=np.array([40, 12, 3, 55]),
        n_eff=np.array([35.0, 10.0, 3.0, 48.0]),
        statut=[OK] * rows,
        valeurs=valeurs,
        ic_bas=per_indicator(0.1),
        ic_haut=per_indicator(0.4),
        ecart_type=per_indicator(0.05),
        lisse={k: np.zeros(rows, dtype=bool) for k in NAMES},
        niveaux_reference={},
        poids_territoire=poids,
    )


def test_the_smoothing_shown_is_the_mean_over_the_indicators_the_commune_shows() -> None:
    every = [True] * len(NAMES)
    only_second = [j == 1 for j in range(len(NAMES))]
    none = [False] * len(NAMES)
    weights = [
        [0.1 * (j + 1) for j in range(len(NAMES))],  # 0.1, 0.2 … 0.7
        [0.9, 0.35, 0.9, 0.9, 0.9, 0.9, 0.9],  # only 0.35 belongs to a figure shown
        [0.5] * len(NAMES),
    ]
    moyen = _estimations([every, only_second, none], weights).poids_territoire_moyen()

    assert math.isclose(moyen[0], sum(0.1 * (j + 1) for j in range(7)) / 7)  # 0.4
    # One indicator shown: its own weight, not the hidden ones', and not « no figure ».
    assert math.isclose(moyen[1], 0.35)
    # Nothing shown for the commune: no smoothing figure at all (not 0, which reads « none »).
    assert math.isnan(moyen[2])
    assert moyen[3] == 0.0  # the territory is its own estimate


def test_an_indicator_given_as_a_fraction_is_estimated_as_such_not_rounded() -> None:
    """``estimer`` takes any indicator in [0, 1] (a respondent's share of items, 0.5): such a
    survey cannot be grouped in cells of 0/1 answers and is summed row by row. The commune's
    share is then the weighted mean of the fractions, worked out here by hand."""
    from fragilite import methodologie
    from fragilite.estimation import estimer

    n = 60  # per commune, enough for every figure to be shown
    codes = np.array(["17001"] * n + ["17002"] * n + ["17003"] * n, dtype=object)
    weights = np.array([1.0 if i % 2 else 3.0 for i in range(3 * n)])
    fractions = np.array([(0.0, 0.5, 1.0)[i % 3] for i in range(3 * n)])
    values = {k: fractions.copy() for k in NAMES}
    # One answer missing in the first commune, so that missing values meet fractional ones.
    values[NAMES[0]][4] = np.nan
    est = estimer(
        values, weights, codes, TERRITOIRE, methodologie.charger().avec(minimum_repondants=1)
    )
    for row in range(3):
        part = slice(row * n, (row + 1) * n)
        for k in NAMES:
            y, w = values[k][part], weights[part]
            answered = ~np.isnan(y)
            by_hand = float((w[answered] * y[answered]).sum() / w[answered].sum())
            assert not est.lisse[k][row]  # 60 respondents: the commune's own estimate
            assert math.isclose(est.valeurs[k][row], by_hand, rel_tol=1e-12), (k, row)
    answered = ~np.isnan(values[NAMES[0]])
    territory = float(
        (weights[answered] * values[NAMES[0]][answered]).sum() / weights[answered].sum()
    )
    assert math.isclose(est.valeurs[NAMES[0]][3], territory, rel_tol=1e-12)


def test_yes_no_answers_with_blanks_are_summed_by_cells_of_identical_answers() -> None:
    """What keeps a survey of a million rows fast (``bench_fragilite``): answers that are 0, 1
    or blank are grouped in cells of identical answers per commune, each cell's sums worked out
    once. Checked here on eight respondents, the cells counted by hand: four distinct patterns
    in the first commune, one in the second."""
    from fragilite.estimation import _cellules

    g = np.array([0, 0, 0, 0, 0, 0, 1, 1], dtype=np.int64)
    w = np.array([1.0, 2.0, 1.0, 1.0, 3.0, 1.0, 2.0, 2.0])
    first = np.array([0.0, 0.0, 1.0, np.nan, np.nan, 1.0, 0.0, 0.0])
    ys = {k: (first if j == 0 else np.zeros(8)) for j, k in enumerate(NAMES)}
    cells = _cellules(ys, w, g)
    assert cells is not None
    # Commune 0: {0: rows 0,1}, {1: rows 2,5}, {blank: rows 3,4}; commune 1: {0: rows 6,7}.
    found = sorted(
        (int(c), -1 if math.isnan(v) else int(v), n, s)  # -1: blank
        for c, v, n, s in zip(
            cells.commune, cells.valeurs[:, 0], cells.effectif, cells.somme_w, strict=True
        )
    )
    assert found == [(0, -1, 2.0, 4.0), (0, 0, 2.0, 3.0), (0, 1, 2.0, 2.0), (1, 0, 2.0, 4.0)]
    assert np.isnan(cells.valeurs[:, 1:]).sum() == 0  # the other indicators all answered 0


def test_answers_that_are_not_yes_no_or_blank_are_summed_row_by_row() -> None:
    from fragilite.estimation import _cellules

    g = np.zeros(3, dtype=np.int64)
    w = np.ones(3)
    for odd in (0.5, 3.0, -1.0):
        ys = {k: np.array([0.0, 1.0, odd]) for k in NAMES}
        assert _cellules(ys, w, g) is None, odd


def test_the_estimates_do_not_depend_on_the_unit_of_the_weights() -> None:
    """A survey's weights may be persons represented (hundreds) or shares of the population
    (hundredths): multiplied by one constant, they must give the same shares, effective sizes,
    intervals and statuses. With weights in hundredths a commune's total weight is below 1."""
    from fragilite import methodologie
    from fragilite.estimation import estimer

    rng = np.random.default_rng(2024)
    sizes = (60, 25, 6)  # the last one small: smoothed, and its own weight well below 1
    codes = np.array(
        [
            code
            for (code, _name), n in zip(TERRITOIRE.communes, sizes, strict=True)
            for _ in range(n)
        ],
        dtype=object,
    )
    total = len(codes)
    weights = rng.uniform(0.5, 3.0, total)
    values = {k: (rng.random(total) < 0.2 + 0.08 * j).astype(float) for j, k in enumerate(NAMES)}
    values[NAMES[2]][rng.random(total) < 0.15] = np.nan  # some left blank
    methode = methodologie.charger().avec(minimum_repondants=3)
    persons = estimer(values, weights * 150.0, codes, TERRITOIRE, methode)
    shares = estimer(values, weights / 100.0, codes, TERRITOIRE, methode)
    assert shares.statut == persons.statut
    np.testing.assert_allclose(shares.n_eff, persons.n_eff, rtol=1e-9)
    for k in persons.valeurs:
        for figures in ("valeurs", "ic_bas", "ic_haut", "ecart_type"):
            np.testing.assert_allclose(
                getattr(shares, figures)[k], getattr(persons, figures)[k], rtol=1e-9, err_msg=k
            )
    assert not np.isnan(shares.valeurs[NAMES[0]][:3]).any()  # every commune has its figure


def test_a_question_nobody_answered_in_a_commune_gets_no_figure_and_is_not_called_smoothed() -> (
    None
):
    """Aytré's six respondents all left one question blank (they answered the others): that
    indicator has no figure there, and is not shown as « lissé » — smoothing has nothing of the
    commune's own to start from."""
    from fragilite import methodologie
    from fragilite.estimation import estimer

    rng = np.random.default_rng(3)
    sizes = (60, 25, 6)
    codes = np.array(
        [
            code
            for (code, _name), n in zip(TERRITOIRE.communes, sizes, strict=True)
            for _ in range(n)
        ],
        dtype=object,
    )
    total = len(codes)
    values = {k: (rng.random(total) < 0.3).astype(float) for k in NAMES}
    values[NAMES[2]][85:] = np.nan  # the last commune's six answers to this question
    est = estimer(
        values,
        rng.uniform(0.5, 3.0, total),
        codes,
        TERRITOIRE,
        methodologie.charger().avec(minimum_repondants=3),
    )
    assert est.statut[2] != "masque"  # the commune itself is published
    assert not np.isnan(est.valeurs[NAMES[0]][2])  # with its other indicators
    assert np.isnan(est.valeurs[NAMES[2]][2])
    assert not est.lisse[NAMES[2]][2]
