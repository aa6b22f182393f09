from __future__ import annotations

import argparse
import gc
import os
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from core import migrate
from core.cli import CliContext, run_handler
from core.db import Database
from core.errors import DatabaseTooNewError
from tests.conftest import (
    PG_SKIP_REASON,
    PG_URL,
    _pg_admin_engine,
    fresh_pg_database,
    pg_drop,
)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)),
    ]
)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'vide.sqlite3'}")
        yield db
        db.dispose()
    else:
        name, url = fresh_pg_database()
        db = Database(url)
        yield db
        db.dispose()
        pg_drop(name)


def _differences(db: Database) -> list[object]:
    metadata = migrate.load_all_models()
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, metadata))


def test_models_and_migrations_agree(empty_db: Database) -> None:
    migrate.upgrade(empty_db)
    assert _differences(empty_db) == []


def test_upgrade_downgrade_upgrade(empty_db: Database) -> None:
    migrate.upgrade(empty_db)
    migrate.downgrade(empty_db, "base")
    tables = set(inspect(empty_db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    migrate.upgrade(empty_db)
    assert _differences(empty_db) == []


def test_database_newer_than_the_code_is_refused_and_left_untouched(empty_db: Database) -> None:
    migrate.upgrade(empty_db)
    with empty_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('futur_9999')"))
    with pytest.raises(DatabaseTooNewError, match="plus récente"):
        migrate.upgrade(empty_db)
    with empty_db.engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert versions == ["futur_9999"]


@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_a_command_refused_by_a_newer_database_leaves_no_connection_open_on_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A shared server's connection slots are few: a command refused because the database is
    newer than the code gives its connection back at once. Regression: the refused database
    was never disposed, its pooled connection stayed open until the garbage collector."""
    name, url = fresh_pg_database()
    try:
        newer = Database(url)
        migrate.upgrade(newer)
        with newer.engine.begin() as conn:
            conn.execute(text("DELETE FROM alembic_version"))
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('futur_9999')"))
        newer.dispose()
        monkeypatch.setenv("MEDIANUM_DATABASE_URL", url)
        ctx = CliContext(argparse.Namespace(command="essai"))
        assert run_handler(ctx, lambda c: c.database() and 0) != 0
        admin = _pg_admin_engine()
        with admin.connect() as conn:
            still_open = conn.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                {"name": name},
            )
        admin.dispose()
        assert still_open == 0
        gc.collect()  # a connection left for the collector would warn here, in this test
    finally:
        pg_drop(name)


def test_sqlite_file_is_backed_up_before_an_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "ancienne.sqlite3"
    db = Database(f"sqlite:///{path}")
    # A file left by an older version: only the first core revision applied, with some data.
    cfg = migrate.alembic_config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "core_0001")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO installation_setting (key, value) VALUES ('marque', '1')"))
    backup = migrate.upgrade(db)
    db.dispose()
    assert backup is not None and backup.exists()
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT key FROM installation_setting").fetchall() == [("marque",)]
        assert "beneficiaire" not in {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }


def test_an_up_to_date_database_is_not_backed_up_again(tmp_path: Path, medianum_home: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'courante.sqlite3'}")
    migrate.upgrade(db)
    assert migrate.upgrade(db) is None
    db.dispose()
    assert not list((medianum_home / "sauvegardes").glob("*avant-mise-a-jour*"))


def test_sqlite_pragmas_are_set(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    db.dispose()


def test_default_database_lives_in_medianum_home(medianum_home: Path) -> None:
    db = Database()
    assert Path(db.url.database or "").parent == medianum_home
    db.dispose()
    assert os.environ["MEDIANUM_HOME"] == str(medianum_home)
