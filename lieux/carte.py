"""The map of places: clustered markers, popups, filters, legend, commune outlines — offline.

The places travel as one compact JSON array inside the page (shared values — hours with their
open intervals, communes, the services as bit masks — sent once) and the markers are built and
clustered for the current view by a short script (``_SCRIPT``) rather than one folium object
each: twenty thousand places stay under 3 MB and are drawn a fraction of a second after load.
Filtering (service, public, national programme, commune, « ouvert maintenant ») happens in the
page, so an exported file filters too.

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
from jinja2 import Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import paths
from core.auth import Actor, Permission, require
from core.errors import ValidationError
from core.i18n import _
from core.territory import cog
from core.webmap import offline_html
from lieux import horaires, vacances
from lieux import journal as journal_lieux
from lieux.erreurs import raison_systeme
from lieux.models import Lieu
from lieux.proximite import telephone_lisible
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
    """Outlines of the territory's communes and of those holding places, named as in the COG.

    The outline files date from 2018 and name « Rochelle », « Jarne »: the tooltip shows the
    current official name of the code instead.
    """
    names = cog()
    features: dict[str, Any] = {}
    for name in ("communes-ca-la-rochelle.geojson", "communes-17-charente-maritime.geojson"):
        path = paths.resource("cartes", name)
        if not path.exists():
            continue
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            code = str(feature["properties"]["code"])
            in_territory = name == "communes-ca-la-rochelle.geojson"
            if code not in features and (in_territory or code in codes):
                known = names.get(code)
                if known is not None:
                    feature["properties"]["nom"] = known.nom
                features[code] = feature
    return {"type": "FeatureCollection", "features": list(features.values())}


class _Tables:
    """Values many places share, sent once: hours (with their open intervals), communes."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.hours: list[list[Any]] = []
        self.hours_index: dict[tuple[str, tuple[float, float] | None, str | None], int] = {}
        self.communes: list[str] = []
        self.communes_index: dict[str, int] = {}

    def commune(self, nom: str) -> int:
        if nom not in self.communes_index:
            self.communes_index[nom] = len(self.communes)
            self.communes.append(nom)
        return self.communes_index[nom]

    def hours_of(self, lieu: Lieu) -> int:
        text = lieu.horaires or ""
        if not text:
            return -1
        # Sunrise, sunset and overseas time zones depend on where the place is, school
        # holidays on its zone.
        coords = horaires.coordonnees_utiles(text, lieu.latitude, lieu.longitude)
        zone = (
            vacances.zone_scolaire(lieu.code_insee, lieu.code_postal)
            if horaires.vacances_scolaires(text)
            else None
        )
        key = (text, coords, zone)
        if key not in self.hours_index:
            self.hours_index[key] = len(self.hours)
            self.hours.append(self._hours_entry(text, coords, zone))
        return self.hours_index[key]

    def _hours_entry(
        self, text: str, coords: tuple[float, float] | None, zone: str | None
    ) -> list[Any]:
        """[text, readable, open intervals, unknown intervals], in minutes from generation."""
        if not horaires.lisible(text):
            return [text, 0, [], []]
        start = int(self.now.timestamp()) // 60
        fin = self.now + timedelta(days=FENETRE_JOURS)
        flat: list[int] = []
        unknown: list[int] = []
        for a, b, state in horaires.segments(text, self.now, fin, coords, zone) or []:
            if state is horaires.Etat.OPEN:
                flat += [int(a.timestamp()) // 60 - start, int(b.timestamp()) // 60 - start]
            elif state is horaires.Etat.UNKNOWN:
                unknown += [int(a.timestamp()) // 60 - start, int(b.timestamp()) // 60 - start]
        return [text, 1, flat, unknown]


def _mask(values: list[str], enum: Sequence[str]) -> int:
    return sum(1 << enum.index(v) for v in values if v in enum)


def _place_data(lieu: Lieu, pass_ids: set[str], tables: _Tables, schema: Any) -> list[Any]:
    assert lieu.latitude is not None and lieu.longitude is not None
    programmes = lieu.values_of("dispositif_programmes_nationaux")
    couleur = next((i for i, (p, _c) in enumerate(CATEGORIES) if p in programmes), 3)
    return [
        round(lieu.latitude, 5),
        round(lieu.longitude, 5),
        lieu.nom,
        " ".join(p for p in (lieu.adresse, lieu.complement_adresse) if p),
        lieu.code_postal,
        tables.commune(lieu.commune),
        _mask(lieu.values_of("services"), schema.field("services").enum),
        _mask(
            lieu.values_of("publics_specifiquement_adresses"),
            schema.field("publics_specifiquement_adresses").enum,
        ),
        _mask(programmes, schema.field("dispositif_programmes_nationaux").enum),
        telephone_lisible(lieu.telephone),
        (lieu.values_of("site_web") or [""])[0],
        tables.hours_of(lieu),
        1 if lieu.identifiant in pass_ids else 0,
        couleur,
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
.lieux-sans-position{margin-top:4px;color:#7a4b00}
.marker-cluster{background-clip:padding-box;border-radius:20px}
.marker-cluster div{width:30px;height:30px;margin-left:5px;margin-top:5px;text-align:center;
  border-radius:15px;font:12px "Helvetica Neue",Arial,Helvetica,sans-serif}
.marker-cluster span{line-height:30px}
.marker-cluster-small{background-color:rgba(181,226,140,.6)}
.marker-cluster-small div{background-color:rgba(110,204,57,.6)}
.marker-cluster-medium{background-color:rgba(241,211,87,.6)}
.marker-cluster-medium div{background-color:rgba(240,194,12,.6)}
.marker-cluster-large{background-color:rgba(253,156,115,.6)}
.marker-cluster-large div{background-color:rgba(241,128,23,.6)}
.lieu-popup h3{margin:0 0 4px;font-size:14px}
.lieu-popup .ouvert{color:#0a7d3a;font-weight:bold}
.lieu-popup .ferme{color:#a32020;font-weight:bold}
.lieu-popup .inconnu{color:#7a4b00;font-weight:bold}
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
(function(){
  var map = {{ this.map_name }};
  var T = {{ this.texts }};
  var P = {{ this.places }};
  var H = {{ this.hours }};
  var CO = {{ this.communes }};
  var SV = {{ this.services }}, PU = {{ this.publics }}, PR = {{ this.programmes }};
  var COL = {{ this.colours }};
  var generatedAt = {{ this.generated_at }};
  var windowEnd = generatedAt + {{ this.window_days }} * 86400;
  var missing = {{ this.missing }};
  function esc(s){var d=document.createElement('div');d.textContent=String(s);return d.innerHTML;}
  function fmt(ts){return new Date(ts*1000).toLocaleString('fr-FR',{weekday:'long',day:'numeric',
    month:'long',hour:'2-digit',minute:'2-digit',timeZone:'Europe/Paris'});}
  function bits(mask, list){var r=[];for(var i=0;i<list.length;i++){if(mask&(1<<i))r.push(list[i]);}
    return r;}
  // Three states, never two: open, closed, or unknown (no hours, unreadable hours, stale map).
  function status(p, nowS){
    if(p[11]<0) return {state:'inconnu', text:T.noHours};
    var h = H[p[11]];
    if(!h[1]) return {state:'inconnu', text:T.unreadableHours};
    if(nowS >= windowEnd) return {state:'inconnu', text:T.staleHours};
    var open=false, next=null, iv=h[2], base=generatedAt, u=h[3], j;
    for(j=0;j<u.length;j+=2){if(base+u[j]*60<=nowS && nowS<base+u[j+1]*60)
      return {state:'inconnu', text:T.schoolHolidays};}
    for(var i=0;i<iv.length;i+=2){var a=base+iv[i]*60, b=base+iv[i+1]*60;
      if(a<=nowS && nowS<b) open=true;
      if(a>nowS && next===null) next=a;}
    // A next opening after a stretch of unknown state is not a certainty.
    for(j=0;j<u.length && next!==null;j+=2){var ua=base+u[j]*60; if(ua>nowS && ua<next) next=null;}
    return {state:open?'ouvert':'ferme', next:next};
  }
  function popup(p){
    var s = status(p, Date.now()/1000), h = '<div class="lieu-popup"><h3>'+esc(p[2])+'</h3>';
    h += '<div>'+esc(p[3])+', '+esc(p[4])+' '+esc(CO[p[5]])+'</div>';
    var label = s.state==='ouvert' ? T.openNow : s.state==='ferme' ? T.closedNow : s.text;
    h += '<div class="etat '+s.state+'">'+esc(label)+'</div>';
    if(s.next) h += '<div>'+T.nextOpening+' '+esc(fmt(s.next))+'</div>';
    if(p[11]>=0) h += '<div><small>'+T.hours+' '+esc(H[p[11]][0])+'</small></div>';
    var sv = bits(p[6], SV), pr = bits(p[8], PR);
    if(sv.length) h += '<div><b>'+T.services+'</b> '+esc(sv.join(', '))+'</div>';
    if(pr.length) h += '<div><b>'+T.programmes+'</b> '+esc(pr.join(', '))+'</div>';
    if(p[12]) h += '<div><b>'+T.passNumerique+'</b></div>';
    if(p[9]) h += '<div>'+T.phone+' <a href="tel:'+esc(p[9].replace(/ /g,''))+'">'+
      esc(p[9])+'</a></div>';
    if(p[10] && /^https?:/.test(p[10])) h += '<div><a href="'+esc(p[10])+
      '" target="_blank" rel="noopener">'+T.website+'</a></div>';
    return h+'</div>';
  }
  // One icon per colour, shared by every marker: twenty thousand markers stay cheap.
  var icons = {};
  function icon(colour, pass){
    var k = colour+(pass?'p':'');
    if(!icons[k]) icons[k] = L.divIcon({className:'', iconSize:[16,16], iconAnchor:[8,8],
      html:'<div class="lieu-marker'+(pass?' lieu-pass':'')+'" style="background:'+
        COL[colour][1]+'"></div>'});
    return icons[k];
  }
  // Clusters are made for the current view only, from a grid of screen cells: a region's
  // twenty thousand places cluster in milliseconds, where a precomputed hierarchy over every
  // zoom level (Leaflet.markercluster) took seconds to load and again at each filter change.
  var CELL = 70, SINGLE_ZOOM = 16;
  var Grille = L.FeatureGroup.extend({
    initialize: function(){ L.FeatureGroup.prototype.initialize.call(this); this._all = []; },
    setMarkers: function(list){ this._all = list; this._redraw(); },
    getLayers: function(){ return this._all.slice(); },
    onAdd: function(m){ L.FeatureGroup.prototype.onAdd.call(this, m);
      m.on('moveend', this._redraw, this); this._redraw(); },
    onRemove: function(m){ m.off('moveend', this._redraw, this); this.clearLayers();
      L.FeatureGroup.prototype.onRemove.call(this, m); },
    _redraw: function(){
      var m = this._map; if(!m) return;
      this.clearLayers();
      var z = m.getZoom(), bounds = m.getBounds().pad(0.5), cells = {}, list = [], i;
      for(i=0;i<this._all.length;i++){var mk = this._all[i], ll = mk.getLatLng();
        if(!bounds.contains(ll)) continue;
        if(z >= SINGLE_ZOOM){ this.addLayer(mk); continue; }
        var pt = m.project(ll, z), k = Math.floor(pt.x/CELL)+':'+Math.floor(pt.y/CELL);
        var c = cells[k];
        if(!c){ c = cells[k] = {n:0, lat:0, lng:0, members:[]}; list.push(c); }
        c.n++; c.lat += ll.lat; c.lng += ll.lng; c.members.push(mk);}
      for(i=0;i<list.length;i++){ this.addLayer(list[i].n === 1 ? list[i].members[0] :
        this._bubble(list[i])); }
    },
    _bubble: function(c){
      var size = c.n < 10 ? 'small' : c.n < 100 ? 'medium' : 'large';
      var b = L.marker([c.lat/c.n, c.lng/c.n], {keyboard:true,
        title:T.cluster.replace('{n}', c.n), icon:L.divIcon({iconSize:[40,40],
        className:'marker-cluster marker-cluster-'+size, html:'<div><span>'+c.n+'</span></div>'})});
      b.on('click', function(){
        var bb = L.latLngBounds(c.members.map(function(x){ return x.getLatLng(); }));
        map.fitBounds(bb, {padding:[30,30], maxZoom:SINGLE_ZOOM}); });
      return b;
    }
  });
  var cluster = new Grille().addTo(map);
  var markers = new Array(P.length);
  for(var i=0;i<P.length;i++){var p=P[i];
    var m = L.marker([p[0],p[1]], {icon:icon(p[13], p[12]), title:p[2], alt:p[2], keyboard:true});
    m.lieu = p; markers[i] = m;}
  // Popups are made when opened, from the group: no popup object per marker.
  cluster.on('click', function(e){ if(e.layer && e.layer.lieu){
    L.popup({maxWidth:320}).setLatLng(e.layer.getLatLng()).setContent(popup(e.layer.lieu))
      .openOn(map);} });
  var ui = {};
  function apply(){
    var nowS = Date.now()/1000, kept = [], sv = +ui.service.value, pu = +ui.public.value,
      pr = +ui.programme.value, co = +ui.commune.value;
    for(var i=0;i<markers.length;i++){var p = markers[i].lieu;
      if(sv && !(p[6] & (1<<(sv-1)))) continue;
      if(pu && !(p[7] & (1<<(pu-1)))) continue;
      if(pr && !(p[8] & (1<<(pr-1)))) continue;
      if(co && p[5]!==co-1) continue;
      if(ui.open.checked && status(p,nowS).state!=='ouvert') continue;
      kept.push(markers[i]);}
    cluster.setMarkers(kept);
    ui.count.textContent = T.shown.replace('{n}', kept.length).replace('{total}', markers.length);
  }
  function select(label, values){
    var l = document.createElement('label'); l.textContent = label;
    var s = document.createElement('select'); s.setAttribute('aria-label', label);
    var o = document.createElement('option'); o.value='0'; o.textContent=T.all; s.appendChild(o);
    values.forEach(function(v, i){var o=document.createElement('option');o.value=String(i+1);
      o.textContent=v; s.appendChild(o);});
    s.addEventListener('change', apply); l.appendChild(s); return [l, s];
  }
  var Filters = L.Control.extend({options:{position:'topright'}, onAdd:function(){
    var d = L.DomUtil.create('div','lieux-panneau lieux-filtres');
    d.setAttribute('role','search'); d.setAttribute('aria-label', T.filters);
    var title = document.createElement('strong'); title.textContent = T.filters;
    d.appendChild(title);
    [['service',T.service,SV],['public',T.public,PU],['programme',T.programme,PR],
     ['commune',T.commune,CO]]
    .forEach(function(f){var r=select(f[1],f[2]); ui[f[0]]=r[1]; d.appendChild(r[0]);});
    var l = document.createElement('label'); ui.open = document.createElement('input');
    ui.open.type='checkbox'; ui.open.addEventListener('change', apply);
    l.appendChild(ui.open); l.appendChild(document.createTextNode(' '+T.openFilter));
    d.appendChild(l);
    ui.count = document.createElement('div'); ui.count.className='lieux-compte';
    ui.count.setAttribute('aria-live','polite'); d.appendChild(ui.count);
    if(missing){var w = document.createElement('div'); w.className='lieux-sans-position';
      w.textContent = T.missing.replace('{n}', missing); d.appendChild(w);}
    L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
    return d;}});
  var Legend = L.Control.extend({options:{position:'bottomleft'}, onAdd:function(){
    var d = L.DomUtil.create('div','lieux-panneau lieux-legende');
    var h = '<strong>'+T.legend+'</strong>';
    COL.forEach(function(e){h += '<div><i style="background:'+e[1]+'"></i>'+
      esc(e[0])+'</div>';});
    h += '<div><i style="background:#fff;border:3px solid {{ this.pass_colour }};'+
      'box-sizing:border-box"></i>'+esc(T.passNumerique)+'</div>';
    d.innerHTML = h; return d;}});
  new Filters().addTo(map); new Legend().addTo(map);
  apply();
  function fit(){ if(P.length){var s=90,n=-90,w=180,e=-180;
    for(var i=0;i<P.length;i++){var p=P[i]; if(p[0]<s)s=p[0]; if(p[0]>n)n=p[0];
      if(p[1]<w)w=p[1]; if(p[1]>e)e=p[1];}
    map.fitBounds([[s,w],[n,e]], {padding:[20,20], maxZoom:15, animate:false});} }
  fit();
  // An embedding view may be sized after the page loads: fit again on that first resize only.
  map.once('resize', fit);
  // When the markers are in their clusters and drawn, in ms after navigation start.
  window.medianumCarte = {map:map, cluster:cluster, markers:markers, apply:apply, popup:popup,
    status:status, pret:performance.now()};
})();
{% endmacro %}
"""
)


class _PlacesLayer(MacroElement):
    _template = _SCRIPT

    def __init__(self, map_name: str, **values: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "LieuxMediation"
        self.map_name = map_name
        for key, value in values.items():
            setattr(self, key, value)


def _js(value: object) -> str:
    # "</" must not close the script element that holds the data; no spaces: it is megabytes.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _texts() -> dict[str, str]:
    return {
        "openNow": _("Ouvert maintenant"),
        "closedNow": _("Fermé en ce moment"),
        "nextOpening": _("Prochaine ouverture :"),
        "noHours": _("Horaires non renseignés"),
        "unreadableHours": _("Horaires inconnus (texte non reconnu)"),
        "staleHours": _("Horaires à vérifier (carte générée il y a longtemps)"),
        "hours": _("Horaires :"),
        "schoolHolidays": _(
            "Horaires inconnus : ils dépendent des vacances scolaires, dont le calendrier "
            "n'est pas connu pour ce lieu à cette date."
        ),
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
        "cluster": _("{n} lieux ici : zoomer"),
        "shown": _("{n} lieux affichés sur {total}"),
        "missing": _("{n} lieux sans position, non affichés"),
    }


def construire_carte(
    lieux: Sequence[Lieu],
    pass_ids: Collection[str] = (),
    maintenant: datetime | None = None,
    tuiles: bool = False,
) -> folium.Map:
    """The folium map of the given places; those without coordinates are counted on the map."""
    now = horaires.a_paris(maintenant)
    placed = [lieu for lieu in lieux if lieu.has_coordinates]
    m = folium.Map(
        location=list(CENTRE_PAR_DEFAUT),
        zoom_start=11,
        tiles=None,
        maxZoom=19,
        minZoom=2,
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
    schema = load_schema()
    tables = _Tables(now)
    places = [_place_data(lieu, set(pass_ids), tables, schema) for lieu in placed]
    legend = [[p, c] for p, c in CATEGORIES] + [[_("Autre lieu"), AUTRE_COULEUR]]
    _PlacesLayer(
        m.get_name(),
        texts=_js(_texts()),
        places=_js(places),
        hours=_js(tables.hours),
        communes=_js(tables.communes),
        generated_at=str(int(now.timestamp()) // 60 * 60),
        window_days=str(FENETRE_JOURS),
        services=_js(list(schema.field("services").enum)),
        publics=_js(list(schema.field("publics_specifiquement_adresses").enum)),
        programmes=_js(list(schema.field("dispositif_programmes_nationaux").enum)),
        colours=_js(legend),
        missing=str(len(lieux) - len(placed)),
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
            _("Impossible d'écrire {file} : {error}").format(file=path, error=raison_systeme(exc)),
            field="fichier",
        ) from exc
    journal_lieux.exportation(session, actor, format="html", n=n)
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
