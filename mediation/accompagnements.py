"""Accompaniments: « Accompagnement individuel » or « Atelier collectif », recorded in under a
minute, duplicated to save typing, and shown as a beneficiary's timeline."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.errors import NotFoundError, ValidationError
from core.i18n import _
from mediation import agregats
from mediation import journal as journal_mediation
from mediation import referentiel as ref
from mediation.models import (
    Accompagnement,
    AccompagnementMateriel,
    AccompagnementParticipant,
    AccompagnementThematique,
    Beneficiaire,
    Diagnostic,
    ParticipantsAnonymes,
)
from mediation.visibility import accompagnement_named_filter, can_see_names, load_visible

MAX_DUREE_MIN = 12 * 60

RowSelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class AnonymousCount:
    """Anonymous participants of one genre, age band and statut."""

    genre: str
    tranche_age: str
    statut: str
    nombre: int


@dataclass
class AccompagnementData:
    type: str
    date: date
    duree_min: int
    lieu_type: str
    thematiques: list[str]
    materiel: list[str] = field(default_factory=list)
    beneficiaire_ids: list[int] = field(default_factory=list)
    anonymes: list[AnonymousCount] = field(default_factory=list)
    lieu_nom: str | None = None
    sous_themes_admin: list[str] = field(default_factory=list)
    demarche_nom: str | None = None
    autonomie: str | None = None  # individual accompaniments only
    oriente: bool = False
    orientation: str | None = None
    atelier_titre: str | None = None
    atelier_niveau: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class TimelineEntry:
    """One event of a beneficiary's file, most recent first."""

    kind: str  # "accompagnement" or "diagnostic"
    id: int
    date: date
    type: str  # accompaniment type, or « Diagnostic »
    duree_min: int | None
    thematiques: tuple[str, ...]
    structure_id: int
    agent_id: int


def _known(values: list[str], allowed: tuple[str, ...], field_name: str, label: str) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError(
            _("{label} inconnu(e) : « {v} ».").format(label=label, v=", ".join(unknown)),
            field=field_name,
        )
    return list(dict.fromkeys(values))


