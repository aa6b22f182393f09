"""Hooks that route every uncaught exception (GUI thread and worker threads) to
``ui.widgets.messages.show_error``, which decides whose fault it is and shows it.

Nothing is ever sent anywhere: the data is personal.
"""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QApplication, QWidget

from ui.widgets import messages

log = logging.getLogger("medianum.crash")


def report_exception(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    parent: QWidget | None = None,
) -> None:
    """An exception that reached a hook: a French message if it is the user's or the
    environment's fault, else logged with its traceback and shown in the crash dialog."""
    messages.show_error(parent, exc, tb)


class _ThreadRelay(QObject):
    """Carries an exception raised on a worker thread to the GUI thread, where dialogs live."""

    raised = Signal(object, object, object)

    def __init__(self) -> None:
        super().__init__()
        # The relay lives on the GUI thread, so an emission from a worker is queued to it.
        self.raised.connect(self.deliver)

    @Slot(object, object, object)
    def deliver(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        report_exception(exc_type, exc, tb, QApplication.activeWindow())


_relay: _ThreadRelay | None = None


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None:
        return
    if _relay is not None:
        _relay.raised.emit(args.exc_type, args.exc_value, args.exc_traceback)
    else:
        log.error("unexpected error in a thread", exc_info=(args.exc_type, args.exc_value, None))


def _sys_hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    report_exception(exc_type, exc, tb, QApplication.activeWindow())


def install_crash_handlers() -> None:
    """Route uncaught exceptions of the GUI thread and of worker threads to the crash dialog."""
    global _relay
    if _relay is None:
        _relay = _ThreadRelay()
    sys.excepthook = _sys_hook
    threading.excepthook = _thread_hook
