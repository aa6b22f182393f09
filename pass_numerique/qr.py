"""What a pass's QR code says, signed so that any desk can tell a real pass from a forged one.

Content (version 1), all in the QR « alphanumeric » character set so the code stays small and a
keyboard-emulating USB scanner types it without surprises::

    MNP1:<kid>:<serial>:<campaign id>:<value in cents>:<last valid day YYYYMMDD>:<signature>

The signature is Ed25519 over everything before the last ``:``, in base 32 (RFC 4648, no
padding). ``kid`` names the key, so keys can be rotated and old ones revoked.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from pass_numerique import serials
from pass_numerique.models import PassCle, StatutCle

VERSION = "MNP1"
# One spelling only, ASCII, upper case: no Unicode digit (``\d`` would take them), no case or
# ``upper()`` folding (``ſ`` → S, ``ı`` → I), so no two texts are the same signed pass.
_QR_RE = re.compile(
    r"MNP1:([0-9A-Z]{1,8}):([0-9A-Z]{12}):([0-9]{1,9}):([0-9]{1,9}):([0-9]{8}):([A-Z2-7]{103})",
    re.ASCII,
)
# What a scanner may add around the text it types: an end of line, a tab.
_SCANNER_NOISE = " \t\r\n"


@dataclass(frozen=True)
class QrContent:
    kid: str
    serial: str
    campagne_id: int
    valeur_cents: int
    expire_le: date


class QrRefused(Exception):
    """The scanned text is not a genuine pass (unknown format, bad signature, revoked key)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # code: format, cle_inconnue, cle_revoquee, signature, serial


def _message(c: QrContent) -> str:
    return ":".join(
        (
            VERSION,
            c.kid,
            c.serial,
            str(c.campagne_id),
            str(c.valeur_cents),
            c.expire_le.strftime("%Y%m%d"),
        )
    )


def sign(private: Ed25519PrivateKey, content: QrContent) -> str:
    message = _message(content)
    signature = base64.b32encode(private.sign(message.encode("ascii"))).decode("ascii")
    return f"{message}:{signature.rstrip('=')}"


def looks_like_qr(text: str) -> bool:
    """Routes a scan to the QR check; any other spelling of the prefix is no pass at all."""
    return text.strip(_SCANNER_NOISE).upper().startswith(VERSION + ":")


def parse(text: str) -> tuple[QrContent, bytes, str]:
    """Content, signature bytes and signed message of a scanned text; QrRefused if malformed."""
    scanned = text.strip(_SCANNER_NOISE)
    match = _QR_RE.fullmatch(scanned)
    if match is None:
        raise QrRefused("format")
    kid, serial, campagne, valeur, jour, signature = match.groups()
    if not serials.is_valid(serial):
        raise QrRefused("serial")
    try:
        expire_le = date(int(jour[:4]), int(jour[4:6]), int(jour[6:]))
        raw_signature = base64.b32decode(signature + "=" * (-len(signature) % 8))
    except (ValueError, binascii.Error):
        raise QrRefused("format") from None
    # The last base-32 character carries 3 unused bits: only the canonical spelling is genuine,
    # so no two different texts are the same pass.
    if base64.b32encode(raw_signature).decode("ascii").rstrip("=") != signature:
        raise QrRefused("format")
    content = QrContent(kid, serial, int(campagne), int(valeur), expire_le)
    message = _message(content)
    if f"{message}:{signature}" != scanned:  # leading zeros: the same numbers, another text
        raise QrRefused("format")
    return content, raw_signature, message


_KEY = select(PassCle.publique, PassCle.statut, PassCle.campagne_id).where(
    PassCle.kid == bindparam("kid")
)


@functools.lru_cache(maxsize=64)
def _public_key(hex_key: str) -> Ed25519PublicKey:
    """Parsed once per key: a pure function of the stored bytes (status is read every time)."""
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))


def check_signature(
    publique: str | None, statut: str | None, signature: bytes, message: str
) -> None:
    """QrRefused unless ``signature`` of ``message`` is by this key (None: unknown), not revoked."""
    if publique is None:
        raise QrRefused("cle_inconnue")
    if statut == StatutCle.REVOQUEE.value:
        raise QrRefused("cle_revoquee")
    try:
        _public_key(publique).verify(signature, message.encode("ascii"))
    except (InvalidSignature, ValueError):
        raise QrRefused("signature") from None


def check_campaign(key_campagne_id: int | None, content: QrContent) -> None:
    """QrRefused unless the key that signed ``content`` is its campaign's (a key from before
    keys were tied to campaigns, ``None``, still verifies what it signed)."""
    if key_campagne_id is not None and key_campagne_id != content.campagne_id:
        raise QrRefused("campagne")


def verify(session: Session, text: str) -> QrContent:
    """The content of a genuine QR code, checked against the public keys in the database."""
    content, signature, message = parse(text)
    key = session.execute(_KEY, {"kid": content.kid}).first()
    check_signature(key.publique if key else None, key.statut if key else None, signature, message)
    check_campaign(key.campagne_id if key else None, content)
    return content
