"""Models of the mediation case file: beneficiaries and needs assessments (diagnostics).

Contract relied on by other domains (pass_numerique, mandates, statistics): ``Beneficiaire``
(id, structure_id, anonyme, nom, prenom, annee_naissance, date_naissance, commune_insee,
created_at, efface, premier_accompagnement), ``Diagnostic`` (id, beneficiaire_id, date,
thematiques) and
``Accompagnement`` with its participants, thématiques and matériel link tables (link tables, not
JSON lists, so that statistics over a million accompaniments are plain indexed GROUP BYs).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class Beneficiaire(Base):
    __tablename__ = "beneficiaire"
    __table_args__ = (
        # Name order, then the columns the list filters on: a page deep in the sorted list is
        # found by walking the index alone, without reading the skipped rows (10× faster).
        Index("ix_beneficiaire_nom_cle", "nom_cle", "prenom_cle", "id", "structure_id", "efface"),
        Index(
            "ix_beneficiaire_prenom_cle", "prenom_cle", "nom_cle", "id", "structure_id", "efface"
        ),
        # Duplicate detection compares normalised phone and e-mail.
        Index("ix_beneficiaire_telephone", "telephone"),
        Index("ix_beneficiaire_email", "email"),
        # The statistics' people: every file in id order with its first accompaniment and its
        # profile key, read without touching the rows (``statistiques._personnes``).
        Index("ix_beneficiaire_stat", "id", "premier_accompagnement", "profil_stat"),
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
    # Used only when the birth year is unknown (anonymous people say their age band).
    tranche_age_declaree: Mapped[str | None] = mapped_column(String(30))
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
    # Date of the person's earliest accompaniment anywhere (None: never accompanied), kept exact
    # by every write that adds or moves a participation: « Nouveaux bénéficiaires » of a period
    # is then a range test on this index, as in the Coop, instead of a lookup per person.
    premier_accompagnement: Mapped[date | None] = mapped_column(index=True)
    efface: Mapped[bool] = mapped_column(Boolean, default=False)
    # The person's statistical profile (genre, statut, commune, birth year or declared band,
    # anonymous) as one integer, a row of ``stat_profil``: set by a database trigger on every
    # insert and every change of those columns (migration mediation_0004), whatever writes them.
    profil_stat: Mapped[int | None] = mapped_column(Integer)


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


class Accompagnement(Base):
    """One activity: « Accompagnement individuel » or « Atelier collectif »."""

    __tablename__ = "accompagnement"
    __table_args__ = (
        Index("ix_accompagnement_structure_date", "structure_id", "date"),
        Index("ix_accompagnement_date", "date"),
        CheckConstraint("duree_min > 0", name="duree_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    date: Mapped[date]
    duree_min: Mapped[int] = mapped_column(Integer)
    lieu_type: Mapped[str] = mapped_column(String(40))
    lieu_nom: Mapped[str | None] = mapped_column(String(200))
    sous_themes_admin: Mapped[list[str]] = mapped_column(JSON, default=list)
    demarche_nom: Mapped[str | None] = mapped_column(String(200))
    autonomie: Mapped[str | None] = mapped_column(String(60))
    oriente: Mapped[bool] = mapped_column(Boolean, default=False)
    orientation: Mapped[str | None] = mapped_column(String(200))
    atelier_titre: Mapped[str | None] = mapped_column(String(200))
    atelier_niveau: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccompagnementParticipant(Base):
    """A named (or individually recorded anonymous) beneficiary taking part in an activity."""

    __tablename__ = "accompagnement_participant"

    accompagnement_id: Mapped[int] = mapped_column(
        ForeignKey("accompagnement.id", ondelete="CASCADE"), primary_key=True
    )
    beneficiaire_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaire.id"), primary_key=True, index=True
    )


class ParticipantsAnonymes(Base):
    """Anonymous participants of an atelier, counted by genre, age band and statut."""

    __tablename__ = "participants_anonymes"
    __table_args__ = (CheckConstraint("nombre > 0", name="nombre_positif"),)

    accompagnement_id: Mapped[int] = mapped_column(
        ForeignKey("accompagnement.id", ondelete="CASCADE"), primary_key=True
    )
    genre: Mapped[str] = mapped_column(String(20), primary_key=True)
    tranche_age: Mapped[str] = mapped_column(String(30), primary_key=True)
    statut: Mapped[str] = mapped_column(String(40), primary_key=True)
    nombre: Mapped[int] = mapped_column(Integer)


class AccompagnementThematique(Base):
    __tablename__ = "accompagnement_thematique"

    accompagnement_id: Mapped[int] = mapped_column(
        ForeignKey("accompagnement.id", ondelete="CASCADE"), primary_key=True
    )
    thematique: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)


class AccompagnementMateriel(Base):
    __tablename__ = "accompagnement_materiel"

    accompagnement_id: Mapped[int] = mapped_column(
        ForeignKey("accompagnement.id", ondelete="CASCADE"), primary_key=True
    )
    materiel: Mapped[str] = mapped_column(String(40), primary_key=True)


class StatActiviteJour(Base):
    """Daily pre-aggregated counts of the activities, derived from the tables above and kept in
    the same transaction as each write that changes them (``mediation.agregats``).

    One row per day, structure, mediator, and counted value: ``dimension`` names what is
    counted (``activites``, ``duree_totale``, ``type``, ``lieu_type``, ``duree``, ``thematique``,
    ``sous_theme``, ``materiel``, ``nommes``, ``anonymes_genre``, ``anonymes_tranche``,
    ``anonymes_statut``), ``valeur`` the value ('' when there is none). A period's statistics
    sum a few hundred rows per day instead of reading every accompaniment and its link rows.
    No foreign keys: derived data, rebuilt from the source tables at will.
    """

    __tablename__ = "stat_activite_jour"
    __table_args__ = (
        Index("ix_stat_activite_jour_structure", "structure_id", "jour"),
        Index("ix_stat_activite_jour_agent", "agent_id", "jour"),
    )

    jour: Mapped[date] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    valeur: Mapped[str] = mapped_column(String(200), primary_key=True)
    nombre: Mapped[int] = mapped_column(Integer)


class StatActiviteMois(Base):
    """The same counts summed per calendar month (``mois``: its first day), derived from the
    daily rows of that month: a year's statistics read twelve months of rows, not 365 days."""

    __tablename__ = "stat_activite_mois"
    __table_args__ = (
        Index("ix_stat_activite_mois_structure", "structure_id", "mois"),
        Index("ix_stat_activite_mois_agent", "agent_id", "mois"),
    )

    mois: Mapped[date] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    valeur: Mapped[str] = mapped_column(String(200), primary_key=True)
    nombre: Mapped[int] = mapped_column(Integer)


