"""Reading mandates: their state, the structure's list and search, a person's mandates, the
reminder for an administrative accompaniment not covered by a mandate.

Only agents holding ``Permission.MANDAT_GERER`` (the aidant role) in a structure see that
structure's mandates; no one outside the structure sees them.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Executable,
    and_,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.db import utcnow
from core.errors import NotFoundError, PermissionDenied, ValidationError
from core.i18n import N_, _
from core.validation import fold
from mediation.mandats.models import (
    CATEGORIES_BY_KEY,
    CATEGORY_KEYS,
    Mandat,
    MandatCategorie,
    MandatRevocation,
)

EXPIRING_WITHIN = timedelta(days=30)


ACCOMPAGNEMENT_ADMINISTRATIF = "Aide aux démarches administratives"


# Administrative sub-themes of the activity reporting (DOMAIN.md) → mandate categories.
# « Associations » has no mandate category: no reminder is due for it.
SOUS_THEME_CATEGORIE: dict[str, str] = {
    "Papiers - Élections - Citoyenneté": "papiers",
    "Famille - Scolarité": "famille",
    "Social - Santé": "social",
    "Travail - Formation - Entreprise": "travail",
    "Logement": "logement",
    "Transports - Mobilité": "transports",
    "Argent - Impôts": "argent",
    "Justice": "justice",
    "Étrangers - Europe": "etranger",
    "Loisirs - Sports - Culture": "loisirs",
}


class Filtre(enum.StrEnum):
    TOUS = "tous"
    ACTIFS = "actifs"
    EXPIRANT = "expirant"  # active and ending within 30 days
    EXPIRES = "expires"
    REVOQUES = "revoques"


class Statut(enum.StrEnum):
    ACTIF = "actif"
    EXPIRE = "expire"
    REVOQUE = "revoque"


# N_-marked: translated when shown.
STATUT_TITRES = {
    Statut.ACTIF: N_("Actif"),
    Statut.EXPIRE: N_("Expiré"),
    Statut.REVOQUE: N_("Révoqué"),
}


@dataclass(frozen=True)
class MandatRow:
    id: int
    reference: str
    beneficiaire_id: int
    mandant: str
    categories: tuple[str, ...]  # categories still in force (not revoked)
    debut: datetime
    fin: datetime
    statut: Statut
    expire_bientot: bool
    duree_jours: int


def _structure_of(actor: Actor) -> int:
    if actor.structure_id is None:
        raise PermissionDenied(_("Choisissez d'abord la structure pour laquelle vous travaillez."))
    return actor.structure_id


def _visible_mandat(session: Session, actor: Actor, mandat_id: int) -> Mandat:
    mandat = session.get(Mandat, mandat_id)
    if mandat is None:
        raise NotFoundError(_("Mandat introuvable."))
    _require_mandat_structure(actor, mandat)
    return mandat


def _require_mandat_structure(actor: Actor, mandat: Mandat) -> None:
    if not actor.can(Permission.MANDAT_GERER, mandat.structure_id):
        raise PermissionDenied(
            _(
                "Ce mandat relève d'une autre structure : seuls les aidants de cette structure "
                "peuvent le consulter."
            )
        )


def _in_force(now: datetime) -> ColumnElement[bool]:
    return and_(Mandat.revoque_at.is_(None), Mandat.debut <= now, Mandat.fin > now)


def _statut(mandat: Mandat, now: datetime) -> Statut:
    if mandat.revoque_at is not None:
        return Statut.REVOQUE
    if mandat.fin <= now:
        return Statut.EXPIRE
    return Statut.ACTIF


def statut(mandat: Mandat, now: datetime | None = None) -> Statut:
    return _statut(mandat, now or utcnow())


def categories_en_vigueur(mandat: Mandat) -> list[str]:
    return [c.categorie for c in mandat.categories if c.revoquee_at is None]


def categorie_titre(key: str) -> str:
    return CATEGORIES_BY_KEY[key].titre


# As the legal text prints them (the days are how the end date is computed).
_DUREES_TITRES = {1: N_("1 jour"), 31: N_("1 mois"), 182: N_("6 mois"), 365: N_("12 mois")}


def duree_titre(jours: int) -> str:
    titre = _DUREES_TITRES.get(jours)
    return _(titre) if titre else _("{n} jours").format(n=jours)


def _checked_categories(categories: Sequence[str], *, allow_empty: bool = False) -> list[str]:
    unknown = [c for c in categories if c not in CATEGORIES_BY_KEY]
    if unknown:
        raise ValidationError(
            _("Catégorie de démarches inconnue : « {key} ».").format(key=unknown[0]),
            field="categories",
        )
    keys = [k for k in CATEGORY_KEYS if k in set(categories)]
    if not keys and not allow_empty:
        raise ValidationError(
            _("Choisissez au moins une catégorie de démarches."), field="categories"
        )
    return keys


def get_mandat(session: Session, actor: Actor, mandat_id: int) -> Mandat:
    return _visible_mandat(session, actor, mandat_id)


def get_revocation(session: Session, actor: Actor, revocation_id: int) -> MandatRevocation:
    revocation = session.get(MandatRevocation, revocation_id)
    if revocation is None:
        raise NotFoundError(_("Révocation introuvable."))
    _visible_mandat(session, actor, revocation.mandat_id)
    return revocation


def revocations_of(session: Session, actor: Actor, mandat_id: int) -> list[MandatRevocation]:
    _visible_mandat(session, actor, mandat_id)
    return list(
        session.scalars(
            select(MandatRevocation)
            .where(MandatRevocation.mandat_id == mandat_id)
            .order_by(MandatRevocation.at, MandatRevocation.id)
        )
    )


def _list_conditions(
    structure_id: int, filtre: Filtre, recherche: str | None, now: datetime
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Mandat.structure_id == structure_id]
    if filtre is Filtre.ACTIFS:
        conditions.append(_in_force(now))
    elif filtre is Filtre.EXPIRANT:
        conditions += [_in_force(now), Mandat.fin <= now + EXPIRING_WITHIN]
    elif filtre is Filtre.EXPIRES:
        conditions += [Mandat.revoque_at.is_(None), Mandat.fin <= now]
    elif filtre is Filtre.REVOQUES:
        conditions.append(Mandat.revoque_at.is_not(None))
    text = fold(recherche or "")
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(
            or_(
                Mandat.mandant_cle.like(f"%{escaped}%", escape="\\"),
                Mandat.reference == (recherche or "").strip().upper(),
            )
        )
    return conditions


def count_mandats(
    session: Session,
    actor: Actor,
    filtre: Filtre = Filtre.TOUS,
    recherche: str | None = None,
    *,
    now: datetime | None = None,
) -> int:
    structure_id = _structure_of(actor)
    require(actor, Permission.MANDAT_GERER, structure_id)
    conditions = _list_conditions(structure_id, filtre, recherche, now or utcnow())
    return int(session.scalar(select(func.count(Mandat.id)).where(*conditions)) or 0)


def list_mandats(
    session: Session,
    actor: Actor,
    filtre: Filtre = Filtre.TOUS,
    recherche: str | None = None,
    *,
    limit: int | None = 200,
    offset: int = 0,
    now: datetime | None = None,
) -> list[MandatRow]:
    """The structure's mandates, soonest end first for those in force, newest first otherwise."""
    structure_id = _structure_of(actor)
    require(actor, Permission.MANDAT_GERER, structure_id)
    at = now or utcnow()
    conditions = _list_conditions(structure_id, filtre, recherche, at)
    order = (
        (Mandat.fin, Mandat.id)
        if filtre in (Filtre.ACTIFS, Filtre.EXPIRANT)
        else (Mandat.debut.desc(), Mandat.id.desc())
    )
    query = select(*_ROW_COLUMNS).where(*conditions).order_by(*order).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return _rows(session, query, at)


