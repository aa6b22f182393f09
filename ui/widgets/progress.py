"""A progress dialog bound to ``ctx.tasks``: shows up only if the work lasts, cancel stops it.

The work itself reports through ``core.progress.Progress.step``; « Annuler » sets the flag the
work checks, and the work then raises ``Cancelled`` (nothing is saved).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from core.i18n import _
from ui.tasks import Task, TaskHandle, TaskRunner
from ui.widgets.messages import show_error

SHOW_AFTER_MS = 400  # quick work never flashes a dialog


def run_with_progress(
    parent: QWidget | None,
    tasks: TaskRunner,
    fn: Task,
    label: str,
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None] | None = None,
) -> TaskHandle:
    dialog = QProgressDialog(label, _("Annuler"), 0, 0, parent)
    dialog.setWindowTitle(_("Médianum"))
    dialog.setAccessibleName(label)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(SHOW_AFTER_MS)
    dialog.setAutoReset(False)
    finished = False

    def close() -> None:
        nonlocal finished
        finished = True
        dialog.reset()  # stops the timer that would show the dialog later
        dialog.hide()
        dialog.deleteLater()

    def progress(done: int, total: int, text: str) -> None:
        if finished:
            return
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total else 0)
        if text:
            dialog.setLabelText(text)

    def succeeded(result: Any) -> None:
        close()
        on_done(result)

    def failed(exc: BaseException) -> None:
        close()
        if on_error is not None:
            on_error(exc)
        else:
            show_error(parent, exc)

    handle = tasks.run(fn, on_done=succeeded, on_error=failed, on_progress=progress)
    if not finished:
        # A lambda, not the bound method: the connection must keep the handle alive.
        dialog.canceled.connect(lambda: handle.cancel())
    return handle
