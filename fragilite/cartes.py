"""Choropleth maps of the result: interactive offline HTML (folium, assets inlined by
``core.webmap``), and static PNG (Pillow) and PDF (reportlab) drawn from the GeoJSON outlines.

Outlines are IGN ADMIN EXPRESS 2018 and communes are the 2024 COG: joining them reports every
mismatch (a commune without outline, an outline whose code no longer exists, e.g. merged since)
rather than dropping it. Communes whose figures are hidden are grey; communes whose figures are
smoothed (few respondents) are hatched on print maps and dashed in the interactive map. Every map
carries the desk-survey caveat and the provenance line.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ValidationError
from core.i18n import _, format_number
from core.paths import resource
from fragilite.calcul import Resultat
from fragilite.estimation import COLONNES_ESTIMEES, MASQUE, PEU_FIABLE, Estimations
from fragilite.indicateurs import LIBELLES

Ring = list[tuple[float, float]]
Polygone = list[Ring]  # outer ring then holes

# ColorBrewer YlOrRd, 6 classes: light = less fragile, dark = more fragile.
PALETTE = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
GRIS = "#c8c8c8"
CONTOUR = "#505050"


@dataclass(frozen=True)
class Appariement:
    geometries: dict[str, list[Polygone]]  # by current INSEE code
    sans_contour: list[str]  # territory communes without an outline
    contours_orphelins: dict[str, str]  # outline code (not in the COG) -> its name

    def rapport(self) -> list[str]:
        lines = [
            _("commune {c} sans contour dans les fonds de carte").format(c=c)
            for c in self.sans_contour
        ]
        lines += [
            _(
                "contour {c} « {n} » (fonds 2018) : code absent du COG en vigueur (commune "
                "fusionnée depuis) ; dessiné en gris, hors résultats"
            ).format(c=c, n=n)
            for c, n in sorted(self.contours_orphelins.items())
        ]
        return lines


@cache
def _features() -> tuple[dict[str, Any], ...]:
    seen: dict[str, dict[str, Any]] = {}
    for path in sorted(resource("cartes").glob("*.geojson")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for feature in data["features"]:
            seen.setdefault(str(feature["properties"]["code"]), feature)
    return tuple(seen.values())


def _polygons(geometry: dict[str, Any]) -> list[Polygone]:
    coords = geometry["coordinates"]
    polys = [coords] if geometry["type"] == "Polygon" else coords
    return [[[(float(x), float(y)) for x, y in ring] for ring in poly] for poly in polys]


def apparier(codes: Sequence[str]) -> Appariement:
    """Outlines of the territory's communes, and every mismatch between outlines and the COG."""
    from core.territory import cog

    wanted = set(codes)
    known = cog()
    geoms: dict[str, list[Polygone]] = {}
    orphans: dict[str, str] = {}
    departements = {known[c].departement for c in codes if c in known}
    for feature in _features():
        code = str(feature["properties"]["code"])
        if code in wanted:
            geoms[code] = _polygons(feature["geometry"])
        elif (
            code not in known
            and any(code.startswith(d) for d in departements)
            and _near(feature["geometry"], codes)
        ):
            # An outline of the territory's departement whose code is gone: it may belong to a
            # commune of the territory (merged since 2018). Shown, never silently discarded.
            orphans[code] = str(feature["properties"].get("nom", ""))
    return Appariement(geoms, [c for c in codes if c not in geoms], orphans)


def _near(geometry: dict[str, Any], codes: Sequence[str]) -> bool:
    """Whether an orphan outline lies within the territory's bounding box."""
    box = _bbox_codes(tuple(codes))
    if box is None:
        return False
    xs, ys = zip(*(pt for poly in _polygons(geometry) for pt in poly[0]), strict=True)
    return bool(min(xs) <= box[2] and max(xs) >= box[0] and min(ys) <= box[3] and max(ys) >= box[1])


