"""Printing a mandate (with the legal text of its version) and a revocation attestation."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.db import utcnow
from core.errors import ConflictError
from core.i18n import _, to_local
from core.installation import get_setting
from mediation import journal as journal_mediation
from mediation.mandats.lecture import (
    Statut,
    _statut,
    _visible_mandat,
    get_revocation,
)
from mediation.mandats.models import (
    Mandat,
)
from mediation.mandats.retention import mandate_retention_years

if TYPE_CHECKING:
    from mediation.mandats.pdf import Marks


def print_mandat(
    session: Session, actor: Actor, mandat_id: int, *, traduction: str | None = None
) -> bytes:
    """The PDF of a mandate, with the legal text of the version it was signed with."""
    from mediation.mandats.pdf import mandat_pdf

    mandat = _visible_mandat(session, actor, mandat_id)
    require(actor, Permission.MANDAT_GERER, mandat.structure_id)
    if mandat.mandant_date_naissance is None:
        raise ConflictError(
            _(
                "L'identité du mandant a été effacée : ce mandat ne peut plus être réimprimé. "
                "L'exemplaire signé conservé par la structure fait foi."
            )
        )
    pdf = mandat_pdf(mandat, traduction=traduction, marks=_print_marks(session, mandat))
    journal_mediation.mandat_impression(
        session,
        actor,
        mandat.id,
        reference=mandat.reference,
        modele=mandat.template_version,
        traduction=traduction,
    )
    return pdf


def _print_marks(session: Session, mandat: Mandat) -> Marks:
    """The state a reprint states on every page (French: the paper's language)."""
    from mediation.mandats.pdf import Marks

    at = utcnow()
    state = _statut(mandat, at)
    etat = ""
    if state is Statut.REVOQUE and mandat.revoque_at is not None:
        etat = "RÉVOQUÉ LE " + _paper_date(mandat.revoque_at) + " — N'AUTORISE PLUS AUCUNE DÉMARCHE"
    elif state is Statut.EXPIRE:
        etat = "EXPIRÉ LE " + _paper_date(mandat.fin) + " — N'AUTORISE PLUS AUCUNE DÉMARCHE"
    else:
        revoked = [c for c in mandat.categories if c.revoquee_at is not None]
        if revoked:
            last = max(c.revoquee_at for c in revoked if c.revoquee_at is not None)
            etat = f"CATÉGORIE(S) RÉVOQUÉE(S) : {len(revoked)}, LA DERNIÈRE LE {_paper_date(last)}"
    dossier_years = int(get_setting(session, "retention_years") or 3)
    return Marks(etat, mandate_retention_years(session), dossier_years)


def _paper_date(moment: datetime) -> str:
    return to_local(moment).strftime("%d/%m/%Y")


def print_revocation(session: Session, actor: Actor, revocation_id: int) -> bytes:
    """The revocation attestation for the mandant to sign."""
    from mediation.mandats.pdf import revocation_pdf

    revocation = get_revocation(session, actor, revocation_id)
    mandat = _visible_mandat(session, actor, revocation.mandat_id)
    require(actor, Permission.MANDAT_GERER, mandat.structure_id)
    pdf = revocation_pdf(mandat, revocation)
    journal_mediation.mandat_impression_revocation(
        session, actor, mandat.id, reference=mandat.reference, revocation=revocation.id
    )
    return pdf
