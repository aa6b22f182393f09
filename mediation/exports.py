"""National-format exports: the statistics, the accompaniments list and the beneficiaries list,
to XLSX or CSV, with the column names of the national tool (La Coop de la médiation numérique).

- One row per accompaniment and beneficiary, as the national tool does: an atelier with three
  named and two anonymous participants gives five rows; an accompaniment with nobody recorded
  gives one row with empty beneficiary columns.
- CSV is UTF-8 with a byte-order mark and ``;`` as separator, dates as « 23/11/2026 »: that is
  what French Excel opens correctly with a double click (a comma-separated file lands in a single
  column there, and without the BOM accents are garbled). LibreOffice reads it as well.
- XLSX is written by openpyxl in ``write_only`` mode: rows stream to the file, memory stays flat.
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
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import ColumnElement, func, or_, select, tuple_
from sqlalchemy.orm import Session

from core import journal
from core.auth import Actor, Permission, require_anywhere
from core.db import Database
from core.errors import MedianumError, ValidationError
from core.i18n import DISPLAY_TZ, N_, _, format_date, to_local
from core.models import Agent, Structure, TerritoryCommune
from core.progress import NO_PROGRESS, Progress
from core.territory import cog
from mediation.models import (
    Accompagnement,
    AccompagnementMateriel,
    AccompagnementParticipant,
    AccompagnementThematique,
    Beneficiaire,
    ParticipantsAnonymes,
)
from mediation.referentiel import tranche_age
from mediation.statistiques import (
    Perimetre,
    Statistiques,
    calculer_statistiques,
    structures_du_perimetre,
)
from mediation.visibility import beneficiaire_filter

CHUNK = 2000

COLONNES_ACCOMPAGNEMENTS: tuple[str, ...] = (
    "Date",
    "Type",
    "Structure",
    "Médiateur",
    "Canaux d'accompagnement",
    "Nom du lieu",
    "Durée (min)",
    "Matériel utilisé",
    "Thématique(s) d'accompagnement",
    "Démarche(s) administrative(s)",
    "Nom de la démarche",
    "Titre de l'atelier",
    "Niveau de l'atelier",
    "Niveau d'autonomie",
    "Bénéficiaire réorienté",
    "Structure de redirection",
    "Bénéficiaire anonyme",
    "Commune du bénéficiaire",
    "Code Insee du bénéficiaire",
    "Genre du bénéficiaire",
    "Tranche d'âge du bénéficiaire",
    "Statut du bénéficiaire",
)

COLONNES_BENEFICIAIRES: tuple[str, ...] = (
    "Identifiant",
    "Prénom",
    "Nom",
    "Anonyme",
    "Année de naissance",
    "Tranche d'âge",
    "Genre",
    "Statut",
    "Commune",
    "Code Insee",
    "Hors territoire",
    "Téléphone",
    "E-mail",
    "Date de création",
    "Accompagnements sur la période",
)

COLONNES_STATISTIQUES: tuple[str, ...] = ("Section", "Libellé", "Code Insee", "Nombre", "Part")

_OUI, _NON = N_("Oui"), N_("Non")


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


class _Xlsx:
    def __init__(self, chemin: Path) -> None:
        self.chemin = chemin
        self.classeur = Workbook(write_only=True)
        self.ws: WriteOnlyWorksheet | None = None
        self._gras = Font(bold=True)

    def feuille(self, titre: str, entetes: Sequence[str]) -> None:
        self.ws = self.classeur.create_sheet(title=titre[:31])
        self.ws.freeze_panes = "A2"
        cells = []
        for entete in entetes:
            cell = WriteOnlyCell(self.ws, value=entete)
            cell.font = self._gras
            cells.append(cell)
        self.ws.append(cells)

    def ligne(self, valeurs: Sequence[Cellule]) -> None:
        assert self.ws is not None, "feuille() comes first"
        self.ws.append([_cellule_xlsx(self.ws, v) for v in valeurs])

    def fermer(self) -> None:
        self.classeur.save(self.chemin)

    def abandonner(self) -> None:
        # A write-only sheet streams into a temporary file of its own until ``save``: close and
        # remove it now, or its pending writer fails noisily when garbage-collected.
        for ws in self.classeur.worksheets:
            writer = getattr(ws, "_writer", None)
            if isinstance(ws, WriteOnlyWorksheet) and writer is not None and not ws.closed:
                ws.close()
                writer.cleanup()


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


# A cell a spreadsheet would read as a formula (OWASP « CSV injection »): a name imported as
# ``=HYPERLINK(…)`` must come back as text, never as a live formula.
_DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def neutraliser_formule_csv(value: str | int) -> str | int:
    """The OWASP rule for CSV: a text that starts like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_DEBUTS_DE_FORMULE):
        return "'" + value
    return value


def _cellule_xlsx(ws: WriteOnlyWorksheet, value: Cellule) -> Any:
    """In XLSX every text is written as a text cell, so that none becomes a formula."""
    if isinstance(value, str) and value.startswith(_DEBUTS_DE_FORMULE):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


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
        tableur: _Xlsx | _Csv = _Xlsx(partiel) if fmt is FormatExport.XLSX else _Csv(partiel)
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


