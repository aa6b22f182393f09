"""Statistics of the mediation activity, in the sections and with the meanings of the national
tool's statistics (La Coop de la médiation numérique, ``buildStatistiquesWorksheet.ts`` and
``mes-statistiques/_queries``), so that a coordinator comparing both reads the same figures:

- an *activité* is one recorded accompaniment or atelier (« Nombre total d’activités »); an
  *accompagnement* is one person in one activité (« Accompagnements au total »): an atelier with
  three named and two anonymous participants is one activité and five accompagnements;
- « Bénéficiaires accompagnés » counts people: the distinct recorded ones (followed or anonymous)
  plus each anonymous atelier participant, who is one person to the Coop too;
- « Nouveaux bénéficiaires » counts the people whose first accompaniment falls in the period
  (nobody recorded before the period, anywhere), anonymous atelier participants included; the
  date of that first accompaniment is stored on the file, as the Coop does;
- durations fall in [0, 30), [30, 60), [60, 120), [120, ∞) minutes: a bound starts the next bucket;
- ages: the one reference date is the last day of the period (``Perimetre.date_reference_age``);
  as only the birth year is known, the age is the one reached during that day's year. The
  statistics and both list exports use it.

Everything is computed in SQL with a handful of scans over the period's rows: per-section
``GROUP BY`` on the accompaniment and its link tables, and one grouped query over the distinct
beneficiaries who took part. Marginals are derived in Python from those few grouped rows, never
from the rows themselves, so a year over a million accompaniments stays under a second on SQLite.

Who sees what: the permission is ``STATISTIQUES``; an agent whose grant is not territory-wide sees
only the structures it belongs to; the figures are aggregates, so coordinators may read them all.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    case,
    cast,
    func,
    literal_column,
    not_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.auth import Actor, Permission, require_anywhere
from core.errors import PermissionDenied, ValidationError
from core.i18n import _
from core.models import Agent, Structure, TerritoryCommune
from core.territory import cog
from mediation.models import (
    Accompagnement,
    AccompagnementMateriel,
    AccompagnementParticipant,
    AccompagnementThematique,
    Beneficiaire,
    ParticipantsAnonymes,
)
from mediation.referentiel import (
    GENRE_NON_COMMUNIQUE,
    GENRES,
    LIEUX,
    MATERIELS,
    SOUS_THEMES_ADMINISTRATIFS,
    STATUT_NON_COMMUNIQUE,
    STATUTS,
    THEMATIQUES,
    TRANCHE_NON_COMMUNIQUEE,
    TRANCHES_AGE,
    TYPE_COLLECTIF,
    TYPE_INDIVIDUEL,
    TYPES,
)
from mediation.visibility import aggregate_structure_ids

NON_COMMUNIQUE = TRANCHE_NON_COMMUNIQUEE

# Lower bound (years) of each band but the youngest, in the order of ``referentiel``'s own
# derivation: the SQL expression below must give exactly what ``referentiel.tranche_age`` gives
# (a test compares them over every age).
_BAND_FLOORS = ((70, TRANCHES_AGE[6]), (60, TRANCHES_AGE[5]), (40, TRANCHES_AGE[4]),
                (25, TRANCHES_AGE[3]), (18, TRANCHES_AGE[2]), (12, TRANCHES_AGE[1]),
                (0, TRANCHES_AGE[0]))  # fmt: skip

# Duration buckets of the national statistics: upper bound in minutes (exclusive: a duration on
# a bound starts the next bucket), label verbatim from the Coop.
DUREES: tuple[tuple[int | None, str], ...] = (
    (30, "Moins de 30 min"),
    (60, "30min à 1 h"),
    (120, "1 h à 2 h"),
    (None, "2 h et plus"),
)

# Section titles of the Coop's statistics export, verbatim (national labels, never translated:
# the figures are compared line by line with the national tool's).
TITRE_TYPES = "Statistiques sur vos activités"
TITRE_ACCOMPAGNEMENTS_PAR_TYPE = "Accompagnements par type"
TITRE_THEMATIQUES = "Thématiques Médiation numérique"
TITRE_DEMARCHES = "Thématiques Démarches administratives"
TITRE_TAGS = "Tags"
TITRE_MATERIELS = "Matériel utilisés"
TITRE_CANAUX = "Canaux des activités"
TITRE_DUREES = "Durées des activités"
TITRE_LIEUX = "Nombre d’activités par lieux"
TITRE_GENRES = "Genre"
TITRE_TRANCHES = "Tranches d’âge"
TITRE_STATUTS = "Statuts"
TITRE_COMMUNES = "Commune de résidence des bénéficiaires"


def _tranche_age_sql(annee_reference: int) -> ColumnElement[str]:
    # The year is an int rendered inline: PostgreSQL refuses a GROUP BY whose expression holds
    # bind parameters distinct from the SELECT's, even when they carry the same value.
    age: ColumnElement[int] = (
        literal_column(str(int(annee_reference))) - Beneficiaire.annee_naissance
    )
    return case(
        (
            Beneficiaire.annee_naissance.is_(None),
            func.coalesce(Beneficiaire.tranche_age_declaree, NON_COMMUNIQUE),
        ),
        *((age >= floor, literal_column(f"'{label}'")) for floor, label in _BAND_FLOORS),
        # A birth year after the reference year is an input error: not communicated.
        else_=literal_column(f"'{TRANCHE_NON_COMMUNIQUEE}'"),
    )


def duree_bucket(minutes: int) -> str:
    for upper, label in DUREES:
        if upper is None or minutes < upper:
            return label
    raise AssertionError("unreachable: the last bucket has no upper bound")


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ligne:
    libelle: str
    nombre: int
    code: str | None = None  # INSEE code for communes


@dataclass
class Repartition:
    """One section: labelled counts and the total the shares are taken of."""

    titre: str
    lignes: list[Ligne]
    total: int

    def part(self, ligne: Ligne) -> float:
        return ligne.nombre / self.total if self.total else 0.0

    def nombre(self, libelle: str) -> int:
        return next((ligne.nombre for ligne in self.lignes if ligne.libelle == libelle), 0)


@dataclass(frozen=True)
class Perimetre:
    """What the statistics cover: a period (inclusive dates) and optionally a structure or a
    mediator; neither means every structure the actor may see (the territory for a coordinator).
    """

    du: date
    au: date
    structure_id: int | None = None
    agent_id: int | None = None

    @property
    def date_reference_age(self) -> date:
        """The one date ages are reckoned on, in the statistics and in both list exports."""
        return self.au


@dataclass
class Statistiques:
    perimetre: Perimetre
    libelle_perimetre: str
    activites: int  # « Nombre total d’activités »
    accompagnements: int  # « Accompagnements au total »: one per person and activity
    beneficiaires: int  # « Bénéficiaires accompagnés »: suivis + anonymes
    beneficiaires_suivis: int
    beneficiaires_anonymes: int  # anonymous recorded people and anonymous atelier participants
    participants_ateliers: int  # « Nombre total de participants aux ateliers »
    nouveaux_beneficiaires: int
    types: Repartition  # activités by type
    participants_par_type: Repartition  # accompagnements by type
    thematiques: Repartition
    demarches: Repartition
    tags: Repartition
    materiels: Repartition
    canaux: Repartition
    durees: Repartition
    lieux: Repartition
    genres: Repartition
    tranches_age: Repartition
    statuts: Repartition
    communes: Repartition
    duree_totale_min: int = 0
    sections: list[Repartition] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sections = [
            self.types,
            self.participants_par_type,
            self.thematiques,
            self.demarches,
            self.tags,
            self.materiels,
            self.canaux,
            self.durees,
            self.lieux,
            self.genres,
            self.tranches_age,
            self.statuts,
            self.communes,
        ]

    @property
    def participants(self) -> int:
        """Every participation, anonymous ones included: the Coop's « Accompagnements au total »."""
        return self.accompagnements

    @property
    def date_reference_age(self) -> date:
        return self.perimetre.date_reference_age


