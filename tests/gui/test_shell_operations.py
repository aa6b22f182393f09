"""Database work of the pages runs off the GUI thread through typed operations: the work has its
own session, its result comes back to the widget that asked, refusals and bugs take the message
and crash paths, writes tell the pages that data changed."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import Actor, create_structure
from core.db import Database
from core.errors import ValidationError
from core.models import Role, Structure
from core.progress import Progress
from core.settings import Settings
from mediation.beneficiaires import BeneficiaireData, create_beneficiaire
from tests.gui.shell_support import Boxes, boxes  # noqa: F401
from ui.context import AppContext
from ui.tasks import TaskRunner
from ui.widgets.operations import ReadOp, WriteOp, data_changes


@pytest.fixture
def background(db: Database, admin: Actor) -> AppContext:
    """A context whose tasks really run on the thread pool."""
    return AppContext(db, admin, Settings({}), TaskRunner())


def _structures(session: Session, _progress: Progress) -> int:
    return session.scalar(select(func.count()).select_from(Structure)) or 0


def test_a_read_runs_off_the_gui_thread_and_hands_its_result_to_the_widget(
    qtbot, background: AppContext
) -> None:  # type: ignore[no-untyped-def]
    widget = QWidget()
    qtbot.addWidget(widget)
    threads: list[int] = []
    results: list[int] = []

    def count(session: Session, progress: Progress) -> int:
        threads.append(threading.get_ident())
        return _structures(session, progress)

    ReadOp(widget, background, count, results.append).run_in_background()
    assert widget.cursor().shape() == Qt.CursorShape.BusyCursor
    qtbot.waitUntil(lambda: results == [0], timeout=5_000)
    assert threads and threads[0] != threading.get_ident()
    assert widget.cursor().shape() == Qt.CursorShape.ArrowCursor


def test_a_write_commits_and_tells_the_pages_who_changed_the_data(
    qtbot, background: AppContext, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    widget = QWidget()
    qtbot.addWidget(widget)
    told: list[object] = []
    data_changes().changed.connect(told.append)

    def add(session: Session, _progress: Progress) -> int:
        return create_structure(session, admin, "Tiers-lieu du Port").id

    created: list[int] = []
    WriteOp(widget, background, add, created.append).run_in_background()
    qtbot.waitUntil(lambda: len(created) == 1, timeout=5_000)
    assert told == [widget]
    with background.db.read_session() as s:
        assert s.get(Structure, created[0]) is not None
    data_changes().changed.disconnect(told.append)


def test_a_refused_write_shows_its_french_message_saves_nothing_and_changes_nothing(
    qtbot,
    background: AppContext,
    boxes: Boxes,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    widget = QWidget()
    qtbot.addWidget(widget)
    told: list[object] = []
    data_changes().changed.connect(told.append)

    def refused(session: Session, _progress: Progress) -> None:
        create_structure(session, None, "Sera annulée")
        raise ValidationError("Le SIRET est obligatoire.")

    WriteOp(widget, background, refused, lambda _r: None).run_in_background()
    qtbot.waitUntil(lambda: boxes.texts() == ["Le SIRET est obligatoire."], timeout=5_000)
    assert told == []
    with background.db.read_session() as s:
        assert s.scalar(select(Structure).where(Structure.nom == "Sera annulée")) is None
    data_changes().changed.disconnect(told.append)


def test_a_bug_in_the_work_reaches_the_crash_dialog(
    qtbot, background: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from ui.widgets import messages

    reported: list[BaseException] = []
    monkeypatch.setattr(messages, "show_bug", lambda _p, exc, _tb: reported.append(exc))
    widget = QWidget()
    qtbot.addWidget(widget)

    def broken(_session: Session, _progress: Progress) -> None:
        raise ZeroDivisionError("bogue")

    with qtbot.captureExceptions():
        ReadOp(widget, background, broken, lambda _r: None).run_in_background()
        qtbot.waitUntil(lambda: len(reported) == 1, timeout=5_000)
    assert isinstance(reported[0], ZeroDivisionError)


def test_a_result_for_a_closed_widget_is_dropped(qtbot, background: AppContext) -> None:  # type: ignore[no-untyped-def]
    widget = QWidget()
    gate = threading.Event()
    results: list[Any] = []

    def slow(session: Session, progress: Progress) -> int:
        gate.wait(5)
        return _structures(session, progress)

    ReadOp(widget, background, slow, results.append).run_in_background()
    widget.deleteLater()
    qtbot.wait(50)
    gate.set()
    assert background.tasks.wait(5_000)
    qtbot.wait(100)
    assert results == []


def test_the_beneficiary_file_is_read_off_the_gui_thread_and_shows_the_last_one_asked(
    qtbot, db: Database, make_agent
) -> None:  # type: ignore[no-untyped-def]
    from ui.pages.beneficiaires import BeneficiaireFile

    with db.session() as s:
        nord = create_structure(s, None, "Médiathèque Nord").id
    agent = make_agent((Role.ACCUEIL, nord), login="accueil")
    with db.session() as s:
        ids = [
            create_beneficiaire(s, agent, BeneficiaireData(nom=nom, prenom="Alex")).id
            for nom in ("Aubert", "Bonnet")
        ]
    fiche = BeneficiaireFile(AppContext(db, agent, Settings({}), TaskRunner()))
    qtbot.addWidget(fiche)
    fiche.show_beneficiaire(ids[0])
    fiche.show_beneficiaire(ids[1])
    assert fiche.titre.text() == ""  # nothing read on the GUI thread
    qtbot.waitUntil(lambda: fiche.beneficiaire_id == ids[1], timeout=5_000)
    assert fiche.titre.text() == f"Alex Bonnet — n° {ids[1]}"
