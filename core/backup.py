"""Consistent copies of a SQLite database, even while desks write to it (SQLite online backup)."""

from __future__ import annotations

import importlib
import importlib.util
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import MedianumError
from core.i18n import _

if TYPE_CHECKING:
    from core.db import Database

# Domain modules with work to redo on a restored database, each exposing
# ``after_restore(db: Database) -> str`` (a sentence for the person who restored).
RESTORE_EXTENSIONS = ("mediation.droits",)


def timestamped_name(label: str) -> str:
    return f"medianum-{label}-{datetime.now().strftime('%Y%m%d-%H%M%S-%f')}.sqlite3"


def backup_sqlite(source: Path, target: Path) -> Path:
    tmp = target.with_suffix(".partiel")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        tmp.replace(target)
    except (sqlite3.Error, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise MedianumError(
            _("La sauvegarde a échoué ({reason}) ; la base n'a pas été modifiée.").format(
                reason=exc
            )
        ) from exc
    return target


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a sound SQLite database of Médianum."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise MedianumError(
            _("Ce fichier n'est pas une base SQLite lisible ({reason}).").format(reason=exc)
        ) from exc
    if not result or result[0] != "ok":
        raise MedianumError(_("Ce fichier de sauvegarde est endommagé (contrôle d'intégrité)."))
    if "alembic_version" not in tables or "audit_entry" not in tables:
        raise MedianumError(_("Ce fichier n'est pas une base de données Médianum."))


def restore_sqlite(backup_file: Path, database_file: Path) -> Path | None:
    """Replace the database by a checked backup; the current file is itself backed up first.

    Returns the safety copy of the database that was replaced, if there was one. The schema
    version is checked afterwards by the normal start-up migration (older: upgraded; newer:
    refused), so a restore never leaves a database the code cannot open silently.
    """
    from core import paths

    check_sqlite_file(backup_file)
    safety = None
    if database_file.exists():
        safety = backup_sqlite(
            database_file, paths.backup_dir() / timestamped_name("avant-restauration")
        )
    tmp = database_file.with_suffix(".restauration")
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{database_file}{suffix}").unlink(missing_ok=True)
    tmp.replace(database_file)
    return safety


def after_restore(db: Database) -> list[str]:
    """Run every domain's restore hook (erasures done since the backup are redone…)."""
    said = []
    for name in RESTORE_EXTENSIONS:
        if importlib.util.find_spec(name) is not None:
            said.append(str(importlib.import_module(name).after_restore(db)))
    return said