def validate_accompagnement(data: AccompagnementData, today: date) -> AccompagnementData:
    """Check a form's values against the national rules; return them cleaned."""
    if data.type not in ref.TYPES:
        raise ValidationError(_("Type d'activité inconnu : « {v} ».").format(v=data.type), "type")
    if data.date > today:
        raise ValidationError(_("La date de l'activité ne peut pas être dans le futur."), "date")
    if data.duree_min <= 0 or data.duree_min > MAX_DUREE_MIN:
        raise ValidationError(
            _("La durée doit être comprise entre 1 minute et {h} heures.").format(
                h=MAX_DUREE_MIN // 60
            ),
            "duree_min",
        )
    if data.lieu_type not in ref.LIEUX:
        raise ValidationError(_("Lieu inconnu : « {v} ».").format(v=data.lieu_type), "lieu_type")
    thematiques = _known(data.thematiques, ref.THEMATIQUES, "thematiques", _("Thématique"))
    if not thematiques:
        raise ValidationError(_("Choisissez au moins une thématique."), "thematiques")
    sous_themes = _known(
        data.sous_themes_admin, ref.SOUS_THEMES_ADMINISTRATIFS, "sous_themes_admin", _("Sous-thème")
    )
    demarche = (data.demarche_nom or "").strip() or None
    if ref.THEMATIQUE_DEMARCHES not in thematiques and (sous_themes or demarche):
        raise ValidationError(
            _(
                "Les sous-thèmes et le nom de la démarche ne s'indiquent qu'avec la thématique "
                "« Aide aux démarches administratives »."
            ),
            "sous_themes_admin",
        )
    materiel = _known(data.materiel, ref.MATERIELS, "materiel", _("Matériel"))
    if "Pas de matériel" in materiel and len(materiel) > 1:
        raise ValidationError(
            _("« Pas de matériel » ne se combine pas avec un autre matériel."), "materiel"
        )
    if data.autonomie is not None and data.autonomie not in ref.AUTONOMIES:
        raise ValidationError(
            _("Niveau d'autonomie inconnu : « {v} ».").format(v=data.autonomie), "autonomie"
        )
    orientation = (data.orientation or "").strip() or None
    if orientation is not None and orientation not in ref.ORIENTATIONS:
        raise ValidationError(
            _("Structure de redirection inconnue : « {v} ».").format(v=orientation), "orientation"
        )
    if not data.oriente:
        orientation = None
    for count in data.anonymes:
        if count.nombre <= 0:
            raise ValidationError(_("Un nombre de participants est positif."), "anonymes")
        if (
            count.genre not in ref.GENRES
            or count.tranche_age not in ref.TRANCHES_AGE
            or count.statut not in ref.STATUTS
        ):
            raise ValidationError(_("Participants anonymes : valeur inconnue."), "anonymes")
    named = list(dict.fromkeys(data.beneficiaire_ids))
    anonymous_total = sum(c.nombre for c in data.anonymes)
    titre = (data.atelier_titre or "").strip() or None
    if data.type == ref.TYPE_INDIVIDUEL:
        if len(named) + anonymous_total != 1:
            raise ValidationError(
                _("Un accompagnement individuel concerne une seule personne."), "beneficiaires"
            )
        if titre or data.atelier_niveau:
            raise ValidationError(_("Titre et niveau ne concernent que les ateliers."), "titre")
    else:
        if len(named) + anonymous_total == 0:
            raise ValidationError(_("Un atelier compte au moins un participant."), "beneficiaires")
        if titre is None:
            raise ValidationError(_("Donnez un titre à l'atelier."), "atelier_titre")
        if data.atelier_niveau is not None and data.atelier_niveau not in ref.NIVEAUX_ATELIER:
            raise ValidationError(
                _("Niveau inconnu : « {v} ».").format(v=data.atelier_niveau), "atelier_niveau"
            )
        if data.autonomie is not None:
            raise ValidationError(
                _("Le niveau d'autonomie s'indique pour un accompagnement individuel."),
                "autonomie",
            )
    merged: dict[tuple[str, str, str], int] = {}
    for c in data.anonymes:
        key = (c.genre, c.tranche_age, c.statut)
        merged[key] = merged.get(key, 0) + c.nombre
    return replace(
        data,
        thematiques=thematiques,
        sous_themes_admin=sous_themes,
        demarche_nom=demarche,
        materiel=materiel,
        orientation=orientation,
        beneficiaire_ids=named,
        anonymes=[AnonymousCount(g, t, s, n) for (g, t, s), n in merged.items()],
        atelier_titre=titre,
        lieu_nom=(data.lieu_nom or "").strip() or None,
        notes=(data.notes or "").strip() or None,
    )


def record_accompagnement(
    session: Session,
    actor: Actor,
    data: AccompagnementData,
    *,
    structure_id: int | None = None,
    today: date | None = None,
) -> Accompagnement:
    """Record an activity for ``structure_id`` (default: the actor's current structure).

    Named participants must be visible to the actor; their ``derniere_activite_at`` moves to the
    activity's date when it is more recent.
    """
    sid = structure_id if structure_id is not None else actor.structure_id
    require(actor, Permission.DOSSIER_ECRIRE, sid)
    if sid is None:
        raise ValidationError(_("Choisissez la structure pour laquelle vous travaillez."))
    clean = validate_accompagnement(data, today or date.today())
    participants = [load_visible(session, actor, bid) for bid in clean.beneficiaire_ids]
    acc = Accompagnement(
        structure_id=sid,
        agent_id=actor.agent_id,
        type=clean.type,
        date=clean.date,
        duree_min=clean.duree_min,
        lieu_type=clean.lieu_type,
        lieu_nom=clean.lieu_nom,
        sous_themes_admin=clean.sous_themes_admin,
        demarche_nom=clean.demarche_nom,
        autonomie=clean.autonomie,
        oriente=clean.oriente,
        orientation=clean.orientation,
        atelier_titre=clean.atelier_titre,
        atelier_niveau=clean.atelier_niveau if clean.type == ref.TYPE_COLLECTIF else None,
        notes=clean.notes,
    )
    session.add(acc)
    session.flush()
    session.add_all(
        AccompagnementThematique(accompagnement_id=acc.id, thematique=t) for t in clean.thematiques
    )
    session.add_all(
        AccompagnementMateriel(accompagnement_id=acc.id, materiel=m) for m in clean.materiel
    )
    session.add_all(
        AccompagnementParticipant(accompagnement_id=acc.id, beneficiaire_id=b.id)
        for b in participants
    )
    session.add_all(
        ParticipantsAnonymes(
            accompagnement_id=acc.id,
            genre=c.genre,
            tranche_age=c.tranche_age,
            statut=c.statut,
            nombre=c.nombre,
        )
        for c in clean.anonymes
    )
    activity_at = datetime.combine(clean.date, time(12), tzinfo=UTC)
    if participants:
        session.execute(
            update(Beneficiaire)
            .where(
                Beneficiaire.id.in_([b.id for b in participants]),
                Beneficiaire.derniere_activite_at < activity_at,
            )
            .values(derniere_activite_at=activity_at)
            .execution_options(synchronize_session="fetch")
        )
        avancer_premier_accompagnement(session, [b.id for b in participants], clean.date)
    session.flush()
    # The statistics' daily counts, in this same transaction.
    agregats.apres_accompagnement(session, acc)
    journal_mediation.accompagnement_creation(
        session,
        actor,
        acc.id,
        structure_id=sid,
        type=clean.type,
        beneficiaires=[b.id for b in participants],
        anonymes=sum(c.nombre for c in clean.anonymes),
    )
    return acc


