"""Fixtures of the Pass numérique tests: a médiathèque issuing chequebooks, a referenced
association redeeming them, a coordinator, a running campaign and eligible beneficiaries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest

from core.auth import Actor, create_structure
from core.db import Database
from core.models import Role
from core.validation import fold, luhn_ok
from mediation.models import Beneficiaire, Diagnostic
from pass_numerique.campagnes import CampagneData, create_campagne
from pass_numerique.structures import ReferencementData, reference_structure

TODAY = date(2026, 3, 12)
# A valid IBAN (ISO 13616 example account, key checked by hand: 98 - (…) mod 97).
IBAN = "FR7630006000011234567890189"


def synthetic_siret(n: int) -> str:
    base = f"99800000{n:02d}000"
    return next(base + str(d) for d in range(10) if luhn_ok(base + str(d)))


@dataclass
class World:
    db: Database
    coordinateur: Actor
    accueil: Actor
    mediateur: Actor
    mediateur_ailleurs: Actor  # a referenced structure not referenced for the campaign
    campagne_id: int
    mediatheque_id: int
    association_id: int
    association_siret: str
    ref_association: int
    beneficiaire_id: int
    add_beneficiaire: Callable[..., int]


def _add_beneficiaire(
    db: Database,
    structure_id: int,
    agent_id: int,
    *,
    prenom: str = "Odile",
    nom: str = "Lambert",
    born: date | None = date(1960, 5, 2),
    commune: str | None = "17300",
    diagnostic: bool = True,
) -> int:
    with db.session() as s:
        b = Beneficiaire(
            structure_id=structure_id,
            nom=nom,
            prenom=prenom,
            nom_cle=fold(nom),
            prenom_cle=fold(prenom),
            annee_naissance=born.year if born else None,
            date_naissance=born,
            commune_insee=commune,
        )
        s.add(b)
        s.flush()
        if diagnostic:
            s.add(
                Diagnostic(
                    beneficiaire_id=b.id,
                    structure_id=structure_id,
                    agent_id=agent_id,
                    date=date(2026, 3, 1),
                    thematiques=["Prendre en main du matériel informatique"],
                )
            )
        return b.id


@pytest.fixture
def world(db: Database, make_agent) -> World:  # type: ignore[no-untyped-def]
    with db.session() as s:
        mediatheque = create_structure(s, None, "Médiathèque test", siret=synthetic_siret(1))
        autre = create_structure(s, None, "Cyberbase test", siret=synthetic_siret(3))
        mediatheque_id, autre_id = mediatheque.id, autre.id
    coordinateur = make_agent((Role.COORDINATEUR, None))
    with db.session() as s:
        campagne = create_campagne(
            s,
            coordinateur,
            CampagneData(
                nom="Pass numérique 2026",
                financeur="Agglomération test",
                debut=date(2026, 1, 1),
                fin=date(2026, 12, 31),
            ),
        )
        other = create_campagne(
            s,
            coordinateur,
            CampagneData(
                nom="Autre campagne",
                financeur="Autre",
                debut=date(2026, 1, 1),
                fin=date(2026, 12, 31),
            ),
        )
        ref = reference_structure(
            s,
            coordinateur,
            ReferencementData(
                siret=synthetic_siret(2),
                nom="Association test",
                adresse="3 allée des Tilleuls",
                code_postal="17440",
                iban=IBAN,
                titulaire="Association test",
                actif_du=date(2026, 1, 1),
                services=["Accompagnement individuel"],
                campagnes=[campagne.id],
            ),
        )
        reference_structure(
            s,
            coordinateur,
            ReferencementData(
                siret=synthetic_siret(3),
                iban=IBAN,
                titulaire="Cyberbase",
                actif_du=date(2026, 1, 1),
                campagnes=[other.id],
            ),
        )
        campagne_id, ref_id, association_id = campagne.id, ref.id, ref.structure_id
    accueil = make_agent((Role.ACCUEIL, mediatheque_id))
    mediateur = make_agent((Role.MEDIATEUR, association_id))
    ailleurs = make_agent((Role.MEDIATEUR, autre_id))

    def add(**kwargs: object) -> int:
        return _add_beneficiaire(db, mediatheque_id, accueil.agent_id, **kwargs)  # type: ignore[arg-type]

    return World(
        db,
        coordinateur,
        accueil,
        mediateur,
        ailleurs,
        campagne_id,
        mediatheque_id,
        association_id,
        synthetic_siret(2),
        ref_id,
        add(),
        add,
    )
