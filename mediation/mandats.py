"""Use cases of mandates: create, list, search, renew, revoke, print, verify, remind.

Only agents holding ``Permission.MANDAT_GERER`` (the aidant role) in a structure create, renew,
revoke, print or see that structure's mandates; no one outside the structure sees them. Every
create, print, renew and revoke writes one journal entry (ids and codes only).
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    ColumnElement,
    Executable,
    SQLColumnExpression,
    and_,
    func,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require, require_anywhere
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from core.i18n import N_, _, format_date, to_local
from core.installation import get_setting
from core.models import Structure, TerritoryCommune
from core.validation import fold
from mediation import journal as journal_mediation
from mediation import mandat_templates
from mediation.beneficiaires import get_beneficiaire
from mediation.mandat_integrity import integrity_code, parse_qr, qr_content
from mediation.mandat_models import (
    CATEGORIES_BY_KEY,
    CATEGORY_KEYS,
    DUREES_JOURS,
    Mandat,
    MandatCategorie,
    MandatRevocation,
    StructureCategorieMandat,
)
from mediation.models import Beneficiaire

if TYPE_CHECKING:
    from mediation.mandat_pdf import Marks

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

_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


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
class MandantIdentity:
    """The mandant as the paper names them."""

    nom: str
    prenom: str
    date_naissance: date
    lieu_naissance: str


@dataclass(frozen=True)
class IdentityDraft:
    """What the beneficiary's file already knows, to prefill the identity step."""

    beneficiaire_id: int
    nom: str
    prenom: str
    date_naissance: date | None
    lieu_naissance: str


@dataclass(frozen=True)
class Replacement:
    """An older authorisation that a new mandate would revoke."""

    mandat_id: int
    reference: str
    categorie: str
    fin: datetime


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


@dataclass(frozen=True)
class Verification:
    """``conforme``: the paper matches the record; ``en_vigueur``: and it still authorises."""

    conforme: bool
    message: str
    reference: str
    mandat_id: int | None = None
    statut: Statut | None = None

    @property
    def en_vigueur(self) -> bool:
        return self.conforme and self.statut is Statut.ACTIF


# --- helpers ----------------------------------------------------------------------------------


def _structure_of(actor: Actor) -> int:
    if actor.structure_id is None:
        raise PermissionDenied(_("Choisissez d'abord la structure pour laquelle vous travaillez."))
    return actor.structure_id


def _new_reference(session: Session) -> str:
    while True:
        chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _i in range(12))
        reference = f"MDT-{chars[:4]}-{chars[4:8]}-{chars[8:]}"
        if session.scalar(select(Mandat.id).where(Mandat.reference == reference)) is None:
            return reference


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


def _beneficiaire(session: Session, actor: Actor, beneficiaire_id: int) -> Beneficiaire:
    # The mediation rule of who sees whose file applies (NotFoundError / PermissionDenied).
    person = get_beneficiaire(session, actor, beneficiaire_id)
    if person.anonyme or not (person.nom and person.prenom):
        raise ValidationError(
            _("Un mandat se donne par une personne nommée, pas par un bénéficiaire anonyme."),
            field="beneficiaire",
        )
    return person


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


# --- structure settings -----------------------------------------------------------------------


def allowed_categories(session: Session, structure_id: int) -> tuple[str, ...]:
    """The categories a structure may use (all ten unless it is limited)."""
    rows = set(
        session.scalars(
            select(StructureCategorieMandat.categorie).where(
                StructureCategorieMandat.structure_id == structure_id
            )
        )
    )
    return tuple(k for k in CATEGORY_KEYS if k in rows) if rows else CATEGORY_KEYS


def limit_structure_categories(
    session: Session, actor: Actor, structure_id: int, categories: Sequence[str]
) -> None:
    """Limit a structure to some categories; an empty list lifts the limit."""
    require_anywhere(actor, Permission.ADMINISTRER)
    if session.get(Structure, structure_id) is None:
        raise NotFoundError(_("Structure inconnue."))
    keys = _checked_categories(categories, allow_empty=True)
    for row in session.scalars(
        select(StructureCategorieMandat).where(
            StructureCategorieMandat.structure_id == structure_id
        )
    ):
        session.delete(row)
    session.flush()
    for key in keys:
        session.add(StructureCategorieMandat(structure_id=structure_id, categorie=key))
    session.flush()
    journal_mediation.mandat_categories_structure(
        session, actor, structure_id, categories=list(keys)
    )


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


