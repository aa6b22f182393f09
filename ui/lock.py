"""The shared desk: after some minutes without input the window hides its content and asks the
password again; another agent can sign in instead (the pages are then rebuilt for that agent).
"""

from __future__ import annotations

import html

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.auth import Actor
from core.db import Database
from core.errors import MedianumError
from core.i18n import _
from ui.login import REFUSED_PROVISIONAL, CredentialsForm, ensure_own_password, sign_in

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class InactivityWatcher(QObject):
    """Emits ``idle`` after ``interval_ms`` without keyboard, mouse or touch input.

    The filter sits on each top-level window of the application's own widgets, never on the
    QApplication: a Python filter on the application is handed every object that receives an
    event, including the web engine's internal Qt Quick items, and PySide crashes wrapping them
    (the maps killed the process on the first hover). Input from the window system reaches the
    top-level QWindow before Qt routes it to the widget under the pointer or with the focus, so
    a filter there sees all the person's input and only ever a plain QWindow. The OS idle time
    was the other way: it would count input in other programs and needs one API per platform
    (and Xvfb tests could not drive it), so it is not used.
    """

    idle = Signal()

    def __init__(self, interval_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.idle)
        self._connected = False

    def set_interval(self, interval_ms: int) -> None:
        self.timer.setInterval(interval_ms)
        if self.timer.isActive():
            self.timer.start()

    def start(self) -> None:
        self.timer.start()
        if not self._connected:
            self._connected = True
            # A dialog gets the focus when it opens: that is when its window exists to watch.
            _application().focusWindowChanged.connect(self._focus_window_changed)
        self.watch_windows()
        # The main window starts its watch before it is shown, when it has no window yet.
        QTimer.singleShot(0, self, self.watch_windows)

    def watch_windows(self) -> None:
        """Put the filter on every top-level widget's window (installing twice keeps one)."""
        for window in _widget_windows():
            try:
                window.installEventFilter(self)
            except RuntimeError:
                # Destroyed between the listing and here (a dialog closing as the queued look
                # runs): nothing left to watch.
                continue

    def _focus_window_changed(self, _window: QWindow | None) -> None:
        # Emitted from inside a closing window's destructor too: look once that is over.
        QTimer.singleShot(0, self, self.watch_windows)

    def stop(self) -> None:
        self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self.timer.isActive():
            self.timer.start()  # restarting is cheap: no allocation, one timer id
        return False

    def uninstall(self) -> None:
        self.timer.stop()
        if self._connected:
            _application().focusWindowChanged.disconnect(self._focus_window_changed)
            self._connected = False
        for window in _widget_windows():
            try:
                window.removeEventFilter(self)
            except RuntimeError:
                continue  # destroyed meanwhile: its filter went with it


def _application() -> QGuiApplication:
    app = QGuiApplication.instance()
    assert isinstance(app, QGuiApplication)
    return app


def _widget_windows() -> list[QWindow]:
    """The windows of the top-level widgets (not the web engine's offscreen Qt Quick windows,
    which belong to no top-level widget)."""
    windows = (widget.windowHandle() for widget in QApplication.topLevelWidgets())
    return [window for window in windows if window is not None and shiboken6.isValid(window)]


class LockScreen(QWidget):
    """Asks the password of the agent who locked, or lets another agent sign in.

    ``unlocked(actor, same_agent)`` tells the window whether to keep its pages or rebuild them.
    """

    unlocked = Signal(object, bool)

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.current: Actor | None = None
        self._pending: Actor | None = None
        self.setAccessibleName(_("Écran verrouillé"))

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        panel = QWidget()
        panel.setMaximumWidth(480)
        layout = QVBoxLayout(panel)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        layout.addWidget(self.explanation)
        credentials = CredentialsForm()
        layout.addWidget(credentials)
        self.login_edit = credentials.login_edit
        self.password_edit = credentials.password_edit
        self.structures = credentials.structures
        self.error_label = credentials.error_label
        self.unlock_button = QPushButton(_("&Déverrouiller"))
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.submit)
        self.password_edit.returnPressed.connect(self.submit)
        self.login_edit.returnPressed.connect(self.password_edit.setFocus)
        layout.addWidget(self.unlock_button)
        row.addWidget(panel)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)

    def prepare(self, current: Actor, *, after_inactivity: bool) -> None:
        self.current = current
        self.explanation.setText(
            _(
                "Le poste a été verrouillé après une période sans activité : les données "
                "restent cachées. Saisissez votre mot de passe, ou identifiez-vous sous un "
                "autre nom pour prendre la main."
            )
            if after_inactivity
            else _(
                "Le poste a été verrouillé : les données restent cachées. Saisissez votre mot "
                "de passe, ou identifiez-vous sous un autre nom pour prendre la main."
            )
        )
        self._pending = None
        self.heading.setText(
            "<h2>{}</h2><p>{}</p>".format(
                _("Poste verrouillé"),
                _("Agent connecté : {name}").format(name=html.escape(current.display_name)),
            )
        )
        self.login_edit.setText(current.login)
        self.login_edit.setEnabled(True)
        self.password_edit.clear()
        self.password_edit.setEnabled(True)
        self.structures.hide()
        self.error_label.hide()
        self.unlock_button.setText(_("&Déverrouiller"))
        self.password_edit.setFocus()

    def submit(self) -> None:
        if self._pending is not None:
            actor = self._pending.with_structure(self.structures.chosen())
            self._finish(actor)
            return
        password = self.password_edit.text()
        try:
            actor, choices = sign_in(self.db, self.login_edit.text(), password)
        except MedianumError as exc:
            self._refuse(str(exc))
            return
        if not ensure_own_password(self.db, actor, password, self):
            self._refuse(_(REFUSED_PROVISIONAL))
            return
        self.password_edit.clear()
        same = self.current is not None and actor.agent_id == self.current.agent_id
        if same and self.current is not None:
            # The same agent comes back to the structure it was working for.
            self._finish(actor.with_structure(self.current.structure_id))
            return
        if len(choices) > 1:
            self._pending = actor
            self.login_edit.setEnabled(False)
            self.password_edit.setEnabled(False)
            self.structures.offer(choices, actor.structure_id)
            self.unlock_button.setText(_("&Continuer"))
            self.structures.combo.setFocus()
            return
        self._finish(actor)

    def _refuse(self, message: str) -> None:
        self.password_edit.clear()
        self.password_edit.setFocus()
        self.error_label.setText(message)
        self.error_label.show()

    def _finish(self, actor: Actor) -> None:
        same = self.current is not None and actor.agent_id == self.current.agent_id
        self.error_label.hide()
        self.unlocked.emit(actor, same)
