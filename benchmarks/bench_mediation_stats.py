"""Mediation statistics and national exports at scale (issue 3).

On a demonstration database of 200,000 beneficiaries and 1,000,000 accompaniments (SQLite, the
one ``bench_mediation`` builds once with the ``demo`` code and caches), and on a copy of it where
accompaniments are numbered in date order as a real desk records them (the demo numbers them in
random date order, the worst case for the statistics' id-range shortcut):

- the statistics of a year for the whole territory (target: under 1 s), beside a bare
  ``SELECT count(*)`` over the same rows; the same for half a year and for one structure, where
  the id-range shortcut does not apply in full;
- the XLSX export of 100,000 accompaniments, in rows per second (target: ≥ 20,000), beside
  XlsxWriter writing the same number of constant rows in the same constant-memory mode;
- one page of the beneficiaries list model (first page, and a page 100,000 rows down), beside the
  same SELECT written as raw SQL.

``MEDIANUM_BENCH_SCALE=0.1`` divides the volume (for a quick run while others work);
``MEDIANUM_BENCH_MEDIATION_HOME`` points at an existing demonstration data directory.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter
from sqlalchemy import func, select, text

from benchmarks.harness import Report, Result, median_ms
from core.auth import Actor, actor_for
from core.db import Database
from core.models import Agent
from mediation.exports import COLONNES_ACCOMPAGNEMENTS, exporter_accompagnements
from mediation.models import Accompagnement
from mediation.statistiques import Perimetre, calculer_statistiques

BENEFICIAIRES = 200_000
ACCOMPAGNEMENTS = 1_000_000
EXPORT_ROWS = 100_000


def _scale() -> float:
    return float(os.environ.get("MEDIANUM_BENCH_SCALE", "1"))


def _database_file() -> Path:
    """``MEDIANUM_BENCH_MEDIATION_HOME``'s database, else the demo database cached by
    ``bench_mediation`` (built on first use, shared by both benchmarks)."""
    given = os.environ.get("MEDIANUM_BENCH_MEDIATION_HOME")
    if given:
        return Path(given) / "medianum.sqlite3"
    from benchmarks.bench_mediation import big_database

    scale = _scale()
    path, seconds = big_database(int(BENEFICIAIRES * scale), int(ACCOMPAGNEMENTS * scale))
    if seconds is not None:
        print(f"  (demo database: {path}, generated in {seconds:.0f} s)")
    return path


_LINK_TABLES = (
    "accompagnement_thematique",
    "accompagnement_materiel",
    "accompagnement_participant",
    "participants_anonymes",
)


def _chronological_copy(source: Path) -> Path:
    """The same data with accompaniments numbered in date order, as a real desk records them.

    The demonstration generator numbers them in random date order, the worst case for the
    statistics' id-range shortcut; measuring both shows what each costs.
    """
    target = source.with_name("medianum-chronologique.sqlite3")
    if target.exists():
        return target
    partial = target.with_name(target.name + ".partiel")
    partial.unlink(missing_ok=True)
    conn = sqlite3.connect(source)
    conn.execute("VACUUM INTO ?", (str(partial),))
    conn.close()
    conn = sqlite3.connect(partial, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("ATTACH ? AS src", (str(source),))
    conn.execute("BEGIN")
    conn.execute(
        "CREATE TEMP TABLE remap AS SELECT id AS old, "
        "row_number() OVER (ORDER BY date, id) AS new FROM src.accompagnement"
    )
    conn.execute("CREATE UNIQUE INDEX temp.remap_old ON remap(old)")
    columns = {}
    for table in ("accompagnement", *_LINK_TABLES):
        columns[table] = [row[1] for row in conn.execute(f"PRAGMA main.table_info({table})")]
        conn.execute(f"DELETE FROM main.{table}")
    key = {"accompagnement": "id"} | dict.fromkeys(_LINK_TABLES, "accompagnement_id")
    for table in ("accompagnement", *_LINK_TABLES):
        names = columns[table]
        chosen = ", ".join("r.new" if c == key[table] else f"t.{c}" for c in names)
        conn.execute(
            f"INSERT INTO main.{table} ({', '.join(names)}) SELECT {chosen} "
            f"FROM src.{table} t JOIN remap r ON r.old = t.{key[table]} ORDER BY r.new"
        )
    conn.execute("COMMIT")
    conn.execute("DETACH src")
    conn.close()
    partial.replace(target)
    return target


def _actor(db: Database, login: str) -> Actor:
    with db.read_session() as session:
        agent = session.scalar(select(Agent).where(Agent.login == login))
        assert agent is not None, f"demo agent {login} missing"
        return actor_for(session, agent)


def _bare_count(db: Database, perimetre: Perimetre) -> float:
    def run() -> None:
        with db.read_session() as session:
            session.scalar(
                select(func.count())
                .select_from(Accompagnement)
                .where(Accompagnement.date.between(perimetre.du, perimetre.au))
            )

    return median_ms(run, repeat=5, warmup=1)


def _stats(report: Report, db: Database, actor: Actor, name: str, perimetre: Perimetre) -> None:
    with db.read_session() as session:
        n = calculer_statistiques(session, actor, perimetre).activites

    def run() -> None:
        with db.read_session() as session:
            calculer_statistiques(session, actor, perimetre)

    report.add(
        Result(
            name,
            median_ms(run, repeat=5, warmup=1),
            "ms",
            "SELECT count(*) over the same period",
            _bare_count(db, perimetre),
            "< 1000 ms (a year, territory)",
            f"{n} accompaniments",
        )
    )


def _export(report: Report, db: Database, actor: Actor, au: date) -> None:
    with db.read_session() as session:
        rows = int(EXPORT_ROWS * _scale())
        du = session.scalar(
            select(Accompagnement.date)
            .where(Accompagnement.date <= au)
            .order_by(Accompagnement.date.desc())
            .offset(rows - 1)
            .limit(1)
        )
    assert du is not None
    perimetre = Perimetre(du, au)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "accompagnements.xlsx"
        started = time.perf_counter()
        result = exporter_accompagnements(db, actor, perimetre, out)
        elapsed = time.perf_counter() - started
        started = time.perf_counter()
        # The same writer, alone: XlsxWriter in constant-memory mode, constant rows.
        workbook = xlsxwriter.Workbook(
            str(Path(folder) / "constantes.xlsx"),
            {"constant_memory": True, "default_date_format": "dd/mm/yyyy"},
        )
        sheet = workbook.add_worksheet("constantes")
        sheet.write_row(0, 0, COLONNES_ACCOMPAGNEMENTS)
        constant = [date(2026, 1, 1), "Accompagnement individuel", "Structure", "Médiateur"] + [
            "valeur"
        ] * (len(COLONNES_ACCOMPAGNEMENTS) - 4)
        for i in range(result.lignes):
            sheet.write_row(i + 1, 0, constant)
        workbook.close()
        baseline = time.perf_counter() - started
    report.add(
        Result(
            "XLSX export of the accompaniments (rows per second)",
            result.lignes / elapsed,
            "rows/s",
            "XlsxWriter constant_memory alone, same number of constant rows",
            result.lignes / baseline,
            "≥ 20,000 rows/s",
            f"{result.lignes} rows in {elapsed:.1f} s ({du} – {au})",
        )
    )


def _list_model(report: Report, db: Database, actor: Actor) -> None:
    from ui.models.beneficiaires_model import BeneficiairesModel

    model = BeneficiairesModel(db, actor)
    model.reload()
    total = model.rowCount()
    deep = min(100_000, max(total - 100, 0)) // 100 * 100

    def first_page() -> None:
        model._pages.clear()
        model.row_at(0)

    def deep_page() -> None:
        model._pages.clear()
        model.row_at(deep)

    stmt = model.statement()
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    raw = str(compiled)

    def raw_page(offset: int) -> None:
        with db.engine.connect() as conn:
            conn.execute(text(f"{raw} LIMIT 100 OFFSET {offset}")).all()

    report.add(
        Result(
            "Beneficiaries list model: first page of 100 rows",
            median_ms(first_page, repeat=10),
            "ms",
            "same SELECT as raw SQL",
            median_ms(lambda: raw_page(0), repeat=10),
            "fluid (< 50 ms)",
            f"{total} visible files",
        )
    )
    report.add(
        Result(
            f"Beneficiaries list model: page at row {deep}",
            median_ms(deep_page, repeat=5),
            "ms",
            "same SELECT as raw SQL",
            median_ms(lambda: raw_page(deep), repeat=5),
            "fluid (< 100 ms)",
        )
    )


def _stats_suite(report: Report, db: Database, suffix: str) -> None:
    coordinateur = _actor(db, "coordinateur")
    with db.read_session() as session:
        last = session.scalar(select(func.max(Accompagnement.date)))
        structure_id = session.scalar(
            select(Accompagnement.structure_id)
            .group_by(Accompagnement.structure_id)
            .order_by(func.count().desc())
            .limit(1)
        )
    assert last is not None
    year = Perimetre(last - timedelta(days=364), last)
    _stats(report, db, coordinateur, f"Statistics of a year, whole territory{suffix}", year)
    _stats(
        report,
        db,
        coordinateur,
        f"Statistics of the last six months, territory{suffix}",
        Perimetre(last - timedelta(days=182), last),
    )
    _stats(
        report,
        db,
        coordinateur,
        f"Statistics of a year, busiest structure{suffix}",
        Perimetre(year.du, year.au, structure_id=structure_id),
    )


def run(report: Report) -> None:
    source = _database_file()
    db = Database(f"sqlite:///{source}")
    try:
        _stats_suite(report, db, " (demo ids)")
        with db.read_session() as session:
            last = session.scalar(select(func.max(Accompagnement.date)))
        assert last is not None
        _export(report, db, _actor(db, "coordinateur"), last)
        _list_model(report, db, _actor(db, "demo"))
    finally:
        db.dispose()
    chronological = Database(f"sqlite:///{_chronological_copy(source)}")
    try:
        _stats_suite(report, chronological, " (ids in date order)")
    finally:
        chronological.dispose()
