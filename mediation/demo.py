"""Demonstration data of the case file: beneficiaries (named and anonymous, accented names),
needs assessments and a year of accompaniments across the demo structures.

A handful of files go through the real use cases (journal entries, a probable duplicate to merge);
the volume is bulk-inserted in chunks with explicit ids, so that ``demo --beneficiaires 200000
--accompagnements 1000000`` takes minutes, not hours. Every value comes from ``demo.rng``: the same
command gives the same database.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from core.db import utcnow
from core.demo import DemoContext
from core.models import TerritoryCommune
from core.validation import fold
from mediation import agregats
from mediation import referentiel as ref
from mediation.accompagnements import AccompagnementData, record_accompagnement
from mediation.beneficiaires import BeneficiaireData, create_beneficiaire
from mediation.diagnostics import DiagnosticData, record_diagnostic
from mediation.models import (
    Accompagnement,
    AccompagnementMateriel,
    AccompagnementParticipant,
    AccompagnementThematique,
    Beneficiaire,
    Diagnostic,
    ParticipantsAnonymes,
)

CHUNK = 20_000

PRENOMS_F = (
    "Béatrice", "Hélène", "Zoé", "Léa", "Chloé", "Agnès", "Cécile", "Mélanie", "Noémie",
    "Françoise", "Geneviève", "Élise", "Inès", "Maëlle", "Josiane", "Renée", "Aurélie", "Anaïs",
    "Marie", "Sophie", "Nathalie", "Isabelle", "Claire", "Monique", "Yvette", "Jeanne",
)  # fmt: skip
PRENOMS_M = (
    "François", "Jérôme", "Noël", "Hervé", "Benoît", "Gaël", "Loïc", "Mathéo", "Régis",
    "Stéphane", "Frédéric", "Jean-Loup", "André", "Rémi", "Théo", "Joël", "Cédric", "Raphaël",
    "Pierre", "Michel", "Alain", "Bernard", "Patrick", "Louis", "Hugo", "Gérard",
)  # fmt: skip
NOMS = (
    "Lefèvre", "Crépeau", "Dupré", "Lemaître", "Gaudré", "Bénéteau", "Châtelier", "Mérand",
    "Pétain-Roux", "Thébault", "Évrard", "Guérin", "Hérault", "Brémond", "Fréchet", "Lécuyer",
    "Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Simon", "Michel", "Garnier", "Faure",
    "Rousseau", "Blanc", "Guillot", "Perrin", "Morin", "Mercier", "Boucher", "Roy", "Giraud",
    "Chevalier", "Renaud", "Barbier", "Arnaud", "Marchand", "Picard", "Rivière", "Noël",
    "Leroy", "Fournier", "Girard", "Bonnet", "Lambert", "Fontaine", "Roussel", "Vincent",
    "Masson", "Denis", "Lemoine", "Caron", "Meunier", "Aubert", "Dumont", "Brun", "Leclerc",
    "Gauthier", "Mallet", "Collin", "Prévost", "Baudry", "Godard", "Texier", "Bouyer", "Ménard",
)  # fmt: skip
OUT_OF_TERRITORY = ("17306", "17299", "79191", "85194", "17415")  # Rochefort, Royan, Niort…
THEME_WEIGHTS = (
    ("Prendre en main du matériel", 14),
    ("Navigation sur internet", 12),
    ("E-mail", 12),
    ("Aide aux démarches administratives", 16),
    ("Gérer ses contenus numériques", 6),
    ("Bureautique", 5),
    ("Banque et achats en ligne", 5),
    ("Santé", 5),
    ("Prévention en sécurité numérique", 5),
    ("Réseaux sociaux communication", 4),
    ("Diagnostic numérique", 4),
    ("Maintenance de matériel", 3),
    ("Insertion professionnelle", 3),
    ("Scolarité et numérique", 2),
    ("Parentalité", 1),
    ("Créer avec le numérique", 1),
    ("Culture numérique", 1),
    ("Intelligence artificielle (IA)", 2),
    ("Accompagner un professionnel", 1),
)
ATELIERS = (
    ("Premiers pas sur la tablette", "Débutant"),
    ("Créer son adresse e-mail", "Débutant"),
    ("Sécuriser ses comptes en ligne", "Intermédiaire"),
    ("Ranger ses photos", "Intermédiaire"),
    ("Découvrir l'intelligence artificielle", "Avancé"),
)


@dataclass(frozen=True)
class _Desk:
    structure_id: int
    agent_id: int


def _chunks(rows: Iterable[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _bulk(session: Session, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    for batch in _chunks(rows):
        session.execute(insert(table), batch)
        count += len(batch)
    return count


def _next_id(session: Session, column: Any) -> int:
    return int(session.scalar(select(func.coalesce(func.max(column), 0))) or 0) + 1


def _fix_sequences(session: Session, tables: Iterable[str]) -> None:
    """Explicit ids bypass PostgreSQL's sequences: move them past the inserted rows."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in tables:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
            )
        )


