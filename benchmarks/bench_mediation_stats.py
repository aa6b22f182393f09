"""Mediation statistics and national exports at scale (issues 3 and 15).

On a demonstration database of 200,000 beneficiaries and 1,000,000 accompaniments (the one
``bench_mediation`` builds once with the ``demo`` code and caches under /tmp), on SQLite, and on
a PostgreSQL copy of it (loaded once by ``COPY`` into a database kept as a cache on the server,
``medianum_bench_stats_<size>``), every question a coordinator asks, each beside a bare
``SELECT count(*)`` over the same accompaniments in the same run (target: every question under
1 s on both engines):

- a year of the whole territory; six months (in the demo, accompaniments are numbered in random
  date order, so no period is a run of ids); the busiest structure's year; the busiest
  mediator's year; a single day;
- the XLSX export of 100,000 accompaniment rows, in rows per second (target: ≥ 20,000), beside
  the same rows read and built but written nowhere, then each writer alone on those rows:
  Médianum's streamed writer, XlsxWriter constant-memory, openpyxl write-only (SQLite only);
- one page of the beneficiaries list model (first page, and a page 100,000 rows down), beside the
  same SELECT written as raw SQL (SQLite only).

``MEDIANUM_BENCH_SCALE=0.1`` divides the volume (for a quick run while others work);
``MEDIANUM_BENCH_MEDIATION_HOME`` points at an existing demonstration data directory;
``MEDIANUM_BENCH_PG_URL`` is a server URL whose user may create databases (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``): unreachable, PostgreSQL is skipped,
saying so. ``MEDIANUM_BENCH_STATS_ONLY=1`` skips the export and list-model measures. The
export is also measured writer by writer on the same rows held in memory (rustpy-xlsxwriter
only if installed).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import keyring
import xlsxwriter
from keyring.backend import KeyringBackend
from sqlalchemy import ColumnElement, create_engine, func, select, text
from sqlalchemy.engine import make_url

from benchmarks.harness import Report, Result, median_ms
from core import migrate
from core.auth import Actor, actor_for
from core.db import Database
from core.models import Agent
from mediation.exports import (
    COLONNES_ACCOMPAGNEMENTS,
    exporter_accompagnements,
    lignes_accompagnements,
)
from mediation.models import Accompagnement
from mediation.statistiques import Perimetre, calculer_statistiques
from mediation.xlsx_flux import ClasseurXlsx

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


PG_URL = os.environ.get(
    "MEDIANUM_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


class _MemoryKeyring(KeyringBackend):
    """No system keyring here: the demo's signing keys live in memory for the run."""

    priority = 10

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def _postgres_copy(source: Path) -> str | None:
    """URL of a PostgreSQL database holding the same rows as ``source``, loaded by ``COPY``
    once and kept on the server as a cache (named after the file's size); None, saying so, when
    no server answers."""
    name = f"medianum_bench_stats_{source.stat().st_size}"
    admin_url = make_url(PG_URL)
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            ready: Any = False  # a finished load leaves a marker table
            if exists:
                probe = create_engine(url)
                try:
                    with probe.connect() as pconn:
                        ready = pconn.scalar(
                            text("SELECT to_regclass('public.bench_charge_complete')")
                        )
                finally:
                    probe.dispose()
                if not ready:
                    conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            if not ready:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: no server to measure on
        print(f"  PostgreSQL not reachable ({exc.__class__.__name__}): not measured there")
        return None
    if ready:
        return url
    started = time.perf_counter()
    db = Database(url)
    migrate.upgrade(db, backup=False)
    metadata = migrate.load_all_models()
    lite = sqlite3.connect(source)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        tables = [t.name for t in metadata.sorted_tables]
        cursor.execute("SET session_replication_role = replica")  # no FK checks while loading
        for table in tables:
            cursor.execute(f'DELETE FROM "{table}"')
        for table in tables:
            columns = [row[1] for row in lite.execute(f'PRAGMA table_info("{table}")')]
            if not columns:
                continue
            booleans = {c.name for c in metadata.tables[table].columns if str(c.type) == "BOOLEAN"}
            names = ", ".join(f'"{c}"' for c in columns)
            rows = lite.execute(f'SELECT {names} FROM "{table}"')
            fix = [i for i, c in enumerate(columns) if c in booleans]
            with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    if fix:
                        row = list(row)
                        for i in fix:
                            if row[i] is not None:
                                row[i] = bool(row[i])
                    copy.write_row(row)
            for column in metadata.tables[table].primary_key.columns:
                if column.autoincrement is True or (
                    column.autoincrement == "auto"
                    and len(metadata.tables[table].primary_key) == 1
                    and str(column.type) == "INTEGER"
                ):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column.name}'), "
                        f'coalesce((SELECT max("{column.name}") FROM "{table}"), 0) + 1, false)'
                    )
        cursor.execute("CREATE TABLE bench_charge_complete ()")
        raw.commit()
        driver: Any = raw.driver_connection
        driver.autocommit = True
        driver.execute("VACUUM ANALYZE")
    finally:
        raw.close()
        lite.close()
        db.dispose()
    print(f"  (PostgreSQL copy {name} loaded in {time.perf_counter() - started:.0f} s)")
    return url


