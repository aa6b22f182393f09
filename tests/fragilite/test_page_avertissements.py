"""The fragility page says, above the result, what the figures cannot correct."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.auth import Role
from core.db import Database
from core.territory import default_preset
from fragilite.synthetique import enquete_synthetique
from tests.gui.shell_support import context

CODES = [c.code_insee for c in default_preset().communes]


@pytest.mark.gui
def test_without_margins_the_page_warns_that_the_desk_age_bias_is_uncorrected(
    db: Database, make_agent: Any, qtbot: Any, tmp_path: Path
) -> None:
    from ui.pages.fragilite import FragilitePage

    page = FragilitePage(context(db, make_agent((Role.COORDINATEUR, None))))
    qtbot.addWidget(page)
    path = tmp_path / "enquete.csv"
    enquete_synthetique(CODES, 400, seed=2).to_csv(path, index=False, sep=";")
    page.load_survey(path)
    text = page.provenance.text()
    assert text.startswith("Aucune marge de population : le biais d'âge du recrutement")
    header = page.results_model.headers[-1]
    assert header == "Poids du territoire (lissage)"
