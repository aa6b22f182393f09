"""Schema migrations (alembic), run from code at start-up.

Each domain has its own branch of revisions (``branch_labels``), depending on the core branch:
domains evolve independently and ``heads`` brings every branch up to date. Before upgrading an
existing SQLite file it is backed up; a database migrated by a newer Médianum is refused.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.exc import DBAPIError

from core import paths
from core.db import Database, translate_database_error
from core.errors import DatabaseTooNewError
from core.i18n import _
from core.scripts_alembic import alembic_config as alembic_config
from core.scripts_alembic import revision_known as revision_known
from core.scripts_alembic import script_heads as script_heads

log = logging.getLogger(__name__)


def load_all_models() -> MetaData:
    """Every domain's tables, as listed by ``domaines.py`` (core names no domain)."""
    from core.domaine import all_models

    return all_models()


def current_revisions(db: Database) -> set[str]:
    """The revisions recorded in the database; an unreachable server is a French message."""
    try:
        with db.engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    except DBAPIError as exc:
        translated = translate_database_error(exc)
        if translated is exc:
            raise
        raise translated from exc


def upgrade(db: Database, backup: bool = True) -> Path | None:
    """Bring the database to the code's schema; return the backup made, if any."""
    script = ScriptDirectory.from_config(alembic_config())
    current = current_revisions(db)
    if any(not revision_known(script, rev) for rev in current):
        raise DatabaseTooNewError(
            _(
                "Cette base de données a été mise à jour par une version plus récente de "
                "Médianum. Installez la dernière version ; la base n'a pas été modifiée."
            )
        )
    # alembic_version lists only the revisions nothing applied depends on: a branch head that
    # another branch depends on is absent from it, so compare what is applied, not the rows.
    applied = {r.revision for r in script.iterate_revisions(tuple(current), "base") if r}
    if current and set(script.get_heads()) <= applied:
        return None
    backup_path = None
    if backup and current and db.is_sqlite and db.url.database:
        from core.backup import backup_sqlite, timestamped_name

        source = Path(db.url.database)
        backup_path = paths.backup_dir() / timestamped_name("avant-mise-a-jour")
        backup_sqlite(source, backup_path)
        log.info("database backed up before upgrade to %s", backup_path.name)
    cfg = alembic_config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
    log.info("database upgraded to %s", sorted(script.get_heads()))
    return backup_path


def downgrade(db: Database, revision: str) -> None:
    cfg = alembic_config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
