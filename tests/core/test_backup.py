from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

import main
from core import journal, migrate
from core.backup import backup_sqlite, check_sqlite_file, restore_sqlite
from core.db import Database
from core.errors import MedianumError
from core.models import InstallationSetting


@pytest.fixture
def sqlite_db(medianum_home: Path) -> Database:
    db = Database()
    migrate.upgrade(db, backup=False)
    return db


def _put(db: Database, key: str) -> None:
    with db.session() as s:
        s.add(InstallationSetting(key=key, value=1))


def _keys(db: Database) -> set[str]:
    with db.read_session() as s:
        return {row.key for row in s.query(InstallationSetting)}


def test_backup_while_a_desk_holds_a_write_transaction_is_consistent(
    sqlite_db: Database, tmp_path: Path
) -> None:
    _put(sqlite_db, "avant")
    writer = sqlite3.connect(sqlite_db.url.database or "")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO installation_setting (key, value) VALUES ('en_cours', '1')")
    try:
        copy = backup_sqlite(Path(sqlite_db.url.database or ""), tmp_path / "copie.sqlite3")
    finally:
        writer.rollback()
        writer.close()
    check_sqlite_file(copy)
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT key FROM installation_setting").fetchall() == [("avant",)]


def test_restore_brings_back_the_backup_and_keeps_a_safety_copy(
    sqlite_db: Database, tmp_path: Path, medianum_home: Path
) -> None:
    _put(sqlite_db, "sauvegarde")
    assert main.main(["db", "backup", str(tmp_path / "sauvegardes")]) == 0
    (backup_file,) = (tmp_path / "sauvegardes").glob("*.sqlite3")
    _put(sqlite_db, "apres")
    sqlite_db.dispose()
    assert main.main(["db", "restore", str(backup_file)]) == 0
    restored = Database()
    assert _keys(restored) == {"sauvegarde"}
    restored.dispose()
    safety = list((medianum_home / "sauvegardes").glob("*avant-restauration*.sqlite3"))
    assert len(safety) == 1
    with sqlite3.connect(safety[0]) as conn:
        assert {r[0] for r in conn.execute("SELECT key FROM installation_setting")} == {
            "sauvegarde",
            "apres",
        }


def test_restoring_a_file_that_is_not_a_medianum_database_is_refused(
    sqlite_db: Database, tmp_path: Path
) -> None:
    _put(sqlite_db, "garde")
    stranger = tmp_path / "autre.sqlite3"
    with sqlite3.connect(stranger) as conn:
        conn.execute("CREATE TABLE t (x)")
    garbage = tmp_path / "pas-une-base.sqlite3"
    garbage.write_bytes(b"ceci n'est pas une base" * 100)
    for bad in (stranger, garbage):
        with pytest.raises(MedianumError):
            check_sqlite_file(bad)
        assert main.main(["db", "restore", str(bad)]) == 1
    assert _keys(sqlite_db) == {"garde"}


def test_a_backup_whose_journal_was_shortened_after_it_was_written_is_refused_in_process(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """The anchor written beside a backup is read back whole (number, fingerprint, its file):
    a backup whose journal lost its last line no longer matches it, and the restore stops
    before touching the working database."""
    with sqlite_db.session() as s:
        for i in range(3):
            journal.record(s, None, "essai.action", "essai", i)
    database_file = Path(sqlite_db.url.database or "")
    backup = backup_sqlite(database_file, tmp_path / "copie.sqlite3")
    with sqlite_db.read_session() as s:
        head = journal.journal_anchor(s)
    assert journal.read_anchor_beside(backup) == journal.Anchor(
        head[0], head[1], str(journal.anchor_beside(backup))
    )
    with closing(sqlite3.connect(backup)) as conn, conn:
        conn.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
        conn.execute("DELETE FROM audit_entry WHERE seq = (SELECT max(seq) FROM audit_entry)")
    sqlite_db.dispose()
    before = database_file.read_bytes()
    with pytest.raises(MedianumError, match="ne correspond pas à l'ancre"):
        restore_sqlite(backup, database_file)
    assert database_file.read_bytes() == before


def test_a_restore_takes_the_desk_anchor_back_to_the_backups_head_without_a_false_alarm(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """Going back to a backup is the point of a restore: the desk's anchor follows it to the
    backup's journal head, so the journal restored is not reported shortened, and the next
    lines written are anchored again from there."""
    with sqlite_db.session() as s:
        for i in range(3):
            journal.record(s, None, "essai.action", "essai", i)
    database_file = Path(sqlite_db.url.database or "")
    backup = backup_sqlite(database_file, tmp_path / "copie.sqlite3")
    with sqlite_db.session() as s:
        for i in range(2):
            journal.record(s, None, "essai.apres", "essai", i)
    with sqlite_db.read_session() as s:
        head_before = journal.journal_anchor(s)
    sqlite_db.dispose()
    restore_sqlite(backup, database_file)

    restored = Database(f"sqlite:///{database_file}")
    with restored.read_session() as s:
        head = journal.journal_anchor(s)
        report = journal.verify_journal(s)
    assert head[0] == head_before[0] - 2
    anchor = journal.desk_anchor(restored.url)
    assert anchor is not None and (anchor.seq, anchor.hash) == head
    assert report.problems == []
    with restored.session() as s:
        journal.record(s, None, "essai.ensuite", "essai", 0)
    with restored.read_session() as s:
        head = journal.journal_anchor(s)
    anchor = journal.desk_anchor(restored.url)
    assert anchor is not None and (anchor.seq, anchor.hash) == head
    restored.dispose()


def test_a_backup_anchor_lies_beside_it_under_the_documented_name_to_travel_with_it(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """docs/journal.md: the head of a backup's journal is written beside it, as
    « ….sqlite3.ancre.json », the file an administrator copies along with the backup."""
    with sqlite_db.session() as s:
        journal.record(s, None, "essai.action", "essai", 1)
    with sqlite_db.read_session() as s:
        seq, hash_ = journal.journal_anchor(s)
    backup_sqlite(Path(sqlite_db.url.database or ""), tmp_path / "copie.sqlite3")
    beside = tmp_path / "copie.sqlite3.ancre.json"
    assert json.loads(beside.read_text(encoding="utf-8")) == {"seq": seq, "hash": hash_}
