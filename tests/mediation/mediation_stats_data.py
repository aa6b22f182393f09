"""Synthetic activity inserted as plain ORM rows, for the statistics and export tests.

The tests compute their expected figures from the small literal data set below, independently
of the code under test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from core.auth import Actor
from core.db import Database
from core.models import Role, Structure
from mediation import agregats
from mediation.accompagnements import avancer_premier_accompagnement
from mediation.models import (
    Accompagnement,
    AccompagnementMateriel,
    AccompagnementParticipant,
    AccompagnementThematique,
    Beneficiaire,
    ParticipantsAnonymes,
)

MakeAgent = Callable[..., Actor]  # the ``make_agent`` fixture

INDIVIDUEL = "Accompagnement individuel"
ATELIER = "Atelier collectif"


def beneficiaire(
    session: Session,
    structure_id: int,
    *,
    nom: str | None = "Durand",
    prenom: str | None = "Béatrice",
    annee: int | None = None,
    genre: str = "Non communiqué",
    statut: str = "Non communiqué ou hétérogène",
    commune: str | None = None,
    tranche_declaree: str | None = None,
    created: datetime | None = None,
    anonyme: bool = False,
) -> Beneficiaire:
    b = Beneficiaire(
        structure_id=structure_id,
        anonyme=anonyme,
        nom=nom,
        prenom=prenom,
        nom_cle=nom.lower() if nom else None,
        prenom_cle=prenom.lower() if prenom else None,
        annee_naissance=annee,
        genre=genre,
        statut=statut,
        commune_insee=commune,
        tranche_age_declaree=tranche_declaree,
        created_at=created or datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
    )
    session.add(b)
    session.flush()
    return b


def accompagnement(
    session: Session,
    structure_id: int,
    agent_id: int,
    *,
    jour: date,
    duree: int = 30,
    type_: str = INDIVIDUEL,
    lieu: str = "Lieu d'activité",
    thematiques: tuple[str, ...] = ("E-mail",),
    materiels: tuple[str, ...] = ("Ordinateur",),
    participants: tuple[Beneficiaire, ...] = (),
    anonymes: tuple[tuple[str, str, str, int], ...] = (),
    autonomie: str | None = None,
    orientation: str | None = None,
    titre: str | None = None,
    sous_themes: tuple[str, ...] = (),
) -> Accompagnement:
    a = Accompagnement(
        structure_id=structure_id,
        agent_id=agent_id,
        type=type_,
        date=jour,
        duree_min=duree,
        lieu_type=lieu,
        sous_themes_admin=list(sous_themes),
        autonomie=autonomie,
        oriente=orientation is not None,
        orientation=orientation,
        atelier_titre=titre,
    )
    session.add(a)
    session.flush()
    session.add_all(
        AccompagnementThematique(accompagnement_id=a.id, thematique=t) for t in thematiques
    )
    session.add_all(AccompagnementMateriel(accompagnement_id=a.id, materiel=m) for m in materiels)
    session.add_all(
        AccompagnementParticipant(accompagnement_id=a.id, beneficiaire_id=b.id)
        for b in participants
    )
    session.add_all(
        ParticipantsAnonymes(accompagnement_id=a.id, genre=g, tranche_age=t, statut=s, nombre=n)
        for g, t, s, n in anonymes
    )
    # What record_accompagnement does besides the rows: the people's first-accompaniment date.
    avancer_premier_accompagnement(session, [b.id for b in participants], jour)
    session.flush()
    # ... and the statistics' daily counts.
    agregats.apres_accompagnement(session, a)
    return a


@dataclass
class JeuStructures:
    nord: int
    sud: int


def deux_structures(db: Database) -> JeuStructures:
    with db.session() as s:
        nord = Structure(nom="Médiathèque Nord (test)", commune_insee="17300")
        sud = Structure(nom="Espace Sud (test)", commune_insee="17028")
        s.add_all([nord, sud])
        s.flush()
        return JeuStructures(nord.id, sud.id)


Jeu = tuple[
    JeuStructures, Actor, Actor, Actor
]  # structures, mediator Nord, mediator Sud, coordinator


def activite_2026(db: Database, make_agent: MakeAgent) -> Jeu:
    """Four accompaniments in 2026 (three at Nord, one at Sud) and two outside the year."""
    st = deux_structures(db)
    nord = make_agent((Role.MEDIATEUR, st.nord), login="med-nord")
    sud = make_agent((Role.MEDIATEUR, st.sud), login="med-sud")
    coord = make_agent((Role.COORDINATEUR, None), login="coord")
    y2026 = datetime(2026, 1, 5, 10, tzinfo=UTC)
    with db.session() as s:
        b1 = beneficiaire(
            s,
            st.nord,
            prenom="Béatrice",
            annee=1950,
            genre="Féminin",
            statut="Retraité",
            commune="17300",
            created=y2026,
        )
        b2 = beneficiaire(
            s,
            st.nord,
            prenom="Marc",
            annee=2000,
            genre="Masculin",
            statut="En emploi",
            commune="17028",
            created=datetime(2025, 6, 1, tzinfo=UTC),
        )
        b3 = beneficiaire(s, st.nord, nom=None, prenom=None, anonyme=True, created=y2026)
        b4 = beneficiaire(
            s,
            st.nord,
            prenom="Léa",
            annee=2010,
            genre="Féminin",
            statut="Scolarisé",
            commune="75056",
            created=y2026,
        )
        b5 = beneficiaire(
            s,
            st.sud,
            prenom="Omar",
            annee=1980,
            genre="Masculin",
            statut="Sans emploi",
            commune="17300",
            created=datetime(2026, 6, 1, tzinfo=UTC),
        )
        accompagnement(
            s,
            st.nord,
            nord.agent_id,
            jour=date(2026, 2, 10),
            duree=20,
            thematiques=("E-mail", "Santé"),
            materiels=("Ordinateur",),
            participants=(b1,),
        )
        accompagnement(
            s,
            st.nord,
            nord.agent_id,
            jour=date(2026, 3, 15),
            duree=45,
            lieu="À distance",
            thematiques=("Aide aux démarches administratives",),
            materiels=("Téléphone",),
            participants=(b1,),
        )
        accompagnement(
            s,
            st.nord,
            nord.agent_id,
            jour=date(2026, 5, 20),
            duree=90,
            type_=ATELIER,
            titre="Premiers pas",
            thematiques=("Bureautique", "E-mail"),
            materiels=("Ordinateur", "Tablette"),
            participants=(b2, b3, b4),
            anonymes=(
                ("Féminin", "60 - 69 ans", "Retraité", 2),
                ("Masculin", "Non communiqué", "Non communiqué ou hétérogène", 1),
            ),
        )
        accompagnement(
            s,
            st.sud,
            sud.agent_id,
            jour=date(2026, 6, 1),
            duree=150,
            lieu="À domicile",
            thematiques=("Santé",),
            materiels=("Pas de matériel",),
            participants=(b5,),
        )
        accompagnement(
            s, st.nord, nord.agent_id, jour=date(2025, 12, 31), duree=60, participants=(b2,)
        )
        accompagnement(
            s, st.nord, nord.agent_id, jour=date(2027, 1, 1), duree=60, participants=(b1,)
        )
    return st, nord, sud, coord
