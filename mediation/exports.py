"""National-format exports: the statistics, the accompaniments list and the beneficiaries list,
to XLSX or CSV, with the column names of the national tool (La Coop de la médiation numérique).

- One row per accompaniment and beneficiary, as the national tool does: an atelier with three
  named and two anonymous participants gives five rows; an accompaniment with nobody recorded
  gives one row with empty beneficiary columns.
- CSV is UTF-8 with a byte-order mark and ``;`` as separator, dates as « 23/11/2026 »: that is
  what French Excel opens correctly with a double click (a comma-separated file lands in a single
  column there, and without the BOM accents are garbled). LibreOffice reads it as well.
- XLSX is written by ``mediation.xlsx_flux``, a streamed SpreadsheetML writer: rows stream to the
  file, memory stays flat, and no text ever becomes a formula (formula injection); CSV cells get
  the OWASP apostrophe. The accompaniments export gives it each activity's cells once for all
  the activity's rows (``_ecrire_accompagnements_xlsx``).
- Rows are read in keyset-paginated chunks (never a whole table of ORM objects in memory), and
  each chunk reports progress; cancelling removes the partial file.

These use cases take the ``Database`` rather than a session, unlike the others: the rows are read
in a reading session, so that a long export never holds the SQLite write lock a desk needs; the
journal entry (counts and codes only) is then written in its own short unit of work, only once the
file is complete.
"""

from __future__ import annotations

import contextlib
import csv
import enum
import json
from collections import defaultdict
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy import ColumnElement, Text, cast, func, or_, select, tuple_
from sqlalchemy.orm import Session

from core import fichiers_nominatifs
from core.auth import Actor, Permission, require_anywhere
from core.db import Database
from core.errors import MedianumError, ValidationError
from core.i18n import DISPLAY_TZ, _, format_date, to_local
from core.models import Agent, Structure, TerritoryCommune
from core.progress import NO_PROGRESS, Progress
from core.tableur import neutraliser_csv
from core.territory import cog
from mediation import journal as journal_mediation
from mediation import referentiel as ref
from mediation.journal import ActionMediation
from mediation.models import (
    Accompagnement,
    AccompagnementMateriel,
    AccompagnementParticipant,
    AccompagnementThematique,
    Beneficiaire,
    ParticipantsAnonymes,
)
from mediation.referentiel import TYPE_COLLECTIF, TYPE_INDIVIDUEL, tranche_age
from mediation.statistiques import (
    Perimetre,
    Statistiques,
    calculer_statistiques,
    structures_du_perimetre,
)
from mediation.visibility import beneficiaire_filter
from mediation.xlsx_flux import Bloc, ClasseurXlsx

# Accompaniments read per chunk. Each chunk's four link queries walk the date index from the
# start of the chunk's first day: with 2,000 per chunk (under a day of the demo), most of every
# day was walked twice. Building 101,419 activities of the 1,000,000 demo: 5.4 s CPU at 2,000,
# 3.9 s at 10,000 (docs/performance.md, 1 December 2026).
CHUNK = 10_000
# Beneficiaries read per chunk (their counts are read by a list of their ids).
CHUNK_BENEFICIAIRES = 2000

# The Coop's columns, names and order (``buildAccompagnementsWorksheet.ts``, an export of other
# mediators' activities), then the columns only Médianum has: never in between.
COLONNES_ACCOMPAGNEMENTS_COOP: tuple[str, ...] = (
    "Date",
    "Enregistré le",
    "Dernière modification le",
    "Prénom du médiateur",
    "Nom du médiateur",
    "Rôle",
    "ID - Conum",
    "Type",
    "Participants",
    "Canaux d’accompagnement",
    "Nom du lieu",
    "Adresse",
    "Commune",
    "Code postal",
    "Code Insee",
    "Durée (min)",
    "Nom de l’atelier",
    "Matériel numérique utilisé",
    "Thématique(s) d’accompagnement",
    "Tags",
    "Nom de la démarche administrative",
    "Niveau d’autonomie (ou de l’atelier)",
    "Bénéficiaire réorienté",
    "Structure de redirection",
    "Commune du bénéficiaire",
    "Code postal du bénéficiaire",
    "Code Insee du bénéficiaire",
    "Genre du bénéficiaire",
    "Tranche d’âge du bénéficiaire",
    "Statut du bénéficiaire",
    "ID CRA",
)
COLONNES_ACCOMPAGNEMENTS: tuple[str, ...] = (
    *COLONNES_ACCOMPAGNEMENTS_COOP,
    "Structure",
    "Bénéficiaire anonyme",
    "Commune du bénéficiaire hors territoire",
)

# The Coop's columns of ``build-beneficiaires-worksheet.ts``, then Médianum's own.
COLONNES_BENEFICIAIRES_COOP: tuple[str, ...] = (
    "Nom",
    "Prénom",
    "Année de naissance",
    "Nom de la commune",
    "Code INSEE",
    "Code postal",
    "N° de téléphone",
    "E-mail",
    "Genre",
    "Tranche d’âge",
    "Statut",
    "Nombre d’accompagnements",
    "Notes supplémentaires",
)
COLONNES_BENEFICIAIRES: tuple[str, ...] = (
    *COLONNES_BENEFICIAIRES_COOP,
    "Identifiant",
    "Anonyme",
    "Hors territoire",
    "Date de création",
    "Accompagnements sur la période",
)

