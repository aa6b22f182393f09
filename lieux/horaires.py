"""Opening hours in OpenStreetMap ``opening_hours`` syntax: is a place open, when does it next open.

Evaluation uses ``opening-hours-py`` (import name ``opening_hours``), in the Europe/Paris time
zone with the French public-holiday calendar (``country="FR"``), so ``PH off`` closes a place on
1 January, Easter Monday, 1 and 8 May, Ascension, Whit Monday, 14 July, 15 August, 1 and
11 November and 25 December. The library takes a country only, not a region: the two extra
holidays of Alsace-Moselle (Good Friday, 26 December) are not known, which does not matter for
the territory of La Rochelle; a place there could write them as explicit dates.

The weekly timetable editor of the GUI works with :class:`SemaineType` (up to two time ranges per
day); :func:`vers_osm` and :func:`depuis_osm` convert it to and from the string the schema stores.
A typed string the timetable cannot represent (holidays, months, weeks) is kept as typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours

from core.errors import ValidationError
from core.i18n import _

PARIS = ZoneInfo("Europe/Paris")
JOURS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
JOURS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def verifier(horaires: str) -> str:
    """The string if the library can read it, else a French ValidationError."""
    text = horaires.strip()
    if text and not opening_hours.validate(text):
        raise ValidationError(
            _(
                "Horaires illisibles : « {value} ». Exemple : "
                "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00; PH off"
            ).format(value=horaires),
            field="horaires",
        )
    return text


@lru_cache(maxsize=4096)
def lisible(horaires: str | None) -> bool:
    """Whether the library can read the hours (else the state is « horaires inconnus »)."""
    return bool(horaires) and opening_hours.validate(horaires or "")


def vacances_scolaires(horaires: str | None) -> bool:
    """Whether the hours name school holidays (« SH »), which the library cannot date.

    opening-hours-py has no French school calendar (it differs by zone): an « SH » rule never
    applies, so during the holidays the state shown may be wrong. Say so wherever it is shown.
    """
    return bool(horaires) and re.search(r"\bSH\b", horaires or "") is not None


def depend_du_soleil(horaires: str) -> bool:
    return bool(re.search(r"sunrise|sunset|dawn|dusk", horaires))


Coordonnees = tuple[float, float]


@lru_cache(maxsize=4096)
def _parse(horaires: str, coords: Coordonnees | None = None) -> opening_hours.OpeningHours | None:
    if not lisible(horaires):
        return None
    if coords is None:
        return opening_hours.OpeningHours(
            horaires,
            timezone=PARIS,
            country="FR",
            auto_country=False,
            auto_timezone=False,
            max_interval_days=366,
        )
    # The place's coordinates give sunrise and sunset there, and its own time zone: the hours
    # of a place in Nouméa are Nouméa's hours. (Given with a fixed time zone, the library
    # ignores the coordinates.)
    return opening_hours.OpeningHours(
        horaires, country="FR", coords=coords, auto_country=False, max_interval_days=366
    )


_METROPOLE = (41.3, 51.2, -5.3, 9.7)


def coordonnees_utiles(
    horaires: str, latitude: float | None, longitude: float | None
) -> Coordonnees | None:
    """The coordinates that change how these hours read: sun times, or an overseas time zone."""
    if latitude is None or longitude is None:
        return None
    south, north, west, east = _METROPOLE
    overseas = not (south <= latitude <= north and west <= longitude <= east)
    if depend_du_soleil(horaires) or overseas:
        return (round(latitude, 2), round(longitude, 2))
    return None


def a_paris(moment: datetime | None) -> datetime:
    """An aware Europe/Paris moment (now if None; a naive one is taken as Paris time)."""
    if moment is None:
        return datetime.now(PARIS)
    return moment.replace(tzinfo=PARIS) if moment.tzinfo is None else moment.astimezone(PARIS)


_aware = a_paris


def est_ouvert(
    horaires: str | None, moment: datetime | None = None, coords: Coordonnees | None = None
) -> bool | None:
    """True/False, or None when the hours are absent or unreadable (unknown)."""
    parsed = _parse(horaires or "", coords)
    if parsed is None:
        return None
    at = _aware(moment)
    if parsed.is_unknown(at):
        return None
    return parsed.is_open(at)


def prochaine_ouverture(
    horaires: str | None, moment: datetime | None = None, coords: Coordonnees | None = None
) -> datetime | None:
    """When the place next opens after ``moment`` (Europe/Paris), None if never or unknown.

    For a place open right now this is the next opening after it closes.
    """
    parsed = _parse(horaires or "", coords)
    if parsed is None:
        return None
    at = _aware(moment)
    limit = at + timedelta(days=366)
    for start, _end, state, _comment in parsed.intervals(at, limit):
        if state is opening_hours.State.OPEN and start > at:
            return _aware(start)
    return None


def creneaux_ouverts(
    horaires: str | None,
    debut: datetime,
    fin: datetime,
    coords: Coordonnees | None = None,
) -> Iterator[tuple[datetime, datetime]]:
    """The open intervals between two moments (used by the map to decide « ouvert » in JS)."""
    parsed = _parse(horaires or "", coords)
    if parsed is None:
        return
    for start, end, state, _comment in parsed.intervals(_aware(debut), _aware(fin)):
        if state is opening_hours.State.OPEN:
            yield _aware(start), _aware(end) if end is not None else _aware(fin)


_JOURS_LISIBLES = dict(
    zip(JOURS, ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."), strict=True)
)


def en_clair(horaires: str) -> str:
    """« Mo-Fr 09:00-12:00; PH off » → « lun.-ven. 09:00-12:00 ; fermé les jours fériés »."""
    text = re.sub(r"\bPH off\b|\bPH closed\b", _("fermé les jours fériés"), horaires)
    text = re.sub(r"\bSH off\b", _("fermé pendant les vacances scolaires"), text)
    text = re.sub(r"\b(Mo|Tu|We|Th|Fr|Sa|Su)\b", lambda m: _JOURS_LISIBLES[m[1]], text)
    text = re.sub(r"\boff\b|\bclosed\b", _("fermé"), text)
    return text.replace("; ", " ; ").replace("||", _("sinon"))


# --- the weekly timetable --------------------------------------------------------------------


@dataclass
class SemaineType:
    """Opening ranges per weekday (0 = Monday), plus whether public holidays are closed."""

    jours: list[list[tuple[time, time]]] = field(default_factory=lambda: [[] for _ in range(7)])
    feries_fermes: bool = True


def _hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def vers_osm(semaine: SemaineType) -> str:
    """``Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00; PH off`` from a timetable."""
    for index, ranges in enumerate(semaine.jours):
        for start, end in ranges:
            if end <= start:
                raise ValidationError(
                    _("Le {day} : la fermeture doit suivre l'ouverture.").format(
                        day=JOURS_FR[index]
                    ),
                    field="horaires",
                )
    specs = [",".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in sorted(r)) for r in semaine.jours]
    rules: list[str] = []
    day = 0
    while day < 7:
        if not specs[day]:
            day += 1
            continue
        last = day
        while last + 1 < 7 and specs[last + 1] == specs[day]:
            last += 1
        days = (
            JOURS[day]
            if last == day
            else f"{JOURS[day]}{'-' if last > day + 1 else ','}{JOURS[last]}"
        )
        rules.append(f"{days} {specs[day]}")
        day = last + 1
    if rules and semaine.feries_fermes:
        rules.append("PH off")
    return "; ".join(rules)


_RULE = re.compile(
    r"^(?P<days>[A-Z][a-z](?:[-,][A-Z][a-z])*)\s+(?P<times>\d\d:\d\d-\d\d:\d\d(?:,\d\d:\d\d-\d\d:\d\d)*)$"
)


def depuis_osm(horaires: str) -> SemaineType | None:
    """The timetable for a simple weekly string; None if it uses more than the editor shows."""
    semaine = SemaineType(feries_fermes=False)
    text = horaires.strip()
    if not text:
        return semaine
    for rule in (r.strip() for r in text.split(";")):
        if not rule:
            continue
        if rule in ("PH off", "PH closed"):
            semaine.feries_fermes = True
            continue
        match = _RULE.match(rule)
        if match is None:
            return None
        days: set[int] = set()
        for part in match["days"].split(","):
            first, _sep, last = part.partition("-")
            if first not in JOURS or (last and last not in JOURS):
                return None
            a = JOURS.index(first)
            b = JOURS.index(last) if last else a
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        ranges = []
        for span in match["times"].split(","):
            start, end = span.split("-")
            if end == "24:00":
                return None
            ranges.append((time.fromisoformat(start), time.fromisoformat(end)))
        for d in days:
            semaine.jours[d] = sorted(ranges)
    return semaine
