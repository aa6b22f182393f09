from __future__ import annotations

import random
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog, QListWidget
from sqlalchemy import select

from core.auth import Actor
from core.db import Database
from core.demo import DemoContext, DemoSizes
from core.models import Role
from core.settings import load_settings
from lieux import demo
from lieux.models import Lieu
from lieux.schema import load_schema
from ui.context import AppContext
from ui.tasks import ImmediateTaskRunner

DATA = Path(__file__).parent.parent / "lieux" / "data"


@pytest.fixture
def page_for(db: Database, make_agent: Any, qtbot: Any):  # type: ignore[no-untyped-def]
    with db.session() as s:
        demo.populate(s, DemoContext(DemoSizes(), random.Random(1), {}, {}))

    def _make(*grants: tuple[Role, int | None]) -> Any:
        from ui.pages.lieux import LieuxPage

        actor: Actor = make_agent(*grants)
        ctx = AppContext(db, actor, load_settings(), ImmediateTaskRunner())
        page = LieuxPage(ctx)
        qtbot.addWidget(page)
        return page

    return _make


def _answer_report(monkeypatch: Any, accept: bool) -> None:
    """The person's answer to the report dialog (a modal exec cannot run offscreen)."""
    from ui.widgets.lieu_import import LieuImportDialog

    code = QDialog.DialogCode.Accepted if accept else QDialog.DialogCode.Rejected
    monkeypatch.setattr(LieuImportDialog, "exec", lambda self: code.value)


def test_the_page_lists_the_demo_places_and_filters_them(page_for: Any) -> None:
    page = page_for((Role.COORDINATEUR, None))
    assert page.model.total == 19
    page.filter.setText("France Services")
    assert page.model.rowCount() == 4
    assert page.model.data(page.model.index(0, 0)) == "France Services La Jarrie"
    page.resize(1100, 650)
    page.grab().save("/tmp/lieux-page.png")


def test_a_desk_agent_sees_the_places_but_no_import_or_export(page_for: Any) -> None:
    page = page_for((Role.ACCUEIL, None))
    assert page.model.total == 19
    assert not page.buttons["import"].isVisibleTo(page)
    assert not page.buttons["csv"].isVisibleTo(page)


def test_the_import_report_is_shown_before_writing_and_cancel_writes_nothing(
    page_for: Any, db: Database, monkeypatch: Any
) -> None:
    page = page_for((Role.COORDINATEUR, None))
    _answer_report(monkeypatch, accept=False)
    page.import_file(str(DATA / "casse.csv"))
    dialog = page.last_import_dialog
    assert dialog.import_button.text() == "Importer les 4 lignes valides"
    assert dialog.table.rowCount() == 7
    assert dialog.table.item(0, 2).text() == "invalide"
    with db.session() as s:
        assert s.scalars(select(Lieu).where(Lieu.identifiant == "ok-1")).first() is None


def test_importing_the_valid_rows_adds_them_to_the_table(page_for: Any, monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QMessageBox

    page = page_for((Role.COORDINATEUR, None))
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    _answer_report(monkeypatch, accept=True)
    page.import_file(str(DATA / "exemple_v1.csv"))
    assert page.model.total == 22


def test_the_edit_form_offers_exactly_the_schema_values_of_each_enumerated_field(
    page_for: Any,
) -> None:
    from ui.widgets.lieu_form import LieuFormDialog

    dialog = LieuFormDialog({"services": "Aide aux démarches administratives"})
    for field in load_schema().fields:
        widget = dialog.widgets[field.name]
        if field.enumerated:
            assert isinstance(widget, QListWidget)
            assert [widget.item(i).text() for i in range(widget.count())] == list(field.enum)
    assert dialog.values()["services"] == "Aide aux démarches administratives"
    dialog.close()


def test_the_timetable_editor_writes_and_reads_opening_hours(page_for: Any) -> None:
    from ui.widgets.lieu_horaires import HorairesEditor

    editor = HorairesEditor()
    editor.set_value("Mo-Fr 09:00-12:00,14:00-17:00; PH off")
    assert editor.rows[0][0].isChecked() and not editor.rows[5][0].isChecked()
    editor.rows[5][0].setChecked(True)  # open on Saturdays too, same hours
    assert editor.value() == "Mo-Sa 09:00-12:00,14:00-17:00; PH off"
    editor.text.setText("Mo-Fr 25:00")
    editor.text.editingFinished.emit()
    assert "Horaires illisibles" in editor.error.text()
    editor.close()


def test_editing_a_place_saves_it_through_the_form(
    page_for: Any, db: Database, monkeypatch: Any
) -> None:
    from ui.widgets.lieu_form import LieuFormDialog

    page = page_for((Role.COORDINATEUR, None))
    page.filter.setText("Sainte-Soulle")
    page.table.selectRow(0)

    def fill_and_accept(self: LieuFormDialog) -> int:
        self.widgets["nom"].setText("France Services de Sainte-Soulle")
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(LieuFormDialog, "exec", fill_and_accept)
    page.edit_selected()
    with db.session() as s:
        lieu = s.scalars(select(Lieu).where(Lieu.identifiant == "demo-fs-sainte-soulle")).one()
        assert lieu.nom == "France Services de Sainte-Soulle"


def test_nearest_places_are_found_from_a_typed_address_with_their_hours(page_for: Any) -> None:
    page = page_for((Role.ACCUEIL, None))
    page.commune.setEditText("3 rue Inconnue, La Jarrie")
    page.service.setCurrentIndex(page.service.findData("Aide aux démarches administratives"))
    page.search_nearest()
    assert page.results.item(0, 0).text() == "France Services La Jarrie"
    assert "Horaires : lun." in page.results.item(0, 3).text()


def test_nearest_places_are_listed_and_printed(page_for: Any, tmp_path: Path) -> None:
    page = page_for((Role.ACCUEIL, None))
    page.commune.setCurrentIndex(page.commune.findData("17194"))
    page.service.setCurrentIndex(page.service.findData("Aide aux démarches administratives"))
    page.search_nearest()
    assert page.results.rowCount() > 0
    assert page.results.item(0, 0).text() == "France Services La Jarrie"
    pdf = tmp_path / "proches.pdf"
    page.print_nearest(str(pdf))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    # The name may wrap inside its table cell: compare the words, not the line breaks.
    assert "France Services La Jarrie" in " ".join(text.split())


def test_exporting_geojson_says_how_many_places_have_no_position(
    page_for: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    page = page_for((Role.COORDINATEUR, None))
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    _answer_report(monkeypatch, accept=True)
    page.import_file(str(DATA / "ancien_v01.csv"))  # one of its two places has no position
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: shown.append(text))
    page.export_to("geojson", tmp_path / "lieux.geojson")
    assert shown and "1 lieux sans position, non exportés." in shown[0]
