"""The settings dialog: automatic backups at start-up and the shared PostgreSQL database, whose
password goes to the OS keyring and never to the settings file."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QFileDialog
from sqlalchemy.engine import make_url

from core import paths, secrets
from core.auth import Actor
from core.db import Database, default_url
from core.sauvegarde_auto import backup_folder
from core.settings import Settings, load_settings
from tests.conftest import PG_SKIP_REASON, PG_URL, MemoryKeyring
from tests.gui.shell_support import Boxes, context
from tests.gui.shell_support import boxes as boxes
from tests.gui.shell_support import restored_globals as restored_globals
from ui.main_window import MainWindow
from ui.settings_dialog import SettingsDialog
from ui.tasks import ImmediateTaskRunner

SHARED_URL = "postgresql+psycopg://guichet@serveur.agglo.test:5432/medianum"


def _dialog(qtbot, settings: Settings | None = None) -> SettingsDialog:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(settings if settings is not None else Settings({}))
    dialog.tasks = ImmediateTaskRunner()
    qtbot.addWidget(dialog)
    return dialog


def _settings_file_text() -> str:
    target = paths.settings_file()
    return target.read_text(encoding="utf-8") if target.exists() else ""


def test_backup_settings_are_saved_and_used_by_the_start_up_backup(
    qtbot, boxes: Boxes, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot)
    assert not dialog.backup_at_start.isChecked()
    assert dialog.backup_keep.value() == 10
    assert dialog.backup_folder.text() == ""
    assert str(paths.backup_dir()) in dialog.backup_folder.placeholderText()

    dialog.backup_at_start.setChecked(True)
    dialog.backup_keep.setValue(4)
    dialog.backup_folder.setText(str(tmp_path / "cle-usb"))
    dialog.save()

    assert boxes.shown == []
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    saved = load_settings()
    assert saved.get("backup_at_start") is True
    assert saved.get("backup_keep") == 4
    assert backup_folder(saved) == tmp_path / "cle-usb"


def test_an_empty_backup_folder_means_the_data_directory_default(qtbot, boxes: Boxes) -> None:
    dialog = _dialog(qtbot, Settings({"backup_folder": "/ancien/dossier"}))
    dialog.backup_folder.clear()
    dialog.save()
    saved = load_settings()
    assert saved.get("backup_folder") == ""
    assert backup_folder(saved) == paths.data_dir() / "sauvegardes"


def test_keeping_zero_backups_reads_as_keeping_them_all(qtbot) -> None:
    dialog = _dialog(qtbot, Settings({"backup_keep": 0}))
    assert dialog.backup_keep.text() == "toutes"


def test_the_backup_folder_is_chosen_in_a_folder_dialog(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def choose(_parent: object, title: str, _start: str) -> str:
        asked.append(title)
        return str(tmp_path / "partage")

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", choose)
    dialog = _dialog(qtbot)
    dialog.choose_folder_button.click()
    assert asked == ["Dossier des sauvegardes automatiques"]
    assert dialog.backup_folder.text() == str(tmp_path / "partage")


def test_a_relative_backup_folder_is_refused(qtbot, boxes: Boxes) -> None:
    dialog = _dialog(qtbot)
    dialog.backup_folder.setText("sauvegardes")
    dialog.save()
    assert "dossier complet" in boxes.texts()[0]
    assert not paths.settings_file().exists()


def test_shared_database_password_goes_to_the_keyring_never_to_the_settings_file(
    qtbot, boxes: Boxes, memory_keyring: MemoryKeyring
) -> None:
    dialog = _dialog(qtbot)
    dialog.database_url.setText(SHARED_URL)
    dialog.database_password.setText("Tr3s-secret!")
    dialog.save()

    assert boxes.shown == []
    assert load_settings().get("database_url") == SHARED_URL
    assert "Tr3s-secret!" not in _settings_file_text()
    name = secrets.postgres_secret_name(make_url(SHARED_URL))
    assert memory_keyring.store[(secrets.SERVICE, name)] == "Tr3s-secret!"
    assert dialog.database_password.text() == ""


def test_saved_shared_database_is_the_one_the_cli_and_the_gui_open(qtbot, boxes: Boxes) -> None:
    dialog = _dialog(qtbot)
    dialog.database_url.setText(SHARED_URL)
    dialog.save()
    assert default_url() == SHARED_URL


def test_a_bare_postgresql_address_gets_the_driver_medianum_ships(qtbot, boxes: Boxes) -> None:
    dialog = _dialog(qtbot)
    dialog.database_url.setText("postgresql://guichet@serveur.agglo.test/medianum")
    dialog.save()
    assert load_settings().get("database_url") == (
        "postgresql+psycopg://guichet@serveur.agglo.test/medianum"
    )


def test_an_address_holding_a_password_is_refused_and_nothing_is_saved(
    qtbot, boxes: Boxes, memory_keyring: MemoryKeyring
) -> None:
    dialog = _dialog(qtbot)
    dialog.database_url.setText("postgresql+psycopg://guichet:Tr3s-secret!@serveur/medianum")
    dialog.save()

    assert len(boxes.shown) == 1
    assert "ne doit pas contenir de mot de passe" in boxes.texts()[0]
    assert dialog.result() != SettingsDialog.DialogCode.Accepted
    assert not paths.settings_file().exists()
    assert memory_keyring.store == {}


def test_a_database_other_than_postgresql_is_refused(qtbot, boxes: Boxes) -> None:
    dialog = _dialog(qtbot)
    dialog.database_url.setText("mysql://guichet@serveur/medianum")
    dialog.save()
    assert "Seule une base PostgreSQL" in boxes.texts()[0]
    assert not paths.settings_file().exists()


def test_without_a_keyring_the_password_is_refused_in_french_and_written_nowhere(
    qtbot, boxes: Boxes, medianum_home: Path
) -> None:
    keyring.set_keyring(fail.Keyring())  # the memory_keyring fixture restores the previous one
    dialog = _dialog(qtbot)
    dialog.database_url.setText(SHARED_URL)
    dialog.database_password.setText("Tr3s-secret!")
    dialog.save()

    assert len(boxes.shown) == 1
    assert "jamais un secret en clair" in boxes.texts()[0]
    assert dialog.result() != SettingsDialog.DialogCode.Accepted
    assert dialog.database_password.text() == ""
    leaked = [
        p for p in medianum_home.rglob("*") if p.is_file() and b"Tr3s-secret!" in p.read_bytes()
    ]
    assert leaked == []
    assert load_settings().get("database_url") == ""


def test_an_address_without_a_password_is_saved_even_without_a_keyring(qtbot, boxes: Boxes) -> None:
    keyring.set_keyring(fail.Keyring())
    dialog = _dialog(qtbot)
    dialog.database_url.setText(SHARED_URL)
    dialog.save()
    assert boxes.shown == []
    assert json.loads(_settings_file_text())["values"]["database_url"] == SHARED_URL


def test_connection_test_reports_an_unreachable_server_in_french(qtbot, boxes: Boxes) -> None:
    dialog = _dialog(qtbot)
    # Port 1 on the loopback: nothing listens there, the refusal is immediate.
    dialog.database_url.setText("postgresql+psycopg://guichet@127.0.0.1:1/medianum")
    dialog.test_button.click()

    assert "refuse la connexion" in dialog.connection_status.text()
    assert boxes.texts() == [dialog.connection_status.text()]
    assert dialog.test_button.isEnabled()
    assert not paths.settings_file().exists()  # testing saves nothing


def test_connection_test_without_an_address_says_what_to_fill_in(qtbot, boxes: Boxes) -> None:
    dialog = _dialog(qtbot)
    dialog.test_button.click()
    assert dialog.connection_status.text() == (
        "Indiquez l'adresse de la base partagée avant de tester la connexion."
    )


def test_connection_test_refuses_an_address_holding_a_password(qtbot, boxes: Boxes) -> None:
    dialog = _dialog(qtbot)
    dialog.database_url.setText("postgresql+psycopg://guichet:secret@127.0.0.1:1/medianum")
    dialog.test_button.click()
    assert "ne doit pas contenir de mot de passe" in dialog.connection_status.text()


@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_connection_test_succeeds_on_a_running_postgresql_server(qtbot, boxes: Boxes) -> None:
    server = make_url(PG_URL).set(database="postgres")
    dialog = _dialog(qtbot)
    dialog.database_url.setText(server.render_as_string(hide_password=False))
    dialog.test_button.click()
    assert dialog.connection_status.text() == "Connexion réussie : la base partagée répond."
    assert boxes.texts() == ["Connexion réussie : la base partagée répond."]


def test_settings_opened_from_the_window_test_the_connection_on_its_task_runner(
    qtbot, db: Database, admin: Actor
) -> None:
    window = MainWindow(context(db, admin))
    qtbot.addWidget(window)
    dialog = SettingsDialog(window.ctx.settings, window)
    qtbot.addWidget(dialog)
    assert dialog.tasks is window.ctx.tasks


def test_connection_test_runs_off_the_gui_thread_when_opened_alone(
    qtbot, boxes: Boxes, memory_keyring: MemoryKeyring
) -> None:
    dialog = SettingsDialog(Settings({}))  # no window: the dialog's own thread pool runner
    qtbot.addWidget(dialog)
    dialog.database_url.setText("postgresql+psycopg://guichet@127.0.0.1:1/medianum")
    dialog.database_password.setText("essai-seulement")
    dialog.test_button.click()
    assert not dialog.test_button.isEnabled()  # the GUI thread went on while it connects
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=10_000)
    assert "refuse la connexion" in dialog.connection_status.text()
    assert memory_keyring.store == {}  # a password typed for a test is not stored


# A parametrization of its own drops the skip mark engines() gives the PostgreSQL run.
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_the_gui_opens_the_shared_database_named_in_the_settings(
    qapp, db: Database, admin: Actor, boxes: Boxes, restored_globals: None, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from ui.app import run_gui
    from ui.login import LoginDialog

    settings = Settings({})
    settings.set("database_url", db.url.render_as_string(hide_password=False))
    settings.save()
    opened: list[str] = []

    def close_login(dialog: LoginDialog) -> int:
        opened.append(dialog.db.url.render_as_string(hide_password=False))
        return 0

    monkeypatch.setattr(LoginDialog, "exec", close_login)
    assert run_gui() == 0
    assert opened == [db.url.render_as_string(hide_password=False)]
    assert boxes.shown == []


def test_a_hand_written_address_with_a_password_stops_the_start_in_french(
    qapp, boxes: Boxes, restored_globals: None
) -> None:  # type: ignore[no-untyped-def]
    from ui.app import run_gui

    paths.settings_file().write_text(
        '{"version": 1, "values": {"database_url": '
        '"postgresql+psycopg://guichet:Tr3s-secret!@127.0.0.1:1/medianum"}}',
        encoding="utf-8",
    )
    assert run_gui() == 1
    assert "contient un mot de passe" in boxes.texts()[0]
    assert "Tr3s-secret!" not in boxes.texts()[0]


def test_closing_the_dialog_during_a_connection_test_shows_no_late_message(
    qtbot, boxes: Boxes
) -> None:
    dialog = SettingsDialog(Settings({}))
    qtbot.addWidget(dialog)
    dialog.database_url.setText("postgresql+psycopg://guichet@127.0.0.1:1/medianum")
    dialog.test_button.click()
    dialog.reject()
    qtbot.wait_until(lambda: dialog.tasks.wait(0), timeout=10_000)
    qtbot.wait(50)  # the task's result is delivered through the event loop
    assert boxes.shown == []


@pytest.mark.parametrize(
    "engine_name",
    [pytest.param("postgresql", marks=pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON))],
)
def test_a_desk_joining_a_sealed_shared_database_is_asked_for_the_key_at_the_connection_test(
    qtbot,
    boxes: Boxes,
    db: Database,
    admin: Actor,
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    from core import journal
    from core.journal_cle import EtatCle, export_key_file, key_state

    with db.session() as s:
        journal.rotate_journal_key(s, admin)
    key_file = tmp_path / "cle-journal.txt"
    with db.session() as s:
        kid = export_key_file(s, admin, key_file)
    memory_keyring.store.clear()  # the joining desk: its own, empty keyring
    monkeypatch.setattr("ui.journal_key.choose_key_file", lambda _parent: key_file)

    dialog = _dialog(qtbot)
    dialog.database_url.setText(db.url.render_as_string(hide_password=False))
    dialog.test_button.click()

    assert any(f"scellé par la clé {kid}, que ce poste n'a pas" in t for t in boxes.texts())
    assert dialog.connection_status.text() == (
        "Connexion réussie : la base partagée répond, et ce poste a la clé du journal."
    )
    with db.read_session() as s:
        assert key_state(s).etat is EtatCle.SCELLE


def test_the_gui_start_asks_a_desk_without_the_journal_key_for_it_before_the_sign_in(
    qapp,
    db: Database,
    admin: Actor,
    boxes: Boxes,
    restored_globals: None,
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    from core import journal
    from core.journal_cle import export_key_file
    from ui.app import run_gui
    from ui.login import LoginDialog

    with db.session() as s:
        journal.rotate_journal_key(s, admin)
    key_file = tmp_path / "cle-journal.txt"
    with db.session() as s:
        kid = export_key_file(s, admin, key_file)
    memory_keyring.store.clear()
    monkeypatch.setattr("ui.journal_key.choose_key_file", lambda _parent: key_file)
    settings = Settings({})
    settings.set("database_url", db.url.render_as_string(hide_password=False))
    settings.save()
    signed_in: list[bool] = []
    monkeypatch.setattr(LoginDialog, "exec", lambda _dialog: signed_in.append(True) or 0)

    assert run_gui() == 0
    assert f"scellé par la clé {kid}, que ce poste n'a pas" in boxes.texts()[0]
    assert boxes.texts()[1] == f"Clé du journal {kid} importée."
    assert signed_in == [True]  # the sign-in comes after, with the key in place
    assert secrets.get_secret(f"journal-cle-{kid}") is not None