@cache
def _bbox_codes(codes: tuple[str, ...]) -> tuple[float, float, float, float] | None:
    wanted = set(codes)
    pts = [
        pt
        for f in _features()
        if str(f["properties"]["code"]) in wanted
        for poly in _polygons(f["geometry"])
        for pt in poly[0]
    ]
    if not pts:
        return None
    xs, ys = zip(*pts, strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def orphan_geometries(app: Appariement) -> dict[str, list[Polygone]]:
    return {
        str(f["properties"]["code"]): _polygons(f["geometry"])
        for f in _features()
        if str(f["properties"]["code"]) in app.contours_orphelins
    }


# --- classes and labels ------------------------------------------------------------------------


def classes(values: Sequence[float]) -> list[float]:
    """Class breaks (len(PALETTE) + 1 bounds), equal intervals over the communes shown; none
    when no commune has a value (the map is then all grey, and its legend says so)."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return []
    low, high = min(finite), max(finite)
    if high <= low:
        high = low + (1.0 if low > 1 else 0.01)
    step = (high - low) / len(PALETTE)
    return [low + i * step for i in range(len(PALETTE) + 1)]


def couleur(value: float, breaks: Sequence[float]) -> str:
    if not math.isfinite(value) or not breaks:
        return GRIS
    for i in range(len(PALETTE)):
        if value <= breaks[i + 1]:
            return PALETTE[i]
    return PALETTE[-1]


def est_part(name: str) -> bool:
    return name != "indice"


def formater(value: float, name: str) -> str:
    if not math.isfinite(value):
        return "—"
    if est_part(name):
        return format_number(100 * value, 1) + " %"
    return format_number(value, 1)


def non_calculable(est: Estimations, name: str, i: int) -> bool:
    """A figure of row ``i`` that is not hidden to protect respondents yet has no value (the
    index when no axis is usable on the territory): grey, and said « non calculable »."""
    if math.isfinite(float(est.valeurs[name][i])) or est.statut[i] == MASQUE:
        return False
    # Hidden for an indicator below the minimum number of respondents: masked, not this.
    related = [name] if name in est.n_indicateur else list(est.n_indicateur)
    return all(int(est.n_indicateur[k][i]) >= 0 for k in related)


def mentions_grises(resultat: Resultat, name: str, breaks: Sequence[float]) -> list[str]:
    """Legend lines for grey communes other than the hidden ones: figures not computable, and a
    map where no commune has a value at all."""
    est = resultat.estimations
    out = []
    if any(non_calculable(est, name, i) for i in range(len(est.territoire.communes))):
        out.append(_("non calculable"))
    if not breaks:
        out.append(_("aucune commune n'a de valeur à afficher : toutes sont en gris"))
    return out


@dataclass(frozen=True)
class Zone:
    code: str
    nom: str
    statut: str
    valeur: float
    bas: float
    haut: float
    n: int
    polygones: list[Polygone]
    non_calculable: bool = False


def zones(resultat: Resultat, name: str, app: Appariement) -> Iterator[Zone]:
    est = resultat.estimations
    for i, (code, nom) in enumerate(est.territoire.communes):
        if code not in app.geometries:
            continue
        yield Zone(
            code,
            nom,
            est.statut[i],
            float(est.valeurs[name][i]),
            float(est.ic_bas[name][i]),
            float(est.ic_haut[name][i]),
            int(est.n[i]),
            app.geometries[code],
            non_calculable(est, name, i),
        )


def _check(name: str) -> None:
    if name not in COLONNES_ESTIMEES:
        raise ValidationError(
            _("Indicateur inconnu : « {n} » (possibles : {all}).").format(
                n=name, all=", ".join(COLONNES_ESTIMEES)
            )
        )


def titre(name: str) -> str:
    return _(LIBELLES[name])


def _infobulle(z: Zone, name: str, methode_min: int) -> str:
    if z.statut == MASQUE:
        return _("{nom} : moins de {k} répondants, résultats non affichés").format(
            nom=z.nom, k=methode_min
        )
    if z.non_calculable:
        return _("{nom} : non calculable, {n} répondants").format(nom=z.nom, n=z.n)
    text = _("{nom} : {v} (IC 95 % : {lo} – {hi}), {n} répondants").format(
        nom=z.nom,
        v=formater(z.valeur, name),
        lo=formater(z.bas, name),
        hi=formater(z.haut, name),
        n=z.n,
    )
    if z.statut == PEU_FIABLE:
        text += " — " + _("peu fiable : estimation rapprochée du territoire")
    return text


# --- interactive HTML ---------------------------------------------------------------------------


def carte_html(resultat: Resultat, indicateurs: Sequence[str] | None = None) -> str:
    """Standalone offline HTML: one outline layer, the indicator chosen in a list (keyboard
    accessible), a legend per indicator, hover values with their intervals.

    Every indicator's colour and hover text is stored once per commune, and switching restyles
    the same layer: the outlines are not repeated per indicator, which keeps the page small.
    """
    import folium
    from branca.element import Element

    from core.webmap import offline_html

    names = list(indicateurs or COLONNES_ESTIMEES)
    for name in names:
        _check(name)
    est = resultat.estimations
    app = apparier(est.territoire.codes)
    box = _bbox_codes(tuple(app.geometries)) or (-1.3, 46.0, -0.9, 46.3)
    fmap = folium.Map(tiles=None, control_scale=True)
    fmap.fit_bounds([[box[1], box[0]], [box[3], box[2]]])
    breaks = {
        name: classes(
            [v for v, s in zip(est.valeurs[name][:-1], est.statut[:-1], strict=True) if s != MASQUE]
        )
        for name in names
    }
    per_zone: dict[str, dict[str, list[Any]]] = {}
    geometries: dict[str, tuple[str, list[Polygone]]] = {}
    for name in names:
        for z in zones(resultat, name, app):
            geometries[z.code] = (z.nom, z.polygones)
            per_zone.setdefault(z.code, {})[name] = [
                GRIS if z.statut == MASQUE else couleur(z.valeur, breaks[name]),
                _infobulle(z, name, resultat.methode.minimum_repondants),
                "6 4" if z.statut == PEU_FIABLE else None,
                0.8,
            ]
    first = names[0]
    features = [
        {
            "type": "Feature",
            "geometry": _geometry(polys),
            "properties": {
                "code": code,
                "v": per_zone[code],
                "info": per_zone[code][first][1],
                "fill": per_zone[code][first][0],
                "dash": per_zone[code][first][2],
                "opacity": per_zone[code][first][3],
            },
        }
        for code, (_nom, polys) in geometries.items()
    ]
    orphan_info = _("contour 2018 d'une commune fusionnée depuis, hors résultats")
    for code, polys in orphan_geometries(app).items():
        features.append(
            {
                "type": "Feature",
                "geometry": _geometry(polys),
                "properties": {
                    "code": code,
                    "v": {},
                    "info": f"{code} : {orphan_info}",
                    "fill": GRIS,
                    "dash": "1 3",
                    "opacity": 0.3,
                },
            }
        )
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=_("Communes"),
        style_function=_style,
        highlight_function=lambda _f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["info"], labels=False),
    )
    layer.add_to(fmap)
    options = "".join(f'<option value="{n}">{html.escape(titre(n))}</option>' for n in names)
    chooser = (
        '<div style="position:absolute;top:10px;right:10px;z-index:1000;background:#fff;'
        'padding:6px 8px;border:1px solid #888;font:14px sans-serif">'
        f'<label for="fragilite-indicateur">{html.escape(_("Indicateur"))} </label>'
        f'<select id="fragilite-indicateur">{options}</select></div>'
    )
    legends = "".join(_legende_html(titre(n), n, breaks[n], resultat, n == first) for n in names)
    notes = [resultat.methode.avertissement, resultat.provenance(), *apparier_notes(app)]
    panel = (
        '<div id="fragilite-legendes" role="region" aria-label="'
        + html.escape(_("Légende"))
        + '" style="position:absolute;bottom:48px;left:10px;z-index:1000;background:#fff;'
        'padding:8px 10px;border:1px solid #888;font:13px sans-serif;max-width:420px">'
        + legends
        + '<p style="margin:6px 0 0;font-size:12px">'
        + "<br>".join(html.escape(n) for n in notes)
        + "</p></div>"
    )
    script = (
        "<script>document.addEventListener('DOMContentLoaded',function(){"
        "var g=" + layer.get_name() + ";"
        "var sel=document.getElementById('fragilite-indicateur');"
        "function show(name){"
        "g.eachLayer(function(l){var p=l.feature.properties,s=p.v[name];if(!s){return;}"
        "p.info=s[1];p.fill=s[0];p.dash=s[2];p.opacity=s[3];});"
        "g.setStyle(function(f){var p=f.properties;return {fillColor:p.fill,color:'"
        + CONTOUR
        + "',weight:p.dash?2.5:1,fillOpacity:p.opacity,dashArray:p.dash};});"
        "document.querySelectorAll('.legende-couche').forEach(function(d){"
        "d.style.display=(d.dataset.nom===name)?'block':'none';});}"
        "sel.addEventListener('change',function(){show(sel.value);});"
        "window.fragiliteAfficher=function(name){sel.value=name;show(name);};"
        # « carte.html#sans_aide » opens on that indicator (links, and the app's view).
        "var h=decodeURIComponent(location.hash.slice(1));"
        "if(h&&sel.querySelector('option[value=\"'+h+'\"]')){window.fragiliteAfficher(h);}"
        "});</script>"
    )
    root: Any = fmap.get_root()
    root.html.add_child(Element(chooser))
    root.html.add_child(Element(panel))
    root.html.add_child(Element(script))
    return offline_html(fmap)


def apparier_notes(app: Appariement) -> list[str]:
    if not app.sans_contour and not app.contours_orphelins:
        return []
    return [_("Fonds de carte : {r}.").format(r="; ".join(app.rapport()))]


def _style(feature: dict[str, Any]) -> dict[str, Any]:
    p = feature["properties"]
    return {
        "fillColor": p["fill"],
        "color": CONTOUR,
        # Thin data: a thick dashed outline, the colour itself staying readable on the legend.
        "weight": 2.5 if p["dash"] else 1,
        "fillOpacity": p["opacity"],
        "dashArray": p["dash"],
    }


def _geometry(polys: list[Polygone]) -> dict[str, Any]:
    return {
        "type": "MultiPolygon",
        "coordinates": [[[list(pt) for pt in ring] for ring in poly] for poly in polys],
    }


def note_legende(res: Resultat, name: str) -> str | None:
    """What the index's numbers mean, printed under its legend on every map."""
    if name != "indice":
        return None
    if res.methode.normalisation == "territoire_100":
        return _("100 = niveau du territoire ; au-dessus, plus fragile")
    return _("1 = commune la moins fragile, 10 = la plus fragile")


def _legende_html(title: str, name: str, breaks: Sequence[float], res: Resultat, on: bool) -> str:
    rows = [
        f'<div><span style="display:inline-block;width:18px;height:12px;background:{c};'
        f'border:1px solid #888;margin-right:6px"></span>'
        f"{html.escape(formater(breaks[i], name))} – {html.escape(formater(breaks[i + 1], name))}"
        "</div>"
        for i, c in enumerate(PALETTE if breaks else ())
    ]
    for label in [
        _("moins de {k} répondants : non affiché").format(k=res.methode.minimum_repondants),
        *mentions_grises(res, name, breaks),
    ]:
        rows.append(
            f'<div><span style="display:inline-block;width:18px;height:12px;background:{GRIS};'
            f'border:1px solid #888;margin-right:6px"></span>' + html.escape(label) + "</div>"
        )
    rows.append(
        '<div><span style="display:inline-block;width:18px;height:12px;border:2px dashed #505050;'
        'margin-right:6px"></span>'
        + html.escape(_("peu fiable, lissé (contour épais pointillé)"))
        + "</div>"
    )
    note = note_legende(res, name)
    if note:
        rows.append(f"<div><em>{html.escape(note)}</em></div>")
    style = "block" if on else "none"
    return (
        f'<div class="legende-couche" data-nom="{name}" style="display:{style}">'
        f"<strong>{html.escape(title)}</strong>{''.join(rows)}</div>"
    )


# --- static maps --------------------------------------------------------------------------------


class _Projection:
    """Equirectangular projection scaled by cos(latitude): right shapes at a commune's scale."""

    def __init__(self, polys: list[Polygone], width: float, height: float, margin: float) -> None:
        # No outline at all (a territory outside the base maps): an empty frame, no failure.
        xs = [x for poly in polys for x, _y in poly[0]] or [0.0, 1.0]
        ys = [y for poly in polys for _x, y in poly[0]] or [0.0, 1.0]
        self.x0, self.y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
        self.k = math.cos(math.radians((self.y0 + y1) / 2))
        w = max((x1 - self.x0) * self.k, 1e-9)
        h = max(y1 - self.y0, 1e-9)
        self.scale = min((width - 2 * margin) / w, (height - 2 * margin) / h)
        self.margin, self.height = margin, height
        self.offset_x = (width - 2 * margin - w * self.scale) / 2
        self.offset_y = (height - 2 * margin - h * self.scale) / 2

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        """Point in image coordinates (y down)."""
        px = self.margin + self.offset_x + (x - self.x0) * self.k * self.scale
        py = self.height - self.margin - self.offset_y - (y - self.y0) * self.scale
        return px, py


def _all_polys(app: Appariement) -> list[Polygone]:
    polys = [p for ps in app.geometries.values() for p in ps]
    return polys + [p for ps in orphan_geometries(app).values() for p in ps]


def carte_png(resultat: Resultat, name: str, path: Path, width: int = 1600) -> None:
    from PIL import Image, ImageDraw, ImageFont

    _check(name)
    app = apparier(resultat.estimations.territoire.codes)
    map_w, height = int(width * 0.7), int(width * 0.75)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    proj = _Projection(_all_polys(app), map_w, height - 140, 30)
    est = resultat.estimations
    shown = [v for v, s in zip(est.valeurs[name][:-1], est.statut[:-1], strict=True) if s != MASQUE]
    breaks = classes(shown)
    # Pillow's built-in font has no accented letters; reportlab (a dependency) ships Vera.
    import reportlab

    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    font = ImageFont.truetype(str(vera), max(12, width // 70))
    small = ImageFont.truetype(str(vera), max(10, width // 105))
    hatch = Image.new("L", img.size, 0)
    hatch_draw = ImageDraw.Draw(hatch)
    for z in zones(resultat, name, app):
        fill = GRIS if z.statut == MASQUE else couleur(z.valeur, breaks)
        for poly in z.polygones:
            pts = [proj(x, y) for x, y in poly[0]]
            draw.polygon(pts, fill=fill, outline=CONTOUR)
            if z.statut == PEU_FIABLE:
                hatch_draw.polygon(pts, fill=255)
    for polys in orphan_geometries(app).values():
        for poly in polys:
            draw.polygon([proj(x, y) for x, y in poly[0]], fill="#eeeeee", outline="#999999")
    # Hatching: diagonal lines kept only inside the smoothed communes.
    lines = Image.new("L", img.size, 0)
    ld = ImageDraw.Draw(lines)
    for off in range(-height, width, 12):
        ld.line([(off, height), (off + height, 0)], fill=255, width=2)
    mask = Image.fromarray((np.asarray(hatch) & np.asarray(lines)).astype("uint8"))
    img.paste((60, 60, 60), mask=mask)

    x0, y = map_w + 10, 40
    draw.text((x0, y), titre(name), fill="black", font=font)
    y += 40
    for i, c in enumerate(PALETTE if breaks else ()):
        draw.rectangle([x0, y, x0 + 30, y + 20], fill=c, outline=CONTOUR)
        label = f"{formater(breaks[i], name)} – {formater(breaks[i + 1], name)}"
        draw.text((x0 + 40, y), label, fill="black", font=small)
        y += 30
    greys = mentions_grises(resultat, name, breaks)
    for label in [
        _("non affiché (< {k} rép.)").format(k=resultat.methode.minimum_repondants),
        *greys,
    ]:
        draw.rectangle([x0, y, x0 + 30, y + 20], fill=GRIS, outline=CONTOUR)
        for k, chunk in enumerate(_wrap(label, 24)):
            draw.text((x0 + 40, y + k * max(14, width // 100)), chunk, fill="black", font=small)
        y += 30 + (len(_wrap(label, 24)) - 1) * max(14, width // 100)
    draw.rectangle([x0, y, x0 + 30, y + 20], outline=CONTOUR)
    for d in range(0, 30, 8):
        draw.line([(x0 + d, y + 20), (x0 + d + 10, y)], fill=CONTOUR, width=2)
    draw.text((x0 + 40, y), _("peu fiable (hachuré)"), fill="black", font=small)
    note = note_legende(resultat, name)
    legend_text = [titre(name), *greys, *([note] if note else [])]
    if note:
        y += 36
        for chunk in _wrap(note, 28):
            draw.text((x0, y), chunk, fill="black", font=small)
            y += max(14, width // 100)
    footer = [resultat.methode.avertissement, resultat.provenance(), *apparier_notes(app)]
    fy = height - 130
    for text in footer:
        for chunk in _wrap(text, max(40, width // 11)):
            draw.text((20, fy), chunk, fill="black", font=small)
            fy += max(14, width // 100)
    from PIL.PngImagePlugin import PngInfo

    # The legend also as text in the file, for screen readers and for checking it.
    info = PngInfo()
    info.add_itxt("Description", " — ".join(legend_text))
    img.save(path, format="PNG", pnginfo=info)


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def dessiner_pdf(
    canvas: Any, resultat: Resultat, name: str, box: tuple[float, float, float, float]
) -> None:
    """Draw the map of ``name`` with its legend in ``box`` (x, y, width, height) of a reportlab
    canvas; used by the PDF map and the report."""
    from reportlab.lib import colors

    _check(name)
    x, y, w, h = box
    app = apparier(resultat.estimations.territoire.codes)
    map_w = w * 0.68
    proj = _Projection(_all_polys(app), map_w, h, 6)
    est = resultat.estimations
    shown = [v for v, s in zip(est.valeurs[name][:-1], est.statut[:-1], strict=True) if s != MASQUE]
    breaks = classes(shown)

    def path_of(poly: Polygone) -> Any:
        p = canvas.beginPath()
        for ring in poly:
            for i, (lon, lat) in enumerate(ring):
                px, py = proj(lon, lat)
                if i == 0:
                    p.moveTo(x + px, y + h - py)
                else:
                    p.lineTo(x + px, y + h - py)
            p.close()
        return p

    canvas.saveState()
    canvas.setLineWidth(0.4)
    canvas.setStrokeColor(colors.HexColor(CONTOUR))
    for polys in orphan_geometries(app).values():
        for poly in polys:
            canvas.setFillColor(colors.HexColor("#eeeeee"))
            canvas.drawPath(path_of(poly), stroke=1, fill=1, fillMode=0)
    for z in zones(resultat, name, app):
        fill = GRIS if z.statut == MASQUE else couleur(z.valeur, breaks)
        for poly in z.polygones:
            canvas.setFillColor(colors.HexColor(fill))
            canvas.drawPath(path_of(poly), stroke=1, fill=1, fillMode=0)
            if z.statut == PEU_FIABLE:
                canvas.saveState()
                canvas.clipPath(path_of(poly), stroke=0, fill=0)
                canvas.setLineWidth(0.5)
                for off in range(-int(h), int(map_w) + int(h), 5):
                    canvas.line(x + off, y, x + off + h, y + h)
                canvas.restoreState()
    lx, ly = x + map_w + 8, y + h - 12
    canvas.setFillColor(colors.black)
    canvas.setFont("Helvetica-Bold", 8)
    canvas.drawString(lx, ly, titre(name)[:48])
    canvas.setFont("Helvetica", 7)
    for i, c in enumerate(PALETTE if breaks else ()):
        ly -= 13
        canvas.setFillColor(colors.HexColor(c))
        canvas.rect(lx, ly, 14, 9, stroke=1, fill=1)
        canvas.setFillColor(colors.black)
        canvas.drawString(
            lx + 18, ly + 1, f"{formater(breaks[i], name)} – {formater(breaks[i + 1], name)}"
        )
    from fragilite.pdf_texte import texte_pdf

    for label in [
        _("non affiché (< {k} rép.)").format(k=resultat.methode.minimum_repondants),
        *mentions_grises(resultat, name, breaks),
    ]:
        ly -= 13
        canvas.setFillColor(colors.HexColor(GRIS))
        canvas.rect(lx, ly, 14, 9, stroke=1, fill=1)
        canvas.setFillColor(colors.black)
        for k, chunk in enumerate(_wrap(texte_pdf(label), 30)):
            ly -= 9 if k else 0
            canvas.drawString(lx + 18, ly + 1, chunk)
    ly -= 13
    canvas.setFillColor(colors.white)
    canvas.rect(lx, ly, 14, 9, stroke=1, fill=1)
    for d in (0, 5, 10):
        canvas.line(lx + d, ly, lx + d + 4, ly + 9)
    canvas.setFillColor(colors.black)
    canvas.drawString(lx + 18, ly + 1, _("peu fiable (hachuré)"))
    note = note_legende(resultat, name)
    if note:
        for chunk in _wrap(texte_pdf(note), 34):
            ly -= 11
            canvas.drawString(lx, ly, chunk)
    canvas.restoreState()


def carte_pdf(resultat: Resultat, name: str, path: Path) -> None:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas as pdfcanvas

    from fragilite.pdf_texte import police_texte, texte_pdf

    width, height = landscape(A4)
    c = pdfcanvas.Canvas(str(path), pagesize=(width, height))
    c.setTitle(titre(name))
    font = police_texte()
    c.setFont(font, 14)
    c.drawString(
        36, height - 40, texte_pdf(titre(name) + " — " + resultat.estimations.territoire.nom)
    )
    dessiner_pdf(c, resultat, name, (36, 90, width - 72, height - 150))
    c.setFont(font, 8)
    app = apparier(resultat.estimations.territoire.codes)
    fy = 70
    for text in [resultat.methode.avertissement, resultat.provenance(), *apparier_notes(app)]:
        for chunk in _wrap(text, 170):
            c.drawString(36, fy, texte_pdf(chunk))
            fy -= 10
    c.showPage()
    c.save()


def exporter(resultat: Resultat, path: Path, name: str = "indice") -> list[str]:
    """Write the map in the format of ``path``'s suffix; returns the outline mismatch report."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        _check(name)
        order = [name, *(n for n in COLONNES_ESTIMEES if n != name)]
        path.write_text(carte_html(resultat, order), encoding="utf-8")
    elif suffix == ".png":
        carte_png(resultat, name, path)
    elif suffix == ".pdf":
        carte_pdf(resultat, name, path)
    else:
        raise ValidationError(
            _("Format de carte inconnu : « {s} » (HTML, PNG ou PDF).").format(s=suffix)
        )
    return apparier(resultat.estimations.territoire.codes).rapport()
