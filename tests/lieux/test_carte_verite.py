"""A map and a printed list that tell the truth: three opening states, names, phones, hours."""

from __future__ import annotations

import json
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

from core.webmap import offline_html
from lieux import horaires
from lieux.carte import _commune_outlines, construire_carte
from lieux.horaires import PARIS
from lieux.models import Lieu
from lieux.proximite import LieuProche, liste_pdf, telephone_lisible
from tests.lieux import navigateur


def _lieu(
    ident: str,
    hours: str | None,
    placed: bool = True,
    phone: str | None = None,
    code_insee: str = "17300",
) -> Lieu:
    return Lieu(
        id=len(ident),
        identifiant=ident,
        pivot="43493312300029",
        nom=f"Lieu {ident}",
        commune="La Rochelle",
        code_postal="17000" if code_insee == "17300" else "",
        code_insee=code_insee,
        adresse="1 rue",
        latitude=46.16 if placed else None,
        longitude=-1.15 if placed else None,
        horaires=hours,
        telephone=phone,
        date_maj=date(2024, 1, 1),
    )


@pytest.mark.skipif(not navigateur.chromium_disponible(), reason="Chromium is not installed")
def test_the_map_shows_open_closed_and_unknown_hours_and_counts_places_without_position(
    tmp_path: Path,
) -> None:
    lieux = [
        _lieu("a-ouvert", "24/7", phone="+33546001122"),
        _lieu("b-ferme", "off"),
        _lieu("c-illisible", "le matin sauf le mardi"),
        _lieu("d-sans", None),
        _lieu("e-nulle-part", "24/7", placed=False),
        _lieu("f-nulle-part", None, placed=False),
        # Open except in school holidays: in La Rochelle (zone A) the calendar says which days;
        # Ajaccio's calendar is not known, so the state there is unknown while it matters.
        _lieu("g-vacances-zone-a", "24/7; SH off"),
        _lieu("h-vacances-corse", "24/7; SH off", code_insee="2A004"),
    ]
    now = datetime.now(PARIS)
    html = offline_html(construire_carte(lieux, maintenant=now))
    probe = (
        "<script>window.addEventListener('load', function(){var c = window.medianumCarte;"
        "var out = c.markers.map(function(m){var d = document.createElement('div');"
        "d.innerHTML = c.popup(m.lieu); return [m.lieu[2], d.querySelector('.etat').className,"
        "d.textContent];});"
        "out.push(document.querySelector('.lieux-sans-position').textContent);"
        "document.title = JSON.stringify(out);});</script></html>"
    )
    page = tmp_path / "etats.html"
    page.write_text(html.replace("</html>", probe), encoding="utf-8")

    seen = navigateur.ouvrir(page, tmp_path / "profil").donnees

    assert seen["erreurs"] == []
    *popups, missing = json.loads(seen["titre"])
    states = {name: classes.split()[1] for name, classes, _text in popups}
    assert states == {
        "Lieu a-ouvert": "ouvert",
        "Lieu b-ferme": "ferme",
        "Lieu c-illisible": "inconnu",
        "Lieu d-sans": "inconnu",
        "Lieu g-vacances-zone-a": "ferme" if _zone_a_en_vacances(now.date()) else "ouvert",
        "Lieu h-vacances-corse": "inconnu",
    }
    texts = {name: text for name, _classes, text in popups}
    assert "Horaires inconnus" in texts["Lieu c-illisible"]
    assert "le matin sauf le mardi" in texts["Lieu c-illisible"]
    assert "05 46 00 11 22" in texts["Lieu a-ouvert"]
    assert "vacances scolaires" in texts["Lieu h-vacances-corse"]
    assert missing == "2 lieux sans position, non affichés"


def _zone_a_en_vacances(day: date) -> bool:
    # The expectation straight from the calendar package, not through lieux.vacances.
    from vacances_scolaires_france import SchoolHolidayDates

    return bool(SchoolHolidayDates().is_holiday_for_zone(day, "A"))


