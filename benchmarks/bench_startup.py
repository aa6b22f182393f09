"""Start-up: process start → main window shown (offscreen), and memory of the idle window.

Each measurement is a fresh ``python main.py`` in a subprocess, timed by this process from the
spawn to the line ``MEDIANUM_SHOWN <s> <VmRSS kB> <page>`` the child prints once the window is
shown with its first page built and usable (``MEDIANUM_QUIT_AFTER_SHOW=1``;
``MEDIANUM_AGENT``/``MEDIANUM_PASSWORD`` sign the demo agent in, which only a demonstration
database accepts). The baseline is a bare PySide6 window — a
``QMainWindow`` with a list and a table — started the same way in the same run. Also timed: a
desk's usual start, without the automatic sign-in, to the login dialog shown.

Sizes: ``BENCH_STARTUP_RUNS`` (default 7) runs per case; ``BENCH_STARTUP_BENEFICIAIRES``
(default 200000) beneficiaries in the demonstration database (creating it takes a while);
``BENCH_STARTUP_HOME``: a demonstration home made beforehand with ``main.py demo`` (reused).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Report, Result

ROOT = Path(__file__).resolve().parent.parent

BARE_WINDOW = r"""
import sys
from PySide6.QtWidgets import QApplication, QListWidget, QMainWindow, QSplitter, QTableWidget
app = QApplication(sys.argv)
window = QMainWindow()
splitter = QSplitter()
rail = QListWidget()
rail.addItems([f"Page {i}" for i in range(9)])
table = QTableWidget(50, 6)
splitter.addWidget(rail)
splitter.addWidget(table)
window.setCentralWidget(splitter)
window.resize(1200, 780)
window.show()
app.processEvents()
rss = 0
with open("/proc/self/status") as fh:
    for line in fh:
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
print(f"MEDIANUM_SHOWN 0 {rss}", flush=True)
"""

# The floor under any desk built on SQLAlchemy's ORM with this password check, with none of
# Médianum's code: import the ORM and the SQLite dialect, read one agent's hash, verify it
# (argon2id, the parameters of ``core.auth``), then the bare window above. ``argv[1]``: a
# database holding the agent « demo ».
FLOOR = (
    r"""
import sys
import sqlalchemy.orm
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
engine = create_engine(f"sqlite:///{sys.argv[1]}")
with engine.connect() as conn:
    stored = conn.execute(text("SELECT password_hash FROM agent WHERE login = 'demo'")).scalar_one()
