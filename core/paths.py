"""Every file path of the application is decided here, and only here.

``MEDIANUM_HOME`` moves the whole data directory (tests and demos point it at a temporary folder);
otherwise the platform's user data directory is used.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.errors import DataDirectoryError
from core.i18n import _

APP_NAME = "Medianum"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESOURCES_DIR = PROJECT_ROOT / "resources"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
LOCALE_DIR = RESOURCES_DIR / "locale"


def data_dir() -> Path:
    """The data directory, created if needed; refuses one that cannot be written."""
    configured = os.environ.get("MEDIANUM_HOME")
    if configured:
        path = Path(configured).expanduser()
    else:
        import platformdirs  # imported late: only needed without MEDIANUM_HOME

        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirectoryError(
            _("Le dossier de données {path} ne peut pas être créé ({reason}).").format(
                path=path, reason=exc.strerror or exc
            )
        ) from exc
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        raise DataDirectoryError(
            _(
                "Le dossier de données {path} n'est pas accessible en lecture et en écriture. "
                "Vérifiez ses droits ou choisissez-en un autre avec MEDIANUM_HOME."
            ).format(path=path)
        )
    return path


def _subdir(name: str) -> Path:
    path = data_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_file() -> Path:
    return data_dir() / "medianum.sqlite3"


def settings_file() -> Path:
    return data_dir() / "settings.json"


def journal_anchor_file() -> Path:
    """This desk's record of the journal heads it saw written (one per database)."""
    return data_dir() / "journal-ancre.json"


def log_dir() -> Path:
    return _subdir("logs")


def log_file() -> Path:
    return log_dir() / "medianum.log"


def backup_dir() -> Path:
    return _subdir("sauvegardes")


def export_dir() -> Path:
    return _subdir("exports")


def temp_dir() -> Path:
    return _subdir("temporaire")


def use_private_temp_dir() -> Path:
    """Send every temporary file of this process (openpyxl's streamed sheets hold names and
    phones) to the data folder instead of the system's shared one, after removing what a
    process killed mid-way left there. Called once at start-up."""
    import shutil
    import tempfile

    folder = temp_dir()
    for leftover in folder.iterdir():
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
    tempfile.tempdir = str(folder)
    return folder


def resource(*parts: str) -> Path:
    return RESOURCES_DIR.joinpath(*parts)
