from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.paths import resource
from core.progress import Progress
from fragilite import comparaison, lecture, methodologie
from fragilite.calcul import calculer, ecrire_csv
from tests.fragilite.enquetes import TERRITOIRE, ecrire, enquete, repondant

Z95 = 1.959963984540054


def _frame(
    rng: np.random.Generator,
    sizes: dict[str, int],
    rates: dict[str, dict[str, float]],
    weights: bool = False,
) -> pd.DataFrame:
    """Respondents per commune; each column's « non » drawn with the commune's given rate."""
    parts = []
    for code, n in sizes.items():
        part = {"code_insee": np.full(n, code, dtype=object), "age": np.full(n, "50", dtype=object)}
        for col, p in rates[code].items():
            part[col] = np.where(rng.random(n) < p, "non", "oui")
        parts.append(pd.DataFrame(part))
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, "id", [f"R{i}" for i in range(len(frame))])
    if weights:
        frame["poids"] = rng.uniform(0.5, 2.0, len(frame)).round(3).astype(str)
    return frame


def test_a_weighted_share_and_its_wilson_interval_match_a_hand_computation() -> None:
    weights = [1, 2, 3, 1, 2, 1]
    no_home = [1, 0, 1, 0, 0, 1]
    rows = [
        repondant(i, poids=str(w), connexion_domicile="non" if y else "oui")
        for i, (w, y) in enumerate(zip(weights, no_home, strict=True))
    ]
    methode = methodologie.charger().avec(seuil_fiable_n_eff=1.0)
    table = calculer(enquete(rows), TERRITOIRE, methode=methode).table().set_index("code_insee")

    # By hand: p = Σwy/Σw, Kish n_eff = (Σw)²/Σw², Wilson's interval on n_eff.
    p = (1 + 3 + 1) / 10
    n_eff = 10**2 / (1 + 4 + 9 + 1 + 4 + 1)
    centre = (p + Z95**2 / (2 * n_eff)) / (1 + Z95**2 / n_eff)
    half = Z95 * math.sqrt(p * (1 - p) / n_eff + Z95**2 / (4 * n_eff**2)) / (1 + Z95**2 / n_eff)
    row = table.loc["17300"]
    assert row["statut"] == "ok"
    assert row["n"] == 6
    assert row["n_eff"] == pytest.approx(n_eff)
    assert row["sans_connexion"] == pytest.approx(p)
    assert row["sans_connexion_ic_bas"] == pytest.approx(centre - half)
    assert row["sans_connexion_ic_haut"] == pytest.approx(centre + half)


def test_intervals_cover_the_true_rates_at_about_the_nominal_rate() -> None:
    rng = np.random.default_rng(7)
    sizes = {"17300": 250, "17200": 150, "17028": 120}
    rates = {
        "17300": {
            "connexion_domicile": 0.10,
            "usage_internet_3mois": 0.2,
            "equip_smartphone": 0.3,
            "equip_ordinateur": 0.5,
            "equip_tablette": 0.6,
        },
        "17200": {
            "connexion_domicile": 0.25,
            "usage_internet_3mois": 0.1,
            "equip_smartphone": 0.2,
            "equip_ordinateur": 0.4,
            "equip_tablette": 0.7,
        },
        "17028": {
            "connexion_domicile": 0.40,
            "usage_internet_3mois": 0.3,
            "equip_smartphone": 0.5,
            "equip_ordinateur": 0.6,
            "equip_tablette": 0.8,
        },
    }
    covered = {"sans_connexion": 0, "axe_acces": 0}
    total = 0
    methode = methodologie.charger().avec(seuil_fiable_n_eff=50.0)
    for _sim in range(200):
        frame = _frame(rng, sizes, rates, weights=True)
        table = calculer(enquete(frame), TERRITOIRE, methode=methode).table()
        table = table.set_index("code_insee")
        for code, r in rates.items():
            row = table.loc[code]
            assert row["statut"] == "ok"
            equip = r["equip_smartphone"] * r["equip_ordinateur"] * r["equip_tablette"]
            truth = {
                "sans_connexion": r["connexion_domicile"],
                "axe_acces": (r["connexion_domicile"] + r["usage_internet_3mois"] + equip) / 3,
            }
            for name, value in truth.items():
                covered[name] += row[f"{name}_ic_bas"] <= value <= row[f"{name}_ic_haut"]
            total += 1
    for name, count in covered.items():
        assert 0.90 <= count / total <= 0.99, (name, count / total)


