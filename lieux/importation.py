"""Reading places files (CSV or JSON, schema v1 or v0.1) tolerantly, reporting.

Two steps, so that a person sees the report before anything is written:

1. :func:`analyser_fichier` reads the file and returns a :class:`RapportImport`: for each row,
   the normalised values and the remarks per column — what is invalid (the row will not be
   imported: only a missing or bad required value, a duplicate id, shifted cells), what was
   normalised (phone to +33 form, accents and case of enumerated values, v0.1 labels mapped to
   v1, « ; » and « , » lists split), what was dropped or shortened (a bad optional value: the
   place is kept) and warnings (implausible position, SIRET key, placeholder date). The version
   is read from the columns and the values, never from the separator. No database access.
2. :func:`importer_lieux` writes the valid rows: a place whose ``id`` is already known gets the
   fields whose column is in the file, and the report says which changed and which were left as
   they were; one journal entry records the import.

Sizes are those of the database columns (``limites_colonnes``), so SQLite and PostgreSQL accept
and refuse the same rows.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

from sqlalchemy import String, Table, insert, select
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.errors import ValidationError
from core.i18n import _
from core.progress import NO_PROGRESS, Progress
from core.validation import LA_POSTE_SIREN, luhn_ok, to_e164
from lieux import horaires
from lieux import journal as journal_lieux
from lieux.anciens import (
    FREE_LABELS,
    GENERAL_PUBLIC,
    HEADER_ALIASES,
    LABEL_COLUMNS,
    LEGACY_COLUMNS,
    LEGACY_TARGETS,
    V0_ONLY_COLUMNS,
    alias_v1,
    ancienne_valeur,
    cles,
    key,
    sans_precision,
)
from lieux.erreurs import raison_systeme
from lieux.models import Lieu
from lieux.positions import anomalies, commune_placee, en_france
from lieux.schema import (
    ETAPES_NUMERIQUES_SCHEMA,
    MULTI_SEPARATOR,
    Schema,
    SchemaField,
    load_schema,
)


class Genre(enum.StrEnum):
    INVALIDE = "invalide"  # the row is not imported
    NORMALISE = "normalisé"  # the value was rewritten into the schema's form
    NON_REPRIS = "non repris"  # the value has no equivalent and is dropped
    AVERTISSEMENT = "avertissement"  # kept as is, but worth a look


class FormatFichier(enum.StrEnum):
    CSV_V1 = "CSV schéma v1"
    CSV_V0 = "CSV schéma v0.1"
    JSON = "JSON"
    JSON_V0 = "JSON schéma v0.1"


@dataclass(frozen=True)
class Remarque:
    ligne: int  # line of the file (the header is line 1), or record number in a JSON file
    colonne: str
    genre: Genre
    valeur: str
    message: str


@dataclass
class LigneImport:
    numero: int
    valeurs: dict[str, Any]
    remarques: list[Remarque] = field(default_factory=list)
    # The schema fields this row speaks for (its column is in the file): on a known place,
    # only these are written, so a file with fewer columns erases nothing.
    presentes: frozenset[str] = frozenset()

    @property
    def valide(self) -> bool:
        return not any(r.genre is Genre.INVALIDE for r in self.remarques)

    @property
    def identifiant(self) -> str:
        return str(self.valeurs.get("id") or "")


@dataclass
class RapportImport:
    fichier: str
    format: FormatFichier
    lignes: list[LigneImport]
    remarques_fichier: list[str] = field(default_factory=list)
    colonnes_absentes: list[str] = field(default_factory=list)

    @property
    def lignes_valides(self) -> list[LigneImport]:
        return [ligne for ligne in self.lignes if ligne.valide]

    @property
    def lignes_invalides(self) -> list[LigneImport]:
        return [ligne for ligne in self.lignes if not ligne.valide]

    def remarques(self, genre: Genre | None = None) -> list[Remarque]:
        return [r for ligne in self.lignes for r in ligne.remarques if genre in (None, r.genre)]

    def resume(self) -> dict[str, int]:
        return {
            "lignes": len(self.lignes),
            "valides": len(self.lignes_valides),
            "invalides": len(self.lignes_invalides),
            "normalisations": len(self.remarques(Genre.NORMALISE)),
            "non_repris": len(self.remarques(Genre.NON_REPRIS)),
            "avertissements": len(self.remarques(Genre.AVERTISSEMENT)),
        }


@dataclass
class ResultatImport:
    crees: list[str] = field(default_factory=list)
    modifies: dict[str, list[str]] = field(default_factory=dict)  # id → changed fields
    inchanges: list[str] = field(default_factory=list)
    ignores: int = 0  # invalid rows, not imported
    conserves: list[str] = field(default_factory=list)  # absent columns, left as they were


# --- reading files ---------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), _(
            "Le fichier n'est pas en UTF-8 : lu comme Windows-1252 ; vérifiez les accents."
        )


@cache
def colonne(raw: str) -> str:
    """The schema name of a header as files spell it (« Itinerance », « modalite_acces »…)."""
    name = raw.strip().lstrip("\ufeff").strip('"').strip().lower()
    name = HEADER_ALIASES.get(name, name)
    return LEGACY_COLUMNS.get(name, name)


_Row = tuple[int, dict[str, str], int]  # line, cells by header, number of cells


def _csv_records(text: str) -> tuple[list[str], list[_Row]]:
    first_line = next(line for line in text.splitlines() if line.strip())
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    header: list[str] = []
    for row in reader:
        if any(cell.strip() for cell in row):
            header = [colonne(h) for h in row]
            break
    rows = [
        (reader.line_num, dict(zip(header, row, strict=False)), len(row))
        for row in reader
        if any(cell.strip() for cell in row)
    ]
    return header, rows


def _flatten_json(record: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key_, value in record.items():
        if isinstance(value, Mapping) and key_ not in ("geometry",):
            for sub, sub_value in _flatten_json(value).items():
                flat[_JSON_NESTED.get(sub, sub)] = sub_value
        else:
            flat[_JSON_NESTED.get(key_, key_)] = value
    return flat


def _json_records(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, Mapping):
        if data.get("type") == "FeatureCollection":
            records = []
            for feature in data.get("features", []):
                props = dict(feature.get("properties") or {})
                geometry = feature.get("geometry") or {}
                if geometry.get("type") == "Point" and "latitude" not in props:
                    props["longitude"], props["latitude"] = geometry["coordinates"][:2]
                records.append(_flatten_json(props))
            return records
        for value in data.values():
            if isinstance(value, list):
                return [_flatten_json(r) for r in value if isinstance(r, Mapping)]
        raise ValidationError(_("Ce JSON ne contient pas de liste de lieux."), field="fichier")
    if isinstance(data, list):
        return [_flatten_json(r) for r in data if isinstance(r, Mapping)]
    raise ValidationError(_("Ce JSON ne contient pas de liste de lieux."), field="fichier")


# The national data store's JSON nests some fields; these are their flat schema names.
_JSON_NESTED: dict[str, str] = {
    "voie": "adresse",
    "resume": "presentation_resume",
    "detail": "presentation_detail",
    "courriel": "courriels",
}


def analyser_fichier(path: Path, progress: Progress = NO_PROGRESS) -> RapportImport:
    """Read and check a places file without writing anything."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            _("Impossible de lire le fichier {file} : {error}.").format(
                file=path.name, error=raison_systeme(exc)
            ),
            field="fichier",
        ) from exc
    return analyser_contenu(data, path.name, progress)


