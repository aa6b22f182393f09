"""Spreadsheet files never carry a live formula (OWASP « CSV injection »).

A name imported as ``=HYPERLINK("http://…"&A1)``, a structure, a campaign or a place named
``+cmd|…`` must come back as the text it is when a CSV or XLSX written by Médianum is opened in
a spreadsheet. Every writer goes through this module:

- CSV: ``neutraliser_csv`` (a text that starts like a formula gets a leading apostrophe, the
  OWASP rule), or ``ligne_csv`` for a whole row, or ``tableau_csv`` for a pandas table;
- XLSX written with XlsxWriter: the options ``XLSXWRITER_TEXTE`` (text is never read as a
  formula, a number or a link);
- XLSX written with openpyxl (directly or through pandas): ``cellules_en_texte`` on the workbook
  before it is saved (openpyxl reads any text starting with ``=`` as a formula).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TypeVar

# The characters a spreadsheet reads as the start of a formula (tab and carriage return too).
_DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")
# What starts with a sign yet is no formula: the national tool's « - » for an empty value, a
# signed number, a phone number in international form.
_SIGNE_SANS_FORMULE = re.compile(r"[+-]|[+-]\d+(?:[.,]\d+)?")

T = TypeVar("T")

XLSXWRITER_TEXTE: dict[str, bool] = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


def neutraliser_csv(value: T) -> T | str:
    """The OWASP rule for CSV: a text that starts like a formula gets a leading apostrophe;
    any other value is returned as it is."""
    if (
        isinstance(value, str)
        and value.startswith(_DEBUTS_DE_FORMULE)
        and not _SIGNE_SANS_FORMULE.fullmatch(value)
    ):
        return "'" + value
    return value


def ligne_csv(values: Iterable[Any]) -> list[Any]:
    return [neutraliser_csv(v) for v in values]


def tableau_csv(frame: Any) -> Any:
    """A copy of a pandas table whose text cells (and column titles) are neutralised."""
    copy = frame.copy()
    for column in copy.columns:
        # Text columns (object, or pandas' string dtype); numbers and dates never need it.
        if copy[column].dtype.kind not in "biufcmM":
            copy[column] = copy[column].map(neutraliser_csv)
    copy.columns = [neutraliser_csv(c) for c in copy.columns]
    return copy


def cellules_en_texte(book: Any) -> None:
    """In an openpyxl workbook, every cell openpyxl took for a formula (a text starting with
    ``=``) becomes the text it is."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
