"""Mandates: time to print one mandate, to list those expiring among 100,000, and to purge those
past their keeping period.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks bench_mandats
    MEDIANUM_BENCH_MANDATS=20000 … (a smaller table while others share the machine)

Each figure sits beside a baseline measured in the same run: a bare reportlab page with one QR
code for the PDF; a raw SQL COUNT over the same condition for the list; bare DELETEs of the same
rows, on a copy of the file, for the purge.
"""

from __future__ import annotations

import io
import os
import random
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select

from benchmarks.harness import Report, Result, median_ms

if TYPE_CHECKING:
    from core.db import Database

SIZE = int(os.environ.get("MEDIANUM_BENCH_MANDATS", "100000"))


def _bare_qr_page() -> bytes:
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.drawString(72, 800, "Mandat MDT-AAAA-BBBB-CCCC")
    widget = QrCodeWidget(
        "MEDIANUM-MANDAT;1;MDT-AAAA-BBBB-CCCC;" + "0" * 64, barWidth=90, barHeight=90
    )
    drawing = Drawing(90, 90)
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, 72, 650)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MEDIANUM_HOME"] = tmp
        _run(report, Path(tmp))


def _run(report: Report, tmp: Path) -> None:
    from core import migrate
    from core.auth import actor_for, create_agent, create_structure
    from core.db import Database, utcnow
    from core.models import Role
    from core.validation import fold
    from mediation.mandats.creation import MandantIdentity, create_mandat
    from mediation.mandats.lecture import Filtre, expiring_mandats, list_mandats
    from mediation.mandats.models import CATEGORY_KEYS, Mandat, MandatCategorie
    from mediation.mandats.pdf import mandat_pdf
    from mediation.models import Beneficiaire

    db = Database(f"sqlite:///{tmp / 'bench.sqlite3'}")
    migrate.upgrade(db, backup=False)
    with db.session() as s:
        structure = create_structure(s, None, "France Services (banc d'essai)", code_postal="17000")
        admin = create_agent(
            s, None, "admin", "Admin", "mot-de-passe-solide", [(Role.ADMINISTRATEUR, None)]
        )
        agent = create_agent(
            s,
            actor_for(s, admin),
            "aidant",
            "Aidant",
            "mot-de-passe-solide",
            [(Role.AIDANT, structure.id)],
        )
        actor = actor_for(s, agent)
        person = Beneficiaire(
            structure_id=structure.id, nom="Essai", prenom="Camille", nom_cle="essai"
        )
        s.add(person)
        s.flush()
        mandat = create_mandat(
            s,
            actor,
            person.id,
            categories=["social", "argent", "logement"],
            duree_jours=365,
            identite=MandantIdentity("Essai", "Camille", date(1950, 1, 2), "Niort"),
            mentions_lues=True,
            hors_mesure_protection=True,
            actions_specifiques="Création d'une adresse e-mail",
        )
        structure_id, person_id, agent_id = structure.id, person.id, agent.id
        admin_id = admin.id

        mandat_pdf(mandat)  # warm the template cache and reportlab's fonts
        value = median_ms(lambda: mandat_pdf(mandat), repeat=15)
        baseline = median_ms(_bare_qr_page, repeat=15)
    report.add(
        Result(
            "mandate PDF, 2 copies (4 pages), with QR",
            value,
            "ms",
            "bare reportlab page with one QR",
            baseline,
            "< 300 ms",
        )
    )

    rng = random.Random(5)
    now = utcnow().replace(microsecond=0)
    batch = 5000
    with db.session() as s:
        for start in range(0, SIZE, batch):
            rows = []
            for i in range(start, min(SIZE, start + batch)):
                debut = now - timedelta(days=rng.randint(0, 400), seconds=rng.randint(0, 86400))
                duree = rng.choice((31, 182, 365))
                rows.append(
                    {
                        "reference": f"MDT-B{i:07d}"[:18],
                        "structure_id": structure_id,
                        "beneficiaire_id": person_id,
                        "mandant_nom": "Essai",
                        "mandant_prenom": f"Personne {i}",
                        "mandant_date_naissance": date(1950, 1, 2),
                        "mandant_lieu_naissance": "Niort",
                        "mandant_cle": fold(f"Personne {i} Essai"),
                        "mandataire_nom": "France Services (banc d'essai)",
                        "mandataire_adresse": "17000",
                        "lieu_signature": "La Rochelle",
                        "actions_specifiques": "",
                        "duree_jours": duree,
                        "debut": debut,
                        "fin": debut + timedelta(days=duree),
                        "template_version": "2026-01-01",
                        "integrity_code": "0" * 64,
                        "created_by_id": agent_id,
                        "created_at": debut,
                    }
                )
            s.execute(insert(Mandat), rows)
            ids = s.scalars(
                select(Mandat.id).where(Mandat.reference.in_([r["reference"] for r in rows]))
            ).all()
            s.execute(
                insert(MandatCategorie),
                [
                    {
                        "mandat_id": mid,
                        "categorie": rng.choice(CATEGORY_KEYS),
                        "rang": 0,
                        "structure_id": structure_id,
                        "beneficiaire_id": person_id,
                    }
                    for mid in ids
                ],
            )

    with db.read_session() as s:
        soon = now + timedelta(days=30)
        count_sql = select(func.count(Mandat.id)).where(
            Mandat.structure_id == structure_id,
            Mandat.revoque_at.is_(None),
            Mandat.debut <= now,
            Mandat.fin > now,
            Mandat.fin <= soon,
        )
        expected = s.scalar(count_sql)
        found = len(expiring_mandats(s, actor, now=now))
        assert found == expected, (found, expected)
        full = median_ms(lambda: expiring_mandats(s, actor, now=now), repeat=5, warmup=1)
        page = median_ms(
            lambda: list_mandats(s, actor, Filtre.EXPIRANT, limit=200, now=now), repeat=10
        )
        raw = median_ms(lambda: s.scalar(count_sql), repeat=10)
    report.add(
        Result(
            f"expiring within 30 days among {SIZE:,}: all {expected:,} rows",
            full,
            "ms",
            "raw SQL COUNT, same condition",
            raw,
            "",
        )
    )
    report.add(
        Result(
            f"expiring within 30 days among {SIZE:,}: first page (200)",
            page,
            "ms",
            "raw SQL COUNT, same condition",
            raw,
            "",
        )
    )
    _purge(report, db, tmp, admin_id=admin_id, now=now)
    db.dispose()


