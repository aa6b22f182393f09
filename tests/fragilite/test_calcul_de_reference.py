"""One small survey with missing answers and unequal weights, every published figure worked out
again here by hand (numpy and the textbook formulas, never the code under test): indicator
shares, Kish sizes, Wilson bounds, the territory's linearised variances of the axes and of the
index, the Fay–Herriot shrinkage weight and smoothed share of a small commune.

The survey is drawn once from a fixed seed; the expected values come from the rules written
below, which restate the methodology file in a dozen lines."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fragilite import methodologie
from fragilite.calcul import Resultat, calculer
from tests.fragilite.enquetes import TERRITOIRE, enquete, repondant

Z95 = 1.959963984540054
TAILLES = {"17300": 60, "17200": 50, "17028": 8}
AXES = {
    "axe_acces": ("sans_equipement", "sans_connexion", "sans_internet"),
    "axe_competences": ("sous_competences_base", "illectronisme"),
    "axe_autonomie_administrative": ("difficulte_demarches",),
    "axe_aide": ("sans_aide",),
}
INDICATEURS = (
    "sans_internet",
    "illectronisme",
    "sous_competences_base",
    "sans_equipement",
    "sans_connexion",
    "sans_aide",
    "difficulte_demarches",
)


def _reponses() -> pd.DataFrame:
    rng = np.random.default_rng(1618)
    rows = []
    for code, n in TAILLES.items():
        for _ in range(n):
            i = len(rows)

            def pick(p_non: float, p_blank: float = 0.0) -> str:
                u = rng.random()
                return "" if u < p_blank else "non" if u < p_blank + p_non else "oui"

            usage = pick(0.15, 0.05)
            difficulty = rng.choice(["jamais", "parfois", "souvent", "toujours", "ne_fait_pas", ""])
            rows.append(
                repondant(
                    i,
                    code=code,
                    # Weights 1 or 2 in La Rochelle and Lagord, 1 in Aytré: Kish sizes differ.
                    poids="1" if code == "17028" or i % 3 else "2",
                    usage_internet_3mois=usage,
                    equip_smartphone=pick(0.2),
                    equip_ordinateur=pick(0.4, 0.05),
                    equip_tablette=pick(0.6),
                    connexion_domicile=pick(0.25, 0.1),
                    aide_entourage=pick(0.3, 0.05),
                    aide_lieu_connu=pick(0.6, 0.1),
                    difficulte_demarches=str(difficulty),
                )
            )
    return pd.DataFrame(rows)


def _a_la_main(frame: pd.DataFrame) -> pd.DataFrame:
    """Each respondent's indicators by the methodology's definitions (NaN: cannot tell). Every
    activity is « oui » in this survey, so the skills indicators follow internet use alone."""

    def non(col: str) -> pd.Series:
        return frame[col] == "non"

    def oui(col: str) -> pd.Series:
        return frame[col] == "oui"

    def share(fragile: pd.Series, known: pd.Series) -> pd.Series:
        return fragile.astype(float).where(known)

    equip = ("equip_smartphone", "equip_ordinateur", "equip_tablette")
    aide = ("aide_entourage", "aide_lieu_connu")
    diff = frame["difficulte_demarches"]
    return pd.DataFrame(
        {
            "sans_internet": share(
                non("usage_internet_3mois"), frame["usage_internet_3mois"] != ""
            ),
            "illectronisme": share(
                non("usage_internet_3mois"), frame["usage_internet_3mois"] != ""
            ),
            # A blank internet use with every activity done is « basic » in all five domains.
            "sous_competences_base": non("usage_internet_3mois").astype(float),
            "sans_equipement": share(
                non(equip[0]) & non(equip[1]) & non(equip[2]),
                (non(equip[0]) & non(equip[1]) & non(equip[2]))
                | oui(equip[0])
                | oui(equip[1])
                | oui(equip[2]),
            ),
            "sans_connexion": share(non("connexion_domicile"), frame["connexion_domicile"] != ""),
            "sans_aide": share(
                non(aide[0]) & non(aide[1]),
                (non(aide[0]) & non(aide[1])) | oui(aide[0]) | oui(aide[1]),
            ),
            "difficulte_demarches": share(
                diff.isin(["souvent", "toujours"]),
                diff.isin(["jamais", "parfois", "souvent", "toujours"]),
            ),
        }
    )


# Function-scoped on purpose: mutation testing runs, for each mutant, only the tests that call
# the mutated function, and a module-scoped fixture would credit every call to the first test.
@pytest.fixture
def cas() -> tuple[pd.DataFrame, pd.DataFrame, Resultat, Resultat, dict[str, float]]:
    frame = _reponses()
    y = _a_la_main(frame)
    reference = {
        "axe_acces": 0.2,
        "axe_competences": 0.15,
        "axe_autonomie_administrative": 0.3,
        "axe_aide": 0.25,
    }
    survey = enquete(frame)
    return (
        frame,
        y,
        calculer(survey, TERRITOIRE),
        calculer(survey, TERRITOIRE, reference=reference),
        reference,
    )


def _wilson(p: float, n: float) -> tuple[float, float]:
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / (1 + Z95**2 / n)
    return centre - half, centre + half


def _directe(y: pd.Series, w: pd.Series) -> tuple[float, float, int]:
    """Weighted share, Kish effective size and count among those who answered."""
    ok = y.notna()
    yy, ww = y[ok].to_numpy(), w[ok].to_numpy()
    return float((ww * yy).sum() / ww.sum()), float(ww.sum() ** 2 / (ww**2).sum()), int(ok.sum())


def test_direct_shares_sizes_and_wilson_bounds_match_the_hand_computation(cas) -> None:  # type: ignore[no-untyped-def]
    frame, y, resultat, _ref, _levels = cas
    est = resultat.estimations
    w = frame["poids"].astype(float)
    for row, code in enumerate([*TERRITOIRE.codes, None]):
        inside = frame["code_insee"] == code if code else frame["code_insee"].notna()
        for name in INDICATEURS:
            p, n_eff, n = _directe(y.loc[inside, name], w[inside])
            assert est.n_indicateur[name][row] == n, (code, name)
            if est.lisse[name][row]:
                continue
            lo, hi = _wilson(p, n_eff)
            assert est.valeurs[name][row] == pytest.approx(p, abs=1e-12), (code, name)
            assert est.ic_bas[name][row] == pytest.approx(lo, abs=1e-9), (code, name)
            assert est.ic_haut[name][row] == pytest.approx(hi, abs=1e-9), (code, name)
            assert est.ecart_type[name][row] == pytest.approx(math.sqrt(p * (1 - p) / n_eff))
    # La Rochelle and Lagord are published direct; Aytré (8 people) is smoothed.
    assert not any(est.lisse[k][0] or est.lisse[k][1] for k in INDICATEURS)
    assert all(est.lisse[k][2] for k in INDICATEURS)


def _covariance_territoire(frame: pd.DataFrame, y: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Territory shares and their linearised covariance: influence u = w (y − p) / Σw for those
    who answered the indicator, 0 for those who did not; Σ u u' × n / (n − 1)."""
    w = frame["poids"].astype(float).to_numpy()
    shares = np.empty(len(INDICATEURS))
    u = np.zeros((len(frame), len(INDICATEURS)))
    for j, name in enumerate(INDICATEURS):
        yj = y[name].to_numpy()
        ok = ~np.isnan(yj)
        shares[j] = (w[ok] * yj[ok]).sum() / w[ok].sum()
        u[ok, j] = w[ok] * (yj[ok] - shares[j]) / w[ok].sum()
    n = len(frame)
    return shares, u.T @ u * n / (n - 1)


