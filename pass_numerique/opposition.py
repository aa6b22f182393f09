"""Opposition on a lost or stolen chequebook, or on one pass: what is left becomes unusable.

An opposition belongs to the structure that issued the chequebook (and to the coordinator): an
agent of another desk can neither put one nor lift one. Lifting (the chequebook was found) needs
a reason and gives the passes cancelled by the opposition back to the beneficiary.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.auth import Actor, Permission
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from core.i18n import _
from pass_numerique import journal as journal_pass
from pass_numerique import serials
from pass_numerique.models import Chequier, Encaissement, EtatPass, Pass, affected_rows

_USABLE = (EtatPass.EMIS.value, EtatPass.REMIS.value)


def _require(actor: Actor, chequier: Chequier) -> None:
    """The issuing structure's desk, or the coordinator."""
    if not (
        actor.can(Permission.PASS_EMETTRE, chequier.structure_id)
        or actor.can_anywhere(Permission.PASS_GERER)
    ):
        raise PermissionDenied(
            _(
                "Seule la structure qui a remis ce chéquier (ou le coordinateur) peut gérer son "
                "opposition."
            )
        )


def _chequier(session: Session, chequier_id: int) -> Chequier:
    chequier = session.get(Chequier, chequier_id)
    if chequier is None:
        raise NotFoundError(_("Chéquier introuvable (n° {id}).").format(id=chequier_id))
    return chequier


def oppose_chequebook(session: Session, actor: Actor, chequier_id: int) -> int:
    """Cancel every pass of the chequebook not yet redeemed; returns how many."""
    chequier = _chequier(session, chequier_id)
    _require(actor, chequier)
    now = utcnow()
    cancelled = affected_rows(
        session.execute(
            update(Pass)
            .where(Pass.chequier_id == chequier.id, Pass.etat.in_(_USABLE))
            .values(etat=EtatPass.ANNULE.value, annule_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    if chequier.opposition_at is None:
        chequier.opposition_at = now
    journal_pass.opposition_chequier(session, actor, chequier.id, passes_annules=cancelled)
    return cancelled


def oppose_pass(session: Session, actor: Actor, serial_text: str) -> Pass:
    serial = serials.parse(serial_text)
    p = session.scalar(select(Pass).where(Pass.serial == serial)) if serial else None
    if p is None:
        raise NotFoundError(_("Aucun pass n'a ce numéro."))
    _require(actor, _chequier(session, p.chequier_id))
    done = affected_rows(
        session.execute(
            update(Pass)
            .where(Pass.id == p.id, Pass.etat.in_(_USABLE))
            .values(etat=EtatPass.ANNULE.value, annule_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(p)
    if done != 1:
        raise ConflictError(
            _("Ce pass ne peut plus être mis en opposition (état : {etat}).").format(etat=p.etat)
        )
    journal_pass.opposition_pass(session, actor, p.id, serial=p.serial)
    return p


def lift_opposition(session: Session, actor: Actor, chequier_id: int, motif: str) -> int:
    """The chequebook was found: its cancelled passes, never redeemed, are usable again.
    Returns how many; the reason is kept with the chequebook, the journal says who and when."""
    chequier = _chequier(session, chequier_id)
    _require(actor, chequier)
    motif = motif.strip()
    if not motif:
        raise ValidationError(_("Indiquez pourquoi l'opposition est levée."), field="motif")
    cancelled = session.scalars(
        select(Pass.id).where(Pass.chequier_id == chequier.id, Pass.etat == EtatPass.ANNULE.value)
    ).all()
    if chequier.opposition_at is None and not cancelled:
        raise ConflictError(_("Ce chéquier n'est pas en opposition."))
    redeemed = select(Encaissement.pass_id).where(Encaissement.pass_id.in_(cancelled))
    restored = affected_rows(
        session.execute(
            update(Pass)
            .where(
                Pass.id.in_(cancelled),
                Pass.etat == EtatPass.ANNULE.value,
                Pass.id.not_in(redeemed),
            )
            .values(etat=EtatPass.REMIS.value, annule_at=None)
            .execution_options(synchronize_session=False)
        )
    )
    now = utcnow()
    chequier.opposition_at = None
    chequier.opposition_levee_at = now
    chequier.opposition_levee_motif = motif
    journal_pass.opposition_levee(session, actor, chequier.id, passes_retablis=restored)
    return restored


def find_chequier_by_serial(session: Session, serial_text: str) -> Chequier | None:
    serial = serials.parse(serial_text)
    if serial is None:
        return None
    return session.scalar(
        select(Chequier).join(Pass, Pass.chequier_id == Chequier.id).where(Pass.serial == serial)
    )
