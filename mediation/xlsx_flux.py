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

Two ways to give a row: ``ligne`` takes its values; ``ligne_de_blocs`` takes *blocks*, runs of
consecutive cells rendered once by ``bloc`` (everything but the row number) and reused on every
row that repeats them: the accompaniments export renders an activity's columns once for all its
participants' rows, a person's profile columns once for every row of that profile. Both give the
same bytes for the same cells.

The sheet's bytes are deflated and written to the file on a thread of its own: zlib, the CRC and
the file write release the GIL, so the next rows are built meanwhile on another core. An error
there (a full disk) is raised in the caller's thread at its next row or at ``fermer``, and the
caller deletes the partial file as for any other write error.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, cast
from xml.sax.saxutils import quoteattr

Cellule = str | int | float | date | None
# A run of consecutive cells rendered but for the row number, in UTF-8: the run's XML on row
# ``n`` is ``n.join(bloc)`` (each cell is ``<c r="`` + its column letters, the row number, the
# rest).
Bloc = tuple[bytes, ...]

_EPOQUE = date(1899, 12, 30)
# Characters XML 1.0 cannot carry at all: dropped.
_INTERDITS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CACHE_MAX = 100_000
_TAMPON = 500  # rows joined before each write to the ZIP stream
_EN_ATTENTE = 4  # buffers waiting for the deflating thread (a few MB at most)

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


class _Deflateur:
    """Writes one ZIP entry's bytes on a thread of its own (zlib, the CRC and the file write
    release the GIL). The first error stops the writing; it is raised in the caller's thread at
    its next ``ecrire`` or at ``terminer``."""

    def __init__(self, flux: IO[bytes]) -> None:
        self._flux = flux
        self._file: queue.Queue[bytes | None] = queue.Queue(maxsize=_EN_ATTENTE)
        self._erreur: BaseException | None = None
        self._fil = threading.Thread(target=self._boucle, name="xlsx-deflate", daemon=True)
        self._fil.start()

    def _boucle(self) -> None:
        while True:
            donnees = self._file.get()
            if donnees is None:
                return
            if self._erreur is None:  # after an error, the rest is only drained
                try:
                    self._flux.write(donnees)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                    self._erreur = exc

    def ecrire(self, donnees: bytes) -> None:
        self._lever()
        self._file.put(donnees)

    def terminer(self) -> None:
        """Waits for every buffer to be written; raises the thread's error if there was one."""
        if self._fil.is_alive():
            self._file.put(None)
            self._fil.join()
        self._lever()

    def _lever(self) -> None:
        if self._erreur is not None:
            raise self._erreur


class ClasseurXlsx:
    """Sheets written one after the other, rows streamed; ``fermer`` completes the file,
    ``abandonner`` leaves a file the caller deletes."""

    def __init__(self, chemin: Path) -> None:
        # Level 1: most of the size gain for a fraction of the default level's time.
        self._zip = zipfile.ZipFile(chemin, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._feuilles: list[str] = []
        self._flux: IO[bytes] | None = None
        self._deflateur: _Deflateur | None = None
        self._rang = 0
        self._tampon: list[bytes] = []
        self._colonnes: list[str] = []
        # Per column, each distinct text or date's cell XML; ``_en_cache`` counts them all.
        self._caches: list[dict[Cellule, str]] = []
        # The same for ``bloc``, already in UTF-8 (encoding the sheet was a tenth of the export).
        self._caches_octets: list[dict[Cellule, bytes]] = []
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
        self._deflateur = _Deflateur(self._flux)
        self._rang = 0
        self._caches, self._caches_octets, self._en_cache = [], [], 0
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
        self._tampon.append("".join(parts).encode())
        if len(self._tampon) >= _TAMPON:
            self._vider()

    def bloc(self, colonne: int, valeurs: Sequence[Cellule]) -> Bloc:
        """The cells ``valeurs`` from column ``colonne`` (0 for A) on, rendered once for
        ``ligne_de_blocs``: each cell exactly as ``ligne`` writes it, empty cells left out."""
        caches, colonnes = self._caches_octets, self._colonnes
        fin = colonne + len(valeurs)
        if len(colonnes) < fin:
            colonnes.extend(_lettres(i + 1) for i in range(len(colonnes), fin))
        if len(caches) < fin:
            caches.extend({} for _i in range(len(caches), fin))
        parts: list[bytes] = []
        precedente = b""  # what follows the previous cell's row number
        for i, v in enumerate(valeurs, start=colonne):
            if v is None:
                continue
            classe = v.__class__
            suite: bytes | None
            if classe is int:
                suite = b'"><v>%d</v></c>' % cast(int, v)
            elif classe is str or classe is date:
                cache = caches[i]
                suite = cache.get(v)
                if suite is None:
                    suite = _suite(v).encode()
                    if self._en_cache < _CACHE_MAX:
                        cache[v] = suite
                        self._en_cache += 1
            else:
                suite = _suite(v).encode()
            parts.append(precedente + b'<c r="' + colonnes[i].encode())
            precedente = suite
        if parts:
            parts.append(precedente)
        return tuple(parts)

    def ligne_de_blocs(self, blocs: Sequence[Bloc]) -> None:
        """One data row made of blocks from ``bloc``, in column order."""
        assert self._flux is not None, "feuille() comes first"
        self._rang += 1
        n = b"%d" % self._rang
        self._tampon.append(
            b'<row r="' + n + b'">' + b"".join([n.join(b) for b in blocs]) + b"</row>"
        )
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
        self._tampon.append(f'<row r="1">{cellules}</row>'.encode())

    def _vider(self) -> None:
        if self._tampon and self._deflateur is not None:
            self._deflateur.ecrire(b"".join(self._tampon))
        self._tampon.clear()

    def _fermer_feuille(self) -> None:
        if self._flux is not None:
            self._vider()
            assert self._deflateur is not None
            self._deflateur.terminer()
            self._deflateur = None
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
        if self._deflateur is not None:
            deflateur, self._deflateur = self._deflateur, None
            with contextlib.suppress(Exception):  # the caller is already handling an error
                deflateur.terminer()
        if self._flux is not None:
            self._flux.close()
            self._flux = None
        self._zip.close()