def _coefficients(axe: str) -> np.ndarray:
    return np.array([1.0 / len(AXES[axe]) if k in AXES[axe] else 0.0 for k in INDICATEURS])


def test_the_territory_axes_variances_and_bounds_match_the_linearised_hand_computation(cas) -> None:  # type: ignore[no-untyped-def]
    frame, y, resultat, _ref, _levels = cas
    est = resultat.estimations
    shares, cov = _covariance_territoire(frame, y)
    w = frame["poids"].astype(float)
    for axe in AXES:
        c = _coefficients(axe)
        value, sd = float(c @ shares), math.sqrt(float(c @ cov @ c))
        assert est.valeurs[axe][-1] == pytest.approx(value, abs=1e-12), axe
        if len(AXES[axe]) > 1:
            assert est.ecart_type[axe][-1] == pytest.approx(sd, rel=1e-9), axe
            assert est.ic_bas[axe][-1] == pytest.approx(value - Z95 * sd, abs=1e-9), axe
            assert est.ic_haut[axe][-1] == pytest.approx(value + Z95 * sd, abs=1e-9), axe
        else:
            # An axis of one indicator keeps that indicator's Kish-based spread and interval.
            p, n_eff, _n = _directe(y[AXES[axe][0]], w)
            assert est.ecart_type[axe][-1] == pytest.approx(math.sqrt(p * (1 - p) / n_eff)), axe
            assert (est.ic_bas[axe][-1], est.ic_haut[axe][-1]) == pytest.approx(_wilson(p, n_eff))
    # The territory is the index's own reference: 100, without uncertainty.
    assert est.valeurs["indice"][-1] == 100 and est.ic_bas["indice"][-1] == 100


