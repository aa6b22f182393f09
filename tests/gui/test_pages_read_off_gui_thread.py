"""A page's first opening reads nothing on the GUI thread: its lists arrive from the pool."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot
from sqlalchemy import event

from core.auth import Actor
from core.db import Database
from core.models import Role
from core.settings import Settings
from core.territory import default_preset
from mediation import referentiel as ref
from mediation.accompagnements import AccompagnementData, record_accompagnement
from tests.gui.shell_support import Boxes, HeldRunner
from tests.gui.shell_support import boxes as boxes  # the fixture, shared
from tests.gui.test_mediation_accompagnements import mediateur as mediateur  # fixture, shared
from tests.gui.test_mediation_beneficiaires import accueil as accueil  # the fixture, shared
from tests.gui.test_pass_page import current as current  # the fixture, shared
from tests.mediation.mediation_stats_data import MakeAgent, activite_2026
from tests.pass_numerique.conftest import World
from tests.pass_numerique.conftest import world as world  # the fixture, shared
from ui.context import AppContext
from ui.pages import PAGES, page_class
from ui.pages.statistiques import StatistiquesPage

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@contextmanager
def sql_on_the_gui_thread(db: Database) -> Iterator[list[str]]:
    """The SQL statements executed on the GUI thread inside the block."""
    seen: list[str] = []

    def executed(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            seen.append(statement)

    engines = list({id(e): e for e in (db.engine, db.read_engine)}.values())
    for engine in engines:
        event.listen(engine, "before_cursor_execute", executed)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", executed)


HEAVY_SCIENCE = ("pandas", "scipy", "statsmodels")
HEAVY_PRINTING = ("reportlab", "qrcode", "PIL")


def open_in_a_fresh_process(
    db: Database, login: str, key: str, heavy: tuple[str, ...]
) -> dict[str, Any]:
    """Open a page in a new process with the real thread pool (``tests.gui.gui_thread_imports``)."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.gui.gui_thread_imports",
            db.url.render_as_string(hide_password=False),
            login,
            key,
            ",".join(heavy),
        ],
        cwd=ROOT,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    assert lines, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(lines[0].removeprefix("RESULT "))
    return result


@pytest.fixture
def gui_thread_sql(db: Database) -> Iterator[list[str]]:
    with sql_on_the_gui_thread(db) as seen:
        yield seen


def test_the_beneficiaries_page_opens_without_reading_the_database_on_the_gui_thread(
    qtbot: QtBot, db: Database, accueil: Actor, gui_thread_sql: list[str]
) -> None:
    from ui.pages.beneficiaires import BeneficiairesPage

    gui_thread_sql.clear()
    runner = HeldRunner()
    page = BeneficiairesPage(AppContext(db, accueil, Settings({}), runner))
    qtbot.addWidget(page)
    page.show()
    qtbot.wait(10)  # the table paints: it must not fetch rows itself
    assert gui_thread_sql == []
    assert page.compte.text() == "Chargement…"
    assert page.model.rowCount() == 0
    runner.release()  # the held runner runs the task here, on the GUI thread: forget its SQL
    gui_thread_sql.clear()
    assert page.compte.text() == "3 bénéficiaires"
    names = [page.model.index(row, 0).data() for row in range(3)]
    assert names == ["Durand", "Lefèvre", "Martin"]
    assert gui_thread_sql == []  # the first page of rows came with the count


def test_enter_in_the_search_opens_the_first_person_found_once_the_search_is_read(
    qtbot: QtBot, db: Database, accueil: Actor
) -> None:
    from ui.pages.beneficiaires import BeneficiairesPage

    runner = HeldRunner()
    page = BeneficiairesPage(AppContext(db, accueil, Settings({}), runner))
    qtbot.addWidget(page)
    runner.release()
    page.recherche.setText("mart")
    page.recherche.returnPressed.emit()
    assert page.fiche.beneficiaire_id is None  # not the first row of the list before the search
    runner.release()
    assert page.fiche.libelle == "Bernard Martin — n° 2"


