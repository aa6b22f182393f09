"""Everything Qt: main window, pages, models, workers.

``lighten_pyside_import_hook`` is called as soon as PySide6 is loaded (by ``ui.app`` and
``ui.main_window``, or here if it already is): every later import of the process goes through
the hook it lightens.
"""

from __future__ import annotations

import sys
from types import ModuleType


def mentions_pyside(module: ModuleType) -> bool:
    """Whether the module's source file names PySide6: the question PySide6's own
    ``_mod_uses_pyside`` answers, without ``inspect.getsource``."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False  # no source to read (compiled, frozen in the bundle): as PySide6 answers
    try:
        with open(path, "rb") as fh:
            return b"PySide6" in fh.read()
    except OSError:
        return False


def lighten_pyside_import_hook() -> None:
    """Once loaded, PySide6 replaces ``__import__`` to support ``from __feature__ import``
    (snake_case, true_property: unused here). After each new module it asks whether that
    module uses PySide6 by fetching its whole source through ``inspect.getsource``, which keeps
    every line of every module in ``linecache`` for the life of the process: 1,460 files and
    33 MB of text once a coordinator's pages are loaded (scipy, pandas, reportlab…), and a
    tenth of start-up's CPU time. The same question is answered here by a plain search of the
    file's bytes, nothing kept. Only the helper is replaced, never the hook itself; if a later
    PySide6 renames it, nothing is changed and only the cost comes back. Modules imported
    before PySide6 never meet the hook: ``ui.app`` loads SQLAlchemy and the models first."""
    feature = sys.modules.get("shibokensupport.feature")  # loaded with PySide6
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = mentions_pyside  # type: ignore[attr-defined]


if "PySide6.QtCore" in sys.modules:
    lighten_pyside_import_hook()