def test_the_index_against_fixed_reference_levels_has_the_hand_computed_variance(cas) -> None:  # type: ignore[no-untyped-def]
    frame, y, _own, resultat, levels = cas
    est = resultat.estimations
    shares, cov = _covariance_territoire(frame, y)
    # Index = mean over the four axes (equal weights) of 100 × axis / reference level.
    c = sum(25 * _coefficients(a) / levels[a] for a in AXES)
    value = sum(25 * float(_coefficients(a) @ shares) / levels[a] for a in AXES)
    sd = math.sqrt(float(c @ cov @ c))
    assert est.valeurs["indice"][-1] == pytest.approx(value, rel=1e-12)
    assert est.ecart_type["indice"][-1] == pytest.approx(sd, rel=1e-9)
    assert est.ic_bas["indice"][-1] == pytest.approx(value - Z95 * sd, rel=1e-9)
    assert est.ic_haut["indice"][-1] == pytest.approx(value + Z95 * sd, rel=1e-9)
    # Each commune's index is the same ratio of its own axes.
    for row in range(2):
        mine = sum(25 * est.valeurs[a][row] / levels[a] for a in AXES)
        assert est.valeurs["indice"][row] == pytest.approx(mine, rel=1e-12)


def test_each_communes_index_interval_is_the_central_percentiles_of_its_index_draws(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Against fixed reference levels, each draw of a commune's index is the same ratio of that
    draw's axes (each the mean of its indicators' drawn shares): the interval published is the
    (1 - level)/2 and (1 + level)/2 percentiles of those draws, and the standard error their
    standard deviation, for the two direct communes and the smoothed one alike."""
    from fragilite import petites_zones
    from fragilite.indicateurs import INDICATEURS as ORDRE_DES_TIRAGES

    drawn: list[petites_zones.Tirages] = []
    real = petites_zones.tirer

    def keep(*args: object, **kwargs: object) -> petites_zones.Tirages:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        drawn.append(result)
        return result

    monkeypatch.setattr(petites_zones, "tirer", keep)
    levels = {
        "axe_acces": 0.2,
        "axe_competences": 0.15,
        "axe_autonomie_administrative": 0.3,
        "axe_aide": 0.25,
    }
    est = calculer(enquete(_reponses()), TERRITOIRE, reference=levels).estimations
    (tirages,) = drawn
    order = list(ORDRE_DES_TIRAGES)
    level = methodologie.charger().niveau
    for row, code in enumerate(TERRITOIRE.codes):
        draws = sum(
            25 * tirages.parts[:, row, [order.index(k) for k in AXES[a]]].mean(axis=1) / levels[a]
            for a in AXES
        )
        value = est.valeurs["indice"][row]
        low, high = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
        assert low < value < high, code
        assert est.ic_bas["indice"][row] == pytest.approx(low, rel=1e-9), code
        assert est.ic_haut["indice"][row] == pytest.approx(high, rel=1e-9), code
        assert est.ecart_type["indice"][row] == pytest.approx(np.std(draws), rel=1e-9), code


def test_a_direct_commune_single_indicator_axis_keeps_its_indicator_interval(cas) -> None:  # type: ignore[no-untyped-def]
    _frame, _y, resultat, _ref, _levels = cas
    est = resultat.estimations
    for axe in ("axe_autonomie_administrative", "axe_aide"):
        (only,) = AXES[axe]
        for row in range(len(TERRITOIRE.codes) + 1):
            assert est.valeurs[axe][row] == pytest.approx(est.valeurs[only][row], abs=1e-12)
            assert est.ic_bas[axe][row] == est.ic_bas[only][row]
            assert est.ic_haut[axe][row] == est.ic_haut[only][row]


def test_a_direct_commune_axis_spread_matches_the_delta_method(cas) -> None:  # type: ignore[no-untyped-def]
    """Draws of a direct commune's axis have the spread the delta method gives on the arcsine
    scale: var θ_k = 1 / (4 n_eff,k), dp/dθ = sin 2θ, the indicators correlated as among the
    commune's respondents (pooled over communes). 1,000 draws: within 12 %."""
    frame, y, resultat, _ref, _levels = cas
    est = resultat.estimations
    w = frame["poids"].astype(float).to_numpy()
    g = frame["code_insee"].map({c: i for i, c in enumerate(TERRITOIRE.codes)}).to_numpy()
    resid = np.zeros((len(frame), len(INDICATEURS)))
    for j, name in enumerate(INDICATEURS):
        yj = y[name].to_numpy()
        for c in range(3):
            ok = (g == c) & ~np.isnan(yj)
            resid[ok, j] = yj[ok] - (w[ok] * yj[ok]).sum() / w[ok].sum()
    cross = (resid * w[:, None]).T @ resid
    corr = cross / np.sqrt(np.outer(np.diag(cross), np.diag(cross)))
    # The correlation the draws use is this one: people who did not answer add nothing to it.
    from fragilite.estimation import _correlation_intra, _directes

    ys = {k: y[k].to_numpy(dtype=float) for k in INDICATEURS}
    assert _correlation_intra(_directes(ys, w, g.astype(np.int64), 3)) == pytest.approx(corr)
    for row, code in enumerate(TERRITOIRE.codes[:2]):
        inside = frame["code_insee"] == code
        slope = np.empty(len(INDICATEURS))
        for j, name in enumerate(INDICATEURS):
            p, n_eff, _n = _directe(y.loc[inside, name], frame.loc[inside, "poids"].astype(float))
            theta = math.asin(math.sqrt((p * n_eff + 0.15) / (n_eff + 0.3)))
            slope[j] = math.sin(2 * theta) / math.sqrt(4 * n_eff)
        for axe in ("axe_acces", "axe_competences"):
            c = _coefficients(axe) * slope
            expected = math.sqrt(float(c @ corr @ c))
            assert est.ecart_type[axe][row] == pytest.approx(expected, rel=0.12), (code, axe)
            assert est.ic_bas[axe][row] < est.valeurs[axe][row] < est.ic_haut[axe][row]


