"""Backup of a large SQLite database: the online backup a desk makes while Médianum runs.

The database (200,000 beneficiaries and 1,000,000 passes by default; ``MEDIANUM_BENCH_BACKUP_
BENEFICIAIRES`` and ``MEDIANUM_BENCH_BACKUP_PASSES`` override them for a quick run) is a small
demonstration database whose beneficiary and pass rows are then copied in bulk (each copy with new
unique values), so every row satisfies the schema's constraints. It is cached under /tmp and
reused by later runs.

Measured: ``core.backup.backup_sqlite`` (SQLite's online backup API, as « db backup » and the
start-up backup use it) and ``check_sqlite_file`` (the check before a restore). Baseline, in the
same run: a plain copy of the same file (``shutil.copyfile``) — the disk's floor, which a copy made
while desks write could not use safely.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import time
from contextlib import closing
from pathlib import Path

from benchmarks.harness import Report, Result
from core.backup import backup_sqlite, check_sqlite_file

N_BENEF = int(os.environ.get("MEDIANUM_BENCH_BACKUP_BENEFICIAIRES", "200000"))
N_PASSES = int(os.environ.get("MEDIANUM_BENCH_BACKUP_PASSES", "1000000"))
CACHE_ROOT = Path(tempfile.gettempdir()) / "medianum-bench-cache"


def _unique_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    columns: set[str] = set()
    for index in conn.execute(f'PRAGMA index_list("{table}")').fetchall():
        if index[2]:  # unique
            columns |= {row[2] for row in conn.execute(f'PRAGMA index_info("{index[1]}")')}
    return columns


def replicate(conn: sqlite3.Connection, table: str, target: int) -> int:
    """Copy the table's rows until it holds ``target``; unique columns get new values."""
    info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
    unique = _unique_columns(conn, table)
    pk = [c[1] for c in info if c[5]]
    columns = [c[1] for c in info if c[1] not in pk]
    count: int = conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
    if count == 0:
        return 0
    while count < target:
        offset: int = conn.execute(f'SELECT MAX(rowid) FROM "{table}"').fetchone()[0]
        values = [
            # A new unique value of the same width: a letter-free prefix keeps type affinity.
            f"printf('%0{12}d', rowid + {offset})" if c in unique else f'"{c}"'
            for c in columns
        ]
        names = ", ".join(f'"{c}"' for c in columns)
        conn.execute(
            f'INSERT INTO "{table}" ({names}) SELECT {", ".join(values)} FROM "{table}" '
            f"ORDER BY rowid LIMIT {min(count, target - count)}"
        )
        conn.commit()
        count = conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
    return count


def big_database(n_benef: int = N_BENEF, n_passes: int = N_PASSES) -> tuple[Path, dict[str, int]]:
    home = CACHE_ROOT / f"backup-{n_benef}-{n_passes}"
    db_file = home / "medianum.sqlite3"
    meta = home / "counts.json"
    if db_file.exists() and meta.exists():
        return db_file, dict(json.loads(meta.read_text()))
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    from core.demo import DemoSizes, create_demo
    from domaines import DOMAINES

    previous = os.environ.get("MEDIANUM_HOME")
    os.environ["MEDIANUM_HOME"] = str(home)
    try:
        create_demo(DemoSizes(beneficiaires=min(n_benef, 500), passes=min(n_passes, 500)), DOMAINES)
    finally:
        if previous is None:
            os.environ.pop("MEDIANUM_HOME", None)
        else:
            os.environ["MEDIANUM_HOME"] = previous
    with closing(sqlite3.connect(db_file)) as conn:
        counts = {
            "beneficiaire": replicate(conn, "beneficiaire", n_benef),
            "pass": replicate(conn, "pass", n_passes),
        }
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    meta.write_text(json.dumps(counts))
    return db_file, counts


def run(report: Report) -> None:
    start = time.perf_counter()
    db_file, counts = big_database()
    size_mb = db_file.stat().st_size / 2**20
    note = (
        f"{counts['beneficiaire']} bénéficiaires, {counts['pass']} pass, {size_mb:.0f} Mo "
        f"(base prête en {time.perf_counter() - start:.0f} s)"
    )
    with tempfile.TemporaryDirectory(prefix="medianum-bench-backup-") as tmp:
        out = Path(tmp)
        copy_start = time.perf_counter()
        shutil.copyfile(db_file, out / "copie-brute.sqlite3")
        copy_s = time.perf_counter() - copy_start
        (out / "copie-brute.sqlite3").unlink()

        backup_start = time.perf_counter()
        target = backup_sqlite(db_file, out / "sauvegarde.sqlite3")
        backup_s = time.perf_counter() - backup_start
        report.add(
            Result(
                "backup: online backup of the database",
                backup_s,
                "s",
                "plain file copy",
                copy_s,
                "a few seconds",
                note,
            )
        )
        check_start = time.perf_counter()
        check_sqlite_file(target)
        check_s = time.perf_counter() - check_start
        report.add(
            Result(
                "backup: check of a backup before restore",
                check_s,
                "s",
                "online backup",
                backup_s,
                "",
                "PRAGMA integrity_check",
            )
        )
