"""The statistics' daily pre-aggregates stay exact through random sequences of real writes.

Seeded random sequences of the use cases that change what the statistics count (record an
individual accompaniment or an atelier, edit a person's profile, merge two files, erase one),
then, on each engine:

- the stored aggregates equal what a rebuild from the source tables gives;
- the statistics of random periods and scopes (the territory, one structure, one mediator, one
  day, periods that are not a run of ids), by both ways of finding the period's people, equal
  figures computed here in plain Python from the raw rows.

The migration's SQL backfill gives the same aggregates as the application's rebuild.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import delete, select

from core import migrate
from core.auth import Actor
from core.db import Database
from mediation import agregats
from mediation import referentiel as ref
from mediation.accompagnements import AccompagnementData, AnonymousCount, record_accompagnement
from mediation.beneficiaires import (
    BeneficiaireData,
    create_beneficiaire,
    merge_beneficiaires,
    update_beneficiaire,
)
from mediation.droits import erase_beneficiaire
from mediation.models import (
    Accompagnement,
    AccompagnementMateriel,
    AccompagnementParticipant,
    AccompagnementThematique,
    Beneficiaire,
    ParticipantsAnonymes,
    StatActiviteJour,
    StatPresence,
)
from mediation.statistiques import Perimetre, Statistiques, calculer_statistiques
from tests.mediation.dossier_data import TODAY, Desks, make_desks

DEBUT = date(2026, 1, 1)
COMMUNES = ("17300", "17028", "75056", None)


@pytest.fixture
def desks(db: Database, admin: Actor, make_agent) -> Desks:  # type: ignore[no-untyped-def]
    return make_desks(db, admin, make_agent)


def _jour(rng: random.Random) -> date:
    return DEBUT + timedelta(days=rng.randint(0, (TODAY - DEBUT).days))


def _profil(rng: random.Random, i: int) -> BeneficiaireData:
    anonyme = rng.random() < 0.2
    annee = rng.choice([None, 1940, 1958, 1966, 1990, 2008, 2012])
    return BeneficiaireData(
        anonyme=anonyme,
        nom=None if anonyme else f"Nom{i}",
        prenom=None if anonyme else f"Prénom{i}",
        annee_naissance=annee,
        tranche_age_declaree=rng.choice(ref.TRANCHES_AGE) if annee is None else None,
        genre=rng.choice(ref.GENRES),
        statut=rng.choice(ref.STATUTS),
        commune_insee=rng.choice(COMMUNES),
    )


def _activite(rng: random.Random, people: list[int]) -> AccompagnementData:
    thematiques = rng.sample(ref.THEMATIQUES, rng.randint(1, 3))
    sous_themes: list[str] = []
    if ref.THEMATIQUE_DEMARCHES in thematiques or rng.random() < 0.3:
        thematiques = [*dict.fromkeys([*thematiques, ref.THEMATIQUE_DEMARCHES])]
        sous_themes = rng.sample(ref.SOUS_THEMES_ADMINISTRATIFS, rng.randint(0, 2))
    materiel = rng.choice([["Pas de matériel"], rng.sample(ref.MATERIELS[:4], rng.randint(1, 2))])
    common: dict[str, Any] = {
        "date": _jour(rng),
        # the presets and their neighbours: every bucket bound is hit
        "duree_min": rng.choice([15, 29, 30, 45, 59, 60, 90, 119, 120, 180]),
        "lieu_type": rng.choice(ref.LIEUX),
        "thematiques": thematiques,
        "sous_themes_admin": sous_themes,
        "materiel": materiel,
    }
    if rng.random() < 0.7 and people:
        if rng.random() < 0.8:
            return AccompagnementData(
                type=ref.TYPE_INDIVIDUEL, beneficiaire_ids=[rng.choice(people)], **common
            )
        anonyme = AnonymousCount(
            rng.choice(ref.GENRES), rng.choice(ref.TRANCHES_AGE), rng.choice(ref.STATUTS), 1
        )
        return AccompagnementData(type=ref.TYPE_INDIVIDUEL, anonymes=[anonyme], **common)
    named = rng.sample(people, min(len(people), rng.randint(0, 4)))
    anonymes = [
        AnonymousCount(
            rng.choice(ref.GENRES),
            rng.choice(ref.TRANCHES_AGE),
            rng.choice(ref.STATUTS),
            rng.randint(1, 3),
        )
        for _k in range(rng.randint(0 if named else 1, 2))
    ]
    return AccompagnementData(
        type=ref.TYPE_COLLECTIF,
        beneficiaire_ids=named,
        anonymes=anonymes,
        atelier_titre="Atelier",
        **common,
    )


def _ecrire(db: Database, desks: Desks, rng: random.Random, n: int) -> None:
    """``n`` random writes through the use cases, each in its own transaction."""
    people: dict[int, list[int]] = {desks.nord: [], desks.sud: []}
    desk_of = {desks.nord: desks.accueil_nord, desks.sud: desks.accueil_sud}
    anonymes: set[int] = set()
    for i in range(n):
        sid = rng.choice([desks.nord, desks.sud])
        actor = desk_of[sid]
        if sid == desks.nord and rng.random() < 0.5:
            actor = desks.mediateur_nord
        roll = rng.random()
        nominatifs = [b for b in people[sid] if b not in anonymes]
        if 0.87 <= roll < 0.95 and len(nominatifs) < 2:
            roll = 0.5
        with db.session() as s:
            if roll < 0.25 or len(people[sid]) < 3:
                data = _profil(rng, i)
                b = create_beneficiaire(
                    s, desk_of[sid], data, confirm_not_duplicate=True, today=TODAY
                )
                people[sid].append(b.id)
                if data.anonyme:
                    anonymes.add(b.id)
            elif roll < 0.8:
                record_accompagnement(s, actor, _activite(rng, people[sid]), today=TODAY)
            elif roll < 0.87:
                bid = rng.choice(people[sid])
                data = _profil(rng, i)
                update_beneficiaire(s, desk_of[sid], bid, data, today=TODAY)
                if data.anonyme:
                    anonymes.add(bid)
                else:
                    anonymes.discard(bid)
            elif roll < 0.95:
                kept, other = rng.sample(nominatifs, 2)
                merge_beneficiaires(s, desk_of[sid], kept, other)
                people[sid].remove(other)
            else:
                bid = rng.choice(people[sid])
                erase_beneficiaire(s, desk_of[sid], bid)
                people[sid].remove(bid)


# --- the oracle: figures from the raw rows, in plain Python ------------------------------------


def _attendu(db: Database, p: Perimetre, structures: set[int] | None) -> dict[str, Any]:
    with db.engine.connect() as conn:

        def rows(model: Any) -> list[Any]:
            return list(conn.execute(select(model.__table__)).all())

        accs = [
            a
            for a in rows(Accompagnement)
            if p.du <= a.date <= p.au
            and (structures is None or a.structure_id in structures)
            and (p.agent_id is None or a.agent_id == p.agent_id)
        ]
        ids = {a.id for a in accs}
        themes = [t for t in rows(AccompagnementThematique) if t.accompagnement_id in ids]
        mats = [m for m in rows(AccompagnementMateriel) if m.accompagnement_id in ids]
        parts = [q for q in rows(AccompagnementParticipant) if q.accompagnement_id in ids]
        anons = [a for a in rows(ParticipantsAnonymes) if a.accompagnement_id in ids]
        people = {b.id: b for b in rows(Beneficiaire)}
    present = {q.beneficiaire_id for q in parts}
    nb_anon = sum(a.nombre for a in anons)

    def duree(m: int) -> str:
        return next(label for upper, label in agregats.DUREES if upper is None or m < upper)

    def profil(key: Any, anon_key: Any) -> Counter[Any]:
        counts: Counter[Any] = Counter(key(people[i]) for i in present)
        for a in anons:
            counts[anon_key(a)] += a.nombre
        return counts

    return {
        "activites": len(accs),
        "accompagnements": len(parts) + nb_anon,
        "beneficiaires": len(present) + nb_anon,
        "nouveaux": nb_anon
        + sum(
            1
            for i in present
            if people[i].premier_accompagnement and p.du <= people[i].premier_accompagnement <= p.au
        ),
        "duree_totale": sum(a.duree_min for a in accs),
        "types": Counter(a.type for a in accs),
        "canaux": Counter(a.lieu_type for a in accs),
        "durees": Counter(duree(a.duree_min) for a in accs),
        "thematiques": Counter(t.thematique for t in themes),
        "demarches": Counter(st for a in accs for st in set(a.sous_themes_admin)),
        "materiels": Counter(m.materiel for m in mats),
        "lieux": Counter(a.structure_id for a in accs),
        "genres": profil(lambda b: b.genre, lambda a: a.genre),
        "tranches": profil(
            lambda b: ref.tranche_age(b.annee_naissance, b.tranche_age_declaree, p.au),
            lambda a: a.tranche_age,
        ),
        "statuts": profil(lambda b: b.statut, lambda a: a.statut),
        "communes": profil(lambda b: b.commune_insee or "", lambda a: ""),
    }


def _obtenu(db: Database, stats: Statistiques) -> dict[str, Any]:
    def lignes(section: Any) -> Counter[Any]:
        return Counter({ligne.libelle: ligne.nombre for ligne in section.lignes if ligne.nombre})

    with db.read_session() as s:
        from core.models import Structure

        noms = {st.nom: st.id for st in s.scalars(select(Structure))}
    return {
        "activites": stats.activites,
        "accompagnements": stats.accompagnements,
        "beneficiaires": stats.beneficiaires,
        "nouveaux": stats.nouveaux_beneficiaires,
        "duree_totale": stats.duree_totale_min,
        "types": lignes(stats.types),
        "canaux": lignes(stats.canaux),
        "durees": lignes(stats.durees),
        "thematiques": lignes(stats.thematiques),
        "demarches": lignes(stats.demarches),
        "materiels": lignes(stats.materiels),
        "lieux": Counter({noms[ligne.libelle]: ligne.nombre for ligne in stats.lieux.lignes}),
        "genres": lignes(stats.genres),
        "tranches": lignes(stats.tranches_age),
        "statuts": lignes(stats.statuts),
        "communes": Counter(
            {(ligne.code or ""): ligne.nombre for ligne in stats.communes.lignes if ligne.nombre}
        ),
    }


def _perimetres(rng: random.Random, desks: Desks) -> list[tuple[Perimetre, set[int] | None]]:
    out: list[tuple[Perimetre, set[int] | None]] = [
        (Perimetre(DEBUT, TODAY), None),
        (Perimetre(DEBUT, TODAY, structure_id=desks.nord), {desks.nord}),
        (Perimetre(DEBUT, TODAY, agent_id=desks.mediateur_nord.agent_id), None),
        # whole months alone, whole months with edge days, within one month
        (Perimetre(date(2026, 3, 1), date(2026, 3, 31)), None),
        (Perimetre(date(2026, 2, 1), date(2026, 4, 30), structure_id=desks.nord), {desks.nord}),
        (Perimetre(date(2026, 1, 31), date(2026, 4, 1)), None),
        (Perimetre(date(2026, 2, 2), date(2026, 2, 27)), None),
    ]
    for _k in range(4):
        du, au = sorted((_jour(rng), _jour(rng)))
        out.append((Perimetre(du, au), None))
        out.append((Perimetre(du, au, structure_id=desks.sud), {desks.sud}))
        day = _jour(rng)
        out.append((Perimetre(day, day), None))
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_aggregates_stay_exact_through_random_writes(db: Database, desks: Desks, seed: int) -> None:
    rng = random.Random(seed)
    _ecrire(db, desks, rng, 70)
    with db.read_session() as s:
        stored, recomputed = agregats.cellules_ecart(s)
        assert stored and stored == recomputed
        stored_p, recomputed_p = agregats.presence_ecart(s)
        assert stored_p and stored_p == recomputed_p
    for perimetre, structures in _perimetres(rng, desks):
        attendu = _attendu(db, perimetre, structures)
        for parcours in ("jours", "personnes"):
            with db.read_session() as s:
                stats = calculer_statistiques(s, desks.coordinateur, perimetre, parcours=parcours)
            assert _obtenu(db, stats) == attendu, (perimetre, parcours)


def test_the_migrations_backfill_gives_the_applications_aggregates(
    db: Database, desks: Desks
) -> None:
    _ecrire(db, desks, random.Random(3), 50)
    with db.read_session() as s:
        expected = agregats.cellules_ecart(s)[0], agregats.presence_ecart(s)[0]
    # Back to the revision before the aggregates (which drops them), then up again: the
    # migration's backfill rebuilds them from the source tables.
    cfg = migrate.alembic_config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "mediation_0002")
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
    with db.read_session() as s:
        assert (agregats.cellules_ecart(s)[0], agregats.presence_ecart(s)[0]) == expected


def test_a_stale_aggregate_would_be_seen(db: Database, desks: Desks) -> None:
    """The comparison above can fail: a missing day shows."""
    _ecrire(db, desks, random.Random(4), 20)
    with db.session() as s:
        jour = s.scalars(select(StatPresence.jour)).first()
        s.execute(delete(StatActiviteJour).where(StatActiviteJour.jour == jour))
        s.execute(delete(StatPresence).where(StatPresence.jour == jour))
    with db.read_session() as s:
        stored, recomputed = agregats.cellules_ecart(s)
        assert stored != recomputed
        assert len(agregats.presence_ecart(s)[0]) < len(agregats.presence_ecart(s)[1])