def test_weighting_with_the_right_margins_corrects_a_biased_sample(tmp_path: Path) -> None:
    from fragilite.ponderation import lire_marges

    rng = np.random.default_rng(3)
    # Population of La Rochelle: half 25-39 (10 % without connection), half 75+ (60 %): 35 %.
    # The desk sample over-represents the elderly four to one.
    n_young, n_old = 200, 800
    rows = [
        repondant(i, age="30", connexion_domicile="non" if rng.random() < 0.10 else "oui")
        for i in range(n_young)
    ] + [
        repondant(n_young + i, age="80", connexion_domicile="non" if rng.random() < 0.60 else "oui")
        for i in range(n_old)
    ]
    path = ecrire(
        tmp_path / "marges.csv",
        [
            {"code_insee": "17300", "tranche_age": "25-39", "sexe": "*", "population": "5000"},
            {"code_insee": "17300", "tranche_age": "75+", "sexe": "*", "population": "5000"},
        ],
    )
    survey = enquete(rows)
    raw = calculer(survey, TERRITOIRE).table().set_index("code_insee").loc["17300"]
    weighted_res = calculer(survey, TERRITOIRE, lire_marges(path))
    weighted = weighted_res.table().set_index("code_insee").loc["17300"]

    assert raw["sans_connexion_ic_bas"] > 0.35  # the unweighted figure is biased
    assert weighted["sans_connexion_ic_bas"] <= 0.35 <= weighted["sans_connexion_ic_haut"]
    assert abs(weighted["sans_connexion"] - 0.35) < 0.05
    assert weighted_res.ponderation == "calage_age"
    assert weighted["n_eff"] < 1000  # unequal weights cost precision, and the table says so


def _three_communes(n_aytre: int, aytre_no_home: bool = True) -> list[dict[str, str]]:
    rng = np.random.default_rng(11)
    rows = []
    for i in range(300):
        code = "17300" if i < 150 else "17200"
        rows.append(
            repondant(i, code=code, connexion_domicile="non" if rng.random() < 0.2 else "oui")
        )
    for i in range(n_aytre):
        rows.append(
            repondant(1000 + i, code="17028", connexion_domicile="non" if aytre_no_home else "oui")
        )
    return rows


def test_a_commune_below_the_minimum_is_hidden_entirely(tmp_path: Path) -> None:
    result = calculer(enquete(_three_communes(4)), TERRITOIRE)
    out = tmp_path / "r.csv"
    ecrire_csv(result, out)
    table = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("code_insee")
    aytre = table.loc["17028"]
    assert aytre["statut"] == "masque"
    hidden = aytre.drop(["commune", "statut"])
    assert (hidden == "").all(), hidden[hidden != ""]
    # The territory still counts them, its count rounded so that Aytré's is not 304 − 300.
    assert table.loc["200000001", "n"] == "300"

    shown = calculer(
        enquete(_three_communes(4)),
        TERRITOIRE,
        methode=methodologie.charger().avec(minimum_repondants=3),
    )
    assert shown.table().set_index("code_insee").loc["17028", "statut"] == "peu_fiable"


def test_the_computation_tells_the_user_each_of_its_steps_in_order() -> None:
    steps: list[tuple[int, int, str]] = []
    calculer(
        enquete(_three_communes(10)),
        TERRITOIRE,
        progress=Progress(lambda done, total, label: steps.append((done, total, label))),
    )
    assert steps == [
        (0, 4, "Calcul des indicateurs"),
        (1, 4, "Lissage des petites communes"),
        (2, 4, "Calcul des axes et de l'indice"),
        (4, 4, "Calcul terminé"),
    ]


