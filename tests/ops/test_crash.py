"""Killing Médianum while it writes loses nothing that was committed and breaks nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from sqlalchemy import func, select

import main
from core import migrate, paths
from core.db import Database
from core.journal import verify_journal
from core.models import AuditEntry
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.models import Encaissement, EtatPass, Pass
from tests.ops.crash_writer import IMPORT_SIZE
from tests.pass_numerique.conftest import TODAY, World

ROOT = Path(__file__).resolve().parents[2]
KILLS = 3
COMMITS_BEFORE_KILL = 40
REDEEM_CHEQUEBOOKS = 20
REDEMPTIONS_BEFORE_KILL = 25


def _run_then_kill(args: list[str], enough: int) -> list[str]:
    """Run a writing child, SIGKILL it mid-work; return what it reported as committed."""
    committed: list[str] = []
    with subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        deadline = time.monotonic() + 120
        while len(committed) < enough and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            committed.append(line.strip())
        child.send_signal(signal.SIGKILL)
        # Lines already written to the pipe before the kill were committed too.
        committed += child.stdout.read().split()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL, "the child ended before it was killed"
    assert len(committed) >= enough, "the child did not get going"
    return committed


def _write_then_kill(start: int) -> list[int]:
    done = _run_then_kill(["tests.ops.crash_writer", str(start)], COMMITS_BEFORE_KILL)
    return [int(op) for op in done]


def test_a_desk_killed_while_writing_keeps_a_sound_database_with_every_committed_operation() -> (
    None
):
    db = Database()
    migrate.upgrade(db, backup=False)
    db.dispose()
    committed: list[int] = []
    start = 1
    for _ in range(KILLS):
        done = _write_then_kill(start)
        committed += done
        start = max(done) + 1  # the next run continues after the highest operation reported

    with closing(sqlite3.connect(paths.database_file())) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        settings = {int(k[3:]) for (k,) in conn.execute("SELECT key FROM installation_setting")}
        imports: dict[int, int] = {}
        for (nom,) in conn.execute("SELECT nom FROM structure WHERE nom LIKE 'Structure import%'"):
            op = int(nom.rsplit(" ", 1)[1].split("-")[0])
            imports[op] = imports.get(op, 0) + 1
        journaled = {
            int(e)
            for (e,) in conn.execute(
                "SELECT entity_id FROM audit_entry WHERE action LIKE 'crash.%'"
            )
        }
    reported = set(committed)
    assert {op for op in reported if op % 5} <= settings
    assert {op for op in reported if op % 5 == 0} <= set(imports)
    # An import is all or nothing, even when the kill fell in its middle.
    assert set(imports.values()) == {IMPORT_SIZE}
    assert reported <= journaled
    # Every operation found in the database has its journal entry, and nothing else is there.
    assert settings | set(imports) == journaled

    assert main.main(["db", "verify-journal"]) == 0


def test_a_desk_killed_while_redeeming_passes_loses_no_redemption_it_confirmed(
    world: World,
) -> None:
    scans: list[str] = []
    for i in range(REDEEM_CHEQUEBOOKS):
        beneficiaire = world.add_beneficiaire(prenom=f"Personne{i}", nom="Panne")
        with world.db.session() as s:
            chequier = issue_chequebook(
                s, world.accueil, beneficiaire, world.campagne_id, today=TODAY
            )
            scans += [p.qr_text for p in chequebook_print(s, world.accueil, chequier.id).passes]
    assert len(scans) > REDEMPTIONS_BEFORE_KILL * 2
    scans_file = paths.data_dir() / "scans.txt"
    scans_file.write_text("\n".join(scans), encoding="utf-8")
    url = world.db.url.render_as_string(hide_password=False)
    world.db.dispose()

    confirmed = _run_then_kill(
        [
            "tests.ops.crash_redeemer",
            url,
            str(world.mediateur.agent_id),
            str(scans_file),
            TODAY.isoformat(),
        ],
        REDEMPTIONS_BEFORE_KILL,
    )

    db = Database(url)
    try:
        with db.read_session() as s:
            redeemed = set(
                s.scalars(select(Pass.serial).join(Encaissement, Encaissement.pass_id == Pass.id))
            )
            encashed = set(
                s.scalars(select(Pass.serial).where(Pass.etat == EtatPass.ENCAISSE.value))
            )
            journaled = s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "pass.encaisse")
            )
            report = verify_journal(s)
        if db.is_sqlite:
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        db.dispose()
    assert set(confirmed) <= redeemed
    # A pass is encashed exactly when its redemption row exists, each with its journal entry.
    assert encashed == redeemed
    assert journaled == len(redeemed)
    assert len(redeemed) < len(scans), "the kill came after the last pass"
    assert report.ok, report.problems
