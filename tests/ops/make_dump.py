"""Make the SQL dump of a database at a released schema state, for the upgrade test.

Run once per release, from the repository root, with the code of that release::

    .venv/bin/python -m tests.ops.make_dump v0.2 --revisions core_0002 mediation_0003 ... \
        --demo _mediation_demo _mandat_demo ...

It migrates a fresh SQLite file to exactly the given alembic revisions, fills it with the
synthetic demonstration data of the given demo modules (small sizes), and writes
``tests/ops/data/NAME.sql`` (text: reviewable, no binary in the tree) and ``NAME.expected.json``
(row counts and a few values, read by the test as the expected facts).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def _expected(conn: sqlite3.Connection) -> dict[str, Any]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    counts = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    revisions = sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
    last = conn.execute("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()
    logins = sorted(r[0] for r in conn.execute("SELECT login FROM agent"))
    return {
        "revisions": revisions,
        "row_counts": counts,
        "agent_logins": logins,
        "last_journal_entry": {"seq": last[0], "hash": last[1]} if last else None,
    }


def make_dump(name: str, revisions: list[str], demo_modules: list[str], sizes: int) -> Path:
    with tempfile.TemporaryDirectory(prefix="medianum-dump-") as home:
        os.environ["MEDIANUM_HOME"] = home
        os.environ.pop("MEDIANUM_DATABASE_URL", None)
        from alembic import command

        from core import demo, migrate
        from core.db import Database

        db = Database()
        cfg = migrate.alembic_config(db)
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            for rev in revisions:
                command.upgrade(cfg, rev)
        db.dispose()
        # The demo fills what the released schema holds: the schema stays where alembic put it.
        migrate.upgrade = lambda _db, backup=True: None  # type: ignore[assignment]
        from domaines import DOMAINES

        released = tuple(
            replace(d, demo=tuple(p for p in d.demo if p.__name__ in demo_modules))
            for d in DOMAINES
        )
        demo.create_demo(demo.DemoSizes(beneficiaires=sizes, accompagnements=sizes * 2), released)
        source = Path(home) / "medianum.sqlite3"
        with closing(sqlite3.connect(source)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            sql = "\n".join(conn.iterdump()) + "\n"
            expected = _expected(conn)
    DATA_DIR.mkdir(exist_ok=True)
    target = DATA_DIR / f"{name}.sql"
    target.write_text(sql, encoding="utf-8")
    (DATA_DIR / f"{name}.expected.json").write_text(
        json.dumps(expected, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="release name, e.g. v0.2")
    parser.add_argument("--revisions", nargs="+", required=True)
    parser.add_argument(
        "--demo", nargs="*", default=[], help="demo functions of domaines.py to run (_lieux_demo…)"
    )
    parser.add_argument("--beneficiaires", type=int, default=25)
    args = parser.parse_args()
    print(make_dump(args.name, args.revisions, args.demo, args.beneficiaires))


if __name__ == "__main__":
    main()
