"""Run database work and long jobs off the GUI thread; results come back on the GUI thread.

``TaskRunner.run(fn, on_done=..., on_error=..., on_progress=...)`` calls ``fn(progress)`` on a
thread pool; ``fn`` opens its own session (sessions never cross threads). Tests replace the runner
with ``ImmediateTaskRunner``, which runs the task at once on the calling thread: no test sleeps.

Pages run their database work through the typed operations below (the shape of Anki's
``aqt.operations``): ``ReadOp(widget, ctx, work, success).run_in_background()`` reads in its own
session, ``WriteOp`` writes in one transaction and then tells every page through
``data_changes()``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session

from core.db import Database
from core.errors import MedianumError
from core.progress import Progress

log = logging.getLogger(__name__)

Task = Callable[[Progress], Any]
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]
ProgressCb = Callable[[int, int, str], None]


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int, str)


class _Job(QRunnable):
    def __init__(self, fn: Task, signals: _Signals, progress: Progress) -> None:
        super().__init__()
        self.fn, self.signals, self.progress = fn, signals, progress

    def run(self) -> None:
        try:
            result = self.fn(self.progress)
        except BaseException as exc:
            if not isinstance(exc, MedianumError):
                log.exception("background task failed")
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


class TaskHandle:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def cancel(self) -> None:
        self.progress.cancel()


class TaskRunner:
    def __init__(self) -> None:
        self.pool = QThreadPool.globalInstance()
        self._alive: set[_Signals] = set()

    def run(
        self,
        fn: Task,
        on_done: Done | None = None,
        on_error: Failed | None = None,
        on_progress: ProgressCb | None = None,
    ) -> TaskHandle:
        signals = _Signals()
        self._alive.add(signals)
        progress = Progress(lambda d, t, label: signals.progress.emit(d, t, label))

        def finished(result: Any) -> None:
            self._alive.discard(signals)
            if on_done:
                on_done(result)

        def failed(exc: BaseException) -> None:
            self._alive.discard(signals)
            if on_error:
                on_error(exc)
            else:
                raise exc

        signals.done.connect(finished)
        signals.failed.connect(failed)
        if on_progress:
            signals.progress.connect(on_progress)
        self.pool.start(_Job(fn, signals, progress))
        return TaskHandle(progress)

    def wait(self, msecs: int = 30_000) -> bool:
        return bool(self.pool.waitForDone(msecs))


class ImmediateTaskRunner(TaskRunner):
    """Runs each task at once on the calling thread (tests, and the CLI-like code paths)."""

    def __init__(self) -> None:
        self.pool = QThreadPool.globalInstance()
        self._alive = set()

    def run(
        self,
        fn: Task,
        on_done: Done | None = None,
        on_error: Failed | None = None,
        on_progress: ProgressCb | None = None,
    ) -> TaskHandle:
        progress = Progress(on_progress)
        try:
            result = fn(progress)
        except BaseException as exc:
            if on_error is None:
                raise
            on_error(exc)
        else:
            if on_done:
                on_done(result)
        return TaskHandle(progress)


# --- typed database operations -------------------------------------------------------------------

T = TypeVar("T")


class _Environment(Protocol):
    """What an operation needs from the page's context (``ui.context.AppContext`` has it)."""

    db: Database
    tasks: TaskRunner


class DataChanges(QObject):
    """Told after every write made through ``WriteOp``: pages showing that data read it again.

    ``changed(origin)``: ``origin`` is the widget that wrote, so it can skip its own change.
    """

    changed = Signal(object)


_changes: DataChanges | None = None


def data_changes() -> DataChanges:
    global _changes  # one notifier for all the application's pages
    if _changes is None:
        _changes = DataChanges()
    return _changes


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

    def failure(self, handler: Callable[[BaseException], None]) -> _Operation[T]:
        self._failure = handler
        return self

    def with_progress(self, label: str) -> _Operation[T]:
        self._label = label
        return self

    def run_in_background(self) -> TaskHandle:
        db, work = self.env.db, self.work
        writes = self._writes

        def task(progress: Progress) -> T:
            with db.session() if writes else db.read_session() as session:
                return work(session, progress)

        if self._label is not None:
            from ui.widgets.progress import run_with_progress

            return run_with_progress(
                self.parent, self.env.tasks, task, self._label, self._done, self._failed
            )
        self.parent.setCursor(Qt.CursorShape.BusyCursor)
        return self.env.tasks.run(task, on_done=self._done, on_error=self._failed)

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
        from ui.widgets.messages import show_error

        show_error(self.parent, exc)


class ReadOp(_Operation[T]):
    """Reads in a read session (``db.read_session()``): never writes, never waits on a writer."""


class WriteOp(_Operation[T]):
    """Writes in one transaction (``db.session()``), then tells the pages that data changed."""

    _writes = True