# --- scope -------------------------------------------------------------------------------------


def structures_visibles(actor: Actor) -> frozenset[int] | None:
    """Structures whose statistics ``actor`` may read; None means the whole territory."""
    return aggregate_structure_ids(actor)


def structures_du_perimetre(actor: Actor, perimetre: Perimetre) -> frozenset[int] | None:
    """Check ``perimetre`` against what ``actor`` may see; the structures to filter on."""
    require_anywhere(actor, Permission.STATISTIQUES)
    if perimetre.au < perimetre.du:
        raise ValidationError(_("La date de fin précède la date de début."), field="au")
    visibles = structures_visibles(actor)
    if perimetre.structure_id is not None:
        if visibles is not None and perimetre.structure_id not in visibles:
            raise PermissionDenied(
                _("Vous ne voyez que les statistiques de vos propres structures.")
            )
        return frozenset({perimetre.structure_id})
    return visibles


def _filtre_accompagnements(
    perimetre: Perimetre, structures: frozenset[int] | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Accompagnement.date >= perimetre.du,
        Accompagnement.date <= perimetre.au,
    ]
    if structures is not None:
        conditions.append(Accompagnement.structure_id.in_(sorted(structures)))
    if perimetre.agent_id is not None:
        conditions.append(Accompagnement.agent_id == perimetre.agent_id)
    return conditions