PasswordHasher().verify(stored, "demo")
"""
    + BARE_WINDOW
)


def _environment(home: Path, bytecode: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        MEDIANUM_HOME=str(home),
        MEDIANUM_AGENT="demo",
        MEDIANUM_PASSWORD="demo",
        MEDIANUM_QUIT_AFTER_SHOW="1",
        # Byte-code cached as on an installed desk (pip and the bundle install compiled
        # modules), outside the source tree: a shell's PYTHONDONTWRITEBYTECODE=1 would make
        # every start compile Médianum's modules again, which no desk does.
        PYTHONPYCACHEPREFIX=str(bytecode),
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("MEDIANUM_DATABASE_URL", None)
    return env


def _launch(command: list[str], env: dict[str, str], page: str | None) -> tuple[float, int]:
    """Seconds from spawn to the window shown, and the child's resident memory then (kB).
    ``page``: what the desk must say it shows (« accueil », or « login » for the dialog)."""
    start = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("MEDIANUM_SHOWN"):
            elapsed = time.perf_counter() - start
            fields = line.split()
            rss_kb = int(fields[2])
            # The desk says which page it shows, once built (not « Chargement de la page… »).
            if page is not None and fields[3:4] != [page]:
                raise RuntimeError(f"the desk did not show « {page} »: {line!r}")
            break
    else:
        child.wait()
        raise RuntimeError(f"{command} never showed its window (exit {child.returncode})")
    child.communicate(timeout=60)
    return elapsed, rss_kb


def _measure(
    command: list[str], env: dict[str, str], runs: int, page: str | None = None
) -> tuple[float, float]:
    _launch(command, env, page)  # warm the disk cache once, as a desk that was used before
    samples = [_launch(command, env, page) for _ in range(runs)]
    return (
        statistics.median(s[0] for s in samples) * 1000,
        statistics.median(s[1] for s in samples) / 1024,
    )


def _minimal_database(home: Path) -> None:
    """What the first-run wizard leaves: a territory and one administrator, nothing else.

    Flagged as a demonstration so that the benchmark's automatic sign-in is accepted.
    """
    from core import migrate
    from core.auth import create_agent
    from core.db import Database
    from core.installation import DEMO_KEY, put_setting
    from core.models import Role
    from core.territory import configure_territory, default_preset

    home.mkdir(parents=True, exist_ok=True)
    db = Database(f"sqlite:///{home / 'medianum.sqlite3'}")
    try:
        migrate.upgrade(db, backup=False)
        with db.session() as session:
            put_setting(session, DEMO_KEY, True)
            preset = default_preset()
            configure_territory(
                session, None, preset.nom, preset.siren, [c.code_insee for c in preset.communes]
            )
            create_agent(
                session, None, "demo", "Administrateur", "demo", [(Role.ADMINISTRATEUR, None)]
            )
    finally:
        db.dispose()


def _demo_database(home: Path, beneficiaires: int) -> None:
    env = dict(os.environ, MEDIANUM_HOME=str(home))
    env.pop("MEDIANUM_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "main.py", "demo", "--beneficiaires", str(beneficiaires)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _password_check_ms() -> float:
    from argon2 import PasswordHasher

    from core.auth import hash_password

    hasher = PasswordHasher()
    stored = hash_password("demo")
    samples = []
    for _ in range(3):
        start = time.perf_counter()
        hasher.verify(stored, "demo")
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def run(report: Report) -> None:
    runs = int(os.environ.get("BENCH_STARTUP_RUNS", "7"))
    beneficiaires = int(os.environ.get("BENCH_STARTUP_BENEFICIAIRES", "200000"))
    with tempfile.TemporaryDirectory(prefix="medianum-bench-startup-") as tmp:
        bytecode = Path(tmp) / "bytecode"
        bare_ms, bare_mb = _measure(
            [sys.executable, "-c", BARE_WINDOW], _environment(Path(tmp) / "bare", bytecode), runs
        )
        minimal = Path(tmp) / "minimal"
        _minimal_database(minimal)
        floor_ms, _floor_mb = _measure(
            [sys.executable, "-c", FLOOR, str(minimal / "medianum.sqlite3")],
            _environment(Path(tmp) / "floor", bytecode),
            runs,
        )
        report.add(
            Result(
                "floor: bare window after importing SQLAlchemy's ORM and one password check",
                floor_ms,
                "ms",
                "bare PySide6 window",
                bare_ms,
                note=f"median of {runs}; no Médianum code: what the start-up cannot go under",
            )
        )
        reuse = os.environ.get("BENCH_STARTUP_HOME")  # a demonstration home made beforehand
        demo = Path(reuse) if reuse else Path(tmp) / "demo"
        if not reuse:
            _demo_database(demo, beneficiaires)
        app = [sys.executable, "main.py"]
        cases = (
            ("database with one administrator", minimal),
            (f"demonstration database, {beneficiaires} beneficiaries", demo),
        )
        for label, home in cases:
            ms, mb = _measure(app, _environment(home, bytecode), runs, "accueil")
            report.add(
                Result(
                    f"start-up to main window ({label})",
                    ms,
                    "ms",
                    "bare PySide6 window",
                    bare_ms,
                    "< 1000 ms and ≤ 4× the bare window",
                    f"median of {runs}; includes one password check",
                )
            )
            report.add(
                Result(
                    f"resident memory, idle main window ({label})",
                    mb,
                    "MB",
                    "bare PySide6 window",
                    bare_mb,
                    "< 150 MB",
                    f"median of {runs} (VmRSS)",
                )
            )
        # A desk's usual start: no automatic sign-in, the login dialog where the agent types.
        typed = _environment(demo, bytecode)
        for variable in ("MEDIANUM_AGENT", "MEDIANUM_PASSWORD"):
            typed.pop(variable)
        ms, _mb = _measure(app, typed, runs, "login")
        report.add(
            Result(
                f"start-up to the login dialog (demonstration database, {beneficiaires} "
                "beneficiaries)",
                ms,
                "ms",
                "bare PySide6 window",
                bare_ms,
                note=f"median of {runs}; the desk's usual start, before the password is typed",
            )
        )
    report.add(
        Result(
            "password check at sign-in (argon2id verify)",
            _password_check_ms(),
            "ms",
            note="part of every start-up above: the cost of a safe password hash",
        )
    )
