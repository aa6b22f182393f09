"""Import beneficiaries from a spreadsheet: the Coop's own template as it is downloaded
(``coop-numerique_import-beneficiaires.xlsx``: sheet « Bénéficiaires », instructions on row 1,
headers on rows 2–3, people from row 4) or any file whose header names the national columns.

Two steps: ``prepare_import`` reads and checks every row and writes nothing, so it runs in a
reading session and takes no write lock (other desks keep working during a dry run); it returns a
report (valid rows, every rejected row with its line number and reason, every ignored column).
Then ``importer_par_lots`` saves the valid rows in short transactions, each with its journal
entry, so that no other desk waits more than a fraction of a second behind an import. An
interrupted import keeps its whole committed chunks and says on which line to resume
(``ImportInterrompu.reprendre_a``, ``--reprendre-a``): a chunk is never half-saved.
(``apply_import`` keeps the single-transaction form for a caller that owns the session.)

Rows that look like an existing file, or like an earlier row of the same file, are rejected as
probable duplicates by one rule: at least two of nom, prénom, téléphone, e-mail alike (case,
accents, spaces and hyphens ignored; phone in +33 form).

Accepted files: CSV in UTF-8 (with or without BOM) or Windows-1252, separated by commas,
semicolons or tabs; XLSX (the sheet « Bénéficiaires », else the first sheet with a « Nom »
column).
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.db import Database, utcnow
from core.errors import MedianumError, ValidationError
from core.i18n import _
from core.models import TerritoryCommune
from core.progress import NO_PROGRESS, Cancelled, Progress
from core.territory import cog
from core.validation import fold
from mediation import journal as journal_mediation
from mediation import referentiel as ref
from mediation.beneficiaires import (
    BeneficiaireData,
    _apply,
    _normalised,
    _validated,
    create_beneficiaire,
)
from mediation.models import Beneficiaire
from mediation.visibility import beneficiaire_filter

# Columns of the national template, and the spellings met in the field (compared folded).
COLUMNS: dict[str, tuple[str, ...]] = {
    "nom": ("Nom", "Nom de famille"),
    "prenom": ("Prénom",),
    "annee_naissance": ("Année de naissance",),
    "date_naissance": ("Date de naissance",),
    "commune": ("Commune", "Commune de résidence", "Nom de la commune"),
    "code_insee": ("Code Insee", "Code INSEE de la commune", "Code Insee du bénéficiaire"),
    "telephone": ("Téléphone", "Numéro de téléphone", "N° de téléphone"),
    "email": ("E-mail", "Email", "Courriel", "Adresse e-mail"),
    "genre": ("Genre",),
    "tranche_age": ("Tranche d'âge",),
    "statut": ("Statut",),
    "notes": ("Notes", "Note", "Notes supplémentaires"),
}
# The Coop's template names its sheet so; a header is looked for on the first lines only.
FEUILLE_COOP = "Bénéficiaires"
LIGNES_D_EN_TETE = 10
# The real run commits chunks sized to last about LOT_MAX_SECONDES on this machine (first
# LOT_PREMIER rows, then adjusted, never more than LOT_MAX_LIGNES): another desk waits at most
# about that long for its turn.
LOT_PREMIER = 100
LOT_MAX_LIGNES = 500
LOT_MAX_SECONDES = 0.2
# SQLite does not queue its writers: a waiting desk retries every 100 ms at most, and would
# never find the lock free if the import took it again at once. A pause after each chunk gives
# it its turn (PostgreSQL grants its locks in order: no pause there).
PAUSE_ENTRE_LOTS_SQLITE = 0.2
# Named in the message of a file without a « Nom » column: the Coop's template's columns, then
# those Médianum also reads.
TEMPLATE_HEADER: tuple[str, ...] = (
    "Nom",
    "Prénom",
    "Année de naissance",
    "Nom de la commune",
    "Code INSEE",
    "N° de téléphone",
    "E-mail",
    "Genre",
    "Notes supplémentaires",
    "Date de naissance",
    "Tranche d'âge",
    "Statut",
)

_GENRE_ALIASES = {
    "homme": "Masculin",
    "h": "Masculin",
    "m": "Masculin",
    "femme": "Féminin",
    "f": "Féminin",
}


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (empty, unknown format, no « Nom » column)."""