class StatPresence(Base):
    """Who was accompanied on which day, where and by whom: the participations with their
    accompaniment's date, structure and mediator copied beside them (duplicates folded), so that
    « is this person in the period's activities » is one index seek, never a join through each
    participation to its accompaniment. Derived data, kept by ``mediation.agregats``; no
    foreign key (a merge rebuilds the rows of both people)."""

    __tablename__ = "stat_presence"
    __table_args__ = (
        Index("ix_stat_presence_jour", "jour", "structure_id", "agent_id", "beneficiaire_id"),
        {"sqlite_with_rowid": False},
    )

    beneficiaire_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    jour: Mapped[date] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    agent_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class StatProfil(Base):
    """Each distinct statistical profile of a person, numbered: what ``beneficiaire.profil_stat``
    points to. ``cle`` spells the profile's values unambiguously (each text prefixed by its
    length, ``-`` for none) so that a unique index finds a profile again. Written only by the
    trigger of ``beneficiaire`` (migration mediation_0004); a profile is never changed, a person
    whose profile changes points to another one."""

    __tablename__ = "stat_profil"

    id: Mapped[int] = mapped_column(primary_key=True)
    cle: Mapped[str] = mapped_column(String(400), unique=True)
    genre: Mapped[str | None] = mapped_column(String(20))
    statut: Mapped[str | None] = mapped_column(String(40))
    commune_insee: Mapped[str | None] = mapped_column(String(5))
    annee_naissance: Mapped[int | None] = mapped_column(Integer)
    tranche_age_declaree: Mapped[str | None] = mapped_column(String(30))
    anonyme: Mapped[bool] = mapped_column(Boolean)