def _purge(report: Report, db: Database, tmp: Path, *, admin_id: int, now: datetime) -> None:
    """The first purge after years of service: every mandate past its keeping period at once,
    beside bare DELETEs of the same rows (categories, then mandates) on a copy of the file."""
    import shutil
    import time

    from sqlalchemy import text

    from core.auth import actor_for
    from core.db import Database
    from core.models import Agent
    from mediation.mandats.retention import (
        _add_years,
        mandate_retention_years,
        purge_mandats_past_retention,
    )

    with db.read_session() as s:
        years = mandate_retention_years(s)
    # Far enough ahead that about half the mandates' periods are over.
    later = _add_years(now, years) + timedelta(days=60)
    bound = _add_years(later, -years)
    copy = tmp / "copie.sqlite3"
    db.dispose()
    shutil.copyfile(tmp / "bench.sqlite3", copy)
    with db.session() as s:
        start = time.perf_counter()
        purged = purge_mandats_past_retention(
            s, actor_for(s, s.get_one(Agent, admin_id)), now=later
        )
    value = (time.perf_counter() - start) * 1000
    bare = Database(f"sqlite:///{copy}")
    due = "SELECT id FROM mandat WHERE fin <= :b OR revoque_at <= :b"
    with bare.session() as s:
        gone = s.scalar(text(f"SELECT count(*) FROM ({due})"), {"b": bound})
        start = time.perf_counter()
        s.execute(text(f"DELETE FROM mandat_categorie WHERE mandat_id IN ({due})"), {"b": bound})
        s.execute(text(f"DELETE FROM mandat WHERE id IN ({due})"), {"b": bound})
    baseline = (time.perf_counter() - start) * 1000
    bare.dispose()
    assert gone == purged, (gone, purged)
    report.add(
        Result(
            f"purge of the {purged:,} mandates past their keeping period among {SIZE:,}",
            value,
            "ms",
            "bare DELETEs of the same rows",
            baseline,
            "",
        )
    )
