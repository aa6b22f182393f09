"""Demonstration mandates at the France Services desk: active, expiring, expired, revoked, and one
category replaced by a newer mandate. Every person is invented."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.validation import fold
from mediation.mandats.creation import MandantIdentity, create_mandat
from mediation.mandats.revocation import revoke_mandat
from mediation.models import Beneficiaire

if TYPE_CHECKING:
    from core.demo import DemoContext

_LIEUX_NAISSANCE = ("La Rochelle", "Rochefort", "Niort", "Saintes", "Poitiers", "Nantes", "Angers")
_EXTRA_PEOPLE = (
    ("Moreau", "Huguette"),
    ("Garnier", "Marcel"),
    ("Chevalier", "Yvette"),
    ("Perrin", "Armand"),
    ("Lemaire", "Josiane"),
    ("Roussel", "Fernand"),
    ("Barbier", "Ginette"),
    ("Renaud", "Lucien"),
    ("Colin", "Simone"),
    ("Aubert", "Gérard"),
)

# (categories, duration in days, days since signature)
_PLAN: tuple[tuple[list[str], int, int], ...] = (
    (["social", "argent"], 365, 20),
    (["papiers"], 182, 40),
    (["logement", "famille"], 365, 90),
    (["transports"], 31, 12),  # expires within 30 days
    (["social"], 182, 170),  # expires within 30 days
    (["travail"], 31, 75),  # expired
    (["etranger", "justice"], 365, 60),  # revoked entirely below
    (["loisirs", "argent"], 182, 30),  # one category revoked below
    (["papiers", "social"], 365, 120),  # « social » replaced by the next one
    (["social", "logement"], 182, 5),
)


def _people(session: Session, demo: DemoContext, structure_id: int) -> list[Beneficiaire]:
    found = list(
        session.scalars(
            select(Beneficiaire)
            .where(
                Beneficiaire.structure_id == structure_id,
                Beneficiaire.anonyme.is_(False),
                Beneficiaire.efface.is_(False),
                Beneficiaire.nom.is_not(None),
                Beneficiaire.prenom.is_not(None),
            )
            .order_by(Beneficiaire.id)
            .limit(len(_PLAN))
        )
    )
    adults = [p for p in found if (p.annee_naissance or 1960) <= date.today().year - 25]
    for nom, prenom in _EXTRA_PEOPLE[: max(0, len(_PLAN) - 1 - len(adults))]:
        year = demo.rng.randint(1935, 1985)
        person = Beneficiaire(
            structure_id=structure_id,
            nom=nom,
            prenom=prenom,
            nom_cle=fold(nom),
            prenom_cle=fold(prenom),
            annee_naissance=year,
            date_naissance=date(year, demo.rng.randint(1, 12), demo.rng.randint(1, 28)),
            commune_insee="17300",
        )
        session.add(person)
        adults.append(person)
    session.flush()
    return adults


def populate(session: Session, demo: DemoContext) -> dict[str, int]:
    structure = demo.structures["france_services"]
    aidant = demo.actors["aidant"].with_structure(structure.id)
    people = _people(session, demo, structure.id)
    now = utcnow()
    created = []
    for index, (categories, duree, age_days) in enumerate(_PLAN):
        # The last two plans concern the same person: the newer replaces one category.
        person = people[min(index, len(_PLAN) - 2)]
        year = person.annee_naissance or demo.rng.randint(1940, 1985)
        birth = person.date_naissance or date(
            year, demo.rng.randint(1, 12), demo.rng.randint(1, 28)
        )
        mandat = create_mandat(
            session,
            aidant,
            person.id,
            categories=categories,
            duree_jours=duree,
            identite=MandantIdentity(
                person.nom or "", person.prenom or "", birth, demo.rng.choice(_LIEUX_NAISSANCE)
            ),
            mentions_lues=True,
            hors_mesure_protection=True,
            actions_specifiques="Création d'une adresse e-mail" if index == 0 else "",
            now=now - timedelta(days=age_days),
        )
        created.append(mandat)
    revoke_mandat(session, aidant, created[6].id, now=now - timedelta(days=10))
    revoke_mandat(session, aidant, created[7].id, "loisirs", now=now - timedelta(days=3))
    return {"mandats": len(created)}