# Multi-valued cells hold one value per line, as the Coop writes them.
SAUT_DE_LIGNE = "\n"
# The Coop writes « - » where the beneficiaries' list has nothing to say.
_ABSENT = "-"
# Beneficiaries' genre as the Coop's beneficiaries export words it (``sexLabels``).
_SEXES = {"Masculin": "Homme", "Féminin": "Femme"}

COLONNES_STATISTIQUES: tuple[str, ...] = ("Section", "Libellé", "Code Insee", "Nombre", "Part")


class FormatExport(enum.StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


def format_du_fichier(chemin: Path) -> FormatExport:
    suffix = chemin.suffix.lower().lstrip(".")
    try:
        return FormatExport(suffix)
    except ValueError:
        raise ValidationError(
            _("Format d'export inconnu « {ext} » : choisissez un fichier .xlsx ou .csv.").format(
                ext=chemin.suffix or chemin.name
            ),
            field="out",
        ) from None


@dataclass(frozen=True)
class ResultatExport:
    chemin: Path
    format: FormatExport
    lignes: int


# --- writers -----------------------------------------------------------------------------------


Cellule = str | int | float | date | None


class _Tableur(Protocol):
    def feuille(self, titre: str, entetes: Sequence[str]) -> None: ...

    def ligne(self, valeurs: Sequence[Cellule]) -> None: ...

    def fermer(self) -> None: ...


class _Csv:
    def __init__(self, chemin: Path) -> None:
        self.fichier: IO[str] = chemin.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.fichier, delimiter=";")
        self._feuilles = 0

    def feuille(self, titre: str, entetes: Sequence[str]) -> None:
        if self._feuilles:
            raise AssertionError("a CSV file holds a single table")
        self._feuilles += 1
        self.writer.writerow(entetes)

    def ligne(self, valeurs: Sequence[Cellule]) -> None:
        self.writer.writerow([neutraliser_formule_csv(_texte_csv(v)) for v in valeurs])

    def fermer(self) -> None:
        self.fichier.close()

    def abandonner(self) -> None:
        self.fichier.close()


# A cell a spreadsheet would read as a formula (OWASP « CSV injection »): the rule shared by every
# spreadsheet Médianum writes.
neutraliser_formule_csv = neutraliser_csv


def _texte_csv(value: Cellule) -> str | int:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".").replace(".", ",")
    return value


@contextlib.contextmanager
def _fichier(chemin: Path, fmt: FormatExport) -> Iterator[_Tableur]:
    """A writer on a temporary file beside ``chemin``, moved in place only on success."""
    partiel = chemin.with_name(chemin.name + ".partiel")
    try:
        chemin.parent.mkdir(parents=True, exist_ok=True)
        tableur: ClasseurXlsx | _Csv = (
            ClasseurXlsx(partiel) if fmt is FormatExport.XLSX else _Csv(partiel)
        )
    except OSError as exc:
        raise _erreur_fichier(chemin, exc) from exc
    try:
        yield tableur
        tableur.fermer()
        Path(partiel).replace(chemin)
    except OSError as exc:
        _supprimer(tableur, partiel)
        raise _erreur_fichier(chemin, exc) from exc
    except BaseException:
        _supprimer(tableur, partiel)
        raise


def _supprimer(tableur: ClasseurXlsx | _Csv, partiel: Path) -> None:
    with contextlib.suppress(OSError):
        tableur.abandonner()
    with contextlib.suppress(OSError):
        partiel.unlink()


def _erreur_fichier(chemin: Path, exc: OSError) -> MedianumError:
    return MedianumError(
        _(
            "Impossible d'écrire le fichier « {path} » : {reason}. Choisissez un autre dossier "
            "ou libérez de la place ; aucun fichier partiel n'a été laissé."
        ).format(path=chemin, reason=exc.strerror or exc)
    )


def _journaliser(
    db: Database,
    actor: Actor,
    action: ActionMediation,
    perimetre: Perimetre,
    resultat: ResultatExport,
) -> None:
    with db.session() as session:
        journal_mediation.export(
            session,
            actor,
            action,
            format=resultat.format.value,
            lignes=resultat.lignes,
            du=perimetre.du.isoformat(),
            au=perimetre.au.isoformat(),
            structure_id=perimetre.structure_id,
            agent_id=perimetre.agent_id,
        )


# --- statistics --------------------------------------------------------------------------------


