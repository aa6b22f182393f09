"""Typed database operations for the pages, in the shape of Anki's ``aqt.operations``.

An operation is bound to the widget that asked for it, opens the right session off the GUI
thread, and hands its typed result back on the GUI thread; a write tells every page that data
changed. It sits above ``ui.tasks`` (the thread pool) and beside the progress and message boxes
it uses, so that a widget may run an operation without an import cycle.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.db import Database
from core.progress import Progress
from ui.tasks import TaskHandle, TaskRunner
from ui.widgets import messages
from ui.widgets.progress import run_with_progress

T = TypeVar("T")


class _Environment(Protocol):
    """What an operation needs from the page's context (``ui.context.AppContext`` has it)."""

    db: Database
    tasks: TaskRunner


class DataChanges(QObject):
    """Told after every write: pages showing that data read it again when next shown.

    ``changed(origin)``: ``origin`` is the widget that wrote through ``WriteOp``, so it can skip
    its own change; ``None`` for a write seen by ``watch_writes`` (any other code path).
    """

    changed = Signal(object)


_changes: DataChanges | None = None


def data_changes() -> DataChanges:
    global _changes  # one notifier for all the application's pages
    if _changes is None:
        _changes = DataChanges()
    return _changes


_watched: weakref.WeakSet[Engine] = weakref.WeakSet()
_listening = False
_WROTE = "medianum_wrote"


def watch_writes(db: Database) -> None:
    """Tell the pages (``data_changes``) after every transaction that wrote through ``db``,
    whichever code wrote: a use case called by a dialog, a background import, a ``WriteOp``.

    Every use case writes its journal entry in its transaction, so a write always flushes. Call
    it on the GUI thread: the notifier lives there, and a commit in a worker reaches it queued.
    """
    global _listening
    data_changes()  # created here, on the GUI thread, so that its signal is delivered there
    _watched.add(db.engine)
    if not _listening:
        event.listen(Session, "after_flush", _flushed)
        event.listen(Session, "after_commit", _committed)
        _listening = True


def _flushed(session: Session, _context: Any) -> None:
    if session.bind in _watched and (session.new or session.dirty or session.deleted):
        session.info[_WROTE] = True


def _committed(session: Session) -> None:
    if not session.info.pop(_WROTE, False):
        return
    notifier = data_changes()
    if threading.current_thread() is threading.main_thread():
        notifier.changed.emit(None)
    else:  # from a worker: delivered on the GUI thread, where the notifier lives
        QTimer.singleShot(0, notifier, lambda: notifier.changed.emit(None))


class _Operation(Generic[T]):
    """Work on the database off the GUI thread, bound to the widget that asked for it.

    The work receives its own session (sessions never cross threads) and a ``Progress``; its
    typed result goes to ``success`` on the GUI thread — unless the widget is gone by then. A
    refusal (``MedianumError``) is shown as its French message, a bug goes to the crash dialog,
    unless ``failure`` is given. While it runs the widget shows a busy cursor; with
    ``with_progress(label)`` a progress dialog (with « Annuler ») appears if it lasts.
    """

    _writes = False

    def __init__(
        self,
        parent: QWidget,
        env: _Environment,
        work: Callable[[Session, Progress], T],
        success: Callable[[T], None],
    ) -> None:
        self.parent, self.env, self.work, self.success = parent, env, work, success
        self._failure: Callable[[BaseException], None] | None = None
        self._label: str | None = None
        self._progress: Callable[[int, int, str], None] | None = None

    def failure(self, handler: Callable[[BaseException], None]) -> _Operation[T]:
        self._failure = handler
        return self

    def with_progress(self, label: str) -> _Operation[T]:
        self._label = label
        return self

    def progress_to(self, show: Callable[[int, int, str], None]) -> _Operation[T]:
        """Steps of the work go to ``show(done, total, label)`` on the GUI thread (a busy bar
        in the page itself rather than a dialog)."""
        self._progress = show
        return self

    def run_in_background(self) -> TaskHandle:
        db, work = self.env.db, self.work
        writes = self._writes

        def task(progress: Progress) -> T:
            with db.session() if writes else db.read_session() as session:
                return work(session, progress)

        if self._label is not None:
            return run_with_progress(
                self.parent, self.env.tasks, task, self._label, self._done, self._failed
            )
        self.parent.setCursor(Qt.CursorShape.BusyCursor)
        return self.env.tasks.run(
            task, on_done=self._done, on_error=self._failed, on_progress=self._stepped
        )

    def _stepped(self, done: int, total: int, label: str) -> None:
        if self._progress is not None and shiboken6.isValid(self.parent):
            self._progress(done, total, label)

    def _alive(self) -> bool:
        if not shiboken6.isValid(self.parent):
            return False
        self.parent.unsetCursor()
        return True

    def _done(self, result: T) -> None:
        if self._alive():
            self.success(result)
            if self._writes:
                data_changes().changed.emit(self.parent)

    def _failed(self, exc: BaseException) -> None:
        if not self._alive():
            return
        if self._failure is not None:
            self._failure(exc)
            return
        # A refusal is shown as its French message, a bug goes to the crash dialog.
        messages.show_error(self.parent, exc, exc.__traceback__)


class ReadOp(_Operation[T]):
    """Reads in a read session (``db.read_session()``): never writes, never waits on a writer."""


class WriteOp(_Operation[T]):
    """Writes in one transaction (``db.session()``), then tells the pages that data changed."""

    _writes = True
