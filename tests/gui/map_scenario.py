"""The three maps driven with the real web engine, in a child process under Xvfb.

``python -m tests.gui.map_scenario demo`` fills ``MEDIANUM_HOME`` with a small demonstration
database; ``python -m tests.gui.map_scenario lieux|fragilite|epingle`` signs the coordinator in,
opens that map in the main window (with its inactivity lock armed, as at a desk), waits for the
page, moves, clicks, drags, scrolls and types over it, then reads back from the page what is
drawn and prints it as one ``RESULT {json}`` line. A crash of PySide kills this process only: the
test that started it sees the exit status; a crash of the map host (the web engine's process,
``ui.map_host``) is counted by its ``WebMap`` and reported.

The web view is in the map host, a process of its own put inside the page's window: input is
made by the X server itself (the XTest extension, as ``xdotool`` does), at screen positions over
the map, and reaches whichever process's window is there, as a person's would. What the page
draws is read back with ``runJavaScript`` through the host, the way the pin editor reads its pin.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
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


class DeskKeyring(MemoryKeyring):
    """The scenario desk's keyring, kept in a file of its data folder.

    ``demo`` and each scenario are separate processes, as a desk that is restarted: the journal
    key the demo creates (the journal is sealed from its first line) must still be in the desk's
    keyring when the scenario runs, or every write is refused (« La clé du journal … n'est pas
    dans le trousseau de ce poste »). The key is a synthetic test secret.
    """

    def __init__(self, file: Path) -> None:
        super().__init__()
        self.file = file
        if file.exists():
            self.store = {(s, u): p for s, u, p in json.loads(file.read_text())}

    def set_password(self, service: str, username: str, password: str) -> None:
        super().set_password(service, username, password)
        self._save()

    def delete_password(self, service: str, username: str) -> None:
        super().delete_password(service, username)
        self._save()

    def _save(self) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        self.file.write_text(json.dumps([[s, u, p] for (s, u), p in self.store.items()]))


def fail_on_message_box(box: Any) -> int:
    """A message box nobody expected ends the scenario at once, with its text.

    Left to itself the box is modal and waits for a click that never comes: the scenario then
    ran into its test's timeout with nothing said of the cause.
    """
    print(f"MESSAGE_BOX {box.windowTitle()!r}: {box.text()}", file=sys.stderr, flush=True)
    if box.detailedText():
        print(box.detailedText(), file=sys.stderr, flush=True)
    os._exit(4)


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


def evaluate(web_map: Any, script: str) -> Any:
    """The value of a script in the page, waited for (runJavaScript answers asynchronously)."""
    answers: list[Any] = []
    web_map.run_script(script, answers.append)
    wait_until(lambda: answers, f"réponse de la page à {script[:40]}")
    return answers[0]


def wait_loaded(web_map: Any) -> Any:
    wait_until(lambda: web_map.host is not None and web_map.host_view, "hôte de la carte démarré")
    # The point of these scenarios: Chromium's own view, never a stand-in.
    assert web_map.host_view == "QWebEngineView", web_map.host_view
    wait_until(
        lambda: evaluate(web_map, "document.readyState === 'complete' && !!window.L"),
        "page chargée",
    )
    wait_until(lambda: web_map.frame is not None and web_map.frame.isVisible(), "carte affichée")
    return web_map


class XInput:
    """Pointer and keys made by the X server (XTest): they go to the window under the pointer,
    or with the focus, whichever process it belongs to."""

    def __init__(self) -> None:
        self.x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
        self.xtst = ctypes.CDLL(ctypes.util.find_library("Xtst") or "libXtst.so.6")
        self.x11.XOpenDisplay.restype = ctypes.c_void_p
        self.x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x11.XFlush.argtypes = [ctypes.c_void_p]
        self.x11.XStringToKeysym.restype = ctypes.c_ulong
        self.x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
        self.x11.XKeysymToKeycode.restype = ctypes.c_ubyte
        self.x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self.xtst.XTestFakeMotionEvent.argtypes = [
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_ulong,
        ]
        self.xtst.XTestFakeButtonEvent.argtypes = [
            ctypes.c_void_p,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_ulong,
        ]
        self.xtst.XTestFakeKeyEvent.argtypes = [
            ctypes.c_void_p,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_ulong,
        ]
        self.display = self.x11.XOpenDisplay(os.environ["DISPLAY"].encode())
        assert self.display, "pas d'affichage X"

    def _flush(self, wait_ms: int) -> None:
        from PySide6.QtTest import QTest

        self.x11.XFlush(self.display)
        QTest.qWait(wait_ms)

    def move(self, x: int, y: int, wait_ms: int = 10) -> None:
        self.xtst.XTestFakeMotionEvent(self.display, -1, x, y, 0)
        self._flush(wait_ms)

    def button(self, button: int, press: bool, wait_ms: int = 10) -> None:
        self.xtst.XTestFakeButtonEvent(self.display, button, int(press), 0)
        self._flush(wait_ms)

    def click(self, button: int = 1, wait_ms: int = 50) -> None:
        self.button(button, True)
        self.button(button, False, wait_ms)

    def key(self, name: str, wait_ms: int = 30) -> None:
        code = self.x11.XKeysymToKeycode(self.display, self.x11.XStringToKeysym(name.encode()))
        assert code, name
        self.xtst.XTestFakeKeyEvent(self.display, code, 1, 0)
        self.xtst.XTestFakeKeyEvent(self.display, code, 0, 0)
        self._flush(wait_ms)


_X: list[XInput] = []


def x_input() -> XInput:
    if not _X:
        _X.append(XInput())
    return _X[0]


def on_screen(web_map: Any, x: int, y: int) -> tuple[int, int]:
    from PySide6.QtCore import QPoint

    point = web_map.mapToGlobal(QPoint(x, y))
    return point.x(), point.y()


def exercise(web_map: Any) -> None:
    """Real pointer and key input over the map, made by the X server."""
    x = x_input()
    width, height = web_map.width(), web_map.height()
    for step in range(60):  # hover: the crash came from hover events over Qt Quick items
        x.move(*on_screen(web_map, 20 + step * (width - 40) // 60, 20 + step * (height - 40) // 60))
    x.move(*on_screen(web_map, width // 2, height // 2))
    x.click(wait_ms=100)
    x.button(1, True)
    for step in range(10):
        x.move(*on_screen(web_map, width // 2 + step * 5, height // 2 + step * 3))
    x.move(*on_screen(web_map, width // 2 + 50, 30))
    x.button(1, False)
    x.move(*on_screen(web_map, width // 2, height // 2))
    for button in (4, 5, 4):  # the wheel, up and down
        x.click(button, wait_ms=50)
    for key in ("Right", "Down", "Tab"):
        x.key(key)
    from PySide6.QtTest import QTest

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


def zoom_after_plus(web_map: Any, map_js: str) -> tuple[int, int]:
    """The map's zoom before and after « + » typed on the map (keyboard reaches the page)."""
    before = evaluate(web_map, f"{map_js}.getZoom()")
    evaluate(web_map, f"{map_js}.getContainer().focus(); true")
    x_input().move(*on_screen(web_map, web_map.width() // 2, web_map.height() // 2))
    x_input().key("KP_Add")
    wait_until(lambda: evaluate(web_map, f"{map_js}.getZoom()") != before, "zoom au clavier", 10)
    return int(before), int(evaluate(web_map, f"{map_js}.getZoom()"))


def keyboard_only(window: Any, page: Any, map_js: str) -> dict[str, Any]:
    """A person without a mouse: from the page's controls Tab reaches the map, « + » zooms it,
    Échap gives the keyboard back to the page. Keys are real (XTest), nothing is focused by a
    script."""
    from PySide6.QtWidgets import QApplication

    web_map, x = page.map_tab, x_input()
    bar = page.tabs.tabBar()
    tab = bar.tabRect(page.tabs.indexOf(web_map)).center()  # the map's own tab, already shown
    x.move(*on_screen(bar, tab.x(), tab.y()))
    x.click(wait_ms=200)  # the desk's window takes the keyboard back from the map
    wait_until(lambda: QApplication.activeWindow() is window, "poste au premier plan", 10)
    tabs = 0
    while not web_map.keyboard_in_map and tabs < 40:
        x.key("Tab", wait_ms=60)
        tabs += 1
    reached = bool(web_map.keyboard_in_map)
    focused = False
    with contextlib.suppress(TimeoutError):
        focused = wait_until(
            lambda: evaluate(
                web_map, "document.activeElement === document.querySelector('.leaflet-container')"
            ),
            "carte au clavier",
            10,
        )
    before = evaluate(web_map, f"{map_js}.getZoom()")
    x.key("KP_Add")
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: evaluate(web_map, f"{map_js}.getZoom()") != before, "zoom clavier", 10)
    after = evaluate(web_map, f"{map_js}.getZoom()")
    x.key("Escape", wait_ms=200)
    with contextlib.suppress(TimeoutError):
        wait_until(
            lambda: not web_map.keyboard_in_map and QApplication.activeWindow() is window,
            "clavier rendu à la page",
            10,
        )
    focus = QApplication.focusWidget()
    return {
        "reached_by_tab": reached,
        "tabs": tabs,
        "map_focused_in_page": bool(focused),
        "zoom": [before, after],
        "back_in_page": not web_map.keyboard_in_map and QApplication.activeWindow() is window,
        "focus_after_escape_outside_map": focus is not None and focus is not web_map.frame,
        "described": bool(web_map.frame.accessibleDescription()),
    }


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
    keyboard = keyboard_only(window, page, "window.medianumCarte.map")
    return {
        "keyboard": keyboard,
        "places_drawn": places_drawn,
        "zoom_size_and_places_in_view": json.loads(shown),
        "places_with_coordinates": placed,
        "commune_outlines": outlines,
        "zoom": [before, after],
        **leave_and_come_back(window, page),
        "lock": lock_covers_the_map(window, page.map_tab),
        "host_crashes": page.map_tab.crashes,
    }


def leave_and_come_back(window: Any, page: Any) -> dict[str, Any]:
    """Leaving the map ends its host and the web engine's processes; coming back shows the map
    again."""
    shown = renderer_processes()
    host_pid = page.map_tab.host_pid
    page.map_tab.release_delay_ms = 0
    page.tabs.setCurrentIndex(0)
    with contextlib.suppress(TimeoutError):
        wait_until(
            lambda: page.map_tab.host is None and not alive(host_pid) and not renderer_processes(),
            "hôte de la carte terminé",
            15,
        )
    left = {
        "host": page.map_tab.host is not None,
        "host_process": alive(host_pid),
        "renderers": renderer_processes(),
    }
    page.tabs.setCurrentWidget(page.map_tab)
    view = wait_loaded(page.map_tab)
    return {
        "host_pid_while_shown": host_pid,
        "renderers_while_shown": shown,
        "after_leaving": left,
        "shown_again": bool(evaluate(view, "document.querySelectorAll('.leaflet-pane').length")),
        "new_host": page.map_tab.host_pid != host_pid,
    }


def lock_covers_the_map(window: Any, web_map: Any) -> dict[str, Any]:
    """Input over the map (another process's window) keeps the station unlocked; without input
    the station locks, the map is hidden and its host ends."""
    from PySide6.QtTest import QTest

    x = x_input()
    window.watcher.set_interval(2_500)
    end = time.monotonic() + 5
    step = 0
    while time.monotonic() < end:
        step += 1
        x.move(*on_screen(web_map, 40 + (step * 37) % 300, 40 + (step * 23) % 200), 200)
    kept_unlocked = not window.locked
    host_pid = web_map.host_pid
    web_map.release_delay_ms = 0
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: window.locked, "verrouillage", 10)
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: not alive(host_pid), "hôte terminé au verrouillage", 15)
    QTest.qWait(100)
    return {
        "unlocked_while_used": kept_unlocked,
        "locked_after_idle": bool(window.locked),
        "map_visible_when_locked": web_map.isVisible(),
        "host_after_lock": alive(host_pid),
    }


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie, ended but not yet collected, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


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
        "host_crashes": page.map_tab.crashes,
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
        result["host_after_closing"] = dialog.map.host is not None
        pid = dialog.map.host_pid
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: not alive(pid), "hôte terminé à la fermeture", 15)
        result["host_process_after_closing"] = alive(pid)
        result["host_crashes"] = dialog.map.crashes

    QTimer.singleShot(0, in_form)
    page.new_place()
    return result


