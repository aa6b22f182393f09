from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from core import journal
from core.auth import Actor
from core.db import Database
from core.journal import verify_journal


def _write_entries(db: Database, admin: Actor, n: int) -> None:
    with db.session() as s:
        for i in range(n):
            journal.record(s, admin, "essai.action", "essai", i, {"numero": i})


def _drop_guards(db: Database) -> None:
    """What someone with direct access to the database file could do before tampering."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER audit_entry_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_entry_no_delete")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_entry_append_only ON audit_entry")


def test_an_untouched_journal_verifies(db: Database, admin: Actor) -> None:
    _write_entries(db, admin, 5)
    with db.read_session() as s:
        report = verify_journal(s)
    assert report.ok
    assert report.count >= 6  # the administrator's creation, the territory, then five


def test_the_database_refuses_to_update_or_delete_a_journal_row(db: Database, admin: Actor) -> None:
    _write_entries(db, admin, 1)
    for statement in (
        "UPDATE audit_entry SET action = 'x' WHERE seq = 1",
        "DELETE FROM audit_entry WHERE seq = 1",
    ):
        with pytest.raises(DatabaseError), db.engine.begin() as conn:
            conn.execute(text(statement))


def test_altering_one_row_is_detected(db: Database, admin: Actor) -> None:
    _write_entries(db, admin, 5)
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE audit_entry SET entity_id = '999' WHERE action = 'essai.action' "
                "AND entity_id = '2'"
            )
        )
    with db.read_session() as s:
        report = verify_journal(s)
    assert not report.ok
    assert len(report.problems) == 1
    assert "modifié" in report.problems[0]


def test_removing_a_row_is_detected(db: Database, admin: Actor) -> None:
    _write_entries(db, admin, 5)
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE entity_id = '3'"))
    with db.read_session() as s:
        report = verify_journal(s)
    assert not report.ok
    assert any("manquent" in p for p in report.problems)


def test_a_failed_action_leaves_no_journal_line(db: Database, admin: Actor) -> None:
    with db.read_session() as s:
        before = verify_journal(s).count
    with pytest.raises(RuntimeError), db.session() as s:
        journal.record(s, admin, "essai.action", "essai", 1)
        raise RuntimeError("the use case failed after writing its journal line")
    with db.read_session() as s:
        assert verify_journal(s).count == before


def test_verify_journal_command_exits_1_on_tampering(
    db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import main

    monkeypatch.setenv("MEDIANUM_DATABASE_URL", db.url.render_as_string(hide_password=False))
    _write_entries(db, admin, 3)
    assert main.main(["db", "verify-journal"]) == 0
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE audit_entry SET details = '{}' WHERE entity_id = '1' "
                "AND action = 'essai.action'"
            )
        )
    assert main.main(["db", "verify-journal"]) == 1
    assert "ALTÉRÉ" in capsys.readouterr().out


def test_the_entry_returned_by_record_is_the_line_stored_with_its_id(
    db: Database, admin: Actor
) -> None:
    with db.session() as s:
        entry = journal.record(s, admin, "essai.action", "essai", 7, {"numero": 7})
        stored = s.execute(
            text(
                "SELECT id, seq, action, entity_id, hash FROM audit_entry ORDER BY seq DESC LIMIT 1"
            )
        ).one()
    assert (entry.id, entry.seq, entry.action, entry.entity_id, entry.hash) == tuple(stored)
    assert entry.id is not None
