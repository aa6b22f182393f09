"""The alembic scripts of the code: their configuration and what they know.

Apart from ``migrate`` so that a restore can check a backup's schema (``core.backup``) without
importing ``migrate``, which itself backs the database up before an upgrade.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic.config import Config
from alembic.script import ScriptDirectory

from core import paths

if TYPE_CHECKING:
    from core.db import Database


def alembic_config(db: Database | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(paths.MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if db is not None:
        # configparser reads « % » as interpolation: a socket path (?host=%2Ftmp) would crash.
        url = db.url.render_as_string(hide_password=False)
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def script_heads() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def revision_known(script: ScriptDirectory, rev: str) -> bool:
    try:
        return script.get_revision(rev) is not None
    except Exception:  # noqa: BLE001 - alembic raises several types for an unknown id
        return False
