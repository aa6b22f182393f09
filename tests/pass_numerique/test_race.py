"""Several desks (processes) scanning the same passes at the same instant: one acceptance per
pass, never two, on one SQLite file and on a shared PostgreSQL server."""

from __future__ import annotations

import multiprocessing
import random
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from core.auth import Actor
from core.journal import verify_journal
from core.models import AuditEntry
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.models import Encaissement
from tests.pass_numerique.conftest import TODAY, World

PROCESSES = 6


def _desk(url: str, actor: Actor, scans: list[str], seed: int, barrier: Any, out: Any) -> None:
    from core import i18n
    from core.db import Database
    from pass_numerique.redemption import redeem

    i18n.set_language("fr")
    order = scans[:]
    random.Random(seed).shuffle(order)
    db = Database(url)
    accepted = []
    try:
        barrier.wait(timeout=60)
        for scanned in order:
            with db.session() as s:
                if redeem(s, actor, scanned, today=TODAY).accepted:
                    accepted.append(scanned)
    finally:
        db.dispose()
    out.put(accepted)


def test_racing_desks_accept_each_pass_exactly_once(world: World) -> None:
    scans: list[str] = []
    for i in range(2):
        beneficiaire = world.add_beneficiaire(prenom=f"Personne{i}", nom="Course")
        with world.db.session() as s:
            chequier = issue_chequebook(
                s, world.accueil, beneficiaire, world.campagne_id, today=TODAY
            )
            scans += [p.qr_text for p in chequebook_print(s, world.accueil, chequier.id).passes]
    url = world.db.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    out = context.Queue()
    desks = [
        context.Process(target=_desk, args=(url, world.mediateur, scans, seed, barrier, out))
        for seed in range(PROCESSES)
    ]
    for desk in desks:
        desk.start()
    results = [out.get(timeout=180) for _ in desks]
    for desk in desks:
        desk.join(timeout=60)
        assert desk.exitcode == 0
    acceptances = Counter(scan for accepted in results for scan in accepted)
    assert sorted(acceptances) == sorted(scans)
    assert set(acceptances.values()) == {1}
    assert sum(1 for accepted in results if accepted) >= 1
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Encaissement)) == len(scans)
        journalled = s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "pass.encaisse")
        )
        assert journalled == len(scans)
    with world.db.read_session() as s:
        # Racing desks write one linear chain: each line found its place after the one before.
        report = verify_journal(s, anchors=[])
    assert report.ok, report.problems
