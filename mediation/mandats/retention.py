"""Keeping rules of mandates: when a person's file may be erased, erasing the mandant's
identity from ended mandates, purging mandates past their keeping period."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import partial
from pathlib import PurePosixPath

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    delete,
    event,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from core import fichiers_nominatifs
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
    MandatCategorie,
    MandatRevocation,
)


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def mandate_retention_years(session: Session) -> int:
    """How many years an ended mandate is kept (``mandat_retention_years``, 6 by default: the
    keeping time of the signed paper)."""
    return int(get_setting(session, "mandat_retention_years") or 6)


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


def _past_retention_ids(session: Session, actor: Actor, at: datetime) -> list[int]:
    """Ids of the mandates, in the structures where the actor holds the data-protection right,
    that ended (expired, or revoked in full) at least ``mandate_retention_years`` years before
    ``at``. The period runs from the end: the earlier of the planned end and the revocation.

    Counted back from ``at``: a mandate ended at instant E is past retention from E plus the
    period, at that very instant. On 29 February, counting back lands on the 28th, so a mandate
    is never erased before the full period (one ended a 29 February is erased on 1 March of a
    year without one)."""
    bound = _add_years(at, -mandate_retention_years(session))
    stmt = select(Mandat.id).where(or_(Mandat.fin <= bound, Mandat.revoque_at <= bound))
    allowed = actor.structures_with(Permission.DROITS_PERSONNES)
    if allowed is not None:
        stmt = stmt.where(Mandat.structure_id.in_(sorted(allowed)))
    return list(session.scalars(stmt.order_by(Mandat.id)))


def mandats_past_retention(
    session: Session, actor: Actor, *, now: datetime | None = None
) -> list[int]:
    """The mandates ``purge_mandats_past_retention`` would delete now, without deleting them:
    what the retention listing shows before its confirmation."""
    require_anywhere(actor, Permission.DROITS_PERSONNES)
    return _past_retention_ids(session, actor, now or utcnow())


def purge_mandats_past_retention(
    session: Session,
    actor: Actor,
    *,
    ids: Collection[int] | None = None,
    now: datetime | None = None,
) -> int:
    """Delete the mandates whose keeping period is over (personal-data retention): the mandate,
    its categories and its revocations, whether or not the person's file is still active, and
    once committed the papers of them this desk wrote in its exports. Only in the structures
    where the actor holds the data-protection right.

    ``ids``: the mandates the agent confirmed (``mandats_past_retention``); one no longer due
    by then is kept. None: every mandate due. Journalled with the count only."""
    require_anywhere(actor, Permission.DROITS_PERSONNES)
    due = _past_retention_ids(session, actor, now or utcnow())
    if ids is not None:
        confirmed = set(ids)
        due = [i for i in due if i in confirmed]
    if not due:
        return 0
    # In slices: a first purge after years of service may hold tens of thousands of mandates,
    # beyond what one statement may bind (32,766 parameters for SQLite).
    for start in range(0, len(due), PURGE_SLICE):
        _purge_slice(session, due[start : start + PURGE_SLICE])
    session.flush()
    journal_mediation.mandat_purge(
        session, actor, nombre=len(due), annees=mandate_retention_years(session)
    )
    return len(due)


#: Mandates deleted by one set of statements.
PURGE_SLICE = 1000


def _purge_slice(session: Session, ids: Sequence[int]) -> None:
    _delete_papers_after_commit(
        session, session.scalars(select(Mandat.reference).where(Mandat.id.in_(ids))).all()
    )
    # Links from the mandates kept: a renewal names the mandate it renews, a replacement the
    # mandate that took a category over (a kept mandate may have given one category to a
    # shorter mandate, long past retention, and still run).
    session.execute(update(Mandat).where(Mandat.renouvelle_id.in_(ids)).values(renouvelle_id=None))
    session.execute(
        update(MandatRevocation)
        .where(MandatRevocation.remplace_par_id.in_(ids))
        .values(remplace_par_id=None)
    )
    # The categories name their revocation: they go first, then the revocations, then the
    # mandates.
    session.execute(delete(MandatCategorie).where(MandatCategorie.mandat_id.in_(ids)))
    session.execute(delete(MandatRevocation).where(MandatRevocation.mandat_id.in_(ids)))
    session.execute(delete(Mandat).where(Mandat.id.in_(ids)))


_PAPERS_KEY = "mandats_purges_references"
_PAPERS_LISTENING = "mandats_purges_ecoute"


def _is_paper_of(references: set[str], relative: str) -> bool:
    """A mandate's paper as the desk names it in the exports: « <reference>.pdf », or the
    reference followed by « - » (its translation, a revocation's attestation)."""
    name = PurePosixPath(relative).name
    if name.endswith(".pdf") and name[: -len(".pdf")] in references:
        return True
    # Each « - » of the name may end the reference (its own dashes included): a set lookup per
    # dash, so that a purge of thousands of mandates does not compare every name with each one.
    return any(name[:i] in references for i, char in enumerate(name) if char == "-")


def _delete_papers_after_commit(session: Session, references: Sequence[str]) -> None:
    """Once the purge is committed, delete the papers of the purged mandates that this desk
    wrote in its exports (``core.fichiers_nominatifs``): they hold the same content. Not
    before: a purge rolled back leaves them as they were."""
    session.info.setdefault(_PAPERS_KEY, set()).update(references)
    if session.info.get(_PAPERS_LISTENING):
        return
    session.info[_PAPERS_LISTENING] = True

    def delete_papers(committed: Session) -> None:
        purged = committed.info.pop(_PAPERS_KEY, set())
        if purged:
            fichiers_nominatifs.delete_files_matching(partial(_is_paper_of, purged))

    def forget(rolled_back: Session) -> None:
        rolled_back.info.pop(_PAPERS_KEY, None)

    event.listen(session, "after_commit", delete_papers)
    event.listen(session, "after_rollback", forget)
