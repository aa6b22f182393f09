"""Page « Statistiques »: totals and sections of the period, exports in the background."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from core.auth import Actor
from core.db import Database
from core.models import AuditEntry
from core.settings import Settings
from tests.mediation.mediation_stats_data import MakeAgent, activite_2026
from ui.context import AppContext
from ui.pages.statistiques import StatistiquesPage
from ui.tasks import ImmediateTaskRunner
from ui.widgets import messages


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> list[QMessageBox]:
    shown: list[QMessageBox] = []

    def present(box: QMessageBox) -> int:
        shown.append(box)
        return int(QMessageBox.StandardButton.Ok)

    monkeypatch.setattr(messages, "present", present)
    return shown


def _page(qtbot: QtBot, db: Database, actor: Actor) -> StatistiquesPage:
    page = StatistiquesPage(AppContext(db, actor, Settings({}), ImmediateTaskRunner()))
    qtbot.addWidget(page)
    page.du.setDate(QDate(2026, 1, 1))
    page.au.setDate(QDate(2026, 12, 31))
    page.compute()
    return page


def test_page_shows_the_totals_and_sections_of_the_period(
    qtbot: QtBot, db: Database, make_agent: MakeAgent
) -> None:
    _st, _nord, _sud, coord = activite_2026(db, make_agent)
    page = _page(qtbot, db, coord)
    assert page.totaux["activites"].value.text() == "4"
    # The Coop's meanings: one accompaniment per person and activity, anonymous people counted.
    assert page.totaux["accompagnements"].value.text() == "9"
    assert page.totaux["beneficiaires"].value.text() == "8"
    assert page.totaux["nouveaux"].value.text() == "7"
    assert page.libelle.text() == "Tout le territoire"
    titles = [page.onglets.tabText(i) for i in range(page.onglets.count())]
    assert "Thématiques Médiation numérique" in titles
    assert "Thématiques Démarches administratives" in titles
    assert "Tranches d’âge" in titles
    themes = page.sections[titles.index("Thématiques Médiation numérique")].table
    cells = [(themes.item(r, 0), themes.item(r, 1)) for r in range(themes.rowCount())]
    rows = {label.text(): count.text() for label, count in cells if label and count}
    assert rows["E-mail"] == "2"
    assert rows["Santé"] == "2"


def test_narrowing_to_one_mediator_recomputes(
    qtbot: QtBot, db: Database, make_agent: MakeAgent
) -> None:
    _st, _nord, sud, coord = activite_2026(db, make_agent)
    page = _page(qtbot, db, coord)
    index = page.scopes.index((None, sud.agent_id))
    assert page.perimetre.itemText(index).startswith("Médiateur")
    page.perimetre.setCurrentIndex(index)
    page.compute()
    assert page.totaux["accompagnements"].value.text() == "1"


def test_a_coordinator_is_not_offered_the_list_of_names(
    qtbot: QtBot, db: Database, make_agent: MakeAgent
) -> None:
    _st, nord, _sud, coord = activite_2026(db, make_agent)
    assert _page(qtbot, db, coord).export_buttons["beneficiaires"].isHidden()
    page = _page(qtbot, db, nord)
    assert not page.export_buttons["beneficiaires"].isHidden()
    assert page.libelle.text() == "Toutes vos structures"


def test_export_runs_in_the_background_and_writes_the_workbook(
    qtbot: QtBot, db: Database, make_agent: MakeAgent, tmp_path: Path, boxes: list[QMessageBox]
) -> None:
    _st, _nord, _sud, coord = activite_2026(db, make_agent)
    page = _page(qtbot, db, coord)
    out = tmp_path / "accompagnements.xlsx"
    page.export_to("accompagnements", out)
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + 9  # header + one row per accompaniment and person
    wb.close()
    assert "9 lignes" in boxes[-1].text()
    with db.read_session() as s:
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.action.like("export.%"))) == (
            "export.accompagnements"
        )


def test_a_refused_export_says_why_in_french(
    qtbot: QtBot, db: Database, make_agent: MakeAgent, tmp_path: Path, boxes: list[QMessageBox]
) -> None:
    _st, _nord, _sud, coord = activite_2026(db, make_agent)
    page = _page(qtbot, db, coord)
    page.export_to("beneficiaires", tmp_path / "b.csv")
    assert "droit" in boxes[-1].text()
    assert not (tmp_path / "b.csv").exists()
