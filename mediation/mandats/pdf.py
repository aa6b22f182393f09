"""The printed mandate and the revocation attestation (reportlab).

A mandate prints in two French copies, « Exemplaire du mandant » and « Exemplaire de la
structure », each with every legal mention of its template version, two signature boxes and a QR
code carrying the reference and the integrity code. A translation may follow as an aid, marked
« Traduction — seul le texte français fait foi », without signature boxes: only the French text is
signed. Dates are written in the template's language whatever the interface language.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import qrcode
import qrcode.constants
from babel import dates as babel_dates
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from core.i18n import DISPLAY_TZ
from mediation.mandats import templates as mandat_templates
from mediation.mandats.integrite import qr_content
from mediation.mandats.models import Mandat, MandatRevocation
from mediation.mandats.templates import Template

_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
_DATETIME_PATTERNS = {"fr": "d MMMM y 'à' HH:mm", "en": "d MMMM y 'at' HH:mm"}
QR_SIZE = 32 * mm


def _date(value: datetime | Any, langue: str) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(DISPLAY_TZ).date()
    return str(babel_dates.format_date(value, "long", locale=_LOCALES.get(langue, "fr_FR")))


def _datetime(value: datetime, langue: str) -> str:
    return str(
        babel_dates.format_datetime(
            value.astimezone(DISPLAY_TZ),
            _DATETIME_PATTERNS.get(langue, _DATETIME_PATTERNS["fr"]),
            locale=_LOCALES.get(langue, "fr_FR"),
        )
    )


class _Styles:
    def __init__(self) -> None:
        base = getSampleStyleSheet()
        self.body = ParagraphStyle(
            "corps", parent=base["BodyText"], fontName="Helvetica", fontSize=9.5, leading=12.5
        )
        self.bullet = ParagraphStyle("puce", parent=self.body, leftIndent=12, bulletIndent=3)
        self.heading = ParagraphStyle(
            "section",
            parent=self.body,
            fontName="Helvetica-Bold",
            fontSize=10.5,
            spaceBefore=5,
            spaceAfter=1,
        )
        self.title = ParagraphStyle(
            "titre",
            parent=self.body,
            fontName="Helvetica-Bold",
            fontSize=14,
            leading=17,
            alignment=TA_CENTER,
        )
        self.subtitle = ParagraphStyle("sous-titre", parent=self.body, alignment=TA_CENTER)
        self.copy = ParagraphStyle(
            "exemplaire",
            parent=self.body,
            fontName="Helvetica-Bold",
            fontSize=11,
            alignment=TA_CENTER,
            textColor=colors.white,
            backColor=colors.HexColor("#1f3b63"),
            borderPadding=3,
            spaceAfter=8,
        )
        self.warning = ParagraphStyle(
            "avertissement",
            parent=self.copy,
            backColor=colors.HexColor("#8a1c1c"),
        )
        self.small = ParagraphStyle("petit", parent=self.body, fontSize=8, leading=10)


class _CopyMarker(Flowable):
    """Zero-size flowable telling the page footer which copy is being drawn."""

    def __init__(self, state: dict[str, Any], label: str) -> None:
        super().__init__()
        self.state, self.label = state, label

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.state["label"] = self.label


@dataclass(frozen=True)
class Marks:
    """What a reprint states on every page besides the template's text: the mandate's state
    today (French: the signed copies are French) and the retention periods to print."""

    etat: str = ""  # « RÉVOQUÉ LE … », « EXPIRÉ LE … », or nothing for a mandate in force
    conservation_mandat_ans: int = 6
    conservation_dossier_ans: int = 3


FOOTER_QR = 20 * mm


def _document(
    buffer: io.BytesIO,
    title: str,
    footer: Callable[[dict[str, Any], int, int], str],
    *,
    qr: str | None = None,
    etat: str = "",
) -> tuple[BaseDocTemplate, dict[str, Any], Callable[..., Canvas]]:
    """The document, its shared state, and the canvas that draws each page's footer once the
    number of pages of each copy is known (« page n/N »), with the reference, the state of a
    revoked or expired mandate and the integrity QR code on every page."""
    state: dict[str, Any] = {"label": "", "pages": []}
    code = _QrCode(qr, FOOTER_QR) if qr is not None else None

    def on_page_end(canvas: Canvas, doc: BaseDocTemplate) -> None:
        state["pages"].append((state["label"], bool(state.get("translated"))))

    def paint(canvas: Canvas, index: int) -> None:
        copy = state["pages"][index]
        in_copy = [i for i, p in enumerate(state["pages"]) if p == copy]
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#444444"))
        page_state = state | {"label": copy[0], "translated": copy[1]}
        canvas.drawString(
            18 * mm, 10 * mm, footer(page_state, in_copy.index(index) + 1, len(in_copy))
        )
        if code is not None:
            code.drawOn(canvas, A4[0] - 18 * mm - FOOTER_QR, 4 * mm)
        if etat:
            canvas.setFont("Helvetica-Bold", 13)
            canvas.setFillColor(colors.HexColor("#b00020"))
            canvas.drawCentredString(A4[0] / 2, A4[1] - 9 * mm, etat)
        canvas.restoreState()

    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=14 * mm,
        bottomMargin=26 * mm,
        title=title,
        author="Médianum",
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="texte")
    doc.addPageTemplates([PageTemplate("page", [frame], onPageEnd=on_page_end)])
    return doc, state, _deferred_canvas(paint)


def _deferred_canvas(paint: Callable[[Canvas, int], None]) -> Callable[..., Canvas]:
    class DeferredFooterCanvas(Canvas):
        """Keeps each page until the end, then paints the footers knowing every count."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._kept: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._kept.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]

        def save(self) -> None:
            for index, page in enumerate(self._kept):
                self.__dict__.update(page)
                paint(self, index)
                Canvas.showPage(self)
            Canvas.save(self)

    return DeferredFooterCanvas


