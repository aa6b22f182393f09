"""How long a login waits while another desk writes.

A login writes a journal line, so it queues behind the journal's single writer (``BEGIN
IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL) for as long as another desk's writing
transaction lasts. Measured: the login (``authenticate`` in a writing session, argon2 included)
while a second desk commits, back to back, transactions of 200 rows and one journal line each —
the shape of an import chunk. Baseline, in the same run: the same login on an idle database.

Both on a journal sealed by a key, as every new installation now is (HMAC per line, the key read
from the keyring at each line): when the machine has no keyring, an in-process one stands in, so
the figure leaves out the OS keyring's own latency and says so.

PostgreSQL: ``MEDIANUM_BENCH_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/
postgres``); skipped, saying so, if unreachable.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.harness import Report, Result
from core import journal, migrate, secrets
from core.auth import authenticate, checked_hash, create_agent
from core.db import Database
from core.journal_cle import seal_new_installation
from core.models import InstallationSetting, Role

LOGINS = 30
CHUNK_ROWS = 200
PASSWORD = "mot-de-passe-solide"
PG_URL = os.environ.get(
    "MEDIANUM_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _login_ms(db: Database) -> float:
    """The login as the window's sign-in runs it: argon2 in a reading session, then the short
    writing transaction (row lock, counters, journal line)."""
    start = time.perf_counter()
    with db.read_session() as s:
        verified = checked_hash(s, "guichet", PASSWORD)
    with db.session() as s:
        authenticate(s, "guichet", PASSWORD, verified_hash=verified)
    return (time.perf_counter() - start) * 1000


def _writer(url: str, stop: threading.Event, chunk_ms: list[float]) -> None:
    desk = Database(url)
    n = 0
    while not stop.is_set():
        start = time.perf_counter()
        with desk.session() as s:
            s.add_all(InstallationSetting(key=f"bench-{n}-{i}", value=i) for i in range(CHUNK_ROWS))
            journal.record(s, None, "bench.import", "installation_setting", n)
        chunk_ms.append((time.perf_counter() - start) * 1000)
        n += 1
    desk.dispose()


class _ProcessKeyring(KeyringBackend):
    """Stands in for the OS keyring on a machine that has none (headless CI)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def _keyring_note() -> str:
    if isinstance(keyring.get_keyring(), _ProcessKeyring):
        return "no OS keyring here: in-process keyring"
    if secrets.keyring_available():
        return f"OS keyring {keyring.get_keyring().__class__.__name__}"
    keyring.set_keyring(_ProcessKeyring())
    return "no OS keyring here: in-process keyring"


def _measure(report: Report, url: str, engine: str, sealed: bool) -> None:
    note = _keyring_note() if sealed else ""
    db = Database(url)
    migrate.upgrade(db, backup=False)
    with db.session() as s:
        if sealed and seal_new_installation(s) is None:
            raise RuntimeError("the journal was not sealed: no keyring")
        create_agent(s, None, "guichet", "Guichet", PASSWORD, [(Role.ADMINISTRATEUR, None)])
    idle = statistics.median(_login_ms(db) for _ in range(LOGINS))
    stop, chunk_ms = threading.Event(), list[float]()
    writer = threading.Thread(target=_writer, args=(url, stop, chunk_ms))
    writer.start()
    time.sleep(0.5)
    busy = sorted(_login_ms(db) for _ in range(LOGINS))
    stop.set()
    writer.join()
    db.dispose()
    report.add(
        Result(
            f"login while another desk writes ({engine}, {'sealed' if sealed else 'unsealed'})"
            ", median",
            statistics.median(busy),
            "ms",
            "same login, idle database",
            idle,
            "< 1 s",
            f"worst {busy[-1]:.0f} ms; writer chunk median {statistics.median(chunk_ms):.0f} ms"
            + (f"; {note}" if note else ""),
        )
    )


def _measure_pg(report: Report) -> None:
    admin_url = make_url(PG_URL)
    name = f"medianum_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means: no server to measure on
        print(f"PostgreSQL not reachable ({exc.__class__.__name__}): login wait not measured")
        return
    try:
        for sealed in (False, True):
            url = admin_url.set(database=f"{name}_{int(sealed)}")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
            try:
                _measure(report, url.render_as_string(hide_password=False), "PG", sealed)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("MEDIANUM_HOME", tmp)
        for sealed in (False, True):
            path = Path(tmp) / f"bench-{int(sealed)}.sqlite3"
            _measure(report, f"sqlite:///{path}", "SQLite", sealed)
    _measure_pg(report)
