"""A map page, shown by a map-host process that lives only while the map is on screen.

The web engine keeps hundreds of megabytes in the process that started it, for good: the desk
process therefore never imports QtWebEngine. When a map is shown this widget starts a map host
(``ui.map_host``: ``main.py __carte``) that puts its web view inside this widget's native window
(X11, Windows) or, on other platforms, in a window of its own; when the map is hidden (another
tab, another page, the station locked) the host is ended a little later, and its memory goes
back to the PC. Showing the map again starts a new host on the same file.

While the host starts (seconds on an old PC) the widget says so; if it fails or dies, the widget
says that in French and the next showing tries again. Without a window system (the ``offscreen``
platform of most GUI tests) no host is started and a sentence says why.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QByteArray, QCoreApplication, QProcess, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QFocusEvent, QGuiApplication, QHideEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QLabel, QStackedLayout, QWidget

from core.i18n import _
from ui.map_host import PARENT_OPTION, host_command

log = logging.getLogger(__name__)

# Platforms where a window of another process can be put inside one of ours.
EMBEDDING_PLATFORMS = frozenset({"xcb", "windows"})
# Platforms without a window system: no map can be shown.
WINDOWLESS_PLATFORMS = frozenset({"offscreen", "minimal", "vnc"})


class _Frame(QWidget):
    """The native window the host's view goes into; tells the host its size, and when the
    keyboard comes to the map (Tab or Maj+Tab from the page's controls)."""

    resized = Signal(int, int)
    entered = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit(self.width(), self.height())

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        # The window coming back to the front gives its focus back to this widget: that is not
        # the person moving the keyboard to the map.
        if event.reason() not in (
            Qt.FocusReason.ActiveWindowFocusReason,
            Qt.FocusReason.PopupFocusReason,
        ):
            self.entered.emit()


class WebMap(QWidget):
    """Shows a local HTML file; ``loaded(ok)`` after each (re)load; ``host`` is None when idle."""

    loaded = Signal(bool)
    # A host started or ended (for tests and benchmarks: ``host_pid`` tells which).
    host_changed = Signal()
    # Long enough that going to the list and back does not restart the engine.
    release_delay_ms = 30_000
    # An old PC under load starts the web engine in seconds; past this the map is said broken.
    start_timeout_ms = 90_000

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accessible_name = accessible_name
        self.setAccessibleName(accessible_name)
        self.host: QProcess | None = None
        self.host_pid = 0
        # The class of the view the host reports, and how many hosts ended unasked (crashes).
        self.host_view = ""
        self.crashes = 0
        self._url: QUrl | None = None
        self._buffer = QByteArray()
        self._answers: dict[int, Callable[[Any], None]] = {}
        self._ids = itertools.count(1)
        self._release_timer = QTimer(self)
        self._release_timer.setSingleShot(True)
        self._release_timer.timeout.connect(self.release)
        self._start_timer = QTimer(self)
        self._start_timer.setSingleShot(True)
        self._start_timer.timeout.connect(self._too_slow)
        self.stack = QStackedLayout(self)
        self.stack.setContentsMargins(0, 0, 0, 0)
        self.status = QLabel(self)
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)
        self.stack.addWidget(self.status)
        self.frame: _Frame | None = None
        platform = QGuiApplication.platformName()
        self.windowless = platform in WINDOWLESS_PLATFORMS
        self.embedded = platform in EMBEDDING_PLATFORMS
        if self.windowless:
            self._say(
                _(
                    "La carte ne peut pas s'afficher ici : cet affichage n'a pas de fenêtres "
                    "(mode sans écran)."
                )
            )
        else:
            self._say(_("Chargement de la carte…"))
        # The host outlives this widget if need be (a page rebuilt for another agent), never the
        # application: it is told to end when the widget goes.
        self._box: list[QProcess | None] = [None]
        # The keyboard was given to the map by Tab and not yet given back (Échap).
        self.keyboard_in_map = False
        self.destroyed.connect(functools.partial(_orphaned, self._box))
        _end_hosts_at_exit()

    # --- what pages call -------------------------------------------------------------------

    def load(self, path: Path, fragment: str = "") -> None:
        """Show this file, now if the map is on screen, else when it is next shown."""
        url = QUrl.fromLocalFile(str(path))
        if fragment:
            url.setFragment(fragment)
        self._url = url
        if self.host is not None:
            self._send({"load": url.toString()})
        elif self.isVisible():
            self._start()

    def set_fragment(self, fragment: str) -> None:
        """What a restarted host opens on (the page already shown is told by a script)."""
        if self._url is not None:
            self._url.setFragment(fragment)

    def run_script(self, script: str, callback: Callable[[Any], None] | None = None) -> None:
        """Run JavaScript in the shown page. The callback gets the script's value, or None when
        no page is shown or the map ends first (a button waiting for it is never left dead)."""
        if self.host is None:
            if callback is not None:
                QTimer.singleShot(0, self, lambda: callback(None))
            return
        if callback is None:
            self._send({"js": script})
        else:
            ident = next(self._ids)
            self._answers[ident] = callback
            self._send({"js": script, "id": ident})

    def release(self) -> None:
        """End the host: its web engine's processes end and their memory goes back to the PC."""
        self._release_timer.stop()
        self._start_timer.stop()
        self.keyboard_in_map = False
        host, self.host = self.host, None
        self._box[0] = None
        answers, self._answers = self._answers, {}
        for callback in answers.values():
            QTimer.singleShot(0, self, functools.partial(callback, None))
        if host is None:
            return
        host.readyReadStandardOutput.disconnect(self._read)
        host.finished.disconnect(self._host_finished)
        host.errorOccurred.disconnect(self._host_error)
        frame, self.frame = self.frame, None
        if frame is not None:
            # Its native window holds the host's until the host has ended (X destroys a window's
            # children with it, under the feet of the host).
            self.stack.removeWidget(frame)
            frame.hide()
        _end_host(host, frame)
        self.stack.setCurrentWidget(self.status)
        if not self.windowless:
            self._say(_("Chargement de la carte…"))
        self.host_changed.emit()

    # --- the host --------------------------------------------------------------------------

    def _start(self) -> None:
        if self.windowless or self.host is not None or self._url is None:
            return
        self._say(_("Démarrage de la carte… (quelques secondes)"))
        arguments = host_command()
        if self.embedded:
            self.frame = _Frame(self)
            self.frame.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
            self.frame.setAccessibleName(self.accessible_name)
            self.frame.setAccessibleDescription(keyboard_help())
            self.frame.setToolTip(keyboard_help())
            self.frame.resized.connect(self._send_size)
            self.frame.entered.connect(self._keyboard_to_map)
            self.stack.addWidget(self.frame)
            arguments += [PARENT_OPTION, str(int(self.frame.winId()))]
        host = QProcess()
        _HOSTS.add(host)
        self._box[0] = host
        host.setProcessChannelMode(QProcess.ProcessChannelMode.ForwardedErrorChannel)
        host.readyReadStandardOutput.connect(self._read)
        host.finished.connect(self._host_finished)
        host.errorOccurred.connect(self._host_error)
        self.host = host
        self._buffer.clear()
        host.start(arguments[0], arguments[1:])
        if self.host is not host:  # failed at once, and said so
            return
        self._send({"load": self._url.toString()})
        self._send_size()
        self._start_timer.start(self.start_timeout_ms)
        self.host_changed.emit()

    def _send(self, message: dict[str, Any]) -> None:
        if self.host is not None:
            self.host.write((json.dumps(message) + "\n").encode())

    def _send_size(self, *_size: int) -> None:
        if self.frame is not None:
            self._send({"size": [self.width(), self.height()]})

    def _read(self) -> None:
        if self.host is None:
            return
        self._buffer.append(self.host.readAllStandardOutput())
        while (end := self._buffer.indexOf(b"\n")) >= 0:
            line = bytes(self._buffer.left(end).data())
            self._buffer.remove(0, end + 1)
            try:
                message = json.loads(line)
            except ValueError:
                log.warning("map host: unreadable line %r", line[:80])
                continue
            self._received(message)

    def _received(self, message: dict[str, Any]) -> None:
        if "ready" in message:
            self.host_pid = int(message.get("pid", 0))
            self.host_view = str(message["ready"])
            self.host_changed.emit()
            if not self.embedded:
                self._send({"show": self.accessible_name})
                self._say(_("La carte s'affiche dans une fenêtre à part."))
        elif "loaded" in message:
            self._start_timer.stop()
            if self.frame is not None:
                self.stack.setCurrentWidget(self.frame)
                self._send_size()
            self.loaded.emit(bool(message["loaded"]))
        elif "js" in message:
            callback = self._answers.pop(int(message["js"]), None)
            if callback is not None:
                callback(message.get("value"))
        elif "input" in message:
            _person_is_active()
        elif "leave" in message:
            self._keyboard_to_page(forward=bool(message["leave"] != "previous"))
        elif "closed" in message:
            self.release()
            self._say(_("La carte a été fermée. Changez d'onglet puis revenez pour la rouvrir."))

    def _keyboard_to_map(self) -> None:
        """Tab reached the map: the keyboard goes to the map host's view (its page focused and
        ringed), where the arrows move the map, + and − zoom, Tab goes from place to place."""
        if self.host is not None and self.frame is not None:
            self.keyboard_in_map = True
            # The desk's window, to which the host gives the keyboard back on Échap.
            self._send({"focus": int(self.window().winId())})

    def _keyboard_to_page(self, forward: bool) -> None:
        """Échap in the map: the keyboard comes back to the page, on the control after the map
        (before it when ``forward`` is false)."""
        self.keyboard_in_map = False
        frame = self.frame
        if frame is None:
            return
        target: QWidget = frame
        for _step in range(500):  # the chain is a loop; a bound in case nothing takes focus
            following = target.nextInFocusChain() if forward else target.previousInFocusChain()
            if following is None or following is frame:
                break
            target = following
            policy = target.focusPolicy()
            if (
                policy.value & Qt.FocusPolicy.TabFocus.value
                and target.isVisible()
                and target.isEnabled()
            ):
                target.setFocus(
                    Qt.FocusReason.TabFocusReason if forward else Qt.FocusReason.BacktabFocusReason
                )
                break
        window = self.window()
        window.activateWindow()
        handle = window.windowHandle()
        if handle is not None:
            handle.requestActivate()

    def _host_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        # Only a host that was not asked to end comes here (release() disconnects first).
        log.warning("map host ended (code %s, %s)", code, status.name)
        self.crashes += 1
        self.release()
        self._say(
            _(
                "La carte s'est arrêtée de façon inattendue. Changez d'onglet puis revenez pour "
                "la rouvrir."
            )
        )

    def _host_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            log.warning("map host could not start: %s", error.name)
            self.release()
            self._say(_("La carte n'a pas pu démarrer sur ce poste."))

    def _too_slow(self) -> None:
        log.warning("map host: no page after %s ms", self.start_timeout_ms)
        self.release()
        self._say(
            _("La carte n'a pas répondu à temps. Changez d'onglet puis revenez pour réessayer.")
        )

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setAccessibleName(text)
        self.stack.setCurrentWidget(self.status)

    # --- showing and hiding ----------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._release_timer.stop()
        if self.host is None and self._url is not None:
            # Once the « loading » sentence has been painted.
            QTimer.singleShot(0, self, self._start_if_shown)

    def _start_if_shown(self) -> None:
        if self.isVisible():
            self._start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if self.host is None:
            return
        if self.embedded:
            # Hidden with the page (its native window with this widget's): kept a while.
            self._release_timer.start(self.release_delay_ms)
        else:
            # A window of its own would stay on screen, even over the lock screen: it goes now.
            self.release()


