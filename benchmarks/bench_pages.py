"""First opening of each page: the longest single stretch the GUI thread is held (the call that
opens it and every turn of the event loop until the page is built and its reads are done) and
how long until the page's background work is done, with the demonstration database.

Each page is opened in a fresh process (``python -m benchmarks.bench_pages PAGE``, offscreen),
so its module imports count as they do at a desk; the demo agent (every role) is signed in
beforehand. The baseline is a bare page of the same kind of widgets — a tab widget holding a
table, a form and a list — built in the same process. Target: no page holds the GUI thread more
than 200 ms.

Sizes: ``BENCH_PAGES_BENEFICIAIRES`` (default 200000) beneficiaries in the demonstration
database (creating it takes a while); ``BENCH_PAGES_RUNS`` (default 3) processes per page;
``BENCH_PAGES_HOME``: a demonstration home made beforehand with ``main.py demo`` (reused as is).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Report, Result

ROOT = Path(__file__).resolve().parent.parent
HEARTBEAT_MS = 5


def _bare_page_ms() -> float:
    from PySide6.QtWidgets import (
        QFormLayout,
        QLineEdit,
        QListWidget,
        QTableWidget,
        QTabWidget,
        QWidget,
    )

    start = time.perf_counter()
    tabs = QTabWidget()
    tabs.addTab(QTableWidget(50, 6), "Liste")
    form = QWidget()
    layout = QFormLayout(form)
    for i in range(8):
        layout.addRow(f"Champ {i}", QLineEdit())
    tabs.addTab(form, "Fiche")
    tabs.addTab(QListWidget(), "Historique")
    tabs.resize(1000, 600)
    tabs.show()
    return (time.perf_counter() - start) * 1000


def open_one(key: str) -> dict[str, float]:
    """In the child: sign in, show the window, then time the first opening of ``key``."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from ui import lighten_pyside_import_hook

    lighten_pyside_import_hook()  # as ui.app does once PySide6 is loaded
    from sqlalchemy import select

    import domaines  # noqa: F401 - every domain's models, as main.py loads them
    from core.auth import actor_for
    from core.db import Database
    from core.models import Agent
    from core.settings import Settings
    from ui.context import AppContext
    from ui.main_window import MainWindow
    from ui.tasks import TaskRunner
    from ui.widgets import PlaceholderPage

    app = QApplication([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)  # the benchmark decides when it ends
    _fail_loudly()
    db = Database()
    # A reused home may predate the code's schema: brought up to date as the desk's start-up
    # does (ui.app), before anything is timed.
    from core import migrate

    migrate.upgrade(db)
    with db.session() as s:
        agent = s.scalar(select(Agent).where(Agent.login == "demo"))
        assert agent is not None, "not a demonstration database"
        actor = actor_for(s, agent)
    tasks = TaskRunner()
    window = MainWindow(AppContext(db, actor, Settings({}), tasks, demo=True))
    window.show()
    QTest.qWait(50)
    tasks.wait()
    bare = _bare_page_ms()
    QTest.qWait(50)
    # What a desk feels is the longest single stretch the GUI thread is held: the opening
    # itself, then every turn of the event loop until the page's background work is done. A
    # heartbeat timer ticks every HEARTBEAT_MS on the GUI thread; the longest gap between two
    # ticks, less the interval, is that stretch. (The event loop runs once, in ``exec``: calling
    # processEvents in a loop trips a PySide 6.12 bug at exit after a long computation.) Wall
    # time, and the GUI thread's own CPU time in that gap: on a shared, loaded machine the wall
    # time also counts the time the process waited for a core.
    loop = QEventLoop()
    held = held_cpu = 0.0
    last = [time.perf_counter(), time.thread_time()]
    idle_ticks = 0
    start = time.perf_counter()

    def tick() -> None:
        nonlocal held, held_cpu, idle_ticks
        now, cpu = time.perf_counter(), time.thread_time()
        gap = (now - last[0]) * 1000 - HEARTBEAT_MS
        if gap > held:
            held, held_cpu = gap, (cpu - last[1]) * 1000
        last[:] = [now, cpu]
        built = not isinstance(window.current_page(), PlaceholderPage)
        idle = built and tasks.pool.activeThreadCount() == 0
        idle_ticks = idle_ticks + 1 if idle else 0
        if idle_ticks >= 3:  # three ticks in a row: no answer was still queued
            loop.quit()

    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(tick)
    heartbeat.start()
    QTimer.singleShot(0, lambda: window.open_page(key))
    loop.exec()
    heartbeat.stop()
    done = (time.perf_counter() - start) * 1000 - 2 * HEARTBEAT_MS
    return {"held": held, "held_cpu": held_cpu, "done": done, "bare": bare}


def _fail_loudly() -> None:
    """A page that fails must end the measurement with its traceback, not wait on a dialog."""
    import traceback

    from ui import crash

    def report(
        exc_type: type[BaseException], exc: BaseException, tb: object, _parent: object = None
    ) -> None:
        traceback.print_exception(exc_type, exc, tb)  # type: ignore[arg-type]
        sys.stdout.flush()
        os._exit(3)

    crash.report_exception = report  # type: ignore[assignment]


def _demo(home: Path, beneficiaires: int) -> None:
    env = dict(os.environ, MEDIANUM_HOME=str(home))
    env.pop("MEDIANUM_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "main.py", "demo", "--beneficiaires", str(beneficiaires)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _child(home: Path, key: str) -> dict[str, float]:
    env = dict(os.environ, MEDIANUM_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env.pop("MEDIANUM_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_pages", key],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("PAGE "))
    result: dict[str, float] = json.loads(line.removeprefix("PAGE "))
    return result


def run(report: Report) -> None:
    from ui.pages import PAGES

    beneficiaires = int(os.environ.get("BENCH_PAGES_BENEFICIAIRES", "200000"))
    runs = int(os.environ.get("BENCH_PAGES_RUNS", "3"))
    reuse = os.environ.get("BENCH_PAGES_HOME")  # a demonstration home made beforehand
    with tempfile.TemporaryDirectory(prefix="medianum-bench-pages-") as tmp:
        home = Path(reuse) if reuse else Path(tmp)
        if not reuse:
            _demo(home, beneficiaires)
        for spec in PAGES:
            if spec.key == "accueil":
                continue  # shown with the window: measured by bench_startup
            samples = [_child(home, spec.key) for _ in range(runs)]
            bare = statistics.median(s["bare"] for s in samples)
            for part, target in (("held", "< 200 ms"), ("held_cpu", ""), ("done", "")):
                report.add(
                    Result(
                        f"first opening of {spec.key} ({part}), {beneficiaires} beneficiaries",
                        statistics.median(s[part] for s in samples),
                        "ms",
                        "bare page of the same widgets",
                        bare,
                        target,
                        f"median of {runs} fresh processes",
                    )
                )


if __name__ == "__main__":
    print("PAGE " + json.dumps(open_one(sys.argv[1])), flush=True)
