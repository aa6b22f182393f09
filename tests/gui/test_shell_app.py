"""Start-up: Qt in French, settings applied, environment problems said in French, clean exit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from sqlalchemy import text

from core.auth import Actor
from core.db import Database
from core.installation import DEMO_KEY, put_setting
from core.settings import Settings, load_settings
from tests.gui.shell_support import Boxes
from tests.gui.shell_support import boxes as boxes
from tests.gui.shell_support import restored_globals as restored_globals
from ui.app import _automatic_actor, install_qt_translations, run_gui
from ui.settings_dialog import SettingsDialog


def test_qt_standard_buttons_read_in_french(qapp: QApplication) -> None:
    install_qt_translations(qapp, "fr")
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Cancel
        | QDialogButtonBox.StandardButton.Yes
        | QDialogButtonBox.StandardButton.No
    )
    texts = {
        buttons.button(b).text().replace("&", "")  # type: ignore[union-attr]
        for b in (
            QDialogButtonBox.StandardButton.Cancel,
            QDialogButtonBox.StandardButton.Yes,
            QDialogButtonBox.StandardButton.No,
        )
    }
    assert texts == {"Annuler", "Oui", "Non"}


def test_data_directory_that_cannot_be_created_gives_a_french_message_and_exit_1(
    qapp: QApplication,
    boxes: Boxes,
    restored_globals: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blocker = tmp_path / "un-fichier"
    blocker.write_text("pas un dossier")
    monkeypatch.setenv("MEDIANUM_HOME", str(blocker / "donnees"))
    assert run_gui() == 1
    [box] = boxes.shown
    assert box.windowTitle() == "Médianum ne peut pas démarrer"
    assert "ne peut pas être créé" in box.text()


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_database_from_a_newer_version_is_refused_in_french_and_left_untouched(
    qapp: QApplication,
    db: Database,
    boxes: Boxes,
    restored_globals: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE alembic_version SET version_num = 'core_9999_futur' "
                "WHERE version_num = (SELECT min(version_num) FROM alembic_version)"
            )
        )
        before = set(conn.scalars(text("SELECT version_num FROM alembic_version")))
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", db.url.render_as_string(hide_password=False))
    assert run_gui() == 1
    assert "version plus récente de Médianum" in boxes.texts()[0]
    with db.engine.connect() as conn:
        assert set(conn.scalars(text("SELECT version_num FROM alembic_version"))) == before
    assert "core_9999_futur" in before


def test_database_locked_by_another_program_gives_a_french_message(
    qapp: QApplication,
    boxes: Boxes,
    restored_globals: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import core.db

    path = tmp_path / "verrouillee.sqlite3"
    other = sqlite3.connect(path, timeout=0)
    other.execute("CREATE TABLE autre_programme (x)")
    other.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(core.db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", f"sqlite:///{path}")
    try:
        assert run_gui() == 1
    finally:
        other.rollback()
        other.close()
    assert "occupée par un autre programme" in boxes.texts()[0]


def test_automatic_sign_in_works_on_a_demonstration_database_only(
    db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIANUM_AGENT", "admin")
    monkeypatch.setenv("MEDIANUM_PASSWORD", "mot-de-passe-solide")
    assert _automatic_actor(db, demo=False) is None
    with db.session() as s:
        put_setting(s, DEMO_KEY, True)
    actor = _automatic_actor(db, demo=True)
    assert actor is not None and actor.agent_id == admin.agent_id


def test_settings_dialog_saves_the_settings_and_scales_the_text_at_once(
    qtbot, qapp: QApplication
) -> None:
    original = QFont(qapp.font())
    settings = Settings({})
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    base = qapp.font().pointSizeF()
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    dialog.lock_minutes.setValue(3)
    dialog.font_scale.setValue(150)
    try:
        dialog.save()
        saved = load_settings()
        assert (saved.get("language"), saved.get("lock_minutes"), saved.get("font_scale")) == (
            "en",
            3,
            150,
        )
        assert qapp.font().pointSizeF() == pytest.approx(base * 1.5)
    finally:
        qapp.setFont(original)
        qapp.setProperty("medianum_base_point_size", None)


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_starting_on_an_up_to_date_database_neither_migrates_nor_copies_it(
    db: Database, medianum_home: Path
) -> None:
    from core import migrate, paths

    assert migrate.upgrade(db) is None
    assert list(paths.backup_dir().iterdir()) == []


def test_start_up_sees_an_up_to_date_schema_as_alembic_does(db: Database) -> None:
    from core import migrate
    from ui.app import schema_is_current

    assert schema_is_current(db)
    assert migrate.upgrade(db) is None  # alembic agrees: nothing to apply


def test_start_up_hands_a_database_missing_migrations_to_alembic(db: Database) -> None:
    from ui.app import schema_is_current

    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('core_0001')"))
    assert not schema_is_current(db)


def test_start_up_hands_an_unknown_revision_to_alembic(db: Database) -> None:
    from ui.app import schema_is_current

    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('futur_9999')"))
    assert not schema_is_current(db)


def test_start_up_hands_an_empty_database_to_alembic(tmp_path: Path) -> None:
    from ui.app import schema_is_current

    empty = Database(f"sqlite:///{tmp_path / 'vide.sqlite3'}")
    try:
        assert not schema_is_current(empty)
    finally:
        empty.dispose()


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_start_up_backup_asked_in_the_settings_is_written_before_the_login(
    qapp: QApplication,
    db: Database,
    admin: Actor,
    boxes: Boxes,
    restored_globals: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from core import paths
    from core.backup import check_sqlite_file
    from ui.login import LoginDialog

    settings = Settings({})
    settings.set("backup_at_start", True)
    settings.save()
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setattr(LoginDialog, "exec", lambda _self: 0)  # the agent closes the login
    assert run_gui() == 0
    [copy] = paths.backup_dir().glob("medianum-auto-*.sqlite3")
    check_sqlite_file(copy)
    assert boxes.shown == []


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_failed_start_up_backup_is_said_in_french_and_the_desk_still_starts(
    qapp: QApplication,
    db: Database,
    admin: Actor,
    boxes: Boxes,
    restored_globals: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.login import LoginDialog

    blocker = tmp_path / "un-fichier"
    blocker.write_text("pas un dossier")
    settings = Settings({})
    settings.set("backup_at_start", True)
    settings.set("backup_folder", str(blocker / "sauvegardes"))
    settings.save()
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", db.url.render_as_string(hide_password=False))
    reached_login: list[bool] = []
    monkeypatch.setattr(LoginDialog, "exec", lambda _self: reached_login.append(True) or 0)
    assert run_gui() == 0
    assert reached_login == [True]
    assert boxes.texts()[0].startswith("La sauvegarde a échoué")


def test_a_file_that_is_not_a_database_is_refused_at_start_in_french(
    qapp: QApplication,
    boxes: Boxes,
    restored_globals: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "abimee.sqlite3"
    path.write_bytes(b"ce n'est plus une base" * 1000)
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", f"sqlite:///{path}")
    assert run_gui() == 1
    assert "endommagée" in boxes.texts()[0]