def _fields_of(columns: Iterable[str]) -> set[str]:
    """The schema fields that the given (normalised) columns speak for."""
    names = set(load_schema().names)
    fields: set[str] = set()
    for name in columns:
        fields.update(LEGACY_TARGETS.get(name, ()))
        if name in names:
            fields.add(name)
    return fields


def _lire_json(text: str) -> tuple[FormatFichier, list[tuple[int, dict[str, Any], int]], set[str]]:
    try:
        records = _json_records(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ValidationError(
            _("Ce fichier JSON est illisible (ligne {line}).").format(line=exc.lineno),
            field="fichier",
        ) from exc
    normalised = [{colonne(k): v for k, v in r.items()} for r in records]
    columns = {k for r in normalised for k in r}
    fmt = FormatFichier.JSON_V0 if columns & V0_ONLY_COLUMNS else FormatFichier.JSON
    # A JSON record leaves out its empty keys: a key any record has is a column of the file.
    return fmt, [(i, r, -1) for i, r in enumerate(normalised, start=1)], columns


def analyser_contenu(data: bytes, nom: str, progress: Progress = NO_PROGRESS) -> RapportImport:
    text, encoding_note = _decode(data)
    notes = [encoding_note] if encoding_note else []
    if not text.strip():
        raise ValidationError(_("Le fichier est vide."), field="fichier")
    header: list[str] = []
    if text.lstrip().startswith(("[", "{")):
        fmt, numbered, columns = _lire_json(text)
    else:
        header, rows = _csv_records(text)
        columns = set(header)
        fmt = FormatFichier.CSV_V0 if columns & V0_ONLY_COLUMNS else FormatFichier.CSV_V1
        numbered = [(line, dict(record), cells) for line, record, cells in rows]
    lecteur = _Lecteur(fmt)
    notes += _notes_colonnes(columns, lecteur.schema)
    absentes = [n for n in lecteur.schema.names if n not in _fields_of(columns) and n != "id"]
    total = len(numbered)
    lignes: list[LigneImport] = []
    seen: dict[str, int] = {}
    file_fields = frozenset(_fields_of(columns))
    for index, (numero, record, cells) in enumerate(numbered):
        if index % 500 == 0:
            progress.step(index, total, _("Lecture des lieux…"))
        whole = cells < 0 or cells >= len(header)
        presentes = file_fields if whole else frozenset(_fields_of(header[:cells]))
        ligne = lecteur.lire(numero, record, presentes)
        if cells >= 0 and cells != len(header):
            ligne.remarques.append(_remarque_cellules(numero, cells, len(header)))
        _note_doublon(ligne, seen)
        lignes.append(ligne)
    progress.step(total, total, _("Lecture terminée."))
    notes += _note_communes_non_verifiees(lecteur.communes_non_verifiees)
    return RapportImport(nom, _version(fmt, lecteur), lignes, notes, absentes)


def _note_communes_non_verifiees(counts: Counter[str]) -> list[str]:
    if not counts:
        return []
    codes = sorted(c for c in counts if c)
    shown = ", ".join(codes[:10]) + (" …" if len(codes) > 10 else "")
    if "" in counts:
        shown = ", ".join(p for p in (shown, _("sans code INSEE")) if p)
    return [
        _(
            "Distance à la commune non vérifiée pour {n} lieux ({codes}) : la position des "
            "communes n'est connue ici que pour la Charente-Maritime."
        ).format(n=sum(counts.values()), codes=shown)
    ]


def _version(fmt: FormatFichier, lecteur: _Lecteur) -> FormatFichier:
    """v0.1 when its columns say so, or when most enumerated values are v0.1 labels."""
    if lecteur.valeurs_v0 <= lecteur.valeurs_v1:
        return fmt
    return {
        FormatFichier.CSV_V1: FormatFichier.CSV_V0,
        FormatFichier.JSON: FormatFichier.JSON_V0,
    }.get(fmt, fmt)


def _notes_colonnes(columns: set[str], schema: Schema) -> list[str]:
    notes: list[str] = []
    missing = [n for n in schema.required if n not in columns]
    if missing:
        notes.append(_("Colonnes obligatoires absentes : {cols}.").format(cols=", ".join(missing)))
    known = set(schema.names) | set(LEGACY_TARGETS)
    unknown = sorted(c for c in columns if c and c not in known and c != "geometry")
    if unknown:
        notes.append(
            _("Colonnes inconnues, non reprises : {cols}.").format(cols=", ".join(unknown))
        )
    absent = [n for n in schema.names if n not in _fields_of(columns) and n not in missing]
    if absent:
        notes.append(
            _(
                "Colonnes absentes du fichier : {cols}. Pour un lieu déjà connu, ces champs "
                "restent tels quels."
            ).format(cols=", ".join(absent))
        )
    return notes


def _remarque_cellules(numero: int, cells: int, expected: int) -> Remarque:
    if cells > expected:
        # Extra cells shift every column after them: nothing on this row can be trusted.
        return Remarque(
            numero,
            "ligne",
            Genre.INVALIDE,
            str(cells),
            _(
                "{n} cellules pour {m} colonnes : une virgule non protégée par des guillemets "
                "décale les valeurs."
            ).format(n=cells, m=expected),
        )
    return Remarque(
        numero,
        "ligne",
        Genre.AVERTISSEMENT,
        str(cells),
        _(
            "{n} cellules pour {m} colonnes : les dernières colonnes sont laissées telles quelles."
        ).format(n=cells, m=expected),
    )


def _note_doublon(ligne: LigneImport, seen: dict[str, int]) -> None:
    ident = ligne.identifiant
    if ident and ident in seen:
        ligne.remarques.append(
            Remarque(
                ligne.numero,
                "id",
                Genre.INVALIDE,
                ident,
                _("Identifiant en double (déjà ligne {line}).").format(line=seen[ident]),
            )
        )
    elif ident:
        seen[ident] = ligne.numero


def verifier_valeurs(valeurs: Mapping[str, Any]) -> LigneImport:
    """Check and normalise one place given by schema field names (a form), as an import would.

    Strict: a value that an import would drop with a warning is an error here, so that a person
    typing it is told rather than silently losing it.
    """
    lecteur = _Lecteur(FormatFichier.CSV_V1, strict=True)
    return lecteur.lire(0, valeurs, frozenset(load_schema().names))


@cache
def limites_colonnes() -> dict[str, int]:
    """The longest text each field may hold: the schema's limit or the database column's."""
    limits: dict[str, int] = {}
    for column in Lieu.__table__.columns:
        length = getattr(column.type, "length", None)
        if isinstance(column.type, String) and length:
            limits["id" if column.name == "identifiant" else column.name] = length
    for f in load_schema().fields:
        if f.max_length is not None:
            limits[f.name] = min(f.max_length, limits.get(f.name, f.max_length))
    return limits


_LEGACY_OF: dict[str, str] = {
    "frais_a_charge": "conditions_acces",
    "publics_specifiquement_adresses": "publics_accueillis",
    "prise_en_charge_specifique": "publics_accueillis",
    "dispositif_programmes_nationaux": "labels_nationaux",
    "formations_labels": "labels_nationaux",
}
_ENUM_LIKE = frozenset({*LEGACY_TARGETS, "services", "modalites_accompagnement"})
_Note = Callable[[str, Genre, object, str], None]
_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?"
)
_PLACEHOLDER_DATES = (date(1969, 12, 31), date(1970, 1, 1), date(1900, 1, 1))
_EXCEL_NUMBER = re.compile(r"(\d)[.,](\d+)[eE]\+?(\d+)")


