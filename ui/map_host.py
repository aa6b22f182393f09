"""The map host: a small program that shows one map page in the web engine, for the desk.

Why a separate process: Qt WebEngine, once started, keeps about 380 MB in the process that
started it, whatever is done with its views afterwards; on the 4 GB desk PCs the territory keeps
in service the whole application must stay under 350 MB once no map is shown. So the desk
process never imports QtWebEngine: each map on screen (Lieux › Carte, Fragilité › Carte, the pin
of a new place) is a map-host process that ``ui.widgets.web_map.WebMap`` starts when the map is
shown and ends when it is hidden; its memory, and its Chromium processes', goes back to the PC
with it. A crash of the web engine ends the map host, never the desk.

How it is started: ``main.py`` with the hidden sub-command ``__carte`` (``MAP_HOST_COMMAND``),
so that it runs from the PyInstaller bundle as from the sources (:func:`host_command`), then
optionally ``--dans WINID``: the native window of the desk's page in which to show the map.

Where it shows: where the platform lets one process put a window inside another's (X11 and
Windows), the host makes its view a child of the desk's window (``QWindow.fromWinId`` as parent):
the map is then part of the page, hidden and shown with it, and input over it goes straight to
the web engine. The desk tells the size. Elsewhere (Wayland, macOS) the desk asks the host to
show the map as a window of its own.

How it talks: JSON lines, one object a line. On stdin, from the desk: ``{"load": url}`` shows a
page (a ``file://`` URL, its fragment kept); ``{"size": [w, h]}``; ``{"js": script, "id": n}``
runs JavaScript in the page, and answers ``{"js": n, "value": ...}`` when ``id`` is given;
``{"show": title}`` shows the map as a window of its own; ``{"focus": winid}`` gives the keyboard
to the map (Tab reached it in the desk; Échap gives it back to the desk's window ``winid``);
``{"quit": true}`` ends. On stdout, to
the desk: ``{"ready": class name, "pid": n}`` once the view exists; ``{"loaded": ok}`` after each
page load; ``{"input": true}`` at most once a second while the person uses the map (the desk's
inactivity lock cannot see input that goes to another process); ``{"closed": true}`` when a map
window of its own is closed; ``{"leave": "next"}`` when Échap is pressed in the map (the desk
takes the keyboard back). The end of stdin (the desk ended, even killed) ends the host.
Qt's and Chromium's messages go to stderr, which the desk passes on to its own.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, NoReturn

MAP_HOST_COMMAND = "__carte"
PARENT_OPTION = "--dans"


# The map's container takes the keyboard (Leaflet: arrows pan, + and − zoom, Tab goes from marker
# to marker) and shows a ring while it has it, whatever the page's own style.
FOCUS_MAP_JS = """(function () {
  if (!document.getElementById('medianum-focus-ring')) {
    var style = document.createElement('style');
    style.id = 'medianum-focus-ring';
    style.textContent = '.leaflet-container:focus, .leaflet-container:focus-visible'
      + ' { outline: 3px solid #1d4ed8; outline-offset: -3px; }'
      + ' .leaflet-marker-icon:focus { outline: 3px solid #1d4ed8; }';
    document.head.appendChild(style);
  }
  var map = document.querySelector('.leaflet-container');
  if (map) { map.focus(); }
  return !!map && document.activeElement === map;
})()"""


_X11: list[Any] = []


def x11_focus(window_id: int) -> bool:
    """Give the X keyboard focus to ``window_id`` now; False where there is no X display.

    Written by hand because Qt has no call for it: ``QWindow.requestActivate`` stamps its request
    with the time of the last event this process saw, and the key that moved the keyboard (Tab
    in the desk, or Échap here) went to the other process: the X server ignores a request older
    than the last change of focus. ``CurrentTime`` is always accepted."""
    import ctypes
    import ctypes.util

    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.platformName() != "xcb":
        return False
    if not _X11:
        library = ctypes.util.find_library("X11")
        if library is None:
            return False
        x11 = ctypes.CDLL(library)
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XSetInputFocus.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.c_int,
            ctypes.c_ulong,
        ]
        x11.XFlush.argtypes = [ctypes.c_void_p]
        display = x11.XOpenDisplay(None)
        if not display:
            return False
        _X11.extend([x11, display])
    x11, display = _X11
    revert_to_parent, current_time = 2, 0
    x11.XSetInputFocus(display, window_id, revert_to_parent, current_time)
    x11.XFlush(display)
    return True


def host_command() -> list[str]:
    """The command line that starts a map host: the bundle's executable, or main.py."""
    if getattr(sys, "frozen", False):
        return [sys.executable, MAP_HOST_COMMAND]
    main = Path(__file__).resolve().parent.parent / "main.py"
    return [sys.executable, str(main), MAP_HOST_COMMAND]


