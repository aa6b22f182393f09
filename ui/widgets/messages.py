"""Message boxes in French: a ``MedianumError`` is shown as it is; anything else is a bug.

Every box goes through ``present`` so that tests can answer it without a human (they replace
``present`` with a recorder): nothing here decides behaviour from what is on screen.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from core.errors import MedianumError
from core.i18n import _


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


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """A refusal or an environment problem: its French message. A bug: the crash dialog."""
    if isinstance(exc, MedianumError):
        present(_box(parent, QMessageBox.Icon.Warning, _("Médianum"), str(exc)))
        return
    from ui.crash import report_exception

    report_exception(type(exc), exc, exc.__traceback__, parent)


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
