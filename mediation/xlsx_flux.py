"""A streamed XLSX (SpreadsheetML) writer for the long list exports.

Why hand-written rather than a library: profiled on the accompaniments export, XlsxWriter (in
constant-memory mode, the fastest pure-Python writer measured) spent 82 % of the export in its
per-cell Python code (type dispatch, dimension checks, cell references, escaping through
regular expressions, one file write per cell): some 30 µs per cell on the loaded development
machine. The one maintained faster writer on PyPI, ``rustpy-xlsxwriter`` 0.8.0 (a compiled Rust
wheel), takes records as dicts and measured 0.7× to 1.2× this writer in two runs
(``bench_mediation_stats``): no gain worth the project's only binary dependency from a single
maintainer. What the exports need is small: one or a few sheets of plain cells (text, whole
numbers, dates), a bold frozen header row, nothing else. This writer builds each row's XML as
one string, escapes each distinct text once (the cells repeat a few hundred values), and
streams the sheet into the ZIP entry as it goes.

Every text is an *inline string* (``t="inlineStr"``): a spreadsheet never reads it as a
formula, a number or a link, whatever it starts with. Dates are day serials with a dd/mm/yyyy
format, as XlsxWriter wrote them. Read back by openpyxl in the tests.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO
from xml.sax.saxutils import quoteattr

Cellule = str | int | float | date | None

_EPOQUE = date(1899, 12, 30)
# Characters XML 1.0 cannot carry at all: dropped.
_INTERDITS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CACHE_MAX = 100_000
_TAMPON = 500  # rows joined before each write to the ZIP stream

_ENTETE_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"

_STYLES = (
    f'{_ENTETE_XML}<styleSheet xmlns="{_NS}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_DATE, _GRAS = 1, 2
_T = '<t xml:space="preserve">'


def _lettres(n: int) -> str:
    lettres = ""
    while n:
        n, reste = divmod(n - 1, 26)
        lettres = chr(65 + reste) + lettres
    return lettres


def _echapper(texte: str) -> str:
    texte = texte.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _INTERDITS.sub("", texte)


def _suite(v: Cellule, gras: bool = False) -> str:
    """A cell's XML after its reference (``<c r="B12`` comes before it)."""
    style = f' s="{_GRAS}"' if gras else ""
    if isinstance(v, str):
        return f'"{style} t="inlineStr"><is>{_T}{_echapper(v)}</t></is></c>'
    if isinstance(v, datetime):
        serial = (v - datetime(1899, 12, 30, tzinfo=v.tzinfo)).total_seconds() / 86400
        return f'" s="{_DATE}"><v>{serial!r}</v></c>'
    if isinstance(v, date):
        return f'" s="{_DATE}"><v>{(v - _EPOQUE).days}</v></c>'
    if isinstance(v, bool):
        return f'" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, int | float):
        return f'"{style}><v>{v!r}</v></c>'
    raise TypeError(f"cell of type {type(v).__name__}")


class ClasseurXlsx:
    """Sheets written one after the other, rows streamed; ``fermer`` completes the file,
    ``abandonner`` leaves a file the caller deletes."""

    def __init__(self, chemin: Path) -> None:
        # Level 1: most of the size gain for a fraction of the default level's time.
        self._zip = zipfile.ZipFile(chemin, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._feuilles: list[str] = []
        self._flux: IO[bytes] | None = None
        self._rang = 0
        self._tampon: list[str] = []
        self._colonnes: list[str] = []
        # Per column, each distinct text or date's cell XML; ``_en_cache`` counts them all.
        self._caches: list[dict[Cellule, str]] = []
        self._en_cache = 0

    def feuille(self, titre: str, entetes: Sequence[str]) -> None:
        self._fermer_feuille()
        self._feuilles.append(titre[:31])
        self._flux = self._zip.open(
            f"xl/worksheets/sheet{len(self._feuilles)}.xml", "w", force_zip64=True
        )
        self._flux.write(
            (
                f'{_ENTETE_XML}<worksheet xmlns="{_NS}"><sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                "</sheetView></sheetViews><sheetData>"
            ).encode()
        )
        self._rang = 0
        self._caches, self._en_cache = [], 0
        self._ecrire_entetes(entetes)

    def ligne(self, valeurs: Sequence[Cellule]) -> None:
        """One data row. What follows a cell's reference is made once per distinct text or date
        of its column and kept: the same bytes as formatting every cell, for a dictionary lookup
        per cell (the rows repeat a few hundred values)."""
        assert self._flux is not None, "feuille() comes first"
        self._rang += 1
        caches, colonnes = self._caches, self._colonnes
        if len(caches) < len(valeurs):
            colonnes.extend(_lettres(i + 1) for i in range(len(colonnes), len(valeurs)))
            caches.extend({} for _i in range(len(caches), len(valeurs)))
        n = str(self._rang)
        parts = [f'<row r="{n}">']
        append = parts.append
        for i, v in enumerate(valeurs):
            if v is None:
                continue
            classe = v.__class__
            if classe is int:
                append(f'<c r="{colonnes[i]}{n}"><v>{v}</v></c>')
            elif classe is str or classe is date:
                cache = caches[i]
                suite = cache.get(v)
                if suite is None:
                    suite = _suite(v)
                    if self._en_cache < _CACHE_MAX:
                        cache[v] = suite
                        self._en_cache += 1
                append(f'<c r="{colonnes[i]}{n}{suite}')
            else:
                append(f'<c r="{colonnes[i]}{n}{_suite(v)}')
        append("</row>")
        self._tampon.append("".join(parts))
        if len(self._tampon) >= _TAMPON:
            self._vider()

    def _ecrire_entetes(self, valeurs: Sequence[str]) -> None:
        self._rang = 1
        colonnes = self._colonnes
        if len(colonnes) < len(valeurs):
            colonnes.extend(_lettres(i + 1) for i in range(len(colonnes), len(valeurs)))
        cellules = "".join(
            f'<c r="{colonnes[i]}1{_suite(v, gras=True)}' for i, v in enumerate(valeurs)
        )
        self._tampon.append(f'<row r="1">{cellules}</row>')

    def _vider(self) -> None:
        if self._tampon and self._flux is not None:
            self._flux.write("".join(self._tampon).encode())
        self._tampon.clear()

    def _fermer_feuille(self) -> None:
        if self._flux is not None:
            self._vider()
            self._flux.write(b"</sheetData></worksheet>")
            self._flux.close()
            self._flux = None

    def fermer(self) -> None:
        self._fermer_feuille()
        n = len(self._feuilles)
        feuilles = "".join(
            f'<sheet name={quoteattr(t)} sheetId="{i}" r:id="rId{i}"/>'
            for i, t in enumerate(self._feuilles, start=1)
        )
        self._zip.writestr(
            "xl/workbook.xml",
            f'{_ENTETE_XML}<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>{feuilles}</sheets>'
            "</workbook>",
        )
        liens = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        self._zip.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_ENTETE_XML}<Relationships xmlns="{_PKG}">{liens}'
            f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        self._zip.writestr("xl/styles.xml", _STYLES)
        self._zip.writestr(
            "_rels/.rels",
            f'{_ENTETE_XML}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        types = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        self._zip.writestr(
            "[Content_Types].xml",
            f'{_ENTETE_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>{types}'
            "</Types>",
        )
        self._zip.close()

    def abandonner(self) -> None:
        if self._flux is not None:
            self._flux.close()
            self._flux = None
        self._zip.close()
