from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest

from core.errors import ValidationError
from fragilite import lecture
from fragilite.calcul import calculer
from fragilite.indicateurs import calculer as indicateurs
from tests.fragilite.enquetes import TERRITOIRE, ecrire, repondant


def test_a_malformed_file_lists_every_problem_with_line_column_value_and_reason(
    tmp_path: Path,
) -> None:
    rows = [
        repondant(1),
        repondant(2, code="99999"),  # line 3: not a commune
        repondant(3, age="12"),  # line 4: too young
        repondant(4, age="quarante", equip_smartphone="peut-être"),  # line 5: two problems
        repondant(1),  # line 6: duplicate id
        repondant(6, age="30", tranche_age="75+"),  # line 7: inconsistent band
        repondant(7, sexe="X", difficulte_demarches="rarement"),  # line 8: two problems
        repondant(8, code="17010"),  # line 9: a real commune, outside the studied territory
        repondant(9),
    ]
    path = ecrire(tmp_path / "enquete.csv", rows)
    result = lecture.charger(path, TERRITOIRE.codes)

    found = {(p.ligne, p.colonne, p.valeur) for p in result.problemes}
    assert found == {
        (3, "code_insee", "99999"),
        (4, "age", "12"),
        (5, "age", "quarante"),
        (5, "equip_smartphone", "peut-être"),
        (6, "id", "R1"),
        (7, "tranche_age", "75+"),
        (8, "sexe", "X"),
        (8, "difficulte_demarches", "rarement"),
        (9, "code_insee", "17010"),
    }
    assert all(p.motif for p in result.problemes)
    assert result.lignes_invalides == [3, 4, 5, 6, 7, 8, 9]
    assert "ligne 5, colonne « equip_smartphone », valeur « peut-être »" in result.rapport_texte()


def test_survey_weights_must_be_positive_and_given_on_every_row_or_none(tmp_path: Path) -> None:
    rows = [
        repondant(1, poids="1.5"),
        repondant(2, poids="-2"),
        repondant(3, poids=""),
        repondant(4, poids="0,8"),
    ]
    result = lecture.charger(ecrire(tmp_path / "e.csv", rows), TERRITOIRE.codes)
    assert {(p.ligne, p.colonne, p.valeur) for p in result.problemes} == {
        (3, "poids", "-2"),
        (4, "poids", ""),
    }
    assert result.poids[3] == 0.8  # a decimal comma is read as such


def test_a_file_with_problems_is_refused_unless_the_rows_are_explicitly_excluded(
    tmp_path: Path,
) -> None:
    rows = [repondant(i) for i in range(20)] + [repondant(99, age="200")]
    result = lecture.charger(ecrire(tmp_path / "e.csv", rows), TERRITOIRE.codes)

    with pytest.raises(ValidationError, match="1 lignes du fichier posent problème"):
        lecture.retenir(result)
    kept = lecture.retenir(result, exclure_lignes_invalides=True)
    assert kept.n_lignes == 20
    res = calculer(kept, TERRITOIRE)
    assert res.metadonnees()["lignes_exclues"] == 1
    assert "1 lignes exclues" in res.provenance()


def test_a_missing_required_column_is_reported_and_nothing_can_be_computed(
    tmp_path: Path,
) -> None:
    rows = [{k: v for k, v in repondant(i).items() if k != "code_insee"} for i in range(3)]
    result = lecture.charger(ecrire(tmp_path / "e.csv", rows), TERRITOIRE.codes)
    assert result.erreur_fatale
    assert (1, "code_insee") in {(p.ligne, p.colonne) for p in result.problemes}
    with pytest.raises(ValidationError):
        lecture.retenir(result, exclure_lignes_invalides=True)


@pytest.mark.parametrize(
    ("sep", "encoding"),
    [(";", "cp1252"), (",", "utf-8-sig"), (";", "utf-8"), (",", "cp1252")],
)
def test_csv_in_windows_1252_or_utf8_with_comma_or_semicolon_reads_the_same(
    tmp_path: Path, sep: str, encoding: str
) -> None:
    rows = [
        repondant(1, commentaire="Très bien, merci"),
        repondant(2, code="17200", sexe="m", connexion_domicile="NON", age="", tranche_age="75+"),
    ]
    path = ecrire(tmp_path / "e.csv", rows, sep=sep, encoding=encoding)
    result = lecture.charger(path, TERRITOIRE.codes)
    assert result.problemes == []
    assert list(result.code_insee) == ["17300", "17200"]
    assert list(result.tranche) == [2, 4]  # 40 years -> 40-59; 75+
    assert indicateurs(result)["sans_connexion"].tolist() == [0.0, 1.0]