def _supprimer(tableur: _Xlsx | _Csv, partiel: Path) -> None:
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


def _oui_non(value: bool) -> str:
    return _(_OUI) if value else _(_NON)


def _journaliser(
    db: Database, actor: Actor, action: str, perimetre: Perimetre, resultat: ResultatExport
) -> None:
    with db.session() as session:
        journal.record(
            session,
            actor,
            action,
            None,
            None,
            {
                "format": resultat.format.value,
                "lignes": resultat.lignes,
                "du": perimetre.du.isoformat(),
                "au": perimetre.au.isoformat(),
                "structure_id": perimetre.structure_id,
                "agent_id": perimetre.agent_id,
            },
        )


# --- statistics --------------------------------------------------------------------------------


def lignes_statistiques(stats: Statistiques) -> list[list[Cellule]]:
    """The statistics as one table: totals, then every section (label, INSEE code, count, share)."""
    totaux = _("Totaux")
    periode = (
        f"{format_date(stats.perimetre.du, 'short')} – {format_date(stats.perimetre.au, 'short')}"
    )
    rows: list[list[Cellule]] = [
        [_("Période"), periode, None, None, None],
        [_("Périmètre"), stats.libelle_perimetre, None, None, None],
        [totaux, _("Accompagnements"), None, stats.accompagnements, None],
        [totaux, _("Bénéficiaires accompagnés"), None, stats.beneficiaires, None],
        [totaux, _("Participants (anonymes compris)"), None, stats.participants, None],
        [totaux, _("Nouveaux bénéficiaires"), None, stats.nouveaux_beneficiaires, None],
        [totaux, _("Durée totale (min)"), None, stats.duree_totale_min, None],
    ]
    for section in stats.sections:
        for ligne in section.lignes:
            rows.append(
                [section.titre, ligne.libelle, ligne.code, ligne.nombre, section.part(ligne)]
            )
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
    _journaliser(db, actor, "export.statistiques", perimetre, resultat)
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


def _par_id(session: Session, query: Any) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in session.execute(query):
        grouped[row[0]].append(row)
    return grouped


def lignes_accompagnements(
    session: Session,
    actor: Actor,
    perimetre: Perimetre,
    progress: Progress = NO_PROGRESS,
) -> Iterator[list[Cellule]]:
    """The rows of the accompaniments export, one per accompaniment and participant, streamed.

    Visible to whoever may read statistics of the scope: the rows carry no name, only the
    national profile columns.
    """
    structures = structures_du_perimetre(actor, perimetre)
    where = _filtres(perimetre, structures)
    total = session.scalar(select(func.count()).select_from(Accompagnement).where(*where)) or 0
    structures_noms = dict(session.execute(select(Structure.id, Structure.nom)).all())
    agents_noms = dict(session.execute(select(Agent.id, Agent.display_name)).all())
    territoire = {code for (code,) in session.execute(select(TerritoryCommune.code_insee))}
    communes = cog()
    done = 0
    progress.step(0, total, _("Export des accompagnements"))
    last: tuple[date, int] | None = None
    while True:
        query = (
            select(
                Accompagnement.id,
                Accompagnement.date,
                Accompagnement.type,
                Accompagnement.structure_id,
                Accompagnement.agent_id,
                Accompagnement.lieu_type,
                Accompagnement.lieu_nom,
                Accompagnement.duree_min,
                Accompagnement.sous_themes_admin,
                Accompagnement.demarche_nom,
                Accompagnement.atelier_titre,
                Accompagnement.atelier_niveau,
                Accompagnement.autonomie,
                Accompagnement.oriente,
                Accompagnement.orientation,
            )
            .where(*where)
            .order_by(Accompagnement.date, Accompagnement.id)
            .limit(CHUNK)
        )
        if last is not None:
            query = query.where(tuple_(Accompagnement.date, Accompagnement.id) > tuple_(*last))
        chunk = session.execute(query).all()
        if not chunk:
            break
        ids = [row.id for row in chunk]
        last = (chunk[-1].date, chunk[-1].id)
        thematiques = _par_id(
            session,
            select(AccompagnementThematique.accompagnement_id, AccompagnementThematique.thematique)
            .where(AccompagnementThematique.accompagnement_id.in_(ids))
            .order_by(AccompagnementThematique.accompagnement_id),
        )
        materiels = _par_id(
            session,
            select(AccompagnementMateriel.accompagnement_id, AccompagnementMateriel.materiel)
            .where(AccompagnementMateriel.accompagnement_id.in_(ids))
            .order_by(AccompagnementMateriel.accompagnement_id),
        )
        participants = _par_id(
            session,
            select(
                AccompagnementParticipant.accompagnement_id,
                Beneficiaire.anonyme,
                Beneficiaire.commune_insee,
                Beneficiaire.genre,
                Beneficiaire.annee_naissance,
                Beneficiaire.tranche_age_declaree,
                Beneficiaire.statut,
            )
            .join(Beneficiaire, Beneficiaire.id == AccompagnementParticipant.beneficiaire_id)
            .where(AccompagnementParticipant.accompagnement_id.in_(ids))
            .order_by(AccompagnementParticipant.accompagnement_id, Beneficiaire.id),
        )
        anonymes = _par_id(
            session,
            select(
                ParticipantsAnonymes.accompagnement_id,
                ParticipantsAnonymes.genre,
                ParticipantsAnonymes.tranche_age,
                ParticipantsAnonymes.statut,
                ParticipantsAnonymes.nombre,
            ).where(ParticipantsAnonymes.accompagnement_id.in_(ids)),
        )
        for acc in chunk:
            debut: list[Cellule] = [
                acc.date,
                acc.type,
                structures_noms.get(acc.structure_id, ""),
                agents_noms.get(acc.agent_id, ""),
                acc.lieu_type,
                acc.lieu_nom,
                acc.duree_min,
                ", ".join(r.materiel for r in materiels.get(acc.id, ())),
                ", ".join(r.thematique for r in thematiques.get(acc.id, ())),
                ", ".join(acc.sous_themes_admin or ()),
                acc.demarche_nom,
                acc.atelier_titre,
                acc.atelier_niveau,
                acc.autonomie,
                _oui_non(acc.oriente),
                acc.orientation if acc.oriente else None,
            ]
            emitted = False
            for p in participants.get(acc.id, ()):
                commune = communes.get(p.commune_insee) if p.commune_insee else None
                nom_commune = commune.nom if commune else p.commune_insee
                if p.commune_insee and p.commune_insee not in territoire and commune:
                    nom_commune = _("{nom} (hors territoire)").format(nom=commune.nom)
                yield [
                    *debut,
                    _oui_non(p.anonyme),
                    nom_commune,
                    p.commune_insee,
                    p.genre,
                    tranche_age(p.annee_naissance, p.tranche_age_declaree, acc.date),
                    p.statut,
                ]
                emitted = True
            for a in anonymes.get(acc.id, ()):
                for _i in range(a.nombre):
                    yield [*debut, _oui_non(True), None, None, a.genre, a.tranche_age, a.statut]
                    emitted = True
            if not emitted:
                yield [*debut, None, None, None, None, None, None]
        done += len(chunk)
        progress.step(done, total, _("Export des accompagnements"))


