"""Models of the shared ground: agents and their roles, structures, territory, journal."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow


class Role(enum.StrEnum):
    ACCUEIL = "accueil"
    MEDIATEUR = "mediateur"
    AIDANT = "aidant"
    COORDINATEUR = "coordinateur"
    ADMINISTRATEUR = "administrateur"
    # Not a job but a right the administrator grants on its own: lists of people with their
    # names, phones and e-mails leave the application with it.
    EXPORT_NOMINATIF = "export_nominatif"


class Structure(Base):
    """A place of work of agents: médiathèque, France Services, a mediator's association…"""

    __tablename__ = "structure"

    id: Mapped[int] = mapped_column(primary_key=True)
    nom: Mapped[str] = mapped_column(String(200))
    siret: Mapped[str | None] = mapped_column(String(14), unique=True)
    adresse: Mapped[str] = mapped_column(String(300), default="")
    code_postal: Mapped[str] = mapped_column(String(5), default="")
    commune_insee: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Agent(Base):
    __tablename__ = "agent"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    roles: Mapped[list[AgentRole]] = relationship(
        back_populates="agent", cascade="all, delete-orphan", lazy="selectin"
    )


class AgentRole(Base):
    """A role held by an agent, in one structure or (``structure_id`` NULL) territory-wide."""

    __tablename__ = "agent_role"
    __table_args__ = (UniqueConstraint("agent_id", "role", "structure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            native_enum=False,
            length=20,
            validate_strings=True,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))

    agent: Mapped[Agent] = relationship(back_populates="roles")
    structure: Mapped[Structure | None] = relationship(lazy="joined")


class Territory(Base):
    """The territory this installation serves (one row): configuration, never code."""

    __tablename__ = "territory"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nom: Mapped[str] = mapped_column(String(200))
    siren: Mapped[str | None] = mapped_column(String(9))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TerritoryCommune(Base):
    __tablename__ = "territory_commune"

    code_insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    nom: Mapped[str] = mapped_column(String(200))
    population: Mapped[int | None]


class InstallationSetting(Base):
    """Settings shared by every desk of the installation (key → JSON value)."""

    __tablename__ = "installation_setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)


class AuditEntry(Base):
    """One line of the append-only journal. ``hash`` chains it to the previous line.

    ``details`` holds identifiers and codes, never personal data: the journal outlives erasure.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    entity_type: Mapped[str | None] = mapped_column(String(80))
    entity_id: Mapped[str | None] = mapped_column(String(80))
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The journal key that seals this line (HMAC); None for lines written before the journal
    # had a key, which are verified with the plain hash as before.
    cle_id: Mapped[str | None] = mapped_column(String(32))
