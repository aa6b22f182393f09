"""The three maps driven with the real web engine, in a child process under Xvfb.

``python -m tests.gui.map_scenario demo`` fills ``MEDIANUM_HOME`` with a small demonstration
database; ``python -m tests.gui.map_scenario lieux|fragilite|epingle`` signs the coordinator in,
opens that map in the main window (with its inactivity lock armed, as at a desk), waits for the
page, moves, clicks, drags, scrolls and types over it through the window, then reads back from
the page what is drawn and prints it as one ``RESULT {json}`` line. A crash of the web engine or
of PySide kills this process only: the test that started it sees the exit status.

Input goes to the window's QWindow, as the window system delivers it (QTest's QWindow overloads
go through QWindowSystemInterface), so Qt routes it to the web view itself: hover, focus, wheel.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keyring

from tests.conftest import MemoryKeyring

TIMEOUT_S = 60


def make_demo() -> None:
    from core.demo import DemoSizes, create_demo
    from domaines import DOMAINES

    create_demo(DemoSizes(beneficiaires=20), DOMAINES)
    print("DEMO_READY", flush=True)


def wait_until(condition: Callable[[], Any], what: str, timeout_s: float = TIMEOUT_S) -> Any:
    from PySide6.QtTest import QTest

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        QTest.qWait(50)
    raise TimeoutError(what)


def open_page(window: Any, key: str) -> Any:
    """Open a page and wait until it is built: its module is imported off the GUI thread."""
    from ui.widgets import PlaceholderPage

    window.open_page(key)

    def built() -> Any:
        page = window.current_page()
        return None if page is None or isinstance(page, PlaceholderPage) else page

    return wait_until(built, f"page {key} construite")


def evaluate(view: Any, script: str) -> Any:
    """The value of a script in the page, waited for (runJavaScript answers asynchronously)."""
    answers: list[Any] = []
    view.page().runJavaScript(script, 0, answers.append)
    wait_until(lambda: answers, f"réponse de la page à {script[:40]}")
    return answers[0]


def wait_loaded(web_map: Any) -> Any:
    from PySide6.QtWebEngineWidgets import QWebEngineView

    wait_until(lambda: web_map.view is not None, "vue web créée")
    view = web_map.view
    # The point of these scenarios: Chromium's own view, never a stand-in.
    assert isinstance(view, QWebEngineView), type(view)
    wait_until(
        lambda: evaluate(view, "document.readyState === 'complete' && !!window.L"),
        "page chargée",
    )
    return view


def exercise(view: Any) -> None:
    """Real pointer and key input over the web view, through its top-level window."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    target = view.focusProxy() or view
    top = target.window()
    window = top.windowHandle()

    def at(x: int, y: int) -> QPoint:
        return target.mapTo(top, QPoint(x, y))

    width, height = target.width(), target.height()
    for step in range(60):  # hover: the crash came from hover events over Qt Quick items
        QTest.mouseMove(window, at(20 + step * (width - 40) // 60, 20 + step * (height - 40) // 60))
        QTest.qWait(10)
    centre = at(width // 2, height // 2)
    QTest.mouseClick(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    QTest.qWait(100)
    QTest.mousePress(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    for step in range(10):
        QTest.mouseMove(window, at(width // 2 + step * 5, height // 2 + step * 3))
        QTest.qWait(10)
    QTest.mouseRelease(
        window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(width // 2 + 50, 30)
    )
    for delta in (120, -120, 120):
        QTest.wheelEvent(window, at(width // 2, height // 2), QPoint(0, delta))
        QTest.qWait(50)
    target.setFocus()
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Tab):
        QTest.keyClick(window, key)
        QTest.qWait(30)
    QTest.qWait(300)


def main_window() -> Any:
    from sqlalchemy import select

    from core.auth import actor_for
    from core.db import Database
    from core.models import Agent
    from core.settings import Settings
    from ui.context import AppContext
    from ui.main_window import MainWindow
    from ui.tasks import TaskRunner

    db = Database()
    with db.session() as s:
        agent = s.scalar(select(Agent).where(Agent.login == "coordinateur"))
        actor = actor_for(s, agent)
    window = MainWindow(AppContext(db, actor, Settings({}), TaskRunner(), demo=True))
    window.resize(1280, 740)
    window.show()
    window.activateWindow()
    wait_until(lambda: window.windowHandle() is not None and window.isActiveWindow(), "fenêtre")
    return window


def zoom_after_plus(view: Any, map_js: str) -> tuple[int, int]:
    """The map's zoom before and after « + » typed on the map (keyboard reaches the page)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    before = evaluate(view, f"{map_js}.getZoom()")
    evaluate(view, f"{map_js}.getContainer().focus(); true")
    QTest.keyClick(view.window().windowHandle(), Qt.Key.Key_Plus)
    wait_until(lambda: evaluate(view, f"{map_js}.getZoom()") != before, "zoom au clavier", 10)
    return int(before), int(evaluate(view, f"{map_js}.getZoom()"))


# Each marker icon is one place, each cluster icon as many places as its number says.
PLACES_DRAWN_JS = """(function () {
  var n = 0;
  document.querySelectorAll('.leaflet-marker-icon').forEach(function (icon) {
    n += icon.classList.contains('marker-cluster')
      ? parseInt(icon.querySelector('span').textContent) : 1;
  });
  return n;
})()"""


def lieux(window: Any) -> dict[str, Any]:
    from sqlalchemy import func, select

    from lieux.models import Lieu

    with window.ctx.db.read_session() as s:
        placed = s.scalar(select(func.count()).select_from(Lieu).where(Lieu.latitude.is_not(None)))
    page = open_page(window, "lieux")
    page.tabs.setCurrentWidget(page.map_tab)
    view = wait_loaded(page.map_tab)
    wait_until(lambda: evaluate(view, "!!window.medianumCarte"), "carte des lieux prête")

    def drawn() -> Any:
        return evaluate(view, PLACES_DRAWN_JS)

    # Clusters are laid out after the fit and its animation: wait for them, then take the count.
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: drawn() == placed, "lieux dessinés", 20)
    places_drawn = drawn()
    shown = evaluate(
        view,
        "(function () { var c = window.medianumCarte, b = c.map.getBounds();"
        " return JSON.stringify([c.map.getZoom(), c.map.getSize(),"
        " c.markers.filter(function (m) { return b.contains(m.getLatLng()); }).length]); })()",
    )
    outlines = evaluate(view, "document.querySelectorAll('path.leaflet-interactive').length")
    exercise(view)
    before, after = zoom_after_plus(view, "window.medianumCarte.map")
    return {
        "places_drawn": places_drawn,
        "zoom_size_and_places_in_view": json.loads(shown),
        "places_with_coordinates": placed,
        "commune_outlines": outlines,
        "zoom": [before, after],
        **leave_and_come_back(window, page),
    }


def leave_and_come_back(window: Any, page: Any) -> dict[str, Any]:
    """Leaving the map gives the web engine back; coming back shows the map again."""
    shown = renderer_processes()
    page.map_tab.release_delay_ms = 0
    page.tabs.setCurrentIndex(0)
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: page.map_tab.view is None and not renderer_processes(), "rendu", 15)
    left = {"view": page.map_tab.view is not None, "renderers": renderer_processes()}
    page.tabs.setCurrentWidget(page.map_tab)
    view = wait_loaded(page.map_tab)
    return {
        "renderers_while_shown": shown,
        "after_leaving": left,
        "shown_again": bool(evaluate(view, "document.querySelectorAll('.leaflet-pane').length")),
    }


def renderer_processes() -> int:
    """The web engine's renderer processes of this process (Linux /proc): Chromium forks each
    from its zygote, so a renderer is a web-engine process whose parent is the zygote."""
    me, count = os.getpid(), 0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and me in _ancestors(int(entry.name)):
                parent = _parent(int(entry.name))
                if b"--type=zygote" in Path(f"/proc/{parent}/cmdline").read_bytes():
                    count += 1
        except OSError:  # the process ended meanwhile
            continue
    return count


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _ancestors(pid: int) -> list[int]:
    found = []
    while pid > 1:
        pid = _parent(pid)
        found.append(pid)
    return found


FRAGILITE_MAP = "Object.keys(window).map(function (k) { return window[k]; })" + (
    ".filter(function (v) { return v instanceof L.Map; })[0]"
)


def territory_share(view: Any) -> list[float]:
    """How much of the view the territory's outlines span, across and down, once fitted."""
    script = f"""(function () {{
      var map = {FRAGILITE_MAP}, b = null;
      Object.keys(window).forEach(function (k) {{
        if (window[k] instanceof L.GeoJSON) {{ b = window[k].getBounds(); }} }});
      var size = map.getSize(), sw = map.latLngToContainerPoint(b.getSouthWest()),
          ne = map.latLngToContainerPoint(b.getNorthEast());
      return JSON.stringify([Math.abs(ne.x - sw.x) / size.x, Math.abs(sw.y - ne.y) / size.y,
                             size.x, size.y, map.getZoom()]);
    }})()"""
    # The fit runs once the page has loaded: give it a moment, then take what is shown.
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: max(json.loads(evaluate(view, script))[:2]) >= 0.5, "ajusté", 5)
    return [float(x) for x in json.loads(evaluate(view, script))]


def fragilite(window: Any) -> dict[str, Any]:
    page = open_page(window, "fragilite")
    wait_until(lambda: page.resultat is not None, "indice de la démonstration calculé")
    page.tabs.setCurrentWidget(page.map_tab)
    view = wait_loaded(page.map_tab)
    share = territory_share(view)
    exercise(view)
    communes = evaluate(view, "document.querySelectorAll('path.leaflet-interactive').length")
    page.indicator.setCurrentIndex(page.indicator.findData("sans_connexion"))
    chosen = wait_until(
        lambda: (
            evaluate(view, "document.getElementById('fragilite-indicateur').value")
            == "sans_connexion"
        ),
        "indicateur choisi",
        10,
    )
    before, after = zoom_after_plus(view, FRAGILITE_MAP)
    return {
        "communes_drawn": communes,
        "communes_of_the_territory": len(page.territoire.codes),
        "territory_share_of_view": share,
        "indicator_followed": bool(chosen),
        "zoom": [before, after],
        **leave_and_come_back(window, page),
    }


def epingle(window: Any) -> dict[str, Any]:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QPushButton

    from ui.widgets.lieu_form import LieuFormDialog
    from ui.widgets.lieu_pin import LieuPinDialog

    page = open_page(window, "lieux")
    result: dict[str, Any] = {}

    def modal(kind: type) -> Any:
        return wait_until(
            lambda: (
                isinstance(QApplication.activeModalWidget(), kind)
                and QApplication.activeModalWidget()
            ),
            kind.__name__,
        )

    def in_form() -> None:
        form = modal(LieuFormDialog)
        button = next(
            b
            for b in form.findChildren(QPushButton)
            if b.accessibleName() == "Placer le lieu sur la carte"
        )
        QTimer.singleShot(0, lambda: in_pin(form))
        button.click()  # runs the pin dialog's own loop until in_pin answers it
        result["form_position"] = [
            form.widgets["latitude"].value(),
            form.widgets["longitude"].value(),
        ]
        form.reject()

    def in_pin(form: Any) -> None:
        dialog = modal(LieuPinDialog)
        view = wait_loaded(dialog.map)
        exercise(view)
        result["pin_in_page"] = evaluate(view, "JSON.stringify(window.medianumPin)")
        result["pin_drawn"] = evaluate(
            view, "document.querySelectorAll('.leaflet-marker-icon').length"
        )
        result["zoom"] = list(zoom_after_plus(view, "window.medianumPinMap"))
        use = next(b for b in dialog.findChildren(QPushButton) if "Utiliser" in b.text())
        use.click()
        wait_until(lambda: not dialog.isVisible(), "dialogue fermé", 10)
        result["view_after_closing"] = dialog.map.view is not None

    QTimer.singleShot(0, in_form)
    page.new_place()
    return result


SCENARIOS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "lieux": lieux,
    "fragilite": fragilite,
    "epingle": epingle,
}


def main(name: str) -> int:
    keyring.set_keyring(MemoryKeyring())
    if name == "demo":
        make_demo()
        return 0
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from core.i18n import set_language

    set_language("fr")
    app = QApplication([sys.argv[0]])
    window = main_window()
    result = SCENARIOS[name](window)
    result["alive"] = True
    print("RESULT " + json.dumps(result), flush=True)
    # Quit as the application does, so that what happens at exit is seen too.
    QTimer.singleShot(0, window.close)
    QTimer.singleShot(0, app.quit)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
