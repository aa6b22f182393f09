"""The map of places: clustered markers, popups, filters, legend, commune outlines — offline.

The places travel as one JSON array inside the page and the markers are built by a short script
(``_SCRIPT``) rather than one folium object each: twenty thousand places stay a few megabytes
and load in seconds. Filtering (service, public, national programme, commune, « ouvert
maintenant ») happens in the page, so an exported file filters too.

« Open now » must stay true in a file opened days later: for each place the page carries its
open intervals over the next :data:`FENETRE_JOURS` days, computed here with the French holiday
calendar (``lieux.horaires``); the page compares them with the browser's clock and says
« horaires inconnus » past that window.

Places where a referenced Pass numérique structure accepts passes are marked with a gold ring: the
caller hands their schema ids over as data (``pass_numerique.structures.lieux_references``), since
``lieux`` never reaches into ``pass_numerique``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.plugins import MarkerCluster
from jinja2 import Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import journal, paths
from core.auth import Actor, Permission, require
from core.errors import ValidationError
from core.i18n import _
from core.webmap import offline_html
from lieux import horaires
from lieux.models import Lieu
from lieux.schema import load_schema

FENETRE_JOURS = 21
CENTRE_PAR_DEFAUT = (46.16, -1.15)  # La Rochelle

CATEGORIES: tuple[tuple[str, str], ...] = (
    # (national programme, colour), the first that a place has decides its colour
    ("France Services", "#1b5fa8"),
    ("Aidants Connect", "#7b3fa0"),
    ("Conseillers numériques", "#0a7d5a"),
)
AUTRE_COULEUR = "#c0581a"
PASS_COULEUR = "#e0a800"


def _commune_outlines(codes: set[str]) -> dict[str, Any]:
    features: dict[str, Any] = {}
    for name in ("communes-ca-la-rochelle.geojson", "communes-17-charente-maritime.geojson"):
        path = paths.resource("cartes", name)
        if not path.exists():
            continue
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            code = str(feature["properties"]["code"])
            in_territory = name == "communes-ca-la-rochelle.geojson"
            if code not in features and (in_territory or code in codes):
                features[code] = feature
    return {"type": "FeatureCollection", "features": list(features.values())}


def _place_data(
    lieu: Lieu, pass_ids: set[str], now: datetime, intervals_cache: dict[str, list[list[int]]]
) -> list[Any]:
    assert lieu.latitude is not None and lieu.longitude is not None
    programmes = lieu.values_of("dispositif_programmes_nationaux")
    couleur = next((c for p, c in CATEGORIES if p in programmes), AUTRE_COULEUR)
    key = lieu.horaires or ""
    intervals = intervals_cache.get(key)
    if intervals is None:
        # Many places share the same hours (a network's template): evaluate each string once.
        intervals = [
            [int(a.timestamp()), int(b.timestamp())]
            for a, b in horaires.creneaux_ouverts(key, now, now + timedelta(days=FENETRE_JOURS))
        ]
        intervals_cache[key] = intervals
    return [
        round(lieu.latitude, 6),
        round(lieu.longitude, 6),
        lieu.nom,
        " ".join(p for p in (lieu.adresse, lieu.complement_adresse) if p),
        lieu.code_postal,
        lieu.commune,
        lieu.values_of("services"),
        lieu.values_of("publics_specifiquement_adresses"),
        programmes,
        lieu.telephone or "",
        (lieu.values_of("site_web") or [""])[0],
        lieu.horaires or "",
        intervals,
        lieu.identifiant in pass_ids,
        couleur,
        lieu.id,
    ]


_SCRIPT = Template(
    """
{% macro header(this, kwargs) %}
<style>
.lieu-marker{width:16px;height:16px;border-radius:50%;border:2px solid #fff;
  box-shadow:0 0 2px #333;box-sizing:border-box}
.lieu-marker.lieu-pass{border:3px solid {{ this.pass_colour }}}
.lieux-panneau{background:#fff;padding:6px 8px;border-radius:4px;box-shadow:0 1px 4px #888;
  font:13px/1.4 sans-serif;max-width:260px}
.lieux-panneau label{display:block;margin-top:3px}
.lieux-panneau select{width:100%}
.lieux-legende i{display:inline-block;width:12px;height:12px;border-radius:50%;margin-right:5px;
  vertical-align:middle}
.lieu-popup h3{margin:0 0 4px;font-size:14px}
.lieu-popup .ouvert{color:#0a7d3a;font-weight:bold}
.lieu-popup .ferme{color:#a32020;font-weight:bold}
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
(function(){
  var map = {{ this.map_name }};
  var cluster = {{ this.cluster_name }};
  var T = {{ this.texts }};
  var P = {{ this.places }};
  var generatedAt = {{ this.generated_at }};
  var windowEnd = generatedAt + {{ this.window_days }} * 86400;
  function esc(s){var d=document.createElement('div');d.textContent=String(s);return d.innerHTML;}
  function fmt(ts){return new Date(ts*1000).toLocaleString('fr-FR',{weekday:'long',day:'numeric',
    month:'long',hour:'2-digit',minute:'2-digit',timeZone:'Europe/Paris'});}
  function status(p, nowS){
    if(!p[11]) return {known:false, text:T.unknownHours};
    if(nowS >= windowEnd) return {known:false, text:T.staleHours};
    var open=false, next=null;
    for(var i=0;i<p[12].length;i++){var iv=p[12][i];
      if(iv[0]<=nowS && nowS<iv[1]) open=true;
      if(iv[0]>nowS && next===null) next=iv[0];}
    return {known:true, open:open, next:next};
  }
  function popup(p){
    var s = status(p, Date.now()/1000), h = '<div class="lieu-popup"><h3>'+esc(p[2])+'</h3>';
    h += '<div>'+esc(p[3])+', '+esc(p[4])+' '+esc(p[5])+'</div>';
    if(s.known){
      h += '<div class="'+(s.open?'ouvert':'ferme')+'">'+(s.open?T.openNow:T.closedNow)+'</div>';
      if(s.next) h += '<div>'+T.nextOpening+' '+esc(fmt(s.next))+'</div>';
    } else { h += '<div>'+esc(s.text)+'</div>'; }
    if(p[11]) h += '<div><small>'+esc(p[11])+'</small></div>';
    if(p[6].length) h += '<div><b>'+T.services+'</b> '+esc(p[6].join(', '))+'</div>';
    if(p[8].length) h += '<div><b>'+T.programmes+'</b> '+esc(p[8].join(', '))+'</div>';
    if(p[13]) h += '<div><b>'+T.passNumerique+'</b></div>';
    if(p[9]) h += '<div>'+T.phone+' <a href="tel:'+esc(p[9])+'">'+esc(p[9])+'</a></div>';
    if(p[10] && /^https?:/.test(p[10])) h += '<div><a href="'+esc(p[10])+
      '" target="_blank" rel="noopener">'+T.website+'</a></div>';
    return h+'</div>';
  }
  var markers = P.map(function(p){
    var icon = L.divIcon({className:'', iconSize:[16,16], iconAnchor:[8,8],
      html:'<div class="lieu-marker'+(p[13]?' lieu-pass':'')+'" style="background:'+p[14]+
           '" role="img" aria-label="'+esc(p[2])+'"></div>'});
    var m = L.marker([p[0],p[1]], {icon:icon, title:p[2], keyboard:true});
    m.bindPopup(function(){return popup(p);}, {maxWidth:320});
    m.lieu = p;
    return m;
  });
  var ui = {};
  function apply(){
    var nowS = Date.now()/1000, kept = [];
    for(var i=0;i<markers.length;i++){var p = markers[i].lieu;
      if(ui.service.value && p[6].indexOf(ui.service.value)<0) continue;
      if(ui.public.value && p[7].indexOf(ui.public.value)<0) continue;
      if(ui.programme.value && p[8].indexOf(ui.programme.value)<0) continue;
      if(ui.commune.value && p[5]!==ui.commune.value) continue;
      if(ui.open.checked){var s=status(p,nowS); if(!(s.known && s.open)) continue;}
      kept.push(markers[i]);}
    cluster.clearLayers(); cluster.addLayers(kept);
    ui.count.textContent = T.shown.replace('{n}', kept.length).replace('{total}', markers.length);
  }
  function select(label, values){
    var l = document.createElement('label'); l.textContent = label;
    var s = document.createElement('select'); s.setAttribute('aria-label', label);
    var o = document.createElement('option'); o.value=''; o.textContent=T.all; s.appendChild(o);
    values.forEach(function(v){var o=document.createElement('option');o.value=v;o.textContent=v;
      s.appendChild(o);});
    s.addEventListener('change', apply); l.appendChild(s); return [l, s];
  }
  var Filters = L.Control.extend({options:{position:'topright'}, onAdd:function(){
    var d = L.DomUtil.create('div','lieux-panneau lieux-filtres');
    d.setAttribute('role','search'); d.setAttribute('aria-label', T.filters);
    var title = document.createElement('strong'); title.textContent = T.filters;
    d.appendChild(title);
    [['service',T.service,{{ this.services }}],['public',T.public,{{ this.publics }}],
     ['programme',T.programme,{{ this.programmes }}],['commune',T.commune,{{ this.communes }}]]
    .forEach(function(f){var r=select(f[1],f[2]); ui[f[0]]=r[1]; d.appendChild(r[0]);});
    var l = document.createElement('label'); ui.open = document.createElement('input');
    ui.open.type='checkbox'; ui.open.addEventListener('change', apply);
    l.appendChild(ui.open); l.appendChild(document.createTextNode(' '+T.openFilter));
    d.appendChild(l);
    ui.count = document.createElement('div'); ui.count.className='lieux-compte';
    ui.count.setAttribute('aria-live','polite'); d.appendChild(ui.count);
    L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
    return d;}});
  var Legend = L.Control.extend({options:{position:'bottomleft'}, onAdd:function(){
    var d = L.DomUtil.create('div','lieux-panneau lieux-legende');
    var h = '<strong>'+T.legend+'</strong>';
    {{ this.legend }}.forEach(function(e){h += '<div><i style="background:'+e[1]+'"></i>'+
      esc(e[0])+'</div>';});
    h += '<div><i style="background:#fff;border:3px solid {{ this.pass_colour }};'+
      'box-sizing:border-box"></i>'+esc(T.passNumerique)+'</div>';
    d.innerHTML = h; return d;}});
  new Filters().addTo(map); new Legend().addTo(map);
  apply();
  function fit(){ if(markers.length){map.fitBounds(L.latLngBounds(markers.map(function(m){
    return m.getLatLng();})), {padding:[20,20], maxZoom:15});} }
  fit();
  // An embedding view may be sized after the page loads: fit again on that first resize only.
  map.once('resize', fit);
  window.medianumCarte = {map:map, cluster:cluster, markers:markers, apply:apply};
})();
{% endmacro %}
"""
)


class _PlacesLayer(MacroElement):
    _template = _SCRIPT

    def __init__(self, map_name: str, cluster_name: str, **values: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "LieuxMediation"
        self.map_name = map_name
        self.cluster_name = cluster_name
        for key, value in values.items():
            setattr(self, key, value)


def _js(value: object) -> str:
    # "</" must not close the script element that holds the data.
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def construire_carte(
    lieux: Sequence[Lieu],
    pass_ids: Collection[str] = (),
    maintenant: datetime | None = None,
    tuiles: bool = False,
) -> folium.Map:
    """The folium map of the given places (those without coordinates are left out)."""
    now = maintenant or datetime.now(horaires.PARIS)
    placed = [lieu for lieu in lieux if lieu.has_coordinates]
    m = folium.Map(
        location=list(CENTRE_PAR_DEFAUT),
        zoom_start=11,
        tiles=None,
        maxZoom=19,
        control_scale=True,
    )
    if tuiles:
        # Fetched by the browser only when a person chose an online background.
        folium.TileLayer("OpenStreetMap", max_zoom=19, name=_("Fond OpenStreetMap")).add_to(m)
    codes = {lieu.code_insee for lieu in placed if lieu.code_insee}
    outlines = _commune_outlines(codes)
    if outlines["features"]:
        folium.GeoJson(
            outlines,
            name=_("Communes"),
            style_function=lambda _f: {
                "color": "#555",
                "weight": 1,
                "fillColor": "#f3f1ea",
                "fillOpacity": 0.6,
            },
            tooltip=folium.GeoJsonTooltip(fields=["nom"], labels=False),
        ).add_to(m)
    cluster = MarkerCluster(  # type: ignore[no-untyped-call]
        name=_("Lieux")
    ).add_to(m)
    schema = load_schema()
    pass_ids = set(pass_ids)
    texts = {
        "openNow": _("Ouvert maintenant"),
        "closedNow": _("Fermé en ce moment"),
        "nextOpening": _("Prochaine ouverture :"),
        "unknownHours": _("Horaires non renseignés"),
        "staleHours": _("Horaires à vérifier (carte générée il y a longtemps)"),
        "services": _("Services :"),
        "programmes": _("Dispositifs :"),
        "passNumerique": _("Structure référencée Pass numérique"),
        "phone": _("Téléphone :"),
        "website": _("Site web"),
        "filters": _("Filtrer les lieux"),
        "service": _("Service"),
        "public": _("Public"),
        "programme": _("Dispositif national"),
        "commune": _("Commune"),
        "openFilter": _("Ouvert maintenant"),
        "all": _("Tous"),
        "legend": _("Légende"),
        "shown": _("{n} lieux affichés sur {total}"),
    }
    legend = [[p, c] for p, c in CATEGORIES] + [[_("Autre lieu"), AUTRE_COULEUR]]
    cache: dict[str, list[list[int]]] = {}
    _PlacesLayer(
        m.get_name(),
        cluster.get_name(),
        texts=_js(texts),
        places=_js([_place_data(lieu, pass_ids, now, cache) for lieu in placed]),
        generated_at=str(int(now.timestamp())),
        window_days=str(FENETRE_JOURS),
        services=_js(list(schema.field("services").enum)),
        publics=_js(list(schema.field("publics_specifiquement_adresses").enum)),
        programmes=_js(list(schema.field("dispositif_programmes_nationaux").enum)),
        communes=_js(sorted({lieu.commune for lieu in placed})),
        legend=_js(legend),
        pass_colour=PASS_COULEUR,
    ).add_to(m)
    m.get_root().header.add_child(  # type: ignore[attr-defined]
        Element(f"<title>{_('Lieux de médiation numérique')}</title>"), name="titre"
    )
    return m


def carte_html(
    session: Session,
    actor: Actor,
    maintenant: datetime | None = None,
    tuiles: bool = False,
    pass_ids: Collection[str] = (),
) -> tuple[str, int]:
    """Standalone offline HTML of every place, and how many markers it holds; ``pass_ids`` are
    the schema ids of the places to ring as Pass numérique structures."""
    require(actor, Permission.LIEUX_CONSULTER)
    lieux = list(session.scalars(select(Lieu).order_by(Lieu.nom)))
    m = construire_carte(lieux, pass_ids, maintenant, tuiles)
    return offline_html(m), sum(1 for lieu in lieux if lieu.has_coordinates)


def exporter_carte(
    session: Session,
    actor: Actor,
    path: Path,
    tuiles: bool = False,
    pass_ids: Collection[str] = (),
) -> int:
    """Write the standalone map to a file a coordinator can publish; returns the marker count."""
    require(actor, Permission.LIEUX_GERER)
    html, n = carte_html(session, actor, tuiles=tuiles, pass_ids=pass_ids)
    try:
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise ValidationError(
            _("Impossible d'écrire {file} : {error}").format(file=path, error=exc.strerror),
            field="fichier",
        ) from exc
    journal.record(session, actor, "lieux.export", "lieu", None, {"format": "html", "n": n})
    return n


_PIN_SCRIPT = Template(
    """
{% macro script(this, kwargs) %}
(function(){
  var map = {{ this.map_name }};
  var start = {{ this.start }};
  var pin = L.marker(start || map.getCenter(), {draggable:true, keyboard:true,
    title: {{ this.title }}});
  window.medianumPin = start ? {lat:start[0], lng:start[1]} : null;
  function set(latlng){
    pin.setLatLng(latlng);
    if(!map.hasLayer(pin)) pin.addTo(map);
    window.medianumPin = {lat: Math.round(latlng.lat*1e6)/1e6, lng: Math.round(latlng.lng*1e6)/1e6};
  }
  if(start) pin.addTo(map);
  // The view is often resized after the map is made (a dialog's layout): keep the pin centred.
  map.on('resize', function(){
    map.setView(map.hasLayer(pin) ? pin.getLatLng() : (start || map.getCenter()), map.getZoom());
  });
  map.on('click', function(e){ set(e.latlng); });
  pin.on('dragend', function(){ set(pin.getLatLng()); });
  window.medianumPinMap = map;
})();
{% endmacro %}
"""
)


class _PinLayer(MacroElement):
    _template = _PIN_SCRIPT

    def __init__(self, map_name: str, start: str, title: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "EpingleLieu"
        self.map_name = map_name
        self.start = start
        self.title = title


def epingle_html(latitude: float | None, longitude: float | None, tuiles: bool = False) -> str:
    """An offline page to place a place's pin: a click or a drag sets ``window.medianumPin``.

    The GUI reads ``window.medianumPin`` ({lat, lng}) back when the person confirms.
    """
    placed = latitude is not None and longitude is not None
    centre: list[float] = (
        [latitude, longitude]
        if latitude is not None and longitude is not None
        else list(CENTRE_PAR_DEFAUT)
    )
    m = folium.Map(location=centre, zoom_start=15 if placed else 11, tiles=None, maxZoom=19)
    if tuiles:
        folium.TileLayer("OpenStreetMap", max_zoom=19).add_to(m)
    folium.GeoJson(
        _commune_outlines(set()),
        style_function=lambda _f: {
            "color": "#555",
            "weight": 1,
            "fillColor": "#f3f1ea",
            "fillOpacity": 0.6,
        },
        tooltip=folium.GeoJsonTooltip(fields=["nom"], labels=False),
    ).add_to(m)
    _PinLayer(
        m.get_name(),
        _js(centre if placed else None),
        _js(_("Position du lieu (déplaçable)")),
    ).add_to(m)
    return offline_html(m)
