"""Each person's statistical profile key (``beneficiaire.profil_stat``, migration mediation_0004)
is kept by the database on every write, whatever writes it, and the statistics counted through
it give the figures worked out by hand below, on each engine."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert, select, update

from core.auth import Actor
from core.db import Database
from mediation import referentiel as ref
from mediation.accompagnements import AccompagnementData, record_accompagnement
from mediation.beneficiaires import update_beneficiaire
from mediation.models import Beneficiaire, StatProfil
from mediation.statistiques import Perimetre, calculer_statistiques
from tests.mediation.dossier_data import TODAY, Desks, add_person, make_desks, person


@pytest.fixture
def desks(db: Database, admin: Actor, make_agent) -> Desks:  # type: ignore[no-untyped-def]
    return make_desks(db, admin, make_agent)


def _profil(db: Database, beneficiaire_id: int) -> tuple[object, ...]:
    with db.read_session() as s:
        row = s.execute(
            select(StatProfil.genre, StatProfil.statut, StatProfil.commune_insee,
                   StatProfil.annee_naissance, StatProfil.tranche_age_declaree,
                   StatProfil.anonyme)
            .join(Beneficiaire, Beneficiaire.profil_stat == StatProfil.id)
            .where(Beneficiaire.id == beneficiaire_id)
        ).one()  # fmt: skip
    return tuple(row)


def _cle(db: Database, beneficiaire_id: int) -> int:
    with db.read_session() as s:
        cle = s.scalar(select(Beneficiaire.profil_stat).where(Beneficiaire.id == beneficiaire_id))
    assert cle is not None
    return int(cle)


def test_every_write_of_a_person_keeps_the_profile_key(db: Database, desks: Desks) -> None:
    a = add_person(db, desks.accueil_nord, nom="Aubert", genre="Féminin", statut="Retraité")
    b = add_person(db, desks.accueil_nord, nom="Bernard", genre="Féminin", statut="Retraité")
    c = add_person(db, desks.accueil_nord, nom="Colin", genre="Masculin", statut="Retraité")
    # Same profile, same key; another genre, another key.
    assert _cle(db, a) == _cle(db, b) != _cle(db, c)
    assert _profil(db, a) == ("Féminin", "Retraité", "17300", 1950, None, False)

    # An edit through the use case moves the person to the profile of their new values.
    with db.session() as s:
        update_beneficiaire(
            s, desks.accueil_nord, b, person(nom="Bernard", genre="Masculin", statut="Retraité"),
            today=TODAY,
        )  # fmt: skip
    assert _cle(db, b) == _cle(db, c) != _cle(db, a)

    # A bulk insert (as the import and the demo write) and a plain UPDATE get it too.
    with db.session() as s:
        d = s.scalars(
            insert(Beneficiaire).returning(Beneficiaire.id),
            [{"structure_id": desks.nord, "anonyme": True, "genre": "Non communiqué",
              "statut": "Sans emploi", "tranche_age_declaree": "18 - 24 ans"}],
        ).one()  # fmt: skip
    assert _profil(db, d) == ("Non communiqué", "Sans emploi", None, None, "18 - 24 ans", True)
    with db.session() as s:
        s.execute(update(Beneficiaire).where(Beneficiaire.id == d).values(commune_insee="17028"))
    assert _profil(db, d) == ("Non communiqué", "Sans emploi", "17028", None, "18 - 24 ans", True)
    # A value with the separator inside stays its own profile.
    with db.session() as s:
        s.execute(update(Beneficiaire).where(Beneficiaire.id == c).values(genre="Masculin|2"))
    assert _profil(db, c)[0] == "Masculin|2" and _cle(db, c) != _cle(db, b)


def _activite(jour: date, people: list[int]) -> AccompagnementData:
    return AccompagnementData(
        type=ref.TYPE_INDIVIDUEL if len(people) == 1 else ref.TYPE_COLLECTIF,
        date=jour,
        duree_min=45,
        lieu_type=ref.LIEUX[0],
        thematiques=[ref.THEMATIQUES[0]],
        materiel=["Pas de matériel"],
        beneficiaire_ids=people,
        atelier_titre=None if len(people) == 1 else "Atelier",
    )


@pytest.mark.parametrize("parcours", ["jours", "personnes"])
def test_distinct_people_of_a_period_by_profile_as_counted_by_hand(
    db: Database, desks: Desks, parcours: str
) -> None:
    actor = desks.accueil_nord
    # Aubert and Bernard share a profile; Colin declared an age band; Dubois is only seen
    # outside the period; Bernard changes statut after being seen (the profile counted is the
    # one on file now).
    a = add_person(db, actor, nom="Aubert", genre="Féminin", statut="Retraité",
                   annee_naissance=1950, commune_insee="17300")  # fmt: skip
    b = add_person(db, actor, nom="Bernard", genre="Féminin", statut="Retraité",
                   annee_naissance=1950, commune_insee="17300")  # fmt: skip
    c = add_person(db, actor, nom="Colin", genre="Masculin", statut="En emploi",
                   annee_naissance=None, tranche_age_declaree="18 - 24 ans",
                   commune_insee="17028")  # fmt: skip
    d = add_person(db, actor, nom="Dubois", genre="Masculin", statut="Sans emploi",
                   annee_naissance=2000, commune_insee="17028")  # fmt: skip
    with db.session() as s:
        record_accompagnement(s, actor, _activite(date(2026, 1, 10), [c]), today=TODAY)
        record_accompagnement(s, actor, _activite(date(2026, 3, 2), [a]), today=TODAY)
        record_accompagnement(s, actor, _activite(date(2026, 3, 20), [a, b, c]), today=TODAY)
        record_accompagnement(s, actor, _activite(date(2026, 5, 5), [d]), today=TODAY)
    with db.session() as s:
        update_beneficiaire(
            s, actor, b, person(nom="Bernard", genre="Féminin", statut="Sans emploi",
                                annee_naissance=1950, commune_insee="17300"), today=TODAY,
        )  # fmt: skip

    with db.read_session() as s:
        stats = calculer_statistiques(
            s, desks.coordinateur, Perimetre(date(2026, 3, 1), date(2026, 3, 31)),
            parcours=parcours,
        )  # fmt: skip

    def lignes(section: object) -> dict[str, int]:
        return {ligne.libelle: ligne.nombre for ligne in section.lignes if ligne.nombre}  # type: ignore[attr-defined]

    # In March: Aubert (twice), Bernard, Colin — three people; Dubois is not.
    assert stats.beneficiaires == 3
    # Aubert and Bernard first came in March; Colin came in January.
    assert stats.nouveaux_beneficiaires == 2
    assert lignes(stats.genres) == {"Féminin": 2, "Masculin": 1}
    # Born 1950: 76 in 2026 (« 70 ans et plus »); Colin's declared band.
    assert lignes(stats.tranches_age) == {"70 ans et plus": 2, "18 - 24 ans": 1}
    assert lignes(stats.statuts) == {"Retraité": 1, "Sans emploi": 1, "En emploi": 1}
    communes = {ligne.code: ligne.nombre for ligne in stats.communes.lignes if ligne.nombre}
    assert communes == {"17300": 2, "17028": 1}