def test_the_accompaniments_page_opens_without_reading_the_database_on_the_gui_thread(
    qtbot: QtBot, db: Database, mediateur: tuple[Actor, int], gui_thread_sql: list[str]
) -> None:
    from ui.pages.accompagnements import AccompagnementsPage

    actor, beneficiaire_id = mediateur
    today = date.today()
    data = AccompagnementData(
        type=ref.TYPE_INDIVIDUEL,
        date=today,
        duree_min=30,
        lieu_type="Lieu d'activité",
        thematiques=["E-mail"],
        beneficiaire_ids=[beneficiaire_id],
    )
    with db.session() as s:
        record_accompagnement(s, actor, data, today=today)
    gui_thread_sql.clear()
    runner = HeldRunner()
    page = AccompagnementsPage(AppContext(db, actor, Settings({}), runner))
    qtbot.addWidget(page)
    page.show()
    qtbot.wait(10)
    assert gui_thread_sql == []
    assert page.compte.text() == "Chargement…"
    runner.release()
    gui_thread_sql.clear()
    assert page.compte.text() == "1 accompagnement(s)"
    row = [page.model.index(0, column).data() for column in (1, 3, 6)]
    assert row == [ref.TYPE_INDIVIDUEL, "Lieu d'activité", actor.display_name]
    assert gui_thread_sql == []


def test_the_pass_page_opens_without_reading_the_database_on_the_gui_thread(
    qtbot: QtBot, world: World, current: int
) -> None:
    from ui.pages.pass_numerique import PassPage

    runner = HeldRunner()
    with sql_on_the_gui_thread(world.db) as seen:
        page = PassPage(AppContext(world.db, world.accueil, Settings({}), runner))
        qtbot.addWidget(page)
        page.show()
        qtbot.wait(10)
    assert seen == []
    widget = page.emettre
    assert widget is not None and widget.campagne.count() == 0
    runner.release()
    assert widget.campagne.findData(current) >= 0


def test_opening_fragilite_imports_pandas_scipy_and_statsmodels_off_the_gui_thread(
    db: Database, make_agent: Any, territory: None
) -> None:
    """In a fresh process with the real thread pool: the page shows its busy state at once, the
    computing modules load in a worker, and the page is usable once they are there."""
    make_agent((Role.COORDINATEUR, None), login="coordination")
    result = open_in_a_fresh_process(db, "coordination", "fragilite", HEAVY_SCIENCE)
    assert result["heavy_before"] == []  # else this test could not see the page import them
    assert result["at_once"] == {
        "summary": "Préparation du calcul de la fragilité…",
        "busy_visible": True,
        "import_enabled": False,
    }
    assert result["ready"], result
    assert result["heavy_on_gui_thread"] == []
    assert result["heavy_loaded_after"] == ["pandas", "scipy", "statsmodels"]
    assert result["after"] == {
        "summary": "Aucune enquête importée.",
        "busy_visible": False,
        "import_enabled": True,
    }


def test_opening_the_pass_page_imports_its_pdf_and_qr_libraries_off_the_gui_thread(
    db: Database, make_agent: Any, territory: None
) -> None:
    """reportlab, qrcode and Pillow (0.5–1 s on a loaded desk PC) load in a worker behind
    « Chargement de la page… »; the page is then built on the GUI thread."""
    make_agent((Role.ACCUEIL, None), login="guichet")
    result = open_in_a_fresh_process(db, "guichet", "pass", HEAVY_PRINTING)
    assert result["heavy_before"] == []
    assert result["page"] == "PassPage"
    assert result["heavy_on_gui_thread"] == []
    assert result["heavy_loaded_after"] == sorted(HEAVY_PRINTING)


