"""Daily pre-aggregates of the mediation activity, kept exact in the writer's transaction.

The statistics (``mediation.statistiques``) read two derived tables instead of the
accompaniments and their link tables:

- ``stat_activite_jour``: per day, structure and mediator, the count of each counted value
  (types, places, duration buckets, thématiques, démarche sub-themes, matériel, named and
  anonymous participants, minutes), and ``stat_activite_mois`` the same per calendar month,
  summed from its days: a period reads its whole months there and only its edge days by day;
- ``stat_presence``: per person, the (day, structure, mediator) triples of their participations.

How they stay exact: they are never updated by increments. Each write that changes what they
summarise *recomputes* the cells it touched from the source tables, in the same transaction,
before the commit: ``rafraichir_activites`` for the (day, structure, mediator) cells of the
accompaniments written, ``rafraichir_presence`` for the people whose participations moved. A
recomputed cell is by construction what a full rebuild would give (``reconstruire``, also what
the migration's backfill and the demo generator run), and a property test checks it after
random sequences of writes on both engines.

The writes that change them: ``record_accompagnement`` (one cell, its participants), and
``merge_beneficiaires`` (participations move from one person to the other, and a shared
activity loses one named participant). Nothing else writes accompaniments or participations:
the import creates people without participations, an erasure or an edit of a person changes
their profile (read from ``beneficiaire`` at query time, never copied here), and there is no
deletion or edit of an accompaniment. A new write path must call these functions.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Text,
    case,
    cast,
    delete,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from mediation.models import (
    Accompagnement,
    AccompagnementMateriel,
    AccompagnementParticipant,
    AccompagnementThematique,
    ParticipantsAnonymes,
    StatActiviteJour,
    StatActiviteMois,
    StatPresence,
)

# Duration buckets of the national statistics: upper bound in minutes (exclusive: a duration on
# a bound starts the next bucket), label verbatim from the Coop.
DUREES: tuple[tuple[int | None, str], ...] = (
    (30, "Moins de 30 min"),
    (60, "30min à 1 h"),
    (120, "1 h à 2 h"),
    (None, "2 h et plus"),
)

ACTIVITES = "activites"
DUREE_TOTALE = "duree_totale"
TYPE = "type"
LIEU_TYPE = "lieu_type"
DUREE = "duree"
THEMATIQUE = "thematique"
SOUS_THEME = "sous_theme"
MATERIEL = "materiel"
NOMMES = "nommes"
ANONYMES_GENRE = "anonymes_genre"
ANONYMES_TRANCHE = "anonymes_tranche"
ANONYMES_STATUT = "anonymes_statut"

Cellule = tuple[date, int, int]
_Cle = tuple[date, int, int, str, str]

_CHUNK = 500


def _duree_sql() -> ColumnElement[str]:
    # Bounds and labels inline, not bound: PostgreSQL refuses a GROUP BY whose expression holds
    # bind parameters distinct from the SELECT's, even with the same values.
    whens: list[tuple[ColumnElement[bool], ColumnElement[str]]] = [
        (Accompagnement.duree_min < literal_column(str(int(upper))), literal_column(f"'{label}'"))
        for upper, label in DUREES
        if upper
    ]
    return case(*whens, else_=literal_column(f"'{DUREES[-1][1]}'"))


def _compter(session: Session, where: list[ColumnElement[bool]]) -> Counter[_Cle]:
    """Every counted value of the accompaniments matching ``where``, per cell."""
    a = Accompagnement
    cellule = (a.date, a.structure_id, a.agent_id)
    out: Counter[_Cle] = Counter()

    def grouped(value: Any, measure: Any, *joins: tuple[Any, Any]) -> Iterable[Any]:
        """(day, structure, mediator, value, measure) rows; ``value`` None: no value."""
        shown = value if value is not None else literal_column("''")
        query = select(*cellule, shown, measure).select_from(a)
        for table, on in joins:
            query = query.join(table, on)
        keys = (*cellule, value) if value is not None else cellule
        return session.execute(query.where(*where).group_by(*keys))

    for d, s, g, _v, n in grouped(None, func.count()):
        out[(d, s, g, ACTIVITES, "")] += int(n)
    for d, s, g, _v, n in grouped(None, func.sum(a.duree_min)):
        out[(d, s, g, DUREE_TOTALE, "")] += int(n or 0)
    for dimension, column in ((TYPE, a.type), (LIEU_TYPE, a.lieu_type), (DUREE, _duree_sql())):
        for d, s, g, v, n in grouped(column, func.count()):
            out[(d, s, g, dimension, str(v))] += int(n)
    # Sub-themes are a JSON list on the accompaniment: grouped by their text (few distinct
    # lists), each list read once here; a value listed twice counts its activity once.
    texte = cast(a.sous_themes_admin, Text)
    for d, s, g, v, n in grouped(texte, func.count()):
        for sous_theme in set(json.loads(v) or ()) if v else ():
            out[(d, s, g, SOUS_THEME, str(sous_theme))] += int(n)
    t, m = AccompagnementThematique, AccompagnementMateriel
    for d, s, g, v, n in grouped(t.thematique, func.count(), (t, t.accompagnement_id == a.id)):
        out[(d, s, g, THEMATIQUE, str(v))] += int(n)
    for d, s, g, v, n in grouped(m.materiel, func.count(), (m, m.accompagnement_id == a.id)):
        out[(d, s, g, MATERIEL, str(v))] += int(n)
    p = AccompagnementParticipant
    for d, s, g, _v, n in grouped(None, func.count(), (p, p.accompagnement_id == a.id)):
        out[(d, s, g, NOMMES, "")] += int(n)
    anon = ParticipantsAnonymes
    for dimension, column in (
        (ANONYMES_GENRE, anon.genre),
        (ANONYMES_TRANCHE, anon.tranche_age),
        (ANONYMES_STATUT, anon.statut),
    ):
        for d, s, g, v, n in grouped(
            column, func.sum(anon.nombre), (anon, anon.accompagnement_id == a.id)
        ):
            out[(d, s, g, dimension, str(v))] += int(n or 0)
    return out


def _inserer(session: Session, table: Any, column: str, counts: Counter[_Cle]) -> None:
    rows = [
        {column: d, "structure_id": s, "agent_id": g, "dimension": k, "valeur": v, "nombre": n}
        for (d, s, g, k, v), n in counts.items()
        if n
    ]
    for start in range(0, len(rows), 5000):
        session.execute(insert(table), rows[start : start + 5000])


def debut_du_mois(jour: date) -> date:
    return jour.replace(day=1)


def fin_du_mois(jour: date) -> date:
    suivant = (jour.replace(day=28) + timedelta(days=4)).replace(day=1)
    return suivant - timedelta(days=1)


def par_mois(jours: Counter[_Cle]) -> Counter[_Cle]:
    mois: Counter[_Cle] = Counter()
    for (d, s, g, k, v), n in jours.items():
        mois[(debut_du_mois(d), s, g, k, v)] += n
    return mois


def _rafraichir_mois(session: Session, d: date, s: int, g: int) -> None:
    """The month row of that cell, summed from its days (already up to date)."""
    jour, mois = StatActiviteJour, StatActiviteMois
    premier = debut_du_mois(d)
    session.execute(
        delete(mois).where(mois.mois == premier, mois.structure_id == s, mois.agent_id == g)
    )
    counts: Counter[_Cle] = Counter()
    for k, v, n in session.execute(
        select(jour.dimension, jour.valeur, func.sum(jour.nombre))
        .where(
            jour.jour.between(premier, fin_du_mois(d)),
            jour.structure_id == s,
            jour.agent_id == g,
        )
        .group_by(jour.dimension, jour.valeur)
    ):
        counts[(premier, s, g, str(k), str(v))] = int(n or 0)
    _inserer(session, mois, "mois", counts)


def rafraichir_activites(session: Session, cellules: Iterable[Cellule]) -> None:
    """Recompute the daily counts of these (day, structure, mediator) cells from the source
    tables, then their months from their days, in the caller's transaction."""
    a, stat = Accompagnement, StatActiviteJour
    cellules = sorted(set(cellules))
    for d, s, g in cellules:
        session.execute(
            delete(stat).where(stat.jour == d, stat.structure_id == s, stat.agent_id == g)
        )
        _inserer(
            session,
            stat,
            "jour",
            _compter(session, [a.date == d, a.structure_id == s, a.agent_id == g]),
        )
    for premier, s, g in sorted({(debut_du_mois(d), s, g) for d, s, g in cellules}):
        _rafraichir_mois(session, premier, s, g)


