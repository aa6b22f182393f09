"""Automatic backups at start-up: written only when asked, the last N kept, nothing else deleted."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from core import migrate
from core.backup import check_sqlite_file
from core.db import Database
from core.models import InstallationSetting
from core.sauvegarde_auto import backup_at_start, run_at_start
from core.settings import Settings


@pytest.fixture
def desk_db(medianum_home: Path) -> Iterator[Database]:
    db = Database()
    migrate.upgrade(db, backup=False)
    yield db
    db.dispose()


def _put(db: Database, key: str) -> None:
    with db.session() as s:
        s.add(InstallationSetting(key=key, value=1))


def _keys(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        return {r[0] for r in conn.execute("SELECT key FROM installation_setting")}


def test_no_backup_is_made_at_start_unless_the_desk_asked_for_it(
    desk_db: Database, medianum_home: Path
) -> None:
    assert backup_at_start(Settings({})) is None
    assert not list((medianum_home / "sauvegardes").glob("*.sqlite3"))


def test_start_up_backup_lands_in_the_data_folder_and_holds_the_data_written_before(
    desk_db: Database, medianum_home: Path
) -> None:
    _put(desk_db, "avant-demarrage")
    written = backup_at_start(Settings({"backup_at_start": True}))
    assert written is not None
    assert written.parent == medianum_home / "sauvegardes"
    check_sqlite_file(written)
    assert _keys(written) == {"avant-demarrage"}


def test_only_the_last_n_automatic_backups_are_kept_and_other_backups_are_left_alone(
    desk_db: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "cle-usb"
    folder.mkdir()
    manual = folder / "medianum-sauvegarde-20260101-120000-000000.sqlite3"
    before_upgrade = folder / "medianum-avant-mise-a-jour-20200101-000000-000000.sqlite3"
    manual.write_bytes(b"copie manuelle")
    before_upgrade.write_bytes(b"copie avant mise a jour")
    settings = Settings({"backup_at_start": True, "backup_keep": 3, "backup_folder": str(folder)})
    written = []
    for start in range(5):
        _put(desk_db, f"demarrage-{start}")
        path = backup_at_start(settings)
        assert path is not None
        written.append(path)
    remaining = sorted(p for p in folder.glob("*.sqlite3") if p not in (manual, before_upgrade))
    assert remaining == sorted(written[2:])
    # The newest copy has every start's row; the oldest kept one stops at the third start.
    assert _keys(written[-1]) == {f"demarrage-{i}" for i in range(5)}
    assert _keys(written[2]) == {f"demarrage-{i}" for i in range(3)}
    assert manual.read_bytes() == b"copie manuelle"
    assert before_upgrade.exists()


def test_keep_zero_means_every_automatic_backup_is_kept(desk_db: Database, tmp_path: Path) -> None:
    settings = Settings(
        {"backup_at_start": True, "backup_keep": 0, "backup_folder": str(tmp_path / "toutes")}
    )
    for _ in range(4):
        backup_at_start(settings)
    assert len(list((tmp_path / "toutes").glob("*.sqlite3"))) == 4


def test_a_shared_postgresql_database_is_not_backed_up_at_start(tmp_path: Path) -> None:
    settings = Settings({"backup_at_start": True, "backup_folder": str(tmp_path / "pg")})
    url = "postgresql+psycopg://medianum@serveur.invalid:5432/medianum"
    assert backup_at_start(settings, database_url=url) is None
    assert not (tmp_path / "pg").exists()


def test_a_backup_folder_that_cannot_be_written_gives_a_french_message_not_a_crash(
    desk_db: Database, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "fichier"
    not_a_folder.write_text("ceci est un fichier, pas un dossier")
    settings = Settings({"backup_at_start": True, "backup_folder": str(not_a_folder)})
    message = run_at_start(settings, desk_db.url)
    assert message is not None
    assert message.startswith("La sauvegarde a échoué")
    assert "la base n'a pas été modifiée" in message
    assert run_at_start(Settings({"backup_at_start": True}), desk_db.url) is None
