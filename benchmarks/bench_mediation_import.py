"""Importing beneficiaries at scale (issue 15), on SQLite.

A file of 50,000 people (target: the real run in ≤ 60 s) is checked (dry run) then saved in
chunks, beside a bare ``executemany`` INSERT of the same number of rows in one transaction.
While the real run goes on, another desk writes a journal entry every 0.2 s, as every desk does
at login: the longest it waited is reported (target: < 1 s).

``MEDIANUM_BENCH_SCALE=0.1`` divides the volume (for a quick run while others work).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.harness import Report, Result
from core import journal
from core.auth import Actor, actor_for
from core.db import Database
from core.models import Agent

ROWS = 50_000


def _scale() -> float:
    return float(os.environ.get("MEDIANUM_BENCH_SCALE", "1"))


def _desk(db: Database, login: str) -> Actor:
    with db.session() as s:
        return actor_for(s, s.query(Agent).filter_by(login=login).one())


def _file(folder: Path, n: int) -> Path:
    path = folder / "import.csv"
    path.write_text(
        "Nom;Prénom;Année de naissance;Téléphone\n"
        + "".join(f"Import{i:06d};Personne{i:06d};1970;06{i:08d}\n" for i in range(n)),
        encoding="utf-8",
    )
    return path


def _bare_insert(folder: Path, n: int) -> float:
    db_file = folder / "bare.sqlite3"
    with sqlite3.connect(db_file) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, nom TEXT, prenom TEXT, annee INT)")
        started = time.perf_counter()
        conn.executemany(
            "INSERT INTO t (nom, prenom, annee) VALUES (?, ?, ?)",
            ((f"Import{i:06d}", f"Personne{i:06d}", 1970) for i in range(n)),
        )
        conn.commit()
        return time.perf_counter() - started


def _other_desk(db: Database, actor: Actor, stop: threading.Event, waits: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        with db.session() as s:
            journal.record(s, actor, "bench.autre_guichet", None, None, {})
        waits.append(time.perf_counter() - started)
        stop.wait(0.2)


def run(report: Report) -> None:
    from core.demo import DemoSizes, create_demo
    from domaines import DOMAINES
    from mediation.importation import importer_par_lots, prepare_import

    n = int(ROWS * _scale())
    previous = os.environ.get("MEDIANUM_HOME")
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        os.environ["MEDIANUM_HOME"] = str(home)
        try:
            create_demo(DemoSizes(beneficiaires=200, accompagnements=200), DOMAINES)
            db = Database()
            actor, autre = _desk(db, "accueil"), _desk(db, "mediateur")
            path = _file(home, n)
            started = time.perf_counter()
            with db.read_session() as session:
                import_report = prepare_import(session, actor, path)
            dry = time.perf_counter() - started
            stop, waits = threading.Event(), list[float]()
            thread = threading.Thread(target=_other_desk, args=(db, autre, stop, waits))
            thread.start()
            started = time.perf_counter()
            ids = importer_par_lots(db, actor, import_report)
            real = time.perf_counter() - started
            stop.set()
            thread.join()
            db.dispose()
        finally:
            if previous is None:
                os.environ.pop("MEDIANUM_HOME", None)
            else:
                os.environ["MEDIANUM_HOME"] = previous
        bare = _bare_insert(home, n)
    report.add(Result(f"import dry run ({n} rows)", dry, "s", "", None, "", "writes nothing"))
    report.add(
        Result(
            f"import real run ({n} rows)", real, "s", "bare executemany INSERT, one transaction",
            bare, "≤ 60 s for 50,000", f"{len(ids)} saved",
        )
    )  # fmt: skip
    report.add(
        Result(
            "another desk's longest wait during the import", max(waits, default=0.0), "s", "", None,
            "< 1 s", f"{len(waits)} journal writes",
        )
    )  # fmt: skip