def test_xlsx_first_sheet_is_read(tmp_path: Path) -> None:
    rows = [repondant(1), repondant(2, usage_internet_3mois="non")]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    header = list(rows[0])
    sheet.append(header)
    for row in rows:
        sheet.append([row[h] for h in header])
    book.create_sheet("autre").append(["rien"])
    path = tmp_path / "e.xlsx"
    book.save(path)
    result = lecture.charger(path, TERRITOIRE.codes)
    assert result.problemes == []
    assert indicateurs(result)["sans_internet"].tolist() == [0.0, 1.0]


def test_an_empty_answer_is_missing_and_not_a_no(tmp_path: Path) -> None:
    rows = [
        repondant(1, connexion_domicile=""),
        repondant(2, connexion_domicile="non"),
        repondant(3, aide_entourage="non", aide_lieu_connu=""),
        repondant(4, equip_smartphone="non", equip_ordinateur="non", equip_tablette=""),
    ]
    result = lecture.charger(ecrire(tmp_path / "e.csv", rows), TERRITOIRE.codes)
    values = indicateurs(result)
    assert np.isnan(values["sans_connexion"][0])
    assert values["sans_connexion"][1] == 1.0
    assert np.isnan(values["sans_aide"][2])
    assert np.isnan(values["sans_equipement"][3])
    assert values["sans_equipement"][0] == 0.0


def test_the_fingerprint_is_the_sha256_of_the_file_bytes(tmp_path: Path) -> None:
    import hashlib

    path = ecrire(tmp_path / "e.csv", [repondant(1)])
    result = lecture.charger(path, TERRITOIRE.codes)
    assert result.empreinte == hashlib.sha256(path.read_bytes()).hexdigest()


def test_windows_1252_is_recognised_even_when_the_first_accent_comes_late(
    tmp_path: Path,
) -> None:
    rows = [repondant(i, commentaire="rien") for i in range(3000)]
    rows[-1]["commentaire"] = "Très difficile"
    path = ecrire(tmp_path / "e.csv", rows, sep=";", encoding="cp1252")
    assert path.stat().st_size > 1 << 16
    assert lecture.lire_tableau(path)["commentaire"].iloc[-1] == "Très difficile"
    assert lecture.charger(path, TERRITOIRE.codes).problemes == []


def test_ne_sait_pas_is_missing_for_that_question_only(tmp_path: Path) -> None:
    rows = [repondant(i, connexion_domicile="non" if i < 3 else "oui") for i in range(10)]
    rows[0]["connexion_domicile"] = "NSP"
    rows[1]["aide_lieu_connu"] = "ne sait pas"
    rows[1]["aide_entourage"] = "non"
    survey = lecture.charger(ecrire(tmp_path / "e.csv", rows), TERRITOIRE.codes)
    assert survey.problemes == []
    values = indicateurs(survey)
    assert np.isnan(values["sans_connexion"][0])  # unknown for that question…
    assert values["sans_internet"][0] == 0.0  # …but the respondent counts everywhere else
    assert np.isnan(values["sans_aide"][1])
    assert (
        np.nansum(values["sans_connexion"]) == 2
        and np.isfinite(values["sans_connexion"]).sum() == 9
    )


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 pas un classeur"])
def test_an_empty_or_corrupt_workbook_gives_a_french_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "enquete.xlsx"
    path.write_bytes(content)
    with pytest.raises(
        ValidationError, match=r"Classeur illisible : enquete\.xlsx n.est pas un classeur"
    ):
        lecture.charger(path, TERRITOIRE.codes)


def test_a_csv_with_only_its_header_is_refused_in_french(tmp_path: Path) -> None:
    path = tmp_path / "vide.csv"
    path.write_text("id,code_insee,age,usage_internet_3mois\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"vide\.csv ne contient aucune réponse"):
        lecture.charger(path, TERRITOIRE.codes)