class ImportInterrompu(MedianumError):
    """The real run stopped between or inside a chunk: the chunks before are saved, whole."""

    def __init__(self, message: str, *, importes: list[int], reprendre_a: int | None) -> None:
        super().__init__(message)
        self.importes = importes
        self.reprendre_a = reprendre_a


@dataclass(frozen=True)
class RejectedRow:
    ligne: int  # as the spreadsheet numbers it: the header is line 1
    motif: str


@dataclass
class ImportReport:
    path: Path
    valid: list[tuple[int, BeneficiaireData]] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    feuille: str | None = None  # the XLSX sheet read

    @property
    def total(self) -> int:
        return len(self.valid) + len(self.rejected)


# --- reading ------------------------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Spreadsheets saved « CSV » by Excel on a French Windows desk.
        return raw.decode("cp1252")


def _read_csv(raw: bytes) -> list[list[str]]:
    text = _decode(raw)
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        delimiter = max(";,\t", key=first.count)
        dialect = type("Guessed", (csv.excel,), {"delimiter": delimiter})
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(path: Path) -> list[tuple[str, list[list[Any]]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(
            _("Le fichier XLSX ne peut pas être lu : est-il endommagé ?")
        ) from exc
    try:
        return [
            (sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)])
            for sheet in workbook.worksheets
        ]
    finally:
        workbook.close()


def read_table(path: Path) -> list[tuple[str, list[list[Any]]]]:
    """Each table of the file (one per XLSX sheet, one for a CSV) with its name, as rows,
    empty trailing rows dropped."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(_("Le fichier ne peut pas être ouvert : {e}").format(e=exc)) from exc
    if not raw.strip():
        raise ImportFileError(_("Le fichier est vide : aucune ligne à importer."))
    if raw[:4] == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm"):
        tables = _read_xlsx(path)
    elif path.suffix.lower() == ".xls":
        raise ImportFileError(
            _("Le format XLS (Excel 97) n'est pas lu : enregistrez le fichier en XLSX ou CSV.")
        )
    else:
        tables = [("", _read_csv(raw))]
    for _titre, rows in tables:
        while rows and all(_cell(c) == "" for c in rows[-1]):
            rows.pop()
    if not any(rows for _titre, rows in tables):
        raise ImportFileError(_("Le fichier est vide : aucune ligne à importer."))
    return tables


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


@dataclass(frozen=True)
class _EnTete:
    mapping: dict[str, int]
    ignored: list[str]
    premiere_donnee: int  # index of the first row after the header


def _map_row(row: list[Any]) -> tuple[dict[str, int], dict[int, str]]:
    """Known columns of one header row, and the other named cells by index."""
    wanted = {fold(alias): key for key, aliases in COLUMNS.items() for alias in aliases}
    mapping: dict[str, int] = {}
    others: dict[int, str] = {}
    for index, name in enumerate(row):
        text = _cell(name)
        key = wanted.get(fold(text))
        if key is not None and key not in mapping:
            mapping[key] = index
        elif text:
            others[index] = text
    return mapping, others


def _en_tete(rows: list[list[Any]]) -> _EnTete | None:
    """The header: the first of the first lines naming a « Nom » column (the rows above it,
    instructions, are skipped), with the line below it when that line completes it — as the
    Coop's template does, a merged « Commune de résidence » above « Nom de la commune »,
    « Code INSEE », « Code postal » — and leaves « Nom » blank."""
    for index, row in enumerate(rows[:LIGNES_D_EN_TETE]):
        mapping, others = _map_row(row)
        if "nom" not in mapping:
            continue
        below = rows[index + 1] if index + 1 < len(rows) else []
        sous_mapping, sous_others = _map_row(below)
        nom_en_dessous = _cell(below[mapping["nom"]]) if mapping["nom"] < len(below) else ""
        if not sous_mapping or nom_en_dessous:
            return _EnTete(mapping, list(others.values()), index + 1)
        # Two header lines: a column is named by its lower cell when that one is known.
        for key, col in sous_mapping.items():
            for k in [k for k, c in mapping.items() if c == col and k != key]:
                del mapping[k]
            mapping.setdefault(key, col)
        used = set(mapping.values())
        ignored = [t for c, t in sorted({**others, **sous_others}.items()) if c not in used]
        return _EnTete(mapping, ignored, index + 2)
    return None


def _choisir_feuille(
    tables: list[tuple[str, list[list[Any]]]],
) -> tuple[str, list[list[Any]], _EnTete]:
    """The Coop's « Bénéficiaires » sheet, else the first sheet whose header names « Nom »."""
    ordre = sorted(tables, key=lambda t: fold(t[0]) != fold(FEUILLE_COOP))
    for titre, rows in ordre:
        en_tete = _en_tete(rows)
        if en_tete is not None:
            return titre, rows, en_tete
    attendues = ", ".join(TEMPLATE_HEADER)
    if len(tables) > 1 or tables[0][0]:
        raise ImportFileError(
            _(
                "Aucune feuille ne contient de colonne « Nom » dans ses {n} premières lignes "
                "(feuilles du fichier : {sheets}). Colonnes attendues : {columns}."
            ).format(
                n=LIGNES_D_EN_TETE,
                sheets=", ".join(f"« {titre} »" for titre, _rows in tables),
                columns=attendues,
            )
        )
    raise ImportFileError(
        _(
            "La colonne « Nom » est introuvable dans les {n} premières lignes. Colonnes "
            "attendues : {columns}."
        ).format(n=LIGNES_D_EN_TETE, columns=attendues)
    )


