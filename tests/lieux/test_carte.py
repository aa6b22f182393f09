from __future__ import annotations

import re
from pathlib import Path

import folium
import pytest

from core.auth import Actor
from core.db import Database
from core.webmap import MissingWebAsset, offline_html
from lieux.carte import exporter_carte
from lieux.importation import analyser_fichier, importer_lieux
from tests.lieux import navigateur

pytestmark = pytest.mark.skipif(
    not navigateur.chromium_disponible(), reason="Debian's chromium is not installed"
)


def test_exported_map_loads_offline_without_script_error_and_shows_every_placed_place(
    db: Database, coordinateur: Actor, data_dir: Path, tmp_path: Path
) -> None:
    with db.session() as s:
        for name in ("exemple_v1.csv", "ancien_v01.csv", "lieux.json"):
            importer_lieux(s, coordinateur, analyser_fichier(data_dir / name))
        out = tmp_path / "carte.html"
        n = exporter_carte(s, coordinateur, out)
    assert n == 4  # the six places, less the two without coordinates

    html = out.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", html)

    seen = navigateur.ouvrir(out, tmp_path / "profil").donnees
    assert seen["erreurs"] == []
    assert seen["carte"] is True
    assert seen["marqueurs_groupes"] == 4
    assert seen["marqueurs_deployes"] == 4
    assert seen["filtres"] == 4  # service, public, programme, commune
    assert seen["legende"] is True
    assert seen["contours"] >= 28  # the communes of the agglomération


def test_a_map_that_needs_a_dropped_plugin_is_refused_rather_than_loaded_online() -> None:
    m = folium.Map(tiles=None)
    folium.Marker([46.16, -1.15], icon=folium.Icon(icon="info-sign")).add_to(m)
    with pytest.raises(MissingWebAsset, match="AwesomeMarkers"):
        offline_html(m)


def test_the_shared_offline_map_helper_inlines_leaflet_and_default_markers_work(
    tmp_path: Path,
) -> None:
    m = folium.Map(location=[46.16, -1.15], zoom_start=11, tiles=None)
    folium.Marker([46.16, -1.15], tooltip="x").add_to(m)
    folium.Marker([46.17, -1.14], tooltip="y").add_to(m)
    page = tmp_path / "simple.html"
    page.write_text(offline_html(m), encoding="utf-8")
    html = page.read_text(encoding="utf-8")
    assert "/* leaflet-1.9.3/leaflet.js */" in html
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html

    seen = navigateur.ouvrir(page, tmp_path / "profil").donnees
    assert seen["erreurs"] == []


def test_places_linked_to_a_pass_numerique_structure_are_marked(
    db: Database, coordinateur: Actor, data_dir: Path, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from lieux.carte import construire_carte
    from lieux.models import Lieu

    with db.session() as s:
        importer_lieux(s, coordinateur, analyser_fichier(data_dir / "exemple_v1.csv"))
    with db.session() as s:
        lieux = list(s.scalars(select(Lieu)))
        page = tmp_path / "pass.html"
        page.write_text(offline_html(construire_carte(lieux, {"structure-2"})), encoding="utf-8")
    seen = navigateur.ouvrir(page, tmp_path / "profil").donnees
    assert seen["erreurs"] == []
    assert seen["marqueurs_deployes"] == 2
    assert seen["marques_pass"] == 1


def test_a_choropleth_with_its_colour_legend_loads_offline(tmp_path: Path) -> None:
    """The shared helper serves the fragility maps too: GeoJSON + branca legend (d3)."""
    import branca.colormap

    from core.paths import resource

    m = folium.Map(location=[46.16, -1.1], zoom_start=10, tiles=None)
    scale = branca.colormap.LinearColormap(["#fff5eb", "#7f2704"], vmin=0, vmax=10)
    scale.caption = "Indice"
    folium.GeoJson(
        str(resource("cartes", "communes-ca-la-rochelle.geojson")),
        style_function=lambda f: {"fillColor": scale(len(f["properties"]["nom"]) % 10)},
    ).add_to(m)
    scale.add_to(m)
    page = tmp_path / "choroplethe.html"
    html = offline_html(m)
    assert "/* d3-3.5.5/d3.min.js */" in html
    page.write_text(html, encoding="utf-8")
    seen = navigateur.ouvrir(page, tmp_path / "profil").donnees
    assert seen["erreurs"] == []


def test_clicking_the_pin_map_sets_the_coordinates_the_form_reads_back(tmp_path: Path) -> None:
    from lieux.carte import epingle_html

    page = tmp_path / "epingle.html"
    html = epingle_html(46.16, -1.15).replace(
        "</html>",
        "<script>window.addEventListener('load', function(){"
        "var before = JSON.stringify(window.medianumPin);"
        "window.medianumPinMap.fire('click', {latlng: L.latLng(46.2012345678, -1.1012345678)});"
        "document.title = before + ' ' + JSON.stringify(window.medianumPin);});</script></html>",
    )
    page.write_text(html, encoding="utf-8")
    seen = navigateur.ouvrir(page, tmp_path / "profil").donnees
    assert seen["erreurs"] == []
    assert seen["titre"] == '{"lat":46.16,"lng":-1.15} {"lat":46.201235,"lng":-1.101235}'
