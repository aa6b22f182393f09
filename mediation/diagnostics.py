"""Needs assessments (diagnostics): recorded before a Pass numérique chequebook is issued."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.db import utcnow
from core.errors import ValidationError
from core.i18n import _
from mediation import journal as journal_mediation
from mediation import referentiel as ref
from mediation.models import Diagnostic
from mediation.visibility import load_visible


@dataclass
class DiagnosticData:
    date: date
    equipement: list[str] = field(default_factory=list)  # ref.DIAGNOSTIC_EQUIPEMENTS
    connexion_domicile: bool | None = None
    usages: list[str] = field(default_factory=list)  # ref.DIAGNOSTIC_USAGES
    thematiques: list[str] = field(default_factory=list)  # ref.THEMATIQUES where help is needed
    autonomie: str | None = None  # ref.AUTONOMIES
    aide_entourage: bool | None = None
    abc_diag_score: int | None = None  # Pix « ABC Diag » result, 0–100
    notes: str | None = None


def _check_values(values: list[str], allowed: tuple[str, ...], field_name: str) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError(
            _("Valeur inconnue : « {v} ».").format(v=", ".join(unknown)), field=field_name
        )
    return list(dict.fromkeys(values))


def record_diagnostic(
    session: Session,
    actor: Actor,
    beneficiaire_id: int,
    data: DiagnosticData,
    *,
    today: date | None = None,
) -> Diagnostic:
    """Record a needs assessment of a visible beneficiary, in the actor's current structure."""
    b = load_visible(session, actor, beneficiaire_id)
    sid = actor.structure_id if actor.structure_id is not None else b.structure_id
    require(actor, Permission.DOSSIER_ECRIRE, sid)
    if data.date > (today or date.today()):
        raise ValidationError(_("La date du diagnostic ne peut pas être dans le futur."), "date")
    if data.autonomie is not None and data.autonomie not in ref.AUTONOMIES:
        raise ValidationError(
            _("Niveau d'autonomie inconnu : « {v} ».").format(v=data.autonomie), "autonomie"
        )
    if data.abc_diag_score is not None and not 0 <= data.abc_diag_score <= ref.ABC_DIAG_MAX_SCORE:
        raise ValidationError(
            _("Le résultat ABC Diag est un pourcentage entre 0 et 100."), "abc_diag_score"
        )
    diag = Diagnostic(
        beneficiaire_id=b.id,
        structure_id=sid,
        agent_id=actor.agent_id,
        date=data.date,
        equipement=_check_values(data.equipement, ref.DIAGNOSTIC_EQUIPEMENTS, "equipement"),
        connexion_domicile=data.connexion_domicile,
        usages=_check_values(data.usages, ref.DIAGNOSTIC_USAGES, "usages"),
        thematiques=_check_values(data.thematiques, ref.THEMATIQUES, "thematiques"),
        autonomie=data.autonomie,
        aide_entourage=data.aide_entourage,
        abc_diag_score=data.abc_diag_score,
        notes=(data.notes or "").strip() or None,
    )
    session.add(diag)
    b.derniere_activite_at = utcnow()
    session.flush()
    journal_mediation.diagnostic_creation(
        session, actor, diag.id, beneficiaire_id=b.id, structure_id=sid
    )
    return diag


def list_diagnostics(session: Session, actor: Actor, beneficiaire_id: int) -> list[Diagnostic]:
    """A beneficiary's needs assessments, most recent first."""
    load_visible(session, actor, beneficiaire_id)
    return list(
        session.scalars(
            select(Diagnostic)
            .where(Diagnostic.beneficiaire_id == beneficiaire_id)
            .order_by(Diagnostic.date.desc(), Diagnostic.id.desc())
        )
    )


def latest_diagnostic(session: Session, actor: Actor, beneficiaire_id: int) -> Diagnostic | None:
    found = list_diagnostics(session, actor, beneficiaire_id)
    return found[0] if found else None
