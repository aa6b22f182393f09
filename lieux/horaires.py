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

School holidays (« SH ») are not known to the library (its « SH » never applies, or is ignored
inside « SH Mo-Fr »). Hours that name them are read day by day: each day is a school-holiday
day of the place's zone or not (:mod:`lieux.vacances`), and the hours are rewritten for that
day (« SH » always, or never, applies). Where the day is not known (Corsica, overseas, no
département, past the published calendar), the two readings are compared: if they agree the
state is certain, else it is « inconnu » for that day — never a guessed ouvert or fermé.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours

from core.errors import ValidationError
from core.i18n import _
from lieux import vacances

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
    """Whether the hours name school holidays (« SH »), outside comments."""
    return bool(horaires) and re.search(r"\bSH\b", _sans_commentaires(horaires or "")) is not None


def _sans_commentaires(text: str) -> str:
    return re.sub(r'"[^"]*"', '""', text)


_REGLE_ADDITIONNELLE = re.compile(r",\s*(?=(?:PH|SH|Mo|Tu|We|Th|Fr|Sa|Su)\b)")


def _regles(text: str) -> list[tuple[str, str]]:
    """(separator before, rule) pairs; separators « ; », « || » and the additional-rule « , »
    (after a time, before a day: « Mo-Fr 09:00-17:00, SH 10:00-12:00 »), outside comments."""
    result: list[tuple[str, str]] = []
    sep, start, i, quoted = "", 0, 0, False
    while i < len(text):
        c = text[i]
        if c == '"':
            quoted = not quoted
        elif not quoted and (c == ";" or text.startswith("||", i)):
            result.append((sep, text[start:i].strip()))
            sep = ";" if c == ";" else "||"
            i += 1 if c == ";" else 2
            start = i
            continue
        elif not quoted and c == "," and text[start:i].rstrip()[-1:].isdigit():
            additional = _REGLE_ADDITIONNELLE.match(text, i)
            if additional:
                result.append((sep, text[start:i].strip()))
                sep, i = ",", additional.end()
                start = i
                continue
        i += 1
    result.append((sep, text[start:].strip()))
    return result


_JOUR = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?"
_ELEMENT = rf"(?:PH|SH|{_JOUR})"
_SELECTEUR = re.compile(
    rf"^(?P<seq>{_ELEMENT}(?:,{_ELEMENT})*)(?P<inter>\s+{_JOUR}(?:,{_JOUR})*)?(?=\s|$)(?P<rest>.*)$",
    re.DOTALL,
)


@lru_cache(maxsize=1024)
def lecture_vacances(horaires: str, vacances: bool) -> str | None:
    """The hours as they read on a school-holiday day (or on another day): « SH » rewritten.

    « SH off » becomes « Mo-Su off » on a holiday and disappears otherwise; « SH Mo-Fr … »
    becomes « Mo-Fr … » or disappears; « PH,SH off » becomes « Mo-Su off » or « PH off ».
    None when « SH » is used in a way this does not rewrite (then the state is unknown).
    """
    rules: list[tuple[str, str]] = []
    for sep, rule in _regles(horaires):
        if not re.search(r"\bSH\b", _sans_commentaires(rule)):
            rules.append((sep, rule))
            continue
        match = _SELECTEUR.match(rule)
        if match is None or re.search(r"\bSH\b", _sans_commentaires(match["rest"])):
            return None
        items = match["seq"].split(",")
        others = [item for item in items if item != "SH"]
        if match["inter"]:
            if others:  # « PH,SH Mo-Fr »: not rewritten
                return None
            if vacances:
                rules.append((sep, match["inter"].strip() + match["rest"]))
        elif vacances:
            rules.append((sep, "Mo-Su" + match["rest"]))
        elif others:
            rules.append((sep, ",".join(others) + match["rest"]))
    text = ""
    for sep, rule in rules:
        if text:
            text += {";": "; ", ",": ", "}.get(sep, " || ")
        text += rule
    text = text or "off"
    return text if opening_hours.validate(text) else None


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


Etat = opening_hours.State
Segment = tuple[datetime, datetime, "opening_hours.State"]


def _segments_simples(
    horaires: str, debut: datetime, fin: datetime, coords: Coordonnees | None
) -> list[Segment] | None:
    parsed = _parse(horaires, coords)
    if parsed is None:
        return None
    return [
        (_aware(a), _aware(b) if b is not None else fin, state)
        for a, b, state, _comment in parsed.intervals(debut, fin)
    ]