def keyboard_help() -> str:
    return _(
        "Carte : au clavier, Tab y entre, les flèches la déplacent, + et − changent le zoom, "
        "Tab passe d'un lieu à l'autre et Entrée en ouvre la fiche ; Échap rend la main à la page."
    )


# Every host still running, whichever widget started it: a QProcess without a Qt parent, so that
# it is never destroyed running (Qt would kill it and complain) and ends as it should.
_HOSTS: set[QProcess] = set()
_AT_EXIT: list[bool] = []


def _end_host(host: QProcess, frame: QWidget | None) -> None:
    """Ask a host to end; once it has, forget it (and the window its view was in)."""

    def ended() -> None:
        _HOSTS.discard(host)
        if shiboken6.isValid(host):
            host.deleteLater()
        if frame is not None and shiboken6.isValid(frame):
            frame.deleteLater()

    if host.state() == QProcess.ProcessState.NotRunning:
        ended()
        return
    host.finished.connect(ended)
    host.write(b'{"quit": true}\n')
    host.closeWriteChannel()
    # A host that does not end by itself is ended.
    QTimer.singleShot(5_000, host, host.kill)


def _orphaned(box: list[QProcess | None]) -> None:
    """The widget of a running host was destroyed: the host ends."""
    host = box[0]
    if host is not None and shiboken6.isValid(host):
        _detach(host)
        _end_host(host, None)