def _desks(demo: DemoContext) -> list[_Desk]:
    by_structure: dict[int, int] = {}
    for login in ("accueil", "mediateur", "aidant"):
        actor = demo.actors.get(login)
        if actor is not None and actor.structure_id is not None:
            by_structure[actor.structure_id] = actor.agent_id
    demo_agent = demo.actors["demo"].agent_id
    return [_Desk(s.id, by_structure.get(s.id, demo_agent)) for s in demo.structures.values()]


def _showcase(session: Session, demo: DemoContext) -> int:
    """A few files through the real use cases: what a newcomer searches for first."""
    actor = demo.actors["accueil"]
    today = date.today()
    people = [
        ("Lefèvre", "Béatrice", 1948, "Féminin", "Retraité", "05 46 11 22 33"),
        ("Crépeau", "Hélène", 1961, "Féminin", "Sans emploi", "06 12 34 56 78"),
        ("Dupré", "François", 1990, "Masculin", "En emploi", None),
        ("Lemaître", "Zoé", 2009, "Féminin", "Scolarisé", None),
    ]
    created = []
    for nom, prenom, annee, genre, statut, tel in people:
        created.append(
            create_beneficiaire(
                session,
                actor,
                BeneficiaireData(
                    nom=nom,
                    prenom=prenom,
                    annee_naissance=annee,
                    genre=genre,
                    statut=statut,
                    commune_insee="17300",
                    telephone=tel,
                    consentement=True,
                ),
                confirm_not_duplicate=True,
            )
        )
    # The same person typed again without accents: a probable duplicate waiting to be merged.
    create_beneficiaire(
        session,
        actor,
        BeneficiaireData(
            nom="CREPEAU", prenom="Helene", telephone="0612345678", email="h.crepeau@exemple.fr"
        ),
        confirm_not_duplicate=True,
    )
    record_diagnostic(
        session,
        actor,
        created[0].id,
        DiagnosticData(
            date=today - timedelta(days=20),
            equipement=["Smartphone"],
            connexion_domicile=False,
            usages=["Appels et SMS"],
            thematiques=["E-mail", "Aide aux démarches administratives"],
            autonomie="Avec guidage",
            aide_entourage=False,
            abc_diag_score=35,
        ),
    )
    record_accompagnement(
        session,
        actor,
        AccompagnementData(
            type=ref.TYPE_INDIVIDUEL,
            date=today - timedelta(days=7),
            duree_min=45,
            lieu_type="Lieu d'activité",
            thematiques=["E-mail", "Aide aux démarches administratives"],
            sous_themes_admin=["Social - Santé"],
            demarche_nom="Compte ameli",
            materiel=["Téléphone"],
            beneficiaire_ids=[created[0].id],
            autonomie="Avec guidage",
        ),
    )
    return len(created) + 1