# Lists read plain columns, and the categories in force in one query per chunk of ids: building
# ORM objects for thousands of rows would cost a hundred times more than the SQL itself.
_ROW_COLUMNS = (
    Mandat.id,
    Mandat.reference,
    Mandat.beneficiaire_id,
    Mandat.mandant_prenom,
    Mandat.mandant_nom,
    Mandat.debut,
    Mandat.fin,
    Mandat.revoque_at,
    Mandat.duree_jours,
)


_IDS_PER_QUERY = 900


def _rows(session: Session, query: Executable, now: datetime) -> list[MandatRow]:
    raw = session.execute(query).all()
    ids = [r.id for r in raw]
    in_force: dict[int, list[str]] = {}
    for chunk in range(0, len(ids), _IDS_PER_QUERY):
        lines = session.execute(
            select(MandatCategorie.mandat_id, MandatCategorie.categorie)
            .where(
                MandatCategorie.mandat_id.in_(ids[chunk : chunk + _IDS_PER_QUERY]),
                MandatCategorie.revoquee_at.is_(None),
            )
            .order_by(MandatCategorie.mandat_id, MandatCategorie.rang)
        )
        for mandat_id, categorie in lines:
            in_force.setdefault(mandat_id, []).append(categorie)
    rows = []
    for r in raw:
        if r.revoque_at is not None:
            state = Statut.REVOQUE
        elif r.fin <= now:
            state = Statut.EXPIRE
        else:
            state = Statut.ACTIF
        rows.append(
            MandatRow(
                id=r.id,
                reference=r.reference,
                beneficiaire_id=r.beneficiaire_id,
                mandant=" ".join(p for p in (r.mandant_prenom, r.mandant_nom) if p),
                categories=tuple(in_force.get(r.id, ())),
                debut=r.debut,
                fin=r.fin,
                statut=state,
                expire_bientot=state is Statut.ACTIF and r.fin <= now + EXPIRING_WITHIN,
                duree_jours=r.duree_jours,
            )
        )
    return rows


