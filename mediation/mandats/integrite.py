"""The integrity code printed in a mandate's QR code, and the QR content itself.

The code is a SHA-256 over the mandate's printed fields and its legal-text version, in a canonical
form. Its purpose is to check that a paper matches what was recorded (any desk of the structure
scans the QR and compares), not to prove authorship: that is what the signatures are for. A plain
hash keeps verification working on every desk, with or without an OS keyring.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mediation.mandats.models import Mandat

QR_PREFIX = "MEDIANUM-MANDAT"
FORMAT_VERSION = 1
_QR_RE = re.compile(
    rf"^{QR_PREFIX};(?P<v>\d+);(?P<ref>MDT-[0-9A-Z]{{4}}-[0-9A-Z]{{4}}-[0-9A-Z]{{4}});"
    r"(?P<code>[0-9a-f]{64})$",
    re.IGNORECASE,
)


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


def canonical_fields(mandat: Mandat) -> dict[str, object]:
    """Everything the paper states about the mandate, as recorded."""
    return {
        "format": FORMAT_VERSION,
        "reference": mandat.reference,
        "structure_id": mandat.structure_id,
        "beneficiaire_id": mandat.beneficiaire_id,
        "mandant": [
            mandat.mandant_nom,
            mandat.mandant_prenom,
            mandat.mandant_date_naissance.isoformat() if mandat.mandant_date_naissance else "",
            mandat.mandant_lieu_naissance,
        ],
        "mandataire": [mandat.mandataire_nom, mandat.mandataire_adresse],
        "lieu": mandat.lieu_signature,
        "categories": [c.categorie for c in sorted(mandat.categories, key=lambda c: c.rang)],
        "actions": mandat.actions_specifiques,
        "duree_jours": mandat.duree_jours,
        "debut": _instant(mandat.debut),
        "fin": _instant(mandat.fin),
        "template": mandat.template_version,
    }


def integrity_code(mandat: Mandat) -> str:
    payload = json.dumps(
        canonical_fields(mandat), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def qr_content(reference: str, code: str) -> str:
    return f"{QR_PREFIX};{FORMAT_VERSION};{reference};{code}"


@dataclass(frozen=True)
class QrContent:
    reference: str
    code: str


def parse_qr(text: str) -> QrContent | None:
    """The reference and code read from a QR (a scanner types it), or None if it is not one."""
    match = _QR_RE.match(text.strip())
    if match is None or int(match.group("v")) != FORMAT_VERSION:
        return None
    # A scanner typing through a keyboard layout may change the case: compare case-folded.
    return QrContent(match.group("ref").upper(), match.group("code").lower())
