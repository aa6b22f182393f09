"""Printed documents: the chequebook (A4, detachable passes with QR codes) and the settlement
statement. Drawn straight on a reportlab canvas: a chequebook must print in a blink at the desk.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

import qrcode
import qrcode.constants
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from core.i18n import _, format_date, format_datetime, format_money
from pass_numerique import serials
from pass_numerique.issuance import ChequebookPrint, PrintedPass
from pass_numerique.settlements import Settlement
from pass_numerique.structures import format_iban

PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
PASSES_PER_PAGE = 3
SECTION_H = (PAGE_H - 2 * MARGIN) / PASSES_PER_PAGE
STUB_W = 55 * mm
QR_SIZE = 42 * mm


def _t(text: str) -> str:
    """Text the standard PDF fonts can show (they lack the narrow no-break space)."""
    return text.replace("\u202f", "\u00a0")


def _day(value: date) -> str:
    return format_date(value, "short")


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """A QR code as vector rectangles (one per run of dark modules), crisp at any resolution."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    n = len(matrix)
    cell = size / n
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * cell
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                path.rect(x + start * cell, top, (col - start) * cell, cell)
            else:
                col += 1
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, fill=1, stroke=0)


def _wrap(canvas: Canvas, text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if canvas.stringWidth(candidate, font, size) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _paragraph(
    canvas: Canvas,
    text: str,
    x: float,
    y: float,
    width: float,
    font: str = "Helvetica",
    size: float = 11,
) -> float:
    canvas.setFont(font, size)
    for line in _wrap(canvas, _t(text), font, size, width):
        canvas.drawString(x, y, line)
        y -= size * 1.35
    return y


def _cover(canvas: Canvas, book: ChequebookPrint) -> None:
    width = PAGE_W - 2 * MARGIN
    y = PAGE_H - MARGIN - 10 * mm
    canvas.setFont("Helvetica-Bold", 24)
    canvas.drawString(MARGIN, y, _t(_("Chéquier Pass numérique")))
    _reprint_mark(canvas, book)
    y -= 14 * mm
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(MARGIN, y, _t(_("Au nom de : {porteur}").format(porteur=book.porteur)))
    y -= 10 * mm
    total = book.valeur_cents * len(book.passes)
    facts = [
        _("Campagne : {nom} — financée par {financeur}").format(
            nom=book.campagne, financeur=book.financeur
        ),
        _("{n} pass de {valeur}").format(n=len(book.passes), valeur=format_money(book.valeur_cents))
        + (
            _(" (total {total})").format(total=format_money(total)) if not book.reimpression else ""
        ),
        _("Valables du {debut} au {fin} ; dernier jour d'utilisation : {dernier}.").format(
            debut=_day(book.debut), fin=_day(book.fin), dernier=_day(book.expire_le)
        ),
        _("Chéquier n° {id}").format(id=book.chequier_id),
    ]
    for fact in facts:
        y = _paragraph(canvas, fact, MARGIN, y, width, size=12) - 1 * mm
    y -= 6 * mm
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(MARGIN, y, _t(_("Comment utiliser vos pass")))
    y -= 7 * mm
    how = [
        _(
            "Chaque pass paie un accompagnement au numérique auprès d'une structure référencée "
            "ci-dessous : présentez le pass, le médiateur le scanne et le garde."
        ),
        _("Un pass ne s'utilise qu'une fois. Il n'est ni échangeable ni remboursable en espèces."),
        _(
            "Conservez les talons : ils portent le numéro de chaque pass. En cas de perte ou de "
            "vol, prévenez le lieu qui vous a remis ce chéquier : les pass restants seront "
            "bloqués."
        ),
    ]
    for line in how:
        y = _paragraph(canvas, "• " + line, MARGIN, y, width, size=11) - 1.5 * mm
    y -= 5 * mm
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(MARGIN, y, _t(_("Où les utiliser")))
    y -= 7 * mm
    shown = 0
    for structure in book.structures:
        if y < MARGIN + 12 * mm:
            break
        address = " ".join(p for p in (structure.adresse, structure.code_postal) if p)
        services = ", ".join(structure.services)
        line = structure.nom + (f" — {address}" if address else "")
        y = _paragraph(canvas, line, MARGIN, y, width, font="Helvetica-Bold", size=10)
        if services:
            y = _paragraph(canvas, services, MARGIN + 4 * mm, y, width - 4 * mm, size=9)
        y -= 1.5 * mm
        shown += 1
    if shown < len(book.structures):
        _paragraph(
            canvas,
            _("… et {n} autres structures : demandez la liste à l'accueil.").format(
                n=len(book.structures) - shown
            ),
            MARGIN,
            y,
            width,
            size=10,
        )
    if not book.structures:
        _paragraph(
            canvas, _("La liste des structures est disponible à l'accueil."), MARGIN, y, width
        )


def _dashed(canvas: Canvas, x1: float, y1: float, x2: float, y2: float) -> None:
    canvas.saveState()
    canvas.setDash(3, 3)
    canvas.setStrokeColorRGB(0.4, 0.4, 0.4)
    canvas.line(x1, y1, x2, y2)
    canvas.restoreState()


def _reprint_mark(canvas: Canvas, book: ChequebookPrint) -> None:
    """On every page, in the top margin: a reprint never passes for an original."""
    if not book.reimpression:
        return
    canvas.saveState()
    canvas.setFillColorRGB(0.75, 0, 0)
    canvas.setFont("Helvetica-Bold", 12)
    canvas.drawCentredString(
        PAGE_W / 2,
        PAGE_H - MARGIN + 4 * mm,
        _t(_("RÉIMPRESSION n° {n}").format(n=book.reimpression_no)),
    )
    canvas.restoreState()


def _pass_section(canvas: Canvas, book: ChequebookPrint, p: PrintedPass, bottom: float) -> None:
    top = bottom + SECTION_H
    left = MARGIN
    value = format_money(p.valeur_cents)
    shown_serial = serials.display(p.serial)
    # Stub, kept by the beneficiary.
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(left, top - 12 * mm, _t(_("Talon à conserver")))
    canvas.setFont("Helvetica", 10)
    canvas.drawString(
        left, top - 20 * mm, _t(_("Pass {rang} / {n}").format(rang=p.rang, n=len(book.passes)))
    )
    canvas.drawString(left, top - 27 * mm, _t(value))
    canvas.setFont("Courier-Bold", 11)
    canvas.drawString(left, top - 35 * mm, shown_serial)
    canvas.setFont("Helvetica", 9)
    canvas.drawString(left, top - 43 * mm, _t(_("Jusqu'au {date}").format(date=_day(p.expire_le))))
    canvas.drawString(left, top - 50 * mm, _t(_("Chéquier n° {id}").format(id=book.chequier_id)))
    cut_x = left + STUB_W
    _dashed(canvas, cut_x, bottom + 4 * mm, cut_x, top - 4 * mm)
    canvas.setFont("Helvetica", 7)
    canvas.drawString(cut_x + 1 * mm, top - 6 * mm, _t(_("découper ici")))
    # The pass itself.
    body = cut_x + 8 * mm
    right = PAGE_W - MARGIN
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(body, top - 14 * mm, _t(_("Pass numérique")))
    if book.reimpression:  # on the pass itself too, once cut from the page
        canvas.setFont("Helvetica-Bold", 9)
        canvas.drawString(body + 48 * mm, top - 14 * mm, _t(_("RÉIMPRESSION")))
    canvas.setFont("Helvetica", 9)
    canvas.drawString(body, top - 20 * mm, _t(book.campagne)[:60])
    canvas.setFont("Helvetica-Bold", 30)
    canvas.drawString(body, top - 36 * mm, _t(value))
    canvas.setFont("Helvetica", 11)
    canvas.drawString(
        body, top - 45 * mm, _t(_("Valable jusqu'au {date}").format(date=_day(p.expire_le)))
    )
    canvas.drawString(
        body, top - 52 * mm, _t(_("Au nom de {porteur}").format(porteur=book.porteur))
    )
    canvas.setFont("Courier-Bold", 20)
    canvas.drawString(body, bottom + 14 * mm, shown_serial)
    canvas.setFont("Helvetica", 7)
    canvas.drawString(body, bottom + 9 * mm, _t(_("Numéro à saisir si le code ne se lit pas")))
    draw_qr(canvas, p.qr_text, right - QR_SIZE, top - QR_SIZE - 8 * mm, QR_SIZE)


def chequebook_pdf(book: ChequebookPrint) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(_t(_("Chéquier Pass numérique n° {id}").format(id=book.chequier_id)))
    canvas.setAuthor("Médianum")
    _cover(canvas, book)
    canvas.showPage()
    for start in range(0, len(book.passes), PASSES_PER_PAGE):
        page = book.passes[start : start + PASSES_PER_PAGE]
        _reprint_mark(canvas, book)
        for i, p in enumerate(page):
            bottom = PAGE_H - MARGIN - (i + 1) * SECTION_H
            _pass_section(canvas, book, p, bottom)
            if i < len(page) - 1:
                _dashed(canvas, MARGIN, bottom, PAGE_W - MARGIN, bottom)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def table_pdf(
    title: str,
    header_lines: Sequence[str],
    columns: Sequence[tuple[str, float]],
    rows: Sequence[Sequence[str]],
    footer_lines: Sequence[str] = (),
) -> bytes:
    """A plain paginated table: statements and reports."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(_t(title))
    canvas.setAuthor("Médianum")
    width = PAGE_W - 2 * MARGIN
    y = PAGE_H - MARGIN - 6 * mm

    def column_titles(y: float) -> float:
        x = MARGIN
        canvas.setFont("Helvetica-Bold", 9)
        for name, share in columns:
            canvas.drawString(x, y, _t(name))
            x += share * width
        canvas.line(MARGIN, y - 2, PAGE_W - MARGIN, y - 2)
        return y - 5 * mm

    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(MARGIN, y, _t(title))
    y -= 9 * mm
    for line in header_lines:
        y = _paragraph(canvas, line, MARGIN, y, width, size=10)
    y -= 3 * mm
    y = column_titles(y)
    for row in rows:
        if y < MARGIN + 10 * mm:
            canvas.showPage()
            y = column_titles(PAGE_H - MARGIN - 6 * mm)
        x = MARGIN
        canvas.setFont("Helvetica", 9)
        for (_name, share), cell in zip(columns, row, strict=True):
            canvas.drawString(x, y, _t(cell)[:80])
            x += share * width
        y -= 4.5 * mm
    y -= 4 * mm
    for line in footer_lines:
        if y < MARGIN + 10 * mm:
            canvas.showPage()
            y = PAGE_H - MARGIN - 6 * mm
        y = _paragraph(canvas, line, MARGIN, y, width, font="Helvetica-Bold", size=11)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def ancre_line(ancre: tuple[int, str]) -> str:
    """The journal's head as `db verify-journal --ancre` reads it back from the paper."""
    return _(
        "Ancre du journal (à conserver, vérifiable par « db verify-journal --ancre ») : {a}"
    ).format(a=f"{ancre[0]}:{ancre[1]}")


def settlement_pdf(settlement: Settlement) -> bytes:
    header = [
        _("Structure : {nom} (SIRET {siret})").format(
            nom=settlement.structure, siret=settlement.siret or "—"
        ),
        _("Mois : {mois}").format(mois=settlement.mois),
        _("Virement à : {titulaire} — IBAN {iban}").format(
            titulaire=settlement.titulaire, iban=format_iban(settlement.iban)
        )
        + (_(" — BIC {bic}").format(bic=settlement.bic) if settlement.bic else ""),
    ]
    if settlement.valide_at is not None:
        header.append(
            _("Validé le {date} (n° {id}) : relevé définitif.").format(
                date=format_datetime(settlement.valide_at), id=settlement.reglement_id
            )
        )
    else:
        header.append(_("APERÇU — non validé"))
    rows = [
        [serials.display(line.serial), format_datetime(line.at), format_money(line.valeur_cents)]
        for line in settlement.lines
    ]
    return table_pdf(
        _("Relevé de remboursement Pass numérique"),
        header,
        [(_("Pass"), 0.3), (_("Encaissé le"), 0.45), (_("Montant"), 0.25)],
        rows,
        [
            _("Nombre de pass : {n}").format(n=settlement.nombre),
            _("Montant dû : {montant}").format(montant=format_money(settlement.montant_cents)),
            *([ancre_line(settlement.ancre)] if settlement.ancre else []),
        ],
    )