def cellules_des_accompagnements(session: Session, ids: Sequence[int]) -> set[Cellule]:
    a = Accompagnement
    out: set[Cellule] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        for d, s, g in session.execute(
            select(a.date, a.structure_id, a.agent_id).where(a.id.in_(chunk)).distinct()
        ):
            out.add((d, int(s), int(g)))
    return out


def _presence_select(where: list[ColumnElement[bool]]) -> Any:
    a, p = Accompagnement, AccompagnementParticipant
    return (
        select(p.beneficiaire_id, a.date, a.structure_id, a.agent_id)
        .join(a, a.id == p.accompagnement_id)
        .where(*where)
        .distinct()
    )


_PRESENCE_COLUMNS = ["beneficiaire_id", "jour", "structure_id", "agent_id"]


def rafraichir_presence(session: Session, beneficiaire_ids: Iterable[int]) -> None:
    """Recompute the presence rows of these people from their participations, in the caller's
    transaction."""
    ids = sorted(set(beneficiaire_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        session.execute(delete(StatPresence).where(StatPresence.beneficiaire_id.in_(chunk)))
        session.execute(
            insert(StatPresence).from_select(
                _PRESENCE_COLUMNS,
                _presence_select([AccompagnementParticipant.beneficiaire_id.in_(chunk)]),
            )
        )


def apres_accompagnement(session: Session, accompagnement: Accompagnement) -> None:
    """What recording ``accompagnement`` (flushed, with its link rows) changes."""
    rafraichir_activites(
        session, [(accompagnement.date, accompagnement.structure_id, accompagnement.agent_id)]
    )
    rafraichir_presence(
        session,
        session.scalars(
            select(AccompagnementParticipant.beneficiaire_id).where(
                AccompagnementParticipant.accompagnement_id == accompagnement.id
            )
        ).all(),
    )


def apres_fusion(session: Session, kept_id: int, other_id: int) -> None:
    """What moving ``other_id``'s participations to ``kept_id`` changes (after the move): their
    presence rows, and the named-participant counts of the activities the kept person is in (an
    activity both took part in lost one participant)."""
    rafraichir_presence(session, [kept_id, other_id])
    ids = session.scalars(
        select(AccompagnementParticipant.accompagnement_id).where(
            AccompagnementParticipant.beneficiaire_id == kept_id
        )
    ).all()
    rafraichir_activites(session, cellules_des_accompagnements(session, ids))


def reconstruire(session: Session) -> None:
    """Rebuild the three tables from the source tables (the demo generator, after its bulk
    inserts; the migration's backfill does the same in SQL)."""
    for table in (StatActiviteJour, StatActiviteMois, StatPresence):
        session.execute(delete(table))
    jours = _compter(session, [])
    _inserer(session, StatActiviteJour, "jour", jours)
    _inserer(session, StatActiviteMois, "mois", par_mois(jours))
    session.execute(insert(StatPresence).from_select(_PRESENCE_COLUMNS, _presence_select([])))


def _stockees(session: Session, table: Any, column: Any) -> Counter[_Cle]:
    stored: Counter[_Cle] = Counter()
    for d, s, g, k, v, n in session.execute(
        select(column, table.structure_id, table.agent_id, table.dimension, table.valeur,
               table.nombre)
    ):  # fmt: skip
        stored[(d, int(s), int(g), str(k), str(v))] = int(n)
    return stored


def cellules_ecart(session: Session) -> tuple[Counter[_Cle], Counter[_Cle]]:
    """(stored, recomputed) daily and monthly counts, days then months in one counter whose keys
    are tagged: equal when the aggregates are exact (tests)."""
    jours = Counter({k: n for k, n in _compter(session, []).items() if n})
    stored = Counter({("jour", *k): n for k, n in _stockees(
        session, StatActiviteJour, StatActiviteJour.jour).items()})  # fmt: skip
    stored.update({("mois", *k): n for k, n in _stockees(
        session, StatActiviteMois, StatActiviteMois.mois).items()})  # fmt: skip
    recomputed = Counter({("jour", *k): n for k, n in jours.items()})
    recomputed.update({("mois", *k): n for k, n in par_mois(jours).items() if n})
    return stored, recomputed  # type: ignore[return-value]


def presence_ecart(session: Session) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    stored = {tuple(r) for r in session.execute(select(StatPresence.beneficiaire_id,
                                                       StatPresence.jour,
                                                       StatPresence.structure_id,
                                                       StatPresence.agent_id))}  # fmt: skip
    recomputed = {tuple(r) for r in session.execute(_presence_select([]))}
    return stored, recomputed
