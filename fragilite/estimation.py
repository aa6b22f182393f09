"""Weighted shares per commune and for the territory, their intervals, small-area smoothing,
the axes and the index.

Statistics, in order (the methodology file says the same in plain French):

1. Direct estimate of each indicator: the weighted share among respondents who answered it; its
   effective sample size is Kish's ``(Σw)² / Σw²`` among them; its 95 % interval is Wilson's on
   that effective size (``statsmodels.stats.proportion.proportion_confint``). Each indicator has
   its own n: below the minimum number of respondents it is masked on its own.
2. Status: ``masque`` below the minimum number of respondents (nothing shown), ``peu_fiable``
   when the commune's effective size is below the reliability threshold, else ``ok``. Never
   exactly one commune (or one commune's indicator) is masked: the shown one with the fewest
   respondents is masked as its complement, so no masked figure is the territory's less the
   communes shown (``_complement``); the territory's counts are rounded to ten as well.
3. Smoothing of every indicator whose effective size is below the threshold: Fay–Herriot model
   on the arcsine scale with the Li–Lahiri adjusted REML (``fragilite.petites_zones``). The
   shrinkage weight ``B`` — the share of the territory's level in the published figure — is
   published per commune and indicator.
4. Axes: weighted means of their indicators' final estimates; index: each axis divided by the
   territory's level, averaged with the axes' weights, × 100. For the communes, intervals of the
   smoothed indicators, the axes and the index are percentiles of one parametric bootstrap of
   the whole chain (correlated commune effects and sampling errors, re-estimated model, territory
   levels redrawn); for the territory, the linearised variance of the combination.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from core.i18n import _
from core.progress import NO_PROGRESS, Progress
from fragilite import petites_zones
from fragilite.indicateurs import INDICATEURS
from fragilite.methodologie import Axe, Methodologie

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
    n_indicateur: dict[str, npt.NDArray[np.int64]] = field(default_factory=dict)
    poids_territoire: dict[str, Vecteur] = field(default_factory=dict)  # shrinkage weight B
    notes: list[str] = field(default_factory=list)

    @property
    def noms(self) -> tuple[str, ...]:
        return tuple(self.valeurs)

    def poids_territoire_moyen(self) -> Vecteur:
        """Per commune, the mean shrinkage weight over the indicators shown (0 = no smoothing)."""
        stack = np.column_stack([self.poids_territoire[k] for k in INDICATEURS])
        shown = np.column_stack([np.isfinite(self.valeurs[k]) for k in INDICATEURS])
        total = np.where(shown, stack, 0.0).sum(axis=1)
        count = shown.sum(axis=1)
        return np.asarray(
            np.divide(total, count, out=np.full(len(total), np.nan), where=count > 0), dtype=float
        )


def _bincount(index: npt.NDArray[np.int64], weights: Vecteur, size: int) -> Vecteur:
    return np.bincount(index, weights=weights, minlength=size).astype(float)


@dataclass
class _Directes:
    """Direct estimates: communes × indicators, the territory as last row."""

    p: npt.NDArray[np.float64]
    n_eff: npt.NDArray[np.float64]
    n: npt.NDArray[np.int64]
    croises: npt.NDArray[np.float64]  # Σ w r r' of the residuals centred on their commune
    cov_territoire: npt.NDArray[np.float64]  # Σ u u' of the territory's influence values


@dataclass
class _Cellules:
    """Respondents grouped by commune and pattern of answers: within a cell every indicator is
    the same, so every sum over respondents is a sum over cells of the cell's Σw, Σw² or count.
    A million rows reduce to a few thousand cells in three passes."""

    commune: npt.NDArray[np.int64]
    valeurs: npt.NDArray[np.float64]  # cells × indicators, NaN where not answered
    effectif: Vecteur
    somme_w: Vecteur
    somme_w2: Vecteur


def _cellules(ys: dict[str, Vecteur], w: Vecteur, g: npt.NDArray[np.int64]) -> _Cellules | None:
    """The cells, or None when an indicator is not 0, 1 or NaN (then rows are used as such)."""
    pattern = g * (3 ** len(INDICATEURS))
    for j, name in enumerate(INDICATEURS):
        state = np.where(np.isnan(ys[name]), 2.0, ys[name])
        code = state.astype(np.int64)
        if not np.array_equal(code, state) or code.min(initial=0) < 0 or code.max(initial=0) > 2:
            return None
        pattern += code * (3**j)
    inverse, uniques = pd.factorize(pattern)
    m = len(uniques)
    states = (uniques[:, None] // 3 ** np.arange(len(INDICATEURS))[None, :]) % 3
    return _Cellules(
        commune=np.asarray(uniques // (3 ** len(INDICATEURS)), dtype=np.int64),
        valeurs=np.where(states == 2, np.nan, states.astype(float)),
        effectif=np.bincount(inverse, minlength=m).astype(float),
        somme_w=np.bincount(inverse, weights=w, minlength=m).astype(float),
        somme_w2=np.bincount(inverse, weights=w * w, minlength=m).astype(float),
    )


def _directes(ys: dict[str, Vecteur], w: Vecteur, g: npt.NDArray[np.int64], n_c: int) -> _Directes:
    cells = _cellules(ys, w, g)
    if cells is None:
        # Rows as cells of one respondent each.
        cells = _Cellules(
            g,
            np.column_stack([ys[k] for k in INDICATEURS]),
            np.ones(len(w)),
            w.astype(float),
            w * w,
        )
    gc = cells.commune
    size = n_c + 1
    k = len(INDICATEURS)
    p = np.full((size, k), np.nan)
    ne = np.zeros((size, k))
    n = np.zeros((size, k), dtype=np.int64)
    resid = np.zeros((len(gc), k))
    infl = np.zeros((len(gc), k))
    for j in range(k):
        y = cells.valeurs[:, j]
        answered = ~np.isnan(y)
        y0 = np.where(answered, y, 0.0)
        W, S, W2, cnt = (
            _bincount(gc, v, n_c)
            for v in (
                cells.somme_w * answered,
                cells.somme_w * y0,
                cells.somme_w2 * answered,
                cells.effectif * answered,
            )
        )
        W, S, W2, cnt = (np.append(v, v.sum()) for v in (W, S, W2, cnt))
        n[:, j] = np.rint(cnt).astype(np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            p[:, j] = np.clip(np.where(W > 0, S / W, np.nan), 0.0, 1.0)
            ne[:, j] = np.where(W2 > 0, W * W / W2, 0.0)
        pc = np.nan_to_num(p[:, j])
        resid[:, j] = np.where(answered, y0 - pc[gc], 0.0)
        # Influence of a respondent on the territory's share, per unit of their weight:
        # non-respondents to the item have none.
        infl[:, j] = np.where(answered, (y0 - pc[-1]) / (W[-1] if W[-1] > 0 else 1.0), 0.0)
    croises = (resid * cells.somme_w[:, None]).T @ resid
    cov_t = (infl * cells.somme_w2[:, None]).T @ infl
    return _Directes(p, ne, n, croises, cov_t)


def _correlation_intra(d: _Directes) -> npt.NDArray[np.float64]:
    """Correlation of the indicators among respondents of a same commune (pooled)."""
    cross = d.croises
    var = np.sqrt(np.maximum(np.diag(cross), 1e-12))
    return np.asarray(np.clip(cross / var[:, None] / var[None, :], -1, 1), dtype=float)


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
    # Each distinct code looked up once, not a million strings.
    rows, uniques = pd.factorize(np.asarray(code_insee))
    lookup = np.append(pd.Index(codes).get_indexer(pd.Index(uniques.astype(str))), -1)
    g_all = lookup[rows]
    inside = g_all >= 0
    g = g_all[inside].astype(np.int64)
    w = poids[inside].astype(float)
    ys = indicateurs if inside.all() else {k: v[inside] for k, v in indicateurs.items()}
    size = n_c + 1  # last slot: the territory
    z = float(stats.norm.ppf(0.5 + methode.niveau / 2))
    alpha = 1 - methode.niveau
    steps = 4
    progress.step(0, steps, _("Calcul des indicateurs"))

    n = np.bincount(g, minlength=n_c).astype(np.int64)
    n = np.append(n, n.sum())
    sw, sw2 = _bincount(g, w, n_c), _bincount(g, w * w, n_c)
    sw, sw2 = np.append(sw, sw.sum()), np.append(sw2, sw2.sum())
    n_eff = np.divide(sw * sw, sw2, out=np.zeros(size), where=sw2 > 0)
    statut = [
        MASQUE
        if n[i] < methode.minimum_repondants
        else PEU_FIABLE
        if n_eff[i] < methode.seuil_fiable_n_eff
        else OK
        for i in range(size)
    ]
    notes: list[str] = []
    names = list(INDICATEURS)
    complement = _complement(n[:-1], [s != MASQUE for s in statut[:-1]])
    if complement is not None:
        statut[complement] = MASQUE
        notes.append(
            _(
                "Commune {c} masquée en complément d'une seule commune sous le seuil : sans "
                "cela, les chiffres de celle-ci se déduiraient de ceux du territoire et des "
                "communes affichées."
            ).format(c=territoire.communes[complement][1])
        )
    shown = np.array([s != MASQUE for s in statut])

    d = _directes(ys, w, g, n_c)
    # Each indicator is masked on its own below the minimum number of respondents who answered.
    shown_k = shown[:, None] & (d.n >= methode.minimum_repondants)
    for j, name in enumerate(names):
        complement = _complement(d.n[:-1, j], shown_k[:-1, j])
        if complement is not None:
            shown_k[complement, j] = False
            notes.append(
                _(
                    "Indicateur « {i} » masqué aussi pour {c}, en complément d'une seule "
                    "commune masquée pour cet indicateur."
                ).format(i=name, c=territoire.communes[complement][1])
            )
    lisser = (d.n_eff[:-1] < methode.seuil_fiable_n_eff) & (d.n_eff[:-1] > 0)
    progress.step(1, steps, _("Lissage des petites communes"))
    tir = petites_zones.tirer(
        d.p[:-1], d.n_eff[:-1], lisser, _correlation_intra(d), methode.replicats, methode.graine
    )
    q_lo, q_hi = alpha / 2, 1 - alpha / 2

    valeurs: dict[str, Vecteur] = {}
    bas: dict[str, Vecteur] = {}
    haut: dict[str, Vecteur] = {}
    se: dict[str, Vecteur] = {}
    lisse: dict[str, npt.NDArray[np.bool_]] = {}
    n_ind: dict[str, npt.NDArray[np.int64]] = {}
    poids_t: dict[str, Vecteur] = {}
    # Percentiles only where an indicator is smoothed: direct ones keep Wilson's interval.
    draws_sd = np.full(lisser.shape, np.nan)
    draws_lo, draws_hi = draws_sd.copy(), draws_sd.copy()
    if lisser.any():
        cells = tir.parts[:, lisser]
        draws_sd[lisser] = np.std(cells, axis=0)
        draws_lo[lisser], draws_hi[lisser] = np.quantile(cells, [q_lo, q_hi], axis=0)
    for j, name in enumerate(names):
        p, ne = d.p[:, j], d.n_eff[:, j]
        lo, hi = _wilson(p, ne, alpha)
        sd = np.sqrt(np.where(ne > 0, p * (1 - p) / np.maximum(ne, 1e-12), np.nan))
        sm = np.append(lisser[:, j], False)
        valeurs[name] = np.where(sm, np.append(tir.estimation[:, j], np.nan), p)
        bas[name] = np.where(sm, np.append(draws_lo[:, j], np.nan), lo)
        haut[name] = np.where(sm, np.append(draws_hi[:, j], np.nan), hi)
        se[name] = np.where(sm, np.append(draws_sd[:, j], np.nan), sd)
        lisse[name] = sm
        n_ind[name] = d.n[:, j]
        poids_t[name] = np.append(tir.ponderation_territoire[:, j], 0.0)
    progress.step(2, steps, _("Calcul des axes et de l'indice"))

    # Territory row: linearised covariance of its shares (influence values).
    cov_t = d.cov_territoire * (n[-1] / max(n[-1] - 1, 1))
    axes = _Axes(valeurs, bas, haut, se, lisse)
    shown_k = axes.calculer(methode, names, tir.parts, cov_t, shown_k, z, (q_lo, q_hi))
    axis_levels, axis_draws, axis_coef = axes.niveaux, axes.tirages, axes.coefficients

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
    if not usable:
        notes.append(
            _(
                "Indice non calculable : aucun axe n'est utilisable sur le territoire ; il est "
                "laissé vide pour chaque commune et pour le territoire."
            )
        )
    est, lo, hi, sd = _indice(
        valeurs, axis_draws, axis_coef, cov_t, usable, levels, reference is None, methode
    )
    if methode.normalisation == "echelle_1_10":
        est, lo, hi, sd = _echelle_1_10(est, lo, hi, sd, shown)
    valeurs["indice"], bas["indice"], haut["indice"], se["indice"] = est, lo, hi, sd
    lisse["indice"] = np.any([lisse[k] for k in names], axis=0)
    index_shown = shown_k[:, len(names) :].all(axis=1)
    shown_k = np.column_stack([shown_k, index_shown])

    for col, key in enumerate([*names, *(a.nom for a in methode.axes), "indice"]):
        hide = ~shown_k[:, col]
        for arr in (valeurs[key], bas[key], haut[key], se[key]):
            arr[hide] = np.nan
    for key in names:
        poids_t[key][~shown_k[:, names.index(key)]] = np.nan
    n, n_eff, n_ind = _suppression_secondaire(n, n_eff, n_ind, shown, shown_k, names, notes)
    progress.step(steps, steps, _("Calcul terminé"))
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
        n_indicateur=n_ind,
        poids_territoire=poids_t,
        notes=notes,
    )


@dataclass
class _Axes:
    """Axes of every row, written into the result's dictionaries, with their draws kept for the
    index."""

    valeurs: dict[str, Vecteur]
    bas: dict[str, Vecteur]
    haut: dict[str, Vecteur]
    se: dict[str, Vecteur]
    lisse: dict[str, npt.NDArray[np.bool_]]
    niveaux: dict[str, float] = field(default_factory=dict)
    tirages: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)
    coefficients: dict[str, Vecteur] = field(default_factory=dict)

    def calculer(
        self,
        methode: Methodologie,
        names: list[str],
        parts: npt.NDArray[np.floating[Any]],
        cov_t: npt.NDArray[np.float64],
        shown_k: npt.NDArray[np.bool_],
        z: float,
        quantiles: tuple[float, float],
    ) -> npt.NDArray[np.bool_]:
        """Compute each axis; returns ``shown_k`` with one column per axis (shown when all its
        indicators are)."""
        final = np.column_stack([self.valeurs[k] for k in names])
        for axe in methode.axes:
            coef = np.array([axe.indicateurs.get(k, 0.0) for k in names])
            coef = coef / coef.sum()
            used = np.flatnonzero(coef)
            est = final[:, used] @ coef[used]
            draws = parts[:, :, used] @ coef[used]
            sd_t = float(np.sqrt(max(float(coef @ cov_t @ coef), 0.0)))
            lo_d, hi_d = np.quantile(draws, quantiles, axis=0)
            lo = np.append(lo_d, np.clip(est[-1] - z * sd_t, 0, 1))
            hi = np.append(hi_d, np.clip(est[-1] + z * sd_t, 0, 1))
            sd = np.append(np.std(draws, axis=0), sd_t)
            # Draws of a direct 0 or 1 fold at the bound: the interval keeps the estimate inside.
            lo, hi = np.fmin(lo, est), np.fmax(hi, est)
            if len(used) == 1:
                only = names[used[0]]
                lo, hi, sd = self.bas[only].copy(), self.haut[only].copy(), self.se[only].copy()
            self.valeurs[axe.nom], self.bas[axe.nom], self.haut[axe.nom] = est, lo, hi
            self.se[axe.nom] = sd
            self.lisse[axe.nom] = np.any([self.lisse[names[i]] for i in used], axis=0)
            shown_k = np.column_stack([shown_k, shown_k[:, used].all(axis=1)])
            self.niveaux[axe.nom] = float(est[-1])
            self.tirages[axe.nom] = draws
            self.coefficients[axe.nom] = coef
        return shown_k


ARRONDI = 10


def _complement(
    n: npt.NDArray[np.int64], shown: Sequence[bool] | npt.NDArray[np.bool_]
) -> int | None:
    """The commune to mask as well when exactly one commune with respondents is masked: the
    territory's figure less those of the communes shown would otherwise be that commune's own.
    With two masked, only their pooled figure can be worked out. The complement is the shown
    commune with the fewest respondents (the first in the territory's order on a tie)."""
    shown = np.asarray(shown, dtype=bool)
    answered = n > 0
    if np.count_nonzero(~shown & answered) != 1:
        return None
    candidates = np.flatnonzero(shown & answered)
    if candidates.size == 0:
        return None
    return int(candidates[np.argmin(n[candidates])])


def _suppression_secondaire(
    n: npt.NDArray[np.int64],
    n_eff: Vecteur,
    n_ind: dict[str, npt.NDArray[np.int64]],
    shown: npt.NDArray[np.bool_],
    shown_k: npt.NDArray[np.bool_],
    names: list[str],
    notes: list[str],
) -> tuple[npt.NDArray[np.int64], Vecteur, dict[str, npt.NDArray[np.int64]]]:
    """Hide masked counts, and round the territory's to ``ARRONDI`` when a commune is masked:
    otherwise its count would be the territory's minus the communes shown."""
    n, n_eff = n.copy(), n_eff.copy()
    rounded = False
    if not shown[:-1].all():
        n[-1] = int(round(n[-1] / ARRONDI) * ARRONDI)
        n_eff[-1] = round(n_eff[-1] / ARRONDI) * ARRONDI
        rounded = True
    out = {}
    for j, key in enumerate(names):
        counts = n_ind[key].copy()
        hidden = ~shown_k[:-1, j]
        counts[:-1][hidden] = -1
        if hidden.any():
            counts[-1] = int(round(counts[-1] / ARRONDI) * ARRONDI)
            rounded = True
        out[key] = counts
    if rounded:
        notes.append(
            _(
                "Effectifs du territoire arrondis à la dizaine : le nombre de répondants d'une "
                "commune ou d'un indicateur masqué ne peut pas être déduit par différence."
            )
        )
    return n, n_eff, out


def _indice(
    valeurs: dict[str, Vecteur],
    axis_draws: dict[str, npt.NDArray[np.float64]],
    axis_coef: dict[str, Vecteur],
    cov_t: npt.NDArray[np.float64],
    usable: list[Axe],
    levels: dict[str, float],
    own_reference: bool,
    methode: Methodologie,
) -> tuple[Vecteur, Vecteur, Vecteur, Vecteur]:
    """The index, and its interval from the same draws as the axes; when the territory is its
    own reference, its axis levels are redrawn too (from their linearised covariance). Without
    any usable axis there is nothing to compare with: NaN everywhere, the territory included."""
    size = len(next(iter(valeurs.values())))
    if not usable:
        return (
            np.full(size, np.nan),
            np.full(size, np.nan),
            np.full(size, np.nan),
            np.full(size, np.nan),
        )
    alpha = 1 - methode.niveau
    z = float(stats.norm.ppf(1 - alpha / 2))
    total_weight = sum(a.poids for a in usable) or 1.0
    est = np.zeros(size)
    replicats = next(iter(axis_draws.values())).shape[0]
    draws = np.zeros((replicats, size - 1))
    coefs = np.array([axis_coef[a.nom] for a in usable])
    lv = np.array([levels[a.nom] for a in usable])
    if own_reference:
        rng = np.random.default_rng(methode.graine + 1)
        cov_l = coefs @ cov_t @ coefs.T
        level_draws = rng.multivariate_normal(lv, cov_l, size=replicats, method="eigh")
        level_draws = np.maximum(level_draws, lv * 0.05)
    else:
        level_draws = np.broadcast_to(lv, (replicats, len(usable)))
    coef_index = np.zeros(coefs.shape[1])
    for i, axe in enumerate(usable):
        share = 100 * axe.poids / total_weight
        est = est + share * valeurs[axe.nom] / lv[i]
        draws = draws + share * axis_draws[axe.nom] / level_draws[:, i : i + 1]
        coef_index = coef_index + share * coefs[i] / lv[i]
    lo = np.fmin(np.append(np.quantile(draws, alpha / 2, axis=0), np.nan), est)
    hi = np.fmax(np.append(np.quantile(draws, 1 - alpha / 2, axis=0), np.nan), est)
    sd = np.append(np.std(draws, axis=0), np.nan)
    if own_reference:
        # The territory is the index's reference: 100 by definition, without uncertainty.
        est[-1] = lo[-1] = hi[-1] = 100.0
        sd[-1] = 0.0
    else:
        sd_t = float(np.sqrt(max(float(coef_index @ cov_t @ coef_index), 0.0)))
        lo[-1], hi[-1], sd[-1] = est[-1] - z * sd_t, est[-1] + z * sd_t, sd_t
    return est, lo, hi, sd


def _wilson(p: Vecteur, n_eff: Vecteur, alpha: float) -> tuple[Vecteur, Vecteur]:
    ok = (n_eff > 0) & np.isfinite(p)
    lo = np.full(p.shape, np.nan)
    hi = np.full(p.shape, np.nan)
    if ok.any():
        low, high = proportion_confint(p[ok] * n_eff[ok], n_eff[ok], alpha=alpha, method="wilson")
        lo[ok], hi[ok] = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return lo, hi


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