def segments(
    horaires: str | None,
    debut: datetime,
    fin: datetime,
    coords: Coordonnees | None = None,
    zone: str | None = None,
) -> list[Segment] | None:
    """Open, closed and unknown stretches between two moments; None if the hours are unreadable.

    Hours that name school holidays are read day by day with the calendar of ``zone``
    (A, B or C, see :func:`lieux.vacances.zone_scolaire`); a day the calendar does not know is
    « unknown » unless the hours say the same with and without holidays.
    """
    text = horaires or ""
    if not lisible(text):
        return None
    debut, fin = _aware(debut), _aware(fin)
    if not vacances_scolaires(text):
        return _segments_simples(text, debut, fin, coords)
    result: list[Segment] = []
    jour = debut.date()
    while True:
        a = max(debut, datetime.combine(jour, time(), PARIS))
        b = min(fin, datetime.combine(jour + timedelta(days=1), time(), PARIS))
        if a >= fin:
            break
        result += _segments_du_jour(text, jour, a, b, coords, zone)
        jour += timedelta(days=1)
    return result


def _segments_du_jour(
    text: str, jour: date, a: datetime, b: datetime, coords: Coordonnees | None, zone: str | None
) -> list[Segment]:
    inconnu: list[Segment] = [(a, b, Etat.UNKNOWN)]
    known = vacances.en_vacances(jour, zone)
    readings = [known] if known is not None else [True, False]
    found: list[list[Segment]] = []
    for reading in readings:
        rewritten = lecture_vacances(text, reading)
        parts = _segments_simples(rewritten, a, b, coords) if rewritten is not None else None
        if parts is None:
            return inconnu
        found.append(parts)
    return _accord(found)


def _accord(readings: list[list[Segment]]) -> list[Segment]:
    """Where all readings give the same state, that state; elsewhere unknown."""
    if len(readings) == 1:
        return readings[0]
    cuts = sorted({t for parts in readings for a, b, _s in parts for t in (a, b)})
    result: list[Segment] = []
    for a, b in itertools.pairwise(cuts):
        states = {next((s for x, y, s in parts if x <= a < y), Etat.UNKNOWN) for parts in readings}
        state = states.pop() if len(states) == 1 else Etat.UNKNOWN
        if result and result[-1][2] is state and result[-1][1] == a:
            result[-1] = (result[-1][0], b, state)
        else:
            result.append((a, b, state))
    return result


def est_ouvert(
    horaires: str | None,
    moment: datetime | None = None,
    coords: Coordonnees | None = None,
    zone: str | None = None,
) -> bool | None:
    """True/False, or None when the hours are absent, unreadable or not known at that moment."""
    at = _aware(moment)
    if not vacances_scolaires(horaires):
        parsed = _parse(horaires or "", coords)
        if parsed is None or parsed.is_unknown(at):
            return None
        return parsed.is_open(at)
    parts = segments(horaires, at, at + timedelta(minutes=1), coords, zone)
    if not parts or parts[0][2] is Etat.UNKNOWN:
        return None
    return parts[0][2] is Etat.OPEN


def prochaine_ouverture(
    horaires: str | None,
    moment: datetime | None = None,
    coords: Coordonnees | None = None,
    zone: str | None = None,
) -> datetime | None:
    """When the place next opens after ``moment`` (Europe/Paris), None if never or unknown.

    For a place open right now this is the next opening after it closes. A stretch of unknown
    state before it (school holidays of an unknown calendar) makes it unknown.
    """
    at = _aware(moment)
    # Hours read day by day (school holidays) are looked at over two months, not a year.
    days = 62 if vacances_scolaires(horaires) else 366
    parts = segments(horaires, at, at + timedelta(days=days), coords, zone) or []
    for start, _end, state in parts:
        if state is Etat.UNKNOWN:
            return None
        if state is Etat.OPEN and start > at:
            return start
    return None


def creneaux_ouverts(
    horaires: str | None,
    debut: datetime,
    fin: datetime,
    coords: Coordonnees | None = None,
    zone: str | None = None,
) -> Iterator[tuple[datetime, datetime]]:
    """The open intervals between two moments (used by the map to decide « ouvert » in JS)."""
    for start, end, state in segments(horaires, debut, fin, coords, zone) or []:
        if state is Etat.OPEN:
            yield start, end


def creneaux_inconnus(
    horaires: str | None,
    debut: datetime,
    fin: datetime,
    coords: Coordonnees | None = None,
    zone: str | None = None,
) -> Iterator[tuple[datetime, datetime]]:
    """The stretches where the state is not known (school holidays of an unknown calendar)."""
    for start, end, state in segments(horaires, debut, fin, coords, zone) or []:
        if state is Etat.UNKNOWN:
            yield start, end


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