# --- creation and renewal -----------------------------------------------------------------------


def identity_draft(session: Session, actor: Actor, beneficiaire_id: int) -> IdentityDraft:
    """The identity step prefilled from the beneficiary's file (or their latest mandate)."""
    structure_id = _structure_of(actor)
    require(actor, Permission.MANDAT_GERER, structure_id)
    person = _beneficiaire(session, actor, beneficiaire_id)
    latest = session.scalar(
        select(Mandat)
        .where(Mandat.beneficiaire_id == person.id, Mandat.structure_id == structure_id)
        .order_by(Mandat.debut.desc())
        .limit(1)
    )
    return IdentityDraft(
        beneficiaire_id=person.id,
        nom=person.nom or (latest.mandant_nom if latest else ""),
        prenom=person.prenom or (latest.mandant_prenom if latest else ""),
        date_naissance=person.date_naissance or (latest.mandant_date_naissance if latest else None),
        lieu_naissance=latest.mandant_lieu_naissance if latest else "",
    )


def preview_replacements(
    session: Session,
    actor: Actor,
    beneficiaire_id: int,
    categories: Sequence[str],
    *,
    now: datetime | None = None,
) -> list[Replacement]:
    """The older authorisations a new mandate for these categories would revoke."""
    structure_id = _structure_of(actor)
    require(actor, Permission.MANDAT_GERER, structure_id)
    return _replacements(session, structure_id, beneficiaire_id, categories, now or utcnow())


def _replacements(
    session: Session,
    structure_id: int,
    beneficiaire_id: int,
    categories: Sequence[str],
    now: datetime,
) -> list[Replacement]:
    if not categories:
        return []
    rows = session.execute(
        select(Mandat.id, Mandat.reference, MandatCategorie.categorie, Mandat.fin)
        .join(MandatCategorie, MandatCategorie.mandat_id == Mandat.id)
        .where(
            Mandat.structure_id == structure_id,
            Mandat.beneficiaire_id == beneficiaire_id,
            MandatCategorie.categorie.in_(list(categories)),
            MandatCategorie.revoquee_at.is_(None),
            Mandat.revoque_at.is_(None),
            Mandat.fin > now,
        )
        .order_by(Mandat.debut, MandatCategorie.rang)
    )
    return [Replacement(r[0], r[1], r[2], r[3]) for r in rows]


def _default_place(session: Session, structure: Structure) -> str:
    if structure.commune_insee:
        commune = session.get(TerritoryCommune, structure.commune_insee)
        if commune is not None:
            return commune.nom
        from core.territory import cog

        found = cog().get(structure.commune_insee)
        if found is not None:
            return found.nom
    return structure.code_postal or structure.nom


def _checked_identity(identite: MandantIdentity, today: date) -> MandantIdentity:
    nom, prenom, lieu = (
        identite.nom.strip(),
        identite.prenom.strip(),
        identite.lieu_naissance.strip(),
    )
    if not nom or not prenom:
        raise ValidationError(_("Le nom et le prénom du mandant sont obligatoires."), field="nom")
    if not lieu:
        raise ValidationError(
            _("Le lieu de naissance du mandant est obligatoire sur le mandat."),
            field="lieu_naissance",
        )
    if identite.date_naissance >= today or identite.date_naissance.year < 1900:
        raise ValidationError(
            _("La date de naissance du mandant n'est pas plausible."), field="date_naissance"
        )
    age = today.year - identite.date_naissance.year
    if (today.month, today.day) < (identite.date_naissance.month, identite.date_naissance.day):
        age -= 1
    if age < 18:
        raise ValidationError(
            _("Le mandant doit être majeur : un mineur ne peut pas donner ce mandat."),
            field="date_naissance",
        )
    return MandantIdentity(nom, prenom, identite.date_naissance, lieu)


