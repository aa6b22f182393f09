"""French school holidays (« SH » in opening hours): which zone a place is in, and which days.

opening-hours-py takes a country's public holidays but has no school calendar (an « SH » rule
never applies there). The calendar comes from the package ``vacances-scolaires-france``
(MIT, data from the ministry of education's published calendars, zones A, B and C of
metropolitan France, 1990 to the last school year it carries). A place's zone follows from its
département's académie. Corsica and the overseas territories have calendars of their own, which
the package does not carry: there, and for a place whose département is unknown, or for a day
past the calendar's last known holiday, the day is « inconnu » (``None``), never guessed.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from vacances_scolaires_france import SchoolHolidayDates

# Académies by zone (since 2016), and each académie's départements.
_ZONES: dict[str, tuple[str, ...]] = {
    "A": (
        "25", "39", "70", "90",  # Besançon
        "24", "33", "40", "47", "64",  # Bordeaux
        "03", "15", "43", "63",  # Clermont-Ferrand
        "21", "58", "71", "89",  # Dijon
        "07", "26", "38", "73", "74",  # Grenoble
        "19", "23", "87",  # Limoges
        "01", "42", "69",  # Lyon
        "16", "17", "79", "86",  # Poitiers
    ),
    "B": (
        "04", "05", "13", "84",  # Aix-Marseille
        "02", "60", "80",  # Amiens
        "59", "62",  # Lille
        "54", "55", "57", "88",  # Nancy-Metz
        "44", "49", "53", "72", "85",  # Nantes
        "06", "83",  # Nice
        "14", "27", "50", "61", "76",  # Normandie
        "18", "28", "36", "37", "41", "45",  # Orléans-Tours
        "08", "10", "51", "52",  # Reims
        "22", "29", "35", "56",  # Rennes
        "67", "68",  # Strasbourg
    ),
    "C": (
        "77", "93", "94",  # Créteil
        "11", "30", "34", "48", "66",  # Montpellier
        "75",  # Paris
        "09", "12", "31", "32", "46", "65", "81", "82",  # Toulouse
        "78", "91", "92", "95",  # Versailles
    ),
}  # fmt: skip
ZONE_PAR_DEPARTEMENT: dict[str, str] = {d: z for z, ds in _ZONES.items() for d in ds}


def departement(code_insee: str | None, code_postal: str | None) -> str | None:
    """The département of a commune code (« 2A », « 971 »), else of a postal code."""
    code = (code_insee or "").strip().upper()
    if len(code) == 5:
        return code[:3] if code.startswith("97") else code[:2]
    postal = (code_postal or "").strip()
    if len(postal) == 5 and postal.isdigit():
        if postal.startswith("97"):
            return postal[:3]
        return None if postal.startswith("20") else postal[:2]  # 20: Corse-du-Sud or Haute-Corse
    return None


def zone_scolaire(code_insee: str | None, code_postal: str | None = None) -> str | None:
    """A, B or C; None for Corsica, overseas, or an unknown département."""
    return ZONE_PAR_DEPARTEMENT.get(departement(code_insee, code_postal) or "")


@cache
def _calendrier() -> tuple[dict[str, frozenset[date]], date]:
    dates = SchoolHolidayDates()
    days = {
        zone: frozenset(d for d, row in dates.data.items() if row[dates.zone_key(zone)])
        for zone in dates.SUPPORTED_ZONES
    }
    # Past the last holiday the package carries, the next ones are not published yet.
    return days, max(dates.data) + timedelta(days=1)


def fin_du_calendrier() -> date:
    """The first day the calendar no longer knows."""
    return _calendrier()[1]


def en_vacances(jour: date, zone: str | None) -> bool | None:
    """Whether ``jour`` is a school-holiday day in ``zone``; None when that is not known."""
    days, end = _calendrier()
    if zone not in days or jour >= end:
        return None
    return jour in days[zone]
