"""The streamed XLSX writer of the list exports, read back by openpyxl."""

from __future__ import annotations

import base64
import errno
import os
import signal
import threading
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from core.errors import MedianumError
from mediation.exports import FormatExport, _fichier
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
    wb = openpyxl.load_workbook(chemin, read_only=True)
    rows = list(wb["Longue"].iter_rows(min_row=2, values_only=True))
    wb.close()  # a read-only workbook keeps its file open until closed
    assert rows == [(i, f"valeur {i % 7}") for i in range(2345)]


def _feuille(chemin: Path) -> bytes:
    with zipfile.ZipFile(chemin) as z:
        return z.read("xl/worksheets/sheet1.xml")


def test_rows_written_as_blocks_are_the_bytes_of_the_same_values(tmp_path: Path) -> None:
    """The accompaniments export writes an activity's cells once as a block for all its rows:
    the file must be the one its rows' values give, cell for cell and byte for byte."""
    entetes = [f"c{i}" for i in range(30)]
    activite = [date(2026, 3, 1), "Atelier « & » <collectif>", None, 45, "ligne 1\nligne 2"]
    autre = [date(2026, 3, 2), None, "Lieu d’activité", 3, None]
    personnes = [["Femme", None, "18 - 24 ans"], [None, None, None], ["Homme", "Oui", "+33"]]
    valeurs = tmp_path / "valeurs.xlsx"
    blocs = tmp_path / "blocs.xlsx"
    par_valeurs, par_blocs = ClasseurXlsx(valeurs), ClasseurXlsx(blocs)
    for classeur in (par_valeurs, par_blocs):
        classeur.feuille("Feuille", entetes)
    lignes = 0
    # Enough rows for several buffers through the deflating thread (500 rows each).
    for k in range(1200):
        tete = activite if k % 3 else autre
        rendue = par_blocs.bloc(0, tete)
        for j, personne in enumerate(personnes[: 1 + k % 3]):
            milieu = [f"{j + 1}/{1 + k % 3}", k, 1.5 if k % 2 else True]
            fin = [f"valeur {k % 7}", None, date(2020, 1, 1 + k % 28)]
            par_valeurs.ligne([*tete, *milieu, *personne, *fin])
            par_blocs.ligne_de_blocs(
                (
                    rendue,
                    par_blocs.bloc(5, milieu),
                    par_blocs.bloc(8, personne),
                    par_blocs.bloc(11, fin),
                    par_blocs.bloc(14, [None, None]),
                )
            )
            lignes += 1
    par_valeurs.fermer()
    par_blocs.fermer()

    assert _feuille(blocs) == _feuille(valeurs)
    wb = openpyxl.load_workbook(blocs, read_only=True)
    rows = list(wb["Feuille"].iter_rows(min_row=2, values_only=True))
    wb.close()
    assert len(rows) == lignes
    assert rows[1][:14] == (
        datetime(2026, 3, 1), "Atelier « & » <collectif>", None, 45, "ligne 1\nligne 2",
        "1/2", 1, 1.5, "Femme", None, "18 - 24 ans", "valeur 1", None, datetime(2020, 1, 2),
    )  # fmt: skip


def test_a_write_error_in_the_deflating_thread_reaches_the_export_and_leaves_no_file(
    tmp_path: Path,
) -> None:
    """The sheet is deflated and written on another thread: a write that fails there (here the
    file size limit of the process, as a full disk would) must stop the export with the file
    error, not end in a file cut short."""
    resource = pytest.importorskip("resource")
    chemin = tmp_path / "trop-gros.xlsx"
    # Texts that do not compress: some 4 MB of deflated sheet for a file limited to 1 MB.
    textes = [base64.b64encode(os.urandom(48)).decode() for _i in range(80_000)]
    lignes = [textes[i : i + 8] for i in range(0, len(textes), 8)]
    ecrites = 0
    avant_signal = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    souple, dure = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, dure))
    try:
        with pytest.raises(MedianumError) as erreur, _fichier(chemin, FormatExport.XLSX) as t:
            t.feuille("Feuille", [f"c{i}" for i in range(8)])
            for ligne in lignes:
                t.ligne(ligne)
                ecrites += 1
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (souple, dure))
        signal.signal(signal.SIGXFSZ, avant_signal)
    assert "Impossible d'écrire le fichier" in str(erreur.value)
    assert isinstance(erreur.value.__cause__, OSError)
    assert erreur.value.__cause__.errno == errno.EFBIG
    # Raised at a row soon after the failed write, not only when the file is closed.
    assert 0 < ecrites < len(lignes)
    assert not chemin.exists() and not chemin.with_name(chemin.name + ".partiel").exists()
    assert not [t for t in threading.enumerate() if t.name == "xlsx-deflate"]
