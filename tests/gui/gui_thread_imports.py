"""Which modules a page's first opening imports on the GUI thread, seen in a fresh process.

``python -m tests.gui.gui_thread_imports URL LOGIN PAGE HEAVY`` signs ``LOGIN`` in on the
database at ``URL``, shows the main window with the real thread pool, then opens ``PAGE`` from
the rail and waits until the page is built and says it is ready (its ``ready`` attribute, when
it has one). Every import is seen through the interpreter's audit hook, on the thread that runs
it. It prints one ``RESULT {json}`` line: which of the packages ``HEAVY`` (comma-separated) were
imported on the GUI thread while the page opened, which were already imported before, and what
the page showed as soon as it was built (its busy state).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

HEAVY: tuple[str, ...] = ()

gui_thread_imports: list[str] = []
recording = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "import" and recording and threading.current_thread() is threading.main_thread():
        gui_thread_imports.append(str(args[0]))


def _state(page: Any) -> dict[str, Any]:
    return {
        "summary": page.summary.text() if hasattr(page, "summary") else None,
        "busy_visible": page.busy.isVisibleTo(page) if hasattr(page, "busy") else None,
        "import_enabled": (
            page.import_button.isEnabled() if hasattr(page, "import_button") else None
        ),
    }


def main(url: str, login: str, key: str, heavy: str) -> dict[str, Any]:
    global recording, HEAVY
    HEAVY = tuple(heavy.split(","))
    sys.addaudithook(_audit)
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
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
    db = Database(url)
    with db.session() as s:
        agent = s.scalar(select(Agent).where(Agent.login == login))
        assert agent is not None
        actor = actor_for(s, agent)
    tasks = TaskRunner()
    window = MainWindow(AppContext(db, actor, Settings({}), tasks))
    window.show()
    QTest.qWait(50)
    tasks.wait()
    before = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
    at_once: dict[str, Any] = {}

    def shown(_index: int) -> None:
        page = window.current_page()
        if not at_once and not isinstance(page, PlaceholderPage):
            at_once.update(_state(page))  # as the page is built, before any answer arrives

    window.page_stack.currentChanged.connect(shown)
    recording = True
    window.open_page(key)
    deadline = time.monotonic() + 120
    page: Any = window.current_page()
    while time.monotonic() < deadline and (
        isinstance(page, PlaceholderPage) or not getattr(page, "ready", True)
    ):
        QTest.qWait(50)
        page = window.current_page()
    tasks.wait()
    QTest.qWait(50)
    recording = False
    result = {
        "heavy_before": before,
        "heavy_on_gui_thread": sorted(
            {m.split(".")[0] for m in gui_thread_imports if m.split(".")[0] in HEAVY}
        ),
        "heavy_loaded_after": sorted(
            {m.split(".")[0] for m in sys.modules if m.split(".")[0] in HEAVY}
        ),
        "ready": bool(getattr(page, "ready", True)),
        "at_once": at_once,
        "page": type(page).__name__,
        "after": _state(page),
    }
    window.close()
    db.dispose()
    del app
    return result


if __name__ == "__main__":
    print("RESULT " + json.dumps(main(*sys.argv[1:5])), flush=True)
