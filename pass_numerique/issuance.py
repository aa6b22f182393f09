"""Issuing a chequebook to a beneficiary, and what its printout shows (first print or reprint)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, ValidationError
from core.i18n import _
from mediation.beneficiaires import get_beneficiaire
from mediation.models import Beneficiaire
from pass_numerique import journal as journal_pass
from pass_numerique import keys, qr, serials
from pass_numerique.campagnes import get_campagne, last_valid_day
from pass_numerique.eligibility import Eligibility, check_eligibility
from pass_numerique.models import (
    Chequier,
    EtatPass,
    Pass,
    PassCampagne,
    PassCle,
    StatutCle,
    affected_rows,
)
from pass_numerique.structures import ReferencedRow, list_referenced


def eligibility_for(
    session: Session, actor: Actor, beneficiaire_id: int, campagne_id: int, today: date
) -> Eligibility:
    require(actor, Permission.PASS_EMETTRE)
    b = get_beneficiaire(session, actor, beneficiaire_id)
    return check_eligibility(session, b, get_campagne(session, campagne_id), today)


_SERIAL_ROUNDS = 100


def _unique_serials(session: Session, count: int) -> list[str]:
    """Fresh serials; with 50 random bits a collision is rare, but it must never reach the
    unique constraint and fail an issuance at the desk."""
    chosen: set[str] = set()
    # Each round draws what is still missing; rounds beyond a few mean the random source or
    # the query is broken, which must end in an error rather than a desk that hangs.
    for _round in range(_SERIAL_ROUNDS):
        if len(chosen) == count:
            return sorted(chosen)
        batch = {serials.new_serial() for _ in range(count - len(chosen))} - chosen
        taken = set(session.scalars(select(Pass.serial).where(Pass.serial.in_(batch))))
        chosen |= batch - taken
    raise RuntimeError("no unused pass serials after a hundred rounds of random draws")


def _lock_for_issuance(session: Session, campagne_id: int, beneficiaire_id: int) -> None:
    """Eligibility counts, then issuance inserts: two desks racing would both see room under the
    cap or the budget. Locking the campaign's and the person's rows (always in this order, so
    no two desks deadlock) makes the count and the insert one step on PostgreSQL; SQLite's
    writing transactions (BEGIN IMMEDIATE) are already one at a time."""
    session.execute(select(PassCampagne.id).where(PassCampagne.id == campagne_id).with_for_update())
    session.execute(
        select(Beneficiaire.id).where(Beneficiaire.id == beneficiaire_id).with_for_update()
    )


def issue_chequebook(
    session: Session,
    actor: Actor,
    beneficiaire_id: int,
    campagne_id: int,
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> Chequier:
    """A chequebook handed to the beneficiary now: its passes are « remis »."""
    require(actor, Permission.PASS_EMETTRE)
    if actor.structure_id is None:
        raise ValidationError(_("Choisissez d'abord la structure pour laquelle vous travaillez."))
    day = today or date.today()
    b = get_beneficiaire(session, actor, beneficiaire_id)
    campagne = get_campagne(session, campagne_id)
    _lock_for_issuance(session, campagne.id, b.id)
    verdict = check_eligibility(session, b, campagne, day)
    if not verdict.eligible:
        raise ValidationError(verdict.summary())
    key = keys.signing_key(session, actor, campagne.id)
    keys.private_key(session, key)  # refuse now rather than at printing time
    now = now or utcnow()
    chequier = Chequier(
        campagne_id=campagne.id,
        beneficiaire_id=b.id,
        structure_id=actor.structure_id,
        agent_id=actor.agent_id,
        cle_id=key.id,
        emis_at=now,
        remis_at=now,
    )
    session.add(chequier)
    session.flush()
    expire_le = last_valid_day(campagne)
    session.add_all(
        Pass(
            serial=serial,
            chequier_id=chequier.id,
            campagne_id=campagne.id,
            rang=rang,
            valeur_cents=campagne.valeur_cents,
            expire_le=expire_le,
            etat=EtatPass.REMIS.value,
        )
        for rang, serial in enumerate(_unique_serials(session, campagne.passes_par_chequier), 1)
    )
    session.flush()
    journal_pass.chequier_emis(
        session,
        actor,
        chequier.id,
        beneficiaire_id=b.id,
        campagne_id=campagne.id,
        passes=campagne.passes_par_chequier,
    )
    return chequier


@dataclass(frozen=True)
class PrintedPass:
    serial: str
    rang: int
    valeur_cents: int
    expire_le: date
    qr_text: str


@dataclass(frozen=True)
class ChequebookPrint:
    """Everything the printed chequebook shows; no database needed to draw it."""

    chequier_id: int
    porteur: str  # first name and initial only
    campagne: str
    financeur: str
    debut: date
    fin: date
    expire_le: date
    valeur_cents: int
    structures: list[ReferencedRow]
    passes: list[PrintedPass]
    reimpression: bool = False
    reimpression_no: int = 0  # which reprint this is (1 for the first one)


def _porteur(prenom: str | None, nom: str | None) -> str:
    first = (prenom or "").strip()
    initial = (nom or "").strip()[:1].upper()
    return f"{first} {initial}." if initial else first


def _key_for_print(session: Session, chequier: Chequier) -> PassCle:
    """The chequebook's own key while it is active, so a reprint shows the same QR code
    (Ed25519 is deterministic); the campaign's active key once that one is retired (its
    private half is destroyed), revoked, or shared by campaigns from before keys were tied."""
    key = session.get(PassCle, chequier.cle_id)
    if key is None or key.statut != StatutCle.ACTIVE.value or key.campagne_id is None:
        key = keys.signing_key(session, None, chequier.campagne_id)
    return key


def _mark_printed(session: Session, actor: Actor, chequier: Chequier, partial: bool) -> int:
    """0 for the first print; otherwise the number of this reprint, counted and journalled.

    The database says which print is the first (a conditional update), so no caller, race or
    second click gets an unmarked duplicate of a chequebook."""
    first = affected_rows(
        session.execute(
            update(Chequier)
            .where(Chequier.id == chequier.id, Chequier.imprime_at.is_(None))
            .values(imprime_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    if first == 1 and not partial:
        return 0
    if chequier.opposition_at is not None:
        raise ConflictError(
            _(
                "Ce chéquier est en opposition : il ne peut pas être réimprimé. Levez d'abord "
                "l'opposition si le chéquier a été retrouvé."
            )
        )
    session.execute(
        update(Chequier)
        .where(Chequier.id == chequier.id)
        .values(reimpressions=Chequier.reimpressions + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(chequier)
    return chequier.reimpressions


def chequebook_print(
    session: Session,
    actor: Actor,
    chequier_id: int,
    *,
    serials_only: list[str] | None = None,
    today: date | None = None,
) -> ChequebookPrint:
    """What to print for a chequebook: the first print, or a reprint (whole, or of
    ``serials_only``: the same passes, not new ones), marked, counted and journalled."""
    require(actor, Permission.PASS_EMETTRE)
    chequier = session.get(Chequier, chequier_id)
    if chequier is None:
        raise NotFoundError(_("Chéquier introuvable (n° {id}).").format(id=chequier_id))
    b = get_beneficiaire(session, actor, chequier.beneficiaire_id)
    campagne = get_campagne(session, chequier.campagne_id)
    stmt = select(Pass).where(Pass.chequier_id == chequier.id).order_by(Pass.rang)
    passes = list(session.scalars(stmt))
    if serials_only is not None:
        wanted = {serials.normalize(s) or s for s in serials_only}
        passes = [p for p in passes if p.serial in wanted]
        if not passes:
            raise ValidationError(_("Aucun de ces pass n'appartient à ce chéquier."))
    reprint = _mark_printed(session, actor, chequier, serials_only is not None)
    key = _key_for_print(session, chequier)
    private = keys.private_key(session, key)
    printed = [
        PrintedPass(
            p.serial,
            p.rang,
            p.valeur_cents,
            p.expire_le,
            qr.sign(
                private,
                qr.QrContent(key.kid, p.serial, campagne.id, p.valeur_cents, p.expire_le),
            ),
        )
        for p in passes
    ]
    if reprint:
        journal_pass.chequier_reimprime(
            session, actor, chequier.id, serials=[p.serial for p in passes], reimpression=reprint
        )
    return ChequebookPrint(
        chequier_id=chequier.id,
        porteur=_porteur(b.prenom, b.nom),
        campagne=campagne.nom,
        financeur=campagne.financeur,
        debut=campagne.debut,
        fin=campagne.fin,
        expire_le=last_valid_day(campagne),
        valeur_cents=campagne.valeur_cents,
        structures=list_referenced(session, campagne_id=campagne.id, on=today or date.today()),
        passes=printed,
        reimpression=reprint > 0,
        reimpression_no=reprint,
    )


def chequiers_of(session: Session, actor: Actor, beneficiaire_id: int) -> list[Chequier]:
    require(actor, Permission.PASS_EMETTRE)
    get_beneficiaire(session, actor, beneficiaire_id)
    stmt = (
        select(Chequier)
        .where(Chequier.beneficiaire_id == beneficiaire_id)
        .order_by(Chequier.emis_at.desc())
    )
    return list(session.scalars(stmt))