# --- row conversion -----------------------------------------------------------------------------


def _parse_date(text: str) -> date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(
        _("Date de naissance illisible : « {v} » (attendu : JJ/MM/AAAA).").format(v=text)
    )


def _choice(text: str, allowed: tuple[str, ...], default: str, label: str) -> str:
    if not text:
        return default
    folded = fold(text)
    for value in allowed:
        if fold(value) == folded:
            return value
    if label == "genre" and folded in _GENRE_ALIASES:
        return _GENRE_ALIASES[folded]
    raise ValidationError(
        _("{label} inconnu : « {v} » (possibles : {choices}).").format(
            label=label.capitalize(), v=text, choices=", ".join(allowed)
        )
    )


def _commune_code(
    session: Session, name: str, code: str, by_name: dict[str, list[str]]
) -> str | None:
    if code:
        return code.zfill(5) if code.isdigit() else code
    if not name:
        return None
    matches = by_name.get(fold(name), [])
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ValidationError(_("Commune inconnue : « {v} ».").format(v=name))
    raise ValidationError(
        _("Plusieurs communes s'appellent « {v} » : indiquez le code INSEE.").format(v=name)
    )


def _communes_by_name(session: Session) -> dict[str, list[str]]:
    """Names resolve to the territory's commune first, else to a unique commune of France."""
    territory: dict[str, list[str]] = {}
    for tc in session.scalars(select(TerritoryCommune)):
        territory.setdefault(fold(tc.nom), []).append(tc.code_insee)
    france: dict[str, list[str]] = {}
    for c in cog().values():
        france.setdefault(fold(c.nom), []).append(c.code_insee)
    return {**france, **territory}


