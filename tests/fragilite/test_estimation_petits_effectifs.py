"""Tiny surveys, at the edges of the rules (a commune exactly at the reliability threshold, one
respondent, a territory of two), whose published figures are checked against a computation done
by hand, respondent by respondent, in the test."""

from __future__ import annotations

import math
from dataclasses import replace
from statistics import NormalDist

import numpy as np
import pytest

from fragilite import methodologie, petites_zones
from fragilite.estimation import Estimations, estimer
from fragilite.indicateurs import INDICATEURS
from tests.fragilite.enquetes import TERRITOIRE

NAN = math.nan
AXES = ("axe_acces", "axe_competences", "axe_autonomie_administrative", "axe_aide")


def _estimer(
    rows: list[tuple[str | None, float, dict[str, float]]], **regles: object
) -> Estimations:
    """rows: (commune code, weight, answers); an indicator not given is 0."""
    ys = {k: np.array([r[2].get(k, 0.0) for r in rows], dtype=float) for k in INDICATEURS}
    poids = np.array([r[1] for r in rows], dtype=float)
    codes = np.array([r[0] for r in rows], dtype=object)
    methode = methodologie.charger().avec(replicats=200, **regles)
    return estimer(ys, poids, codes, TERRITOIRE, methode)


def _territoire_par_linearisation(
    rows: list[tuple[str | None, float, dict[str, float]]], indicateurs: tuple[str, ...]
) -> tuple[float, float]:
    """The territory's level of an axis (mean of its indicators' weighted shares) and its
    linearised standard error: each respondent's influence on the level, Σ over the indicators
    they answered of (y − share) / Σw, then n/(n−1) Σ w² influence²."""
    rows = [r for r in rows if r[0] in TERRITOIRE.codes]
    shares, totals = {}, {}
    for k in indicateurs:
        answered = [(w, a.get(k, 0.0)) for _c, w, a in rows if not math.isnan(a.get(k, 0.0))]
        totals[k] = sum(w for w, _y in answered)
        shares[k] = sum(w * y for w, y in answered) / totals[k]
    level = sum(shares.values()) / len(indicateurs)
    variance = 0.0
    for _c, w, a in rows:
        influence = 0.0
        for k in indicateurs:
            y = a.get(k, 0.0)
            if not math.isnan(y):
                influence += (y - shares[k]) / totals[k] / len(indicateurs)
        variance += w * w * influence * influence
    n = len(rows)
    return level, math.sqrt(variance * n / (n - 1))


def _hors_territoire(rows):
    return [*rows, ("17999", 1.0, {}), (None, 1.0, {})]


def test_a_commune_exactly_at_the_reliability_threshold_is_reliable_and_kept_as_measured() -> None:
    # Threshold 4: La Rochelle has 4 respondents of weight 1 (n_eff = 4 exactly), Lagord one
    # respondent fragile on everything, Aytré ten respondents. Nobody is masked (minimum 1).
    tout = dict.fromkeys(INDICATEURS, 1.0)
    rows = [("17300", 1.0, tout if i == 0 else {}) for i in range(4)]
    rows += [("17200", 1.0, tout)]
    rows += [("17028", 1.0, tout if i < 2 else {}) for i in range(10)]
    est = _estimer(_hors_territoire(rows), seuil_fiable_n_eff=4.0, minimum_repondants=1)

    assert est.statut == ["ok", "peu_fiable", "ok", "ok"]
    assert est.n.tolist() == [4, 1, 10, 15] and est.n.dtype.kind == "i"
    for k in INDICATEURS:
        # La Rochelle's own share, 1 in 4, not pulled towards the territory's 4 in 15.
        assert est.valeurs[k][0] == pytest.approx(0.25)
        assert est.valeurs[k][2] == pytest.approx(0.2)
        assert est.valeurs[k][3] == pytest.approx(4 / 15)
    # Only Lagord's single respondent is smoothed, in every indicator, axis and the index.
    for key in (*INDICATEURS, *AXES, "indice"):
        np.testing.assert_array_equal(est.lisse[key], [False, True, False, False], err_msg=key)
    # The territory is the index's own reference: 100 exactly, without uncertainty.
    assert est.valeurs["indice"][3] == 100 and est.ecart_type["indice"][3] == 0
    # Lagord, more fragile than the territory, has an index above 100 inside its interval.
    assert est.valeurs["indice"][1] > 100
    assert est.ic_bas["indice"][1] <= est.valeurs["indice"][1] <= est.ic_haut["indice"][1]
    assert not any("arrondis" in note for note in est.notes)


