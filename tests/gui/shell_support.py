"""Helpers shared by the shell's GUI tests: answering message boxes, building a window."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from core.auth import Actor
from core.db import Database
from core.settings import Settings
from ui.context import AppContext
from ui.tasks import ImmediateTaskRunner
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
