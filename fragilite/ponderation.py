"""Weights: the survey's own, equal ones, or calibrated on population margins per commune.

Margins come as cross-classified cells (commune × age band × sex, or commune × age band when
``sexe`` is ``*``). With cross-classified cells, raking (iterative proportional fitting) reaches
its fixed point in one pass and is exactly post-stratification: each respondent's base weight
(``poids`` or 1) is multiplied, within its commune, first so that each age band sums to the
band's population, then, within the band, so that the respondents whose sex is known split as the
population does (respondents who did not give their sex keep the band's factor). No library is
needed for that (``ipfn`` and ``samplics`` solve the marginal-only problem, which this is not).

Nothing changes numbers silently; the rules, each counted in ``avertissements``:

- Collapsing. Within a commune, an age band whose population is zero or missing while it has
  respondents, or which has population but no respondent, is merged with the next older band
  (the oldest with the next younger) until every group has both; sex is then calibrated within
  these groups. In a group where one sex has respondents but no population, or population but
  no respondent, sex is collapsed (the group is calibrated on age alone). No respondent ever gets
  a weight of 0.
- Trimming. A calibrated weight above ``PLAFOND`` times its commune's mean weight is cut to that
  cap, the excess being spread over the commune's other respondents (repeated until none is
  above), so the commune keeps its population total; the number of weights trimmed is reported.
- Legal populations. Each commune's margins are compared with its legal population (municipal
  population, ``resources/referentiel``): margins of people aged 15 or more should lie between
  ``MARGE_MIN`` and ``MARGE_MAX`` times it; beyond, a warning names the commune.
- A commune absent from the margins keeps its base weights scaled to the same population base as
  the others — its legal population times the share aged 15+ of the communes with margins — and
  is listed in ``communes_sans_marges`` (flagged on its row and in the report): its age bias is
  not corrected.
- Without margins at all, the result says that the desk recruitment's age bias is uncorrected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from core.errors import ValidationError
from core.i18n import N_, _, format_number, ngettext
from core.territory import cog
from fragilite import codebook
from fragilite.lecture import Enquete, code_insee_normalise, empreinte_fichier, lire_tableau

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


COLONNES_MARGES = ("code_insee", "tranche_age", "sexe", "population")
PLAFOND = 3.0  # a weight never exceeds 3 × its commune's mean weight
MARGE_MIN, MARGE_MAX = 0.70, 1.0  # margins (15+) / legal population, tolerance stated above


@dataclass
class Ponderation:
    poids: npt.NDArray[np.float64]
    methode: str  # a key of METHODES
    avertissements: list[str] = field(default_factory=list)
    communes_sans_marges: tuple[str, ...] = ()

    @property
    def libelle(self) -> str:
        return _(METHODES[self.methode])


def lire_marges(path: Path) -> Marges:
    """Read and check a margins file; every problem is reported at once."""
    frame = lire_tableau(path)
    missing = [c for c in COLONNES_MARGES if c not in frame]
    if missing:
        raise ValidationError(
            _("Fichier de marges : colonnes absentes : {cols}.").format(cols=", ".join(missing))
        )
    problems: list[str] = []
    known = cog()
    tranches = {t: i for i, t in enumerate(codebook.TRANCHES_AGE)}
    sexes = {s: i for i, s in enumerate(codebook.SEXES)} | {"*": -1}
    rows = []
    table = frame[list(COLONNES_MARGES)].itertuples(index=False, name=None)
    for i, values in enumerate(table, start=2):
        # An empty cell is read as NaN: named as empty, never quoted as « nan ».
        texts = ["" if pd.isna(v) else str(v).strip() for v in values]
        problems.extend(
            _("ligne {i} : cellule vide dans la colonne « {c} »").format(i=i, c=c)
            for c, v in zip(COLONNES_MARGES, texts, strict=True)
            if not v
        )
        code = code_insee_normalise(texts[0])
        tranche, sexe = texts[1].lower(), texts[2].lower()
        pop_text = texts[3].replace(",", ".")
        if code and code not in known:
            problems.append(_("ligne {i} : code INSEE inconnu « {v} »").format(i=i, v=code))
        if tranche and tranche not in tranches:
            problems.append(_("ligne {i} : tranche d'âge inconnue « {v} »").format(i=i, v=tranche))
        if sexe and sexe not in sexes:
            problems.append(_("ligne {i} : sexe inconnu « {v} » (F, M ou *)").format(i=i, v=sexe))
        if not pop_text:
            continue
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


def avertissement_sans_marges() -> str:
    return _(
        "Aucune marge de population : le biais d'âge du recrutement aux guichets n'est pas "
        "corrigé (les personnes âgées y sont sur-représentées)."
    )


def ponderer(enquete: Enquete, marges: Marges | None = None) -> Ponderation:
    """The weight of each respondent of ``enquete``, and which method produced it."""
    has_own = enquete.a_des_poids and bool(np.isfinite(enquete.poids).all())
    base = np.where(np.isfinite(enquete.poids), enquete.poids, 1.0) if has_own else None
    if base is None:
        base = np.ones(enquete.n_lignes)
    if marges is None:
        return Ponderation(
            base.astype(float),
            "poids_enquete" if has_own else "egaux",
            [avertissement_sans_marges()],
        )
    return _post_stratifier(enquete, marges, base.astype(float))


def _groupes(resp: npt.NDArray[np.float64], pop: npt.NDArray[np.float64]) -> list[list[int]]:
    """Consecutive age bands merged until each group has both respondents and population
    (bands with neither are left alone: nobody to weight, nobody to represent)."""
    groups = [[t] for t in range(len(resp)) if resp[t] > 0 or pop[t] > 0]
    # Each merge leaves one group fewer: at most as many merges as groups, less one. (A loop
    # that ran until no group is bad would never end on a wrong merge; this one ends.)
    for _merge in range(len(groups) - 1):
        bad = next(
            (i for i, g in enumerate(groups) if resp[g].sum() <= 0 or pop[g].sum() <= 0), None
        )
        if bad is None:
            break
        other = bad + 1 if bad + 1 < len(groups) else bad - 1
        lo, hi = min(bad, other), max(bad, other)
        groups[lo : hi + 1] = [groups[lo] + groups[hi]]
    return groups


@dataclass
class _Cibles:
    """Population targets per commune (rows: the survey's communes, sorted), band and sex."""

    age: npt.NDArray[np.float64]  # communes × bands
    sexe: npt.NDArray[np.float64]  # communes × bands × 2
    a_des_marges: npt.NDArray[np.bool_]
    par_sexe: npt.NDArray[np.bool_]


def _cibles(marges: Marges, communes: npt.NDArray[np.str_]) -> _Cibles:
    n_c, n_t = len(communes), len(codebook.TRANCHES_AGE)
    pos = {c: i for i, c in enumerate(communes)}
    cells = marges.cellules[marges.cellules["code_insee"].isin(pos)]
    ci = cells["code_insee"].map(pos).to_numpy(dtype=np.int64)
    ti = cells["tranche"].to_numpy(dtype=np.int64)
    si = cells["sexe"].to_numpy(dtype=np.int64)
    pop = cells["population"].to_numpy(dtype=float)
    age = np.zeros((n_c, n_t))
    np.add.at(age, (ci, ti), pop)
    sexe = np.zeros((n_c, n_t, 2))
    by_sex = si >= 0
    np.add.at(sexe, (ci[by_sex], ti[by_sex], si[by_sex]), pop[by_sex])
    has, has_sex = np.zeros(n_c, dtype=bool), np.zeros(n_c, dtype=bool)
    has[ci] = True
    has_sex[ci[by_sex]] = True
    return _Cibles(age, sexe, has, has_sex)


def _regrouper(
    counts: npt.NDArray[np.float64],
    cibles: _Cibles,
    communes: npt.NDArray[np.str_],
    warnings: list[str],
) -> tuple[npt.NDArray[np.int64], int]:
    """Each band's group per commune (-1: neither respondents nor population), and the number
    of respondents in merged groups; every merge is named in ``warnings``."""
    group_of = np.full(counts.shape, -1, dtype=np.int64)
    collapsed = 0
    for c in np.flatnonzero(cibles.a_des_marges):
        for gi, g in enumerate(_groupes(counts[c], cibles.age[c])):
            group_of[c, g] = gi
            if len(g) > 1:
                collapsed += int(counts[c, g].sum())
                warnings.append(
                    _("commune {c} : tranches d'âge {t} regroupées (cellule vide ou nulle)").format(
                        c=communes[c], t=", ".join(codebook.TRANCHES_AGE[t] for t in g)
                    )
                )
    return group_of, collapsed


def _post_stratifier(
    enquete: Enquete, marges: Marges, base: npt.NDArray[np.float64]
) -> Ponderation:
    warnings = _verifier_populations(marges)
    n_t = len(codebook.TRANCHES_AGE)
    communes, commune_idx = np.unique(enquete.code_insee.astype(str), return_inverse=True)
    n_c = len(communes)
    cibles = _cibles(marges, communes)
    band_known = enquete.tranche >= 0
    tranche = np.where(band_known, enquete.tranche, 0).astype(np.int64)
    counts = (
        np.bincount(commune_idx * n_t + tranche, weights=band_known, minlength=n_c * n_t)
        .reshape(n_c, n_t)
        .astype(float)
    )
    group_of, collapsed_age = _regrouper(counts, cibles, communes, warnings)
    grp = np.where(band_known, group_of[commune_idx, tranche], -1)
    in_group = cibles.a_des_marges[commune_idx] & (grp >= 0)
    cell = commune_idx * n_t + np.where(grp >= 0, grp, 0)
    # Targets per group: the bands' populations summed into their group.
    g_age = np.zeros((n_c, n_t))
    g_sex = np.zeros((n_c, n_t, 2))
    c_idx, t_idx = np.nonzero(group_of >= 0)
    np.add.at(g_age, (c_idx, group_of[c_idx, t_idx]), cibles.age[c_idx, t_idx])
    np.add.at(g_sex, (c_idx, group_of[c_idx, t_idx]), cibles.sexe[c_idx, t_idx])

    w = base.copy()
    # float even when no respondent is in a group (numpy's bincount of nothing is integer).
    sums = (
        np.bincount(cell[in_group], weights=w[in_group], minlength=n_c * n_t)
        .astype(float)
        .reshape(n_c, n_t)
    )
    factor = np.divide(g_age, sums, out=np.ones_like(sums), where=(sums > 0) & (g_age > 0))
    # Respondents of unknown age keep their commune's average adjustment.
    mean_factor = np.divide(
        g_age.sum(axis=1), sums.sum(axis=1), out=np.ones(n_c), where=sums.sum(axis=1) > 0
    )
    adj_age = np.where(in_group, factor[commune_idx, np.where(grp >= 0, grp, 0)], 1.0)
    w = w * np.where(
        cibles.a_des_marges[commune_idx] & (grp < 0), mean_factor[commune_idx], adj_age
    )

    collapsed_sex = 0
    if cibles.par_sexe.any():
        w, collapsed_sex = _caler_sexe(
            w, enquete, cell, in_group, g_sex, cibles.par_sexe, group_of, communes, warnings
        )
    warnings += _resume_regroupements(collapsed_age, collapsed_sex)

    missing = [str(c) for c in communes[~cibles.a_des_marges]]
    if missing:
        w = _sans_marges(w, commune_idx, communes, cibles.a_des_marges, cibles.age)
        warnings.append(
            _(
                "communes absentes des marges, non calées (biais d'âge non corrigé ; pondérées "
                "à leur population légale × part des 15 ans et plus) : {codes}"
            ).format(codes=", ".join(missing))
        )
    w, trimmed = _ecreter(w, commune_idx, n_c)
    if trimmed:
        warnings.append(
            _(
                "{n} poids extrêmes écrêtés à {k} fois le poids moyen de leur commune "
                "(l'excédent réparti sur les autres répondants de la commune)."
            ).format(n=trimmed, k=format_number(PLAFOND, 0))
        )
    methode = "calage" if marges.par_sexe else "calage_age"
    return Ponderation(w, methode, warnings, tuple(missing))


def _caler_sexe(
    w: npt.NDArray[np.float64],
    enquete: Enquete,
    cell: npt.NDArray[np.int64],
    in_group: npt.NDArray[np.bool_],
    g_sex: npt.NDArray[np.float64],
    par_sexe: npt.NDArray[np.bool_],
    group_of: npt.NDArray[np.int64],
    communes: npt.NDArray[np.str_],
    warnings: list[str],
) -> tuple[npt.NDArray[np.float64], int]:
    """Sex within each age group, for respondents who gave theirs; a group where one sex has
    no respondent or no population is left on age alone (named, with its count)."""
    n_c, n_g = g_sex.shape[:2]
    sexe = enquete.codes["sexe"].astype(np.int64)
    known = (sexe >= 0) & in_group
    sex_cell = cell * 2 + np.where(known, sexe, 0)
    sums_s = np.bincount(sex_cell[known], weights=w[known], minlength=n_c * n_g * 2).reshape(
        n_c, n_g, 2
    )
    known_total = sums_s.sum(axis=2, keepdims=True)
    pop_total = g_sex.sum(axis=2, keepdims=True)
    share = np.divide(g_sex, pop_total, out=np.zeros_like(g_sex), where=pop_total > 0)
    band_ok = ((sums_s > 0) & (g_sex > 0)).all(axis=2) & par_sexe[:, None]
    active = (known_total[..., 0] > 0) & par_sexe[:, None]
    f_sex = np.where(
        band_ok[..., None],
        np.divide(share * known_total, sums_s, out=np.ones_like(sums_s), where=sums_s > 0),
        1.0,
    )
    per_cell = np.bincount(cell[in_group], minlength=n_c * n_g).reshape(n_c, n_g)
    bad = active & ~band_ok
    collapsed = 0
    for c in np.flatnonzero(bad.any(axis=1)):
        affected = int(per_cell[c, bad[c]].sum())
        collapsed += affected
        bands = [
            codebook.TRANCHES_AGE[t]
            for t in range(group_of.shape[1])
            if group_of[c, t] >= 0 and bad[c, group_of[c, t]]
        ]
        warnings.append(
            ngettext(
                "commune {c}, {t} ans : un sexe sans répondant ou sans population, "
                "{n} répondant calé sur l'âge seul",
                "commune {c}, {t} ans : un sexe sans répondant ou sans population, "
                "{n} répondants calés sur l'âge seul",
                affected,
            ).format(c=communes[c], t=", ".join(bands), n=affected)
        )
    adj = f_sex[cell // n_g, cell % n_g, np.where(known, sexe, 0)]
    return np.where(known, w * adj, w), collapsed


def _resume_regroupements(age: int, sex: int) -> list[str]:
    out = []
    if age:
        out.append(
            ngettext(
                "{n} répondant calé sur des tranches d'âge regroupées.",
                "{n} répondants calés sur des tranches d'âge regroupées.",
                age,
            ).format(n=age)
        )
    if sex:
        out.append(
            ngettext(
                "{n} répondant calé sur l'âge seul (sexe regroupé).",
                "{n} répondants calés sur l'âge seul (sexe regroupé).",
                sex,
            ).format(n=sex)
        )
    return out


def _sans_marges(
    w: npt.NDArray[np.float64],
    commune_idx: npt.NDArray[np.int64],
    communes: npt.NDArray[np.str_],
    has_margins: npt.NDArray[np.bool_],
    target_age: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Scale communes without margins to the population base of the others (15+)."""
    populations = cog()
    legal = np.array([populations[str(c)].population or 0 for c in communes], dtype=float)
    covered = has_margins & (legal > 0)
    ratio = target_age[covered].sum() / legal[covered].sum() if covered.any() else 1.0
    sums_c = np.bincount(commune_idx, weights=w, minlength=len(communes))
    scale = np.ones(len(communes))
    for c in np.flatnonzero(~has_margins):
        if legal[c] > 0 and sums_c[c] > 0:
            scale[c] = legal[c] * ratio / sums_c[c]
    return np.asarray(w * scale[commune_idx], dtype=float)


def _ecreter(
    w: npt.NDArray[np.float64], commune_idx: npt.NDArray[np.int64], n_c: int
) -> tuple[npt.NDArray[np.float64], int]:
    """Cap each weight at ``PLAFOND`` × its commune's mean, keeping the commune's total."""
    count = np.bincount(commune_idx, minlength=n_c).astype(float)
    total = np.bincount(commune_idx, weights=w, minlength=n_c)
    cap = (PLAFOND * total / np.maximum(count, 1))[commune_idx]
    trimmed = np.zeros(len(w), dtype=bool)
    # Until no weight is over its cap: each round caps at least one weight not capped before,
    # so there are at most as many rounds as respondents (a fixed count could stop short), and
    # one more that finds none over. More would be a fault, reported rather than looped on.
    for _round in range(len(w) + 1):
        over = w > cap * (1 + 1e-9)
        if not over.any():
            return w, int(trimmed.sum())
        trimmed |= over
        w = np.where(over, cap, w)
        free = ~trimmed
        rest = np.bincount(commune_idx, weights=np.where(free, w, 0.0), minlength=n_c)
        fixed = np.bincount(commune_idx, weights=np.where(free, 0.0, w), minlength=n_c)
        scale = np.divide(total - fixed, rest, out=np.ones(n_c), where=rest > 0)
        w = np.where(free, w * scale[commune_idx], w)
    raise RuntimeError("weight trimming did not settle within one round per respondent")


def _verifier_populations(marges: Marges) -> list[str]:
    """Margins far from the legal population are named (tolerance in the module docstring)."""
    populations = cog()
    totals = marges.cellules.groupby("code_insee")["population"].sum()
    out = []
    for code, total in totals.items():
        legal = populations[str(code)].population
        if legal and not (MARGE_MIN * legal <= total <= MARGE_MAX * legal):
            out.append(
                _(
                    "commune {c} : marges de {m} personnes pour une population légale de {p} "
                    "(attendu pour les 15 ans et plus : entre {a} et {b})"
                ).format(
                    c=code,
                    m=format_number(float(total), 0),
                    p=format_number(float(legal), 0),
                    # Percentages passed whole: a « % » followed by a letter in the message
                    # itself reads as a printf conversion to the catalog compiler.
                    a=format_number(100 * MARGE_MIN, 0) + " %",
                    b=format_number(100 * MARGE_MAX, 0) + " %",
                )
            )
    return out