def _require_same_birth(person: Beneficiaire, identity: MandantIdentity) -> None:
    """The paper's birth date must not contradict the file: a wrong file (or a wrong person at
    the desk) is caught before a minor or a stranger signs a mandate under someone's name."""
    born = identity.date_naissance
    if person.date_naissance is not None and person.date_naissance != born:
        raise ValidationError(
            _(
                "La date de naissance saisie ({saisie}) ne correspond pas à celle du dossier "
                "({dossier}). Vérifiez la pièce d'identité, puis corrigez le dossier ou la saisie."
            ).format(saisie=format_date(born), dossier=format_date(person.date_naissance)),
            field="date_naissance",
        )
    if person.annee_naissance is not None and person.annee_naissance != born.year:
        raise ValidationError(
            _(
                "La date de naissance saisie ({saisie}) contredit l'année de naissance du "
                "dossier ({annee}). Vérifiez la pièce d'identité, puis corrigez le dossier ou la "
                "saisie."
            ).format(saisie=format_date(born), annee=person.annee_naissance),
            field="date_naissance",
        )


def create_mandat(
    session: Session,
    actor: Actor,
    beneficiaire_id: int,
    *,
    categories: Sequence[str],
    duree_jours: int,
    identite: MandantIdentity,
    mentions_lues: bool,
    hors_mesure_protection: bool,
    actions_specifiques: str = "",
    lieu: str | None = None,
    now: datetime | None = None,
) -> Mandat:
    """Record a mandate for the actor's structure.

    ``mentions_lues``: the aidant read the mentions aloud to the person; ``hors_mesure_protection``:
    the person declared not being under tutelle, curatelle or sauvegarde de justice. Both are
    required. Older authorisations of the same person and structure for the chosen categories
    are revoked (``preview_replacements`` tells which, before). ``now`` is for demonstration data
    and tests.
    """
    mandat = _create(
        session,
        actor,
        beneficiaire_id,
        categories=categories,
        duree_jours=duree_jours,
        identite=identite,
        mentions_lues=mentions_lues,
        hors_mesure_protection=hors_mesure_protection,
        actions_specifiques=actions_specifiques,
        lieu=lieu,
        now=now,
        renouvelle=None,
    )
    return mandat


def renew_mandat(
    session: Session,
    actor: Actor,
    mandat_id: int,
    *,
    mentions_lues: bool,
    hors_mesure_protection: bool,
    duree_jours: int | None = None,
    categories: Sequence[str] | None = None,
    actions_specifiques: str | None = None,
    now: datetime | None = None,
) -> Mandat:
    """A new mandate reusing the known identity; by default the same categories and duration.

    A renewal is a new mandate in law: the mentions are read again and the person declares again
    that no protection measure applies.
    """
    old = _visible_mandat(session, actor, mandat_id)
    require(actor, Permission.MANDAT_GERER, old.structure_id)
    if old.mandant_date_naissance is None:
        raise ConflictError(
            _("L'identité de ce mandant a été effacée : ce mandat ne peut pas être renouvelé.")
        )
    if old.structure_id != actor.structure_id:
        actor = actor.with_structure(old.structure_id)
    kept = categories
    if kept is None:
        kept = categories_en_vigueur(old) or [c.categorie for c in old.categories]
    return _create(
        session,
        actor,
        old.beneficiaire_id,
        categories=kept,
        duree_jours=duree_jours or old.duree_jours,
        identite=MandantIdentity(
            old.mandant_nom,
            old.mandant_prenom,
            old.mandant_date_naissance,
            old.mandant_lieu_naissance,
        ),
        mentions_lues=mentions_lues,
        hors_mesure_protection=hors_mesure_protection,
        actions_specifiques=old.actions_specifiques
        if actions_specifiques is None
        else actions_specifiques,
        lieu=None,
        now=now,
        renouvelle=old,
    )


