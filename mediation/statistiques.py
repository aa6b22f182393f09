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

Every activity-level figure is summed from the pre-aggregated daily and monthly counts that
``mediation.agregats`` keeps exact in each writer's transaction (a few thousand rows whatever the
volume); the distinct people of the period are found in ``stat_presence`` (one seek per person
on file, or the day index for a small period) and profiled by one grouped query on
``beneficiaire``, whose values are read at query time, never copied. That last query is what
still costs seconds over 200,000 people (see docs/performance.md).

Who sees what: the permission is ``STATISTIQUES``; an agent whose grant is not territory-wide sees
only the structures it belongs to; the figures are aggregates, so coordinators may read them all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, or_, select
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require_anywhere
from core.errors import PermissionDenied, ValidationError
from core.i18n import _
from core.models import Agent, Structure, TerritoryCommune
from core.territory import cog
from mediation import agregats
from mediation.agregats import DUREES
from mediation.models import (
    Accompagnement,
    Beneficiaire,
    StatActiviteJour,
    StatActiviteMois,
    StatPresence,
    StatProfil,
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
# (the tests compare the statistics with figures computed by ``tranche_age``).
_BAND_FLOORS = ((70, TRANCHES_AGE[6]), (60, TRANCHES_AGE[5]), (40, TRANCHES_AGE[4]),
                (25, TRANCHES_AGE[3]), (18, TRANCHES_AGE[2]), (12, TRANCHES_AGE[1]),
                (0, TRANCHES_AGE[0]))  # fmt: skip

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


def _tranche_age_sql(annee_reference: int, table: Any = Beneficiaire) -> ColumnElement[str]:
    """The age band on ``annee_reference`` from ``table``'s birth year and declared band."""
    # The year is an int rendered inline: PostgreSQL refuses a GROUP BY whose expression holds
    # bind parameters distinct from the SELECT's, even when they carry the same value.
    age: ColumnElement[int] = literal_column(str(int(annee_reference))) - table.annee_naissance
    declaree = table.tranche_age_declaree
    nationale = or_(*(declaree == literal_column(f"'{label}'") for label in TRANCHES_AGE))
    return case(
        (
            table.annee_naissance.is_(None),
            # A declared band outside the national list is not communicated, as in
            # ``tranche_age``.
            case(
                (nationale, declaree),
                else_=literal_column(f"'{NON_COMMUNIQUE}'"),
            ),
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


def _filtre_agregats(
    du: date,
    au: date,
    structures: frozenset[int] | None,
    agent_id: int | None,
    jour: Any,
    structure_id: Any,
    agent: Any,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [jour >= du, jour <= au]
    if structures is not None:
        conditions.append(structure_id.in_(sorted(structures)))
    if agent_id is not None:
        conditions.append(agent == agent_id)
    return conditions


# Below this many named participations per person on file, the period's people are found from
# the day index of ``stat_presence`` (a few rows); above it, each person on file is probed by
# one seek, which costs the same whatever the period. Both give the same people.
_PART_PAR_PROBE = 4


def calculer_statistiques(
    session: Session, actor: Actor, perimetre: Perimetre, *, parcours: str | None = None
) -> Statistiques:
    """``parcours`` forces how the period's people are found (``"jours"`` or ``"personnes"``,
    for tests); by default the cheaper one for the period's size."""
    structures = structures_du_perimetre(actor, perimetre)

    # 1. Every activity-level figure: the period's whole months from the monthly counts, its
    # edge days from the daily ones, summed; activities per structure on the way.
    comptes: dict[str, Counter[str]] = {}
    par_structure: Counter[int] = Counter()
    for table, colonne, du, au in _tranches(perimetre.du, perimetre.au):
        where = _filtre_agregats(
            du, au, structures, perimetre.agent_id, colonne, table.structure_id, table.agent_id
        )
        # Inline, not bound: PostgreSQL refuses GROUP BY parameters other than the SELECT's.
        activites = table.dimension == literal_column(f"'{agregats.ACTIVITES}'")
        structure = case((activites, table.structure_id), else_=None)
        for dimension, valeur, structure_id, n in session.execute(
            select(table.dimension, table.valeur, structure, func.sum(table.nombre))
            .where(*where)
            .group_by(table.dimension, table.valeur, structure)
        ):
            comptes.setdefault(str(dimension), Counter())[str(valeur)] += int(n or 0)
            if structure_id is not None:
                par_structure[int(structure_id)] += int(n or 0)

    def compte(dimension: str) -> Counter[str]:
        return comptes.get(dimension, Counter())

    nb_accompagnements = compte(agregats.ACTIVITES)[""]
    duree_totale = compte(agregats.DUREE_TOTALE)[""]
    autre = _("Autre valeur")
    types = Counter({t: compte(agregats.TYPE)[t] for t in TYPES})
    canaux = Counter({v: compte(agregats.LIEU_TYPE)[v] for v in LIEUX})
    for counter in (types, canaux):
        hors_referentiel = nb_accompagnements - sum(counter.values())
        if hors_referentiel:
            counter[autre] += hors_referentiel
    durees = compte(agregats.DUREE)
    demarches = compte(agregats.SOUS_THEME)
    thematiques = compte(agregats.THEMATIQUE)
    tous_materiels = compte(agregats.MATERIEL)
    materiels = Counter({v: tous_materiels[v] for v in MATERIELS})
    if sum(tous_materiels.values()) > sum(materiels.values()):
        materiels[autre] += sum(tous_materiels.values()) - sum(materiels.values())
    lieux = _activites_par_lieu(session, par_structure)

    # 2. Participations: named ones, and anonymous ones by their declared profile.
    nb_nommes = compte(agregats.NOMMES)[""]
    anon_genres = compte(agregats.ANONYMES_GENRE)
    anon_statuts = compte(agregats.ANONYMES_STATUT)
    anon_tranches: Counter[str] = Counter()
    for tranche, n in compte(agregats.ANONYMES_TRANCHE).items():
        anon_tranches[tranche if tranche in TRANCHES_AGE else NON_COMMUNIQUE] += n
    nb_anonymes = sum(anon_genres.values())
    # An individual accompaniment concerns exactly one person, named or anonymous (a rule of
    # ``validate_accompagnement``): the ateliers' participants are all the others.
    individuels = types[TYPE_INDIVIDUEL]
    participations = Counter(
        {
            TYPE_INDIVIDUEL: individuels,
            TYPE_COLLECTIF: nb_nommes + nb_anonymes - individuels,
        }
    )

    # 3. The distinct people recorded in the period's activities, profiled in one grouped query.
    genres: Counter[str] = Counter()
    tranches: Counter[str] = Counter()
    statuts: Counter[str] = Counter()
    communes: Counter[str] = Counter()
    nb_beneficiaires = nb_nouveaux = nb_anonymes_enregistres = 0
    if nb_nommes:
        rows = _personnes(session, perimetre, structures, nb_nommes, parcours)
        for genre, tranche_, statut, commune, n, nouveaux, anonymes_ in rows:
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


def _personnes(
    session: Session,
    perimetre: Perimetre,
    structures: frozenset[int] | None,
    nb_nommes: int,
    parcours: str | None,
) -> list[Any]:
    """(genre, age band, statut, commune, people, new ones, anonymous ones) of the distinct
    people in the period's activities, grouped."""
    presence = StatPresence
    sqlite = session.get_bind().dialect.name == "sqlite"
    dans_le_perimetre = _filtre_agregats(
        perimetre.du, perimetre.au, structures, perimetre.agent_id,
        presence.jour, presence.structure_id, presence.agent_id,
    )  # fmt: skip
    if parcours is None:
        fichiers = int(session.scalar(select(func.max(Beneficiaire.id))) or 0)
        parcours = "jours" if nb_nommes * _PART_PAR_PROBE < fichiers else "personnes"
    if parcours == "jours":
        # Few participations: read them from the day index, people found by their id.
        present: ColumnElement[bool] = Beneficiaire.id.in_(
            select(presence.beneficiaire_id).where(*dans_le_perimetre)
        )
    else:
        # Many: one seek per person on file in their own presence rows (the primary key), which
        # costs the same whatever the period. Nobody first accompanied after the period can be
        # in it; on the whole territory, whoever was first accompanied within it is in it.
        seek = (
            select(presence.beneficiaire_id)
            .where(presence.beneficiaire_id == Beneficiaire.id, *dans_le_perimetre)
            .exists()
        )
        premier: ColumnElement[date | None] = Beneficiaire.premier_accompagnement.expression
        if sqlite:
            # ``coalesce(x, x)`` is ``x``, written so that SQLite cannot walk the index of the
            # first accompaniment (and read each row from the table): it then takes every file
            # in id order from the narrow ``ix_beneficiaire_stat``, each seek following the
            # presence table's key order (three times faster on 200,000 people).
            premier = func.coalesce(premier, premier)
        present = and_(premier <= perimetre.au, seek)
        if structures is None and perimetre.agent_id is None:
            present = and_(premier <= perimetre.au, or_(premier >= perimetre.du, seek))
    # New: whose first accompaniment, anywhere, falls in the period (stored on the person).
    nouveau = Beneficiaire.premier_accompagnement.between(perimetre.du, perimetre.au)
    if not sqlite:
        # PostgreSQL groups the people by their columns as fast as by their profile key, and
        # sends back a few thousand groups instead of one row per distinct profile.
        tranche_sql = _tranche_age_sql(perimetre.date_reference_age.year)
        return list(
            session.execute(
                select(
                    Beneficiaire.genre, tranche_sql, Beneficiaire.statut,
                    Beneficiaire.commune_insee, func.count(), func.count().filter(nouveau),
                    func.count().filter(Beneficiaire.anonyme.is_(True)),
                )
                .where(present)
                .group_by(
                    Beneficiaire.genre, tranche_sql, Beneficiaire.statut,
                    Beneficiaire.commune_insee,
                )
            )
        )  # fmt: skip
    # SQLite: grouped by the profile key (one integer, read from the narrow index), then the
    # profiles' groups joined to their values in ``stat_profil`` and grouped as above.
    par_profil = (
        select(
            Beneficiaire.profil_stat.label("profil"),
            func.count().label("n"),
            func.count().filter(nouveau).label("nouveaux"),
        )
        .where(present)
        .group_by(Beneficiaire.profil_stat)
    )
    groupes = par_profil.subquery()
    profil = StatProfil
    tranche_sql = _tranche_age_sql(perimetre.date_reference_age.year, profil)
    return list(
        session.execute(
            select(
                profil.genre, tranche_sql, profil.statut, profil.commune_insee,
                func.sum(groupes.c.n), func.sum(groupes.c.nouveaux),
                func.sum(case((profil.anonyme.is_(True), groupes.c.n), else_=0)),
            )
            .join(profil, profil.id == groupes.c.profil)
            .group_by(profil.genre, tranche_sql, profil.statut, profil.commune_insee)
        )
    )  # fmt: skip


def _activites_par_lieu(session: Session, par_structure: Counter[int]) -> list[Ligne]:
    """Activités per structure, most first: the Coop's « Nombre d’activités par lieux »."""
    noms = dict(
        session.execute(
            select(Structure.id, Structure.nom).where(Structure.id.in_(sorted(par_structure)))
        ).all()
    )
    rows = [(str(noms[i]), n) for i, n in par_structure.items() if n and i in noms]
    return [Ligne(nom, n) for nom, n in sorted(rows, key=lambda r: (-r[1], r[0]))]


def _tranches(du: date, au: date) -> list[tuple[Any, Any, date, date]]:
    """(table, date column, from, to) covering [du, au]: whole calendar months from the monthly
    counts, the days before the first and after the last whole month from the daily ones."""
    jour, mois = StatActiviteJour, StatActiviteMois
    premier_entier = du if du.day == 1 else agregats.fin_du_mois(du) + timedelta(days=1)
    dernier_entier = au if agregats.fin_du_mois(au) == au else au.replace(day=1) - timedelta(days=1)
    if premier_entier > dernier_entier:
        return [(jour, jour.jour, du, au)]
    out: list[tuple[Any, Any, date, date]] = [
        (mois, mois.mois, premier_entier, agregats.debut_du_mois(dernier_entier))
    ]
    if du < premier_entier:
        out.append((jour, jour.jour, du, premier_entier - timedelta(days=1)))
    if dernier_entier < au:
        out.append((jour, jour.jour, dernier_entier + timedelta(days=1), au))
    return out


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