def test_a_commune_with_few_respondents_is_flagged_and_shrunk_towards_the_territory() -> None:
    result = calculer(enquete(_three_communes(10)), TERRITOIRE)
    table = result.table().set_index("code_insee")
    aytre, territory = table.loc["17028"], table.loc["200000001"]
    assert aytre["statut"] == "peu_fiable"
    assert table.loc["17300", "statut"] == "ok"
    # Direct estimate 10/10 = 100 %: the published one lies between it and the territory's.
    assert territory["sans_connexion"] < aytre["sans_connexion"] < 1.0
    assert (
        aytre["sans_connexion_ic_bas"] < aytre["sans_connexion"] < aytre["sans_connexion_ic_haut"]
    )
    assert aytre["sans_connexion_ic_bas"] >= 0.0 and aytre["sans_connexion_ic_haut"] <= 1.0
    assert result.estimations.lisse["sans_connexion"][2]


def test_the_index_is_100_for_the_territory_and_above_100_where_more_fragile() -> None:
    rows = _three_communes(40)
    table = calculer(enquete(rows), TERRITOIRE).table().set_index("code_insee")
    assert table.loc["200000001", "indice"] == 100.0
    assert table.loc["17028", "indice"] > 100  # every Aytré respondent lacks a home connection
    assert table.loc["17028", "indice_ic_bas"] > 100
    assert table.loc["17300", "indice"] < 100

    scale = methodologie.charger().avec(normalisation="echelle_1_10")
    table = calculer(enquete(rows), TERRITOIRE, methode=scale).table().set_index("code_insee")
    communes = table.loc[["17300", "17200", "17028"], "indice"]
    assert communes.min() == pytest.approx(1.0)
    assert communes.max() == pytest.approx(10.0)
    assert table.loc["17028", "indice"] == pytest.approx(10.0)


