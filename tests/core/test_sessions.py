"""A reading session always gives its connection back to the pool, even when its rollback fails
(a connection the server dropped meanwhile): a connection left to the garbage collector is a
connection the server keeps open, counted nowhere, until Python happens to collect it."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core.db import Database


def test_a_reading_session_whose_rollback_fails_still_gives_its_connection_back(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = db.read_engine.pool
    before = pool.checkedout()  # type: ignore[attr-defined]

    def broken_rollback(self: Session) -> None:
        raise OperationalError("ROLLBACK", {}, Exception("connexion perdue"))

    with pytest.raises(OperationalError), db.read_session() as s:
        s.execute(text("SELECT 1")).scalar_one()
        assert pool.checkedout() == before + 1  # type: ignore[attr-defined]
        monkeypatch.setattr(Session, "rollback", broken_rollback)
    monkeypatch.undo()
    assert pool.checkedout() == before  # type: ignore[attr-defined]
