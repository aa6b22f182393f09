"""Opposition on a lost or stolen chequebook, or on one pass: what is left becomes unusable."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import journal
from core.auth import Actor, Permission
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, PermissionDenied
from core.i18n import _
from pass_numerique import serials
from pass_numerique.models import Chequier, EtatPass, Pass, affected_rows

_USABLE = (EtatPass.EMIS.value, EtatPass.REMIS.value)


def _require(actor: Actor) -> None:
    if not (
        actor.can_anywhere(Permission.PASS_EMETTRE) or actor.can_anywhere(Permission.PASS_GERER)
    ):
        raise PermissionDenied(
            _("Vous n'avez pas le droit de faire cela ({permission}).").format(
                permission=Permission.PASS_EMETTRE.value
            )
        )


def oppose_chequebook(session: Session, actor: Actor, chequier_id: int) -> int:
    """Cancel every pass of the chequebook not yet redeemed; returns how many."""
    _require(actor)
    chequier = session.get(Chequier, chequier_id)
    if chequier is None:
        raise NotFoundError(_("Chéquier introuvable (n° {id}).").format(id=chequier_id))
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
    journal.record(
        session,
        actor,
        "pass.opposition.chequier",
        "pass_chequier",
        chequier.id,
        {"passes_annules": cancelled},
    )
    return cancelled


def oppose_pass(session: Session, actor: Actor, serial_text: str) -> Pass:
    _require(actor)
    serial = serials.parse(serial_text)
    p = session.scalar(select(Pass).where(Pass.serial == serial)) if serial else None
    if p is None:
        raise NotFoundError(_("Aucun pass n'a ce numéro."))
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
    journal.record(session, actor, "pass.opposition.pass", "pass", p.id, {"serial": p.serial})
    return p


def find_chequier_by_serial(session: Session, serial_text: str) -> Chequier | None:
    serial = serials.parse(serial_text)
    if serial is None:
        return None
    return session.scalar(
        select(Chequier).join(Pass, Pass.chequier_id == Chequier.id).where(Pass.serial == serial)
    )
