"""Several desks recording a mandate for the same person and category at the same instant: one
authorisation in force, never several, and the older mandate revoked once."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from core.db import Database, utcnow
from core.errors import ConflictError
from mediation.mandats.creation import create_mandat
from mediation.mandats.models import Mandat, MandatCategorie, MandatRevocation
from tests.mandats.conftest import IDENTITE, Desk

DESKS = 4


def _record(db: Database, desk: Desk) -> int:
    with db.session() as s:
        return create_mandat(
            s,
            desk.aidant,
            desk.beneficiaire_id,
            categories=["social"],
            duree_jours=31,
            identite=IDENTITE,
            mentions_lues=True,
            hors_mesure_protection=True,
        ).id


def test_racing_desks_leave_one_mandate_in_force_per_person_and_category(
    db: Database, desk: Desk
) -> None:
    with db.session() as s:
        older = create_mandat(
            s,
            desk.aidant,
            desk.beneficiaire_id,
            categories=["social"],
            duree_jours=365,
            identite=IDENTITE,
            mentions_lues=True,
            hors_mesure_protection=True,
            now=utcnow() - timedelta(days=10),
        ).id
    barrier = threading.Barrier(DESKS)
    outcomes: list[object] = []

    def desk_thread() -> None:
        barrier.wait(timeout=30)
        try:
            outcomes.append(_record(db, desk))
        except ConflictError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=desk_thread) for _ in range(DESKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == DESKS
    assert all(isinstance(o, int | ConflictError) for o in outcomes)
    now = utcnow()
    with db.session() as s:
        in_force = s.scalar(
            select(func.count())
            .select_from(MandatCategorie)
            .join(Mandat, Mandat.id == MandatCategorie.mandat_id)
            .where(
                MandatCategorie.categorie == "social",
                MandatCategorie.revoquee_at.is_(None),
                Mandat.fin > now,
            )
        )
        assert in_force == 1
        revocations_of_older = s.scalar(
            select(func.count())
            .select_from(MandatRevocation)
            .where(MandatRevocation.mandat_id == older)
        )
        assert revocations_of_older == 1
        recorded = s.scalar(select(func.count()).select_from(Mandat))
        assert recorded == 1 + sum(isinstance(o, int) for o in outcomes)
