"""Places of digital mediation, one column per field of the national schema (v1.0.2).

Contract relied on by other domains: ``Lieu.identifiant`` is the schema's ``id`` (unique, stable
across re-imports); a referenced Pass numérique structure links to a place by storing it.
Multi-valued fields keep the schema's ``|``-joined form (in the correct spelling, see
``lieux.schema``), so an export is a plain copy and a filter is a ``LIKE``: a territory has
hundreds of places and the national file about twenty thousand, far below what needs link tables.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class Lieu(Base):
    __tablename__ = "lieu"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifiant: Mapped[str] = mapped_column(String(200), unique=True)  # schema field « id »
    pivot: Mapped[str] = mapped_column(String(14))
    nom: Mapped[str] = mapped_column(String(300), index=True)
    commune: Mapped[str] = mapped_column(String(200))
    code_postal: Mapped[str] = mapped_column(String(5))
    code_insee: Mapped[str | None] = mapped_column(String(5), index=True)
    adresse: Mapped[str] = mapped_column(String(300))
    complement_adresse: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    typologie: Mapped[str | None] = mapped_column(String(300))
    telephone: Mapped[str | None] = mapped_column(String(20))
    courriels: Mapped[str | None] = mapped_column(Text)
    site_web: Mapped[str | None] = mapped_column(Text)
    horaires: Mapped[str | None] = mapped_column(Text)
    presentation_resume: Mapped[str | None] = mapped_column(String(280))
    presentation_detail: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(200))
    itinerance: Mapped[str | None] = mapped_column(String(40))
    structure_parente: Mapped[str | None] = mapped_column(String(200))
    date_maj: Mapped[date]
    services: Mapped[str | None] = mapped_column(Text)
    publics_specifiquement_adresses: Mapped[str | None] = mapped_column(Text)
    prise_en_charge_specifique: Mapped[str | None] = mapped_column(Text)
    frais_a_charge: Mapped[str | None] = mapped_column(String(100))
    dispositif_programmes_nationaux: Mapped[str | None] = mapped_column(Text)
    formations_labels: Mapped[str | None] = mapped_column(Text)
    autres_formations_labels: Mapped[str | None] = mapped_column(Text)
    modalites_acces: Mapped[str | None] = mapped_column(Text)
    modalites_accompagnement: Mapped[str | None] = mapped_column(Text)
    fiche_acces_libre: Mapped[str | None] = mapped_column(Text)
    prise_rdv: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def schema_value(self, field: str) -> object:
        """The value of a schema field (the schema's ``id`` is ``identifiant`` here)."""
        return self.identifiant if field == "id" else getattr(self, field)

    def values_of(self, field: str) -> list[str]:
        """A multi-valued field as a list."""
        raw = self.schema_value(field)
        return [v for v in str(raw).split("|") if v] if raw else []

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None
