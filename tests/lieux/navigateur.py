"""Open a map page in Debian's headless Chromium with networking disabled and read what it shows.

A probe script is added to a copy of the page: the first one (at the top of <head>) records
script errors; the last one, once the page has loaded, reads the clusters and markers from the
DOM, then expands every cluster (the markers are taken out of the cluster layer and put on the
map one by one) and counts the marker elements again. The results are written into the DOM,
which ``--dump-dom`` prints. All requests are sent to a dead proxy, so a page that needs the
network shows it as missing scripts (a script error), never as a silent download.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"

_HEAD_PROBE = (
    "<script>window.__erreurs=[];window.addEventListener('error',function(e){"
    "window.__erreurs.push(String(e.message||(e.target&&e.target.src)||e.type));},true);</script>"
)
_END_PROBE = """<script>
window.addEventListener('load', function(){ setTimeout(function(){
  var r = {erreurs: window.__erreurs, titre: document.title};
  var c = window.medianumCarte;
  r.carte = !!c;
  var nav = performance.getEntriesByType('navigation')[0];
  r.charge_ms = nav ? nav.loadEventEnd : null;
  r.pret_ms = c ? c.pret : null;
  if (c) {
    var clusters = document.querySelectorAll('.marker-cluster');
    var enGroupe = 0;
    clusters.forEach(function(el){ enGroupe += parseInt(el.textContent, 10) || 0; });
    r.groupes = clusters.length;
    r.marqueurs_groupes = enGroupe + document.querySelectorAll('.lieu-marker').length;
    if (!window.__deployer) {
      document.querySelectorAll('script').forEach(function(s){ s.remove(); });
      var o = document.createElement('pre'); o.id = 'sonde';
      o.textContent = JSON.stringify(r); document.body.appendChild(o); return; }
    var layers = c.cluster.getLayers();
    c.map.removeLayer(c.cluster);
    layers.forEach(function(m){ m.addTo(c.map); });
    r.marqueurs_deployes = document.querySelectorAll('.lieu-marker').length;
    r.marques_pass = document.querySelectorAll('.lieu-marker.lieu-pass').length;
    r.filtres = document.querySelectorAll('.lieux-filtres select').length;
    r.legende = !!document.querySelector('.lieux-legende');
    r.contours = document.querySelectorAll('path.leaflet-interactive').length;
  }
  // The page's own scripts are megabytes: not dumped, so the wall time is the page's.
  document.querySelectorAll('script').forEach(function(s){ s.remove(); });
  var out = document.createElement('pre'); out.id = 'sonde';
  out.textContent = JSON.stringify(r); document.body.appendChild(out);
}, 300); });
</script>"""


@dataclass
class Resultat:
    donnees: dict[str, Any]
    secondes: float


def chromium_disponible() -> bool:
    return shutil.which(CHROMIUM) is not None


def ouvrir(html: Path, profil: Path, timeout: float = 120, deployer: bool = True) -> Resultat:
    """Load ``html`` (with the probes added) and return what the probe found and the wall time.

    ``deployer=False`` skips expanding the clusters (for timing the page load alone).
    """
    page = html.read_text(encoding="utf-8")
    flag = f"<script>window.__deployer={'true' if deployer else 'false'};</script>"
    page = page.replace("<head>", "<head>" + _HEAD_PROBE + flag, 1)
    page = page.replace("</html>", _END_PROBE + "</html>")
    probed = html.with_name(html.stem + ".sonde.html")
    probed.write_text(page, encoding="utf-8")
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profil}",
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--virtual-time-budget=30000",
        "--dump-dom",
        probed.as_uri(),
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    seconds = time.perf_counter() - start
    match = re.search(r'<pre id="sonde">(.*?)</pre>', done.stdout, re.DOTALL)
    if match is None:
        raise AssertionError(f"the probe did not report; Chromium said: {done.stderr[-2000:]}")
    text = match.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
    return Resultat(json.loads(text.replace("&amp;", "&")), seconds)
