"""Backups and restores that cannot hurt: checked before anything is replaced, refused while the
database is in use, never a damaged copy called written, nothing half-written left behind."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

import main
from core import migrate, paths
from core.db import Database
from core.models import InstallationSetting

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sqlite_db(medianum_home: Path) -> Iterator[Database]:
    db = Database()
    migrate.upgrade(db, backup=False)
    yield db
    db.dispose()


def _put(db: Database, key: str) -> None:
    with db.session() as s:
        s.add(InstallationSetting(key=key, value=1))


def _keys(db_file: Path) -> set[str]:
    with closing(sqlite3.connect(db_file)) as conn:
        return {r[0] for r in conn.execute("SELECT key FROM installation_setting")}


def _child(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.ops.slow_children", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill(child: subprocess.Popen[str]) -> None:
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL


def _backup(tmp_path: Path) -> Path:
    assert main.main(["db", "backup", str(tmp_path / "sauvegardes")]) == 0
    (backup_file,) = (tmp_path / "sauvegardes").glob("*.sqlite3")
    return backup_file


def test_a_backup_from_a_newer_medianum_is_refused_before_the_database_is_touched(
    sqlite_db: Database, tmp_path: Path, medianum_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _put(sqlite_db, "sauvegarde")
    backup_file = _backup(tmp_path)
    with closing(sqlite3.connect(backup_file)) as conn, conn:
        conn.execute("INSERT INTO alembic_version VALUES ('core_9999')")
    _put(sqlite_db, "travail")
    database_file = Path(sqlite_db.url.database or "")
    sqlite_db.dispose()
    before = database_file.read_bytes()
    capsys.readouterr()
    assert main.main(["db", "restore", str(backup_file)]) == 1
    err = capsys.readouterr().err
    assert "plus récente" in err
    assert "La base actuelle n'a pas été modifiée" in err
    assert database_file.read_bytes() == before
    assert list(paths.backup_dir().glob("*avant-restauration*")) == []
    assert _keys(database_file) == {"sauvegarde", "travail"}


def test_restore_is_refused_while_another_medianum_process_has_the_database_open(
    sqlite_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _put(sqlite_db, "sauvegarde")
    backup_file = _backup(tmp_path)
    _put(sqlite_db, "travail-de-l-autre-poste")
    database_file = Path(sqlite_db.url.database or "")
    sqlite_db.dispose()
    other = _child("ouvre")
    try:
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "ouverte"
        capsys.readouterr()
        assert main.main(["db", "restore", str(backup_file)]) == 1
        err = capsys.readouterr().err
        assert "ouverte par Médianum" in err
        assert socket.gethostname() in err
        assert _keys(database_file) == {"sauvegarde", "travail-de-l-autre-poste"}
    finally:
        _kill(other)
    # Killed, the other process holds nothing any more: its leftover lock does not block.
    assert main.main(["db", "restore", str(backup_file)]) == 0
    assert _keys(database_file) == {"sauvegarde"}


def _corrupt_table_page(db_file: Path, table: str) -> None:
    with closing(sqlite3.connect(db_file)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
    with db_file.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xde\xad\xbe\xef" * (page_size // 4))


def test_a_damaged_database_gives_a_french_message_is_logged_and_is_never_backed_up(
    sqlite_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    main.main(["agent", "list"])  # any command: the log file exists from here
    from core.auth import create_agent
    from core.models import Role

    with sqlite_db.session() as s:
        create_agent(
            s, None, "admin", "Admin", "mot-de-passe-solide", [(Role.ADMINISTRATEUR, None)]
        )
    database_file = Path(sqlite_db.url.database or "")
    sqlite_db.dispose()
    _corrupt_table_page(database_file, "agent")
    monkeypatch.setenv("MEDIANUM_AGENT", "admin")
    monkeypatch.setenv("MEDIANUM_PASSWORD", "mot-de-passe-solide")
    capsys.readouterr()
    assert main.main(["agent", "list"]) == 1
    err = capsys.readouterr().err
    assert "endommagée" in err
    assert "Traceback" not in err and "sqlite3" not in err
    log_text = paths.log_file().read_text(encoding="utf-8")
    assert "SQLITE_CORRUPT" in log_text
    assert "mot-de-passe-solide" not in log_text

    assert main.main(["db", "backup", str(tmp_path / "copies")]) == 1
    assert "endommagée" in capsys.readouterr().err
    assert list((tmp_path / "copies").iterdir()) == []


def _fill(db: Database, rows: int) -> None:
    with closing(sqlite3.connect(db.url.database or "")) as conn, conn:
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO installation_setting (key, value) "
            "SELECT 'remplissage-' || i, json_quote(hex(randomblob(1500))) FROM n",
            (rows,),
        )


def test_a_killed_backup_leaves_no_partial_file_after_the_next_start(
    sqlite_db: Database, tmp_path: Path
) -> None:
    _fill(sqlite_db, 1000)
    sqlite_db.dispose()
    target = tmp_path / "copies"
    child = _child("sauvegarde", str(target))
    assert child.stdout is not None
    for _ in range(5):
        assert child.stdout.readline().strip() == "copie"
    _kill(child)
    assert ".partiel" in {p.suffix for p in target.iterdir()}
    Database().dispose()  # the next start of Médianum
    assert list(target.iterdir()) == []


def _count(db_file: Path, sql: str) -> int:
    with closing(sqlite3.connect(db_file)) as conn:
        return int(conn.execute(sql).fetchone()[0])


def test_a_killed_demo_is_started_over_by_demo_si_absente(medianum_home: Path) -> None:
    db_file = medianum_home / "medianum.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "demo", "--beneficiaires", "3000"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as child:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                if _count(db_file, "SELECT count(*) FROM agent") > 0:
                    break
            except sqlite3.Error:
                pass
            time.sleep(0.2)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert _count(db_file, "SELECT count(*) FROM beneficiaire") == 0, "killed too late"
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "demo", "--si-absente", "--beneficiaires", "15"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert _count(db_file, "SELECT count(*) FROM beneficiaire") >= 15
    assert (
        _count(
            db_file,
            "SELECT count(*) FROM installation_setting WHERE key = 'demonstration_inachevee' "
            "AND value = 'false'",
        )
        == 1
    )


def test_a_backup_whose_journal_was_shortened_after_it_was_written_is_refused(
    sqlite_db: Database,
    admin_of_sqlite_db: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    backup_file = _backup(tmp_path)
    anchor_file = backup_file.with_name(backup_file.name + ".ancre.json")
    assert anchor_file.exists()  # the anchor is written beside every backup
    with closing(sqlite3.connect(backup_file)) as conn, conn:
        conn.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
        conn.execute("DELETE FROM audit_entry WHERE seq = (SELECT max(seq) FROM audit_entry)")
    database_file = Path(sqlite_db.url.database or "")
    sqlite_db.dispose()
    before = database_file.read_bytes()
    capsys.readouterr()
    assert main.main(["db", "restore", str(backup_file)]) == 1
    err = capsys.readouterr().err
    assert "ne correspond pas à l'ancre" in err
    assert database_file.read_bytes() == before


@pytest.fixture
def admin_of_sqlite_db(sqlite_db: Database) -> None:
    """A few journal lines in the working database (territory, administrator)."""
    from core.auth import create_agent
    from core.models import Role
    from core.territory import configure_territory, default_preset

    preset = default_preset()
    with sqlite_db.session() as s:
        configure_territory(
            s, None, preset.nom, preset.siren, [c.code_insee for c in preset.communes]
        )
        create_agent(
            s, None, "admin", "Admin", "mot-de-passe-solide", [(Role.ADMINISTRATEUR, None)]
        )
