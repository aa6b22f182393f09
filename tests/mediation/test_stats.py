"""Statistics of the mediation activity, in the sections of the national export."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from core.auth import Actor
from core.db import Database
from core.errors import PermissionDenied, ValidationError
from core.models import Role
from mediation import statistiques
from mediation.referentiel import TRANCHES_AGE, tranche_age
from mediation.statistiques import Perimetre, Statistiques, calculer_statistiques
from tests.mediation.mediation_stats_data import (
    ATELIER,
    Jeu,
    JeuStructures,
    MakeAgent,
    accompagnement,
    activite_2026,
    beneficiaire,
    deux_structures,
)

ANNEE_2026 = Perimetre(date(2026, 1, 1), date(2026, 12, 31))


@pytest.fixture
def jeu(db: Database, make_agent: MakeAgent) -> tuple[JeuStructures, Actor, Actor, Actor]:
    return activite_2026(db, make_agent)


def test_territory_totals_count_the_period_only(db: Database, jeu: Jeu) -> None:
    _st, _nord, _sud, coord = jeu
    with db.read_session() as s:
        stats = calculer_statistiques(s, coord, ANNEE_2026)
    assert stats.accompagnements == 4
    assert stats.beneficiaires == 5  # Béatrice came twice, counted once
    assert stats.participants == 1 + 1 + (3 + 3) + 1
    assert stats.nouveaux_beneficiaires == 4  # Marc was registered in 2025
    assert stats.libelle_perimetre == "Tout le territoire"


def test_individual_and_collective_are_told_apart(db: Database, jeu: Jeu) -> None:
    stats = _stats(db, jeu[3])
    assert stats.types.nombre("Accompagnement individuel") == 3
    assert stats.types.nombre("Atelier collectif") == 1
    assert stats.participants_par_type.nombre("Atelier collectif") == 6
    assert stats.participants_par_type.nombre("Accompagnement individuel") == 3


def test_thematiques_materiel_and_canaux_count_accompaniments(db: Database, jeu: Jeu) -> None:
    stats = _stats(db, jeu[3])
    assert stats.thematiques.nombre("E-mail") == 2
    assert stats.thematiques.nombre("Santé") == 2
    assert stats.thematiques.nombre("Aide aux démarches administratives") == 1
    assert stats.thematiques.nombre("Parentalité") == 0
    # every national value is listed, in the national order, even at zero
    assert stats.thematiques.lignes[0].libelle == "Diagnostic numérique"
    assert len(stats.thematiques.lignes) == 19
    assert stats.materiels.nombre("Ordinateur") == 2
    assert stats.materiels.nombre("Pas de matériel") == 1
    assert stats.canaux.nombre("Lieu d'activité") == 2
    assert stats.canaux.nombre("À distance") == 1
    assert stats.canaux.nombre("À domicile") == 1
    assert stats.canaux.part(stats.canaux.lignes[0]) == pytest.approx(0.5)


def test_durations_fall_in_the_national_buckets(db: Database, jeu: Jeu) -> None:
    stats = _stats(db, jeu[3])
    assert [ligne.nombre for ligne in stats.durees.lignes] == [1, 1, 1, 1]
    assert stats.duree_totale_min == 20 + 45 + 90 + 150


def test_profiles_include_anonymous_atelier_participants(db: Database, jeu: Jeu) -> None:
    stats = _stats(db, jeu[3])
    assert stats.genres.total == 8
    assert stats.genres.nombre("Féminin") == 4
    assert stats.genres.nombre("Masculin") == 3
    assert stats.genres.nombre("Non communiqué") == 1
    assert stats.tranches_age.nombre("70 ans et plus") == 1
    assert stats.tranches_age.nombre("25 - 39 ans") == 1
    assert stats.tranches_age.nombre("12 - 17 ans") == 1
    assert stats.tranches_age.nombre("40 - 59 ans") == 1
    assert stats.tranches_age.nombre("60 - 69 ans") == 2
    assert stats.tranches_age.nombre("Non communiqué") == 2  # a value, not a blank
    assert stats.statuts.nombre("Retraité") == 3
    assert stats.statuts.nombre("Non communiqué ou hétérogène") == 2


def test_communes_of_residence_mark_those_outside_the_territory(db: Database, jeu: Jeu) -> None:
    stats = _stats(db, jeu[3])
    par_code = {ligne.code: ligne for ligne in stats.communes.lignes}
    assert par_code["17300"].nombre == 2
    assert par_code["17300"].libelle == "La Rochelle"
    assert par_code["17028"].nombre == 1
    assert par_code["75056"].libelle == "Paris (hors territoire)"
    assert stats.communes.nombre("Non communiqué") == 1 + 3
    assert sum(ligne.nombre for ligne in stats.communes.lignes) == 8


def test_a_period_spanning_every_accompaniment_counts_them_all(db: Database, jeu: Jeu) -> None:
    with db.read_session() as s:
        stats = calculer_statistiques(s, jeu[3], Perimetre(date(2000, 1, 1), date(2030, 12, 31)))
    assert stats.accompagnements == 6
    assert stats.beneficiaires == 5
    assert stats.thematiques.nombre("E-mail") == 4
    assert stats.participants == 9 + 2


@pytest.mark.parametrize("tolerated", [0, 5000], ids=["join", "id-range-minus-strangers"])
def test_an_accompaniment_recorded_late_for_another_period_is_left_out(
    db: Database,
    jeu: Jeu,
    tolerated: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(statistiques, "MAX_EXCLUS", tolerated)
    st, nord, _sud, coord = jeu
    with db.session() as s:
        # recorded after the others (higher ids), dated inside and outside the period
        zoe = beneficiaire(s, st.nord, prenom="Zoé", genre="Féminin")
        accompagnement(
            s, st.nord, nord.agent_id, jour=date(2025, 6, 1), thematiques=("Santé",),
            participants=(zoe,),
        )  # fmt: skip
        accompagnement(s, st.nord, nord.agent_id, jour=date(2026, 7, 1), thematiques=("Santé",))
    stats = _stats(db, coord)
    assert stats.accompagnements == 5
    assert stats.beneficiaires == 5  # Zoé came only in 2025
    assert stats.genres.nombre("Féminin") == 4
    assert stats.thematiques.nombre("Santé") == 3
    assert stats.materiels.nombre("Ordinateur") == 3
    assert stats.types.nombre("Accompagnement individuel") == 4


def test_a_mediator_sees_only_its_own_structure(db: Database, jeu: Jeu) -> None:
    st, nord, _sud, _coord = jeu
    with db.read_session() as s:
        stats = calculer_statistiques(s, nord, ANNEE_2026)
        assert stats.accompagnements == 3
        assert stats.beneficiaires == 4
        assert stats.libelle_perimetre == "Toutes vos structures"
        with pytest.raises(PermissionDenied):
            calculer_statistiques(
                s, nord, Perimetre(ANNEE_2026.du, ANNEE_2026.au, structure_id=st.sud)
            )


def test_coordinator_narrows_to_one_structure_or_one_mediator(db: Database, jeu: Jeu) -> None:
    st, _nord, sud, coord = jeu
    with db.read_session() as s:
        par_structure = calculer_statistiques(
            s, coord, Perimetre(ANNEE_2026.du, ANNEE_2026.au, structure_id=st.sud)
        )
        par_mediateur = calculer_statistiques(
            s, coord, Perimetre(ANNEE_2026.du, ANNEE_2026.au, agent_id=sud.agent_id)
        )
    assert par_structure.accompagnements == 1
    assert par_structure.libelle_perimetre == "Espace Sud (test)"
    assert par_mediateur.accompagnements == 1
    assert par_mediateur.thematiques.nombre("Santé") == 1


def test_an_administrator_without_desk_role_cannot_read_statistics(
    db: Database, admin: Actor
) -> None:
    with db.read_session() as s, pytest.raises(PermissionDenied):
        calculer_statistiques(s, admin, ANNEE_2026)


def test_a_period_ending_before_it_starts_is_refused(db: Database, jeu: Jeu) -> None:
    with db.read_session() as s, pytest.raises(ValidationError, match="fin"):
        calculer_statistiques(s, jeu[3], Perimetre(date(2026, 5, 1), date(2026, 4, 1)))


def test_empty_period_gives_zeros_not_errors(db: Database, jeu: Jeu) -> None:
    with db.read_session() as s:
        stats = calculer_statistiques(s, jeu[3], Perimetre(date(2030, 1, 1), date(2030, 1, 31)))
    assert stats.accompagnements == 0
    assert stats.beneficiaires == 0
    assert stats.genres.part(stats.genres.lignes[0]) == 0.0


def test_age_bands_in_sql_match_the_referentiel_derivation_for_every_birth_year(
    db: Database,
    make_agent: MakeAgent,
) -> None:
    st = deux_structures(db)
    coord = make_agent((Role.COORDINATEUR, None))
    annees = [*range(1900, 2031), None]
    with db.session() as s:
        gens = tuple(beneficiaire(s, st.nord, annee=a) for a in annees)
        accompagnement(
            s, st.nord, coord.agent_id, jour=date(2026, 4, 1), type_=ATELIER, participants=gens
        )
    attendu = Counter(tranche_age(a, None, date(2026, 12, 31)) for a in annees)
    stats = _stats(db, coord)
    assert {ligne.libelle: ligne.nombre for ligne in stats.tranches_age.lignes} == {
        tranche: attendu.get(tranche, 0) for tranche in TRANCHES_AGE
    }
    assert attendu["Non communiqué"] == 1 + 4  # no year; born after 2026


def _stats(db: Database, actor: Actor) -> Statistiques:
    with db.read_session() as s:
        return calculer_statistiques(s, actor, ANNEE_2026)
