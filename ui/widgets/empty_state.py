"""A sentence in an empty list, so that « nothing to show » never looks like « nothing works ».

The sentence is a label laid out in the middle of the view's viewport; it shows while the model
has no row and hides as soon as one arrives. Screen readers get it as the view's description.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QVBoxLayout


class EmptyState(QLabel):
    def __init__(self, view: QAbstractItemView, text: str) -> None:
        super().__init__(text, view.viewport())
        self.view = view
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setObjectName("empty_state")
        self.setStyleSheet("#empty_state { color: #444444; padding: 1em; }")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QVBoxLayout(view.viewport())
        layout.addWidget(self, 0, Qt.AlignmentFlag.AlignCenter)
        self._model: QAbstractItemModel | None = None
        self.watch(view.model())

    def watch(self, model: QAbstractItemModel | None) -> None:
        """Follow ``model`` (call again if the view is given another model)."""
        self._model = model
        if model is not None:
            for signal in (
                model.modelReset,
                model.rowsInserted,
                model.rowsRemoved,
                model.layoutChanged,
            ):
                signal.connect(self.update_visibility)
        self.update_visibility()

    def set_text(self, text: str) -> None:
        self.setText(text)
        self.update_visibility()

    def update_visibility(self) -> None:
        empty = self._model is None or self._model.rowCount() == 0
        self.setVisible(empty)
        self.view.setAccessibleDescription(self.text() if empty else "")


def empty_state(view: QAbstractItemView, text: str) -> EmptyState:
    """Show ``text`` in ``view`` whenever its list is empty."""
    return EmptyState(view, text)
