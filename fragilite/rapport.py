"""The publishable PDF report: map, tables with intervals, sample sizes, method in plain French,
and on every page the caveat that a desk survey is not a probability sample."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from core.i18n import _, format_number
from fragilite import cartes
from fragilite.calcul import Resultat
from fragilite.estimation import MASQUE, PEU_FIABLE
from fragilite.indicateurs import INDICATEURS
from fragilite.pdf_texte import texte_pdf


def _statut(statut: str) -> str:
    return {
        "ok": _("fiable"),
        PEU_FIABLE: _("peu fiable (lissé)"),
        MASQUE: _("masqué"),
    }[statut]


def _cell(res: Resultat, name: str, i: int) -> str:
    est = res.estimations
    v = float(est.valeurs[name][i])
    if not math.isfinite(v):
        return _("non calculable") if cartes.non_calculable(est, name, i) else "—"
    lo, hi = float(est.ic_bas[name][i]), float(est.ic_haut[name][i])
    text = (
        f"{cartes.formater(v, name)}\n[{cartes.formater(lo, name)} – {cartes.formater(hi, name)}]"
    )
    if name in est.n_indicateur:
        text += "\n" + _("n = {n}").format(n=int(est.n_indicateur[name][i]))
    return text


def _poids_territoire(res: Resultat, i: int) -> str:
    b = float(res.estimations.poids_territoire_moyen()[i])
    if not math.isfinite(b) or i == len(res.estimations.territoire.communes):
        return "—"
    return format_number(100 * b, 0) + " %"


def texte_lissage() -> str:
    # Percentages passed whole: a « % » followed by a letter in the message itself reads as a
    # printf conversion to the catalog compiler.
    return _(
        "Les valeurs lissées sont tirées vers le niveau du territoire : la colonne « Poids du "
        "territoire » donne, pour chaque commune, la part moyenne (sur ses indicateurs) du niveau "
        "territorial dans la valeur publiée. {zero} : la valeur est celle de la commune seule ; "
        "{exemple} : la valeur publiée est faite pour {exemple} du niveau du territoire. Une "
        "commune réellement éloignée de la moyenne est donc montrée plus proche d'elle qu'elle "
        "ne l'est."
    ).format(zero="0 %", exemple="60 %")


def alertes(resultat: Resultat) -> list[str]:
    """Warnings that change how every figure reads, shown on the first page."""
    from fragilite.ponderation import avertissement_sans_marges

    out = []
    if resultat.ponderation in ("egaux", "poids_enquete"):
        out.append(avertissement_sans_marges())
    if resultat.communes_sans_marges:
        out.append(
            _("Communes absentes des marges, non calées (biais d'âge non corrigé) : {c}.").format(
                c=", ".join(resultat.communes_sans_marges)
            )
        )
    return out


def ecrire_pdf(resultat: Resultat, path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        Flowable,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    est = resultat.estimations
    terr = est.territoire
    styles = getSampleStyleSheet()
    body = ParagraphStyle("corps", parent=styles["BodyText"], fontSize=9, leading=12)
    small = ParagraphStyle("petit", parent=body, fontSize=7.5, leading=9)
    caveat = ParagraphStyle(
        "avertissement",
        parent=body,
        fontName="Helvetica-Bold",
        backColor=colors.HexColor("#fff3cd"),
        borderPadding=6,
        spaceBefore=6,
        spaceAfter=10,
    )

    def p(text: str, style: Any = body) -> Paragraph:
        from xml.sax.saxutils import escape

        return Paragraph(escape(texte_pdf(text)), style)

    class MapFlowable(Flowable):
        def __init__(self, width: float, height: float) -> None:
            super().__init__()
            self.width, self.height = width, height

        def draw(self) -> None:
            cartes.dessiner_pdf(self.canv, resultat, "indice", (0, 0, self.width, self.height))

    page_w, page_h = landscape(A4)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=(page_w, page_h),
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=2 * cm,
        title=texte_pdf(_("Fragilité numérique — {t}").format(t=terr.nom)),
        author="Médianum",
    )

    def footer(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica-Oblique", 7.5)
        canvas.drawString(1.5 * cm, 1.2 * cm, texte_pdf(resultat.methode.avertissement))
        canvas.drawString(1.5 * cm, 0.8 * cm, texte_pdf(resultat.provenance())[:190])
        canvas.drawRightString(page_w - 1.5 * cm, 0.8 * cm, str(canvas.getPageNumber()))
        canvas.restoreState()

    story: list[Any] = [
        p(_("Fragilité numérique — {t}").format(t=terr.nom), styles["Title"]),
        p(resultat.methode.avertissement, caveat),
        *[p(w, caveat) for w in alertes(resultat)],
        p(
            _(
                "{n} personnes ont répondu à l'enquête « {f} » ({x} lignes du fichier exclues "
                "car invalides). Pondération : {pond}. Méthodologie version {v}. Empreinte "
                "SHA-256 du fichier d'enquête : {h}."
            ).format(
                n=resultat.repondants,
                f=resultat.enquete,
                x=resultat.lignes_exclues,
                pond=resultat.ponderation_libelle,
                v=resultat.methode.version,
                h=resultat.empreinte_enquete,
            )
        ),
        Spacer(1, 6),
        p(_("Indice de fragilité numérique par commune"), styles["Heading2"]),
        MapFlowable(page_w - 3 * cm, page_h * 0.52),
        p(
            _(
                "Indice : 100 = niveau du territoire ; au-dessus de 100, la commune est plus "
                "fragile que l'ensemble du territoire."
            )
            if resultat.methode.normalisation == "territoire_100"
            else _("Indice sur une échelle de 1 (moins fragile) à 10 (plus fragile).")
        ),
        PageBreak(),
        p(_("Indice et axes par commune (intervalle de confiance à 95 %)"), styles["Heading2"]),
    ]
    axes = [a.nom for a in resultat.methode.axes]
    head = [
        _("Commune"),
        _("Répondants"),
        _("n efficace"),
        _("Statut"),
        _("Poids du territoire"),
        cartes.titre("indice"),
        *[cartes.titre(a) for a in axes],
    ]
    rows: list[list[Any]] = [[p(h, small) for h in head]]
    order = range(len(terr.communes) + 1)
    for i in order:
        nom = terr.communes[i][1] if i < len(terr.communes) else terr.nom
        hidden = est.statut[i] == MASQUE
        rows.append(
            [
                p(nom, small),
                "—" if hidden else str(int(est.n[i])),
                "—" if hidden else format_number(float(est.n_eff[i]), 1),
                _statut(est.statut[i])
                + (
                    "\n" + _("non calée")
                    if i < len(terr.codes) and terr.codes[i] in resultat.communes_sans_marges
                    else ""
                ),
                _poids_territoire(resultat, i),
                *[_cell(resultat, name, i) for name in ["indice", *axes]],
            ]
        )
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), "Helvetica", 7),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
            ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f3f3f3")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    story.append(Table(rows, repeatRows=1, style=style))
    story.append(p(texte_lissage(), small))
    story += [
        PageBreak(),
        p(_("Indicateurs par commune (parts de personnes, IC à 95 %)"), styles["Heading2"]),
    ]
    rows = [[p(h, small) for h in [_("Commune"), *[cartes.titre(k) for k in INDICATEURS]]]]
    for i in order:
        nom = terr.communes[i][1] if i < len(terr.communes) else terr.nom
        rows.append([p(nom, small), *[_cell(resultat, k, i) for k in INDICATEURS]])
    story.append(Table(rows, repeatRows=1, style=style))
    story += [PageBreak(), p(_("Méthode"), styles["Heading2"])]
    texte = resultat.methode.texte
    story.append(p(texte.get("titre", "")))
    story.append(p(texte.get("reponses_manquantes", "")))
    story.append(p(texte.get("ponderation", "")))
    for name in INDICATEURS:
        story.append(p(f"{cartes.titre(name)} : {texte['indicateurs'].get(name, '')}"))
    story.append(
        p(
            _("Axes : {axes}.").format(
                axes=" ; ".join(
                    f"{cartes.titre(a.nom)} = " + " + ".join(cartes.titre(k) for k in a.indicateurs)
                    for a in resultat.methode.axes
                )
            )
        )
    )
    story.append(p(texte["normalisations_possibles"][resultat.methode.normalisation]))
    story.append(p(texte["intervalles"]["parts"]))
    story.append(p(texte["intervalles"]["axes_et_indice"]))
    story.append(p(texte["lissage"]["methode"]))
    story.append(
        p(
            _(
                "Une commune comptant moins de {k} répondants n'est pas affichée, pour protéger "
                "les personnes interrogées ; une commune dont la taille d'échantillon efficace est "
                "inférieure à {s} est « peu fiable » : ses estimations sont rapprochées de celles "
                "du territoire."
            ).format(
                k=resultat.methode.minimum_repondants,
                s=format_number(resultat.methode.seuil_fiable_n_eff, 0),
            )
        )
    )
    if "protection" in texte:
        story.append(p(texte["protection"]))
    story.append(p(resultat.methode.avertissement, caveat))
    notes = resultat.metadonnees()["avertissements"]
    app = cartes.apparier(terr.codes)
    notes += app.rapport()
    if notes:
        story.append(p(_("Remarques sur les données"), styles["Heading3"]))
        story += [p(n, small) for n in notes]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
