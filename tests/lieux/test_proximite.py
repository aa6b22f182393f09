from __future__ import annotations

import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from core.auth import Actor
from core.db import Database
from core.demo import DemoContext, DemoSizes
from core.i18n import format_number
from lieux import demo
from lieux.horaires import PARIS
from lieux.models import Lieu
from lieux.proximite import haversine_km, lieux_proches, liste_pdf

SATURDAY_MORNING = datetime(2026, 11, 21, 10, 0, tzinfo=PARIS)


def _populate(db: Database) -> None:
    import random

    with db.session() as s:
        demo.populate(s, DemoContext(DemoSizes(), random.Random(1), {}, {}))


def test_haversine_between_la_rochelle_and_paris_is_about_400_km() -> None:
    # Hôtel de ville de La Rochelle → Notre-Dame de Paris: about 398 km as the crow flies.
    assert haversine_km(46.1591, -1.1520, 48.8530, 2.3499) == pytest.approx(398, abs=3)


def test_nearest_places_offering_a_service_are_sorted_by_distance_with_next_opening(
    db: Database, accueil: Actor
) -> None:
    _populate(db)
    service = "Aide aux démarches administratives"
    with db.session() as s:
        found = lieux_proches(s, accueil, "17194", service, limite=5, moment=SATURDAY_MORNING)
        offering = {
            lieu.identifiant
            for lieu in s.scalars(select(Lieu))
            if service in lieu.values_of("services")
        }
    assert found[0].nom == "France Services La Jarrie"
    assert [p.distance_km for p in found] == sorted(p.distance_km for p in found)
    assert {p.identifiant for p in found} <= offering
    assert len(found) == 5
    # The France Services of La Jarrie is closed on Saturdays and opens on Monday morning.
    assert found[0].ouvert is False
    assert found[0].prochaine_ouverture == datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)


def test_the_printable_list_names_the_places_and_their_distance(
    db: Database, accueil: Actor, tmp_path: Path
) -> None:
    _populate(db)
    with db.session() as s:
        found = lieux_proches(s, accueil, "17300", "Accès internet et matériel informatique", 3)
    pdf = tmp_path / "liste.pdf"
    liste_pdf(found, "La Rochelle", "Accès internet et matériel informatique", pdf)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = " ".join(text.split())  # cells wrap: compare words, not line breaks
    assert "Lieux de médiation numérique les plus proches" in words
    for place in found:
        # reportlab may break a name at a hyphen as well as at a space
        assert all(token in words for token in re.split(r"[\s-]+", place.nom))
        assert f"{format_number(place.distance_km, 1)} km" in words