def lignes_statistiques(stats: Statistiques) -> list[list[Cellule]]:
    """The statistics as one table, in the order and with the labels of the Coop's statistics
    export; what only Médianum computes (accompaniments per type, total minutes) comes last."""
    periode = (
        f"{format_date(stats.perimetre.du, 'short')} – {format_date(stats.perimetre.au, 'short')}"
    )
    generales = "Statistiques générales sur vos accompagnements"
    activites = "Statistiques sur vos activités"
    types = stats.types
    rows: list[list[Cellule]] = [
        [_("Période"), periode, None, None, None],
        [_("Périmètre"), stats.libelle_perimetre, None, None, None],
        [_("Date de référence des âges"), stats.date_reference_age, None, None, None],
        [generales, "Accompagnements au total", None, stats.accompagnements, None],
        [generales, "Bénéficiaires accompagnés", None, stats.beneficiaires, None],
        [generales, "Nouveaux bénéficiaires", None, stats.nouveaux_beneficiaires, None],
        [generales, "Bénéficiaires suivis", None, stats.beneficiaires_suivis, None],
        [generales, "Bénéficiaires anonymes", None, stats.beneficiaires_anonymes, None],
    ]
    for libelle, type_ in (("Accompagnements individuels", TYPE_INDIVIDUEL),
                           ("Ateliers collectifs", TYPE_COLLECTIF)):  # fmt: skip
        nombre = types.nombre(type_)
        rows.append([activites, libelle, None, nombre, nombre / types.total if types.total else 0])
    rows += [
        [activites, "Nombre total de participants aux ateliers", None,
         stats.participants_ateliers, None],
        [activites, "Nombre total d’activités", None, stats.activites, None],
    ]  # fmt: skip
    coop = [
        s for s in stats.sections if s is not stats.types and s is not stats.participants_par_type
    ]
    for section in [*coop, stats.participants_par_type]:
        for ligne in section.lignes:
            rows.append(
                [section.titre, ligne.libelle, ligne.code, ligne.nombre, section.part(ligne)]
            )
    rows.append([_("Totaux"), _("Durée totale (min)"), None, stats.duree_totale_min, None])
    return rows


def exporter_statistiques(
    db: Database,
    actor: Actor,
    perimetre: Perimetre,
    chemin: Path,
    progress: Progress = NO_PROGRESS,
) -> ResultatExport:
    fmt = format_du_fichier(chemin)
    with db.read_session() as session:
        stats = calculer_statistiques(session, actor, perimetre)
    progress.step(1, 2, _("Écriture du fichier"))
    rows = lignes_statistiques(stats)
    with _fichier(chemin, fmt) as tableur:
        tableur.feuille(_("Statistiques"), COLONNES_STATISTIQUES)
        for row in rows:
            tableur.ligne(row)
        progress.step(2, 2, _("Écriture du fichier"))
    resultat = ResultatExport(chemin, fmt, len(rows))
    _journaliser(db, actor, ActionMediation.EXPORT_STATISTIQUES, perimetre, resultat)
    return resultat


# --- accompaniments ----------------------------------------------------------------------------


def _filtres(perimetre: Perimetre, structures: frozenset[int] | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Accompagnement.date >= perimetre.du,
        Accompagnement.date <= perimetre.au,
    ]
    if structures is not None:
        conditions.append(Accompagnement.structure_id.in_(sorted(structures)))
    if perimetre.agent_id is not None:
        conditions.append(Accompagnement.agent_id == perimetre.agent_id)
    return conditions


def _dans_l_ordre(valeurs: Iterable[str], referentiel: Sequence[str]) -> list[str]:
    """National values in the national order, unknown ones after them alphabetically: the same
    cell on SQLite and PostgreSQL, whatever order each returned the rows in."""
    rang = {v: i for i, v in enumerate(referentiel)}
    return sorted(set(valeurs), key=lambda v: (rang.get(v, len(rang)), v))


def _typographique(libelle: str | None) -> str | None:
    """A national label with the typographic apostrophe the Coop writes (« Lieu d’activité »)."""
    return libelle.replace("'", "’") if libelle else libelle


def _sur_trois(valeur: str | None, echelle: Sequence[str]) -> str | None:
    return f"{echelle.index(valeur) + 1}/{len(echelle)}" if valeur in echelle else None


def _enregistre_le(instant: datetime | None) -> str | None:
    return to_local(instant).strftime("%d/%m/%Y à %H:%M") if instant else None


def _prenom_nom(display_name: str) -> tuple[str, str]:
    """An agent has one display name: its first word is taken as the first name."""
    prenom, _sep, nom = display_name.strip().partition(" ")
    return (prenom, nom) if nom else ("", prenom)


@dataclass(frozen=True)
class _Contexte:
    """What every row of an accompaniments export looks up, read once."""

    structures: dict[int, Any]
    mediateurs: dict[int, tuple[str, str]]
    territoire: frozenset[str]
    communes: dict[str, Any]
    reference_age: date

    def commune(self, code: str | None) -> str | None:
        commune = self.communes.get(code) if code else None
        return commune.nom if commune else code

    def hors_territoire(self, code: str | None) -> str | None:
        return _oui_non_national(code not in self.territoire) if code else None


def _contexte(session: Session, perimetre: Perimetre) -> _Contexte:
    structures = {
        row.id: row
        for row in session.execute(
            select(Structure.id, Structure.nom, Structure.adresse, Structure.code_postal,
                   Structure.commune_insee)
        )
    }  # fmt: skip
    mediateurs = {
        int(i): _prenom_nom(str(n))
        for i, n in session.execute(select(Agent.id, Agent.display_name))
    }
    territoire = frozenset(code for (code,) in session.execute(select(TerritoryCommune.code_insee)))
    return _Contexte(structures, mediateurs, territoire, cog(), perimetre.date_reference_age)


