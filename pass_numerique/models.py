"""Models of the Pass numérique: campaigns, referenced structures, signing keys, chequebooks,
passes, redemptions, settlements and offline batches.

The rules that protect money are database constraints too: one redemption per pass (unique),
a known set of states (check), one settlement per structure and month (unique), and — in the
migration, as triggers — a validated settlement and the redemptions it pays never change.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    CursorResult,
    ForeignKey,
    Index,
    Integer,
    Result,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class EtatPass(enum.StrEnum):
    EMIS = "emis"
    REMIS = "remis"
    ENCAISSE = "encaisse"
    REMBOURSE = "rembourse"
    ANNULE = "annule"


class StatutCle(enum.StrEnum):
    ACTIVE = "active"  # signs new chequebooks
    RETIREE = "retiree"  # replaced by a newer key: still verifies what it signed
    REVOQUEE = "revoquee"  # compromised: what it signed is refused


class StatutConflit(enum.StrEnum):
    A_DECIDER = "a_decider"
    ACCEPTE = "accepte"
    REJETE = "rejete"


def _in(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class PassCampagne(Base):
    __tablename__ = "pass_campagne"
    __table_args__ = (
        CheckConstraint("valeur_cents > 0", name="valeur_positive"),
        CheckConstraint("passes_par_chequier > 0", name="passes_positif"),
        CheckConstraint("fin >= debut", name="periode"),
        CheckConstraint("grace_jours >= 0", name="grace_positive"),
        CheckConstraint("plafond_chequiers > 0", name="plafond_positif"),
        CheckConstraint(
            "budget_chequiers IS NULL OR budget_chequiers > 0", name="budget_chequiers_positif"
        ),
        CheckConstraint("budget_cents IS NULL OR budget_cents > 0", name="budget_cents_positif"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nom: Mapped[str] = mapped_column(String(200))
    financeur: Mapped[str] = mapped_column(String(200))
    valeur_cents: Mapped[int] = mapped_column(Integer)
    passes_par_chequier: Mapped[int] = mapped_column(Integer)
    debut: Mapped[date]
    fin: Mapped[date]
    grace_jours: Mapped[int] = mapped_column(Integer, default=31)
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    # Empty list: the territory's communes at the time of the check.
    communes: Mapped[list[str]] = mapped_column(JSON, default=list)
    plafond_chequiers: Mapped[int] = mapped_column(Integer, default=1)
    # What the financer paid for: no chequebook is issued beyond either bound (None: no bound).
    budget_chequiers: Mapped[int | None] = mapped_column(Integer)
    budget_cents: Mapped[int | None] = mapped_column(Integer)
    cloturee: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PassStructure(Base):
    """A structure referenced to accept passes (linked to a core ``Structure``)."""

    __tablename__ = "pass_structure"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id"), unique=True)
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    titulaire: Mapped[str] = mapped_column(String(200))
    actif_du: Mapped[date]
    actif_au: Mapped[date | None]
    # The id of a place in the national schema (lieux domain); no foreign key on purpose.
    lieu_id: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CleLot(Base):
    """The fingerprint of an offline desk's batch key, entered by a coordinator who received it
    out of band (read over the phone, printed): only batches signed by an active one are read."""

    __tablename__ = "pass_cle_lot"
    __table_args__ = (
        CheckConstraint("statut IN ('active', 'revoquee')", name="statut_connu"),
        Index("ix_pass_cle_lot_empreinte", "empreinte"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pass_structure_id: Mapped[int] = mapped_column(ForeignKey("pass_structure.id"), index=True)
    empreinte: Mapped[str] = mapped_column(String(20))
    statut: Mapped[str] = mapped_column(String(10), default="active")
    enregistre_at: Mapped[datetime] = mapped_column(default=utcnow)
    enregistre_par: Mapped[int] = mapped_column(ForeignKey("agent.id"))
    revoque_at: Mapped[datetime | None]
    revoque_par: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))


class PassStructureCampagne(Base):
    __tablename__ = "pass_structure_campagne"

    pass_structure_id: Mapped[int] = mapped_column(
        ForeignKey("pass_structure.id", ondelete="CASCADE"), primary_key=True
    )
    campagne_id: Mapped[int] = mapped_column(ForeignKey("pass_campagne.id"), primary_key=True)


class PassCle(Base):
    """A public signing key; any desk verifies QR codes with it, offline.

    The private key lives in the OS keyring of the issuing office. Only on a demonstration
    database may it be kept here (``demo_prive``), because a fresh demo machine has no keyring.
    """

    __tablename__ = "pass_cle"
    __table_args__ = (CheckConstraint(_in("statut", StatutCle), name="statut_connu"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(8), unique=True)
    publique: Mapped[str] = mapped_column(String(64))  # raw Ed25519 public key, hex
    statut: Mapped[str] = mapped_column(String(10), default=StatutCle.ACTIVE.value)
    demo_prive: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    # The campaign whose passes this key signs: a QR code of another campaign signed with it is
    # refused. None: a key from before keys were tied to campaigns, shared by several; it still
    # verifies what it signed and is retired by the first campaign key created.
    campagne_id: Mapped[int | None] = mapped_column(ForeignKey("pass_campagne.id"), index=True)


class Chequier(Base):
    __tablename__ = "pass_chequier"

    id: Mapped[int] = mapped_column(primary_key=True)
    campagne_id: Mapped[int] = mapped_column(ForeignKey("pass_campagne.id"), index=True)
    beneficiaire_id: Mapped[int] = mapped_column(ForeignKey("beneficiaire.id"), index=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id"))  # issuing desk
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id"))
    cle_id: Mapped[int] = mapped_column(ForeignKey("pass_cle.id"))
    emis_at: Mapped[datetime] = mapped_column(default=utcnow)
    remis_at: Mapped[datetime | None]
    opposition_at: Mapped[datetime | None]
    reimpressions: Mapped[int] = mapped_column(Integer, default=0)
    # Set by the first print: every later print is a reprint, whatever the caller says.
    imprime_at: Mapped[datetime | None]
    opposition_levee_at: Mapped[datetime | None]
    opposition_levee_motif: Mapped[str | None] = mapped_column(Text)


class Pass(Base):
    __tablename__ = "pass"
    __table_args__ = (
        CheckConstraint(_in("etat", EtatPass), name="etat_connu"),
        CheckConstraint("valeur_cents > 0", name="valeur_positive"),
        Index("ix_pass_etat_expire_le", "etat", "expire_le"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(12), unique=True)
    chequier_id: Mapped[int] = mapped_column(ForeignKey("pass_chequier.id"), index=True)
    campagne_id: Mapped[int] = mapped_column(ForeignKey("pass_campagne.id"))
    rang: Mapped[int] = mapped_column(Integer)
    valeur_cents: Mapped[int] = mapped_column(Integer)
    # Last day a pass is accepted: campaign end plus grace period.
    expire_le: Mapped[date]
    etat: Mapped[str] = mapped_column(String(10), default=EtatPass.EMIS.value)
    annule_at: Mapped[datetime | None]


class LotEncaissements(Base):
    """A signed batch of offline redemptions, imported once (its fingerprint is unique)."""

    __tablename__ = "pass_lot"

    id: Mapped[int] = mapped_column(primary_key=True)
    empreinte: Mapped[str] = mapped_column(String(64), unique=True)
    pass_structure_id: Mapped[int] = mapped_column(ForeignKey("pass_structure.id"))
    exporte_at: Mapped[datetime]
    importe_at: Mapped[datetime] = mapped_column(default=utcnow)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id"))
    nombre: Mapped[int] = mapped_column(Integer)
    acceptes: Mapped[int] = mapped_column(Integer)
    conflits: Mapped[int] = mapped_column(Integer)


class Reglement(Base):
    """What a structure is owed for one month; created only when validated, never changed."""

    __tablename__ = "pass_reglement"
    __table_args__ = (
        UniqueConstraint("pass_structure_id", "mois"),
        CheckConstraint("nombre > 0 AND montant_cents > 0", name="non_vide"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pass_structure_id: Mapped[int] = mapped_column(ForeignKey("pass_structure.id"))
    mois: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    nombre: Mapped[int] = mapped_column(Integer)
    montant_cents: Mapped[int] = mapped_column(Integer)
    valide_at: Mapped[datetime] = mapped_column(default=utcnow)
    valide_par: Mapped[int] = mapped_column(ForeignKey("agent.id"))
    # What was validated, frozen: a reprint shows these, never today's data. None only on
    # settlements validated before they were stored.
    structure_nom: Mapped[str | None] = mapped_column(String(200))
    siret: Mapped[str | None] = mapped_column(String(14))
    iban: Mapped[str | None] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    titulaire: Mapped[str | None] = mapped_column(String(200))
    lignes: Mapped[list[list[Any]] | None] = mapped_column(JSON)


class Encaissement(Base):
    """The one redemption of a pass (``pass_id`` is unique: a second one cannot exist)."""

    __tablename__ = "pass_encaissement"
    __table_args__ = (
        Index("ix_pass_encaissement_structure_at", "pass_structure_id", "at"),
        CheckConstraint("source IN ('guichet', 'lot')", name="source_connue"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pass_id: Mapped[int] = mapped_column(ForeignKey("pass.id"), unique=True)
    pass_structure_id: Mapped[int] = mapped_column(ForeignKey("pass_structure.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(10), default="guichet")
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("pass_lot.id"))
    reglement_id: Mapped[int | None] = mapped_column(ForeignKey("pass_reglement.id"), index=True)


class ConflitLot(Base):
    """A redemption of a batch that could not be accepted as is: a person decides."""

    __tablename__ = "pass_conflit"
    __table_args__ = (CheckConstraint(_in("statut", StatutConflit), name="statut_connu"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("pass_lot.id"), index=True)
    pass_id: Mapped[int | None] = mapped_column(ForeignKey("pass.id"))
    serial: Mapped[str] = mapped_column(String(20))
    motif: Mapped[str] = mapped_column(String(30))
    encaisse_at: Mapped[datetime]
    statut: Mapped[str] = mapped_column(String(10), default=StatutConflit.A_DECIDER.value)
    decide_par: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    decide_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


def affected_rows(result: Result[Any]) -> int:
    """Rows changed by an UPDATE or DELETE: what the conditional state changes rely on."""
    return int(cast(CursorResult[Any], result).rowcount)
