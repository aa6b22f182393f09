"""A page shown again reads its data again after a write made elsewhere, and only then.

Driven as an agent would: the rail is clicked, pages are reached with Ctrl+digit, the
accompaniment is typed and recorded with Ctrl+Entrée. The database is a real SQLite or
PostgreSQL one; the writes are seen through ``ui.widgets.operations.watch_writes``.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from core.auth import Actor
from core.db import Database
from core.settings import Settings
from mediation import statistiques
from tests.gui.test_mediation_accompagnements import mediateur as mediateur  # fixture, shared
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.tasks import ImmediateTaskRunner

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints",
    r"This plugin does not support raise\(\)",
    "This plugin does not support grabbing the keyboard",
)


@pytest.fixture
def window(qtbot: QtBot, db: Database, mediateur: tuple[Actor, int]) -> MainWindow:
    actor, _beatrice = mediateur
    main = MainWindow(AppContext(db, actor, Settings({}), ImmediateTaskRunner()))
    qtbot.addWidget(main)
    main.resize(1366, 740)
    main.show()
    main.activateWindow()
    qtbot.waitUntil(main.isActiveWindow)  # shortcuts need an active window
    return main


def go_to(qtbot: QtBot, window: MainWindow, key: str) -> Any:
    """Ctrl+digit, as the « Aller à » menu says."""
    digit = window.rail_keys().index(key) + 1
    qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + digit), Qt.KeyboardModifier.ControlModifier)
    page = window.current_page()
    assert type(page).__name__ != "PlaceholderPage"
    return page


def click_rail(qtbot: QtBot, window: MainWindow, key: str) -> Any:
    item = window.rail.item(window.rail_keys().index(key))
    where = window.rail.visualItemRect(item).center()
    qtbot.mouseClick(window.rail.viewport(), Qt.MouseButton.LeftButton, pos=where)
    return window.current_page()


def record_with_the_keyboard(qtbot: QtBot, page: Any) -> None:
    form = page.form
    qtbot.keyClicks(form.personne, "beatrice")
    qtbot.keyClick(form.personne, Qt.Key.Key_Return)
    for box in (form.preset_buttons[30], form.thematiques["E-mail"]):
        qtbot.keyClick(box, Qt.Key.Key_Space)
    box: QWidget = form.thematiques["E-mail"]
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "enregistré" in form.message.text(), form.message.text()


def test_statistics_shown_again_count_an_accompaniment_recorded_on_another_page(
    qtbot: QtBot, window: MainWindow
) -> None:
    stats = go_to(qtbot, window, "statistiques")
    assert stats.totaux["accompagnements"].value.text() == "0"
    accompagnements = click_rail(qtbot, window, "accompagnements")
    assert type(accompagnements).__name__ == "AccompagnementsPage"
    record_with_the_keyboard(qtbot, accompagnements)
    assert go_to(qtbot, window, "statistiques") is stats
    assert stats.totaux["accompagnements"].value.text() == "1"
    assert stats.totaux["beneficiaires"].value.text() == "1"


def test_the_beneficiary_file_shown_again_has_the_new_accompaniment_in_its_timeline(
    qtbot: QtBot, window: MainWindow, mediateur: tuple[Actor, int]
) -> None:
    _actor, beatrice = mediateur
    people = go_to(qtbot, window, "beneficiaires")
    people.open_beneficiaire(beatrice)
    timeline_before = people.fiche.historique.topLevelItemCount()
    record_with_the_keyboard(qtbot, click_rail(qtbot, window, "accompagnements"))
    assert click_rail(qtbot, window, "beneficiaires") is people
    assert people.fiche.historique.topLevelItemCount() == timeline_before + 1


def test_a_page_shown_again_without_any_write_is_not_computed_again(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The statistics of 200,000 people take seconds: switching pages must not redo them."""
    computed: list[object] = []
    original = statistiques.calculer_statistiques

    def counting(*args: Any, **kwargs: Any) -> Any:
        computed.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr("ui.pages.statistiques.calculer_statistiques", counting)
    go_to(qtbot, window, "statistiques")
    click_rail(qtbot, window, "accompagnements")
    go_to(qtbot, window, "statistiques")
    if window.ctx.db.is_sqlite:
        assert len(computed) == 1
    else:  # a shared database: other desks write there unseen, so it is read again
        assert len(computed) == 2