def _telephone_affiche(numero: str | None) -> str | None:
    """« 05 46 12 34 56 » for a French number stored as +33…, as the Coop shows it."""
    if numero and numero.startswith("+33") and len(numero) == 12:
        national = "0" + numero[3:]
        return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return numero


def _oui_non_national(value: bool) -> str:
    # National-format cells stay French whatever the interface language.
    return "Oui" if value else "Non"


class _Lignes:
    """Builds the rows of the accompaniments export from plain tuples, each derived cell made
    once per distinct value it depends on (a mediator, a place, a set of thématiques, a person's
    profile…): the rows repeat a few hundred values, and this per-row Python was the export's
    cost (docs/performance.md, issue 15)."""

    def __init__(self, ctx: _Contexte) -> None:
        self.ctx = ctx
        self._lieux: dict[tuple[Any, ...], tuple[Cellule, ...]] = {}
        self._thematiques: dict[tuple[tuple[str, ...], str | None], str] = {}
        self._materiels: dict[tuple[str, ...], str] = {}
        self._niveaux: dict[tuple[str | None, str | None], str | None] = {}
        self._nommes: dict[tuple[Any, ...], tuple[Cellule, ...]] = {}
        self._anonymes: dict[tuple[str, str, str], tuple[Cellule, ...]] = {}
        self._rang_anonyme: dict[tuple[str, str, str], tuple[Any, ...]] = {}

    def lieu(self, structure_id: int, lieu_type: str, lieu_nom: str | None) -> tuple[Cellule, ...]:
        """Canal, place name, address, commune, postcode, INSEE code."""
        cle = (structure_id, lieu_type, lieu_nom)
        cellules = self._lieux.get(cle)
        if cellules is None:
            structure = self.ctx.structures.get(structure_id)
            # « Lieu d'activité »: the place is the structure, whose address the Coop writes.
            lieu = structure if lieu_type == ref.LIEUX[0] else None
            cellules = (
                _typographique(lieu_type),
                lieu_nom or (lieu.nom if lieu else None),
                (lieu.adresse or None) if lieu else None,
                self.ctx.commune(lieu.commune_insee) if lieu else None,
                (lieu.code_postal or None) if lieu else None,
                lieu.commune_insee if lieu else None,
            )
            self._lieux[cle] = cellules
        return cellules

    def thematiques(self, valeurs: tuple[str, ...], sous_themes_json: str | None) -> str:
        """The thématiques in the national order, then the démarche sub-themes in theirs."""
        cle = (valeurs, sous_themes_json)
        cellule = self._thematiques.get(cle)
        if cellule is None:
            sous_themes = json.loads(sous_themes_json) if sous_themes_json else None
            cellule = SAUT_DE_LIGNE.join(
                _dans_l_ordre(valeurs, ref.THEMATIQUES)
                + _dans_l_ordre(sous_themes or (), ref.SOUS_THEMES_ADMINISTRATIFS)
            )
            self._thematiques[cle] = cellule
        return cellule

    def materiels(self, valeurs: tuple[str, ...]) -> str:
        cellule = self._materiels.get(valeurs)
        if cellule is None:
            cellule = SAUT_DE_LIGNE.join(_dans_l_ordre(valeurs, ref.MATERIELS))
            self._materiels[valeurs] = cellule
        return cellule

    def niveau(self, autonomie: str | None, atelier_niveau: str | None) -> str | None:
        """« 2/3 »: the autonomy of an individual accompaniment, else the atelier's level."""
        cle = (autonomie, atelier_niveau)
        if cle not in self._niveaux:
            self._niveaux[cle] = _sur_trois(autonomie, ref.AUTONOMIES) or _sur_trois(
                atelier_niveau, ref.NIVEAUX_ATELIER
            )
        return self._niveaux[cle]

    def nomme(self, profil: tuple[Any, ...]) -> tuple[Cellule, ...]:
        """A recorded person's columns from (anonymous, commune, genre, birth year, declared
        band, statut): commune, postcode, INSEE code, genre, age band, statut, anonymous,
        outside the territory."""
        cellules = self._nommes.get(profil)
        if cellules is None:
            anonyme, commune, genre, annee, declaree, statut = profil
            cellules = (
                self.ctx.commune(commune),
                None,
                commune,
                genre,
                tranche_age(annee, declaree, self.ctx.reference_age),
                statut,
                _oui_non_national(anonyme),
                self.ctx.hors_territoire(commune),
            )
            self._nommes[profil] = cellules
        return cellules

    def anonyme(self, genre: str, tranche: str, statut: str) -> tuple[Cellule, ...]:
        cle = (genre, tranche, statut)
        cellules = self._anonymes.get(cle)
        if cellules is None:
            cellules = (None, None, None, genre, tranche, statut, _oui_non_national(True), None)
            self._anonymes[cle] = cellules
        return cellules

    def rang_anonyme(self, genre: str, tranche: str, statut: str) -> tuple[Any, ...]:
        """Anonymous participants' order: the national order of their profile."""
        cle = (genre, tranche, statut)
        rang = self._rang_anonyme.get(cle)
        if rang is None:
            rang = (
                _rang(genre, ref.GENRES), _rang(tranche, ref.TRANCHES_AGE),
                _rang(statut, ref.STATUTS), genre, tranche, statut,
            )  # fmt: skip
            self._rang_anonyme[cle] = rang
        return rang


