"""Memory of an old desk PC's day: the whole application (the desk process, the map host it
starts while a map is shown, and the web engine's processes under it) after visiting every page
including the places map, while the map is shown and once it is left; beside a bare PySide6
window and a bare QWebEngineView, measured the same way in the same run.

Each case is a fresh process on a private X server (``xvfb-run``: the web engine needs one),
``python -m benchmarks.bench_memory CASE``, which prints the memory of itself and every process
under it, found by walking /proc (the map host, the web engine's zygote, GPU and renderer
processes): the sum of their resident sets, which counts shared libraries once per process (an
upper bound), and of their proportional sets (PSS), which shares them out. Target: ≤ 350 MB in
all once no map is shown; the web engine's memory goes back to the PC with its map host.

``BENCH_MEMORY_BENEFICIAIRES`` (default 200000) beneficiaries in the demonstration database;
``BENCH_MEMORY_HOME``: a demonstration home made beforehand with ``main.py demo`` (reused as is).
The map's release delay is shortened to 1 s here (30 s in the application) to keep the run short.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Report, Result

ROOT = Path(__file__).resolve().parent.parent


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _field_kb(path: Path, name: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory_mb() -> dict[str, float]:
    """This process and all it started: resident and proportional set sizes (MB)."""
    pids = _descendants(os.getpid())
    rss = sum(_field_kb(Path(f"/proc/{p}/status"), "VmRSS") for p in pids)
    pss = sum(_field_kb(Path(f"/proc/{p}/smaps_rollup"), "Pss") for p in pids)
    own_rss = _field_kb(Path(f"/proc/{os.getpid()}/status"), "VmRSS")
    return {
        "rss": rss / 1024,
        "pss": pss / 1024,
        "processes": len(pids),
        "own_rss": own_rss / 1024,
    }


def _settle(_app: object, seconds: float) -> None:
    from PySide6.QtTest import QTest

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QTest.qWait(50)


def _wait(condition: object, seconds: float = 60) -> None:
    from PySide6.QtTest import QTest

    end = time.monotonic() + seconds
    while time.monotonic() < end and not condition():  # type: ignore[operator]
        QTest.qWait(50)


def bare_window() -> dict[str, float]:
    from PySide6.QtWidgets import QApplication, QListWidget, QMainWindow

    app = QApplication([sys.argv[0]])
    window = QMainWindow()
    window.setCentralWidget(QListWidget())
    window.resize(1200, 740)
    window.show()
    _settle(app, 2)
    return memory_mb()


def bare_web_view() -> dict[str, float]:
    from PySide6.QtWebEngineWidgets import QWebEngineView
    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])
    view = QWebEngineView()
    loaded: list[bool] = []
    view.loadFinished.connect(loaded.append)
    view.setHtml("<html><body><p>Carte</p></body></html>")
    view.resize(1200, 740)
    view.show()
    _wait(lambda: loaded)
    _settle(app, 3)
    return memory_mb()


def application() -> dict[str, float]:
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
    from ui.widgets.web_map import WebMap

    WebMap.release_delay_ms = 1_000
    app = QApplication([sys.argv[0]])
    db = Database()
    with db.session() as s:
        agent = s.scalar(select(Agent).where(Agent.login == "demo"))
        assert agent is not None, "not a demonstration database"
        actor = actor_for(s, agent)
    tasks = TaskRunner()
    window = MainWindow(AppContext(db, actor, Settings({}), tasks, demo=True))
    window.resize(1280, 740)
    window.show()
    for key in window.rail_keys():
        window.open_page(key)
        _settle(app, 0.5)
        tasks.wait()
    _settle(app, 3)
    no_map = memory_mb()
    from ui.pages.lieux import LieuxPage

    window.open_page("lieux")
    page = window.current_page()
    assert isinstance(page, LieuxPage)
    loaded: list[bool] = []
    page.map_tab.loaded.connect(loaded.append)
    page.tabs.setCurrentWidget(page.map_tab)
    _wait(lambda: page.map_tab.host is not None)
    _wait(lambda: loaded)
    _settle(app, 3)
    shown = memory_mb()
    host_pid = page.map_tab.host_pid
    window.open_page("accueil")
    _wait(lambda: page.map_tab.host is None and not Path(f"/proc/{host_pid}").exists())
    _settle(app, 3)
    left = memory_mb()
    # The desk itself never loads the web engine: its memory was the map host's.
    assert not [m for m in sys.modules if "QtWebEngine" in m], "QtWebEngine in the desk"
    assert loaded == [True], loaded
    # Fragilité's computing libraries (a coordinator's page, visited by « demo »): the figures
    # count them only if its preparation had finished.
    scientific = float(all(m in sys.modules for m in ("pandas", "scipy.stats", "statsmodels")))
    return {
        "scientific": scientific,
        **{f"no_map_{k}": v for k, v in no_map.items()},
        **{f"shown_{k}": v for k, v in shown.items()},
        **left,
    }


CASES = {"bare_window": bare_window, "bare_web_view": bare_web_view, "application": application}


def _child(case: str, home: Path) -> dict[str, float]:
    env = dict(os.environ, MEDIANUM_HOME=str(home), QT_QPA_PLATFORM="xcb")
    env.pop("MEDIANUM_DATABASE_URL", None)
    if os.geteuid() == 0:
        env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"  # Chromium refuses its sandbox to root
    command = [sys.executable, "-m", "benchmarks.bench_memory", case]
    xvfb = ["xvfb-run", "-a", "-s", "-screen 0 1366x768x24"]
    done = subprocess.run(
        xvfb + command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=True
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("MEMORY "))
    result: dict[str, float] = json.loads(line.removeprefix("MEMORY "))
    return result


def run(report: Report) -> None:
    if shutil.which("xvfb-run") is None:
        print("xvfb-run missing (installer/system-deps.sh --with-tests): memory not measured")
        return
    beneficiaires = int(os.environ.get("BENCH_MEMORY_BENEFICIAIRES", "200000"))
    reuse = os.environ.get("BENCH_MEMORY_HOME")  # a demonstration home made beforehand
    with tempfile.TemporaryDirectory(prefix="medianum-bench-memory-") as tmp:
        home = Path(reuse) if reuse else Path(tmp)
        if not reuse:
            env = dict(os.environ, MEDIANUM_HOME=str(home))
            env.pop("MEDIANUM_DATABASE_URL", None)
            subprocess.run(
                [sys.executable, "main.py", "demo", "--beneficiaires", str(beneficiaires)],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        bare = _child("bare_window", home)
        web = _child("bare_web_view", home)
        app = _child("application", home)
    for kind in ("rss", "pss"):
        for label, value in (
            ("every page visited, no map opened yet", app[f"no_map_{kind}"]),
            ("every page visited, places map shown", app[f"shown_{kind}"]),
            ("every page visited, map left (map host ended)", app[kind]),
        ):
            report.add(
                Result(
                    f"memory {kind.upper()}, all processes: {label}",
                    value,
                    "MB",
                    "bare PySide6 window",
                    bare[kind],
                    "≤ 350 MB once the map is left",
                    f"bare QWebEngineView: {web[kind]:.0f} MB; {app['processes']:.0f} processes"
                    f" left ({app['shown_processes']:.0f} with the map); desk process alone"
                    f" {app['no_map_own_rss']:.0f} / {app['shown_own_rss']:.0f} /"
                    f" {app['own_rss']:.0f} MB RSS; {beneficiaires} beneficiaries; pandas, scipy"
                    f" and statsmodels {'loaded' if app['scientific'] else 'NOT loaded'}",
                )
            )


if __name__ == "__main__":
    print("MEMORY " + json.dumps(CASES[sys.argv[1]]()), flush=True)
