"""The environment's faults give clear French messages and lose nothing."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from core import paths, secrets
from core.db import Database
from core.errors import DatabaseLockedError, DataDirectoryError, KeyringUnavailableError
from core.models import InstallationSetting
from core.settings import load_settings


def test_data_directory_follows_medianum_home(medianum_home: Path) -> None:
    assert paths.data_dir() == medianum_home
    assert paths.log_file().parent.parent == medianum_home


@pytest.mark.skipif(
    os.geteuid() == 0,
    reason="root ignores file permissions, so a read-only directory cannot be simulated",
)
def test_unreadable_data_directory_is_refused_in_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "verrouille"
    locked.mkdir()
    locked.chmod(0o500)
    monkeypatch.setenv("MEDIANUM_HOME", str(locked))
    with pytest.raises(DataDirectoryError, match="accessible en lecture et en écriture"):
        paths.data_dir()


def test_data_directory_that_is_a_file_is_refused_in_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "fichier"
    blocker.write_text("pas un dossier")
    monkeypatch.setenv("MEDIANUM_HOME", str(blocker / "sous-dossier"))
    with pytest.raises(DataDirectoryError, match="ne peut pas être créé"):
        paths.data_dir()


def test_no_keyring_gives_a_clear_error_and_never_a_plaintext_fallback(
    medianum_home: Path,
) -> None:
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(KeyringUnavailableError, match="jamais un secret en clair"):
        secrets.set_secret("essai", "valeur-secrete")
    leaked = [
        p for p in medianum_home.rglob("*") if p.is_file() and b"valeur-secrete" in p.read_bytes()
    ]
    assert leaked == []


def test_secrets_round_trip_through_the_keyring(memory_keyring: object) -> None:
    secrets.set_secret("cle", "valeur")
    assert secrets.get_secret("cle") == "valeur"
    secrets.delete_secret("cle")
    assert secrets.get_secret("cle") is None


def test_database_locked_by_another_program_gives_a_french_message(tmp_path: Path) -> None:
    from core import migrate

    path = tmp_path / "verrou.sqlite3"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db, backup=False)
    other = sqlite3.connect(path, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    try:
        import core.db as core_db

        original = core_db.SQLITE_BUSY_TIMEOUT_MS
        core_db.SQLITE_BUSY_TIMEOUT_MS = 200
        try:
            quick = Database(f"sqlite:///{path}")
            with (
                pytest.raises(DatabaseLockedError, match="occupée par un autre programme"),
                quick.session() as s,
            ):
                s.add(InstallationSetting(key="k", value=1))
            quick.dispose()
        finally:
            core_db.SQLITE_BUSY_TIMEOUT_MS = original
    finally:
        other.rollback()
        other.close()
    with db.read_session() as s:
        assert s.get(InstallationSetting, "k") is None
    db.dispose()


def test_broken_settings_file_is_kept_aside_and_defaults_used(medianum_home: Path) -> None:
    paths.settings_file().write_text("{ pas du json")
    settings = load_settings()
    assert settings.get("lock_minutes") == 10
    assert (medianum_home / "settings.illisible.json").exists()


def test_settings_round_trip_and_validation(medianum_home: Path) -> None:
    from core.errors import ValidationError

    settings = load_settings()
    settings.set("lock_minutes", 3)
    settings.set("language", "en")
    settings.save()
    again = load_settings()
    assert again.get("lock_minutes") == 3
    assert again.get("language") == "en"
    with pytest.raises(ValidationError):
        again.set("lock_minutes", 0)
    with pytest.raises(ValidationError):
        again.set("language", "de")


SHARED_URL = "postgresql+psycopg://guichet@serveur.agglo.test:5432/medianum"


def test_without_a_setting_the_database_is_the_sqlite_file_of_the_data_directory(
    medianum_home: Path,
) -> None:
    from core.db import default_url

    assert default_url() == f"sqlite:///{medianum_home / 'medianum.sqlite3'}"


def test_the_shared_database_setting_chooses_the_database(medianum_home: Path) -> None:
    from core.db import default_url

    settings = load_settings()
    settings.set("database_url", SHARED_URL)
    settings.save()
    assert default_url() == SHARED_URL
    assert Database().url.render_as_string(hide_password=False) == SHARED_URL


def test_the_environment_variable_wins_over_the_database_setting(
    medianum_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from core.db import default_url

    settings = load_settings()
    settings.set("database_url", SHARED_URL)
    settings.save()
    forced = f"sqlite:///{tmp_path / 'forcee.sqlite3'}"
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", forced)
    assert default_url() == forced


def test_a_database_setting_holding_a_password_is_refused_in_french(
    medianum_home: Path,
) -> None:
    from core.db import default_url
    from core.errors import ValidationError

    # Written by hand in the file: the settings dialog refuses such an address at save.
    paths.settings_file().write_text(
        '{"version": 1, "values": {"database_url": '
        '"postgresql+psycopg://guichet:Tr3s-secret!@serveur/medianum"}}',
        encoding="utf-8",
    )
    with pytest.raises(ValidationError, match="contient un mot de passe") as refused:
        default_url()
    assert "Tr3s-secret!" not in str(refused.value)


def test_an_unreadable_database_setting_is_refused_without_repeating_it(
    medianum_home: Path,
) -> None:
    from core.db import default_url
    from core.errors import ValidationError

    settings = load_settings()
    settings.set("database_url", "pas une adresse")
    settings.save()
    with pytest.raises(ValidationError, match="illisible") as refused:
        default_url()
    assert "pas une adresse" not in str(refused.value)