def _fill(text: str, values: dict[str, str]) -> str:
    """The template's sentence with the mandate's values in bold, all escaped for reportlab."""
    return escape(text).format(**{k: f"<b>{escape(v)}</b>" for k, v in values.items()})


def _years(tpl: Template, n: int) -> str:
    forms: dict[str, str] = tpl.data.get("conservation", {"annee": "{n} an", "annees": "{n} ans"})
    return (forms["annee"] if n == 1 else forms["annees"]).format(n=n)


def _values(mandat: Mandat, tpl: Template, marks: Marks | None = None) -> dict[str, str]:
    durees: dict[str, str] = tpl.data["durees"]
    marks = marks or Marks()
    return {
        "conservation_mandat": _years(tpl, marks.conservation_mandat_ans),
        "conservation_dossier": _years(tpl, marks.conservation_dossier_ans),
        "reference": mandat.reference,
        "mandant": f"{mandat.mandant_prenom} {mandat.mandant_nom}",
        "date_naissance": _date(mandat.mandant_date_naissance, tpl.langue)
        if mandat.mandant_date_naissance
        else "",
        "lieu_naissance": mandat.mandant_lieu_naissance,
        "mandataire": mandat.mandataire_nom,
        "adresse_mandataire": mandat.mandataire_adresse,
        "duree": durees[str(mandat.duree_jours)],
        "debut": _datetime(mandat.debut, tpl.langue),
        "fin": _datetime(mandat.fin, tpl.langue),
        "lieu": mandat.lieu_signature,
        "date": _date(mandat.debut, tpl.langue),
    }


