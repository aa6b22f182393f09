"""Checks and normalisations of identifiers that several domains share."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from core.errors import ValidationError
from core.i18n import _

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LA_POSTE_SIREN = "356000000"  # its SIRETs do not follow the Luhn rule (INSEE exception)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def validate_siret(value: str) -> str:
    siret = re.sub(r"\s", "", value)
    if not re.fullmatch(r"\d{14}", siret):
        raise ValidationError(_("Un SIRET compte 14 chiffres."), field="siret")
    if siret.startswith(LA_POSTE_SIREN):
        if sum(int(c) for c in siret) % 5 != 0:
            raise ValidationError(_("Ce SIRET n'est pas valide (clé de contrôle)."), field="siret")
    elif not luhn_ok(siret):
        raise ValidationError(_("Ce SIRET n'est pas valide (clé de contrôle)."), field="siret")
    return siret


# Overseas départements have their own country codes: 0590 12 34 56 is +590 590 12 34 56.
OVERSEAS_PREFIXES: dict[str, str] = {
    "0590": "+590",
    "0690": "+590",
    "0594": "+594",
    "0694": "+594",
    "0262": "+262",
    "0692": "+262",
    "0693": "+262",
    "0269": "+262",
    "0639": "+262",
    "0596": "+596",
    "0696": "+596",
}


def to_e164(value: str) -> str | None:
    """A French phone number in E.164 (« 05 46 12 34 56 » → « +33546123456 »), or None."""
    raw = re.sub(r"[\s.\-()/]", "", value.replace("(0)", ""))
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if re.fullmatch(r"0[1-9]\d{8}", raw):
        return OVERSEAS_PREFIXES.get(raw[:4], "+33") + raw[1:]
    if re.fullmatch(r"\+[1-9]\d{6,14}", raw):
        return raw
    return None


def normalize_phone(value: str) -> str:
    """Like ``to_e164`` but refuses, in French, what is not a phone number."""
    normalized = to_e164(value)
    if normalized is None:
        raise ValidationError(
            _("Numéro de téléphone invalide : « {value} » (exemple : 05 46 12 34 56).").format(
                value=value
            ),
            field="telephone",
        )
    return normalized


# Country codes whose numbers are dialled in France with a leading 0 (metropole and overseas).
_NATIONAL_CODES = ("+33", *sorted(set(OVERSEAS_PREFIXES.values())))


def format_phone(value: str | None) -> str:
    """A stored E.164 number as French desks write it: « +33612345678 » → « 06 12 34 56 78 ».

    Numbers of other countries, and anything that is not E.164, are shown as stored.
    """
    if not value:
        return ""
    for code in _NATIONAL_CODES:
        rest = value[len(code) :]
        if value.startswith(code) and re.fullmatch(r"\d{9}", rest):
            national = "0" + rest
            if code != "+33" and OVERSEAS_PREFIXES.get(national[:4]) != code:
                continue
            return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return value


_FRENCH_DATE_RE = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*")


def parse_french_date(text: str, field: str = "date") -> date:
    """« JJ/MM/AAAA » as typed at a desk. A wrong shape asks for the format; a well-formed date
    that does not exist (31/02/1960) says it is impossible, which is what the agent must fix."""
    match = _FRENCH_DATE_RE.fullmatch(text)
    if match is None:
        raise ValidationError(
            _("« {value} » : format JJ/MM/AAAA attendu.").format(value=text.strip()), field=field
        )
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationError(
            _("« {value} » : date impossible, ce jour n'existe pas.").format(value=text.strip()),
            field=field,
        ) from None


def normalize_email(value: str) -> str:
    email = value.strip()
    if not _EMAIL_RE.match(email):
        raise ValidationError(
            _("Adresse e-mail invalide : « {value} ».").format(value=value), field="email"
        )
    return email.lower()


def fold(text: str) -> str:
    """Lower case, accents removed, spaces and hyphens collapsed: for search and comparison."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return re.sub(r"[\s\-'’]+", " ", stripped.casefold()).strip()