def _rang(valeur: str, referentiel: Sequence[str]) -> int:
    return referentiel.index(valeur) if valeur in referentiel else len(referentiel)


def _grouper(rows: Iterable[Any]) -> dict[int, list[Any]]:
    """Rows whose first column is an accompaniment id, by that id."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    return grouped


def _liens(conn: Any, fenetre: list[ColumnElement[bool]]) -> tuple[dict[int, list[Any]], ...]:
    """(thématiques, matériel, recorded participants, anonymous participants) of the
    accompaniments matching ``fenetre``, by accompaniment: a join over the chunk's window of
    (date, id) rather than a list of ids to bind."""
    a, t, m = Accompagnement, AccompagnementThematique, AccompagnementMateriel
    p, anon, b = AccompagnementParticipant, ParticipantsAnonymes, Beneficiaire

    def lire(*colonnes: Any, lien: Any, on: Any = None) -> dict[int, list[Any]]:
        query = select(lien.accompagnement_id, *colonnes).join(a, a.id == lien.accompagnement_id)
        if on is not None:
            query = query.join(on[0], on[1])
        # The driver's own tuples: the link rows are plain texts and numbers, and building
        # SQLAlchemy's row objects for some 400,000 of them per export was a tenth of its time.
        resultat = conn.execute(query.where(*fenetre))
        try:
            return _grouper(resultat.cursor.fetchall())
        finally:
            resultat.close()

    return (
        lire(t.thematique, lien=t),
        lire(m.materiel, lien=m),
        lire(p.beneficiaire_id, b.anonyme, b.commune_insee, b.genre, b.annee_naissance,
             b.tranche_age_declaree, b.statut, lien=p, on=(b, b.id == p.beneficiaire_id)),
        lire(anon.genre, anon.tranche_age, anon.statut, anon.nombre, lien=anon),
    )  # fmt: skip


# One activity of the accompaniments export: its cells before « Participants », its cells from
# « Canaux d’accompagnement » to « Structure de redirection », its cells « ID CRA » and
# « Structure », and its people (each the 8 cells of ``_Lignes.nomme``), as
# COLONNES_ACCOMPAGNEMENTS orders them: the rows are these around each person.
_Activite = tuple[list[Cellule], list[Cellule], list[Cellule], list[tuple[Cellule, ...]]]
_COL_PARTICIPANTS = COLONNES_ACCOMPAGNEMENTS.index("Participants")
_COL_CANAUX = COLONNES_ACCOMPAGNEMENTS.index("Canaux d’accompagnement")
_COL_PERSONNE = COLONNES_ACCOMPAGNEMENTS.index("Commune du bénéficiaire")
_COL_ID = COLONNES_ACCOMPAGNEMENTS.index("ID CRA")
_COL_PERSONNE_FIN = COLONNES_ACCOMPAGNEMENTS.index("Bénéficiaire anonyme")
_SANS_PERSONNE: tuple[Cellule, ...] = (None,) * 8


def _activites(
    session: Session,
    actor: Actor,
    perimetre: Perimetre,
    progress: Progress = NO_PROGRESS,
) -> Generator[_Activite, None, None]:
    """The activities of the accompaniments export in date order, streamed by chunk."""
    structures = structures_du_perimetre(actor, perimetre)
    where = _filtres(perimetre, structures)
    total = session.scalar(select(func.count()).select_from(Accompagnement).where(*where)) or 0
    ctx = _contexte(session, perimetre)
    lignes = _Lignes(ctx)
    noms_structures = {i: s.nom for i, s in ctx.structures.items()}
    # Core statements on the session's connection: plain tuples, no ORM row loading.
    conn = session.connection()
    done = 0
    progress.step(0, total, _("Export des accompagnements"))
    # The next chunk is read on a thread of its own while this one's rows are built and
    # written: SQLite and the PostgreSQL client leave the GIL while they execute, so reading and
    # building share the two cores. The connection still runs one statement at a time: this
    # thread waits for each read to end before it asks for the next, and leaving the block (the
    # end, an error, a cancellation, the consumer closing this generator) waits for the read in
    # flight, so the session is never closed under it.
    # (An in-memory SQLite database is one connection per thread: read where it is.)
    en_memoire = conn.dialect.name == "sqlite" and conn.engine.url.database in (
        None,
        "",
        ":memory:",
    )
    with (
        contextlib.nullcontext(_SurPlace())
        if en_memoire
        else ThreadPoolExecutor(1, thread_name_prefix="export-lecture")
    ) as lecteur:
        en_cours = lecteur.submit(_lire_chunk, conn, where, None)
        while True:
            chunk, (thematiques, materiels, participants, anonymes) = en_cours.result()
            if not chunk:
                break
            en_cours = lecteur.submit(_lire_chunk, conn, where, (chunk[-1][1], chunk[-1][0]))
            yield from _activites_du_chunk(
                ctx, lignes, noms_structures, chunk, thematiques, materiels, participants,
                anonymes,
            )  # fmt: skip
            done += len(chunk)
            progress.step(done, total, _("Export des accompagnements"))


class _SurPlace:
    """``ThreadPoolExecutor.submit`` run in the caller's thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        futur: Future[Any] = Future()
        futur.set_result(fn(*args))
        return futur


