"""A page's first opening imports its module off the GUI thread, showing « Chargement… » meanwhile.

The Fragilité page needs pandas and scipy: seconds on an old desk PC, during which the window
must keep answering. Here the background runner is held back, so the test sees the window while
the import is still pending, then lets it finish.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

from core.auth import Actor
from core.db import Database
from core.settings import Settings
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.tasks import ImmediateTaskRunner, TaskHandle
from ui.widgets import PlaceholderPage

MODULE = "ui.pages.administration"


class HeldRunner(ImmediateTaskRunner):
    """Keeps each task until ``release()``: what a slow import looks like from the GUI thread."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[Callable[[], TaskHandle]] = []

    def run(
        self, fn: Any, on_done: Any = None, on_error: Any = None, on_progress: Any = None
    ) -> Any:
        self.held.append(lambda: ImmediateTaskRunner.run(self, fn, on_done, on_error, on_progress))
        return None

    def release(self) -> None:
        while self.held:
            self.held.pop(0)()


@pytest.fixture
def window(qtbot, db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.delitem(sys.modules, MODULE, raising=False)  # as on a desk that never opened it
    runner = HeldRunner()
    main = MainWindow(AppContext(db, admin, Settings({}), runner))
    qtbot.addWidget(main)
    return main, runner


def test_a_page_never_opened_shows_its_loading_sentence_until_its_module_is_imported(
    window,  # type: ignore[no-untyped-def]
) -> None:
    main, runner = window
    main.open_page("administration")
    shown = main.current_page()
    assert isinstance(shown, PlaceholderPage)
    assert shown.message == "Chargement de la page…"
    assert MODULE not in sys.modules  # nothing imported on the GUI thread
    runner.release()
    assert type(main.current_page()).__name__ == "AdministrationPage"


def test_a_page_that_finishes_loading_after_the_agent_moved_on_does_not_take_the_screen(
    window,  # type: ignore[no-untyped-def]
) -> None:
    main, runner = window
    main.open_page("administration")
    main.open_page("accueil")
    runner.release()
    assert type(main.current_page()).__name__ == "AccueilPage"
    main.open_page("administration")
    assert type(main.current_page()).__name__ == "AdministrationPage"
