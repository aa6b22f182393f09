"""Communes of departments 01 to 09 and of Corsica: their INSEE codes stay text from the survey,
margins and territory files to the result (« 01053 », never 1053)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import main
from core.territory import cog
from fragilite import codebook
from fragilite.synthetique import enquete_synthetique

AIN = ("01053", "01004", "01007")
SIREN = "200000001"
# Share of each age band in the population aged 15 or more (margins near the legal population).
PARTS = (0.14, 0.22, 0.31, 0.20, 0.13)


def _territoire(tmp_path: Path, codes: tuple[str, ...]) -> Path:
    path = tmp_path / "territoire.csv"
    pd.DataFrame(
        {
            "siren_epci": SIREN,
            "nom_epci": "Essai de l'Ain",
            "code_insee": codes,
            "nom": [cog()[c].nom for c in codes],
            "population_municipale": "",
        }
    ).to_csv(path, index=False)
    return path


def _marges(codes: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (c, t, "*", str(round(0.85 * (cog()[c].population or 0) * part)))
            for c in codes
            for t, part in zip(codebook.TRANCHES_AGE, PARTS, strict=True)
        ],
        columns=["code_insee", "tranche_age", "sexe", "population"],
    )


def _classeur(frame: pd.DataFrame, path: Path) -> Path:
    """A workbook as a spreadsheet keeps INSEE codes: numbers shown on five digits (« 00000 »),
    the leading zero being only in the display; Corsican codes stay text."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(frame.columns))
    for values in frame.itertuples(index=False):
        sheet.append([int(v) if isinstance(v, str) and v.isdigit() else v for v in values])
    for cell in next(sheet.iter_cols(min_col=2, max_col=2, min_row=2)):
        if isinstance(cell.value, int):
            cell.number_format = "00000"
    book.save(path)
    return path


def _compute(survey: Path, territoire: Path, margins: Path, out: Path) -> pd.DataFrame:
    args = ["--survey", str(survey), "--territoire", str(territoire), "--margins", str(margins)]
    assert main.main(["fragilite", "compute", *args, "--out", str(out)]) == 0
    return pd.read_csv(out, dtype=str, keep_default_na=False)


def test_a_csv_survey_of_communes_of_the_ain_keeps_their_codes_and_is_calibrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = enquete_synthetique(AIN, 240, seed=4)
    survey = tmp_path / "enquete.csv"
    frame.to_csv(survey, index=False, sep=";")
    margins = tmp_path / "marges.csv"
    _marges(AIN).to_csv(margins, index=False)
    territoire = _territoire(tmp_path, AIN)

    assert main.main(["fragilite", "validate", str(survey), "--territoire", str(territoire)]) == 0
    assert "0 lignes invalides" in capsys.readouterr().out

    table = _compute(survey, territoire, margins, tmp_path / "resultat.csv")
    assert list(table["code_insee"]) == [*AIN, SIREN]
    expected = frame["code_insee"].value_counts()
    assert [int(table.loc[i, "n"]) for i in range(3)] == [expected[c] for c in AIN]
    # Each commune found in the margins: calibrated on them, none « sans_marges ».
    assert list(table["ponderation"]) == ["calage_age"] * 4
    assert "absentes des marges" not in capsys.readouterr().out


def test_a_workbook_with_codes_typed_as_numbers_is_read_with_the_leading_zero(
    tmp_path: Path,
) -> None:
    codes = (*AIN, "2A004")
    frame = enquete_synthetique(codes, 320, seed=5)
    survey = _classeur(frame, tmp_path / "enquete.xlsx")
    margins = _classeur(_marges(codes), tmp_path / "marges.xlsx")
    territoire = _territoire(tmp_path, codes)

    table = _compute(survey, territoire, margins, tmp_path / "resultat.csv")
    assert list(table["code_insee"]) == [*codes, SIREN]
    expected = frame["code_insee"].value_counts()
    assert [int(table.loc[i, "n"]) for i in range(4)] == [expected[c] for c in codes]
    assert list(table["ponderation"]) == ["calage_age"] * 5


def test_a_territory_file_saved_by_a_spreadsheet_without_the_zeros_still_names_the_communes(
    tmp_path: Path,
) -> None:
    frame = enquete_synthetique(AIN, 240, seed=6)
    survey = tmp_path / "enquete.csv"
    frame.to_csv(survey, index=False)
    margins = tmp_path / "marges.csv"
    _marges(AIN).to_csv(margins, index=False)
    territoire = _territoire(tmp_path, AIN)
    text = territoire.read_text(encoding="utf-8")
    territoire.write_text(text.replace(",01", ",1"), encoding="utf-8")
    assert ",1053," in territoire.read_text(encoding="utf-8")

    table = _compute(survey, territoire, margins, tmp_path / "resultat.csv")
    assert list(table["code_insee"]) == [*AIN, SIREN]
    assert list(table["commune"][:3]) == [cog()[c].nom for c in AIN]