def _lire_chunk(
    conn: Any, where: list[ColumnElement[bool]], last: tuple[date, int] | None
) -> tuple[Sequence[Any], tuple[dict[int, list[Any]], ...]]:
    """The CHUNK accompaniments after ``last`` in (date, id) order, and their link rows."""
    a = Accompagnement
    query = (
        select(
            a.id, a.date, a.created_at, a.type, a.structure_id, a.agent_id, a.lieu_type,
            a.lieu_nom, a.duree_min, cast(a.sous_themes_admin, Text), a.demarche_nom,
            a.atelier_titre, a.atelier_niveau, a.autonomie, a.oriente, a.orientation,
        )
        .where(*where)
        .order_by(a.date, a.id)
        .limit(CHUNK)
    )  # fmt: skip
    if last is not None:
        query = query.where(a.date >= last[0], tuple_(a.date, a.id) > tuple_(*last))
    chunk = conn.execute(query).all()
    if not chunk:
        return chunk, ({}, {}, {}, {})
    # The chunk's window, its dates also bounded alone: an index on the date serves it on
    # either engine (PostgreSQL's has no (date, id) index to read the row values on).
    fenetre = [
        *where,
        a.date <= chunk[-1][1],
        tuple_(a.date, a.id) <= tuple_(chunk[-1][1], chunk[-1][0]),
    ]
    if last is not None:
        fenetre += [a.date >= last[0], tuple_(a.date, a.id) > tuple_(*last)]
    return chunk, _liens(conn, fenetre)


def _activites_du_chunk(
    ctx: _Contexte,
    lignes: _Lignes,
    noms_structures: dict[int, str],
    chunk: Sequence[Any],
    thematiques: dict[int, list[Any]],
    materiels: dict[int, list[Any]],
    participants: dict[int, list[Any]],
    anonymes: dict[int, list[Any]],
) -> Iterator[_Activite]:
    """A chunk's activities (``_lire_chunk``), as ``_activites`` yields them."""
    for (acc_id, jour, cree, type_, structure_id, agent_id, lieu_type, lieu_nom, duree,
         sous_themes, demarche, atelier, atelier_niveau, autonomie, oriente,
         orientation) in chunk:  # fmt: skip
        prenom, nom = ctx.mediateurs.get(agent_id, ("", ""))
        # Columns « Date » … « Type », then « Canaux » … « Structure de redirection »
        # (« Participants » between them), as COLONNES_ACCOMPAGNEMENTS orders them.
        tete: list[Cellule] = [
            jour, _enregistre_le(cree),
            # Accompaniments are never modified in Médianum: the Coop leaves it blank too.
            None,
            prenom, nom, "Médiateur",
            None,  # « ID - Conum »: Médianum does not know the Conseillers numériques' ids
            type_,
        ]  # fmt: skip
        milieu: list[Cellule] = [
            *lignes.lieu(structure_id, lieu_type, lieu_nom),
            duree,
            atelier,
            lignes.materiels(tuple(r[1] for r in materiels.get(acc_id, ()))),
            lignes.thematiques(tuple(r[1] for r in thematiques.get(acc_id, ())), sous_themes),
            None,  # « Tags »: Médianum records no tags
            demarche,
            lignes.niveau(autonomie, atelier_niveau),
            # Only an individual accompaniment says whether the person was sent elsewhere.
            _oui_non_national(oriente) if type_ == ref.TYPE_INDIVIDUEL else None,
            _typographique(orientation) if oriente else None,
        ]  # fmt: skip
        fin: list[Cellule] = [acc_id, noms_structures.get(structure_id)]
        # The people: recorded ones by file number, then the anonymous ones in the national
        # order of their profile, each counted as many times as there were.
        personnes = [
            lignes.nomme(p[2:]) for p in sorted(participants.get(acc_id, ()), key=lambda p: p[1])
        ]
        for _id, genre, tranche, statut, nombre in sorted(
            anonymes.get(acc_id, ()), key=lambda r: lignes.rang_anonyme(*r[1:4])
        ):
            personnes += [lignes.anonyme(genre, tranche, statut)] * nombre
        yield tete, milieu, fin, personnes


def lignes_accompagnements(
    session: Session,
    actor: Actor,
    perimetre: Perimetre,
    progress: Progress = NO_PROGRESS,
) -> Generator[list[Cellule], None, None]:
    """The rows of the accompaniments export, one per accompaniment and participant, streamed.

    Visible to whoever may read statistics of the scope: the rows carry no beneficiary's name,
    only the national profile columns. Ages are reckoned on the period's reference date.
    """
    # Closed on every way out, so that the read in flight ends before the session does.
    with contextlib.closing(_activites(session, actor, perimetre, progress)) as activites:
        yield from _lignes_des_activites(activites)


