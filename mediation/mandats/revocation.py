"""Revoking a whole mandate or one category of it; nothing is deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, ValidationError
from core.i18n import _
from mediation import journal as journal_mediation
from mediation.mandats.lecture import (
    _checked_categories,
    _visible_mandat,
    categorie_titre,
)
from mediation.mandats.models import (
    CATEGORIES_BY_KEY,
    Mandat,
    MandatRevocation,
)


def revoke_mandat(
    session: Session,
    actor: Actor,
    mandat_id: int,
    categorie: str | None = None,
    *,
    now: datetime | None = None,
) -> MandatRevocation:
    """Revoke the whole mandate (``categorie`` None) or one category. Nothing is deleted."""
    mandat = _visible_mandat(session, actor, mandat_id)
    require(actor, Permission.MANDAT_GERER, mandat.structure_id)
    at = now or utcnow()
    if mandat.revoque_at is not None:
        raise ConflictError(_("Ce mandat est déjà révoqué."))
    if mandat.fin <= at:
        raise ConflictError(_("Ce mandat a déjà pris fin : il n'y a plus rien à révoquer."))
    if categorie is not None:
        if categorie not in CATEGORIES_BY_KEY:
            _checked_categories([categorie])
        line = next((c for c in mandat.categories if c.categorie == categorie), None)
        if line is None:
            raise ValidationError(
                _("Ce mandat ne couvre pas la catégorie « {titre} ».").format(
                    titre=categorie_titre(categorie)
                ),
                field="categorie",
            )
        if line.revoquee_at is not None:
            raise ConflictError(
                _("La catégorie « {titre} » de ce mandat est déjà révoquée.").format(
                    titre=categorie_titre(categorie)
                )
            )
    revocation = _revoke(session, actor, mandat.id, categorie, "demande", None, at)
    journal_mediation.mandat_revocation(
        session,
        actor,
        mandat.id,
        reference=mandat.reference,
        revocation=revocation.id,
        categorie=categorie,
        totale=mandat.revoque_at is not None,
    )
    return revocation


def _revoke(
    session: Session,
    actor: Actor,
    mandat_id: int,
    categorie: str | None,
    motif: str,
    remplace_par_id: int | None,
    at: datetime,
) -> MandatRevocation:
    mandat = session.get(Mandat, mandat_id)
    if mandat is None:
        raise NotFoundError(_("Mandat introuvable."))
    revocation = MandatRevocation(
        mandat_id=mandat.id,
        categorie=categorie,
        motif=motif,
        remplace_par_id=remplace_par_id,
        at=at,
        agent_id=actor.agent_id,
    )
    session.add(revocation)
    session.flush()
    for line in mandat.categories:
        if line.revoquee_at is None and (categorie is None or line.categorie == categorie):
            line.revoquee_at = at
            line.revocation_id = revocation.id
            line.courante = False
    if all(line.revoquee_at is not None for line in mandat.categories):
        mandat.revoque_at = at
    session.flush()
    if motif == "remplacement":
        journal_mediation.mandat_remplacement(
            session,
            actor,
            mandat.id,
            reference=mandat.reference,
            categorie=categorie,
            remplace_par=remplace_par_id,
        )
    return revocation