def _row_data(
    session: Session, row: list[Any], mapping: dict[str, int], by_name: dict[str, list[str]]
) -> BeneficiaireData:
    def get(key: str) -> str:
        index = mapping.get(key)
        return _cell(row[index]) if index is not None and index < len(row) else ""

    def telephone() -> str:
        index = mapping.get("telephone")
        raw = row[index] if index is not None and index < len(row) else None
        text = _cell(raw)
        # Excel keeps « 06 11 22 33 55 » typed without spaces as the number 611223355.
        if isinstance(raw, int | float) and not isinstance(raw, bool) and len(text) == 9:
            return "0" + text
        return text

    annee_text = get("annee_naissance")
    if annee_text and not annee_text.isdigit():
        raise ValidationError(_("Année de naissance illisible : « {v} ».").format(v=annee_text))
    date_text = get("date_naissance")
    return BeneficiaireData(
        nom=get("nom") or None,
        prenom=get("prenom") or None,
        annee_naissance=int(annee_text) if annee_text else None,
        date_naissance=_parse_date(date_text) if date_text else None,
        genre=_choice(get("genre"), ref.GENRES, ref.GENRE_NON_COMMUNIQUE, "genre"),
        statut=_choice(get("statut"), ref.STATUTS, ref.STATUT_NON_COMMUNIQUE, "statut"),
        tranche_age_declaree=(
            _choice(get("tranche_age"), ref.TRANCHES_AGE, ref.TRANCHE_NON_COMMUNIQUEE, "tranche")
            if get("tranche_age")
            else None
        ),
        commune_insee=_commune_code(session, get("commune"), get("code_insee"), by_name),
        telephone=telephone() or None,
        email=get("email") or None,
        notes=get("notes") or None,
    )


# --- use cases ----------------------------------------------------------------------------------


class _DejaVus:
    """The valid rows read so far, indexed by each duplicate field: a row is a duplicate of an
    earlier one when at least two fields are alike, the rule applied against the database."""

    def __init__(self) -> None:
        self._index: dict[tuple[str, str], list[int]] = {}

    @staticmethod
    def _cles(data: BeneficiaireData) -> list[tuple[str, str]]:
        normalised = _normalised(data)
        # Names compared with spaces and hyphens dropped too: « Doublon-Un » is « Doublonun ».
        return [
            (champ, valeur.replace(" ", "") if champ in ("nom", "prenom") else valeur)
            for champ, valeur in normalised.items()
            if valeur
        ]

    def doublon_de(self, data: BeneficiaireData) -> int | None:
        communs: dict[int, int] = {}
        for cle in self._cles(data):
            for ligne in self._index.get(cle, ()):
                communs[ligne] = communs.get(ligne, 0) + 1
        lignes = [ligne for ligne, n in communs.items() if n >= 2]
        return min(lignes) if lignes else None

    def ajouter(self, ligne: int, data: BeneficiaireData) -> None:
        for cle in self._cles(data):
            self._index.setdefault(cle, []).append(ligne)


def prepare_import(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    structure_id: int | None = None,
    today: date | None = None,
    progress: Progress = NO_PROGRESS,
) -> ImportReport:
    """Read and check every row of ``path``; nothing is written, so a reading session will do
    (``Database.read_session``) and no other desk waits. Raises ImportFileError when the file
    as a whole is unusable."""
    sid = structure_id if structure_id is not None else actor.structure_id
    require(actor, Permission.DOSSIER_ECRIRE, sid)
    titre, rows, en_tete = _choisir_feuille(read_table(path))
    by_name = _communes_by_name(session)
    report = ImportReport(path=path, ignored_columns=en_tete.ignored, feuille=titre or None)
    day = today or date.today()
    data_rows = rows[en_tete.premiere_donnee :]
    lues: list[tuple[int, BeneficiaireData | str]] = []
    for offset, row in enumerate(data_rows):
        if offset % 200 == 0:
            progress.step(offset, len(data_rows), _("Vérification des lignes"))
        if all(_cell(c) == "" for c in row):
            continue
        line = en_tete.premiere_donnee + offset + 1  # as the spreadsheet numbers its lines
        try:
            data = _row_data(session, row, en_tete.mapping, by_name)
            lues.append((line, _validated(session, data, day)))
        except MedianumError as exc:
            lues.append((line, str(exc)))
    valides = [d for _line, d in lues if isinstance(d, BeneficiaireData)]
    en_base = _doublons_en_base(session, actor, valides)
    vus = _DejaVus()
    for line, lue in lues:
        if isinstance(lue, str):
            report.rejected.append(RejectedRow(line, lue))
            continue
        motif = _motif_de_doublon(lue, en_base, vus)
        if motif is not None:
            report.rejected.append(RejectedRow(line, motif))
            continue
        vus.ajouter(line, lue)
        report.valid.append((line, lue))
    if report.total == 0:
        raise ImportFileError(_("Le fichier ne contient que sa ligne d'en-tête."))
    return report


