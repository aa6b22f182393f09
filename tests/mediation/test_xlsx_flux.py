"""The streamed XLSX writer of the list exports, read back by openpyxl."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl

from mediation.xlsx_flux import ClasseurXlsx


def test_cells_come_back_as_written_and_no_text_is_a_formula(tmp_path: Path) -> None:
    chemin = tmp_path / "a.xlsx"
    classeur = ClasseurXlsx(chemin)
    classeur.feuille("Accompagnements", ["Date", "Texte", "Nombre", "Vide", "Fin"])
    rows = [
        [date(2026, 3, 1), '=HYPERLINK("http://x","y")', 45, None, "a"],
        [date(1999, 12, 31), "<b>&amp; « guillemets » 'apostrophe'", 1.5, None, "b"],
        [date(2026, 3, 2), "ligne 1\nligne 2", -3, None, "  espaces  "],
        [date(2026, 3, 3), "contrôle\x01\x1f retiré", 0, None, "+33612345678"],
    ]
    for row in rows:
        classeur.ligne(row)
    classeur.feuille("Deuxième feuille", ["Seule"])
    classeur.ligne(["@SUM(A1:A2)"])
    classeur.fermer()

    wb = openpyxl.load_workbook(chemin)
    assert wb.sheetnames == ["Accompagnements", "Deuxième feuille"]
    ws = wb["Accompagnements"]
    assert [c.value for c in ws[1]] == ["Date", "Texte", "Nombre", "Vide", "Fin"]
    assert ws["A1"].font.b and ws.freeze_panes == "A2"
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert got == [
        [datetime(2026, 3, 1), '=HYPERLINK("http://x","y")', 45, None, "a"],
        [datetime(1999, 12, 31), "<b>&amp; « guillemets » 'apostrophe'", 1.5, None, "b"],
        [datetime(2026, 3, 2), "ligne 1\nligne 2", -3, None, "  espaces  "],
        [datetime(2026, 3, 3), "contrôle retiré", 0, None, "+33612345678"],
    ]
    assert ws["A2"].number_format == "dd/mm/yyyy"
    # Every text is an inline string: no formula element anywhere in the file.
    with zipfile.ZipFile(chemin) as z:
        xml = (
            z.read("xl/worksheets/sheet1.xml").decode()
            + z.read("xl/worksheets/sheet2.xml").decode()
        )
    assert "<f>" not in xml and "<f " not in xml
    assert wb["Deuxième feuille"]["A2"].value == "@SUM(A1:A2)"
    assert wb["Deuxième feuille"]["A2"].data_type == "s"


def test_a_long_sheet_streams_every_row_in_order(tmp_path: Path) -> None:
    chemin = tmp_path / "long.xlsx"
    classeur = ClasseurXlsx(chemin)
    classeur.feuille("Longue", ["n", "texte"])
    for i in range(2345):
        classeur.ligne([i, f"valeur {i % 7}"])
    classeur.fermer()
    ws = openpyxl.load_workbook(chemin, read_only=True)["Longue"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert rows == [(i, f"valeur {i % 7}") for i in range(2345)]