def libelle_perimetre(session: Session, actor: Actor, perimetre: Perimetre) -> str:
    parts: list[str] = []
    if perimetre.structure_id is not None:
        structure = session.get(Structure, perimetre.structure_id)
        parts.append(structure.nom if structure else str(perimetre.structure_id))
    if perimetre.agent_id is not None:
        agent = session.get(Agent, perimetre.agent_id)
        parts.append(agent.display_name if agent else str(perimetre.agent_id))
    if not parts:
        parts.append(
            _("Tout le territoire")
            if structures_visibles(actor) is None
            else _("Toutes vos structures")
        )
    return " — ".join(parts)


# --- computation -------------------------------------------------------------------------------


def _repartition(titre: str, counts: Counter[str], ordre: Iterable[str], total: int) -> Repartition:
    """Every national value in its order (zeros included), then any other value found."""
    ordre = list(ordre)
    lignes = [Ligne(v, counts.get(v, 0)) for v in ordre]
    lignes += [Ligne(v, n) for v, n in sorted(counts.items()) if v not in ordre and n]
    return Repartition(titre, lignes, total)


def _counter(rows: Iterable[Any]) -> Counter[str]:
    result: Counter[str] = Counter()
    for key, n in rows:
        result[key if key is not None else NON_COMMUNIQUE] += int(n or 0)
    return result


# Accompaniments outside the scope tolerated inside the period's id range (recorded late, or
# at another structure between two of this scope's): they are excluded by a literal id list.
MAX_EXCLUS = 5000


@dataclass(frozen=True)
class _Plage:
    """How the period's accompaniments can be selected in the link tables.

    Accompaniments are numbered as they are recorded, so a period usually is one run of ids with
    at most a few strangers in it (an activity typed in late). Then link tables are filtered by
    an id range (a primary-key range scan) minus those few ids, instead of a join per row; when
    the run spans the whole table, no filter at all. Exactly the same counts, far fewer lookups.
    Otherwise (``contigue`` false) the statistics join on the accompaniment.
    """

    nombre: int
    premier: int | None
    dernier: int | None
    contigue: bool
    toute_la_table: bool
    exclus: tuple[int, ...] = ()

    def filtre(self, link_id: InstrumentedAttribute[int]) -> list[ColumnElement[bool]]:
        if self.toute_la_table:
            return []
        conditions: list[ColumnElement[bool]] = [link_id.between(self.premier, self.dernier)]
        if self.exclus:
            conditions.append(link_id.not_in(self.exclus))
        return conditions


def _plage(session: Session, where: list[ColumnElement[bool]]) -> _Plage:
    nombre, premier, dernier = session.execute(
        select(func.count(), func.min(Accompagnement.id), func.max(Accompagnement.id)).where(*where)
    ).one()
    if not nombre:
        return _Plage(0, None, None, False, False)
    if nombre == dernier - premier + 1:
        # As many ids as the range holds integers: every one of them is in the scope.
        etrangers = 0
    else:
        dans_la_plage = session.scalar(
            select(func.count())
            .select_from(Accompagnement)
            .where(Accompagnement.id.between(premier, dernier))
        )
        etrangers = int(dans_la_plage or 0) - int(nombre)
    if etrangers > MAX_EXCLUS:
        return _Plage(int(nombre), premier, dernier, False, False)
    exclus: tuple[int, ...] = ()
    if etrangers:
        exclus = tuple(
            session.scalars(
                select(Accompagnement.id).where(
                    Accompagnement.id.between(premier, dernier), not_(and_(*where))
                )
            )
        )
    # Two statements: SQLite answers a lone min() or max() from the b-tree edge, not both at once.
    toute = (
        not exclus
        and premier == session.scalar(select(func.min(Accompagnement.id)))
        and dernier == session.scalar(select(func.max(Accompagnement.id)))
    )
    return _Plage(int(nombre), premier, dernier, True, toute, exclus)


