"""Progress and cancellation of long work, without Qt: the GUI adapts it, the CLI ignores it."""

from __future__ import annotations

import threading
from collections.abc import Callable

from core.errors import MedianumError
from core.i18n import _


class Cancelled(MedianumError):
    def __init__(self) -> None:
        super().__init__(_("Opération annulée : rien n'a été enregistré."))


class Progress:
    """Passed to long use cases: ``step(done, total, label)`` reports and raises if cancelled."""

    def __init__(self, callback: Callable[[int, int, str], None] | None = None) -> None:
        self._callback = callback
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def step(self, done: int, total: int, label: str = "") -> None:
        if self._cancel.is_set():
            raise Cancelled()
        if self._callback is not None:
            self._callback(done, total, label)


NO_PROGRESS = Progress()
