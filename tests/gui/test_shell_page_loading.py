"""A page's first opening imports its libraries off the GUI thread, showing « Chargement… ».

The Pass pages need reportlab, qrcode and Pillow: up to a second on an old desk PC, during which
the window must keep answering. Here the background runner is held back, so the test sees the
window while the import is still pending, then lets it finish. (The fresh-process checks of what
the GUI thread imports are in ``test_pages_read_off_gui_thread``.)
"""

from __future__ import annotations

import sys
import threading

import pytest
from pytestqt.qtbot import QtBot

from core.auth import Actor
from core.db import Database
from core.settings import Settings
from tests.gui.shell_support import HeldRunner
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.pages import IMPORT_LOCK, backend_imports
from ui.tasks import ImmediateTaskRunner
from ui.widgets import PlaceholderPage

MODULE = "ui.pages.administration"

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def window(
    qtbot: QtBot, db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> tuple[MainWindow, HeldRunner]:
    monkeypatch.delitem(sys.modules, MODULE, raising=False)  # as on a desk that never opened it
    runner = HeldRunner()
    main = MainWindow(AppContext(db, admin, Settings({}), runner))
    qtbot.addWidget(main)
    return main, runner


def test_a_page_never_opened_shows_its_loading_sentence_until_its_libraries_are_imported(
    window: tuple[MainWindow, HeldRunner],
) -> None:
    main, runner = window
    main.open_page("administration")
    shown = main.current_page()
    assert isinstance(shown, PlaceholderPage)
    assert shown.message == "Chargement de la page…"
    assert MODULE not in sys.modules  # the page's module waits for its libraries
    runner.release()
    assert type(main.current_page()).__name__ == "AdministrationPage"


def test_a_page_that_finishes_loading_after_the_agent_moved_on_does_not_take_the_screen(
    window: tuple[MainWindow, HeldRunner],
) -> None:
    main, runner = window
    main.open_page("administration")
    main.open_page("accueil")
    runner.release()
    assert type(main.current_page()).__name__ == "AccueilPage"
    main.open_page("administration")
    assert type(main.current_page()).__name__ == "AdministrationPage"


def test_only_modules_outside_ui_and_qt_are_imported_in_the_worker() -> None:
    """A page's module creates Qt classes and may load the web engine: it is imported on the
    GUI thread. What the worker imports is read from the sources, without importing them."""
    found = backend_imports("ui.pages.pass_numerique")
    assert "pass_numerique.pdf" in found  # reached through ui.widgets.pass_emettre
    assert "pass_numerique.reporting" in found  # through ui.widgets.pass_gestion
    assert not [m for m in found if m.split(".")[0] in ("ui", "PySide6", "shiboken6")]
    assert "fragilite.calcul" not in backend_imports("ui.pages.fragilite")  # imported in its own


def test_a_page_waits_without_freezing_while_a_worker_is_importing(
    qtbot: QtBot, db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two threads importing at once could meet in Python's import locks: the GUI thread builds
    the page only once no worker imports (``IMPORT_LOCK``), and keeps answering meanwhile."""
    monkeypatch.delitem(sys.modules, MODULE, raising=False)
    monkeypatch.setattr("ui.main_window.preload", lambda _modules: None)
    main = MainWindow(AppContext(db, admin, Settings({}), ImmediateTaskRunner()))
    qtbot.addWidget(main)
    holding, finish = threading.Event(), threading.Event()

    def importing_worker() -> None:
        with IMPORT_LOCK:
            holding.set()
            finish.wait(10)

    worker = threading.Thread(target=importing_worker)
    worker.start()
    try:
        assert holding.wait(5)
        main.open_page("administration")  # returns at once: the GUI thread does not wait
        qtbot.wait(150)
        assert isinstance(main.current_page(), PlaceholderPage)
        assert MODULE not in sys.modules
    finally:
        finish.set()
        worker.join()
    qtbot.waitUntil(lambda: type(main.current_page()).__name__ == "AdministrationPage")