def test_commune_tooltips_use_the_official_names_of_today() -> None:
    names = {
        f["properties"]["code"]: f["properties"]["nom"]
        for f in _commune_outlines(set())["features"]
    }
    assert names["17300"] == "La Rochelle"
    assert names["17193"] == "La Jarne"
    assert names["17190"] == "L'Houmeau"


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+33546001122", "05 46 00 11 22"),
        ("+590590123456", "05 90 12 34 56"),
        ("+687445728", "+687 44 57 28"),
    ],
)
def test_phones_are_shown_as_people_dial_them(e164: str, shown: str) -> None:
    assert telephone_lisible(e164) == shown


def test_the_printed_list_gives_the_hours_and_says_when_they_are_unknown(tmp_path: Path) -> None:
    monday_10 = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)

    def proche(nom: str, hours: str | None) -> LieuProche:
        return LieuProche(
            1,
            nom,
            nom,
            "1 rue",
            "La Rochelle",
            None,
            1.0,
            horaires.est_ouvert(hours, monday_10),
            horaires.prochaine_ouverture(hours, monday_10),
            hours,
        )

    places = [
        proche("Ouvert", "Mo-Fr 09:00-12:00; PH off"),
        proche("Après-midi", "Mo-Fr 14:00-17:00; PH off"),
        proche("Vacances", "Mo-Fr 09:00-12:00; SH off"),
        proche("Illisible", "le matin"),
        proche("Rien", None),
    ]
    pdf = tmp_path / "liste.pdf"
    liste_pdf(places, "La Rochelle", None, pdf, moment=monday_10)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    words = " ".join(text.split())

    assert "Ouvert maintenant. Horaires : lun.-ven. 09:00-12:00 ; fermé les jours fériés" in words
    assert "Fermé ; ouvre" in words
    # No zone given: on a Monday morning the holidays decide, and their calendar is not known.
    assert (
        "Horaires inconnus à cette date (vacances scolaires dont le calendrier n'est pas connu "
        "pour ce lieu) : « Mo-Fr 09:00-12:00; SH off »"
    ) in words
    assert "Horaires inconnus : « le matin »" in words
    assert "Horaires non renseignés" in words


@pytest.mark.skipif(not navigateur.chromium_disponible(), reason="Chromium is not installed")
def test_filtering_by_service_and_zooming_into_a_cluster_show_the_right_places(
    tmp_path: Path,
) -> None:
    lieux = [_lieu(f"p{i}", None) for i in range(3)]
    for i, lieu in enumerate(lieux):
        lieu.latitude = 46.16 + i * 0.0005
    lieux[0].services = "Aide aux démarches administratives"
    far = _lieu("loin", None)
    far.latitude, far.longitude = 48.85, 2.35
    html = offline_html(construire_carte([*lieux, far], maintenant=datetime.now(PARIS)))
    probe = (
        "<script>window.addEventListener('load', function(){var c = window.medianumCarte;"
        "var bubbles = document.querySelectorAll('.marker-cluster').length;"
        "var s = document.querySelector('.lieux-filtres select');"
        "s.value = '1'; s.dispatchEvent(new Event('change'));"
        "var count = document.querySelector('.lieux-compte').textContent;"
        "s.value = '0'; s.dispatchEvent(new Event('change'));"
        "setTimeout(function(){ c.map.setView([46.1605, -1.15], 17, {animate:false});"
        "var single = document.querySelectorAll('.lieu-marker').length;"
        "document.title = JSON.stringify([bubbles, count, single]);}, 100);});</script></html>"
    )
    page = tmp_path / "filtres.html"
    page.write_text(html.replace("</html>", probe), encoding="utf-8")

    seen = navigateur.ouvrir(page, tmp_path / "profil").donnees

    assert seen["erreurs"] == []
    bubbles, count, single = json.loads(seen["titre"])
    assert bubbles == 1  # the three close places of La Rochelle, seen from afar
    assert count == "1 lieux affichés sur 4"
    assert single == 3
