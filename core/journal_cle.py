"""The journal key's life on a desk: a new installation sealed from its first line, an older one
offered to be sealed from now on, and a desk joining a shared database carrying the key in.

The key itself (HMAC, in the keyring) and the chain are ``core.journal``'s; this module decides
*when* a key is made or asked for, so that the callers (first-start wizard, demonstration,
command line, Administration, settings) all say the same thing in the same words.

Without any keyring (a bare machine, headless CI) nothing can be kept secret, and Médianum never
writes a secret in a plain file (``core.secrets``): a new installation then starts unsealed and
says so in French, and Administration offers the sealing once a keyring exists.
"""

from __future__ import annotations

import logging
import os
import secrets as pysecrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import journal, secrets
from core.errors import KeyringUnavailableError, MedianumError, ValidationError
from core.i18n import _
from core.models import AuditEntry
from core.permissions import Actor

log = logging.getLogger(__name__)


class EtatCle(StrEnum):
    SCELLE = "scelle"  # the chain is keyed and this desk holds its current key
    NON_SCELLE = "non_scelle"  # plain SHA-256 chain (older installation, or made without keyring)
    CLE_ABSENTE = "cle_absente"  # keyed chain, and this desk lacks its current key
    SANS_TROUSSEAU = "sans_trousseau"  # keyed chain, and this desk has no keyring at all


@dataclass(frozen=True)
class EtatJournal:
    etat: EtatCle
    cle_id: str | None = None

    @property
    def can_write(self) -> bool:
        return self.etat in (EtatCle.SCELLE, EtatCle.NON_SCELLE)

    def message(self) -> str | None:
        """What the desk should be told, in French; None when all is well."""
        if self.etat is EtatCle.NON_SCELLE:
            return unsealed_notice()
        if self.etat is EtatCle.CLE_ABSENTE:
            return _(
                "Le journal de cette base est scellé par la clé {kid}, que ce poste n'a pas : "
                "il ne peut rien enregistrer tant qu'elle n'est pas importée. Demandez à "
                "l'administrateur le fichier de la clé (« db journal-cle exporter --fichier "
                "… » sur un poste qui l'a), puis importez-le."
            ).format(kid=self.cle_id)
        if self.etat is EtatCle.SANS_TROUSSEAU:
            return _(
                "Le journal de cette base est scellé par la clé {kid}, et ce poste n'a aucun "
                "trousseau de clés où la ranger : il ne peut rien enregistrer. Installez ou "
                "déverrouillez un trousseau (Gestionnaire d'identification Windows, GNOME "
                "Keyring, KWallet…), puis importez la clé."
            ).format(kid=self.cle_id)
        return None


def unsealed_notice() -> str:
    return _(
        "Le journal de cette installation n'est pas scellé par une clé : quelqu'un qui détient "
        "le fichier de la base pourrait le recalculer. Un administrateur le scelle à partir de "
        "maintenant dans Administration › Sceller le journal, ou par « db journal-cle "
        "rotation »."
    )


def no_keyring_notice() -> str:
    return _(
        "Aucun trousseau de clés n'est disponible sur ce poste : le journal commence sans clé "
        "(Médianum n'enregistre jamais un secret en clair). Une fois un trousseau installé, un "
        "administrateur le scelle dans Administration › Sceller le journal."
    )


def _current_key_id(session: Session) -> str | None:
    return session.scalar(select(AuditEntry.cle_id).order_by(AuditEntry.seq.desc()).limit(1))


def key_state(session: Session) -> EtatJournal:
    """Whether this desk can write the journal of this database, and what to tell it if not."""
    cle_id = _current_key_id(session)
    if cle_id is None:
        return EtatJournal(EtatCle.NON_SCELLE)
    try:
        journal.journal_key(cle_id)
    except KeyringUnavailableError:
        if not secrets.keyring_available():
            return EtatJournal(EtatCle.SANS_TROUSSEAU, cle_id)
        return EtatJournal(EtatCle.CLE_ABSENTE, cle_id)
    return EtatJournal(EtatCle.SCELLE, cle_id)


def seal_new_installation(session: Session, actor: Actor | None = None) -> str | None:
    """Key the chain of an installation being created; returns the key's id, or None when this
    desk has no keyring (the caller then shows ``no_keyring_notice``).

    Called first in the transaction that creates the installation, while the journal is still
    empty: the rotation is then the chain's first line, sealed by the new key, and every later
    line is sealed too (nobody is signed in yet, and on an empty journal there is nothing an
    unchecked caller could hide). On a journal that already has lines, only an administrator
    (``actor``) seals it; without one nothing happens.
    """
    if not secrets.keyring_available():
        log.warning("no keyring: the journal of this new installation starts unsealed")
        return None
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.cle_id).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    if head is not None:
        if head[1] is not None:
            return str(head[1])
        return journal.rotate_journal_key(session, actor) if actor is not None else None
    cle_id = pysecrets.token_hex(8)
    journal.import_journal_key(cle_id, pysecrets.token_hex(journal.KEY_BYTES))
    journal.record(
        session,
        actor,
        journal.ActionJournal.CLE_ROTATION,
        "journal",
        cle_id,
        {"cle": cle_id, "precedente": None, "installation": True},
        _cle_id=cle_id,
    )
    return cle_id


def seal_from_now_on(session: Session, actor: Actor) -> str:
    """An older, unkeyed installation sealed from now on (administrators only, journalled)."""
    return journal.rotate_journal_key(session, actor)


# --- the key carried from desk to desk in a file ----------------------------------------------


def export_key_file(session: Session, actor: Actor, target: Path) -> str:
    """Write the current key (« identifiant:secret ») to ``target``, readable by its owner only;
    administrators only, journalled. Returns the key's id."""
    cle_id, secret_hex = journal.export_journal_key(session, actor)
    target = Path(target)
    try:
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as fh:
            fh.write(f"{cle_id}:{secret_hex}\n")
    except OSError as exc:
        raise MedianumError(
            _("Le fichier de la clé n'a pas pu être écrit ({reason}).").format(
                reason=exc.strerror or exc
            )
        ) from exc
    return cle_id


def import_key_text(text: str) -> str:
    """Store a key given as « identifiant:secret » in this desk's keyring; returns its id."""
    cle_id, sep, secret_hex = text.strip().partition(":")
    if not sep:
        raise ValidationError(_("Cette clé du journal est illisible."), field="cle")
    journal.import_journal_key(cle_id.strip(), secret_hex.strip())
    return cle_id.strip()


def import_key_file(source: Path) -> str:
    try:
        text = Path(source).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ValidationError(
            _("Le fichier de la clé du journal n'a pas pu être lu ({reason}).").format(
                reason=exc.strerror or exc
            ),
            field="cle",
        ) from exc
    return import_key_text(text)