def test_the_small_commune_is_pulled_by_the_fay_herriot_weight_computed_by_hand(cas) -> None:  # type: ignore[no-untyped-def]
    """Aytré's share: y = asin √((x + 0.15)/(n + 0.3)) on each commune, ψ = 1/(4 n_eff), A the
    maximum of the Li–Lahiri adjusted restricted likelihood (a fine grid here), B = ψ/(A + ψ),
    θ̂ = (1 − B) y + B β, published share E[sin² θ] = (1 − cos 2θ̂ e^(−2AB)) / 2."""
    frame, y, resultat, _ref, _levels = cas
    est = resultat.estimations
    grid = np.geomspace(1e-6, 0.25, 40001)
    for name in ("sans_connexion", "sans_equipement", "sans_aide"):
        yy, psi = [], []
        for code in TERRITOIRE.codes:
            inside = frame["code_insee"] == code
            p, n_eff, _n = _directe(y.loc[inside, name], frame.loc[inside, "poids"].astype(float))
            yy.append(math.asin(math.sqrt((p * n_eff + 0.15) / (n_eff + 0.3))))
            psi.append(1 / (4 * n_eff))
        ya, pa = np.array(yy), np.array(psi)
        v = grid[:, None] + pa[None, :]
        beta_a = (ya / v).sum(axis=1) / (1 / v).sum(axis=1)
        loglik = (
            np.log(grid)
            - 0.5 * np.log(v).sum(axis=1)
            - 0.5 * np.log((1 / v).sum(axis=1))
            - 0.5 * ((ya - beta_a[:, None]) ** 2 / v).sum(axis=1)
        )
        best = int(loglik.argmax())
        a, beta = grid[best], beta_a[best]
        b = pa[2] / (a + pa[2])
        theta = (1 - b) * ya[2] + b * beta
        share = (1 - math.cos(2 * theta) * math.exp(-2 * a * b)) / 2
        assert est.poids_territoire[name][2] == pytest.approx(b, abs=2e-3), name
        assert est.valeurs[name][2] == pytest.approx(share, abs=1e-3), name
        assert 0 < b < 1 and est.poids_territoire[name][0] == 0 == est.poids_territoire[name][-1]