def expiring_mandats(
    session: Session, actor: Actor, *, now: datetime | None = None
) -> list[MandatRow]:
    """Mandates in force that end within 30 days, soonest first."""
    return list_mandats(session, actor, Filtre.EXPIRANT, limit=None, now=now)


def mandats_of_person(
    session: Session, actor: Actor, beneficiaire_id: int, *, now: datetime | None = None
) -> list[MandatRow]:
    structure_id = _structure_of(actor)
    require(actor, Permission.MANDAT_GERER, structure_id)
    at = now or utcnow()
    query = (
        select(*_ROW_COLUMNS)
        .where(Mandat.structure_id == structure_id, Mandat.beneficiaire_id == beneficiaire_id)
        .order_by(Mandat.debut.desc())
    )
    return _rows(session, query, at)


def mandate_reminder(
    session: Session, actor: Actor, beneficiaire_id: int, sous_themes: list[str]
) -> str | None:
    """A reminder in French when an administrative accompaniment of these sub-themes is not
    covered by a mandate in force for this person at the actor's structure; otherwise None.
    """
    needed = [SOUS_THEME_CATEGORIE[s] for s in sous_themes if s in SOUS_THEME_CATEGORIE]
    if not needed:
        return None
    structure_id = actor.structure_id
    covered: set[str] = set()
    if structure_id is not None:
        now = utcnow()
        covered = set(
            session.scalars(
                select(MandatCategorie.categorie)
                .join(Mandat, Mandat.id == MandatCategorie.mandat_id)
                .where(
                    Mandat.structure_id == structure_id,
                    Mandat.beneficiaire_id == beneficiaire_id,
                    MandatCategorie.revoquee_at.is_(None),
                    _in_force(now),
                )
            )
        )
    missing = [k for k in dict.fromkeys(needed) if k not in covered]
    if not missing:
        return None
    titres = ", ".join(f"« {categorie_titre(k)} »" for k in missing)
    return _(
        "Aucun mandat en cours ne couvre {categories} pour cette personne dans votre "
        "structure. Si vous saisissez ses identifiants ou ses données à sa place, un mandat est "
        "nécessaire (page Mandats) : sans lui, vous risquez une usurpation d'identité."
    ).format(categories=titres)