def _lignes_des_activites(activites: Iterable[_Activite]) -> Iterator[list[Cellule]]:
    for tete, milieu, fin, personnes in activites:
        if not personnes:
            yield [*tete, None, *milieu, *_SANS_PERSONNE[:6], *fin, *_SANS_PERSONNE[6:]]
            continue
        n = len(personnes)
        for rang, personne in enumerate(personnes, start=1):
            yield [
                *tete, 1 if n == 1 else f"{rang}/{n}", *milieu, *personne[:6], *fin,
                *personne[6:],
            ]  # fmt: skip


def _ecrire_accompagnements_xlsx(
    session: Session,
    actor: Actor,
    perimetre: Perimetre,
    progress: Progress,
    classeur: ClasseurXlsx,
) -> int:
    """The rows of ``lignes_accompagnements``, written as blocks (``ClasseurXlsx.bloc``): an
    activity's cells rendered once for all its participants' rows, a person's profile cells
    and a « 2/5 » once for the whole file. The same bytes as writing the rows' values
    (tests/mediation/test_exports.py), for a fraction of the per-cell work."""
    personnes_rendues: dict[tuple[Cellule, ...], tuple[Bloc, Bloc]] = {}
    rangs_rendus: dict[tuple[int, int], Bloc] = {}
    lignes = 0
    # Closed on every way out, so that the read in flight ends before the session does.
    with contextlib.closing(_activites(session, actor, perimetre, progress)) as activites:
        for tete, milieu, fin, personnes in activites:
            blocs_tete = classeur.bloc(0, tete)
            blocs_milieu = classeur.bloc(_COL_CANAUX, milieu)
            blocs_fin = classeur.bloc(_COL_ID, fin)
            if not personnes:
                classeur.ligne_de_blocs((blocs_tete, blocs_milieu, blocs_fin))
                lignes += 1
                continue
            n = len(personnes)
            for rang, personne in enumerate(personnes, start=1):
                rendue = personnes_rendues.get(personne)
                if rendue is None:
                    rendue = (
                        classeur.bloc(_COL_PERSONNE, personne[:6]),
                        classeur.bloc(_COL_PERSONNE_FIN, personne[6:]),
                    )
                    personnes_rendues[personne] = rendue
                participants = rangs_rendus.get((rang, n))
                if participants is None:
                    valeur: Cellule = 1 if n == 1 else f"{rang}/{n}"
                    participants = classeur.bloc(_COL_PARTICIPANTS, [valeur])
                    rangs_rendus[rang, n] = participants
                classeur.ligne_de_blocs(
                    (blocs_tete, participants, blocs_milieu, rendue[0], blocs_fin, rendue[1])
                )
            lignes += n
    return lignes


def _exporter_liste(
    db: Database,
    actor: Actor,
    perimetre: Perimetre,
    chemin: Path,
    progress: Progress,
    *,
    feuille: str,
    colonnes: Sequence[str],
    lignes_de: Callable[
        [Session, Actor, Perimetre, Progress], Generator[list[Cellule], None, None]
    ],
    action: ActionMediation,
    colonne_personne: int | None = None,
    ecrire_xlsx: Callable[[Session, Actor, Perimetre, Progress, ClasseurXlsx], int] | None = None,
) -> ResultatExport:
    """Stream one list into a file in a read session, then journal it once it is complete.

    ``colonne_personne``: the column holding the number of the person a row names; the file is
    then recorded as naming them, so that erasing one of them deletes it. ``ecrire_xlsx``: a
    faster way to write the rows of ``lignes_de`` into an XLSX file, returning their count."""
    fmt = format_du_fichier(chemin)
    lignes = 0
    nommes: set[int] = set()
    with db.read_session() as session, _fichier(chemin, fmt) as tableur:
        tableur.feuille(feuille, colonnes)
        if ecrire_xlsx is not None and isinstance(tableur, ClasseurXlsx):
            lignes = ecrire_xlsx(session, actor, perimetre, progress, tableur)
        else:
            # Closed on every way out: a generator reading ahead on a thread (the
            # accompaniments') must end its read before the session ends.
            with contextlib.closing(lignes_de(session, actor, perimetre, progress)) as rows:
                for row in rows:
                    tableur.ligne(row)
                    lignes += 1
                    if colonne_personne is not None:
                        nommes.add(int(row[colonne_personne]))  # type: ignore[arg-type]
    if nommes:
        fichiers_nominatifs.record(chemin, nommes)
    resultat = ResultatExport(chemin, fmt, lignes)
    _journaliser(db, actor, action, perimetre, resultat)
    return resultat


def exporter_accompagnements(
    db: Database,
    actor: Actor,
    perimetre: Perimetre,
    chemin: Path,
    progress: Progress = NO_PROGRESS,
) -> ResultatExport:
    require_anywhere(actor, Permission.STATISTIQUES)
    return _exporter_liste(
        db,
        actor,
        perimetre,
        chemin,
        progress,
        feuille=_("Accompagnements"),
        colonnes=COLONNES_ACCOMPAGNEMENTS,
        lignes_de=lignes_accompagnements,
        action=ActionMediation.EXPORT_ACCOMPAGNEMENTS,
        ecrire_xlsx=_ecrire_accompagnements_xlsx,
    )


# --- beneficiaries -----------------------------------------------------------------------------