def avancer_premier_accompagnement(
    session: Session, beneficiaire_ids: list[int], jour: date
) -> None:
    """Move the stored first-accompaniment date of these people back to ``jour`` when it is
    earlier (or set it when they had none), in the caller's transaction: an activity typed in
    late may predate everything recorded for them."""
    if not beneficiaire_ids:
        return
    session.execute(
        update(Beneficiaire)
        .where(
            Beneficiaire.id.in_(beneficiaire_ids),
            or_(
                Beneficiaire.premier_accompagnement.is_(None),
                Beneficiaire.premier_accompagnement > jour,
            ),
        )
        .values(premier_accompagnement=jour)
        .execution_options(synchronize_session="fetch")
    )


def get_accompagnement(session: Session, actor: Actor, accompagnement_id: int) -> Accompagnement:
    acc = session.get(Accompagnement, accompagnement_id)
    if acc is None:
        raise NotFoundError(_("Accompagnement introuvable."))
    if not can_see_names(actor, acc.structure_id):
        raise NotFoundError(_("Accompagnement introuvable."))
    return acc


def accompagnement_data(session: Session, acc: Accompagnement) -> AccompagnementData:
    """The form's values of a recorded activity."""
    thematiques = session.scalars(
        select(AccompagnementThematique.thematique).where(
            AccompagnementThematique.accompagnement_id == acc.id
        )
    ).all()
    materiel = session.scalars(
        select(AccompagnementMateriel.materiel).where(
            AccompagnementMateriel.accompagnement_id == acc.id
        )
    ).all()
    named = session.scalars(
        select(AccompagnementParticipant.beneficiaire_id)
        .where(AccompagnementParticipant.accompagnement_id == acc.id)
        .order_by(AccompagnementParticipant.beneficiaire_id)
    ).all()
    anonymes = [
        AnonymousCount(p.genre, p.tranche_age, p.statut, p.nombre)
        for p in session.scalars(
            select(ParticipantsAnonymes).where(ParticipantsAnonymes.accompagnement_id == acc.id)
        )
    ]
    order = {t: i for i, t in enumerate(ref.THEMATIQUES)}
    return AccompagnementData(
        type=acc.type,
        date=acc.date,
        duree_min=acc.duree_min,
        lieu_type=acc.lieu_type,
        thematiques=sorted(thematiques, key=lambda t: order.get(t, 99)),
        materiel=list(materiel),
        beneficiaire_ids=list(named),
        anonymes=anonymes,
        lieu_nom=acc.lieu_nom,
        sous_themes_admin=list(acc.sous_themes_admin or []),
        demarche_nom=acc.demarche_nom,
        autonomie=acc.autonomie,
        oriente=acc.oriente,
        orientation=acc.orientation,
        atelier_titre=acc.atelier_titre,
        atelier_niveau=acc.atelier_niveau,
        notes=acc.notes,
    )


def duplicate_data(
    session: Session,
    actor: Actor,
    accompagnement_id: int,
    *,
    on: date | None = None,
    keep_participants: bool = False,
) -> AccompagnementData:
    """Pre-filled values copied from a previous activity, dated ``on`` (default today), to be
    adjusted and recorded with ``record_accompagnement``. Participants are copied only on
    request (a weekly atelier keeps its group; an individual accompaniment changes person).
    Notes are never copied: they are about one meeting."""
    require(actor, Permission.DOSSIER_ECRIRE, actor.structure_id)
    acc = get_accompagnement(session, actor, accompagnement_id)
    data = accompagnement_data(session, acc)
    data.date = on or date.today()
    data.notes = None
    if not keep_participants:
        data.beneficiaire_ids = []
        data.anonymes = []
    return data


