"""Message boxes in French: a refusal or an environment problem is shown as its message; a bug
is logged with its traceback and shown in the crash dialog.

Which is which is decided once, in ``core.db.user_error_of`` (driver errors by their codes).
Every box goes through ``present`` so that tests can answer it without a human (they replace
``present`` with a recorder): nothing here decides behaviour from what is on screen.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from core import paths
from core.db import user_error_of
from core.errors import MedianumError
from core.i18n import _

log = logging.getLogger("medianum.crash")


def _exec_box(box: QMessageBox) -> int:
    return int(box.exec())


# Replaced by tests; called with the prepared box, returns the StandardButton chosen.
present = _exec_box


def _box(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
) -> QMessageBox:
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setAccessibleName(title)
    box.setAccessibleDescription(text)
    return box


def show_error(parent: QWidget | None, exc: BaseException, tb: TracebackType | None = None) -> None:
    """A refusal or an environment problem: its French message. A bug: the crash dialog."""
    known = user_error_of(exc)
    if known is not None:
        present(_box(parent, QMessageBox.Icon.Warning, _("Médianum"), str(known)))
        return
    show_bug(parent, exc, tb if tb is not None else exc.__traceback__)


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


def show_bug(parent: QWidget | None, exc: BaseException, tb: TracebackType | None) -> None:
    """Log a bug with its traceback and show the crash dialog. Nothing is sent anywhere."""
    log.error("unexpected error", exc_info=(type(exc), exc, tb))
    details = "".join(traceback.format_exception(type(exc), exc, tb))
    if QApplication.instance() is None:
        print(details, file=sys.stderr)
        return
    present(crash_box(details, parent))


def show_warning(parent: QWidget | None, text: str) -> None:
    present(_box(parent, QMessageBox.Icon.Warning, _("Médianum"), text))


def show_info(parent: QWidget | None, text: str, details: str = "") -> None:
    box = _box(parent, QMessageBox.Icon.Information, _("Médianum"), text)
    if details:
        box.setDetailedText(details)
    present(box)


def confirm(parent: QWidget | None, question: str, *, yes_label: str = "") -> bool:
    """Ask before an irreversible or weighty action; « Non » is the default answer."""
    box = _box(
        parent,
        QMessageBox.Icon.Question,
        _("Confirmation"),
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
    )
    box.setDefaultButton(QMessageBox.StandardButton.No)
    if yes_label:
        yes = box.button(QMessageBox.StandardButton.Yes)
        if yes is not None:
            yes.setText(yes_label)
    return present(box) == int(QMessageBox.StandardButton.Yes)
