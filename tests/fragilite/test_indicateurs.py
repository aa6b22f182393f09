from __future__ import annotations

import math

from fragilite import codebook
from fragilite.indicateurs import calculer
from tests.fragilite.enquetes import enquete, repondant


def _sans(domaines: list[str]) -> dict[str, str]:
    """Answers « non » to every activity of the given domains."""
    return {col: "non" for d in domaines for col in codebook.DOMAINES[d]}


def _un(row: dict[str, str]) -> dict[str, float]:
    values = calculer(enquete([row]))
    return {k: float(v[0]) for k, v in values.items()}


def test_lacking_four_skill_domains_is_illectronism_three_is_not() -> None:
    four = _un(repondant(1, **_sans(["information", "communication", "contenu", "securite"])))
    three = _un(repondant(2, **_sans(["information", "communication", "contenu"])))
    assert four["illectronisme"] == 1.0
    assert four["sous_competences_base"] == 1.0
    assert three["illectronisme"] == 0.0
    assert three["sous_competences_base"] == 1.0


def test_no_internet_use_is_illectronism_and_no_skill_in_any_domain() -> None:
    row = _un(repondant(1, usage_internet_3mois="non"))
    assert row["sans_internet"] == 1.0
    assert row["illectronisme"] == 1.0
    assert row["sous_competences_base"] == 1.0


def test_one_activity_per_domain_is_basic_skills() -> None:
    answers = {col: "non" for col in codebook.ACTIVITES}
    answers.update({cols[0]: "oui" for cols in codebook.DOMAINES.values()})
    row = _un(repondant(1, **answers))
    assert row["sous_competences_base"] == 0.0
    assert row["illectronisme"] == 0.0


def test_a_domain_with_only_no_and_blank_answers_is_unknown() -> None:
    answers = {"info_recherche": "non", "info_verif_source": ""}
    row = _un(repondant(1, **answers))
    assert math.isnan(row["sous_competences_base"])
    assert row["illectronisme"] == 0.0  # four domains basic: settled either way


def test_difficulty_with_procedures_counts_often_and_always_and_leaves_out_non_users() -> None:
    values = [
        _un(repondant(i, difficulte_demarches=d))["difficulte_demarches"]
        for i, d in enumerate(codebook.DIFFICULTES)
    ]
    assert values[:4] == [0.0, 0.0, 1.0, 1.0]
    assert math.isnan(values[4])


def test_no_help_needs_nobody_close_and_no_known_place() -> None:
    assert _un(repondant(1, aide_entourage="non", aide_lieu_connu="non"))["sans_aide"] == 1.0
    assert _un(repondant(1, aide_entourage="non", aide_lieu_connu="oui"))["sans_aide"] == 0.0


def test_no_equipment_means_no_computer_no_tablet_and_no_smartphone() -> None:
    none = repondant(1, equip_smartphone="non", equip_ordinateur="non", equip_tablette="non")
    phone = repondant(2, equip_smartphone="oui", equip_ordinateur="non", equip_tablette="non")
    assert _un(none)["sans_equipement"] == 1.0
    assert _un(phone)["sans_equipement"] == 0.0
