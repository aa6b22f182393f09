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
from PySide6.QtCore import QCoreApplication, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.i18n import _


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
        # The web engine takes seconds to start on an old PC: say so before it freezes the window.
        self.waiting = QLabel(_("Chargement de la carte…"), self)
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.waiting.setAccessibleName(_("Chargement de la carte…"))
        layout.addWidget(self.waiting)
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
            self._show_soon()

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
        self.waiting.show()

    def _drop_view_now(self) -> None:
        # Past aboutToQuit no deferred deletion runs, and the web engine's profile, deleted
        # with the application, must not outlive a page ("Expect troubles").
        self._release_timer.stop()
        if self.view is not None:
            view, self.view = self.view, None
            shiboken6.delete(view)

    def _show_soon(self) -> None:
        """Load once the « loading » label has been painted (the engine then holds the thread)."""
        QTimer.singleShot(0, self, self._show_now)

    def _show_now(self) -> None:
        if self._url is not None and self.isVisible():
            view = self._ensure_view()
            self.waiting.hide()
            view.load(self._url)

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
            self._show_soon()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if self.view is not None:
            self._release_timer.start(self.release_delay_ms)


def fit_until_touched_js(map_js: str, bounds_js: str, padding: int) -> str:
    """A script that fits a Leaflet map to bounds now, and after every resize or zoom until the
    person touches the map (fitting again at the same size changes nothing: it settles).

    A page fits itself while it loads, when the view may not have its size yet: the map then
    opened as a speck, or zoomed on one place. This fits it once the view is laid out, and never
    against the person's own zoom or pan."""
    return f"""(function () {{
  var map = {map_js}, bounds = {bounds_js};
  if (!map || !bounds || !bounds.isValid()) {{ return null; }}
  var touched = false;
  function fit() {{
    var size = map.getSize();
    // A zoom the page started (its own fit) ends later and would undo this one: wait for it.
    if (touched || map._animatingZoom || size.x < 50 || size.y < 50) {{ return; }}
    map.fitBounds(bounds, {{padding: [{padding}, {padding}], maxZoom: 15, animate: false}});
  }}
  ['pointerdown', 'wheel', 'keydown'].forEach(function (type) {{
    map.getContainer().addEventListener(type, function () {{ touched = true; }}, true);
  }});
  map.on('resize zoomend', fit);
  map.invalidateSize(false);
  fit();
  return map.getZoom();
}})()"""
