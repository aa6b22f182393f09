from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core import paths
from core.db import Database
from core.models import AuditEntry, Role
from core.territory import default_preset
from fragilite import demo
from fragilite.synthetique import enquete_synthetique
from tests.gui.shell_support import Boxes, boxes, context  # noqa: F401

CODES = [c.code_insee for c in default_preset().communes]


@pytest.fixture
def page_for(db: Database, make_agent: Any, qtbot: Any):  # type: ignore[no-untyped-def]
    def _make(demo_mode: bool = False) -> Any:
        from ui.pages.fragilite import FragilitePage

        page = FragilitePage(context(db, make_agent((Role.COORDINATEUR, None)), demo=demo_mode))
        qtbot.addWidget(page)
        page.resize(1200, 750)
        return page

    return _make


def _survey(tmp_path: Path, seed: int = 4, broken: bool = False) -> Path:
    frame = enquete_synthetique(CODES, 600, seed=seed)
    if broken:
        frame.loc[3, "age"] = "7"
        frame.loc[10, "code_insee"] = "99999"
    path = tmp_path / f"enquete-{seed}.csv"
    frame.to_csv(path, index=False, sep=";")
    return path


def test_a_broken_survey_shows_its_report_and_computes_only_once_rows_are_excluded(
    page_for: Any,
    tmp_path: Path,
    db: Database,
    boxes: Boxes,  # noqa: F811
) -> None:
    page = page_for()
    page.load_survey(_survey(tmp_path, broken=True))
    assert page.problems_model.rowCount() == 2
    assert {page.problems_model.data(page.problems_model.index(r, 0)) for r in (0, 1)} == {
        "5",
        "12",
    }
    assert "2 lignes posent problème" in page.summary.text()
    assert not page.compute_button.isEnabled()
    assert page.results_model.rowCount() == 0

    page.exclude.setChecked(True)
    assert page.compute_button.isEnabled()
    page.compute_button.click()
    assert page.results_model.rowCount() == len(CODES) + 1
    assert "2 lignes exclues" in page.provenance.text()
    with db.read_session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "fragilite.calcul")).one()
        assert entry.details["lignes_exclues"] == 2
    page.grab().save("/tmp/fragilite-page.png")


def test_the_chosen_indicator_leads_the_table(page_for: Any, tmp_path: Path) -> None:
    page = page_for()
    page.load_survey(_survey(tmp_path))
    header = page.results_model.headerData
    from PySide6.QtCore import Qt

    assert header(4, Qt.Orientation.Horizontal).startswith("Indice de fragilité numérique")
    page.indicator.setCurrentIndex(page.indicator.findData("sans_aide"))
    assert header(4, Qt.Orientation.Horizontal).startswith("Personne pour aider")


def test_every_export_writes_its_file(
    page_for: Any,
    tmp_path: Path,
    boxes: Boxes,  # noqa: F811
) -> None:
    page = page_for()
    page.load_survey(_survey(tmp_path))
    for kind, name in (
        ("csv", "t.csv"),
        ("xlsx", "t.xlsx"),
        ("png", "c.png"),
        ("pdf", "c.pdf"),
        ("html", "c.html"),
        ("rapport", "r.pdf"),
    ):
        page.export_to(kind, tmp_path / name)
        assert (tmp_path / name).stat().st_size > 0, kind
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == ["Résultats", "Provenance"]
    assert "Une enquête menée aux guichets" in PdfReader(tmp_path / "r.pdf").pages[0].extract_text()
    assert len(boxes.shown) == 6


def test_comparing_with_an_earlier_survey_fills_the_comparison_tab(
    page_for: Any, tmp_path: Path
) -> None:
    page = page_for()
    page.load_survey(_survey(tmp_path, seed=5))
    page.compare_with(_survey(tmp_path, seed=6))
    assert page.compare_model.rowCount() == len(CODES) + 1
    assert page.compare_export.isEnabled()


def test_the_demo_survey_opens_populated(page_for: Any) -> None:
    """Its map, with the real web engine, is tested in test_maps_real_web_engine.py."""
    folder = paths.data_dir() / "fragilite"
    folder.mkdir(parents=True, exist_ok=True)
    enquete_synthetique(CODES, 800, seed=8).to_csv(folder / demo.ENQUETE_DEMO, index=False)
    page = page_for(demo_mode=True)
    assert page.results_model.rowCount() == len(CODES) + 1
    assert page.export_buttons["html"].isEnabled()