def _create(
    session: Session,
    actor: Actor,
    beneficiaire_id: int,
    *,
    categories: Sequence[str],
    duree_jours: int,
    identite: MandantIdentity,
    mentions_lues: bool,
    hors_mesure_protection: bool,
    actions_specifiques: str,
    lieu: str | None,
    now: datetime | None,
    renouvelle: Mandat | None,
) -> Mandat:
    structure_id = _structure_of(actor)
    require(actor, Permission.MANDAT_GERER, structure_id)
    if not mentions_lues:
        raise ValidationError(
            _(
                "Lisez d'abord les mentions du mandat à la personne, puis cochez la case qui "
                "le confirme."
            ),
            field="mentions_lues",
        )
    if not hors_mesure_protection:
        raise ValidationError(
            _(
                "Une personne sous tutelle, curatelle ou sauvegarde de justice ne peut pas "
                "donner ce mandat seule : cochez la case seulement si elle déclare n'être "
                "soumise à aucune de ces mesures."
            ),
            field="hors_mesure_protection",
        )
    if duree_jours not in DUREES_JOURS:
        raise ValidationError(
            _("Durée non prévue : choisissez 1, 31, 182 ou 365 jours."), field="duree_jours"
        )
    keys = _checked_categories(categories)
    allowed = allowed_categories(session, structure_id)
    refused = [k for k in keys if k not in allowed]
    if refused:
        raise ValidationError(
            _("Votre structure n'est pas habilitée pour la catégorie « {titre} ».").format(
                titre=categorie_titre(refused[0])
            ),
            field="categories",
        )
    actions = actions_specifiques.strip()
    if len(actions) > 2000:
        raise ValidationError(
            _("Les actions spécifiques tiennent en 2 000 caractères au plus."), field="actions"
        )
    start = (now or utcnow()).replace(microsecond=0)
    person = _beneficiaire(session, actor, beneficiaire_id)
    identity = _checked_identity(identite, to_local(start).date())
    _require_same_birth(person, identity)
    structure = session.get(Structure, structure_id)
    if structure is None:
        raise NotFoundError(_("Structure inconnue."))
    place = (lieu or "").strip() or _default_place(session, structure)
    replaced = _replacements(session, structure_id, person.id, keys, start)

    adresse = ", ".join(
        p for p in (structure.adresse.strip(), structure.code_postal.strip(), place) if p
    )
    mandat = Mandat(
        reference=_new_reference(session),
        structure_id=structure_id,
        beneficiaire_id=person.id,
        mandant_nom=identity.nom,
        mandant_prenom=identity.prenom,
        mandant_date_naissance=identity.date_naissance,
        mandant_lieu_naissance=identity.lieu_naissance,
        mandant_cle=fold(f"{identity.prenom} {identity.nom}"),
        mandataire_nom=structure.nom,
        mandataire_adresse=adresse,
        lieu_signature=place,
        actions_specifiques=actions,
        duree_jours=duree_jours,
        debut=start,
        fin=start + timedelta(days=duree_jours),
        template_version=mandat_templates.current_version(to_local(start).date()),
        integrity_code="",
        created_by_id=actor.agent_id,
        created_at=start,
        renouvelle_id=renouvelle.id if renouvelle else None,
        categories=[
            MandatCategorie(
                categorie=k, rang=i, structure_id=structure_id, beneficiaire_id=person.id
            )
            for i, k in enumerate(keys)
        ],
    )
    session.add(mandat)
    session.flush()
    mandat.integrity_code = integrity_code(mandat)
    for old in replaced:
        _revoke(session, actor, old.mandat_id, old.categorie, "remplacement", mandat.id, start)
    _become_current(session, mandat)
    journal_mediation.mandat_creation(
        session,
        actor,
        mandat.id,
        reference=mandat.reference,
        categories=keys,
        duree_jours=duree_jours,
        modele=mandat.template_version,
        remplace=[[r.reference, r.categorie] for r in replaced],
        renouvelle=renouvelle.reference if renouvelle else None,
    )
    return mandat


