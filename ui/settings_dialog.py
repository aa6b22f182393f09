"""Settings of this desk (``core.settings``): language, inactivity lock, text size, automatic
backups at start-up, and the shared PostgreSQL database.

The database address is stored without its password: the password goes to the OS keyring
(``core.secrets``) and nowhere else. « Tester la connexion » opens the database off the GUI
thread. A new address applies at the next start of Médianum.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from core import paths, secrets
from core.db import Database, translate_operational_error
from core.errors import (
    DatabaseUnavailableError,
    KeyringUnavailableError,
    MedianumError,
    ValidationError,
)
from core.i18n import _
from core.journal_cle import EtatJournal, key_state
from core.progress import Progress
from core.settings import SPECS, Settings
from ui.context import AppContext
from ui.journal_key import offer_key_import
from ui.style import apply_font_scale
from ui.tasks import TaskRunner
from ui.widgets import show_error
from ui.widgets.fit import fit_to_screen, scroll_dialog_body
from ui.widgets.messages import show_info, show_warning
from ui.widgets.progress import run_with_progress

LANGUAGES = (("fr", "Français"), ("en", "English"))
DRIVER = "postgresql+psycopg"  # the only PostgreSQL driver Médianum ships
CONNECT_TIMEOUT_S = 5  # an unreachable server answers « no » quickly instead of hanging
URL_EXAMPLE = "postgresql+psycopg://agent@serveur:5432/medianum"


def checked_database_url(typed: str) -> str:
    """The address to store: empty (this desk's SQLite file) or a PostgreSQL URL without any
    password, with Médianum's driver. Raises ``ValidationError`` in French otherwise."""
    typed = typed.strip()
    if not typed:
        return ""
    try:
        url = make_url(typed)
    except ArgumentError:
        raise ValidationError(
            _("Adresse de base de données illisible. Exemple : {example}").format(
                example=URL_EXAMPLE
            ),
            field="database_url",
        ) from None
    if url.get_backend_name() != "postgresql":
        raise ValidationError(
            _(
                "Seule une base PostgreSQL peut être partagée. Exemple : {example} ; "
                "laissez le champ vide pour la base de ce poste."
            ).format(example=URL_EXAMPLE),
            field="database_url",
        )
    if url.password is not None:
        raise ValidationError(
            _(
                "L'adresse ne doit pas contenir de mot de passe : retirez-le de l'adresse et "
                "saisissez-le dans le champ « Mot de passe », il sera rangé dans le trousseau "
                "de clés du système."
            ),
            field="database_url",
        )
    return url.set(drivername=DRIVER).render_as_string(hide_password=False)


def probe_database(url: URL, progress: Progress) -> EtatJournal | None:
    """Open the database and run ``SELECT 1``; any failure is a French ``MedianumError``.

    Returns whether this desk can write the database's journal (None for a database not yet
    created by Médianum): a desk joining a sealed shared database needs its key first."""
    if "connect_timeout" not in url.query:
        url = url.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_S)})
    refused = _(
        "La connexion a échoué : le serveur ne répond pas ou refuse la connexion. Vérifiez "
        "l'adresse, le mot de passe et le réseau."
    )
    db: Database | None = None
    state: EtatJournal | None = None
    try:
        db = Database(url)
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        try:
            with db.read_session() as session:
                state = key_state(session)
        except (SQLAlchemyError, KeyringUnavailableError):
            state = None  # no journal table yet: Médianum creates it at the first start
    except OperationalError as exc:
        translated = translate_operational_error(exc)
        if isinstance(translated, MedianumError):
            raise translated from exc
        raise DatabaseUnavailableError(refused) from exc
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise DatabaseUnavailableError(refused) from exc
    finally:
        if db is not None:
            db.dispose()
    progress.step(1, 1)  # raises if « Annuler » was pressed meanwhile
    return state


