"""Models of the mediation case file: beneficiaries and needs assessments (diagnostics).

Contract relied on by other domains (pass_numerique, mandates): ``Beneficiaire`` (id,
structure_id, anonyme, nom, prenom, annee_naissance, date_naissance, commune_insee, created_at,
efface) and ``Diagnostic`` (id, beneficiaire_id, date, thematiques).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class Beneficiaire(Base):
    __tablename__ = "beneficiaire"
    __table_args__ = (
        Index("ix_beneficiaire_nom_cle", "nom_cle"),
        Index("ix_beneficiaire_prenom_cle", "prenom_cle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id"), index=True)
    anonyme: Mapped[bool] = mapped_column(Boolean, default=False)
    nom: Mapped[str | None] = mapped_column(String(120))
    prenom: Mapped[str | None] = mapped_column(String(120))
    # Folded copies (lower case, no accents) that type-ahead search compares against.
    nom_cle: Mapped[str | None] = mapped_column(String(120))
    prenom_cle: Mapped[str | None] = mapped_column(String(120))
    annee_naissance: Mapped[int | None] = mapped_column(Integer)
    date_naissance: Mapped[date | None]
    genre: Mapped[str] = mapped_column(String(20), default="Non communiqué")
    statut: Mapped[str] = mapped_column(String(40), default="Non communiqué ou hétérogène")
    commune_insee: Mapped[str | None] = mapped_column(String(5), index=True)
    telephone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    consentement_at: Mapped[datetime | None]
    consentement_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    derniere_activite_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    efface: Mapped[bool] = mapped_column(Boolean, default=False)


class Diagnostic(Base):
    """A needs assessment, required before a Pass numérique chequebook is issued."""

    __tablename__ = "diagnostic"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiaire_id: Mapped[int] = mapped_column(ForeignKey("beneficiaire.id"), index=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id"))
    date: Mapped[date]
    equipement: Mapped[list[str]] = mapped_column(JSON, default=list)
    connexion_domicile: Mapped[bool | None]
    usages: Mapped[list[str]] = mapped_column(JSON, default=list)
    thematiques: Mapped[list[str]] = mapped_column(JSON, default=list)
    autonomie: Mapped[str | None] = mapped_column(String(60))
    aide_entourage: Mapped[bool | None]
    abc_diag_score: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