def run(argv: list[str]) -> NoReturn:
    """The host's main loop: ``main.py __carte [--dans WINID]``."""
    import shiboken6
    from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal
    from PySide6.QtGui import QKeyEvent, QWindow
    from PySide6.QtWebEngineWidgets import QWebEngineView
    from PySide6.QtWidgets import QApplication

    parent_id = int(argv[argv.index(PARENT_OPTION) + 1]) if PARENT_OPTION in argv else None
    app = QApplication([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)
    out_lock = threading.Lock()

    def send(message: dict[str, Any]) -> None:
        with out_lock:
            sys.stdout.write(json.dumps(message) + "\n")
            sys.stdout.flush()

    class Inbox(QObject):
        received = Signal(str)

    class MapView(QWebEngineView):
        def closeEvent(self, event: Any) -> None:
            send({"closed": True})
            super().closeEvent(event)

    input_kinds = {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
    }

    class InputWatch(QObject):
        """On the view's own QWindow only, which sees all input from the window system and is a
        plain QWindow (see ui.lock: never a Python filter on the application)."""

        last = 0.0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() in input_kinds and time.monotonic() - self.last > 1.0:
                self.last = time.monotonic()
                send({"input": True})
            if (
                event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Escape
            ):
                send({"leave": "next"})
                if keyboard_back_to[0]:
                    x11_focus(keyboard_back_to[0])
                return True
            return False

    view = MapView()
    keyboard_back_to = [0]  # the desk window that gave the keyboard to the map
    inbox = Inbox()
    watch = InputWatch()
    # The desk's window, held for the whole run: were its wrapper collected, Qt would take the
    # view out of it and show it at the top left of the screen.
    desk_window = QWindow.fromWinId(parent_id) if parent_id is not None else None

    class Attach(QObject):
        """The web engine recreates the view's native window (for OpenGL) when the first page
        loads: each new one goes into the desk's window again, and is watched for input."""

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.WinIdChange:
                attach()
            return False

    def attach() -> None:
        window = view.windowHandle()
        if window is None:
            return
        window.installEventFilter(watch)  # installing twice keeps one
        if desk_window is not None and window.parent() is not desk_window:
            window.setParent(desk_window)

    attacher = Attach()
    view.installEventFilter(attacher)
    view.winId()
    attach()

    def handle(line: str) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            print(f"map host: unreadable line {line[:80]!r}", file=sys.stderr)
            return
        if "load" in message:
            view.load(QUrl(message["load"]))
        elif "size" in message:
            width, height = message["size"]
            view.setGeometry(0, 0, max(1, int(width)), max(1, int(height)))
            if desk_window is not None and not view.isVisible():
                view.show()
        elif "js" in message:
            ident = message.get("id")
            if ident is None:
                view.page().runJavaScript(message["js"])
            else:
                view.page().runJavaScript(
                    message["js"], 0, lambda value, i=ident: send({"js": i, "value": value})
                )
        elif "focus" in message:
            keyboard_back_to[0] = int(message["focus"])
            window = view.windowHandle()
            if window is not None and not x11_focus(int(view.winId())):
                window.requestActivate()
            view.setFocus(Qt.FocusReason.TabFocusReason)
            view.page().runJavaScript(FOCUS_MAP_JS)
        elif "show" in message:
            view.setWindowTitle(message["show"])
            view.resize(1000, 700)
            view.show()
        elif "quit" in message:
            app.exit(0)  # not quit(): it first asks each window to close

    inbox.received.connect(handle)
    view.loadFinished.connect(lambda ok: send({"loaded": bool(ok)}))

    def read_stdin() -> None:
        for line in sys.stdin:
            if line.strip():
                inbox.received.emit(line)
            if '"quit"' in line:
                return
        inbox.received.emit('{"quit": true}')  # the desk is gone: so is its map

    threading.Thread(target=read_stdin, name="map-host-stdin", daemon=True).start()
    send({"ready": QWebEngineView.__name__, "pid": os.getpid()})
    code = app.exec()
    # The view and the web engine's profile must go before the application ("Expect troubles").
    view.removeEventFilter(attacher)
    shiboken6.delete(view)
    sys.stdout.flush()
    sys.stderr.flush()
    # Not the interpreter's own shutdown: it could wait on the thread still reading stdin, or
    # on the web engine's threads, and the desk waits for this process to end.
    os._exit(int(code))