def _motif_de_doublon(data: BeneficiaireData, en_base: dict[int, int], vus: _DejaVus) -> str | None:
    dossier = en_base.get(id(data))
    if dossier is not None:
        return _("Doublon probable du dossier n° {id} : à créer à la main si besoin.").format(
            id=dossier
        )
    earlier = vus.doublon_de(data)
    if earlier is not None:
        return _("Doublon probable de la ligne {n} du fichier.").format(n=earlier)
    return None


_PAR_REQUETE = 500


def _doublons_en_base(
    session: Session, actor: Actor, datas: list[BeneficiaireData]
) -> dict[int, int]:
    """For each row (by ``id()``) that looks like a visible named file, the first such file.

    The rule of ``find_probable_duplicates``, answered for many rows at once: two alike fields
    always include the nom, or the téléphone (prénom+téléphone, téléphone+e-mail) or the e-mail
    (prénom+e-mail), so the files sharing one of those three are the only candidates."""
    voulus = [(data, _normalised(data)) for data in datas]
    candidats: dict[int, dict[str, str | None]] = {}
    colonnes = (
        ("nom", Beneficiaire.nom_cle),
        ("telephone", Beneficiaire.telephone),
        ("email", Beneficiaire.email),
    )
    for champ, colonne in colonnes:
        valeurs = sorted({str(w[champ]) for _d, w in voulus if w[champ]})
        for debut in range(0, len(valeurs), _PAR_REQUETE):
            for b in session.scalars(
                select(Beneficiaire).where(
                    beneficiaire_filter(actor),
                    Beneficiaire.anonyme.is_(False),
                    colonne.in_(valeurs[debut : debut + _PAR_REQUETE]),
                )
            ):
                candidats.setdefault(b.id, _normalised(b))
    index: dict[tuple[str, str], list[int]] = {}
    for bid, theirs in candidats.items():
        for champ, valeur in theirs.items():
            if valeur:
                index.setdefault((champ, valeur), []).append(bid)
    trouves: dict[int, int] = {}
    for data, wanted in voulus:
        if data.anonyme or sum(v is not None for v in wanted.values()) < 2:
            continue
        communs: dict[int, int] = {}
        for champ, valeur in wanted.items():
            for bid in index.get((champ, valeur), []) if valeur else []:
                communs[bid] = communs.get(bid, 0) + 1
        alike = [bid for bid, n in communs.items() if n >= 2]
        if alike:
            trouves[id(data)] = min(alike)
    return trouves


def apply_import(
    session: Session,
    actor: Actor,
    report: ImportReport,
    *,
    structure_id: int | None = None,
    today: date | None = None,
    progress: Progress = NO_PROGRESS,
) -> list[int]:
    """Save the report's valid rows (after the user confirmed) in the caller's transaction: an
    error or a cancellation rolls every row back. Returns the new ids."""
    sid = structure_id if structure_id is not None else actor.structure_id
    require(actor, Permission.DOSSIER_ECRIRE, sid)
    if not report.valid:
        raise ValidationError(_("Aucune ligne valide à importer."))
    ids = []
    for done, (_line, data) in enumerate(report.valid):
        if done % 100 == 0:
            progress.step(done, len(report.valid), _("Enregistrement"))
        b = create_beneficiaire(
            session, actor, data, structure_id=sid, confirm_not_duplicate=True, today=today
        )
        ids.append(b.id)
    journal_mediation.beneficiaire_import(
        session, actor, structure_id=sid, importes=len(ids), rejetes=len(report.rejected)
    )
    return ids


