"""The journal actions of mediation: beneficiaries, accompaniments, diagnostics, exports, mandates.

The enum's values are the action strings stored in the journal: existing databases and the
journal's readers rely on them, so a value never changes. One function per action keeps the
entity and the details of each line in one place, checked by mypy.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from core import journal
from core.models import AuditEntry

if TYPE_CHECKING:
    from core.auth import Actor


class ActionMediation(StrEnum):
    DIAGNOSTIC_CREATION = "diagnostic.creation"
    BENEFICIAIRE_CREATION = "beneficiaire.creation"
    BENEFICIAIRE_MODIFICATION = "beneficiaire.modification"
    BENEFICIAIRE_CONSENTEMENT = "beneficiaire.consentement"
    BENEFICIAIRE_FUSION = "beneficiaire.fusion"
    BENEFICIAIRE_IMPORT = "beneficiaire.import"
    BENEFICIAIRE_EXPORT_DONNEES = "beneficiaire.export_donnees"
    BENEFICIAIRE_EFFACEMENT = "beneficiaire.effacement"
    ACCOMPAGNEMENT_CREATION = "accompagnement.creation"
    MANDAT_CATEGORIES_STRUCTURE = "mandat.categories_structure"
    MANDAT_CREATION = "mandat.creation"
    MANDAT_RENOUVELLEMENT = "mandat.renouvellement"
    EXPORT_STATISTIQUES = "export.statistiques"
    EXPORT_ACCOMPAGNEMENTS = "export.accompagnements"
    EXPORT_BENEFICIAIRES = "export.beneficiaires"
    MANDAT_REVOCATION = "mandat.revocation"
    MANDAT_IMPRESSION = "mandat.impression"
    MANDAT_IMPRESSION_REVOCATION = "mandat.impression_revocation"
    MANDAT_PURGE = "mandat.purge"
    MANDAT_REMPLACEMENT = "mandat.remplacement"


def diagnostic_creation(
    session: Session,
    actor: Actor,
    diagnostic_id: int,
    *,
    beneficiaire_id: int,
    structure_id: int,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionMediation.DIAGNOSTIC_CREATION,
        "diagnostic",
        diagnostic_id,
        {"beneficiaire_id": beneficiaire_id, "structure_id": structure_id},
    )


def beneficiaire_creation(
    session: Session,
    actor: Actor,
    beneficiaire_id: int,
    *,
    structure_id: int,
    anonyme: bool,
    doublon_confirme: bool,
    hors_territoire: bool,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionMediation.BENEFICIAIRE_CREATION,
        "beneficiaire",
        beneficiaire_id,
        {
            "structure_id": structure_id,
            "anonyme": anonyme,
            "doublon_confirme": doublon_confirme,
            "hors_territoire": hors_territoire,
        },
    )


def beneficiaire_modification(
    session: Session,
    actor: Actor,
    beneficiaire_id: int,
    *,
    champs: list[str],
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionMediation.BENEFICIAIRE_MODIFICATION,
        "beneficiaire",
        beneficiaire_id,
        {"champs": champs},
    )


def beneficiaire_consentement(
    session: Session,
    actor: Actor,
    beneficiaire_id: int,
) -> AuditEntry:
    return journal.record(
        session, actor, ActionMediation.BENEFICIAIRE_CONSENTEMENT, "beneficiaire", beneficiaire_id
    )


def beneficiaire_fusion(
    session: Session,
    actor: Actor,
    beneficiaire_id: int,
    *,
    fusionne: int,
    champs_completes: list[str],
    accompagnements_deplaces: int,
    diagnostics_deplaces: int,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionMediation.BENEFICIAIRE_FUSION,
        "beneficiaire",
        beneficiaire_id,
        {
            "fusionne": fusionne,
            "champs_completes": champs_completes,
            "accompagnements_deplaces": accompagnements_deplaces,
            "diagnostics_deplaces": diagnostics_deplaces,
        },
    )


def beneficiaire_import(
    session: Session,
    actor: Actor,
    *,
    structure_id: int | None,
    importes: int,
    rejetes: int,
    lot: int | None = None,
    premiere_ligne: int | None = None,
    derniere_ligne: int | None = None,
    dossiers: list[int] | None = None,
) -> AuditEntry:
    details: dict[str, object] = {
        "structure_id": structure_id,
        "importes": importes,
        "rejetes": rejetes,
    }
    optional = {
        "lot": lot,
        "premiere_ligne": premiere_ligne,
        "derniere_ligne": derniere_ligne,
        "dossiers": dossiers,
    }
    details.update({k: v for k, v in optional.items() if v is not None})
    return journal.record(
        session, actor, ActionMediation.BENEFICIAIRE_IMPORT, "beneficiaire", None, details
    )


def beneficiaire_export_donnees(
    session: Session,
    actor: Actor,
    beneficiaire_id: int,
    *,
    diagnostics: int,
    accompagnements: int,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionMediation.BENEFICIAIRE_EXPORT_DONNEES,
        "beneficiaire",
        beneficiaire_id,
        {"diagnostics": diagnostics, "accompagnements": accompagnements},
    )


def beneficiaire_effacement(
    session: Session,
    actor: Actor | None,
    beneficiaire_id: int,
    *,
    motif: str,
    efface_le: str | None = None,
    annees: int | None = None,
) -> AuditEntry:
    details: dict[str, object] = {"motif": motif}
    optional = {"efface_le": efface_le, "annees": annees}
    details.update({k: v for k, v in optional.items() if v is not None})
    return journal.record(
        session,
        actor,
        ActionMediation.BENEFICIAIRE_EFFACEMENT,
        "beneficiaire",
        beneficiaire_id,
        details,
    )


def accompagnement_creation(
    session: Session,
    actor: Actor,
    accompagnement_id: int,
    *,
    structure_id: int,
    type: str,
    beneficiaires: list[int],
    anonymes: int,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionMediation.ACCOMPAGNEMENT_CREATION,
        "accompagnement",
        accompagnement_id,
        {
            "structure_id": structure_id,
            "type": type,
            "beneficiaires": beneficiaires,
            "anonymes": anonymes,
        },
    )


def mandat_categories_structure(
    session: Session,
    actor: Actor,
    structure_id: int,
    *,
    categories: list[str],
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionMediation.MANDAT_CATEGORIES_STRUCTURE,
        "structure",
        structure_id,
        {"categories": categories},
    )


def mandat_revocation(
    session: Session,
    actor: Actor,
    mandat_id: int,
    *,
    reference: str,
    revocation: int,
    categorie: str | None,
    totale: bool,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionMediation.MANDAT_REVOCATION,
        "mandat",
        mandat_id,
        {
            "reference": reference,
            "revocation": revocation,
            "categorie": categorie,
            "totale": totale,
        },
    )


def mandat_impression(
    session: Session,
    actor: Actor,
    mandat_id: int,
    *,
    reference: str,
    modele: str,
    traduction: str | None,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionMediation.MANDAT_IMPRESSION,
        "mandat",
        mandat_id,
        {"reference": reference, "modele": modele, "traduction": traduction},
    )


def mandat_impression_revocation(
    session: Session,
    actor: Actor,
    mandat_id: int,
    *,
    reference: str,
    revocation: int,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionMediation.MANDAT_IMPRESSION_REVOCATION,
        "mandat",
        mandat_id,
        {"reference": reference, "revocation": revocation},
    )


def mandat_purge(
    session: Session,
    actor: Actor,
    *,
    nombre: int,
    annees: int,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionMediation.MANDAT_PURGE,
        "mandat",
        None,
        {"nombre": nombre, "annees": annees},
    )


def mandat_remplacement(
    session: Session,
    actor: Actor,
    mandat_id: int,
    *,
    reference: str,
    categorie: str | None,
    remplace_par: int | None,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionMediation.MANDAT_REMPLACEMENT,
        "mandat",
        mandat_id,
        {"reference": reference, "categorie": categorie, "remplace_par": remplace_par},
    )


def _mandat_signe(
    session: Session,
    actor: Actor,
    action: ActionMediation,
    mandat_id: int,
    *,
    reference: str,
    categories: list[str],
    duree_jours: int,
    modele: str,
    remplace: list[list[str]],
    renouvelle: str | None,
) -> AuditEntry:
    details: dict[str, object] = {
        "reference": reference,
        "categories": categories,
        "duree_jours": duree_jours,
        "modele": modele,
        "remplace": remplace,
    }
    if renouvelle is not None:
        details["renouvelle"] = renouvelle
    return journal.record(session, actor, action, "mandat", mandat_id, details)


def mandat_creation(
    session: Session,
    actor: Actor,
    mandat_id: int,
    *,
    reference: str,
    categories: list[str],
    duree_jours: int,
    modele: str,
    remplace: list[list[str]],
    renouvelle: str | None,
) -> AuditEntry:
    """A new mandate; a renewal (``renouvelle``: the reference it renews) keeps its own action."""
    action = (
        ActionMediation.MANDAT_RENOUVELLEMENT if renouvelle else ActionMediation.MANDAT_CREATION
    )
    return _mandat_signe(
        session,
        actor,
        action,
        mandat_id,
        reference=reference,
        categories=categories,
        duree_jours=duree_jours,
        modele=modele,
        remplace=remplace,
        renouvelle=renouvelle,
    )


EXPORTS = frozenset(
    {
        ActionMediation.EXPORT_STATISTIQUES,
        ActionMediation.EXPORT_ACCOMPAGNEMENTS,
        ActionMediation.EXPORT_BENEFICIAIRES,
    }
)


def export(
    session: Session,
    actor: Actor,
    action: ActionMediation,
    *,
    format: str,
    lignes: int,
    du: str,
    au: str,
    structure_id: int | None,
    agent_id: int | None,
) -> AuditEntry:
    """One of the three spreadsheet exports; they share their details, not their action."""
    if action not in EXPORTS:
        raise ValueError(action)
    details = {
        "format": format,
        "lignes": lignes,
        "du": du,
        "au": au,
        "structure_id": structure_id,
        "agent_id": agent_id,
    }
    return journal.record(session, actor, action, None, None, details)
