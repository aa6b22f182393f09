"""Statistics of the mediation activity, in the sections of the national export."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest

from core.auth import Actor
from core.db import Database
from core.errors import PermissionDenied, ValidationError
from core.models import Role
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
    assert stats.activites == 4
    # One per person and activity: the atelier counts its three named and three anonymous people.
    assert stats.accompagnements == 1 + 1 + (3 + 3) + 1
    assert stats.participants_ateliers == 3 + 3
    # Béatrice came twice, counted once; the atelier's three anonymous people are people too.
    assert stats.beneficiaires == 5 + 3
    assert stats.beneficiaires_suivis == 4  # Béatrice, Marc, Léa, Omar
    assert stats.beneficiaires_anonymes == 1 + 3
    assert stats.libelle_perimetre == "Tout le territoire"


def test_new_beneficiaries_are_those_first_accompanied_in_the_period(
    db: Database, jeu: Jeu
) -> None:
    st, nord, _sud, coord = jeu
    with db.session() as s:
        # Registered long ago, first accompanied in 2026: new in 2026.
        ancien = beneficiaire(s, st.nord, prenom="Ancien", created=datetime(2020, 3, 1, tzinfo=UTC))
        accompagnement(s, st.nord, nord.agent_id, jour=date(2026, 9, 1), participants=(ancien,))
    stats = _stats(db, coord)
    # Béatrice, the anonymous person, Léa, Omar, « Ancien », the three anonymous atelier
    # participants; not Marc, accompanied on 31/12/2025.
    assert stats.nouveaux_beneficiaires == 4 + 1 + 3


def test_individual_and_collective_are_told_apart(db: Database, jeu: Jeu) -> None:
    stats = _stats(db, jeu[3])
    assert stats.types.nombre("Accompagnement individuel") == 3
    assert stats.types.nombre("Atelier collectif") == 1
    assert stats.types.total == 4
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


def test_a_duration_on_a_bound_starts_the_next_bucket_as_the_coop_counts_it(
    db: Database, make_agent: MakeAgent
) -> None:
    st = deux_structures(db)
    coord = make_agent((Role.COORDINATEUR, None))
    with db.session() as s:
        for minutes in (15, 29, 30, 45, 59, 60, 90, 119, 120, 180):
            accompagnement(s, st.nord, coord.agent_id, jour=date(2026, 4, 1), duree=minutes)
    stats = _stats(db, coord)
    assert [(ligne.libelle, ligne.nombre) for ligne in stats.durees.lignes] == [
        ("Moins de 30 min", 2),  # 15, 29
        ("30min à 1 h", 3),  # 30, 45, 59
        ("1 h à 2 h", 3),  # 60, 90, 119
        ("2 h et plus", 2),  # 120, 180
    ]
    assert stats.durees.titre == "Durées des activités"


def test_administrative_sub_themes_have_their_own_section(
    db: Database, make_agent: MakeAgent
) -> None:
    st = deux_structures(db)
    coord = make_agent((Role.COORDINATEUR, None))
    demarches = ("Aide aux démarches administratives",)
    with db.session() as s:
        accompagnement(
            s, st.nord, coord.agent_id, jour=date(2026, 4, 1), thematiques=demarches,
            sous_themes=("Logement", "Étrangers - Europe"),
        )  # fmt: skip
        accompagnement(
            s, st.sud, coord.agent_id, jour=date(2026, 4, 2), thematiques=demarches,
            sous_themes=("Logement",),
        )  # fmt: skip
        accompagnement(  # outside the period
            s, st.sud, coord.agent_id, jour=date(2027, 4, 2), thematiques=demarches,
            sous_themes=("Justice",),
        )  # fmt: skip
    stats = _stats(db, coord)
    assert stats.demarches.titre == "Thématiques Démarches administratives"
    assert len(stats.demarches.lignes) == 11
    assert stats.demarches.lignes[0].libelle == "Papiers - Élections - Citoyenneté"
    assert {ligne.libelle: ligne.nombre for ligne in stats.demarches.lignes if ligne.nombre} == {
        "Logement": 2,
        "Étrangers - Europe": 1,
    }
    assert stats.thematiques.nombre("Aide aux démarches administratives") == 2


def test_activities_are_counted_per_place(db: Database, jeu: Jeu) -> None:
    stats = _stats(db, jeu[3])
    assert stats.lieux.titre == "Nombre d’activités par lieux"
    assert [(ligne.libelle, ligne.nombre) for ligne in stats.lieux.lignes] == [
        ("Médiathèque Nord (test)", 3),
        ("Espace Sud (test)", 1),
    ]
    assert [section.titre for section in stats.sections][2:] == [
        "Thématiques Médiation numérique",
        "Thématiques Démarches administratives",
        "Tags",
        "Matériel utilisés",
        "Canaux des activités",
        "Durées des activités",
        "Nombre d’activités par lieux",
        "Genre",
        "Tranches d’âge",
        "Statuts",
        "Commune de résidence des bénéficiaires",
    ]


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
    assert stats.activites == 6
    assert stats.beneficiaires == 5 + 3
    assert stats.thematiques.nombre("E-mail") == 4
    assert stats.accompagnements == 9 + 2


@pytest.mark.parametrize("parcours", ["jours", "personnes"])
def test_an_accompaniment_recorded_late_for_another_period_is_left_out(
    db: Database, jeu: Jeu, parcours: str
) -> None:
    st, nord, _sud, coord = jeu
    with db.session() as s:
        # recorded after the others (higher ids), dated inside and outside the period
        zoe = beneficiaire(s, st.nord, prenom="Zoé", genre="Féminin")
        accompagnement(
            s, st.nord, nord.agent_id, jour=date(2025, 6, 1), thematiques=("Santé",),
            participants=(zoe,),
        )  # fmt: skip
        accompagnement(s, st.nord, nord.agent_id, jour=date(2026, 7, 1), thematiques=("Santé",))
    with db.read_session() as s:
        # Both ways of finding the period's people: by the days' rows, by one probe per person.
        stats = calculer_statistiques(s, coord, ANNEE_2026, parcours=parcours)
    assert stats.activites == 5
    assert stats.beneficiaires == 5 + 3  # Zoé came only in 2025
    assert stats.genres.nombre("Féminin") == 4
    assert stats.thematiques.nombre("Santé") == 3
    assert stats.materiels.nombre("Ordinateur") == 3
    assert stats.types.nombre("Accompagnement individuel") == 4


def test_a_mediator_sees_only_its_own_structure(db: Database, jeu: Jeu) -> None:
    st, nord, _sud, _coord = jeu
    with db.read_session() as s:
        stats = calculer_statistiques(s, nord, ANNEE_2026)
        assert stats.activites == 3
        assert stats.beneficiaires == 4 + 3
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
    assert par_structure.activites == 1
    assert par_structure.libelle_perimetre == "Espace Sud (test)"
    assert par_mediateur.activites == 1
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
    assert stats.activites == stats.accompagnements == 0
    assert stats.beneficiaires == stats.nouveaux_beneficiaires == 0
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
