"""Checks and normalisations of identifiers that several domains share."""

from __future__ import annotations

import re
import unicodedata

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
