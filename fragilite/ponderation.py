"""Weights: the survey's own, equal ones, or calibrated on population margins per commune.

Margins come as cross-classified cells (commune × age band × sex, or commune × age band when
``sexe`` is ``*``). With cross-classified cells, raking (iterative proportional fitting) reaches
its fixed point in one pass and is exactly post-stratification: each respondent's base weight
(``poids`` or 1) is multiplied, within its commune, first so that each age band sums to the
band's population, then, within the band, so that the respondents whose sex is known split as the
population does (respondents who did not give their sex keep the band's factor). No library is
needed for that (``ipfn`` and ``samplics`` solve the marginal-only problem, which this is not).

Cells that cannot be matched are never dropped silently: a band with respondents but no population,
or a sex cell with population but no respondent, is listed in ``avertissements`` and the affected
respondents keep the commune's average adjustment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from core.errors import ValidationError
from core.i18n import N_, _
from core.territory import cog
from fragilite import codebook
from fragilite.lecture import Enquete, empreinte_fichier, lire_tableau

METHODES = {
    "calage": N_("calage sur les marges de population (âge × sexe) par commune"),
    "calage_age": N_("calage sur les marges de population (âge) par commune"),
    "poids_enquete": N_("poids fournis par l'enquête"),
    "egaux": N_("poids égaux (aucune pondération)"),
}


@dataclass(frozen=True)
class Marges:
    """Population per commune, age band and sex (index 0/1 in ``codebook.SEXES``, -1 = all)."""

    empreinte: str
    cellules: pd.DataFrame  # code_insee, tranche (int), sexe (int, -1 = both), population

    @property
    def par_sexe(self) -> bool:
        return bool((self.cellules["sexe"] >= 0).any())


@dataclass
class Ponderation:
    poids: npt.NDArray[np.float64]
    methode: str  # a key of METHODES
    avertissements: list[str] = field(default_factory=list)

    @property
    def libelle(self) -> str:
        return _(METHODES[self.methode])


def lire_marges(path: Path) -> Marges:
    """Read and check a margins file; every problem is reported at once."""
    frame = lire_tableau(path)
    missing = [c for c in ("code_insee", "tranche_age", "sexe", "population") if c not in frame]
    if missing:
        raise ValidationError(
            _("Fichier de marges : colonnes absentes : {cols}.").format(cols=", ".join(missing))
        )
    problems: list[str] = []
    known = cog()
    tranches = {t: i for i, t in enumerate(codebook.TRANCHES_AGE)}
    sexes = {s: i for i, s in enumerate(codebook.SEXES)} | {"*": -1}
    rows = []
    for i, rec in enumerate(frame.itertuples(index=False), start=2):
        code = str(rec.code_insee or "").strip()
        tranche = str(rec.tranche_age or "").strip().lower()
        sexe = str(rec.sexe or "").strip().lower()
        pop_text = str(rec.population or "").strip().replace(",", ".")
        if code not in known:
            problems.append(_("ligne {i} : code INSEE inconnu « {v} »").format(i=i, v=code))
        if tranche not in tranches:
            problems.append(_("ligne {i} : tranche d'âge inconnue « {v} »").format(i=i, v=tranche))
        if sexe not in sexes:
            problems.append(_("ligne {i} : sexe inconnu « {v} » (F, M ou *)").format(i=i, v=sexe))
        try:
            population = float(pop_text)
            if not np.isfinite(population) or population < 0:
                raise ValueError(pop_text)
        except ValueError:
            problems.append(_("ligne {i} : population invalide « {v} »").format(i=i, v=pop_text))
            continue
        if code in known and tranche in tranches and sexe in sexes:
            rows.append((code, tranches[tranche], sexes[sexe], population))
    cells = pd.DataFrame(rows, columns=["code_insee", "tranche", "sexe", "population"])
    if not problems:
        kinds = cells.assign(global_=cells["sexe"] < 0).groupby("code_insee")["global_"].nunique()
        problems.extend(
            _("commune {c} : marges par sexe et « * » mélangées").format(c=c)
            for c in kinds[kinds > 1].index
        )
        dup = cells.duplicated(["code_insee", "tranche", "sexe"], keep=False)
        problems.extend(
            _("commune {c} : cellule en double").format(c=c)
            for c in sorted(set(cells.loc[dup, "code_insee"]))
        )
    if problems:
        raise ValidationError(
            _("Fichier de marges invalide :\n{problems}").format(problems="\n".join(problems))
        )
    return Marges(empreinte_fichier(path), cells)


def ponderer(enquete: Enquete, marges: Marges | None = None) -> Ponderation:
    """The weight of each respondent of ``enquete``, and which method produced it."""
    has_own = enquete.a_des_poids and bool(np.isfinite(enquete.poids).all())
    base = np.where(np.isfinite(enquete.poids), enquete.poids, 1.0) if has_own else None
    if base is None:
        base = np.ones(enquete.n_lignes)
    if marges is None:
        return Ponderation(base.astype(float), "poids_enquete" if has_own else "egaux")
    return _post_stratifier(enquete, marges, base.astype(float))


def _post_stratifier(
    enquete: Enquete, marges: Marges, base: npt.NDArray[np.float64]
) -> Ponderation:
    warnings: list[str] = []
    n_t = len(codebook.TRANCHES_AGE)
    communes, commune_idx = np.unique(enquete.code_insee.astype(str), return_inverse=True)
    n_c = len(communes)
    pos = {c: i for i, c in enumerate(communes)}
    cells = marges.cellules[marges.cellules["code_insee"].isin(pos)]
    ci = cells["code_insee"].map(pos).to_numpy(dtype=np.int64)
    ti = cells["tranche"].to_numpy(dtype=np.int64)
    si = cells["sexe"].to_numpy(dtype=np.int64)
    pop = cells["population"].to_numpy(dtype=float)

    target_age = np.zeros((n_c, n_t))
    np.add.at(target_age, (ci, ti), pop)
    target_sex = np.zeros((n_c, n_t, 2))
    by_sex = si >= 0
    np.add.at(target_sex, (ci[by_sex], ti[by_sex], si[by_sex]), pop[by_sex])
    has_margins = np.zeros(n_c, dtype=bool)
    has_margins[ci] = True
    commune_has_sex = np.zeros(n_c, dtype=bool)
    commune_has_sex[ci[by_sex]] = True

    tranche = enquete.tranche.astype(np.int64)
    sexe = enquete.codes["sexe"].astype(np.int64)
    w = base.copy()

    # Age bands: each band of the commune sums to its population.
    flat = commune_idx * n_t + tranche
    sums = np.bincount(flat, weights=w, minlength=n_c * n_t).reshape(n_c, n_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(sums > 0, target_age / sums, np.nan)
    unmatched = (sums > 0) & (target_age <= 0) & has_margins[:, None]
    empty = (sums == 0) & (target_age > 0)
    commune_factor = np.divide(
        target_age.sum(axis=1), sums.sum(axis=1), out=np.ones(n_c), where=sums.sum(axis=1) > 0
    )
    commune_factor = np.where(has_margins, commune_factor, 1.0)
    factor = np.where(unmatched | ~has_margins[:, None], commune_factor[:, None], factor)
    for c, t in zip(*np.nonzero(unmatched), strict=True):
        warnings.append(
            _(
                "commune {c}, {t} ans : des répondants mais aucune population dans les marges"
            ).format(c=communes[c], t=codebook.TRANCHES_AGE[t])
        )
    for c, t in zip(*np.nonzero(empty & has_margins[:, None]), strict=True):
        warnings.append(
            _("commune {c}, {t} ans : aucun répondant pour représenter cette population").format(
                c=communes[c], t=codebook.TRANCHES_AGE[t]
            )
        )
    w = w * np.nan_to_num(factor, nan=1.0)[commune_idx, tranche]
    no_margin = [str(c) for c in communes[~has_margins]]
    if no_margin:
        # Without margins a commune keeps its base weights, so it would count as if it had
        # as many inhabitants as respondents: scale it to its legal population instead.
        populations = cog()
        scale = np.ones(n_c)
        sums_c = np.bincount(commune_idx, weights=w, minlength=n_c)
        for c in np.flatnonzero(~has_margins):
            p = populations[str(communes[c])].population
            if p:
                scale[c] = p / sums_c[c]
        w = w * scale[commune_idx]
        warnings.append(
            _("communes sans marges (pondérées à leur population légale) : {codes}").format(
                codes=", ".join(no_margin)
            )
        )

    # Sex within age bands, for respondents who gave their sex.
    if commune_has_sex.any():
        known = sexe >= 0
        cell = (commune_idx * n_t + tranche) * 2 + np.where(known, sexe, 0)
        sums_s = np.bincount(cell[known], weights=w[known], minlength=n_c * n_t * 2).reshape(
            n_c, n_t, 2
        )
        known_total = sums_s.sum(axis=2, keepdims=True)
        share = np.divide(
            target_sex,
            target_sex.sum(axis=2, keepdims=True),
            out=np.zeros_like(target_sex),
            where=target_sex.sum(axis=2, keepdims=True) > 0,
        )
        wanted = share * known_total
        ok = (sums_s > 0) | (wanted == 0)
        band_ok = ok.all(axis=2) & commune_has_sex[:, None] & (known_total[..., 0] > 0)
        f_sex = np.where(
            band_ok[..., None],
            np.divide(wanted, sums_s, out=np.ones_like(sums_s), where=sums_s > 0),
            1.0,
        )
        for c, t in zip(
            *np.nonzero(~band_ok & commune_has_sex[:, None] & (known_total[..., 0] > 0)),
            strict=True,
        ):
            warnings.append(
                _("commune {c}, {t} ans : un sexe sans répondant, calage sur l'âge seul").format(
                    c=communes[c], t=codebook.TRANCHES_AGE[t]
                )
            )
        adj = f_sex[commune_idx, tranche, np.where(known, sexe, 0)]
        w = np.where(known, w * adj, w)
    methode = "calage" if marges.par_sexe else "calage_age"
    return Ponderation(w, methode, warnings)