def calculer_statistiques(session: Session, actor: Actor, perimetre: Perimetre) -> Statistiques:
    structures = structures_du_perimetre(actor, perimetre)
    where = _filtre_accompagnements(perimetre, structures)
    plage = _plage(session, where)
    acc_where = plage.filtre(Accompagnement.id) if plage.contigue else where

    # 1. One pass over the period's accompaniments: type, lieu, durations, minutes.
    bornes = [upper for upper, _label in DUREES if upper is not None]
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Accompagnement.duree_min), 0),
            *(func.count().filter(Accompagnement.type == t) for t in TYPES),
            *(func.count().filter(Accompagnement.lieu_type == v) for v in LIEUX),
            *(func.count().filter(Accompagnement.duree_min < b) for b in bornes),
        ).where(*acc_where)
    ).one()
    nb_accompagnements, duree_totale = int(row[0]), int(row[1])
    rest = list(row[2:])
    types = Counter({t: int(rest.pop(0)) for t in TYPES})
    canaux = Counter({v: int(rest.pop(0)) for v in LIEUX})
    cumul = [int(rest.pop(0)) for _b in bornes] + [nb_accompagnements]
    durees = Counter(
        {label: cumul[i] - (cumul[i - 1] if i else 0) for i, (_upper, label) in enumerate(DUREES)}
    )
    demarches = _sous_themes(session, acc_where)
    autre = _("Autre valeur")
    for counter in (types, canaux):
        hors_referentiel = nb_accompagnements - sum(counter.values())
        if hors_referentiel:
            counter[autre] += hors_referentiel
    lieux = _activites_par_lieu(session, acc_where)

    def link_counts(
        column: InstrumentedAttribute[str], link_id: InstrumentedAttribute[int]
    ) -> Counter[str]:
        query: Select[str, int] = select(column, func.count()).group_by(column)
        if plage.contigue:
            query = query.where(*plage.filtre(link_id))
        else:
            query = query.join(Accompagnement, Accompagnement.id == link_id).where(*where)
        return _counter(session.execute(query).all())

    thematiques = link_counts(
        AccompagnementThematique.thematique, AccompagnementThematique.accompagnement_id
    )
    # Matériel has no index of its own: FILTER counts of the five national values read the rows
    # once without sorting them; anything else is counted as « Autre valeur ».
    materiel = AccompagnementMateriel.materiel
    par_materiel = select(
        func.count(), *(func.count().filter(materiel == v) for v in MATERIELS)
    ).select_from(AccompagnementMateriel)
    if plage.contigue:
        par_materiel = par_materiel.where(*plage.filtre(AccompagnementMateriel.accompagnement_id))
    else:
        par_materiel = par_materiel.join(
            Accompagnement, Accompagnement.id == AccompagnementMateriel.accompagnement_id
        ).where(*where)
    row = session.execute(par_materiel).one()
    materiels = Counter({v: int(n) for v, n in zip(MATERIELS, row[1:], strict=True)})
    if int(row[0]) > sum(materiels.values()):
        materiels[autre] += int(row[0]) - sum(materiels.values())

    # 2. Participations: named ones, and anonymous ones by their declared profile.
    participant_id = AccompagnementParticipant.accompagnement_id
    named = select(func.count()).select_from(AccompagnementParticipant)
    if plage.contigue:
        named = named.where(*plage.filtre(participant_id))
    else:
        named = named.join(Accompagnement, Accompagnement.id == participant_id).where(*where)
    nb_nommes = int(session.scalar(named) or 0)
    anonymes = select(
        ParticipantsAnonymes.genre,
        ParticipantsAnonymes.tranche_age,
        ParticipantsAnonymes.statut,
        func.sum(ParticipantsAnonymes.nombre),
    ).group_by(
        ParticipantsAnonymes.genre, ParticipantsAnonymes.tranche_age, ParticipantsAnonymes.statut
    )
    if plage.contigue:
        anonymes = anonymes.where(*plage.filtre(ParticipantsAnonymes.accompagnement_id))
    else:
        anonymes = anonymes.join(
            Accompagnement, Accompagnement.id == ParticipantsAnonymes.accompagnement_id
        ).where(*where)
    anon_genres: Counter[str] = Counter()
    anon_tranches: Counter[str] = Counter()
    anon_statuts: Counter[str] = Counter()
    for genre, tranche, statut, n in session.execute(anonymes):
        n = int(n or 0)
        anon_genres[genre] += n
        anon_tranches[tranche if tranche in TRANCHES_AGE else NON_COMMUNIQUE] += n
        anon_statuts[statut] += n
    nb_anonymes = sum(anon_genres.values())
    # An individual accompaniment concerns exactly one person, named or anonymous (a rule of
    # ``validate_accompagnement``): the ateliers' participants are all the others, no join needed.
    individuels = types[TYPE_INDIVIDUEL]
    participations = Counter(
        {
            TYPE_INDIVIDUEL: individuels,
            TYPE_COLLECTIF: nb_nommes + nb_anonymes - individuels,
        }
    )

    # 3. The distinct people recorded in the period's activities, profiled in one grouped query.
    if plage.toute_la_table:
        present: ColumnElement[bool] = (
            select(AccompagnementParticipant.beneficiaire_id)
            .where(AccompagnementParticipant.beneficiaire_id == Beneficiaire.id)
            .exists()
        )
    elif plage.contigue:
        present = Beneficiaire.id.in_(
            select(AccompagnementParticipant.beneficiaire_id).where(*plage.filtre(participant_id))
        )
    else:
        present = Beneficiaire.id.in_(
            select(AccompagnementParticipant.beneficiaire_id)
            .join(Accompagnement, Accompagnement.id == participant_id)
            .where(*where)
        )
    tranche_sql = _tranche_age_sql(perimetre.date_reference_age.year)
    # New: whose first accompaniment, anywhere, falls in the period. The date is stored on the
    # person by every write that adds or moves a participation, so this is a range test, not a
    # lookup through each person's participations.
    nouveau = Beneficiaire.premier_accompagnement.between(perimetre.du, perimetre.au)
    genres: Counter[str] = Counter()
    tranches: Counter[str] = Counter()
    statuts: Counter[str] = Counter()
    communes: Counter[str] = Counter()
    nb_beneficiaires = nb_nouveaux = nb_anonymes_enregistres = 0
    if plage.nombre:
        for genre, tranche_, statut, commune, n, nouveaux, anonymes_ in session.execute(
            select(
                Beneficiaire.genre,
                tranche_sql,
                Beneficiaire.statut,
                Beneficiaire.commune_insee,
                func.count(),
                func.count().filter(nouveau),
                func.count().filter(Beneficiaire.anonyme.is_(True)),
            )
            .where(present)
            .group_by(
                Beneficiaire.genre, tranche_sql, Beneficiaire.statut, Beneficiaire.commune_insee
            )
        ):
            genres[genre or GENRE_NON_COMMUNIQUE] += n
            tranches[tranche_] += n
            statuts[statut or STATUT_NON_COMMUNIQUE] += n
            communes[commune or ""] += n
            nb_beneficiaires += n
            nb_nouveaux += int(nouveaux or 0)
            nb_anonymes_enregistres += int(anonymes_ or 0)

    genres.update(anon_genres)
    tranches.update(anon_tranches)
    statuts.update(anon_statuts)
    personnes = nb_beneficiaires + nb_anonymes
    if nb_anonymes:
        communes[""] += nb_anonymes
    accompagnements = sum(participations.values())

    return Statistiques(
        perimetre=perimetre,
        libelle_perimetre=libelle_perimetre(session, actor, perimetre),
        activites=nb_accompagnements,
        accompagnements=accompagnements,
        beneficiaires=personnes,
        beneficiaires_suivis=nb_beneficiaires - nb_anonymes_enregistres,
        beneficiaires_anonymes=nb_anonymes_enregistres + nb_anonymes,
        participants_ateliers=participations[TYPE_COLLECTIF],
        # Each anonymous atelier participant is a person met once: new, as the Coop counts them.
        nouveaux_beneficiaires=nb_nouveaux + nb_anonymes,
        types=_repartition(TITRE_TYPES, types, TYPES, nb_accompagnements),
        participants_par_type=_repartition(
            TITRE_ACCOMPAGNEMENTS_PAR_TYPE, participations, TYPES, accompagnements
        ),
        thematiques=_repartition(TITRE_THEMATIQUES, thematiques, THEMATIQUES, nb_accompagnements),
        demarches=_repartition(
            TITRE_DEMARCHES, demarches, SOUS_THEMES_ADMINISTRATIFS, nb_accompagnements
        ),
        # Médianum records no tags: the section is there, empty, where the Coop has it.
        tags=Repartition(TITRE_TAGS, [], 0),
        materiels=_repartition(TITRE_MATERIELS, materiels, MATERIELS, nb_accompagnements),
        canaux=_repartition(TITRE_CANAUX, canaux, LIEUX, nb_accompagnements),
        durees=_repartition(
            TITRE_DUREES, durees, [label for _upper, label in DUREES], nb_accompagnements
        ),
        lieux=Repartition(TITRE_LIEUX, lieux, nb_accompagnements),
        genres=_repartition(TITRE_GENRES, genres, GENRES, personnes),
        tranches_age=_repartition(TITRE_TRANCHES, tranches, TRANCHES_AGE, personnes),
        statuts=_repartition(TITRE_STATUTS, statuts, STATUTS, personnes),
        communes=_repartition_communes(session, communes, personnes),
        duree_totale_min=duree_totale,
    )


