"""A scripted command checks its agent's password (argon2, most of a second) before it opens
its writing transaction, so that commands run at once on SQLite do not queue behind each
other's check until « base de données occupée »."""

from __future__ import annotations

import argparse
import sqlite3
from typing import Any

import pytest

import core.auth
from core.cli import CliContext
from pass_numerique import cli
from tests.pass_numerique.conftest import World


def test_a_command_checks_the_password_while_no_writing_transaction_is_open(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not world.db.is_sqlite:
        pytest.skip("SQLite's single writer is what this guards")
    path = str(world.db.url.database)
    writer_free_during_check: list[bool] = []
    real = core.auth._hasher

    class WatchedHasher:
        """The real hasher, telling whether another desk could write during each check."""

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def verify(self, stored: str, password: str) -> bool:
            return verify(stored, password)

    def verify(stored: str, password: str) -> bool:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another desk's command wants to write now
            other.execute("ROLLBACK")
            writer_free_during_check.append(True)
        except sqlite3.OperationalError:
            writer_free_during_check.append(False)
        finally:
            other.close()
        return bool(real.verify(stored, password))

    monkeypatch.setattr(core.auth, "_hasher", WatchedHasher())
    monkeypatch.setenv("MEDIANUM_AGENT", world.coordinateur.login)
    monkeypatch.setenv("MEDIANUM_PASSWORD", "mot-de-passe-solide")
    ctx = CliContext(
        argparse.Namespace(action="rotate", kid=None, campagne=world.campagne_id), _db=world.db
    )
    assert cli._cles(ctx) == 0
    assert writer_free_during_check == [True]
