"""Child processes the restore and backup tests kill or run beside the parent.

``ouvre``: opens the database as Médianum does, says so, then waits to be killed.
``sauvegarde DIR``: runs the real ``db backup``, its SQLite copy slowed to one page at a time
(through the connection factory, the backup code itself unchanged), and says when it started.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from typing import Any

import main
from core.db import Database


class _OnePageAtATime(sqlite3.Connection):
    def backup(self, target: sqlite3.Connection, **_kwargs: Any) -> None:  # type: ignore[override]
        def progress(_status: int, _remaining: int, _total: int) -> None:
            print("copie", flush=True)
            time.sleep(0.05)

        super().backup(target, pages=1, progress=progress)


def _slow_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
    return sqlite3.connect(*args, factory=_OnePageAtATime, **kwargs)


def main_child(mode: str, *args: str) -> None:
    if mode == "ouvre":
        db = Database()
        with db.read_session():
            pass
        print("ouverte", flush=True)
        time.sleep(600)
    elif mode == "sauvegarde":
        import core.backup

        core.backup.sqlite3 = type(sys)("sqlite3_lent")  # type: ignore[assignment]
        core.backup.sqlite3.__dict__.update(sqlite3.__dict__)
        core.backup.sqlite3.connect = _slow_connect  # type: ignore[attr-defined]
        sys.exit(main.main(["db", "backup", *args]))


if __name__ == "__main__":
    main_child(*sys.argv[1:])
