"""Consistent copies of a SQLite database, even while desks write to it (SQLite online backup).

A copy is called written only once it is whole and checked (``quick_check``): a damaged database
is refused rather than copied. A restore checks everything it can before touching the working
database: the backup's soundness, its schema version, its journal against the anchor written
beside it, and that no other Médianum process has the database open.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from core import locks
from core.db import environment_error
from core.errors import DatabaseCorruptError, DatabaseInUseError, DatabaseTooNewError, MedianumError
from core.i18n import _
from core.journal import (
    GENESIS_HASH,
    anchor_beside,
    read_anchor_beside,
    save_desk_anchor,
    write_anchor_beside,
)

if TYPE_CHECKING:
    from core.db import Database
    from core.domaine import Domaine


def timestamped_name(label: str) -> str:
    return f"medianum-{label}-{datetime.now().strftime('%Y%m%d-%H%M%S-%f')}.sqlite3"


def _failed(exc: sqlite3.Error | OSError) -> MedianumError:
    known = environment_error(exc) if isinstance(exc, sqlite3.Error) else None
    if isinstance(known, DatabaseCorruptError):
        return DatabaseCorruptError(
            _(
                "La base de données est endommagée : aucune sauvegarde n'a été écrite, pour ne "
                "pas copier le dommage. Restaurez la dernière sauvegarde saine (« db restore »)."
            )
        )
    reason = known.message if known is not None else getattr(exc, "strerror", None) or exc
    return MedianumError(
        _("La sauvegarde a échoué ({reason}) ; la base n'a pas été modifiée.").format(reason=reason)
    )


def backup_sqlite(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target`` (with its journal anchor beside it); the copy is checked
    before it takes its name, so a name without ``.partiel`` is always a whole, sound copy."""
    tmp = target.with_suffix(".partiel")
    in_progress = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        in_progress = locks.begin_partial(tmp)
        anchor = _copy_checked(source, tmp)
        tmp.replace(target)
        write_anchor_beside(target, anchor)
    except (sqlite3.Error, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise _failed(exc) from exc
    except MedianumError:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if in_progress is not None:
            in_progress.release()
    return target


def _copy_checked(source: Path, tmp: Path) -> tuple[int, str]:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            # A copy of a WAL database is in WAL mode too: make it one self-contained file.
            dst.execute("PRAGMA journal_mode=DELETE")
            # The copy holds every page of the source: checking it checks what was copied
            # without holding a read transaction on the working database meanwhile.
            verdict = dst.execute("PRAGMA quick_check").fetchone()
            if not verdict or verdict[0] != "ok":
                raise DatabaseCorruptError(
                    _(
                        "La base de données est endommagée (contrôle rapide en échec) : aucune "
                        "sauvegarde n'a été écrite, pour ne pas copier le dommage. Restaurez la "
                        "dernière sauvegarde saine (« db restore »)."
                    )
                )
            return _head_of(dst)
        finally:
            dst.close()
    finally:
        src.close()


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
            _("Ce fichier n'est pas une base SQLite lisible ({reason}).").format(
                reason=exc.sqlite_errorname
            )
        ) from exc
    if not result or result[0] != "ok":
        raise MedianumError(_("Ce fichier de sauvegarde est endommagé (contrôle d'intégrité)."))
    if "alembic_version" not in tables or "audit_entry" not in tables:
        raise MedianumError(_("Ce fichier n'est pas une base de données Médianum."))


# --- restore: each check is its own function, run before anything is replaced ----------------


def refuse_if_open_elsewhere(database_file: Path) -> None:
    """Replacing a file another process has open would silently lose its later writes."""
    others = [
        holder
        for holder in locks.live_holders(locks.open_locks_folder(database_file))
        if holder.pid != locks.who_am_i()["pid"]
    ]
    if others:
        raise DatabaseInUseError(
            _(
                "La base de données est ouverte par Médianum sur {desks} : fermez Médianum "
                "là-bas, puis relancez la restauration. La base n'a pas été modifiée."
            ).format(desks=", ".join(sorted({h.describe() for h in others})))
        )


def refuse_newer_schema(backup_file: Path) -> None:
    """A backup written by a newer Médianum cannot be opened by this one: refuse it now."""
    from alembic.script import ScriptDirectory

    from core.scripts_alembic import alembic_config, revision_known

    conn = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        revisions = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
    finally:
        conn.close()
    script = ScriptDirectory.from_config(alembic_config())
    if any(not revision_known(script, rev) for rev in revisions):
        raise DatabaseTooNewError(
            _(
                "Cette sauvegarde a été écrite par une version plus récente de Médianum : "
                "installez la dernière version avant de la restaurer. La base actuelle n'a pas "
                "été modifiée."
            )
        )


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


def restore_sqlite(backup_file: Path, database_file: Path) -> Path | None:
    """Replace the database by a checked backup; the current file is itself backed up first.

    Returns the safety copy of the database that was replaced, if there was one. Every check
    (soundness, schema version, journal anchor, nobody else using the database) runs before the
    working database is touched; an older schema is upgraded afterwards by the caller.
    """
    from core import paths

    check_sqlite_file(backup_file)
    refuse_newer_schema(backup_file)
    restored_head = _checked_against_its_anchor(backup_file)
    refuse_if_open_elsewhere(database_file)
    safety = None
    if database_file.exists():
        safety = backup_sqlite(
            database_file, paths.backup_dir() / timestamped_name("avant-restauration")
        )
    _replace_database(backup_file, database_file)
    # Going back to an older head is the point of a restore: the desk's anchor follows it.
    save_desk_anchor(make_url(f"sqlite:///{database_file}"), *restored_head, force=True)
    return safety


def after_restore(db: Database, domaines: Sequence[Domaine]) -> list[str]:
    """Each domain's work to redo on a restored database (erasures done since the backup…),
    one sentence each for the person who restored."""
    return [domaine.apres_restauration(db) for domaine in domaines if domaine.apres_restauration]


def _replace_database(backup_file: Path, database_file: Path) -> None:
    tmp = database_file.with_suffix(".restauration")
    in_progress = locks.begin_partial(tmp)
    try:
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
    finally:
        in_progress.release()