def test_same_inputs_give_the_same_numbers_and_state_methodology_and_fingerprint(
    tmp_path: Path,
) -> None:
    path = ecrire(tmp_path / "e.csv", _three_communes(12))
    outputs = []
    for k in range(2):
        res = calculer(lecture.charger(path, TERRITOIRE.codes), TERRITOIRE)
        out = tmp_path / f"r{k}.csv"
        ecrire_csv(res, out)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    meta = res.metadonnees()
    method_file = resource("fragilite", "methodologie-v1.json")
    assert meta["methodologie_version"] == "1.2"
    assert (
        meta["methodologie_empreinte_sha256"]
        == hashlib.sha256(method_file.read_bytes()).hexdigest()
    )
    assert meta["enquete_empreinte_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert meta["ponderation"] == "egaux"


def test_comparing_two_surveys_shows_a_real_change_and_no_change_where_there_is_none() -> None:
    before = calculer(enquete(_three_communes(60, aytre_no_home=False)), TERRITOIRE)
    after = calculer(
        enquete(_three_communes(60, aytre_no_home=True)),
        TERRITOIRE,
        reference=before.estimations.niveaux_reference,
    )
    cmp = comparaison.comparer(before, after).set_index("code_insee")
    assert cmp.loc["17028", "sans_connexion_evolution"] == pytest.approx(1.0, abs=0.05)
    assert cmp.loc["17028", "sans_connexion_evolution_ic_bas"] > 0
    assert cmp.loc["17028", "indice_evolution_ic_bas"] > 0
    assert cmp.loc["17300", "sans_connexion_evolution"] == pytest.approx(0.0)
    assert (
        cmp.loc["17300", "sans_connexion_evolution_ic_bas"]
        < 0
        < cmp.loc["17300", "sans_connexion_evolution_ic_haut"]
    )


def test_smoothed_intervals_of_small_communes_cover_their_true_rates_about_nominally() -> None:
    from core.territory import cog
    from fragilite.estimation import Territoire

    codes = sorted(c for c, v in cog().items() if v.departement == "17")[:40]
    territory = Territoire("Quarante communes", "200000017", tuple((c, c) for c in codes))
    rng = np.random.default_rng(21)
    covered = total = 0
    for _sim in range(50):
        # True commune rates spread around 25 % (Beta(10, 30)); 15 respondents per commune.
        truth = rng.beta(10, 30, size=len(codes))
        n = 15
        no_home = rng.random(len(codes) * n) < np.repeat(truth, n)
        frame = pd.DataFrame(
            {
                "id": [f"R{i}" for i in range(len(no_home))],
                "code_insee": np.repeat(codes, n),
                "age": "40",
                "connexion_domicile": np.where(no_home, "non", "oui"),
            }
        )
        est = calculer(enquete(frame, territory), territory).estimations
        assert set(est.statut[:-1]) == {"peu_fiable"}
        lo, hi = est.ic_bas["sans_connexion"][:-1], est.ic_haut["sans_connexion"][:-1]
        covered += int(((lo <= truth) & (truth <= hi)).sum())
        total += len(codes)
    assert 0.90 <= covered / total <= 0.99, covered / total


def _unanimous_small_commune() -> list[dict[str, str]]:
    """La Rochelle 380 and Lagord 150 respondents with varied answers; Aytré 6, all alike."""
    rng = np.random.default_rng(5)
    rows = []
    for i in range(530):
        code = "17300" if i < 380 else "17200"
        answers = {
            col: "non" if rng.random() < rate else "oui"
            for col, rate in (
                ("connexion_domicile", 0.15),
                ("usage_internet_3mois", 0.1),
                ("equip_smartphone", 0.2),
                ("aide_entourage", 0.3),
            )
        }
        rows.append(repondant(i, code=code, **answers))
    rows += [repondant(1000 + i, code="17028") for i in range(6)]
    return rows


def test_a_small_commune_where_everyone_answered_alike_keeps_honest_wide_intervals() -> None:
    est = calculer(enquete(_unanimous_small_commune()), TERRITOIRE).estimations
    la_rochelle, aytre = 0, 2
    assert est.statut[aytre] == "peu_fiable"
    for name in ("sans_connexion", "axe_acces", "axe_aide", "indice"):
        width = est.ic_haut[name] - est.ic_bas[name]
        assert width[aytre] > 0, name
        # Six people say far less than 380: the interval must be wider, never narrower.
        assert width[aytre] > 2 * width[la_rochelle], (name, width)


def test_smoothing_never_pulls_a_commune_entirely_to_the_territory() -> None:
    # Three communes whose shares differ less than their noise: moments would say « no spread ».
    rows = []
    for c, code in enumerate(("17300", "17200", "17028")):
        rows += [
            repondant(100 * c + i, code=code, connexion_domicile="non" if i < 2 + c % 2 else "oui")
            for i in range(12)
        ]
    est = calculer(enquete(rows), TERRITOIRE).estimations
    weights = est.poids_territoire["sans_connexion"][:-1]
    assert ((weights > 0) & (weights < 1)).all(), weights
    assert est.lisse["sans_connexion"][:-1].all()


def test_each_indicator_publishes_its_own_n_and_is_masked_below_the_minimum() -> None:
    # Seven in Aytré, one only doing procedures online: the difficulty share is 1 person's answer.
    rows = _three_communes(0) + [
        repondant(2000 + i, code="17028", difficulte_demarches="ne_fait_pas" if i else "toujours")
        for i in range(7)
    ]
    table = calculer(enquete(rows), TERRITOIRE).table().set_index("code_insee")
    aytre = table.loc["17028"]
    assert aytre["statut"] == "peu_fiable"
    assert aytre["sans_connexion_n"] == 7 and math.isfinite(aytre["sans_connexion"])
    assert pd.isna(aytre["difficulte_demarches_n"])
    for name in ("difficulte_demarches", "axe_autonomie_administrative", "indice"):
        assert math.isnan(aytre[name]) and math.isnan(aytre[f"{name}_ic_bas"]), name
    # Aytré's single answer cannot be recovered from the territory's count either.
    assert table.loc["200000001", "difficulte_demarches_n"] % 10 == 0


def test_the_bootstrap_intervals_are_the_same_whatever_the_order_of_the_rows(
    tmp_path: Path,
) -> None:
    rows = _unanimous_small_commune() + _three_communes(12)
    for i, row in enumerate(rows):
        row["id"] = f"R{i}"
    shuffled = [rows[i] for i in np.random.default_rng(1).permutation(len(rows))]
    outputs = []
    for k, order in enumerate((rows, shuffled)):
        out = tmp_path / f"r{k}.csv"
        ecrire_csv(calculer(enquete(order), TERRITOIRE), out)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