class _Lecteur:
    """Checks and normalises one record at a time against the schema.

    Tolerant by default: a bad value of an optional field is dropped (or trimmed) with a remark
    and the place is kept; only a bad required value makes the row invalid. ``strict`` (a form)
    makes every bad value an error.
    """

    def __init__(self, fmt: FormatFichier, strict: bool = False) -> None:
        self.format = fmt
        self.strict = strict
        self.schema: Schema = load_schema()
        # Positioned places whose distance to their commune could not be checked, by code.
        self.communes_non_verifiees: Counter[str] = Counter()
        self.required_order = self.schema.required
        self.required = frozenset(self.required_order)
        self.names = frozenset(self.schema.names)
        self.fields = {f.name: f for f in self.schema.fields}
        self.enum_keys: dict[str, dict[str, str]] = {
            f.name: {key(v): v for v in f.enum} for f in self.schema.fields if f.enum
        }
        # Values read as v1 and as v0.1 labels: a file's version shows in its values too.
        self.valeurs_v1 = 0
        self.valeurs_v0 = 0
        self.short_keys: dict[str, dict[str, str]] = {
            f.name: {sans_precision(v): v for v in f.enum} for f in self.schema.fields if f.enum
        }

    def lire(
        self, numero: int, record: Mapping[str, Any], presentes: frozenset[str]
    ) -> LigneImport:
        ligne = LigneImport(numero, {})
        dropped: set[str] = set()

        def note(col: str, genre: Genre, valeur: object, message: str) -> None:
            if genre is Genre.INVALIDE and not self.strict and col not in self.required:
                genre = Genre.NON_REPRIS
                message = message + " " + _("Valeur écartée, le lieu est gardé.")
                dropped.add(col)
            ligne.remarques.append(Remarque(numero, col, genre, str(valeur), message))

        multi: dict[str, list[str]] = {}
        for raw_name, raw_value in record.items():
            if raw_value is None or raw_value == "":
                continue  # most cells of a national file are empty
            name = colonne(raw_name)
            text = _texte(raw_value)
            if not text:
                continue
            if name in _ENUM_LIKE or name in self.enum_keys:
                for value in self._split(name, text, note):
                    self._enum_value(name, value, multi, note)
            elif name in self.names:
                value = self._scalar(self.fields[name], text, note)
                if value is not None:
                    ligne.valeurs[name] = value
        for name, values in multi.items():
            # A free-text column (v0.1 « labels_autres ») may already hold some of them.
            before = str(ligne.valeurs.get(name) or "").split(MULTI_SEPARATOR)
            merged = [v for v in (*before, *values) if v]
            ligne.valeurs[name] = MULTI_SEPARATOR.join(dict.fromkeys(merged))
        self._pivot_from_id(ligne.valeurs, note)
        self._lengths(ligne.valeurs, note)
        self._position(ligne.valeurs, note)
        for name in self.required_order:
            missing = ligne.valeurs.get(name) in (None, "")
            if missing and not any(r.colonne == name for r in ligne.remarques):
                note(name, Genre.INVALIDE, "", _("Valeur obligatoire manquante."))
        # A dropped value leaves the known place's field as it was rather than empty it.
        kept = presentes | set(multi) | ({"pivot"} if "pivot" in ligne.valeurs else set())
        ligne.presentes = frozenset(n for n in kept if n in ligne.valeurs or n not in dropped)
        return ligne

    # --- lists and enumerated values -----------------------------------------------------

    def _split(self, name: str, text: str, note: _Note) -> list[str]:
        if MULTI_SEPARATOR in text or ";" not in text:
            return [v.strip() for v in text.split(MULTI_SEPARATOR) if v.strip()]
        note(name, Genre.NORMALISE, text, _("Séparateur « ; » remplacé par « | »."))
        return [v.strip() for v in text.split(";") if v.strip()]

    def _lookup(self, col: str, value: str) -> list[tuple[str, str]] | Literal[False] | None:
        """Where a value goes: [(field, v1 value)], None (free label), or False (unknown)."""
        found = self._lookup_v1(col, value)
        if found is not None:
            self.valeurs_v1 += 1
            return [(col, found)]
        target = ancienne_valeur(_LEGACY_OF.get(col, col), value)
        if target is False:
            return target
        self.valeurs_v0 += 1
        if target is None:
            return None
        return [] if target == GENERAL_PUBLIC else [target]

    def _lookup_v1(self, col: str, value: str) -> str | None:
        if col not in self.enum_keys:
            return None
        for k in cles(value):
            if k in self.enum_keys[col]:
                return self.enum_keys[col][k]
            if k in self.short_keys[col]:
                return self.short_keys[col][k]
        return alias_v1(col, value)

    def _enum_value(self, col: str, value: str, multi: dict[str, list[str]], note: _Note) -> None:
        found = self._lookup(col, value)
        if found is False and "," in value:
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if all(self._lookup(col, p) is not False for p in parts):
                note(
                    col,
                    Genre.NORMALISE,
                    value,
                    _("Liste séparée par des virgules, lue en {n} valeurs.").format(n=len(parts)),
                )
                for part in parts:
                    self._enum_value(col, part, multi, note)
                return
        if found is False and col not in LABEL_COLUMNS:
            note(
                col,
                Genre.INVALIDE,
                value,
                _("Valeur hors de la liste du schéma national : « {value} ».").format(value=value),
            )
            return
        if found is None or found is False:
            multi.setdefault(FREE_LABELS, []).append(value)
            note(
                col,
                Genre.NORMALISE,
                value,
                _("« {value} » n'a pas d'équivalent dans la liste v1 : gardé dans {field}.").format(
                    value=value, field=FREE_LABELS
                ),
            )
            return
        if not found:
            note(
                col,
                Genre.NORMALISE,
                value,
                _("« {value} » : tout public, ce que dit un champ « publics » vide en v1.").format(
                    value=value
                ),
            )
            return
        for field_name, canonical in found:
            multi.setdefault(field_name, []).append(canonical)
            if canonical == value or value == ETAPES_NUMERIQUES_SCHEMA:
                continue
            message = (
                _("« {old} » → « {new} ».").format(old=value, new=canonical)
                if field_name == col
                else _("« {old} » → {field} « {new} ».").format(
                    old=value, field=field_name, new=canonical
                )
            )
            note(col, Genre.NORMALISE, value, message)

    # --- single values -------------------------------------------------------------------

    def _scalar(self, f: SchemaField, text: str, note: _Note) -> Any:
        name = f.name
        if f.type == "number":
            return self._number(name, text, note)
        if f.type == "date":
            return self._date(name, text, note)
        if name == "telephone":
            text = self._phone(text, note)
        elif name == "pivot":
            text = self._pivot(text, note)
        elif name in ("code_postal", "code_insee") and re.fullmatch(r"\d{4}", text):
            note(name, Genre.NORMALISE, text, _("Zéro initial rétabli."))
            text = "0" + text
        elif name in ("site_web", "prise_rdv", "fiche_acces_libre"):
            text = self._urls(name, text, note)
        elif name == "courriels":
            text = self._emails(text, note)
        elif name == "typologie":
            text = MULTI_SEPARATOR.join(v for v in re.split(r"\s*[|;,]\s*", text) if v)
        elif f.multi:
            text = MULTI_SEPARATOR.join(self._split(name, text, note))
        elif name == "horaires" and not horaires.lisible(text):
            note(
                name,
                Genre.AVERTISSEMENT,
                text,
                _(
                    "Horaires illisibles au format OpenStreetMap : conservés, mais l'ouverture "
                    "sera « horaires inconnus »."
                ),
            )
        if f.pattern is not None and not f.pattern.search(text):
            note(name, Genre.INVALIDE, text, _("Format non conforme au schéma national."))
            return None
        return text

    def _number(self, name: str, text: str, note: _Note) -> float | None:
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            note(name, Genre.INVALIDE, text, _("Nombre attendu."))
            return None
        limit = 90.0 if name == "latitude" else 180.0
        if not -limit <= number <= limit:
            note(name, Genre.INVALIDE, text, _("Coordonnée hors limites."))
            return None
        if "," in text:
            note(name, Genre.NORMALISE, text, _("Virgule décimale remplacée par un point."))
        return number

    def _date(self, name: str, text: str, note: _Note) -> date | None:
        parsed: date | None = None
        if _DATE.fullmatch(text):
            try:
                parsed = date.fromisoformat(text[:10])
            except ValueError:
                parsed = None
            if parsed is not None and len(text) > 10:
                note(name, Genre.NORMALISE, text, _("Heure retirée : seule la date est gardée."))
        for fmt in ("%d/%m/%Y", "%d-%m-%Y"):
            if parsed is not None:
                break
            try:
                parsed = datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            note(name, Genre.NORMALISE, text, _("Date mise au format AAAA-MM-JJ."))
        if parsed is None:
            note(name, Genre.INVALIDE, text, _("Date attendue au format AAAA-MM-JJ."))
        elif parsed in _PLACEHOLDER_DATES:
            note(
                name,
                Genre.AVERTISSEMENT,
                text,
                _("Date de remplacement (zéro d'un logiciel), pas une vraie mise à jour."),
            )
        return parsed

    def _pivot(self, text: str, note: _Note) -> str:
        excel = _EXCEL_NUMBER.fullmatch(text.strip())
        if excel is not None:
            return self._pivot_excel(text, excel, note)
        compact = re.sub(r"[\s.]", "", text)
        if compact != text:
            note("pivot", Genre.NORMALISE, text, _("Espaces retirés."))
        if compact == "0" * 14:
            note(
                "pivot",
                Genre.AVERTISSEMENT,
                compact,
                _("« 00000000000000 » tient la place d'un SIRET inconnu : à compléter."),
            )
        elif re.fullmatch(r"\d{14}", compact) and not _siret_ok(compact):
            note(
                "pivot",
                Genre.AVERTISSEMENT,
                compact,
                _("Clé de contrôle du SIRET fausse : vérifiez-le sur annuaire-entreprises."),
            )
        return compact

    def _pivot_from_id(self, valeurs: dict[str, Any], note: _Note) -> None:
        # The national map's first files had no « pivot »: their « id » was the SIRET.
        ident = str(valeurs.get("id") or "")
        if "pivot" in valeurs or not re.fullmatch(r"\d{14}", ident):
            return
        valeurs["pivot"] = self._pivot(ident, note)
        note("pivot", Genre.NORMALISE, ident, _("SIRET repris de l'identifiant (ancien fichier)."))

    def _pivot_excel(self, text: str, match: re.Match[str], note: _Note) -> str:
        digits = match[1] + match[2]
        exponent = int(match[3])
        if len(digits) == 14 and exponent == 13:
            note(
                "pivot",
                Genre.NORMALISE,
                text,
                _("SIRET écrit par un tableur en notation scientifique : chiffres rétablis."),
            )
            return self._pivot(digits, note)
        note(
            "pivot",
            Genre.INVALIDE,
            text,
            _(
                "SIRET abîmé par un tableur (notation scientifique, {n} chiffres sur 14 gardés) : "
                "mettez la colonne au format Texte et ressaisissez-le."
            ).format(n=len(digits)),
        )
        return ""

    def _phone(self, text: str, note: _Note) -> str:
        numbers = [p for p in re.split(r"\s*(?:/|;|,|\bou\b|\bet\b|\|)\s*", text) if p.strip()]
        if len(numbers) > 1 and to_e164(numbers[0]):
            note(
                "telephone",
                Genre.AVERTISSEMENT,
                text,
                _("Plusieurs numéros : seul le premier est gardé (le schéma n'en prévoit qu'un)."),
            )
            text = numbers[0]
        # Not recognised: kept as typed (compacted), and the schema check reports it.
        compact = to_e164(text) or re.sub(r"[\s.\-/]|\(0\)", "", text)
        if re.fullmatch(r"33[1-9]\d{8}", compact):  # the « + » lost by a spreadsheet
            compact = "+" + compact
        if compact != text:
            note(
                "telephone",
                Genre.NORMALISE,
                text,
                _("« {old} » → « {new} ».").format(old=text, new=compact),
            )
        return compact

    def _urls(self, name: str, text: str, note: _Note) -> str:
        fixed = []
        for url in re.split(r"\s*[|;]\s*|,(?=\s*https?://)", text):
            url = url.strip()
            if url and not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.IGNORECASE):
                note(name, Genre.NORMALISE, url, _("« https:// » ajouté."))
                url = "https://" + url
            if url:
                fixed.append(url)
        return MULTI_SEPARATOR.join(fixed)

    def _emails(self, text: str, note: _Note) -> str:
        emails = [e for e in re.split(r"[\s|;,]+", text) if e]
        for email in emails:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
                note("courriels", Genre.AVERTISSEMENT, email, _("Adresse e-mail douteuse."))
        return MULTI_SEPARATOR.join(emails)

    # --- checks across fields ------------------------------------------------------------

    def _lengths(self, valeurs: dict[str, Any], note: _Note) -> None:
        """Both database engines must accept what passes here: PostgreSQL enforces sizes."""
        for name, limit in limites_colonnes().items():
            value = valeurs.get(name)
            if not isinstance(value, str) or len(value) <= limit:
                continue
            message = _("Trop long : {n} caractères, {limit} au plus.").format(
                n=len(value), limit=limit
            )
            f = self.fields[name]
            if name in self.required or self.strict or f.multi or f.pattern is not None:
                note(name, Genre.INVALIDE, value[:60] + "…", message)
                del valeurs[name]
                continue
            valeurs[name] = value[: limit - 1].rstrip() + "…"
            note(name, Genre.AVERTISSEMENT, value[:60] + "…", message + " " + _("Texte raccourci."))

    def _position(self, valeurs: dict[str, Any], note: _Note) -> None:
        lat, lon = valeurs.get("latitude"), valeurs.get("longitude")
        if (lat is None) != (lon is None):
            alone = "latitude" if lat is not None else "longitude"
            note(
                alone,
                Genre.INVALIDE,
                lat if lat is not None else lon,
                _("Une latitude sans longitude (ou l'inverse) ne place pas un lieu."),
            )
            valeurs.pop(alone)
            return
        if lat is None or lon is None:
            return
        code = valeurs.get("code_insee")
        for anomalie in anomalies(lat, lon, code):
            note("latitude", Genre.AVERTISSEMENT, f"{lat}, {lon}", anomalie.message)
        if en_france(lat, lon) and not commune_placee(code):
            self.communes_non_verifiees[code or ""] += 1
        if lat == 0 and lon == 0 and not self.strict:
            valeurs.pop("latitude")
            valeurs.pop("longitude")


