"""Driver errors are sorted by their codes (SQLite result codes, PostgreSQL SQLSTATE), never by
the wording of their message: the environment's faults become French messages, bugs stay bugs."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

import main
from core import migrate, paths
from core.auth import Actor
from core.db import Database, environment_error
from core.errors import (
    DatabaseCorruptError,
    DatabaseUnavailableError,
)
from core.models import Role
from tests.conftest import PG_SKIP_REASON, PG_URL, fresh_pg_database, pg_drop


def _sqlite_error(path: Path, sql: str, *, uri: bool = False) -> sqlite3.Error:
    with pytest.raises(sqlite3.Error) as caught, closing(sqlite3.connect(path, uri=uri)) as conn:
        conn.execute(sql)
    return caught.value


def test_a_file_that_is_not_a_database_is_called_damaged(tmp_path: Path) -> None:
    junk = tmp_path / "pas-une-base.sqlite3"
    junk.write_bytes(b"ni une base ni rien" * 400)
    assert isinstance(
        environment_error(_sqlite_error(junk, "SELECT 1 FROM x")), DatabaseCorruptError
    )


def test_writing_to_a_read_only_database_is_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "lecture.sqlite3"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE t (x)")
    exc = _sqlite_error(Path(f"file:{path}?mode=ro"), "INSERT INTO t VALUES (1)", uri=True)
    assert exc.sqlite_errorname == "SQLITE_READONLY"
    assert isinstance(environment_error(exc), DatabaseUnavailableError)


def test_a_database_that_cannot_be_opened_is_the_environment(tmp_path: Path) -> None:
    with pytest.raises(sqlite3.Error) as caught:
        sqlite3.connect(tmp_path / "absent" / "x.sqlite3")
    assert isinstance(environment_error(caught.value), DatabaseUnavailableError)


def test_a_wrong_query_is_a_bug_not_the_environment(tmp_path: Path) -> None:
    exc = _sqlite_error(tmp_path / "b.sqlite3", "SELECT * FROM table_absente")
    assert environment_error(exc) is None


def test_a_program_error_in_a_command_is_logged_with_its_traceback_and_said_in_french(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import core.cli

    def broken(_ctx: object) -> int:
        raise ZeroDivisionError("le bogue")

    monkeypatch.setattr(core.cli, "_agent_list", broken)
    assert main.main(["agent", "list"]) == 1
    err = capsys.readouterr().err
    assert "Erreur inattendue" in err and "Traceback" not in err
    log_text = paths.log_file().read_text(encoding="utf-8")
    assert "Traceback" in log_text and "ZeroDivisionError" in log_text


def test_a_postgresql_server_that_does_not_answer_is_the_environment() -> None:
    engine = create_engine("postgresql+psycopg://personne@127.0.0.1:9/rien?connect_timeout=2")
    with pytest.raises(DBAPIError) as caught, engine.connect():
        pass
    engine.dispose()
    assert isinstance(environment_error(caught.value), DatabaseUnavailableError)


@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_a_postgresql_url_with_a_unix_socket_migrates() -> None:
    socket_dir = Path("/var/run/postgresql")
    if not (socket_dir / ".s.PGSQL.5432").exists():
        pytest.skip("no PostgreSQL unix socket on this machine")
    name, _url = fresh_pg_database()
    user = make_url(PG_URL).username or "postgres"
    db = Database(f"postgresql+psycopg://{user}@/{name}?host=%2Fvar%2Frun%2Fpostgresql")
    try:
        migrate.upgrade(db)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar()
    finally:
        db.dispose()
        pg_drop(name)


def test_searching_for_the_last_unicode_code_point_answers_without_error(
    db: Database, make_agent
) -> None:  # type: ignore[no-untyped-def]
    from mediation.beneficiaires import search_beneficiaires

    accueil: Actor = make_agent((Role.ACCUEIL, None))
    with db.session() as s:
        for text_ in ("\U0010ffff", "a\U0010ffff", "\U0010ffff\U0010ffff"):
            assert search_beneficiaires(s, accueil, text_) == []
