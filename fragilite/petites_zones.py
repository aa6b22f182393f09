"""Small-area estimation: Fay–Herriot models on the arcsine scale, fitted by adjusted REML, and
the parametric bootstrap that gives the axes and the index their intervals.

Model, per indicator k (Fay & Herriot 1979; arcsine version as in Casas-Cordero, Encina & Lahiri
2016): ``y_ck = asin(√p̂_ck) = θ_ck + e_ck``, ``θ_ck = β_k + u_ck``, the sampling variance being
known, ``ψ_ck ≈ 1 / (4 n_eff,ck)``: it depends on the commune's effective size only, so a commune
where every respondent answered alike keeps an honest variance (no zero width).

The between-commune variance ``A_k`` maximises the adjusted residual likelihood of Li & Lahiri
(2010), ``log A + l_REML(A)``: the adjustment makes the estimate strictly positive, so the
smoothing never collapses into total pooling when the moments say « no spread ».

Commune effects are shared across indicators: ``u_c`` has the correlation ``R_u`` (moment
estimate over the communes, made positive definite) and the sampling errors the correlation
``R_w`` of the indicators among respondents of a same commune. Intervals come from a parametric
bootstrap in the spirit of Laird & Louis (1987) and Chatterjee, Lahiri & Li (2008): replicate
surveys are drawn from the fitted multivariate model, ``(β, A)`` are re-estimated on each, and
for each replicate the commune's true value is drawn around its EBLUP with the joint error law of
the univariate EBLUPs (``B u − (1 − B) e``). Every figure of the chain — smoothed indicators,
axes, index with its territory levels — is recomputed on each draw, and intervals are the draws'
percentiles: correlated errors add up as they do in the data.

No maintained Python library fits Fay–Herriot models with an adjusted likelihood (``statsmodels``
mixed models have no known sampling variances; R's ``sae``/``emdi`` are not Python), so the
likelihood is written here; the single fit uses ``scipy.optimize.minimize_scalar``, the thousand
bootstrap refits a vectorised grid search with a parabolic refinement of the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize

Vecteur = npt.NDArray[np.float64]
Tableau = npt.NDArray[np.floating[Any]]

# Bounds of the between-commune variance on the arcsine scale: shares spread uniformly over
# [0, 1] have a variance of π²/48 ≈ 0.21 there, so 0.25 never binds on real data.
A_MIN, A_MAX = 1e-6, 0.25
_GRILLE = np.geomspace(A_MIN, A_MAX, 96)


# Continuity shift, in fictitious respondents on each side: without it a commune where nobody is
# fragile sits exactly at 0 and rare indicators come out too low; Anscombe's 3/8 overcorrects.
# 0.15 is the value that left no bias on the truth-known simulation of the tests.
DECALAGE = 0.15


def arcsin_racine(p: Tableau, n: Tableau) -> Tableau:
    x = np.clip(p, 0.0, 1.0) * n
    return np.asarray(np.arcsin(np.sqrt((x + DECALAGE) / (n + 2 * DECALAGE))), dtype=float)


def retour_proportion(theta: Tableau) -> Tableau:
    return np.asarray(np.sin(np.clip(theta, 0.0, np.pi / 2)) ** 2, dtype=float)


def proportion_moyenne(theta: Vecteur, var: Vecteur) -> Vecteur:
    """E[sin² θ] for θ ~ N(theta, var): the back-transform without the naive bias."""
    return np.asarray((1 - np.cos(2 * theta) * np.exp(-2 * var)) / 2, dtype=float)


def _produit(y: Tableau, w: Tableau) -> Tableau:
    """``y @ w.T``: with few communes OpenBLAS's threads cost far more than the product itself
    on a busy machine, so small products stay in numpy's own loop."""
    if y.shape[1] < 100:
        return np.asarray(np.einsum("rc,gc->rg", y, w), dtype=float)
    return np.asarray(y @ w.T, dtype=float)


def _correler(rng: np.random.Generator, shape: tuple[int, int, int], chol: Tableau) -> Tableau:
    """Normals of ``shape`` (…, indicators) correlated by the lower-triangular ``chol``; the
    product is spelt out per indicator because BLAS threads on such a thin matrix cost ten
    times the work on a shared machine."""
    n_k = shape[-1]
    z = rng.standard_normal((n_k, shape[0] * shape[1]), dtype=np.float32)
    out = np.empty((shape[0] * shape[1], n_k), dtype=np.float32)
    for row in range(n_k):
        acc = chol[row, 0] * z[0]
        for col in range(1, row + 1):
            acc += chol[row, col] * z[col]
        out[:, row] = acc
    return out.reshape(shape)


def _reml_ajuste(a: Vecteur, y: Tableau, psi: Tableau) -> Tableau:
    """Li–Lahiri adjusted REML log-likelihood for each A of ``a`` and each row of ``y``
    (replicates × communes); communes with ``psi = inf`` carry no weight."""
    w = 1.0 / (a[:, None] + psi[None, :])  # grid × communes
    sw = w.sum(axis=1)
    swy = _produit(y, w)  # replicates × grid
    swy2 = _produit(y * y, w)
    rss = swy2 - swy**2 / sw
    finite = np.isfinite(psi)
    logdet = np.log(a[:, None] + psi[None, finite]).sum(axis=1)
    return np.asarray(np.log(a) - 0.5 * logdet - 0.5 * np.log(sw) - 0.5 * rss, dtype=float)


