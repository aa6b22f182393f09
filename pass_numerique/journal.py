"""The journal actions of the Pass numérique.

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


class ActionPass(StrEnum):
    ENCAISSE = "pass.encaisse"
    ENCAISSEMENT_ANNULE = "pass.encaissement.annule"
    CAMPAGNE_CREEE = "pass.campagne.creee"
    CAMPAGNE_BUDGET = "pass.campagne.budget"
    CAMPAGNE_CLOTUREE = "pass.campagne.cloturee"
    OPPOSITION_CHEQUIER = "pass.opposition.chequier"
    OPPOSITION_PASS = "pass.opposition.pass"
    OPPOSITION_LEVEE = "pass.opposition.levee"
    REGLEMENT_VALIDE = "pass.reglement.valide"
    STRUCTURE_REFERENCEE = "pass.structure.referencee"
    STRUCTURE_FIN = "pass.structure.fin"
    CHEQUIER_EMIS = "pass.chequier.emis"
    CHEQUIER_REIMPRIME = "pass.chequier.reimprime"
    LOT_CLE_ENREGISTREE = "pass.lot.cle_enregistree"
    LOT_CLE_REVOQUEE = "pass.lot.cle_revoquee"
    LOT_EXPORTE = "pass.lot.exporte"
    LOT_IMPORTE = "pass.lot.importe"
    CONFLIT_TRANCHE = "pass.conflit.tranche"
    CLE_CREEE = "pass.cle.creee"
    CLE_REVOQUEE = "pass.cle.revoquee"


def encaisse(
    session: Session,
    actor: Actor,
    pass_id: int,
    *,
    serial: str,
    pass_structure_id: int,
    valeur_cents: int,
    read_head: journal.HeadRead | None = None,
) -> tuple[int, str]:
    """The line of each redemption: the hot path, so only its (sequence, hash) comes back;
    ``read_head`` as ``journal.record_line`` takes it."""
    return journal.record_line(
        session,
        actor,
        ActionPass.ENCAISSE,
        "pass",
        pass_id,
        {"serial": serial, "pass_structure_id": pass_structure_id, "valeur_cents": valeur_cents},
        read_head=read_head,
    )


def encaissement_annule(
    session: Session,
    actor: Actor,
    pass_id: int,
    *,
    encaissement_id: int,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionPass.ENCAISSEMENT_ANNULE,
        "pass",
        pass_id,
        {"encaissement_id": encaissement_id},
    )


def campagne_creee(
    session: Session,
    actor: Actor,
    campagne_id: int,
    *,
    valeur_cents: int,
    passes: int,
    budget_chequiers: int | None,
    budget_cents: int | None,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionPass.CAMPAGNE_CREEE,
        "pass_campagne",
        campagne_id,
        {
            "valeur_cents": valeur_cents,
            "passes": passes,
            "budget_chequiers": budget_chequiers,
            "budget_cents": budget_cents,
        },
    )


def campagne_budget(
    session: Session,
    actor: Actor,
    campagne_id: int,
    *,
    budget_chequiers: int | None,
    budget_cents: int | None,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionPass.CAMPAGNE_BUDGET,
        "pass_campagne",
        campagne_id,
        {"budget_chequiers": budget_chequiers, "budget_cents": budget_cents},
    )


def campagne_cloturee(
    session: Session,
    actor: Actor,
    campagne_id: int,
) -> AuditEntry:
    return journal.record(
        session, actor, ActionPass.CAMPAGNE_CLOTUREE, "pass_campagne", campagne_id
    )


def opposition_chequier(
    session: Session,
    actor: Actor,
    chequier_id: int,
    *,
    passes_annules: int,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionPass.OPPOSITION_CHEQUIER,
        "pass_chequier",
        chequier_id,
        {"passes_annules": passes_annules},
    )


def opposition_pass(
    session: Session,
    actor: Actor,
    pass_id: int,
    *,
    serial: str,
) -> AuditEntry:
    return journal.record(
        session, actor, ActionPass.OPPOSITION_PASS, "pass", pass_id, {"serial": serial}
    )


def opposition_levee(
    session: Session,
    actor: Actor,
    chequier_id: int,
    *,
    passes_retablis: int,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionPass.OPPOSITION_LEVEE,
        "pass_chequier",
        chequier_id,
        {"passes_retablis": passes_retablis},
    )


def reglement_valide(
    session: Session,
    actor: Actor,
    reglement_id: int,
    *,
    pass_structure_id: int,
    mois: str,
    nombre: int,
    montant_cents: int,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionPass.REGLEMENT_VALIDE,
        "pass_reglement",
        reglement_id,
        {
            "pass_structure_id": pass_structure_id,
            "mois": mois,
            "nombre": nombre,
            "montant_cents": montant_cents,
        },
    )


def structure_referencee(
    session: Session,
    actor: Actor,
    pass_structure_id: int,
    *,
    structure_id: int,
    campagnes: list[int],
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionPass.STRUCTURE_REFERENCEE,
        "pass_structure",
        pass_structure_id,
        {"structure_id": structure_id, "campagnes": campagnes},
    )


def structure_fin(
    session: Session,
    actor: Actor,
    structure_id: int,
    *,
    au: str,
) -> AuditEntry:
    return journal.record(
        session, actor, ActionPass.STRUCTURE_FIN, "pass_structure", structure_id, {"au": au}
    )


def chequier_emis(
    session: Session,
    actor: Actor,
    chequier_id: int,
    *,
    beneficiaire_id: int,
    campagne_id: int,
    passes: int,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionPass.CHEQUIER_EMIS,
        "pass_chequier",
        chequier_id,
        {"beneficiaire_id": beneficiaire_id, "campagne_id": campagne_id, "passes": passes},
    )


def chequier_reimprime(
    session: Session,
    actor: Actor,
    chequier_id: int,
    *,
    serials: list[str],
    reimpression: int,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionPass.CHEQUIER_REIMPRIME,
        "pass_chequier",
        chequier_id,
        {"serials": serials, "reimpression": reimpression},
    )


def lot_cle_enregistree(
    session: Session,
    actor: Actor,
    cle_lot_id: int,
    *,
    pass_structure_id: int,
    empreinte: str,
    remplace: list[int],
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionPass.LOT_CLE_ENREGISTREE,
        "pass_cle_lot",
        cle_lot_id,
        {"pass_structure_id": pass_structure_id, "empreinte": empreinte, "remplace": remplace},
    )


def lot_cle_revoquee(
    session: Session,
    actor: Actor,
    cle_lot_id: int,
    *,
    pass_structure_id: int,
    empreinte: str,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionPass.LOT_CLE_REVOQUEE,
        "pass_cle_lot",
        cle_lot_id,
        {"pass_structure_id": pass_structure_id, "empreinte": empreinte},
    )


def lot_exporte(
    session: Session,
    actor: Actor,
    structure_id: int,
    *,
    nombre: int,
) -> AuditEntry:
    return journal.record(
        session, actor, ActionPass.LOT_EXPORTE, "pass_structure", structure_id, {"nombre": nombre}
    )


def lot_importe(
    session: Session,
    actor: Actor,
    lot_id: int,
    *,
    pass_structure_id: int,
    nombre: int,
    acceptes: int,
    conflits: int,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionPass.LOT_IMPORTE,
        "pass_lot",
        lot_id,
        {
            "pass_structure_id": pass_structure_id,
            "nombre": nombre,
            "acceptes": acceptes,
            "conflits": conflits,
        },
    )


def conflit_tranche(
    session: Session,
    actor: Actor,
    conflit_id: int,
    *,
    accepte: bool,
    motif: str,
    pass_id: int | None,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionPass.CONFLIT_TRANCHE,
        "pass_conflit",
        conflit_id,
        {"accepte": accepte, "motif": motif, "pass_id": pass_id},
    )


def cle_creee(
    session: Session,
    actor: Actor | None,
    cle_id: int,
    *,
    kid: str,
    demo: bool,
    campagne_id: int,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionPass.CLE_CREEE,
        "pass_cle",
        cle_id,
        {"kid": kid, "demo": demo, "campagne_id": campagne_id},
    )


def cle_revoquee(
    session: Session,
    actor: Actor,
    cle_id: int,
    *,
    kid: str,
) -> AuditEntry:
    return journal.record(session, actor, ActionPass.CLE_REVOQUEE, "pass_cle", cle_id, {"kid": kid})