def _become_current(session: Session, mandat: Mandat) -> None:
    """Make the new mandate's lines the current authorisations of their categories.

    Older lines (replaced ones are already revoked; expired ones are not) stop being current
    first. If another desk made its own mandate current meanwhile, the partial unique index
    refuses this one: the database, not this check, keeps one authorisation per category.
    """
    keys = [line.categorie for line in mandat.categories]
    # Only lines of mandates that have ended: a line still in force that the replacement step
    # did not revoke belongs to a mandate another desk has just recorded, and must win.
    ended = select(Mandat.id).where(Mandat.fin <= mandat.debut)
    session.execute(
        update(MandatCategorie)
        .where(
            MandatCategorie.structure_id == mandat.structure_id,
            MandatCategorie.beneficiaire_id == mandat.beneficiaire_id,
            MandatCategorie.categorie.in_(keys),
            MandatCategorie.courante.is_(True),
            MandatCategorie.mandat_id.in_(ended),
        )
        .values(courante=False)
        .execution_options(synchronize_session=False)
    )
    for line in mandat.categories:
        line.courante = True
    try:
        session.flush()
    except IntegrityError as exc:
        if not _is_unique_violation(exc):
            raise
        raise ConflictError(
            _(
                "Un autre guichet vient d'enregistrer un mandat pour cette personne et l'une "
                "de ces catégories. Actualisez la liste des mandats et vérifiez avant de "
                "recommencer."
            )
        ) from None


def yield_current_lines_before_merge(session: Session, from_id: int, to_id: int) -> None:
    """Before a merge moves ``from_id``'s mandates to ``to_id``: where both people hold a
    current authorisation for the same structure and category, the kept person's stays the
    current one (the unique index would otherwise refuse the merge)."""
    kept = select(MandatCategorie.structure_id, MandatCategorie.categorie).where(
        MandatCategorie.beneficiaire_id == to_id, MandatCategorie.courante.is_(True)
    )
    session.execute(
        update(MandatCategorie)
        .where(
            MandatCategorie.beneficiaire_id == from_id,
            MandatCategorie.courante.is_(True),
            tuple_(MandatCategorie.structure_id, MandatCategorie.categorie).in_(kept),
        )
        .values(courante=False)
        .execution_options(synchronize_session=False)
    )


_SQLITE_CONSTRAINT_UNIQUE = 2067
_PG_UNIQUE_VIOLATION = "23505"


def _is_unique_violation(exc: IntegrityError) -> bool:
    """Told by the driver's code (SQLite extended result code, PostgreSQL SQLSTATE)."""
    orig = exc.orig
    return (
        getattr(orig, "sqlite_errorcode", None) == _SQLITE_CONSTRAINT_UNIQUE
        or getattr(orig, "sqlstate", None) == _PG_UNIQUE_VIOLATION
    )


# --- revocation ---------------------------------------------------------------------------------


def revoke_mandat(
    session: Session,
    actor: Actor,
    mandat_id: int,
    categorie: str | None = None,
    *,
    now: datetime | None = None,
) -> MandatRevocation:
    """Revoke the whole mandate (``categorie`` None) or one category. Nothing is deleted."""
    mandat = _visible_mandat(session, actor, mandat_id)
    require(actor, Permission.MANDAT_GERER, mandat.structure_id)
    at = now or utcnow()
    if mandat.revoque_at is not None:
        raise ConflictError(_("Ce mandat est déjà révoqué."))
    if mandat.fin <= at:
        raise ConflictError(_("Ce mandat a déjà pris fin : il n'y a plus rien à révoquer."))
    if categorie is not None:
        if categorie not in CATEGORIES_BY_KEY:
            _checked_categories([categorie])
        line = next((c for c in mandat.categories if c.categorie == categorie), None)
        if line is None:
            raise ValidationError(
                _("Ce mandat ne couvre pas la catégorie « {titre} ».").format(
                    titre=categorie_titre(categorie)
                ),
                field="categorie",
            )
        if line.revoquee_at is not None:
            raise ConflictError(
                _("La catégorie « {titre} » de ce mandat est déjà révoquée.").format(
                    titre=categorie_titre(categorie)
                )
            )
    revocation = _revoke(session, actor, mandat.id, categorie, "demande", None, at)
    journal_mediation.mandat_revocation(
        session,
        actor,
        mandat.id,
        reference=mandat.reference,
        revocation=revocation.id,
        categorie=categorie,
        totale=mandat.revoque_at is not None,
    )
    return revocation


