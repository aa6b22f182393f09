"""The program's own errors (bugs): logged with their traceback, shown in a crash dialog.

Nothing is ever sent anywhere: the data is personal. A ``MedianumError`` that escapes to the hook
is not a bug — it is shown as its plain French message.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from core import paths
from core.errors import MedianumError
from core.i18n import _

log = logging.getLogger("medianum.crash")


def _log_path() -> str:
    try:
        return str(paths.log_file())
    except MedianumError:
        return _("(dossier de données inaccessible)")


def crash_box(details: str, parent: QWidget | None = None) -> QMessageBox:
    text = _(
        "Médianum a rencontré une erreur inattendue. Ce que vous aviez enregistré est conservé ; "
        "l'opération en cours n'a peut-être pas abouti.\n\n"
        "Le détail a été écrit dans le fichier :\n{path}\n\n"
        "Rien n'a été envoyé : transmettez ce fichier à votre administrateur si l'erreur revient."
    ).format(path=_log_path())
    box = QMessageBox(
        QMessageBox.Icon.Critical, _("Erreur inattendue"), text, QMessageBox.StandardButton.Ok
    )
    if parent is not None:
        box.setParent(parent, box.windowFlags())
    box.setDetailedText(details)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAccessibleName(_("Erreur inattendue"))
    return box


def report_exception(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    parent: QWidget | None = None,
) -> None:
    """Log a bug with its traceback and show the crash dialog (or a French message)."""
    from ui.widgets import messages

    if isinstance(exc, MedianumError):
        messages.show_error(parent, exc)
        return
    log.error("unexpected error", exc_info=(exc_type, exc, tb))
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    if QApplication.instance() is None:
        print(details, file=sys.stderr)
        return
    messages.present(crash_box(details, parent))


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
