"""Verifying a scanned pass and redeeming it exactly once, across every desk.

« Exactly once » rests on the database, not on the code that reads first: the state change is
conditional (``UPDATE pass SET etat='encaisse' WHERE id=:id AND etat='remis'``) and its row count
says who won; the redemption row is unique per pass. Two desks scanning the same pass at the same
instant get one acceptance and one « Déjà encaissé ».
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.exc import IntegrityError, InternalError
from sqlalchemy.orm import Session

from core import journal
from core.auth import Actor, Permission, require
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from core.i18n import DISPLAY_TZ, _, current_language, format_date, format_money, to_local
from core.models import Structure
from pass_numerique import journal as journal_pass
from pass_numerique import qr, serials
from pass_numerique.models import (
    Encaissement,
    EtatPass,
    Pass,
    PassCle,
    PassStructure,
    PassStructureCampagne,
    affected_rows,
)

UNDO_DELAY = timedelta(minutes=10)


@dataclass(frozen=True)
class ScanResult:
    accepted: bool
    code: str  # accepte, deja_encaisse, expire, opposition, inconnu, non_reference, non_remis
    message: str
    serial: str | None = None
    valeur_cents: int | None = None
    encaissement_id: int | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "accepte": self.accepted,
            "code": self.code,
            "message": self.message,
            "serial": self.serial,
            "valeur_cents": self.valeur_cents,
            "encaissement_id": self.encaissement_id,
        }


def _unknown() -> ScanResult:
    return ScanResult(False, "inconnu", _("Pass inconnu ou falsifié"))


def read_scan(session: Session, text: str) -> tuple[str, qr.QrContent | None] | None:
    """The serial a scan or a typed entry names (with its verified QR content), or None when
    it is neither a genuine QR code nor a well-formed serial."""
    if qr.looks_like_qr(text):
        try:
            content = qr.verify(session, text)
        except qr.QrRefused:
            return None
        return content.serial, content
    serial = serials.parse(text)
    return (serial, None) if serial is not None else None


class _Scanned(NamedTuple):
    """The columns a scan needs: plain rows, not ORM objects (a desk scans all day long)."""

    id: int
    serial: str
    etat: str
    expire_le: date
    campagne_id: int
    valeur_cents: int


class _Redeemer(NamedTuple):
    id: int
    actif_du: date
    actif_au: date | None


# Built once: a desk scans all day, and building a statement costs more than running it.
_LOAD_PASS = select(
    Pass.id, Pass.serial, Pass.etat, Pass.expire_le, Pass.campagne_id, Pass.valeur_cents
).where(Pass.serial == bindparam("serial"))
_CLAIM = (
    update(Pass)
    .where(Pass.id == bindparam("pass_id"), Pass.etat == EtatPass.REMIS.value)
    .values(etat=EtatPass.ENCAISSE.value)
    .execution_options(synchronize_session=False)
)


def _load(session: Session, serial: str) -> _Scanned | None:
    row = session.execute(_LOAD_PASS, {"serial": serial}).first()
    return None if row is None else _Scanned(*row)


def _already(session: Session, p: _Scanned) -> ScanResult:
    row = session.execute(
        select(Encaissement.at, Structure.nom)
        .join(PassStructure, PassStructure.id == Encaissement.pass_structure_id)
        .join(Structure, Structure.id == PassStructure.structure_id)
        .where(Encaissement.pass_id == p.id)
    ).first()
    if row is None:  # state says redeemed but the row is not visible yet: same answer
        return ScanResult(False, "deja_encaisse", _("Déjà encaissé"), p.serial, p.valeur_cents)
    return ScanResult(
        False,
        "deja_encaisse",
        _("Déjà encaissé le {date} par {structure}").format(
            date=format_date(row[0], "short"), structure=row[1]
        ),
        p.serial,
        p.valeur_cents,
    )


def _state_refusal(session: Session, p: _Scanned, today: date) -> ScanResult | None:
    if p.etat == EtatPass.ANNULE.value:
        return ScanResult(False, "opposition", _("Chéquier en opposition"), p.serial)
    if p.etat in (EtatPass.ENCAISSE.value, EtatPass.REMBOURSE.value):
        return _already(session, p)
    if p.etat == EtatPass.EMIS.value:
        return ScanResult(
            False, "non_remis", _("Pass non remis à un bénéficiaire"), p.serial, p.valeur_cents
        )
    if today > p.expire_le:
        return ScanResult(
            False,
            "expire",
            _("Expiré depuis le {date}").format(date=format_date(p.expire_le, "short")),
            p.serial,
            p.valeur_cents,
        )
    return None


def _not_referenced_for_campaign(p: _Scanned) -> ScanResult:
    return ScanResult(
        False,
        "non_reference",
        _("Votre structure n'est pas référencée pour cette campagne"),
        p.serial,
    )


def _not_referenced() -> PermissionDenied:
    return PermissionDenied(
        _("Votre structure n'est pas référencée pour accepter des Pass numériques.")
    )


def structure_reference(session: Session, actor: Actor) -> PassStructure:
    """The referenced structure the actor redeems for (its current structure)."""
    require(actor, Permission.PASS_ENCAISSER)
    ref = session.scalar(
        select(PassStructure).where(PassStructure.structure_id == actor.structure_id)
    )
    if ref is None:
        raise _not_referenced()
    return ref


def require_pass_role(actor: Actor) -> None:
    if not any(
        actor.can_anywhere(p)
        for p in (Permission.PASS_EMETTRE, Permission.PASS_ENCAISSER, Permission.PASS_GERER)
    ):
        raise PermissionDenied(_("Vous n'avez pas le droit de consulter les pass."))


def _genuine(session: Session, text: str) -> _Scanned | None:
    """The pass a scan names, if the scan is genuine and agrees with the database."""
    found = read_scan(session, text)
    if found is None:
        return None
    serial, content = found
    p = _load(session, serial)
    if p is None or (
        content is not None
        and (content.valeur_cents != p.valeur_cents or content.campagne_id != p.campagne_id)
    ):
        return None
    return p


def verify_scan(
    session: Session, actor: Actor, text: str, *, today: date | None = None
) -> ScanResult:
    """What a scan is, without redeeming it (any desk, offline)."""
    require_pass_role(actor)
    p = _genuine(session, text)
    if p is None:
        return _unknown()
    refusal = _state_refusal(session, p, today or date.today())
    if refusal is not None:
        return refusal
    return ScanResult(
        True,
        "valide",
        _("Pass valable — {montant}, jusqu'au {date}").format(
            montant=format_money(p.valeur_cents), date=format_date(p.expire_le, "short")
        ),
        p.serial,
        p.valeur_cents,
    )


# One statement answers everything a redemption must know before its write: the actor's
# referenced structure, the pass, the signing key the QR code names (and its campaign) and
# whether the structure is referenced for the pass's campaign. A desk scans all day: round
# trips are its cost.
_SCAN = (
    select(
        PassStructure.id,
        PassStructure.actif_du,
        PassStructure.actif_au,
        Pass.id,
        Pass.serial,
        Pass.etat,
        Pass.expire_le,
        Pass.campagne_id,
        Pass.valeur_cents,
        PassCle.publique,
        PassCle.statut,
        PassCle.campagne_id,
        exists().where(
            PassStructureCampagne.pass_structure_id == PassStructure.id,
            PassStructureCampagne.campagne_id == Pass.campagne_id,
        ),
    )
    .select_from(PassStructure)
    .outerjoin(Pass, Pass.serial == bindparam("serial"))
    .outerjoin(PassCle, PassCle.kid == bindparam("kid"))
    .where(PassStructure.structure_id == bindparam("structure"))
)
# On SQLite the same statement reads the journal's head too: the writer lock is held from
# BEGIN IMMEDIATE on, so the journal line needs no statement of its own to find its place.
_SCAN_WITH_HEAD = _SCAN.add_columns(*journal.HEAD_COLUMNS)
_RECORD_ROW = (
    Encaissement.__table__.insert().returning(Encaissement.__table__.c.id)  # type: ignore[attr-defined]
)


def _parsed(text: str) -> tuple[str, tuple[qr.QrContent, bytes, str] | None] | None:
    """The serial a scan or a typed entry names, with the QR content still to verify."""
    if qr.looks_like_qr(text):
        try:
            parsed = qr.parse(text)
        except qr.QrRefused:
            return None
        return parsed[0].serial, parsed
    serial = serials.parse(text)
    return (serial, None) if serial is not None else None


@functools.lru_cache(maxsize=256)
def _accepted_message(valeur_cents: int, language: str) -> str:
    return _("Pass accepté — {montant}").format(montant=format_money(valeur_cents))


def redeem(
    session: Session,
    actor: Actor,
    text: str,
    *,
    today: date | None = None,
    at: datetime | None = None,
) -> ScanResult:
    """Redeem the scanned or typed pass for the actor's structure; a refusal is an answer in
    words (``accepted`` False), not an exception."""
    require(actor, Permission.PASS_ENCAISSER)
    found = _parsed(text)
    serial, parsed = found if found is not None else ("", None)
    conn = session.connection()
    with_head = conn.dialect.name == "sqlite"
    row = conn.execute(
        _SCAN_WITH_HEAD if with_head else _SCAN,
        {
            "structure": actor.structure_id,
            "serial": serial,
            "kid": parsed[0].kid if parsed else "",
        },
    ).first()
    if row is None:
        raise _not_referenced()
    ref = _Redeemer(row[0], row[1], row[2])
    if found is None or row[3] is None:
        return _unknown()
    p = _Scanned(*row[3:9])
    if parsed is not None:
        content, signature, message = parsed
        try:
            qr.check_signature(row[9], row[10], signature, message)
            qr.check_campaign(row[11], content)
        except qr.QrRefused:
            return _unknown()
        if content.valeur_cents != p.valeur_cents or content.campagne_id != p.campagne_id:
            return _unknown()
    day = today or date.today()
    refusal = _state_refusal(session, p, day)
    if refusal is None and not (
        ref.actif_du <= day and (ref.actif_au is None or day <= ref.actif_au) and row[12]
    ):
        refusal = _not_referenced_for_campaign(p)
    if refusal is not None:
        return refusal
    try:
        won = conn.execute(_CLAIM, {"pass_id": p.id})
        if affected_rows(won) != 1:  # another desk redeemed it between our read and our write
            return _already(session, p)
        encaissement_id = conn.execute(
            _RECORD_ROW,
            {
                "pass_id": p.id,
                "pass_structure_id": ref.id,
                "agent_id": actor.agent_id,
                "at": at or utcnow(),
                "source": "guichet",
                "lot_id": None,
                "reglement_id": None,
            },
        ).scalar_one()
    except (IntegrityError, InternalError) as exc:
        # A constraint or a trigger said no: the data of this pass was changed by hand.
        raise ConflictError(
            _(
                "La base de données refuse d'encaisser ce pass {serial} : son état a été "
                "modifié hors de Médianum. Rien n'a été encaissé ; signalez-le au coordinateur."
            ).format(serial=serials.display(p.serial))
        ) from exc
    journal_pass.encaisse(
        session,
        actor,
        p.id,
        serial=p.serial,
        pass_structure_id=ref.id,
        valeur_cents=p.valeur_cents,
        read_head=(row[13], row[14], row[15]) if with_head else None,
    )
    return ScanResult(
        True,
        "accepte",
        _accepted_message(p.valeur_cents, current_language()),
        p.serial,
        p.valeur_cents,
        encaissement_id,
    )


def undo_redemption(session: Session, actor: Actor, encaissement_id: int) -> None:
    """Cancel a mistaken scan: same agent, within ``UNDO_DELAY``, not yet in a settlement."""
    ref = structure_reference(session, actor)
    row = session.get(Encaissement, encaissement_id)
    if row is None or row.pass_structure_id != ref.id:
        raise NotFoundError(_("Encaissement introuvable."))
    if row.agent_id != actor.agent_id:
        raise PermissionDenied(_("Seul l'agent qui a encaissé ce pass peut l'annuler."))
    if row.reglement_id is not None:
        raise ConflictError(_("Ce pass figure dans un remboursement validé : il reste encaissé."))
    if utcnow() - row.at > UNDO_DELAY:
        raise ValidationError(
            _("L'annulation n'est possible que dans les {n} minutes qui suivent.").format(
                n=int(UNDO_DELAY.total_seconds() // 60)
            )
        )
    pass_id = row.pass_id
    session.execute(delete(Encaissement).where(Encaissement.id == row.id))
    session.execute(
        update(Pass)
        .where(Pass.id == pass_id, Pass.etat == EtatPass.ENCAISSE.value)
        .values(etat=EtatPass.REMIS.value)
        .execution_options(synchronize_session=False)
    )
    session.expunge(row)
    journal_pass.encaissement_annule(session, actor, pass_id, encaissement_id=row.id)


@dataclass(frozen=True)
class RedemptionRow:
    encaissement_id: int
    serial: str
    valeur_cents: int
    at: datetime
    agent_id: int | None
    undoable: bool


def _local_midnight(day: date) -> datetime:
    """The instant a day starts at the desks (Europe/Paris), in UTC."""
    return datetime.combine(day, time(), DISPLAY_TZ).astimezone(UTC)


def redemptions_of_day(
    session: Session, actor: Actor, day: date | None = None
) -> list[RedemptionRow]:
    """The redemptions of a day (today by default) at the actor's structure, newest first: from
    midnight to midnight in Europe/Paris."""
    ref = structure_reference(session, actor)
    now = utcnow()
    local_day = day or to_local(now).date()
    rows = session.execute(
        select(Encaissement, Pass.serial, Pass.valeur_cents)
        .join(Pass, Pass.id == Encaissement.pass_id)
        .where(
            Encaissement.pass_structure_id == ref.id,
            Encaissement.at >= _local_midnight(local_day),
            Encaissement.at < _local_midnight(local_day + timedelta(days=1)),
        )
        .order_by(Encaissement.at.desc())
    )
    result = []
    for enc, serial, valeur in rows:
        result.append(
            RedemptionRow(
                enc.id,
                serial,
                valeur,
                enc.at,
                enc.agent_id,
                enc.agent_id == actor.agent_id
                and enc.reglement_id is None
                and now - enc.at <= UNDO_DELAY,
            )
        )
    return result