def test_the_calibrated_methodology_is_the_one_the_figures_were_computed_with(cas) -> None:  # type: ignore[no-untyped-def]
    _frame, _y, resultat, _ref, _levels = cas
    methode = methodologie.charger()
    assert (methode.minimum_repondants, methode.seuil_fiable_n_eff, methode.niveau) == (5, 30, 0.95)
    assert [a.nom for a in methode.axes] == list(AXES)
    assert resultat.ponderation == "poids_enquete"


def test_the_1_to_10_scale_maps_the_index_and_its_bounds_by_hand(cas) -> None:  # type: ignore[no-untyped-def]
    """1 = least fragile commune shown, 10 = most: x ↦ 1 + 9 (x − min) / (max − min), bounds
    clipped to [1, 10], spreads × 9 / (max − min)."""
    frame, _y, hundred, _ref, _levels = cas
    scale = methodologie.charger().avec(normalisation="echelle_1_10")
    est = calculer(enquete(frame), TERRITOIRE, methode=scale).estimations
    base = hundred.estimations
    communes = base.valeurs["indice"][:-1]
    low, high = communes.min(), communes.max()

    def f(x: float) -> float:
        return min(max(1 + 9 * (x - low) / (high - low), 1.0), 10.0)

    for row in range(len(TERRITOIRE.codes) + 1):
        assert est.valeurs["indice"][row] == pytest.approx(f(base.valeurs["indice"][row]))
        assert est.ic_bas["indice"][row] == pytest.approx(f(base.ic_bas["indice"][row]))
        assert est.ic_haut["indice"][row] == pytest.approx(f(base.ic_haut["indice"][row]))
        assert est.ecart_type["indice"][row] == pytest.approx(
            base.ecart_type["indice"][row] * 9 / (high - low)
        )


def test_an_axis_null_on_the_territory_leaves_the_index_with_the_others_reweighted(cas) -> None:  # type: ignore[no-untyped-def]
    frame, y, _own, _ref, _levels = cas
    helped = frame.assign(aide_entourage="oui")  # nobody lacks help anywhere: that axis is 0
    resultat = calculer(enquete(helped), TERRITOIRE)
    est = resultat.estimations
    assert any(
        "axe_aide" in note and "exclu" in note for note in resultat.metadonnees()["avertissements"]
    )
    shares, _cov = _covariance_territoire(frame, y)
    levels = {a: float(_coefficients(a) @ shares) for a in AXES if a != "axe_aide"}
    for row in range(2):  # the two direct communes
        mine = sum(100 / 3 * est.valeurs[a][row] / levels[a] for a in levels)
        assert est.valeurs["indice"][row] == pytest.approx(mine, rel=1e-12)


