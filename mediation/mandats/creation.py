"""Creating and renewing mandates, and the categories a structure may use.

Every creation and renewal writes one journal entry (ids and codes only).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require, require_anywhere
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, ValidationError
from core.i18n import _, format_date, to_local
from core.models import Structure, TerritoryCommune
from core.validation import fold
from mediation import journal as journal_mediation
from mediation.mandats import templates as mandat_templates
from mediation.mandats.integrite import integrity_code
from mediation.mandats.lecture import (
    _checked_categories,
    _structure_of,
    _visible_mandat,
    categorie_titre,
    categories_en_vigueur,
)
from mediation.mandats.models import (
    CATEGORY_KEYS,
    DUREES_JOURS,
    Mandat,
    MandatCategorie,
    StructureCategorieMandat,
)
from mediation.mandats.revocation import _revoke
from mediation.models import Beneficiaire
from mediation.visibility import load_visible

_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_REFERENCE_DRAWS = 100


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


def _new_reference(session: Session) -> str:
    # 60 random bits: a draw already taken is rare, a hundred in a row means the random source
    # or the query is broken, which must end in an error rather than a desk that hangs.
    for _draw in range(_REFERENCE_DRAWS):
        chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _i in range(12))
        reference = f"MDT-{chars[:4]}-{chars[4:8]}-{chars[8:]}"
        if session.scalar(select(Mandat.id).where(Mandat.reference == reference)) is None:
            return reference
    raise RuntimeError("no unused mandate reference in a hundred random draws")


def _beneficiaire(session: Session, actor: Actor, beneficiaire_id: int) -> Beneficiaire:
    # The mediation rule of who sees whose file applies (NotFoundError / PermissionDenied).
    person = load_visible(session, actor, beneficiaire_id)
    if person.anonyme or not (person.nom and person.prenom):
        raise ValidationError(
            _("Un mandat se donne par une personne nommée, pas par un bénéficiaire anonyme."),
            field="beneficiaire",
        )
    return person


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
