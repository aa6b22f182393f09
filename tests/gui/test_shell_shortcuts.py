"""No two commands answer the same keys: Qt then runs neither (« Ambiguous shortcut overload »),
as Ctrl+L did on Accompagnements, where the desk then did not lock."""

from __future__ import annotations

from collections import defaultdict

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QWidget

from core.auth import create_structure
from core.db import Database
from core.models import Role
from tests.gui.shell_support import context
from ui.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _bindings(root: QWidget) -> list[tuple[str, str]]:
    """(keys, who) of every action, shortcut and button shortcut that can fire anywhere in the
    window while ``root`` is shown (a widget-only shortcut binds its own widget alone)."""
    found: list[tuple[str, str]] = []
    for action in root.findChildren(QAction):
        if action.shortcutContext() != Qt.ShortcutContext.WidgetShortcut:
            found += [(k.toString(), action.text()) for k in action.shortcuts()]
    for shortcut in root.findChildren(QShortcut):
        if shortcut.context() != Qt.ShortcutContext.WidgetShortcut:
            found += [(k.toString(), repr(shortcut.parent())) for k in shortcut.keys()]  # noqa: SIM118
    for button in root.findChildren(QAbstractButton):
        keys = button.shortcut()
        # The Alt+letter of a label (&Enregistrer) is a mnemonic, not a command shortcut.
        if not keys.isEmpty() and keys != QKeySequence.mnemonic(button.text()):
            found.append((keys.toString(), button.text()))
    return found


def _duplicates(bindings: list[tuple[str, str]]) -> dict[str, list[str]]:
    owners: dict[str, list[str]] = defaultdict(list)
    for keys, who in bindings:
        owners[keys].append(who)
    return {keys: who for keys, who in owners.items() if len(who) > 1}


def test_no_two_commands_share_a_shortcut_on_any_page(qtbot, db: Database, make_agent) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        espace = create_structure(s, None, "Espace numérique").id
    agent = make_agent((Role.COORDINATEUR, None), (Role.MEDIATEUR, espace), (Role.AIDANT, espace))
    window = MainWindow(context(db, agent.with_structure(espace)), lock_interval_ms=60_000)
    qtbot.addWidget(window)
    window.show()
    pages = window.rail_keys()
    for key in pages:
        window.open_page(key)
    assert set(window.pages) == set(pages) and len(pages) >= 8
    own = [b for b in _bindings(window) if not _inside_a_page(window, b)]
    assert _duplicates(own) == {}
    for key, page in window.pages.items():
        assert _duplicates(own + _bindings(page)) == {}, key


def _inside_a_page(window: MainWindow, binding: tuple[str, str]) -> bool:
    return any(binding in _bindings(page) for page in window.pages.values())


def test_suppr_removes_the_chosen_line_of_a_workshops_anonymous_participants(
    qtbot, db: Database, make_agent
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtTest import QTest

    from ui.widgets.mediation_accompagnement_form import AccompagnementForm

    with db.session() as s:
        espace = create_structure(s, None, "Espace numérique").id
    agent = make_agent((Role.MEDIATEUR, espace))
    form = AccompagnementForm(context(db, agent.with_structure(espace)))
    qtbot.addWidget(form)
    form.show()
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    form.atelier.setChecked(True)
    form.anon_ajouter.click()
    form.anon_genre.setCurrentIndex(1)
    form.anon_ajouter.click()
    assert form.liste_anonymes.count() == 2
    form.liste_anonymes.setCurrentRow(0)
    form.liste_anonymes.setFocus()
    QTest.keyClick(form.windowHandle(), Qt.Key.Key_Delete)
    assert form.liste_anonymes.count() == 1
