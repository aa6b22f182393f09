"""Places: reading + validating a national-size file, importing it, and loading its map.

The national data set holds about 20,000 places; a synthetic file of that size is generated
(``MEDIANUM_BENCH_LIEUX`` overrides the size, for a quick run). Baselines, measured in the same
run: reading the same file with the ``csv`` module alone (the floor of any validation), a bare
bulk INSERT of the same rows, and an empty offline Leaflet map loaded in the same headless
Chromium. Targets (issue 17): ``main.py lieux import`` of 20,000 places ≤ 8 s; map HTML ≤ 4 MB,
loaded with its markers drawn in ≤ 1.5 s. The browser is timed twice: wall time of the whole
headless run (browser start-up included, as for the empty map), and in the page, from navigation
start to the markers drawn (``window.medianumCarte.pret``) beside the empty map's load event.
"""

from __future__ import annotations

import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import folium

from benchmarks.harness import Report, Result
from core.db import Database
from core.webmap import offline_html
from lieux.carte import construire_carte
from lieux.importation import analyser_fichier, importer_lieux
from lieux.models import Lieu
from lieux.schema import load_schema

SIZE = int(os.environ.get("MEDIANUM_BENCH_LIEUX", "20000"))


def _synthetic_file(path: Path, n: int) -> None:
    rng = random.Random(6)
    schema = load_schema()
    services = schema.field("services").enum
    programmes = schema.field("dispositif_programmes_nationaux").enum
    hours = (
        "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00; PH off",
        "Tu-Sa 10:00-18:00; PH off",
        "Mo,We,Fr 09:00-12:00",
        "Mo-Fr 09:00-12:00,14:00-17:30; PH,SH off",  # read with the zone's school holidays
        "",
    )
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=schema.names)
        writer.writeheader()
        for i in range(n):
            writer.writerow(
                {
                    "id": f"bench-{i}",
                    "pivot": _siret(99900000000000 + i * 10),
                    "nom": f"Lieu numérique {i}",
                    "commune": "Commune",
                    "code_postal": f"{rng.randint(1, 95):02d}{rng.randint(0, 999):03d}",
                    "adresse": f"{rng.randint(1, 200)} rue de la Poste",
                    "latitude": f"{rng.uniform(42.5, 50.9):.5f}",
                    "longitude": f"{rng.uniform(-4.5, 7.9):.5f}",
                    "telephone": f"05 46 {rng.randint(10, 99)} {rng.randint(10, 99)} "
                    f"{rng.randint(10, 99)}",
                    "horaires": rng.choice(hours),
                    "date_maj": "2024-04-02",
                    "services": "|".join(rng.sample(services, rng.randint(1, 4))),
                    "dispositif_programmes_nationaux": "|".join(
                        rng.sample(programmes, rng.randint(0, 2))
                    ),
                }
            )


