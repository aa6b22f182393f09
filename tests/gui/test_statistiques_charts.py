"""Statistics charts: every category has its bar, readable at 1366×768, exported for a report.

Bars are counted in the drawn pixels (a scan down the bars' first column), not taken from the
code that draws them; exports are read back with the tools a reader would use.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QMessageBox

from core.auth import Actor
from core.db import Database
from tests.gui.demo_support import demo_agent, demo_db, demo_template  # noqa: F401
from tests.gui.shell_support import context
from ui.main_window import MainWindow
from ui.pages.statistiques import StatistiquesPage
from ui.widgets import messages
from ui.widgets.mediation_bar_chart import BAR_COLOUR

pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")


@pytest.fixture(autouse=True)
def quiet_boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []

    def present(box: QMessageBox) -> int:
        shown.append(box.text())
        return int(QMessageBox.StandardButton.Ok)

    monkeypatch.setattr(messages, "present", present)
    return shown


def statistics_page(qtbot, db: Database, actor: Actor) -> StatistiquesPage:  # type: ignore[no-untyped-def]
    window = MainWindow(context(db, actor, demo=True))
    qtbot.addWidget(window)
    window.resize(QSize(1366, 740))
    window.show()
    window.open_page("statistiques")
    QApplication.processEvents()
    page = window.current_page()
    assert isinstance(page, StatistiquesPage)
    return page


def thematiques_tab(page: StatistiquesPage) -> int:
    titles = [page.onglets.tabText(i) for i in range(page.onglets.count())]
    return titles.index("Thématiques Médiation numérique")


def is_bar(colour: QColor) -> bool:
    return all(
        abs(a - b) <= 12 for a, b in zip(colour.getRgb()[:3], BAR_COLOUR.getRgb()[:3], strict=True)
    )


def bars_in(image: QImage) -> int:
    """Count the bars in a drawn chart: runs of bar colour down the column where bars start."""
    best = 0
    for x in range(image.width()):
        runs, inside = 0, False
        for y in range(image.height()):
            here = is_bar(image.pixelColor(x, y))
            if here and not inside:
                runs += 1
            inside = here
        best = max(best, runs)
        if best and runs == 0:
            break  # past the bars' first column
    return best


def test_the_thematiques_chart_draws_a_bar_for_every_thematique_of_the_period(
    qtbot,
    demo_db: Database,  # noqa: F811
    demo_agent: Actor,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    page = statistics_page(qtbot, demo_db, demo_agent)
    index = thematiques_tab(page)
    page.onglets.setCurrentIndex(index)
    QApplication.processEvents()
    assert page.stats is not None
    expected = [ligne for ligne in page.stats.sections[index].lignes if ligne.nombre > 0]
    assert len(expected) > 15  # the old chart kept 15 bars and dropped the others
    chart = page.sections[index].chart
    assert len(chart.data.bars()) == len(page.stats.sections[index].lignes)
    assert bars_in(chart.grab().toImage()) == len(expected)


def test_the_chart_is_readable_at_1366_by_768_with_whole_labels(
    qtbot,
    demo_db: Database,  # noqa: F811
    demo_agent: Actor,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    page = statistics_page(qtbot, demo_db, demo_agent)
    page.onglets.setCurrentIndex(0)
    QApplication.processEvents()
    chart = page.sections[0].chart
    assert chart.width() >= 400, chart.width()
    line = chart.fontMetrics().height()
    assert chart.height() >= line * len(chart.data.rows)


def test_a_chart_is_exported_as_png_svg_and_pdf_with_its_title_period_and_perimeter(
    qtbot,
    demo_db: Database,  # noqa: F811
    demo_agent: Actor,  # noqa: F811
    tmp_path: Path,
) -> None:  # type: ignore[no-untyped-def]
    page = statistics_page(qtbot, demo_db, demo_agent)
    index = thematiques_tab(page)
    page.onglets.setCurrentIndex(index)
    assert page.stats is not None
    period = page.period_text(page.stats)
    assert period.startswith("Période du ")
    categories = [ligne for ligne in page.stats.sections[index].lignes if ligne.nombre > 0]

    png = page.export_chart_to(tmp_path / "thematiques.png")
    assert png is not None
    image = QImage()
    assert image.load(str(png))
    assert image.width() >= 1000
    assert bars_in(image) == len(categories)

    svg = page.export_chart_to(tmp_path / "thematiques.svg")
    assert svg is not None
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    texts = " ".join(t for t in root.itertext())
    assert "Thématiques Médiation numérique" in texts

    pdf = page.export_chart_to(tmp_path / "thematiques.pdf")
    assert pdf is not None
    reader = pypdf.PdfReader(pdf)
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Thématiques Médiation numérique" in text
    assert period in text
    assert page.stats.libelle_perimetre in text
    assert categories[0].libelle in text
