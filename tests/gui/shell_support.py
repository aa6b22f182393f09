"""Helpers shared by the shell's GUI tests: answering message boxes, building a window."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from core.auth import Actor
from core.db import Database
from core.settings import Settings
from ui.context import AppContext
from ui.tasks import ImmediateTaskRunner, TaskHandle
from ui.widgets import messages


@dataclass
class Boxes:
    """Message boxes the code showed, answered without a human."""

    shown: list[QMessageBox] = field(default_factory=list)
    answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Yes

    def texts(self) -> list[str]:
        return [box.text() for box in self.shown]

    def present(self, box: QMessageBox) -> int:
        self.shown.append(box)
        return int(self.answer)


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    recorder = Boxes()
    monkeypatch.setattr(messages, "present", recorder.present)
    return recorder


@pytest.fixture
def restored_globals(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Start-up code installs hooks and log handlers process-wide: put them back afterwards."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    app = QApplication.instance()
    style_sheet = app.styleSheet() if isinstance(app, QApplication) else ""
    yield
    if isinstance(app, QApplication) and app.styleSheet() != style_sheet:
        app.setStyleSheet(style_sheet)  # run_gui styles the whole application
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def context(db: Database, actor: Actor, *, demo: bool = False) -> AppContext:
    return AppContext(db, actor, Settings({}), ImmediateTaskRunner(), demo=demo)


class HeldRunner(ImmediateTaskRunner):
    """Keeps each task until ``release()``: slow background work, seen from the GUI thread."""

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
