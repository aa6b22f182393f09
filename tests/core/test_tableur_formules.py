"""Every spreadsheet Médianum writes, beyond the mediation exports, gives a hostile text back as
text: the financer's report and the settlement statements of the Pass numérique, the places'
national CSV, the fragility tables (CSV and XLSX) and their comparison. One shared rule
(``core.tableur``); each writer is tested with a hostile value it really carries."""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from core.tableur import neutraliser_csv

HOSTILE = "=HYPERLINK(A1)"
HOSTILES = (HOSTILE, "+cmd|calc!A0", "@SOMME(A1)", "-2+3")


def _xlsx_has_no_formula(data: bytes, path: Path) -> str:
    """Every sheet of the workbook, asserted free of formulas; returns the workbook's text."""
    path.write_bytes(data)
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml")}
    sheets = [xml for name, xml in parts.items() if name.startswith("xl/worksheets/sheet")]
    assert sheets
    for xml in sheets:
        assert not re.search(r"<f[ >]", xml), "a live formula in the sheet"
    return "".join(parts.values())


def _csv_cells(text: str, delimiter: str) -> list[str]:
    return [cell for row in csv.reader(text.splitlines(), delimiter=delimiter) for cell in row]


def test_the_shared_rule_prefixes_what_starts_like_a_formula_and_nothing_else() -> None:
    for value in HOSTILES:
        assert neutraliser_csv(value) == "'" + value
    # The national tool's « - » for nothing, signed numbers, international phones stay.
    for value in ("-", "+33546998877", "-12,5", "Dupont", 12):
        assert neutraliser_csv(value) == value


def test_the_financers_report_xlsx_keeps_a_hostile_campaign_or_commune_as_text(
    tmp_path: Path,
) -> None:
    from pass_numerique.reporting import Breakdown, FinancerReport, report_xlsx

    report = FinancerReport(
        campagne=HOSTILE,
        au=date(2026, 11, 30),
        par_commune={"+cmd|calc!A0": Breakdown(1, 2, 2000)},
        par_thematique={"@SOMME(A1)": Breakdown(1, 1, 1000)},
    )
    text = _xlsx_has_no_formula(report_xlsx(report), tmp_path / "rapport.xlsx")
    for value in (HOSTILE, "+cmd|calc!A0", "@SOMME(A1)"):
        assert value in text  # written, as text


def test_a_settlement_statement_csv_neutralises_a_hostile_structure_name() -> None:
    from pass_numerique.settlements import Settlement, SettlementLine, settlement_csv

    settlement = Settlement(
        pass_structure_id=1,
        structure=HOSTILE,
        siret=None,
        iban="FR7630006000011234567890189",
        titulaire="Association",
        mois="2026-11",
        lines=[SettlementLine(1, "PN-0001", datetime(2026, 11, 3, 10, tzinfo=UTC), 1000)],
    )
    cells = _csv_cells(settlement_csv(settlement), ";")
    assert "'" + HOSTILE in cells
    assert HOSTILE not in cells


def test_the_places_national_csv_neutralises_a_hostile_place_name(tmp_path: Path) -> None:
    from lieux.exportation import ecrire_csv
    from lieux.models import Lieu

    lieu = Lieu(identifiant="lieu-1", nom=HOSTILE, commune="Rochefort", adresse="+cmd|calc!A0")
    path = tmp_path / "lieux.csv"
    ecrire_csv([lieu], path)
    cells = _csv_cells(path.read_text(encoding="utf-8"), ",")
    assert "'" + HOSTILE in cells and "'+cmd|calc!A0" in cells
    assert HOSTILE not in cells


def _fragility_result() -> SimpleNamespace:
    """What the fragility writers read of a result: its table and its provenance; a commune
    named by a territory file the user brought."""
    table = pd.DataFrame(
        {"code_insee": ["17299"], "commune": [HOSTILE], "n": [40], "statut": ["@SOMME(A1)"]}
    )
    return SimpleNamespace(table=lambda: table, metadonnees=lambda: {"territoire": "+cmd|A0"})


def test_the_fragility_csv_and_comparison_csv_neutralise_a_hostile_commune(
    tmp_path: Path,
) -> None:
    from fragilite.calcul import ecrire_csv
    from fragilite.comparaison import ecrire_csv as ecrire_comparaison

    result = _fragility_result()
    ecrire_csv(result, tmp_path / "fragilite.csv")  # type: ignore[arg-type]
    ecrire_comparaison(result.table(), tmp_path / "evolutions.csv")
    for name in ("fragilite.csv", "evolutions.csv"):
        cells = _csv_cells((tmp_path / name).read_text(encoding="utf-8"), ",")
        assert "'" + HOSTILE in cells and "'@SOMME(A1)" in cells, name
        assert HOSTILE not in cells, name
        assert "40" in cells  # numbers stay numbers


def test_the_fragility_xlsx_keeps_a_hostile_commune_as_text(tmp_path: Path) -> None:
    from ui.pages.fragilite import export_xlsx

    path = tmp_path / "fragilite.xlsx"
    export_xlsx(_fragility_result(), path)  # type: ignore[arg-type]
    text = _xlsx_has_no_formula(path.read_bytes(), tmp_path / "copie.xlsx")
    assert HOSTILE in text and "+cmd|A0" in text
