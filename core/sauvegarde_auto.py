"""Automatic backups of the desk's SQLite database when Médianum starts, keeping the last N.

Settings (core.settings): ``backup_at_start`` turns it on, ``backup_folder`` chooses the folder
(empty: ``sauvegardes/`` in the data directory), ``backup_keep`` is how many automatic backups
are kept (0: all of them). Only the files this module wrote (``medianum-auto-*.sqlite3``) are
ever deleted: manual backups, pre-upgrade and pre-restore copies in the same folder stay.

A PostgreSQL database is not backed up here: the server's ``pg_dump`` does it (installer/README).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from core import paths
from core.backup import backup_sqlite, timestamped_name
from core.db import default_url
from core.errors import MedianumError
from core.i18n import _
from core.journal import anchor_beside
from core.settings import Settings

log = logging.getLogger(__name__)

LABEL = "auto"
PATTERN = f"medianum-{LABEL}-*.sqlite3"


def backup_folder(settings: Settings) -> Path:
    chosen = str(settings.get("backup_folder") or "").strip()
    return Path(chosen).expanduser() if chosen else paths.backup_dir()


def _sqlite_file(url: str | URL) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def automatic_backups(folder: Path) -> list[Path]:
    """This module's backups in ``folder``, oldest first (the timestamped names sort in time)."""
    return sorted(folder.glob(PATTERN), key=lambda p: p.name)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete the oldest automatic backups beyond ``keep``; returns the deleted files."""
    if keep <= 0:
        return []
    backups = automatic_backups(folder)
    removed = backups[: max(0, len(backups) - keep)]
    for old in removed:
        old.unlink(missing_ok=True)
        anchor_beside(old).unlink(missing_ok=True)
    return removed


def backup_at_start(settings: Settings, database_url: str | URL | None = None) -> Path | None:
    """The start-up backup if the settings ask for it: the file written, or None.

    Raises ``MedianumError`` (French message) when the copy fails; the database is untouched and
    the caller shows the message and goes on starting.
    """
    if not settings.get("backup_at_start"):
        return None
    source = _sqlite_file(database_url or default_url())
    if source is None:
        log.info("start-up backup skipped: not a SQLite database (use pg_dump)")
        return None
    if not source.exists():
        return None
    folder = backup_folder(settings)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MedianumError(
            _(
                "La sauvegarde a échoué : le dossier {path} ne peut pas être créé ({reason}) ; "
                "la base n'a pas été modifiée."
            ).format(path=folder, reason=exc.strerror or exc)
        ) from exc
    target = backup_sqlite(source, folder / timestamped_name(LABEL))
    removed = prune(folder, int(settings.get("backup_keep")))
    log.info("start-up backup written (%s), %d old ones removed", target.name, len(removed))
    return target


def run_at_start(settings: Settings, database_url: str | URL | None = None) -> str | None:
    """What the GUI calls once the database is open: None when all went well (or nothing was
    asked), else the French message to show. A failed backup never stops Médianum starting."""
    try:
        backup_at_start(settings, database_url)
    except MedianumError as exc:
        log.warning("start-up backup failed")
        return str(exc)
    return None
