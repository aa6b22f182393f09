"""Structures referenced to accept passes: services, bank details, active period, campaigns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, create_structure, require_anywhere
from core.errors import ConflictError, NotFoundError, ValidationError
from core.i18n import _
from core.models import Structure
from core.validation import validate_siret
from pass_numerique import journal as journal_pass
from pass_numerique.models import PassCampagne, PassStructure, PassStructureCampagne


def validate_iban(value: str) -> str:
    """An IBAN in canonical form (no spaces, upper case), checked with its ISO 13616 key."""
    iban = re.sub(r"\s", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        raise ValidationError(_("Cet IBAN n'a pas la forme attendue (FR76 …)."), field="iban")
    if iban.startswith("FR") and len(iban) != 27:
        raise ValidationError(_("Un IBAN français compte 27 caractères."), field="iban")
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    if int(digits) % 97 != 1:
        raise ValidationError(_("Cet IBAN n'est pas valide (clé de contrôle)."), field="iban")
    return iban


def format_iban(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


@dataclass
class ReferencementData:
    siret: str
    iban: str
    titulaire: str
    actif_du: date
    actif_au: date | None = None
    services: list[str] = field(default_factory=list)
    campagnes: list[int] = field(default_factory=list)
    bic: str | None = None
    lieu_id: str | None = None
    # Used only when no structure has this SIRET yet.
    nom: str = ""
    adresse: str = ""
    code_postal: str = ""
    commune_insee: str | None = None


def reference_structure(session: Session, actor: Actor, data: ReferencementData) -> PassStructure:
    """Reference a structure (created if its SIRET is new) for the given campaigns."""
    require_anywhere(actor, Permission.PASS_GERER)
    siret = validate_siret(data.siret)
    iban = validate_iban(data.iban)
    if not data.titulaire.strip():
        raise ValidationError(_("Le titulaire du compte est obligatoire."), field="titulaire")
    if data.actif_au is not None and data.actif_au < data.actif_du:
        raise ValidationError(_("La fin du référencement précède son début."), field="actif_au")
    if (
        data.bic is not None
        and data.bic
        and not re.fullmatch(r"[A-Z0-9]{8}([A-Z0-9]{3})?", data.bic)
    ):
        raise ValidationError(_("Ce BIC n'a pas la forme attendue."), field="bic")
    structure = session.scalar(select(Structure).where(Structure.siret == siret))
    if structure is None:
        structure = create_structure(
            session,
            actor,
            data.nom,
            siret=siret,
            adresse=data.adresse,
            code_postal=data.code_postal,
            commune_insee=data.commune_insee,
        )
    if session.scalar(select(PassStructure.id).where(PassStructure.structure_id == structure.id)):
        raise ConflictError(_("Cette structure est déjà référencée."))
    ref = PassStructure(
        structure_id=structure.id,
        services=[s.strip() for s in data.services if s.strip()],
        iban=iban,
        bic=data.bic or None,
        titulaire=data.titulaire.strip(),
        actif_du=data.actif_du,
        actif_au=data.actif_au,
        lieu_id=data.lieu_id or None,
    )
    session.add(ref)
    session.flush()
    set_campagnes(session, actor, ref.id, data.campagnes)
    journal_pass.structure_referencee(
        session, actor, ref.id, structure_id=structure.id, campagnes=data.campagnes
    )
    return ref


def set_campagnes(
    session: Session, actor: Actor, pass_structure_id: int, campagne_ids: list[int]
) -> None:
    require_anywhere(actor, Permission.PASS_GERER)
    for cid in campagne_ids:
        if session.get(PassCampagne, cid) is None:
            raise NotFoundError(_("Campagne introuvable (n° {id}).").format(id=cid))
    session.execute(
        delete(PassStructureCampagne).where(
            PassStructureCampagne.pass_structure_id == pass_structure_id
        )
    )
    session.add_all(
        PassStructureCampagne(pass_structure_id=pass_structure_id, campagne_id=cid)
        for cid in dict.fromkeys(campagne_ids)
    )
    session.flush()


def end_referencing(
    session: Session, actor: Actor, pass_structure_id: int, last_day: date
) -> PassStructure:
    require_anywhere(actor, Permission.PASS_GERER)
    ref = get_reference(session, pass_structure_id)
    ref.actif_au = last_day
    journal_pass.structure_fin(session, actor, ref.id, au=last_day.isoformat())
    return ref


def get_reference(session: Session, pass_structure_id: int) -> PassStructure:
    ref = session.get(PassStructure, pass_structure_id)
    if ref is None:
        raise NotFoundError(_("Structure référencée introuvable."))
    return ref


def reference_of_structure(session: Session, structure_id: int | None) -> PassStructure | None:
    if structure_id is None:
        return None
    return session.scalar(select(PassStructure).where(PassStructure.structure_id == structure_id))


def structure_by_siret(session: Session, siret: str) -> Structure:
    clean = re.sub(r"\s", "", siret)
    structure = session.scalar(select(Structure).where(Structure.siret == clean))
    if structure is None:
        raise NotFoundError(_("Aucune structure n'a le SIRET {siret}.").format(siret=clean))
    return structure


@dataclass(frozen=True)
class ReferencedRow:
    id: int
    structure_id: int
    nom: str
    siret: str | None
    adresse: str
    code_postal: str
    services: list[str]
    actif_du: date
    actif_au: date | None
    campagnes: list[int]


def list_referenced(
    session: Session, *, campagne_id: int | None = None, on: date | None = None
) -> list[ReferencedRow]:
    """Referenced structures (for a campaign and active on a day, when given), by name."""
    stmt = (
        select(PassStructure, Structure)
        .join(Structure, Structure.id == PassStructure.structure_id)
        .order_by(Structure.nom)
    )
    if on is not None:
        stmt = stmt.where(
            PassStructure.actif_du <= on,
            (PassStructure.actif_au.is_(None)) | (PassStructure.actif_au >= on),
        )
    links: dict[int, list[int]] = {}
    for psid, cid in session.execute(
        select(PassStructureCampagne.pass_structure_id, PassStructureCampagne.campagne_id)
    ):
        links.setdefault(psid, []).append(cid)
    rows = []
    for ref, structure in session.execute(stmt):
        campagnes = sorted(links.get(ref.id, []))
        if campagne_id is not None and campagne_id not in campagnes:
            continue
        rows.append(
            ReferencedRow(
                ref.id,
                structure.id,
                structure.nom,
                structure.siret,
                structure.adresse,
                structure.code_postal,
                list(ref.services),
                ref.actif_du,
                ref.actif_au,
                campagnes,
            )
        )
    return rows


def lieux_references(session: Session) -> set[str]:
    """Schema ids of the places where a referenced structure accepts passes: the map of places
    receives them as data (``lieux`` does not read this package)."""
    column = PassStructure.lieu_id
    return {str(v) for v in session.scalars(select(column).where(column.is_not(None)))}