def _siret(base: int) -> str:
    """A 14-digit SIRET with a right Luhn key, as most of a real national file has."""
    digits = f"{base // 10:013d}"
    total = 0
    for index, char in enumerate(reversed(digits)):
        d = int(char) * (2 if index % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return digits + str((10 - total % 10) % 10)


def _chromium(html: Path, profile: Path, markers: int | None) -> tuple[float, float]:
    """Wall seconds of the headless run, and ms from navigation start to ready in the page."""
    from tests.lieux import navigateur

    result = navigateur.ouvrir(html, profile, timeout=600, deployer=False)
    if result.donnees.get("erreurs"):
        raise AssertionError(result.donnees["erreurs"])
    if markers is not None and result.donnees.get("marqueurs_groupes") != markers:
        raise AssertionError(f"{result.donnees.get('marqueurs_groupes')} markers, not {markers}")
    ready = result.donnees.get("pret_ms") or result.donnees.get("charge_ms") or 0.0
    return result.secondes, float(ready)


def _cli_import(path: Path, home: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``main.py lieux import`` in a fresh process."""
    env = {
        **os.environ,
        "MEDIANUM_HOME": str(home),
        "MEDIANUM_AGENT": "bench",
        "MEDIANUM_PASSWORD": "mot-de-passe-solide",
    }
    env.pop("MEDIANUM_DATABASE_URL", None)
    root = Path(__file__).resolve().parent.parent
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(root / "main.py"), "lieux", "import", str(path)],
        env=env,
        cwd=root,
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "lieux.csv"
        _synthetic_file(path, SIZE)

        start = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as fh:
            rows = sum(1 for _row in csv.DictReader(fh))
        raw_read = time.perf_counter() - start
        assert rows == SIZE

        start, cpu = time.perf_counter(), time.process_time()
        rapport = analyser_fichier(path)
        analyse = time.perf_counter() - start
        analyse_cpu = time.process_time() - cpu
        report.add(
            Result(
                f"lieux: read + validate {SIZE} places",
                analyse,
                "s",
                "csv.DictReader alone",
                raw_read,
                note=f"{len(rapport.lignes_valides)} valid; CPU {analyse_cpu:.2f} s",
            )
        )

        os.environ["MEDIANUM_HOME"] = str(root / "home")
        db = Database(f"sqlite:///{root / 'bench.sqlite'}")
        from core import migrate
        from core.auth import actor_for, create_agent
        from core.models import Role

        migrate.upgrade(db)
        with db.session() as s:
            agent = create_agent(
                s, None, "bench", "Bench", "mot-de-passe-solide", [(Role.COORDINATEUR, None)]
            )
            actor = actor_for(s, agent)
        start, cpu = time.perf_counter(), time.process_time()
        with db.session() as s:
            importer_lieux(s, actor, rapport)
        write = time.perf_counter() - start
        write_cpu = time.process_time() - cpu

        # Baseline: the same rows as one bare bulk INSERT (SQLAlchemy Core executemany on the
        # table), in a fresh database.
        raw_db = Database(f"sqlite:///{root / 'baseline.sqlite'}")
        migrate.upgrade(raw_db)
        names = [n for n in load_schema().names if n != "id"]
        rows_to_insert = [
            {"identifiant": ligne.identifiant, **{n: ligne.valeurs.get(n) for n in names}}
            for ligne in rapport.lignes_valides
        ]
        from sqlalchemy import insert

        start, cpu = time.perf_counter(), time.process_time()
        with raw_db.session() as s:
            for start_row in range(0, len(rows_to_insert), 2000):
                s.execute(insert(Lieu.__table__), rows_to_insert[start_row : start_row + 2000])
        bulk = time.perf_counter() - start
        bulk_cpu = time.process_time() - cpu
        raw_db.dispose()
        report.add(
            Result(
                f"lieux: import (write) {SIZE} places, SQLite",
                write,
                "s",
                "bulk INSERT of the same rows (Core)",
                bulk,
                note=f"CPU {write_cpu:.2f} s, baseline CPU {bulk_cpu:.2f} s",
            )
        )

        from sqlalchemy import select

        start, cpu = time.perf_counter(), time.process_time()
        with db.read_session() as s:
            lieux = list(s.scalars(select(Lieu)))
            html = offline_html(construire_carte(lieux, maintenant=datetime(2026, 11, 23, 10)))
        build = time.perf_counter() - start
        build_cpu = time.process_time() - cpu
        db.dispose()
        start = time.perf_counter()
        offline_html(folium.Map(location=[46.16, -1.15], zoom_start=11, tiles=None))
        empty_build = time.perf_counter() - start
        big = root / "carte.html"
        big.write_text(html, encoding="utf-8")
        report.add(
            Result(
                f"lieux: build map HTML of {SIZE} places",
                build,
                "s",
                "empty offline map",
                empty_build,
                target="HTML ≤ 4 MB",
                note=f"{big.stat().st_size / 1e6:.1f} MB; CPU {build_cpu:.2f} s",
            )
        )

        empty = root / "vide.html"
        m = folium.Map(location=[46.16, -1.15], zoom_start=11, tiles=None)
        empty.write_text(offline_html(m), encoding="utf-8")
        baseline, baseline_ms = _chromium(empty, root / "profil-vide", None)
        loaded, ready_ms = _chromium(big, root / "profil-carte", SIZE)
        report.add(
            Result(
                f"lieux: headless Chromium loads clustered map ({SIZE})",
                loaded,
                "s",
                "empty offline Leaflet map, same browser",
                baseline,
                target="≤ 1.5 s",
                note="wall time of the browser run (start-up included), markers counted",
            )
        )
        report.add(
            Result(
                f"lieux: map markers drawn, in the page ({SIZE})",
                ready_ms / 1000,
                "s",
                "empty map's load event, same browser",
                baseline_ms / 1000,
                note="navigation start → markers clustered and drawn",
            )
        )

        home = root / "cli-home"
        _cli_home(home)
        cli, cli_cpu = _cli_import(path, home)
        report.add(
            Result(
                f"lieux: main.py lieux import {SIZE} places (new process)",
                cli,
                "s",
                "read + validate + write above",
                analyse + write,
                target="≤ 8 s",
                note=f"CPU {cli_cpu:.2f} s (load average {os.getloadavg()[0]:.1f})",
            )
        )


def _cli_home(home: Path) -> None:
    from core import migrate
    from core.auth import create_agent
    from core.models import Role

    previous = os.environ.get("MEDIANUM_HOME")
    os.environ["MEDIANUM_HOME"] = str(home)
    db = Database()
    migrate.upgrade(db)
    with db.session() as s:
        create_agent(s, None, "bench", "Bench", "mot-de-passe-solide", [(Role.COORDINATEUR, None)])
    db.dispose()
    if previous is not None:
        os.environ["MEDIANUM_HOME"] = previous
