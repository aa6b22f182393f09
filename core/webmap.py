"""Standalone, offline HTML for folium maps: every script and style sheet inlined from local files.

Desks are not always online, and a published map must open anywhere. folium's templates load
Leaflet and its plugins from CDNs; :func:`offline_html` renders a ``folium.Map`` and replaces each
of those references with the unmodified upstream release file shipped under ``resources/web/``
(see ``resources/web/SOURCES.md``), inlined in the page. Nothing is then fetched when the page
opens, except map tiles, which stay online-only and optional: without network the markers,
popups, GeoJSON outlines and legends still show on a plain background.

Only Leaflet, Leaflet.markercluster and d3 v3 (used by branca's colour-scale legends) are shipped.
folium's default jQuery, Bootstrap, Font Awesome and Leaflet.awesome-markers are dropped to keep
the bundle small: use ``folium.DivIcon``, ``CircleMarker`` or the plain Leaflet marker instead of
``folium.Icon``. A page that needs a dropped or unknown asset raises :class:`MissingWebAsset`
rather than silently loading it from the internet.

A map without tiles (``tiles=None``) that uses Leaflet.markercluster must give Leaflet a maximum
zoom: ``folium.Map(tiles=None, maxZoom=18)`` (the camel-case option is passed through to Leaflet).

This module is Qt-free: the GUI shows the returned HTML in a ``QWebEngineView`` (with
``setHtml``), the CLI writes it to a file.

Usage::

    import folium
    from core.webmap import offline_html

    m = folium.Map(location=[46.16, -1.15], zoom_start=11, tiles=None)
    Path("carte.html").write_text(offline_html(m), encoding="utf-8")
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from core.paths import resource

if TYPE_CHECKING:
    from branca.element import Element

WEB_DIR = resource("web")


class MissingWebAsset(RuntimeError):
    """A map references a script or style sheet that is not shipped: a programming error."""


@dataclass(frozen=True)
class _Asset:
    pattern: re.Pattern[str]
    file: str | None  # relative to resources/web; None: deliberately dropped
    needed_if: str | None = None  # a dropped asset is an error if the page's code uses this


def _asset(pattern: str, file: str | None, needed_if: str | None = None) -> _Asset:
    return _Asset(re.compile(pattern), file, needed_if)


ASSETS: tuple[_Asset, ...] = (
    _asset(r"/leaflet@1\.9\.\d+/dist/leaflet\.js$", "leaflet-1.9.3/leaflet.js"),
    _asset(r"/leaflet@1\.9\.\d+/dist/leaflet\.css$", "leaflet-1.9.3/leaflet.css"),
    _asset(
        r"/leaflet\.markercluster/1\.1\.0/leaflet\.markercluster\.js$",
        "leaflet.markercluster-1.1.0/leaflet.markercluster.js",
    ),
    _asset(
        r"/leaflet\.markercluster/1\.1\.0/MarkerCluster\.css$",
        "leaflet.markercluster-1.1.0/MarkerCluster.css",
    ),
    _asset(
        r"/leaflet\.markercluster/1\.1\.0/MarkerCluster\.Default\.css$",
        "leaflet.markercluster-1.1.0/MarkerCluster.Default.css",
    ),
    _asset(r"/d3/3\.5\.5/d3\.min\.js$", "d3-3.5.5/d3.min.js"),
    # folium's defaults that our maps do not use: dropped, unless the page calls them.
    _asset(r"/jquery-[\d.]+(\.min)?\.js$", None, "$("),
    _asset(r"/bootstrap@[\d.]+/dist/js/bootstrap\.bundle\.min\.js$", None, "bootstrap."),
    _asset(r"/bootstrap@[\d.]+/dist/css/bootstrap\.min\.css$", None),
    _asset(r"/bootstrap-glyphicons\.css$", None),
    _asset(r"/fontawesome-free@[\d.]+/css/all\.min\.css$", None),
    _asset(r"/leaflet\.awesome-markers\.js$", None, "L.AwesomeMarkers"),
    _asset(r"/leaflet\.awesome-markers\.css$", None),
    _asset(r"/leaflet\.awesome\.rotate\.min\.css$", None),
)

_SCRIPT_TAG = re.compile(r'<script\s+src="(?P<url>https?://[^"]+)"\s*>\s*</script>')
_LINK_TAG = re.compile(r'<link\s+rel="stylesheet"\s+href="(?P<url>https?://[^"]+)"\s*/?>')
_CSS_URL = re.compile(r"url\((?P<path>images/[\w.-]+\.png)\)")


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


@cache
def _file_text(relative: str) -> str:
    path = WEB_DIR / relative
    text = path.read_text(encoding="utf-8")
    if relative.endswith(".css"):
        # Relative image URLs cannot resolve from an inlined style sheet: embed the images.
        text = _CSS_URL.sub(lambda m: f"url({_data_uri(path.parent / m['path'])})", text)
    return text


@cache
def _leaflet_default_icon_fix() -> str:
    """Leaflet finds its marker images from the CSS path, which inlining breaks: give them."""
    images = WEB_DIR / "leaflet-1.9.3" / "images"
    return (
        "<script>L.Icon.Default.imagePath='';"
        "L.Icon.Default.mergeOptions({"
        f"iconUrl:'{_data_uri(images / 'marker-icon.png')}',"
        f"iconRetinaUrl:'{_data_uri(images / 'marker-icon-2x.png')}',"
        f"shadowUrl:'{_data_uri(images / 'marker-shadow.png')}'"
        "});</script>"
    )


def _find(url: str) -> _Asset:
    for asset in ASSETS:
        if asset.pattern.search(url):
            return asset
    raise MissingWebAsset(
        f"{url} is not shipped under resources/web/: add the upstream file and list it in "
        "core.webmap.ASSETS and resources/web/SOURCES.md"
    )


def inline_assets(html: str) -> str:
    """Replace every CDN ``<script src>``/``<link rel=stylesheet>`` of ``html`` by local copies."""
    body = _SCRIPT_TAG.sub("", _LINK_TAG.sub("", html))

    def check_dropped(asset: _Asset, url: str) -> None:
        if asset.needed_if is not None and asset.needed_if in body:
            raise MissingWebAsset(f"the page uses {asset.needed_if!r} but {url} is not shipped")

    def script(match: re.Match[str]) -> str:
        asset = _find(match["url"])
        if asset.file is None:
            check_dropped(asset, match["url"])
            return ""
        # "</script" cannot occur in a script element's text; none of the shipped files has one,
        # escaping keeps it so for any later version.
        code = _file_text(asset.file).replace("</script", "<\\/script")
        tag = f"<script>/* {asset.file} */\n{code}\n</script>"
        if asset.file.endswith("leaflet.js"):
            tag += _leaflet_default_icon_fix()
        return tag

    def style(match: re.Match[str]) -> str:
        asset = _find(match["url"])
        if asset.file is None:
            check_dropped(asset, match["url"])
            return ""
        return f"<style>/* {asset.file} */\n{_file_text(asset.file)}\n</style>"

    html = _SCRIPT_TAG.sub(script, html)
    return _LINK_TAG.sub(style, html)


def offline_html(folium_map: Element, lang: str = "fr") -> str:
    """The map as one standalone HTML page whose scripts and styles are all inlined.

    ``folium_map`` is a ``folium.Map`` (or any branca element whose root is a Figure). Tiles, if
    the map has a tile layer, are still requested online by the browser when the network allows.
    """
    html = folium_map.get_root().render()
    html = inline_assets(html)
    return html.replace("<html>", f'<html lang="{lang}">', 1)