def _siret_ok(siret: str) -> bool:
    """The SIRET check digit: Luhn, except La Poste's establishments (sum of digits by 5)."""
    if siret.startswith(LA_POSTE_SIREN):
        return sum(int(c) for c in siret) % 5 == 0
    return luhn_ok(siret)


def _texte(raw_value: object) -> str:
    if raw_value is None or raw_value == "":
        return ""
    if isinstance(raw_value, list):
        text = MULTI_SEPARATOR.join(str(v) for v in raw_value if v is not None)
    else:
        text = str(raw_value)
    text = text.strip()
    # Most cells are plain ASCII: only the others can need composing (é typed as e + ´).
    return text if text.isascii() else unicodedata.normalize("NFC", text)


# --- writing ---------------------------------------------------------------------------------

_WRITABLE = tuple(n for n in load_schema().names if n != "id")


def importer_lieux(
    session: Session,
    actor: Actor,
    rapport: RapportImport,
    progress: Progress = NO_PROGRESS,
) -> ResultatImport:
    """Write the report's valid rows: create new places, update known ones by ``id``.

    A known place gets only the fields whose column is in the file: an absent column leaves its
    field as it is, a present but empty cell empties it.
    """
    require(actor, Permission.LIEUX_GERER)
    result = ResultatImport(ignores=len(rapport.lignes_invalides))
    valid = rapport.lignes_valides
    existing: dict[str, Lieu] = {}
    identifiants = [ligne.identifiant for ligne in valid]
    for start in range(0, len(identifiants), 1000):  # bound the parameters of one statement
        chunk = identifiants[start : start + 1000]
        existing.update(
            (lieu.identifiant, lieu)
            for lieu in session.scalars(select(Lieu).where(Lieu.identifiant.in_(chunk)))
        )
    new_rows: list[dict[str, Any]] = []
    conserves: set[str] = set()
    for index, ligne in enumerate(valid):
        if index % 500 == 0:
            progress.step(index, len(valid), _("Enregistrement des lieux…"))
        lieu = existing.get(ligne.identifiant)
        if lieu is None:
            values = {n: ligne.valeurs.get(n) for n in _WRITABLE}
            new_rows.append({"identifiant": ligne.identifiant, **values})
            result.crees.append(ligne.identifiant)
            continue
        present = [n for n in _WRITABLE if n in ligne.presentes]
        conserves.update(n for n in _WRITABLE if n not in ligne.presentes)
        changed = [n for n in present if getattr(lieu, n) != ligne.valeurs.get(n)]
        if not changed:
            result.inchanges.append(ligne.identifiant)
            continue
        for name in changed:
            setattr(lieu, name, ligne.valeurs.get(name))
        result.modifies[ligne.identifiant] = changed
    result.conserves = [n for n in _WRITABLE if n in conserves]
    # New places go in as one bulk INSERT: a national file is twenty thousand of them. The
    # table's own INSERT (Core, one executemany), not the ORM's bulk insert, which splits the
    # rows into one statement per set of non-null columns (13,000 statements for 20,000 rows).
    table = cast(Table, Lieu.__table__)
    for start in range(0, len(new_rows), 2000):
        session.execute(insert(table), new_rows[start : start + 2000])
    session.flush()
    journal_lieux.importation(
        session,
        actor,
        format=rapport.format.value,
        crees=len(result.crees),
        modifies=len(result.modifies),
        inchanges=len(result.inchanges),
        ignores=result.ignores,
    )
    progress.step(len(valid), len(valid), _("Import terminé."))
    return result