def _revoke(
    session: Session,
    actor: Actor,
    mandat_id: int,
    categorie: str | None,
    motif: str,
    remplace_par_id: int | None,
    at: datetime,
) -> MandatRevocation:
    mandat = session.get(Mandat, mandat_id)
    if mandat is None:
        raise NotFoundError(_("Mandat introuvable."))
    revocation = MandatRevocation(
        mandat_id=mandat.id,
        categorie=categorie,
        motif=motif,
        remplace_par_id=remplace_par_id,
        at=at,
        agent_id=actor.agent_id,
    )
    session.add(revocation)
    session.flush()
    for line in mandat.categories:
        if line.revoquee_at is None and (categorie is None or line.categorie == categorie):
            line.revoquee_at = at
            line.revocation_id = revocation.id
            line.courante = False
    if all(line.revoquee_at is not None for line in mandat.categories):
        mandat.revoque_at = at
    session.flush()
    if motif == "remplacement":
        journal_mediation.mandat_remplacement(
            session,
            actor,
            mandat.id,
            reference=mandat.reference,
            categorie=categorie,
            remplace_par=remplace_par_id,
        )
    return revocation


# --- reading ----------------------------------------------------------------------------------


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


# --- printing and verification ----------------------------------------------------------------


def print_mandat(
    session: Session, actor: Actor, mandat_id: int, *, traduction: str | None = None
) -> bytes:
    """The PDF of a mandate, with the legal text of the version it was signed with."""
    from mediation.mandat_pdf import mandat_pdf

    mandat = _visible_mandat(session, actor, mandat_id)
    require(actor, Permission.MANDAT_GERER, mandat.structure_id)
    if mandat.mandant_date_naissance is None:
        raise ConflictError(
            _(
                "L'identité du mandant a été effacée : ce mandat ne peut plus être réimprimé. "
                "L'exemplaire signé conservé par la structure fait foi."
            )
        )
    pdf = mandat_pdf(mandat, traduction=traduction, marks=_print_marks(session, mandat))
    journal_mediation.mandat_impression(
        session,
        actor,
        mandat.id,
        reference=mandat.reference,
        modele=mandat.template_version,
        traduction=traduction,
    )
    return pdf


def _print_marks(session: Session, mandat: Mandat) -> Marks:
    """The state a reprint states on every page (French: the paper's language)."""
    from mediation.mandat_pdf import Marks

    at = utcnow()
    state = _statut(mandat, at)
    etat = ""
    if state is Statut.REVOQUE and mandat.revoque_at is not None:
        etat = "RÉVOQUÉ LE " + _paper_date(mandat.revoque_at) + " — N'AUTORISE PLUS AUCUNE DÉMARCHE"
    elif state is Statut.EXPIRE:
        etat = "EXPIRÉ LE " + _paper_date(mandat.fin) + " — N'AUTORISE PLUS AUCUNE DÉMARCHE"
    else:
        revoked = [c for c in mandat.categories if c.revoquee_at is not None]
        if revoked:
            last = max(c.revoquee_at for c in revoked if c.revoquee_at is not None)
            etat = f"CATÉGORIE(S) RÉVOQUÉE(S) : {len(revoked)}, LA DERNIÈRE LE {_paper_date(last)}"
    dossier_years = int(get_setting(session, "retention_years") or 3)
    return Marks(etat, mandate_retention_years(session), dossier_years)


def _paper_date(moment: datetime) -> str:
    return to_local(moment).strftime("%d/%m/%Y")


