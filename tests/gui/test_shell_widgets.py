"""Shared widgets: long work shows a progress dialog whose « Annuler » stops it; errors split
between plain French messages and the crash dialog."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QProgressDialog, QPushButton, QWidget

from core.errors import NotFoundError
from core.progress import Cancelled, Progress
from tests.gui.shell_support import Boxes
from tests.gui.shell_support import boxes as boxes
from tests.gui.shell_support import restored_globals as restored_globals
from ui.tasks import ImmediateTaskRunner, TaskRunner
from ui.widgets import PlaceholderPage, run_with_progress, show_error


def test_cancel_in_the_progress_dialog_stops_the_work_and_nothing_is_finished(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    started = threading.Event()
    steps: list[int] = []
    outcome: list[object] = []

    def long_work(progress: Progress) -> str:
        for i in range(10_000):
            progress.step(i, 10_000, "Import en cours…")
            steps.append(i)
            started.set()
            threading.Event().wait(0.002)
        return "fini"

    runner = TaskRunner()
    run_with_progress(
        parent, runner, long_work, "Import…", on_done=outcome.append, on_error=outcome.append
    )
    qtbot.waitUntil(started.is_set, timeout=5_000)
    [dialog] = parent.findChildren(QProgressDialog)
    qtbot.waitUntil(lambda: dialog.maximum() == 10_000, timeout=5_000)
    [cancel] = [b for b in dialog.findChildren(QPushButton) if b.text() == "Annuler"]
    cancel.click()
    qtbot.waitUntil(lambda: bool(outcome), timeout=5_000)
    runner.wait()
    assert isinstance(outcome[0], Cancelled)
    assert str(outcome[0]) == "Opération annulée : rien n'a été enregistré."
    assert len(steps) < 10_000


def test_quick_work_gives_its_result_and_leaves_no_dialog_behind(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    results: list[object] = []
    run_with_progress(parent, ImmediateTaskRunner(), lambda _p: 42, "Calcul…", results.append)
    assert results == [42]
    qtbot.waitUntil(lambda: not parent.findChildren(QProgressDialog), timeout=2_000)


def test_refusal_is_shown_as_its_french_message(qtbot, boxes: Boxes) -> None:
    show_error(None, NotFoundError("Bénéficiaire introuvable."))
    assert boxes.texts() == ["Bénéficiaire introuvable."]
    assert boxes.shown[0].detailedText() == ""


def test_bug_is_shown_in_the_crash_dialog_with_details(
    qtbot, boxes: Boxes, restored_globals: None
) -> None:
    try:
        {}["clé absente"]
    except KeyError as exc:
        show_error(None, exc)
    [box] = boxes.shown
    assert box.windowTitle() == "Erreur inattendue"
    assert "KeyError: 'clé absente'" in box.detailedText()


def test_placeholder_page_says_plainly_that_the_page_is_not_ready(qtbot) -> None:
    page = PlaceholderPage("Statistiques")
    qtbot.addWidget(page)
    assert page.message == "Cette page n'est pas encore disponible."