def _actor(db: Database, login: str) -> Actor:
    with db.read_session() as session:
        agent = session.scalar(select(Agent).where(Agent.login == login))
        assert agent is not None, f"demo agent {login} missing"
        return actor_for(session, agent)


def _bare_count(db: Database, perimetre: Perimetre) -> float:
    conditions: list[ColumnElement[bool]] = [
        Accompagnement.date.between(perimetre.du, perimetre.au)
    ]
    if perimetre.structure_id is not None:
        conditions.append(Accompagnement.structure_id == perimetre.structure_id)
    if perimetre.agent_id is not None:
        conditions.append(Accompagnement.agent_id == perimetre.agent_id)

    def run() -> None:
        with db.read_session() as session:
            session.scalar(select(func.count()).select_from(Accompagnement).where(*conditions))

    return median_ms(run, repeat=5, warmup=1)


def _stats(report: Report, db: Database, actor: Actor, name: str, perimetre: Perimetre) -> None:
    with db.read_session() as session:
        stats = calculer_statistiques(session, actor, perimetre)

    def run() -> None:
        with db.read_session() as session:
            calculer_statistiques(session, actor, perimetre)

    report.add(
        Result(
            name,
            median_ms(run, repeat=5, warmup=1),
            "ms",
            "SELECT count(*) of the same accompaniments",
            _bare_count(db, perimetre),
            "< 1000 ms",
            f"{stats.activites} activities, {stats.beneficiaires} people",
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
        # The rows alone (read and built, written nowhere), then each writer alone on the same
        # rows held in memory: where the export's time goes.
        started = time.perf_counter()
        with db.read_session() as session:
            rows_in_memory = list(lignes_accompagnements(session, actor, perimetre))
        building = time.perf_counter() - started
        # (writers alone on the first 10,000 rows: the slowest write some 300 rows/s here)
        sample = rows_in_memory[:10_000]
        writers = _writers(Path(folder), sample)
    report.add(
        Result(
            "XLSX export of the accompaniments (rows per second)",
            result.lignes / elapsed,
            "rows/s",
            "the same rows read and built, written nowhere",
            len(rows_in_memory) / building,
            "≥ 20,000 rows/s",
            f"{result.lignes} rows in {elapsed:.1f} s ({du} – {au})",
        )
    )
    ours = writers.pop("Médianum streamed SpreadsheetML")
    for name, seconds in writers.items():
        report.add(
            Result(
                f"XLSX writer alone: {name}",
                len(sample) / seconds,
                "rows/s",
                "Médianum's streamed SpreadsheetML writer, same rows, same run",
                len(sample) / ours,
                "",
                f"{len(sample)} rows × {len(COLONNES_ACCOMPAGNEMENTS)} columns",
            )
        )


def _writers(folder: Path, rows: list[list[Any]]) -> dict[str, float]:
    """Seconds each writer takes to write ``rows`` (XlsxWriter constant-memory, openpyxl
    write-only, rustpy-xlsxwriter when installed, and Médianum's own)."""
    import openpyxl

    out: dict[str, float] = {}
    started = time.perf_counter()
    ours = ClasseurXlsx(folder / "flux.xlsx")
    ours.feuille("Accompagnements", COLONNES_ACCOMPAGNEMENTS)
    for row in rows:
        ours.ligne(row)
    ours.fermer()
    out["Médianum streamed SpreadsheetML"] = time.perf_counter() - started

    started = time.perf_counter()
    workbook = xlsxwriter.Workbook(
        str(folder / "xlsxwriter.xlsx"),
        {"constant_memory": True, "default_date_format": "dd/mm/yyyy",
         "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )  # fmt: skip
    sheet = workbook.add_worksheet("Accompagnements")
    sheet.write_row(0, 0, COLONNES_ACCOMPAGNEMENTS)
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)
    workbook.close()
    out["XlsxWriter constant_memory"] = time.perf_counter() - started

    started = time.perf_counter()
    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("Accompagnements")
    ws.append(list(COLONNES_ACCOMPAGNEMENTS))
    for row in rows:
        ws.append(row)
    book.save(folder / "openpyxl.xlsx")
    out["openpyxl write_only"] = time.perf_counter() - started

    try:
        from rustpy_xlsxwriter import FastExcel
    except ImportError:
        print("  rustpy-xlsxwriter not installed: not measured")
    else:
        started = time.perf_counter()
        records = [dict(zip(COLONNES_ACCOMPAGNEMENTS, row, strict=True)) for row in rows]
        FastExcel(str(folder / "rustpy.xlsx")).sheet("Accompagnements", records).save()
        out["rustpy-xlsxwriter (dict records)"] = time.perf_counter() - started
    return out


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


def _stats_suite(report: Report, db: Database, engine: str) -> None:
    coordinateur = _actor(db, "coordinateur")
    with db.read_session() as session:
        last = session.scalar(select(func.max(Accompagnement.date)))
        busiest = {
            column.key: session.scalar(
                select(column).group_by(column).order_by(func.count().desc()).limit(1)
            )
            for column in (Accompagnement.structure_id, Accompagnement.agent_id)
        }
    assert last is not None
    year = Perimetre(last - timedelta(days=364), last)
    questions = [
        ("a year, whole territory", year),
        ("six months, territory", Perimetre(last - timedelta(days=272), last - timedelta(days=90))),
        (
            "a year, busiest structure",
            Perimetre(year.du, year.au, structure_id=busiest["structure_id"]),
        ),
        ("a year, busiest mediator", Perimetre(year.du, year.au, agent_id=busiest["agent_id"])),
        (
            "a single day, territory",
            Perimetre(last - timedelta(days=30), last - timedelta(days=30)),
        ),
    ]
    for label, perimetre in questions:
        _stats(report, db, coordinateur, f"Statistics of {label} ({engine})", perimetre)


def run(report: Report) -> None:
    keyring.set_keyring(_MemoryKeyring())
    source = _database_file()
    db = Database(f"sqlite:///{source}")
    try:
        _stats_suite(report, db, "SQLite")
        if not os.environ.get("MEDIANUM_BENCH_STATS_ONLY"):
            with db.read_session() as session:
                last = session.scalar(select(func.max(Accompagnement.date)))
            assert last is not None
            _export(report, db, _actor(db, "coordinateur"), last)
            _list_model(report, db, _actor(db, "demo"))
    finally:
        db.dispose()
    url = _postgres_copy(source)
    if url is not None:
        pg = Database(url)
        try:
            _stats_suite(report, pg, "PostgreSQL")
        finally:
            pg.dispose()