def print_revocation(session: Session, actor: Actor, revocation_id: int) -> bytes:
    """The revocation attestation for the mandant to sign."""
    from mediation.mandat_pdf import revocation_pdf

    revocation = get_revocation(session, actor, revocation_id)
    mandat = _visible_mandat(session, actor, revocation.mandat_id)
    require(actor, Permission.MANDAT_GERER, mandat.structure_id)
    pdf = revocation_pdf(mandat, revocation)
    journal_mediation.mandat_impression_revocation(
        session, actor, mandat.id, reference=mandat.reference, revocation=revocation.id
    )
    return pdf


def mandat_qr_content(mandat: Mandat) -> str:
    return qr_content(mandat.reference, mandat.integrity_code)


def verify_mandat(
    session: Session, actor: Actor, text: str, *, now: datetime | None = None
) -> Verification:
    """Check that a printed mandate (its QR content) matches the recorded one, in words that
    lead with what matters at the desk: a revoked or expired mandate says so first.

    An unknown reference and another structure's reference get the same answer, so that a
    QR code tells nobody outside the structure that a mandate exists."""
    structure_id = _structure_of(actor)
    require(actor, Permission.MANDAT_GERER, structure_id)
    read = parse_qr(text)
    if read is None:
        raise ValidationError(
            _("Ce texte n'est pas le code d'un mandat Médianum : scannez le QR code du mandat."),
            field="texte",
        )
    mandat = session.scalar(select(Mandat).where(Mandat.reference == read.reference))
    if mandat is None or not actor.can(Permission.MANDAT_GERER, mandat.structure_id):
        return Verification(
            False,
            _(
                "NON CONFORME : aucun mandat de votre structure ne porte la référence {reference}."
            ).format(reference=read.reference),
            read.reference,
        )
    if not _matches_record(mandat, read.code):
        return Verification(
            False,
            _(
                "NON CONFORME : le document ne correspond pas au mandat {reference} enregistré "
                "(contenu modifié d'un côté ou de l'autre). Ne vous y fiez pas ; réimprimez le "
                "mandat enregistré et faites-le signer à nouveau si besoin."
            ).format(reference=mandat.reference),
            mandat.reference,
            mandat.id,
        )
    state = _statut(mandat, now or utcnow())
    return Verification(True, _verified_message(mandat, state), mandat.reference, mandat.id, state)


def _matches_record(mandat: Mandat, code: str) -> bool:
    if not secrets.compare_digest(mandat.integrity_code, code):
        return False
    # Once the identity is erased the code can no longer be recomputed: the recorded one,
    # kept as the proof, is what the paper is compared with.
    return mandat.mandant_efface_at is not None or integrity_code(mandat) == mandat.integrity_code


def mandant_description(mandat: Mandat) -> str:
    """Who the mandate names, for the agent to compare with the paper."""
    if mandat.mandant_date_naissance is None:
        return _("identité effacée le {date} ({pseudonyme})").format(
            date=format_date(mandat.mandant_efface_at or mandat.fin), pseudonyme=mandat.mandant_nom
        )
    return _("{prenom} {nom}, né(e) le {date} à {lieu}").format(
        prenom=mandat.mandant_prenom,
        nom=mandat.mandant_nom,
        date=format_date(mandat.mandant_date_naissance),
        lieu=mandat.mandant_lieu_naissance,
    )


def _verified_message(mandat: Mandat, state: Statut) -> str:
    values = {"reference": mandat.reference, "mandant": mandant_description(mandat)}
    if state is Statut.REVOQUE:
        assert mandat.revoque_at is not None
        return _(
            "RÉVOQUÉ LE {date} : le mandat {reference} ({mandant}) n'autorise plus aucune "
            "démarche. Le document correspond bien au mandat enregistré."
        ).format(date=format_date(mandat.revoque_at), **values)
    if state is Statut.EXPIRE:
        return _(
            "EXPIRÉ LE {date} : le mandat {reference} ({mandant}) n'autorise plus aucune "
            "démarche. Le document correspond bien au mandat enregistré."
        ).format(date=format_date(mandat.fin), **values)
    en_vigueur = ", ".join(f"« {categorie_titre(k)} »" for k in categories_en_vigueur(mandat))
    return _(
        "Conforme et en vigueur : le document correspond au mandat {reference} enregistré, "
        "donné par {mandant}, valable jusqu'au {fin} pour : {categories}."
    ).format(fin=format_date(mandat.fin), categories=en_vigueur, **values)


