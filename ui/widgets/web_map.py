"""A map page shown in the web engine only while it is on screen.

The web engine costs a renderer process and hundreds of megabytes: an old desk PC must not keep
it for a map nobody looks at. The view is created when the map is shown, and destroyed a little
while after it is hidden (another tab, another page); showing the map again recreates it on the
same file. QtWebEngineWidgets is imported here only, the first time a map is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QTimer, QUrl, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget


class WebMap(QWidget):
    """Shows a local HTML file; ``loaded(ok)`` after each (re)load, ``view`` is None when idle."""

    loaded = Signal(bool)
    # Long enough that going to the list and back does not restart the engine.
    release_delay_ms = 30_000

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accessible_name = accessible_name
        self.view: Any = None
        self._url: QUrl | None = None
        self._release_timer = QTimer(self)
        self._release_timer.setSingleShot(True)
        self._release_timer.timeout.connect(self.release)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._drop_view_now)

    def load(self, path: Path, fragment: str = "") -> None:
        """Show this file, now if the map is on screen, else when it is next shown."""
        url = QUrl.fromLocalFile(str(path))
        if fragment:
            url.setFragment(fragment)
        self._url = url
        if self.isVisible():
            self._ensure_view().load(url)

    def set_fragment(self, fragment: str) -> None:
        """What a recreated view opens on (the page already shown is told by a script)."""
        if self._url is not None:
            self._url.setFragment(fragment)

    def run_script(self, script: str, callback: Callable[[Any], None] | None = None) -> None:
        """Run JavaScript in the shown page; nothing when no page is shown."""
        if self.view is None:
            return
        if callback is None:
            self.view.page().runJavaScript(script)
        else:
            self.view.page().runJavaScript(script, 0, callback)

    def release(self) -> None:
        """Destroy the view: its renderer process ends and its memory goes back to the PC."""
        self._release_timer.stop()
        if self.view is None:
            return
        view, self.view = self.view, None
        view.hide()
        view.setParent(None)
        view.deleteLater()

    def _drop_view_now(self) -> None:
        # Past aboutToQuit no deferred deletion runs, and the web engine's profile, deleted
        # with the application, must not outlive a page ("Expect troubles").
        self._release_timer.stop()
        if self.view is not None:
            view, self.view = self.view, None
            shiboken6.delete(view)

    def _ensure_view(self) -> Any:
        if self.view is None:
            from PySide6.QtWebEngineWidgets import QWebEngineView

            self.view = QWebEngineView(self)
            self.view.setAccessibleName(self.accessible_name)
            self.view.loadFinished.connect(self.loaded)
            layout = self.layout()
            assert layout is not None
            layout.addWidget(self.view)
        return self.view

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._release_timer.stop()
        if self.view is None and self._url is not None:
            self._ensure_view().load(self._url)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if self.view is not None:
            self._release_timer.start(self.release_delay_ms)