def panne(window: Any) -> dict[str, Any]:
    """A map host that dies (killed as a crash would) or cannot start: the page says so in
    French, and showing the map again starts a new host."""
    import signal

    from ui.widgets import web_map

    page = open_page(window, "lieux")
    page.tabs.setCurrentWidget(page.map_tab)
    wait_loaded(page.map_tab)
    pid = page.map_tab.host_pid
    os.kill(pid, signal.SIGSEGV)
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: page.map_tab.host is None, "panne vue", 15)
    # The web engine's own processes follow their browser process.
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: not renderer_processes(), "moteur web terminé", 15)
    after_crash = {
        "renderers": renderer_processes(),
        "host": page.map_tab.host is not None,
        "crashes": page.map_tab.crashes,
        "said": page.map_tab.status.text(),
        "sentence_shown": page.map_tab.status.isVisible(),
    }
    page.tabs.setCurrentIndex(0)
    page.tabs.setCurrentWidget(page.map_tab)
    wait_loaded(page.map_tab)
    restarted = page.map_tab.host_pid != pid
    page.tabs.setCurrentIndex(0)
    page.map_tab.release()
    real_command = web_map.host_command
    web_map.host_command = lambda: ["/nonexistent/medianum-carte"]
    try:
        page.tabs.setCurrentWidget(page.map_tab)
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: "démarrer" in page.map_tab.status.text(), "échec vu", 15)
        not_started = {"host": page.map_tab.host is not None, "said": page.map_tab.status.text()}
    finally:
        web_map.host_command = real_command
    return {
        "after_crash": after_crash,
        "restarted": restarted,
        "not_started": not_started,
        "host_crashes": 0,
    }


SCENARIOS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "panne": panne,
    "lieux": lieux,
    "fragilite": fragilite,
    "epingle": epingle,
}


def main(name: str) -> int:
    from core import paths

    keyring.set_keyring(DeskKeyring(paths.data_dir() / "trousseau-du-poste-de-test.json"))
    if name == "demo":
        make_demo()
        return 0
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from core.i18n import set_language
    from ui.widgets import messages

    messages.present = fail_on_message_box
    set_language("fr")
    app = QApplication([sys.argv[0]])
    window = main_window()
    result = SCENARIOS[name](window)
    result["alive"] = True
    # The desk itself never loads the web engine: it is the map host's.
    result["web_engine_in_desk"] = sorted(m for m in sys.modules if "QtWebEngine" in m)
    print("RESULT " + json.dumps(result), flush=True)
    # Quit as the application does, so that what happens at exit is seen too.
    QTimer.singleShot(0, window.close)
    QTimer.singleShot(0, app.quit)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
