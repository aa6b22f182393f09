"""Ed25519 signing keys of the QR codes: creation, rotation, revocation.

Each campaign has its own key (created at its first issuance): a QR code is genuine only if
signed by a key of its own campaign, so whoever holds one campaign's key (a partner office, a
stolen laptop) cannot make passes of another. The public half is in the database
(``pass_cle``) so that every desk verifies offline. The private half is in the OS keyring of
the issuing office (``core.secrets``). A fresh demonstration machine has no keyring: on a
demonstration database only, the demo key is kept in the database, flagged as such; a real
database refuses that.
"""

from __future__ import annotations

import contextlib
import secrets as random_secrets

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import secrets
from core.auth import Actor, Permission
from core.db import utcnow
from core.errors import ConflictError, KeyringUnavailableError, NotFoundError, PermissionDenied
from core.i18n import _
from core.installation import is_demo
from pass_numerique import journal as journal_pass
from pass_numerique.models import PassCampagne, PassCle, StatutCle
from pass_numerique.serials import ALPHABET


def _secret_name(kid: str) -> str:
    return f"pass-signature-{kid}"


def _require_key_admin(actor: Actor | None) -> None:
    if actor is None:
        return
    if not (
        actor.can_anywhere(Permission.ADMINISTRER) or actor.can_anywhere(Permission.PASS_GERER)
    ):
        raise PermissionDenied(_("Seuls l'administrateur et le coordinateur gèrent les clés."))


def _public_hex(private: Ed25519PrivateKey) -> str:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _new_kid(session: Session) -> str:
    while True:
        kid = "".join(random_secrets.choice(ALPHABET) for _ in range(4))
        if session.scalar(select(PassCle.id).where(PassCle.kid == kid)) is None:
            return kid


def create_key(
    session: Session, actor: Actor | None, campagne_id: int, *, first_use: bool = False
) -> PassCle:
    """A new active key for the campaign; the campaign's previous active key, and any untied
    key from before keys belonged to campaigns, are retired (they still verify).

    ``first_use``: created by the campaign's first issuance, not by a key manager."""
    if not first_use:
        _require_key_admin(actor)
    if session.get(PassCampagne, campagne_id) is None:
        raise NotFoundError(_("Campagne introuvable (n° {id}).").format(id=campagne_id))
    private = Ed25519PrivateKey.generate()
    kid = _new_kid(session)
    raw = private.private_bytes_raw().hex()
    demo_prive: str | None = None
    try:
        secrets.set_secret(_secret_name(kid), raw)
    except KeyringUnavailableError:
        if not is_demo(session):
            raise
        demo_prive = raw  # demonstration database only: see the module docstring
    for old in session.scalars(
        select(PassCle).where(
            PassCle.statut == StatutCle.ACTIVE.value,
            or_(PassCle.campagne_id == campagne_id, PassCle.campagne_id.is_(None)),
        )
    ):
        _retire(old)
    key = PassCle(
        kid=kid,
        publique=_public_hex(private),
        statut=StatutCle.ACTIVE.value,
        demo_prive=demo_prive,
        campagne_id=campagne_id,
    )
    session.add(key)
    session.flush()
    journal_pass.cle_creee(
        session, actor, key.id, kid=kid, demo=bool(demo_prive), campagne_id=campagne_id
    )
    return key


def _retire(key: PassCle) -> None:
    """A retired key still verifies what it signed, and signs nothing more: its private half is
    destroyed (``private_key`` refuses it anyway, should the keyring be unreachable now)."""
    key.statut = StatutCle.RETIREE.value
    key.demo_prive = None
    with contextlib.suppress(KeyringUnavailableError):
        secrets.delete_secret(_secret_name(key.kid))


def active_key(session: Session, campagne_id: int) -> PassCle | None:
    """The key that signs the campaign's passes now (None before its first issuance)."""
    return session.scalar(
        select(PassCle).where(
            PassCle.statut == StatutCle.ACTIVE.value, PassCle.campagne_id == campagne_id
        )
    )


def signing_key(session: Session, actor: Actor | None, campagne_id: int) -> PassCle:
    """The campaign's active key, created on first use."""
    key = active_key(session, campagne_id)
    return key if key is not None else create_key(session, actor, campagne_id, first_use=True)


def private_key(session: Session, key: PassCle) -> Ed25519PrivateKey:
    """The private half of ``key``: from the keyring, or from the database on a demo only.
    Only the active key signs."""
    if key.statut != StatutCle.ACTIVE.value:
        raise ConflictError(
            _("La clé {kid} n'est plus active : elle ne signe plus de pass.").format(kid=key.kid)
        )
    if key.demo_prive is not None:
        if not is_demo(session):
            raise KeyringUnavailableError(
                _(
                    "Cette base n'est pas une démonstration : une clé de signature ne peut pas "
                    "y être conservée. Installez un trousseau de clés du système."
                )
            )
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key.demo_prive))
    raw = secrets.get_secret(_secret_name(key.kid))
    if raw is None:
        raise KeyringUnavailableError(
            _(
                "La clé de signature {kid} n'est pas dans le trousseau de ce poste : les "
                "chéquiers s'impriment au guichet qui la détient."
            ).format(kid=key.kid)
        )
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(raw))


def public_key(key: PassCle) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(key.publique))


def rotate_key(session: Session, actor: Actor, campagne_id: int) -> PassCle:
    _require_key_admin(actor)
    return create_key(session, actor, campagne_id)


def revoke_key(session: Session, actor: Actor, kid: str) -> PassCle:
    """Refuse from now on every QR code signed with ``kid`` (a typed serial still works)."""
    _require_key_admin(actor)
    key = session.scalar(select(PassCle).where(PassCle.kid == kid))
    if key is None:
        raise NotFoundError(_("Clé inconnue : {kid}.").format(kid=kid))
    if key.statut == StatutCle.REVOQUEE.value:
        raise ConflictError(_("Cette clé est déjà révoquée."))
    _retire(key)
    key.statut = StatutCle.REVOQUEE.value
    key.revoked_at = utcnow()
    journal_pass.cle_revoquee(session, actor, key.id, kid=kid)
    return key


def list_keys(session: Session) -> list[PassCle]:
    return list(session.scalars(select(PassCle).order_by(PassCle.id)))


def campaign_keys(session: Session) -> dict[int, str]:
    """Campaign id → identifier of the key that signs its passes now (campaigns that issued
    nothing yet have none)."""
    rows = session.execute(
        select(PassCle.campagne_id, PassCle.kid).where(
            PassCle.statut == StatutCle.ACTIVE.value, PassCle.campagne_id.is_not(None)
        )
    )
    return {campagne_id: kid for campagne_id, kid in rows if campagne_id is not None}
