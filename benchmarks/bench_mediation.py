"""The case file at scale: demo generation, type-ahead search and one page of the list.

The database (200,000 beneficiaries and 1,000,000 accompaniments by default;
``MEDIANUM_BENCH_BENEFICIAIRES`` and ``MEDIANUM_BENCH_ACCOMPAGNEMENTS`` override them for a
quick run) is generated once by ``main.py demo`` code into a cache folder under /tmp and reused by
later runs (``big_database``, also usable by other benchmarks). Its generation time is reported
the first time (and kept beside the cache).

Baselines, measured in the same run: the same queries as plain SQL text (the search's compiled
with its values inlined, the page's written by hand) run through the bare ``sqlite3`` driver —
the floor under the use cases (ORM, statement building, permission check).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import time
from functools import partial
from pathlib import Path

from benchmarks.harness import Report, Result, median_ms
from core.auth import Actor, actor_for
from core.db import Database
from core.demo import DemoSizes
from core.models import Agent
from mediation.beneficiaires import (
    RowSelect,
    count_statement,
    list_statement,
    page_rows,
    search_beneficiaires,
    search_statements,
)

N_BENEF = int(os.environ.get("MEDIANUM_BENCH_BENEFICIAIRES", "200000"))
N_ACC = int(os.environ.get("MEDIANUM_BENCH_ACCOMPAGNEMENTS", str(5 * N_BENEF)))
CACHE_ROOT = Path(tempfile.gettempdir()) / "medianum-bench-cache"
PREFIXES = ("b", "bea", "lef", "mar", "dup fra", "helene")


def big_database(n_benef: int = N_BENEF, n_acc: int = N_ACC) -> tuple[Path, float | None]:
    """The cached demo database file of that size, and its generation time in seconds (None
    when it came from the cache and the time was not recorded)."""
    home = CACHE_ROOT / f"mediation-{n_benef}-{n_acc}"
    db_file = home / "medianum.sqlite3"
    meta = home / "generation.json"
    if db_file.exists() and meta.exists():
        return db_file, float(json.loads(meta.read_text())["seconds"])
    if home.exists():
        # A generation cut short: its files, and the folder its open database keeps beside.
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    from core.demo import create_demo
    from domaines import DOMAINES

    previous = os.environ.get("MEDIANUM_HOME")
    os.environ["MEDIANUM_HOME"] = str(home)
    try:
        start = time.perf_counter()
        create_demo(DemoSizes(beneficiaires=n_benef, accompagnements=n_acc), DOMAINES)
        seconds = time.perf_counter() - start
    finally:
        if previous is None:
            os.environ.pop("MEDIANUM_HOME", None)
        else:
            os.environ["MEDIANUM_HOME"] = previous
    with sqlite3.connect(db_file) as conn:
        conn.execute("ANALYZE")
    meta.write_text(json.dumps({"seconds": seconds}))
    return db_file, seconds


def _desk_actor(db: Database, login: str) -> Actor:
    with db.session() as s:
        agent = s.query(Agent).filter_by(login=login).one()
        return actor_for(s, agent)


def _raw_sql(statements: list[RowSelect]) -> list[str]:
    """The use case's queries as plain SQL text, values inlined: the same query, minus the ORM."""
    from sqlalchemy.dialects import sqlite

    return [
        str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
        for stmt in statements
    ]


def _raw_search(raw: sqlite3.Connection, queries: list[str]) -> list[object]:
    rows: list[object] = []
    for sql in queries:
        rows += raw.execute(sql).fetchall()
        if len(rows) >= 20:
            break
    return rows[:20]


RAW_PAGE = """
SELECT id, anonyme, nom, prenom, annee_naissance, commune_insee, structure_id,
       derniere_activite_at
FROM beneficiaire
WHERE structure_id + 0 IN (?) AND efface = 0
ORDER BY nom_cle, prenom_cle, id
LIMIT 100 OFFSET ?
"""


def _raw_page(raw: sqlite3.Connection, sid: int | None, offset: int) -> list[object]:
    return raw.execute(RAW_PAGE, (sid, offset)).fetchall()


def run(report: Report) -> None:
    db_file, seconds = big_database()
    size = f"{N_BENEF:,} bénéficiaires, {N_ACC:,} accompagnements".replace(",", " ")
    if seconds is not None:
        report.add(
            Result(
                f"demo generation ({size})",
                seconds,
                "s",
                target="a few minutes",
                note="from the cache folder's record",
            )
        )
    db = Database(f"sqlite:///{db_file}")
    raw = sqlite3.connect(db_file)
    try:
        actor = _desk_actor(db, "accueil")
        sid = actor.structure_id
        with db.read_session() as s:
            for prefix in PREFIXES:
                value = median_ms(partial(search_beneficiaires, s, actor, prefix))
                hits = len(search_beneficiaires(s, actor, prefix))
                queries = _raw_sql(search_statements(actor, prefix))
                base = median_ms(partial(_raw_search, raw, queries))
                report.add(
                    Result(
                        f"type-ahead search « {prefix} » ({hits} shown)",
                        value,
                        "ms",
                        "raw SQL, sqlite3 driver",
                        base,
                        target="< 30 ms",
                    )
                )
            stmt = list_statement(actor)
            total = s.scalar(count_statement(stmt)) or 0
            for offset in (0, total // 2):
                value = median_ms(partial(page_rows, s, stmt, offset, 100))
                base = median_ms(partial(_raw_page, raw, sid, offset))
                report.add(
                    Result(
                        f"list page of 100 rows at offset {offset} (of {total})",
                        value,
                        "ms",
                        "raw SQL, sqlite3 driver",
                        base,
                    )
                )
            value = median_ms(lambda: s.scalar(count_statement(stmt)), repeat=5)
            base = median_ms(
                lambda: raw.execute(
                    "SELECT count(*) FROM beneficiaire WHERE structure_id IN (?) AND efface = 0",
                    (sid,),
                ).fetchall(),
                repeat=5,
            )
            report.add(Result("list row count (model size)", value, "ms", "raw SQL count", base))
    finally:
        raw.close()
        db.dispose()