def importer_par_lots(
    db: Database,
    actor: Actor,
    report: ImportReport,
    *,
    structure_id: int | None = None,
    progress: Progress = NO_PROGRESS,
    reprendre_a: int | None = None,
) -> list[int]:
    """Save the report's valid rows (from line ``reprendre_a`` on) in short transactions, each
    with its own journal entry naming the lines and file numbers it created. Raises
    ImportInterrompu, saying where to resume, when stopped."""
    sid = structure_id if structure_id is not None else actor.structure_id
    require(actor, Permission.DOSSIER_ECRIRE, sid)
    if sid is None:
        raise ValidationError(_("Choisissez la structure pour laquelle vous travaillez."))
    lignes = [(n, d) for n, d in report.valid if reprendre_a is None or n >= reprendre_a]
    if not lignes:
        raise ValidationError(_("Aucune ligne valide à importer."))
    ids: list[int] = []
    taille, numero = LOT_PREMIER, 0
    while len(ids) < len(lignes):
        lot = lignes[len(ids) : len(ids) + taille]
        debut = time.monotonic()
        try:
            progress.step(len(ids), len(lignes), _("Enregistrement"))
            with db.session() as session:
                nouveaux = _enregistrer_un_lot(session, sid, lot)
                numero += 1
                _journaliser_lot(session, actor, sid, numero, lot, nouveaux, report)
        except (Cancelled, MedianumError, OSError, KeyboardInterrupt) as exc:
            # The chunk in progress was rolled back: the first unsaved row follows the saved ones.
            raise _interruption(ids, lignes[len(ids)][0]) from exc
        ids.extend(nouveaux)
        taille = _taille_suivante(taille, time.monotonic() - debut)
        if db.is_sqlite:
            time.sleep(PAUSE_ENTRE_LOTS_SQLITE)
    return ids


def _taille_suivante(taille: int, secondes: float) -> int:
    """The next chunk's size, so that a chunk lasts about LOT_MAX_SECONDES on this machine."""
    if secondes <= 0:
        return min(taille * 2, LOT_MAX_LIGNES)
    return max(1, min(int(taille * LOT_MAX_SECONDES / secondes), taille * 2, LOT_MAX_LIGNES))


def _enregistrer_un_lot(
    session: Session, sid: int, lot: list[tuple[int, BeneficiaireData]]
) -> list[int]:
    """Insert the chunk's people (checked by ``prepare_import``) in bulk statements; their
    fields are set by the same function as a file created at the desk."""
    now = utcnow()
    lignes = []
    for _line, data in lot:
        # A plain namespace, not a mapped instance: ORM bookkeeping would cost more than the
        # insert itself.
        fiche = SimpleNamespace()
        _apply(cast(Beneficiaire, fiche), data)
        lignes.append(
            {**vars(fiche), "structure_id": sid, "efface": False, "created_at": now,
             "updated_at": now, "derniere_activite_at": now,
             # Imported files come with no accompaniment: none is first yet.
             "premier_accompagnement": None}
        )  # fmt: skip
    return sorted(session.scalars(insert(Beneficiaire).returning(Beneficiaire.id), lignes))


def _journaliser_lot(
    session: Session,
    actor: Actor,
    sid: int,
    numero: int,
    lot: list[tuple[int, BeneficiaireData]],
    nouveaux: list[int],
    report: ImportReport,
) -> None:
    journal_mediation.beneficiaire_import(
        session,
        actor,
        structure_id=sid,
        lot=numero,
        importes=len(nouveaux),
        premiere_ligne=lot[0][0],
        derniere_ligne=lot[-1][0],
        dossiers=[min(nouveaux), max(nouveaux)],
        rejetes=len(report.rejected) if numero == 1 else 0,
    )


def _interruption(ids: list[int], suivante: int) -> ImportInterrompu:
    message = _(
        "Import interrompu : {n} bénéficiaire(s) enregistré(s), par lots entiers. Rien n'a "
        "été enregistré à partir de la ligne {line} : relancez l'import avec "
        "« --reprendre-a {line} » pour importer la suite."
    ).format(n=len(ids), line=suivante)
    return ImportInterrompu(message, importes=list(ids), reprendre_a=suivante)
