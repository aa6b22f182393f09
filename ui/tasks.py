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
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

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
