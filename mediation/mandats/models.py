"""Models of mandates (Aidants Connect style): the authorisation a person (the mandant) gives a
structure (the mandataire) to carry out named online procedures on their behalf.

The mandate keeps a snapshot of what was printed (the mandant's identity, the structure's name and
address, the place): the paper is what counts in law, and a mandate must reprint exactly as it was
signed even after the beneficiary's file or the structure changes. Each category is its own
authorisation with its own revocation. Nothing is ever deleted before the retention period ends.

Once the mandate has ended and the person asks for erasure, the identity (name, birth date and
place, specific actions written in free text) is removed: what remains proves that a mandate
existed (reference, structure, categories, dates, template version, integrity code, pseudonym);
``mandant_efface_at`` says when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow


@dataclass(frozen=True)
class Categorie:
    key: str
    titre: str
    couvre: str


# National labels (DOMAIN.md, « Mandates »): data kept verbatim, not translated.
CATEGORIES: tuple[Categorie, ...] = (
    Categorie(
        "papiers",
        "Papiers - Citoyenneté - Élections",
        "état civil, passeport, élections, carte d'identité",
    ),
    Categorie(
        "famille",
        "Famille - Scolarité",
        "allocations familiales, naissance, mariage, Pacs, scolarité",
    ),
    Categorie("social", "Social - Santé", "carte vitale, chômage, handicap, RSA, personnes âgées"),
    Categorie(
        "travail", "Travail - Formation", "CDD, concours, retraite, démission, période d'essai"
    ),
    Categorie(
        "logement",
        "Logement",
        "allocations logement, permis de construire, logement social, fin de bail",
    ),
    Categorie(
        "transports",
        "Transports - Mobilité",
        "carte grise, permis de conduire, contrôle technique, infractions",
    ),
    Categorie(
        "argent",
        "Argent - Impôts - Consommation",
        "impôts, crédit, consommation, assurance, surendettement",
    ),
    Categorie("justice", "Justice", "casier judiciaire, plainte, aide juridictionnelle"),
    Categorie(
        "etranger",
        "Étranger - Europe",
        "titres de séjour, attestation d'accueil, regroupement familial",
    ),
    Categorie(
        "loisirs",
        "Loisirs - Sport - Culture",
        "animaux, permis bateau, tourisme, permis de chasser",
    ),
)
CATEGORIES_BY_KEY: dict[str, Categorie] = {c.key: c for c in CATEGORIES}
CATEGORY_KEYS: tuple[str, ...] = tuple(c.key for c in CATEGORIES)
DUREES_JOURS: tuple[int, ...] = (1, 31, 182, 365)

_KEYS_SQL = ", ".join(f"'{k}'" for k in CATEGORY_KEYS)
_DUREES_SQL = ", ".join(str(d) for d in DUREES_JOURS)


class Mandat(Base):
    """One signed mandate. ``revoque_at`` is set once every category is revoked."""

    __tablename__ = "mandat"
    __table_args__ = (
        CheckConstraint(f"duree_jours IN ({_DUREES_SQL})", name="duree_autorisee"),
        CheckConstraint("fin > debut", name="fin_apres_debut"),
        # The lists (active, expiring, expired) are range scans on the end date per structure.
        Index("ix_mandat_structure_fin", "structure_id", "fin"),
        Index("ix_mandat_structure_beneficiaire", "structure_id", "beneficiaire_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id"))
    beneficiaire_id: Mapped[int] = mapped_column(ForeignKey("beneficiaire.id"), index=True)
    # What was printed about the mandant.
    mandant_nom: Mapped[str] = mapped_column(String(120))
    mandant_prenom: Mapped[str] = mapped_column(String(120))
    # None once the mandant's identity is erased (``mandant_efface_at``).
    mandant_date_naissance: Mapped[date | None]
    mandant_lieu_naissance: Mapped[str] = mapped_column(String(200))
    # Folded « prénom nom » for search (lower case, no accents).
    mandant_cle: Mapped[str] = mapped_column(String(250))
    # What was printed about the mandataire.
    mandataire_nom: Mapped[str] = mapped_column(String(200))
    mandataire_adresse: Mapped[str] = mapped_column(String(320))
    lieu_signature: Mapped[str] = mapped_column(String(200))
    actions_specifiques: Mapped[str] = mapped_column(Text, default="")
    duree_jours: Mapped[int] = mapped_column(Integer)
    debut: Mapped[datetime]
    fin: Mapped[datetime]
    template_version: Mapped[str] = mapped_column(String(20))
    integrity_code: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("agent.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Indexed, as the two below: deleting a mandate past retention checks that nothing names it.
    renouvelle_id: Mapped[int | None] = mapped_column(ForeignKey("mandat.id"), index=True)
    revoque_at: Mapped[datetime | None]
    mandant_efface_at: Mapped[datetime | None]

    categories: Mapped[list[MandatCategorie]] = relationship(
        back_populates="mandat",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="MandatCategorie.rang",
    )


class MandatCategorie(Base):
    """One category authorised by a mandate: an authorisation that can be revoked alone.

    ``courante`` marks the latest authorisation of a person for a category at a structure; it
    is cleared when the line is revoked or superseded by a newer mandate. The partial unique
    index makes the database refuse a second current line, so two desks recording a mandate for
    the same person and category at the same moment cannot both succeed. ``structure_id`` and
    ``beneficiaire_id`` repeat the mandate's so that the index can name them.
    """

    __tablename__ = "mandat_categorie"
    __table_args__ = (
        CheckConstraint(f"categorie IN ({_KEYS_SQL})", name="categorie_connue"),
        Index(
            "uq_mandat_categorie_courante",
            "structure_id",
            "beneficiaire_id",
            "categorie",
            unique=True,
            sqlite_where=text("courante"),
            postgresql_where=text("courante"),
        ),
    )

    mandat_id: Mapped[int] = mapped_column(
        ForeignKey("mandat.id", ondelete="CASCADE"), primary_key=True
    )
    categorie: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
    rang: Mapped[int] = mapped_column(Integer)  # printing order
    revoquee_at: Mapped[datetime | None]
    revocation_id: Mapped[int | None] = mapped_column(
        ForeignKey("mandat_revocation.id"), index=True
    )
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id"))
    beneficiaire_id: Mapped[int] = mapped_column(ForeignKey("beneficiaire.id"))
    courante: Mapped[bool] = mapped_column(Boolean, default=False)

    mandat: Mapped[Mandat] = relationship(back_populates="categories")


class MandatRevocation(Base):
    """A revocation: of the whole mandate (``categorie`` NULL) or of one category.

    ``motif`` is « demande » (the mandant asked) or « remplacement » (a newer mandate of the same
    person and structure covers the category; ``remplace_par_id`` names it while that newer
    mandate is kept).
    """

    __tablename__ = "mandat_revocation"
    __table_args__ = (CheckConstraint("motif IN ('demande', 'remplacement')", name="motif_connu"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mandat_id: Mapped[int] = mapped_column(ForeignKey("mandat.id"), index=True)
    categorie: Mapped[str | None] = mapped_column(String(20))
    motif: Mapped[str] = mapped_column(String(20))
    remplace_par_id: Mapped[int | None] = mapped_column(ForeignKey("mandat.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id"))


class StructureCategorieMandat(Base):
    """Categories a structure is limited to; a structure with no row may use all ten."""

    __tablename__ = "structure_categorie_mandat"
    __table_args__ = (CheckConstraint(f"categorie IN ({_KEYS_SQL})", name="categorie_connue"),)

    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id"), primary_key=True)
    categorie: Mapped[str] = mapped_column(String(20), primary_key=True)
