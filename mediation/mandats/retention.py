"""Keeping rules of mandates: when a person's file may be erased, erasing the mandant's
identity from ended mandates, purging mandates past their keeping period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require_anywhere
from core.db import utcnow
from core.installation import get_setting
from core.validation import fold
from mediation import journal as journal_mediation
from mediation.mandats.lecture import (
    _in_force,
)
from mediation.mandats.models import (
    Mandat,
    MandatRevocation,
)


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def retention_end(session: Session, mandat: Mandat) -> datetime:
    """Until when the mandate's data is kept: its end (or revocation) plus the set period."""
    years = int(get_setting(session, "mandat_retention_years") or 6)
    ended = mandat.fin if mandat.revoque_at is None else min(mandat.fin, mandat.revoque_at)
    return _add_years(ended, years)


def active_mandate_until(
    session: Session, beneficiaire_id: int, *, now: datetime | None = None
) -> datetime | None:
    """The latest end among the person's mandates in force (in any structure), or None.

    While a mandate runs, the aidant acts on the person's behalf under it and must be able to
    show who gave it: the person's file cannot be erased. Once it has ended (or was revoked),
    nothing holds the file back any more; only the proof that the mandate existed is kept."""
    found = session.scalar(
        select(func.max(Mandat.fin)).where(
            Mandat.beneficiaire_id == beneficiaire_id, _in_force(now or utcnow())
        )
    )
    return found


def has_active_mandate_clause(
    beneficiaire_id: SQLColumnExpression[int], *, now: datetime | None = None
) -> ColumnElement[bool]:
    """SQL twin of ``active_mandate_until`` for a beneficiary id column."""
    return (
        select(Mandat.id)
        .where(Mandat.beneficiaire_id == beneficiaire_id, _in_force(now or utcnow()))
        .exists()
    )


def erase_mandant_identity(
    session: Session, beneficiaire_id: int, pseudonyme: str, at: datetime
) -> int:
    """Keep of the person's ended mandates only what proves they existed (reference,
    structure, categories, dates, template version, integrity code) and the pseudonym.

    The specific actions go too: they are free text, and may name the person's accounts. The
    integrity code stays as recorded, so a paper copy presented later still verifies."""
    mandats = session.scalars(
        select(Mandat).where(
            Mandat.beneficiaire_id == beneficiaire_id, Mandat.mandant_efface_at.is_(None)
        )
    ).all()
    for mandat in mandats:
        mandat.mandant_nom = pseudonyme
        mandat.mandant_prenom = ""
        mandat.mandant_date_naissance = None
        mandat.mandant_lieu_naissance = ""
        mandat.mandant_cle = fold(pseudonyme)
        mandat.actions_specifiques = ""
        mandat.mandant_efface_at = at
    session.flush()
    return len(mandats)


def purge_mandats_past_retention(
    session: Session, actor: Actor, *, now: datetime | None = None
) -> int:
    """Delete the mandates whose keeping period is over (personal-data retention)."""
    require_anywhere(actor, Permission.DROITS_PERSONNES)
    at = now or utcnow()
    years = int(get_setting(session, "mandat_retention_years") or 6)
    bound = _add_years(at, -years)
    candidates = session.scalars(
        select(Mandat).where(or_(Mandat.fin <= bound, Mandat.revoque_at <= bound))
    )
    expired = [m for m in candidates if retention_end(session, m) <= at]
    ids = [m.id for m in expired]
    if not ids:
        return 0
    session.execute(update(Mandat).where(Mandat.renouvelle_id.in_(ids)).values(renouvelle_id=None))
    session.execute(
        update(MandatRevocation)
        .where(MandatRevocation.remplace_par_id.in_(ids))
        .values(remplace_par_id=None)
    )
    for mandat in expired:
        for line in mandat.categories:
            line.revocation_id = None
        session.flush()
        for revocation in session.scalars(
            select(MandatRevocation).where(MandatRevocation.mandat_id == mandat.id)
        ):
            session.delete(revocation)
        session.delete(mandat)
    session.flush()
    journal_mediation.mandat_purge(session, actor, nombre=len(ids))
    return len(ids)


def mandate_retention_years(session: Session) -> int:
    return int(get_setting(session, "mandat_retention_years") or 6)
