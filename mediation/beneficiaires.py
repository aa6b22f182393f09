"""Beneficiaries: create (named or anonymous), update, consent, find as you type, duplicates,
merge.

Type-ahead search compares prefixes of the folded ``nom_cle``/``prenom_cle`` columns with a
range (``>= prefix AND < next prefix``) that both SQLite and PostgreSQL answer from the btree
index whatever the collation, plus a ``LIKE`` that keeps the result exact.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.db import utcnow
from core.errors import ConflictError, ValidationError
from core.i18n import _
from core.models import TerritoryCommune
from core.territory import commune
from core.validation import fold, normalize_email, normalize_phone
from mediation import agregats
from mediation import journal as journal_mediation
from mediation import referentiel as ref
from mediation.models import AccompagnementParticipant, Beneficiaire, Diagnostic
from mediation.visibility import beneficiaire_filter, load_visible

SEARCH_LIMIT = 20
MIN_BIRTH_YEAR = 1900

RowSelect = Select[*tuple[Any, ...]]


@dataclass
class BeneficiaireData:
    """What the form (or an import row) gives. Anonymous people have no name nor contact."""

    anonyme: bool = False
    nom: str | None = None
    prenom: str | None = None
    annee_naissance: int | None = None
    date_naissance: date | None = None
    genre: str = ref.GENRE_NON_COMMUNIQUE
    statut: str = ref.STATUT_NON_COMMUNIQUE
    # For people who give an age band rather than a birth year (anonymous ones mostly).
    tranche_age_declaree: str | None = None
    commune_insee: str | None = None
    telephone: str | None = None
    email: str | None = None
    notes: str | None = None
    # The person agreed, at the desk, to the processing of their data.
    consentement: bool = False


@dataclass(frozen=True)
class BeneficiaireRow:
    """One line of a search result or of the list (no heavy columns)."""

    id: int
    anonyme: bool
    nom: str | None
    prenom: str | None
    annee_naissance: int | None
    commune_insee: str | None
    structure_id: int
    derniere_activite_at: datetime


@dataclass(frozen=True)
class DuplicateCandidate:
    id: int
    nom: str | None
    prenom: str | None
    annee_naissance: int | None
    matches: tuple[str, ...]  # which of "nom", "prenom", "telephone", "email" matched


class ProbableDuplicateError(ConflictError):
    """Creating would probably duplicate a file; ``candidates`` lets the form offer to open it."""

    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        super().__init__(
            _(
                "Une personne très proche existe déjà (n° {ids}). Ouvrez son dossier, ou "
                "confirmez qu'il s'agit d'une autre personne."
            ).format(ids=", ".join(str(c.id) for c in candidates))
        )
        self.candidates = candidates


@dataclass(frozen=True)
class MergeChange:
    field: str
    kept_value: Any
    other_value: Any
    result: Any


@dataclass(frozen=True)
class MergePreview:
    kept_id: int
    other_id: int
    changes: tuple[MergeChange, ...]  # fields where the result differs from the kept record
    conflicts: tuple[MergeChange, ...]  # both filled and different: the kept value wins
    accompagnements_moved: int
    diagnostics_moved: int


# --- validation ---------------------------------------------------------------------------------


def _clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = " ".join(value.split())
    return stripped or None


def _validated(session: Session, data: BeneficiaireData, today: date) -> BeneficiaireData:
    nom = _clean_text(data.nom)
    prenom = _clean_text(data.prenom)
    if data.anonyme:
        if nom or prenom or data.telephone or data.email or data.date_naissance:
            raise ValidationError(
                _("Un bénéficiaire anonyme n'a ni nom, ni prénom, ni coordonnées."), field="nom"
            )
    elif not nom:
        raise ValidationError(_("Le nom est obligatoire (ou choisissez « anonyme »)."), "nom")
    if data.genre not in ref.GENRES:
        raise ValidationError(_("Genre inconnu : « {v} ».").format(v=data.genre), field="genre")
    if data.statut not in ref.STATUTS:
        raise ValidationError(_("Statut inconnu : « {v} ».").format(v=data.statut), field="statut")
    if data.tranche_age_declaree is not None and data.tranche_age_declaree not in ref.TRANCHES_AGE:
        raise ValidationError(
            _("Tranche d'âge inconnue : « {v} ».").format(v=data.tranche_age_declaree),
            field="tranche_age",
        )
    annee = data.annee_naissance
    if data.date_naissance is not None:
        if data.date_naissance > today:
            raise ValidationError(
                _("La date de naissance ne peut pas être dans le futur."), field="date_naissance"
            )
        if annee is not None and annee != data.date_naissance.year:
            raise ValidationError(
                _("L'année de naissance ne correspond pas à la date de naissance."),
                field="annee_naissance",
            )
        annee = data.date_naissance.year
    if annee is not None and not MIN_BIRTH_YEAR <= annee <= today.year:
        raise ValidationError(
            _("Année de naissance impossible : {year}.").format(year=annee),
            field="annee_naissance",
        )
    code = (data.commune_insee or "").strip() or None
    if code is not None:
        code = commune(code).code_insee
    telephone = (
        normalize_phone(data.telephone) if data.telephone and data.telephone.strip() else None
    )
    email = normalize_email(data.email) if data.email and data.email.strip() else None
    return replace(
        data,
        nom=nom,
        prenom=prenom,
        annee_naissance=annee,
        commune_insee=code,
        telephone=telephone,
        email=email,
        notes=(data.notes or "").strip() or None,
        # A known birth year always wins over a declared band.
        tranche_age_declaree=None if annee is not None else data.tranche_age_declaree,
    )


def _keys(nom: str | None, prenom: str | None) -> tuple[str | None, str | None]:
    return (fold(nom) if nom else None, fold(prenom) if prenom else None)


def _apply(b: Beneficiaire, data: BeneficiaireData) -> None:
    b.anonyme = data.anonyme
    b.nom, b.prenom = data.nom, data.prenom
    b.nom_cle, b.prenom_cle = _keys(data.nom, data.prenom)
    b.annee_naissance = data.annee_naissance
    b.date_naissance = data.date_naissance
    b.genre, b.statut = data.genre, data.statut
    b.tranche_age_declaree = data.tranche_age_declaree
    b.commune_insee = data.commune_insee
    b.telephone, b.email, b.notes = data.telephone, data.email, data.notes


def commune_hors_territoire(session: Session, code_insee: str | None) -> bool:
    """True when the person lives outside the territory (allowed, shown as such)."""
    if code_insee is None:
        return False
    return session.get(TerritoryCommune, code_insee) is None


# --- use cases ----------------------------------------------------------------------------------


def create_beneficiaire(
    session: Session,
    actor: Actor,
    data: BeneficiaireData,
    *,
    structure_id: int | None = None,
    confirm_not_duplicate: bool = False,
    today: date | None = None,
) -> Beneficiaire:
    """Register a beneficiary in ``structure_id`` (default: the actor's current structure).

    Raises ProbableDuplicateError when at least two of nom, prénom, téléphone, e-mail match a
    visible file, unless the agent confirmed it is another person.
    """
    sid = structure_id if structure_id is not None else actor.structure_id
    require(actor, Permission.DOSSIER_ECRIRE, sid)
    if sid is None:
        raise ValidationError(_("Choisissez la structure pour laquelle vous travaillez."))
    clean = _validated(session, data, today or date.today())
    if not clean.anonyme and not confirm_not_duplicate:
        candidates = find_probable_duplicates(session, actor, clean)
        if candidates:
            raise ProbableDuplicateError(candidates)
    b = Beneficiaire(structure_id=sid)
    _apply(b, clean)
    now = utcnow()
    b.created_at = b.updated_at = b.derniere_activite_at = now
    if clean.consentement:
        b.consentement_at, b.consentement_agent_id = now, actor.agent_id
    session.add(b)
    session.flush()
    journal_mediation.beneficiaire_creation(
        session,
        actor,
        b.id,
        structure_id=sid,
        anonyme=b.anonyme,
        doublon_confirme=confirm_not_duplicate,
        hors_territoire=commune_hors_territoire(session, b.commune_insee),
    )
    return b


def update_beneficiaire(
    session: Session,
    actor: Actor,
    beneficiaire_id: int,
    data: BeneficiaireData,
    *,
    today: date | None = None,
) -> Beneficiaire:
    """Replace the identity and contact fields; consent is recorded once, not withdrawn here."""
    b = load_visible(session, actor, beneficiaire_id)
    require(actor, Permission.DOSSIER_ECRIRE, b.structure_id)
    clean = _validated(session, data, today or date.today())
    before = _snapshot(b)
    _apply(b, clean)
    if clean.consentement and b.consentement_at is None:
        b.consentement_at, b.consentement_agent_id = utcnow(), actor.agent_id
    b.updated_at = utcnow()
    changed = sorted(k for k, v in _snapshot(b).items() if before[k] != v)
    session.flush()
    journal_mediation.beneficiaire_modification(session, actor, b.id, champs=changed)
    return b


def record_consent(
    session: Session, actor: Actor, beneficiaire_id: int, at: datetime | None = None
) -> Beneficiaire:
    """The person agreed to the processing of their data: when, and before which agent."""
    b = load_visible(session, actor, beneficiaire_id)
    require(actor, Permission.DOSSIER_ECRIRE, b.structure_id)
    b.consentement_at = at or utcnow()
    b.consentement_agent_id = actor.agent_id
    journal_mediation.beneficiaire_consentement(session, actor, b.id)
    return b


def get_beneficiaire(session: Session, actor: Actor, beneficiaire_id: int) -> Beneficiaire:
    """Load a beneficiary's file: NotFoundError if absent or erased, PermissionDenied if it
    belongs to a structure whose names the actor does not see."""
    return load_visible(session, actor, beneficiaire_id)


# --- search and list ----------------------------------------------------------------------------


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix(column: Any, prefix: str) -> Any:
    """Index-friendly prefix test: a range the btree answers, and LIKE to stay exact."""
    like = column.like(_escape_like(prefix) + "%", escape="\\")
    if ord(prefix[-1]) == sys.maxunicode:  # the last code point has no successor
        return and_(column >= prefix, like)
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper, like)


def _name_conditions(text: str) -> tuple[list[Any], list[Any]]:
    """Conditions led by the nom, and conditions led by the prénom, for what was typed: the
    whole text as a prefix of one, or, split between two words, prefixes of both (« dup fra »
    finds François Dupré, « fra dup » too)."""
    words = fold(text).split()
    if not words:
        return [], []
    whole = " ".join(words)
    by_nom = [_prefix(Beneficiaire.nom_cle, whole)]
    by_prenom = [_prefix(Beneficiaire.prenom_cle, whole)]
    for cut in range(1, len(words)):
        first, second = " ".join(words[:cut]), " ".join(words[cut:])
        by_nom.append(
            and_(_prefix(Beneficiaire.nom_cle, first), _prefix(Beneficiaire.prenom_cle, second))
        )
        by_prenom.append(
            and_(_prefix(Beneficiaire.prenom_cle, first), _prefix(Beneficiaire.nom_cle, second))
        )
    return by_nom, by_prenom


def search_condition(text: str) -> Any | None:
    """WHERE clause matching ``text`` against nom and prénom (see ``_name_conditions``); None
    when there is nothing to search."""
    by_nom, by_prenom = _name_conditions(text)
    return or_(*by_nom, *by_prenom) if by_nom else None


ROW_COLUMNS = (
    Beneficiaire.id,
    Beneficiaire.anonyme,
    Beneficiaire.nom,
    Beneficiaire.prenom,
    Beneficiaire.annee_naissance,
    Beneficiaire.commune_insee,
    Beneficiaire.structure_id,
    Beneficiaire.derniere_activite_at,
)

SORT_KEYS: dict[str, tuple[Any, ...]] = {
    "nom": (Beneficiaire.nom_cle, Beneficiaire.prenom_cle, Beneficiaire.id),
    "prenom": (Beneficiaire.prenom_cle, Beneficiaire.nom_cle, Beneficiaire.id),
    "annee_naissance": (Beneficiaire.annee_naissance, Beneficiaire.id),
    "commune": (Beneficiaire.commune_insee, Beneficiaire.id),
    "derniere_activite": (Beneficiaire.derniere_activite_at, Beneficiaire.id),
    "id": (Beneficiaire.id,),
}


def list_statement(
    actor: Actor,
    *,
    text: str = "",
    sort: str = "nom",
    descending: bool = False,
    structure_id: int | None = None,
    include_anonymous: bool = True,
) -> RowSelect:
    """The list of visible beneficiaries as a SELECT of ``ROW_COLUMNS``, filtered and sorted in
    SQL; the GUI's paging model adds ``.offset().limit()`` (and counts with ``count_statement``)."""
    stmt = select(*ROW_COLUMNS).where(beneficiaire_filter(actor, use_structure_index=False))
    cond = search_condition(text)
    if cond is not None:
        stmt = stmt.where(cond)
    if structure_id is not None:
        stmt = stmt.where(Beneficiaire.structure_id == structure_id)
    if not include_anonymous:
        stmt = stmt.where(Beneficiaire.anonyme.is_(False))
    keys = SORT_KEYS.get(sort, SORT_KEYS["nom"])
    return stmt.order_by(*(k.desc() if descending else k.asc() for k in keys))


def count_statement(list_stmt: RowSelect) -> RowSelect:
    """SELECT count(*) of a ``list_statement`` (ordering dropped)."""
    return select(func.count()).select_from(list_stmt.order_by(None).subquery())


def _row(r: Any) -> BeneficiaireRow:
    return BeneficiaireRow(*r)


def search_statements(actor: Actor, text: str, limit: int = SEARCH_LIMIT) -> list[RowSelect]:
    """The type-ahead queries: files whose nom matches, in name order, then files whose prénom
    matches, in prénom order. Each walks its own name index in order and stops after ``limit``
    rows; one query sorted on both would have to sort every match of a one-letter prefix."""
    by_nom, by_prenom = _name_conditions(text)
    if not by_nom:
        return []
    visible = beneficiaire_filter(actor, use_structure_index=False)
    return [
        select(*ROW_COLUMNS)
        .where(visible, or_(*conditions))
        .order_by(*SORT_KEYS[sort])
        .limit(limit)
        for conditions, sort in ((by_nom, "nom"), (by_prenom, "prenom"))
    ]


def search_beneficiaires(
    session: Session, actor: Actor, text: str, limit: int = SEARCH_LIMIT
) -> list[BeneficiaireRow]:
    """Type-ahead: named beneficiaries whose nom or prénom starts with what was typed (accents
    and case ignored), among those the actor may see: nom matches first, in name order, then
    prénom matches. Anonymous and erased files have no name keys, so they never match."""
    require(actor, Permission.DOSSIER_LIRE, actor.structure_id)
    found: dict[int, BeneficiaireRow] = {}
    for stmt in search_statements(actor, text, limit):
        for r in session.execute(stmt):
            found.setdefault(r.id, _row(r))
            if len(found) >= limit:
                return list(found.values())
    return list(found.values())


def page_rows(session: Session, stmt: RowSelect, offset: int, limit: int) -> list[BeneficiaireRow]:
    return [_row(r) for r in session.execute(stmt.offset(offset).limit(limit))]


# --- duplicates and merge -----------------------------------------------------------------------

_DUPLICATE_FIELDS = ("nom", "prenom", "telephone", "email")


def _normalised(data: BeneficiaireData | Beneficiaire) -> dict[str, str | None]:
    nom_cle, prenom_cle = _keys(data.nom, data.prenom)
    return {
        "nom": nom_cle,
        "prenom": prenom_cle,
        "telephone": data.telephone,
        "email": data.email.lower() if data.email else None,
    }


def find_probable_duplicates(
    session: Session,
    actor: Actor,
    data: BeneficiaireData | Beneficiaire,
    *,
    exclude_id: int | None = None,
) -> list[DuplicateCandidate]:
    """Visible named files sharing at least two of nom, prénom, téléphone, e-mail with ``data``
    (compared after normalisation: case, accents, spaces, hyphens; phone in +33 form).

    ``data`` must already be normalised (phone in E.164): pass validated data or a record."""
    wanted = _normalised(data)
    if sum(v is not None for v in wanted.values()) < 2:
        return []
    # Any two matching fields include nom or prénom, or else both téléphone and e-mail:
    # each branch is answered by an index.
    branches = []
    if wanted["nom"]:
        branches.append(Beneficiaire.nom_cle == wanted["nom"])
    if wanted["prenom"]:
        branches.append(Beneficiaire.prenom_cle == wanted["prenom"])
    if wanted["telephone"] and wanted["email"]:
        branches.append(
            and_(
                Beneficiaire.telephone == wanted["telephone"], Beneficiaire.email == wanted["email"]
            )
        )
    stmt = select(Beneficiaire).where(
        beneficiaire_filter(actor), Beneficiaire.anonyme.is_(False), or_(*branches)
    )
    if exclude_id is not None:
        stmt = stmt.where(Beneficiaire.id != exclude_id)
    found: list[DuplicateCandidate] = []
    for b in session.scalars(stmt.order_by(Beneficiaire.id).limit(500)):
        theirs = _normalised(b)
        matches = tuple(
            f for f in _DUPLICATE_FIELDS if wanted[f] is not None and wanted[f] == theirs[f]
        )
        if len(matches) >= 2:
            found.append(DuplicateCandidate(b.id, b.nom, b.prenom, b.annee_naissance, matches))
    return found


_MERGED_FIELDS = (
    "nom",
    "prenom",
    "annee_naissance",
    "date_naissance",
    "tranche_age_declaree",
    "commune_insee",
    "telephone",
    "email",
    "notes",
    "consentement_at",
    "consentement_agent_id",
)
# Filled from the other record only while the kept one still has the « not communicated » value.
_DEFAULTED_FIELDS = {"genre": ref.GENRE_NON_COMMUNIQUE, "statut": ref.STATUT_NON_COMMUNIQUE}


def _snapshot(b: Beneficiaire) -> dict[str, Any]:
    return {f: getattr(b, f) for f in (*_MERGED_FIELDS, *_DEFAULTED_FIELDS)}


def _merged_values(
    kept: Beneficiaire, other: Beneficiaire
) -> tuple[list[MergeChange], list[MergeChange]]:
    changes, conflicts = [], []
    for name in (*_MERGED_FIELDS, *_DEFAULTED_FIELDS):
        mine, theirs = getattr(kept, name), getattr(other, name)
        empty = _DEFAULTED_FIELDS.get(name)
        mine_empty = mine is None or mine == empty
        theirs_empty = theirs is None or theirs == empty
        if mine_empty and not theirs_empty:
            changes.append(MergeChange(name, mine, theirs, theirs))
        elif not mine_empty and not theirs_empty and mine != theirs:
            conflicts.append(MergeChange(name, mine, theirs, mine))
    if kept.annee_naissance is not None:
        # A known birth year makes a declared band meaningless.
        changes = [c for c in changes if c.field != "tranche_age_declaree"]
    return changes, conflicts


def _load_pair(
    session: Session, actor: Actor, kept_id: int, other_id: int
) -> tuple[Beneficiaire, Beneficiaire]:
    if kept_id == other_id:
        raise ValidationError(_("Choisissez deux dossiers différents à fusionner."))
    kept = load_visible(session, actor, kept_id)
    other = load_visible(session, actor, other_id)
    require(actor, Permission.DOSSIER_ECRIRE, kept.structure_id)
    require(actor, Permission.DOSSIER_ECRIRE, other.structure_id)
    if kept.anonyme or other.anonyme:
        raise ValidationError(_("Seuls deux dossiers nominatifs peuvent être fusionnés."))
    return kept, other


def _moved_counts(session: Session, kept_id: int, other_id: int) -> tuple[int, int]:
    shared = select(AccompagnementParticipant.accompagnement_id).where(
        AccompagnementParticipant.beneficiaire_id == kept_id
    )
    acc = session.scalar(
        select(func.count())
        .select_from(AccompagnementParticipant)
        .where(
            AccompagnementParticipant.beneficiaire_id == other_id,
            AccompagnementParticipant.accompagnement_id.not_in(shared),
        )
    )
    diag = session.scalar(
        select(func.count()).select_from(Diagnostic).where(Diagnostic.beneficiaire_id == other_id)
    )
    return acc or 0, diag or 0


def merge_preview(session: Session, actor: Actor, kept_id: int, other_id: int) -> MergePreview:
    """What merging ``other_id`` into ``kept_id`` would do, without doing it."""
    kept, other = _load_pair(session, actor, kept_id, other_id)
    changes, conflicts = _merged_values(kept, other)
    acc, diag = _moved_counts(session, kept_id, other_id)
    return MergePreview(kept_id, other_id, tuple(changes), tuple(conflicts), acc, diag)


def merge_beneficiaires(
    session: Session, actor: Actor, kept_id: int, other_id: int
) -> Beneficiaire:
    """Merge ``other_id`` into ``kept_id``: the kept record's values win, its empty fields are
    filled from the other; participations and needs assessments move to the kept record; the
    other record is erased (pseudonymised), so that the journal's references stay meaningful."""
    kept, other = _load_pair(session, actor, kept_id, other_id)
    changes, _conflicts = _merged_values(kept, other)
    acc, diag = _moved_counts(session, kept_id, other_id)
    for change in changes:
        setattr(kept, change.field, change.result)
    kept.nom_cle, kept.prenom_cle = _keys(kept.nom, kept.prenom)
    if kept.annee_naissance is not None:
        kept.tranche_age_declaree = None
    kept.derniere_activite_at = max(kept.derniere_activite_at, other.derniere_activite_at)
    # Every participation of the other record moves here (or already was here).
    premiers = [d for d in (kept.premier_accompagnement, other.premier_accompagnement) if d]
    kept.premier_accompagnement = min(premiers, default=None)
    other.premier_accompagnement = None
    kept.updated_at = utcnow()
    already = select(AccompagnementParticipant.accompagnement_id).where(
        AccompagnementParticipant.beneficiaire_id == kept_id
    )
    session.execute(
        update(AccompagnementParticipant)
        .where(
            AccompagnementParticipant.beneficiaire_id == other_id,
            AccompagnementParticipant.accompagnement_id.not_in(already),
        )
        .values(beneficiaire_id=kept_id)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(AccompagnementParticipant).where(
            AccompagnementParticipant.beneficiaire_id == other_id
        )
    )
    session.execute(
        update(Diagnostic)
        .where(Diagnostic.beneficiaire_id == other_id)
        .values(beneficiaire_id=kept_id)
        .execution_options(synchronize_session=False)
    )
    # Other domains (passes, mandates) point at beneficiaries too: move their rows as well.
    _move_foreign_rows(session, other_id, kept_id)
    from mediation.droits import pseudonymise

    pseudonymise(other)
    session.flush()
    # The statistics' presence rows and daily counts, in this same transaction.
    agregats.apres_fusion(session, kept_id, other_id)
    journal_mediation.beneficiaire_fusion(
        session,
        actor,
        kept.id,
        fusionne=other.id,
        champs_completes=[c.field for c in changes],
        accompagnements_deplaces=acc,
        diagnostics_deplaces=diag,
    )
    return kept


def _move_foreign_rows(session: Session, from_id: int, to_id: int) -> None:
    from mediation.droits import foreign_references
    from mediation.mandats.creation import yield_current_lines_before_merge

    yield_current_lines_before_merge(session, from_id, to_id)
    for table, column in foreign_references(session):
        session.execute(table.update().where(column == from_id).values({column.name: to_id}))


def data_from(b: Beneficiaire) -> BeneficiaireData:
    """The form's values for an existing record (to edit it)."""
    values = {f.name: getattr(b, f.name) for f in fields(BeneficiaireData) if hasattr(b, f.name)}
    values["consentement"] = b.consentement_at is not None
    return BeneficiaireData(**values)


__all__ = [
    "BeneficiaireData",
    "BeneficiaireRow",
    "DuplicateCandidate",
    "MergePreview",
    "ProbableDuplicateError",
    "commune_hors_territoire",
    "count_statement",
    "create_beneficiaire",
    "data_from",
    "find_probable_duplicates",
    "get_beneficiaire",
    "list_statement",
    "merge_beneficiaires",
    "merge_preview",
    "page_rows",
    "record_consent",
    "search_beneficiaires",
    "update_beneficiaire",
]