def populate(session: Session, demo: DemoContext) -> dict[str, int]:
    rng: random.Random = demo.rng
    n_benef = max(demo.sizes.beneficiaires, 0)
    n_acc = demo.sizes.accompagnements
    if n_acc is None:
        n_acc = 4 * n_benef
    shown = _showcase(session, demo)
    desks = _desks(demo)
    territory = list(session.scalars(select(TerritoryCommune.code_insee)))
    now = utcnow()
    today = now.date()

    # --- beneficiaries ---------------------------------------------------------------------
    first_id = _next_id(session, Beneficiaire.id)
    benef_desk: list[_Desk] = []
    benef_rows: list[dict[str, Any]] = []
    active_ids: list[int] = []
    named_ids: list[int] = []
    last_activity: dict[int, datetime] = {}
    for i in range(n_benef):
        bid = first_id + i
        desk = rng.choice(desks)
        benef_desk.append(desk)
        anonyme = rng.random() < 0.15
        genre = rng.choices(ref.GENRES, weights=(44, 52, 4))[0]
        prenoms = PRENOMS_F if genre == "Féminin" else PRENOMS_M
        annee = rng.randint(1932, 2013) if rng.random() < 0.9 else None
        dormant = rng.random() < 0.03  # no activity for years: what the retention policy lists
        created = now - timedelta(days=rng.randint(1200, 1800) if dormant else rng.randint(0, 700))
        roll = rng.random()
        commune = (
            rng.choice(territory)
            if roll < 0.85 and territory
            else rng.choice(OUT_OF_TERRITORY)
            if roll < 0.95
            else None
        )
        row: dict[str, Any] = {
            "id": bid,
            "structure_id": desk.structure_id,
            "anonyme": anonyme,
            "nom": None,
            "prenom": None,
            "nom_cle": None,
            "prenom_cle": None,
            "annee_naissance": annee,
            "date_naissance": None,
            "genre": genre,
            "tranche_age_declaree": None if annee is not None else rng.choice(ref.TRANCHES_AGE[2:]),
            "statut": rng.choices(ref.STATUTS, weights=(30, 18, 25, 7, 20))[0],
            "commune_insee": commune,
            "telephone": None,
            "email": None,
            "notes": None,
            "consentement_at": None,
            "consentement_agent_id": None,
            "created_at": created,
            "updated_at": created,
            "derniere_activite_at": created,
            "efface": False,
        }
        if not anonyme:
            nom, prenom = rng.choice(NOMS), rng.choice(prenoms)
            row.update(
                nom=nom,
                prenom=prenom,
                nom_cle=fold(nom),
                prenom_cle=fold(prenom),
                consentement_at=created,
                consentement_agent_id=desk.agent_id,
            )
            if rng.random() < 0.5:
                row["telephone"] = f"+336{10_000_000 + bid % 90_000_000:08d}"
            if rng.random() < 0.3:
                row["email"] = f"{fold(prenom).replace(' ', '-')}.{bid}@exemple.fr"
            named_ids.append(bid)
        if not dormant:
            active_ids.append(bid)
        last_activity[bid] = created
        benef_rows.append(row)

    # --- needs assessments ----------------------------------------------------------------
    diag_rows = []
    for bid in named_ids:
        if rng.random() >= 0.3:
            continue
        desk = benef_desk[bid - first_id]
        created = last_activity[bid]
        diag_rows.append(
            {
                "beneficiaire_id": bid,
                "structure_id": desk.structure_id,
                "agent_id": desk.agent_id,
                "date": created.date(),
                "equipement": rng.sample(ref.DIAGNOSTIC_EQUIPEMENTS[:4], rng.randint(1, 2)),
                "connexion_domicile": rng.random() < 0.7,
                "usages": rng.sample(ref.DIAGNOSTIC_USAGES, rng.randint(1, 3)),
                "thematiques": rng.sample(ref.THEMATIQUES, rng.randint(1, 3)),
                "autonomie": rng.choice(ref.AUTONOMIES),
                "aide_entourage": rng.random() < 0.4,
                "abc_diag_score": rng.randint(0, 100) if rng.random() < 0.3 else None,
                "notes": None,
                "created_at": created,
            }
        )

    # --- accompaniments -------------------------------------------------------------------
    first_acc = _next_id(session, Accompagnement.id)
    themes = [t for t, _w in THEME_WEIGHTS]
    weights = [w for _t, w in THEME_WEIGHTS]
    acc_rows: list[dict[str, Any]] = []
    theme_rows: list[dict[str, Any]] = []
    mat_rows: list[dict[str, Any]] = []
    part_rows: list[dict[str, Any]] = []
    anon_rows: list[dict[str, Any]] = []
    pool = active_ids
    first_day: dict[int, date] = {}
    for k in range(n_acc if pool else 0):
        aid = first_acc + k
        day = today - timedelta(days=rng.randint(0, 364))
        collectif = rng.random() < 0.12
        if collectif:
            participants = set(rng.sample(pool, min(len(pool), rng.randint(2, 8))))
            desk = benef_desk[next(iter(participants)) - first_id]
            atelier: tuple[str | None, str | None] = rng.choice(ATELIERS)
        else:
            participants = {rng.choice(pool)}
            desk = benef_desk[next(iter(participants)) - first_id]
            atelier = (None, None)
        chosen = set(rng.choices(themes, weights=weights, k=rng.randint(1, 2)))
        admin = ref.THEMATIQUE_DEMARCHES in chosen
        acc_rows.append(
            {
                "id": aid,
                "structure_id": desk.structure_id,
                "agent_id": desk.agent_id,
                "type": ref.TYPE_COLLECTIF if collectif else ref.TYPE_INDIVIDUEL,
                "date": day,
                "duree_min": rng.choice(ref.DUREES_PRESETS[:4]) if not collectif else 90,
                "lieu_type": rng.choices(ref.LIEUX, weights=(80, 8, 7, 5))[0],
                "lieu_nom": None,
                "sous_themes_admin": rng.sample(ref.SOUS_THEMES_ADMINISTRATIFS, 1) if admin else [],
                "demarche_nom": None,
                "autonomie": None if collectif else rng.choice(ref.AUTONOMIES),
                "oriente": (oriente := rng.random() < 0.1),
                "orientation": rng.choice(ref.ORIENTATIONS) if oriente else None,
                "atelier_titre": atelier[0],
                "atelier_niveau": atelier[1],
                "notes": None,
                "created_at": datetime.combine(day, time(16), tzinfo=UTC),
            }
        )
        theme_rows.extend({"accompagnement_id": aid, "thematique": t} for t in chosen)
        mat_rows.append(
            {
                "accompagnement_id": aid,
                "materiel": rng.choices(ref.MATERIELS, weights=(30, 40, 15, 5, 10))[0],
            }
        )
        at = datetime.combine(day, time(12), tzinfo=UTC)
        for bid in participants:
            part_rows.append({"accompagnement_id": aid, "beneficiaire_id": bid})
            if at > last_activity[bid]:
                last_activity[bid] = at
            if bid not in first_day or day < first_day[bid]:
                first_day[bid] = day
        if collectif and rng.random() < 0.5:
            anon_rows.append(
                {
                    "accompagnement_id": aid,
                    "genre": rng.choice(ref.GENRES),
                    "tranche_age": rng.choice(ref.TRANCHES_AGE),
                    "statut": rng.choice(ref.STATUTS),
                    "nombre": rng.randint(1, 4),
                }
            )
    for row in benef_rows:
        row["derniere_activite_at"] = last_activity[row["id"]]
        # Bulk rows bypass record_accompagnement, which keeps this date for the use cases.
        row["premier_accompagnement"] = first_day.get(row["id"])

    _bulk(session, Beneficiaire.__table__, benef_rows)  # type: ignore[arg-type]
    _bulk(session, Diagnostic.__table__, diag_rows)  # type: ignore[arg-type]
    _bulk(session, Accompagnement.__table__, acc_rows)  # type: ignore[arg-type]
    _bulk(session, AccompagnementThematique.__table__, theme_rows)  # type: ignore[arg-type]
    _bulk(session, AccompagnementMateriel.__table__, mat_rows)  # type: ignore[arg-type]
    _bulk(session, AccompagnementParticipant.__table__, part_rows)  # type: ignore[arg-type]
    _bulk(session, ParticipantsAnonymes.__table__, anon_rows)  # type: ignore[arg-type]
    _fix_sequences(session, ("beneficiaire", "diagnostic", "accompagnement"))
    session.flush()
    # Bulk rows bypass the use cases, which keep the statistics' daily counts: rebuilt at once.
    agregats.reconstruire(session)
    return {
        "beneficiaires": n_benef + shown,
        "diagnostics": len(diag_rows) + 1,
        "accompagnements": len(acc_rows) + 1,
    }