def test_progress_is_reported_up_to_the_end(cas) -> None:  # type: ignore[no-untyped-def]
    from core.progress import Progress
    from fragilite.estimation import estimer
    from fragilite.indicateurs import calculer as indicateurs

    frame, _y, _own, _ref, _levels = cas
    steps: list[tuple[int, int]] = []
    survey = enquete(frame)
    estimer(
        indicateurs(survey),
        frame["poids"].astype(float).to_numpy(),
        survey.code_insee,
        TERRITOIRE,
        methodologie.charger(),
        progress=Progress(lambda done, total, _label: steps.append((done, total))),
    )
    assert steps[0] == (0, 4) and steps[-1] == (4, 4)
    assert [d for d, _t in steps] == sorted(d for d, _t in steps)


def test_on_the_1_to_10_scale_a_single_commune_shown_is_1_and_masked_ones_do_not_count() -> None:
    """Nobody answered in La Rochelle, 3 people in Lagord (masked, nobody fragile), 40 in Aytré
    (masked as Lagord's complement, all fragile), 50 in Périgny: Périgny alone is shown, so the
    scale's span is empty and it reads 1 — neither Lagord's nor Aytré's figures, computed but
    masked, stretch the scale."""
    from fragilite.estimation import Territoire

    territory = Territoire(
        "Quatre communes",
        "200000004",
        (("17300", "La Rochelle"), ("17200", "Lagord"), ("17028", "Aytré"), ("17274", "Périgny")),
    )
    everything = {
        "connexion_domicile": "non",
        "usage_internet_3mois": "non",
        "aide_entourage": "non",
        "aide_lieu_connu": "non",
        "difficulte_demarches": "toujours",
    }
    rows = [repondant(i, code="17200") for i in range(3)]
    rows += [repondant(100 + i, code="17028", **everything) for i in range(40)]
    rows += [
        repondant(200 + i, code="17274", **(everything if i % 3 == 0 else {})) for i in range(50)
    ]
    survey = enquete(pd.DataFrame(rows), territory)
    hundred = calculer(survey, territory).estimations
    scale = methodologie.charger().avec(normalisation="echelle_1_10")
    est = calculer(survey, territory, methode=scale).estimations
    assert est.statut == ["masque", "masque", "masque", "ok", "ok"]
    value = hundred.valeurs["indice"][3]

    def f(x: float) -> float:
        return min(max(1 + 9 * (x - value), 1.0), 10.0)

    assert est.valeurs["indice"][3] == 1.0
    assert est.ic_bas["indice"][3] == pytest.approx(f(hundred.ic_bas["indice"][3]))
    assert est.ic_haut["indice"][3] == pytest.approx(f(hundred.ic_haut["indice"][3]))
    assert est.ecart_type["indice"][3] == pytest.approx(9 * hundred.ecart_type["indice"][3])


def test_a_small_commune_is_smoothed_even_when_the_first_commune_has_no_respondent() -> None:
    rows = [
        repondant(i, code="17200", connexion_domicile="non" if i < 3 else "oui") for i in range(8)
    ]
    rows += [
        repondant(100 + i, code="17028", connexion_domicile="non" if i % 4 == 0 else "oui")
        for i in range(60)
    ]
    est = calculer(enquete(pd.DataFrame(rows)), TERRITOIRE).estimations
    assert est.statut[:3] == ["masque", "peu_fiable", "ok"]
    assert est.lisse["sans_connexion"][1] and 0 < est.poids_territoire["sans_connexion"][1] < 1
    assert not est.lisse["sans_connexion"][2]
