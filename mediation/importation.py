"""Import beneficiaries from a spreadsheet with the national import template's columns.

Two steps, so that nothing is half-saved: ``prepare_import`` reads and checks every row without
writing anything and returns a report (valid rows, and every rejected row with its line number and
reason); after the user has read it, ``apply_import`` saves the valid rows in the caller's single
transaction. Rows that look like an existing file (or an earlier row of the same file) are rejected
as probable duplicates: they are better created by hand, where the form offers to open the file.

Accepted files: CSV in UTF-8 (with or without BOM) or Windows-1252, separated by commas,
semicolons or tabs; XLSX (the first sheet, whatever the others hold).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import journal
from core.auth import Actor, Permission, require
from core.errors import MedianumError, ValidationError
from core.i18n import _
from core.models import TerritoryCommune
from core.progress import NO_PROGRESS, Progress
from core.territory import cog
from core.validation import fold
from mediation import referentiel as ref
from mediation.beneficiaires import (
    BeneficiaireData,
    _validated,
    create_beneficiaire,
    find_probable_duplicates,
)

# Columns of the national template, and the spellings met in the field (compared folded).
COLUMNS: dict[str, tuple[str, ...]] = {
    "nom": ("Nom", "Nom de famille"),
    "prenom": ("Prénom",),
    "annee_naissance": ("Année de naissance",),
    "date_naissance": ("Date de naissance",),
    "commune": ("Commune", "Commune de résidence"),
    "code_insee": ("Code Insee", "Code INSEE de la commune", "Code Insee du bénéficiaire"),
    "telephone": ("Téléphone", "Numéro de téléphone"),
    "email": ("E-mail", "Email", "Courriel", "Adresse e-mail"),
    "genre": ("Genre",),
    "tranche_age": ("Tranche d'âge",),
    "statut": ("Statut",),
    "notes": ("Notes", "Note"),
}
TEMPLATE_HEADER: tuple[str, ...] = (
    "Nom",
    "Prénom",
    "Année de naissance",
    "Date de naissance",
    "Commune",
    "Code Insee",
    "Téléphone",
    "E-mail",
    "Genre",
    "Tranche d'âge",
    "Statut",
    "Notes",
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


def _read_xlsx(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(
            _("Le fichier XLSX ne peut pas être lu : est-il endommagé ?")
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_table(path: Path) -> list[list[Any]]:
    """The rows of the file (header first), empty trailing rows dropped."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(_("Le fichier ne peut pas être ouvert : {e}").format(e=exc)) from exc
    if not raw.strip():
        raise ImportFileError(_("Le fichier est vide : aucune ligne à importer."))
    if raw[:4] == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _read_xlsx(path)
    elif path.suffix.lower() == ".xls":
        raise ImportFileError(
            _("Le format XLS (Excel 97) n'est pas lu : enregistrez le fichier en XLSX ou CSV.")
        )
    else:
        rows = _read_csv(raw)
    while rows and all(_cell(c) == "" for c in rows[-1]):
        rows.pop()
    if not rows:
        raise ImportFileError(_("Le fichier est vide : aucune ligne à importer."))
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _header_map(header: list[Any]) -> tuple[dict[str, int], list[str]]:
    wanted = {fold(alias): key for key, aliases in COLUMNS.items() for alias in aliases}
    mapping: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        text = _cell(name)
        key = wanted.get(fold(text))
        if key is not None and key not in mapping:
            mapping[key] = index
        elif text:
            ignored.append(text)
    if "nom" not in mapping:
        raise ImportFileError(
            _(
                "La colonne « Nom » est introuvable sur la première ligne. Colonnes attendues : "
                "{columns}."
            ).format(columns=", ".join(TEMPLATE_HEADER))
        )
    return mapping, ignored


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
        telephone=get("telephone") or None,
        email=get("email") or None,
        notes=get("notes") or None,
    )


# --- use cases ----------------------------------------------------------------------------------


def prepare_import(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    structure_id: int | None = None,
    today: date | None = None,
    progress: Progress = NO_PROGRESS,
) -> ImportReport:
    """Read and check every row of ``path``; nothing is written. Raises ImportFileError when the
    file as a whole is unusable."""
    sid = structure_id if structure_id is not None else actor.structure_id
    require(actor, Permission.DOSSIER_ECRIRE, sid)
    rows = read_table(path)
    mapping, ignored = _header_map(rows[0])
    by_name = _communes_by_name(session)
    report = ImportReport(path=path, ignored_columns=ignored)
    seen: dict[tuple[str, str], int] = {}
    day = today or date.today()
    data_rows = rows[1:]
    for offset, row in enumerate(data_rows):
        line = offset + 2
        if offset % 200 == 0:
            progress.step(offset, len(data_rows), _("Vérification des lignes"))
        if all(_cell(c) == "" for c in row):
            continue
        try:
            data = _validated(session, _row_data(session, row, mapping, by_name), day)
        except MedianumError as exc:
            report.rejected.append(RejectedRow(line, str(exc)))
            continue
        candidates = find_probable_duplicates(session, actor, data)
        if candidates:
            report.rejected.append(
                RejectedRow(
                    line,
                    _("Doublon probable du dossier n° {id} : à créer à la main si besoin.").format(
                        id=candidates[0].id
                    ),
                )
            )
            continue
        key = (fold(data.nom or ""), fold(data.prenom or ""))
        if key in seen:
            report.rejected.append(
                RejectedRow(line, _("Même nom et prénom qu'à la ligne {n}.").format(n=seen[key]))
            )
            continue
        seen[key] = line
        report.valid.append((line, data))
    if report.total == 0:
        raise ImportFileError(_("Le fichier ne contient que sa ligne d'en-tête."))
    return report


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
    journal.record(
        session,
        actor,
        "beneficiaire.import",
        "beneficiaire",
        None,
        {"structure_id": sid, "importes": len(ids), "rejetes": len(report.rejected)},
    )
    return ids
