"""A database written by each released schema version opens in this version with its data intact.

Each ``tests/ops/data/NAME.sql`` is the dump of a database at a released schema state (see the
README there); ``NAME.expected.json`` holds the facts recorded when it was made.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from core import migrate
from core.backup import check_sqlite_file
from core.db import Database
from core.journal import verify_journal

DATA_DIR = Path(__file__).resolve().parent / "data"
DUMPS = sorted(DATA_DIR.glob("*.sql"))


def _load(dump: Path, target: Path) -> None:
    with closing(sqlite3.connect(target)) as conn:
        conn.executescript(dump.read_text(encoding="utf-8"))


def _snapshot(path: Path) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every table's columns and rows (in rowid order; a table WITHOUT ROWID, such as the
    statistics' aggregates, in the order of all its columns)."""
    with closing(sqlite3.connect(path)) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        result = {}
        for table in tables:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            without_rowid = conn.execute(
                "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = ?", (table,)
            ).fetchone()[0]
            order = ", ".join(str(i + 1) for i in range(len(columns))) if without_rowid else "rowid"
            rows = conn.execute(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()
            result[table] = (columns, rows)
        return result


def test_every_release_has_a_dump_beside_its_expected_facts() -> None:
    assert DUMPS, "tests/ops/data holds no dump"
    for dump in DUMPS:
        assert dump.with_suffix(".expected.json").exists(), dump.name


@pytest.mark.parametrize("dump", DUMPS, ids=[d.stem for d in DUMPS])
def test_a_database_of_an_older_release_upgrades_with_every_row_intact(
    dump: Path, medianum_home: Path
) -> None:
    expected = json.loads(dump.with_suffix(".expected.json").read_text(encoding="utf-8"))
    database = medianum_home / "medianum.sqlite3"
    medianum_home.mkdir(parents=True, exist_ok=True)
    _load(dump, database)
    before = _snapshot(database)
    assert {t: len(rows) for t, (_c, rows) in before.items()} == expected["row_counts"]

    db = Database()
    try:
        backup = migrate.upgrade(db)
        with db.read_session() as session:
            report = verify_journal(session)
    finally:
        db.dispose()

    # Opening an older database backs it up first, and the backup is the old database as it was.
    assert backup is not None
    check_sqlite_file(backup)
    assert _snapshot(backup) == before

    after = _snapshot(database)
    assert migrate.script_heads() <= _applied(after)
    for table, (columns, rows) in before.items():
        if table == "alembic_version":
            continue
        assert table in after, f"table {table} disappeared"
        new_columns, new_rows = after[table]
        kept = [c for c in columns if c in new_columns]
        assert kept == columns, f"{table}: columns lost {set(columns) - set(new_columns)}"
        positions = [new_columns.index(c) for c in columns]
        assert [tuple(r[i] for i in positions) for r in new_rows] == rows, table

    assert report.ok, report.problems
    assert report.count == expected["row_counts"]["audit_entry"]
    with closing(sqlite3.connect(database)) as conn:
        assert (
            sorted(r[0] for r in conn.execute("SELECT login FROM agent"))
            == expected["agent_logins"]
        )
        last = conn.execute("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")
        assert (
            dict(zip(("seq", "hash"), last.fetchone(), strict=True))
            == expected["last_journal_entry"]
        )
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def _applied(snapshot: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    current = tuple(row[0] for row in snapshot["alembic_version"][1])
    return {rev.revision for rev in script.iterate_revisions(current, "base") if rev is not None}