def lignes_beneficiaires(
    session: Session,
    actor: Actor,
    perimetre: Perimetre,
    progress: Progress = NO_PROGRESS,
) -> Generator[list[Cellule], None, None]:
    """Beneficiaries accompanied or registered in the period, whose names the actor may see.

    Names need a desk role (``DOSSIER_LIRE``) in the beneficiary's structure: a coordinator
    without one is refused, and erased files never appear.
    """
    require_anywhere(actor, Permission.DOSSIER_LIRE)
    structures = structures_du_perimetre(actor, perimetre)
    activite = (
        select(AccompagnementParticipant.beneficiaire_id)
        .join(Accompagnement, Accompagnement.id == AccompagnementParticipant.accompagnement_id)
        .where(*_filtres(perimetre, structures))
    )
    debut = datetime.combine(perimetre.du, datetime.min.time(), tzinfo=DISPLAY_TZ)
    fin = datetime.combine(perimetre.au, datetime.max.time(), tzinfo=DISPLAY_TZ)
    crees = Beneficiaire.created_at.between(debut, fin)
    if perimetre.agent_id is not None:
        # A mediator's list: the people that mediator accompanied in the period.
        dans_perimetre: ColumnElement[bool] = Beneficiaire.id.in_(activite)
    else:
        dans_perimetre = or_(Beneficiaire.id.in_(activite), crees)
    where: list[ColumnElement[bool]] = [beneficiaire_filter(actor), dans_perimetre]
    if structures is not None:
        where.append(Beneficiaire.structure_id.in_(sorted(structures)))
    total = session.scalar(select(func.count()).select_from(Beneficiaire).where(*where)) or 0
    territoire = {code for (code,) in session.execute(select(TerritoryCommune.code_insee))}
    communes = cog()
    reference = perimetre.date_reference_age
    progress.step(0, total, _("Export des bénéficiaires"))
    done, last_id = 0, 0
    while True:
        chunk = session.execute(
            select(
                Beneficiaire.id,
                Beneficiaire.prenom,
                Beneficiaire.nom,
                Beneficiaire.anonyme,
                Beneficiaire.annee_naissance,
                Beneficiaire.tranche_age_declaree,
                Beneficiaire.genre,
                Beneficiaire.statut,
                Beneficiaire.commune_insee,
                Beneficiaire.telephone,
                Beneficiaire.email,
                Beneficiaire.notes,
                Beneficiaire.created_at,
            )
            .where(*where, Beneficiaire.id > last_id)
            .order_by(Beneficiaire.id)
            .limit(CHUNK_BENEFICIAIRES)
        ).all()
        if not chunk:
            break
        ids = [row.id for row in chunk]
        last_id = ids[-1]
        sur_la_periode = dict(
            session.execute(
                activite.with_only_columns(AccompagnementParticipant.beneficiaire_id, func.count())
                .where(AccompagnementParticipant.beneficiaire_id.in_(ids))
                .group_by(AccompagnementParticipant.beneficiaire_id)
            ).all()
        )
        en_tout = dict(
            session.execute(
                select(AccompagnementParticipant.beneficiaire_id, func.count())
                .where(AccompagnementParticipant.beneficiaire_id.in_(ids))
                .group_by(AccompagnementParticipant.beneficiaire_id)
            ).all()
        )
        for b in chunk:
            commune = communes.get(b.commune_insee) if b.commune_insee else None
            yield [
                b.nom,
                b.prenom,
                b.annee_naissance or _ABSENT,
                (commune.nom if commune else b.commune_insee) or _ABSENT,
                b.commune_insee or _ABSENT,
                _ABSENT,  # Médianum keeps the INSEE code of the commune, not its postcode
                _telephone_affiche(b.telephone) or _ABSENT,
                b.email or _ABSENT,
                _SEXES.get(b.genre, b.genre or ref.GENRE_NON_COMMUNIQUE),
                tranche_age(b.annee_naissance, b.tranche_age_declaree, reference),
                b.statut,
                en_tout.get(b.id, 0),
                b.notes or None,
                b.id,
                _oui_non_national(b.anonyme),
                _oui_non_national(b.commune_insee not in territoire) if b.commune_insee else None,
                to_local(b.created_at).date(),
                sur_la_periode.get(b.id, 0),
            ]
        done += len(chunk)
        progress.step(done, total, _("Export des bénéficiaires"))


def exporter_beneficiaires(
    db: Database,
    actor: Actor,
    perimetre: Perimetre,
    chemin: Path,
    progress: Progress = NO_PROGRESS,
) -> ResultatExport:
    require_anywhere(actor, Permission.DOSSIER_LIRE)
    # Names, phones and e-mails leaving in a file: a right the administrator grants on its own.
    require_anywhere(actor, Permission.EXPORT_NOMINATIF)
    return _exporter_liste(
        db,
        actor,
        perimetre,
        chemin,
        progress,
        feuille=_("Bénéficiaires"),
        colonnes=COLONNES_BENEFICIAIRES,
        lignes_de=lignes_beneficiaires,
        action=ActionMediation.EXPORT_BENEFICIAIRES,
        colonne_personne=COLONNES_BENEFICIAIRES.index("Identifiant"),
    )
