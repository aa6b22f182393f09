"""Weighted shares per commune and for the territory, their intervals, small-area smoothing,
the axes and the index.

Statistics, in order (the methodology file says the same in plain French):

1. Direct estimate of each indicator: the weighted share among respondents who answered it; its
   effective sample size is Kish's ``(Σw)² / Σw²``; its 95 % interval is Wilson's on that
   effective size (``statsmodels.stats.proportion.proportion_confint``).
2. Status: ``masque`` below the minimum number of respondents (nothing shown), ``peu_fiable``
   when the commune's effective size is below the reliability threshold, else ``ok``.
3. Smoothing of ``peu_fiable`` communes (empirical Bayes composite, Morris 1983): the
   between-commune variance τ² of each indicator is estimated by moments over the k communes
   shown; the prior strength ``m = p(1-p)/τ²`` (bounded by the methodology) gives
   ``B = (k-3)/(k-1) · m / (m + n_eff)`` and the estimate ``(1-B)·p_c + B·p_T``. Its variance is
   Morris's ``V·(1 - (k-1)/k·B) + 2/(k-3)·B²·(p_c - p_T)²``, which accounts for B being
   estimated (naive posterior intervals under-cover); the interval is that of the Beta law
   with the same mean and variance, so it stays within [0, 1].
4. Axes: weighted means of their indicators' final estimates; index: each axis divided by the
   territory's level, averaged with the axes' weights, × 100. Their variance is the linearised
   variance of that linear combination (influence values of each weighted share, covariances
   included), a smoothed indicator's variance replaced by its smoothed one (correlations kept);
   intervals are normal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from core.i18n import _
from core.progress import NO_PROGRESS, Progress
from fragilite.indicateurs import INDICATEURS
from fragilite.methodologie import Methodologie

Vecteur = npt.NDArray[np.float64]

OK, PEU_FIABLE, MASQUE = "ok", "peu_fiable", "masque"


@dataclass(frozen=True)
class Territoire:
    nom: str
    siren: str
    communes: tuple[tuple[str, str], ...]  # (code INSEE, name), display order

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c for c, _n in self.communes)


@dataclass
class Estimations:
    """Per commune (rows in the territory's order) then the territory as last row."""

    territoire: Territoire
    n: npt.NDArray[np.int64]
    n_eff: Vecteur
    statut: list[str]
    valeurs: dict[str, Vecteur]
    ic_bas: dict[str, Vecteur]
    ic_haut: dict[str, Vecteur]
    ecart_type: dict[str, Vecteur]
    lisse: dict[str, npt.NDArray[np.bool_]]
    niveaux_reference: dict[str, float]  # territory level of each axis (the index's reference)
    notes: list[str] = field(default_factory=list)

    @property
    def noms(self) -> tuple[str, ...]:
        return tuple(self.valeurs)


def _bincount(index: npt.NDArray[np.int64], weights: Vecteur, size: int) -> Vecteur:
    return np.bincount(index, weights=weights, minlength=size).astype(float)


def estimer(
    indicateurs: dict[str, Vecteur],
    poids: Vecteur,
    code_insee: npt.NDArray[np.object_],
    territoire: Territoire,
    methode: Methodologie,
    reference: dict[str, float] | None = None,
    progress: Progress = NO_PROGRESS,
) -> Estimations:
    """All estimates of the methodology; ``reference`` fixes the axes' levels for the index
    (e.g. an earlier survey's, to compare two surveys on the same scale)."""
    codes = territoire.codes
    n_c = len(codes)
    pos = pd.Index(codes)
    g_all = pos.get_indexer(pd.Index(code_insee.astype(str)))
    inside = g_all >= 0
    g = g_all[inside].astype(np.int64)
    w = poids[inside].astype(float)
    ys = {k: v[inside] for k, v in indicateurs.items()}
    size = n_c + 1  # last slot: the territory
    z = float(stats.norm.ppf(0.5 + methode.niveau / 2))
    alpha = 1 - methode.niveau

    n = np.bincount(g, minlength=n_c).astype(np.int64)
    n = np.append(n, n.sum())
    sw = _bincount(g, w, n_c)
    sw2 = _bincount(g, w * w, n_c)
    sw = np.append(sw, sw.sum())
    sw2 = np.append(sw2, sw2.sum())
    n_eff = np.divide(sw * sw, sw2, out=np.zeros(size), where=sw2 > 0)

    statut = [
        MASQUE
        if n[i] < methode.minimum_repondants
        else PEU_FIABLE
        if n_eff[i] < methode.seuil_fiable_n_eff
        else OK
        for i in range(size)
    ]
    shown = np.array([s != MASQUE for s in statut])
    smooth_row = np.array([s == PEU_FIABLE for s in statut])
    smooth_row[-1] = False  # the territory is the smoothing target, never smoothed itself

    valeurs: dict[str, Vecteur] = {}
    bas: dict[str, Vecteur] = {}
    haut: dict[str, Vecteur] = {}
    se: dict[str, Vecteur] = {}
    lisse: dict[str, npt.NDArray[np.bool_]] = {}
    influences: dict[str, Vecteur] = {}
    shrink: dict[str, Vecteur] = {}
    notes: list[str] = []

    for step, name in enumerate(INDICATEURS):
        progress.step(step, len(INDICATEURS) + 2, _("Calcul des indicateurs"))
        y = ys[name]
        answered = ~np.isnan(y)
        y0 = np.where(answered, y, 0.0)
        wr = w * answered
        W = _bincount(g, wr, n_c)
        S = _bincount(g, w * y0, n_c)
        W2 = _bincount(g, wr * wr, n_c)
        W, S, W2 = np.append(W, W.sum()), np.append(S, S.sum()), np.append(W2, W2.sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(W > 0, S / W, np.nan)
            ne = np.where(W2 > 0, W * W / W2, 0.0)
        p = np.clip(p, 0.0, 1.0)
        lo, hi = _wilson(p, ne, alpha)
        sd = np.sqrt(np.where(ne > 0, p * (1 - p) / np.maximum(ne, 1e-12), np.nan))

        # Influence of each respondent on its commune's share, and on the territory's.
        u_c = np.where(answered, w * (y0 - p[g]) / np.where(W[g] > 0, W[g], 1.0), 0.0)
        u_t = np.where(answered, w * (y0 - p[-1]) / (W[-1] if W[-1] > 0 else 1.0), 0.0)
        influences[name] = np.concatenate([u_c, u_t])

        p_t = p[-1]
        B = np.zeros(size)
        if np.isfinite(p_t) and 0 < p_t < 1:
            m, k = _prior_strength(p[:-1], ne[:-1], p_t, shown[:-1], methode)
            # Morris's factor (k-3)/(k-1) tempers the shrinkage estimated from few communes.
            temper = (k - 3) / (k - 1) if k > 3 else 0.5
            B = np.where(smooth_row & (ne > 0), temper * m / (m + ne), 0.0)
            direct = np.nan_to_num(p)
            post_mean = (1 - B) * direct + B * p_t
            # Morris's (1983) variance of the composite estimate: the posterior variance plus
            # the uncertainty of B estimated from k communes, which naive intervals ignore.
            v = p_t * (1 - p_t) / np.maximum(ne, 1e-12)
            extra = 2 / (k - 3) * B**2 * (direct - p_t) ** 2 if k > 3 else 0.0
            var = v * (1 - (k - 1) / max(k, 1) * B) + extra
            lo_post, hi_post = _beta_interval(post_mean, var, alpha)
            sd_post = np.sqrt(var)
            # A commune where nobody answered this question keeps no estimate at all.
            smooth = smooth_row & (ne > 0)
            p = np.where(smooth, post_mean, p)
            lo = np.where(smooth, lo_post, lo)
            hi = np.where(smooth, hi_post, hi)
            sd = np.where(smooth, sd_post, sd)
        shrink[name] = B
        valeurs[name], bas[name], haut[name], se[name] = p, lo, hi, sd
        lisse[name] = smooth_row & (B > 0)

    # Covariances of the indicators' influence values, per commune and for the territory.
    names = list(INDICATEURS)
    g_both = np.concatenate([g, np.full(len(g), n_c, dtype=np.int64)])
    scale = np.where(n > 1, n / np.maximum(n - 1, 1), 0.0)
    cov = np.zeros((size, len(names), len(names)))
    for i, a in enumerate(names):
        for j in range(i, len(names)):
            b = names[j]
            c = _bincount(g_both, influences[a] * influences[b], size) * scale
            cov[:, i, j] = cov[:, j, i] = c
    progress.step(len(INDICATEURS), len(INDICATEURS) + 2, _("Calcul des axes et de l'indice"))

    final = np.column_stack([valeurs[k] for k in names])
    # Where an indicator was smoothed, rescale its row and column of the covariance so that its
    # variance is the smoothed estimate's, the correlations between indicators being kept.
    diag = np.diagonal(cov, axis1=1, axis2=2)
    final_var = np.column_stack([se[k] ** 2 for k in names])
    smoothed = np.column_stack([shrink[k] > 0 for k in names])
    damp = np.where(
        smoothed & (diag > 0),
        np.sqrt(np.divide(final_var, diag, out=np.zeros_like(diag), where=diag > 0)),
        np.where(smoothed, 0.0, 1.0),
    )
    damp = np.nan_to_num(damp)
    cov = cov * damp[:, :, None] * damp[:, None, :]

    def combine(coef: Vecteur) -> tuple[Vecteur, Vecteur]:
        # Only the indicators in the combination: another one's NaN must not leak in.
        used = np.flatnonzero(coef)
        c = coef[used]
        est = final[:, used] @ c
        var = np.einsum("i,cij,j->c", c, cov[:, used][:, :, used], c)
        return est, np.sqrt(np.maximum(var, 0.0))

    axis_levels: dict[str, float] = {}
    for axe in methode.axes:
        coef = np.array([axe.indicateurs.get(k, 0.0) for k in names])
        coef = coef / coef.sum()
        est, sd = combine(coef)
        only = [k for k, v in axe.indicateurs.items() if v > 0]
        if len(only) == 1:
            lo, hi = bas[only[0]].copy(), haut[only[0]].copy()
            sd = se[only[0]].copy()
        else:
            lo, hi = np.clip(est - z * sd, 0, 1), np.clip(est + z * sd, 0, 1)
        valeurs[axe.nom], bas[axe.nom], haut[axe.nom], se[axe.nom] = est, lo, hi, sd
        lisse[axe.nom] = np.any([lisse[k] for k in only], axis=0)
        axis_levels[axe.nom] = float(est[-1])

    levels = reference or axis_levels
    usable = []
    for axe in methode.axes:
        level = levels.get(axe.nom, np.nan)
        if np.isfinite(level) and level > 0:
            usable.append(axe)
        else:
            # A ratio to a zero or unknown level means nothing: the axis leaves the index and
            # the other axes' weights are renormalised; the result says so.
            notes.append(
                _("Axe « {axe} » nul ou inconnu sur le territoire : exclu de l'indice.").format(
                    axe=axe.nom
                )
            )
    total_weight = sum(a.poids for a in usable) or 1.0
    coef_index = np.zeros(len(names))
    for axe in usable:
        level = levels[axe.nom]
        inner = np.array([axe.indicateurs.get(k, 0.0) for k in names])
        coef_index += 100 * (axe.poids / total_weight) * inner / inner.sum() / level
    est, sd = combine(coef_index)
    lo, hi = est - z * sd, est + z * sd
    if reference is None:
        # The territory is the index's reference: 100 by definition, without uncertainty.
        est[-1] = lo[-1] = hi[-1] = 100.0
        sd[-1] = 0.0
    if methode.normalisation == "echelle_1_10":
        est, lo, hi, sd = _echelle_1_10(est, lo, hi, sd, shown)
    valeurs["indice"], bas["indice"], haut["indice"], se["indice"] = est, lo, hi, sd
    lisse["indice"] = np.any([lisse[k] for k in names], axis=0)

    for key in valeurs:
        for arr in (valeurs[key], bas[key], haut[key], se[key]):
            arr[~shown] = np.nan
    progress.step(len(INDICATEURS) + 2, len(INDICATEURS) + 2, _("Calcul terminé"))
    return Estimations(
        territoire=territoire,
        n=n,
        n_eff=n_eff,
        statut=statut,
        valeurs=valeurs,
        ic_bas=bas,
        ic_haut=haut,
        ecart_type=se,
        lisse=lisse,
        niveaux_reference=dict(levels),
        notes=notes,
    )


def _wilson(p: Vecteur, n_eff: Vecteur, alpha: float) -> tuple[Vecteur, Vecteur]:
    ok = (n_eff > 0) & np.isfinite(p)
    lo = np.full(p.shape, np.nan)
    hi = np.full(p.shape, np.nan)
    if ok.any():
        low, high = proportion_confint(p[ok] * n_eff[ok], n_eff[ok], alpha=alpha, method="wilson")
        lo[ok], hi[ok] = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return lo, hi


def _prior_strength(
    p: Vecteur, n_eff: Vecteur, p_t: float, shown: npt.NDArray[np.bool_], methode: Methodologie
) -> tuple[float, int]:
    """Moment estimate of the prior strength m = p(1-p)/τ², bounded by the methodology, and
    the number of communes it rests on."""
    use = shown & (n_eff > 0) & np.isfinite(p)
    k = int(use.sum())
    if k < 3:
        return methode.poids_a_priori_max, k
    spread = float(np.mean((p[use] - p_t) ** 2))
    noise = float(np.mean(p_t * (1 - p_t) / n_eff[use]))
    tau2 = spread - noise
    if tau2 <= 0:
        return methode.poids_a_priori_max, k
    m = p_t * (1 - p_t) / tau2
    return float(np.clip(m, methode.poids_a_priori_min, methode.poids_a_priori_max)), k


def _beta_interval(mean: Vecteur, var: Vecteur, alpha: float) -> tuple[Vecteur, Vecteur]:
    """Equal-tailed interval of the Beta law with this mean and variance (kept in [0, 1])."""
    mu = np.clip(mean, 1e-9, 1 - 1e-9)
    size = np.maximum(mu * (1 - mu) / np.maximum(var, 1e-12) - 1, 1e-3)
    a, b = mu * size, (1 - mu) * size
    return stats.beta.ppf(alpha / 2, a, b), stats.beta.ppf(1 - alpha / 2, a, b)


def _echelle_1_10(
    est: Vecteur, lo: Vecteur, hi: Vecteur, sd: Vecteur, shown: npt.NDArray[np.bool_]
) -> tuple[Vecteur, Vecteur, Vecteur, Vecteur]:
    """Affine map of the 100-based index onto 1 (least fragile commune shown) … 10 (most)."""
    communes = shown[:-1] & np.isfinite(est[:-1])
    if not communes.any():
        return est, lo, hi, sd
    low, high = float(est[:-1][communes].min()), float(est[:-1][communes].max())
    span = high - low if high > low else 1.0

    def f(x: Vecteur) -> Vecteur:
        return np.asarray(np.clip(1 + 9 * (x - low) / span, 1, 10), dtype=float)

    return f(est), f(lo), f(hi), sd * 9 / span


COLONNES_ESTIMEES: Final = (
    *INDICATEURS,
    "axe_acces",
    "axe_competences",
    "axe_autonomie_administrative",
    "axe_aide",
    "indice",
)