def _exporter_liste(
    db: Database,
    actor: Actor,
    perimetre: Perimetre,
    chemin: Path,
    progress: Progress,
    *,
    feuille: str,
    colonnes: Sequence[str],
    lignes_de: Callable[[Session, Actor, Perimetre, Progress], Iterator[list[Cellule]]],
    action: str,
) -> ResultatExport:
    """Stream one list into a file in a read session, then journal it once it is complete."""
    fmt = format_du_fichier(chemin)
    lignes = 0
    with db.read_session() as session, _fichier(chemin, fmt) as tableur:
        tableur.feuille(feuille, colonnes)
        for row in lignes_de(session, actor, perimetre, progress):
            tableur.ligne(row)
            lignes += 1
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
        action="export.accompagnements",
    )


# --- beneficiaries -----------------------------------------------------------------------------


def lignes_beneficiaires(
    session: Session,
    actor: Actor,
    perimetre: Perimetre,
    progress: Progress = NO_PROGRESS,
) -> Iterator[list[Cellule]]:
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
                Beneficiaire.created_at,
            )
            .where(*where, Beneficiaire.id > last_id)
            .order_by(Beneficiaire.id)
            .limit(CHUNK)
        ).all()
        if not chunk:
            break
        ids = [row.id for row in chunk]
        last_id = ids[-1]
        nombres = dict(
            session.execute(
                activite.with_only_columns(AccompagnementParticipant.beneficiaire_id, func.count())
                .where(AccompagnementParticipant.beneficiaire_id.in_(ids))
                .group_by(AccompagnementParticipant.beneficiaire_id)
            ).all()
        )
        for b in chunk:
            commune = communes.get(b.commune_insee) if b.commune_insee else None
            yield [
                b.id,
                b.prenom,
                b.nom,
                _oui_non(b.anonyme),
                b.annee_naissance,
                tranche_age(b.annee_naissance, b.tranche_age_declaree, perimetre.au),
                b.genre,
                b.statut,
                commune.nom if commune else b.commune_insee,
                b.commune_insee,
                _oui_non(b.commune_insee not in territoire) if b.commune_insee else None,
                b.telephone,
                b.email,
                to_local(b.created_at).date(),
                nombres.get(b.id, 0),
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
    return _exporter_liste(
        db,
        actor,
        perimetre,
        chemin,
        progress,
        feuille=_("Bénéficiaires"),
        colonnes=COLONNES_BENEFICIAIRES,
        lignes_de=lignes_beneficiaires,
        action="export.beneficiaires",
    )