def _detach(host: QProcess) -> None:
    """Disconnect a host from its widget (whatever it was connected to)."""
    with warnings.catch_warnings():
        # PySide warns when a signal had nothing connected: here that is fine.
        warnings.simplefilter("ignore", RuntimeWarning)
        for signal in (host.readyReadStandardOutput, host.finished, host.errorOccurred):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect()


def _end_hosts_at_exit() -> None:
    app = QCoreApplication.instance()
    if app is not None and not _AT_EXIT:
        _AT_EXIT.append(True)
        app.aboutToQuit.connect(_wait_for_hosts)


def _wait_for_hosts() -> None:
    # Past aboutToQuit no event loop will see a host end: wait here, briefly.
    for host in list(_HOSTS):
        _detach(host)
        if host.state() != QProcess.ProcessState.NotRunning:
            host.write(b'{"quit": true}\n')
            host.closeWriteChannel()
            if not host.waitForFinished(3_000):
                host.kill()
                host.waitForFinished(1_000)
        _HOSTS.discard(host)


def _person_is_active() -> None:
    """Input over a map goes to the map host: tell the inactivity lock the person is there."""
    from ui.lock import InactivityWatcher

    for widget in QApplication.topLevelWidgets():
        for watcher in widget.findChildren(InactivityWatcher):
            if watcher.timer.isActive():
                watcher.timer.start()


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
