"""Consistent copies of a SQLite database, even while desks write to it (SQLite online backup)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from core.errors import MedianumError
from core.i18n import _
from core.journal import (
    GENESIS_HASH,
    anchor_beside,
    read_anchor_beside,
    save_desk_anchor,
    write_anchor_beside,
)


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
                # A copy of a WAL database is in WAL mode too: make it one self-contained file.
                dst.execute("PRAGMA journal_mode=DELETE")
                anchor = _head_of(dst)
            finally:
                dst.close()
        finally:
            src.close()
        tmp.replace(target)
        write_anchor_beside(target, anchor)
    except (sqlite3.Error, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise MedianumError(
            _("La sauvegarde a échoué ({reason}) ; la base n'a pas été modifiée.").format(
                reason=exc
            )
        ) from exc
    return target


def _journal_head(path: Path) -> tuple[int, str]:
    """The head of a copy's journal, written beside it: a restore checks the copy against it."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _head_of(conn)
    finally:
        conn.close()


def _head_of(conn: sqlite3.Connection) -> tuple[int, str]:
    try:
        row = conn.execute("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError:  # not yet migrated: no journal to anchor
        row = None
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


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
    restored_head = _checked_against_its_anchor(backup_file)
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
    # Going back to an older head is the point of a restore: the desk's anchor follows it.
    save_desk_anchor(make_url(f"sqlite:///{database_file}"), *restored_head, force=True)
    return safety


def _checked_against_its_anchor(backup_file: Path) -> tuple[int, str]:
    """The backup's journal head, refused if it contradicts the anchor written beside it."""
    head = _journal_head(backup_file)
    anchor = read_anchor_beside(backup_file)
    if anchor is not None and (anchor.seq, anchor.hash) != head:
        raise MedianumError(
            _(
                "Le journal de cette sauvegarde ne correspond pas à l'ancre écrite à côté "
                "d'elle ({file}) : la sauvegarde a été modifiée après coup. La base n'a pas été "
                "modifiée."
            ).format(file=anchor_beside(backup_file).name)
        )
    return head