def _signature_boxes(labels: list[str], styles: _Styles, width: float) -> Table:
    cells = [[Paragraph(escape(label), styles.small) for label in labels]]
    table = Table(cells, colWidths=[width / 2 - 3 * mm] * 2, rowHeights=[30 * mm])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (0, 0), 0.8, colors.black),
                ("BOX", (1, 0), (1, 0), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


class _QrCode(Flowable):
    """A QR code drawn as filled squares: the matrix is computed once and drawn on each copy
    (reportlab's own widget recomputes the code on every measure and draw)."""

    def __init__(self, content: str, size: float) -> None:
        super().__init__()
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        code.add_data(content)
        code.make(fit=True)
        self.matrix: list[list[bool]] = code.get_matrix()
        self.size = size

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        modules = len(self.matrix)
        cell = self.size / modules
        path = self.canv.beginPath()
        for row, line in enumerate(self.matrix):
            y = self.size - (row + 1) * cell
            col = 0
            while col < modules:
                if line[col]:
                    start = col
                    while col < modules and line[col]:
                        col += 1
                    path.rect(start * cell, y, (col - start) * cell, cell)
                else:
                    col += 1
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(path, stroke=0, fill=1)


def _mandate_copy(
    mandat: Mandat,
    tpl: Template,
    label: str,
    styles: _Styles,
    width: float,
    state: dict[str, Any],
    *,
    qr: _QrCode | None,
    marks: Marks,
) -> list[Flowable]:
    values = _values(mandat, tpl, marks)
    story: list[Flowable] = [_CopyMarker(state, label), Paragraph(escape(label), styles.copy)]
    if tpl.text("mention_traduction"):
        story.append(Paragraph(escape(tpl.text("mention_traduction")), styles.warning))
    story += [
        Paragraph(escape(tpl.text("titre")), styles.title),
        Paragraph(escape(tpl.text("sous_titre")), styles.subtitle),
        Spacer(1, 2 * mm),
        Paragraph(_fill(tpl.text("reference"), values), styles.subtitle),
    ]
    categories: dict[str, list[str]] = tpl.data["categories"]
    for section in tpl.data["sections"]:
        story.append(Paragraph(escape(section["titre"]), styles.heading))
        for line in section.get("texte", []):
            story.append(Paragraph(_fill(line, values), styles.body))
        bloc = section.get("bloc")
        if bloc == "categories":
            # A reprint lists only what still authorises: revoked categories are left out.
            in_force = [c for c in mandat.categories if c.revoquee_at is None]
            if not in_force:
                story.append(Paragraph(escape(AUCUNE_CATEGORIE), styles.bullet, bulletText="•"))
            for line in sorted(in_force, key=lambda c: c.rang):
                titre, couvre = categories[line.categorie]
                story.append(
                    Paragraph(
                        f"<b>{escape(titre)}</b> : {escape(couvre)}",
                        styles.bullet,
                        bulletText="•",
                    )
                )
        elif bloc == "actions":
            text = mandat.actions_specifiques or tpl.text("actions_aucune")
            for paragraph in text.splitlines() or [text]:
                if paragraph.strip():
                    story.append(Paragraph(escape(paragraph), styles.body))
        for item in section.get("liste", []):
            story.append(Paragraph(_fill(item, values), styles.bullet, bulletText="•"))
    closing: list[Flowable] = [
        Spacer(1, 3 * mm),
        Paragraph(_fill(tpl.text("fait_a"), values), styles.body),
        Spacer(1, 2 * mm),
    ]
    if qr is not None:  # the signed French copies; a translation is an unsigned aid
        closing.append(_signature_boxes(tpl.lines("signatures"), styles, width))
        qr_block = Table(
            [
                [
                    qr,
                    Paragraph(
                        escape(tpl.text("qr_legende"))
                        + f"<br/><b>{escape(mandat.reference)}</b>"
                        + f"<br/>{escape(mandat.integrity_code[:16])}",
                        styles.small,
                    ),
                ]
            ],
            colWidths=[QR_SIZE + 4 * mm, width - QR_SIZE - 4 * mm],
        )
        qr_block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        closing += [Spacer(1, 3 * mm), qr_block]
    story.append(KeepTogether(closing))
    return story


# French, like the signed copies they are printed on (the paper's language is not the
# interface's).
AUCUNE_CATEGORIE = "Aucune : toutes les catégories de ce mandat ont été révoquées."


def mandat_pdf(
    mandat: Mandat, *, traduction: str | None = None, marks: Marks | None = None
) -> bytes:
    """Both French copies, then (if asked) the translated aid, with the mandate's template;
    every page carries its number in the copy, the reference, the QR code and, on a reprint
    of a mandate no longer in force, its state (``marks``)."""
    marks = marks or Marks()
    french = mandat_templates.load(mandat.template_version, mandat_templates.LANGUE_FAIT_FOI)
    translated = (
        mandat_templates.load(mandat.template_version, traduction)
        if traduction and traduction != mandat_templates.LANGUE_FAIT_FOI
        else None
    )
    buffer = io.BytesIO()

    def footer(state: dict[str, Any], page: int, pages: int) -> str:
        tpl = translated if state.get("translated") and translated else french
        return tpl.text("page").format(
            reference=mandat.reference, exemplaire=state["label"], page=page, pages=pages
        )

    content = qr_content(mandat.reference, mandat.integrity_code)
    doc, state, canvas = _document(
        buffer, french.text("titre"), footer, qr=content, etat=marks.etat
    )
    styles = _Styles()
    story: list[Flowable] = []
    copies = french.data["exemplaires"]
    qr = _QrCode(content, QR_SIZE)
    for key in ("mandant", "structure"):
        if story:
            story.append(PageBreak())
        story += _mandate_copy(
            mandat, french, copies[key], styles, doc.width, state, qr=qr, marks=marks
        )
    if translated is not None:
        story.append(PageBreak())
        story.append(_TranslatedMarker(state))
        story += _mandate_copy(
            mandat,
            translated,
            translated.data["exemplaires"]["mandant"],
            styles,
            doc.width,
            state,
            qr=None,
            marks=marks,
        )
    doc.build(story, canvasmaker=canvas)
    return buffer.getvalue()


class _TranslatedMarker(Flowable):
    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__()
        self.state = state

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.state["translated"] = True


def revocation_pdf(mandat: Mandat, revocation: MandatRevocation) -> bytes:
    """The revocation attestation, two copies, with the mandate's own template version."""
    tpl = mandat_templates.load(mandat.template_version, mandat_templates.LANGUE_FAIT_FOI)
    texts: dict[str, Any] = tpl.data["revocation"]
    values = _values(mandat, tpl)
    values["numero"] = str(revocation.id)
    values["date"] = _date(revocation.at, tpl.langue)
    values["debut"] = _date(mandat.debut, tpl.langue)
    if revocation.categorie is not None:
        values["categorie"] = tpl.data["categories"][revocation.categorie][0]
    buffer = io.BytesIO()

    def footer(state: dict[str, Any], page: int, pages: int) -> str:
        return tpl.text("page").format(
            reference=mandat.reference, exemplaire=state["label"], page=page, pages=pages
        )

    doc, state, canvas = _document(
        buffer, str(texts["titre"]), footer, qr=qr_content(mandat.reference, mandat.integrity_code)
    )
    styles = _Styles()
    story: list[Flowable] = []
    for index, key in enumerate(("mandant", "structure")):
        label = tpl.data["exemplaires"][key]
        if index:
            story.append(PageBreak())
        story += [
            _CopyMarker(state, label),
            Paragraph(escape(label), styles.copy),
            Paragraph(escape(str(texts["titre"])), styles.title),
            Spacer(1, 2 * mm),
            Paragraph(_fill(str(texts["reference"]), values), styles.subtitle),
            Spacer(1, 6 * mm),
            Paragraph(
                _fill(
                    str(texts["texte_categorie"] if revocation.categorie else texts["texte_total"]),
                    values,
                ),
                styles.body,
            ),
            Spacer(1, 3 * mm),
            Paragraph(_fill(str(texts["effet"]), values), styles.body),
            Spacer(1, 6 * mm),
            Paragraph(_fill(str(texts["fait_a"]), values), styles.body),
            Spacer(1, 3 * mm),
            _signature_boxes([str(s) for s in texts["signatures"]], styles, doc.width),
        ]
    doc.build(story, canvasmaker=canvas)
    return buffer.getvalue()