@dataclass(frozen=True)
class Ajustement:
    beta: float
    a: float
    k: int  # communes the fit rests on


def ajuster(y: Tableau, psi: Tableau) -> Ajustement:
    """β and A of one indicator (communes with a finite ``psi`` only)."""
    use = np.isfinite(psi) & np.isfinite(y)
    k = int(use.sum())
    if k == 0:
        return Ajustement(np.nan, A_MAX, 0)
    yy, pp = y[use][None, :], psi[use]
    if k == 1:
        return Ajustement(float(yy[0, 0]), A_MAX, 1)
    res = optimize.minimize_scalar(
        lambda la: -float(_reml_ajuste(np.array([np.exp(la)]), yy, pp)[0, 0]),
        bounds=(np.log(A_MIN), np.log(A_MAX)),
        method="bounded",
        options={"xatol": 1e-6},
    )
    a = float(np.exp(res.x))
    w = 1 / (a + pp)
    return Ajustement(float((w * yy[0]).sum() / w.sum()), a, k)


def ajuster_replicats(y: Tableau, psi: Tableau) -> tuple[Vecteur, Vecteur]:
    """β and A for each replicate (rows of ``y``): grid maximum refined by a parabola."""
    use = np.isfinite(psi)
    yy, pp = np.where(use[None, :], y, 0.0)[:, use], psi[use]
    if pp.size < 2:
        return np.full(len(y), np.nan), np.full(len(y), A_MAX)
    ll = _reml_ajuste(_GRILLE, yy, pp)
    i = np.clip(ll.argmax(axis=1), 1, len(_GRILLE) - 2)
    rows = np.arange(len(y))
    x = np.log(_GRILLE)
    l0, l1, l2 = ll[rows, i - 1], ll[rows, i], ll[rows, i + 1]
    step = x[1] - x[0]
    denom = l0 - 2 * l1 + l2
    shift = np.where(denom < 0, 0.5 * step * (l0 - l2) / np.where(denom < 0, denom, -1.0), 0.0)
    a = np.exp(np.clip(x[i] + np.clip(shift, -step, step), x[0], x[-1]))
    w = 1 / (a[:, None] + pp[None, :])
    beta = (w * yy).sum(axis=1) / w.sum(axis=1)
    return beta, a


def correlation_definie_positive(r: Tableau) -> Tableau:
    """The nearest correlation matrix with eigenvalues ≥ 0.01 (eigenvalue clipping)."""
    r = np.nan_to_num((r + r.T) / 2)
    np.fill_diagonal(r, 1.0)
    vals, vecs = np.linalg.eigh(r)
    fixed = (vecs * np.maximum(vals, 0.01)) @ vecs.T
    d = np.sqrt(np.diag(fixed))
    out = fixed / d[:, None] / d[None, :]
    return np.asarray(out, dtype=float)


def correlation_effets(y: Tableau, psi: Tableau, a: Vecteur, r_w: Tableau) -> Tableau:
    """Correlation of commune effects across indicators, by polarisation: the same adjusted
    REML fitted to the sum of two indicators gives ``A_i + A_j + 2 cov_ij``, so covariance and
    variances share the estimator (moments over 28 communes understated it markedly)."""
    k = y.shape[1]
    r = np.eye(k)
    for i in range(k):
        for j in range(i + 1, k):
            both = np.isfinite(psi[:, i]) & np.isfinite(psi[:, j])
            if both.sum() < 3:
                continue
            pi, pj = psi[both, i], psi[both, j]
            psi_sum = pi + pj + 2 * r_w[i, j] * np.sqrt(pi * pj)
            a_sum = ajuster(y[both, i] + y[both, j], psi_sum).a
            cov = (a_sum - a[i] - a[j]) / 2
            r[i, j] = r[j, i] = np.clip(cov / np.sqrt(a[i] * a[j]), -0.95, 0.95)
    return correlation_definie_positive(r)


@dataclass(frozen=True)
class Tirages:
    """Draws of every indicator's true share per commune: replicates × communes × indicators."""

    parts: Tableau
    ponderation_territoire: Tableau  # B per commune and indicator (0 when not smoothed)
    estimation: Tableau  # point estimate on the share scale
    a: Vecteur
    k: npt.NDArray[np.int64]


TIRAGES_PAR_AJUSTEMENT = 5  # truths drawn per re-estimated (β, A): the refits dominate the cost