# --- reminders and retention -----------------------------------------------------------------


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


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def retention_end(session: Session, mandat: Mandat) -> datetime:
    """Until when the mandate's data is kept: its end (or revocation) plus the set period."""
    years = int(get_setting(session, "mandat_retention_years") or 6)
    ended = mandat.fin if mandat.revoque_at is None else min(mandat.fin, mandat.revoque_at)
    return _add_years(ended, years)


def active_mandate_until(
    session: Session, beneficiaire_id: int, *, now: datetime | None = None
) -> datetime | None:
    """The latest end among the person's mandates in force (in any structure), or None.

    While a mandate runs, the aidant acts on the person's behalf under it and must be able to
    show who gave it: the person's file cannot be erased. Once it has ended (or was revoked),
    nothing holds the file back any more; only the proof that the mandate existed is kept."""
    found = session.scalar(
        select(func.max(Mandat.fin)).where(
            Mandat.beneficiaire_id == beneficiaire_id, _in_force(now or utcnow())
        )
    )
    return found


def has_active_mandate_clause(
    beneficiaire_id: SQLColumnExpression[int], *, now: datetime | None = None
) -> ColumnElement[bool]:
    """SQL twin of ``active_mandate_until`` for a beneficiary id column."""
    return (
        select(Mandat.id)
        .where(Mandat.beneficiaire_id == beneficiaire_id, _in_force(now or utcnow()))
        .exists()
    )


def erase_mandant_identity(
    session: Session, beneficiaire_id: int, pseudonyme: str, at: datetime
) -> int:
    """Keep of the person's ended mandates only what proves they existed (reference,
    structure, categories, dates, template version, integrity code) and the pseudonym.

    The specific actions go too: they are free text, and may name the person's accounts. The
    integrity code stays as recorded, so a paper copy presented later still verifies."""
    mandats = session.scalars(
        select(Mandat).where(
            Mandat.beneficiaire_id == beneficiaire_id, Mandat.mandant_efface_at.is_(None)
        )
    ).all()
    for mandat in mandats:
        mandat.mandant_nom = pseudonyme
        mandat.mandant_prenom = ""
        mandat.mandant_date_naissance = None
        mandat.mandant_lieu_naissance = ""
        mandat.mandant_cle = fold(pseudonyme)
        mandat.actions_specifiques = ""
        mandat.mandant_efface_at = at
    session.flush()
    return len(mandats)


def purge_mandats_past_retention(
    session: Session, actor: Actor, *, now: datetime | None = None
) -> int:
    """Delete the mandates whose keeping period is over (personal-data retention)."""
    require_anywhere(actor, Permission.DROITS_PERSONNES)
    at = now or utcnow()
    years = int(get_setting(session, "mandat_retention_years") or 6)
    bound = _add_years(at, -years)
    candidates = session.scalars(
        select(Mandat).where(or_(Mandat.fin <= bound, Mandat.revoque_at <= bound))
    )
    expired = [m for m in candidates if retention_end(session, m) <= at]
    ids = [m.id for m in expired]
    if not ids:
        return 0
    session.execute(update(Mandat).where(Mandat.renouvelle_id.in_(ids)).values(renouvelle_id=None))
    session.execute(
        update(MandatRevocation)
        .where(MandatRevocation.remplace_par_id.in_(ids))
        .values(remplace_par_id=None)
    )
    for mandat in expired:
        for line in mandat.categories:
            line.revocation_id = None
        session.flush()
        for revocation in session.scalars(
            select(MandatRevocation).where(MandatRevocation.mandat_id == mandat.id)
        ):
            session.delete(revocation)
        session.delete(mandat)
    session.flush()
    journal_mediation.mandat_purge(session, actor, nombre=len(ids))
    return len(ids)


def mandate_retention_years(session: Session) -> int:
    return int(get_setting(session, "mandat_retention_years") or 6)