def last_recorded_by(session: Session, actor: Actor) -> Accompagnement | None:
    """The actor's most recent activity: what « Dupliquer la précédente » copies."""
    return session.scalar(
        select(Accompagnement)
        .where(Accompagnement.agent_id == actor.agent_id)
        .order_by(Accompagnement.id.desc())
        .limit(1)
    )


def timeline(session: Session, actor: Actor, beneficiaire_id: int) -> list[TimelineEntry]:
    """Accompaniments and needs assessments of one beneficiary, most recent first."""
    load_visible(session, actor, beneficiaire_id)
    acc_rows = session.execute(
        select(
            Accompagnement.id,
            Accompagnement.date,
            Accompagnement.type,
            Accompagnement.duree_min,
            Accompagnement.structure_id,
            Accompagnement.agent_id,
        )
        .join(AccompagnementParticipant)
        .where(AccompagnementParticipant.beneficiaire_id == beneficiaire_id)
    ).all()
    themes: dict[int, list[str]] = {}
    if acc_rows:
        for acc_id, theme in session.execute(
            select(AccompagnementThematique.accompagnement_id, AccompagnementThematique.thematique)
            .join(
                AccompagnementParticipant,
                AccompagnementParticipant.accompagnement_id
                == AccompagnementThematique.accompagnement_id,
            )
            .where(AccompagnementParticipant.beneficiaire_id == beneficiaire_id)
        ):
            themes.setdefault(acc_id, []).append(theme)
    entries = [
        TimelineEntry(
            "accompagnement",
            r.id,
            r.date,
            r.type,
            r.duree_min,
            tuple(sorted(themes.get(r.id, []))),
            r.structure_id,
            r.agent_id,
        )
        for r in acc_rows
    ]
    for d in session.scalars(
        select(Diagnostic).where(Diagnostic.beneficiaire_id == beneficiaire_id)
    ):
        entries.append(
            TimelineEntry(
                "diagnostic",
                d.id,
                d.date,
                "Diagnostic",
                None,
                tuple(d.thematiques or ()),
                d.structure_id,
                d.agent_id,
            )
        )
    entries.sort(key=lambda e: (e.date, e.kind == "accompagnement", e.id), reverse=True)
    return entries


ACCOMPAGNEMENT_COLUMNS = (
    Accompagnement.id,
    Accompagnement.date,
    Accompagnement.type,
    Accompagnement.duree_min,
    Accompagnement.lieu_type,
    Accompagnement.atelier_titre,
    Accompagnement.structure_id,
    Accompagnement.agent_id,
)


def list_statement(
    actor: Actor,
    *,
    du: date | None = None,
    au: date | None = None,
    structure_id: int | None = None,
    agent_id: int | None = None,
    descending: bool = True,
) -> RowSelect:
    """Visible activities as a SELECT of ``ACCOMPAGNEMENT_COLUMNS`` sorted by date (then id),
    for the GUI's paging model (which adds ``.offset().limit()``)."""
    stmt = select(*ACCOMPAGNEMENT_COLUMNS).where(accompagnement_named_filter(actor))
    if du is not None:
        stmt = stmt.where(Accompagnement.date >= du)
    if au is not None:
        stmt = stmt.where(Accompagnement.date <= au)
    if structure_id is not None:
        stmt = stmt.where(Accompagnement.structure_id == structure_id)
    if agent_id is not None:
        stmt = stmt.where(Accompagnement.agent_id == agent_id)
    keys = (Accompagnement.date, Accompagnement.id)
    return stmt.order_by(*(k.desc() if descending else k.asc() for k in keys))


def participant_count(session: Session, accompagnement_id: int) -> int:
    named = session.scalar(
        select(func.count())
        .select_from(AccompagnementParticipant)
        .where(AccompagnementParticipant.accompagnement_id == accompagnement_id)
    )
    anonymous = session.scalar(
        select(func.coalesce(func.sum(ParticipantsAnonymes.nombre), 0)).where(
            ParticipantsAnonymes.accompagnement_id == accompagnement_id
        )
    )
    return int(named or 0) + int(anonymous or 0)