def _sous_themes(session: Session, where: list[ColumnElement[bool]]) -> Counter[str]:
    """Accompaniments per administrative sub-theme. The lists are stored as JSON text and few
    distinct lists occur: grouped by their text, then each list is read once in Python."""
    texte = cast(Accompagnement.sous_themes_admin, Text)
    counts: Counter[str] = Counter()
    for valeur, n in session.execute(
        select(texte, func.count()).where(*where, texte != "[]").group_by(texte)
    ):
        for sous_theme in set(json.loads(valeur) or ()) if valeur else ():
            counts[sous_theme] += int(n)
    return counts


def _activites_par_lieu(session: Session, where: list[ColumnElement[bool]]) -> list[Ligne]:
    """Activités per structure, most first: the Coop's « Nombre d’activités par lieux »."""
    rows = session.execute(
        select(Structure.nom, func.count())
        .select_from(Accompagnement)
        .join(Structure, Structure.id == Accompagnement.structure_id)
        .where(*where)
        .group_by(Structure.id, Structure.nom)
    ).all()
    return [Ligne(str(nom), int(n)) for nom, n in sorted(rows, key=lambda r: (-r[1], r[0]))]


def _repartition_communes(session: Session, counts: Counter[str], total: int) -> Repartition:
    """Territory communes first (each, even at zero), then outside ones, then not communicated."""
    territoire = list(
        session.execute(select(TerritoryCommune.code_insee, TerritoryCommune.nom)).all()
    )
    noms = dict(territoire)
    lignes = [
        Ligne(nom, counts.get(code, 0), code)
        for code, nom in sorted(territoire, key=lambda row: (-counts.get(row[0], 0), row[1]))
    ]
    reference = cog()
    for code, n in sorted(counts.items(), key=lambda item: -item[1]):
        if code in noms or not code or not n:
            continue
        commune = reference.get(code)
        nom = commune.nom if commune else code
        lignes.append(Ligne(_("{nom} (hors territoire)").format(nom=nom), n, code))
    if counts.get(""):
        lignes.append(Ligne(NON_COMMUNIQUE, counts[""], None))
    return Repartition(TITRE_COMMUNES, lignes, total)


@dataclass(frozen=True)
class ChoixPerimetre:
    """What the statistics page offers to narrow on, among what the actor may see."""

    structures: list[tuple[int, str]]
    mediateurs: list[tuple[int, str]]


def choix_perimetre(session: Session, actor: Actor) -> ChoixPerimetre:
    require_anywhere(actor, Permission.STATISTIQUES)
    visibles = structures_visibles(actor)
    structures = select(Structure.id, Structure.nom).order_by(Structure.nom)
    # Mediators: the agents who recorded an accompaniment in a visible structure.
    auteurs = select(Accompagnement.agent_id).distinct()
    if visibles is not None:
        structures = structures.where(Structure.id.in_(sorted(visibles)))
        auteurs = auteurs.where(Accompagnement.structure_id.in_(sorted(visibles)))
    mediateurs = (
        select(Agent.id, Agent.display_name)
        .where(Agent.id.in_(auteurs))
        .order_by(Agent.display_name)
    )
    return ChoixPerimetre(
        [(int(i), str(n)) for i, n in session.execute(structures)],
        [(int(i), str(n)) for i, n in session.execute(mediateurs)],
    )