def setting_title(key: str) -> str:
    """A setting's translated title. Not written ``_(SPECS[key].title)`` inline: the extractor
    would take the key, not the title, as a message to translate."""
    return _(SPECS[key].title)


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        ctx: AppContext | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        if ctx is None and isinstance(getattr(parent, "ctx", None), AppContext):
            ctx = parent.ctx  # type: ignore[union-attr]
        # Without a context (start-up, tests of the dialog alone) a runner of its own still
        # keeps the connection test off the GUI thread.
        self.tasks: TaskRunner = ctx.tasks if ctx is not None else TaskRunner()
        self._closed = False
        self.setWindowTitle(_("Paramètres"))
        self.setAccessibleName(_("Paramètres"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)

        layout.addWidget(self._general_box())
        layout.addWidget(self._backup_box())
        layout.addWidget(self._database_box())

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("&Enregistrer"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Annuler"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        scroll_dialog_body(self)
        fit_to_screen(self)

    # --- sections ------------------------------------------------------------------------

    @staticmethod
    def _row(form: QFormLayout, title: str, widget: QWidget) -> None:
        label = QLabel(title)
        label.setBuddy(widget)
        form.addRow(label, widget)

    def _general_box(self) -> QGroupBox:
        box = QGroupBox(_("Général"))
        form = QFormLayout(box)
        self.language = QComboBox()
        self.language.setAccessibleName(setting_title("language"))
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(self.language.findData(self.settings.get("language")), 0))
        self.lock_minutes = QSpinBox()
        self.lock_minutes.setAccessibleName(setting_title("lock_minutes"))
        self.lock_minutes.setRange(SPECS["lock_minutes"].minimum or 1, 240)
        self.lock_minutes.setSuffix(_(" min"))
        self.lock_minutes.setValue(int(self.settings.get("lock_minutes")))
        self.font_scale = QSpinBox()
        self.font_scale.setAccessibleName(setting_title("font_scale"))
        self.font_scale.setRange(SPECS["font_scale"].minimum or 50, 250)
        self.font_scale.setSingleStep(10)
        self.font_scale.setSuffix(" %")
        self.font_scale.setValue(int(self.settings.get("font_scale")))
        for key, widget in (
            ("language", self.language),
            ("lock_minutes", self.lock_minutes),
            ("font_scale", self.font_scale),
        ):
            self._row(form, setting_title(key) + " :", widget)
        note = QLabel(_("Le changement de langue prend effet au prochain démarrage de Médianum."))
        note.setWordWrap(True)
        form.addRow(note)
        return box

    def _backup_box(self) -> QGroupBox:
        box = QGroupBox(_("Sauvegardes automatiques"))
        form = QFormLayout(box)
        self.backup_at_start = QCheckBox(_("&Sauvegarder la base à chaque démarrage"))
        self.backup_at_start.setAccessibleName(setting_title("backup_at_start"))
        self.backup_at_start.setChecked(bool(self.settings.get("backup_at_start")))
        form.addRow(self.backup_at_start)

        self.backup_keep = QSpinBox()
        self.backup_keep.setAccessibleName(setting_title("backup_keep"))
        self.backup_keep.setRange(SPECS["backup_keep"].minimum or 0, 999)
        self.backup_keep.setSpecialValueText(_("toutes"))  # 0 keeps every backup
        self.backup_keep.setValue(int(self.settings.get("backup_keep")))
        self._row(form, setting_title("backup_keep") + " :", self.backup_keep)

        self.backup_folder = QLineEdit(str(self.settings.get("backup_folder") or ""))
        self.backup_folder.setAccessibleName(setting_title("backup_folder"))
        default_folder = _("Par défaut : {path}").format(path=paths.backup_dir())
        self.backup_folder.setPlaceholderText(default_folder)
        self.backup_folder.setToolTip(default_folder)
        self.backup_folder.setClearButtonEnabled(True)
        self.choose_folder_button = QPushButton(_("&Parcourir…"))
        self.choose_folder_button.setAccessibleName(_("Choisir le dossier des sauvegardes"))
        self.choose_folder_button.clicked.connect(self.choose_backup_folder)
        folder_row = QWidget()
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.backup_folder, 1)
        row.addWidget(self.choose_folder_button)
        label = QLabel(setting_title("backup_folder") + " :")
        label.setBuddy(self.backup_folder)
        form.addRow(label, folder_row)
        note = QLabel(
            _(
                "Concerne la base de ce poste. Laissez le dossier vide pour le dossier par "
                "défaut. Une base PostgreSQL partagée se sauvegarde sur le serveur (pg_dump)."
            )
        )
        note.setWordWrap(True)
        form.addRow(note)
        return box

    def _database_box(self) -> QGroupBox:
        box = QGroupBox(_("Base de données partagée (PostgreSQL)"))
        form = QFormLayout(box)
        self.database_url = QLineEdit(str(self.settings.get("database_url") or ""))
        self.database_url.setAccessibleName(setting_title("database_url"))
        self.database_url.setPlaceholderText(_("Vide : la base de ce poste"))
        self.database_url.setToolTip(_("Exemple : {example}").format(example=URL_EXAMPLE))
        self._row(form, _("A&dresse :"), self.database_url)

        self.database_password = QLineEdit()
        self.database_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.database_password.setAccessibleName(_("Mot de passe de la base partagée"))
        self.database_password.setPlaceholderText(_("Laisser vide pour ne pas le changer"))
        self._row(form, _("&Mot de passe :"), self.database_password)

        self.test_button = QPushButton(_("&Tester la connexion"))
        self.test_button.setAccessibleName(_("Tester la connexion"))
        self.test_button.clicked.connect(self.test_connection)
        self.connection_status = QLabel()
        self.connection_status.setWordWrap(True)
        self.connection_status.setAccessibleName(_("Résultat du test de connexion"))
        test_row = QWidget()
        row = QHBoxLayout(test_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.test_button)
        row.addWidget(self.connection_status, 1)
        form.addRow(test_row)

        lines = [
            _(
                "Le mot de passe est rangé dans le trousseau de clés du système, jamais dans "
                "le fichier des paramètres. Le changement d'adresse s'applique au prochain "
                "démarrage de Médianum."
            )
        ]
        if os.environ.get("MEDIANUM_DATABASE_URL"):
            lines.append(
                _(
                    "La variable d'environnement MEDIANUM_DATABASE_URL est définie sur ce "
                    "poste : elle l'emporte sur ce réglage."
                )
            )
        note = QLabel("\n".join(lines))
        note.setWordWrap(True)
        form.addRow(note)
        return box

    # --- actions -------------------------------------------------------------------------

    def choose_backup_folder(self) -> None:
        start = self.backup_folder.text().strip() or str(paths.backup_dir())
        chosen = QFileDialog.getExistingDirectory(
            self, _("Dossier des sauvegardes automatiques"), start
        )
        if chosen:
            self.backup_folder.setText(chosen)

    def _checked_backup_folder(self) -> str:
        typed = self.backup_folder.text().strip()
        if not typed:
            return ""
        folder = Path(typed).expanduser()
        if not folder.is_absolute():
            raise ValidationError(
                _("Choisissez un dossier complet pour les sauvegardes (bouton « Parcourir… »)."),
                field="backup_folder",
            )
        if folder.exists() and not folder.is_dir():
            raise ValidationError(
                _("« {path} » est un fichier, pas un dossier.").format(path=folder),
                field="backup_folder",
            )
        return typed

    def test_connection(self) -> None:
        try:
            address = checked_database_url(self.database_url.text())
        except ValidationError as exc:
            self._report_connection(str(exc), ok=False)
            return
        if not address:
            self._report_connection(
                _("Indiquez l'adresse de la base partagée avant de tester la connexion."),
                ok=False,
            )
            return
        url = make_url(address)
        typed = self.database_password.text()
        if typed:
            url = url.set(password=typed)  # tried as typed; stored only by « Enregistrer »
        self.test_button.setEnabled(False)
        self.connection_status.setText(_("Connexion en cours…"))

        def probe(progress: Progress) -> EtatJournal | None:
            return probe_database(url, progress)

        run_with_progress(
            self,
            self.tasks,
            probe,
            _("Connexion à la base partagée…"),
            on_done=self._connected,
            on_error=lambda exc: self._connection_failed(exc),
        )

    def done(self, result: int) -> None:
        self._closed = True
        super().done(result)

    def _connected(self, state: EtatJournal | None) -> None:
        if self._closed:
            return
        if state is None or state.can_write:
            self._report_connection(_("Connexion réussie : la base partagée répond."), ok=True)
            return
        # The database's journal is sealed by a key this desk lacks: asked for it now, since
        # this desk could not sign in (the sign-in writes the journal) without it.
        self.test_button.setEnabled(True)
        self.connection_status.setText(state.message() or "")
        if offer_key_import(self, state):
            self.connection_status.setText(
                _("Connexion réussie : la base partagée répond, et ce poste a la clé du journal.")
            )

    def _connection_failed(self, exc: BaseException) -> None:
        if self._closed:
            return
        if isinstance(exc, MedianumError):
            self._report_connection(str(exc), ok=False)
        else:
            self.test_button.setEnabled(True)
            self.connection_status.clear()
            show_error(self, exc)

    def _report_connection(self, message: str, *, ok: bool) -> None:
        if self._closed:
            return  # closed during the test: no message box out of nowhere afterwards
        self.test_button.setEnabled(True)
        self.connection_status.setText(message)
        if ok:
            show_info(self, message)
        else:
            show_warning(self, message)

    def save(self) -> None:
        try:
            address = checked_database_url(self.database_url.text())
            folder = self._checked_backup_folder()
            password = self.database_password.text()
            if password:
                if not address:
                    raise ValidationError(
                        _("Un mot de passe n'a de sens qu'avec l'adresse d'une base partagée."),
                        field="database_url",
                    )
                secrets.set_secret(secrets.postgres_secret_name(make_url(address)), password)
            self.settings.set("language", str(self.language.currentData()))
            self.settings.set("lock_minutes", self.lock_minutes.value())
            self.settings.set("font_scale", self.font_scale.value())
            self.settings.set("backup_at_start", self.backup_at_start.isChecked())
            self.settings.set("backup_keep", self.backup_keep.value())
            self.settings.set("backup_folder", folder)
            self.settings.set("database_url", address)
            self.settings.save()
        except KeyringUnavailableError as exc:
            # Nothing is saved: without a keyring the password has nowhere safe to go.
            self.database_password.clear()
            show_error(self, exc)
            return
        except (MedianumError, OSError) as exc:
            if isinstance(exc, OSError):
                show_error(
                    self,
                    MedianumError(
                        _("Les paramètres n'ont pas pu être enregistrés ({reason}).").format(
                            reason=exc.strerror or exc
                        )
                    ),
                )
            else:
                show_error(self, exc)
            return
        self.database_password.clear()
        self.database_url.setText(address)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_font_scale(app, self.font_scale.value())
        self.accept()
