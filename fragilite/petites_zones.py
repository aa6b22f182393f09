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
Tableau = npt.NDArray[np.float64]

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


def _correler(z: Tableau, chol: npt.NDArray[np.floating[Any]]) -> Tableau:
    """Independent normals made correlated (``z @ chol.T``), outside BLAS for the same reason."""
    return np.asarray(np.einsum("rck,lk->rcl", z, chol), dtype=float)


def _reml_ajuste(a: Vecteur, y: Tableau, psi: Vecteur) -> Tableau:
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


def ajuster(y: Vecteur, psi: Vecteur) -> Ajustement:
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


def ajuster_replicats(y: Tableau, psi: Vecteur) -> tuple[Vecteur, Vecteur]:
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
    which estimates are smoothed (the others are direct, B = 0)."""
    rng = np.random.default_rng(seed)
    n_c, n_k = p.shape
    known = n_eff > 0
    n_safe = np.where(known, n_eff, 1.0)
    y = np.where(known, arcsin_racine(np.nan_to_num(p), n_safe), np.nan)
    psi = np.where(known, 1 / (4 * n_safe), np.inf)
    psi_f = np.where(known, psi, 1.0)  # finite stand-in where nothing is computed
    fits = [ajuster(y[:, k], psi[:, k]) for k in range(n_k)]
    beta = np.array([f.beta for f in fits])
    a = np.array([f.a for f in fits])
    r_u = correlation_effets(y, psi, a, r_w)
    l_u, l_w = np.linalg.cholesky(r_u), np.linalg.cholesky(correlation_definie_positive(r_w))
    sd_e = np.where(known, np.sqrt(psi_f), 0.0)

    # Replicate surveys from the fitted model, and (β, A) re-estimated on each.
    u = _correler(rng.standard_normal((replicats, n_c, n_k)), l_u) * np.sqrt(a)
    e = _correler(rng.standard_normal((replicats, n_c, n_k)), l_w) * sd_e
    y_star = beta + u + e
    beta_r = np.empty((replicats, n_k))
    a_r = np.empty((replicats, n_k))
    for k in range(n_k):
        beta_r[:, k], a_r[:, k] = ajuster_replicats(y_star[:, :, k], psi[:, k])
    beta_r = np.where(np.isfinite(beta_r), beta_r, beta)

    # For each replicate's parameters, the commune's truth around its EBLUP.
    b_r = np.where(lisser & known, psi_f / (a_r[:, None, :] + psi_f), 0.0)
    y0 = np.nan_to_num(y)
    u2 = _correler(rng.standard_normal((replicats, n_c, n_k)), l_u) * np.sqrt(a_r[:, None, :])
    e2 = _correler(rng.standard_normal((replicats, n_c, n_k)), l_w) * sd_e
    theta = (1 - b_r) * y0 + b_r * beta_r[:, None, :] + b_r * u2 - (1 - b_r) * e2
    parts = retour_proportion(theta)
    parts[:, ~known] = np.nan

    b = np.where(lisser & known, psi_f / (a + psi_f), 0.0)
    theta_hat = (1 - b) * y0 + b * beta
    estimation = np.where(lisser, proportion_moyenne(theta_hat, a * b), np.nan_to_num(p))
    estimation = np.where(known, estimation, np.nan)
    return Tirages(parts, b, estimation, a, np.array([f.k for f in fits], dtype=np.int64))