def test_fragilite_says_in_french_when_its_computing_modules_cannot_load(
    qtbot: QtBot,
    db: Database,
    make_agent: Any,
    territory: None,
    boxes: Boxes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.pages import fragilite

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise ModuleNotFoundError("No module named 'scipy'", name="scipy")

    runner = HeldRunner()
    actor = make_agent((Role.COORDINATEUR, None))
    monkeypatch.setattr(fragilite, "preparer", broken)
    page = fragilite.FragilitePage(AppContext(db, actor, Settings({}), runner))
    qtbot.addWidget(page)
    assert page.summary.text() == "Préparation du calcul de la fragilité…"
    assert not page.import_button.isEnabled()
    runner.release()
    assert page.summary.text().startswith("Le calcul de la fragilité n'a pas pu être préparé")
    assert not page.busy.isVisibleTo(page)
    assert not page.import_button.isEnabled()
    assert len(boxes.shown) == 1  # a bug: the crash dialog, with its log file


def test_the_statistics_page_opens_without_reading_the_database_on_the_gui_thread(
    qtbot: QtBot, db: Database, make_agent: MakeAgent
) -> None:
    _st, _nord, sud, coord = activite_2026(db, make_agent)
    runner = HeldRunner()
    with sql_on_the_gui_thread(db) as seen:
        page = StatistiquesPage(AppContext(db, coord, Settings({}), runner))
        qtbot.addWidget(page)
        page.show()
        qtbot.wait(10)
    assert seen == []
    assert page.libelle.text() == "Calcul en cours…"
    assert page.perimetre.count() == 1  # the whole territory, until the scopes are read
    runner.release()
    assert page.libelle.text() == "Tout le territoire"
    assert page.scopes.index((None, sud.agent_id)) > 0


def test_a_late_statistics_answer_does_not_replace_a_newer_one(
    qtbot: QtBot, db: Database, make_agent: MakeAgent
) -> None:
    _st, _nord, sud, coord = activite_2026(db, make_agent)
    runner = HeldRunner()
    page = StatistiquesPage(AppContext(db, coord, Settings({}), runner))
    qtbot.addWidget(page)
    page.du.setDate(QDate(2026, 1, 1))
    page.au.setDate(QDate(2026, 12, 31))
    runner.release()
    page.perimetre.setCurrentIndex(page.scopes.index((None, sud.agent_id)))
    page.compute()  # one mediator: 1 accompaniment
    page.perimetre.setCurrentIndex(0)
    page.compute()  # then the whole territory again: 9
    runner.held.reverse()  # the newer answer comes first, the older one late
    runner.release()
    assert page.totaux["accompagnements"].value.text() == "9"
    assert page.libelle.text() == "Tout le territoire"


def test_the_places_page_opens_without_reading_the_database_on_the_gui_thread(
    qtbot: QtBot, db: Database, make_agent: Any, territory: None
) -> None:
    from ui.pages.lieux import LieuxPage

    actor = make_agent((Role.COORDINATEUR, None))
    runner = HeldRunner()
    with sql_on_the_gui_thread(db) as seen:
        page = LieuxPage(AppContext(db, actor, Settings({}), runner))
        qtbot.addWidget(page)
        page.show()
        qtbot.wait(10)
    assert seen == []
    assert page.commune.count() == 0
    assert page.service.count() == 1  # « Tous les services », until the schema is read
    runner.release()
    assert page.commune.count() == len(default_preset().communes)
    assert page.service.count() > 1
    assert page.count.text() == "0 lieux"


@pytest.mark.parametrize("key", [spec.key for spec in PAGES])
def test_no_page_reads_the_database_on_the_gui_thread_as_it_is_built(
    qtbot: QtBot, db: Database, make_agent: Any, territory: None, key: str
) -> None:
    """Every page of the rail, built for an agent holding every role: its first reads go to the
    pool (held here), none runs on the GUI thread."""
    actor = make_agent(*[(role, None) for role in Role])
    spec = next(s for s in PAGES if s.key == key)
    page_type = page_class(spec)
    runner = HeldRunner()
    with sql_on_the_gui_thread(db) as seen:
        page = page_type(AppContext(db, actor, Settings({}), runner))
        qtbot.addWidget(page)
        page.show()
        qtbot.wait(10)
    assert seen == []