def tirer(
    p: Tableau,
    n_eff: Tableau,
    lisser: npt.NDArray[np.bool_],
    r_w: Tableau,
    replicats: int,
    seed: int,
) -> Tirages:
    """Fit the models and draw ``replicats`` joint truths for every commune.

    ``p`` and ``n_eff`` are communes × indicators (NaN/0 where nobody answered); ``lisser`` says
    which estimates are smoothed (the others are direct, B = 0). Draws are single precision: a
    thousand of them carry no more digits than that."""
    rng = np.random.default_rng(seed)
    n_c, n_k = p.shape
    known = n_eff > 0
    n_safe = np.where(known, n_eff, 1.0)
    y = np.where(known, arcsin_racine(np.nan_to_num(p), n_safe), np.nan)
    psi = np.where(known, 1 / (4 * n_safe), np.inf)
    psi_f = np.where(known, psi, 1.0)  # finite stand-in where nothing is computed
    smoothed = np.asarray(lisser.any(axis=0))  # indicators with a smoothed commune
    fits = [
        ajuster(y[:, k], psi[:, k]) if smoothed[k] else Ajustement(np.nan, A_MAX, 0)
        for k in range(n_k)
    ]
    beta = np.array([f.beta for f in fits])
    a = np.array([f.a for f in fits])
    l_w = np.linalg.cholesky(correlation_definie_positive(r_w)).astype(np.float32)
    sd_e = np.where(known, np.sqrt(psi_f), 0.0).astype(np.float32)
    y0 = np.nan_to_num(y).astype(np.float32)
    # Direct estimates: the truth is the estimate less its sampling error.
    e_direct = _correler(rng, (replicats, n_c, n_k), l_w) * sd_e
    theta = y0 - e_direct

    b = np.where(lisser & known, psi_f / (a + psi_f), 0.0)
    if smoothed.any():
        theta += _lisses(rng, y, psi, psi_f, lisser & known, beta, a, r_w, l_w, sd_e, e_direct)
    parts = retour_proportion(theta)
    parts[:, ~known] = np.nan
    theta_hat = (1 - b) * np.nan_to_num(y) + b * np.nan_to_num(beta)
    estimation = np.where(lisser, proportion_moyenne(theta_hat, a * b), np.nan_to_num(p))
    estimation = np.where(known, estimation, np.nan)
    return Tirages(parts, b, estimation, a, np.array([f.k for f in fits], dtype=np.int64))


def _lisses(
    rng: np.random.Generator,
    y: Tableau,
    psi: Tableau,
    psi_f: Tableau,
    lisser: npt.NDArray[np.bool_],
    beta: Vecteur,
    a: Vecteur,
    r_w: Tableau,
    l_w: Tableau,
    sd_e: Tableau,
    e_direct: Tableau,
) -> Tableau:
    """What smoothing adds to the direct draws ``y − e``: for each re-estimated (β, A), the
    truth ``(1 − B) y + B β + B u − (1 − B) e`` less ``y − e``, i.e. ``B (β + u − y + e)``
    with the same ``e``."""
    replicats = e_direct.shape[0]
    n_c, n_k = y.shape
    smoothed = lisser.any(axis=0)
    r_u = np.eye(n_k)
    idx = np.flatnonzero(smoothed)
    r_u[np.ix_(idx, idx)] = correlation_effets(
        y[:, idx], psi[:, idx], a[idx], r_w[np.ix_(idx, idx)]
    )
    l_u = np.linalg.cholesky(r_u).astype(np.float32)
    sqrt_a = np.sqrt(np.where(smoothed, a, 0.0)).astype(np.float32)

    # Replicate surveys from the fitted model, and (β, A) re-estimated on each.
    n_par = -(-replicats // TIRAGES_PAR_AJUSTEMENT)
    y_star = (
        np.nan_to_num(beta).astype(np.float32)
        + _correler(rng, (n_par, n_c, n_k), l_u) * sqrt_a
        + _correler(rng, (n_par, n_c, n_k), l_w) * sd_e
    )
    beta_r = np.tile(np.nan_to_num(beta), (n_par, 1))
    a_r = np.tile(a, (n_par, 1))
    for k in idx:
        beta_r[:, k], a_r[:, k] = ajuster_replicats(y_star[:, :, k].astype(float), psi[:, k])
    beta_r = np.where(np.isfinite(beta_r), beta_r, np.nan_to_num(beta))
    beta_r = np.repeat(beta_r, TIRAGES_PAR_AJUSTEMENT, axis=0)[:replicats].astype(np.float32)
    a_r = np.repeat(a_r, TIRAGES_PAR_AJUSTEMENT, axis=0)[:replicats]

    # Only communes with a smoothed indicator get anything added: draw for them alone.
    cs = np.flatnonzero(lisser.any(axis=1))
    b_r = np.where(lisser[cs], psi_f[cs] / (a_r[:, None, :] + psi_f[cs]), 0.0).astype(np.float32)
    u = _correler(rng, (replicats, len(cs), n_k), l_u) * np.sqrt(a_r[:, None, :]).astype(np.float32)
    e = e_direct[:, cs, :]
    y0 = np.nan_to_num(y[cs]).astype(np.float32)
    add = np.zeros((replicats, n_c, n_k), dtype=np.float32)
    add[:, cs, :] = b_r * (beta_r[:, None, :] + u - y0 + e)
    return add
