"""The shared desk locks itself after inactivity; the same agent or another one unlocks it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from core.auth import Actor, create_structure
from core.db import Database
from core.models import Role
from tests.gui.shell_support import context
from ui.main_window import MainWindow

IDLE_MS = 80

# The offscreen platform cannot size a shown top-level window's decorations; harmless here.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _window(qtbot, db: Database, actor: Actor) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(context(db, actor), lock_interval_ms=IDLE_MS)
    qtbot.addWidget(window)
    window.show()
    return window


def test_window_locks_after_inactivity_and_hides_its_pages(
    qtbot, db: Database, admin: Actor
) -> None:
    window = _window(qtbot, db, admin)
    assert window.central.currentWidget() is not window.lock_screen
    qtbot.waitUntil(lambda: window.locked, timeout=5_000)
    assert window.central.currentWidget() is window.lock_screen
    assert not window.rail.isVisible()
    assert not window.settings_action.isEnabled()
    assert window.lock_screen.login_edit.text() == "admin"


def test_keyboard_activity_postpones_the_lock(qtbot, db: Database, admin: Actor) -> None:
    window = MainWindow(context(db, admin), lock_interval_ms=1_000)
    qtbot.addWidget(window)
    window.show()
    window.rail.setFocus()
    for _ in range(8):
        qtbot.wait(200)  # longer in total than the lock delay, but never idle that long
        # through the window, as the window system delivers a key to the focused widget
        QTest.keyClick(window.windowHandle(), Qt.Key.Key_Down)
    assert not window.locked
    qtbot.waitUntil(lambda: window.locked, timeout=5_000)


def test_same_agent_unlocks_with_its_password_and_finds_its_page_again(
    qtbot, db: Database, admin: Actor
) -> None:
    window = _window(qtbot, db, admin)
    window.open_page("administration")
    page_before = window.current_page()
    window.lock()
    screen = window.lock_screen
    screen.password_edit.setText("pas-le-bon")
    screen.submit()
    assert window.locked
    assert screen.error_label.text() == "Identifiant ou mot de passe incorrect."

    screen.password_edit.setText("mot-de-passe-solide")
    screen.submit()
    assert not window.locked
    assert window.current_page() is page_before
    assert window.central.currentWidget() is not screen
    # the inactivity timer runs again after unlocking
    qtbot.waitUntil(lambda: window.locked, timeout=5_000)


def test_another_agent_switches_in_and_the_pages_are_rebuilt_for_it(
    qtbot, db: Database, admin: Actor, make_agent
) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        mediatheque = create_structure(s, admin, "Médiathèque centrale").id
    make_agent((Role.ACCUEIL, mediatheque), login="camille")
    window = _window(qtbot, db, admin)
    assert "administration" in window.rail_keys()
    window.lock()
    screen = window.lock_screen
    screen.login_edit.setText("camille")
    screen.password_edit.setText("mot-de-passe-solide")
    screen.submit()

    assert not window.locked
    assert window.ctx.actor.login == "camille"
    assert "administration" not in window.rail_keys()
    assert "beneficiaires" in window.rail_keys()
    assert window.windowTitle() == "Médianum — Agent Test — Médiathèque centrale"


def test_mouse_click_counts_as_activity(qtbot, db: Database, admin: Actor) -> None:
    window = MainWindow(context(db, admin), lock_interval_ms=1_000)
    qtbot.addWidget(window)
    window.show()
    at = window.rail.viewport().mapTo(window, QPoint(5, 5))
    for _ in range(8):
        qtbot.wait(200)
        QTest.mouseClick(
            window.windowHandle(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at
        )
    assert not window.locked


def test_a_form_left_open_is_closed_unsaved_when_the_desk_locks(
    qtbot, db: Database, admin: Actor
) -> None:
    from sqlalchemy import select

    from core.models import Agent
    from ui.pages.administration import NewAgentDialog

    window = _window(qtbot, db, admin)
    form = NewAgentDialog(window.ctx, {}, window)
    qtbot.addWidget(form)
    form.login.setText("camille")
    form.show()
    qtbot.waitUntil(form.isVisible, timeout=2_000)
    qtbot.waitUntil(lambda: window.locked, timeout=5_000)
    assert not form.isVisible()
    assert form.result() == NewAgentDialog.DialogCode.Rejected
    with db.read_session() as s:
        assert s.scalar(select(Agent).where(Agent.login == "camille")) is None


def test_agent_whose_password_was_reset_chooses_its_own_when_switching_in_at_the_lock(
    qtbot, db: Database, admin: Actor, make_agent, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from core.auth import reset_password
    from core.models import Agent
    from ui.login import ChangePasswordDialog

    alix = make_agent((Role.COORDINATEUR, None), login="alix")
    with db.session() as s:
        reset_password(s, admin, alix.agent_id, "provisoire-123")
    asked: list[str] = []

    def choose_own(dialog: ChangePasswordDialog) -> int:
        asked.append(dialog.actor.login)
        dialog.password.setText("le-mien-rien-qu-a-moi")
        dialog.password_again.setText("le-mien-rien-qu-a-moi")
        dialog.submit()
        return dialog.result()

    monkeypatch.setattr(ChangePasswordDialog, "exec", choose_own)
    window = _window(qtbot, db, admin)
    window.lock()
    screen = window.lock_screen
    screen.login_edit.setText("alix")
    screen.password_edit.setText("provisoire-123")
    screen.submit()

    assert asked == ["alix"]
    assert not window.locked
    assert window.ctx.actor.login == "alix"
    with db.read_session() as s:
        agent = s.scalar(select(Agent).where(Agent.login == "alix"))
        assert agent is not None and agent.must_change_password is False
    # the provisional password no longer opens the desk, the chosen one does
    window.lock()
    screen.password_edit.setText("provisoire-123")
    screen.submit()
    assert window.locked
    screen.password_edit.setText("le-mien-rien-qu-a-moi")
    screen.submit()
    assert not window.locked


def test_agent_who_declines_to_choose_a_password_does_not_get_past_the_lock(
    qtbot, db: Database, admin: Actor, make_agent, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from core.auth import reset_password
    from ui.login import ChangePasswordDialog

    alix = make_agent((Role.COORDINATEUR, None), login="alix")
    with db.session() as s:
        reset_password(s, admin, alix.agent_id, "provisoire-123")
    monkeypatch.setattr(ChangePasswordDialog, "exec", lambda _self: 0)
    window = _window(qtbot, db, admin)
    window.lock()
    screen = window.lock_screen
    screen.login_edit.setText("alix")
    screen.password_edit.setText("provisoire-123")
    screen.submit()

    assert window.locked
    assert window.ctx.actor.login == "admin"
    assert screen.error_label.text() == "Choisissez un nouveau mot de passe pour continuer."
    assert screen.password_edit.text() == ""


def test_agent_without_a_reset_password_is_not_asked_to_change_it_at_the_lock(
    qtbot, db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.login import ChangePasswordDialog

    def never(_self: ChangePasswordDialog) -> int:
        raise AssertionError("no password change was due")

    monkeypatch.setattr(ChangePasswordDialog, "exec", never)
    window = _window(qtbot, db, admin)
    window.lock()
    window.lock_screen.password_edit.setText("mot-de-passe-solide")
    window.lock_screen.submit()
    assert not window.locked


def test_the_inactivity_watch_sees_only_top_level_windows_never_what_is_inside(
    qtbot, db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An application-wide Python filter was handed the web engine's Qt Quick items and
    crashed PySide: the watch must only ever be handed the windows themselves."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtGui import QWindow

    from ui.lock import InactivityWatcher

    seen: set[str] = set()
    original = InactivityWatcher.eventFilter

    def recording(self: InactivityWatcher, watched: QObject, event: QEvent) -> bool:
        seen.add(watched.metaObject().className())
        assert isinstance(watched, QWindow)
        return original(self, watched, event)

    monkeypatch.setattr(InactivityWatcher, "eventFilter", recording)
    window = MainWindow(context(db, admin), lock_interval_ms=60_000)
    qtbot.addWidget(window)
    window.show()
    qtbot.wait(50)
    handle = window.windowHandle()
    at = window.rail.viewport().mapTo(window, QPoint(5, 5))
    QTest.mouseMove(handle, at)
    QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    QTest.keyClick(handle, Qt.Key.Key_Down)
    assert seen == {"QWidgetWindow"}


def test_typing_in_a_dialog_postpones_the_lock(qtbot, db: Database, admin: Actor) -> None:
    from PySide6.QtWidgets import QDialog, QLineEdit, QVBoxLayout

    window = MainWindow(context(db, admin), lock_interval_ms=1_000)
    qtbot.addWidget(window)
    window.show()
    dialog = QDialog(window)
    edit = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(edit)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.windowHandle() is not None and dialog.isActiveWindow())
    edit.setFocus()
    for _ in range(8):
        qtbot.wait(200)
        QTest.keyClick(dialog.windowHandle(), Qt.Key.Key_A)
    assert not window.locked
    assert edit.text() == "a" * 8


def test_a_manual_lock_does_not_claim_the_desk_was_left_idle(
    qtbot, db: Database, admin: Actor
) -> None:
    window = MainWindow(context(db, admin), lock_interval_ms=60_000)
    qtbot.addWidget(window)
    window.show()
    window.lock_action.trigger()
    assert window.locked
    assert "sans activité" not in window.lock_screen.explanation.text()
    assert window.lock_screen.explanation.text().startswith("Le poste a été verrouillé")


def test_the_lock_after_inactivity_says_why(qtbot, db: Database, admin: Actor) -> None:
    window = _window(qtbot, db, admin)
    qtbot.waitUntil(lambda: window.locked, timeout=5_000)
    assert "après une période sans activité" in window.lock_screen.explanation.text()


def test_ctrl_l_locks_the_desk_on_every_page(qtbot, db: Database, make_agent) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        espace = create_structure(s, None, "Espace numérique").id
    agent = make_agent((Role.COORDINATEUR, None), (Role.MEDIATEUR, espace), (Role.AIDANT, espace))
    window = MainWindow(context(db, agent.with_structure(espace)), lock_interval_ms=60_000)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    for key in window.rail_keys():
        window.open_page(key)
        QTest.keySequence(window.windowHandle(), QKeySequence("Ctrl+L"))
        assert window.locked, key
        window.lock_screen.password_edit.setText("mot-de-passe-solide")
        window.lock_screen.submit()
        assert not window.locked
    assert "accompagnements" in window.rail_keys()