def test_a_smoothed_commune_shows_the_central_percentiles_and_the_spread_of_its_own_draws(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Lagord's two respondents (one fragile on everything) are smoothed in every indicator,
    # their share of a half pulled towards the territory's: each interval published is
    # the (1 - level)/2 and (1 + level)/2 percentiles of the draws of that indicator's true
    # share in Lagord, and its standard error is their standard deviation, cell by cell.
    drawn: list[petites_zones.Tirages] = []
    real = petites_zones.tirer

    def keep(*args: object, **kwargs: object) -> petites_zones.Tirages:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        drawn.append(result)
        return result

    monkeypatch.setattr(petites_zones, "tirer", keep)
    tout = dict.fromkeys(INDICATEURS, 1.0)
    rows = [("17300", 1.0, tout if i == 0 else {}) for i in range(4)]
    rows += [("17200", 1.0, tout), ("17200", 1.0, {})]
    rows += [("17028", 1.0, {k: 1.0 for k in list(INDICATEURS)[: i + 1]}) for i in range(7)]
    est = _estimer(_hors_territoire(rows), seuil_fiable_n_eff=4.0, minimum_repondants=1)

    level = methodologie.charger().niveau
    (tirages,) = drawn
    spreads = []
    for j, k in enumerate(INDICATEURS):
        assert est.lisse[k].tolist() == [False, True, False, False], k
        draws = tirages.parts[:, 1, j].astype(float)
        low, high = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
        assert est.ic_bas[k][1] == pytest.approx(low, rel=1e-6), k
        assert est.ic_haut[k][1] == pytest.approx(high, rel=1e-6), k
        assert est.ecart_type[k][1] == pytest.approx(np.std(draws), rel=1e-6), k
        spreads.append(np.std(draws))
    # The indicators' spreads differ (Aytré's answers differ by indicator): one spread for all
    # the cells would not pass the checks above.
    assert max(spreads) > 1.05 * min(spreads)


def test_one_respondent_keeps_wilsons_interval_and_the_territory_its_linearised_one() -> None:
    # Threshold 1: nobody is smoothed. Weights are small (their total is below 1). Lagord's
    # two respondents skipped the home-connection question, Aytré's one the equipment question.
    z = NormalDist().inv_cdf(0.95)  # 90 % intervals
    tout = dict.fromkeys(INDICATEURS, 1.0)
    rows = [
        ("17300", 0.2, tout),
        ("17200", 0.1, {"sans_connexion": NAN}),
        ("17200", 0.15, {"sans_connexion": NAN, "sans_equipement": 1.0, "sans_aide": 1.0}),
        ("17028", 0.25, {"sans_equipement": NAN, "sans_internet": 1.0}),
    ]
    est = _estimer(rows, seuil_fiable_n_eff=1.0, minimum_repondants=1, niveau=0.90)

    assert est.statut == ["ok", "ok", "ok", "ok"]
    # La Rochelle's one respondent: share 1, Wilson's interval on n = 1 is [1/(1+z²), 1].
    assert est.valeurs["sans_connexion"][0] == 1.0
    assert est.ic_bas["sans_connexion"][0] == pytest.approx(1 / (1 + z * z))
    assert est.ic_haut["sans_connexion"][0] == pytest.approx(1.0)
    assert est.ecart_type["sans_connexion"][0] == 0.0
    # Aytré's one respondent did not use internet: Wilson's [0, z²/(1+z²)] around a share 0.
    assert est.ic_haut["sans_aide"][2] == pytest.approx(z * z / (1 + z * z))
    assert est.ic_bas["sans_aide"][2] == pytest.approx(0.0, abs=1e-12)
    # The territory's axes: linearised standard error computed respondent by respondent.
    for axe in methodologie.charger().axes:
        level, sd = _territoire_par_linearisation(rows, tuple(axe.indicateurs))
        assert est.valeurs[axe.nom][3] == pytest.approx(level), axe.nom
        if len(axe.indicateurs) > 1:
            assert est.ecart_type[axe.nom][3] == pytest.approx(sd), axe.nom
            assert est.ic_bas[axe.nom][3] == pytest.approx(max(0.0, level - z * sd)), axe.nom
            assert est.ic_haut[axe.nom][3] == pytest.approx(min(1.0, level + z * sd)), axe.nom
    # Lagord's home connection is masked (nobody answered), so the territory's counts are
    # rounded to ten, and the user is told.
    assert est.n_indicateur["sans_connexion"].tolist() == [1, -1, 1, 0]
    assert any("arrondis" in note for note in est.notes)


def test_a_territory_of_two_respondents_gets_its_interval_clipped_to_the_possible_shares() -> None:
    # One respondent fragile on everything in La Rochelle, one on nothing in Lagord; nobody in
    # Aytré, which is masked: the territory's count (2) is rounded to ten, i.e. 0.
    z = NormalDist().inv_cdf(0.975)
    rows = [("17300", 0.3, dict.fromkeys(INDICATEURS, 1.0)), ("17200", 0.5, {})]
    est = _estimer(_hors_territoire(rows), seuil_fiable_n_eff=1.0, minimum_repondants=1)

    assert est.statut == ["ok", "ok", "masque", "ok"]
    assert est.n.tolist() == [1, 1, 0, 0]
    assert est.n_eff[2] == 0
    assert est.n_indicateur["sans_aide"].tolist() == [1, 1, -1, 0]
    for nom in ("axe_acces", "axe_competences"):
        axe = next(a for a in methodologie.charger().axes if a.nom == nom)
        level, sd = _territoire_par_linearisation(rows, tuple(axe.indicateurs))
        assert level == pytest.approx(0.375)
        # By hand: n/(n−1) = 2, Σ w² (y − 0.375)² / 0.8² = 2 × 0.03515625 / 0.64.
        assert sd == pytest.approx(math.sqrt(2 * 2 * 0.03515625 / 0.64))
        assert est.ecart_type[nom][3] == pytest.approx(sd)
        assert level - z * sd < 0 < 1 < level + z * sd
        assert est.ic_bas[nom][3] == 0.0 and est.ic_haut[nom][3] == 1.0


def test_a_commune_masked_with_a_single_respondent_gets_a_complement() -> None:
    # Minimum 5: La Rochelle's single respondent is masked; Lagord (6) is masked as well,
    # otherwise La Rochelle's figures would be the territory's less those shown.
    rows = [("17300", 1.0, {"sans_aide": 1.0})]
    rows += [("17200", 1.0, {}) for _ in range(6)] + [("17028", 1.0, {}) for _ in range(8)]
    est = _estimer(rows)
    assert est.statut[:3] == ["masque", "masque", "peu_fiable"]
    assert any("Lagord" in note for note in est.notes)


def test_an_index_without_any_usable_axis_is_left_empty() -> None:
    rows = [("17300", 1.0, {}) for _ in range(3)] + [("17200", 1.0, {}) for _ in range(3)]
    est = _estimer(rows, seuil_fiable_n_eff=1.0, minimum_repondants=1)
    for arr in (est.valeurs, est.ic_bas, est.ic_haut, est.ecart_type):
        assert np.isnan(arr["indice"].astype(float)).all() and arr["indice"].dtype == float


def test_an_index_against_an_earlier_reference_weighs_its_axes_as_the_methodology_says() -> None:
    # Everyone, in every commune, uses no internet and has nobody to help; nothing else. The
    # access axis counts double. Against the earlier survey's levels, the index is by hand
    # 100 × (2/5 × (1/3)/0.5 + 1/5 × 0/0.25 + 1/5 × 0/0.1 + 1/5 × 1/0.8) for every commune,
    # and for the territory too, where everybody answered alike: no uncertainty at all.
    base = methodologie.charger()
    axes = tuple(replace(a, poids=2.0) if a.nom == "axe_acces" else a for a in base.axes)
    methode = base.avec(axes=axes, seuil_fiable_n_eff=1.0, minimum_repondants=1, replicats=200)
    reference = {
        "axe_acces": 0.5,
        "axe_competences": 0.25,
        "axe_autonomie_administrative": 0.1,
        "axe_aide": 0.8,
    }
    codes = [c for c in TERRITOIRE.codes for _ in range(2)]
    ys = {k: np.zeros(len(codes)) for k in INDICATEURS}
    ys["sans_internet"][:] = ys["sans_aide"][:] = 1.0
    est = estimer(
        ys, np.ones(len(codes)), np.array(codes, dtype=object), TERRITOIRE, methode, reference
    )
    attendu = 100 * (2 / 5 * (1 / 3) / 0.5 + 1 / 5 * 1 / 0.8)
    np.testing.assert_allclose(est.valeurs["indice"], attendu)
    assert est.ecart_type["indice"][3] == pytest.approx(0.0, abs=1e-9)
    assert est.ic_bas["indice"][3] == pytest.approx(attendu)
    assert est.ic_haut["indice"][3] == pytest.approx(attendu)


def test_a_methodology_with_the_seed_zero_computes_every_interval() -> None:
    # 0 is a seed like any other (numpy takes any non-negative integer): the index and its
    # interval are computed, and the same seed gives the same figures again.
    tout = dict.fromkeys(INDICATEURS, 1.0)
    rows = [("17300", 1.0, tout if i == 0 else {}) for i in range(4)]
    rows += [("17200", 1.0, tout), ("17200", 1.0, {})]
    rows += [("17028", 1.0, tout if i < 2 else {}) for i in range(10)]
    first = _estimer(_hors_territoire(rows), graine=0, seuil_fiable_n_eff=4.0, minimum_repondants=1)
    again = _estimer(_hors_territoire(rows), graine=0, seuil_fiable_n_eff=4.0, minimum_repondants=1)
    for key in ("indice", *AXES):
        assert np.isfinite(first.ic_bas[key]).all() and np.isfinite(first.ic_haut[key]).all()
        np.testing.assert_array_equal(first.ic_bas[key], again.ic_bas[key])
        np.testing.assert_array_equal(first.ic_haut[key], again.ic_haut[key])
